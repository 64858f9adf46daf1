// RUN: xfmr-opt %s -convert-xfmr-to-linalg -xfmr-fuse-elementwise -canonicalize | FileCheck %s

// A LayerNorm's output quantized to uint8 at run time (DynamicQuantizeLinear
// as the importer writes it: the range with zero in it, the scale, the
// zero point, x / scale rounded (floor here for brevity; the importer
// rounds half to even with more elementwise ops) and shifted, saturated,
// narrowed) for an
// int8 layer. The passes over the normalized tensor that remain after
// lowering and elementwise fusion: the LayerNorm's generic writes it, one
// generic reads it for both ends of its range (per row, then the rows' ends
// reduced), one generic reads it to write the uint8 tensor; the layer reads
// only that. The clipped quantized values convert to integers through i32,
// not the importer's i64.

// CHECK-LABEL: func.func @layer_norm_then_dynamic_quantize
// CHECK:       %[[N:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "parallel"]} ins(%arg0,
// CHECK-NOT:   ins(%[[N]]
// CHECK:       %[[ROWS:.*]]:2 = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[N]] : tensor<8x64xf32>) outs(
// CHECK:         arith.maximumf
// CHECK:         arith.minimumf
// CHECK:       linalg.generic {{{.*}}iterator_types = ["reduction"]} ins(%[[ROWS]]#0, %[[ROWS]]#1 : tensor<8xf32>, tensor<8xf32>)
// CHECK-NOT:   ins(%[[N]]
// CHECK:       %[[Q:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "parallel"]} ins(%[[N]], {{.*}} outs(%{{.*}} : tensor<8x64xi8>)
// CHECK:         %[[I:.*]] = arith.fptosi %{{.*}} : f32 to i32
// CHECK-NEXT:    arith.trunci %[[I]] : i32 to i8
// CHECK-NOT:   ins(%[[N]]
// CHECK:       linalg.generic {{.*}} ins(%[[Q]] : tensor<8x64xi8>)
// CHECK-NOT:   ins(%[[N]]
// CHECK:       return
func.func @layer_norm_then_dynamic_quantize(%x: tensor<8x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<8x64xf32> {
  %zero = xfmr.constant dense<0.0> : tensor<f32>
  %c255 = xfmr.constant dense<255.0> : tensor<f32>
  %flip = xfmr.constant dense<-128> : tensor<i8>
  %n = xfmr.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<8x64xf32>
  %mx = xfmr.reduce_max %n {keepdims = false} : (tensor<8x64xf32>) -> tensor<f32>
  %hi = xfmr.max %mx, %zero : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %mn = xfmr.reduce_min %n {keepdims = false} : (tensor<8x64xf32>) -> tensor<f32>
  %lo = xfmr.min %mn, %zero : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %r = xfmr.sub %hi, %lo : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %s = xfmr.div %r, %c255 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %zl = xfmr.div %lo, %s : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %zf = xfmr.sub %zero, %zl : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %zc = xfmr.clip %zf {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<f32>
  %zp = xfmr.floor %zc : tensor<f32>
  %q = xfmr.div %n, %s : (tensor<8x64xf32>, tensor<f32>) -> tensor<8x64xf32>
  %qr = xfmr.floor %q : tensor<8x64xf32>
  %qz = xfmr.add %qr, %zp : (tensor<8x64xf32>, tensor<f32>) -> tensor<8x64xf32>
  %qc = xfmr.clip %qz {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<8x64xf32>
  %qi = xfmr.cast %qc : tensor<8x64xf32> to tensor<8x64xi64>
  %u8 = xfmr.cast %qi : tensor<8x64xi64> to tensor<8x64xi8>
  %zi = xfmr.cast %zp : tensor<f32> to tensor<i64>
  %z8 = xfmr.cast %zi : tensor<i64> to tensor<i8>
  %w = xfmr.constant dense<1> : tensor<64x64xi8>
  %ws = xfmr.constant dense<0.5> : tensor<f32>
  %wzp = xfmr.constant dense<0> : tensor<i8>
  %y = xfmr.linear %u8, %w input_quant(%s, %z8) weight_quant(%ws, %wzp) {input_unsigned} : (tensor<8x64xi8>, tensor<64x64xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
