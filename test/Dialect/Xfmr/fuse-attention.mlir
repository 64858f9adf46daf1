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
// additive. Inputs' dims of one name are one size.

// CHECK-LABEL: func.func @dynamo_flattened_key(
// CHECK: %[[M:.+]] = xfmr.where
// CHECK-NEXT: %[[O:.+]] = xfmr.attention %arg0, %arg1, %arg2 mask %[[M]] {scale = 2.500000e-01 : f32} : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x1x1x?xf32>) -> tensor<?x4x?x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @dynamo_flattened_key(%q: tensor<?x4x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %k: tensor<?x4x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %v: tensor<?x4x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %keep: tensor<?x1x1x?xi1> {xfmr.dims = ["batch", "", "", "sequence"]}) -> tensor<?x4x?x16xf32> {
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

// -----

// GPT-2 (TorchScript): a causal triangle from comparing constant column and
// row indices, and'ed with the padding mask, becomes is_causal.

// CHECK-LABEL: func.func @causal_from_indices(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<2x4x16x16xf32>, %[[K:[^:]+]]: tensor<2x4x16x16xf32>, %[[V:[^:]+]]: tensor<2x4x16x16xf32>, %[[PAD:[^:]+]]: tensor<2x1x1x16xi1>
// CHECK-NOT: xfmr.less_equal
// CHECK: %[[O:.+]] = xfmr.attention %[[Q]], %[[K]], %[[V]] mask %[[PAD]] {is_causal, scale = 2.500000e-01 : f32}
// CHECK-NEXT: return %[[O]]
func.func @causal_from_indices(%q: tensor<2x4x16x16xf32>, %k: tensor<2x4x16x16xf32>, %v: tensor<2x4x16x16xf32>, %pad: tensor<2x1x1x16xi1>) -> tensor<2x4x16x16xf32> {
  %cols = xfmr.constant dense<[[[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]]]]> : tensor<1x1x1x16xi64>
  %rows = xfmr.constant dense<[[[[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11], [12], [13], [14], [15]]]]> : tensor<1x1x16x1xi64>
  %true = xfmr.constant dense<true> : tensor<i1>
  %zero = xfmr.constant dense<0.000000e+00> : tensor<1xf32>
  %ninf = xfmr.constant dense<0xFF800000> : tensor<1xf32>
  %c = xfmr.constant dense<2.500000e-01> : tensor<f32>
  %le = xfmr.less_equal %cols, %rows : (tensor<1x1x1x16xi64>, tensor<1x1x16x1xi64>) -> tensor<1x1x16x16xi1>
  %causal = xfmr.and %le, %true : (tensor<1x1x16x16xi1>, tensor<i1>) -> tensor<1x1x16x16xi1>
  %keep = xfmr.and %causal, %pad : (tensor<1x1x16x16xi1>, tensor<2x1x1x16xi1>) -> tensor<2x1x16x16xi1>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %s = xfmr.matmul %q, %kt : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %ss = xfmr.mul %s, %c : (tensor<2x4x16x16xf32>, tensor<f32>) -> tensor<2x4x16x16xf32>
  %mask = xfmr.where %keep, %zero, %ninf : (tensor<2x1x16x16xi1>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x1x16x16xf32>
  %sm = xfmr.add %ss, %mask : (tensor<2x4x16x16xf32>, tensor<2x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %p = xfmr.softmax %sm : tensor<2x4x16x16xf32>
  %o = xfmr.matmul %p, %v : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %o : tensor<2x4x16x16xf32>
}

// -----

// GPT-2 decoding: keys and values are the past followed by the new ones,
// and the triangle is offset by the past's length (8). The past becomes the
// op's operands and the present results replace the caches returned.

// CHECK-LABEL: func.func @causal_with_past(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<2x4x4x16xf32>, %[[K:[^:]+]]: tensor<2x4x4x16xf32>, %[[V:[^:]+]]: tensor<2x4x4x16xf32>, %[[PK:[^:]+]]: tensor<2x4x8x16xf32>, %[[PV:[^:]+]]: tensor<2x4x8x16xf32>
// CHECK-NOT: xfmr.concat
// CHECK: %[[O:.+]], %[[P:.+]]:2 = xfmr.attention %[[Q]], %[[K]], %[[V]] past %[[PK]], %[[PV]] {is_causal, scale = 2.500000e-01 : f32} : (tensor<2x4x4x16xf32>, tensor<2x4x4x16xf32>, tensor<2x4x4x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x4x16xf32>, tensor<2x4x12x16xf32>, tensor<2x4x12x16xf32>)
// CHECK-NEXT: return %[[O]], %[[P]]#0, %[[P]]#1
func.func @causal_with_past(%q: tensor<2x4x4x16xf32>, %k: tensor<2x4x4x16xf32>, %v: tensor<2x4x4x16xf32>, %pk: tensor<2x4x8x16xf32>, %pv: tensor<2x4x8x16xf32>) -> (tensor<2x4x4x16xf32>, tensor<2x4x12x16xf32>, tensor<2x4x12x16xf32>) {
  %cols = xfmr.constant dense<[[[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]]]> : tensor<1x1x1x12xi64>
  %rows = xfmr.constant dense<[[[[8], [9], [10], [11]]]]> : tensor<1x1x4x1xi64>
  %zero = xfmr.constant dense<0.000000e+00> : tensor<1xf32>
  %ninf = xfmr.constant dense<0xFF800000> : tensor<1xf32>
  %half = xfmr.constant dense<5.000000e-01> : tensor<f32>
  %keys = xfmr.concat %pk, %k {axis = -2 : i64} : (tensor<2x4x8x16xf32>, tensor<2x4x4x16xf32>) -> tensor<2x4x12x16xf32>
  %values = xfmr.concat %pv, %v {axis = -2 : i64} : (tensor<2x4x8x16xf32>, tensor<2x4x4x16xf32>) -> tensor<2x4x12x16xf32>
  %le = xfmr.less_equal %cols, %rows : (tensor<1x1x1x12xi64>, tensor<1x1x4x1xi64>) -> tensor<1x1x4x12xi1>
  %kt = xfmr.transpose %keys {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x4x12x16xf32>) -> tensor<2x4x16x12xf32>
  %qs = xfmr.mul %q, %half : (tensor<2x4x4x16xf32>, tensor<f32>) -> tensor<2x4x4x16xf32>
  %kts = xfmr.mul %kt, %half : (tensor<2x4x16x12xf32>, tensor<f32>) -> tensor<2x4x16x12xf32>
  %s = xfmr.matmul %qs, %kts : (tensor<2x4x4x16xf32>, tensor<2x4x16x12xf32>) -> tensor<2x4x4x12xf32>
  %mask = xfmr.where %le, %zero, %ninf : (tensor<1x1x4x12xi1>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4x12xf32>
  %sm = xfmr.add %s, %mask : (tensor<2x4x4x12xf32>, tensor<1x1x4x12xf32>) -> tensor<2x4x4x12xf32>
  %p = xfmr.softmax %sm : tensor<2x4x4x12xf32>
  %o = xfmr.matmul %p, %values : (tensor<2x4x4x12xf32>, tensor<2x4x12x16xf32>) -> tensor<2x4x4x16xf32>
  return %o, %keys, %values : tensor<2x4x4x16xf32>, tensor<2x4x12x16xf32>, tensor<2x4x12x16xf32>
}

// -----

// A past with a mask that is not causal: the concatenation stays and the op
// attends to all of it.

// CHECK-LABEL: func.func @past_without_causal(
// CHECK: %[[KEYS:.+]] = xfmr.concat
// CHECK: %[[VALUES:.+]] = xfmr.concat
// CHECK: xfmr.attention %{{.+}}, %[[KEYS]], %[[VALUES]] mask %{{.+}} {scale = 2.500000e-01 : f32} : (tensor<2x4x1x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x9x16xf32>, tensor<2x1x1x9xi1>)
func.func @past_without_causal(%q: tensor<2x4x1x16xf32>, %k: tensor<2x4x1x16xf32>, %v: tensor<2x4x1x16xf32>, %pk: tensor<2x4x8x16xf32>, %pv: tensor<2x4x8x16xf32>, %pad: tensor<2x1x1x9xi1>) -> (tensor<2x4x1x16xf32>, tensor<2x4x9x16xf32>) {
  %zero = xfmr.constant dense<0.000000e+00> : tensor<f32>
  %ninf = xfmr.constant dense<0xFF800000> : tensor<f32>
  %c = xfmr.constant dense<4.000000e+00> : tensor<f32>
  %keys = xfmr.concat %pk, %k {axis = 2 : i64} : (tensor<2x4x8x16xf32>, tensor<2x4x1x16xf32>) -> tensor<2x4x9x16xf32>
  %values = xfmr.concat %pv, %v {axis = 2 : i64} : (tensor<2x4x8x16xf32>, tensor<2x4x1x16xf32>) -> tensor<2x4x9x16xf32>
  %kt = xfmr.transpose %keys {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x4x9x16xf32>) -> tensor<2x4x16x9xf32>
  %s = xfmr.matmul %q, %kt : (tensor<2x4x1x16xf32>, tensor<2x4x16x9xf32>) -> tensor<2x4x1x9xf32>
  %ss = xfmr.div %s, %c : (tensor<2x4x1x9xf32>, tensor<f32>) -> tensor<2x4x1x9xf32>
  %mask = xfmr.where %pad, %zero, %ninf : (tensor<2x1x1x9xi1>, tensor<f32>, tensor<f32>) -> tensor<2x1x1x9xf32>
  %sm = xfmr.add %mask, %ss : (tensor<2x1x1x9xf32>, tensor<2x4x1x9xf32>) -> tensor<2x4x1x9xf32>
  %p = xfmr.softmax %sm {axis = 3 : i64} : tensor<2x4x1x9xf32>
  %o = xfmr.matmul %p, %values : (tensor<2x4x1x9xf32>, tensor<2x4x9x16xf32>) -> tensor<2x4x1x16xf32>
  return %o, %keys : tensor<2x4x1x16xf32>, tensor<2x4x9x16xf32>
}

// -----

// LLaMA (TorchScript), dynamic: grouped-query attention with key/value heads
// repeated by unsqueeze, expand and reshape (shapes read off the tensors),
// and a causal triangle from ranges over the two inputs' "sequence" dims.

// CHECK-LABEL: func.func @llama_gqa_dynamic(
// CHECK-NOT: xfmr.range
// CHECK: %[[O:.+]] = xfmr.attention %arg0, %arg1, %arg2 mask %arg3 {is_causal, scale = 2.500000e-01 : f32} : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x1x1x?xi1>) -> tensor<?x4x?x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @llama_gqa_dynamic(%q: tensor<?x4x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %k: tensor<?x2x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %v: tensor<?x2x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %pad: tensor<?x1x1x?xi1> {xfmr.dims = ["batch", "", "", "sequence"]}) -> tensor<?x4x?x16xf32> {
  %c0 = xfmr.constant dense<0> : tensor<i64>
  %c1 = xfmr.constant dense<1> : tensor<i64>
  %c2 = xfmr.constant dense<2> : tensor<i64>
  %two = xfmr.constant dense<2> : tensor<1xi64>
  %d16 = xfmr.constant dense<16> : tensor<1xi64>
  %zero = xfmr.constant dense<0.000000e+00> : tensor<1xf32>
  %ninf = xfmr.constant dense<0xFF800000> : tensor<1xf32>
  %half = xfmr.constant dense<5.000000e-01> : tensor<f32>
  // Row indices over the query's length, column indices over the mask's.
  %qshape = xfmr.shape %q : (tensor<?x4x?x16xf32>) -> tensor<4xi64>
  %qlen = xfmr.gather %qshape, %c2 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %mshape = xfmr.shape %pad : (tensor<?x1x1x?xi1>) -> tensor<4xi64>
  %mlen = xfmr.gather %mshape, %c2 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %c3 = xfmr.constant dense<3> : tensor<i64>
  %mlen3 = xfmr.gather %mshape, %c3 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %i = xfmr.range %c0, %qlen, %c1 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %j = xfmr.range %c0, %mlen3, %c1 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %rows = xfmr.unsqueeze %i {axes = array<i64: 0, 1, 3>} : (tensor<?xi64>) -> tensor<1x1x?x1xi64>
  %cols = xfmr.unsqueeze %j {axes = array<i64: 0, 1, 2>} : (tensor<?xi64>) -> tensor<1x1x1x?xi64>
  %le = xfmr.less_equal %cols, %rows : (tensor<1x1x1x?xi64>, tensor<1x1x?x1xi64>) -> tensor<1x1x?x?xi1>
  %keep = xfmr.and %le, %pad : (tensor<1x1x?x?xi1>, tensor<?x1x1x?xi1>) -> tensor<?x1x?x?xi1>
  // repeat_kv
  %kshape = xfmr.shape %k : (tensor<?x2x?x16xf32>) -> tensor<4xi64>
  %b = xfmr.gather %kshape, %c0 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %h = xfmr.gather %kshape, %c1 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %s = xfmr.gather %kshape, %c2 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %b1 = xfmr.unsqueeze %b {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %h1 = xfmr.unsqueeze %h {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %s1 = xfmr.unsqueeze %s {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %shape5 = xfmr.concat %b1, %h1, %two, %s1, %d16 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<5xi64>
  %hn = xfmr.mul %h, %c2 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %hn1 = xfmr.unsqueeze %hn {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %shape4 = xfmr.concat %b1, %hn1, %s1, %d16 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %ku = xfmr.unsqueeze %k {axes = array<i64: 2>} : (tensor<?x2x?x16xf32>) -> tensor<?x2x1x?x16xf32>
  %ke = xfmr.expand %ku, %shape5 : (tensor<?x2x1x?x16xf32>, tensor<5xi64>) -> tensor<?x?x?x?x16xf32>
  %kr = xfmr.reshape %ke, %shape4 : (tensor<?x?x?x?x16xf32>, tensor<4xi64>) -> tensor<?x?x?x16xf32>
  %vu = xfmr.unsqueeze %v {axes = array<i64: 2>} : (tensor<?x2x?x16xf32>) -> tensor<?x2x1x?x16xf32>
  %ve = xfmr.expand %vu, %shape5 : (tensor<?x2x1x?x16xf32>, tensor<5xi64>) -> tensor<?x?x?x?x16xf32>
  %vr = xfmr.reshape %ve, %shape4 : (tensor<?x?x?x?x16xf32>, tensor<4xi64>) -> tensor<?x?x?x16xf32>
  %kt = xfmr.transpose %kr {permutation = array<i64: 0, 1, 3, 2>} : (tensor<?x?x?x16xf32>) -> tensor<?x?x16x?xf32>
  %qs = xfmr.mul %q, %half : (tensor<?x4x?x16xf32>, tensor<f32>) -> tensor<?x4x?x16xf32>
  %kts = xfmr.mul %kt, %half : (tensor<?x?x16x?xf32>, tensor<f32>) -> tensor<?x?x16x?xf32>
  %sc = xfmr.matmul %qs, %kts : (tensor<?x4x?x16xf32>, tensor<?x?x16x?xf32>) -> tensor<?x?x?x?xf32>
  %mask = xfmr.where %keep, %zero, %ninf : (tensor<?x1x?x?xi1>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x1x?x?xf32>
  %sm = xfmr.add %sc, %mask : (tensor<?x?x?x?xf32>, tensor<?x1x?x?xf32>) -> tensor<?x?x?x?xf32>
  %p = xfmr.softmax %sm : tensor<?x?x?x?xf32>
  %eq = xfmr.equal %p, %p : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xi1>
  %nan = xfmr.not %eq : tensor<?x?x?x?xi1>
  %pg = xfmr.where %nan, %zero, %p : (tensor<?x?x?x?xi1>, tensor<1xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %o = xfmr.matmul %pg, %vr : (tensor<?x?x?x?xf32>, tensor<?x?x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// LLaMA as ONNX Runtime rewrites it (TorchScript export), static: the value
// repeat's shapes take their dims from one split of the shape (a constant
// once dims are bound) instead of a gather per dim, so the reshaped value's
// type is dynamic.

// CHECK-LABEL: func.func @ort_value_repeat_split_shape(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<2x4x16x16xf32>, %[[K:[^:]+]]: tensor<2x2x16x16xf32>, %[[V:[^:]+]]: tensor<2x2x16x16xf32>
// CHECK: %[[O:.+]] = xfmr.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f32} : (tensor<2x4x16x16xf32>, tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32>) -> tensor<2x4x16x?xf32>
// EXPLAIN-LABEL: func.func @ort_value_repeat_split_shape(
// EXPLAIN-NOT: fusion_missed
func.func @ort_value_repeat_split_shape(%q: tensor<2x4x16x16xf32>, %k: tensor<2x2x16x16xf32>, %v: tensor<2x2x16x16xf32>) -> tensor<2x4x16x?xf32> {
  %scale = xfmr.constant dense<2.500000e-01> : tensor<f32>
  %kshape5 = xfmr.constant dense<[2, 2, 2, 16, 16]> : tensor<5xi64>
  %kshape4 = xfmr.constant dense<[2, 4, 16, 16]> : tensor<4xi64>
  %vshape = xfmr.constant dense<[2, 2, 16, 16]> : tensor<4xi64>
  %two = xfmr.constant dense<2> : tensor<1xi64>
  %c2 = xfmr.constant dense<2> : tensor<i64>
  %ones = xfmr.constant dense<1> : tensor<5xi64>
  %minus = xfmr.constant dense<-1> : tensor<5xi64>
  %ku = xfmr.unsqueeze %k {axes = array<i64: 2>} : (tensor<2x2x16x16xf32>) -> tensor<2x2x1x16x16xf32>
  %ke = xfmr.expand %ku, %kshape5 : (tensor<2x2x1x16x16xf32>, tensor<5xi64>) -> tensor<2x2x2x16x16xf32>
  %kr = xfmr.reshape %ke, %kshape4 : (tensor<2x2x2x16x16xf32>, tensor<4xi64>) -> tensor<2x4x16x16xf32>
  %kt = xfmr.transpose %kr {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %sc = xfmr.matmul %q, %kt : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %ss = xfmr.mul %sc, %scale : (tensor<2x4x16x16xf32>, tensor<f32>) -> tensor<2x4x16x16xf32>
  %p = xfmr.softmax %ss : tensor<2x4x16x16xf32>
  %dims:4 = xfmr.split %vshape {axis = 0 : i64, sizes = array<i64: 1, 1, 1, 1>} : (tensor<4xi64>) -> (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>)
  %d3 = xfmr.squeeze %dims#3 {axes = array<i64: 0>} : (tensor<1xi64>) -> tensor<i64>
  %s3 = xfmr.unsqueeze %d3 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %d2 = xfmr.squeeze %dims#2 {axes = array<i64: 0>} : (tensor<1xi64>) -> tensor<i64>
  %s2 = xfmr.unsqueeze %d2 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %d1 = xfmr.squeeze %dims#1 {axes = array<i64: 0>} : (tensor<1xi64>) -> tensor<i64>
  %hn = xfmr.mul %d1, %c2 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %s1n = xfmr.unsqueeze %hn {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %d0 = xfmr.squeeze %dims#0 {axes = array<i64: 0>} : (tensor<1xi64>) -> tensor<i64>
  %s0 = xfmr.unsqueeze %d0 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %s1 = xfmr.unsqueeze %d1 {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %shape4 = xfmr.concat %s0, %s1n, %s2, %s3 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %raw5 = xfmr.concat %s0, %s1, %two, %s2, %s3 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<5xi64>
  %unset = xfmr.equal %raw5, %minus : (tensor<5xi64>, tensor<5xi64>) -> tensor<5xi1>
  %shape5 = xfmr.where %unset, %ones, %raw5 : (tensor<5xi1>, tensor<5xi64>, tensor<5xi64>) -> tensor<5xi64>
  %vu = xfmr.unsqueeze %v {axes = array<i64: 2>} : (tensor<2x2x16x16xf32>) -> tensor<2x2x1x16x16xf32>
  %ve = xfmr.expand %vu, %shape5 : (tensor<2x2x1x16x16xf32>, tensor<5xi64>) -> tensor<2x2x?x16x16xf32>
  %vr = xfmr.reshape %ve, %shape4 : (tensor<2x2x?x16x16xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %o = xfmr.matmul %p, %vr : (tensor<2x4x16x16xf32>, tensor<?x?x?x?xf32>) -> tensor<2x4x16x?xf32>
  return %o : tensor<2x4x16x?xf32>
}

// -----

// The same with dynamic dims: the split reads the permuted shape of the
// key/value heads before their transpose.

// CHECK-LABEL: func.func @ort_repeat_split_shape_dynamic(
// CHECK-DAG: %[[K:.+]] = xfmr.transpose %arg1 {permutation = array<i64: 0, 2, 1, 3>}
// CHECK-DAG: %[[V:.+]] = xfmr.transpose %arg2 {permutation = array<i64: 0, 2, 1, 3>}
// CHECK: %[[O:.+]] = xfmr.attention %arg0, %[[K]], %[[V]] {scale = 2.500000e-01 : f32} : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x4x?x?xf32>
// EXPLAIN-LABEL: func.func @ort_repeat_split_shape_dynamic(
// EXPLAIN-NOT: fusion_missed
func.func @ort_repeat_split_shape_dynamic(%q: tensor<?x4x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %k: tensor<?x?x2x16xf32> {xfmr.dims = ["batch", "sequence", "", ""]}, %v: tensor<?x?x2x16xf32> {xfmr.dims = ["batch", "sequence", "", ""]}) -> tensor<?x4x?x?xf32> {
  %scale = xfmr.constant dense<2.500000e-01> : tensor<f32>
  %perm = xfmr.constant dense<[0, 2, 1, 3]> : tensor<4xi64>
  %c2 = xfmr.constant dense<2> : tensor<i64>
  %two = xfmr.constant dense<2> : tensor<1xi64>
  %kshape = xfmr.shape %k : (tensor<?x?x2x16xf32>) -> tensor<4xi64>
  %kperm = xfmr.gather %kshape, %perm : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %dims:4 = xfmr.split %kperm {axis = 0 : i64, sizes = array<i64: 1, 1, 1, 1>} : (tensor<4xi64>) -> (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>)
  %d1 = xfmr.squeeze %dims#1 {axes = array<i64: 0>} : (tensor<1xi64>) -> tensor<i64>
  %hn = xfmr.mul %d1, %c2 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %s1n = xfmr.unsqueeze %hn {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %shape4 = xfmr.concat %dims#0, %s1n, %dims#2, %dims#3 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %shape5 = xfmr.concat %dims#0, %dims#1, %two, %dims#2, %dims#3 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<5xi64>
  %kh = xfmr.transpose %k {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x16xf32>) -> tensor<?x2x?x16xf32>
  %ku = xfmr.unsqueeze %kh {axes = array<i64: 2>} : (tensor<?x2x?x16xf32>) -> tensor<?x2x1x?x16xf32>
  %ke = xfmr.expand %ku, %shape5 : (tensor<?x2x1x?x16xf32>, tensor<5xi64>) -> tensor<?x?x?x?x16xf32>
  %kr = xfmr.reshape %ke, %shape4 : (tensor<?x?x?x?x16xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %kt = xfmr.transpose %kr {permutation = array<i64: 0, 1, 3, 2>} : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %sc = xfmr.matmul %q, %kt : (tensor<?x4x?x16xf32>, tensor<?x?x?x?xf32>) -> tensor<?x4x?x?xf32>
  %ss = xfmr.mul %sc, %scale : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %p = xfmr.softmax %ss : tensor<?x4x?x?xf32>
  %vh = xfmr.transpose %v {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x16xf32>) -> tensor<?x2x?x16xf32>
  %vu = xfmr.unsqueeze %vh {axes = array<i64: 2>} : (tensor<?x2x?x16xf32>) -> tensor<?x2x1x?x16xf32>
  %ve = xfmr.expand %vu, %shape5 : (tensor<?x2x1x?x16xf32>, tensor<5xi64>) -> tensor<?x?x?x?x16xf32>
  %vr = xfmr.reshape %ve, %shape4 : (tensor<?x?x?x?x16xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %o = xfmr.matmul %p, %vr : (tensor<?x4x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x4x?x?xf32>
  return %o : tensor<?x4x?x?xf32>
}

// -----

// ViT (no mask), multi-query keys broadcast by expand, a scale by division.

// CHECK-LABEL: func.func @mqa_expand(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<2x4x17x16xf32>, %[[K:[^:]+]]: tensor<2x1x17x16xf32>, %[[V:[^:]+]]: tensor<2x1x17x16xf32>
// CHECK: %[[O:.+]] = xfmr.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f32} : (tensor<2x4x17x16xf32>, tensor<2x1x17x16xf32>, tensor<2x1x17x16xf32>) -> tensor<2x4x17x16xf32>
func.func @mqa_expand(%q: tensor<2x4x17x16xf32>, %k: tensor<2x1x17x16xf32>, %v: tensor<2x1x17x16xf32>) -> tensor<2x4x17x16xf32> {
  %shape = xfmr.constant dense<[2, 4, 17, 16]> : tensor<4xi64>
  %c = xfmr.constant dense<4.000000e+00> : tensor<f32>
  %ke = xfmr.expand %k, %shape : (tensor<2x1x17x16xf32>, tensor<4xi64>) -> tensor<2x4x17x16xf32>
  %ve = xfmr.expand %v, %shape : (tensor<2x1x17x16xf32>, tensor<4xi64>) -> tensor<2x4x17x16xf32>
  %kt = xfmr.transpose %ke {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x4x17x16xf32>) -> tensor<2x4x16x17xf32>
  %s = xfmr.matmul %q, %kt : (tensor<2x4x17x16xf32>, tensor<2x4x16x17xf32>) -> tensor<2x4x17x17xf32>
  %ss = xfmr.div %s, %c : (tensor<2x4x17x17xf32>, tensor<f32>) -> tensor<2x4x17x17xf32>
  %p = xfmr.softmax %ss {axis = -1 : i64} : tensor<2x4x17x17xf32>
  %o = xfmr.matmul %p, %ve : (tensor<2x4x17x17xf32>, tensor<2x4x17x16xf32>) -> tensor<2x4x17x16xf32>
  return %o : tensor<2x4x17x16xf32>
}

// -----

// masked_fill(scores, drop, -inf) keeps where drop is false; a Trilu of
// ones is the causal triangle.

// CHECK-LABEL: func.func @masked_fill_trilu(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x2x8x16xf32>, %[[K:[^:]+]]: tensor<1x2x8x16xf32>, %[[V:[^:]+]]: tensor<1x2x8x16xf32>, %[[DROP:[^:]+]]: tensor<1x1x1x8xi1>
// CHECK: %[[KEEP:.+]] = xfmr.not %[[DROP]]
// CHECK-NEXT: %[[O:.+]] = xfmr.attention %[[Q]], %[[K]], %[[V]] mask %[[KEEP]] {is_causal, scale = 1.000000e+00 : f32}
func.func @masked_fill_trilu(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %drop: tensor<1x1x1x8xi1>) -> tensor<1x2x8x16xf32> {
  %ones = xfmr.constant dense<1.000000e+00> : tensor<8x8xf32>
  %zero = xfmr.constant dense<0.000000e+00> : tensor<f32>
  %ninf = xfmr.constant dense<0xFF800000> : tensor<f32>
  %tri = xfmr.trilu %ones {upper = false} : (tensor<8x8xf32>) -> tensor<8x8xf32>
  %hidden = xfmr.equal %tri, %zero : (tensor<8x8xf32>, tensor<f32>) -> tensor<8x8xi1>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = xfmr.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %s1 = xfmr.where %drop, %ninf, %s : (tensor<1x1x1x8xi1>, tensor<f32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s2 = xfmr.where %hidden, %ninf, %s1 : (tensor<8x8xi1>, tensor<f32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = xfmr.softmax %s2 : tensor<1x2x8x8xf32>
  %o = xfmr.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// A constant boolean mask that is not the causal triangle (here it hides the
// diagonal) stays an explicit mask.

// CHECK-LABEL: func.func @not_triangular(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x1x3x4xf32>, %[[K:[^:]+]]: tensor<1x1x3x4xf32>, %[[V:[^:]+]]: tensor<1x1x3x4xf32>
// CHECK: %[[M:.+]] = xfmr.constant dense<{{.*}}> : tensor<3x3xi1>
// CHECK: %[[O:.+]] = xfmr.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] {scale = 5.000000e-01 : f32}
// CHECK-NOT: is_causal
func.func @not_triangular(%q: tensor<1x1x3x4xf32>, %k: tensor<1x1x3x4xf32>, %v: tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32> {
  %keep = xfmr.constant dense<[[false, false, false], [true, false, false], [true, true, false]]> : tensor<3x3xi1>
  %zero = xfmr.constant dense<0.000000e+00> : tensor<f32>
  %ninf = xfmr.constant dense<0xFF800000> : tensor<f32>
  %c = xfmr.constant dense<5.000000e-01> : tensor<f32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<1x1x3x4xf32>) -> tensor<1x1x4x3xf32>
  %s = xfmr.matmul %q, %kt : (tensor<1x1x3x4xf32>, tensor<1x1x4x3xf32>) -> tensor<1x1x3x3xf32>
  %ss = xfmr.mul %c, %s : (tensor<f32>, tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  %mask = xfmr.where %keep, %zero, %ninf : (tensor<3x3xi1>, tensor<f32>, tensor<f32>) -> tensor<3x3xf32>
  %sm = xfmr.add %ss, %mask : (tensor<1x1x3x3xf32>, tensor<3x3xf32>) -> tensor<1x1x3x3xf32>
  %p = xfmr.softmax %sm : tensor<1x1x3x3xf32>
  %o = xfmr.matmul %p, %v : (tensor<1x1x3x3xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32>
  return %o : tensor<1x1x3x4xf32>
}

// -----

// Near misses: none of these fuse; with explain, each softmax says why.

// CHECK-LABEL: func.func @softmax_over_queries(
// CHECK: xfmr.softmax
// EXPLAIN-LABEL: func.func @softmax_over_queries(
// EXPLAIN: xfmr.softmax {{.*}}attention = ["the softmax is not over the key axis", "/attn/Softmax"]
func.func @softmax_over_queries(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = xfmr.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %p = xfmr.softmax %s {axis = 2 : i64} : tensor<1x2x8x8xf32> loc("/attn/Softmax")
  %o = xfmr.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @key_not_transposed(
// CHECK: xfmr.softmax
// EXPLAIN: attention = ["the scores are not a matmul of the query by the transposed key", "/attn/MatMul"]
func.func @key_not_transposed(%q: tensor<1x2x8x16xf32>, %kt: tensor<1x2x16x8xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %s = xfmr.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32> loc("/attn/MatMul")
  %p = xfmr.softmax %s : tensor<1x2x8x8xf32>
  %o = xfmr.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @scale_not_constant(
// CHECK: xfmr.softmax
// EXPLAIN: attention = ["the scores are scaled by a value that is not a scalar constant", "/attn/Mul"]
func.func @scale_not_constant(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %c: tensor<f32>) -> tensor<1x2x8x16xf32> {
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = xfmr.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %ss = xfmr.mul %s, %c : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32> loc("/attn/Mul")
  %p = xfmr.softmax %ss : tensor<1x2x8x8xf32>
  %o = xfmr.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// The probabilities are also returned (output_attentions).

// CHECK-LABEL: func.func @probabilities_returned(
// CHECK: xfmr.softmax
// EXPLAIN: attention = ["the probabilities have another user", "/attn/Softmax"]
func.func @probabilities_returned(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>) {
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = xfmr.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %p = xfmr.softmax %s : tensor<1x2x8x8xf32> loc("/attn/Softmax")
  %o = xfmr.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o, %p : tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>
}

// -----

// The key's head count is not known to be the query's.

// CHECK-LABEL: func.func @heads_mismatch(
// CHECK: xfmr.softmax
// EXPLAIN: attention = ["the query, key and value head counts do not match", "/attn/MatMul"]
func.func @heads_mismatch(%q: tensor<1x4x8x16xf32>, %k: tensor<1x?x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<1x?x8x16xf32>) -> tensor<1x?x16x8xf32>
  %s = xfmr.matmul %q, %kt : (tensor<1x4x8x16xf32>, tensor<1x?x16x8xf32>) -> tensor<1x4x8x8xf32> loc("/attn/MatMul")
  %p = xfmr.softmax %s : tensor<1x4x8x8xf32>
  %o = xfmr.matmul %p, %v : (tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// Query and key batches from unrelated inputs could broadcast.

// CHECK-LABEL: func.func @batch_unproven(
// CHECK: xfmr.softmax
// EXPLAIN: attention = ["the batch sizes of the query, key and value are not provably equal", "/attn/MatMul"]
func.func @batch_unproven(%q: tensor<?x2x8x16xf32>, %k: tensor<?x2x8x16xf32>, %v: tensor<?x2x8x16xf32>) -> tensor<?x2x8x16xf32> {
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<?x2x8x16xf32>) -> tensor<?x2x16x8xf32>
  %s = xfmr.matmul %q, %kt : (tensor<?x2x8x16xf32>, tensor<?x2x16x8xf32>) -> tensor<?x2x8x8xf32> loc("/attn/MatMul")
  %p = xfmr.softmax %s : tensor<?x2x8x8xf32>
  %o = xfmr.matmul %p, %v : (tensor<?x2x8x8xf32>, tensor<?x2x8x16xf32>) -> tensor<?x2x8x16xf32>
  return %o : tensor<?x2x8x16xf32>
}

// -----

// The value's batch is read from the wrong piece of a split shape (its
// sequence length).

// CHECK-LABEL: func.func @split_shape_wrong_piece(
// CHECK: xfmr.softmax
// EXPLAIN: attention = ["the batch sizes of the query, key and value are not provably equal", "/attn/MatMul"]
func.func @split_shape_wrong_piece(%q: tensor<?x2x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %k: tensor<?x2x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %v: tensor<?x2x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}) -> tensor<?x2x?x16xf32> {
  %vshape = xfmr.shape %v : (tensor<?x2x?x16xf32>) -> tensor<4xi64>
  %dims:4 = xfmr.split %vshape {axis = 0 : i64, sizes = array<i64: 1, 1, 1, 1>} : (tensor<4xi64>) -> (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>)
  %shape = xfmr.concat %dims#2, %dims#1, %dims#2, %dims#3 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %vr = xfmr.reshape %v, %shape : (tensor<?x2x?x16xf32>, tensor<4xi64>) -> tensor<?x2x?x16xf32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<?x2x?x16xf32>) -> tensor<?x2x16x?xf32>
  %s = xfmr.matmul %q, %kt : (tensor<?x2x?x16xf32>, tensor<?x2x16x?xf32>) -> tensor<?x2x?x?xf32> loc("/attn/MatMul")
  %p = xfmr.softmax %s : tensor<?x2x?x?xf32>
  %o = xfmr.matmul %p, %vr : (tensor<?x2x?x?xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32>
  return %o : tensor<?x2x?x16xf32>
}

// -----

// The mask's batch could be larger than the scores'.

// CHECK-LABEL: func.func @mask_does_not_broadcast(
// CHECK: xfmr.softmax
// EXPLAIN: attention = ["the mask's shape [?,1,1,8] does not broadcast to the scores [2,2,8,8]", "/attn/Mask"]
func.func @mask_does_not_broadcast(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %m: tensor<?x1x1x8xf32>) -> tensor<2x2x8x16xf32> {
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x2x8x16xf32>) -> tensor<2x2x16x8xf32>
  %s = xfmr.matmul %q, %kt : (tensor<2x2x8x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x8x8xf32>
  %mask = xfmr.neg %m : tensor<?x1x1x8xf32> loc("/attn/Mask")
  %sm = xfmr.add %s, %mask : (tensor<2x2x8x8xf32>, tensor<?x1x1x8xf32>) -> tensor<2x2x8x8xf32>
  %p = xfmr.softmax %sm : tensor<2x2x8x8xf32>
  %o = xfmr.matmul %p, %v : (tensor<2x2x8x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

// -----

// An additive mask added before the scale would be scaled too.

// CHECK-LABEL: func.func @mask_before_scale(
// CHECK: xfmr.softmax
// EXPLAIN: attention = ["the mask is added before the scale", "/attn/Add"]
func.func @mask_before_scale(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xf32>) -> tensor<1x2x8x16xf32> {
  %c = xfmr.constant dense<2.500000e-01> : tensor<f32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = xfmr.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %sm = xfmr.add %s, %m : (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32> loc("/attn/Add")
  %ss = xfmr.mul %sm, %c : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %p = xfmr.softmax %ss : tensor<1x2x8x8xf32>
  %o = xfmr.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// A masked_fill with a finite value is not a keep mask.

// CHECK-LABEL: func.func @masked_fill_finite(
// CHECK: xfmr.softmax
// EXPLAIN: attention = ["the scores are masked with a value other than -inf", "/attn/Where"]
func.func @masked_fill_finite(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %drop: tensor<1x1x1x8xi1>) -> tensor<1x2x8x16xf32> {
  %fill = xfmr.constant dense<-1.000000e+04> : tensor<f32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = xfmr.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %sm = xfmr.where %drop, %fill, %s : (tensor<1x1x1x8xi1>, tensor<f32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> loc("/attn/Where")
  %p = xfmr.softmax %sm : tensor<1x2x8x8xf32>
  %o = xfmr.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// A mask typed `?` where the graph proves a 1 gets its precise type: the op
// reads a dynamic mask dim as the scores' whole dim.

// CHECK-LABEL: func.func @mask_type_refined(
// CHECK: %[[M:.+]] = xfmr.reshape
// CHECK: %[[C:.+]] = tensor.cast %[[M]] : tensor<?x?x?x?xi1> to tensor<?x1x1x?xi1>
// CHECK: xfmr.attention %{{.+}}, %{{.+}}, %{{.+}} mask %[[C]]
func.func @mask_type_refined(%q: tensor<?x2x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %k: tensor<?x2x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %v: tensor<?x2x?x16xf32> {xfmr.dims = ["batch", "", "sequence", ""]}, %pad: tensor<?x?xi1> {xfmr.dims = ["batch", "sequence"]}) -> tensor<?x2x?x16xf32> {
  %one = xfmr.constant dense<1> : tensor<1xi64>
  %b = xfmr.shape %pad {end = 1 : i64, start = 0 : i64} : (tensor<?x?xi1>) -> tensor<1xi64>
  %s = xfmr.shape %pad {end = 2 : i64, start = 1 : i64} : (tensor<?x?xi1>) -> tensor<1xi64>
  %shape = xfmr.concat %b, %one, %one, %s {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %keep = xfmr.reshape %pad, %shape : (tensor<?x?xi1>, tensor<4xi64>) -> tensor<?x?x?x?xi1>
  %zero = xfmr.constant dense<0.000000e+00> : tensor<f32>
  %ninf = xfmr.constant dense<0xFF800000> : tensor<f32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<?x2x?x16xf32>) -> tensor<?x2x16x?xf32>
  %sc = xfmr.matmul %q, %kt : (tensor<?x2x?x16xf32>, tensor<?x2x16x?xf32>) -> tensor<?x2x?x?xf32>
  %mask = xfmr.where %keep, %zero, %ninf : (tensor<?x?x?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?x?x?xf32>
  %sm = xfmr.add %sc, %mask : (tensor<?x2x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = xfmr.softmax %sm : tensor<?x2x?x?xf32>
  %o = xfmr.matmul %p, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32>
  return %o : tensor<?x2x?x16xf32>
}

// -----

// BLOOM's ALiBi attention, as both exporters write it: the heads merged into
// the batch, scores by baddbmm (q · kᵀ scaled, plus the bias [B * H, 1, T]
// built as slopes [H, 1] times positions [B, 1, T], times beta 1), then split
// back and masked; the probabilities merged again for the product with the
// values. One xfmr.attention with the slopes as [H] and the positions as
// [B, T].

// CHECK-LABEL: func.func @bloom_alibi(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<2x4x16x8xf32>, %[[K:[^:]+]]: tensor<2x4x16x8xf32>, %[[V:[^:]+]]: tensor<2x4x16x8xf32>, %[[POS:[^:]+]]: tensor<2x16xf32>, %[[MASK:[^:]+]]: tensor<2x1x16x16xf32>
// CHECK: %[[SLOPES:.+]] = xfmr.constant dense<[2.500000e-01, 6.250000e-02, 1.562500e-02, 3.906250e-03]> : tensor<4xf32>
// CHECK: %[[P1:.+]] = xfmr.unsqueeze %[[POS]]
// CHECK: %[[P:.+]] = xfmr.squeeze %[[P1]] {axes = array<i64: 1>} : (tensor<2x1x16xf32>) -> tensor<2x16xf32>
// CHECK-NEXT: %[[O:.+]] = xfmr.attention %[[Q]], %[[K]], %[[V]] mask %[[MASK]] alibi %[[SLOPES]], %[[P]] {scale = 0.353553414 : f32} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x1x16x16xf32>, tensor<4xf32>, tensor<2x16xf32>) -> tensor<2x4x16x8xf32>
// CHECK-NEXT: return %[[O]]
// EXPLAIN-LABEL: func.func @bloom_alibi(
// EXPLAIN-NOT: fusion_missed
func.func @bloom_alibi(%q: tensor<2x4x16x8xf32>, %k: tensor<2x4x16x8xf32>, %v: tensor<2x4x16x8xf32>, %pos: tensor<2x16xf32>, %mask: tensor<2x1x16x16xf32>) -> tensor<2x4x16x8xf32> {
  %slopes = xfmr.constant dense<[[2.5e-01], [6.25e-02], [1.5625e-02], [3.90625e-03]]> : tensor<4x1xf32>
  %flat = xfmr.constant dense<[8, 16, 8]> : tensor<3xi64>
  %flatScores = xfmr.constant dense<[8, 16, 16]> : tensor<3xi64>
  %biasShape = xfmr.constant dense<[8, 1, 16]> : tensor<3xi64>
  %splitScores = xfmr.constant dense<[2, 4, 16, 16]> : tensor<4xi64>
  %split = xfmr.constant dense<[2, 4, 16, 8]> : tensor<4xi64>
  %scale = xfmr.constant dense<3.535534e-01> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %p1 = xfmr.unsqueeze %pos {axes = array<i64: 1>} : (tensor<2x16xf32>) -> tensor<2x1x16xf32>
  %alibi3 = xfmr.mul %p1, %slopes : (tensor<2x1x16xf32>, tensor<4x1xf32>) -> tensor<2x4x16xf32>
  %alibi = xfmr.reshape %alibi3, %biasShape : (tensor<2x4x16xf32>, tensor<3xi64>) -> tensor<8x1x16xf32>
  %beta = xfmr.mul %alibi, %one : (tensor<8x1x16xf32>, tensor<f32>) -> tensor<8x1x16xf32>
  %q3 = xfmr.reshape %q, %flat : (tensor<2x4x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %k3 = xfmr.reshape %k, %flat : (tensor<2x4x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %kt = xfmr.transpose %k3 {permutation = array<i64: 0, 2, 1>} : (tensor<8x16x8xf32>) -> tensor<8x8x16xf32>
  %v3 = xfmr.reshape %v, %flat : (tensor<2x4x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %s = xfmr.matmul %q3, %kt : (tensor<8x16x8xf32>, tensor<8x8x16xf32>) -> tensor<8x16x16xf32>
  %ss = xfmr.mul %s, %scale : (tensor<8x16x16xf32>, tensor<f32>) -> tensor<8x16x16xf32>
  %sb = xfmr.add %ss, %beta : (tensor<8x16x16xf32>, tensor<8x1x16xf32>) -> tensor<8x16x16xf32>
  %s4 = xfmr.reshape %sb, %splitScores : (tensor<8x16x16xf32>, tensor<4xi64>) -> tensor<2x4x16x16xf32>
  %sm = xfmr.add %s4, %mask : (tensor<2x4x16x16xf32>, tensor<2x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %p = xfmr.softmax %sm : tensor<2x4x16x16xf32>
  %p3 = xfmr.reshape %p, %flatScores : (tensor<2x4x16x16xf32>, tensor<3xi64>) -> tensor<8x16x16xf32>
  %o3 = xfmr.matmul %p3, %v3 : (tensor<8x16x16xf32>, tensor<8x16x8xf32>) -> tensor<8x16x8xf32>
  %o = xfmr.reshape %o3, %split : (tensor<8x16x8xf32>, tensor<4xi64>) -> tensor<2x4x16x8xf32>
  return %o : tensor<2x4x16x8xf32>
}

// -----

// An ALiBi bias on 4-D scores ([H, 1, 1] slopes times [B, 1, 1, T]
// positions), scaled with the scores: the slopes take the scale.

// CHECK-LABEL: func.func @alibi_4d(
// CHECK: %[[HALF:.+]] = xfmr.constant dense<5.000000e-01> : tensor<f32>
// CHECK: %[[SLOPES:.+]] = xfmr.mul %{{.+}}, %[[HALF]] : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK: %[[P:.+]] = xfmr.squeeze %arg3 {axes = array<i64: 1, 2>} : (tensor<2x1x1x16xf32>) -> tensor<2x16xf32>
// CHECK-NEXT: %[[O:.+]] = xfmr.attention %arg0, %arg1, %arg2 alibi %[[SLOPES]], %[[P]] {scale = 5.000000e-01 : f32}
// CHECK-NEXT: return %[[O]]
// EXPLAIN-LABEL: func.func @alibi_4d(
// EXPLAIN-NOT: fusion_missed
func.func @alibi_4d(%q: tensor<2x4x16x8xf32>, %k: tensor<2x4x16x8xf32>, %v: tensor<2x4x16x8xf32>, %pos: tensor<2x1x1x16xf32>) -> tensor<2x4x16x8xf32> {
  %slopes = xfmr.constant dense<[[[5.0e-01]], [[2.5e-01]], [[1.25e-01]], [[6.25e-02]]]> : tensor<4x1x1xf32>
  %scale = xfmr.constant dense<5.0e-01> : tensor<f32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x4x16x8xf32>) -> tensor<2x4x8x16xf32>
  %s = xfmr.matmul %q, %kt : (tensor<2x4x16x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x16x16xf32>
  %alibi = xfmr.mul %slopes, %pos : (tensor<4x1x1xf32>, tensor<2x1x1x16xf32>) -> tensor<2x4x1x16xf32>
  %sb = xfmr.add %s, %alibi : (tensor<2x4x16x16xf32>, tensor<2x4x1x16xf32>) -> tensor<2x4x16x16xf32>
  %ss = xfmr.mul %sb, %scale : (tensor<2x4x16x16xf32>, tensor<f32>) -> tensor<2x4x16x16xf32>
  %p = xfmr.softmax %ss : tensor<2x4x16x16xf32>
  %o = xfmr.matmul %p, %v : (tensor<2x4x16x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %o : tensor<2x4x16x8xf32>
}

// -----

// Near miss: with the heads merged into the batch, only an ALiBi bias may be
// added to the scores.

// CHECK-LABEL: func.func @flat_bias_not_alibi(
// CHECK: xfmr.softmax
// EXPLAIN-LABEL: func.func @flat_bias_not_alibi(
// EXPLAIN: attention = ["the scores with the heads merged into the batch have an additive term that is not an ALiBi bias", ""]
func.func @flat_bias_not_alibi(%q: tensor<2x4x16x8xf32>, %k: tensor<2x4x16x8xf32>, %v: tensor<2x4x16x8xf32>, %bias: tensor<8x16x16xf32>) -> tensor<2x4x16x8xf32> {
  %flat = xfmr.constant dense<[8, 16, 8]> : tensor<3xi64>
  %flatScores = xfmr.constant dense<[8, 16, 16]> : tensor<3xi64>
  %splitScores = xfmr.constant dense<[2, 4, 16, 16]> : tensor<4xi64>
  %split = xfmr.constant dense<[2, 4, 16, 8]> : tensor<4xi64>
  %q3 = xfmr.reshape %q, %flat : (tensor<2x4x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %k3 = xfmr.reshape %k, %flat : (tensor<2x4x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %kt = xfmr.transpose %k3 {permutation = array<i64: 0, 2, 1>} : (tensor<8x16x8xf32>) -> tensor<8x8x16xf32>
  %v3 = xfmr.reshape %v, %flat : (tensor<2x4x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %s = xfmr.matmul %q3, %kt : (tensor<8x16x8xf32>, tensor<8x8x16xf32>) -> tensor<8x16x16xf32>
  %sb = xfmr.add %s, %bias : (tensor<8x16x16xf32>, tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %s4 = xfmr.reshape %sb, %splitScores : (tensor<8x16x16xf32>, tensor<4xi64>) -> tensor<2x4x16x16xf32>
  %p = xfmr.softmax %s4 : tensor<2x4x16x16xf32>
  %p3 = xfmr.reshape %p, %flatScores : (tensor<2x4x16x16xf32>, tensor<3xi64>) -> tensor<8x16x16xf32>
  %o3 = xfmr.matmul %p3, %v3 : (tensor<8x16x16xf32>, tensor<8x16x8xf32>) -> tensor<8x16x8xf32>
  %o = xfmr.reshape %o3, %split : (tensor<8x16x8xf32>, tensor<4xi64>) -> tensor<2x4x16x8xf32>
  return %o : tensor<2x4x16x8xf32>
}

// -----

// Near miss: the output is split back into [4, 2] instead of the query's
// batch and heads [2, 4].

// CHECK-LABEL: func.func @flat_output_heads_swapped(
// CHECK: xfmr.softmax
// EXPLAIN-LABEL: func.func @flat_output_heads_swapped(
// EXPLAIN: attention = ["the heads merged into the batch are not provably the query's", ""]
func.func @flat_output_heads_swapped(%q: tensor<2x4x16x8xf32>, %k: tensor<2x4x16x8xf32>, %v: tensor<2x4x16x8xf32>) -> tensor<4x2x16x8xf32> {
  %flat = xfmr.constant dense<[8, 16, 8]> : tensor<3xi64>
  %flatScores = xfmr.constant dense<[8, 16, 16]> : tensor<3xi64>
  %splitScores = xfmr.constant dense<[2, 4, 16, 16]> : tensor<4xi64>
  %split = xfmr.constant dense<[4, 2, 16, 8]> : tensor<4xi64>
  %q3 = xfmr.reshape %q, %flat : (tensor<2x4x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %k3 = xfmr.reshape %k, %flat : (tensor<2x4x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %kt = xfmr.transpose %k3 {permutation = array<i64: 0, 2, 1>} : (tensor<8x16x8xf32>) -> tensor<8x8x16xf32>
  %v3 = xfmr.reshape %v, %flat : (tensor<2x4x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %s = xfmr.matmul %q3, %kt : (tensor<8x16x8xf32>, tensor<8x8x16xf32>) -> tensor<8x16x16xf32>
  %s4 = xfmr.reshape %s, %splitScores : (tensor<8x16x16xf32>, tensor<4xi64>) -> tensor<2x4x16x16xf32>
  %p = xfmr.softmax %s4 : tensor<2x4x16x16xf32>
  %p3 = xfmr.reshape %p, %flatScores : (tensor<2x4x16x16xf32>, tensor<3xi64>) -> tensor<8x16x16xf32>
  %o3 = xfmr.matmul %p3, %v3 : (tensor<8x16x16xf32>, tensor<8x16x8xf32>) -> tensor<8x16x8xf32>
  %o = xfmr.reshape %o3, %split : (tensor<8x16x8xf32>, tensor<4xi64>) -> tensor<4x2x16x8xf32>
  return %o : tensor<4x2x16x8xf32>
}

// -----

// Near miss: the positions' batch is another input's dim, not provably the
// query's.

// CHECK-LABEL: func.func @alibi_positions_other_batch(
// CHECK: xfmr.softmax
// EXPLAIN-LABEL: func.func @alibi_positions_other_batch(
// EXPLAIN: attention = ["the ALiBi positions' batch is not provably the query's", ""]
func.func @alibi_positions_other_batch(%q: tensor<?x4x16x8xf32> {xfmr.dims = ["batch", "", "", ""]}, %k: tensor<?x4x16x8xf32> {xfmr.dims = ["batch", "", "", ""]}, %v: tensor<?x4x16x8xf32> {xfmr.dims = ["batch", "", "", ""]}, %pos: tensor<?x1x1x16xf32> {xfmr.dims = ["other", "", "", ""]}) -> tensor<?x4x16x8xf32> {
  %slopes = xfmr.constant dense<[[[5.0e-01]], [[2.5e-01]], [[1.25e-01]], [[6.25e-02]]]> : tensor<4x1x1xf32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<?x4x16x8xf32>) -> tensor<?x4x8x16xf32>
  %s = xfmr.matmul %q, %kt : (tensor<?x4x16x8xf32>, tensor<?x4x8x16xf32>) -> tensor<?x4x16x16xf32>
  %alibi = xfmr.mul %slopes, %pos : (tensor<4x1x1xf32>, tensor<?x1x1x16xf32>) -> tensor<?x4x1x16xf32>
  %sb = xfmr.add %s, %alibi : (tensor<?x4x16x16xf32>, tensor<?x4x1x16xf32>) -> tensor<?x4x16x16xf32>
  %p = xfmr.softmax %sb : tensor<?x4x16x16xf32>
  %o = xfmr.matmul %p, %v : (tensor<?x4x16x16xf32>, tensor<?x4x16x8xf32>) -> tensor<?x4x16x8xf32>
  return %o : tensor<?x4x16x8xf32>
}

// -----

// Grouped-query decoding as torch's SDPA with enable_gqa is traced for one
// new token: the query [B, Hq, 1, D] reshaped to [B, Hkv, G, D] (one row
// per query head of a group) against the un-repeated keys, the product
// with the values split back to [B, Hq, 1, D]. The op gets the 4-D query.

// CHECK-LABEL: func.func @gqa_decode_folded(
// CHECK-NOT: xfmr.softmax
// CHECK: %[[O:.+]] = xfmr.attention %arg0, %arg1, %arg2 mask %arg3 {scale = 2.500000e-01 : f32} : (tensor<2x4x1x16xf32>, tensor<2x2x9x16xf32>, tensor<2x2x9x16xf32>, tensor<1x1x1x9xf32>) -> tensor<2x4x1x16xf32>
// CHECK-NEXT: return %[[O]]
// EXPLAIN-LABEL: func.func @gqa_decode_folded(
// EXPLAIN-NOT: fusion_missed
func.func @gqa_decode_folded(%q: tensor<2x4x1x16xf32>, %k: tensor<2x2x9x16xf32>, %v: tensor<2x2x9x16xf32>, %m: tensor<1x1x1x9xf32>) -> tensor<2x4x1x16xf32> {
  %fold = xfmr.constant dense<[2, 2, 2, 16]> : tensor<4xi64>
  %split = xfmr.constant dense<[2, -1, 1, 16]> : tensor<4xi64>
  %scale = xfmr.constant dense<5.000000e-01> : tensor<f32>
  %qf = xfmr.reshape %q, %fold : (tensor<2x4x1x16xf32>, tensor<4xi64>) -> tensor<2x2x2x16xf32>
  %qs = xfmr.mul %qf, %scale : (tensor<2x2x2x16xf32>, tensor<f32>) -> tensor<2x2x2x16xf32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x2x9x16xf32>) -> tensor<2x2x16x9xf32>
  %kts = xfmr.mul %kt, %scale : (tensor<2x2x16x9xf32>, tensor<f32>) -> tensor<2x2x16x9xf32>
  %s = xfmr.matmul %qs, %kts : (tensor<2x2x2x16xf32>, tensor<2x2x16x9xf32>) -> tensor<2x2x2x9xf32>
  %sm = xfmr.add %s, %m : (tensor<2x2x2x9xf32>, tensor<1x1x1x9xf32>) -> tensor<2x2x2x9xf32>
  %p = xfmr.softmax %sm : tensor<2x2x2x9xf32>
  %o = xfmr.matmul %p, %v : (tensor<2x2x2x9xf32>, tensor<2x2x9x16xf32>) -> tensor<2x2x2x16xf32>
  %os = xfmr.reshape %o, %split : (tensor<2x2x2x16xf32>, tensor<4xi64>) -> tensor<2x4x1x16xf32>
  return %os : tensor<2x4x1x16xf32>
}


// -----

// Near miss: a mask that varies along the folded rows differs between the
// heads of a group.

// CHECK-LABEL: func.func @gqa_folded_mask_per_row(
// CHECK: xfmr.softmax
// EXPLAIN-LABEL: func.func @gqa_folded_mask_per_row(
// EXPLAIN: attention = ["the mask's shape [1,1,2,9] does not broadcast to the scores [2,2,2,9]", ""]

func.func @gqa_folded_mask_per_row(%q: tensor<2x4x1x16xf32>, %k: tensor<2x2x9x16xf32>, %v: tensor<2x2x9x16xf32>, %m: tensor<1x1x2x9xf32>) -> tensor<2x4x1x16xf32> {
  %fold = xfmr.constant dense<[2, 2, 2, 16]> : tensor<4xi64>
  %split = xfmr.constant dense<[2, -1, 1, 16]> : tensor<4xi64>
  %qf = xfmr.reshape %q, %fold : (tensor<2x4x1x16xf32>, tensor<4xi64>) -> tensor<2x2x2x16xf32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x2x9x16xf32>) -> tensor<2x2x16x9xf32>
  %s = xfmr.matmul %qf, %kt : (tensor<2x2x2x16xf32>, tensor<2x2x16x9xf32>) -> tensor<2x2x2x9xf32>
  %sm = xfmr.add %s, %m : (tensor<2x2x2x9xf32>, tensor<1x1x2x9xf32>) -> tensor<2x2x2x9xf32>
  %p = xfmr.softmax %sm : tensor<2x2x2x9xf32>
  %o = xfmr.matmul %p, %v : (tensor<2x2x2x9xf32>, tensor<2x2x9x16xf32>) -> tensor<2x2x2x16xf32>
  %os = xfmr.reshape %o, %split : (tensor<2x2x2x16xf32>, tensor<4xi64>) -> tensor<2x4x1x16xf32>
  return %os : tensor<2x4x1x16xf32>
}


// -----

// Near miss: the product is not split back into the query's heads.

// CHECK-LABEL: func.func @gqa_folded_split_wrong(
// CHECK: xfmr.softmax
// EXPLAIN-LABEL: func.func @gqa_folded_split_wrong(
// EXPLAIN: attention = ["the grouped query's product with the values is not split back into the query heads", ""]

func.func @gqa_folded_split_wrong(%q: tensor<2x4x1x16xf32>, %k: tensor<2x2x9x16xf32>, %v: tensor<2x2x9x16xf32>) -> tensor<2x1x4x16xf32> {
  %fold = xfmr.constant dense<[2, 2, 2, 16]> : tensor<4xi64>
  %split = xfmr.constant dense<[2, 1, 4, 16]> : tensor<4xi64>
  %qf = xfmr.reshape %q, %fold : (tensor<2x4x1x16xf32>, tensor<4xi64>) -> tensor<2x2x2x16xf32>
  %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : (tensor<2x2x9x16xf32>) -> tensor<2x2x16x9xf32>
  %s = xfmr.matmul %qf, %kt : (tensor<2x2x2x16xf32>, tensor<2x2x16x9xf32>) -> tensor<2x2x2x9xf32>
  %p = xfmr.softmax %s : tensor<2x2x2x9xf32>
  %o = xfmr.matmul %p, %v : (tensor<2x2x2x9xf32>, tensor<2x2x9x16xf32>) -> tensor<2x2x2x16xf32>
  %os = xfmr.reshape %o, %split : (tensor<2x2x2x16xf32>, tensor<4xi64>) -> tensor<2x1x4x16xf32>
  return %os : tensor<2x1x4x16xf32>
}
