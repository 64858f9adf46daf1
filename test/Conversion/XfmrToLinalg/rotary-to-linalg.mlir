// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s

// Rotate-half with position ids: the cache rows are gathered into
// [B, S, R/2] angles (at positions clamped into the caches; the check that
// reports them is in runtime-checks.mlir), the two halves of the head dim are read as slices, one
// generic yields both rotated halves, and they are inserted back.

// CHECK-DAG: #[[$POS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$ANG:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$BCAST:.*]] = affine_map<(d0, d1, d2, d3) -> (0, d2, d3)>
// CHECK-LABEL: func.func @rotate_half
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x?x64xf32>, %[[COS:.*]]: tensor<2048x32xf32>, %[[SIN:.*]]: tensor<2048x32xf32>, %[[POS:.*]]: tensor<1x?xi64>)
// CHECK: %[[ANGLES:.*]]:2 = linalg.generic {indexing_maps = [#[[$POS]], #[[$ANG]], #[[$ANG]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[POS]] : tensor<1x?xi64>) outs(%{{.*}}, %{{.*}} : tensor<1x?x32xf32>, tensor<1x?x32xf32>)
// CHECK: ^bb0(%[[P:.*]]: i64,
// CHECK: %[[P0:.*]] = arith.index_cast %[[P]] : i64 to index
// CHECK: %[[P1:.*]] = arith.minsi %[[P0]], %c2047 : index
// CHECK: %[[ROW:.*]] = arith.maxsi %[[P1]], %c0 : index
// CHECK: %[[COL:.*]] = linalg.index 2 : index
// CHECK: %[[C:.*]] = tensor.extract %[[COS]][%[[ROW]], %[[COL]]]
// CHECK: %[[S:.*]] = tensor.extract %[[SIN]][%[[ROW]], %[[COL]]]
// CHECK: linalg.yield %[[C]], %[[S]]
// CHECK: %[[X1:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 8, %{{.*}}, 32] [1, 1, 1, 1] : tensor<1x8x?x64xf32> to tensor<1x8x?x32xf32>
// CHECK: %[[X2:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 32] [1, 8, %{{.*}}, 32] [1, 1, 1, 1] : tensor<1x8x?x64xf32> to tensor<1x8x?x32xf32>
// CHECK: %[[ROT:.*]]:2 = linalg.generic {indexing_maps = [#[[$X]], #[[$X]], #[[$BCAST]], #[[$BCAST]], #[[$X]], #[[$X]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X1]], %[[X2]], %[[ANGLES]]#0, %[[ANGLES]]#1 :
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[CV:.*]]: f32, %[[SV:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK: %[[CA:.*]] = arith.mulf %[[CV]], %[[A]]
// CHECK: %[[SB:.*]] = arith.mulf %[[SV]], %[[B]]
// CHECK: %[[REAL:.*]] = arith.subf %[[CA]], %[[SB]]
// CHECK: %[[SA:.*]] = arith.mulf %[[SV]], %[[A]]
// CHECK: %[[CB:.*]] = arith.mulf %[[CV]], %[[B]]
// CHECK: %[[IMAG:.*]] = arith.addf %[[SA]], %[[CB]]
// CHECK: linalg.yield %[[REAL]], %[[IMAG]]
// CHECK: %[[Y0:.*]] = tensor.insert_slice %[[ROT]]#0 into %[[X]][0, 0, 0, 0] [1, 8, %{{.*}}, 32] [1, 1, 1, 1]
// CHECK: %[[Y:.*]] = tensor.insert_slice %[[ROT]]#1 into %[[Y0]][0, 0, 0, 32] [1, 8, %{{.*}}, 32] [1, 1, 1, 1]
// CHECK: return %[[Y]]
func.func @rotate_half(%q: tensor<1x8x?x64xf32>, %cos: tensor<2048x32xf32>, %sin: tensor<2048x32xf32>, %pos: tensor<1x?xi64>) -> tensor<1x8x?x64xf32> {
  %0 = xfmr.rotary_embedding %q, %cos, %sin, %pos : (tensor<1x8x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>, tensor<1x?xi64>) -> tensor<1x8x?x64xf32>
  return %0 : tensor<1x8x?x64xf32>
}

// -----

// Packed [B, S, H * D], interleaved, partial, caches per batch and position:
// the input is viewed as [B, S, H, D], pairs are stride-2 slices of the
// first R channels, and the rest of each head passes through.
// CHECK-DAG: #[[$ANG:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @packed_interleaved_partial
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x512xf32>, %[[C:.*]]: tensor<2x?x16xf32>)
// CHECK: %[[X4:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1], [2, 3]] output_shape [2, %{{.*}}, 8, 64] : tensor<2x?x512xf32> into tensor<2x?x8x64xf32>
// CHECK: %[[X1:.*]] = tensor.extract_slice %[[X4]][0, 0, 0, 0] [2, %{{.*}}, 8, 16] [1, 1, 1, 2] : tensor<2x?x8x64xf32> to tensor<2x?x8x16xf32>
// CHECK: %[[X2:.*]] = tensor.extract_slice %[[X4]][0, 0, 0, 1] [2, %{{.*}}, 8, 16] [1, 1, 1, 2] : tensor<2x?x8x64xf32> to tensor<2x?x8x16xf32>
// CHECK: %[[ROT:.*]]:2 = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[$ANG]], #[[$ANG]], #{{.*}}, #{{.*}}], {{.*}} ins(%[[X1]], %[[X2]], %{{.*}}, %{{.*}} : tensor<2x?x8x16xf32>, tensor<2x?x8x16xf32>, tensor<2x?x16xf32>, tensor<2x?x16xf32>)
// CHECK: %[[Y0:.*]] = tensor.insert_slice %[[ROT]]#0 into %[[X4]][0, 0, 0, 0] [2, %{{.*}}, 8, 16] [1, 1, 1, 2]
// CHECK: %[[Y1:.*]] = tensor.insert_slice %[[ROT]]#1 into %[[Y0]][0, 0, 0, 1] [2, %{{.*}}, 8, 16] [1, 1, 1, 2]
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[Y1]] {{\[}}[0], [1], [2, 3]] : tensor<2x?x8x64xf32> into tensor<2x?x512xf32>
// CHECK: return %[[Y]]
func.func @packed_interleaved_partial(%x: tensor<2x?x512xf32>, %c: tensor<2x?x16xf32>) -> tensor<2x?x512xf32> {
  %0 = xfmr.rotary_embedding %x, %c, %c {interleaved, num_heads = 8 : i64, rotary_embedding_dim = 32 : i64} : (tensor<2x?x512xf32>, tensor<2x?x16xf32>, tensor<2x?x16xf32>) -> tensor<2x?x512xf32>
  return %0 : tensor<2x?x512xf32>
}

// -----

// A dynamic head dim with rotary_embedding_dim = 0 rotates the whole head:
// the half is computed at run time.
// CHECK-LABEL: func.func @dynamic_head_dim
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x3x?xf32>,
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c3
// CHECK: %[[HALF:.*]] = arith.divui %[[D]], %c2 : index
// CHECK: tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 2, 3, %[[HALF]]] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %[[X]][0, 0, 0, %[[HALF]]] [1, 2, 3, %[[HALF]]] [1, 1, 1, 1]
func.func @dynamic_head_dim(%x: tensor<1x2x3x?xf32>, %cos: tensor<16x?xf32>, %pos: tensor<1x3xi32>) -> tensor<1x2x3x?xf32> {
  %0 = xfmr.rotary_embedding %x, %cos, %cos, %pos : (tensor<1x2x3x?xf32>, tensor<16x?xf32>, tensor<16x?xf32>, tensor<1x3xi32>) -> tensor<1x2x3x?xf32>
  return %0 : tensor<1x2x3x?xf32>
}
