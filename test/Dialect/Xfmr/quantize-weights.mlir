// RUN: xfmr-opt %s --xfmr-quantize-weights="mode=int4 min-elements=1" --split-input-file | FileCheck %s --check-prefix=INT4
// RUN: xfmr-opt %s --xfmr-quantize-weights="mode=int8 min-elements=1" --split-input-file | FileCheck %s --check-prefix=INT8
// RUN: xfmr-opt %s --xfmr-quantize-weights="mode=int4" --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: not xfmr-opt %s --xfmr-quantize-weights="mode=int3" 2>&1 | FileCheck %s --check-prefix=MODE

// MODE: mode must be int4 or int8, got 'int3'

// A weight [32, 1] whose even rows are 0 and odd rows 1: one block, range
// [0, 1], so scale 1/15 and zero point 0; row 2i in the low nibble and row
// 2i + 1 (15) in the high one: every byte is 0xF0.
// INT4-LABEL: func.func @alternating
// INT4-DAG: %[[Q:.*]] = xfmr.constant dense<-16> : tensor<1x1x16xi8>
// INT4-DAG: %[[S:.*]] = xfmr.constant dense<0.0666666701> : tensor<1x1xf32>
// INT4-DAG: %[[Z:.*]] = xfmr.constant dense<0.000000e+00> : tensor<1x1xf32>
// INT4: %[[Y:.*]] = xfmr.linear %arg0, %[[Q]] weight_quant(%[[S]], %[[Z]]) {block_size = 32 : i64, transpose_weight} : (tensor<?x32xf32>, tensor<1x1x16xi8>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<?x1xf32>
// INT4: return %[[Y]]

// int8: symmetric per column, the largest magnitude (1) maps to 127; the
// input quantized at run time over its range with zero in it.
// INT8-LABEL: func.func @alternating
// INT8-DAG: %[[W:.*]] = xfmr.constant dense<{{\[}}[0], [127], [0], [127]
// INT8-DAG: %[[WS:.*]] = xfmr.constant dense<0.00787401571> : tensor<1xf32>
// INT8: %[[HI:.*]] = xfmr.reduce_max %arg0
// INT8: %[[LO:.*]] = xfmr.reduce_min %arg0
// The uint8 input and zero point as the importer holds them (bits in an i8,
// zero-extended), the form fusion makes a quantized layer of.
// INT8: %[[Q8:.*]] = xfmr.cast %{{.*}} : tensor<?x32xi64> to tensor<?x32xi8>
// INT8: %[[QF:.*]] = xfmr.add %[[Q8]], %{{.*}} : (tensor<?x32xi8>, tensor<i8>) -> tensor<?x32xi8>
// INT8: %[[QW:.*]] = xfmr.cast %[[QF]] : tensor<?x32xi8> to tensor<?x32xi32>
// INT8: %[[QU:.*]] = xfmr.add %[[QW]], %{{.*}} : (tensor<?x32xi32>, tensor<i32>) -> tensor<?x32xi32>
// INT8: %[[ZU:.*]] = xfmr.add %{{.*}}, %{{.*}} : (tensor<i32>, tensor<i32>) -> tensor<i32>
// INT8: %[[XI:.*]] = xfmr.sub %[[QU]], %[[ZU]] : (tensor<?x32xi32>, tensor<i32>) -> tensor<?x32xi32>
// INT8: %[[WI:.*]] = xfmr.cast %[[W]] : tensor<32x1xi8> to tensor<32x1xi32>
// INT8: %[[P:.*]] = xfmr.matmul %[[XI]], %[[WI]] : (tensor<?x32xi32>, tensor<32x1xi32>) -> tensor<?x1xi32>
// INT8: %[[PF:.*]] = xfmr.cast %[[P]] : tensor<?x1xi32> to tensor<?x1xf32>
// INT8: %[[SS:.*]] = xfmr.mul %{{.*}}, %[[WS]] : (tensor<f32>, tensor<1xf32>) -> tensor<1xf32>
// INT8: %[[Y:.*]] = xfmr.mul %[[PF]], %[[SS]]
// INT8: return %[[Y]]

// Below the default min-elements (1024): kept in f32.
// SMALL-LABEL: func.func @alternating
// SMALL: xfmr.matmul %arg0
// SMALL-NOT: xfmr.linear
func.func @alternating(%x: tensor<?x32xf32>) -> tensor<?x1xf32> {
  %w = xfmr.constant dense<[[0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0]]> : tensor<32x1xf32>
  %y = xfmr.matmul %x, %w : (tensor<?x32xf32>, tensor<32x1xf32>) -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}

// -----

// K not a multiple of the block (40 = 32 + 8): two blocks, the second
// padded; a matmul of two activations is left alone.
// INT4-LABEL: func.func @padded_block
// INT4: xfmr.linear %arg0, %{{.*}} weight_quant(%{{.*}}, %{{.*}}) {block_size = 32 : i64, transpose_weight} : (tensor<2x40xf32>, tensor<3x2x16xi8>, tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<2x3xf32>
// INT4: xfmr.matmul %arg0, %arg1
// INT8-LABEL: func.func @padded_block
// INT8: xfmr.matmul %{{.*}}, %{{.*}} : (tensor<2x40xi32>, tensor<40x3xi32>) -> tensor<2x3xi32>
// INT8: xfmr.matmul %arg0, %arg1 : (tensor<2x40xf32>, tensor<40x3xf32>)
func.func @padded_block(%x: tensor<2x40xf32>, %v: tensor<40x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %w = xfmr.constant dense<0.25> : tensor<40x3xf32>
  %y = xfmr.matmul %x, %w : (tensor<2x40xf32>, tensor<40x3xf32>) -> tensor<2x3xf32>
  %z = xfmr.matmul %x, %v : (tensor<2x40xf32>, tensor<40x3xf32>) -> tensor<2x3xf32>
  return %y, %z : tensor<2x3xf32>, tensor<2x3xf32>
}
