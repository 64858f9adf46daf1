// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s

// The indices are checked once against [-8, 8); then loops over the
// updates carry the result, reading the element there to add to it, with
// the index wrapped and clamped into range.
// CHECK-LABEL: func.func @scatter_elements_add
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[I:.*]]: tensor<4x2xi64>, %[[U:.*]]: tensor<4x2xf32>)
// CHECK: scf.if
// CHECK:   func.call @xfmr_check_failed
// CHECK: %[[OUTER:.*]] = scf.for %[[R:.*]] = %c0 to %c4 step %c1 iter_args(%[[A:.*]] = %[[X]])
// CHECK:   scf.for %[[C:.*]] = %c0 to %c2 step %c1 iter_args(%[[B:.*]] = %[[A]])
// CHECK:     %[[RAW:.*]] = tensor.extract %[[I]][%[[R]], %[[C]]]
// CHECK:     %[[AT:.*]] = arith.minsi %{{.*}}, %c7 : index
// CHECK:     %[[NEW:.*]] = tensor.extract %[[U]][%[[R]], %[[C]]]
// CHECK:     %[[OLD:.*]] = tensor.extract %[[B]][%[[R]], %[[AT]]]
// CHECK:     %[[SUM:.*]] = arith.addf %[[OLD]], %[[NEW]] : f32
// CHECK:     %[[INS:.*]] = tensor.insert %[[SUM]] into %[[B]][%[[R]], %[[AT]]]
// CHECK:     scf.yield %[[INS]]
// CHECK: return %[[OUTER]]
func.func @scatter_elements_add(%x: tensor<4x8xf32>, %i: tensor<4x2xi64>, %u: tensor<4x2xf32>) -> tensor<4x8xf32> {
  %0 = xfmr.scatter_elements %x, %i, %u {axis = 1 : i64, reduction = "add"} : (tensor<4x8xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// A KV-cache write: each index tuple picks a row, the inner loop copies the
// row of updates (its length known at run time) without reading the cache.
// CHECK-LABEL: func.func @scatter_nd_rows
// CHECK-SAME: (%[[C:.*]]: tensor<8x?xf32>, %[[P:.*]]: tensor<2x1xi64>, %[[KV:.*]]: tensor<2x?xf32>)
// CHECK: func.call @xfmr_check_failed
// CHECK: %[[N:.*]] = tensor.dim %[[KV]], %c1
// CHECK: scf.for %[[J:.*]] = %c0 to %c2 step %c1 iter_args(%[[A:.*]] = %[[C]])
// CHECK:   scf.for %[[K:.*]] = %c0 to %[[N]] step %c1 iter_args(%[[B:.*]] = %[[A]])
// CHECK:     tensor.extract %[[P]][%[[J]], %c0]
// CHECK:     %[[ROW:.*]] = arith.minsi %{{.*}}, %c7 : index
// CHECK:     %[[V:.*]] = tensor.extract %[[KV]][%[[J]], %[[K]]]
// CHECK-NOT: tensor.extract %[[B]]
// CHECK:     tensor.insert %[[V]] into %[[B]][%[[ROW]], %[[K]]]
func.func @scatter_nd_rows(%c: tensor<8x?xf32>, %p: tensor<2x1xi64>, %kv: tensor<2x?xf32>) -> tensor<8x?xf32> {
  %0 = xfmr.scatter_nd %c, %p, %kv : (tensor<8x?xf32>, tensor<2x1xi64>, tensor<2x?xf32>) -> tensor<8x?xf32>
  return %0 : tensor<8x?xf32>
}

// -----

// CHECK-LABEL: func.func @scatter_nd_max
// CHECK: %[[OLD:.*]] = tensor.extract
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
func.func @scatter_nd_max(%x: tensor<4x4xf32>, %p: tensor<3x2xi32>, %u: tensor<3xf32>) -> tensor<4x4xf32> {
  %0 = xfmr.scatter_nd %x, %p, %u {reduction = "max"} : (tensor<4x4xf32>, tensor<3x2xi32>, tensor<3xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}
