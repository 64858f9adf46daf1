// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s

// Concat inserts each input into a tensor.empty at the running offset.
// CHECK-LABEL: func.func @concat_kv_cache
// CHECK-SAME: (%[[PAST:.*]]: tensor<1x12x?x64xf32>, %[[NEW:.*]]: tensor<1x12x1x64xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[PAST]], %c2
// CHECK: %[[N:.*]] = arith.addi %[[D]], %c1 : index
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<1x12x?x64xf32>
// CHECK: %[[D2:.*]] = tensor.dim %[[PAST]], %c2
// CHECK: %[[A:.*]] = tensor.insert_slice %[[PAST]] into %[[E]][0, 0, 0, 0] [1, 12, %[[D2]], 64] [1, 1, 1, 1]
// CHECK: %[[B:.*]] = tensor.insert_slice %[[NEW]] into %[[A]][0, 0, %[[D2]], 0] [1, 12, 1, 64] [1, 1, 1, 1]
// CHECK: return %[[B]]
func.func @concat_kv_cache(%past: tensor<1x12x?x64xf32>, %new: tensor<1x12x1x64xf32>) -> tensor<1x12x?x64xf32> {
  %0 = xfmr.concat %past, %new {axis = 2 : i64} : (tensor<1x12x?x64xf32>, tensor<1x12x1x64xf32>) -> tensor<1x12x?x64xf32>
  return %0 : tensor<1x12x?x64xf32>
}

// -----

// An input with no elements is not inserted.
// CHECK-LABEL: func.func @concat_empty_input
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %arg0 into %[[E]][0, 0] [2, 3] [1, 1]
// CHECK-NOT: %arg1
// CHECK: %[[C:.*]] = tensor.insert_slice %arg2 into %[[A]][2, 0] [1, 3] [1, 1]
// CHECK: return %[[C]]
func.func @concat_empty_input(%a: tensor<2x3xf32>, %b: tensor<0x3xf32>, %c: tensor<1x3xf32>) -> tensor<3x3xf32> {
  %0 = xfmr.concat %a, %b, %c {axis = 0 : i64} : (tensor<2x3xf32>, tensor<0x3xf32>, tensor<1x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// CHECK-LABEL: func.func @split_qkv
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x2304xf32>)
// CHECK: %[[Q:.*]] = tensor.extract_slice %[[X]][0, 0, 0] [%{{.*}}, %{{.*}}, 768] [1, 1, 1] : tensor<?x?x2304xf32> to tensor<?x?x768xf32>
// CHECK: %[[K:.*]] = tensor.extract_slice %[[X]][0, 0, 768] [%{{.*}}, %{{.*}}, 768] [1, 1, 1]
// CHECK: %[[V:.*]] = tensor.extract_slice %[[X]][0, 0, 1536] [%{{.*}}, %{{.*}}, 768] [1, 1, 1]
// CHECK: return %[[Q]], %[[K]], %[[V]]
func.func @split_qkv(%x: tensor<?x?x2304xf32>) -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>) {
  %q, %k, %v = xfmr.split %x {axis = -1 : i64, sizes = array<i64: 768, 768, 768>} : (tensor<?x?x2304xf32>) -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>)
  return %q, %k, %v : tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>
}

// -----

// A piece of size 0 is an empty tensor, not a slice.
// CHECK-LABEL: func.func @split_zero_size
// CHECK: %[[A:.*]] = tensor.extract_slice %arg0[0, 0] [2, 4] [1, 1]
// CHECK: %[[B:.*]] = tensor.empty() : tensor<2x0xf32>
// CHECK: %[[C:.*]] = tensor.extract_slice %arg0[0, 4] [2, 2] [1, 1]
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @split_zero_size(%x: tensor<2x6xf32>) -> (tensor<2x4xf32>, tensor<2x0xf32>, tensor<2x2xf32>) {
  %a, %b, %c = xfmr.split %x {axis = 1 : i64, sizes = array<i64: 4, 0, 2>} : (tensor<2x6xf32>) -> (tensor<2x4xf32>, tensor<2x0xf32>, tensor<2x2xf32>)
  return %a, %b, %c : tensor<2x4xf32>, tensor<2x0xf32>, tensor<2x2xf32>
}

// -----

// Constant starts, ends and positive steps give a static extract_slice,
// clamped as ONNX says (an end past the dim stops at the dim).
// CHECK-LABEL: func.func @slice_static
// CHECK: %[[S:.*]] = tensor.extract_slice %arg0[0, 1, 0] [3, 5, 5] [1, 2, 1] : tensor<20x10x5xf32> to tensor<3x5x5xf32>
// CHECK: return %[[S]]
func.func @slice_static(%x: tensor<20x10x5xf32>) -> tensor<3x5x5xf32> {
  %s = xfmr.constant dense<[0, 1]> : tensor<2xi64>
  %e = xfmr.constant dense<[3, 1000]> : tensor<2xi64>
  %a = xfmr.constant dense<[0, -2]> : tensor<2xi64>
  %st = xfmr.constant dense<[1, 2]> : tensor<2xi64>
  %0 = xfmr.slice %x, %s, %e, %a, %st : (tensor<20x10x5xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<3x5x5xf32>
  return %0 : tensor<3x5x5xf32>
}

// -----

// A run-time end is wrapped and clamped to the dim.
// CHECK-LABEL: func.func @slice_causal_mask
// CHECK-SAME: (%[[M:.*]]: tensor<1x1x1024x1024xi1>, %[[END:.*]]: tensor<1xi64>)
// CHECK: %[[E:.*]] = tensor.extract %[[END]][%c0] : tensor<1xi64>
// CHECK: %[[I:.*]] = arith.index_cast %[[E]] : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[I]], %c0 : index
// CHECK: %[[W:.*]] = arith.addi %[[I]], %c1024 : index
// CHECK: %[[S:.*]] = arith.select %[[NEG]], %[[W]], %[[I]] : index
// CHECK: %[[LO:.*]] = arith.maxsi %[[S]], %c0 : index
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]], %c1024 : index
// CHECK: %[[N:.*]] = arith.maxsi %[[HI]], %c0 : index
// CHECK: %[[R:.*]] = tensor.extract_slice %[[M]][0, 0, 0, 0] [1, 1, %[[N]], 1024] [1, 1, 1, 1] : tensor<1x1x1024x1024xi1> to tensor<1x1x?x1024xi1>
// CHECK: return %[[R]]
func.func @slice_causal_mask(%m: tensor<1x1x1024x1024xi1>, %end: tensor<1xi64>) -> tensor<1x1x?x1024xi1> {
  %z = xfmr.constant dense<0> : tensor<1xi64>
  %a = xfmr.constant dense<2> : tensor<1xi64>
  %0 = xfmr.slice %m, %z, %end, %a : (tensor<1x1x1024x1024xi1>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x1x?x1024xi1>
  return %0 : tensor<1x1x?x1024xi1>
}

// -----

// Negative steps walk each dim back from its clamped start in a gather.
// CHECK-DAG: #[[$ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @slice_negative_steps
// CHECK: %[[E:.*]] = tensor.empty() : tensor<19x3x2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} outs(%[[E]] : tensor<19x3x2xf32>)
// CHECK:   %[[I:.*]] = linalg.index 0 : index
// CHECK:   %[[J:.*]] = linalg.index 1 : index
// CHECK:   %[[K:.*]] = linalg.index 2 : index
// CHECK:   %[[I1:.*]] = arith.muli %[[I]], %c-1 : index
// CHECK:   %[[I2:.*]] = arith.addi %[[I1]], %c19 : index
// CHECK:   %[[J1:.*]] = arith.muli %[[J]], %c-3 : index
// CHECK:   %[[J2:.*]] = arith.addi %[[J1]], %c9 : index
// CHECK:   %[[K1:.*]] = arith.muli %[[K]], %c-2 : index
// CHECK:   %[[K2:.*]] = arith.addi %[[K1]], %c4 : index
// CHECK:   %[[V:.*]] = tensor.extract %arg0[%[[I2]], %[[J2]], %[[K2]]] : tensor<20x10x5xf32>
// CHECK:   linalg.yield %[[V]] : f32
func.func @slice_negative_steps(%x: tensor<20x10x5xf32>) -> tensor<19x3x2xf32> {
  %s = xfmr.constant dense<[20, 10, 4]> : tensor<3xi64>
  %e = xfmr.constant dense<[0, 0, 1]> : tensor<3xi64>
  %a = xfmr.constant dense<[0, 1, 2]> : tensor<3xi64>
  %st = xfmr.constant dense<[-1, -3, -2]> : tensor<3xi64>
  %0 = xfmr.slice %x, %s, %e, %a, %st : (tensor<20x10x5xf32>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>) -> tensor<19x3x2xf32>
  return %0 : tensor<19x3x2xf32>
}

// -----

// Run-time axes are compared with every dim; the slice keeps positive
// strides when all steps are known positive.
// CHECK-LABEL: func.func @slice_runtime_axes
// CHECK-SAME: (%[[X:.*]]: tensor<4x?xf32>, %[[S:.*]]: tensor<1xi64>, %[[E:.*]]: tensor<1xi64>, %[[A:.*]]: tensor<1xi64>)
// CHECK: %[[AX:.*]] = tensor.extract %[[A]][%c0] : tensor<1xi64>
// CHECK: %[[IS0:.*]] = arith.cmpi eq, %{{.*}}, %c0 : index
// CHECK: %[[IS1:.*]] = arith.cmpi eq, %{{.*}}, %c1 : index
// CHECK: %[[R:.*]] = tensor.extract_slice %[[X]][%{{.*}}, %{{.*}}] [%{{.*}}, %{{.*}}] [1, 1] : tensor<4x?xf32> to tensor<?x?xf32>
// CHECK: return %[[R]]
func.func @slice_runtime_axes(%x: tensor<4x?xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %a: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = xfmr.slice %x, %s, %e, %a : (tensor<4x?xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Run-time steps may be negative: the start and count select between the
// two clampings, and the gather walks by the step. A step of 0 fails the
// check and slices with 1 (no division by 0).
// CHECK-LABEL: func.func @slice_runtime_steps
// CHECK: %[[E:.*]] = tensor.extract %arg3[%c0] : tensor<1xi64>
// CHECK: %[[GIVEN:.*]] = arith.index_cast %[[E]] : i64 to index
// CHECK: %[[ZERO:.*]] = arith.cmpi eq, %[[GIVEN]], %c0 : index
// CHECK: scf.if %[[ZERO]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[STEP:.*]] = arith.select %[[ZERO]], %c1, %[[GIVEN]] : index
// CHECK: %[[FWD:.*]] = arith.cmpi sgt, %[[STEP]], %c0 : index
// CHECK: %[[FIRST:.*]] = arith.select %[[FWD]]
// CHECK: %[[STOP:.*]] = arith.select %[[FWD]]
// CHECK: %[[DIFF:.*]] = arith.subi %[[STOP]], %[[FIRST]] : index
// CHECK: %[[Q:.*]] = arith.ceildivsi %[[DIFF]], %[[STEP]] : index
// CHECK: %[[N:.*]] = arith.maxsi %[[Q]], %c0 : index
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK: linalg.generic {{.*}} outs(%[[EMPTY]] : tensor<?xf32>)
// CHECK:   %[[I:.*]] = linalg.index 0 : index
// CHECK:   %[[OFF:.*]] = arith.muli %[[I]], %[[STEP]] : index
// CHECK:   %[[AT:.*]] = arith.addi %[[FIRST]], %[[OFF]] : index
// CHECK:   tensor.extract %arg0[%[[AT]]] : tensor<?xf32>
func.func @slice_runtime_steps(%x: tensor<?xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %st: tensor<1xi64>) -> tensor<?xf32> {
  %a = xfmr.constant dense<0> : tensor<1xi64>
  %0 = xfmr.slice %x, %s, %e, %a, %st : (tensor<?xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Gather: the indices are read through the map, wrapped when negative,
// clamped into the table (runtime-checks.mlir has the check that reports
// them), and the table is read with tensor.extract.
// CHECK-DAG: #[[$IDS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$OUT3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @gather_embedding
// CHECK-SAME: (%[[T:.*]]: tensor<30522x768xf32>, %[[IDS:.*]]: tensor<?x?xi64>)
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x768xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$IDS]], #[[$OUT3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[IDS]] : tensor<?x?xi64>) outs(%[[E]] : tensor<?x?x768xf32>)
// CHECK: ^bb0(%[[ID:.*]]: i64, %{{.*}}: f32):
// CHECK:   %[[K:.*]] = linalg.index 2 : index
// CHECK:   %[[I:.*]] = arith.index_cast %[[ID]] : i64 to index
// CHECK:   %[[NEG:.*]] = arith.cmpi slt, %[[I]], %c0 : index
// CHECK:   %[[W:.*]] = arith.addi %[[I]], %c30522 : index
// CHECK:   %[[WRAPPED:.*]] = arith.select %[[NEG]], %[[W]], %[[I]] : index
// CHECK:   %[[ROW0:.*]] = arith.maxsi %[[WRAPPED]], %c0 : index
// CHECK:   %[[ROW:.*]] = arith.minsi %[[ROW0]], %c30521 : index
// CHECK:   %[[V:.*]] = tensor.extract %[[T]][%[[ROW]], %[[K]]] : tensor<30522x768xf32>
// CHECK:   linalg.yield %[[V]] : f32
func.func @gather_embedding(%t: tensor<30522x768xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x768xf32> {
  %0 = xfmr.gather %t, %ids {axis = 0 : i64} : (tensor<30522x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// A scalar index on a dynamic axis wraps by the dim read at run time.
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @gather_scalar_index
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[I:.*]]: tensor<i32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c0
// CHECK: linalg.generic {indexing_maps = [#[[$SCALAR]], #{{.*}}]{{.*}} ins(%[[I]] : tensor<i32>)
// CHECK:   %[[J:.*]] = linalg.index 0 : index
// CHECK:   arith.index_cast %{{.*}} : i32 to index
// CHECK:   %[[W:.*]] = arith.addi %{{.*}}, %[[D]] : index
// CHECK:   %[[WRAPPED:.*]] = arith.select %{{.*}}, %[[W]], %{{.*}} : index
// CHECK:   %[[LAST:.*]] = arith.subi %[[D]], %c1 : index
// CHECK:   %[[R0:.*]] = arith.maxsi %[[WRAPPED]], %c0 : index
// CHECK:   %[[R:.*]] = arith.minsi %[[R0]], %[[LAST]] : index
// CHECK:   tensor.extract %[[X]][%[[R]], %[[J]]] : tensor<?x8xf32>
func.func @gather_scalar_index(%x: tensor<?x8xf32>, %i: tensor<i32>) -> tensor<8xf32> {
  %0 = xfmr.gather %x, %i {axis = 0 : i64} : (tensor<?x8xf32>, tensor<i32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// CHECK-DAG: #[[$ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @gather_elements
// CHECK-SAME: (%[[X:.*]]: tensor<2x128xi64>, %[[IDX:.*]]: tensor<2x?xi32>)
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<2x?xi64>
// CHECK: linalg.generic {indexing_maps = [#[[$ID2]], #[[$ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[IDX]] : tensor<2x?xi32>) outs(%[[E]] : tensor<2x?xi64>)
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i64):
// CHECK:   %[[I:.*]] = linalg.index 0 : index
// CHECK:   %[[C:.*]] = arith.index_cast %[[IN]] : i32 to index
// CHECK:   %[[W:.*]] = arith.addi %[[C]], %c128 : index
// CHECK:   %[[WRAPPED:.*]] = arith.select %{{.*}}, %[[W]], %[[C]] : index
// CHECK:   %[[J0:.*]] = arith.maxsi %[[WRAPPED]], %c0 : index
// CHECK:   %[[J:.*]] = arith.minsi %[[J0]], %c127 : index
// CHECK:   %[[V:.*]] = tensor.extract %[[X]][%[[I]], %[[J]]] : tensor<2x128xi64>
// CHECK:   linalg.yield %[[V]] : i64
func.func @gather_elements(%x: tensor<2x128xi64>, %idx: tensor<2x?xi32>) -> tensor<2x?xi64> {
  %0 = xfmr.gather_elements %x, %idx {axis = 1 : i64} : (tensor<2x128xi64>, tensor<2x?xi32>) -> tensor<2x?xi64>
  return %0 : tensor<2x?xi64>
}

// -----

// GatherND reads each index tuple from the indices tensor in the body; the
// batch dim indexes both.
// CHECK-LABEL: func.func @gather_nd_batch
// CHECK-SAME: (%[[X:.*]]: tensor<4x5x6xf32>, %[[IDX:.*]]: tensor<4x3x2xi64>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK: linalg.generic {{.*}} outs(%[[E]] : tensor<4x3xf32>)
// CHECK:   %[[B:.*]] = linalg.index 0 : index
// CHECK:   %[[I:.*]] = linalg.index 1 : index
// CHECK:   %[[T0:.*]] = tensor.extract %[[IDX]][%[[B]], %[[I]], %c0] : tensor<4x3x2xi64>
// CHECK:   arith.addi %{{.*}}, %c5 : index
// CHECK:   arith.select
// CHECK:   %[[P0:.*]] = arith.minsi %{{.*}}, %c4 : index
// CHECK:   %[[T1:.*]] = tensor.extract %[[IDX]][%[[B]], %[[I]], %c1] : tensor<4x3x2xi64>
// CHECK:   arith.addi %{{.*}}, %c6 : index
// CHECK:   arith.select
// CHECK:   %[[P1:.*]] = arith.minsi %{{.*}}, %c5 : index
// CHECK:   %[[V:.*]] = tensor.extract %[[X]][%[[B]], %[[P0]], %[[P1]]] : tensor<4x5x6xf32>
// CHECK:   linalg.yield %[[V]] : f32
func.func @gather_nd_batch(%x: tensor<4x5x6xf32>, %idx: tensor<4x3x2xi64>) -> tensor<4x3xf32> {
  %0 = xfmr.gather_nd %x, %idx {batch_dims = 1 : i64} : (tensor<4x5x6xf32>, tensor<4x3x2xi64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Trilu keeps an element by comparing col - row with k; upper drops
// col - row < k, lower drops col - row > k.
// CHECK-LABEL: func.func @trilu
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xf32>, %[[K:.*]]: tensor<i64>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<?x?xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[R:.*]] = linalg.index 0 : index
// CHECK:   %[[C:.*]] = linalg.index 1 : index
// CHECK:   %[[D:.*]] = arith.subi %[[C]], %[[R]] : index
// CHECK:   %[[DROP:.*]] = arith.cmpi sgt, %[[D]], %c0 : index
// CHECK:   %[[V:.*]] = arith.select %[[DROP]], %[[ZERO]], %[[IN]] : f32
// CHECK:   linalg.yield %[[V]] : f32
// CHECK: %[[KE:.*]] = tensor.extract %[[K]][] : tensor<i64>
// CHECK: %[[KI:.*]] = arith.index_cast %[[KE]] : i64 to index
// CHECK: linalg.generic
// CHECK:   %[[D2:.*]] = arith.subi
// CHECK:   %[[DROP2:.*]] = arith.cmpi slt, %[[D2]], %[[KI]] : index
// CHECK:   arith.select %[[DROP2]], %[[ZERO]], %{{.*}} : f32
func.func @trilu(%x: tensor<?x?xf32>, %k: tensor<i64>) -> (tensor<?x?xf32>, tensor<?x?xf32>) {
  %0 = xfmr.trilu %x {upper = false} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %1 = xfmr.trilu %x, %k : (tensor<?x?xf32>, tensor<i64>) -> tensor<?x?xf32>
  return %0, %1 : tensor<?x?xf32>, tensor<?x?xf32>
}

// -----

// CumSum carries the running sum of size-1 slices through an scf.for and
// inserts it into the result at each position.
// CHECK-LABEL: func.func @cumsum
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xi64>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : i64) outs(%{{.*}} : tensor<?x1xi64>)
// CHECK: %[[OUT:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xi64>
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[IV:.*]] = %c0 to %[[N]] step %c1 iter_args(%[[SUM:.*]] = %[[ACC]], %[[RES:.*]] = %[[OUT]])
// CHECK:   %[[S:.*]] = tensor.extract_slice %[[X]][0, %[[IV]]] [%{{.*}}, 1] [1, 1] : tensor<?x?xi64> to tensor<?x1xi64>
// CHECK:   %[[NEXT:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<?x1xi64>) outs(%[[SUM]] : tensor<?x1xi64>)
// CHECK:     arith.addi
// CHECK:   %[[INS:.*]] = tensor.insert_slice %[[NEXT]] into %[[RES]][0, %[[IV]]] [%{{.*}}, 1] [1, 1]
// CHECK:   scf.yield %[[NEXT]], %[[INS]]
// CHECK: return %[[LOOP]]#1
func.func @cumsum(%x: tensor<?x?xi64>) -> tensor<?x?xi64> {
  %0 = xfmr.cumsum %x {axis = 1 : i64} : tensor<?x?xi64>
  return %0 : tensor<?x?xi64>
}

// -----

// exclusive writes the sum before adding the slice; reverse walks from the
// end of the axis.
// CHECK-LABEL: func.func @cumsum_exclusive_reverse
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: scf.for %[[IV:.*]] = %c0 to %[[N]] step %c1 iter_args(%[[SUM:.*]] = %{{.*}}, %[[RES:.*]] = %{{.*}})
// CHECK:   %[[LAST:.*]] = arith.subi %[[N]], %c1 : index
// CHECK:   %[[AT:.*]] = arith.subi %[[LAST]], %[[IV]] : index
// CHECK:   %[[S:.*]] = tensor.extract_slice %arg0[%[[AT]], 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
// CHECK:   %[[INS:.*]] = tensor.insert_slice %[[SUM]] into %[[RES]][%[[AT]], 0] [1, 4] [1, 1]
// CHECK:   %[[NEXT:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<1x4xf32>) outs(%[[SUM]] : tensor<1x4xf32>)
// CHECK:     arith.addf
// CHECK:   scf.yield %[[NEXT]], %[[INS]]
func.func @cumsum_exclusive_reverse(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = xfmr.cumsum %x {axis = 0 : i64, exclusive, reverse} : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// cumprod is cumsum's loop with a running product that starts from 1.
// CHECK-LABEL: func.func @cumprod
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ONE]] : f32)
// CHECK: scf.for
// CHECK:   linalg.generic
// CHECK:     arith.mulf
func.func @cumprod(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %0 = xfmr.cumprod %x {axis = 1 : i64} : tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}
