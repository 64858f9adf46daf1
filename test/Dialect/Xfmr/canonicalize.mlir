// RUN: xfmr-opt %s -canonicalize -split-input-file | FileCheck %s

// Folders and canonicalization patterns that imported graphs need.

// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[S:.*]] = xfmr.constant dense<[4, 6]> : tensor<2xi64>
// CHECK: %[[R:.*]] = xfmr.reshape %[[X]], %[[S]] : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_of_reshape(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %s1 = xfmr.constant dense<[6, 4]> : tensor<2xi64>
  %s2 = xfmr.constant dense<[4, -1]> : tensor<2xi64>
  %0 = xfmr.reshape %x, %s1 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %1 = xfmr.reshape %0, %s2 : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}

// -----

// A 0 in the outer shape copies an intermediate dim: not composable.
// CHECK-LABEL: func.func @reshape_of_reshape_copying_dims
// CHECK: xfmr.reshape
// CHECK: xfmr.reshape
func.func @reshape_of_reshape_copying_dims(%x: tensor<?x768xf32>) -> tensor<?x?x64xf32> {
  %s1 = xfmr.constant dense<[-1, 12, 64]> : tensor<3xi64>
  %s2 = xfmr.constant dense<[0, 0, 64]> : tensor<3xi64>
  %0 = xfmr.reshape %x, %s1 : (tensor<?x768xf32>, tensor<3xi64>) -> tensor<?x12x64xf32>
  %1 = xfmr.reshape %0, %s2 : (tensor<?x12x64xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %1 : tensor<?x?x64xf32>
}

// -----

// CHECK-LABEL: func.func @identity_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity_reshape(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = xfmr.constant dense<[2, 3]> : tensor<2xi64>
  %0 = xfmr.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A static result shape replaces the shape arithmetic that computed it.
// CHECK-LABEL: func.func @static_reshape_shape
// CHECK-SAME: (%[[X:.*]]: tensor<2x12xf32>, %[[S:.*]]: tensor<3xi64>)
// CHECK: %[[C:.*]] = xfmr.constant dense<[2, 3, 4]> : tensor<3xi64>
// CHECK: xfmr.reshape %[[X]], %[[C]]
func.func @static_reshape_shape(%x: tensor<2x12xf32>, %s: tensor<3xi64>) -> tensor<2x3x4xf32> {
  %0 = xfmr.reshape %x, %s : (tensor<2x12xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_of_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[T:.*]] = xfmr.transpose %[[X]] {permutation = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_of_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = xfmr.transpose %x {permutation = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = xfmr.transpose %0 {permutation = array<i64: 2, 1, 0>} : (tensor<3x2x4xf32>) -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_inverse
// CHECK-SAME: (%[[X:.*]]: tensor<?x12x?x64xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_inverse(%x: tensor<?x12x?x64xf32>) -> tensor<?x12x?x64xf32> {
  %0 = xfmr.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x12x?x64xf32>) -> tensor<?x?x12x64xf32>
  %1 = xfmr.transpose %0 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x?x12x64xf32>) -> tensor<?x12x?x64xf32>
  return %1 : tensor<?x12x?x64xf32>
}

// -----

// CHECK-LABEL: func.func @identity_transpose_cast_expand
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity_transpose_cast_expand(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = xfmr.transpose %x {permutation = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = xfmr.cast %0 : tensor<2x3xf32> to tensor<2x3xf32>
  %s = xfmr.constant dense<[1, 3]> : tensor<2xi64>
  %2 = xfmr.expand %1, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @arith_identities
// CHECK-SAME: (%[[X:.*]]: tensor<?x768xf32>)
// CHECK-NEXT: return %[[X]]
func.func @arith_identities(%x: tensor<?x768xf32>) -> tensor<?x768xf32> {
  %zero = xfmr.constant dense<0.0> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<768xf32>
  %0 = xfmr.add %x, %zero : (tensor<?x768xf32>, tensor<f32>) -> tensor<?x768xf32>
  %1 = xfmr.add %zero, %0 : (tensor<f32>, tensor<?x768xf32>) -> tensor<?x768xf32>
  %2 = xfmr.mul %1, %one : (tensor<?x768xf32>, tensor<768xf32>) -> tensor<?x768xf32>
  %3 = xfmr.div %2, %one : (tensor<?x768xf32>, tensor<768xf32>) -> tensor<?x768xf32>
  %4 = xfmr.sub %3, %zero : (tensor<?x768xf32>, tensor<f32>) -> tensor<?x768xf32>
  return %4 : tensor<?x768xf32>
}

// -----

// Adding a zero that broadcasts x to a bigger shape is not an identity.
// CHECK-LABEL: func.func @broadcasting_zero_is_kept
// CHECK: xfmr.add
func.func @broadcasting_zero_is_kept(%x: tensor<768xf32>) -> tensor<2x768xf32> {
  %zero = xfmr.constant dense<0.0> : tensor<2x768xf32>
  %0 = xfmr.add %x, %zero : (tensor<768xf32>, tensor<2x768xf32>) -> tensor<2x768xf32>
  return %0 : tensor<2x768xf32>
}

// -----

// CHECK-LABEL: func.func @x_minus_zero_on_the_left_is_kept
// CHECK: xfmr.sub
func.func @x_minus_zero_on_the_left_is_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zero = xfmr.constant dense<0.0> : tensor<4xf32>
  %0 = xfmr.sub %zero, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The exporters' shape subgraph: Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape folds to a constant shape when the dims are static (making the
// result type static is xfmr-refine-shapes' job).
// CHECK-LABEL: func.func @shape_subgraph_static
// CHECK-SAME: (%[[X:.*]]: tensor<2x128x768xf32>)
// CHECK: %[[S:.*]] = xfmr.constant dense<[2, 128, 12, 64]> : tensor<4xi64>
// CHECK: %[[R:.*]] = xfmr.reshape %[[X]], %[[S]] : (tensor<2x128x768xf32>, tensor<4xi64>) -> tensor<?x?x12x64xf32>
// CHECK-NEXT: %[[C:.*]] = tensor.cast %[[R]]
// CHECK-NEXT: return %[[C]]
func.func @shape_subgraph_static(%x: tensor<2x128x768xf32>) -> tensor<2x128x12x64xf32> {
  %shape = xfmr.shape %x : (tensor<2x128x768xf32>) -> tensor<3xi64>
  %i0 = xfmr.constant dense<0> : tensor<i64>
  %i1 = xfmr.constant dense<1> : tensor<i64>
  %b = xfmr.gather %shape, %i0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %s = xfmr.gather %shape, %i1 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %b1 = xfmr.unsqueeze %b {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %s1 = xfmr.unsqueeze %s {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %heads = xfmr.constant dense<[12, 64]> : tensor<2xi64>
  %new = xfmr.concat %b1, %s1, %heads {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  %r = xfmr.reshape %x, %new : (tensor<2x128x768xf32>, tensor<4xi64>) -> tensor<?x?x12x64xf32>
  %c = tensor.cast %r : tensor<?x?x12x64xf32> to tensor<2x128x12x64xf32>
  return %c : tensor<2x128x12x64xf32>
}

// -----

// With a dynamic batch, only the static sequence dim folds.
// CHECK-LABEL: func.func @shape_subgraph_dynamic
// CHECK-DAG: %[[REST:.*]] = xfmr.constant dense<[128, 12, 64]> : tensor<3xi64>
// CHECK-DAG: %[[SHAPE:.*]] = xfmr.shape
// CHECK: %[[B:.*]] = xfmr.gather %[[SHAPE]]
// CHECK-NOT: xfmr.gather
// CHECK: %[[B1:.*]] = xfmr.unsqueeze %[[B]]
// CHECK: xfmr.concat %[[B1]], %[[REST]]
func.func @shape_subgraph_dynamic(%x: tensor<?x128x768xf32>) -> tensor<?x?x12x64xf32> {
  %shape = xfmr.shape %x : (tensor<?x128x768xf32>) -> tensor<3xi64>
  %i0 = xfmr.constant dense<0> : tensor<i64>
  %i1 = xfmr.constant dense<1> : tensor<i64>
  %b = xfmr.gather %shape, %i0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %s = xfmr.gather %shape, %i1 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %b1 = xfmr.unsqueeze %b {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %s1 = xfmr.unsqueeze %s {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %heads = xfmr.constant dense<[12, 64]> : tensor<2xi64>
  %rest = xfmr.concat %s1, %heads {axis = 0 : i64} : (tensor<1xi64>, tensor<2xi64>) -> tensor<3xi64>
  %new = xfmr.concat %b1, %rest {axis = 0 : i64} : (tensor<1xi64>, tensor<3xi64>) -> tensor<4xi64>
  %r = xfmr.reshape %x, %new : (tensor<?x128x768xf32>, tensor<4xi64>) -> tensor<?x?x12x64xf32>
  return %r : tensor<?x?x12x64xf32>
}

// -----

// Small integer arithmetic folds, with broadcasting; division truncates.
// CHECK-LABEL: func.func @int_arith
// CHECK-DAG: %[[A:.*]] = xfmr.constant dense<{{\[}}[7, 10], [3, 8]]> : tensor<2x2xi64>
// CHECK-DAG: %[[D:.*]] = xfmr.constant dense<[-2, 2]> : tensor<2xi64>
// CHECK-DAG: %[[M:.*]] = xfmr.constant dense<[3, 8]> : tensor<2xi64>
// CHECK-DAG: %[[S:.*]] = xfmr.constant dense<768> : tensor<i64>
// CHECK-DAG: %[[C:.*]] = xfmr.constant dense<[4, 6]> : tensor<2xi32>
// CHECK: return %[[A]], %[[D]], %[[M]], %[[S]], %[[C]]
func.func @int_arith() -> (tensor<2x2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<i64>, tensor<2xi32>) {
  %a = xfmr.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %b = xfmr.constant dense<[6, 8]> : tensor<2xi64>
  %c = xfmr.constant dense<[[0, 0], [6, 4]]> : tensor<2x2xi64>
  %sum = xfmr.add %a, %b : (tensor<2x2xi64>, tensor<2xi64>) -> tensor<2x2xi64>
  %0 = xfmr.sub %sum, %c : (tensor<2x2xi64>, tensor<2x2xi64>) -> tensor<2x2xi64>
  %m7 = xfmr.constant dense<[-7, 7]> : tensor<2xi64>
  %three = xfmr.constant dense<3> : tensor<i64>
  %1 = xfmr.div %m7, %three : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
  %2 = xfmr.max %1, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %3 = xfmr.min %2, %three : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
  %x = xfmr.constant dense<[1, 8]> : tensor<2xi64>
  %4 = xfmr.max %3, %x : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %h = xfmr.constant dense<12> : tensor<i64>
  %d = xfmr.constant dense<64> : tensor<i64>
  %5 = xfmr.mul %h, %d : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %i = xfmr.constant dense<[4, 6]> : tensor<2xi64>
  %6 = xfmr.cast %i : tensor<2xi64> to tensor<2xi32>
  return %0, %1, %4, %5, %6 : tensor<2x2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<i64>, tensor<2xi32>
}

// -----

// Division by zero is left for run time to report.
// CHECK-LABEL: func.func @int_div_by_zero
// CHECK: xfmr.div
func.func @int_div_by_zero() -> tensor<i64> {
  %a = xfmr.constant dense<4> : tensor<i64>
  %z = xfmr.constant dense<0> : tensor<i64>
  %0 = xfmr.div %a, %z : (tensor<i64>, tensor<i64>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// CHECK-LABEL: func.func @size_and_shape
// CHECK-DAG: xfmr.constant dense<6144> : tensor<i64>
// CHECK-DAG: xfmr.constant dense<[8, 768]> : tensor<2xi64>
// CHECK-NOT: xfmr.size
// CHECK-NOT: xfmr.shape
func.func @size_and_shape(%x: tensor<8x768xf32>) -> (tensor<i64>, tensor<2xi64>) {
  %0 = xfmr.size %x : (tensor<8x768xf32>) -> tensor<i64>
  %1 = xfmr.shape %x : (tensor<8x768xf32>) -> tensor<2xi64>
  return %0, %1 : tensor<i64>, tensor<2xi64>
}

// -----

// Float weights are never evaluated by folding; only splats are reshaped.
// CHECK-LABEL: func.func @weights_not_folded
// CHECK-DAG: %[[Z:.*]] = xfmr.constant dense<0.000000e+00> : tensor<4x2xf32>
// CHECK-DAG: %[[T:.*]] = xfmr.transpose %arg0
// CHECK: return %[[T]], %[[Z]]
func.func @weights_not_folded(%w: tensor<2x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %0 = xfmr.transpose %w {permutation = array<i64: 1, 0>} : (tensor<2x4xf32>) -> tensor<4x2xf32>
  %z = xfmr.constant dense<0.0> : tensor<2x4xf32>
  %1 = xfmr.transpose %z {permutation = array<i64: 1, 0>} : (tensor<2x4xf32>) -> tensor<4x2xf32>
  return %0, %1 : tensor<4x2xf32>, tensor<4x2xf32>
}
