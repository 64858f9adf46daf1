//===- XfmrTransformerOps.td - Fused transformer blocks ---*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The targets of fusion and the units that backends tile.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMRTRANSFORMEROPS_TD
#define XFMR_DIALECT_XFMR_IR_XFMRTRANSFORMEROPS_TD

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

class Xfmr_NormOp<string mnemonic, string formula>
    : Xfmr_SameShapeOp<mnemonic, [AttrSizedOperandSegments]> {
  let description = [{
    Normalises `input` over the dims from `axis` to the last:
    `}] # formula # [{`. `scale` (and `bias`, if present) have the shape of
    those trailing dims. With `residual`, the op normalises
    `input + residual` (the skip-norm of ONNX Runtime's fused graphs);
    `residual` has the type of `input`.

    ```mlir
    %y = xfmr.}] # mnemonic # [{ %x, %gamma, %beta {axis = -1 : i64, epsilon = 1.0e-05 : f32}
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    %z = xfmr.}] # mnemonic # [{ %x, %gamma residual %h {epsilon = 1.0e-06 : f32}
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Xfmr_FloatTensor:$input, Xfmr_FloatTensor:$scale,
                       Optional<Xfmr_FloatTensor>:$bias,
                       Optional<Xfmr_FloatTensor>:$residual,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Xfmr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Xfmr_LayerNormOp : Xfmr_NormOp<"layer_norm",
    "(x - mean(x)) / sqrt(var(x) + epsilon) * scale + bias"> {
  let summary = "layer normalisation, optionally after a residual add";
}

def Xfmr_RmsNormOp : Xfmr_NormOp<"rms_norm",
    "x / sqrt(mean(x^2) + epsilon) * scale + bias"> {
  let summary = "RMS normalisation, optionally after a residual add";
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

def Xfmr_GeluOp : Xfmr_SameShapeOp<"gelu",
    [Elementwise]> {
  let summary = "GELU activation, exact, tanh- or sigmoid-approximated";
  let description = [{
    `0.5 * x * (1 + erf(x / sqrt(2)))` with `approximate = none`, or
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))` with
    `approximate = tanh` (ONNX Gelu, opset 20), or `x * sigmoid(1.702 * x)`
    with `approximate = quick` (the "quick GELU" of CLIP and OpenAI's models,
    ONNX Runtime's QuickGelu).

    ```mlir
    %y = xfmr.gelu %x {approximate = #xfmr<gelu_approximation tanh>} : tensor<?x3072xf32>
    ```
  }];
  let arguments = (ins Xfmr_FloatTensor:$input,
                       DefaultValuedAttr<Xfmr_GeluApproximationAttr,
                         "::mlir::xfmr::GeluApproximation::none">:$approximate);
  let results = (outs Xfmr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Linear and MLP
//===----------------------------------------------------------------------===//

def Xfmr_LinearOp : Xfmr_ShapedOp<"linear", [AttrSizedOperandSegments]> {
  let summary = "x * W (+ bias), then an activation; f32, int8 or 4-bit";
  let description = [{
    A fully connected layer: `activation(input · weight + bias)`. `input` is
    `[..., K]`; `weight` is `[K, N]`, or `[N, K]` with `transpose_weight`
    (PyTorch's `nn.Linear` layout, computing `input · weightᵀ`); `bias` is
    `[N]`. The result is `[..., N]`.

    ```mlir
    %h = xfmr.linear %x, %w, %b {activation = #xfmr<activation gelu>, transpose_weight}
        : (tensor<?x?x768xf32>, tensor<3072x768xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
    ```

    Quantized (int8): `input` and `weight` are 8-bit integers, each with a
    scale and a zero point of its element type (`input_quant`, per tensor:
    0-D or [1]; `weight_quant`, per tensor or per output feature: [N]).
    `input_unsigned` and `weight_unsigned` say that the integers (and their
    zero points) are uint8 rather than int8. The layer computes
    `activation(((input - izp) · (weight - wzp)) * iscale * wscale + bias)`,
    the products summed exactly in i32, the rest in f32 (the result's
    type, which `bias` and the scales share): ONNX's MatMulInteger followed
    by the scale products, as ONNX Runtime's quantizers write it.

    ```mlir
    %y = xfmr.linear %q, %w, %b input_quant(%s, %zp) weight_quant(%ws, %wzp)
        {input_unsigned}
        : (tensor<?x768xi8>, tensor<768x3072xi8>, tensor<3072xf32>, tensor<f32>,
           tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<?x3072xf32>
    ```

    Weight-only 4-bit, in blocks along K (`block_size`, ONNX Runtime's
    MatMulNBits layout): `input` is f32 `[..., K]`; `weight` is
    `[N, KB, block_size / 2]` bytes with `transpose_weight`, each byte two
    consecutive values of one row of Wᵀ (the first in its low nibble, both
    unsigned), `KB = ceil(K / block_size)`; `weight_quant` holds f32 scales
    `[N, KB]` and f32 zero points `[N, KB]` (or 0-D for every block). Row
    `n` of Wᵀ at `k`, in block `b = k / block_size`, is
    `(q - zero_point[n, b]) * scale[n, b]`; values past K in the last block
    multiply zeros. There is no `input_quant`. The lowering reads the
    packed bytes and dequantizes in the matmul's loop, so the weight is read
    at a byte per two values.

    ```mlir
    %y = xfmr.linear %x, %w, %b weight_quant(%s, %zp)
        {block_size = 32 : i64, transpose_weight}
        : (tensor<?x64xf32>, tensor<128x2x16xi8>, tensor<128xf32>,
           tensor<128x2xf32>, tensor<128x2xf32>) -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Xfmr_NumericTensor:$input, Xfmr_NumericTensor:$weight,
                       Optional<Xfmr_FloatTensor>:$bias,
                       Optional<Xfmr_FloatTensor>:$input_scale,
                       Optional<Xfmr_IntTensor>:$input_zero_point,
                       Optional<Xfmr_FloatTensor>:$weight_scale,
                       Optional<Xfmr_NumericTensor>:$weight_zero_point,
                       UnitAttr:$transpose_weight,
                       DefaultValuedAttr<Xfmr_ActivationAttr,
                         "::mlir::xfmr::Activation::none">:$activation,
                       UnitAttr:$input_unsigned,
                       UnitAttr:$weight_unsigned,
                       OptionalAttr<I64Attr>:$block_size);
  let results = (outs Xfmr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)?
    (`input_quant` `(` $input_scale^ `,` $input_zero_point `)`)?
    (`weight_quant` `(` $weight_scale^ `,` $weight_zero_point `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Type":$output, "::mlir::Value":$input,
                   "::mlir::Value":$weight, "::mlir::Value":$bias,
                   "bool":$transpose_weight,
                   CArg<"::mlir::xfmr::Activation",
                        "::mlir::xfmr::Activation::none">:$activation), [{
      build($_builder, $_state, output, input, weight, bias, Value(), Value(),
            Value(), Value(), transpose_weight, activation, false, false,
            ::mlir::IntegerAttr());
    }]>
  ];
  let extraDecl = [{
    /// Whether the weight is quantized: 8-bit integers or 4-bit blocks.
    bool isQuantized() { return getWeightScale() != nullptr; }
    /// Whether the weight is 4-bit blocks (weight-only quantization).
    bool isBlockQuantized() { return getBlockSize().has_value(); }
  }];
}

def Xfmr_MlpOp : Xfmr_ShapedOp<"mlp", [AttrSizedOperandSegments]> {
  let summary = "a transformer feed-forward block, plain or gated";
  let description = [{
    The whole feed-forward block over `input` `[..., D]` with hidden size `H`
    (weights in `[in, out]` layout, biases optional):

    * plain: `down(activation(input · up + up_bias)) `, `up` is `[D, H]`;
    * gated (with `gate`): `(activation(input · gate + gate_bias) *
      (input · up + up_bias)) · down + down_bias` — SwiGLU with `silu`,
      GeGLU with `gelu`.

    `down` is `[H, D_out]`; the result is `[..., D_out]`.

    ```mlir
    %y = xfmr.mlp %x up %wu gate %wg down %wd {activation = #xfmr<activation silu>}
        : (tensor<?x?x512xf32>, tensor<512x1376xf32>, tensor<512x1376xf32>,
           tensor<1376x512xf32>) -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Xfmr_FloatTensor:$input, Xfmr_FloatTensor:$up,
                       Optional<Xfmr_FloatTensor>:$up_bias,
                       Optional<Xfmr_FloatTensor>:$gate,
                       Optional<Xfmr_FloatTensor>:$gate_bias,
                       Xfmr_FloatTensor:$down,
                       Optional<Xfmr_FloatTensor>:$down_bias,
                       Xfmr_ActivationAttr:$activation);
  let results = (outs Xfmr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `up` $up (`bias` $up_bias^)? (`gate` $gate^ (`bias` $gate_bias^)?)?
    `down` $down (`bias` $down_bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Xfmr_AttentionOp : Xfmr_ShapedOp<"attention", [AttrSizedOperandSegments]> {
  let summary = "scaled dot-product attention (MHA, GQA, MQA)";
  let description = [{
    The semantics of ONNX Attention (opset 23) on 4-D operands:
    `query` is `[B, Hq, Sq, D]`, `key` `[B, Hkv, Skv, D]` and `value`
    `[B, Hkv, Skv, Dv]`, with `Hq` a multiple of `Hkv` (each key/value head
    serves `Hq / Hkv` query heads: MHA, GQA, MQA). With `past_key` and
    `past_value` (`[B, Hkv, P, D]`, `[B, Hkv, P, Dv]`), the keys and values
    attended to are the past ones followed by the new ones, and the op also
    returns them as `present_key`/`present_value`.

    `softmax(scale * query · keyᵀ + mask) · value`, where `scale` defaults
    to `1 / sqrt(D)`, `mask` (broadcastable to `[B, Hq, Sq, P + Skv]`) is
    additive when floating point or a keep-mask when `i1`, and `is_causal`
    lets query `i` see key `j` only when `j <= i + P`, with `P` the past's
    length (0 without a past): top-left aligned as in ONNX, which for
    decoding with a past is the query's own position. The result is
    `[B, Hq, Sq, Dv]`. A query whose keys are all masked out gets a row of
    zeros, as in ONNX's reference (and as PyTorch's exported guard
    `where(isnan(p), 0, p)` after the softmax makes of its NaNs).

    With `softcap` (Gemma 2), each scaled score `s` becomes
    `softcap * tanh(s / softcap)` before the mask and bias are added, as in
    ONNX Attention (opset 23). With `left_window` and `right_window`
    (sliding-window attention, ONNX opset 25), query `i` sees key `j` only
    when `i + P - left_window <= j <= i + P + right_window`, each bound only
    where its attribute is given; this combines with `is_causal`.

    With `alibi`, each score also gets an ALiBi bias (BLOOM, MPT, Falcon):
    `alibi_slopes` `[Hq]` holds one slope per query head and
    `alibi_positions` `[B or 1, P + Skv]` the position of each key, and key
    `j` of query head `h` in batch `b` gets `alibi_slopes[h] *
    alibi_positions[b, j]` added to its score (after the scale, with the
    mask). The bias is generated where the scores are, never stored as a
    `[B, Hq, Sq, P + Skv]` tensor. The positions are a tensor, not the key
    index, because exporters compute them from the attention mask (the
    number of attended keys before `j`), which differs from `j` by more than
    a per-row shift when the mask has holes.

    ```mlir
    %o = xfmr.attention %q, %k, %v {is_causal}
        : (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
        -> tensor<1x32x?x64xf32>
    %o2, %pk, %pv = xfmr.attention %q, %k, %v mask %m past %pk0, %pv0
        : (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>,
           tensor<1x1x1x?xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>)
        -> (tensor<1x12x1x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>)
    %o3 = xfmr.attention %q, %k, %v mask %m alibi %slopes, %positions
        : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>,
           tensor<?x1x?x?xf32>, tensor<4xf32>, tensor<?x?xf32>)
        -> tensor<?x4x?x16xf32>
    ```
  }];
  let arguments = (ins Xfmr_FloatTensor:$query, Xfmr_FloatTensor:$key,
                       Xfmr_FloatTensor:$value,
                       Optional<Xfmr_Tensor>:$mask,
                       Optional<Xfmr_FloatTensor>:$past_key,
                       Optional<Xfmr_FloatTensor>:$past_value,
                       OptionalAttr<F32Attr>:$scale,
                       UnitAttr:$is_causal,
                       Optional<Xfmr_FloatTensor>:$alibi_slopes,
                       Optional<Xfmr_FloatTensor>:$alibi_positions,
                       OptionalAttr<F32Attr>:$softcap,
                       OptionalAttr<I64Attr>:$left_window,
                       OptionalAttr<I64Attr>:$right_window);
  let results = (outs Xfmr_FloatTensor:$output,
                      Variadic<Xfmr_FloatTensor>:$present);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)?
    (`past` $past_key^ `,` $past_value)?
    (`alibi` $alibi_slopes^ `,` $alibi_positions)? attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

def Xfmr_RotaryEmbeddingOp : Xfmr_SameShapeOp<"rotary_embedding"> {
  let summary = "rotary position embedding (ONNX RotaryEmbedding)";
  let description = [{
    Rotates the first `rotary_embedding_dim` channels of every head of
    `input` (all of the head when 0) by position-dependent angles, with the
    semantics of ONNX RotaryEmbedding (opset 23). `input` is `[B, H, S, D]`,
    or `[B, S, H * D]` with `num_heads`. `cos_cache` and `sin_cache` are
    `[max_position, R / 2]` indexed by `position_ids` `[B, S]`, or `[B, S,
    R / 2]` when there are no position ids. `interleaved` pairs channels
    `(2i, 2i + 1)` (GPT-J) instead of `(i, i + R / 2)` (rotate-half, LLaMA).

    ```mlir
    %r = xfmr.rotary_embedding %q, %cos, %sin, %pos
        : (tensor<1x8x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>,
           tensor<1x?xi64>) -> tensor<1x8x?x64xf32>
    ```
  }];
  let arguments = (ins Xfmr_FloatTensor:$input, Xfmr_FloatTensor:$cos_cache,
                       Xfmr_FloatTensor:$sin_cache,
                       Optional<Xfmr_IndexTensor>:$position_ids,
                       UnitAttr:$interleaved,
                       DefaultValuedAttr<I64Attr, "0">:$rotary_embedding_dim,
                       DefaultValuedAttr<I64Attr, "0">:$num_heads);
  let results = (outs Xfmr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $cos_cache `,` $sin_cache (`,` $position_ids^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // XFMR_DIALECT_XFMR_IR_XFMRTRANSFORMEROPS_TD
