// RUN: xfmr-opt %s --xfmr-fuse-rotary --cse --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --xfmr-fuse-rotary=explain=true --split-input-file | FileCheck %s --check-prefix=EXPLAIN

// LLaMA with dynamic dims: the [1, S, D] cos/sin tables are cos/sin of the
// angles concatenated with themselves, unsqueezed over the heads. The caches
// are cos/sin of the angles, expanded to x's batch and sequence.

// CHECK-LABEL: func.func @llama_dynamic
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x16xf32>, %[[F:.*]]: tensor<1x?x8xf32>)
// CHECK-DAG: %[[C:.*]] = xfmr.cos %[[F]] : tensor<1x?x8xf32>
// CHECK-DAG: %[[S:.*]] = xfmr.sin %[[F]] : tensor<1x?x8xf32>
// CHECK-DAG: %[[B:.*]] = xfmr.shape %[[Q]] {end = 1 : i64, start = 0 : i64}
// CHECK-DAG: %[[L:.*]] = xfmr.shape %[[Q]] {end = 3 : i64, start = 2 : i64}
// CHECK-DAG: %[[H:.*]] = xfmr.constant dense<8> : tensor<1xi64>
// CHECK-DAG: %[[SHAPE:.*]] = xfmr.concat %[[B]], %[[L]], %[[H]] {axis = 0 : i64}
// CHECK-DAG: %[[CE:.*]] = xfmr.expand %[[C]], %[[SHAPE]] : (tensor<1x?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
// CHECK-DAG: %[[SE:.*]] = xfmr.expand %[[S]], %[[SHAPE]]
// CHECK: %[[R:.*]] = xfmr.rotary_embedding %[[Q]], %[[CE]], %[[SE]] : (tensor<?x4x?x16xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x4x?x16xf32>
// CHECK-NEXT: return %[[R]]
// EXPLAIN-LABEL: func.func @llama_dynamic
// EXPLAIN-NOT: fusion_missed
func.func @llama_dynamic(%q: tensor<?x4x?x16xf32>, %f: tensor<1x?x8xf32>) -> tensor<?x4x?x16xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %c3 = xfmr.constant dense<3> : tensor<1xi64>
  %c8 = xfmr.constant dense<8> : tensor<1xi64>
  %c1 = xfmr.constant dense<1> : tensor<1xi64>
  %max = xfmr.constant dense<9223372036854775807> : tensor<1xi64>
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x?x8xf32>, tensor<1x?x8xf32>) -> tensor<1x?x16xf32>
  %cos = xfmr.cos %emb : tensor<1x?x16xf32>
  %sin = xfmr.sin %emb : tensor<1x?x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x?x16xf32>) -> tensor<1x1x?x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x?x16xf32>) -> tensor<1x1x?x16xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %1 = xfmr.slice %q, %c0, %c8, %c3, %c1 : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x8xf32>
  %2 = xfmr.slice %q, %c8, %max, %c3, %c1 : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x8xf32>
  %3 = xfmr.neg %2 : tensor<?x4x?x8xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x16xf32>
  %5 = xfmr.mul %4, %sin4 : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %6 = xfmr.add %0, %5 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %6 : tensor<?x4x?x16xf32>
}

// -----

// Static dims, q and k sharing the tables, operands in the other order; the
// expand's shape is a constant.

// CHECK-LABEL: func.func @llama_static_qk
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x16x16xf32>, %[[K:.*]]: tensor<2x2x16x16xf32>, %[[F:.*]]: tensor<1x16x8xf32>)
// CHECK-DAG: %[[SHAPE:.*]] = xfmr.constant dense<[2, 16, 8]> : tensor<3xi64>
// CHECK-DAG: %[[C:.*]] = xfmr.cos %[[F]]
// CHECK-DAG: %[[S:.*]] = xfmr.sin %[[F]]
// CHECK-DAG: %[[CE:.*]] = xfmr.expand %[[C]], %[[SHAPE]] : (tensor<1x16x8xf32>, tensor<3xi64>) -> tensor<2x16x8xf32>
// CHECK-DAG: %[[SE:.*]] = xfmr.expand %[[S]], %[[SHAPE]]
// CHECK-DAG: %[[RQ:.*]] = xfmr.rotary_embedding %[[Q]], %[[CE]], %[[SE]] :
// CHECK-DAG: %[[RK:.*]] = xfmr.rotary_embedding %[[K]], %[[CE]], %[[SE]] :
// CHECK-NOT: xfmr.concat
// CHECK: return %[[RQ]], %[[RK]]
func.func @llama_static_qk(%q: tensor<2x4x16x16xf32>, %k: tensor<2x2x16x16xf32>, %f: tensor<1x16x8xf32>) -> (tensor<2x4x16x16xf32>, tensor<2x2x16x16xf32>) {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c8 = xfmr.constant dense<8> : tensor<1xi64>
  %c16 = xfmr.constant dense<16> : tensor<1xi64>
  %emb = xfmr.concat %f, %f {axis = 2 : i64} : (tensor<1x16x8xf32>, tensor<1x16x8xf32>) -> tensor<1x16x16xf32>
  %cos = xfmr.cos %emb : tensor<1x16x16xf32>
  %sin = xfmr.sin %emb : tensor<1x16x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %q0 = xfmr.mul %cos4, %q : (tensor<1x1x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %q1 = xfmr.slice %q, %c0, %c8, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %q2 = xfmr.slice %q, %c8, %c16, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %q3 = xfmr.neg %q2 : tensor<2x4x16x8xf32>
  %q4 = xfmr.concat %q3, %q1 {axis = 3 : i64} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x16xf32>
  %q5 = xfmr.mul %sin4, %q4 : (tensor<1x1x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %q6 = xfmr.add %q5, %q0 : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %k0 = xfmr.mul %k, %cos4 : (tensor<2x2x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x2x16x16xf32>
  %k1 = xfmr.slice %k, %c0, %c8, %cm1 : (tensor<2x2x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x2x16x8xf32>
  %k2 = xfmr.slice %k, %c8, %c16, %cm1 : (tensor<2x2x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x2x16x8xf32>
  %k3 = xfmr.neg %k2 : tensor<2x2x16x8xf32>
  %k4 = xfmr.concat %k3, %k1 {axis = -1 : i64} : (tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x16xf32>
  %k5 = xfmr.mul %k4, %sin4 : (tensor<2x2x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x2x16x16xf32>
  %k6 = xfmr.add %k0, %k5 : (tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32>) -> tensor<2x2x16x16xf32>
  return %q6, %k6 : tensor<2x4x16x16xf32>, tensor<2x2x16x16xf32>
}

// -----

// Tables of the whole batch ([B, S, D]): no expand is needed.

// CHECK-LABEL: func.func @batch_tables
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x16x16xf32>, %[[F:.*]]: tensor<2x16x8xf32>)
// CHECK-DAG: %[[C:.*]] = xfmr.cos %[[F]] : tensor<2x16x8xf32>
// CHECK-DAG: %[[S:.*]] = xfmr.sin %[[F]] : tensor<2x16x8xf32>
// CHECK: %[[R:.*]] = xfmr.rotary_embedding %[[Q]], %[[C]], %[[S]] :
// CHECK-NEXT: return %[[R]]
func.func @batch_tables(%q: tensor<2x4x16x16xf32>, %f: tensor<2x16x8xf32>) -> tensor<2x4x16x16xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c8 = xfmr.constant dense<8> : tensor<1xi64>
  %c16 = xfmr.constant dense<16> : tensor<1xi64>
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<2x16x8xf32>, tensor<2x16x8xf32>) -> tensor<2x16x16xf32>
  %cos = xfmr.cos %emb : tensor<2x16x16xf32>
  %sin = xfmr.sin %emb : tensor<2x16x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<2x16x16xf32>) -> tensor<2x1x16x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<2x16x16xf32>) -> tensor<2x1x16x16xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<2x4x16x16xf32>, tensor<2x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %1 = xfmr.slice %q, %c0, %c8, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %2 = xfmr.slice %q, %c8, %c16, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %3 = xfmr.neg %2 : tensor<2x4x16x8xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x16xf32>
  %5 = xfmr.mul %4, %sin4 : (tensor<2x4x16x16xf32>, tensor<2x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %6 = xfmr.add %0, %5 : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %6 : tensor<2x4x16x16xf32>
}

// -----

// An older export: rows of constant cos/sin caches gathered by position ids
// (`cos_cached[position_ids].unsqueeze(1)`). The caches are the first halves
// of the constants, the ids become position_ids, expanded to the batch.

// CHECK-LABEL: func.func @gathered_cache
// CHECK-SAME: (%[[Q:.*]]: tensor<?x2x?x4xf32>, %[[IDS:.*]]: tensor<1x?xi64>)
// CHECK-DAG: %[[COS:.*]] = xfmr.constant dense<{{\[}}[1.000000e+00, 5.000000e-01, 1.000000e+00, 5.000000e-01]
// CHECK-DAG: %[[SIN:.*]] = xfmr.constant dense<{{\[}}[0.000000e+00, 2.500000e-01, 0.000000e+00, 2.500000e-01]
// CHECK-DAG: %[[CH:.*]] = xfmr.slice %[[COS]], %{{.*}} -> tensor<3x2xf32>
// CHECK-DAG: %[[SH:.*]] = xfmr.slice %[[SIN]], %{{.*}} -> tensor<3x2xf32>
// CHECK-DAG: %[[POS:.*]] = xfmr.expand %[[IDS]], %{{.*}} : (tensor<1x?xi64>, tensor<2xi64>) -> tensor<?x?xi64>
// CHECK: %[[R:.*]] = xfmr.rotary_embedding %[[Q]], %[[CH]], %[[SH]], %[[POS]] : (tensor<?x2x?x4xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<?x?xi64>) -> tensor<?x2x?x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @gathered_cache(%q: tensor<?x2x?x4xf32>, %ids: tensor<1x?xi64>) -> tensor<?x2x?x4xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c2 = xfmr.constant dense<2> : tensor<1xi64>
  %c4 = xfmr.constant dense<4> : tensor<1xi64>
  %cosc = xfmr.constant dense<[[1.0, 0.5, 1.0, 0.5], [0.5, 0.25, 0.5, 0.25], [0.0, 1.0, 0.0, 1.0]]> : tensor<3x4xf32>
  %sinc = xfmr.constant dense<[[0.0, 0.25, 0.0, 0.25], [0.75, 1.0, 0.75, 1.0], [1.0, 0.0, 1.0, 0.0]]> : tensor<3x4xf32>
  %cg = xfmr.gather %cosc, %ids : (tensor<3x4xf32>, tensor<1x?xi64>) -> tensor<1x?x4xf32>
  %sg = xfmr.gather %sinc, %ids : (tensor<3x4xf32>, tensor<1x?xi64>) -> tensor<1x?x4xf32>
  %cos4 = xfmr.unsqueeze %cg {axes = array<i64: 1>} : (tensor<1x?x4xf32>) -> tensor<1x1x?x4xf32>
  %sin4 = xfmr.unsqueeze %sg {axes = array<i64: 1>} : (tensor<1x?x4xf32>) -> tensor<1x1x?x4xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<?x2x?x4xf32>, tensor<1x1x?x4xf32>) -> tensor<?x2x?x4xf32>
  %1 = xfmr.slice %q, %c0, %c2, %cm1 : (tensor<?x2x?x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x2x?x2xf32>
  %2 = xfmr.slice %q, %c2, %c4, %cm1 : (tensor<?x2x?x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x2x?x2xf32>
  %3 = xfmr.neg %2 : tensor<?x2x?x2xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<?x2x?x2xf32>, tensor<?x2x?x2xf32>) -> tensor<?x2x?x4xf32>
  %5 = xfmr.mul %4, %sin4 : (tensor<?x2x?x4xf32>, tensor<1x1x?x4xf32>) -> tensor<?x2x?x4xf32>
  %6 = xfmr.add %0, %5 : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  return %6 : tensor<?x2x?x4xf32>
}

// -----

// Constant [1, 1, S, D] tables (GPT-NeoX's cached buffers at a fixed length).

// CHECK-LABEL: func.func @constant_tables
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x2x4xf32>)
// CHECK: %[[CH:.*]] = xfmr.slice %{{.*}} -> tensor<1x1x2x2xf32>
// CHECK: %[[C3:.*]] = xfmr.squeeze %[[CH]] {axes = array<i64: 1>} : (tensor<1x1x2x2xf32>) -> tensor<1x2x2xf32>
// CHECK: %[[SH:.*]] = xfmr.slice %{{.*}} -> tensor<1x1x2x2xf32>
// CHECK: %[[S3:.*]] = xfmr.squeeze %[[SH]]
// CHECK: %[[R:.*]] = xfmr.rotary_embedding %[[Q]], %[[C3]], %[[S3]] :
func.func @constant_tables(%q: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c2 = xfmr.constant dense<2> : tensor<1xi64>
  %c4 = xfmr.constant dense<4> : tensor<1xi64>
  %cos4 = xfmr.constant dense<[[[[1.0, 0.5, 1.0, 0.5], [0.5, 0.25, 0.5, 0.25]]]]> : tensor<1x1x2x4xf32>
  %sin4 = xfmr.constant dense<[[[[0.0, 0.25, 0.0, 0.25], [0.75, 1.0, 0.75, 1.0]]]]> : tensor<1x1x2x4xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x2x2x4xf32>
  %1 = xfmr.slice %q, %c0, %c2, %cm1 : (tensor<1x2x2x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x2x2xf32>
  %2 = xfmr.slice %q, %c2, %c4, %cm1 : (tensor<1x2x2x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x2x2xf32>
  %3 = xfmr.neg %2 : tensor<1x2x2x2xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x4xf32>
  %5 = xfmr.mul %4, %sin4 : (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x2x2x4xf32>
  %6 = xfmr.add %0, %5 : (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  return %6 : tensor<1x2x2x4xf32>
}

// -----

// Partial rotary (GPT-NeoX's rotary_pct): the first 8 of 16 channels rotate,
// the others pass through a concat.

// CHECK-LABEL: func.func @partial_rotary
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x16xf32>, %[[F:.*]]: tensor<1x?x4xf32>)
// CHECK-DAG: %[[C:.*]] = xfmr.cos %[[F]] : tensor<1x?x4xf32>
// CHECK-DAG: %[[CE:.*]] = xfmr.expand %[[C]], %{{.*}} -> tensor<?x?x4xf32>
// CHECK-DAG: %[[S:.*]] = xfmr.sin %[[F]] : tensor<1x?x4xf32>
// CHECK-DAG: %[[SE:.*]] = xfmr.expand %[[S]], %{{.*}} -> tensor<?x?x4xf32>
// CHECK: %[[R:.*]] = xfmr.rotary_embedding %[[Q]], %[[CE]], %[[SE]] {rotary_embedding_dim = 8 : i64} : (tensor<?x4x?x16xf32>, tensor<?x?x4xf32>, tensor<?x?x4xf32>) -> tensor<?x4x?x16xf32>
// CHECK-NEXT: return %[[R]]
func.func @partial_rotary(%q: tensor<?x4x?x16xf32>, %f: tensor<1x?x4xf32>) -> tensor<?x4x?x16xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c4 = xfmr.constant dense<4> : tensor<1xi64>
  %c8 = xfmr.constant dense<8> : tensor<1xi64>
  %max = xfmr.constant dense<9223372036854775807> : tensor<1xi64>
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> tensor<1x?x8xf32>
  %cos = xfmr.cos %emb : tensor<1x?x8xf32>
  %sin = xfmr.sin %emb : tensor<1x?x8xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x?x8xf32>) -> tensor<1x1x?x8xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x?x8xf32>) -> tensor<1x1x?x8xf32>
  %rot = xfmr.slice %q, %c0, %c8, %cm1 : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x8xf32>
  %pass = xfmr.slice %q, %c8, %max, %cm1 : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x8xf32>
  %0 = xfmr.mul %rot, %cos4 : (tensor<?x4x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<?x4x?x8xf32>
  %1 = xfmr.slice %rot, %c0, %c4, %cm1 : (tensor<?x4x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x4xf32>
  %2 = xfmr.slice %rot, %c4, %max, %cm1 : (tensor<?x4x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x4xf32>
  %3 = xfmr.neg %2 : tensor<?x4x?x4xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>) -> tensor<?x4x?x8xf32>
  %5 = xfmr.mul %4, %sin4 : (tensor<?x4x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<?x4x?x8xf32>
  %6 = xfmr.add %0, %5 : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
  %7 = xfmr.concat %6, %pass {axis = -1 : i64} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x16xf32>
  return %7 : tensor<?x4x?x16xf32>
}

// -----

// ONNX Runtime's form (dynamo export): one split of x into its halves
// instead of two slices.

// CHECK-LABEL: func.func @ort_split_halves
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x16xf32>, %[[F:.*]]: tensor<1x?x8xf32>)
// CHECK-DAG: %[[CE:.*]] = xfmr.expand %{{.*}} -> tensor<?x?x8xf32>
// CHECK-DAG: %[[SE:.*]] = xfmr.expand %{{.*}} -> tensor<?x?x8xf32>
// CHECK-NOT: xfmr.split
// CHECK: %[[R:.*]] = xfmr.rotary_embedding %[[Q]], %[[CE]], %[[SE]] : (tensor<?x4x?x16xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x4x?x16xf32>
// CHECK-NEXT: return %[[R]]
// EXPLAIN-LABEL: func.func @ort_split_halves
// EXPLAIN-NOT: fusion_missed
func.func @ort_split_halves(%q: tensor<?x4x?x16xf32>, %f: tensor<1x?x8xf32>) -> tensor<?x4x?x16xf32> {
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x?x8xf32>, tensor<1x?x8xf32>) -> tensor<1x?x16xf32>
  %sin = xfmr.sin %emb : tensor<1x?x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x?x16xf32>) -> tensor<1x1x?x16xf32>
  %cos = xfmr.cos %emb : tensor<1x?x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x?x16xf32>) -> tensor<1x1x?x16xf32>
  %h:2 = xfmr.split %q {axis = 3 : i64, sizes = array<i64: 8, 8>} : (tensor<?x4x?x16xf32>) -> (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>)
  %0 = xfmr.neg %h#1 : tensor<?x4x?x8xf32>
  %1 = xfmr.concat %0, %h#0 {axis = -1 : i64} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x16xf32>
  %2 = xfmr.mul %1, %sin4 : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %3 = xfmr.mul %q, %cos4 : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %4 = xfmr.add %3, %2 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %4 : tensor<?x4x?x16xf32>
}

// -----

// ONNX Runtime's form of the TorchScript export with dynamic dims: the
// slices start at D / 2 computed from x's (permuted) shape, and their types
// are dynamic.

// CHECK-LABEL: func.func @ort_half_from_shape
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x4x16xf32>, %[[F:.*]]: tensor<1x?x8xf32>)
// CHECK: %[[Q:.*]] = xfmr.transpose %[[X]]
// CHECK-NOT: xfmr.slice
// CHECK: %[[R:.*]] = xfmr.rotary_embedding %[[Q]], %{{.*}}, %{{.*}} : (tensor<?x4x?x16xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x4x?x16xf32>
// CHECK-NEXT: return %[[R]]
// EXPLAIN-LABEL: func.func @ort_half_from_shape
// EXPLAIN-NOT: fusion_missed
func.func @ort_half_from_shape(%x: tensor<?x?x4x16xf32>, %f: tensor<1x?x8xf32>) -> tensor<?x4x?x16xf32> {
  %perm = xfmr.constant dense<[0, 2, 1, 3]> : tensor<4xi64>
  %c3 = xfmr.constant dense<3> : tensor<i64>
  %c2 = xfmr.constant dense<2> : tensor<i64>
  %zero = xfmr.constant dense<0> : tensor<1xi64>
  %one = xfmr.constant dense<1> : tensor<1xi64>
  %axis = xfmr.constant dense<3> : tensor<1xi64>
  %max = xfmr.constant dense<9223372036854775807> : tensor<1xi64>
  %shape = xfmr.shape %x : (tensor<?x?x4x16xf32>) -> tensor<4xi64>
  %tshape = xfmr.gather %shape, %perm : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %d = xfmr.gather %tshape, %c3 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %half = xfmr.div %d, %c2 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %half1 = xfmr.unsqueeze %half {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %q = xfmr.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x16xf32>) -> tensor<?x4x?x16xf32>
  %hi = xfmr.slice %q, %half1, %max, %axis, %one : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x?x?xf32>
  %0 = xfmr.neg %hi : tensor<?x?x?x?xf32>
  %lo = xfmr.slice %q, %zero, %half1, %axis, %one : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x?x?xf32>
  %1 = xfmr.concat %0, %lo {axis = -1 : i64} : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x?x8xf32>, tensor<1x?x8xf32>) -> tensor<1x?x16xf32>
  %sin = xfmr.sin %emb : tensor<1x?x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x?x16xf32>) -> tensor<1x1x?x16xf32>
  %2 = xfmr.mul %1, %sin4 : (tensor<?x?x?x?xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %cos = xfmr.cos %emb : tensor<1x?x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x?x16xf32>) -> tensor<1x1x?x16xf32>
  %3 = xfmr.mul %q, %cos4 : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %4 = xfmr.add %3, %2 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %4 : tensor<?x4x?x16xf32>
}

// -----

// Partial rotary with ONNX Runtime's splits: x into the rotated and the
// passed-through channels, the rotated ones into their halves.

// CHECK-LABEL: func.func @ort_partial_split
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x16xf32>, %[[F:.*]]: tensor<1x?x4xf32>)
// CHECK-NOT: xfmr.split
// CHECK: %[[R:.*]] = xfmr.rotary_embedding %[[Q]], %{{.*}}, %{{.*}} {rotary_embedding_dim = 8 : i64} : (tensor<?x4x?x16xf32>, tensor<?x?x4xf32>, tensor<?x?x4xf32>) -> tensor<?x4x?x16xf32>
// CHECK-NEXT: return %[[R]]
// EXPLAIN-LABEL: func.func @ort_partial_split
// EXPLAIN-NOT: fusion_missed
func.func @ort_partial_split(%q: tensor<?x4x?x16xf32>, %f: tensor<1x?x4xf32>) -> tensor<?x4x?x16xf32> {
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> tensor<1x?x8xf32>
  %cos = xfmr.cos %emb : tensor<1x?x8xf32>
  %sin = xfmr.sin %emb : tensor<1x?x8xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x?x8xf32>) -> tensor<1x1x?x8xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x?x8xf32>) -> tensor<1x1x?x8xf32>
  %parts:2 = xfmr.split %q {axis = -1 : i64, sizes = array<i64: 8, 8>} : (tensor<?x4x?x16xf32>) -> (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>)
  %0 = xfmr.mul %parts#0, %cos4 : (tensor<?x4x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<?x4x?x8xf32>
  %h:2 = xfmr.split %parts#0 {axis = -1 : i64, sizes = array<i64: 4, 4>} : (tensor<?x4x?x8xf32>) -> (tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>)
  %1 = xfmr.neg %h#1 : tensor<?x4x?x4xf32>
  %2 = xfmr.concat %1, %h#0 {axis = -1 : i64} : (tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>) -> tensor<?x4x?x8xf32>
  %3 = xfmr.mul %2, %sin4 : (tensor<?x4x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<?x4x?x8xf32>
  %4 = xfmr.add %0, %3 : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
  %5 = xfmr.concat %4, %parts#1 {axis = -1 : i64} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x16xf32>
  return %5 : tensor<?x4x?x16xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Near misses: nothing fuses.
//===----------------------------------------------------------------------===//

// A constant cos table whose halves differ.

// CHECK-LABEL: func.func @unequal_halves
// CHECK-NOT: xfmr.rotary_embedding
// EXPLAIN-LABEL: func.func @unequal_halves
// EXPLAIN: xfmr.concat {{.*}}xfmr.fusion_missed = {rotary_embedding = ["the cos table's rows do not have equal halves", "cos"]}
func.func @unequal_halves(%q: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c2 = xfmr.constant dense<2> : tensor<1xi64>
  %c4 = xfmr.constant dense<4> : tensor<1xi64>
  %cos4 = xfmr.constant dense<[[[[1.0, 0.5, 1.0, 0.5], [0.5, 0.25, 0.5, 0.3]]]]> : tensor<1x1x2x4xf32> loc("cos")
  %sin4 = xfmr.constant dense<[[[[0.0, 0.25, 0.0, 0.25], [0.75, 1.0, 0.75, 1.0]]]]> : tensor<1x1x2x4xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x2x2x4xf32>
  %1 = xfmr.slice %q, %c0, %c2, %cm1 : (tensor<1x2x2x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x2x2xf32>
  %2 = xfmr.slice %q, %c2, %c4, %cm1 : (tensor<1x2x2x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x2x2xf32>
  %3 = xfmr.neg %2 : tensor<1x2x2x2xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x4xf32>
  %5 = xfmr.mul %4, %sin4 : (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x2x2x4xf32>
  %6 = xfmr.add %0, %5 : (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  return %6 : tensor<1x2x2x4xf32>
}

// -----

// cos(concat(f, g)): the halves are different angles.

// CHECK-LABEL: func.func @different_angles
// CHECK-NOT: xfmr.rotary_embedding
// EXPLAIN-LABEL: func.func @different_angles
// EXPLAIN: xfmr.concat {{.*}}rotary_embedding = ["the cos table's angles are not concat(f, f) on the last axis", "emb"]
func.func @different_angles(%q: tensor<2x4x16x16xf32>, %f: tensor<1x16x8xf32>, %g: tensor<1x16x8xf32>) -> tensor<2x4x16x16xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c8 = xfmr.constant dense<8> : tensor<1xi64>
  %c16 = xfmr.constant dense<16> : tensor<1xi64>
  %emb = xfmr.concat %f, %g {axis = -1 : i64} : (tensor<1x16x8xf32>, tensor<1x16x8xf32>) -> tensor<1x16x16xf32> loc("emb")
  %cos = xfmr.cos %emb : tensor<1x16x16xf32>
  %sin = xfmr.sin %emb : tensor<1x16x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %1 = xfmr.slice %q, %c0, %c8, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %2 = xfmr.slice %q, %c8, %c16, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %3 = xfmr.neg %2 : tensor<2x4x16x8xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x16xf32>
  %5 = xfmr.mul %4, %sin4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %6 = xfmr.add %0, %5 : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %6 : tensor<2x4x16x16xf32>
}

// -----

// The tables swapped: x * sin + rotate_half(x) * cos.

// CHECK-LABEL: func.func @swapped_tables
// CHECK-NOT: xfmr.rotary_embedding
// EXPLAIN-LABEL: func.func @swapped_tables
// EXPLAIN: xfmr.concat {{.*}}rotary_embedding = ["the cos table is a sin", "sin"]
func.func @swapped_tables(%q: tensor<2x4x16x16xf32>, %f: tensor<1x16x8xf32>) -> tensor<2x4x16x16xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c8 = xfmr.constant dense<8> : tensor<1xi64>
  %c16 = xfmr.constant dense<16> : tensor<1xi64>
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x16x8xf32>, tensor<1x16x8xf32>) -> tensor<1x16x16xf32>
  %cos = xfmr.cos %emb : tensor<1x16x16xf32>
  %sin = xfmr.sin %emb : tensor<1x16x16xf32> loc("sin")
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %0 = xfmr.mul %q, %sin4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %1 = xfmr.slice %q, %c0, %c8, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %2 = xfmr.slice %q, %c8, %c16, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %3 = xfmr.neg %2 : tensor<2x4x16x8xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x16xf32>
  %5 = xfmr.mul %4, %cos4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %6 = xfmr.add %0, %5 : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %6 : tensor<2x4x16x16xf32>
}

// -----

// The halves sliced at the wrong channel (x[..., 1:9]).

// CHECK-LABEL: func.func @wrong_slice
// CHECK-NOT: xfmr.rotary_embedding
// EXPLAIN-LABEL: func.func @wrong_slice
// EXPLAIN: xfmr.concat {{.*}}rotary_embedding = ["the second slice is not x[..., :D/2]", "lo"]
func.func @wrong_slice(%q: tensor<2x4x16x16xf32>, %f: tensor<1x16x8xf32>) -> tensor<2x4x16x16xf32> {
  %c1 = xfmr.constant dense<1> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c8 = xfmr.constant dense<8> : tensor<1xi64>
  %c9 = xfmr.constant dense<9> : tensor<1xi64>
  %c16 = xfmr.constant dense<16> : tensor<1xi64>
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x16x8xf32>, tensor<1x16x8xf32>) -> tensor<1x16x16xf32>
  %cos = xfmr.cos %emb : tensor<1x16x16xf32>
  %sin = xfmr.sin %emb : tensor<1x16x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %1 = xfmr.slice %q, %c1, %c9, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32> loc("lo")
  %2 = xfmr.slice %q, %c8, %c16, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %3 = xfmr.neg %2 : tensor<2x4x16x8xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x16xf32>
  %5 = xfmr.mul %4, %sin4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %6 = xfmr.add %0, %5 : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %6 : tensor<2x4x16x16xf32>
}

// -----

// rotate_half(x) is also returned.

// CHECK-LABEL: func.func @extra_use
// CHECK-NOT: xfmr.rotary_embedding
// EXPLAIN-LABEL: func.func @extra_use
// EXPLAIN: xfmr.concat {{.*}}rotary_embedding = ["rotate_half(x) has other users", "rot"]
func.func @extra_use(%q: tensor<2x4x16x16xf32>, %f: tensor<1x16x8xf32>) -> (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c8 = xfmr.constant dense<8> : tensor<1xi64>
  %c16 = xfmr.constant dense<16> : tensor<1xi64>
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x16x8xf32>, tensor<1x16x8xf32>) -> tensor<1x16x16xf32>
  %cos = xfmr.cos %emb : tensor<1x16x16xf32>
  %sin = xfmr.sin %emb : tensor<1x16x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %1 = xfmr.slice %q, %c0, %c8, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %2 = xfmr.slice %q, %c8, %c16, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %3 = xfmr.neg %2 : tensor<2x4x16x8xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x16xf32> loc("rot")
  %5 = xfmr.mul %4, %sin4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %6 = xfmr.add %0, %5 : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %6, %4 : tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>
}

// -----

// A table that varies over the heads ([1, H, S, D]) is no per-position table.

// CHECK-LABEL: func.func @per_head_table
// CHECK-NOT: xfmr.rotary_embedding
// EXPLAIN-LABEL: func.func @per_head_table
// EXPLAIN: xfmr.concat {{.*}}rotary_embedding = ["the cos table is not [B, 1, S, D] with the head dim"
func.func @per_head_table(%q: tensor<2x4x16x16xf32>, %cos4: tensor<1x4x16x16xf32>, %sin4: tensor<1x4x16x16xf32>) -> tensor<2x4x16x16xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %cm1 = xfmr.constant dense<-1> : tensor<1xi64>
  %c8 = xfmr.constant dense<8> : tensor<1xi64>
  %c16 = xfmr.constant dense<16> : tensor<1xi64>
  %0 = xfmr.mul %q, %cos4 : (tensor<2x4x16x16xf32>, tensor<1x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %1 = xfmr.slice %q, %c0, %c8, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %2 = xfmr.slice %q, %c8, %c16, %cm1 : (tensor<2x4x16x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4x16x8xf32>
  %3 = xfmr.neg %2 : tensor<2x4x16x8xf32>
  %4 = xfmr.concat %3, %1 {axis = -1 : i64} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x16xf32>
  %5 = xfmr.mul %4, %sin4 : (tensor<2x4x16x16xf32>, tensor<1x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  %6 = xfmr.add %0, %5 : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %6 : tensor<2x4x16x16xf32>
}

// -----

// A concat of two unrelated values is no candidate and gets no note.

// CHECK-LABEL: func.func @not_a_candidate
// EXPLAIN-LABEL: func.func @not_a_candidate
// EXPLAIN-NOT: fusion_missed
func.func @not_a_candidate(%a: tensor<2x8xf32>, %b: tensor<2x8xf32>) -> tensor<2x16xf32> {
  %0 = xfmr.neg %a : tensor<2x8xf32>
  %1 = xfmr.concat %0, %b {axis = -1 : i64} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x16xf32>
  return %1 : tensor<2x16xf32>
}

// -----

// A split into unequal pieces: concat(-x[..., 6:], x[..., :6]) is no
// rotate_half.

// CHECK-LABEL: func.func @split_unequal
// CHECK-NOT: xfmr.rotary_embedding
// EXPLAIN-LABEL: func.func @split_unequal
// EXPLAIN: xfmr.concat {{.*}}rotary_embedding = ["the split is not x[..., :D/2], x[..., D/2:]", "halves"]
func.func @split_unequal(%q: tensor<2x4x16x16xf32>, %f: tensor<1x16x8xf32>) -> tensor<2x4x16x16xf32> {
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x16x8xf32>, tensor<1x16x8xf32>) -> tensor<1x16x16xf32>
  %cos = xfmr.cos %emb : tensor<1x16x16xf32>
  %sin = xfmr.sin %emb : tensor<1x16x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %h:2 = xfmr.split %q {axis = 3 : i64, sizes = array<i64: 6, 10>} : (tensor<2x4x16x16xf32>) -> (tensor<2x4x16x6xf32>, tensor<2x4x16x10xf32>) loc("halves")
  %1 = xfmr.neg %h#1 : tensor<2x4x16x10xf32>
  %2 = xfmr.concat %1, %h#0 {axis = -1 : i64} : (tensor<2x4x16x10xf32>, tensor<2x4x16x6xf32>) -> tensor<2x4x16x16xf32>
  %3 = xfmr.mul %2, %sin4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %4 = xfmr.add %0, %3 : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %4 : tensor<2x4x16x16xf32>
}

// -----

// A half of the split is also returned.

// CHECK-LABEL: func.func @split_half_extra_use
// CHECK-NOT: xfmr.rotary_embedding
// EXPLAIN-LABEL: func.func @split_half_extra_use
// EXPLAIN: xfmr.concat {{.*}}rotary_embedding = ["a part of rotate_half(x) has other users", "halves"]
func.func @split_half_extra_use(%q: tensor<2x4x16x16xf32>, %f: tensor<1x16x8xf32>) -> (tensor<2x4x16x16xf32>, tensor<2x4x16x8xf32>) {
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x16x8xf32>, tensor<1x16x8xf32>) -> tensor<1x16x16xf32>
  %cos = xfmr.cos %emb : tensor<1x16x16xf32>
  %sin = xfmr.sin %emb : tensor<1x16x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %0 = xfmr.mul %q, %cos4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %h:2 = xfmr.split %q {axis = 3 : i64, sizes = array<i64: 8, 8>} : (tensor<2x4x16x16xf32>) -> (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) loc("halves")
  %1 = xfmr.neg %h#1 : tensor<2x4x16x8xf32>
  %2 = xfmr.concat %1, %h#0 {axis = -1 : i64} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x16xf32>
  %3 = xfmr.mul %2, %sin4 : (tensor<2x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32>
  %4 = xfmr.add %0, %3 : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>) -> tensor<2x4x16x16xf32>
  return %4, %h#0 : tensor<2x4x16x16xf32>, tensor<2x4x16x8xf32>
}

// -----

// The slices start at a dim read off the shape that is not D / 2 (the
// sequence length).

// CHECK-LABEL: func.func @half_from_wrong_dim
// CHECK-NOT: xfmr.rotary_embedding
// EXPLAIN-LABEL: func.func @half_from_wrong_dim
// EXPLAIN: xfmr.concat {{.*}}rotary_embedding = ["the negated slice is not x[..., D/2:]", "hi"]
func.func @half_from_wrong_dim(%q: tensor<?x4x?x16xf32>, %f: tensor<1x?x8xf32>) -> tensor<?x4x?x16xf32> {
  %c2 = xfmr.constant dense<2> : tensor<i64>
  %zero = xfmr.constant dense<0> : tensor<1xi64>
  %one = xfmr.constant dense<1> : tensor<1xi64>
  %axis = xfmr.constant dense<3> : tensor<1xi64>
  %max = xfmr.constant dense<9223372036854775807> : tensor<1xi64>
  %shape = xfmr.shape %q : (tensor<?x4x?x16xf32>) -> tensor<4xi64>
  %d = xfmr.gather %shape, %c2 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %half = xfmr.div %d, %c2 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %half1 = xfmr.unsqueeze %half {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %hi = xfmr.slice %q, %half1, %max, %axis, %one : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x?x?xf32> loc("hi")
  %0 = xfmr.neg %hi : tensor<?x?x?x?xf32>
  %lo = xfmr.slice %q, %zero, %half1, %axis, %one : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x?x?xf32>
  %1 = xfmr.concat %0, %lo {axis = -1 : i64} : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %emb = xfmr.concat %f, %f {axis = -1 : i64} : (tensor<1x?x8xf32>, tensor<1x?x8xf32>) -> tensor<1x?x16xf32>
  %sin = xfmr.sin %emb : tensor<1x?x16xf32>
  %sin4 = xfmr.unsqueeze %sin {axes = array<i64: 1>} : (tensor<1x?x16xf32>) -> tensor<1x1x?x16xf32>
  %2 = xfmr.mul %1, %sin4 : (tensor<?x?x?x?xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %cos = xfmr.cos %emb : tensor<1x?x16xf32>
  %cos4 = xfmr.unsqueeze %cos {axes = array<i64: 1>} : (tensor<1x?x16xf32>) -> tensor<1x1x?x16xf32>
  %3 = xfmr.mul %q, %cos4 : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %4 = xfmr.add %3, %2 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %4 : tensor<?x4x?x16xf32>
}
