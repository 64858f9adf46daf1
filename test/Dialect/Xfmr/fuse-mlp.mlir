// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear -xfmr-fuse-mlp | FileCheck %s
// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear -xfmr-fuse-mlp=explain=true | FileCheck %s --check-prefix=EXPLAIN

// BERT's feed-forward block (TorchScript export, GELU already fused):
// up with bias and GELU, down with bias.
// CHECK-LABEL: func.func @plain_gelu
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>
// CHECK-DAG: %[[WU:.*]] = xfmr.constant dense_resource<intermediate.weight> : tensor<64x128xf32>
// CHECK-DAG: %[[BU:.*]] = xfmr.constant dense_resource<intermediate.bias> : tensor<128xf32>
// CHECK-DAG: %[[WD:.*]] = xfmr.constant dense_resource<output.weight> : tensor<128x64xf32>
// CHECK-DAG: %[[BD:.*]] = xfmr.constant dense_resource<output.bias> : tensor<64xf32>
// CHECK: %[[M:.*]] = xfmr.mlp %[[X]] up %[[WU]] bias %[[BU]] down %[[WD]] bias %[[BD]] {activation = #xfmr<activation gelu>} : (tensor<?x?x64xf32>, tensor<64x128xf32>, tensor<128xf32>, tensor<128x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
// CHECK-NEXT: %[[R:.*]] = xfmr.add %[[M]], %[[X]]
// CHECK-NEXT: return %[[R]]
// EXPLAIN-LABEL: func.func @plain_gelu
// EXPLAIN-NOT: xfmr.fusion_missed
func.func @plain_gelu(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %wu = xfmr.constant dense_resource<intermediate.weight> : tensor<64x128xf32>
  %bu = xfmr.constant dense_resource<intermediate.bias> : tensor<128xf32>
  %wd = xfmr.constant dense_resource<output.weight> : tensor<128x64xf32>
  %bd = xfmr.constant dense_resource<output.bias> : tensor<64xf32>
  %0 = xfmr.matmul %x, %wu : (tensor<?x?x64xf32>, tensor<64x128xf32>) -> tensor<?x?x128xf32>
  %1 = xfmr.add %0, %bu : (tensor<?x?x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  %2 = xfmr.gelu %1 : tensor<?x?x128xf32>
  %3 = xfmr.matmul %2, %wd : (tensor<?x?x128xf32>, tensor<128x64xf32>) -> tensor<?x?x64xf32>
  %4 = xfmr.add %bd, %3 : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %5 = xfmr.add %4, %x : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %5 : tensor<?x?x64xf32>
}

// -----

// GPT-2's Conv1D MLP (TorchScript export, static dims): the block runs over
// the flattened rows.
// CHECK-LABEL: func.func @gpt2_conv1d
// CHECK: %[[F:.*]] = xfmr.reshape %{{.*}} -> tensor<32x64xf32>
// CHECK: %[[M:.*]] = xfmr.mlp %[[F]] up %{{.*}} bias %{{.*}} down %{{.*}} {activation = #xfmr<activation gelu_tanh>} : (tensor<32x64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>) -> tensor<32x64xf32>
// CHECK: xfmr.reshape %[[M]], %{{.*}} -> tensor<2x16x64xf32>
func.func @gpt2_conv1d(%x: tensor<2x16x64xf32>, %wu: tensor<64x256xf32>, %bu: tensor<256xf32>, %wd: tensor<256x64xf32>) -> tensor<2x16x64xf32> {
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

// LLaMA's SwiGLU (TorchScript export, SiLU already fused), dynamic dims.
// CHECK-LABEL: func.func @swiglu
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[WG:.*]]: tensor<64x128xf32>, %[[WU:.*]]: tensor<64x128xf32>, %[[WD:.*]]: tensor<128x64xf32>)
// CHECK: %[[M:.*]] = xfmr.mlp %[[X]] up %[[WU]] gate %[[WG]] down %[[WD]] {activation = #xfmr<activation silu>} : (tensor<?x?x64xf32>, tensor<64x128xf32>, tensor<64x128xf32>, tensor<128x64xf32>) -> tensor<?x?x64xf32>
// CHECK-NEXT: return %[[M]]
func.func @swiglu(%x: tensor<?x?x64xf32>, %wg: tensor<64x128xf32>, %wu: tensor<64x128xf32>, %wd: tensor<128x64xf32>) -> tensor<?x?x64xf32> {
  %0 = xfmr.matmul %x, %wg : (tensor<?x?x64xf32>, tensor<64x128xf32>) -> tensor<?x?x128xf32>
  %1 = xfmr.silu %0 : tensor<?x?x128xf32>
  %2 = xfmr.matmul %x, %wu : (tensor<?x?x64xf32>, tensor<64x128xf32>) -> tensor<?x?x128xf32>
  %3 = xfmr.mul %1, %2 : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
  %4 = xfmr.matmul %3, %wd : (tensor<?x?x128xf32>, tensor<128x64xf32>) -> tensor<?x?x64xf32>
  return %4 : tensor<?x?x64xf32>
}

// -----

// GeGLU with biases, the up factor first.
// CHECK-LABEL: func.func @geglu_up_first
// CHECK-SAME: (%[[X:.*]]: tensor<2x16x64xf32>, %[[WG:.*]]: tensor<64x128xf32>, %[[BG:.*]]: tensor<128xf32>, %[[WU:.*]]: tensor<64x128xf32>, %[[BU:.*]]: tensor<128xf32>, %[[WD:.*]]: tensor<128x64xf32>)
// CHECK: xfmr.mlp %[[X]] up %[[WU]] bias %[[BU]] gate %[[WG]] bias %[[BG]] down %[[WD]] {activation = #xfmr<activation gelu>}
func.func @geglu_up_first(%x: tensor<2x16x64xf32>, %wg: tensor<64x128xf32>, %bg: tensor<128xf32>, %wu: tensor<64x128xf32>, %bu: tensor<128xf32>, %wd: tensor<128x64xf32>) -> tensor<2x16x64xf32> {
  %0 = xfmr.matmul %x, %wg : (tensor<2x16x64xf32>, tensor<64x128xf32>) -> tensor<2x16x128xf32>
  %1 = xfmr.add %0, %bg : (tensor<2x16x128xf32>, tensor<128xf32>) -> tensor<2x16x128xf32>
  %2 = xfmr.gelu %1 : tensor<2x16x128xf32>
  %3 = xfmr.matmul %x, %wu : (tensor<2x16x64xf32>, tensor<64x128xf32>) -> tensor<2x16x128xf32>
  %4 = xfmr.add %3, %bu : (tensor<2x16x128xf32>, tensor<128xf32>) -> tensor<2x16x128xf32>
  %5 = xfmr.mul %4, %2 : (tensor<2x16x128xf32>, tensor<2x16x128xf32>) -> tensor<2x16x128xf32>
  %6 = xfmr.matmul %5, %wd : (tensor<2x16x128xf32>, tensor<128x64xf32>) -> tensor<2x16x64xf32>
  return %6 : tensor<2x16x64xf32>
}

// -----

// Gate and up in one projection, split in halves (gate first): the weight
// and bias constants are split at compile time.
// CHECK-LABEL: func.func @fused_gate_up
// CHECK-DAG: %[[WG:.*]] = xfmr.constant dense_resource<gate_up.gate> : tensor<2x2xf32>
// CHECK-DAG: %[[WU:.*]] = xfmr.constant dense_resource<gate_up.up> : tensor<2x2xf32>
// CHECK-DAG: %[[BG:.*]] = xfmr.constant dense<[5.000000e-01, 1.500000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[BU:.*]] = xfmr.constant dense<[2.500000e+00, 3.500000e+00]> : tensor<2xf32>
// CHECK: xfmr.mlp %{{.*}} up %[[WU]] bias %[[BU]] gate %[[WG]] bias %[[BG]] down %{{.*}} {activation = #xfmr<activation silu>} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
// CHECK-NOT: xfmr.split
// CHECK-DAG: gate_up.gate: "0x40000000000000000000803F000080400000A040"
// CHECK-DAG: gate_up.up: "0x4000000000000040000040400000C0400000E040"
func.func @fused_gate_up(%x: tensor<3x2xf32>, %wd: tensor<2x2xf32>) -> tensor<3x2xf32> {
  %w = xfmr.constant dense_resource<gate_up> : tensor<2x4xf32>
  %b = xfmr.constant dense<[0.5, 1.5, 2.5, 3.5]> : tensor<4xf32>
  %0 = xfmr.matmul %x, %w : (tensor<3x2xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
  %1 = xfmr.add %0, %b : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  %2:2 = xfmr.split %1 {axis = -1 : i64, sizes = array<i64: 2, 2>} : (tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>)
  %3 = xfmr.silu %2#0 : tensor<3x2xf32>
  %4 = xfmr.mul %3, %2#1 : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  %5 = xfmr.matmul %4, %wd : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %5 : tensor<3x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      gate_up: "0x04000000000000000000803F0000004000004040000080400000A0400000C0400000E040"
    }
  }
#-}

// -----

// The up half first, and a weight that is not a constant: slices of it.
// CHECK-LABEL: func.func @fused_up_gate_argument
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[W:.*]]: tensor<8x8xf32>, %[[WD:.*]]: tensor<4x8xf32>)
// CHECK-DAG: %[[C0:.*]] = xfmr.constant dense<0> : tensor<1xi64>
// CHECK-DAG: %[[C4:.*]] = xfmr.constant dense<4> : tensor<1xi64>
// CHECK-DAG: %[[C8:.*]] = xfmr.constant dense<8> : tensor<1xi64>
// CHECK-DAG: %[[C1:.*]] = xfmr.constant dense<1> : tensor<1xi64>
// CHECK-DAG: %[[UP:.*]] = xfmr.slice %[[W]], %[[C0]], %[[C4]], %[[C1]] : {{.*}} -> tensor<8x4xf32>
// CHECK-DAG: %[[GATE:.*]] = xfmr.slice %[[W]], %[[C4]], %[[C8]], %[[C1]] : {{.*}} -> tensor<8x4xf32>
// CHECK: xfmr.mlp %[[X]] up %[[UP]] gate %[[GATE]] down %[[WD]] {activation = #xfmr<activation gelu>}
func.func @fused_up_gate_argument(%x: tensor<?x8xf32>, %w: tensor<8x8xf32>, %wd: tensor<4x8xf32>) -> tensor<?x8xf32> {
  %0 = xfmr.matmul %x, %w : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %1:2 = xfmr.split %0 {axis = 1 : i64, sizes = array<i64: 4, 4>} : (tensor<?x8xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>)
  %2 = xfmr.gelu %1#1 : tensor<?x4xf32>
  %3 = xfmr.mul %1#0, %2 : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %4 = xfmr.matmul %3, %wd : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return %4 : tensor<?x8xf32>
}

// -----

// Phi-3's `gate_up_proj(x).chunk(2, dim=-1)` as the TorchScript exporter
// writes it: two slices of the last axis (the second to the end, INT64_MAX),
// with dynamic rows.
// CHECK-LABEL: func.func @fused_gate_up_slices
// CHECK-DAG: %[[WG:.*]] = xfmr.constant dense_resource<gate_up.gate> : tensor<2x2xf32>
// CHECK-DAG: %[[WU:.*]] = xfmr.constant dense_resource<gate_up.up> : tensor<2x2xf32>
// CHECK: xfmr.mlp %{{.*}} up %[[WU]] gate %[[WG]] down %{{.*}} {activation = #xfmr<activation silu>} : (tensor<?x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
// CHECK-NOT: xfmr.slice
// CHECK-DAG: gate_up.gate: "0x40000000000000000000803F000080400000A040"
// CHECK-DAG: gate_up.up: "0x4000000000000040000040400000C0400000E040"
// EXPLAIN-LABEL: func.func @fused_gate_up_slices
// EXPLAIN-NOT: fusion_missed
func.func @fused_gate_up_slices(%x: tensor<?x2xf32>, %wd: tensor<2x2xf32>) -> tensor<?x2xf32> {
  %w = xfmr.constant dense_resource<gate_up> : tensor<2x4xf32>
  %zero = xfmr.constant dense<0> : tensor<1xi64>
  %two = xfmr.constant dense<2> : tensor<1xi64>
  %end = xfmr.constant dense<9223372036854775807> : tensor<1xi64>
  %axis = xfmr.constant dense<-1> : tensor<1xi64>
  %0 = xfmr.matmul %x, %w : (tensor<?x2xf32>, tensor<2x4xf32>) -> tensor<?x4xf32>
  %1 = xfmr.slice %0, %zero, %two, %axis : (tensor<?x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x2xf32>
  %2 = xfmr.slice %0, %two, %end, %axis : (tensor<?x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x2xf32>
  %3 = xfmr.silu %1 : tensor<?x2xf32>
  %4 = xfmr.mul %2, %3 : (tensor<?x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  %5 = xfmr.matmul %4, %wd : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %5 : tensor<?x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      gate_up: "0x04000000000000000000803F0000004000004040000080400000A0400000C0400000E040"
    }
  }
#-}

// -----

// ONNX Gemm with transB (nn.Linear on 2-D input, TorchScript export): the
// weights are [out, in]; the block takes them transposed, folded into new
// constants.
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK-DAG: %[[WU:.*]] = xfmr.constant dense_resource<fc1.weight.up.in_out> : tensor<2x3xf32>
// CHECK-DAG: %[[WD:.*]] = xfmr.constant dense_resource<fc2.weight.down.in_out> : tensor<3x2xf32>
// CHECK: xfmr.mlp %{{.*}} up %[[WU]] bias %{{.*}} down %[[WD]] bias %{{.*}} {activation = #xfmr<activation relu>} : (tensor<5x2xf32>, tensor<2x3xf32>, tensor<3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<5x2xf32>
// CHECK-NOT: xfmr.transpose
// CHECK: fc1.weight.up.in_out: "0x400000000000803F000040400000A04000000040000080400000C040"
// CHECK: fc2.weight.down.in_out: "0x400000000000803F00008040000000400000A040000040400000C040"
func.func @gemm_trans_b(%x: tensor<5x2xf32>, %bu: tensor<3xf32>, %bd: tensor<2xf32>) -> tensor<5x2xf32> {
  %wu = xfmr.constant dense_resource<fc1.weight> : tensor<3x2xf32>
  %wd = xfmr.constant dense_resource<fc2.weight> : tensor<2x3xf32>
  %0 = xfmr.transpose %wu {permutation = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  %1 = xfmr.matmul %x, %0 : (tensor<5x2xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
  %2 = xfmr.add %1, %bu : (tensor<5x3xf32>, tensor<3xf32>) -> tensor<5x3xf32>
  %3 = xfmr.relu %2 : tensor<5x3xf32>
  %4 = xfmr.transpose %wd {permutation = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %5 = xfmr.matmul %3, %4 : (tensor<5x3xf32>, tensor<3x2xf32>) -> tensor<5x2xf32>
  %6 = xfmr.add %5, %bd : (tensor<5x2xf32>, tensor<2xf32>) -> tensor<5x2xf32>
  return %6 : tensor<5x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      fc1.weight: "0x040000000000803F0000004000004040000080400000A0400000C040",
      fc2.weight: "0x040000000000803F0000004000004040000080400000A0400000C040"
    }
  }
#-}

// -----

// Transposed weights that are not constants get an xfmr.transpose.
// CHECK-LABEL: func.func @transposed_arguments
// CHECK-SAME: (%[[X:.*]]: tensor<5x2xf32>, %[[WU:.*]]: tensor<3x2xf32>, %[[WD:.*]]: tensor<2x3xf32>)
// CHECK-DAG: %[[TU:.*]] = xfmr.transpose %[[WU]] {permutation = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
// CHECK-DAG: %[[TD:.*]] = xfmr.transpose %[[WD]] {permutation = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK: xfmr.mlp %[[X]] up %[[TU]] down %[[TD]] {activation = #xfmr<activation sigmoid>}
func.func @transposed_arguments(%x: tensor<5x2xf32>, %wu: tensor<3x2xf32>, %wd: tensor<2x3xf32>) -> tensor<5x2xf32> {
  %0 = xfmr.linear %x, %wu {activation = #xfmr<activation sigmoid>, transpose_weight} : (tensor<5x2xf32>, tensor<3x2xf32>) -> tensor<5x3xf32>
  %1 = xfmr.linear %0, %wd {transpose_weight} : (tensor<5x3xf32>, tensor<2x3xf32>) -> tensor<5x2xf32>
  return %1 : tensor<5x2xf32>
}

// -----

// Near misses of the plain block: the hidden activation has another user,
// the down projection has an activation; the pooler (no down projection at
// all) is not a candidate and gets no note.
// CHECK-LABEL: func.func @plain_near_misses
// CHECK-NOT: xfmr.mlp
// EXPLAIN-LABEL: func.func @plain_near_misses
// EXPLAIN: xfmr.linear {{.*}}xfmr.fusion_missed = {mlp = ["the hidden activation has 2 users", "/fc1/MatMul"]}
// EXPLAIN: xfmr.linear {{.*}}xfmr.fusion_missed = {mlp = ["the down projection has an activation", "/fc4/MatMul"]}
// EXPLAIN-NOT: fusion_missed
// EXPLAIN: return
func.func @plain_near_misses(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32> loc("/fc1/MatMul")
  %1 = xfmr.relu %0 : tensor<4x8xf32>
  %2 = xfmr.matmul %1, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %3 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.relu %3 : tensor<4x8xf32>
  %5 = xfmr.matmul %4, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32> loc("/fc4/MatMul")
  %6 = xfmr.tanh %5 : tensor<4x8xf32>
  %7 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %8 = xfmr.tanh %7 : tensor<4x8xf32>
  return %1, %2, %6, %8 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Two projections with nothing between them are no block, and no candidate.
// CHECK-LABEL: func.func @no_activation
// CHECK: xfmr.linear
// CHECK: xfmr.linear
// CHECK-NOT: xfmr.mlp
// EXPLAIN-LABEL: func.func @no_activation
// EXPLAIN-NOT: xfmr.fusion_missed
func.func @no_activation(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %0 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = xfmr.matmul %0, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// A decomposed GELU between the projections (before activation fusion)
// leaves two layers and no candidate.
// CHECK-LABEL: func.func @decomposed_gelu
// CHECK-NOT: xfmr.mlp
// EXPLAIN-LABEL: func.func @decomposed_gelu
// EXPLAIN-NOT: xfmr.fusion_missed
func.func @decomposed_gelu(%x: tensor<2x16x64xf32>, %wu: tensor<64x128xf32>, %wd: tensor<128x64xf32>) -> tensor<2x16x64xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.000000e+00> : tensor<f32>
  %half = xfmr.constant dense<5.000000e-01> : tensor<f32>
  %0 = xfmr.matmul %x, %wu : (tensor<2x16x64xf32>, tensor<64x128xf32>) -> tensor<2x16x128xf32>
  %1 = xfmr.div %0, %sqrt2 : (tensor<2x16x128xf32>, tensor<f32>) -> tensor<2x16x128xf32>
  %2 = xfmr.erf %1 : tensor<2x16x128xf32>
  %3 = xfmr.add %2, %one : (tensor<2x16x128xf32>, tensor<f32>) -> tensor<2x16x128xf32>
  %4 = xfmr.mul %0, %3 : (tensor<2x16x128xf32>, tensor<2x16x128xf32>) -> tensor<2x16x128xf32>
  %5 = xfmr.mul %4, %half : (tensor<2x16x128xf32>, tensor<f32>) -> tensor<2x16x128xf32>
  %6 = xfmr.matmul %5, %wd : (tensor<2x16x128xf32>, tensor<128x64xf32>) -> tensor<2x16x64xf32>
  return %6 : tensor<2x16x64xf32>
}

// -----

// Near misses of the gated block: gate and up of different inputs, an up
// projection with another user; a product that is not projected down is not
// a candidate and gets no note.
// CHECK-LABEL: func.func @gated_near_misses
// CHECK-NOT: xfmr.mlp
// EXPLAIN-LABEL: func.func @gated_near_misses
// EXPLAIN: xfmr.linear {{.*}}xfmr.fusion_missed = {mlp = ["the gate and up projections read different inputs", "/up1/MatMul"]}
// EXPLAIN: xfmr.linear {{.*}}xfmr.fusion_missed = {mlp = ["the up projection has 2 users", "/up2/MatMul"]}
// EXPLAIN-NOT: fusion_missed
// EXPLAIN: return
func.func @gated_near_misses(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = xfmr.silu %0 : tensor<4x8xf32>
  %2 = xfmr.matmul %y, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32> loc("/up1/MatMul")
  %3 = xfmr.mul %1, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.matmul %3, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %5 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %6 = xfmr.silu %5 : tensor<4x8xf32>
  %7 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32> loc("/up2/MatMul")
  %8 = xfmr.mul %6, %7 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %9 = xfmr.matmul %8, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %10 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %11 = xfmr.silu %10 : tensor<4x8xf32>
  %12 = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %13 = xfmr.mul %11, %12 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %14 = xfmr.add %13, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32> loc("/add")
  return %4, %9, %7, %14 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A split that is not two halves of the features.
// CHECK-LABEL: func.func @split_not_halves
// CHECK-NOT: xfmr.mlp
// EXPLAIN-LABEL: func.func @split_not_halves
// EXPLAIN: xfmr.silu {{.*}}xfmr.fusion_missed = {mlp = ["the projection is not split in two halves of its output features", "/split"]}
func.func @split_not_halves(%x: tensor<3x8xf32>, %w: tensor<8x12xf32>, %wd: tensor<4x8xf32>) -> (tensor<3x8xf32>, tensor<3x4xf32>) {
  %0 = xfmr.matmul %x, %w : (tensor<3x8xf32>, tensor<8x12xf32>) -> tensor<3x12xf32>
  %1:3 = xfmr.split %0 {axis = 1 : i64, sizes = array<i64: 4, 4, 4>} : (tensor<3x12xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) loc("/split")
  %2 = xfmr.silu %1#0 : tensor<3x4xf32>
  %3 = xfmr.mul %2, %1#1 : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %4 = xfmr.matmul %3, %wd : (tensor<3x4xf32>, tensor<4x8xf32>) -> tensor<3x8xf32>
  return %4, %1#2 : tensor<3x8xf32>, tensor<3x4xf32>
}

// -----

// Slices that overlap: [0, 4) gated, [2, 6) up, of 8 features.
// CHECK-LABEL: func.func @slices_not_halves
// CHECK-NOT: xfmr.mlp
// EXPLAIN-LABEL: func.func @slices_not_halves
// EXPLAIN: xfmr.silu {{.*}}xfmr.fusion_missed = {mlp = ["the projection is not split in two halves of its output features", "/gate"]}
func.func @slices_not_halves(%x: tensor<3x8xf32>, %w: tensor<8x8xf32>, %wd: tensor<4x8xf32>) -> tensor<3x8xf32> {
  %c0 = xfmr.constant dense<0> : tensor<1xi64>
  %c2 = xfmr.constant dense<2> : tensor<1xi64>
  %c4 = xfmr.constant dense<4> : tensor<1xi64>
  %c6 = xfmr.constant dense<6> : tensor<1xi64>
  %axis = xfmr.constant dense<1> : tensor<1xi64>
  %0 = xfmr.matmul %x, %w : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32>
  %1 = xfmr.slice %0, %c0, %c4, %axis : (tensor<3x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x4xf32> loc("/gate")
  %2 = xfmr.slice %0, %c2, %c6, %axis : (tensor<3x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x4xf32>
  %3 = xfmr.silu %1 : tensor<3x4xf32>
  %4 = xfmr.mul %3, %2 : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %5 = xfmr.matmul %4, %wd : (tensor<3x4xf32>, tensor<4x8xf32>) -> tensor<3x8xf32>
  return %5 : tensor<3x8xf32>
}
