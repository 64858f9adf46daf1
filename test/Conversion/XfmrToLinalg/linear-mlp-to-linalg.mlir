// RUN: xfmr-opt %s --convert-xfmr-to-linalg="mlp-row-block=0" --split-input-file | FileCheck %s

// linear: a contraction over [rows..., n, k] reading the [N, K] weight
// through its map, then bias and activation in one epilogue generic.

// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[$WT:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$BIAS:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @linear_gelu
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x768xf32>, %[[W:.*]]: tensor<3072x768xf32>, %[[B:.*]]: tensor<3072xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?x3072xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<?x?x3072xf32>)
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$WT]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : tensor<?x?x768xf32>, tensor<3072x768xf32>) outs(%[[INIT]] : tensor<?x?x3072xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$BIAS]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[ACC]], %[[B]] : tensor<?x?x3072xf32>, tensor<3072xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[S:.*]] = arith.addf %[[A]], %[[BV]]
// CHECK: math.erf
// CHECK: return %[[Y]]
func.func @linear_gelu(%x: tensor<?x?x768xf32>, %w: tensor<3072x768xf32>, %b: tensor<3072xf32>) -> tensor<?x?x3072xf32> {
  %0 = xfmr.linear %x, %w, %b {activation = #xfmr<activation gelu>, transpose_weight} : (tensor<?x?x768xf32>, tensor<3072x768xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
  return %0 : tensor<?x?x3072xf32>
}

// -----

// Without bias or activation the contraction is the whole lowering; a
// [K, N] weight with a dynamic N sizes the result from the weight.
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func.func @linear_plain
// CHECK-SAME: (%[[X:.*]]: tensor<4x64xf32>, %[[W:.*]]: tensor<64x?xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[W]], %c1
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<4x?xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[$W]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-NOT: linalg.generic
// CHECK: %[[C:.*]] = tensor.cast %[[ACC]] : tensor<4x?xf32> to tensor<4x32xf32>
// CHECK: return %[[C]]
func.func @linear_plain(%x: tensor<4x64xf32>, %w: tensor<64x?xf32>) -> tensor<4x32xf32> {
  %0 = xfmr.linear %x, %w : (tensor<4x64xf32>, tensor<64x?xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

// SwiGLU: gate and up projections, silu on the gate, the product in the up
// projection's epilogue, then the down projection.
// CHECK-LABEL: func.func @swiglu
// CHECK-SAME: (%[[X:.*]]: tensor<?x512xf32>, %[[WU:.*]]: tensor<512x1376xf32>, %[[WG:.*]]: tensor<512x1376xf32>, %[[WD:.*]]: tensor<1376x512xf32>)
// CHECK: %[[UP:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[WU]] :
// CHECK: %[[GATE:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[WG]] :
// CHECK: %[[ACT:.*]] = linalg.generic {{.*}} ins(%[[GATE]] : tensor<?x1376xf32>)
// CHECK: ^bb0(%[[G:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[NEG:.*]] = arith.negf %[[G]]
// CHECK: math.exp %[[NEG]]
// CHECK: %[[SIG:.*]] = arith.divf
// CHECK: arith.mulf %[[G]], %[[SIG]]
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%[[UP]], %[[ACT]] : tensor<?x1376xf32>, tensor<?x1376xf32>)
// CHECK: arith.mulf
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[H]], %[[WD]] : tensor<?x1376xf32>, tensor<1376x512xf32>)
// CHECK: return %[[Y]]
func.func @swiglu(%x: tensor<?x512xf32>, %wu: tensor<512x1376xf32>, %wg: tensor<512x1376xf32>, %wd: tensor<1376x512xf32>) -> tensor<?x512xf32> {
  %0 = xfmr.mlp %x up %wu gate %wg down %wd {activation = #xfmr<activation silu>} : (tensor<?x512xf32>, tensor<512x1376xf32>, tensor<512x1376xf32>, tensor<1376x512xf32>) -> tensor<?x512xf32>
  return %0 : tensor<?x512xf32>
}

// -----

// Plain MLP with biases: the activation follows the up projection's bias,
// the down bias ends the block.
// CHECK-LABEL: func.func @mlp_gelu_tanh
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x8xf32>, %[[WU:.*]]: tensor<8x16xf32>, %[[BU:.*]]: tensor<16xf32>, %[[WD:.*]]: tensor<16x8xf32>, %[[BD:.*]]: tensor<8xf32>)
// CHECK: %[[UP:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[WU]] :
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%[[UP]], %[[BU]] :
// CHECK: arith.addf
// CHECK: math.tanh
// CHECK: %[[DOWN:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[WD]] :
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[DOWN]], %[[BD]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
// CHECK: return %[[Y]]
func.func @mlp_gelu_tanh(%x: tensor<2x?x8xf32>, %wu: tensor<8x16xf32>, %bu: tensor<16xf32>, %wd: tensor<16x8xf32>, %bd: tensor<8xf32>) -> tensor<2x?x8xf32> {
  %0 = xfmr.mlp %x up %wu bias %bu down %wd bias %bd {activation = #xfmr<activation gelu_tanh>} : (tensor<2x?x8xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<2x?x8xf32>
  return %0 : tensor<2x?x8xf32>
}

// -----

// Quick GELU in the epilogue of the up projection: x * sigmoid(1.702 x)
// after the bias.
// CHECK-LABEL: func.func @mlp_gelu_quick
// CHECK-DAG: %[[A:.*]] = arith.constant 1.702{{0*}}e+00 : f32
// CHECK: %[[UP:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x16xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[UP]], %{{.*}} : tensor<4x16xf32>, tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[U:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[X:.*]] = arith.addf %[[U]], %[[B]] : f32
// CHECK-NEXT: %[[Z:.*]] = arith.mulf %[[X]], %[[A]] : f32
// CHECK-NEXT: %[[N:.*]] = arith.negf %[[Z]] : f32
// CHECK-NEXT: math.exp %[[N]] : f32
// CHECK: %[[S:.*]] = arith.divf
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[X]], %[[S]] : f32
// CHECK-NEXT: linalg.yield %[[Y]]
func.func @mlp_gelu_quick(%x: tensor<4x8xf32>, %wu: tensor<8x16xf32>, %bu: tensor<16xf32>, %wd: tensor<16x8xf32>) -> tensor<4x8xf32> {
  %0 = xfmr.mlp %x up %wu bias %bu down %wd {activation = #xfmr<activation gelu_quick>} : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// quantized linear: the i32 product of the raw operands (uint8 input
// zero-extended, int8 weight sign-extended), then one epilogue. The weight's
// zero point is a constant 0, so the input's row sums are not needed; the
// weight's column sums ([2, 22, 18]) are computed at compile time.

// CHECK-LABEL: func.func @quantized_linear
// CHECK-SAME:    (%[[X:.*]]: tensor<?x4xi8>, %[[S:.*]]: tensor<f32>, %[[ZP:.*]]: tensor<i8>)
// CHECK-DAG:     %[[SUMS:.*]] = arith.constant dense<[2, 22, 18]> : tensor<3xi32>
// CHECK:         %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<?x4xi8>, tensor<4x3xi8>) outs(%{{.*}} : tensor<?x3xi32>)
// CHECK:           arith.extui %{{.*}} : i8 to i32
// CHECK:           arith.extsi %{{.*}} : i8 to i32
// CHECK:           arith.muli
// CHECK:           arith.addi
// CHECK:         linalg.generic {{.*}} ins(%[[ACC]], %[[SUMS]], %[[ZP]], %{{.*}}, %[[S]], %{{.*}}, %{{.*}} : tensor<?x3xi32>, tensor<3xi32>, tensor<i8>, tensor<i8>, tensor<f32>, tensor<3xf32>, tensor<3xf32>)
// CHECK:           %[[XZ:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK:           %[[CORR:.*]] = arith.muli %[[XZ]], %{{.*}} : i32
// CHECK:           %[[V:.*]] = arith.subi %{{.*}}, %[[CORR]] : i32
// CHECK:           %[[F:.*]] = arith.sitofp %[[V]] : i32 to f32
// CHECK:           %[[SC:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:           %[[Y:.*]] = arith.mulf %[[F]], %[[SC]] : f32
// CHECK:           arith.addf %[[Y]], %{{.*}} : f32
func.func @quantized_linear(%x: tensor<?x4xi8>, %s: tensor<f32>, %zp: tensor<i8>) -> tensor<?x3xf32> {
  %w = xfmr.constant dense<[[1, -2, 3], [4, 5, -6], [7, 8, 9], [-10, 11, 12]]> : tensor<4x3xi8>
  %ws = xfmr.constant dense<[0.5, 0.25, 0.125]> : tensor<3xf32>
  %wzp = xfmr.constant dense<0> : tensor<i8>
  %b = xfmr.constant dense<1.0> : tensor<3xf32>
  %y = xfmr.linear %x, %w, %b input_quant(%s, %zp) weight_quant(%ws, %wzp) {input_unsigned} : (tensor<?x4xi8>, tensor<4x3xi8>, tensor<3xf32>, tensor<f32>, tensor<i8>, tensor<3xf32>, tensor<i8>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
