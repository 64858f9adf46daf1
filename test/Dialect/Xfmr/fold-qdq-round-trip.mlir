// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear | FileCheck %s

// QuantizeLinear to uint8 (as the importer writes it: whole numbers clipped
// to [0, 255], narrowed through i64), the 8-bit tensor reshaped and
// transposed, then DequantizeLinear (zero extended, minus the zero point,
// times the scale) into a softmax: the round trip through 8 bits is the
// identity, so the moves apply to the clipped floats and no 8-bit tensor
// is left.

// CHECK-LABEL: func.func @uint8_through_moves
// CHECK:         %[[C:.*]] = xfmr.clip %{{.*}} {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<2x8x4xf32>
// CHECK:         %[[R:.*]] = xfmr.reshape %[[C]], %{{.*}} : (tensor<2x8x4xf32>, tensor<4xi64>) -> tensor<2x8x2x2xf32>
// CHECK:         %[[T:.*]] = xfmr.transpose %[[R]] {permutation = array<i64: 0, 2, 1, 3>} : (tensor<2x8x2x2xf32>) -> tensor<2x2x8x2xf32>
// CHECK:         %[[D:.*]] = xfmr.sub %[[T]], %{{.*}} : (tensor<2x2x8x2xf32>, tensor<f32>) -> tensor<2x2x8x2xf32>
// CHECK:         xfmr.mul %[[D]]
// CHECK-NOT:     i8>
// CHECK:         xfmr.softmax
func.func @uint8_through_moves(%x: tensor<2x8x4xf32>) -> tensor<2x2x8x2xf32> {
  %s = xfmr.constant dense<5.0e-02> : tensor<f32>
  %zp = xfmr.constant dense<128.0> : tensor<f32>
  %shape = xfmr.constant dense<[2, 8, 2, 2]> : tensor<4xi64>
  %flip = xfmr.constant dense<-128> : tensor<i8>
  %c128 = xfmr.constant dense<128> : tensor<i64>
  %0 = xfmr.div %x, %s : (tensor<2x8x4xf32>, tensor<f32>) -> tensor<2x8x4xf32>
  %1 = xfmr.floor %0 : tensor<2x8x4xf32>
  %2 = xfmr.add %1, %zp : (tensor<2x8x4xf32>, tensor<f32>) -> tensor<2x8x4xf32>
  %3 = xfmr.clip %2 {min = 0.0 : f64, max = 255.0 : f64} : tensor<2x8x4xf32>
  %4 = xfmr.cast %3 : tensor<2x8x4xf32> to tensor<2x8x4xi64>
  %q = xfmr.cast %4 : tensor<2x8x4xi64> to tensor<2x8x4xi8>
  %r = xfmr.reshape %q, %shape : (tensor<2x8x4xi8>, tensor<4xi64>) -> tensor<2x8x2x2xi8>
  %t = xfmr.transpose %r {permutation = array<i64: 0, 2, 1, 3>} : (tensor<2x8x2x2xi8>) -> tensor<2x2x8x2xi8>
  %5 = xfmr.add %t, %flip : (tensor<2x2x8x2xi8>, tensor<i8>) -> tensor<2x2x8x2xi8>
  %6 = xfmr.cast %5 : tensor<2x2x8x2xi8> to tensor<2x2x8x2xi64>
  %7 = xfmr.add %6, %c128 : (tensor<2x2x8x2xi64>, tensor<i64>) -> tensor<2x2x8x2xi64>
  %8 = xfmr.cast %7 : tensor<2x2x8x2xi64> to tensor<2x2x8x2xf32>
  %9 = xfmr.sub %8, %zp : (tensor<2x2x8x2xf32>, tensor<f32>) -> tensor<2x2x8x2xf32>
  %10 = xfmr.mul %9, %s : (tensor<2x2x8x2xf32>, tensor<f32>) -> tensor<2x2x8x2xf32>
  %11 = xfmr.softmax %10 : tensor<2x2x8x2xf32>
  return %11 : tensor<2x2x8x2xf32>
}

// -----

// The int8 input of a matmul whose weight is a dequantized constant: a
// quantized layer reads the 8-bit tensor, so the round trip stays and the
// layer is made of it (as uint8: its sign bit flipped).

// CHECK-LABEL: func.func @int8_into_layer
// CHECK:         %[[Q:.*]] = xfmr.cast %{{.*}} : tensor<4x64xf32> to tensor<4x64xi8>
// CHECK:         %[[U:.*]] = xfmr.xor %[[Q]]
// CHECK:         xfmr.linear %[[U]]
func.func @int8_into_layer(%x: tensor<4x64xf32>) -> tensor<4x8xf32> {
  %s = xfmr.constant dense<5.0e-02> : tensor<f32>
  %w = xfmr.constant dense<3> : tensor<64x8xi8>
  %ws = xfmr.constant dense<1.0e-02> : tensor<f32>
  %0 = xfmr.div %x, %s : (tensor<4x64xf32>, tensor<f32>) -> tensor<4x64xf32>
  %1 = xfmr.floor %0 : tensor<4x64xf32>
  %2 = xfmr.clip %1 {min = -128.0 : f64, max = 127.0 : f64} : tensor<4x64xf32>
  %q = xfmr.cast %2 : tensor<4x64xf32> to tensor<4x64xi8>
  %3 = xfmr.cast %q : tensor<4x64xi8> to tensor<4x64xf32>
  %4 = xfmr.mul %3, %s : (tensor<4x64xf32>, tensor<f32>) -> tensor<4x64xf32>
  %5 = xfmr.cast %w : tensor<64x8xi8> to tensor<64x8xf32>
  %6 = xfmr.mul %5, %ws : (tensor<64x8xf32>, tensor<f32>) -> tensor<64x8xf32>
  %7 = xfmr.matmul %4, %6 : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
  return %7 : tensor<4x8xf32>
}

// -----

// Values not rounded to whole numbers (no floor or round before the clip)
// change in the narrowing cast: no fold.

// CHECK-LABEL: func.func @not_whole_numbers
// CHECK:         xfmr.cast %{{.*}} : tensor<16xf32> to tensor<16xi8>
// CHECK:         xfmr.cast %{{.*}} : tensor<16xi8> to tensor<16xf32>
func.func @not_whole_numbers(%x: tensor<16xf32>) -> tensor<16xf32> {
  %0 = xfmr.clip %x {min = -128.0 : f64, max = 127.0 : f64} : tensor<16xf32>
  %q = xfmr.cast %0 : tensor<16xf32> to tensor<16xi8>
  %1 = xfmr.cast %q : tensor<16xi8> to tensor<16xf32>
  %2 = xfmr.exp %1 : tensor<16xf32>
  return %2 : tensor<16xf32>
}

// -----

// A clip wider than the 8-bit range wraps in the narrowing cast: no fold.

// CHECK-LABEL: func.func @range_too_wide
// CHECK:         xfmr.cast %{{.*}} : tensor<16xf32> to tensor<16xi8>
func.func @range_too_wide(%x: tensor<16xf32>) -> tensor<16xf32> {
  %0 = xfmr.floor %x : tensor<16xf32>
  %1 = xfmr.clip %0 {min = -128.0 : f64, max = 255.0 : f64} : tensor<16xf32>
  %q = xfmr.cast %1 : tensor<16xf32> to tensor<16xi8>
  %2 = xfmr.cast %q : tensor<16xi8> to tensor<16xf32>
  %3 = xfmr.exp %2 : tensor<16xf32>
  return %3 : tensor<16xf32>
}
