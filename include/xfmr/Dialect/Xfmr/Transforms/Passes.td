//===- Passes.td - Passes on the xfmr dialect -------------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD
#define XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Graph-level clean-up
//===----------------------------------------------------------------------===//

def XfmrRefineShapesPass : Pass<"xfmr-refine-shapes", "::mlir::func::FuncOp"> {
  let summary = "Propagate static shapes through xfmr ops";
  let description = [{
    Re-runs type inference on every xfmr op, in order, and gives each result
    the most precise type that its operands allow: a dim that inference
    proves static replaces a `?`. Importers and rewrites that introduce
    constants (for example binding a symbolic dim with `--dim`) leave types
    less precise than they could be; this pass, usually alternated with
    `canonicalize` so that shape arithmetic folds, makes them static.

    Function results whose types become more precise are updated in the
    signature when `refine-signature` is set; otherwise a `tensor.cast` keeps
    the signature as it was.

    ```mlir
    // Before: the reshape's shape is a constant, its result type is not.
    %s = xfmr.constant dense<[2, 4]> : tensor<2xi64>
    %r = xfmr.reshape %x, %s : (tensor<8xf32>, tensor<2xi64>) -> tensor<?x?xf32>
    // After: -> tensor<2x4xf32>
    ```
  }];
  let options = [
    Option<"refineSignature", "refine-signature", "bool", /*default=*/"false",
           "Also make the function's result types more precise">,
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// Fusion: the report
//===----------------------------------------------------------------------===//

def XfmrFusionReportPass : Pass<"xfmr-fusion-report", "::mlir::ModuleOp"> {
  let summary = "Print the fused blocks, and why candidates were not fused";
  let description = [{
    Counts, in every function, the blocks that fusion produced
    (`xfmr.attention`, `xfmr.mlp`, `xfmr.linear`, the norms, the activations,
    `xfmr.rotary_embedding`) and prints them as a table, followed by every
    candidate the fusion passes looked at and did not fuse: the kind of block,
    the condition that failed and the ONNX node where it failed. Those notes
    are the `xfmr.fusion_missed` attributes that the fusion passes leave with
    their `explain` option; this pass removes them.

    ```
    fusion report for @main
      block              fused  not fused
      attention              2          0
      layer_norm             5          0  (4 with the residual add)
    not fused:
      attention at '/attn/Softmax': the mask is not broadcastable to the scores
    ```
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "Where to write the report: a file, or '-' for stderr">,
  ];
}

//===----------------------------------------------------------------------===//
// Fusion: norms
//===----------------------------------------------------------------------===//

def XfmrFuseNormsPass : Pass<"xfmr-fuse-norms", "::mlir::func::FuncOp"> {
  let summary = "Fuse decomposed LayerNorms and RMSNorms, and their residual adds";
  let description = [{
    Recognises the norms that exporters spell out op by op and replaces them
    with `xfmr.layer_norm` and `xfmr.rms_norm`:

    * LayerNorm: `d = x - mean(x)`, `d / sqrt(mean(d^2) + epsilon)` (or
      `d * reciprocal(sqrt(..))`, `d * (1 / sqrt(..))`, `d * rsqrt(..)`),
      then an optional scale and bias;
    * RMSNorm: `x / sqrt(mean(x^2) + epsilon)` in the same spellings, with
      identity casts around it, then an optional weight (and bias).

    The means must reduce exactly the trailing dims with `keepdims`, the
    square is `pow(., 2)` or `mul(a, a)`, epsilon a scalar constant, and the
    intermediates may have no users outside the block. A scale or bias is
    absorbed when it has the shape of the normalised dims (leading 1s are
    squeezed away); without a scale the norm gets a constant of ones. Norms
    of one input whose statistics were shared by CSE (a parallel-residual
    block normalises the layer's input twice, for attention and for the
    MLP) part at their scales: each scale of the shared normalisation
    becomes a norm of its own.

    Then every norm whose input is an `xfmr.add` used only by the norm, of
    two operands of provably the same shape, takes the add's right operand
    as its `residual` (a skip-norm).

    With `explain`, every `xfmr.reduce_mean` that starts a norm that was not
    fused carries the reason (`xfmr.fusion_missed`, kind `layer_norm` or
    `rms_norm`).

    ```mlir
    // Before
    %m = xfmr.reduce_mean %x {axes = array<i64: -1>} : (tensor<?x?x64xf32>) -> tensor<?x?x1xf32>
    %d = xfmr.sub %x, %m : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
    %p = xfmr.pow %d, %two : (tensor<?x?x64xf32>, tensor<f32>) -> tensor<?x?x64xf32>
    %v = xfmr.reduce_mean %p {axes = array<i64: -1>} : (tensor<?x?x64xf32>) -> tensor<?x?x1xf32>
    %e = xfmr.add %v, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
    %s = xfmr.sqrt %e : tensor<?x?x1xf32>
    %n = xfmr.div %d, %s : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
    %y = xfmr.mul %n, %gamma : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %z = xfmr.add %y, %beta : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    // After
    %z = xfmr.layer_norm %x, %gamma, %beta {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}
        : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every norm candidate that was not fused why">,
  ];
}

def XfmrPreRMSNormPass : Pass<"xfmr-pre-rmsnorm", "::mlir::func::FuncOp"> {
  let summary = "Turn the LayerNorms of a Pre-LN transformer into RMSNorms";
  let description = [{
    After Jiang et al., "Pre-RMSNorm and Pre-CRMSNorm Transformers:
    Equivalent and Efficient Pre-LN Transformers" (2023). A LayerNorm ignores
    a constant added to each row. In a Pre-LN transformer only LayerNorms
    read the residual stream, so when every write into the stream has its
    mean over the hidden axis removed, the stream has zero mean and every
    LayerNorm equals an RMSNorm with the same scale, bias and epsilon.

    The pass finds the stream from the LayerNorms over the last axis: the
    values they read are sums (`xfmr.add`) and reshapes that keep the last
    dim, down to the writes. Each write must be a linear map with constant
    f32 weights: `xfmr.matmul` by a constant, `xfmr.linear` without
    activation (either weight layout), the down projection of `xfmr.mlp`, an
    `xfmr.gather` from a constant table, or a constant (a bias). Every other
    use of a stream value must be a LayerNorm over the hidden axis, and some
    LayerNorm must read the stream before a residual add (Pre-LN). Then the
    constants are recentred over their output axis (new constants; the old
    ones stay for their other users) and the LayerNorms become
    `xfmr.rms_norm`. Otherwise nothing changes; with `explain`, the
    LayerNorms carry the reason (kind `rms_norm`).

    ```mlir
    // Before: h = x + W_o(attn(LN(x))), read by LayerNorms only.
    %e = xfmr.gather %wte, %ids : (tensor<1000x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
    %n = xfmr.layer_norm %e, %g, %b : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %o = xfmr.linear %n, %w, %c {transpose_weight} : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %h = xfmr.add %e, %o : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %y = xfmr.layer_norm %h, %g, %b : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    // After: %wte' = %wte - rowmean, %w' = %w - mean over dim 0, %c' = %c - mean(%c);
    // both norms are xfmr.rms_norm with %g, %b.
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every LayerNorm that stays one why">,
  ];
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def XfmrQuantizeWeightsPass
    : Pass<"xfmr-quantize-weights", "::mlir::func::FuncOp"> {
  let summary = "Quantize the constant weights of matmuls (int4 or int8)";
  let description = [{
    Rewrites every `xfmr.matmul` of a float input `[..., K]` by a constant
    f32 weight `[K, N]` into a quantized form, at compile time:

    * `mode=int4`: weight-only, in blocks of 32 along K with a scale and a
      zero point per block and column (asymmetric: the block's minimum and
      maximum map onto 0 and 15), as ONNX Runtime's MatMulNBits stores it;
      the result is an `xfmr.linear` with the weight packed two values a
      byte (`block_size`, `weight_quant`), which `xfmr-fuse-linear` then
      gives its bias and activation. Weights read at an eighth of their f32
      bytes.
    * `mode=int8`: dynamic, the form of ONNX Runtime's
      DynamicQuantizeMatMul: the weight as int8 per column (symmetric, a
      scale each), the input quantized at run time to uint8 per tensor
      (its range with zero in it mapped onto [0, 255]), an i32 matmul of
      both centered on their zero points, scaled back to f32. Built from
      xfmr's elementwise ops, reductions and matmul.

    Weights smaller than `min-elements` stay f32 (the quantization error is
    not worth the few bytes). The weight's other users keep the f32
    constant.

    ```mlir
    // Before:
    %y = xfmr.matmul %x, %w : (tensor<?x64xf32>, tensor<64x128xf32>) -> tensor<?x128xf32>
    // After, mode=int4:
    %y = xfmr.linear %x, %q weight_quant(%s, %zp)
        {block_size = 32 : i64, transpose_weight}
        : (tensor<?x64xf32>, tensor<128x2x16xi8>, tensor<128x2xf32>,
           tensor<128x2xf32>) -> tensor<?x128xf32>
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"int4\"",
           "int4 (weight-only, blocks of 32) or int8 (dynamic)">,
    Option<"minElements", "min-elements", "int64_t", /*default=*/"1024",
           "Quantize only weights with at least this many elements">,
  ];
}

//===----------------------------------------------------------------------===//
// Fusion: activations
//===----------------------------------------------------------------------===//

def XfmrFuseActivationsPass
    : Pass<"xfmr-fuse-activations", "::mlir::func::FuncOp"> {
  let summary = "Fuse GELU and SiLU chains into xfmr.gelu and xfmr.silu";
  let description = [{
    Recognises the activations that exporters write out op by op:

    * `0.5 * x * (1 + erf(x / sqrt(2)))` becomes `xfmr.gelu`;
    * `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`, with the
      cube as `pow(x, 3)` or `x * x * x`, becomes `xfmr.gelu` with
      `approximate = tanh`;
    * `x * sigmoid(x)` becomes `xfmr.silu`;
    * `x * sigmoid(1.702 * x)` (CLIP's quick GELU) becomes `xfmr.gelu` with
      `approximate = quick`.

    Products may be associated in any order, divisions by a constant count
    as multiplications by its inverse, and constants must match up to a
    couple of ulps of their type. Every op of the chain but the last must
    have no other users.

    With `explain`, every erf and sigmoid left over, and every tanh whose
    argument looks like a GELU's, carries an `xfmr.fusion_missed` note.

    ```mlir
    // Before (BERT, exported by TorchScript):
    %d = xfmr.div %x, %sqrt2 : (tensor<?x?x3072xf32>, tensor<f32>) -> tensor<?x?x3072xf32>
    %e = xfmr.erf %d : tensor<?x?x3072xf32>
    %a = xfmr.add %e, %one : (tensor<?x?x3072xf32>, tensor<f32>) -> tensor<?x?x3072xf32>
    %m = xfmr.mul %x, %a : (tensor<?x?x3072xf32>, tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32>
    %y = xfmr.mul %m, %half : (tensor<?x?x3072xf32>, tensor<f32>) -> tensor<?x?x3072xf32>
    // After:
    %y = xfmr.gelu %x : tensor<?x?x3072xf32>
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every candidate left unfused why it was not fused">,
  ];
}

//===----------------------------------------------------------------------===//
// Fusion: rotary
//===----------------------------------------------------------------------===//

def XfmrFuseRotaryPass : Pass<"xfmr-fuse-rotary", "::mlir::func::FuncOp"> {
  let summary = "Fuse rotate-half rotary embeddings into xfmr.rotary_embedding";
  let description = [{
    Recognises the rotary position embedding of LLaMA and GPT-NeoX,
    `x * cos + rotate_half(x) * sin` with `rotate_half(x) =
    concat(-x[..., D/2:], x[..., :D/2])` on a `[B, H, S, D]` head, and
    rewrites it into `xfmr.rotary_embedding`. The `[.., S, D]` cos and sin
    tables must provably have equal halves; the op's `[B, S, D/2]` caches are
    derived where the tables are made:

    * `cos(concat(f, f))` and `sin(concat(f, f))` give `cos(f)` and
      `sin(f)`;
    * rows of a constant cache gathered by position ids give the first half
      of the cache, and the ids become the op's `position_ids`;
    * a constant table gives its first half.

    Caches (and position ids) that the original graph broadcast over the
    batch or the sequence are expanded to `x`'s, as numpy broadcasting did.
    A rotation of the first `R` channels whose result is concatenated with
    the others (partial rotary) becomes one op with
    `rotary_embedding_dim = R`. Every op of the rotation but `x` must have no
    other users.

    With `explain`, every concat shaped like `rotate_half` that did not fuse
    carries an `xfmr.fusion_missed` note.

    ```mlir
    // Before (LLaMA): %c, %s = cos/sin(concat(%f, %f)) unsqueezed to [1, 1, S, 64]
    %lo = xfmr.slice %q, %c0, %c32, %cm1 : ... -> tensor<?x8x?x32xf32>
    %hi = xfmr.slice %q, %c32, %max, %cm1 : ... -> tensor<?x8x?x32xf32>
    %n = xfmr.neg %hi : tensor<?x8x?x32xf32>
    %r = xfmr.concat %n, %lo {axis = -1 : i64} : ... -> tensor<?x8x?x64xf32>
    %a = xfmr.mul %q, %c : ... -> tensor<?x8x?x64xf32>
    %b = xfmr.mul %r, %s : ... -> tensor<?x8x?x64xf32>
    %y = xfmr.add %a, %b : ... -> tensor<?x8x?x64xf32>
    // After: %cf, %sf = cos/sin(%f), expanded to [B, S, 32]
    %y = xfmr.rotary_embedding %q, %cf, %sf
        : (tensor<?x8x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>)
        -> tensor<?x8x?x64xf32>
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every candidate left unfused why it was not fused">,
  ];
}

//===----------------------------------------------------------------------===//
// Fusion: linear and MLP
//===----------------------------------------------------------------------===//

def XfmrFuseLinearPass : Pass<"xfmr-fuse-linear", "::mlir::func::FuncOp"> {
  let summary = "Fuse a matmul with a 2-D weight, its bias and activation into xfmr.linear";
  let description = [{
    Rewrites `matmul(x, W)` with a 2-D `W` `[K, N]` into `xfmr.linear`, and
    `matmul(x, transpose(W))` (ONNX Gemm with `transB`, tied embeddings)
    into `xfmr.linear` with `transpose_weight`. A following `add` of a bias
    that is `[N]`, or broadcasts exactly as `[N]` (`[1, 1, N]`), becomes the
    layer's bias, and a following `xfmr.gelu`, `xfmr.silu`, `xfmr.relu`,
    `xfmr.sigmoid` or `xfmr.tanh` its activation, when the layer's result
    has no other user. Matmuls whose right operand is not 2-D (attention's
    batched products) are left alone. Quantized layers (int8, and 4-bit
    weights in blocks, as the importer makes them from MatMulNBits) take
    their bias and activation the same way.

    An activation applied after a reshape of the layer's result (GPT-2's
    Conv1D flattens the rows around each projection) moves before the
    reshape, and a reshape that provably gives back the shape of the tensor
    before an earlier reshape folds away, so that consecutive projections
    meet.

    ```mlir
    // Before:
    %t = xfmr.transpose %w {permutation = array<i64: 1, 0>}
        : (tensor<64x64xf32>) -> tensor<64x64xf32>
    %m = xfmr.matmul %x, %t : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
    %a = xfmr.add %m, %b : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    %y = xfmr.tanh %a : tensor<?x64xf32>
    // After:
    %y = xfmr.linear %x, %w, %b {activation = #xfmr<activation tanh>, transpose_weight}
        : (tensor<?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```

    A float layer over two dequantized 8-bit tensors (the importer's
    DequantizeLinear, `mul(sub(float(q), zp), scale)`, of the input and of
    a constant weight: ONNX's QDQ format) becomes a quantized layer over
    the 8-bit tensors, with the scales and zero points of the two
    DequantizeLinears; the input's per tensor, the weight's per tensor or
    per output feature.

    A float layer over a constant 4-bit weight `[K, N]` dequantized in
    blocks along K (DequantizeLinear with `block_size` of an int4 or uint4
    initializer: MatMulNBitsQuantizer's QDQ format) becomes a 4-bit layer,
    the weight repacked at compile time into MatMulNBits' nibbles
    `[N, blocks, block_size / 2]` (int4 values and zero points moved by 8
    into 0..15) with f32 scales and zero points `[N, blocks]`.

    With `explain`, matmuls with a 2-D right operand that did not become a
    layer, and constant adds and activations after a layer that were not
    folded into it, carry an `xfmr.fusion_missed` note of kind `linear`;
    float layers over dequantized operands (8-bit, or 4-bit in blocks) that
    stayed float, one of kind `quantized_linear`.
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every candidate left why it was not fused">,
  ];
}

def XfmrFuseMlpPass : Pass<"xfmr-fuse-mlp", "::mlir::func::FuncOp"> {
  let summary = "Fuse up/gate/down linear layers into xfmr.mlp";
  let description = [{
    Runs after `xfmr-fuse-linear` and rewrites the feed-forward blocks made
    of its layers into `xfmr.mlp`:

    * plain: `linear(x, up, act)` whose only user is `linear(·, down)`
      without activation;
    * gated: `mul(linear(x, gate, act), linear(x, up))`, in either order,
      whose only user is the down projection (SwiGLU with `silu`, GeGLU with
      `gelu`); also with gate and up in one projection split in two halves
      along the features, `mul(act(h#0), h#1)`, or cut in halves by two
      `xfmr.slice`s of the last axis with constant bounds (`chunk(2)` as the
      TorchScript exporter writes it).

    `xfmr.mlp` takes its weights in `[in, out]` layout: a transposed or
    split constant weight is folded into a new constant at compile time
    (an `xfmr.transpose` or `xfmr.slice` when the weight is not constant).

    ```mlir
    // Before:
    %g = xfmr.linear %x, %wg {activation = #xfmr<activation silu>}
        : (tensor<?x?x64xf32>, tensor<64x128xf32>) -> tensor<?x?x128xf32>
    %u = xfmr.linear %x, %wu : (tensor<?x?x64xf32>, tensor<64x128xf32>) -> tensor<?x?x128xf32>
    %h = xfmr.mul %g, %u : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
    %y = xfmr.linear %h, %wd : (tensor<?x?x128xf32>, tensor<128x64xf32>) -> tensor<?x?x64xf32>
    // After:
    %y = xfmr.mlp %x up %wu gate %wg down %wd {activation = #xfmr<activation silu>}
        : (tensor<?x?x64xf32>, tensor<64x128xf32>, tensor<64x128xf32>,
           tensor<128x64xf32>) -> tensor<?x?x64xf32>
    ```

    With `explain`, every linear layer with an activation whose result does
    not feed a down projection carries an `xfmr.fusion_missed` note of kind
    `mlp`.
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every candidate left why it was not fused">,
  ];
}

//===----------------------------------------------------------------------===//
// Fusion: attention
//===----------------------------------------------------------------------===//

def XfmrFuseAttentionPass : Pass<"xfmr-fuse-attention", "::mlir::func::FuncOp"> {
  let summary = "Fuse scaled dot-product attention into xfmr.attention";
  let description = [{
    Starting from each `xfmr.softmax` over the last axis, recognises
    `softmax(scale * q · kᵀ + mask) · v` as exporters write it and replaces
    the product with the values by one `xfmr.attention`:

    - `kᵀ` is a transpose of the key's last two dims, possibly composed with
      the head-split transpose (`[0, 2, 3, 1]` of `[B, S, H, D]`) or written
      as a flatten, 3-D transpose and unflatten (dynamo); the op gets `k`;
    - scalar constant multiplications or divisions of `q`, `kᵀ` or the
      scores fold into `scale`, which is always set;
    - an additive mask is kept; `where(keep, 0, -inf)` masks and
      `where(drop, -inf, s)` fills become an `i1` keep mask, and a term of
      it that is proven to be the causal triangle (constants checked entry
      by entry; ranges, comparisons and `trilu` proven against the scores'
      dims) becomes `is_causal`; with a triangle offset by a concatenated
      past, the past key and value become operands and the op's present
      results replace the concatenations;
    - PyTorch's `where(isnan(p), 0, p)` after the softmax is absorbed;
    - key/value heads repeated for grouped-query attention (unsqueeze,
      expand, reshape) are un-repeated; a query of one token whose group of
      heads is folded into its rows (`[B, Hq, 1, D]` reshaped to
      `[B, Hkv, G, D]`, torch's SDPA with `enable_gqa` traced by
      TorchScript for decoding) against un-repeated keys becomes the op's
      4-D query, with the product split back to `[B, Hq, 1, Dv]`;
    - an ALiBi bias added to the scores, `slopes * positions` broadcast to
      `[B, H, 1, T]` (slopes static 1 but for the heads, positions static 1
      but for the batch and the keys), becomes the op's `alibi` operands:
      the slopes as `[H]` (times the scales applied after the bias) and the
      positions as `[B or 1, T]`. The positions are whatever the graph
      computes, such as BLOOM's `(cumsum(mask) - 1) * mask`;
    - BLOOM's baddbmm form, the heads merged into the batch: scores
      `[B * H, Sq, T]` from `q`, `k` and `v` reshaped from `[B, H, S, D]`,
      with the bias reshaped to `[B * H, 1, T]`, split back to
      `[B, H, Sq, T]` for the mask and softmax and merged again for the
      product with the values. A merge is proven by two of its three dims
      (the first as the exporters' product `B * H`, the others as the
      source's), the element count giving the third; shapes read off the
      merged output (TorchScript's `shape[0] // H`) are rebuilt from the
      op's output;
    - QDQ graphs (`quantize_static`): QuantizeLinear -> DequantizeLinear
      round trips become float fake quantization first (as in
      `xfmr-fuse-linear`); those of `q`, `k` and `v` move above the head
      split onto the projections (exact), and those of the scores and the
      probabilities (per-tensor constant scale and zero point) are seen
      through and dropped: the op computes them in f32.

    Dims are proven equal by tracing them through the graph, so dynamic
    shapes fuse too. With `explain`, every softmax left carries an
    `xfmr.fusion_missed` note saying which condition failed and where.

    ```mlir
    // Before:
    %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>}
        : (tensor<?x12x?x64xf32>) -> tensor<?x12x64x?xf32>
    %s = xfmr.matmul %q, %kt : (...) -> tensor<?x12x?x?xf32>
    %ss = xfmr.mul %s, %c : (tensor<?x12x?x?xf32>, tensor<f32>) -> tensor<?x12x?x?xf32>
    %m = xfmr.add %ss, %mask : (...) -> tensor<?x12x?x?xf32>
    %p = xfmr.softmax %m : tensor<?x12x?x?xf32>
    %o = xfmr.matmul %p, %v : (...) -> tensor<?x12x?x64xf32>
    // After:
    %o = xfmr.attention %q, %k, %v mask %mask {scale = 1.250000e-01 : f32}
        : (...) -> tensor<?x12x?x64xf32>
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every softmax left why it was not fused">,
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

#endif // XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD
