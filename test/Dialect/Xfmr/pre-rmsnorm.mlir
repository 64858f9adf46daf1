// RUN: xfmr-opt %s --xfmr-pre-rmsnorm --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --xfmr-pre-rmsnorm="explain=true" --split-input-file | FileCheck %s --check-prefix=EXPLAIN

// A Pre-LN stream as GPT-2's TorchScript export writes it before fusion:
// token and position embeddings, then a 2-D matmul + bias between reshapes
// added back. Every write is recentred over its output axis: the tables'
// rows, the weight's rows ([K, N] layout: over N), the bias.

// CHECK-LABEL: func.func @gpt2_raw
// CHECK-DAG:     %[[WTE:.*]] = xfmr.constant dense<{{\[\[}}-2.000000e+00, -1.000000e+00, 0.000000e+00, 3.000000e+00], [-1.000000e+00, -1.000000e+00, -1.000000e+00, 3.000000e+00]]> : tensor<2x4xf32>
// CHECK-DAG:     %[[WPE:.*]] = xfmr.constant dense<{{\[\[}}0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [-3.000000e+00, -1.000000e+00, 1.000000e+00, 3.000000e+00], [3.000000e+00, -1.000000e+00, -1.000000e+00, -1.000000e+00]]> : tensor<3x4xf32>
// CHECK-DAG:     %[[W:.*]] = xfmr.constant dense<{{\[\[}}-1.000000e+00, 0.000000e+00, 1.000000e+00, 0.000000e+00], [-1.000000e+00, -1.000000e+00, -1.000000e+00, 3.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [-1.000000e+00, -1.000000e+00, -1.000000e+00, 3.000000e+00]]> : tensor<4x4xf32>
// CHECK-DAG:     %[[C:.*]] = xfmr.constant dense<[-2.000000e+00, -1.000000e+00, 0.000000e+00, 3.000000e+00]> : tensor<4xf32>
// CHECK-DAG:     %[[G:.*]] = xfmr.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-DAG:     %[[B:.*]] = xfmr.constant dense<5.000000e-01> : tensor<4xf32>
// CHECK:         %[[E:.*]] = xfmr.gather %[[WTE]], %arg0
// CHECK:         %[[P:.*]] = xfmr.gather %[[WPE]], %arg1
// CHECK:         %[[H0:.*]] = xfmr.add %[[E]], %[[P]]
// CHECK:         %[[N0:.*]] = xfmr.rms_norm %[[H0]], %[[G]], %[[B]] :
// CHECK:         %[[M:.*]] = xfmr.matmul %{{.*}}, %[[W]]
// CHECK:         xfmr.add %[[M]], %[[C]]
// CHECK:         %[[H1:.*]] = xfmr.add %{{.*}}, %[[H0]]
// CHECK:         %[[N1:.*]] = xfmr.rms_norm %[[H1]], %[[G]], %[[B]] :
// CHECK-NOT:     xfmr.layer_norm
// CHECK:         return %[[N1]]
// EXPLAIN-LABEL: func.func @gpt2_raw
// EXPLAIN-NOT:     xfmr.fusion_missed
func.func @gpt2_raw(%ids: tensor<2x3xi64>, %pos: tensor<1x3xi64>) -> tensor<2x3x4xf32> {
  %wte = xfmr.constant dense<[[1.0, 2.0, 3.0, 6.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<2x4xf32>
  %wpe = xfmr.constant dense<[[1.0, 1.0, 1.0, 1.0], [0.0, 2.0, 4.0, 6.0], [4.0, 0.0, 0.0, 0.0]]> : tensor<3x4xf32>
  %g = xfmr.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %b = xfmr.constant dense<0.5> : tensor<4xf32>
  %w = xfmr.constant dense<[[1.0, 2.0, 3.0, 2.0], [0.0, 0.0, 0.0, 4.0], [2.0, 2.0, 2.0, 2.0], [1.0, 1.0, 1.0, 5.0]]> : tensor<4x4xf32>
  %c = xfmr.constant dense<[1.0, 2.0, 3.0, 6.0]> : tensor<4xf32>
  %flat = xfmr.constant dense<[6, 4]> : tensor<2xi64>
  %back = xfmr.constant dense<[2, 3, 4]> : tensor<3xi64>
  %e = xfmr.gather %wte, %ids : (tensor<2x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %p = xfmr.gather %wpe, %pos : (tensor<3x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  %h0 = xfmr.add %e, %p : (tensor<2x3x4xf32>, tensor<1x3x4xf32>) -> tensor<2x3x4xf32>
  %n0 = xfmr.layer_norm %h0, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %f = xfmr.reshape %n0, %flat : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %m = xfmr.matmul %f, %w : (tensor<6x4xf32>, tensor<4x4xf32>) -> tensor<6x4xf32>
  %mb = xfmr.add %m, %c : (tensor<6x4xf32>, tensor<4xf32>) -> tensor<6x4xf32>
  %r = xfmr.reshape %mb, %back : (tensor<6x4xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  %h1 = xfmr.add %r, %h0 : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %n1 = xfmr.layer_norm %h1, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %n1 : tensor<2x3x4xf32>
}

// -----

// The fused forms, dynamic dims: xfmr.linear in PyTorch's [N, K] layout
// (recentred over N, dim 0), xfmr.mlp's down projection and bias, and the
// final norm as a skip-norm. A weight in a resource blob gets a new blob;
// the original stays for its other user.

// CHECK-LABEL: func.func @fused_ops
// CHECK-DAG:     %[[WO:.*]] = xfmr.constant dense<{{\[\[}}-1.000000e+00, -2.000000e+00], [1.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG:     %[[BO:.*]] = xfmr.constant dense<[2.000000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[WD:.*]] = xfmr.constant dense<0.000000e+00> : tensor<8x2xf32>
// CHECK-DAG:     %[[BD:.*]] = xfmr.constant dense<[-2.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[WTE0:.*]] = xfmr.constant dense_resource<wte> : tensor<2x2xf32>
// CHECK-DAG:     %[[WTE:.*]] = xfmr.constant dense_resource<wte.recentred> : tensor<2x2xf32>
// CHECK:         %[[E:.*]] = xfmr.gather %[[WTE]], %arg0
// CHECK:         %[[N0:.*]] = xfmr.rms_norm %[[E]], %arg1, %arg2 :
// CHECK:         %[[O:.*]] = xfmr.linear %[[N0]], %[[WO]], %[[BO]] {transpose_weight}
// CHECK:         %[[H1:.*]] = xfmr.add %[[E]], %[[O]]
// CHECK:         %[[N1:.*]] = xfmr.rms_norm %[[H1]], %arg1, %arg2 :
// CHECK:         %[[Y:.*]] = xfmr.mlp %[[N1]] up %{{.*}} down %[[WD]] bias %[[BD]]
// CHECK:         %[[N2:.*]] = xfmr.rms_norm %[[H1]], %arg1, %arg2 residual %[[Y]] :
// CHECK:         %[[OTHER:.*]] = xfmr.gather %[[WTE0]], %arg0
// CHECK:         return %[[N2]], %[[OTHER]]
// CHECK:       wte: "0x040000000000803F00004040000000400000C040"
// CHECK:       wte.recentred: "0x40000000000080BF0000803F000000C000000040"
func.func @fused_ops(%ids: tensor<?x?xi64>, %g: tensor<2xf32>, %b: tensor<2xf32>) -> (tensor<?x?x2xf32>, tensor<?x?x2xf32>) {
  %wte = xfmr.constant dense_resource<wte> : tensor<2x2xf32>
  %wo = xfmr.constant dense<[[1.0, 0.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %bo = xfmr.constant dense<[4.0, 0.0]> : tensor<2xf32>
  %wu = xfmr.constant dense<1.0> : tensor<2x8xf32>
  %wd = xfmr.constant dense<1.0> : tensor<8x2xf32>
  %bd = xfmr.constant dense<[1.0, 5.0]> : tensor<2xf32>
  %e = xfmr.gather %wte, %ids : (tensor<2x2xf32>, tensor<?x?xi64>) -> tensor<?x?x2xf32>
  %n0 = xfmr.layer_norm %e, %g, %b : (tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  %o = xfmr.linear %n0, %wo, %bo {transpose_weight} : (tensor<?x?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  %h1 = xfmr.add %e, %o : (tensor<?x?x2xf32>, tensor<?x?x2xf32>) -> tensor<?x?x2xf32>
  %n1 = xfmr.layer_norm %h1, %g, %b : (tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  %y = xfmr.mlp %n1 up %wu down %wd bias %bd {activation = #xfmr<activation gelu>} : (tensor<?x?x2xf32>, tensor<2x8xf32>, tensor<8x2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  %n2 = xfmr.layer_norm %h1, %g, %b residual %y : (tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<?x?x2xf32>) -> tensor<?x?x2xf32>
  %other = xfmr.gather %wte, %ids : (tensor<2x2xf32>, tensor<?x?xi64>) -> tensor<?x?x2xf32>
  return %n2, %other : tensor<?x?x2xf32>, tensor<?x?x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      wte: "0x040000000000803F00004040000000400000C040"
    }
  }
#-}

// -----

// Post-LN (BERT): the stream is a LayerNorm's output, whose mean is not
// removable, and the embeddings' LayerNorm has no residual add after it.
// Nothing changes.

// CHECK-LABEL: func.func @post_ln
// CHECK-NOT:     xfmr.rms_norm
// EXPLAIN-LABEL: func.func @post_ln
// EXPLAIN:         xfmr.layer_norm {{.*}}xfmr.fusion_missed = {rms_norm = ["no LayerNorm reads the residual stream before a residual add: not a Pre-LN transformer", "/emb/LayerNorm"]}
// EXPLAIN:         xfmr.layer_norm {{.*}}xfmr.fusion_missed = {rms_norm = ["a write into the residual stream ('xfmr.layer_norm') is not a linear map with constant weights", "/emb/LayerNorm"]}
func.func @post_ln(%ids: tensor<2x3xi64>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %wte = xfmr.constant dense<[[1.0, 2.0, 3.0, 6.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<2x4xf32>
  %w = xfmr.constant dense<1.0> : tensor<4x4xf32>
  %e = xfmr.gather %wte, %ids : (tensor<2x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %n0 = xfmr.layer_norm %e, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32> loc("/emb/LayerNorm")
  %o = xfmr.matmul %n0, %w : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %h = xfmr.add %o, %n0 : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %n1 = xfmr.layer_norm %h, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %n1 : tensor<2x3x4xf32>
}

// -----

// Near misses in a Pre-LN block: the stream is also returned; a write's
// weight is not a constant; a write has an activation; a LayerNorm
// normalises more than the hidden axis. Each stops only its own stream.

// CHECK-LABEL: func.func @near_misses
// CHECK-NOT:     xfmr.rms_norm
// EXPLAIN-LABEL: func.func @near_misses
// EXPLAIN:         fusion_missed = {rms_norm = ["the residual stream is read by 'func.return', not only by LayerNorms", "/return"]}
// EXPLAIN:         fusion_missed = {rms_norm = ["the residual stream is read by 'func.return', not only by LayerNorms", "/return"]}
// EXPLAIN:         fusion_missed = {rms_norm = ["the weight of a write into the residual stream is not a constant", "/b/MatMul"]}
// EXPLAIN:         fusion_missed = {rms_norm = ["the weight of a write into the residual stream is not a constant", "/b/MatMul"]}
// EXPLAIN:         fusion_missed = {rms_norm = ["a linear layer into the residual stream has an activation", "/c/Linear"]}
// EXPLAIN:         fusion_missed = {rms_norm = ["a linear layer into the residual stream has an activation", "/c/Linear"]}
// EXPLAIN:         fusion_missed = {rms_norm = ["a LayerNorm over more than the hidden axis reads the residual stream", "/d/LayerNorm"]}
// EXPLAIN:         fusion_missed = {rms_norm = ["a LayerNorm over more than the hidden axis reads the residual stream", "/d/LayerNorm"]}
func.func @near_misses(%ids: tensor<2x3xi64>, %g: tensor<4xf32>, %b: tensor<4xf32>, %wa: tensor<4x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %w = xfmr.constant dense<[[1.0, 2.0, 3.0, 2.0], [0.0, 0.0, 0.0, 4.0], [2.0, 2.0, 2.0, 2.0], [1.0, 1.0, 1.0, 5.0]]> : tensor<4x4xf32>
  %g2 = xfmr.constant dense<1.0> : tensor<3x4xf32>
  // a: the stream is returned.
  %wte_a = xfmr.constant dense<[[1.0, 2.0, 3.0, 6.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<2x4xf32>
  %ea = xfmr.gather %wte_a, %ids : (tensor<2x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %na0 = xfmr.layer_norm %ea, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %oa = xfmr.matmul %na0, %w : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %ha = xfmr.add %ea, %oa : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %na1 = xfmr.layer_norm %ha, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  // b: a weight that is an argument.
  %wte_b = xfmr.constant dense<[[2.0, 2.0, 3.0, 6.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<2x4xf32>
  %eb = xfmr.gather %wte_b, %ids : (tensor<2x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %nb0 = xfmr.layer_norm %eb, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %ob = xfmr.matmul %nb0, %wa : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32> loc("/b/MatMul")
  %hb = xfmr.add %eb, %ob : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %nb1 = xfmr.layer_norm %hb, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  // c: a linear layer with an activation.
  %wte_c = xfmr.constant dense<[[3.0, 2.0, 3.0, 6.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<2x4xf32>
  %ec = xfmr.gather %wte_c, %ids : (tensor<2x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %nc0 = xfmr.layer_norm %ec, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %oc = xfmr.linear %nc0, %w {activation = #xfmr<activation relu>} : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32> loc("/c/Linear")
  %hc = xfmr.add %ec, %oc : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %nc1 = xfmr.layer_norm %hc, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  // d: the last norm is over the last two axes.
  %wte_d = xfmr.constant dense<[[4.0, 2.0, 3.0, 6.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<2x4xf32>
  %ed = xfmr.gather %wte_d, %ids : (tensor<2x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %nd0 = xfmr.layer_norm %ed, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %od = xfmr.matmul %nd0, %w : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %hd = xfmr.add %ed, %od : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %nd1 = xfmr.layer_norm %hd, %g2 {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32> loc("/d/LayerNorm")
  %nd2 = xfmr.layer_norm %hd, %g, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %na1, %nb1, %nc1, %nd1, %nd2, %ha : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32> loc("/return")
}
