// RUN: xfmr-opt %s --xfmr-fuse-activations --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --xfmr-fuse-activations=explain=true --split-input-file | FileCheck %s --check-prefix=EXPLAIN

// GELU as the TorchScript exporter writes it (BERT, ViT):
// (x * (erf(x / 1.41421354) + 1)) * 0.5.

// CHECK-LABEL: func.func @gelu_erf_torchscript
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x128xf32>)
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] : tensor<?x?x128xf32>
// CHECK-NEXT: return %[[G]]
// EXPLAIN-LABEL: func.func @gelu_erf_torchscript
// EXPLAIN-NOT: fusion_missed
func.func @gelu_erf_torchscript(%x: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.div %x, %sqrt2 : (tensor<?x?x128xf32>, tensor<f32>) -> tensor<?x?x128xf32>
  %1 = xfmr.erf %0 : tensor<?x?x128xf32>
  %2 = xfmr.add %1, %one : (tensor<?x?x128xf32>, tensor<f32>) -> tensor<?x?x128xf32>
  %3 = xfmr.mul %x, %2 : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
  %4 = xfmr.mul %3, %half : (tensor<?x?x128xf32>, tensor<f32>) -> tensor<?x?x128xf32>
  return %4 : tensor<?x?x128xf32>
}

// -----

// The dynamo exporter: x * ((erf(x / 1.41421354) + 1) * 0.5).

// CHECK-LABEL: func.func @gelu_erf_dynamo
// CHECK-SAME: (%[[X:.*]]: tensor<2x17x128xf32>)
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] : tensor<2x17x128xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_erf_dynamo(%x: tensor<2x17x128xf32>) -> tensor<2x17x128xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.div %x, %sqrt2 : (tensor<2x17x128xf32>, tensor<f32>) -> tensor<2x17x128xf32>
  %1 = xfmr.erf %0 : tensor<2x17x128xf32>
  %2 = xfmr.add %1, %one : (tensor<2x17x128xf32>, tensor<f32>) -> tensor<2x17x128xf32>
  %3 = xfmr.mul %2, %half : (tensor<2x17x128xf32>, tensor<f32>) -> tensor<2x17x128xf32>
  %4 = xfmr.mul %x, %3 : (tensor<2x17x128xf32>, tensor<2x17x128xf32>) -> tensor<2x17x128xf32>
  return %4 : tensor<2x17x128xf32>
}

// -----

// x * 0.5 first, a multiplication by 1/sqrt(2), the 1 on the left of the add
// (as in `0.5 * x * (1.0 + torch.erf(x * 0.7071067811865476))`).

// CHECK-LABEL: func.func @gelu_erf_half_first
// CHECK-SAME: (%[[X:.*]]: tensor<?x3072xf32>)
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] : tensor<?x3072xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_erf_half_first(%x: tensor<?x3072xf32>) -> tensor<?x3072xf32> {
  %rsqrt2 = xfmr.constant dense<0.707106769> : tensor<1xf32>
  %one = xfmr.constant dense<1.0> : tensor<1xf32>
  %half = xfmr.constant dense<0.5> : tensor<1xf32>
  %0 = xfmr.mul %half, %x : (tensor<1xf32>, tensor<?x3072xf32>) -> tensor<?x3072xf32>
  %1 = xfmr.mul %rsqrt2, %x : (tensor<1xf32>, tensor<?x3072xf32>) -> tensor<?x3072xf32>
  %2 = xfmr.erf %1 : tensor<?x3072xf32>
  %3 = xfmr.add %one, %2 : (tensor<1xf32>, tensor<?x3072xf32>) -> tensor<?x3072xf32>
  %4 = xfmr.mul %0, %3 : (tensor<?x3072xf32>, tensor<?x3072xf32>) -> tensor<?x3072xf32>
  return %4 : tensor<?x3072xf32>
}

// -----

// Halving by a division: x * (1 + erf(x / sqrt(2))) / 2.

// CHECK-LABEL: func.func @gelu_erf_div_two
// CHECK: xfmr.gelu
// CHECK-NOT: xfmr.erf
func.func @gelu_erf_div_two(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %0 = xfmr.div %x, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = xfmr.erf %0 : tensor<4x8xf32>
  %2 = xfmr.add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = xfmr.mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.div %3, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// A GELU whose product goes on (GeGLU: gelu(x) * up): the GELU is the inner
// product, the multiplication by `up` stays.

// CHECK-LABEL: func.func @gelu_erf_gated
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[UP:.*]]: tensor<?x64xf32>)
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] : tensor<?x64xf32>
// CHECK-NEXT: %[[M:.*]] = xfmr.mul %[[G]], %[[UP]]
// CHECK-NEXT: return %[[M]]
func.func @gelu_erf_gated(%x: tensor<?x64xf32>, %up: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.div %x, %sqrt2 : (tensor<?x64xf32>, tensor<f32>) -> tensor<?x64xf32>
  %1 = xfmr.erf %0 : tensor<?x64xf32>
  %2 = xfmr.add %1, %one : (tensor<?x64xf32>, tensor<f32>) -> tensor<?x64xf32>
  %3 = xfmr.mul %x, %2 : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
  %4 = xfmr.mul %3, %half : (tensor<?x64xf32>, tensor<f32>) -> tensor<?x64xf32>
  %5 = xfmr.mul %4, %up : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
  return %5 : tensor<?x64xf32>
}

// -----

// GPT-2 (TorchScript and dynamo): 0.5 * x * (1 + tanh(sqrt(2/pi) *
// (x + 0.044715 * pow(x, 3)))).

// CHECK-LABEL: func.func @gelu_tanh_pow
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x256xf32>)
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] {approximate = #xfmr<gelu_approximation tanh>} : tensor<?x?x256xf32>
// CHECK-NEXT: return %[[G]]
// EXPLAIN-LABEL: func.func @gelu_tanh_pow
// EXPLAIN-NOT: fusion_missed
func.func @gelu_tanh_pow(%x: tensor<?x?x256xf32>) -> tensor<?x?x256xf32> {
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %c = xfmr.constant dense<0.797884583> : tensor<f32>
  %k = xfmr.constant dense<4.471500e-02> : tensor<f32>
  %three = xfmr.constant dense<3.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.mul %x, %half : (tensor<?x?x256xf32>, tensor<f32>) -> tensor<?x?x256xf32>
  %1 = xfmr.pow %x, %three : (tensor<?x?x256xf32>, tensor<f32>) -> tensor<?x?x256xf32>
  %2 = xfmr.mul %1, %k : (tensor<?x?x256xf32>, tensor<f32>) -> tensor<?x?x256xf32>
  %3 = xfmr.add %x, %2 : (tensor<?x?x256xf32>, tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
  %4 = xfmr.mul %3, %c : (tensor<?x?x256xf32>, tensor<f32>) -> tensor<?x?x256xf32>
  %5 = xfmr.tanh %4 : tensor<?x?x256xf32>
  %6 = xfmr.add %5, %one : (tensor<?x?x256xf32>, tensor<f32>) -> tensor<?x?x256xf32>
  %7 = xfmr.mul %0, %6 : (tensor<?x?x256xf32>, tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
  return %7 : tensor<?x?x256xf32>
}

// -----

// The cube as x * x * x, the sum with x on the right.

// CHECK-LABEL: func.func @gelu_tanh_cube
// CHECK-SAME: (%[[X:.*]]: tensor<8x256xf32>)
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] {approximate = #xfmr<gelu_approximation tanh>} : tensor<8x256xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_tanh_cube(%x: tensor<8x256xf32>) -> tensor<8x256xf32> {
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %c = xfmr.constant dense<0.797884583> : tensor<f32>
  %k = xfmr.constant dense<4.471500e-02> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.mul %x, %x : (tensor<8x256xf32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %1 = xfmr.mul %0, %x : (tensor<8x256xf32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %2 = xfmr.mul %k, %1 : (tensor<f32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %3 = xfmr.add %2, %x : (tensor<8x256xf32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %4 = xfmr.mul %c, %3 : (tensor<f32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %5 = xfmr.tanh %4 : tensor<8x256xf32>
  %6 = xfmr.add %one, %5 : (tensor<f32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %7 = xfmr.mul %x, %6 : (tensor<8x256xf32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %8 = xfmr.mul %half, %7 : (tensor<f32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  return %8 : tensor<8x256xf32>
}

// -----

// The factored form (`FastGELU`): x * 0.7978845608 * (1 + 0.044715 * x * x).

// CHECK-LABEL: func.func @gelu_tanh_factored
// CHECK-SAME: (%[[X:.*]]: tensor<?x256xf32>)
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] {approximate = #xfmr<gelu_approximation tanh>} : tensor<?x256xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_tanh_factored(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %c = xfmr.constant dense<0.797884583> : tensor<f32>
  %k = xfmr.constant dense<4.471500e-02> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.mul %x, %c : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %1 = xfmr.mul %x, %k : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %2 = xfmr.mul %1, %x : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  %3 = xfmr.add %2, %one : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %4 = xfmr.mul %0, %3 : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  %5 = xfmr.tanh %4 : tensor<?x256xf32>
  %6 = xfmr.add %5, %one : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %7 = xfmr.mul %x, %half : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %8 = xfmr.mul %7, %6 : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  return %8 : tensor<?x256xf32>
}

// -----

// BLOOM's spelling, `x * 0.5 * (1 + tanh(0.79788456 * x * (1 + 0.044715 *
// x * x)))`, over a layer's output: x is itself a sum (the bias add), which
// is not the sum inside the tanh.

// CHECK-LABEL: func.func @gelu_tanh_bloom
// CHECK-SAME: (%[[A:.*]]: tensor<2x16x256xf32>, %[[B:.*]]: tensor<256xf32>)
// CHECK-NEXT: %[[X:.*]] = xfmr.add %[[A]], %[[B]]
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] {approximate = #xfmr<gelu_approximation tanh>} : tensor<2x16x256xf32>
// CHECK-NEXT: return %[[G]]
// EXPLAIN-LABEL: func.func @gelu_tanh_bloom
// EXPLAIN-NOT: fusion_missed
func.func @gelu_tanh_bloom(%a: tensor<2x16x256xf32>, %b: tensor<256xf32>) -> tensor<2x16x256xf32> {
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %c = xfmr.constant dense<0.797884583> : tensor<f32>
  %k = xfmr.constant dense<4.471500e-02> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %x = xfmr.add %a, %b : (tensor<2x16x256xf32>, tensor<256xf32>) -> tensor<2x16x256xf32>
  %0 = xfmr.mul %x, %half : (tensor<2x16x256xf32>, tensor<f32>) -> tensor<2x16x256xf32>
  %1 = xfmr.mul %x, %c : (tensor<2x16x256xf32>, tensor<f32>) -> tensor<2x16x256xf32>
  %2 = xfmr.mul %x, %k : (tensor<2x16x256xf32>, tensor<f32>) -> tensor<2x16x256xf32>
  %3 = xfmr.mul %2, %x : (tensor<2x16x256xf32>, tensor<2x16x256xf32>) -> tensor<2x16x256xf32>
  %4 = xfmr.add %3, %one : (tensor<2x16x256xf32>, tensor<f32>) -> tensor<2x16x256xf32>
  %5 = xfmr.mul %1, %4 : (tensor<2x16x256xf32>, tensor<2x16x256xf32>) -> tensor<2x16x256xf32>
  %6 = xfmr.tanh %5 : tensor<2x16x256xf32>
  %7 = xfmr.add %6, %one : (tensor<2x16x256xf32>, tensor<f32>) -> tensor<2x16x256xf32>
  %8 = xfmr.mul %0, %7 : (tensor<2x16x256xf32>, tensor<2x16x256xf32>) -> tensor<2x16x256xf32>
  return %8 : tensor<2x16x256xf32>
}

// -----

// SiLU in LLaMA's MLP (SwiGLU): x * sigmoid(x), then the gate product.

// CHECK-LABEL: func.func @silu
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x128xf32>, %[[UP:.*]]: tensor<?x?x128xf32>)
// CHECK-NEXT: %[[S:.*]] = xfmr.silu %[[X]] : tensor<?x?x128xf32>
// CHECK-NEXT: %[[M:.*]] = xfmr.mul %[[S]], %[[UP]]
// CHECK-NEXT: return %[[M]]
// EXPLAIN-LABEL: func.func @silu
// EXPLAIN-NOT: fusion_missed
func.func @silu(%x: tensor<?x?x128xf32>, %up: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
  %0 = xfmr.sigmoid %x : tensor<?x?x128xf32>
  %1 = xfmr.mul %x, %0 : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
  %2 = xfmr.mul %1, %up : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
  return %2 : tensor<?x?x128xf32>
}

// -----

// CHECK-LABEL: func.func @silu_sigmoid_first
// CHECK-SAME: (%[[X:.*]]: tensor<2x16x128xf32>)
// CHECK-NEXT: %[[S:.*]] = xfmr.silu %[[X]] : tensor<2x16x128xf32>
// CHECK-NEXT: return %[[S]]
func.func @silu_sigmoid_first(%x: tensor<2x16x128xf32>) -> tensor<2x16x128xf32> {
  %0 = xfmr.sigmoid %x : tensor<2x16x128xf32>
  %1 = xfmr.mul %0, %x : (tensor<2x16x128xf32>, tensor<2x16x128xf32>) -> tensor<2x16x128xf32>
  return %1 : tensor<2x16x128xf32>
}

// -----

// Quick GELU as CLIP's TorchScript export writes it: x * sigmoid(1.702 * x)
// (the scale on the right of the first mul).

// CHECK-LABEL: func.func @gelu_quick_torchscript
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x128xf32>)
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] {approximate = #xfmr<gelu_approximation quick>} : tensor<?x?x128xf32>
// CHECK-NEXT: return %[[G]]
// EXPLAIN-LABEL: func.func @gelu_quick_torchscript
// EXPLAIN-NOT: fusion_missed
func.func @gelu_quick_torchscript(%x: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
  %alpha = xfmr.constant dense<1.702> : tensor<f32>
  %0 = xfmr.mul %x, %alpha : (tensor<?x?x128xf32>, tensor<f32>) -> tensor<?x?x128xf32>
  %1 = xfmr.sigmoid %0 : tensor<?x?x128xf32>
  %2 = xfmr.mul %x, %1 : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
  return %2 : tensor<?x?x128xf32>
}

// -----

// The dynamo exporter: the scale on the left, the sigmoid first in the
// product, static shapes.

// CHECK-LABEL: func.func @gelu_quick_dynamo
// CHECK-SAME: (%[[X:.*]]: tensor<2x17x128xf32>)
// CHECK-NEXT: %[[G:.*]] = xfmr.gelu %[[X]] {approximate = #xfmr<gelu_approximation quick>} : tensor<2x17x128xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_quick_dynamo(%x: tensor<2x17x128xf32>) -> tensor<2x17x128xf32> {
  %alpha = xfmr.constant dense<1.702> : tensor<f32>
  %0 = xfmr.mul %alpha, %x : (tensor<f32>, tensor<2x17x128xf32>) -> tensor<2x17x128xf32>
  %1 = xfmr.sigmoid %0 : tensor<2x17x128xf32>
  %2 = xfmr.mul %1, %x : (tensor<2x17x128xf32>, tensor<2x17x128xf32>) -> tensor<2x17x128xf32>
  return %2 : tensor<2x17x128xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Near misses: nothing fuses.
//===----------------------------------------------------------------------===//

// erf(x / 2) is no GELU.

// CHECK-LABEL: func.func @gelu_erf_wrong_scale
// CHECK-NOT: xfmr.gelu
// CHECK: xfmr.erf
// EXPLAIN-LABEL: func.func @gelu_erf_wrong_scale
// EXPLAIN: xfmr.erf {{.*}}xfmr.fusion_missed = {gelu = ["the erf's argument is x * 0.5, not x / sqrt(2)", "div"]}
func.func @gelu_erf_wrong_scale(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.div %x, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32> loc("div")
  %1 = xfmr.erf %0 : tensor<4x8xf32>
  %2 = xfmr.add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = xfmr.mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// sqrt(2) ten ulps off in f32 (1.414215 instead of 1.41421354).

// CHECK-LABEL: func.func @gelu_erf_sqrt2_off
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_erf_sqrt2_off
// EXPLAIN: xfmr.erf {{.*}}gelu = ["the erf's argument is x * 0.7071061, not x / sqrt(2)"
func.func @gelu_erf_sqrt2_off(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %sqrt2 = xfmr.constant dense<1.414215> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.div %x, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = xfmr.erf %0 : tensor<4x8xf32>
  %2 = xfmr.add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = xfmr.mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// The product is scaled by 0.6.

// CHECK-LABEL: func.func @gelu_erf_wrong_half
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_erf_wrong_half
// EXPLAIN: xfmr.erf {{.*}}gelu = ["the GELU's product is scaled by 0.6, not 0.5", "half"]
func.func @gelu_erf_wrong_half(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.6> : tensor<f32>
  %0 = xfmr.div %x, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = xfmr.erf %0 : tensor<4x8xf32>
  %2 = xfmr.add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = xfmr.mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32> loc("half")
  return %4 : tensor<4x8xf32>
}

// -----

// erf(y / sqrt(2)) multiplied by another value x.

// CHECK-LABEL: func.func @gelu_erf_other_x
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_erf_other_x
// EXPLAIN: xfmr.erf {{.*}}gelu = ["1 + erf(...) is not multiplied by x and 0.5"
func.func @gelu_erf_other_x(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.div %y, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = xfmr.erf %0 : tensor<4x8xf32>
  %2 = xfmr.add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = xfmr.mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// 1 + erf(...) has another user, which would keep the erf alive.

// CHECK-LABEL: func.func @gelu_erf_extra_use
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_erf_extra_use
// EXPLAIN: xfmr.erf {{.*}}gelu = ["the GELU's intermediate result has other users", "onePlus"]
func.func @gelu_erf_extra_use(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.div %x, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = xfmr.erf %0 : tensor<4x8xf32>
  %2 = xfmr.add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32> loc("onePlus")
  %3 = xfmr.mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4, %2 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// erf(x / sqrt(2)) - 1.

// CHECK-LABEL: func.func @gelu_erf_minus_one
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_erf_minus_one
// EXPLAIN: xfmr.erf {{.*}}gelu = ["erf is not followed by + 1"
func.func @gelu_erf_minus_one(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.div %x, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = xfmr.erf %0 : tensor<4x8xf32>
  %2 = xfmr.sub %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = xfmr.mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// A rank-3 constant 0.5 broadcasts the rank-2 result: the GELU would have
// another shape.

// CHECK-LABEL: func.func @gelu_erf_broadcast
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_erf_broadcast
// EXPLAIN: xfmr.erf {{.*}}gelu = ["a constant broadcasts the GELU's result to another shape"
func.func @gelu_erf_broadcast(%x: tensor<4x8xf32>) -> tensor<1x4x8xf32> {
  %sqrt2 = xfmr.constant dense<1.41421354> : tensor<f32>
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<1x1x1xf32>
  %0 = xfmr.div %x, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = xfmr.erf %0 : tensor<4x8xf32>
  %2 = xfmr.add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = xfmr.mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = xfmr.mul %3, %half : (tensor<4x8xf32>, tensor<1x1x1xf32>) -> tensor<1x4x8xf32>
  return %4 : tensor<1x4x8xf32>
}

// -----

// BLOOM's spelling with 0.05 for 0.044715: its square, (0.05 * x) * x, makes
// the tanh a GELU candidate.

// CHECK-LABEL: func.func @gelu_tanh_bloom_wrong_cubic
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_tanh_bloom_wrong_cubic
// EXPLAIN: xfmr.tanh {{.*}}gelu = ["the cubic term is scaled by 0.05, not 0.044715", "/mlp/Mul_3"]
func.func @gelu_tanh_bloom_wrong_cubic(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %c = xfmr.constant dense<0.797884583> : tensor<f32>
  %k = xfmr.constant dense<5.0e-02> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.mul %x, %half : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %1 = xfmr.mul %x, %c : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %2 = xfmr.mul %x, %k : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %3 = xfmr.mul %2, %x : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  %4 = xfmr.add %3, %one : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %5 = xfmr.mul %1, %4 : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32> loc("/mlp/Mul_3")
  %6 = xfmr.tanh %5 : tensor<?x256xf32>
  %7 = xfmr.add %6, %one : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %8 = xfmr.mul %0, %7 : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  return %8 : tensor<?x256xf32>
}

// -----

// The tanh form with 0.05 for 0.044715.

// CHECK-LABEL: func.func @gelu_tanh_wrong_cubic
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_tanh_wrong_cubic
// EXPLAIN: xfmr.tanh {{.*}}gelu = ["the cubic term is scaled by 0.05, not 0.044715"
func.func @gelu_tanh_wrong_cubic(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %c = xfmr.constant dense<0.797884583> : tensor<f32>
  %k = xfmr.constant dense<5.0e-02> : tensor<f32>
  %three = xfmr.constant dense<3.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.mul %x, %half : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %1 = xfmr.pow %x, %three : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %2 = xfmr.mul %1, %k : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %3 = xfmr.add %x, %2 : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  %4 = xfmr.mul %3, %c : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %5 = xfmr.tanh %4 : tensor<?x256xf32>
  %6 = xfmr.add %5, %one : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %7 = xfmr.mul %0, %6 : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  return %7 : tensor<?x256xf32>
}

// -----

// A square where the cube belongs.

// CHECK-LABEL: func.func @gelu_tanh_square
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_tanh_square
// EXPLAIN: xfmr.tanh {{.*}}gelu = ["the tanh's argument is not sqrt(2/pi) * (x + 0.044715 * x^3)"
func.func @gelu_tanh_square(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %c = xfmr.constant dense<0.797884583> : tensor<f32>
  %k = xfmr.constant dense<4.471500e-02> : tensor<f32>
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.mul %x, %half : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %1 = xfmr.pow %x, %two : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %2 = xfmr.mul %1, %k : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %3 = xfmr.add %x, %2 : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  %4 = xfmr.mul %3, %c : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %5 = xfmr.tanh %4 : tensor<?x256xf32>
  %6 = xfmr.add %5, %one : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
  %7 = xfmr.mul %0, %6 : (tensor<?x256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  return %7 : tensor<?x256xf32>
}

// -----

// The cube x * x * x shares its x * x with another user.

// CHECK-LABEL: func.func @gelu_tanh_shared_square
// CHECK-NOT: xfmr.gelu
// EXPLAIN-LABEL: func.func @gelu_tanh_shared_square
// EXPLAIN: xfmr.tanh {{.*}}gelu = ["the tanh's argument is not sqrt(2/pi) * (x + 0.044715 * x^3)"
func.func @gelu_tanh_shared_square(%x: tensor<8x256xf32>) -> (tensor<8x256xf32>, tensor<8x256xf32>) {
  %one = xfmr.constant dense<1.0> : tensor<f32>
  %c = xfmr.constant dense<0.797884583> : tensor<f32>
  %k = xfmr.constant dense<4.471500e-02> : tensor<f32>
  %half = xfmr.constant dense<0.5> : tensor<f32>
  %0 = xfmr.mul %x, %x : (tensor<8x256xf32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %1 = xfmr.mul %0, %x : (tensor<8x256xf32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %2 = xfmr.mul %k, %1 : (tensor<f32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %3 = xfmr.add %2, %x : (tensor<8x256xf32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %4 = xfmr.mul %c, %3 : (tensor<f32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %5 = xfmr.tanh %4 : tensor<8x256xf32>
  %6 = xfmr.add %one, %5 : (tensor<f32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %7 = xfmr.mul %x, %6 : (tensor<8x256xf32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  %8 = xfmr.mul %half, %7 : (tensor<f32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  return %8, %0 : tensor<8x256xf32>, tensor<8x256xf32>
}

// -----

// BERT's pooler: a tanh activation, no GELU candidate and no note.

// CHECK-LABEL: func.func @tanh_pooler
// CHECK: xfmr.tanh
// EXPLAIN-LABEL: func.func @tanh_pooler
// EXPLAIN-NOT: fusion_missed
func.func @tanh_pooler(%x: tensor<2x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>) -> tensor<2x64xf32> {
  %0 = xfmr.matmul %x, %w : (tensor<2x64xf32>, tensor<64x64xf32>) -> tensor<2x64xf32>
  %1 = xfmr.add %0, %b : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  %2 = xfmr.tanh %1 : tensor<2x64xf32>
  return %2 : tensor<2x64xf32>
}

// -----

// A sigmoid gate on another value (GLU), and a sigmoid with two users.

// CHECK-LABEL: func.func @silu_misses
// CHECK-NOT: xfmr.silu
// EXPLAIN-LABEL: func.func @silu_misses
// EXPLAIN: xfmr.sigmoid %{{.*}}silu = ["sigmoid(x) is not multiplied by x", "gate"]
// EXPLAIN: xfmr.sigmoid %{{.*}}silu = ["sigmoid(x) has other users", "twice"]
func.func @silu_misses(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = xfmr.sigmoid %x : tensor<4x8xf32>
  %1 = xfmr.mul %y, %0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32> loc("gate")
  %2 = xfmr.sigmoid %y : tensor<4x8xf32> loc("twice")
  %3 = xfmr.mul %y, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %1, %3, %2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Scaled sigmoid gates that are neither SiLU nor quick GELU: the scale is
// 2, not 1.702; the scaled x has another user; x * sigmoid(1.702 * y).

// CHECK-LABEL: func.func @gelu_quick_misses
// CHECK-NOT: xfmr.gelu
// CHECK-NOT: xfmr.silu
// EXPLAIN-LABEL: func.func @gelu_quick_misses
// EXPLAIN: xfmr.sigmoid %{{.*}}silu = ["the sigmoid's argument is x * 2, neither x (SiLU) nor 1.702 * x (quick GELU)", "two_x"]
// EXPLAIN: xfmr.sigmoid %{{.*}}silu = ["sigmoid(x) is not multiplied by x", "shared_gate"]
// EXPLAIN: xfmr.sigmoid %{{.*}}silu = ["sigmoid(x) is not multiplied by x", "other_gate"]
func.func @gelu_quick_misses(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %two = xfmr.constant dense<2.0> : tensor<f32>
  %alpha = xfmr.constant dense<1.702> : tensor<f32>
  %0 = xfmr.mul %x, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32> loc("two_x")
  %1 = xfmr.sigmoid %0 : tensor<4x8xf32>
  %2 = xfmr.mul %x, %1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %3 = xfmr.mul %x, %alpha : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %4 = xfmr.sigmoid %3 : tensor<4x8xf32>
  %5 = xfmr.mul %x, %4 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32> loc("shared_gate")
  %6 = xfmr.mul %y, %alpha : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %7 = xfmr.sigmoid %6 : tensor<4x8xf32>
  %8 = xfmr.mul %x, %7 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32> loc("other_gate")
  return %2, %5, %3, %8 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
