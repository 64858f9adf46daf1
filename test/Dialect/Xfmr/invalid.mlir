// RUN: xfmr-opt %s -split-input-file -verify-diagnostics

// One case per verifier rule of the xfmr ops: each must be rejected with
// the message below it. Rules checked by type inference also report the
// generic "failed to infer returned types" after the specific message.

// add: element types differ
func.func @f0(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{operands have different element types}}
  %0 = xfmr.add %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

// add: shapes do not broadcast
func.func @f1(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{operands are not broadcast-compatible}}
  %0 = xfmr.add %a, %b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// mul: result contradicts inference
func.func @f2(%a: tensor<?x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{are incompatible with return type(s)}}
  %0 = xfmr.mul %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x4xf32>
  return
}

// -----

// less: result must be i1
func.func @f3(%a: tensor<3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{must be ranked tensor of 1-bit signless integer values}}
  %0 = xfmr.less %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// and: operands must be integers
func.func @f4(%a: tensor<3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{must be ranked tensor of signless integer values}}
  %0 = xfmr.and %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// where: branch types differ
func.func @f5(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{on_true and on_false have different element types}}
  %0 = xfmr.where %c, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xi64>) -> tensor<3xf32>
  return
}

// -----

// where: shapes do not broadcast
func.func @f6(%c: tensor<2xi1>, %a: tensor<3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{operands are not broadcast-compatible}}
  %0 = xfmr.where %c, %a, %a : (tensor<2xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// cast: shapes differ
func.func @f7(%a: tensor<3xf32>) {
  // expected-error @+1 {{all non-scalar operands/results must have the same shape}}
  %0 = xfmr.cast %a : tensor<3xf32> to tensor<4xi64>
  return
}

// -----

// clip: min above max
func.func @f8(%a: tensor<3xf32>) {
  // expected-error @+1 {{min 6.000000e+00 is greater than max 0.000000e+00}}
  %0 = xfmr.clip %a {min = 6.0 : f64, max = 0.0 : f64} : tensor<3xf32>
  return
}

// -----

// bitcast: widths differ
func.func @bitcast_width(%a: tensor<3xf32>) {
  // expected-error @+1 {{element types 'f32' and 'i64' do not have the same bit width}}
  %0 = xfmr.bitcast %a : tensor<3xf32> to tensor<3xi64>
  return
}

// -----

// bitcast: shapes differ
func.func @bitcast_shape(%a: tensor<3xf32>) {
  // expected-error @+1 {{all non-scalar operands/results must have the same shape}}
  %0 = xfmr.bitcast %a : tensor<3xf32> to tensor<4xi32>
  return
}

// -----

// shift_left: floats are not allowed
func.func @shift_float(%a: tensor<3xf32>) {
  // expected-error @+1 {{must be ranked tensor of signless integer values}}
  %0 = xfmr.shift_left %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// exp: integers are not allowed
func.func @f9(%a: tensor<3xi64>) {
  // expected-error @+1 {{must be ranked tensor of floating-point values}}
  %0 = xfmr.exp %a : tensor<3xi64>
  return
}

// -----

// reduce: axis out of range
func.func @f10(%a: tensor<2x3x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{axis 3 is out of range for rank 3}}
  %0 = xfmr.reduce_sum %a {axes = array<i64: 3>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

// reduce: repeated axis
func.func @f11(%a: tensor<2x3x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{axis -1 is repeated}}
  %0 = xfmr.reduce_mean %a {axes = array<i64: 2, -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  return
}

// -----

// argmax: axis out of range
func.func @f12(%a: tensor<2x3x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{axis -4 is out of range for rank 3}}
  %0 = xfmr.argmax %a {axis = -4 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x1xi64>
  return
}

// -----

// softmax: axis out of range
func.func @f13(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = xfmr.softmax %a {axis = 2 : i64} : tensor<2x3xf32>
  return
}

// -----

// matmul: contraction sizes differ
func.func @f14(%a: tensor<?x128x768xf32>, %b: tensor<512x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{contraction sizes differ: lhs has 768, rhs has 512}}
  %0 = xfmr.matmul %a, %b : (tensor<?x128x768xf32>, tensor<512x64xf32>) -> tensor<?x128x64xf32>
  return
}

// -----

// matmul: batch dims do not broadcast
func.func @f15(%a: tensor<2x4x8xf32>, %b: tensor<3x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{batch dims are not broadcast-compatible}}
  %0 = xfmr.matmul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x4xf32>) -> tensor<2x4x4xf32>
  return
}

// -----

// matmul: scalar operand
func.func @f16(%a: tensor<f32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{operands must have rank 1 or more}}
  %0 = xfmr.matmul %a, %b : (tensor<f32>, tensor<3xf32>) -> tensor<f32>
  return
}

// -----

// conv: unsupported rank
func.func @f17(%a: tensor<1x3x2x8x8x8xf32>, %w: tensor<4x3x1x1x1x1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{input must be [N, C, W], [N, C, H, W] or [N, C, D, H, W], got rank 6}}
  %0 = xfmr.conv %a, %w : (tensor<1x3x2x8x8x8xf32>, tensor<4x3x1x1x1x1xf32>) -> tensor<1x4x2x8x8x8xf32>
  return
}

// -----

// conv: channels do not match the weight
func.func @f18(%a: tensor<1x3x8x8xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{input has 3 channels, weight expects 4 x group 1}}
  %0 = xfmr.conv %a, %w : (tensor<1x3x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// conv: bias size
func.func @f19(%a: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{bias must be [M] with M the weight's dim 0}}
  %0 = xfmr.conv %a, %w, %b : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>, tensor<4xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// conv: kernel larger than the padded input
func.func @f20(%a: tensor<1x3x4xf32>, %w: tensor<8x3x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{kernel of extent 5 does not fit the padded spatial dim 4}}
  %0 = xfmr.conv %a, %w : (tensor<1x3x4xf32>, tensor<8x3x5xf32>) -> tensor<1x8x1xf32>
  return
}

// -----

// conv: pads need begin and end
func.func @f21(%a: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{pads need a begin and an end per spatial dim (4 values)}}
  %0 = xfmr.conv %a, %w {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// conv: non-positive stride
func.func @f22(%a: tensor<1x3x8xf32>, %w: tensor<8x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{strides and dilations must be positive}}
  %0 = xfmr.conv %a, %w {strides = array<i64: 0>} : (tensor<1x3x8xf32>, tensor<8x3x3xf32>) -> tensor<1x8x6xf32>
  return
}

// -----

// reshape: two -1
func.func @f23(%a: tensor<6xf32>) {
  %s = xfmr.constant dense<[-1, -1]> : tensor<2xi64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{shape has more than one -1}}
  %0 = xfmr.reshape %a, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

// reshape: element counts differ
func.func @f24(%a: tensor<6xf32>) {
  %s = xfmr.constant dense<[2, 4]> : tensor<2xi64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{input has 6 elements but the shape has 8}}
  %0 = xfmr.reshape %a, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return
}

// -----

// reshape: -1 cannot be inferred
func.func @f25(%a: tensor<6xf32>) {
  %s = xfmr.constant dense<[4, -1]> : tensor<2xi64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot infer the -1 dim: 6 elements do not divide by 4}}
  %0 = xfmr.reshape %a, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<4x?xf32>
  return
}

// -----

// reshape: 0 copies a missing dim
func.func @f26(%a: tensor<6xf32>) {
  %s = xfmr.constant dense<[6, 0]> : tensor<2xi64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{shape copies dim 1 (a 0) that the input does not have}}
  %0 = xfmr.reshape %a, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<6x?xf32>
  return
}

// -----

// reshape: shape of unknown length
func.func @f27(%a: tensor<6xf32>, %s: tensor<?xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{shape must have a static length}}
  %0 = xfmr.reshape %a, %s : (tensor<6xf32>, tensor<?xi64>) -> tensor<6xf32>
  return
}

// -----

// reshape: negative size
func.func @f28(%a: tensor<6xf32>) {
  %s = xfmr.constant dense<[-2, 3]> : tensor<2xi64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{shape has an invalid size -2}}
  %0 = xfmr.reshape %a, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  return
}

// -----

// transpose: repeated dim
func.func @f29(%a: tensor<2x3x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{permutation is not a permutation of [0, 3)}}
  %0 = xfmr.transpose %a {permutation = array<i64: 0, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<2x2x4xf32>
  return
}

// -----

// transpose: wrong length
func.func @f30(%a: tensor<2x3x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{permutation has 2 entries for an input of rank 3}}
  %0 = xfmr.transpose %a {permutation = array<i64: 1, 0>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  return
}

// -----

// concat: axis out of range
func.func @f31(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = xfmr.concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

// concat: other dims differ
func.func @f32(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{inputs differ in dim 1 outside the concatenation axis}}
  %0 = xfmr.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

// concat: element types differ
func.func @f33(%a: tensor<2x3xf32>, %b: tensor<2x3xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{inputs must have the same element type and rank}}
  %0 = xfmr.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xi64>) -> tensor<4x3xf32>
  return
}

// -----

// split: sizes do not add up
func.func @f34(%a: tensor<2x9xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{sizes add up to 8 but the axis has 9}}
  %0:2 = xfmr.split %a {axis = 1 : i64, sizes = array<i64: 4, 4>} : (tensor<2x9xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
  return
}

// -----

// split: result count
func.func @f35(%a: tensor<2x9xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{are incompatible with return type(s)}}
  %0:2 = xfmr.split %a {axis = 1 : i64, sizes = array<i64: 3, 3, 3>} : (tensor<2x9xf32>) -> (tensor<2x3xf32>, tensor<2x6xf32>)
  return
}

// -----

// slice: lengths differ
func.func @f36(%a: tensor<8x8xf32>, %s: tensor<1xi64>, %e: tensor<2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{starts, ends, axes and steps must have the same static length}}
  %0 = xfmr.slice %a, %s, %e : (tensor<8x8xf32>, tensor<1xi64>, tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

// slice: zero step
func.func @f37(%a: tensor<8x8xf32>, %s: tensor<1xi64>) {
  %z = xfmr.constant dense<0> : tensor<1xi64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{steps cannot be 0}}
  %0 = xfmr.slice %a, %s, %s, %s, %z : (tensor<8x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return
}

// -----

// slice: repeated axis
func.func @f38(%a: tensor<8x8xf32>, %s: tensor<2xi64>) {
  %ax = xfmr.constant dense<[0, -2]> : tensor<2xi64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{axis -2 is repeated}}
  %0 = xfmr.slice %a, %s, %s, %ax : (tensor<8x8xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

// gather: axis out of range
func.func @f39(%a: tensor<8x8xf32>, %i: tensor<3xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = xfmr.gather %a, %i {axis = 2 : i64} : (tensor<8x8xf32>, tensor<3xi64>) -> tensor<8x8x3xf32>
  return
}

// -----

// gather: float indices
func.func @f40(%a: tensor<8x8xf32>, %i: tensor<3xf32>) {
  // expected-error @+1 {{must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = xfmr.gather %a, %i : (tensor<8x8xf32>, tensor<3xf32>) -> tensor<3x8xf32>
  return
}

// -----

// expand: shapes do not broadcast
func.func @f41(%a: tensor<3xf32>) {
  %s = xfmr.constant dense<[2, 4]> : tensor<2xi64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{input is not broadcast-compatible with the shape}}
  %0 = xfmr.expand %a, %s : (tensor<3xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return
}

// -----

// squeeze: dim is not 1
func.func @f42(%a: tensor<2x1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot squeeze dim 0 of size 2}}
  %0 = xfmr.squeeze %a {axes = array<i64: 0>} : (tensor<2x1xf32>) -> tensor<1xf32>
  return
}

// -----

// unsqueeze: axis out of range
func.func @f43(%a: tensor<2x1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{axis 3 is out of range for the result rank 3}}
  %0 = xfmr.unsqueeze %a {axes = array<i64: 3>} : (tensor<2x1xf32>) -> tensor<2x1x1xf32>
  return
}

// -----

// range: zero delta
func.func @f44() {
  %z = xfmr.constant dense<0> : tensor<i64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{delta cannot be 0}}
  %0 = xfmr.range %z, %z, %z : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return
}

// -----

// range: operands must be scalars
func.func @f45(%a: tensor<1xi64>, %b: tensor<i64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{start, limit and delta must be scalars (0-D) of one element type}}
  %0 = xfmr.range %a, %b, %b : (tensor<1xi64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return
}

// -----

// trilu: needs a matrix
func.func @f46(%a: tensor<4xf32>) {
  // expected-error @+1 {{input must have rank 2 or more}}
  %0 = xfmr.trilu %a : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// constant_of_shape: negative size
func.func @f47() {
  %s = xfmr.constant dense<[2, -1]> : tensor<2xi64>
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{shape has a negative size}}
  %0 = xfmr.constant_of_shape %s {value = 0.0 : f32} : (tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

// constant: value and result types differ
func.func @f48() {
  // expected-error @+1 {{failed to verify that all of {value, output} have same type}}
  %0 = "xfmr.constant"() {value = dense<1> : tensor<2xi64>} : () -> tensor<3xi64>
  return
}

// -----

// layer_norm: scale shape
func.func @f49(%x: tensor<?x?x768xf32>, %g: tensor<512xf32>) {
  // expected-error @+1 {{scale must have the shape of the normalised dims [768]}}
  %0 = xfmr.layer_norm %x, %g : (tensor<?x?x768xf32>, tensor<512xf32>) -> tensor<?x?x768xf32>
  return
}

// -----

// layer_norm: bias shape over two dims
func.func @f50(%x: tensor<2x4x8xf32>, %g: tensor<4x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{bias must have the shape of the normalised dims [4, 8]}}
  %0 = xfmr.layer_norm %x, %g, %b {axis = 1 : i64} : (tensor<2x4x8xf32>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

// layer_norm: axis out of range
func.func @f51(%x: tensor<2x4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{axis 3 is out of range for rank 3}}
  %0 = xfmr.layer_norm %x, %g {axis = 3 : i64} : (tensor<2x4x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

// rms_norm: residual type
func.func @f52(%x: tensor<2x4x8xf32>, %g: tensor<8xf32>, %r: tensor<2x8xf32>) {
  // expected-error @+1 {{residual must have the input's type}}
  %0 = xfmr.rms_norm %x, %g residual %r : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

// rms_norm: negative epsilon
func.func @f53(%x: tensor<2x4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must not be negative}}
  %0 = xfmr.rms_norm %x, %g {epsilon = -1.0 : f32} : (tensor<2x4x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

// linear: feature count
func.func @f54(%x: tensor<?x768xf32>, %w: tensor<3072x512xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{input has 768 features but the weight expects 512}}
  %0 = xfmr.linear %x, %w {transpose_weight} : (tensor<?x768xf32>, tensor<3072x512xf32>) -> tensor<?x3072xf32>
  return
}

// -----

// linear: bias size
func.func @f55(%x: tensor<?x768xf32>, %w: tensor<768x3072xf32>, %b: tensor<768xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{bias must be [3072] of the input's element type}}
  %0 = xfmr.linear %x, %w, %b : (tensor<?x768xf32>, tensor<768x3072xf32>, tensor<768xf32>) -> tensor<?x3072xf32>
  return
}

// -----

// linear: weight must be a matrix
func.func @f56(%x: tensor<?x768xf32>, %w: tensor<768xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{weight must be a matrix}}
  %0 = xfmr.linear %x, %w : (tensor<?x768xf32>, tensor<768xf32>) -> tensor<?xf32>
  return
}

// -----

// linear: an int8 weight needs the quantization operands
func.func @linear_int8_without_scales(%x: tensor<?x64xi8>, %w: tensor<64x32xi8>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{weight and input must have the same float type (or be 8-bit integers with input_quant and weight_quant)}}
  %0 = xfmr.linear %x, %w : (tensor<?x64xi8>, tensor<64x32xi8>) -> tensor<?x32xf32>
  return
}

// -----

// linear: quantized operands must be 8-bit
func.func @linear_quantized_i16(%x: tensor<?x64xi16>, %w: tensor<64x32xi8>, %s: tensor<f32>, %zp: tensor<i16>, %wzp: tensor<i8>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{a quantized layer needs 8-bit integer input and weight}}
  %0 = xfmr.linear %x, %w input_quant(%s, %zp) weight_quant(%s, %wzp) : (tensor<?x64xi16>, tensor<64x32xi8>, tensor<f32>, tensor<i16>, tensor<f32>, tensor<i8>) -> tensor<?x32xf32>
  return
}

// -----

// linear: both operands need their scale and zero point
func.func @linear_quantized_no_input_quant(%x: tensor<?x64xi8>, %w: tensor<64x32xi8>, %s: tensor<f32>, %wzp: tensor<i8>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{a quantized layer needs the scale and zero point of both its input and its weight}}
  %0 = xfmr.linear %x, %w weight_quant(%s, %wzp) : (tensor<?x64xi8>, tensor<64x32xi8>, tensor<f32>, tensor<i8>) -> tensor<?x32xf32>
  return
}

// -----

// linear: the input is quantized per tensor
func.func @linear_quantized_input_scale_per_row(%x: tensor<4x64xi8>, %w: tensor<64x32xi8>, %s: tensor<4xf32>, %ws: tensor<f32>, %zp: tensor<i8>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{input_scale must be 0-D or [1] of the scales' type}}
  %0 = xfmr.linear %x, %w input_quant(%s, %zp) weight_quant(%ws, %zp) : (tensor<4x64xi8>, tensor<64x32xi8>, tensor<4xf32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<4x32xf32>
  return
}

// -----

// linear: a weight scale per output feature has N entries
func.func @linear_quantized_weight_scale_size(%x: tensor<?x64xi8>, %w: tensor<64x32xi8>, %s: tensor<f32>, %ws: tensor<16xf32>, %zp: tensor<i8>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{weight_scale must be 0-D, [1] or [32] of the scales' type}}
  %0 = xfmr.linear %x, %w input_quant(%s, %zp) weight_quant(%ws, %zp) : (tensor<?x64xi8>, tensor<64x32xi8>, tensor<f32>, tensor<i8>, tensor<16xf32>, tensor<i8>) -> tensor<?x32xf32>
  return
}

// -----

// linear: a zero point has the quantized type
func.func @linear_quantized_zero_point_type(%x: tensor<?x64xi8>, %w: tensor<64x32xi8>, %s: tensor<f32>, %zp: tensor<i8>, %wzp: tensor<32xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{weight_zero_point must be 0-D, [1] or [32] of the quantized type}}
  %0 = xfmr.linear %x, %w input_quant(%s, %zp) weight_quant(%s, %wzp) : (tensor<?x64xi8>, tensor<64x32xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<32xi32>) -> tensor<?x32xf32>
  return
}

// -----

// mlp: up weight rows
func.func @f57(%x: tensor<?x768xf32>, %u: tensor<512x3072xf32>, %d: tensor<3072x768xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{up weight must be [768, N] of the input's element type, got 512 rows}}
  %0 = xfmr.mlp %x up %u down %d {activation = #xfmr<activation gelu>} : (tensor<?x768xf32>, tensor<512x3072xf32>, tensor<3072x768xf32>) -> tensor<?x768xf32>
  return
}

// -----

// mlp: gate and up hidden sizes
func.func @f58(%x: tensor<?x768xf32>, %u: tensor<768x3072xf32>, %g: tensor<768x2048xf32>, %d: tensor<3072x768xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{gate and up weights have different hidden sizes}}
  %0 = xfmr.mlp %x up %u gate %g down %d {activation = #xfmr<activation silu>} : (tensor<?x768xf32>, tensor<768x3072xf32>, tensor<768x2048xf32>, tensor<3072x768xf32>) -> tensor<?x768xf32>
  return
}

// -----

// mlp: down weight rows
func.func @f59(%x: tensor<?x768xf32>, %u: tensor<768x3072xf32>, %d: tensor<2048x768xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{down weight must be [3072, N] of the input's element type, got 2048 rows}}
  %0 = xfmr.mlp %x up %u down %d {activation = #xfmr<activation relu>} : (tensor<?x768xf32>, tensor<768x3072xf32>, tensor<2048x768xf32>) -> tensor<?x768xf32>
  return
}

// -----

// mlp: down bias
func.func @f60(%x: tensor<?x768xf32>, %u: tensor<768x3072xf32>, %d: tensor<3072x768xf32>, %b: tensor<3072xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{down bias must be [768]}}
  %0 = xfmr.mlp %x up %u down %d bias %b {activation = #xfmr<activation relu>} : (tensor<?x768xf32>, tensor<768x3072xf32>, tensor<3072x768xf32>, tensor<3072xf32>) -> tensor<?x768xf32>
  return
}

// -----

// attention: operands must be 4-D
func.func @f61(%q: tensor<2x8x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{query, key and value must be 4-D}}
  %0 = xfmr.attention %q, %q, %q : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// attention: query heads not a multiple of kv heads
func.func @f62(%q: tensor<1x12x8x64xf32>, %k: tensor<1x5x8x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{query heads (12) must be a multiple of key/value heads (5)}}
  %0 = xfmr.attention %q, %k, %k : (tensor<1x12x8x64xf32>, tensor<1x5x8x64xf32>, tensor<1x5x8x64xf32>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// attention: head dims differ
func.func @f63(%q: tensor<1x12x8x64xf32>, %k: tensor<1x12x8x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{query and key have different head dims (64 and 32)}}
  %0 = xfmr.attention %q, %k, %k : (tensor<1x12x8x64xf32>, tensor<1x12x8x32xf32>, tensor<1x12x8x32xf32>) -> tensor<1x12x8x32xf32>
  return
}

// -----

// attention: one ALiBi slope per query head
func.func @alibi_slopes_not_per_head(%q: tensor<1x12x8x64xf32>, %slopes: tensor<8xf32>, %pos: tensor<1x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{alibi_slopes must be [Hq], one slope per query head}}
  %0 = xfmr.attention %q, %q, %q alibi %slopes, %pos : (tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<8xf32>, tensor<1x8xf32>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// attention: ALiBi positions are [B or 1, P + Skv]
func.func @alibi_positions_too_short(%q: tensor<1x12x8x64xf32>, %slopes: tensor<12xf32>, %pos: tensor<1x7xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{alibi_positions must be [B or 1, P + Skv]}}
  %0 = xfmr.attention %q, %q, %q alibi %slopes, %pos : (tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<12xf32>, tensor<1x7xf32>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// attention: ALiBi operands in the query's element type
func.func @alibi_element_type(%q: tensor<1x12x8x64xf32>, %slopes: tensor<12xf16>, %pos: tensor<1x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{alibi_slopes and alibi_positions must have the query's element type}}
  %0 = xfmr.attention %q, %q, %q alibi %slopes, %pos : (tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<12xf16>, tensor<1x8xf32>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// attention: key and value lengths differ
func.func @f64(%q: tensor<1x12x8x64xf32>, %k: tensor<1x12x8x64xf32>, %v: tensor<1x12x9x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{key and value have different sequence lengths}}
  %0 = xfmr.attention %q, %k, %v : (tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<1x12x9x64xf32>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// attention: batch sizes differ
func.func @f65(%q: tensor<1x12x8x64xf32>, %k: tensor<2x12x8x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{query, key and value have different batch sizes}}
  %0 = xfmr.attention %q, %k, %k : (tensor<1x12x8x64xf32>, tensor<2x12x8x64xf32>, tensor<2x12x8x64xf32>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// attention: key and value head counts differ
func.func @f66(%q: tensor<1x12x8x64xf32>, %k: tensor<1x4x8x64xf32>, %v: tensor<1x6x8x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{key and value have different head counts}}
  %0 = xfmr.attention %q, %k, %v : (tensor<1x12x8x64xf32>, tensor<1x4x8x64xf32>, tensor<1x6x8x64xf32>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// attention: mask does not broadcast
func.func @f67(%q: tensor<1x12x8x64xf32>, %k: tensor<1x12x8x64xf32>, %m: tensor<1x1x8x7xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{mask does not broadcast to the scores' shape}}
  %0 = xfmr.attention %q, %k, %k mask %m : (tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<1x1x8x7xf32>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// attention: mask covers past and new keys
func.func @f68(%q: tensor<1x12x1x64xf32>, %k: tensor<1x12x1x64xf32>, %m: tensor<1x1x1x4xf32>, %p: tensor<1x12x4x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{mask does not broadcast to the scores' shape}}
  %0:3 = xfmr.attention %q, %k, %k mask %m past %p, %p : (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x1x1x4xf32>, tensor<1x12x4x64xf32>, tensor<1x12x4x64xf32>) -> (tensor<1x12x1x64xf32>, tensor<1x12x5x64xf32>, tensor<1x12x5x64xf32>)
  return
}

// -----

// attention: mask element type
func.func @f69(%q: tensor<1x12x8x64xf32>, %k: tensor<1x12x8x64xf32>, %m: tensor<8x8xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{mask must be i1 or the query's element type}}
  %0 = xfmr.attention %q, %k, %k mask %m : (tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<8x8xi64>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// attention: past shapes
func.func @f70(%q: tensor<1x12x1x64xf32>, %k: tensor<1x12x1x64xf32>, %p: tensor<1x6x4x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{past_key must be [B, Hkv, P, D] and past_value}}
  %0:3 = xfmr.attention %q, %k, %k past %p, %p : (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x6x4x64xf32>, tensor<1x6x4x64xf32>) -> (tensor<1x12x1x64xf32>, tensor<1x12x5x64xf32>, tensor<1x12x5x64xf32>)
  return
}

// -----

// attention: presents come with a past
func.func @f71(%q: tensor<1x12x1x64xf32>, %k: tensor<1x12x1x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{are incompatible with return type(s)}}
  %0:3 = xfmr.attention %q, %k, %k : (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>) -> (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>)
  return
}

// -----

// attention: zero scale
func.func @f72(%q: tensor<1x12x8x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{scale must be non-zero}}
  %0 = xfmr.attention %q, %q, %q {scale = 0.0 : f32} : (tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>, tensor<1x12x8x64xf32>) -> tensor<1x12x8x64xf32>
  return
}

// -----

// rotary: 3-D input needs num_heads
func.func @f73(%x: tensor<2x8x512xf32>, %c: tensor<2x8x32xf32>) {
  // expected-error @+1 {{a 3-D input [B, S, H * D] needs num_heads}}
  %0 = xfmr.rotary_embedding %x, %c, %c : (tensor<2x8x512xf32>, tensor<2x8x32xf32>, tensor<2x8x32xf32>) -> tensor<2x8x512xf32>
  return
}

// -----

// rotary: cos and sin differ
func.func @f74(%x: tensor<1x8x4x64xf32>, %c: tensor<128x32xf32>, %s: tensor<64x32xf32>, %p: tensor<1x4xi64>) {
  // expected-error @+1 {{cos_cache and sin_cache must have the same type}}
  %0 = xfmr.rotary_embedding %x, %c, %s, %p : (tensor<1x8x4x64xf32>, tensor<128x32xf32>, tensor<64x32xf32>, tensor<1x4xi64>) -> tensor<1x8x4x64xf32>
  return
}

// -----

// rotary: rotary dim exceeds head dim
func.func @f75(%x: tensor<1x8x4x64xf32>, %c: tensor<128x64xf32>, %p: tensor<1x4xi64>) {
  // expected-error @+1 {{rotary dim 128 exceeds the head dim 64}}
  %0 = xfmr.rotary_embedding %x, %c, %c, %p : (tensor<1x8x4x64xf32>, tensor<128x64xf32>, tensor<128x64xf32>, tensor<1x4xi64>) -> tensor<1x8x4x64xf32>
  return
}

// -----

// rotary: cache rank without position ids
func.func @f76(%x: tensor<1x8x4x64xf32>, %c: tensor<128x32xf32>) {
  // expected-error @+1 {{caches must be [B, S, R / 2] without position_ids}}
  %0 = xfmr.rotary_embedding %x, %c, %c : (tensor<1x8x4x64xf32>, tensor<128x32xf32>, tensor<128x32xf32>) -> tensor<1x8x4x64xf32>
  return
}

// -----

// rotary: odd rotary dim
func.func @f77(%x: tensor<1x8x4x64xf32>, %c: tensor<128x16xf32>, %p: tensor<1x4xi64>) {
  // expected-error @+1 {{rotary_embedding_dim must be even and non-negative}}
  %0 = xfmr.rotary_embedding %x, %c, %c, %p {rotary_embedding_dim = 31 : i64} : (tensor<1x8x4x64xf32>, tensor<128x16xf32>, tensor<128x16xf32>, tensor<1x4xi64>) -> tensor<1x8x4x64xf32>
  return
}

// -----

// rotary: cache width and rotary dim
func.func @f78(%x: tensor<1x8x4x64xf32>, %c: tensor<128x16xf32>, %p: tensor<1x4xi64>) {
  // expected-error @+1 {{caches hold 16 angles per position, rotary_embedding_dim needs 8}}
  %0 = xfmr.rotary_embedding %x, %c, %c, %p {rotary_embedding_dim = 16 : i64} : (tensor<1x8x4x64xf32>, tensor<128x16xf32>, tensor<128x16xf32>, tensor<1x4xi64>) -> tensor<1x8x4x64xf32>
  return
}

// -----

// gather_elements: ranks differ
func.func @g0(%a: tensor<4x4xf32>, %i: tensor<4xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{indices must have the input's rank 2}}
  %0 = xfmr.gather_elements %a, %i : (tensor<4x4xf32>, tensor<4xi64>) -> tensor<4xf32>
  return
}

// -----

// gather_elements: indices larger than the input
func.func @g1(%a: tensor<4x4xf32>, %i: tensor<2x5xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{indices dim 1 (5) exceeds the input's (4)}}
  %0 = xfmr.gather_elements %a, %i : (tensor<4x4xf32>, tensor<2x5xi64>) -> tensor<2x5xf32>
  return
}

// -----

// gather_nd: tuples longer than the rank
func.func @g2(%a: tensor<4x4xf32>, %i: tensor<2x3xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{index tuples of 3 entries exceed the input's rank after the batch dims}}
  %0 = xfmr.gather_nd %a, %i : (tensor<4x4xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return
}

// -----

// gather_nd: dynamic tuple length
func.func @g3(%a: tensor<4x4xf32>, %i: tensor<2x?xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{the last dim of indices must be static}}
  %0 = xfmr.gather_nd %a, %i : (tensor<4x4xf32>, tensor<2x?xi64>) -> tensor<2xf32>
  return
}

// -----

// gather_nd: batch dims differ
func.func @g4(%a: tensor<4x4xf32>, %i: tensor<3x1xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{input and indices differ in batch dim 0}}
  %0 = xfmr.gather_nd %a, %i {batch_dims = 1 : i64} : (tensor<4x4xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return
}

// -----

// cumsum: axis out of range
func.func @cumsum_axis(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = xfmr.cumsum %a {axis = 2 : i64} : tensor<4x8xf32>
  return
}

// -----

func.func @scatter_elements_reduction(%a: tensor<4x8xf32>, %i: tensor<4x2xi64>, %u: tensor<4x2xf32>) {
  // expected-error @+1 {{reduction must be none, add, mul, max or min, got 'sum'}}
  %0 = xfmr.scatter_elements %a, %i, %u {reduction = "sum"} : (tensor<4x8xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @scatter_elements_shapes(%a: tensor<4x8xf32>, %i: tensor<4x2xi64>, %u: tensor<4x3xf32>) {
  // expected-error @+1 {{indices and updates must have one shape and the input's rank 2}}
  %0 = xfmr.scatter_elements %a, %i, %u : (tensor<4x8xf32>, tensor<4x2xi64>, tensor<4x3xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @scatter_nd_updates(%a: tensor<4x8xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{updates must have shape indices.shape[:-1] + input.shape[q:]}}
  %0 = xfmr.scatter_nd %a, %i, %u : (tensor<4x8xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @pool_kind(%a: tensor<1x1x4x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{kind must be max, avg or lp}}
  %0 = xfmr.pool %a {kind = "min", kernel_shape = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return
}

// -----

func.func @pool_window(%a: tensor<1x1x4x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{the window does not fit spatial dim 0}}
  %0 = xfmr.pool %a {kind = "max", kernel_shape = array<i64: 5, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x1x3xf32>
  return
}

// -----

func.func @int4_linear_k(%x: tensor<?x80xf32>, %w: tensor<8x2x16xi8>, %s: tensor<8x2xf32>, %z: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{input has 80 features but the weight 2 blocks of 32}}
  %0 = xfmr.linear %x, %w weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x80xf32>, tensor<8x2x16xi8>, tensor<8x2xf32>, tensor<f32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_weight(%x: tensor<?x64xf32>, %w: tensor<8x2x32xi8>, %s: tensor<8x2xf32>, %z: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{weight must be [N, KB, 16] bytes for block_size 32, got [8, 2, 32]}}
  %0 = xfmr.linear %x, %w weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x64xf32>, tensor<8x2x32xi8>, tensor<8x2xf32>, tensor<f32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_scales(%x: tensor<?x64xf32>, %w: tensor<8x2x16xi8>, %s: tensor<8x4xf32>, %z: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{weight_scale must be f32 [8, 2], got [8, 4]}}
  %0 = xfmr.linear %x, %w weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x64xf32>, tensor<8x2x16xi8>, tensor<8x4xf32>, tensor<f32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_zero_points(%x: tensor<?x64xf32>, %w: tensor<8x2x16xi8>, %s: tensor<8x2xf32>, %z: tensor<16xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{weight_zero_point must be f32 [8, 2] or 0-D, got [16]}}
  %0 = xfmr.linear %x, %w weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x64xf32>, tensor<8x2x16xi8>, tensor<8x2xf32>, tensor<16xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_integer_zero_points(%x: tensor<?x64xf32>, %w: tensor<8x2x16xi8>, %s: tensor<8x2xf32>, %z: tensor<8x2xi8>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{weight_zero_point must be f32 [8, 2] or 0-D, got [8, 2]}}
  %0 = xfmr.linear %x, %w weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x64xf32>, tensor<8x2x16xi8>, tensor<8x2xf32>, tensor<8x2xi8>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_bias(%x: tensor<?x64xf32>, %w: tensor<8x2x16xi8>, %s: tensor<8x2xf32>, %z: tensor<f32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{bias must be [8] of the input's element type}}
  %0 = xfmr.linear %x, %w, %b weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x64xf32>, tensor<8x2x16xi8>, tensor<4xf32>, tensor<8x2xf32>, tensor<f32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_odd_block(%x: tensor<?x64xf32>, %w: tensor<8x2x16xi8>, %s: tensor<8x2xf32>, %z: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{block_size must be even and at least 2, got 31}}
  %0 = xfmr.linear %x, %w weight_quant(%s, %z) {block_size = 31 : i64, transpose_weight} : (tensor<?x64xf32>, tensor<8x2x16xi8>, tensor<8x2xf32>, tensor<f32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_not_transposed(%x: tensor<?x64xf32>, %w: tensor<8x2x16xi8>, %s: tensor<8x2xf32>, %z: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{a 4-bit layer needs transpose_weight (its weight is [N, KB, block_size / 2])}}
  %0 = xfmr.linear %x, %w weight_quant(%s, %z) {block_size = 32 : i64} : (tensor<?x64xf32>, tensor<8x2x16xi8>, tensor<8x2xf32>, tensor<f32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_no_weight_quant(%x: tensor<?x64xf32>, %w: tensor<8x2x16xi8>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{a 4-bit layer needs weight_quant (scales and zero points per block)}}
  %0 = xfmr.linear %x, %w {block_size = 32 : i64, transpose_weight} : (tensor<?x64xf32>, tensor<8x2x16xi8>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_input_quant(%x: tensor<?x64xf32>, %w: tensor<8x2x16xi8>, %s: tensor<8x2xf32>, %z: tensor<f32>, %is: tensor<f32>, %iz: tensor<i8>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{a 4-bit layer takes no input_quant, input_unsigned or weight_unsigned (its weight is unsigned nibbles)}}
  %0 = xfmr.linear %x, %w input_quant(%is, %iz) weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x64xf32>, tensor<8x2x16xi8>, tensor<f32>, tensor<i8>, tensor<8x2xf32>, tensor<f32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @int4_linear_integer_input(%x: tensor<?x64xi8>, %w: tensor<8x2x16xi8>, %s: tensor<8x2xf32>, %z: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{a 4-bit layer needs an f32 input}}
  %0 = xfmr.linear %x, %w weight_quant(%s, %z) {block_size = 32 : i64, transpose_weight} : (tensor<?x64xi8>, tensor<8x2x16xi8>, tensor<8x2xf32>, tensor<f32>) -> tensor<?x8xf32>
  return
}
