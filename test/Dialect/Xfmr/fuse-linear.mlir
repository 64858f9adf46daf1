// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear | FileCheck %s
// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear=explain=true | FileCheck %s --check-prefix=EXPLAIN

// A projection with its bias, as the TorchScript exporter writes nn.Linear
// on 3-D input: MatMul with the transposed weight as a constant, then Add.
// CHECK-LABEL: func.func @matmul_bias
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>)
// CHECK-DAG: %[[W:.*]] = xfmr.constant dense_resource<fc.weight> : tensor<64x256xf32>
// CHECK-DAG: %[[B:.*]] = xfmr.constant dense_resource<fc.bias> : tensor<256xf32>
// CHECK: %[[L:.*]] = xfmr.linear %[[X]], %[[W]], %[[B]] : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
// CHECK-NEXT: return %[[L]]
// EXPLAIN-LABEL: func.func @matmul_bias
// EXPLAIN-NOT: xfmr.fusion_missed
func.func @matmul_bias(%x: tensor<?x?x64xf32>) -> tensor<?x?x256xf32> {
  %w = xfmr.constant dense_resource<fc.weight> : tensor<64x256xf32>
  %b = xfmr.constant dense_resource<fc.bias> : tensor<256xf32>
  %0 = xfmr.matmul %x, %w : (tensor<?x?x64xf32>, tensor<64x256xf32>) -> tensor<?x?x256xf32>
  %1 = xfmr.add %0, %b : (tensor<?x?x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
  return %1 : tensor<?x?x256xf32>
}

// -----

// The bias first, and shaped [1, 1, N] (a bias the exporter broadcast): it
// becomes an [N] constant.
// CHECK-LABEL: func.func @bias_first_broadcast
// CHECK: %[[B:.*]] = xfmr.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK: %[[L:.*]] = xfmr.linear %{{.*}}, %{{.*}}, %[[B]] : (tensor<2x3x8xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT: return %[[L]]
func.func @bias_first_broadcast(%x: tensor<2x3x8xf32>, %w: tensor<8x4xf32>) -> tensor<2x3x4xf32> {
  %b = xfmr.constant dense<[[[1.0, 2.0, 3.0, 4.0]]]> : tensor<1x1x4xf32>
  %0 = xfmr.matmul %x, %w : (tensor<2x3x8xf32>, tensor<8x4xf32>) -> tensor<2x3x4xf32>
  %1 = xfmr.add %b, %0 : (tensor<1x1x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}

// -----

// A resource bias shaped [1, N] keeps its blob.
// CHECK-LABEL: func.func @resource_bias_row
// CHECK: %[[B:.*]] = xfmr.constant dense_resource<row_bias> : tensor<4xf32>
// CHECK: xfmr.linear %{{.*}}, %{{.*}}, %[[B]] :
func.func @resource_bias_row(%x: tensor<3x8xf32>, %w: tensor<8x4xf32>) -> tensor<3x4xf32> {
  %b = xfmr.constant dense_resource<row_bias> : tensor<1x4xf32>
  %0 = xfmr.matmul %x, %w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %1 = xfmr.add %0, %b : (tensor<3x4xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  return %1 : tensor<3x4xf32>
}

// -----

// ONNX Gemm with transB = 1, as imported (BERT's pooler): the transpose
// becomes transpose_weight, and the tanh the layer's activation.
// CHECK-LABEL: func.func @gemm_trans_b_tanh
// CHECK-SAME: (%[[X:.*]]: tensor<2x64xf32>, %[[W:.*]]: tensor<32x64xf32>, %[[C:.*]]: tensor<32xf32>)
// CHECK: %[[L:.*]] = xfmr.linear %[[X]], %[[W]], %[[C]] {activation = #xfmr<activation tanh>, transpose_weight} : (tensor<2x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<2x32xf32>
// CHECK-NEXT: return %[[L]]
func.func @gemm_trans_b_tanh(%x: tensor<2x64xf32>, %w: tensor<32x64xf32>, %c: tensor<32xf32>) -> tensor<2x32xf32> {
  %t = xfmr.transpose %w {permutation = array<i64: 1, 0>} : (tensor<32x64xf32>) -> tensor<64x32xf32>
  %0 = xfmr.matmul %x, %t : (tensor<2x64xf32>, tensor<64x32xf32>) -> tensor<2x32xf32>
  %1 = xfmr.add %0, %c : (tensor<2x32xf32>, tensor<32xf32>) -> tensor<2x32xf32>
  %2 = xfmr.tanh %1 : tensor<2x32xf32>
  return %2 : tensor<2x32xf32>
}

// -----

// A tied embedding (GPT-2's LM head from the dynamo exporter): the weight
// also feeds a gather, and the layer reads it transposed.
// CHECK-LABEL: func.func @tied_lm_head
// CHECK: %[[E:.*]] = xfmr.constant dense_resource<wte> : tensor<1000x64xf32>
// CHECK: xfmr.gather %[[E]]
// CHECK: xfmr.linear %{{.*}}, %[[E]] {transpose_weight} : (tensor<?x?x64xf32>, tensor<1000x64xf32>) -> tensor<?x?x1000xf32>
// CHECK-NOT: xfmr.transpose
func.func @tied_lm_head(%ids: tensor<?x?xi64>, %h: tensor<?x?x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x1000xf32>) {
  %e = xfmr.constant dense_resource<wte> : tensor<1000x64xf32>
  %0 = xfmr.gather %e, %ids : (tensor<1000x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
  %t = xfmr.transpose %e {permutation = array<i64: 1, 0>} : (tensor<1000x64xf32>) -> tensor<64x1000xf32>
  %1 = xfmr.matmul %h, %t : (tensor<?x?x64xf32>, tensor<64x1000xf32>) -> tensor<?x?x1000xf32>
  return %0, %1 : tensor<?x?x64xf32>, tensor<?x?x1000xf32>
}

// -----

// Every activation the layer can take.
// CHECK-LABEL: func.func @activations
// CHECK: xfmr.linear {{.*}} {activation = #xfmr<activation gelu>}
// CHECK: xfmr.linear {{.*}} {activation = #xfmr<activation gelu_tanh>}
// CHECK: xfmr.linear {{.*}} {activation = #xfmr<activation silu>}
// CHECK: xfmr.linear {{.*}} {activation = #xfmr<activation relu>}
// CHECK: xfmr.linear {{.*}} {activation = #xfmr<activation sigmoid>}
// CHECK: xfmr.linear {{.*}} {activation = #xfmr<activation gelu_quick>}
// CHECK-NOT: xfmr.gelu
// CHECK-NOT: xfmr.silu
// CHECK-NOT: xfmr.relu
// CHECK-NOT: xfmr.sigmoid
func.func @activations(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = xfmr.add %0, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %2 = xfmr.gelu %1 : tensor<4x8xf32>
  %3 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.gelu %3 {approximate = #xfmr<gelu_approximation tanh>} : tensor<4x8xf32>
  %5 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %6 = xfmr.silu %5 : tensor<4x8xf32>
  %7 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %8 = xfmr.relu %7 : tensor<4x8xf32>
  %9 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %10 = xfmr.sigmoid %9 : tensor<4x8xf32>
  %11 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %12 = xfmr.gelu %11 {approximate = #xfmr<gelu_approximation quick>} : tensor<4x8xf32>
  return %2, %4, %6, %8, %10, %12 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// GPT-2's Conv1D (TorchScript export, static dims): the rows are flattened
// before each projection and restored after. The GELU moves into the up
// projection, the restore-then-flatten pair between the projections folds
// away, and the down projection reads the up projection directly.
// CHECK-LABEL: func.func @conv1d_rows
// CHECK-SAME: (%[[X:.*]]: tensor<2x16x64xf32>
// CHECK: %[[F:.*]] = xfmr.reshape %[[X]], %{{.*}} -> tensor<32x64xf32>
// CHECK: %[[U:.*]] = xfmr.linear %[[F]], %{{.*}}, %{{.*}} {activation = #xfmr<activation gelu_tanh>} : (tensor<32x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<32x256xf32>
// CHECK: %[[D:.*]] = xfmr.linear %[[U]], %{{.*}} : (tensor<32x256xf32>, tensor<256x64xf32>) -> tensor<32x64xf32>
// CHECK: %[[R:.*]] = xfmr.reshape %[[D]], %{{.*}} -> tensor<2x16x64xf32>
// CHECK-NEXT: return %[[R]]
func.func @conv1d_rows(%x: tensor<2x16x64xf32>, %wu: tensor<64x256xf32>, %bu: tensor<256xf32>, %wd: tensor<256x64xf32>) -> tensor<2x16x64xf32> {
  %rows = xfmr.constant dense<[32, 64]> : tensor<2xi64>
  %hidden = xfmr.constant dense<[2, 16, 256]> : tensor<3xi64>
  %rows_h = xfmr.constant dense<[32, 256]> : tensor<2xi64>
  %out = xfmr.constant dense<[2, 16, 64]> : tensor<3xi64>
  %0 = xfmr.reshape %x, %rows : (tensor<2x16x64xf32>, tensor<2xi64>) -> tensor<32x64xf32>
  %1 = xfmr.matmul %0, %wu : (tensor<32x64xf32>, tensor<64x256xf32>) -> tensor<32x256xf32>
  %2 = xfmr.add %1, %bu : (tensor<32x256xf32>, tensor<256xf32>) -> tensor<32x256xf32>
  %3 = xfmr.reshape %2, %hidden : (tensor<32x256xf32>, tensor<3xi64>) -> tensor<2x16x256xf32>
  %4 = xfmr.gelu %3 {approximate = #xfmr<gelu_approximation tanh>} : tensor<2x16x256xf32>
  %5 = xfmr.reshape %4, %rows_h : (tensor<2x16x256xf32>, tensor<2xi64>) -> tensor<32x256xf32>
  %6 = xfmr.matmul %5, %wd : (tensor<32x256xf32>, tensor<256x64xf32>) -> tensor<32x64xf32>
  %7 = xfmr.reshape %6, %out : (tensor<32x64xf32>, tensor<3xi64>) -> tensor<2x16x64xf32>
  return %7 : tensor<2x16x64xf32>
}

// -----

// The same with dynamic dims, the shapes built at run time as the
// TorchScript exporter does: the flattening reshape reads the last dim out of
// the shape of its input, which is static, and the rows of the result are
// read back out of the hidden activation. That shape comes from the dims the
// restoring reshape was given (a 0 in them would copy the up projection's
// rows, which are its input's), so that the up projection feeds only the
// down projection.
// CHECK-LABEL: func.func @conv1d_rows_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>
// CHECK-DAG: %[[ZERO:.*]] = xfmr.constant dense<0> : tensor<1xi64>
// CHECK-DAG: %[[HIDDEN:.*]] = xfmr.constant dense<256> : tensor<1xi64>
// CHECK: %[[F:.*]] = xfmr.reshape %[[X]], %{{.*}} : (tensor<?x?x64xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK: %[[U:.*]] = xfmr.linear %[[F]], %{{.*}} {activation = #xfmr<activation gelu_tanh>} : (tensor<?x?xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x256xf32>
// CHECK-DAG: %[[B:.*]] = xfmr.shape %[[X]] {end = 1 : i64, start = 0 : i64}
// CHECK-DAG: %[[R:.*]] = xfmr.shape %[[F]] {end = 1 : i64, start = 0 : i64}
// CHECK-DAG: %[[BZ:.*]] = xfmr.equal %[[B]], %[[ZERO]]
// CHECK-DAG: %[[D0:.*]] = xfmr.where %[[BZ]], %[[R]], %[[B]]
// CHECK-DAG: %[[S:.*]] = xfmr.shape %[[X]] {end = 2 : i64, start = 1 : i64}
// CHECK-DAG: %[[SZ:.*]] = xfmr.equal %[[S]], %[[ZERO]]
// CHECK-DAG: %[[D1:.*]] = xfmr.where %[[SZ]], %[[HIDDEN]], %[[S]]
// CHECK-DAG: xfmr.concat %[[D0]], %[[D1]], %[[HIDDEN]]
// CHECK: %[[D:.*]] = xfmr.linear %[[U]], %{{.*}} : (tensor<?x256xf32>, tensor<256x64xf32>) -> tensor<?x64xf32>
// CHECK-NOT: xfmr.gelu
func.func @conv1d_rows_dynamic(%x: tensor<?x?x64xf32>, %wu: tensor<64x256xf32>, %bu: tensor<256xf32>, %wd: tensor<256x64xf32>) -> tensor<?x?x64xf32> {
  %c0 = xfmr.constant dense<0> : tensor<i64>
  %c1 = xfmr.constant dense<1> : tensor<i64>
  %m1 = xfmr.constant dense<-1> : tensor<1xi64>
  %max = xfmr.constant dense<9223372036854775807> : tensor<1xi64>
  %zero = xfmr.constant dense<0> : tensor<1xi64>
  %n = xfmr.constant dense<256> : tensor<1xi64>
  %d = xfmr.constant dense<64> : tensor<1xi64>
  %s = xfmr.shape %x : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %d0 = xfmr.gather %s, %c0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %d1 = xfmr.gather %s, %c1 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %last = xfmr.slice %s, %m1, %max, %zero : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %flat = xfmr.concat %m1, %last {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %1 = xfmr.reshape %x, %flat : (tensor<?x?x64xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %2 = xfmr.matmul %1, %wu : (tensor<?x?xf32>, tensor<64x256xf32>) -> tensor<?x256xf32>
  %3 = xfmr.add %2, %bu : (tensor<?x256xf32>, tensor<256xf32>) -> tensor<?x256xf32>
  %u0 = xfmr.unsqueeze %d0 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %u1 = xfmr.unsqueeze %d1 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %hidden = xfmr.concat %u0, %u1, %n {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %4 = xfmr.reshape %3, %hidden : (tensor<?x256xf32>, tensor<3xi64>) -> tensor<?x?x256xf32>
  %5 = xfmr.gelu %4 {approximate = #xfmr<gelu_approximation tanh>} : tensor<?x?x256xf32>
  %s5 = xfmr.shape %5 : (tensor<?x?x256xf32>) -> tensor<3xi64>
  %h0 = xfmr.gather %s5, %c0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %h1 = xfmr.gather %s5, %c1 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %last5 = xfmr.slice %s5, %m1, %max, %zero : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %sq = xfmr.squeeze %last5 {axes = array<i64: 0>} : (tensor<1xi64>) -> tensor<i64>
  %us = xfmr.unsqueeze %sq {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %flat5 = xfmr.concat %m1, %us {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %6 = xfmr.reshape %5, %flat5 : (tensor<?x?x256xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %7 = xfmr.matmul %6, %wd : (tensor<?x?xf32>, tensor<256x64xf32>) -> tensor<?x64xf32>
  %v0 = xfmr.unsqueeze %h0 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %v1 = xfmr.unsqueeze %h1 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %out = xfmr.concat %v0, %v1, %d {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %8 = xfmr.reshape %7, %out : (tensor<?x64xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %8 : tensor<?x?x64xf32>
}

// -----

// The dynamo exporter's form: constant [-1, N] flattening, allowzero.
// CHECK-LABEL: func.func @conv1d_rows_dynamo
// CHECK: %[[U:.*]] = xfmr.linear %{{.*}} {activation = #xfmr<activation gelu_tanh>} : (tensor<?x64xf32>, tensor<64x256xf32>) -> tensor<?x256xf32>
// CHECK-NEXT: %[[D:.*]] = xfmr.linear %[[U]], %{{.*}} : (tensor<?x256xf32>, tensor<256x64xf32>) -> tensor<?x64xf32>
func.func @conv1d_rows_dynamo(%x: tensor<?x?x64xf32>, %shape: tensor<3xi64>, %wu: tensor<64x256xf32>, %wd: tensor<256x64xf32>) -> tensor<?x64xf32> {
  %flat = xfmr.constant dense<[-1, 64]> : tensor<2xi64>
  %flat_h = xfmr.constant dense<[-1, 256]> : tensor<2xi64>
  %0 = xfmr.reshape %x, %flat {allowzero = true} : (tensor<?x?x64xf32>, tensor<2xi64>) -> tensor<?x64xf32>
  %1 = xfmr.matmul %0, %wu : (tensor<?x64xf32>, tensor<64x256xf32>) -> tensor<?x256xf32>
  %2 = xfmr.reshape %1, %shape {allowzero = true} : (tensor<?x256xf32>, tensor<3xi64>) -> tensor<?x?x256xf32>
  %3 = xfmr.gelu %2 {approximate = #xfmr<gelu_approximation tanh>} : tensor<?x?x256xf32>
  %4 = xfmr.reshape %3, %flat_h {allowzero = true} : (tensor<?x?x256xf32>, tensor<2xi64>) -> tensor<?x256xf32>
  %5 = xfmr.matmul %4, %wd : (tensor<?x256xf32>, tensor<256x64xf32>) -> tensor<?x64xf32>
  return %5 : tensor<?x64xf32>
}

// -----

// A reshape that does not give the earlier shape back stays.
// CHECK-LABEL: func.func @reshape_not_restoring
// CHECK: xfmr.linear {{.*}} {activation = #xfmr<activation relu>}
// CHECK: xfmr.reshape
// CHECK: xfmr.reshape %{{.*}} -> tensor<64x128xf32>
// CHECK: xfmr.linear %{{.*}} : (tensor<64x128xf32>, tensor<128x8xf32>)
func.func @reshape_not_restoring(%x: tensor<32x8xf32>, %wu: tensor<8x256xf32>, %wd: tensor<128x8xf32>) -> tensor<64x8xf32> {
  %hidden = xfmr.constant dense<[2, 16, 256]> : tensor<3xi64>
  %other = xfmr.constant dense<[64, 128]> : tensor<2xi64>
  %0 = xfmr.matmul %x, %wu : (tensor<32x8xf32>, tensor<8x256xf32>) -> tensor<32x256xf32>
  %1 = xfmr.reshape %0, %hidden : (tensor<32x256xf32>, tensor<3xi64>) -> tensor<2x16x256xf32>
  %2 = xfmr.relu %1 : tensor<2x16x256xf32>
  %3 = xfmr.reshape %2, %other : (tensor<2x16x256xf32>, tensor<2xi64>) -> tensor<64x128xf32>
  %4 = xfmr.matmul %3, %wd : (tensor<64x128xf32>, tensor<128x8xf32>) -> tensor<64x8xf32>
  return %4 : tensor<64x8xf32>
}

// -----

// Attention's batched products have no 2-D weight: they stay matmuls and
// are not candidates.
// CHECK-LABEL: func.func @attention_products
// CHECK-NOT: xfmr.linear
// EXPLAIN-LABEL: func.func @attention_products
// EXPLAIN-NOT: xfmr.fusion_missed
func.func @attention_products(%q: tensor<2x4x16x16xf32>, %kt: tensor<2x4x16x16xf32>, %v: tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32> {
  %0 = xfmr.matmul %q, %kt : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %1 = xfmr.softmax %0 : tensor<2x4x16x16xf32>
  %2 = xfmr.matmul %1, %v : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %2 : tensor<2x4x16x16xf32>
}

// -----

// A decomposed GELU (as exported before activation fusion) is left alone:
// the layer takes the bias, and the erf chain stays.
// CHECK-LABEL: func.func @decomposed_gelu
// CHECK: %[[L:.*]] = xfmr.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x16x64xf32>, tensor<64x128xf32>, tensor<128xf32>) -> tensor<2x16x128xf32>
// CHECK: xfmr.div %[[L]]
// CHECK: xfmr.erf
// CHECK: xfmr.mul %[[L]]
// CHECK-NOT: activation
// EXPLAIN-LABEL: func.func @decomposed_gelu
// EXPLAIN-NOT: xfmr.fusion_missed
func.func @decomposed_gelu(%x: tensor<2x16x64xf32>, %w: tensor<64x128xf32>, %b: tensor<128xf32>) -> tensor<2x16x128xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.000000e+00> : tensor<f32>
  %half = xfmr.constant dense<5.000000e-01> : tensor<f32>
  %0 = xfmr.matmul %x, %w : (tensor<2x16x64xf32>, tensor<64x128xf32>) -> tensor<2x16x128xf32>
  %1 = xfmr.add %0, %b : (tensor<2x16x128xf32>, tensor<128xf32>) -> tensor<2x16x128xf32>
  %2 = xfmr.div %1, %sqrt2 : (tensor<2x16x128xf32>, tensor<f32>) -> tensor<2x16x128xf32>
  %3 = xfmr.erf %2 : tensor<2x16x128xf32>
  %4 = xfmr.add %3, %one : (tensor<2x16x128xf32>, tensor<f32>) -> tensor<2x16x128xf32>
  %5 = xfmr.mul %1, %4 : (tensor<2x16x128xf32>, tensor<2x16x128xf32>) -> tensor<2x16x128xf32>
  %6 = xfmr.mul %5, %half : (tensor<2x16x128xf32>, tensor<f32>) -> tensor<2x16x128xf32>
  return %6 : tensor<2x16x128xf32>
}

// -----

// A decomposed SiLU (LLaMA before activation fusion): the layer's result
// feeds the sigmoid and the product, so the sigmoid is not its activation.
// CHECK-LABEL: func.func @decomposed_silu
// CHECK: %[[L:.*]] = xfmr.linear %{{.*}}, %{{.*}} : (tensor<2x16x64xf32>, tensor<64x128xf32>) -> tensor<2x16x128xf32>
// CHECK: %[[S:.*]] = xfmr.sigmoid %[[L]]
// CHECK: xfmr.mul %[[L]], %[[S]]
// EXPLAIN-LABEL: func.func @decomposed_silu
// EXPLAIN: xfmr.sigmoid %{{.*}} {xfmr.fusion_missed = {linear = ["the linear layer's result has 2 users", "/mlp/gate_proj/MatMul"]}}
func.func @decomposed_silu(%x: tensor<2x16x64xf32>, %w: tensor<64x128xf32>) -> tensor<2x16x128xf32> {
  %0 = xfmr.matmul %x, %w : (tensor<2x16x64xf32>, tensor<64x128xf32>) -> tensor<2x16x128xf32> loc("/mlp/gate_proj/MatMul")
  %1 = xfmr.sigmoid %0 : tensor<2x16x128xf32>
  %2 = xfmr.mul %0, %1 : (tensor<2x16x128xf32>, tensor<2x16x128xf32>) -> tensor<2x16x128xf32>
  return %2 : tensor<2x16x128xf32>
}

// -----

// Near misses of the bias: not a vector over the output features, a
// dynamic length, and a layer whose result has another user.
// CHECK-LABEL: func.func @bias_near_misses
// CHECK: %[[L0:.*]] = xfmr.linear %{{.*}}, %{{.*}} : (tensor<2x16x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32>
// CHECK: xfmr.add %[[L0]], %{{.*}} : (tensor<2x16x64xf32>, tensor<1x16x64xf32>)
// CHECK: %[[L1:.*]] = xfmr.linear %{{.*}}, %{{.*}} : (tensor<2x16x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32>
// CHECK: xfmr.add %[[L1]], %{{.*}} : (tensor<2x16x64xf32>, tensor<?xf32>)
// CHECK: %[[L2:.*]] = xfmr.linear %{{.*}}, %{{.*}} : (tensor<2x16x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32>
// CHECK: xfmr.add %[[L2]], %{{.*}} : (tensor<2x16x64xf32>, tensor<64xf32>)
// EXPLAIN-LABEL: func.func @bias_near_misses
// EXPLAIN: xfmr.add {{.*}} {xfmr.fusion_missed = {linear = ["the bias [1,16,64] is not a vector over the output features [64]", "/pos"]}}
// EXPLAIN: xfmr.add {{.*}} {xfmr.fusion_missed = {linear = ["the bias [?] is not a vector over the output features [64]", ""]}}
// EXPLAIN: xfmr.add {{.*}} {xfmr.fusion_missed = {linear = ["the linear layer's result has 2 users", "/fc2/MatMul"]}}
func.func @bias_near_misses(%x: tensor<2x16x64xf32>, %w: tensor<64x64xf32>, %d: tensor<?xf32>)
    -> (tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) {
  %pos = xfmr.constant dense_resource<pos> : tensor<1x16x64xf32> loc("/pos")
  %b = xfmr.constant dense_resource<b> : tensor<64xf32>
  %dyn = xfmr.abs %d : tensor<?xf32>
  %0 = xfmr.matmul %x, %w : (tensor<2x16x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32>
  %1 = xfmr.add %0, %pos : (tensor<2x16x64xf32>, tensor<1x16x64xf32>) -> tensor<2x16x64xf32>
  %2 = xfmr.matmul %x, %w : (tensor<2x16x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32>
  %3 = xfmr.add %2, %dyn : (tensor<2x16x64xf32>, tensor<?xf32>) -> tensor<2x16x64xf32>
  %4 = xfmr.matmul %x, %w : (tensor<2x16x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32> loc("/fc2/MatMul")
  %5 = xfmr.add %4, %b : (tensor<2x16x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  return %1, %3, %4, %5 : tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>
}

// -----

// An integer matmul with a 2-D right operand is a candidate that cannot be
// a layer; a residual add after a layer is no candidate for its bias.
// CHECK-LABEL: func.func @not_fused
// CHECK: xfmr.matmul
// EXPLAIN-LABEL: func.func @not_fused
// EXPLAIN: xfmr.matmul {{.*}} {xfmr.fusion_missed = {linear = ["the operands are not floating point", "/int/MatMul"]}}
// EXPLAIN-NOT: xfmr.fusion_missed
func.func @not_fused(%a: tensor<4x8xi32>, %b: tensor<8x2xi32>, %x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> (tensor<4x2xi32>, tensor<4x8xf32>) {
  %0 = xfmr.matmul %a, %b : (tensor<4x8xi32>, tensor<8x2xi32>) -> tensor<4x2xi32> loc("/int/MatMul")
  %1 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %2 = xfmr.add %1, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0, %2 : tensor<4x2xi32>, tensor<4x8xf32>
}


// -----

// The shape of a reshaped layer stays when the reshape's shape is not known
// entry by entry, or has a -1 to resolve.
// CHECK-LABEL: func.func @shape_of_reshape_unknown
// CHECK: %[[L:.*]] = xfmr.linear
// CHECK: %[[R0:.*]] = xfmr.reshape %[[L]], %{{.*}} : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
// CHECK: xfmr.shape %[[R0]]
// CHECK: %[[R1:.*]] = xfmr.reshape %[[L]], %{{.*}} : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x4xf32>
// CHECK: xfmr.shape %[[R1]]
func.func @shape_of_reshape_unknown(%x: tensor<?x8xf32>, %w: tensor<8x8xf32>, %s: tensor<3xi64>) -> (tensor<3xi64>, tensor<2xi64>, tensor<?x?x?xf32>, tensor<?x4xf32>) {
  %flat = xfmr.constant dense<[-1, 4]> : tensor<2xi64>
  %0 = xfmr.matmul %x, %w : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %1 = xfmr.reshape %0, %s : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %2 = xfmr.shape %1 : (tensor<?x?x?xf32>) -> tensor<3xi64>
  %3 = xfmr.reshape %0, %flat : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x4xf32>
  %4 = xfmr.shape %3 : (tensor<?x4xf32>) -> tensor<2xi64>
  return %2, %4, %1, %3 : tensor<3xi64>, tensor<2xi64>, tensor<?x?x?xf32>, tensor<?x4xf32>
}
