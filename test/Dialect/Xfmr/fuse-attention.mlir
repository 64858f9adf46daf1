// RUN: xfmr-opt %s --xfmr-fuse-attention --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --xfmr-fuse-attention=explain=true --split-input-file | FileCheck %s --check-prefix=EXPLAIN

// PyTorch's TorchScript exporter (BERT): q and kᵀ both scaled by D^-1/4,
// kᵀ as the [0, 2, 3, 1] transpose of the head split, a where(keep, 0, -inf)
// padding mask and the NaN guard after the softmax.

// CHECK-LABEL: func.func @torchscript_bert(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x16x64xf32>, %[[WQ:[^:]+]]: tensor<64x64xf32>, %[[WK:[^:]+]]: tensor<64x64xf32>, %[[WV:[^:]+]]: tensor<64x64xf32>, %[[PAD:[^:]+]]: tensor<2x1x1x16xi1>
// CHECK: %[[Q:.+]] = xfmr.transpose
// CHECK: %[[KH:.+]] = xfmr.reshape
// CHECK: %[[V:.+]] = xfmr.transpose
// CHECK-NOT: xfmr.softmax
// CHECK: %[[K:.+]] = xfmr.transpose %[[KH]] {permutation = array<i64: 0, 2, 1, 3>}
// CHECK: %[[O:.+]] = xfmr.attention %[[Q]], %[[K]], %[[V]] mask %[[PAD]] {scale = 2.500000e-01 : f32} : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>, tensor<2x1x1x16xi1>) -> tensor<2x4x16x16xf32>
// CHECK: return %[[O]]
// EXPLAIN-LABEL: func.func @torchscript_bert(
// EXPLAIN-NOT: fusion_missed
func.func @torchscript_bert(%x: tensor<2x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x64xf32>, %pad: tensor<2x1x1x16xi1>) -> tensor<2x4x16x16xf32> {
  %split = xfmr.constant dense<[2, 16, 4, 16]> : tensor<4xi64>
  %true = xfmr.constant dense<true> : tensor<1x1x16x1xi1>
  %zero = xfmr.constant dense<0.000000e+00> : tensor<1xf32>
  %ninf = xfmr.constant dense<0xFF800000> : tensor<1xf32>
  %half = xfmr.constant dense<5.000000e-01> : tensor<f32>
  %keep = xfmr.and %pad, %true : (tensor<2x1x1x16xi1>, tensor<1x1x16x1xi1>) -> tensor<2x1x16x16xi1>
  %0 = xfmr.matmul %x, %wq : (tensor<2x16x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32>
  %1 = xfmr.reshape %0, %split : (tensor<2x16x64xf32>, tensor<4xi64>) -> tensor<2x16x4x16xf32>
  %q = xfmr.transpose %1 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<2x16x4x16xf32>) -> tensor<2x4x16x16xf32>
  %2 = xfmr.matmul %x, %wk : (tensor<2x16x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32>
  %kh = xfmr.reshape %2, %split : (tensor<2x16x64xf32>, tensor<4xi64>) -> tensor<2x16x4x16xf32>
  %3 = xfmr.matmul %x, %wv : (tensor<2x16x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32>
  %4 = xfmr.reshape %3, %split : (tensor<2x16x64xf32>, tensor<4xi64>) -> tensor<2x16x4x16xf32>
  %v = xfmr.transpose %4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<2x16x4x16xf32>) -> tensor<2x4x16x16xf32>
  %kt = xfmr.transpose %kh {permutation = array<i64: 0, 2, 3, 1>} : (tensor<2x16x4x16xf32>) -> tensor<2x4x16x16xf32>
  %qs = xfmr.mul %q, %half : (tensor<2x4x16x16xf32>, tensor<f32>) -> tensor<2x4x16x16xf32>
  %kts = xfmr.mul %kt, %half : (tensor<2x4x16x16xf32>, tensor<f32>) -> tensor<2x4x16x16xf32>
  %s = xfmr.matmul %qs, %kts : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %mask = xfmr.where %keep, %zero, %ninf : (tensor<2x1x16x16xi1>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x1x16x16xf32>
  %sm = xfmr.add %s, %mask : (tensor<2x4x16x16xf32>, tensor<2x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %p = xfmr.softmax %sm : tensor<2x4x16x16xf32>
  %eq = xfmr.equal %p, %p : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xi1>
  %nan = xfmr.not %eq : tensor<2x4x16x16xi1>
  %pg = xfmr.where %nan, %zero, %p : (tensor<2x4x16x16xi1>, tensor<1xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %o = xfmr.matmul %pg, %v : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %o : tensor<2x4x16x16xf32>
}

// -----

// The dynamo exporter with dynamic dims: kᵀ as flatten, 3-D transpose and
// unflatten with shapes read off the key; a finite fill keeps the mask
// additive.

// CHECK-LABEL: func.func @dynamo_flattened_key(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x4x?x16xf32>, %[[K:[^:]+]]: tensor<?x4x?x16xf32>, %[[V:[^:]+]]: tensor<?x4x?x16xf32>
// CHECK: %[[M:.+]] = xfmr.where
// CHECK-NEXT: %[[O:.+]] = xfmr.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] {scale = 2.500000e-01 : f32} : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x1x1x?xf32>) -> tensor<?x4x?x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @dynamo_flattened_key(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>, %keep: tensor<?x1x1x?xi1>) -> tensor<?x4x?x16xf32> {
  %m1 = xfmr.constant dense<-1> : tensor<1xi64>
  %zero = xfmr.constant dense<0.000000e+00> : tensor<f32>
  %min = xfmr.constant dense<-3.40282347E+38> : tensor<f32>
  %half = xfmr.constant dense<5.000000e-01> : tensor<f32>
  %shape = xfmr.shape %k : (tensor<?x4x?x16xf32>) -> tensor<4xi64>
  %bh = xfmr.shape %k {end = 2 : i64, start = 0 : i64} : (tensor<?x4x?x16xf32>) -> tensor<2xi64>
  %s2 = xfmr.shape %k {end = 3 : i64, start = 2 : i64} : (tensor<?x4x?x16xf32>) -> tensor<1xi64>
  %s3 = xfmr.shape %k {end = 4 : i64, start = 3 : i64} : (tensor<?x4x?x16xf32>) -> tensor<1xi64>
  %flat = xfmr.concat %m1, %s2, %s3 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %0 = xfmr.reshape %k, %flat : (tensor<?x4x?x16xf32>, tensor<3xi64>) -> tensor<?x?x16xf32>
  %1 = xfmr.transpose %0 {permutation = array<i64: 0, 2, 1>} : (tensor<?x?x16xf32>) -> tensor<?x16x?xf32>
  %unflat = xfmr.concat %bh, %s3, %s2 {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %kt = xfmr.reshape %1, %unflat : (tensor<?x16x?xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %qs = xfmr.mul %q, %half : (tensor<?x4x?x16xf32>, tensor<f32>) -> tensor<?x4x?x16xf32>
  %kts = xfmr.mul %kt, %half : (tensor<?x?x?x?xf32>, tensor<f32>) -> tensor<?x?x?x?xf32>
  %mask = xfmr.where %keep, %zero, %min : (tensor<?x1x1x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x1x1x?xf32>
  %s = xfmr.matmul %qs, %kts : (tensor<?x4x?x16xf32>, tensor<?x?x?x?xf32>) -> tensor<?x4x?x?xf32>
  %sm = xfmr.add %s, %mask : (tensor<?x4x?x?xf32>, tensor<?x1x1x?xf32>) -> tensor<?x4x?x?xf32>
  %p = xfmr.softmax %sm : tensor<?x4x?x?xf32>
  %o = xfmr.matmul %p, %v : (tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}
