// RUN: xfmr-opt %s --xfmr-fuse-attention --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --xfmr-fuse-attention=explain=true --split-input-file | FileCheck %s --check-prefix=EXPLAIN

// ONNX Runtime's quantize_static (QDQ) puts a fake quantization (after
// xfmr-fuse-linear's FoldQdqRoundTrip: divide, round, add the zero point,
// clip, subtract it, multiply) on the query, key and value after the head
// split, on the scores, on the probabilities and on the product with the
// values. Those of the query, key and value move above the head split onto
// the projections; those of the scores and probabilities are dropped (the
// fused op computes them in f32); the product's stays on the op's output.

// CHECK-LABEL: func.func @qdq_eager(
// CHECK-SAME: %[[LQ:[^:]+]]: tensor<1x4x16xf32>, %[[LK:[^:]+]]: tensor<1x4x16xf32>, %[[LV:[^:]+]]: tensor<1x4x16xf32>, %[[MASK:[^:]+]]: tensor<1x1x1x4xf32>
// CHECK: xfmr.div %[[LQ]], %{{.*}} : (tensor<1x4x16xf32>, tensor<f32>)
// CHECK-NEXT: xfmr.round %{{.*}} : tensor<1x4x16xf32>
// CHECK: %[[FQ:.+]] = xfmr.mul %{{.*}} : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
// CHECK-NEXT: %[[QH:.+]] = xfmr.reshape %[[FQ]]
// CHECK-NEXT: %[[Q:.+]] = xfmr.transpose %[[QH]] {permutation = array<i64: 0, 2, 1, 3>}
// CHECK: xfmr.div %[[LK]]
// CHECK: %[[FK:.+]] = xfmr.mul %{{.*}} : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
// CHECK-NEXT: %[[KH:.+]] = xfmr.reshape %[[FK]]
// CHECK: xfmr.div %[[LV]]
// CHECK: %[[FV:.+]] = xfmr.mul %{{.*}} : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
// CHECK-NEXT: %[[VH:.+]] = xfmr.reshape %[[FV]]
// CHECK-NEXT: %[[V:.+]] = xfmr.transpose %[[VH]] {permutation = array<i64: 0, 2, 1, 3>}
// CHECK-NOT: xfmr.round
// CHECK-NOT: xfmr.softmax
// CHECK: %[[K:.+]] = xfmr.transpose %[[KH]] {permutation = array<i64: 0, 2, 1, 3>}
// CHECK-NOT: xfmr.round
// CHECK: %[[O:.+]] = xfmr.attention %[[Q]], %[[K]], %[[V]] mask %[[MASK]] {scale = 0.353553{{[0-9]*}} : f32}
// CHECK-NEXT: xfmr.div %[[O]]
// CHECK-NEXT: xfmr.round
// CHECK: xfmr.transpose
// CHECK: xfmr.reshape
// EXPLAIN-LABEL: func.func @qdq_eager(
// EXPLAIN-NOT: attention = [
func.func @qdq_eager(%lq: tensor<1x4x16xf32>, %lk: tensor<1x4x16xf32>, %lv: tensor<1x4x16xf32>, %mask: tensor<1x1x1x4xf32>) -> tensor<1x4x16xf32> {
  %split = xfmr.constant dense<[1, 4, 2, 8]> : tensor<4xi64>
  %merge = xfmr.constant dense<[1, 4, 16]> : tensor<3xi64>
  %zpi = xfmr.constant dense<128> : tensor<i64>
  %zp = xfmr.cast %zpi : tensor<i64> to tensor<f32>
  %zp0 = xfmr.constant dense<0.000000e+00> : tensor<f32>
  %sq = xfmr.constant dense<2.500000e-02> : tensor<f32>
  %sk = xfmr.constant dense<2.000000e-02> : tensor<f32>
  %sv = xfmr.constant dense<1.500000e-02> : tensor<f32>
  %ss = xfmr.constant dense<1.000000e-01> : tensor<f32>
  %sp = xfmr.constant dense<3.921569e-03> : tensor<f32>
  %so = xfmr.constant dense<1.200000e-02> : tensor<f32>
  %sqrtd = xfmr.constant dense<2.82842708> : tensor<f32>
  %ssa = xfmr.constant dense<[1.000000e-01, 2.000000e-01, 1.000000e-01, 2.000000e-01]> : tensor<4xf32>
  %qh = xfmr.reshape %lq, %split : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %qt = xfmr.transpose %qh {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %f1a = xfmr.div %qt, %sq : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f1b = xfmr.round %f1a : tensor<1x2x4x8xf32>
  %f1c = xfmr.add %f1b, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f1d = xfmr.clip %f1c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x8xf32>
  %f1e = xfmr.sub %f1d, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f1f = xfmr.mul %f1e, %sq : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %kh = xfmr.reshape %lk, %split : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %kt = xfmr.transpose %kh {permutation = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x8x4xf32>
  %f2a = xfmr.div %kt, %sk : (tensor<1x2x8x4xf32>, tensor<f32>) -> tensor<1x2x8x4xf32>
  %f2b = xfmr.round %f2a : tensor<1x2x8x4xf32>
  %f2c = xfmr.add %f2b, %zp : (tensor<1x2x8x4xf32>, tensor<f32>) -> tensor<1x2x8x4xf32>
  %f2d = xfmr.clip %f2c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x8x4xf32>
  %f2e = xfmr.sub %f2d, %zp : (tensor<1x2x8x4xf32>, tensor<f32>) -> tensor<1x2x8x4xf32>
  %f2f = xfmr.mul %f2e, %sk : (tensor<1x2x8x4xf32>, tensor<f32>) -> tensor<1x2x8x4xf32>
  %vh = xfmr.reshape %lv, %split : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %vt = xfmr.transpose %vh {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %f3a = xfmr.div %vt, %sv : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f3b = xfmr.round %f3a : tensor<1x2x4x8xf32>
  %f3c = xfmr.add %f3b, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f3d = xfmr.clip %f3c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x8xf32>
  %f3e = xfmr.sub %f3d, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f3f = xfmr.mul %f3e, %sv : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %s = xfmr.matmul %f1f, %f2f : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %f4a = xfmr.div %s, %ss : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %f4b = xfmr.round %f4a : tensor<1x2x4x4xf32>
  %f4c = xfmr.add %f4b, %zp : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %f4d = xfmr.clip %f4c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x4xf32>
  %f4e = xfmr.sub %f4d, %zp : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %f4f = xfmr.mul %f4e, %ss : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %sd = xfmr.div %f4f, %sqrtd : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %sm = xfmr.add %sd, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x4xf32>
  %p = xfmr.softmax %sm : tensor<1x2x4x4xf32> loc("/attn/Softmax")
  %f5a = xfmr.div %p, %sp : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %f5b = xfmr.round %f5a : tensor<1x2x4x4xf32>
  %f5c = xfmr.add %f5b, %zp0 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %f5d = xfmr.clip %f5c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x4xf32>
  %f5e = xfmr.sub %f5d, %zp0 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %f5f = xfmr.mul %f5e, %sp : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %o = xfmr.matmul %f5f, %f3f : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %f6a = xfmr.div %o, %so : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f6b = xfmr.round %f6a : tensor<1x2x4x8xf32>
  %f6c = xfmr.add %f6b, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f6d = xfmr.clip %f6c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x8xf32>
  %f6e = xfmr.sub %f6d, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f6f = xfmr.mul %f6e, %so : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %ot = xfmr.transpose %f6f {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %om = xfmr.reshape %ot, %merge : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %om : tensor<1x4x16xf32>
}

// -----

// The scores quantized per key (a scale per element of the last axis) are
// not a per-tensor fake quantization: no attention.

// CHECK-LABEL: func.func @qdq_scores_per_axis(
// CHECK: xfmr.softmax
// CHECK-NOT: xfmr.attention
// EXPLAIN-LABEL: func.func @qdq_scores_per_axis(
// EXPLAIN: xfmr.softmax {{.*}}attention = ["the scores are not a matmul of the query by the transposed key"
func.func @qdq_scores_per_axis(%lq: tensor<1x4x16xf32>, %lk: tensor<1x4x16xf32>, %lv: tensor<1x4x16xf32>, %mask: tensor<1x1x1x4xf32>) -> tensor<1x4x16xf32> {
  %split = xfmr.constant dense<[1, 4, 2, 8]> : tensor<4xi64>
  %merge = xfmr.constant dense<[1, 4, 16]> : tensor<3xi64>
  %zpi = xfmr.constant dense<128> : tensor<i64>
  %zp = xfmr.cast %zpi : tensor<i64> to tensor<f32>
  %zp0 = xfmr.constant dense<0.000000e+00> : tensor<f32>
  %sq = xfmr.constant dense<2.500000e-02> : tensor<f32>
  %sk = xfmr.constant dense<2.000000e-02> : tensor<f32>
  %sv = xfmr.constant dense<1.500000e-02> : tensor<f32>
  %ss = xfmr.constant dense<1.000000e-01> : tensor<f32>
  %sp = xfmr.constant dense<3.921569e-03> : tensor<f32>
  %so = xfmr.constant dense<1.200000e-02> : tensor<f32>
  %sqrtd = xfmr.constant dense<2.82842708> : tensor<f32>
  %ssa = xfmr.constant dense<[1.000000e-01, 2.000000e-01, 1.000000e-01, 2.000000e-01]> : tensor<4xf32>
  %qh = xfmr.reshape %lq, %split : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %qt = xfmr.transpose %qh {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %f1a = xfmr.div %qt, %sq : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f1b = xfmr.round %f1a : tensor<1x2x4x8xf32>
  %f1c = xfmr.add %f1b, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f1d = xfmr.clip %f1c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x8xf32>
  %f1e = xfmr.sub %f1d, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f1f = xfmr.mul %f1e, %sq : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %kh = xfmr.reshape %lk, %split : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %kt = xfmr.transpose %kh {permutation = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x8x4xf32>
  %f2a = xfmr.div %kt, %sk : (tensor<1x2x8x4xf32>, tensor<f32>) -> tensor<1x2x8x4xf32>
  %f2b = xfmr.round %f2a : tensor<1x2x8x4xf32>
  %f2c = xfmr.add %f2b, %zp : (tensor<1x2x8x4xf32>, tensor<f32>) -> tensor<1x2x8x4xf32>
  %f2d = xfmr.clip %f2c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x8x4xf32>
  %f2e = xfmr.sub %f2d, %zp : (tensor<1x2x8x4xf32>, tensor<f32>) -> tensor<1x2x8x4xf32>
  %f2f = xfmr.mul %f2e, %sk : (tensor<1x2x8x4xf32>, tensor<f32>) -> tensor<1x2x8x4xf32>
  %vh = xfmr.reshape %lv, %split : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %vt = xfmr.transpose %vh {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %f3a = xfmr.div %vt, %sv : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f3b = xfmr.round %f3a : tensor<1x2x4x8xf32>
  %f3c = xfmr.add %f3b, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f3d = xfmr.clip %f3c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x8xf32>
  %f3e = xfmr.sub %f3d, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f3f = xfmr.mul %f3e, %sv : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %s = xfmr.matmul %f1f, %f2f : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %g4a = xfmr.div %s, %ssa : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  %g4b = xfmr.round %g4a : tensor<1x2x4x4xf32>
  %g4c = xfmr.add %g4b, %zp : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %g4d = xfmr.clip %g4c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x4xf32>
  %g4e = xfmr.sub %g4d, %zp : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %g4f = xfmr.mul %g4e, %ssa : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  %sd = xfmr.div %g4f, %sqrtd : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %sm = xfmr.add %sd, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x4xf32>
  %p = xfmr.softmax %sm : tensor<1x2x4x4xf32> loc("/attn/Softmax")
  %f5a = xfmr.div %p, %sp : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %f5b = xfmr.round %f5a : tensor<1x2x4x4xf32>
  %f5c = xfmr.add %f5b, %zp0 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %f5d = xfmr.clip %f5c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x4xf32>
  %f5e = xfmr.sub %f5d, %zp0 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %f5f = xfmr.mul %f5e, %sp : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %o = xfmr.matmul %f5f, %f3f : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %f6a = xfmr.div %o, %so : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f6b = xfmr.round %f6a : tensor<1x2x4x8xf32>
  %f6c = xfmr.add %f6b, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f6d = xfmr.clip %f6c {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x8xf32>
  %f6e = xfmr.sub %f6d, %zp : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %f6f = xfmr.mul %f6e, %so : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %ot = xfmr.transpose %f6f {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %om = xfmr.reshape %ot, %merge : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %om : tensor<1x4x16xf32>
}
