// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear | FileCheck %s
// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear=explain=true | FileCheck %s --check-prefix=EXPLAIN

// MatMulNBitsQuantizer's QDQ form, symmetric: an int4 weight [8, 2]
// dequantized in blocks of 4 along K without zero points, as the importer
// writes it, then MatMul and the bias Add. One 4-bit layer: the values
// moved by 8 into 0..15 (zero points 8) and packed two a byte in
// MatMulNBits' layout [N, blocks, 2], low nibble first: column 0 is
// (0, 9, 11, 13 | 8, 6, 4, 2), so its bytes are 0x90, 0xDB | 0x68, 0x24;
// the scales [blocks, N] transposed to [N, blocks].

// CHECK-LABEL: func.func @int4_symmetric
// CHECK-SAME:    (%[[X:.*]]: tensor<?x8xf32>)
// CHECK-DAG:     %[[B:.*]] = xfmr.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[W:.*]] = xfmr.constant dense<{{\[\[\[}}-112, -37], [104, 36]], {{\[\[}}-81, -20], [87, 19]]]> : tensor<2x2x2xi8>
// CHECK-DAG:     %[[S:.*]] = xfmr.constant dense<{{\[\[}}5.000000e-01, 2.000000e+00], [2.500000e-01, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG:     %[[Z:.*]] = xfmr.constant dense<8.000000e+00> : tensor<2x2xf32>
// CHECK:         %[[Y:.*]] = xfmr.linear %[[X]], %[[W]], %[[B]] weight_quant(%[[S]], %[[Z]]) {block_size = 4 : i64, transpose_weight}
// CHECK-SAME:      : (tensor<?x8xf32>, tensor<2x2x2xi8>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
// CHECK-NOT:     xfmr.mul
// CHECK:         return %[[Y]]
// EXPLAIN-LABEL: func.func @int4_symmetric
// EXPLAIN-NOT:   xfmr.fusion_missed
func.func @int4_symmetric(%x: tensor<?x8xf32>) -> tensor<?x2xf32> {
  %q = xfmr.constant dense<[[-8, 7], [1, 2], [3, 4], [5, 6], [0, -1], [-2, -3], [-4, -5], [-6, -7]]> : tensor<8x2xi8>
  %s = xfmr.constant dense<[[0.5, 0.25], [2.0, 4.0]]> : tensor<2x2xf32>
  %idx = xfmr.constant dense<[0, 0, 0, 0, 1, 1, 1, 1]> : tensor<8xi64>
  %b = xfmr.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %qf = xfmr.cast %q : tensor<8x2xi8> to tensor<8x2xf32>
  %sg = xfmr.gather %s, %idx : (tensor<2x2xf32>, tensor<8xi64>) -> tensor<8x2xf32>
  %w = xfmr.mul %qf, %sg : (tensor<8x2xf32>, tensor<8x2xf32>) -> tensor<8x2xf32>
  %m = xfmr.matmul %x, %w : (tensor<?x8xf32>, tensor<8x2xf32>) -> tensor<?x2xf32>
  %y = xfmr.add %m, %b : (tensor<?x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Asymmetric: uint4 values and zero points, zero-extended the importer's
// way (flip the top bit, widen, add 128), the zero points gathered into
// blocks like the scales. K = 6 in blocks of 4: the last block is partial.
// Every value is 3 (bytes 0x33) and every zero point 1, which also fills
// the last block past K (0x11); relu joins too.

// CHECK-LABEL: func.func @uint4_zero_points
// CHECK-DAG:     %[[W:.*]] = xfmr.constant dense<{{\[\[\[}}51, 51], [51, 17]], {{\[\[}}51, 51], [51, 17]]]> : tensor<2x2x2xi8>
// CHECK-DAG:     %[[Z:.*]] = xfmr.constant dense<1.000000e+00> : tensor<2x2xf32>
// CHECK:         xfmr.linear %{{.*}}, %[[W]] weight_quant(%{{.*}}, %[[Z]]) {activation = #xfmr<activation relu>, block_size = 4 : i64, transpose_weight}
// CHECK-SAME:      : (tensor<?x6xf32>, tensor<2x2x2xi8>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
// EXPLAIN-LABEL: func.func @uint4_zero_points
// EXPLAIN-NOT:   xfmr.fusion_missed
func.func @uint4_zero_points(%x: tensor<?x6xf32>) -> tensor<?x2xf32> {
  %q = xfmr.constant dense<3> : tensor<6x2xi8>
  %zp = xfmr.constant dense<1> : tensor<2x2xi8>
  %s = xfmr.constant dense<0.5> : tensor<2x2xf32>
  %idx = xfmr.constant dense<[0, 0, 0, 0, 1, 1]> : tensor<6xi64>
  %flip = xfmr.constant dense<-128> : tensor<i8>
  %c128 = xfmr.constant dense<128> : tensor<i64>
  %0 = xfmr.add %q, %flip : (tensor<6x2xi8>, tensor<i8>) -> tensor<6x2xi8>
  %1 = xfmr.cast %0 : tensor<6x2xi8> to tensor<6x2xi64>
  %2 = xfmr.add %1, %c128 : (tensor<6x2xi64>, tensor<i64>) -> tensor<6x2xi64>
  %qf = xfmr.cast %2 : tensor<6x2xi64> to tensor<6x2xf32>
  %zg = xfmr.gather %zp, %idx : (tensor<2x2xi8>, tensor<6xi64>) -> tensor<6x2xi8>
  %3 = xfmr.add %zg, %flip : (tensor<6x2xi8>, tensor<i8>) -> tensor<6x2xi8>
  %4 = xfmr.cast %3 : tensor<6x2xi8> to tensor<6x2xi64>
  %5 = xfmr.add %4, %c128 : (tensor<6x2xi64>, tensor<i64>) -> tensor<6x2xi64>
  %zf = xfmr.cast %5 : tensor<6x2xi64> to tensor<6x2xf32>
  %c = xfmr.sub %qf, %zf : (tensor<6x2xf32>, tensor<6x2xf32>) -> tensor<6x2xf32>
  %sg = xfmr.gather %s, %idx : (tensor<2x2xf32>, tensor<6xi64>) -> tensor<6x2xf32>
  %w = xfmr.mul %c, %sg : (tensor<6x2xf32>, tensor<6x2xf32>) -> tensor<6x2xf32>
  %m = xfmr.matmul %x, %w : (tensor<?x6xf32>, tensor<6x2xf32>) -> tensor<?x2xf32>
  %y = xfmr.relu %m : tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Blocks of an odd size (3) cannot be packed two values a byte per block:
// the layer stays float, with the reason noted.

// CHECK-LABEL: func.func @odd_blocks
// CHECK:         xfmr.linear %{{.*}}, %{{.*}} : (tensor<?x6xf32>, tensor<6x2xf32>) -> tensor<?x2xf32>
// EXPLAIN-LABEL: func.func @odd_blocks
// EXPLAIN:       xfmr.linear {{.*}}xfmr.fusion_missed = {quantized_linear = ["the weight's scale is not a constant in blocks of an even size along K"
func.func @odd_blocks(%x: tensor<?x6xf32>) -> tensor<?x2xf32> {
  %q = xfmr.constant dense<3> : tensor<6x2xi8>
  %s = xfmr.constant dense<0.5> : tensor<2x2xf32>
  %idx = xfmr.constant dense<[0, 0, 0, 1, 1, 1]> : tensor<6xi64>
  %qf = xfmr.cast %q : tensor<6x2xi8> to tensor<6x2xf32>
  %sg = xfmr.gather %s, %idx : (tensor<2x2xf32>, tensor<6xi64>) -> tensor<6x2xf32>
  %w = xfmr.mul %qf, %sg : (tensor<6x2xf32>, tensor<6x2xf32>) -> tensor<6x2xf32>
  %m = xfmr.matmul %x, %w : (tensor<?x6xf32>, tensor<6x2xf32>) -> tensor<?x2xf32>
  return %m : tensor<?x2xf32>
}
