// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear | FileCheck %s
// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear=explain=true | FileCheck %s --check-prefix=EXPLAIN

// ONNX's DynamicQuantizeLinear + MatMulInteger + Cast + the scales' Mul +
// Add as the importer writes them: uint8 activations widened by the
// importer's zero extension (flip the top bit, sign-extend, add 128), an
// int8 weight whose zero point was folded into an i32 constant. One
// quantized layer with its bias; the zero point becomes an i8 constant.

// CHECK-LABEL: func.func @matmul_integer
// CHECK-SAME:    (%[[Q:.*]]: tensor<?x64xi8>, %[[ZP:.*]]: tensor<i8>, %[[S:.*]]: tensor<f32>)
// CHECK-DAG:     %[[W:.*]] = xfmr.constant dense<1> : tensor<64x48xi8>
// CHECK-DAG:     %[[WS:.*]] = xfmr.constant dense<2.000000e-02> : tensor<f32>
// CHECK-DAG:     %[[B:.*]] = xfmr.constant dense<5.000000e-01> : tensor<48xf32>
// CHECK-DAG:     %[[WZP:.*]] = xfmr.constant dense<3> : tensor<i8>
// CHECK:         %[[Y:.*]] = xfmr.linear %[[Q]], %[[W]], %[[B]] input_quant(%[[S]], %[[ZP]]) weight_quant(%[[WS]], %[[WZP]]) {input_unsigned}
// CHECK-SAME:      -> tensor<?x48xf32>
// CHECK-NOT:     xfmr.matmul
// CHECK:         return %[[Y]]
// EXPLAIN-LABEL: func.func @matmul_integer
// EXPLAIN-NOT:   xfmr.fusion_missed
func.func @matmul_integer(%q: tensor<?x64xi8>, %zp: tensor<i8>, %s: tensor<f32>) -> tensor<?x48xf32> {
  %c128 = xfmr.constant dense<128> : tensor<i32>
  %flip = xfmr.constant dense<-128> : tensor<i8>
  %w = xfmr.constant dense<1> : tensor<64x48xi8>
  %wzp = xfmr.constant dense<3> : tensor<i32>
  %ws = xfmr.constant dense<2.0e-02> : tensor<f32>
  %b = xfmr.constant dense<0.5> : tensor<48xf32>
  %0 = xfmr.add %q, %flip : (tensor<?x64xi8>, tensor<i8>) -> tensor<?x64xi8>
  %1 = xfmr.cast %0 : tensor<?x64xi8> to tensor<?x64xi32>
  %2 = xfmr.add %1, %c128 : (tensor<?x64xi32>, tensor<i32>) -> tensor<?x64xi32>
  %3 = xfmr.add %zp, %flip : (tensor<i8>, tensor<i8>) -> tensor<i8>
  %4 = xfmr.cast %3 : tensor<i8> to tensor<i32>
  %5 = xfmr.add %4, %c128 : (tensor<i32>, tensor<i32>) -> tensor<i32>
  %6 = xfmr.sub %2, %5 : (tensor<?x64xi32>, tensor<i32>) -> tensor<?x64xi32>
  %7 = xfmr.cast %w : tensor<64x48xi8> to tensor<64x48xi32>
  %8 = xfmr.sub %7, %wzp : (tensor<64x48xi32>, tensor<i32>) -> tensor<64x48xi32>
  %9 = xfmr.matmul %6, %8 : (tensor<?x64xi32>, tensor<64x48xi32>) -> tensor<?x48xi32>
  %10 = xfmr.cast %9 : tensor<?x48xi32> to tensor<?x48xf32>
  %11 = xfmr.mul %s, %ws : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %12 = xfmr.mul %10, %11 : (tensor<?x48xf32>, tensor<f32>) -> tensor<?x48xf32>
  %13 = xfmr.add %12, %b : (tensor<?x48xf32>, tensor<48xf32>) -> tensor<?x48xf32>
  return %13 : tensor<?x48xf32>
}

// -----

// MatMulIntegerToFloat with int8 operands, no zero points, a weight scale
// per output feature (first in the product) and an activation after the
// bias: the layer takes all of it; the missing zero points are zeros.

// CHECK-LABEL: func.func @per_feature_scale_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<2x5x16xi8>, %[[S:.*]]: tensor<1xf32>, %[[WS:.*]]: tensor<8xf32>)
// CHECK-DAG:     %[[W:.*]] = xfmr.constant dense<-2> : tensor<16x8xi8>
// CHECK-DAG:     %[[ZERO:.*]] = xfmr.constant dense<0> : tensor<i8>
// CHECK:         xfmr.linear %[[X]], %[[W]], %{{.*}} input_quant(%[[S]], %[[ZERO]]) weight_quant(%[[WS]], %[[ZERO]]) {activation = #xfmr<activation relu>}
// CHECK-SAME:      -> tensor<2x5x8xf32>
func.func @per_feature_scale_relu(%x: tensor<2x5x16xi8>, %s: tensor<1xf32>, %ws: tensor<8xf32>) -> tensor<2x5x8xf32> {
  %w = xfmr.constant dense<-2> : tensor<16x8xi8>
  %b = xfmr.constant dense<0.5> : tensor<8xf32>
  %0 = xfmr.cast %x : tensor<2x5x16xi8> to tensor<2x5x16xi32>
  %1 = xfmr.cast %w : tensor<16x8xi8> to tensor<16x8xi32>
  %2 = xfmr.matmul %0, %1 : (tensor<2x5x16xi32>, tensor<16x8xi32>) -> tensor<2x5x8xi32>
  %3 = xfmr.cast %2 : tensor<2x5x8xi32> to tensor<2x5x8xf32>
  %4 = xfmr.mul %ws, %s : (tensor<8xf32>, tensor<1xf32>) -> tensor<8xf32>
  %5 = xfmr.mul %4, %3 : (tensor<8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  %6 = xfmr.add %5, %b : (tensor<2x5x8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  %7 = xfmr.relu %6 : tensor<2x5x8xf32>
  return %7 : tensor<2x5x8xf32>
}

// -----

// A per-row scale of the activations (MatMulIntegerToFloat's a_scale [M])
// is not one the layer takes: the product stays, and explain says why.

// CHECK-LABEL: func.func @per_row_scale
// CHECK:         xfmr.matmul
// CHECK-NOT:     xfmr.linear
// EXPLAIN-LABEL: func.func @per_row_scale
// EXPLAIN:       xfmr.fusion_missed = {{.*}}the scale is not per tensor times per tensor or per output feature
func.func @per_row_scale(%x: tensor<4x16xi8>, %s: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %w = xfmr.constant dense<-2> : tensor<16x8xi8>
  %ws = xfmr.constant dense<0.1> : tensor<f32>
  %0 = xfmr.cast %x : tensor<4x16xi8> to tensor<4x16xi32>
  %1 = xfmr.cast %w : tensor<16x8xi8> to tensor<16x8xi32>
  %2 = xfmr.matmul %0, %1 : (tensor<4x16xi32>, tensor<16x8xi32>) -> tensor<4x8xi32>
  %3 = xfmr.cast %2 : tensor<4x8xi32> to tensor<4x8xf32>
  %4 = xfmr.mul %s, %ws : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %5 = xfmr.mul %3, %4 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %5 : tensor<4x8xf32>
}

// -----

// A 4-bit layer (the importer's MatMulNBits) takes the bias add after it
// and then the activation, as any linear layer does: one layer with its
// packed weight, scales and zero points, the bias and the gelu.

// CHECK-LABEL: func.func @int4_bias_activation
// CHECK-SAME:    (%[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<96x2x16xi8>, %[[S:.*]]: tensor<96x2xf32>, %[[Z:.*]]: tensor<96x2xf32>)
// CHECK:         %[[B:.*]] = xfmr.constant dense<5.000000e-01> : tensor<96xf32>
// CHECK:         %[[Y:.*]] = xfmr.linear %[[X]], %[[W]], %[[B]] weight_quant(%[[S]], %[[Z]]) {activation = #xfmr<activation gelu>, block_size = 32 : i64, transpose_weight}
// CHECK-SAME:      : (tensor<?x?x64xf32>, tensor<96x2x16xi8>, tensor<96xf32>, tensor<96x2xf32>, tensor<96x2xf32>) -> tensor<?x?x96xf32>
// CHECK-NOT:     xfmr.add
// CHECK-NOT:     xfmr.gelu
// CHECK:         return %[[Y]]
// EXPLAIN-LABEL: func.func @int4_bias_activation
// EXPLAIN-NOT:   xfmr.fusion_missed
func.func @int4_bias_activation(%x: tensor<?x?x64xf32>, %w: tensor<96x2x16xi8>, %s: tensor<96x2xf32>, %z: tensor<96x2xf32>) -> tensor<?x?x96xf32> {
  %b = xfmr.constant dense<0.5> : tensor<96xf32>
  %0 = xfmr.linear %x, %w weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x?x64xf32>, tensor<96x2x16xi8>, tensor<96x2xf32>, tensor<96x2xf32>) -> tensor<?x?x96xf32>
  %1 = xfmr.add %0, %b : (tensor<?x?x96xf32>, tensor<96xf32>) -> tensor<?x?x96xf32>
  %2 = xfmr.gelu %1 : tensor<?x?x96xf32>
  return %2 : tensor<?x?x96xf32>
}

// -----

// A bias after a 4-bit layer that already has one stays an add, with the
// reason noted.

// CHECK-LABEL: func.func @int4_second_bias
// CHECK:         xfmr.linear
// CHECK:         xfmr.add
// EXPLAIN-LABEL: func.func @int4_second_bias
// EXPLAIN:       xfmr.add {{.*}}xfmr.fusion_missed = {linear = ["the linear layer already has a bias"
func.func @int4_second_bias(%x: tensor<?x64xf32>, %w: tensor<96x2x16xi8>, %s: tensor<96x2xf32>, %z: tensor<f32>, %b: tensor<96xf32>) -> tensor<?x96xf32> {
  %0 = xfmr.linear %x, %w, %b weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x64xf32>, tensor<96x2x16xi8>, tensor<96xf32>, tensor<96x2xf32>, tensor<f32>) -> tensor<?x96xf32>
  %c = xfmr.constant dense<1.0> : tensor<96xf32>
  %1 = xfmr.add %0, %c : (tensor<?x96xf32>, tensor<96xf32>) -> tensor<?x96xf32>
  return %1 : tensor<?x96xf32>
}
