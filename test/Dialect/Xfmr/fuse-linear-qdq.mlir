// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear | FileCheck %s
// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear=explain=true | FileCheck %s --check-prefix=EXPLAIN

// QDQ as the importer writes it: DequantizeLinear of a uint8 activation
// (zero extended: flip the top bit, sign-extend, add 128; its zero point an
// i64 constant) and of a constant int8 weight with a scale and zero point
// per output channel, then MatMul, the bias Add and Gelu. One quantized
// layer over the 8-bit tensors with the static scales and zero points.

// CHECK-LABEL: func.func @uint8_per_channel_bias_gelu
// CHECK-SAME:    (%[[Q:.*]]: tensor<?x16x64xi8>)
// CHECK-DAG:     %[[W:.*]] = xfmr.constant dense<3> : tensor<64x32xi8>
// CHECK-DAG:     %[[WS:.*]] = xfmr.constant dense<{{.*}}> : tensor<32xf32>
// CHECK-DAG:     %[[S:.*]] = xfmr.constant dense<5.000000e-02> : tensor<f32>
// CHECK-DAG:     %[[ZP:.*]] = xfmr.constant dense<-128> : tensor<i8>
// CHECK-DAG:     %[[WZP:.*]] = xfmr.constant dense<{{\[}}0, 1, {{.*}}> : tensor<32xi8>
// CHECK-DAG:     %[[B:.*]] = xfmr.constant dense<2.500000e-01> : tensor<32xf32>
// CHECK:         %[[Y:.*]] = xfmr.linear %[[Q]], %[[W]], %[[B]] input_quant(%[[S]], %[[ZP]]) weight_quant(%[[WS]], %[[WZP]]) {activation = #xfmr<activation gelu>, input_unsigned}
// CHECK-SAME:      -> tensor<?x16x32xf32>
// CHECK-NOT:     xfmr.matmul
// CHECK:         return %[[Y]]
// EXPLAIN-LABEL: func.func @uint8_per_channel_bias_gelu
// EXPLAIN-NOT:   xfmr.fusion_missed
func.func @uint8_per_channel_bias_gelu(%q: tensor<?x16x64xi8>) -> tensor<?x16x32xf32> {
  %flip = xfmr.constant dense<-128> : tensor<i8>
  %c128 = xfmr.constant dense<128> : tensor<i64>
  %zp = xfmr.constant dense<128> : tensor<i64>
  %s = xfmr.constant dense<5.0e-02> : tensor<f32>
  %w = xfmr.constant dense<3> : tensor<64x32xi8>
  %wzp = xfmr.constant dense<[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -2]> : tensor<32xi8>
  %ws = xfmr.constant dense<[1.0e-02, 2.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 1.0e-02, 3.0e-02]> : tensor<32xf32>
  %b = xfmr.constant dense<0.25> : tensor<32xf32>
  %0 = xfmr.add %q, %flip : (tensor<?x16x64xi8>, tensor<i8>) -> tensor<?x16x64xi8>
  %1 = xfmr.cast %0 : tensor<?x16x64xi8> to tensor<?x16x64xi64>
  %2 = xfmr.add %1, %c128 : (tensor<?x16x64xi64>, tensor<i64>) -> tensor<?x16x64xi64>
  %3 = xfmr.cast %2 : tensor<?x16x64xi64> to tensor<?x16x64xf32>
  %4 = xfmr.cast %zp : tensor<i64> to tensor<f32>
  %5 = xfmr.sub %3, %4 : (tensor<?x16x64xf32>, tensor<f32>) -> tensor<?x16x64xf32>
  %x = xfmr.mul %5, %s : (tensor<?x16x64xf32>, tensor<f32>) -> tensor<?x16x64xf32>
  %6 = xfmr.cast %w : tensor<64x32xi8> to tensor<64x32xf32>
  %7 = xfmr.cast %wzp : tensor<32xi8> to tensor<32xf32>
  %8 = xfmr.sub %6, %7 : (tensor<64x32xf32>, tensor<32xf32>) -> tensor<64x32xf32>
  %dw = xfmr.mul %8, %ws : (tensor<64x32xf32>, tensor<32xf32>) -> tensor<64x32xf32>
  %9 = xfmr.matmul %x, %dw : (tensor<?x16x64xf32>, tensor<64x32xf32>) -> tensor<?x16x32xf32>
  %10 = xfmr.add %9, %b : (tensor<?x16x32xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  %11 = xfmr.gelu %10 : tensor<?x16x32xf32>
  return %11 : tensor<?x16x32xf32>
}

// -----

// int8 activations (a plain cast), no zero points, a weight [N, K] used
// transposed (Gemm's transB) with its scale per output channel as
// DequantizeLinear's axis 0 gives it ([N, 1]): the scale becomes [N] and
// the missing zero points zeros. The int8 input becomes the uint8 that the
// integer kernels take: its sign bit flipped (x + 128) and its zero point
// 128 (-128 as i8 bits).

// CHECK-LABEL: func.func @int8_transposed_no_zero_points
// CHECK-SAME:    (%[[X:.*]]: tensor<4x64xi8>)
// CHECK-DAG:     %[[W:.*]] = xfmr.constant dense<-5> : tensor<8x64xi8>
// CHECK-DAG:     %[[WS:.*]] = xfmr.constant dense<1.250000e-01> : tensor<8xf32>
// CHECK-DAG:     %[[S:.*]] = xfmr.constant dense<5.000000e-01> : tensor<f32>
// CHECK-DAG:     %[[ZERO:.*]] = xfmr.constant dense<0> : tensor<i8>
// CHECK-DAG:     %[[SIGN:.*]] = xfmr.constant dense<-128> : tensor<i8>
// CHECK:         %[[U:.*]] = xfmr.xor %[[X]], %[[SIGN]]
// CHECK:         xfmr.linear %[[U]], %[[W]] input_quant(%[[S]], %[[ZP:[^)]*]]) weight_quant(%[[WS]], %[[ZERO]]) {input_unsigned, transpose_weight}
// CHECK-SAME:      -> tensor<4x8xf32>
// EXPLAIN-LABEL: func.func @int8_transposed_no_zero_points
// EXPLAIN-NOT:   xfmr.fusion_missed
func.func @int8_transposed_no_zero_points(%q: tensor<4x64xi8>) -> tensor<4x8xf32> {
  %s = xfmr.constant dense<0.5> : tensor<1xf32>
  %w = xfmr.constant dense<-5> : tensor<8x64xi8>
  %ws = xfmr.constant dense<0.125> : tensor<8x1xf32>
  %0 = xfmr.cast %q : tensor<4x64xi8> to tensor<4x64xf32>
  %x = xfmr.mul %s, %0 : (tensor<1xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %1 = xfmr.cast %w : tensor<8x64xi8> to tensor<8x64xf32>
  %dw = xfmr.mul %1, %ws : (tensor<8x64xf32>, tensor<8x1xf32>) -> tensor<8x64xf32>
  %t = xfmr.transpose %dw {permutation = array<i64: 1, 0>} : (tensor<8x64xf32>) -> tensor<64x8xf32>
  %2 = xfmr.matmul %x, %t : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// A weight dequantized from a tensor computed at run time stays a float
// layer: the quantized layer's weight would be repacked on every run.

// CHECK-LABEL: func.func @weight_not_constant
// CHECK:         xfmr.linear %{{.*}}, %{{.*}} : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
// CHECK-NOT:     input_quant
// EXPLAIN-LABEL: func.func @weight_not_constant
// EXPLAIN:       xfmr.fusion_missed = {quantized_linear = ["the weight is dequantized from a tensor computed at run time, not a constant"
func.func @weight_not_constant(%q: tensor<4x64xi8>, %w: tensor<64x8xi8>) -> tensor<4x8xf32> {
  %s = xfmr.constant dense<0.5> : tensor<f32>
  %ws = xfmr.constant dense<0.125> : tensor<f32>
  %0 = xfmr.cast %q : tensor<4x64xi8> to tensor<4x64xf32>
  %x = xfmr.mul %0, %s : (tensor<4x64xf32>, tensor<f32>) -> tensor<4x64xf32>
  %1 = xfmr.cast %w : tensor<64x8xi8> to tensor<64x8xf32>
  %dw = xfmr.mul %1, %ws : (tensor<64x8xf32>, tensor<f32>) -> tensor<64x8xf32>
  %2 = xfmr.matmul %x, %dw : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// An activation scale per row (DequantizeLinear along axis 0 of [4, 64]) is
// not one scale for the whole input, which the integer product needs: the
// layer stays in floats.

// CHECK-LABEL: func.func @per_row_input_scale
// CHECK:         xfmr.linear %{{.*}}, %{{.*}} : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
// CHECK-NOT:     input_quant
// EXPLAIN-LABEL: func.func @per_row_input_scale
// EXPLAIN:       xfmr.fusion_missed = {quantized_linear = ["the input's scale [4,1] is not per tensor"
func.func @per_row_input_scale(%q: tensor<4x64xi8>) -> tensor<4x8xf32> {
  %s = xfmr.constant dense<0.5> : tensor<4x1xf32>
  %w = xfmr.constant dense<2> : tensor<64x8xi8>
  %ws = xfmr.constant dense<0.125> : tensor<f32>
  %0 = xfmr.cast %q : tensor<4x64xi8> to tensor<4x64xf32>
  %x = xfmr.mul %0, %s : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xf32>
  %1 = xfmr.cast %w : tensor<64x8xi8> to tensor<64x8xf32>
  %dw = xfmr.mul %1, %ws : (tensor<64x8xf32>, tensor<f32>) -> tensor<64x8xf32>
  %2 = xfmr.matmul %x, %dw : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// A weight scale along K (DequantizeLinear's axis 0 of a [K, N] weight) does
// not factor out of the sum over K.

// CHECK-LABEL: func.func @weight_scale_along_k
// CHECK-NOT:     input_quant
// EXPLAIN-LABEL: func.func @weight_scale_along_k
// EXPLAIN:       xfmr.fusion_missed = {quantized_linear = ["the weight's scale [8,1] is not per tensor or per output feature"
func.func @weight_scale_along_k(%q: tensor<4x8xi8>) -> tensor<4x8xf32> {
  %s = xfmr.constant dense<0.5> : tensor<f32>
  %w = xfmr.constant dense<2> : tensor<8x8xi8>
  %ws = xfmr.constant dense<0.125> : tensor<8x1xf32>
  %0 = xfmr.cast %q : tensor<4x8xi8> to tensor<4x8xf32>
  %x = xfmr.mul %0, %s : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = xfmr.cast %w : tensor<8x8xi8> to tensor<8x8xf32>
  %dw = xfmr.mul %1, %ws : (tensor<8x8xf32>, tensor<8x1xf32>) -> tensor<8x8xf32>
  %2 = xfmr.matmul %x, %dw : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}
