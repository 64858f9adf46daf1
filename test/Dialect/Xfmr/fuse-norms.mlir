// RUN: xfmr-opt %s --xfmr-fuse-norms --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --xfmr-fuse-norms="explain=true" --split-input-file | FileCheck %s --check-prefix=EXPLAIN

// LayerNorm as the TorchScript exporter writes it below opset 17.

// CHECK-LABEL: func.func @layer_norm_torchscript
// CHECK-SAME:    (%[[X:.*]]: tensor<2x16x64xf32>, %[[G:.*]]: tensor<64xf32>, %[[B:.*]]: tensor<64xf32>)
// CHECK-NEXT:    %[[N:.*]] = xfmr.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64}
// CHECK-NEXT:    return %[[N]]
func.func @layer_norm_torchscript(%x: tensor<2x16x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<2x16x64xf32> {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %m = xfmr.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %d = xfmr.sub %x, %m : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  %p = xfmr.pow %d, %two : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %e = xfmr.add %v, %eps : (tensor<2x16x1xf32>, tensor<f32>) -> tensor<2x16x1xf32>
  %s = xfmr.sqrt %e : tensor<2x16x1xf32>
  %n = xfmr.div %d, %s : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  %y = xfmr.mul %n, %g : (tensor<2x16x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  %z = xfmr.add %y, %b : (tensor<2x16x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  return %z : tensor<2x16x64xf32>
}

// -----

// A parallel-residual block (GPT-NeoX, Phi-2): attention and MLP each
// normalise the layer's input with their own weights. Once CSE has shared
// the statistics, the two norms part only at their scales: two norms.

// CHECK-LABEL: func.func @parallel_residual_shared_statistics
// CHECK-SAME:    (%[[X:.*]]: tensor<?x?x64xf32>, %[[G1:.*]]: tensor<64xf32>, %[[B1:.*]]: tensor<64xf32>, %[[G2:.*]]: tensor<64xf32>, %[[B2:.*]]: tensor<64xf32>)
// CHECK-DAG:     %[[N1:.*]] = xfmr.layer_norm %[[X]], %[[G1]], %[[B1]] {axis = 2 : i64}
// CHECK-DAG:     %[[N2:.*]] = xfmr.layer_norm %[[X]], %[[G2]], %[[B2]] {axis = 2 : i64}
// CHECK-NOT:     xfmr.reduce_mean
// CHECK:         return %[[N1]], %[[N2]]
// EXPLAIN-LABEL: func.func @parallel_residual_shared_statistics
// EXPLAIN-NOT:   fusion_missed
func.func @parallel_residual_shared_statistics(%x: tensor<?x?x64xf32>, %g1: tensor<64xf32>, %b1: tensor<64xf32>, %g2: tensor<64xf32>, %b2: tensor<64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %m = xfmr.reduce_mean %x {axes = array<i64: -1>} : (tensor<?x?x64xf32>) -> tensor<?x?x1xf32>
  %d = xfmr.sub %x, %m : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %p = xfmr.pow %d, %two : (tensor<?x?x64xf32>, tensor<f32>) -> tensor<?x?x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<?x?x64xf32>) -> tensor<?x?x1xf32>
  %e = xfmr.add %v, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %s = xfmr.sqrt %e : tensor<?x?x1xf32>
  %n = xfmr.div %d, %s : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %y1 = xfmr.mul %n, %g1 : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %z1 = xfmr.add %y1, %b1 : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %y2 = xfmr.mul %g2, %n : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %z2 = xfmr.add %b2, %y2 : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %z1, %z2 : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// -----

// Shared RMSNorm statistics read by a scale and by something else: with
// static normalised dims, one norm without a scale, which both read.

// CHECK-LABEL: func.func @shared_statistics_other_user
// CHECK-SAME:    (%[[X:.*]]: tensor<?x?x64xf32>, %[[G:.*]]: tensor<64xf32>, %[[W:.*]]: tensor<64x64xf32>)
// CHECK:         %[[N:.*]] = xfmr.rms_norm %[[X]], %{{.*}} {axis = 2 : i64, epsilon = 9.99999997E-7 : f32}
// CHECK:         xfmr.mul %[[N]], %[[G]]
// CHECK:         xfmr.matmul %[[N]], %[[W]]
// EXPLAIN-LABEL: func.func @shared_statistics_other_user
// EXPLAIN-NOT:   fusion_missed
func.func @shared_statistics_other_user(%x: tensor<?x?x64xf32>, %g: tensor<64xf32>, %w: tensor<64x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %eps = xfmr.constant dense<1.0e-06> : tensor<f32>
  %p = xfmr.mul %x, %x : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<?x?x64xf32>) -> tensor<?x?x1xf32>
  %e = xfmr.add %v, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %r = xfmr.rsqrt %e : tensor<?x?x1xf32>
  %n = xfmr.mul %x, %r : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %y = xfmr.mul %n, %g : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %h = xfmr.matmul %n, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  return %y, %h : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// -----

// Dynamic dims, mul(d, d), a constant scale and bias on the other side of
// their ops, rsqrt.

// CHECK-LABEL: func.func @layer_norm_dynamic_rsqrt
// CHECK-DAG:     %[[G:.*]] = xfmr.constant dense_resource<gamma> : tensor<64xf32>
// CHECK-DAG:     %[[B:.*]] = xfmr.constant dense_resource<beta> : tensor<64xf32>
// CHECK:         %[[N:.*]] = xfmr.layer_norm %arg0, %[[G]], %[[B]] {axis = 2 : i64, epsilon = 9.99999996E-13 : f32}
// CHECK-SAME:      (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
// CHECK-NEXT:    return %[[N]]
func.func @layer_norm_dynamic_rsqrt(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %eps = xfmr.constant dense<1.0e-12> : tensor<1xf32>
  %g = xfmr.constant dense_resource<gamma> : tensor<64xf32>
  %b = xfmr.constant dense_resource<beta> : tensor<64xf32>
  %m = xfmr.reduce_mean %x {axes = array<i64: 2>} : (tensor<?x?x64xf32>) -> tensor<?x?x1xf32>
  %d = xfmr.sub %x, %m : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %p = xfmr.mul %d, %d : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<?x?x64xf32>) -> tensor<?x?x1xf32>
  %e = xfmr.add %eps, %v : (tensor<1xf32>, tensor<?x?x1xf32>) -> tensor<?x?x1xf32>
  %r = xfmr.rsqrt %e : tensor<?x?x1xf32>
  %n = xfmr.mul %r, %d : (tensor<?x?x1xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %y = xfmr.mul %g, %n : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %z = xfmr.add %b, %y : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %z : tensor<?x?x64xf32>
}

// -----

// Without scale and bias: the scale is a constant of ones. The reciprocal
// form, over the last two dims.

// CHECK-LABEL: func.func @layer_norm_two_axes_no_affine
// CHECK:         %[[ONES:.*]] = xfmr.constant dense<1.000000e+00> : tensor<4x8xf32>
// CHECK:         %[[N:.*]] = xfmr.layer_norm %arg0, %[[ONES]] {axis = 1 : i64}
// CHECK-SAME:      (tensor<2x4x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
// CHECK-NEXT:    return %[[N]]
func.func @layer_norm_two_axes_no_affine(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %m = xfmr.reduce_mean %x {axes = array<i64: -1, -2>} : (tensor<2x4x8xf32>) -> tensor<2x1x1xf32>
  %d = xfmr.sub %x, %m : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  %p = xfmr.pow %d, %two : (tensor<2x4x8xf32>, tensor<f32>) -> tensor<2x4x8xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: 1, 2>} : (tensor<2x4x8xf32>) -> tensor<2x1x1xf32>
  %e = xfmr.add %v, %eps : (tensor<2x1x1xf32>, tensor<f32>) -> tensor<2x1x1xf32>
  %s = xfmr.sqrt %e : tensor<2x1x1xf32>
  %r = xfmr.reciprocal %s : tensor<2x1x1xf32>
  %n = xfmr.mul %d, %r : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  return %n : tensor<2x4x8xf32>
}

// -----

// A scale of shape [1, 1, 64] is squeezed to the normalised dims; a bias
// with the shape of the whole input is not a bias and stays an add.

// CHECK-LABEL: func.func @layer_norm_scale_rank3
// CHECK:         %[[G:.*]] = xfmr.squeeze %arg1 {axes = array<i64: 0, 1>} : (tensor<1x1x64xf32>) -> tensor<64xf32>
// CHECK:         %[[N:.*]] = xfmr.layer_norm %arg0, %[[G]] {axis = 2 : i64
// CHECK:         %[[Z:.*]] = xfmr.add %[[N]], %arg2
// CHECK-NEXT:    return %[[Z]]
func.func @layer_norm_scale_rank3(%x: tensor<2x16x64xf32>, %g: tensor<1x1x64xf32>, %h: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %m = xfmr.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %d = xfmr.sub %x, %m : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  %p = xfmr.pow %d, %two : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %e = xfmr.add %v, %eps : (tensor<2x16x1xf32>, tensor<f32>) -> tensor<2x16x1xf32>
  %s = xfmr.sqrt %e : tensor<2x16x1xf32>
  %n = xfmr.div %d, %s : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  %y = xfmr.mul %n, %g : (tensor<2x16x64xf32>, tensor<1x1x64xf32>) -> tensor<2x16x64xf32>
  %z = xfmr.add %y, %h : (tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> tensor<2x16x64xf32>
  return %z : tensor<2x16x64xf32>
}

// -----

// RMSNorm as LLaMA's TorchScript export writes it: pow, reduce_mean, add,
// sqrt, div(1, .), mul(x, .), its weight of ones folded away. The input is a
// residual add used only by the norm: a skip-norm.

// CHECK-LABEL: func.func @rms_norm_torchscript
// CHECK:         %[[ONES:.*]] = xfmr.constant dense<1.000000e+00> : tensor<64xf32>
// CHECK:         %[[N:.*]] = xfmr.rms_norm %arg0, %[[ONES]] residual %arg1 {axis = 2 : i64, epsilon = 9.99999997E-7 : f32}
// CHECK-SAME:      (tensor<2x16x64xf32>, tensor<64xf32>, tensor<2x16x64xf32>) -> tensor<2x16x64xf32>
// CHECK-NEXT:    return %[[N]]
func.func @rms_norm_torchscript(%a: tensor<2x16x64xf32>, %b: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %eps = xfmr.constant dense<9.99999997E-7> : tensor<f32>
  %x = xfmr.add %a, %b : (tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> tensor<2x16x64xf32>
  %p = xfmr.pow %x, %two : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %e = xfmr.add %v, %eps : (tensor<2x16x1xf32>, tensor<f32>) -> tensor<2x16x1xf32>
  %s = xfmr.sqrt %e : tensor<2x16x1xf32>
  %r = xfmr.div %one, %s : (tensor<f32>, tensor<2x16x1xf32>) -> tensor<2x16x1xf32>
  %n = xfmr.mul %x, %r : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  return %n : tensor<2x16x64xf32>
}

// -----

// The dynamo export's reciprocal, with a weight; the input is also used
// elsewhere (the residual stream), so there is no skip-norm.

// CHECK-LABEL: func.func @rms_norm_dynamo
// CHECK:         %[[X:.*]] = xfmr.add %arg0, %arg1
// CHECK:         %[[N:.*]] = xfmr.rms_norm %[[X]], %arg2 {axis = 2 : i64, epsilon = 9.99999997E-7 : f32}
// CHECK:         return %[[X]], %[[N]]
func.func @rms_norm_dynamo(%a: tensor<?x?x64xf32>, %b: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<9.99999997E-7> : tensor<f32>
  %x = xfmr.add %a, %b : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %p = xfmr.pow %x, %two : (tensor<?x?x64xf32>, tensor<f32>) -> tensor<?x?x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<?x?x64xf32>) -> tensor<?x?x1xf32>
  %e = xfmr.add %v, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %s = xfmr.sqrt %e : tensor<?x?x1xf32>
  %r = xfmr.reciprocal %s : tensor<?x?x1xf32>
  %n = xfmr.mul %x, %r : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %y = xfmr.mul %w, %n : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %x, %y : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// -----

// HF LLaMA casts to f32 and back around the norm; in an f32 model both
// casts are identities. div(x, sqrt(.)) form.

// CHECK-LABEL: func.func @rms_norm_identity_casts
// CHECK-NEXT:    %[[N:.*]] = xfmr.rms_norm %arg0, %arg1 {axis = 1 : i64}
// CHECK-NEXT:    return %[[N]]
func.func @rms_norm_identity_casts(%x0: tensor<8x32xf32>, %w: tensor<32xf32>) -> tensor<8x32xf32> {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %x = xfmr.cast %x0 : tensor<8x32xf32> to tensor<8x32xf32>
  %p = xfmr.pow %x, %two : (tensor<8x32xf32>, tensor<f32>) -> tensor<8x32xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: 1>} : (tensor<8x32xf32>) -> tensor<8x1xf32>
  %e = xfmr.add %v, %eps : (tensor<8x1xf32>, tensor<f32>) -> tensor<8x1xf32>
  %s = xfmr.sqrt %e : tensor<8x1xf32>
  %n = xfmr.div %x, %s : (tensor<8x32xf32>, tensor<8x1xf32>) -> tensor<8x32xf32>
  %c = xfmr.cast %n : tensor<8x32xf32> to tensor<8x32xf32>
  %y = xfmr.mul %w, %c : (tensor<32xf32>, tensor<8x32xf32>) -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

// Skip-norm on an imported LayerNormalization: the two sides of the add
// have dynamic dims that trace back to the same input (a matmul keeps the
// rows of its left operand).

// CHECK-LABEL: func.func @skip_layer_norm_dynamic
// CHECK:         %[[H:.*]] = xfmr.matmul %arg0, %arg1
// CHECK:         %[[N:.*]] = xfmr.layer_norm %[[H]], %arg2, %arg3 residual %arg0 {epsilon = 9.99999996E-13 : f32}
// CHECK-NEXT:    return %[[N]]
func.func @skip_layer_norm_dynamic(%x: tensor<?x?x64xf32>, %w: tensor<64x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %h = xfmr.matmul %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %a = xfmr.add %h, %x : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %n = xfmr.layer_norm %a, %g, %b {epsilon = 1.0e-12 : f32} : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %n : tensor<?x?x64xf32>
}

// -----

// Dynamic dims that are built back from the input's shape by a reshape.

// CHECK-LABEL: func.func @skip_layer_norm_reshape
// CHECK:         xfmr.layer_norm %arg0, %arg2, %arg3 residual %{{.*}} :
func.func @skip_layer_norm_reshape(%x: tensor<?x?x64xf32>, %w: tensor<64x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %c0 = xfmr.constant dense<0> : tensor<i64>
  %c1 = xfmr.constant dense<1> : tensor<i64>
  %flat = xfmr.constant dense<[-1, 64]> : tensor<2xi64>
  %c64 = xfmr.constant dense<64> : tensor<1xi64>
  %x2 = xfmr.reshape %x, %flat : (tensor<?x?x64xf32>, tensor<2xi64>) -> tensor<?x64xf32>
  %h2 = xfmr.matmul %x2, %w : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %shape = xfmr.shape %x : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %d0 = xfmr.gather %shape, %c0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %d1 = xfmr.gather %shape, %c1 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %u0 = xfmr.unsqueeze %d0 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %u1 = xfmr.unsqueeze %d1 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %s = xfmr.concat %u0, %u1, %c64 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %h = xfmr.reshape %h2, %s : (tensor<?x64xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  %a = xfmr.add %x, %h : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %n = xfmr.layer_norm %a, %g, %b : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %n : tensor<?x?x64xf32>
}

// -----

// Inputs whose dims share a name in the signature are equal (the runtime
// checks it); a reshape's -1 is the input dim that the other entries leave.

// CHECK-LABEL: func.func @skip_norm_named_dims
// CHECK:         %[[E:.*]] = xfmr.gather
// CHECK:         xfmr.layer_norm %[[E]], %arg3, %arg4 residual %arg1 :
// CHECK:         %[[F:.*]] = xfmr.add %[[E]], %arg2
// CHECK:         xfmr.layer_norm %[[F]], %arg3, %arg4 :
func.func @skip_norm_named_dims(%ids: tensor<?x?xi64> {xfmr.dims = ["batch", "sequence"]},
                                %h: tensor<?x?x64xf32> {xfmr.dims = ["batch", "sequence"]},
                                %k: tensor<?x?x64xf32> {xfmr.dims = ["batch", "other"]},
                                %g: tensor<64xf32>, %b: tensor<64xf32>, %table: tensor<1000x64xf32>)
    -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %seq = xfmr.shape %h {start = 1 : i64, end = 2 : i64} : (tensor<?x?x64xf32>) -> tensor<1xi64>
  %m1 = xfmr.constant dense<-1> : tensor<1xi64>
  %s = xfmr.concat %m1, %seq {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %ids2 = xfmr.reshape %ids, %s : (tensor<?x?xi64>, tensor<2xi64>) -> tensor<?x?xi64>
  %e = xfmr.gather %table, %ids2 : (tensor<1000x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
  %a = xfmr.add %e, %h : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %n1 = xfmr.layer_norm %a, %g, %b : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %f = xfmr.add %e, %k : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %n2 = xfmr.layer_norm %f, %g, %b : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %n1, %n2 : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// -----

// No skip-norm: the add broadcasts (BERT's position embeddings), the dims
// of the other add are not provably equal, and the last add has another
// user.

// CHECK-LABEL: func.func @no_skip_norm
// CHECK:         %[[A:.*]] = xfmr.add %arg0, %arg1
// CHECK:         xfmr.layer_norm %[[A]], %arg4, %arg5 :
// CHECK:         %[[C:.*]] = xfmr.add %arg2, %arg3
// CHECK:         xfmr.layer_norm %[[C]], %arg4, %arg5 :
// CHECK:         %[[D:.*]] = xfmr.add %arg0, %arg0
// CHECK:         xfmr.layer_norm %[[D]], %arg4, %arg5 :
func.func @no_skip_norm(%x: tensor<2x16x64xf32>, %p: tensor<1x16x64xf32>, %u: tensor<?x64xf32>, %v: tensor<?x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> (tensor<2x16x64xf32>, tensor<?x64xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) {
  %a = xfmr.add %x, %p : (tensor<2x16x64xf32>, tensor<1x16x64xf32>) -> tensor<2x16x64xf32>
  %n1 = xfmr.layer_norm %a, %g, %b : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  %c = xfmr.add %u, %v : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
  %n2 = xfmr.layer_norm %c, %g, %b : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %d = xfmr.add %x, %x : (tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> tensor<2x16x64xf32>
  %n3 = xfmr.layer_norm %d, %g, %b : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  return %n1, %n2, %n3, %d : tensor<2x16x64xf32>, tensor<?x64xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>
}

// -----

// Near misses: nothing fuses, and with explain the reduce_mean that starts
// each block says why.

// CHECK-LABEL: func.func @not_trailing
// CHECK-NOT:     xfmr.layer_norm
// EXPLAIN-LABEL: func.func @not_trailing
// EXPLAIN:         xfmr.reduce_mean %arg0 {axes = array<i64: 1>, xfmr.fusion_missed = {layer_norm = ["the mean of squares is not over the trailing dims with keepdims", "/ln/ReduceMean_1"]}}
func.func @not_trailing(%x: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %m = xfmr.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x16x64xf32>) -> tensor<2x1x64xf32> loc("/ln/ReduceMean")
  %d = xfmr.sub %x, %m : (tensor<2x16x64xf32>, tensor<2x1x64xf32>) -> tensor<2x16x64xf32>
  %p = xfmr.pow %d, %two : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: 1>} : (tensor<2x16x64xf32>) -> tensor<2x1x64xf32> loc("/ln/ReduceMean_1")
  %e = xfmr.add %v, %eps : (tensor<2x1x64xf32>, tensor<f32>) -> tensor<2x1x64xf32>
  %s = xfmr.sqrt %e : tensor<2x1x64xf32>
  %n = xfmr.div %d, %s : (tensor<2x16x64xf32>, tensor<2x1x64xf32>) -> tensor<2x16x64xf32>
  return %n : tensor<2x16x64xf32>
}

// -----

// CHECK-LABEL: func.func @different_axes
// CHECK-NOT:     xfmr.layer_norm
// EXPLAIN-LABEL: func.func @different_axes
// EXPLAIN:         xfmr.reduce_mean %arg0 {axes = array<i64: -2, -1>, xfmr.fusion_missed = {layer_norm = ["the mean is not over the dims of the variance", "/ln/ReduceMean"]}}
func.func @different_axes(%x: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %m = xfmr.reduce_mean %x {axes = array<i64: -2, -1>} : (tensor<2x16x64xf32>) -> tensor<2x1x1xf32> loc("/ln/ReduceMean")
  %d = xfmr.sub %x, %m : (tensor<2x16x64xf32>, tensor<2x1x1xf32>) -> tensor<2x16x64xf32>
  %p = xfmr.pow %d, %two : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %e = xfmr.add %v, %eps : (tensor<2x16x1xf32>, tensor<f32>) -> tensor<2x16x1xf32>
  %s = xfmr.sqrt %e : tensor<2x16x1xf32>
  %n = xfmr.div %d, %s : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  return %n : tensor<2x16x64xf32>
}

// -----

// CHECK-LABEL: func.func @wrong_exponent
// CHECK-NOT:     xfmr.layer_norm
// EXPLAIN-LABEL: func.func @wrong_exponent
// EXPLAIN:         xfmr.fusion_missed = {layer_norm = ["the centred input is raised to a power other than 2", "/ln/Pow"]}
func.func @wrong_exponent(%x: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %three = xfmr.constant dense<3.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %m = xfmr.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %d = xfmr.sub %x, %m : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  %p = xfmr.pow %d, %three : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32> loc("/ln/Pow")
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %e = xfmr.add %v, %eps : (tensor<2x16x1xf32>, tensor<f32>) -> tensor<2x16x1xf32>
  %s = xfmr.sqrt %e : tensor<2x16x1xf32>
  %n = xfmr.div %d, %s : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  return %n : tensor<2x16x64xf32>
}

// -----

// CHECK-LABEL: func.func @epsilon_not_constant
// CHECK-NOT:     xfmr.layer_norm
// EXPLAIN-LABEL: func.func @epsilon_not_constant
// EXPLAIN:         xfmr.fusion_missed = {layer_norm = ["epsilon is not a scalar constant", "/ln/Add"]}
func.func @epsilon_not_constant(%x: tensor<2x16x64xf32>, %eps: tensor<f32>) -> tensor<2x16x64xf32> {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %m = xfmr.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %d = xfmr.sub %x, %m : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  %p = xfmr.pow %d, %two : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %e = xfmr.add %v, %eps : (tensor<2x16x1xf32>, tensor<f32>) -> tensor<2x16x1xf32> loc("/ln/Add")
  %s = xfmr.sqrt %e : tensor<2x16x1xf32>
  %n = xfmr.div %d, %s : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  return %n : tensor<2x16x64xf32>
}

// -----

// The mean is used again outside the block.

// CHECK-LABEL: func.func @mean_extra_use
// CHECK-NOT:     xfmr.layer_norm
// EXPLAIN-LABEL: func.func @mean_extra_use
// EXPLAIN:         xfmr.fusion_missed = {layer_norm = ["the mean has users outside the norm", "/ln/ReduceMean"]}
func.func @mean_extra_use(%x: tensor<2x16x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x16x1xf32>) {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %m = xfmr.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32> loc("/ln/ReduceMean")
  %d = xfmr.sub %x, %m : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  %p = xfmr.pow %d, %two : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
  %e = xfmr.add %v, %eps : (tensor<2x16x1xf32>, tensor<f32>) -> tensor<2x16x1xf32>
  %s = xfmr.sqrt %e : tensor<2x16x1xf32>
  %n = xfmr.div %d, %s : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  return %n, %m : tensor<2x16x64xf32>, tensor<2x16x1xf32>
}

// -----

// The variance of an RMSNorm is used again, and another one reduces without
// keepdims.

// CHECK-LABEL: func.func @rms_misses
// CHECK-NOT:     xfmr.rms_norm
// EXPLAIN-LABEL: func.func @rms_misses
// EXPLAIN:         xfmr.fusion_missed = {rms_norm = ["the mean of squares has users outside the norm", "/norm/ReduceMean"]}
// EXPLAIN:         xfmr.fusion_missed = {rms_norm = ["the mean of squares is not over the trailing dims with keepdims", "/norm2/ReduceMean"]}
func.func @rms_misses(%x: tensor<2x16x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x16x1xf32>, tensor<2x16xf32>) {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
  %p = xfmr.pow %x, %two : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32>
  %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32> loc("/norm/ReduceMean")
  %e = xfmr.add %v, %eps : (tensor<2x16x1xf32>, tensor<f32>) -> tensor<2x16x1xf32>
  %s = xfmr.sqrt %e : tensor<2x16x1xf32>
  %n = xfmr.div %x, %s : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
  %q = xfmr.mul %x, %x : (tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> tensor<2x16x64xf32>
  %w = xfmr.reduce_mean %q {axes = array<i64: -1>, keepdims = false} : (tensor<2x16x64xf32>) -> tensor<2x16xf32> loc("/norm2/ReduceMean")
  return %n, %v, %w : tensor<2x16x64xf32>, tensor<2x16x1xf32>, tensor<2x16xf32>
}

// -----

// A plain mean (pooling) is no candidate and gets no note.

// CHECK-LABEL: func.func @mean_pooling
// EXPLAIN-LABEL: func.func @mean_pooling
// EXPLAIN-NOT:     xfmr.fusion_missed
func.func @mean_pooling(%x: tensor<2x16x64xf32>) -> tensor<2x1x64xf32> {
  %m = xfmr.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x16x64xf32>) -> tensor<2x1x64xf32>
  return %m : tensor<2x1x64xf32>
}

// -----

// A norm inside a loop's body (a generation step imported from ONNX Loop)
// fuses there, reading the carried value.

// CHECK-LABEL: func.func @layer_norm_in_loop
// CHECK:         scf.for {{.*}} iter_args(%[[H:.*]] = %{{.*}}) -> (tensor<2x16x64xf32>) {
// CHECK-NEXT:      %[[N:.*]] = xfmr.layer_norm %[[H]], %{{.*}}, %{{.*}} {axis = 2 : i64}
// CHECK-NEXT:      scf.yield %[[N]]
// EXPLAIN-LABEL: func.func @layer_norm_in_loop
// EXPLAIN-NOT:   fusion_missed
func.func @layer_norm_in_loop(%x: tensor<2x16x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>, %steps: index) -> tensor<2x16x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %steps step %c1 iter_args(%h = %x) -> (tensor<2x16x64xf32>) {
    %two = xfmr.constant dense<2.0> : tensor<f32>
    %eps = xfmr.constant dense<1.0e-05> : tensor<f32>
    %m = xfmr.reduce_mean %h {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
    %d = xfmr.sub %h, %m : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
    %p = xfmr.pow %d, %two : (tensor<2x16x64xf32>, tensor<f32>) -> tensor<2x16x64xf32>
    %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x16x64xf32>) -> tensor<2x16x1xf32>
    %e = xfmr.add %v, %eps : (tensor<2x16x1xf32>, tensor<f32>) -> tensor<2x16x1xf32>
    %s = xfmr.sqrt %e : tensor<2x16x1xf32>
    %n = xfmr.div %d, %s : (tensor<2x16x64xf32>, tensor<2x16x1xf32>) -> tensor<2x16x64xf32>
    %y = xfmr.mul %n, %g : (tensor<2x16x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
    %z = xfmr.add %y, %b : (tensor<2x16x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
    scf.yield %z : tensor<2x16x64xf32>
  }
  return %r : tensor<2x16x64xf32>
}
