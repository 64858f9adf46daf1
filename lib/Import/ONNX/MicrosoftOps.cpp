//===- MicrosoftOps.cpp - Importing ONNX Runtime's com.microsoft ops ------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The contrib ops that ONNX Runtime's transformer optimizer writes, so that a
// model it already optimized imports too. Their semantics follow ONNX
// Runtime's contrib op documentation; forms xfmr does not implement (packed
// QKV, mask_index as lengths, ...) are reported as unsupported, never
// guessed.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "TransformerImport.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

static constexpr llvm::StringLiteral kMs = "com.microsoft";

/// `a + b`, or `a` when b is absent.
static FailureOr<Value> addIfPresent(NodeContext &ctx, Value a, Value b) {
  if (!b)
    return a;
  return ctx.value<x::AddOp>(a, b);
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

/// SkipLayerNormalization / SkipSimplifiedLayerNormalization:
/// norm(input + skip + bias); output 3 is that sum.
template <typename OpTy, bool hasBeta>
static LogicalResult convertSkipNorm(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  FailureOr<Value> skip = ctx.requiredInput(1, "skip");
  FailureOr<Value> gamma = ctx.requiredInput(2, "gamma");
  if (failed(input) || failed(skip) || failed(gamma))
    return failure();
  Value beta = hasBeta ? ctx.input(3) : Value();
  Value bias = ctx.input(hasBeta ? 4 : 3);
  FailureOr<Value> biased = addIfPresent(ctx, *input, bias);
  if (failed(biased))
    return failure();
  Builder &b = ctx.builder();
  Value normInput = *biased, residual = *skip, sum;
  if (ctx.isOutputUsed(3)) {
    FailureOr<Value> s = ctx.value<x::AddOp>(*biased, *skip);
    if (failed(s))
      return failure();
    sum = normInput = *s;
    residual = Value();
  }
  FailureOr<Value> result =
      ctx.value<OpTy>(normInput, *gamma, beta, residual,
                      b.getI64IntegerAttr(-1),
                      b.getF32FloatAttr(ctx.getFloat("epsilon", 1e-12f)));
  if (failed(result))
    return failure();
  return ctx.setOutputs({*result, Value(), Value(), sum});
}

static LogicalResult convertSimplifiedLayerNorm(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  FailureOr<Value> scale = ctx.requiredInput(1, "scale");
  if (failed(input) || failed(scale))
    return failure();
  Builder &b = ctx.builder();
  FailureOr<Value> result = ctx.value<x::RmsNormOp>(
      *input, *scale, Value(), Value(),
      b.getI64IntegerAttr(ctx.getInt("axis", -1)),
      b.getF32FloatAttr(ctx.getFloat("epsilon", 1e-5f)));
  if (failed(result))
    return failure();
  return ctx.setOutputs({*result});
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

/// FastGelu (tanh approximation) and BiasGelu (exact), both of X + bias.
template <x::GeluApproximation approximation>
static LogicalResult convertBiasedGelu(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  FailureOr<Value> biased = addIfPresent(ctx, *input, ctx.input(1));
  if (failed(biased))
    return failure();
  FailureOr<Value> result = ctx.value<x::GeluOp>(
      *biased, x::GeluApproximationAttr::get(ctx.context(), approximation));
  return ctx.setOutput(result);
}

/// QuickGelu: x * sigmoid(alpha * x); with alpha = 1 that is SiLU, which is
/// how ONNX Runtime writes the SiLU of LLaMA's MLP, and with its default
/// alpha 1.702 the quick GELU of CLIP.
static LogicalResult convertQuickGelu(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  float alpha = ctx.getFloat("alpha", 1.702f);
  if (alpha == 1.0f)
    return ctx.setOutput(ctx.value<x::SiluOp>(*input));
  if (alpha == static_cast<float>(x::kQuickGeluAlpha))
    return ctx.setOutput(ctx.value<x::GeluOp>(
        *input, x::GeluApproximationAttr::get(ctx.context(),
                                              x::GeluApproximation::quick)));
  Type elementType = ctx.inputType(0).getElementType();
  FailureOr<Value> scaled =
      ctx.value<x::MulOp>(*input, ctx.scalar(elementType, alpha));
  FailureOr<Value> gate = succeeded(scaled) ? ctx.value<x::SigmoidOp>(*scaled)
                                            : FailureOr<Value>(failure());
  if (failed(gate))
    return failure();
  return ctx.setOutput(ctx.value<x::MulOp>(*input, *gate));
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

/// `v` with its last two dims swapped.
static FailureOr<Value> swapLastDims(NodeContext &ctx, Value v) {
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[rank - 2], perm[rank - 1]);
  return ctx.value<x::TransposeOp>(v, ctx.builder().getDenseI64ArrayAttr(perm));
}

/// FusedMatMul: alpha * A' B', where transA/transB swap the last two dims of
/// a matrix or a batch of matrices (ONNX Runtime folds a transpose and a
/// scale into the MatMul of attention scores).
static LogicalResult convertFusedMatMul(NodeContext &ctx) {
  FailureOr<Value> a = ctx.requiredInput(0, "A");
  FailureOr<Value> b = ctx.requiredInput(1, "B");
  if (failed(a) || failed(b))
    return failure();
  if (ctx.getInt("transBatchA", 0) || ctx.getInt("transBatchB", 0))
    return ctx.unsupported("transBatchA/transBatchB");
  for (unsigned i = 0; i < 2; ++i) {
    if (ctx.getInt(i == 0 ? "transA" : "transB", 0) &&
        ctx.inputType(i).getRank() < 2)
      return ctx.emitError() << (i == 0 ? "transA" : "transB")
                             << " needs an input of rank 2 or more";
  }
  if (ctx.getInt("transA", 0))
    a = swapLastDims(ctx, *a);
  if (succeeded(a) && ctx.getInt("transB", 0))
    b = swapLastDims(ctx, *b);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> y = ctx.matmul(*a, *b);
  float alpha = ctx.getFloat("alpha", 1.0f);
  if (succeeded(y) && alpha != 1.0f)
    y = ctx.value<x::MulOp>(
        *y, ctx.scalar(ctx.inputType(0).getElementType(), alpha));
  return ctx.setOutput(y);
}

/// FusedGemm: Gemm followed by the activation its `activation` names.
static LogicalResult convertFusedGemm(NodeContext &ctx) {
  std::string activation = ctx.getString("activation", "");
  auto apply = [&](Value y) -> FailureOr<Value> {
    if (activation.empty())
      return y;
    if (activation == "Relu")
      return ctx.value<x::ReluOp>(y);
    if (activation == "Tanh")
      return ctx.value<x::TanhOp>(y);
    if (activation == "Sigmoid")
      return ctx.value<x::SigmoidOp>(y);
    if (activation == "LeakyRelu")
      return ctx.value<x::LeakyReluOp>(
          y, ctx.builder().getF32FloatAttr(
                 ctx.getFloat("activation_alpha", 0.01f)));
    return ctx.unsupported("activation '" + activation + "'");
  };
  FailureOr<Value> y = buildGemm(ctx);
  if (failed(y))
    return failure();
  return ctx.setOutput(apply(*y));
}

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

/// com.microsoft RotaryEmbedding: (input, position_ids, cos, sin); a 4-D
/// input is [B, S, H, D] here, unlike the ONNX op's [B, H, S, D].
static LogicalResult convertMsRotaryEmbedding(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  FailureOr<Value> positions = ctx.requiredInput(1, "position_ids");
  FailureOr<Value> cos = ctx.requiredInput(2, "cos_cache");
  FailureOr<Value> sin = ctx.requiredInput(3, "sin_cache");
  if (failed(input) || failed(positions) || failed(cos) || failed(sin))
    return failure();
  if (ctx.getFloat("scale", 1.0f) != 1.0f)
    return ctx.unsupported("scale other than 1");
  if (ctx.getInt("is_packed_batching", 0))
    return ctx.unsupported("packed batching");
  if (ctx.inputType(1).getRank() != 2)
    return ctx.unsupported("position_ids that are not [batch, sequence]");
  Builder &b = ctx.builder();
  bool fourD = ctx.inputType(0).getRank() == 4;
  auto swap = b.getDenseI64ArrayAttr({0, 2, 1, 3});
  FailureOr<Value> x = *input;
  if (fourD)
    x = ctx.value<x::TransposeOp>(*input, swap);
  if (failed(x))
    return failure();
  FailureOr<Value> result = ctx.value<x::RotaryEmbeddingOp>(
      *x, *cos, *sin, *positions,
      ctx.getInt("interleaved", 0) ? b.getUnitAttr() : UnitAttr(),
      b.getI64IntegerAttr(ctx.getInt("rotary_embedding_dim", 0)),
      b.getI64IntegerAttr(fourD ? 0 : ctx.getInt("num_heads", 0)));
  if (succeeded(result) && fourD)
    result = ctx.value<x::TransposeOp>(*result, swap);
  return ctx.setOutput(result);
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// A [B, T] 0/1 key padding mask (1 = attend) as a boolean [B, 1, 1, T].
static FailureOr<Value> keyPaddingMask(NodeContext &ctx, Value mask) {
  auto type = cast<RankedTensorType>(mask.getType());
  if (type.getRank() != 2)
    return ctx.unsupported("a key padding mask that is not [batch, "
                           "total_sequence] (mask lengths or 3-D masks)");
  FailureOr<Value> keep = ctx.castTo(mask, ctx.builder().getI1Type());
  if (failed(keep))
    return failure();
  return ctx.value<x::UnsqueezeOp>(*keep,
                                   ctx.builder().getDenseI64ArrayAttr({1, 2}));
}

/// Combines a boolean keep-mask and an additive bias into one additive mask.
static FailureOr<Value> combineMasks(NodeContext &ctx, Value keep,
                                     Value bias) {
  if (!keep || !bias)
    return keep ? keep : bias;
  Type elementType = cast<RankedTensorType>(bias.getType()).getElementType();
  Value minusInf =
      ctx.scalar(elementType, -std::numeric_limits<double>::infinity());
  return ctx.value<x::WhereOp>(keep, bias, minusInf);
}

/// The mask of the contrib attention ops: the key padding mask at input
/// `paddingInput` combined with the additive bias at input `biasInput`.
static FailureOr<Value> contribMask(NodeContext &ctx, unsigned paddingInput,
                                    std::optional<unsigned> biasInput) {
  FailureOr<Value> keep = Value();
  if (Value padding = ctx.input(paddingInput))
    keep = keyPaddingMask(ctx, padding);
  if (failed(keep))
    return failure();
  return combineMasks(ctx, *keep, biasInput ? ctx.input(*biasInput) : Value());
}

/// q, k and v split into heads, [B, S, H * D] -> [B, H, S, D] each.
static FailureOr<SmallVector<Value>> splitQkvHeads(NodeContext &ctx, Value q,
                                                   Value k, Value v,
                                                   int64_t qHeads,
                                                   int64_t kvHeads) {
  SmallVector<Value> result;
  for (auto [value, heads] :
       {std::pair{q, qHeads}, std::pair{k, kvHeads}, std::pair{v, kvHeads}}) {
    FailureOr<Value> split = splitHeads(ctx, value, heads);
    if (failed(split))
      return failure();
    result.push_back(*split);
  }
  return result;
}

static std::optional<float> getScale(NodeContext &ctx) {
  float scale = ctx.getFloat("scale", 0.0f);
  return scale == 0.0f ? std::nullopt : std::optional<float>(scale);
}

/// MultiHeadAttention with separate 3-D query, key and value.
static LogicalResult convertMultiHeadAttention(NodeContext &ctx) {
  FailureOr<Value> q = ctx.requiredInput(0, "query");
  if (failed(q))
    return failure();
  Value k = ctx.input(1), v = ctx.input(2);
  if (!k || !v || ctx.inputType(0).getRank() != 3 ||
      cast<RankedTensorType>(k.getType()).getRank() != 3)
    return ctx.unsupported("packed QKV/KV or 4-D key and value (xfmr takes "
                           "3-D query, key and value)");
  if (ctx.input(8) || ctx.input(9))
    return ctx.unsupported("past_sequence_length or cache_indirection");
  int64_t heads = ctx.getInt("num_heads", 0);
  if (heads <= 0)
    return ctx.emitError() << "MultiHeadAttention needs num_heads";

  // A packed bias [3 * hidden] adds to q, k and v.
  FailureOr<Value> qb = *q, kb = k, vb = v;
  if (Value bias = ctx.input(3)) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || biasType.isDynamicDim(0) ||
        biasType.getDimSize(0) % 3 != 0)
      return ctx.emitError() << "MultiHeadAttention bias must be [3 * hidden]";
    int64_t third = biasType.getDimSize(0) / 3;
    FailureOr<x::SplitOp> parts = ctx.create<x::SplitOp>(
        bias, ctx.builder().getI64IntegerAttr(0),
        ctx.builder().getDenseI64ArrayAttr({third, third, third}));
    if (failed(parts))
      return failure();
    qb = ctx.value<x::AddOp>(*q, parts->getOutputs()[0]);
    if (succeeded(qb))
      kb = ctx.value<x::AddOp>(k, parts->getOutputs()[1]);
    if (succeeded(kb))
      vb = ctx.value<x::AddOp>(v, parts->getOutputs()[2]);
    if (failed(vb))
      return failure();
  }
  FailureOr<SmallVector<Value>> qkv =
      splitQkvHeads(ctx, *qb, *kb, *vb, heads, heads);
  FailureOr<Value> mask = succeeded(qkv) ? contribMask(ctx, 4, 5)
                                         : FailureOr<Value>(failure());
  if (failed(mask))
    return failure();
  Value pastKey = ctx.input(6), pastValue = ctx.input(7);
  FailureOr<x::AttentionOp> attention =
      buildAttention(ctx, (*qkv)[0], (*qkv)[1], (*qkv)[2], *mask, pastKey,
                     pastValue, getScale(ctx),
                     ctx.getInt("unidirectional", 0) != 0);
  if (failed(attention))
    return failure();
  FailureOr<Value> output = mergeHeads(ctx, attention->getOutput());
  if (failed(output))
    return failure();
  Value presentKey = pastKey ? attention->getPresent()[0] : (*qkv)[1];
  Value presentValue = pastKey ? attention->getPresent()[1] : (*qkv)[2];
  return ctx.setOutputs({*output, presentKey, presentValue});
}

/// The attention of the contrib Attention and QAttention ops over their
/// packed projection `qkv` ([B, S, q + k + v], bias added): `num_heads`,
/// `qkv_hidden_sizes`, `scale` and `unidirectional` read from the node, the
/// key padding mask at input `maskInput`, the additive bias at `biasInput`.
FailureOr<Value> mlir::xfmr::onnx_import::attentionOfPackedQkv(
    NodeContext &ctx, Value qkv, unsigned maskInput,
    std::optional<unsigned> biasInput) {
  int64_t heads = ctx.getInt("num_heads", 0);
  if (heads <= 0)
    return ctx.emitError() << ctx.opType() << " needs num_heads";
  auto qkvType = cast<RankedTensorType>(qkv.getType());
  if (qkvType.getRank() != 3 || qkvType.isDynamicDim(2))
    return ctx.emitError() << ctx.opType()
                           << " needs a 3-D input and static weights";
  int64_t width = qkvType.getDimSize(2);
  llvm::SmallVector<int64_t> sizes = ctx.getInts("qkv_hidden_sizes");
  if (sizes.empty())
    sizes = {width / 3, width / 3, width / 3};
  if (sizes.size() != 3 || sizes[0] != sizes[1] ||
      sizes[0] + sizes[1] + sizes[2] != width)
    return ctx.emitError() << ctx.opType()
                           << " qkv_hidden_sizes must give q, k, v sizes "
                              "(q = k) adding up to the weights' width";
  FailureOr<x::SplitOp> parts =
      ctx.create<x::SplitOp>(qkv, ctx.builder().getI64IntegerAttr(-1),
                             ctx.builder().getDenseI64ArrayAttr(sizes));
  if (failed(parts))
    return failure();
  ValueRange parts3 = parts->getOutputs();
  FailureOr<SmallVector<Value>> qkvHeads =
      splitQkvHeads(ctx, parts3[0], parts3[1], parts3[2], heads, heads);
  if (failed(qkvHeads))
    return failure();
  FailureOr<Value> mask = contribMask(ctx, maskInput, biasInput);
  if (failed(mask))
    return failure();
  FailureOr<x::AttentionOp> attention = buildAttention(
      ctx, (*qkvHeads)[0], (*qkvHeads)[1], (*qkvHeads)[2], *mask, Value(),
      Value(), getScale(ctx), ctx.getInt("unidirectional", 0) != 0);
  if (failed(attention))
    return failure();
  return mergeHeads(ctx, attention->getOutput());
}

/// Attention: the input projected by packed QKV weights, then attention.
static LogicalResult convertMsAttention(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  FailureOr<Value> weights = ctx.requiredInput(1, "weights");
  if (failed(input) || failed(weights))
    return failure();
  if (ctx.input(4))
    return ctx.unsupported("the packed past input (export with "
                           "MultiHeadAttention or GroupQueryAttention)");
  if (ctx.input(6) || ctx.input(7))
    return ctx.unsupported("past_sequence_length or cache inputs");
  FailureOr<Value> qkv = ctx.matmul(*input, *weights);
  if (succeeded(qkv))
    qkv = addIfPresent(ctx, *qkv, ctx.input(2));
  if (failed(qkv))
    return failure();
  return ctx.setOutput(attentionOfPackedQkv(ctx, *qkv, 3, 5));
}

/// A 0-D i64 scalar read from dim `dim` of `v`.
static FailureOr<Value> dimScalar(NodeContext &ctx, Value v, int64_t dim) {
  Builder &b = ctx.builder();
  FailureOr<Value> shape = ctx.value<x::ShapeOp>(v, IntegerAttr(), IntegerAttr());
  if (failed(shape))
    return failure();
  return ctx.value<x::GatherOp>(*shape, ctx.scalar(b.getI64Type(), dim),
                                b.getI64IntegerAttr(0));
}

/// `v` reshaped to rank 4 with its one dim at position `at`.
static FailureOr<Value> spreadTo4d(NodeContext &ctx, Value v, int64_t at) {
  llvm::SmallVector<int64_t> axes;
  for (int64_t i = 0; i < 4; ++i)
    if (i != at)
      axes.push_back(i);
  return ctx.value<x::UnsqueezeOp>(v, ctx.builder().getDenseI64ArrayAttr(axes));
}

/// GroupQueryAttention: causal attention of `num_heads` query heads over
/// `kv_num_heads` key/value heads, the past followed by the new keys.
/// `seqlens_k[b]` is the index of the last valid key of batch `b`; the
/// query at step i sits at position seqlens_k[b] - S + 1 + i and sees the
/// keys up to it. That mask is built explicitly, so padded batches are
/// exact; with `do_rotary`, q and k are rotated at those positions.
static LogicalResult convertGroupQueryAttention(NodeContext &ctx) {
  FailureOr<Value> query = ctx.requiredInput(0, "query");
  FailureOr<Value> seqlens = ctx.requiredInput(5, "seqlens_k");
  if (failed(query) || failed(seqlens))
    return failure();
  if (ctx.getInt("local_window_size", -1) != -1)
    return ctx.unsupported("local_window_size (sliding windows)");
  if (ctx.getFloat("softcap", 0.0f) != 0.0f)
    return ctx.unsupported("softcap");
  if (ctx.getInt("smooth_softmax", 0))
    return ctx.unsupported("smooth_softmax");
  for (unsigned i = 9; i < ctx.numInputs(); ++i)
    if (ctx.input(i))
      return ctx.unsupported("input " + llvm::Twine(i) +
                             " (position_ids, attention_bias, head_sink)");
  int64_t qHeads = ctx.getInt("num_heads", 0);
  int64_t kvHeads = ctx.getInt("kv_num_heads", 0);
  if (qHeads <= 0 || kvHeads <= 0)
    return ctx.emitError()
           << "GroupQueryAttention needs num_heads and kv_num_heads";
  if (ctx.inputType(0).getRank() != 3)
    return ctx.unsupported("a query that is not [batch, sequence, hidden]");
  Builder &b = ctx.builder();

  // Separate or packed QKV.
  Value q = *query, k = ctx.input(1), v = ctx.input(2);
  if (!k || !v) {
    int64_t hidden = ctx.inputType(0).getShape().back();
    if (ShapedType::isDynamic(hidden) ||
        hidden % (qHeads + 2 * kvHeads) != 0)
      return ctx.emitError() << "packed QKV of " << hidden
                             << " features does not split into "
                             << qHeads + 2 * kvHeads << " heads";
    int64_t d = hidden / (qHeads + 2 * kvHeads);
    FailureOr<x::SplitOp> parts = ctx.create<x::SplitOp>(
        q, b.getI64IntegerAttr(-1),
        b.getDenseI64ArrayAttr({qHeads * d, kvHeads * d, kvHeads * d}));
    if (failed(parts))
      return failure();
    q = parts->getOutputs()[0];
    k = parts->getOutputs()[1];
    v = parts->getOutputs()[2];
  }
  FailureOr<SmallVector<Value>> qkv =
      splitQkvHeads(ctx, q, k, v, qHeads, kvHeads);
  if (failed(qkv))
    return failure();
  FailureOr<Value> q4 = (*qkv)[0], k4 = (*qkv)[1];
  Value v4 = (*qkv)[2];

  // Query positions [B, S]: seqlens_k - S + 1 + i.
  Type i64 = b.getI64Type();
  FailureOr<Value> lengths = ctx.castTo(*seqlens, i64);
  FailureOr<Value> steps = dimScalar(ctx, q, 1);
  if (failed(lengths) || failed(steps))
    return failure();
  FailureOr<Value> stepRange =
      ctx.value<x::RangeOp>(ctx.scalar(i64, 0), *steps, ctx.scalar(i64, 1));
  FailureOr<Value> first = ctx.value<x::SubOp>(*lengths, *steps);
  if (failed(stepRange) || failed(first))
    return failure();
  first = ctx.value<x::AddOp>(*first, ctx.scalar(i64, 1));
  FailureOr<Value> firstCol =
      succeeded(first) ? ctx.value<x::UnsqueezeOp>(*first,
                                                   b.getDenseI64ArrayAttr({1}))
                       : FailureOr<Value>(failure());
  FailureOr<Value> positions =
      succeeded(firstCol) ? ctx.value<x::AddOp>(*firstCol, *stepRange)
                          : FailureOr<Value>(failure());
  if (failed(positions))
    return failure();

  if (ctx.getInt("do_rotary", 0)) {
    FailureOr<Value> cos = ctx.requiredInput(7, "cos_cache");
    FailureOr<Value> sin = ctx.requiredInput(8, "sin_cache");
    if (failed(cos) || failed(sin))
      return failure();
    UnitAttr interleaved =
        ctx.getInt("rotary_interleaved", 0) ? b.getUnitAttr() : UnitAttr();
    q4 = ctx.value<x::RotaryEmbeddingOp>(*q4, *cos, *sin, *positions,
                                         interleaved, b.getI64IntegerAttr(0),
                                         b.getI64IntegerAttr(0));
    if (failed(q4))
      return failure();
    k4 = ctx.value<x::RotaryEmbeddingOp>(*k4, *cos, *sin, *positions,
                                         interleaved, b.getI64IntegerAttr(0),
                                         b.getI64IntegerAttr(0));
    if (failed(k4))
      return failure();
  }

  // keep[b, 0, i, j] = j <= positions[b, i], over all past + new keys.
  Value pastKey = ctx.input(3), pastValue = ctx.input(4);
  FailureOr<Value> total = dimScalar(ctx, *k4, 2);
  if (succeeded(total) && pastKey) {
    FailureOr<Value> past = dimScalar(ctx, pastKey, 2);
    total = succeeded(past) ? ctx.value<x::AddOp>(*total, *past)
                            : FailureOr<Value>(failure());
  }
  if (failed(total))
    return failure();
  FailureOr<Value> keys =
      ctx.value<x::RangeOp>(ctx.scalar(i64, 0), *total, ctx.scalar(i64, 1));
  FailureOr<Value> keys4 =
      succeeded(keys) ? spreadTo4d(ctx, *keys, 3) : FailureOr<Value>(failure());
  FailureOr<Value> pos4 =
      succeeded(keys4)
          ? ctx.value<x::UnsqueezeOp>(*positions, b.getDenseI64ArrayAttr({1, 3}))
          : FailureOr<Value>(failure());
  FailureOr<Value> keep = succeeded(pos4)
                              ? ctx.value<x::LessEqualOp>(*keys4, *pos4)
                              : FailureOr<Value>(failure());
  if (failed(keep))
    return failure();

  FailureOr<x::AttentionOp> attention = buildAttention(
      ctx, *q4, *k4, v4, *keep, pastKey, pastValue, getScale(ctx),
      /*causal=*/false);
  if (failed(attention))
    return failure();
  FailureOr<Value> output = mergeHeads(ctx, attention->getOutput());
  if (failed(output))
    return failure();
  Value presentKey = pastKey ? attention->getPresent()[0] : *k4;
  Value presentValue = pastKey ? attention->getPresent()[1] : v4;
  return ctx.setOutputs({*output, presentKey, presentValue});
}

void mlir::xfmr::onnx_import::registerMicrosoftOps(OpRegistry &r) {
  r.add(kMs, "SkipLayerNormalization", convertSkipNorm<x::LayerNormOp, true>);
  r.add(kMs, "SkipSimplifiedLayerNormalization",
        convertSkipNorm<x::RmsNormOp, false>);
  // ONNX Runtime registers SimplifiedLayerNormalization in both domains.
  r.add(kMs, "SimplifiedLayerNormalization", convertSimplifiedLayerNorm);
  r.add("", "SimplifiedLayerNormalization", convertSimplifiedLayerNorm);
  r.add(kMs, "FastGelu", convertBiasedGelu<x::GeluApproximation::tanh>);
  r.add(kMs, "BiasGelu", convertBiasedGelu<x::GeluApproximation::none>);
  r.add(kMs, "QuickGelu", convertQuickGelu);
  r.add(kMs, "FusedMatMul", convertFusedMatMul);
  r.add(kMs, "FusedGemm", convertFusedGemm);
  r.add(kMs, "RotaryEmbedding", convertMsRotaryEmbedding);
  r.add(kMs, "MultiHeadAttention", convertMultiHeadAttention);
  r.add(kMs, "Attention", convertMsAttention);
  r.add(kMs, "GroupQueryAttention", convertGroupQueryAttention);
}
