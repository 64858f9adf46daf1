// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s

// ViT's patch embedding: one generic over [n, m, oh, ow, c, kh, kw] reading
// the input at out * stride + kernel, then the bias epilogue.

// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 16 + d5, d3 * 16 + d6)>
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @patch_embedding
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x224x224xf32>, %[[W:.*]]: tensor<768x3x16x16xf32>, %[[B:.*]]: tensor<768xf32>)
// CHECK-NOT: tensor.pad
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x768x14x14xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] :
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$W]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[X]], %[[W]] : tensor<?x3x224x224xf32>, tensor<768x3x16x16xf32>) outs(%[[INIT]] : tensor<?x768x14x14xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$BIAS]], #[[$ID]]], {{.*}} ins(%[[ACC]], %[[B]] :
// CHECK: return %[[Y]]
func.func @patch_embedding(%img: tensor<?x3x224x224xf32>, %w: tensor<768x3x16x16xf32>, %b: tensor<768xf32>) -> tensor<?x768x14x14xf32> {
  %0 = xfmr.conv %img, %w, %b {strides = array<i64: 16, 16>} : (tensor<?x3x224x224xf32>, tensor<768x3x16x16xf32>, tensor<768xf32>) -> tensor<?x768x14x14xf32>
  return %0 : tensor<?x768x14x14xf32>
}

// -----

// 1-D, grouped, padded and dilated, with a dynamic length: zero padding,
// channels split into [group, per group] for input, weight and result, the
// output length reified as (len + pads - span) / stride + 1.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d3 + d5 * 2)>
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d2, d4, d5)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @grouped_dilated
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x?xf32>, %[[W:.*]]: tensor<8x2x3xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[L:.*]] = tensor.dim %[[X]], %c2
// CHECK: %[[PADDED_LEN:.*]] = arith.addi %[[L]], %c2
// CHECK: %[[MINUS_SPAN:.*]] = arith.subi %[[PADDED_LEN]], %c5
// CHECK: %[[OL:.*]] = arith.addi %[[MINUS_SPAN]], %c1
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 1] high[0, 0, 1]
// CHECK: tensor.yield %[[ZERO]]
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[P]] {{\[}}[0], [1, 2], [3]] output_shape [1, 4, 2, %{{.*}}] : tensor<1x8x?xf32> into tensor<1x4x2x?xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3]] output_shape [4, 2, 2, 3] : tensor<8x2x3xf32> into tensor<4x2x2x3xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[OL]]) : tensor<1x4x2x?xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$W]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[XG]], %[[WG]] :
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[ACC]] {{\[}}[0], [1, 2], [3]] : tensor<1x4x2x?xf32> into tensor<1x8x?xf32>
// CHECK: return %[[Y]]
func.func @grouped_dilated(%x: tensor<1x8x?xf32>, %w: tensor<8x2x3xf32>) -> tensor<1x8x?xf32> {
  %0 = xfmr.conv %x, %w {group = 4 : i64, pads = array<i64: 1, 1>, dilations = array<i64: 2>} : (tensor<1x8x?xf32>, tensor<8x2x3xf32>) -> tensor<1x8x?xf32>
  return %0 : tensor<1x8x?xf32>
}

// -----

// A 3-D conv (video, volumetric and transposed-conv front ends) is the same
// generic with three output and three kernel dims.
// CHECK-DAG: #[[$IN3:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d5, d2 + d6 * 2, d3 + d7, d4 + d8)>
// CHECK-DAG: #[[$W3:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d1, d5, d6, d7, d8)>
// CHECK-LABEL: func.func @volumetric
// CHECK: linalg.generic {indexing_maps = [#[[$IN3]], #[[$W3]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<1x4x2x5x5xf32>)
func.func @volumetric(%x: tensor<1x3x4x6x6xf32>, %w: tensor<4x3x2x2x2xf32>) -> tensor<1x4x2x5x5xf32> {
  %0 = xfmr.conv %x, %w {dilations = array<i64: 2, 1, 1>} : (tensor<1x3x4x6x6xf32>, tensor<4x3x2x2x2xf32>) -> tensor<1x4x2x5x5xf32>
  return %0 : tensor<1x4x2x5x5xf32>
}
