// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s

// A linear layer with a 4-bit weight: the input split once into its even
// and odd columns (contiguous, [rows, block, i]), then one contraction over
// [rows, n, block, i] that reads the packed weight bytes [n, block, i] and
// dequantizes both nibbles in its body (low nibble: the even column), with
// one add into the accumulator per step; the bias in an epilogue.

// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-DAG: #[[$BLOCK:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: #[[$BIAS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[X:.*]]: tensor<1x64xf32>, %[[W:.*]]: tensor<96x2x16xi8>, %[[S:.*]]: tensor<96x2xf32>, %[[ZP:.*]]: tensor<96x2xf32>, %[[B:.*]]: tensor<96xf32>)
// CHECK-DAG: %[[FOUR:.*]] = arith.constant 4 : i8
// CHECK-DAG: %[[MASK:.*]] = arith.constant 15 : i8
// CHECK: %[[PAIRS:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1, 2, 3]] output_shape [1, 2, 16, 2] : tensor<1x64xf32> into tensor<1x2x16x2xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[PAIRS]] : tensor<1x2x16x2xf32>) outs(%{{.*}} : tensor<2x1x2x16xf32>) permutation = [3, 0, 1, 2]
// CHECK: %[[EVEN:.*]] = tensor.extract_slice %[[T]][0, 0, 0, 0] [1, 1, 2, 16] [1, 1, 1, 1] : tensor<2x1x2x16xf32> to tensor<1x2x16xf32>
// CHECK: %[[ODD:.*]] = tensor.extract_slice %[[T]][1, 0, 0, 0] [1, 1, 2, 16] [1, 1, 1, 1] : tensor<2x1x2x16xf32> to tensor<1x2x16xf32>
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$X]], #[[$W]], #[[$BLOCK]], #[[$BLOCK]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[EVEN]], %[[ODD]], %[[W]], %[[S]], %[[ZP]] : {{.*}}) outs(%[[INIT]] : tensor<1x96xf32>)
// CHECK: ^bb0(%[[XE:.*]]: f32, %[[XO:.*]]: f32, %[[BYTE:.*]]: i8, %[[SC:.*]]: f32, %[[Z:.*]]: f32, %[[OUTV:.*]]: f32):
// CHECK: %[[LOW:.*]] = arith.andi %[[BYTE]], %[[MASK]] : i8
// CHECK: %[[LOWF:.*]] = arith.uitofp %[[LOW]] : i8 to f32
// CHECK: %[[LOWC:.*]] = arith.subf %[[LOWF]], %[[Z]]
// CHECK: %[[WLOW:.*]] = arith.mulf %[[LOWC]], %[[SC]]
// CHECK: %[[HIGH:.*]] = arith.shrui %[[BYTE]], %[[FOUR]] : i8
// CHECK: %[[HIGHF:.*]] = arith.uitofp %[[HIGH]] : i8 to f32
// CHECK: %[[HIGHC:.*]] = arith.subf %[[HIGHF]], %[[Z]]
// CHECK: %[[WHIGH:.*]] = arith.mulf %[[HIGHC]], %[[SC]]
// CHECK: %[[PE:.*]] = arith.mulf %[[XE]], %[[WLOW]]
// CHECK: %[[PO:.*]] = arith.mulf %[[XO]], %[[WHIGH]]
// CHECK: %[[SUM:.*]] = arith.addf %[[PE]], %[[PO]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[OUTV]], %[[SUM]]
// CHECK: linalg.yield %[[NEXT]]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[B]] : tensor<1x96xf32>, tensor<96xf32>)
// CHECK: arith.addf
// CHECK: return %[[Y]]
func.func @decode(%x: tensor<1x64xf32>, %w: tensor<96x2x16xi8>, %s: tensor<96x2xf32>, %zp: tensor<96x2xf32>, %b: tensor<96xf32>) -> tensor<1x96xf32> {
  %0 = xfmr.linear %x, %w, %b weight_quant(%s, %zp) {block_size = 32 : i64, transpose_weight} : (tensor<1x64xf32>, tensor<96x2x16xi8>, tensor<96xf32>, tensor<96x2xf32>, tensor<96x2xf32>) -> tensor<1x96xf32>
  return %0 : tensor<1x96xf32>
}

// -----

// A K known only at run time, short of the 3 blocks of 16 (the last one
// partial): padded with zeros to 48 and cast to it; a 0-D zero point is
// read through an empty map.

// CHECK-DAG: #[[$PAD:.*]] = affine_map<()[s0] -> (-s0 + 48)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0, d1, d2, d3) -> ()>
// CHECK-LABEL: func.func @padded
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xf32>, %[[W:.*]]: tensor<8x3x8xi8>, %[[S:.*]]: tensor<8x3xf32>, %[[ZP:.*]]: tensor<f32>)
// CHECK: %[[K:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[HIGH:.*]] = affine.apply #[[$PAD]]()[%[[K]]]
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0] high[0, %[[HIGH]]]
// CHECK: %[[C:.*]] = tensor.cast %[[P]] : tensor<?x?xf32> to tensor<?x48xf32>
// CHECK: tensor.expand_shape %[[C]] {{\[\[}}0], [1, 2, 3]] output_shape [%{{.*}}, 3, 8, 2]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #[[$SCALAR]], #{{.*}}], {{.*}} ins(%{{.*}}, %{{.*}}, %[[W]], %[[S]], %[[ZP]] : tensor<?x3x8xf32>, tensor<?x3x8xf32>, tensor<8x3x8xi8>, tensor<8x3xf32>, tensor<f32>) outs(%{{.*}} : tensor<?x8xf32>)
func.func @padded(%x: tensor<?x?xf32>, %w: tensor<8x3x8xi8>, %s: tensor<8x3xf32>, %zp: tensor<f32>) -> tensor<?x8xf32> {
  %0 = xfmr.linear %x, %w weight_quant(%s, %zp) {block_size = 16 : i64, transpose_weight} : (tensor<?x?xf32>, tensor<8x3x8xi8>, tensor<8x3xf32>, tensor<f32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// The bias and the activation of a 4-bit layer in one epilogue, as for
// every linear layer.

// CHECK-LABEL: func.func @activation
// CHECK-SAME: (%[[X:.*]]: tensor<2x32xf32>, %[[W:.*]]: tensor<8x1x16xi8>, %[[S:.*]]: tensor<8x1xf32>, %[[ZP:.*]]: tensor<f32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[W]], %[[S]], %[[ZP]] : {{.*}}) outs(%{{.*}} : tensor<2x8xf32>)
// CHECK: arith.uitofp
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[B]] : tensor<2x8xf32>, tensor<8xf32>)
// CHECK: %[[SUM:.*]] = arith.addf
// CHECK: arith.maximumf %[[SUM]]
// CHECK: return %[[Y]]
func.func @activation(%x: tensor<2x32xf32>, %w: tensor<8x1x16xi8>, %s: tensor<8x1xf32>, %zp: tensor<f32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  %0 = xfmr.linear %x, %w, %b weight_quant(%s, %zp) {activation = #xfmr<activation relu>, block_size = 32 : i64, transpose_weight} : (tensor<2x32xf32>, tensor<8x1x16xi8>, tensor<8xf32>, tensor<8x1xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
