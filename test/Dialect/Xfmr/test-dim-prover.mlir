// RUN: xfmr-opt %s -xfmr-test-dim-prover -split-input-file | FileCheck %s

// Dims follow elementwise ops, transposes and broadcasts; a dim named in
// `xfmr.dims` is the first argument dim of that name.
// CHECK-LABEL: func.func @named_and_broadcast
func.func @named_and_broadcast(%x: tensor<?x?x8xf32> {xfmr.dims = ["batch", "sequence", ""]},
                               %y: tensor<?x1x8xf32> {xfmr.dims = ["batch", "", ""]},
                               %z: tensor<?x?xf32> {xfmr.dims = ["", ""]}) -> tensor<?x?x8xf32> {
  // CHECK: xfmr.add {{.*}}xfmr.test.dims = ["arg0[0]", "arg0[1]", "8"]
  %sum = xfmr.add %x, %y : (tensor<?x?x8xf32>, tensor<?x1x8xf32>) -> tensor<?x?x8xf32>
  // CHECK: xfmr.exp {{.*}}xfmr.test.dims = ["arg0[0]", "arg0[1]", "8"]
  %e = xfmr.exp %sum : tensor<?x?x8xf32>
  // CHECK: xfmr.transpose {{.*}}xfmr.test.dims = ["8", "arg0[0]", "arg0[1]"]
  %t = xfmr.transpose %e {permutation = array<i64: 2, 0, 1>} : (tensor<?x?x8xf32>) -> tensor<8x?x?xf32>
  // CHECK: xfmr.neg {{.*}}xfmr.test.dims = ["arg0[0]", "1", "8"]
  %m = xfmr.neg %y : tensor<?x1x8xf32>
  // An unnamed dim is only itself.
  // CHECK: xfmr.neg {{.*}}xfmr.test.dims = ["arg2[0]", "arg2[1]"]
  %n = xfmr.neg %z : tensor<?x?xf32>
  return %e : tensor<?x?x8xf32>
}

// -----

// Shapes read off tensors: the entries are dims, through gather, unsqueeze,
// concat; a reshape by such a shape keeps those dims, `0` copies the input's
// and `-1` is what the other dims leave.
// CHECK-LABEL: func.func @reshape_by_read_shape
func.func @reshape_by_read_shape(%x: tensor<?x?x64xf32>) -> tensor<?x?x4x16xf32> {
  // CHECK: xfmr.shape {{.*}}xfmr.test.entries = ["arg0[0]", "arg0[1]", "64"]
  %shape = xfmr.shape %x : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %i1 = xfmr.constant dense<1> : tensor<i64>
  // CHECK: xfmr.gather {{.*}}xfmr.test.entries = ["arg0[1]"]
  %s = xfmr.gather %shape, %i1 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  // CHECK: xfmr.unsqueeze {{.*}}xfmr.test.entries = ["arg0[1]"]
  %s1 = xfmr.unsqueeze %s {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %rest = xfmr.constant dense<[4, 16]> : tensor<2xi64>
  %zero = xfmr.constant dense<0> : tensor<1xi64>
  // CHECK: xfmr.concat {{.*}}xfmr.test.entries = ["0", "arg0[1]", "4", "16"]
  %new = xfmr.concat %zero, %s1, %rest {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  // CHECK: xfmr.reshape {{.*}}xfmr.test.dims = ["arg0[0]", "arg0[1]", "4", "16"]
  %r = xfmr.reshape %x, %new : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x4x16xf32>
  // The inferred dim cancels the dims both sides have.
  %flat = xfmr.constant dense<[-1, 64]> : tensor<2xi64>
  // Two dynamic dims merged are no other dim: only the result's own.
  // CHECK: xfmr.reshape {{.*}}xfmr.test.dims = ["flat[0]", "64"]
  %f = xfmr.reshape %r, %flat : (tensor<?x?x4x16xf32>, tensor<2xi64>) -> tensor<?x64xf32> loc("flat")
  %back = xfmr.constant dense<[0, -1, 4, 16]> : tensor<4xi64>
  // CHECK: xfmr.reshape {{.*}}xfmr.test.dims = ["arg0[0]", "arg0[1]", "4", "16"]
  %b = xfmr.reshape %r, %back : (tensor<?x?x4x16xf32>, tensor<4xi64>) -> tensor<?x?x4x16xf32>
  return %b : tensor<?x?x4x16xf32>
}

// -----

// A range over a dim has that dim's length; a slice [0:n] of a static axis
// is min(n, the axis).
// CHECK-LABEL: func.func @range_and_slice
func.func @range_and_slice(%x: tensor<?x16xf32>, %table: tensor<32x8xf32>) -> tensor<?x8xf32> {
  %shape = xfmr.shape %x : (tensor<?x16xf32>) -> tensor<2xi64>
  %i0 = xfmr.constant dense<0> : tensor<i64>
  %n = xfmr.gather %shape, %i0 : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %c0 = xfmr.constant dense<0> : tensor<i64>
  %c1 = xfmr.constant dense<1> : tensor<i64>
  // CHECK: xfmr.range {{.*}}xfmr.test.dims = ["arg0[0]"]
  %r = xfmr.range %c0, %n, %c1 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %start = xfmr.constant dense<0> : tensor<1xi64>
  %end = xfmr.unsqueeze %n {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %axis = xfmr.constant dense<0> : tensor<1xi64>
  // CHECK: xfmr.slice {{.*}}xfmr.test.dims = ["min(arg0[0], 32)", "8"]
  %s = xfmr.slice %table, %start, %end, %axis : (tensor<32x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x8xf32>
  return %s : tensor<?x8xf32>
}

// -----

// A layer keeps every dim of its input but the features.
// CHECK-LABEL: func.func @layers
func.func @layers(%x: tensor<?x?x64xf32>, %w: tensor<64x?xf32>) -> tensor<?x?x?xf32> {
  // CHECK: xfmr.linear {{.*}}xfmr.test.dims = ["arg0[0]", "arg0[1]", "xfmr.linear[2]"]
  %l = xfmr.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x?xf32>) -> tensor<?x?x?xf32>
  return %l : tensor<?x?x?xf32>
}
