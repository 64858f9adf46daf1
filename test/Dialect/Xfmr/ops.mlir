// RUN: xfmr-opt %s | FileCheck %s
// RUN: xfmr-opt %s | xfmr-opt | FileCheck %s
// RUN: xfmr-opt %s --mlir-print-op-generic | xfmr-opt | FileCheck %s

// Every xfmr op, with static and dynamic shapes, parses, verifies, prints
// and parses again to the same IR.



// CHECK-LABEL: func.func @unary(
// CHECK: %0 = xfmr.neg %arg0 : tensor<?x128xf32>
// CHECK: %1 = xfmr.abs %arg1 : tensor<4x?xi64>
// CHECK: %2 = xfmr.exp %0 : tensor<?x128xf32>
// CHECK: %3 = xfmr.log %2 : tensor<?x128xf32>
// CHECK: %4 = xfmr.sqrt %3 : tensor<?x128xf32>
// CHECK: %5 = xfmr.rsqrt %4 : tensor<?x128xf32>
// CHECK: %6 = xfmr.reciprocal %5 : tensor<?x128xf32>
// CHECK: %7 = xfmr.tanh %6 : tensor<?x128xf32>
// CHECK: %8 = xfmr.erf %7 : tensor<?x128xf32>
// CHECK: %9 = xfmr.sigmoid %8 : tensor<?x128xf32>
// CHECK: %10 = xfmr.relu %9 : tensor<?x128xf32>
// CHECK: %11 = xfmr.silu %10 : tensor<?x128xf32>
// CHECK: %12 = xfmr.sin %11 : tensor<?x128xf32>
// CHECK: %13 = xfmr.cos %12 : tensor<?x128xf32>
// CHECK: %14 = xfmr.floor %13 : tensor<?x128xf32>
// CHECK: %15 = xfmr.ceil %14 : tensor<?x128xf32>
// CHECK: %16 = xfmr.not %arg2 : tensor<?xi1>
// CHECK: %17 = xfmr.leaky_relu %15 {alpha = 1.000000e-01 : f32} : tensor<?x128xf32>
// CHECK: %18 = xfmr.clip %17 {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<?x128xf32>
// CHECK: %19 = xfmr.gelu %18 : tensor<?x128xf32>
// CHECK: %20 = xfmr.gelu %19 {approximate = #xfmr<gelu_approximation tanh>} : tensor<?x128xf32>
// CHECK: %21 = xfmr.relu %arg1 : tensor<4x?xi64>
// CHECK: %22 = xfmr.round %arg0 : tensor<?x128xf32>
func.func @unary(%x: tensor<?x128xf32>, %i: tensor<4x?xi64>, %b: tensor<?xi1>) -> tensor<?x128xf32> {
  %0 = xfmr.neg %x : tensor<?x128xf32>
  %1 = xfmr.abs %i : tensor<4x?xi64>
  %2 = xfmr.exp %0 : tensor<?x128xf32>
  %3 = xfmr.log %2 : tensor<?x128xf32>
  %4 = xfmr.sqrt %3 : tensor<?x128xf32>
  %5 = xfmr.rsqrt %4 : tensor<?x128xf32>
  %6 = xfmr.reciprocal %5 : tensor<?x128xf32>
  %7 = xfmr.tanh %6 : tensor<?x128xf32>
  %8 = xfmr.erf %7 : tensor<?x128xf32>
  %9 = xfmr.sigmoid %8 : tensor<?x128xf32>
  %10 = xfmr.relu %9 : tensor<?x128xf32>
  %11 = xfmr.silu %10 : tensor<?x128xf32>
  %12 = xfmr.sin %11 : tensor<?x128xf32>
  %13 = xfmr.cos %12 : tensor<?x128xf32>
  %14 = xfmr.floor %13 : tensor<?x128xf32>
  %15 = xfmr.ceil %14 : tensor<?x128xf32>
  %16 = xfmr.not %b : tensor<?xi1>
  %17 = xfmr.leaky_relu %15 {alpha = 1.000000e-01 : f32} : tensor<?x128xf32>
  %18 = xfmr.clip %17 {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<?x128xf32>
  %19 = xfmr.gelu %18 : tensor<?x128xf32>
  %20 = xfmr.gelu %19 {approximate = #xfmr<gelu_approximation tanh>} : tensor<?x128xf32>
  %21 = xfmr.relu %i : tensor<4x?xi64>
  %22 = xfmr.round %x : tensor<?x128xf32>
  return %20 : tensor<?x128xf32>
}

// CHECK-LABEL: func.func @binary(
// CHECK: %0 = xfmr.add %arg0, %arg1 : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xf32>
// CHECK: %1 = xfmr.sub %arg1, %arg0 : (tensor<768xf32>, tensor<?x128x768xf32>) -> tensor<?x128x768xf32>
// CHECK: %2 = xfmr.mul %arg0, %arg1 : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<4x128x768xf32>
// CHECK: %3 = xfmr.div %arg2, %arg3 : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
// CHECK: %4 = xfmr.pow %arg0, %arg1 : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xf32>
// CHECK: %5 = xfmr.max %arg2, %arg3 : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
// CHECK: %6 = xfmr.min %arg2, %arg3 : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
// CHECK: %7 = xfmr.equal %arg2, %arg3 : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi1>
// CHECK: %8 = xfmr.less %arg0, %arg1 : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xi1>
// CHECK: %9 = xfmr.less_equal %arg2, %arg3 : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi1>
// CHECK: %10 = xfmr.greater %arg2, %arg3 : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi1>
// CHECK: %11 = xfmr.greater_equal %arg2, %arg3 : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi1>
// CHECK: %12 = xfmr.and %arg4, %arg5 : (tensor<?x1xi1>, tensor<1x?xi1>) -> tensor<?x?xi1>
// CHECK: %13 = xfmr.or %arg4, %arg5 : (tensor<?x1xi1>, tensor<1x?xi1>) -> tensor<?x?xi1>
// CHECK: %14 = xfmr.xor %arg4, %arg5 : (tensor<?x1xi1>, tensor<1x?xi1>) -> tensor<?x?xi1>
// CHECK: %15 = xfmr.where %12, %arg0, %arg1 : (tensor<?x?xi1>, tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xf32>
// CHECK: %16 = xfmr.cast %arg2 : tensor<2x3xi64> to tensor<2x3xf32>
// CHECK: %17 = xfmr.cast %arg0 : tensor<?x128x768xf32> to tensor<?x128x768xbf16>
func.func @binary(%a: tensor<?x128x768xf32>, %b: tensor<768xf32>, %c: tensor<2x3xi64>, %d: tensor<3xi64>, %m: tensor<?x1xi1>, %n: tensor<1x?xi1>) {
  %0 = xfmr.add %a, %b : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xf32>
  %1 = xfmr.sub %b, %a : (tensor<768xf32>, tensor<?x128x768xf32>) -> tensor<?x128x768xf32>
  %2 = xfmr.mul %a, %b : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<4x128x768xf32>
  %3 = xfmr.div %c, %d : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  %4 = xfmr.pow %a, %b : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xf32>
  %5 = xfmr.max %c, %d : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  %6 = xfmr.min %c, %d : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  %7 = xfmr.equal %c, %d : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi1>
  %8 = xfmr.less %a, %b : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xi1>
  %9 = xfmr.less_equal %c, %d : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi1>
  %10 = xfmr.greater %c, %d : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi1>
  %11 = xfmr.greater_equal %c, %d : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi1>
  %12 = xfmr.and %m, %n : (tensor<?x1xi1>, tensor<1x?xi1>) -> tensor<?x?xi1>
  %13 = xfmr.or %m, %n : (tensor<?x1xi1>, tensor<1x?xi1>) -> tensor<?x?xi1>
  %14 = xfmr.xor %m, %n : (tensor<?x1xi1>, tensor<1x?xi1>) -> tensor<?x?xi1>
  %15 = xfmr.where %12, %a, %b : (tensor<?x?xi1>, tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xf32>
  %16 = xfmr.cast %c : tensor<2x3xi64> to tensor<2x3xf32>
  %17 = xfmr.cast %a : tensor<?x128x768xf32> to tensor<?x128x768xbf16>
  return
}

// CHECK-LABEL: func.func @reductions(
// CHECK: %0 = xfmr.reduce_sum %arg0 {axes = array<i64: -1>} : (tensor<?x128x768xf32>) -> tensor<?x128x1xf32>
// CHECK: %1 = xfmr.reduce_mean %arg0 {axes = array<i64: 1, 2>, keepdims = false} : (tensor<?x128x768xf32>) -> tensor<?xf32>
// CHECK: %2 = xfmr.reduce_max %arg0 : (tensor<?x128x768xf32>) -> tensor<1x1x1xf32>
// CHECK: %3 = xfmr.reduce_min %arg0 {axes = array<i64: 0>, keepdims = false} : (tensor<?x128x768xf32>) -> tensor<128x768xf32>
// CHECK: %4 = xfmr.argmax %arg0 {axis = -1 : i64, keepdims = false} : (tensor<?x128x768xf32>) -> tensor<?x128xi64>
// CHECK: %5 = xfmr.argmax %arg0 {axis = 1 : i64, select_last_index = true} : (tensor<?x128x768xf32>) -> tensor<?x1x768xi64>
// CHECK: %6 = xfmr.softmax %arg0 : tensor<?x128x768xf32>
// CHECK: %7 = xfmr.log_softmax %arg0 {axis = 1 : i64} : tensor<?x128x768xf32>
func.func @reductions(%x: tensor<?x128x768xf32>) {
  %0 = xfmr.reduce_sum %x {axes = array<i64: -1>} : (tensor<?x128x768xf32>) -> tensor<?x128x1xf32>
  %1 = xfmr.reduce_mean %x {axes = array<i64: 1, 2>, keepdims = false} : (tensor<?x128x768xf32>) -> tensor<?xf32>
  %2 = xfmr.reduce_max %x : (tensor<?x128x768xf32>) -> tensor<1x1x1xf32>
  %3 = xfmr.reduce_min %x {axes = array<i64: 0>, keepdims = false} : (tensor<?x128x768xf32>) -> tensor<128x768xf32>
  %4 = xfmr.argmax %x {axis = -1 : i64, keepdims = false} : (tensor<?x128x768xf32>) -> tensor<?x128xi64>
  %5 = xfmr.argmax %x {axis = 1 : i64, select_last_index = true} : (tensor<?x128x768xf32>) -> tensor<?x1x768xi64>
  %6 = xfmr.softmax %x : tensor<?x128x768xf32>
  %7 = xfmr.log_softmax %x {axis = 1 : i64} : tensor<?x128x768xf32>
  return
}

// CHECK-LABEL: func.func @matmul_conv(
// CHECK: %0 = xfmr.matmul %arg0, %arg1 : (tensor<?x128x768xf32>, tensor<768x3072xf32>) -> tensor<?x128x3072xf32>
// CHECK: %1 = xfmr.matmul %arg2, %arg3 : (tensor<?x12x?x64xf32>, tensor<?x12x64x?xf32>) -> tensor<?x12x?x?xf32>
// CHECK: %2 = xfmr.matmul %arg2, %arg4 : (tensor<?x12x?x64xf32>, tensor<64xf32>) -> tensor<?x12x?xf32>
// CHECK: %3 = xfmr.matmul %arg4, %arg3 : (tensor<64xf32>, tensor<?x12x64x?xf32>) -> tensor<?x12x?xf32>
// CHECK: %4 = xfmr.conv %arg5, %arg6, %arg7 {strides = array<i64: 16, 16>} : (tensor<?x3x224x224xf32>, tensor<768x3x16x16xf32>, tensor<768xf32>) -> tensor<?x768x14x14xf32>
// CHECK: %5 = xfmr.conv %arg8, %arg9 {pads = array<i64: 1, 1>} : (tensor<1x80x?xf32>, tensor<384x80x3xf32>) -> tensor<1x384x?xf32>
// CHECK: %6 = xfmr.conv %arg5, %arg6 {dilations = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x224x224xf32>, tensor<768x3x16x16xf32>) -> tensor<?x768x98x98xf32>
func.func @matmul_conv(%x: tensor<?x128x768xf32>, %w: tensor<768x3072xf32>, %q: tensor<?x12x?x64xf32>, %k: tensor<?x12x64x?xf32>, %v: tensor<64xf32>, %img: tensor<?x3x224x224xf32>, %cw: tensor<768x3x16x16xf32>, %cb: tensor<768xf32>, %aud: tensor<1x80x?xf32>, %aw: tensor<384x80x3xf32>) {
  %0 = xfmr.matmul %x, %w : (tensor<?x128x768xf32>, tensor<768x3072xf32>) -> tensor<?x128x3072xf32>
  %1 = xfmr.matmul %q, %k : (tensor<?x12x?x64xf32>, tensor<?x12x64x?xf32>) -> tensor<?x12x?x?xf32>
  %2 = xfmr.matmul %q, %v : (tensor<?x12x?x64xf32>, tensor<64xf32>) -> tensor<?x12x?xf32>
  %3 = xfmr.matmul %v, %k : (tensor<64xf32>, tensor<?x12x64x?xf32>) -> tensor<?x12x?xf32>
  %4 = xfmr.conv %img, %cw, %cb {strides = array<i64: 16, 16>} : (tensor<?x3x224x224xf32>, tensor<768x3x16x16xf32>, tensor<768xf32>) -> tensor<?x768x14x14xf32>
  %5 = xfmr.conv %aud, %aw {pads = array<i64: 1, 1>} : (tensor<1x80x?xf32>, tensor<384x80x3xf32>) -> tensor<1x384x?xf32>
  %6 = xfmr.conv %img, %cw {dilations = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x224x224xf32>, tensor<768x3x16x16xf32>) -> tensor<?x768x98x98xf32>
  return
}

// CHECK-LABEL: func.func @shape_ops(
// CHECK: %0 = xfmr.constant dense<[0, 0, 12, 64]> : tensor<4xi64>
// CHECK: %1 = xfmr.reshape %arg0, %0 : (tensor<?x?x768xf32>, tensor<4xi64>) -> tensor<?x?x12x64xf32>
// CHECK: %2 = xfmr.reshape %arg0, %arg1 : (tensor<?x?x768xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
// CHECK: %3 = xfmr.transpose %1 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x?x12x64xf32>) -> tensor<?x12x?x64xf32>
// CHECK: %4 = xfmr.concat %arg0, %arg0 {axis = 1 : i64} : (tensor<?x?x768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
// CHECK: %5:3 = xfmr.split %arg2 {axis = 1 : i64, sizes = array<i64: 768, 768, 768>} : (tensor<?x2304xf32>) -> (tensor<?x768xf32>, tensor<?x768xf32>, tensor<?x768xf32>)
// CHECK: %6 = xfmr.constant dense<0> : tensor<1xi64>
// CHECK: %7 = xfmr.constant dense<1> : tensor<1xi64>
// CHECK: %8 = xfmr.slice %arg0, %6, %arg5, %7 : (tensor<?x?x768xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x768xf32>
// CHECK: %9 = xfmr.constant dense<2> : tensor<1xi64>
// CHECK: %10 = xfmr.constant dense<10> : tensor<1xi64>
// CHECK: %11 = xfmr.slice %arg2, %6, %10, %7, %9 : (tensor<?x2304xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x5xf32>
// CHECK: %12 = xfmr.gather %arg4, %arg3 : (tensor<30522x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
// CHECK: %13 = xfmr.constant dense<[2, 1, 768]> : tensor<3xi64>
// CHECK: %14 = xfmr.expand %arg0, %13 : (tensor<?x?x768xf32>, tensor<3xi64>) -> tensor<2x?x768xf32>
// CHECK: %15 = xfmr.unsqueeze %arg0 {axes = array<i64: 1>} : (tensor<?x?x768xf32>) -> tensor<?x1x?x768xf32>
// CHECK: %16 = xfmr.squeeze %15 {axes = array<i64: 1>} : (tensor<?x1x?x768xf32>) -> tensor<?x?x768xf32>
// CHECK: %17 = xfmr.constant dense<0> : tensor<i64>
// CHECK: %18 = xfmr.constant dense<1> : tensor<i64>
// CHECK: %19 = xfmr.range %17, %arg6, %18 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
// CHECK: %20 = xfmr.constant dense<8> : tensor<i64>
// CHECK: %21 = xfmr.range %17, %20, %18 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<8xi64>
// CHECK: %22 = xfmr.trilu %arg2 {upper = false} : (tensor<?x2304xf32>) -> tensor<?x2304xf32>
// CHECK: %23 = xfmr.trilu %arg2, %18 : (tensor<?x2304xf32>, tensor<i64>) -> tensor<?x2304xf32>
// CHECK: %24 = xfmr.shape %arg0 : (tensor<?x?x768xf32>) -> tensor<3xi64>
// CHECK: %25 = xfmr.shape %arg0 {end = -1 : i64, start = 1 : i64} : (tensor<?x?x768xf32>) -> tensor<1xi64>
// CHECK: %26 = xfmr.size %arg0 : (tensor<?x?x768xf32>) -> tensor<i64>
// CHECK: %27 = xfmr.constant_of_shape %24 {value = 0.000000e+00 : f32} : (tensor<3xi64>) -> tensor<?x?x?xf32>
// CHECK: %28 = xfmr.constant_of_shape %9 {value = 1 : i64} : (tensor<1xi64>) -> tensor<2xi64>
// CHECK: %29 = xfmr.constant dense_resource<encoder_w> : tensor<2x2xf32>
func.func @shape_ops(%x: tensor<?x?x768xf32>, %s: tensor<4xi64>, %t: tensor<?x2304xf32>, %ids: tensor<?x?xi64>, %table: tensor<30522x768xf32>, %len: tensor<1xi64>, %n: tensor<i64>) {
  %c = xfmr.constant dense<[0, 0, 12, 64]> : tensor<4xi64>
  %0 = xfmr.reshape %x, %c : (tensor<?x?x768xf32>, tensor<4xi64>) -> tensor<?x?x12x64xf32>
  %1 = xfmr.reshape %x, %s : (tensor<?x?x768xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %2 = xfmr.transpose %0 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x?x12x64xf32>) -> tensor<?x12x?x64xf32>
  %3 = xfmr.concat %x, %x {axis = 1 : i64} : (tensor<?x?x768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  %4:3 = xfmr.split %t {axis = 1 : i64, sizes = array<i64: 768, 768, 768>} : (tensor<?x2304xf32>) -> (tensor<?x768xf32>, tensor<?x768xf32>, tensor<?x768xf32>)
  %zero = xfmr.constant dense<0> : tensor<1xi64>
  %axis = xfmr.constant dense<1> : tensor<1xi64>
  %5 = xfmr.slice %x, %zero, %len, %axis : (tensor<?x?x768xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x768xf32>
  %c2 = xfmr.constant dense<2> : tensor<1xi64>
  %c10 = xfmr.constant dense<10> : tensor<1xi64>
  %6 = xfmr.slice %t, %zero, %c10, %axis, %c2 : (tensor<?x2304xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x5xf32>
  %7 = xfmr.gather %table, %ids {axis = 0 : i64} : (tensor<30522x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
  %e = xfmr.constant dense<[2, 1, 768]> : tensor<3xi64>
  %8 = xfmr.expand %x, %e : (tensor<?x?x768xf32>, tensor<3xi64>) -> tensor<2x?x768xf32>
  %9 = xfmr.unsqueeze %x {axes = array<i64: 1>} : (tensor<?x?x768xf32>) -> tensor<?x1x?x768xf32>
  %10 = xfmr.squeeze %9 {axes = array<i64: 1>} : (tensor<?x1x?x768xf32>) -> tensor<?x?x768xf32>
  %c0 = xfmr.constant dense<0> : tensor<i64>
  %c1 = xfmr.constant dense<1> : tensor<i64>
  %11 = xfmr.range %c0, %n, %c1 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %c8 = xfmr.constant dense<8> : tensor<i64>
  %12 = xfmr.range %c0, %c8, %c1 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<8xi64>
  %13 = xfmr.trilu %t {upper = false} : (tensor<?x2304xf32>) -> tensor<?x2304xf32>
  %14 = xfmr.trilu %t, %c1 : (tensor<?x2304xf32>, tensor<i64>) -> tensor<?x2304xf32>
  %15 = xfmr.shape %x : (tensor<?x?x768xf32>) -> tensor<3xi64>
  %16 = xfmr.shape %x {end = -1 : i64, start = 1 : i64} : (tensor<?x?x768xf32>) -> tensor<1xi64>
  %17 = xfmr.size %x : (tensor<?x?x768xf32>) -> tensor<i64>
  %18 = xfmr.constant_of_shape %15 {value = 0.000000e+00 : f32} : (tensor<3xi64>) -> tensor<?x?x?xf32>
  %19 = xfmr.constant_of_shape %c2 {value = 1 : i64} : (tensor<1xi64>) -> tensor<2xi64>
  %w = xfmr.constant dense_resource<encoder_w> : tensor<2x2xf32>
  return
}

// CHECK-LABEL: func.func @transformer(
// CHECK: %0 = xfmr.layer_norm %arg0, %arg1, %arg1 : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
// CHECK: %1 = xfmr.layer_norm %arg0, %arg1 residual %arg2 : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
// CHECK: %2 = xfmr.rms_norm %arg0, %arg1 {epsilon = 9.99999997E-7 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
// CHECK: %3 = xfmr.rms_norm %arg0, %arg1, %arg1 residual %arg2 : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
// CHECK: %4 = xfmr.linear %arg0, %arg3, %arg4 {activation = #xfmr<activation gelu>, transpose_weight} : (tensor<?x?x768xf32>, tensor<3072x768xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
// CHECK: %5 = xfmr.linear %arg0, %arg5 : (tensor<?x?x768xf32>, tensor<768x3072xf32>) -> tensor<?x?x3072xf32>
// CHECK: %6 = xfmr.mlp %arg0 up %arg5 bias %arg4 down %arg6 bias %arg7 {activation = #xfmr<activation gelu_tanh>} : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>, tensor<3072x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
// CHECK: %7 = xfmr.mlp %arg0 up %arg5 gate %arg5 down %arg6 {activation = #xfmr<activation silu>} : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<768x3072xf32>, tensor<3072x768xf32>) -> tensor<?x?x768xf32>
func.func @transformer(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>, %h: tensor<?x?x768xf32>, %w: tensor<3072x768xf32>, %b: tensor<3072xf32>, %wu: tensor<768x3072xf32>, %wd: tensor<3072x768xf32>, %bd: tensor<768xf32>) {
  %0 = xfmr.layer_norm %x, %g, %g {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  %1 = xfmr.layer_norm %x, %g residual %h : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  %2 = xfmr.rms_norm %x, %g {epsilon = 9.99999997E-7 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  %3 = xfmr.rms_norm %x, %g, %g residual %h : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  %4 = xfmr.linear %x, %w, %b {activation = #xfmr<activation gelu>, transpose_weight} : (tensor<?x?x768xf32>, tensor<3072x768xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
  %5 = xfmr.linear %x, %wu : (tensor<?x?x768xf32>, tensor<768x3072xf32>) -> tensor<?x?x3072xf32>
  %6 = xfmr.mlp %x up %wu bias %b down %wd bias %bd {activation = #xfmr<activation gelu_tanh>} : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>, tensor<3072x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  %7 = xfmr.mlp %x up %wu gate %wu down %wd {activation = #xfmr<activation silu>} : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<768x3072xf32>, tensor<3072x768xf32>) -> tensor<?x?x768xf32>
  return
}

// CHECK-LABEL: func.func @attention(
// CHECK: %output = xfmr.attention %arg0, %arg1, %arg2 {is_causal} : (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x32x?x64xf32>
// CHECK: %output_0, %present:2 = xfmr.attention %arg3, %arg4, %arg4 mask %arg6 past %arg5, %arg5 {scale = 1.250000e-01 : f32} : (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x1x1x?xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>) -> (tensor<1x12x1x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>)
// CHECK: %output_1 = xfmr.attention %arg0, %arg1, %arg2 mask %arg7 : (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<?x?xi1>) -> tensor<1x32x?x64xf32>
// CHECK: %output_2 = xfmr.attention %arg8, %arg9, %arg10 : (tensor<2x12x128x64xf32>, tensor<2x12x128x64xf32>, tensor<2x12x128x32xf32>) -> tensor<2x12x128x32xf32>
// CHECK: %output_3, %present_4:2 = xfmr.attention %arg3, %arg4, %arg4 past %arg5, %arg5 alibi %arg11, %arg12 {is_causal} : (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>, tensor<12xf32>, tensor<1x?xf32>) -> (tensor<1x12x1x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>)
func.func @attention(%q: tensor<1x32x?x64xf32>, %k: tensor<1x8x?x64xf32>, %v: tensor<1x8x?x64xf32>, %q1: tensor<1x12x1x64xf32>, %k1: tensor<1x12x1x64xf32>, %pk: tensor<1x12x?x64xf32>, %m: tensor<1x1x1x?xf32>, %bm: tensor<?x?xi1>, %qs: tensor<2x12x128x64xf32>, %ks: tensor<2x12x128x64xf32>, %vs: tensor<2x12x128x32xf32>, %slopes: tensor<12xf32>, %pos: tensor<1x?xf32>) {
  %0 = xfmr.attention %q, %k, %v {is_causal} : (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x32x?x64xf32>
  %1:3 = xfmr.attention %q1, %k1, %k1 mask %m past %pk, %pk {scale = 1.250000e-01 : f32} : (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x1x1x?xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>) -> (tensor<1x12x1x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>)
  %2 = xfmr.attention %q, %k, %v mask %bm : (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<?x?xi1>) -> tensor<1x32x?x64xf32>
  %3 = xfmr.attention %qs, %ks, %vs : (tensor<2x12x128x64xf32>, tensor<2x12x128x64xf32>, tensor<2x12x128x32xf32>) -> tensor<2x12x128x32xf32>
  %4:3 = xfmr.attention %q1, %k1, %k1 past %pk, %pk alibi %slopes, %pos {is_causal} : (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>, tensor<12xf32>, tensor<1x?xf32>) -> (tensor<1x12x1x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>)
  return
}

// CHECK-LABEL: func.func @rotary(
// CHECK: %0 = xfmr.rotary_embedding %arg0, %arg1, %arg1, %arg2 : (tensor<1x8x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>, tensor<1x?xi64>) -> tensor<1x8x?x64xf32>
// CHECK: %1 = xfmr.rotary_embedding %arg3, %arg4, %arg4 {interleaved, num_heads = 8 : i64, rotary_embedding_dim = 32 : i64} : (tensor<2x?x512xf32>, tensor<2x?x16xf32>, tensor<2x?x16xf32>) -> tensor<2x?x512xf32>
func.func @rotary(%q: tensor<1x8x?x64xf32>, %cos: tensor<2048x32xf32>, %pos: tensor<1x?xi64>, %x: tensor<2x?x512xf32>, %c3: tensor<2x?x16xf32>) {
  %0 = xfmr.rotary_embedding %q, %cos, %cos, %pos : (tensor<1x8x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>, tensor<1x?xi64>) -> tensor<1x8x?x64xf32>
  %1 = xfmr.rotary_embedding %x, %c3, %c3 {interleaved, num_heads = 8 : i64, rotary_embedding_dim = 32 : i64} : (tensor<2x?x512xf32>, tensor<2x?x16xf32>, tensor<2x?x16xf32>) -> tensor<2x?x512xf32>
  return
}

// CHECK-LABEL: func.func @gathers(
// CHECK: %0 = xfmr.gather_elements %arg0, %arg1 {axis = 1 : i64} : (tensor<1x128xi64>, tensor<1x?xi64>) -> tensor<1x?xi64>
// CHECK: %1 = xfmr.gather_nd %arg2, %arg3 : (tensor<4x5x6xf32>, tensor<?x2xi64>) -> tensor<?x6xf32>
// CHECK: %2 = xfmr.gather_nd %arg2, %arg4 {batch_dims = 1 : i64} : (tensor<4x5x6xf32>, tensor<4x1xi32>) -> tensor<4x6xf32>
func.func @gathers(%types: tensor<1x128xi64>, %ids: tensor<1x?xi64>, %x: tensor<4x5x6xf32>, %idx: tensor<?x2xi64>, %bidx: tensor<4x1xi32>) {
  %0 = xfmr.gather_elements %types, %ids {axis = 1 : i64} : (tensor<1x128xi64>, tensor<1x?xi64>) -> tensor<1x?xi64>
  %1 = xfmr.gather_nd %x, %idx : (tensor<4x5x6xf32>, tensor<?x2xi64>) -> tensor<?x6xf32>
  %2 = xfmr.gather_nd %x, %bidx {batch_dims = 1 : i64} : (tensor<4x5x6xf32>, tensor<4x1xi32>) -> tensor<4x6xf32>
  return
}

// CHECK-LABEL: func.func @cumsum(
// CHECK: %0 = xfmr.cumsum %arg0 {axis = 1 : i64} : tensor<?x?xi64>
// CHECK: %1 = xfmr.cumsum %arg1 {axis = -1 : i64, exclusive, reverse} : tensor<4x8xf32>
func.func @cumsum(%mask: tensor<?x?xi64>, %x: tensor<4x8xf32>) {
  %0 = xfmr.cumsum %mask {axis = 1 : i64} : tensor<?x?xi64>
  %1 = xfmr.cumsum %x {axis = -1 : i64, exclusive, reverse} : tensor<4x8xf32>
  return
}

// CHECK-LABEL: func.func @scatter_pool_cumprod(
// CHECK: %0 = xfmr.scatter_elements %arg0, %arg1, %arg2 {axis = 1 : i64, reduction = "mul"} : (tensor<4x8xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x8xf32>
// CHECK: %1 = xfmr.scatter_nd %arg0, %arg3, %arg4 : (tensor<4x8xf32>, tensor<2x1xi64>, tensor<2x8xf32>) -> tensor<4x8xf32>
// CHECK: %2 = xfmr.pool %arg5 {ceil_mode, kernel_shape = array<i64: 3, 3>, kind = "max", strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32>
// CHECK: %3 = xfmr.reduce_prod %arg0 {axes = array<i64: 0>} : (tensor<4x8xf32>) -> tensor<1x8xf32>
// CHECK: %4 = xfmr.cumprod %arg0 {axis = 0 : i64, exclusive} : tensor<4x8xf32>
func.func @scatter_pool_cumprod(%x: tensor<4x8xf32>, %i: tensor<4x2xi64>, %u: tensor<4x2xf32>, %p: tensor<2x1xi64>, %rows: tensor<2x8xf32>, %img: tensor<?x3x8x8xf32>) {
  %0 = xfmr.scatter_elements %x, %i, %u {axis = 1 : i64, reduction = "mul"} : (tensor<4x8xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x8xf32>
  %1 = xfmr.scatter_nd %x, %p, %rows : (tensor<4x8xf32>, tensor<2x1xi64>, tensor<2x8xf32>) -> tensor<4x8xf32>
  %2 = xfmr.pool %img {kind = "max", kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode} : (tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32>
  %3 = xfmr.reduce_prod %x {axes = array<i64: 0>} : (tensor<4x8xf32>) -> tensor<1x8xf32>
  %4 = xfmr.cumprod %x {axis = 0 : i64, exclusive} : tensor<4x8xf32>
  return
}

{-#
  dialect_resources: {
    builtin: {
      encoder_w: "0x040000000000803F0000004000004040000080C0"
    }
  }
#-}

// CHECK-LABEL: func.func @bits(
// CHECK: %0 = xfmr.and %arg0, %arg1 : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
// CHECK: %1 = xfmr.or %arg0, %arg1 : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
// CHECK: %2 = xfmr.xor %arg0, %arg1 : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
// CHECK: %3 = xfmr.not %arg0 : tensor<?x4xi32>
// CHECK: %4 = xfmr.shift_left %arg0, %arg1 : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
// CHECK: %5 = xfmr.shift_right_signed %arg0, %arg1 : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
// CHECK: %6 = xfmr.shift_right_unsigned %arg0, %arg1 : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
// CHECK: %7 = xfmr.bitcast %arg0 : tensor<?x4xi32> to tensor<?x4xf32>
// CHECK: %8 = xfmr.asin %arg2 : tensor<3xf32>
// CHECK: %9 = xfmr.acos %arg2 : tensor<3xf32>
// CHECK: %10 = xfmr.atan %arg2 : tensor<3xf32>
func.func @bits(%a: tensor<?x4xi32>, %b: tensor<4xi32>, %x: tensor<3xf32>) {
  %0 = xfmr.and %a, %b : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
  %1 = xfmr.or %a, %b : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
  %2 = xfmr.xor %a, %b : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
  %3 = xfmr.not %a : tensor<?x4xi32>
  %4 = xfmr.shift_left %a, %b : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
  %5 = xfmr.shift_right_signed %a, %b : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
  %6 = xfmr.shift_right_unsigned %a, %b : (tensor<?x4xi32>, tensor<4xi32>) -> tensor<?x4xi32>
  %7 = xfmr.bitcast %a : tensor<?x4xi32> to tensor<?x4xf32>
  %8 = xfmr.asin %x : tensor<3xf32>
  %9 = xfmr.acos %x : tensor<3xf32>
  %10 = xfmr.atan %x : tensor<3xf32>
  return
}

// CHECK-LABEL: func.func @linear_int4
// CHECK: %0 = xfmr.linear %arg0, %arg1, %arg4 weight_quant(%arg2, %arg3) {block_size = 32 : i64, transpose_weight} : (tensor<?x?x64xf32>, tensor<96x2x16xi8>, tensor<96xf32>, tensor<96x2xf32>, tensor<96x2xf32>) -> tensor<?x?x96xf32>
// CHECK: %1 = xfmr.linear %arg0, %arg1 weight_quant(%arg2, %arg5) {block_size = 32 : i64, transpose_weight} : (tensor<?x?x64xf32>, tensor<96x2x16xi8>, tensor<96x2xf32>, tensor<f32>) -> tensor<?x?x96xf32>
func.func @linear_int4(%x: tensor<?x?x64xf32>, %w: tensor<96x2x16xi8>, %s: tensor<96x2xf32>, %z: tensor<96x2xf32>, %b: tensor<96xf32>, %z0: tensor<f32>) {
  %0 = xfmr.linear %x, %w, %b weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x?x64xf32>, tensor<96x2x16xi8>, tensor<96xf32>, tensor<96x2xf32>, tensor<96x2xf32>) -> tensor<?x?x96xf32>
  %1 = xfmr.linear %x, %w weight_quant(%s, %z0) {block_size = 32 : i64, transpose_weight} : (tensor<?x?x64xf32>, tensor<96x2x16xi8>, tensor<96x2xf32>, tensor<f32>) -> tensor<?x?x96xf32>
  return
}

// CHECK-LABEL: func.func @quantized_linear(
// CHECK: %0 = xfmr.linear %arg0, %arg1, %arg2 input_quant(%arg3, %arg4) weight_quant(%arg5, %arg6) {activation = #xfmr<activation relu>, input_unsigned} : (tensor<?x64xi8>, tensor<64x32xi8>, tensor<32xf32>, tensor<f32>, tensor<i8>, tensor<32xf32>, tensor<1xi8>) -> tensor<?x32xf32>
// CHECK: %1 = xfmr.linear %arg0, %arg7 input_quant(%arg3, %arg4) weight_quant(%arg3, %arg4) {transpose_weight, weight_unsigned} : (tensor<?x64xi8>, tensor<32x64xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<?x32xf32>
func.func @quantized_linear(%x: tensor<?x64xi8>, %w: tensor<64x32xi8>, %b: tensor<32xf32>, %s: tensor<f32>, %zp: tensor<i8>, %ws: tensor<32xf32>, %wzp: tensor<1xi8>, %wt: tensor<32x64xi8>) {
  %0 = xfmr.linear %x, %w, %b input_quant(%s, %zp) weight_quant(%ws, %wzp) {activation = #xfmr<activation relu>, input_unsigned} : (tensor<?x64xi8>, tensor<64x32xi8>, tensor<32xf32>, tensor<f32>, tensor<i8>, tensor<32xf32>, tensor<1xi8>) -> tensor<?x32xf32>
  %1 = xfmr.linear %x, %wt input_quant(%s, %zp) weight_quant(%s, %zp) {transpose_weight, weight_unsigned} : (tensor<?x64xi8>, tensor<32x64xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<?x32xf32>
  return
}
