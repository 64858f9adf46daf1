// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --convert-xfmr-to-linalg="mlp-row-block=16" --split-input-file | FileCheck %s --check-prefix=SMALL

// An scf.forall over tiles of 128 rows: each tile runs the up and gate
// projections, the gated activation and the down projection on [rows, H]
// tensors, and inserts its rows into the result.
// CHECK-DAG: #[[$SIZE:.*]] = affine_map<(d0)[s0] -> (128, -d0 + s0)>
// CHECK-LABEL: func.func @swiglu_rows
// CHECK-SAME: (%[[X:.*]]: tensor<?x512xf32>, %[[WU:.*]]: tensor<512x1376xf32>, %[[WG:.*]]: tensor<512x1376xf32>, %[[WD:.*]]: tensor<1376x512xf32>)
// CHECK: %[[M:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[INIT:.*]] = tensor.empty(%[[M]]) : tensor<?x512xf32>
// CHECK: %[[Y:.*]] = scf.forall (%[[R0:.*]]) = (0) to (%[[M]]) step (128) shared_outs(%[[OUT:.*]] = %[[INIT]]) -> (tensor<?x512xf32>) {
// CHECK: %[[RS:.*]] = affine.min #[[$SIZE]](%[[R0]])[%[[M]]]
// CHECK: %[[TILE:.*]] = tensor.extract_slice %[[X]][%[[R0]], 0] [%[[RS]], 512] [1, 1] : tensor<?x512xf32> to tensor<?x512xf32>
// CHECK: %[[UP:.*]] = linalg.generic {{.*}} ins(%[[TILE]], %[[WU]] : tensor<?x512xf32>, tensor<512x1376xf32>) outs(%{{.*}} : tensor<?x1376xf32>)
// CHECK: %[[GATE:.*]] = linalg.generic {{.*}} ins(%[[TILE]], %[[WG]] : tensor<?x512xf32>, tensor<512x1376xf32>) outs(%{{.*}} : tensor<?x1376xf32>)
// CHECK: %[[ACT:.*]] = linalg.generic {{.*}} ins(%[[GATE]] : tensor<?x1376xf32>)
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%[[UP]], %[[ACT]] : tensor<?x1376xf32>, tensor<?x1376xf32>)
// CHECK: %[[DOWN:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[WD]] : tensor<?x1376xf32>, tensor<1376x512xf32>) outs(%{{.*}} : tensor<?x512xf32>)
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[DOWN]] into %[[OUT]][%[[R0]], 0] [%[[RS]], 512] [1, 1] : tensor<?x512xf32> into tensor<?x512xf32>
// CHECK: return %[[Y]]

// SMALL-LABEL: func.func @swiglu_rows
// SMALL: scf.forall ({{.*}}) = (0) to (%{{.*}}) step (16)
func.func @swiglu_rows(%x: tensor<?x512xf32>, %wu: tensor<512x1376xf32>, %wg: tensor<512x1376xf32>, %wd: tensor<1376x512xf32>) -> tensor<?x512xf32> {
  %0 = xfmr.mlp %x up %wu gate %wg down %wd {activation = #xfmr<activation silu>} : (tensor<?x512xf32>, tensor<512x1376xf32>, tensor<512x1376xf32>, tensor<1376x512xf32>) -> tensor<?x512xf32>
  return %0 : tensor<?x512xf32>
}

// -----

// Rows of a static batch and a dynamic sequence: the leading dims are
// merged (a collapse, no copy) and split back after the loop.
// CHECK-LABEL: func.func @batch_rows
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x?x8xf32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x?x8xf32> into tensor<?x8xf32>
// CHECK: %[[Y:.*]] = scf.forall (%[[R0:.*]]) = (0) to (%{{.*}}) step (128) shared_outs(%{{.*}}) -> (tensor<?x4xf32>)
// CHECK: tensor.extract_slice %[[ROWS]][%[[R0]], 0] [%{{.*}}, 8] [1, 1] : tensor<?x8xf32> to tensor<?x8xf32>
// CHECK: tensor.expand_shape %[[Y]] {{\[}}[0, 1], [2]] output_shape [2, %{{.*}}, 4] : tensor<?x4xf32> into tensor<2x?x4xf32>
func.func @batch_rows(%x: tensor<2x?x8xf32>, %wu: tensor<8x16xf32>, %bu: tensor<16xf32>, %wd: tensor<16x4xf32>, %bd: tensor<4xf32>) -> tensor<2x?x4xf32> {
  %0 = xfmr.mlp %x up %wu bias %bu down %wd bias %bd {activation = #xfmr<activation gelu>} : (tensor<2x?x8xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// -----

// A dynamic batch and sequence stay two loop dims (merging them would need
// a split into two dynamic dims afterwards): tiles of one batch row.
// CHECK-LABEL: func.func @dynamic_batch_rows
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x8xf32>
// CHECK-NOT: tensor.collapse_shape
// CHECK: scf.forall (%[[B:.*]], %[[S0:.*]]) = (0, 0) to (%{{.*}}, %{{.*}}) step (1, 128) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x?x8xf32>)
// CHECK: %[[RS:.*]] = affine.min
// CHECK: tensor.extract_slice %[[X]][%[[B]], %[[S0]], 0] [1, %[[RS]], 8] [1, 1, 1] : tensor<?x?x8xf32> to tensor<?x8xf32>
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[B]], %[[S0]], 0] [1, %[[RS]], 8] [1, 1, 1] : tensor<?x8xf32> into tensor<?x?x8xf32>
// CHECK-NOT: tensor.expand_shape
func.func @dynamic_batch_rows(%x: tensor<?x?x8xf32>, %wu: tensor<8x16xf32>, %wd: tensor<16x8xf32>) -> tensor<?x?x8xf32> {
  %0 = xfmr.mlp %x up %wu down %wd {activation = #xfmr<activation relu>} : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// Static rows within one tile need no loop.
// CHECK-LABEL: func.func @few_rows
// CHECK-NOT: scf.forall
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x5x8xf32>, tensor<8x16xf32>)
// CHECK-NOT: scf.forall
// CHECK: return
func.func @few_rows(%x: tensor<1x5x8xf32>, %wu: tensor<8x16xf32>, %wd: tensor<16x8xf32>) -> tensor<1x5x8xf32> {
  %0 = xfmr.mlp %x up %wu down %wd {activation = #xfmr<activation relu>} : (tensor<1x5x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>) -> tensor<1x5x8xf32>
  return %0 : tensor<1x5x8xf32>
}

// -----

// Static rows beyond one tile are split into tiles as equal as multiples of
// 8 allow (the loop's iterations run on threads): ViT's 197 rows are tiles
// of 104 and 93, not 128 and 69.
// CHECK-LABEL: func.func @static_rows
// CHECK: scf.forall (%{{.*}}) = (0) to (197) step (104)
func.func @static_rows(%x: tensor<1x197x8xf32>, %wu: tensor<8x16xf32>, %wd: tensor<16x8xf32>) -> tensor<1x197x8xf32> {
  %0 = xfmr.mlp %x up %wu down %wd {activation = #xfmr<activation relu>} : (tensor<1x197x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>) -> tensor<1x197x8xf32>
  return %0 : tensor<1x197x8xf32>
}
