// RUN: xfmr-compile %s --quantize=int4 --emit=fused | FileCheck %s --check-prefix=INT4
// RUN: xfmr-compile %s --quantize=int8 --emit=fused | FileCheck %s --check-prefix=INT8
// RUN: xfmr-compile %s --emit=fused | FileCheck %s --check-prefix=F32
// RUN: not xfmr-compile %s --quantize=int3 --emit=fused 2>&1 | FileCheck %s --check-prefix=BAD

// --quantize runs xfmr-quantize-weights before fusion: a matmul by a
// constant weight of 2048 elements becomes a 4-bit xfmr.linear (int4) or
// an i32 matmul of the quantized input and weight (int8), which fusion
// makes a quantized xfmr.linear (the int8 kernel's); without it the matmul
// fuses into an f32 xfmr.linear. Each takes the bias add and the relu.

// INT4-LABEL: func.func @main
// INT4: xfmr.linear %{{.*}}, %{{.*}}, %{{.*}} weight_quant(%{{.*}}, %{{.*}}) {activation = #xfmr<activation relu>, block_size = 32 : i64, transpose_weight} : (tensor<4x64xf32>, tensor<32x2x16xi8>, tensor<32xf32>, tensor<32x2xf32>, tensor<32x2xf32>) -> tensor<4x32xf32>
// INT4-NOT: xfmr.add
// INT4-NOT: xfmr.relu
// INT8-LABEL: func.func @main
// INT8: xfmr.linear %{{.*}}, %{{.*}}, %{{.*}} input_quant(%{{.*}}, %{{.*}}) weight_quant(%{{.*}}, %{{.*}}) {activation = #xfmr<activation relu>, input_unsigned} : (tensor<4x64xi8>, tensor<64x32xi8>, tensor<32xf32>, tensor<f32>, tensor<i8>, tensor<32xf32>, tensor<i8>) -> tensor<4x32xf32>
// F32-LABEL: func.func @main
// F32: xfmr.linear %{{.*}}, %{{.*}}, %{{.*}} {activation = #xfmr<activation relu>}
// BAD: error: quantize 'int3' is not int4 or int8
func.func @main(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w = xfmr.constant dense<0.5> : tensor<64x32xf32>
  %b = xfmr.constant dense<0.25> : tensor<32xf32>
  %m = xfmr.matmul %x, %w : (tensor<4x64xf32>, tensor<64x32xf32>) -> tensor<4x32xf32>
  %a = xfmr.add %m, %b : (tensor<4x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  %y = xfmr.relu %a : tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
