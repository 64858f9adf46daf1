// RUN: xfmr-opt %s -split-input-file -resolve-ranked-shaped-type-result-dims -canonicalize -cse | FileCheck %s

// Dynamic result dims of xfmr ops are reified from their operands, so a
// `tensor.dim` of a result never needs the op itself.

// CHECK-LABEL: func.func @broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<?x1xf32>, %[[B:.*]]: tensor<?xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[A]], %[[C0]]
// CHECK-DAG: %[[D1:.*]] = tensor.dim %[[B]], %[[C0]]
// CHECK: return %[[D0]], %[[D1]]
func.func @broadcast(%a: tensor<?x1xf32>, %b: tensor<?xf32>) -> (index, index) {
  %0 = xfmr.add %a, %b : (tensor<?x1xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %0, %c0 : tensor<?x?xf32>
  %d1 = tensor.dim %0, %c1 : tensor<?x?xf32>
  return %d0, %d1 : index, index
}

// -----

// CHECK-LABEL: func.func @matmul_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x768xf32>, %[[W:.*]]: tensor<768x?xf32>)
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[X]], %[[C1]]
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[W]], %[[C1]]
// CHECK: return %[[N]], %[[S]]
func.func @matmul_transpose(%x: tensor<?x?x768xf32>, %w: tensor<768x?xf32>) -> (index, index) {
  %0 = xfmr.matmul %x, %w : (tensor<?x?x768xf32>, tensor<768x?xf32>) -> tensor<?x?x?xf32>
  %1 = xfmr.transpose %0 {permutation = array<i64: 2, 1, 0>} : (tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %1, %c0 : tensor<?x?x?xf32>
  %d1 = tensor.dim %1, %c1 : tensor<?x?x?xf32>
  return %d0, %d1 : index, index
}

// -----

// CHECK-LABEL: func.func @concat_and_attention
// CHECK-SAME: (%[[PK:.*]]: tensor<1x12x?x64xf32>, %[[K:.*]]: tensor<1x12x?x64xf32>, %[[Q:.*]]: tensor<1x12x?x64xf32>)
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[P:.*]] = tensor.dim %[[PK]], %[[C2]]
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[K]], %[[C2]]
// CHECK: %[[T:.*]] = arith.addi %[[P]], %[[S]]
// CHECK: %[[SQ:.*]] = tensor.dim %[[Q]], %[[C2]]
// CHECK: return %[[T]], %[[SQ]], %[[T]]
func.func @concat_and_attention(%pk: tensor<1x12x?x64xf32>, %k: tensor<1x12x?x64xf32>, %q: tensor<1x12x?x64xf32>) -> (index, index, index) {
  %0 = xfmr.concat %pk, %k {axis = 2 : i64} : (tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>) -> tensor<1x12x?x64xf32>
  %1:3 = xfmr.attention %q, %k, %k past %pk, %pk : (tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>) -> (tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>)
  %c2 = arith.constant 2 : index
  %d0 = tensor.dim %0, %c2 : tensor<1x12x?x64xf32>
  %d1 = tensor.dim %1#0, %c2 : tensor<1x12x?x64xf32>
  %d2 = tensor.dim %1#1, %c2 : tensor<1x12x?x64xf32>
  return %d0, %d1, %d2 : index, index, index
}

// -----

// A reshape with a runtime shape reads its dims from the shape tensor.
// CHECK-LABEL: func.func @reshape_runtime_shape
// CHECK-SAME: (%[[X:.*]]: tensor<?x768xf32>, %[[S:.*]]: tensor<3xi64>)
// CHECK: tensor.extract %[[S]]
// CHECK-NOT: xfmr.reshape
func.func @reshape_runtime_shape(%x: tensor<?x768xf32>, %s: tensor<3xi64>) -> index {
  %0 = xfmr.reshape %x, %s : (tensor<?x768xf32>, tensor<3xi64>) -> tensor<?x12x64xf32>
  %c0 = arith.constant 0 : index
  %d0 = tensor.dim %0, %c0 : tensor<?x12x64xf32>
  return %d0 : index
}

// -----

// CHECK-LABEL: func.func @slice_runtime_end
// CHECK: tensor.extract
// CHECK: arith.minsi
// CHECK-NOT: xfmr.slice
func.func @slice_runtime_end(%x: tensor<?x768xf32>, %end: tensor<1xi64>) -> index {
  %zero = xfmr.constant dense<0> : tensor<1xi64>
  %axis = xfmr.constant dense<0> : tensor<1xi64>
  %0 = xfmr.slice %x, %zero, %end, %axis : (tensor<?x768xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x768xf32>
  %c0 = arith.constant 0 : index
  %d0 = tensor.dim %0, %c0 : tensor<?x768xf32>
  return %d0 : index
}

// -----

// A delta of 0 reaches the division as 1 (the lowering's check reports
// it), and the one quotient that overflows, INT64_MIN / -1, cannot occur:
// neither traps.
// CHECK-LABEL: func.func @range_runtime_delta
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[MIN:.*]] = arith.constant -9223372036854775807 : index
// CHECK: %[[ZERO:.*]] = arith.cmpi eq, %[[DELTA:.*]], %c0
// CHECK: %[[SAFE:.*]] = arith.select %[[ZERO]], %[[C1]], %[[DELTA]]
// CHECK: %[[SPAN:.*]] = arith.maxsi %{{.*}}, %[[MIN]]
// CHECK: arith.ceildivsi %[[SPAN]], %[[SAFE]]
func.func @range_runtime_delta(%s: tensor<i64>, %l: tensor<i64>, %d: tensor<i64>) -> index {
  %0 = xfmr.range %s, %l, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %0, %c0 : tensor<?xi64>
  return %n : index
}

// -----

// The -1 of a shape takes the elements left after the other dims; their
// product may be 0 at run time (a shape the lowering rejects), and the
// division must not trap on it.
// CHECK-LABEL: func.func @reshape_inferred_dim
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[KNOWN:.*]] = arith.maxsi %{{.*}}, %[[C1]]
// CHECK: arith.divui %{{.*}}, %[[KNOWN]]
func.func @reshape_inferred_dim(%x: tensor<?xf32>, %s: tensor<2xi64>) -> index {
  %0 = xfmr.reshape %x, %s : (tensor<?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %c1 = arith.constant 1 : index
  %d1 = tensor.dim %0, %c1 : tensor<?x?xf32>
  return %d1 : index
}
