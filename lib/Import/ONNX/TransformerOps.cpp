//===- TransformerOps.cpp - Importing ONNX norms, attention, rotary -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The default-domain ops that map onto xfmr's transformer ops directly:
// LayerNormalization (17), RMSNormalization (23), Attention (23),
// RotaryEmbedding (23) and TensorScatter (24).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "TransformerImport.h"

#include <limits>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// LayerNormalization's optional outputs: the mean and 1 / standard
/// deviation over the normalised dims, kept as size-1 dims.
static LogicalResult computeStatistics(NodeContext &ctx, Value input,
                                       int64_t axis, float epsilon,
                                       Value &mean, Value &invStdDev) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  std::optional<int64_t> first = x::normalizeAxis(axis, rank);
  if (!first)
    return ctx.emitError() << "LayerNormalization axis " << axis
                           << " is out of range for rank " << rank;
  llvm::SmallVector<int64_t> axes;
  for (int64_t i = *first; i < rank; ++i)
    axes.push_back(i);
  Builder &b = ctx.builder();
  auto reduce = [&](Value v) {
    return ctx.value<x::ReduceMeanOp>(v, b.getDenseI64ArrayAttr(axes),
                                      b.getBoolAttr(true));
  };
  Type elementType = cast<RankedTensorType>(input.getType()).getElementType();
  FailureOr<Value> m = reduce(input);
  if (failed(m))
    return failure();
  FailureOr<Value> centered = ctx.value<x::SubOp>(input, *m);
  FailureOr<Value> squared =
      succeeded(centered) ? ctx.value<x::MulOp>(*centered, *centered)
                          : FailureOr<Value>(failure());
  FailureOr<Value> variance =
      succeeded(squared) ? reduce(*squared) : FailureOr<Value>(failure());
  FailureOr<Value> shifted =
      succeeded(variance)
          ? ctx.value<x::AddOp>(*variance, ctx.scalar(elementType, epsilon))
          : FailureOr<Value>(failure());
  FailureOr<Value> inv = succeeded(shifted) ? ctx.value<x::RsqrtOp>(*shifted)
                                            : FailureOr<Value>(failure());
  if (failed(inv))
    return failure();
  mean = *m;
  invStdDev = *inv;
  return success();
}

template <typename OpTy>
static LogicalResult convertNorm(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  FailureOr<Value> scale = ctx.requiredInput(1, "scale");
  if (failed(input) || failed(scale))
    return failure();
  Builder &b = ctx.builder();
  int64_t axis = ctx.getInt("axis", -1);
  float epsilon = ctx.getFloat("epsilon", 1e-5f);
  FailureOr<Value> result =
      ctx.value<OpTy>(*input, *scale, ctx.input(2), Value(),
                      b.getI64IntegerAttr(axis), b.getF32FloatAttr(epsilon));
  if (failed(result))
    return failure();
  Value mean, invStdDev;
  if (std::is_same_v<OpTy, x::LayerNormOp> &&
      (ctx.isOutputUsed(1) || ctx.isOutputUsed(2)) &&
      failed(computeStatistics(ctx, *input, axis, epsilon, mean, invStdDev)))
    return failure();
  return ctx.setOutputs({*result, mean, invStdDev});
}

/// [B, S, H * D] -> [B, H, S, D].
FailureOr<Value> mlir::xfmr::onnx_import::splitHeads(NodeContext &ctx, Value v,
                                                int64_t heads) {
  Builder &b = ctx.builder();
  FailureOr<Value> split = ctx.value<x::ReshapeOp>(
      v, ctx.i64Vector({0, 0, heads, -1}), b.getBoolAttr(false));
  if (failed(split))
    return failure();
  return ctx.value<x::TransposeOp>(*split, b.getDenseI64ArrayAttr({0, 2, 1, 3}));
}

/// [B, H, S, D] -> [B, S, H * D].
FailureOr<Value> mlir::xfmr::onnx_import::mergeHeads(NodeContext &ctx, Value v) {
  Builder &b = ctx.builder();
  FailureOr<Value> t =
      ctx.value<x::TransposeOp>(v, b.getDenseI64ArrayAttr({0, 2, 1, 3}));
  if (failed(t))
    return failure();
  return ctx.value<x::ReshapeOp>(*t, ctx.i64Vector({0, 0, -1}),
                                 b.getBoolAttr(false));
}

FailureOr<x::AttentionOp> mlir::xfmr::onnx_import::buildAttention(
    NodeContext &ctx, Value q, Value k, Value v, Value mask, Value pastKey,
    Value pastValue, std::optional<float> scale, bool causal) {
  Builder &b = ctx.builder();
  return ctx.create<x::AttentionOp>(
      q, k, v, mask, pastKey, pastValue,
      scale ? b.getF32FloatAttr(*scale) : FloatAttr(),
      causal ? b.getUnitAttr() : UnitAttr(), /*alibi_slopes=*/Value(),
      /*alibi_positions=*/Value(), /*softcap=*/FloatAttr(),
      /*left_window=*/IntegerAttr(), /*right_window=*/IntegerAttr());
}

//===----------------------------------------------------------------------===//
// Attention's qk_matmul_output
//===----------------------------------------------------------------------===//

namespace {
/// What shapes Attention's scores besides Q and K.
struct ScoreSpec {
  Value mask;
  int64_t pastLength = 0;
  std::optional<float> scale;
  bool causal = false;
  float softcap = 0.0f;
  int64_t leftWindow = -1, rightWindow = -1;
  int64_t mode = 0;
};
} // namespace

/// The additive bias [.., S, T] of the mask (boolean or additive, already
/// over all T keys), the causal frontier (a query i sees key j <= i + past)
/// and the window, in f32.
static FailureOr<Value> attentionBias(NodeContext &ctx, const ScoreSpec &spec,
                                      FailureOr<Value> queries,
                                      FailureOr<Value> keys) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  Type f32 = b.getF32Type();
  double inf = std::numeric_limits<double>::infinity();
  FailureOr<Value> zero = ctx.scalar(f32, 0.0), ninf = ctx.scalar(f32, -inf);
  FailureOr<Value> bias = zero;
  if (spec.mask) {
    auto maskType = cast<RankedTensorType>(spec.mask.getType());
    FailureOr<Value> mask =
        maskType.getElementType().isInteger(1)
            ? f.where(FailureOr<Value>(spec.mask), zero, ninf)
            : ctx.castTo(spec.mask, f32);
    if (failed(mask))
      return failure();
    bias = mask;
  }
  if (!spec.causal && spec.leftWindow < 0 && spec.rightWindow < 0)
    return bias;
  FailureOr<Value> rows =
      f.op<x::ReshapeOp>(rangeOf(ctx, f.scalar(queries, 0), queries),
                         FailureOr<Value>(ctx.i64Vector({-1, 1})));
  FailureOr<Value> columns = rangeOf(ctx, f.scalar(keys, 0), keys);
  // How far key j lies before query i's own position.
  FailureOr<Value> behind = f.op<x::SubOp>(
      f.op<x::AddOp>(rows, f.scalar(rows, spec.pastLength)), columns);
  FailureOr<Value> allowed = ctx.scalar(b.getI1Type(), 1.0);
  if (spec.causal)
    allowed = f.op<x::AndOp>(
        allowed, f.op<x::GreaterEqualOp>(behind, f.scalar(rows, 0)));
  if (spec.leftWindow >= 0)
    allowed = f.op<x::AndOp>(
        allowed, f.op<x::LessEqualOp>(behind, f.scalar(rows, spec.leftWindow)));
  if (spec.rightWindow >= 0)
    allowed = f.op<x::AndOp>(
        allowed, f.op<x::LessEqualOp>(f.op<x::NegOp>(behind),
                                      f.scalar(rows, spec.rightWindow)));
  return f.op<x::AddOp>(bias, f.where(allowed, zero, ninf));
}

/// Attention's optional fourth output, as ONNX's reference computes it: the
/// scaled scores Q Kᵀ [B, Hq, S, T] (softcapped when softcap is set) for
/// modes 0 and 1, plus the mask's bias for mode 2, their softmax for mode
/// 3 (zero on rows where every key is masked). `q` is [B, Hq, S, D] and
/// `keys` the present keys [B, Hkv, T, D]. Computed in f32 beside the fused
/// attention, whose own scores stay in its tiles.
static FailureOr<Value> attentionScores(NodeContext &ctx, Value q, Value keys,
                                        const ScoreSpec &spec) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  Type f32 = b.getF32Type();
  auto qType = cast<RankedTensorType>(q.getType());
  auto kType = cast<RankedTensorType>(keys.getType());
  int64_t qHeads = qType.getDimSize(1), kvHeads = kType.getDimSize(1);
  FailureOr<Value> query = ctx.castTo(q, f32), key = ctx.castTo(keys, f32);
  if (failed(query) || failed(key))
    return failure();
  if (qHeads != kvHeads) {
    // Each KV head serves qHeads / kvHeads consecutive query heads.
    int64_t headSize = kType.getDimSize(3);
    if (ShapedType::isDynamic(qHeads) || ShapedType::isDynamic(kvHeads) ||
        ShapedType::isDynamic(headSize) || qHeads % kvHeads != 0)
      return ctx.unsupported("the qk_matmul_output output with query heads "
                             "not a known multiple of the KV heads");
    key = ctx.value<x::UnsqueezeOp>(*key, b.getDenseI64ArrayAttr({2}));
    key = f.op<x::ExpandOp>(
        key, FailureOr<Value>(ctx.i64Vector({1, 1, qHeads / kvHeads, 1, 1})));
    key = f.op<x::ReshapeOp>(
        key, FailureOr<Value>(ctx.i64Vector({0, qHeads, -1, headSize})));
    if (failed(key))
      return failure();
  }
  FailureOr<Value> transposed =
      ctx.value<x::TransposeOp>(*key, b.getDenseI64ArrayAttr({0, 1, 3, 2}));
  if (failed(transposed))
    return failure();
  FailureOr<Value> product = ctx.matmul(*query, *transposed);
  // 1 / sqrt(head size) unless given.
  FailureOr<Value> scale = ctx.scalar(f32, spec.scale.value_or(1.0f));
  if (!spec.scale) {
    FailureOr<Value> headSize = dimOf(ctx, *query, 3);
    if (failed(headSize))
      return failure();
    scale = f.op<x::RsqrtOp>(ctx.castTo(*headSize, f32));
  }
  FailureOr<Value> scores = f.op<x::MulOp>(product, scale);
  if (spec.softcap > 0.0f) {
    FailureOr<Value> cap = f.scalar(scores, spec.softcap);
    scores = f.op<x::MulOp>(f.op<x::TanhOp>(f.op<x::DivOp>(scores, cap)), cap);
  }
  if (failed(scores))
    return failure();
  Type elementType = qType.getElementType();
  if (spec.mode < 2)
    return ctx.castTo(*scores, elementType);
  FailureOr<Value> bias =
      attentionBias(ctx, spec, dimOf(ctx, *query, 2), dimOf(ctx, *key, 2));
  FailureOr<Value> biased = f.op<x::AddOp>(scores, bias);
  if (failed(biased))
    return failure();
  if (spec.mode == 2)
    return ctx.castTo(*biased, elementType);
  FailureOr<Value> probabilities =
      ctx.value<x::SoftmaxOp>(*biased, b.getI64IntegerAttr(-1));
  int64_t biasRank = cast<RankedTensorType>(bias->getType()).getRank();
  if (biasRank > 0) {
    // A row whose every key is masked has no probabilities: zeros.
    FailureOr<Value> most = ctx.value<x::ReduceMaxOp>(
        *bias, b.getDenseI64ArrayAttr({biasRank - 1}), b.getBoolAttr(true));
    FailureOr<Value> none = f.op<x::EqualOp>(
        most, f.scalar(most, -std::numeric_limits<double>::infinity()));
    probabilities = f.where(none, f.scalar(probabilities, 0.0), probabilities);
  }
  if (failed(probabilities))
    return failure();
  return ctx.castTo(*probabilities, elementType);
}

//===----------------------------------------------------------------------===//
// Attention's mask
//===----------------------------------------------------------------------===//

/// The attention mask over all `keys` (0-D i64, past ones included): a mask
/// shorter than the keys masks the ones past its end, as ONNX's reference
/// pads it (false, or -inf).
static FailureOr<Value> maskOverKeys(NodeContext &ctx, Value mask,
                                     FailureOr<Value> keys,
                                     int64_t staticKeys) {
  Formula f(ctx);
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t last = type.getRank() - 1;
  // Only a mask known to be shorter is padded: a dynamic one must match.
  if (ShapedType::isDynamic(staticKeys) || type.isDynamicDim(last) ||
      type.getDimSize(last) >= staticKeys)
    return mask;
  FailureOr<Value> missing =
      f.op<x::ReshapeOp>(f.op<x::SubOp>(keys, dimOf(ctx, mask, last)),
                         FailureOr<Value>(ctx.i64Vector({1})));
  FailureOr<Value> shape =
      ctx.value<x::ShapeOp>(mask, IntegerAttr(), IntegerAttr());
  if (failed(missing) || failed(shape))
    return failure();
  FailureOr<Value> leading =
      gatherAt(ctx, *shape,
               ctx.i64Vector(llvm::to_vector(llvm::seq<int64_t>(0, last))), 0);
  if (failed(leading))
    return failure();
  FailureOr<Value> restShape = ctx.value<x::ConcatOp>(
      ValueRange{*leading, *missing}, ctx.builder().getI64IntegerAttr(0));
  Type elementType = type.getElementType();
  FailureOr<Value> rest = f.op<x::ExpandOp>(
      FailureOr<Value>(ctx.scalar(
          elementType, elementType.isInteger(1)
                           ? 0.0
                           : -std::numeric_limits<double>::infinity())),
      restShape);
  if (failed(rest))
    return failure();
  return ctx.value<x::ConcatOp>(ValueRange{mask, *rest},
                                ctx.builder().getI64IntegerAttr(last));
}

/// The mask of an external KV cache, `lengths` [B] valid keys per batch
/// (nonpad_kv_seqlen): key j of batch b is seen by query i where j <
/// lengths[b] and, with `causal`, j <= i + lengths[b] - S (the queries are
/// the last S of the valid keys), within the window; and where `mask`
/// (already over the keys) allows it. A boolean [B, 1, S, T], or the
/// additive mask with -inf where not seen.
static FailureOr<Value> externalCacheMask(NodeContext &ctx, Value lengths,
                                          Value mask, FailureOr<Value> queries,
                                          FailureOr<Value> keys, bool causal,
                                          int64_t leftWindow,
                                          int64_t rightWindow) {
  Formula f(ctx);
  FailureOr<Value> valid =
      f.op<x::ReshapeOp>(ctx.castTo(lengths, ctx.builder().getI64Type()),
                         FailureOr<Value>(ctx.i64Vector({-1, 1, 1, 1})));
  if (failed(checkAtRunTime(
          ctx,
          allOf(ctx, f.op<x::AndOp>(
                         f.op<x::GreaterEqualOp>(valid, f.scalar(valid, 0)),
                         f.op<x::LessEqualOp>(valid, keys))),
          "nonpad_kv_seqlen must lie in [0, the number of keys]")))
    return failure();
  FailureOr<Value> rows =
      f.op<x::ReshapeOp>(rangeOf(ctx, f.scalar(queries, 0), queries),
                         FailureOr<Value>(ctx.i64Vector({1, 1, -1, 1})));
  FailureOr<Value> columns =
      f.op<x::ReshapeOp>(rangeOf(ctx, f.scalar(keys, 0), keys),
                         FailureOr<Value>(ctx.i64Vector({1, 1, 1, -1})));
  FailureOr<Value> allowed = f.op<x::LessOp>(columns, valid);
  // How far key j lies before query i's position among the valid keys.
  FailureOr<Value> behind = f.op<x::SubOp>(
      f.op<x::AddOp>(rows, f.op<x::SubOp>(valid, queries)), columns);
  FailureOr<Value> zero = f.scalar(behind, 0);
  if (causal)
    allowed = f.op<x::AndOp>(allowed, f.op<x::GreaterEqualOp>(behind, zero));
  if (leftWindow >= 0)
    allowed = f.op<x::AndOp>(
        allowed, f.op<x::LessEqualOp>(behind, f.scalar(behind, leftWindow)));
  if (rightWindow >= 0)
    allowed = f.op<x::AndOp>(
        allowed, f.op<x::LessEqualOp>(f.op<x::NegOp>(behind),
                                      f.scalar(behind, rightWindow)));
  if (!mask)
    return allowed;
  if (cast<RankedTensorType>(mask.getType()).getElementType().isInteger(1))
    return f.op<x::AndOp>(allowed, FailureOr<Value>(mask));
  return f.where(allowed, FailureOr<Value>(mask),
                 f.scalar(FailureOr<Value>(mask),
                          -std::numeric_limits<double>::infinity()));
}

static LogicalResult convertAttention(NodeContext &ctx) {
  FailureOr<Value> q = ctx.requiredInput(0, "Q");
  FailureOr<Value> k = ctx.requiredInput(1, "K");
  FailureOr<Value> v = ctx.requiredInput(2, "V");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  if (ctx.input(6) && ctx.input(4))
    return ctx.emitError() << "Attention takes nonpad_kv_seqlen or "
                              "past_key, not both";
  float softcap = ctx.getFloat("softcap", 0.0f);
  if (softcap < 0.0f)
    return ctx.emitError() << "Attention softcap must not be negative, got "
                           << softcap;
  int64_t leftWindow = ctx.getInt("left_window_size", -1);
  int64_t rightWindow = ctx.getInt("right_window_size", -1);
  if (leftWindow < -1 || rightWindow < -1)
    return ctx.emitError()
           << "Attention window sizes must be -1 or at least 0, got "
           << leftWindow << " and " << rightWindow;

  // 3-D operands [B, S, H * D] are split into heads and merged back.
  int64_t rank = ctx.inputType(0).getRank();
  bool packed = rank == 3;
  if (packed) {
    int64_t qHeads = ctx.getInt("q_num_heads", 0);
    int64_t kvHeads = ctx.getInt("kv_num_heads", 0);
    if (qHeads <= 0 || kvHeads <= 0)
      return ctx.emitError() << "Attention with 3-D inputs needs q_num_heads "
                                "and kv_num_heads";
    q = splitHeads(ctx, *q, qHeads);
    if (succeeded(q))
      k = splitHeads(ctx, *k, kvHeads);
    if (succeeded(k))
      v = splitHeads(ctx, *v, kvHeads);
    if (failed(q) || failed(k) || failed(v))
      return failure();
  } else if (rank != 4) {
    return ctx.emitError() << "Attention inputs must be 3-D or 4-D";
  }

  std::optional<float> scale;
  if (ctx.hasAttr("scale"))
    scale = ctx.getFloat("scale", 1.0f);
  bool causal = ctx.getInt("is_causal", 0) != 0;
  Value mask = ctx.input(3);
  if (mask || ctx.input(6)) {
    // All keys: the new ones after the past.
    int64_t staticKeys = cast<RankedTensorType>(k->getType()).getDimSize(2);
    FailureOr<Value> keys = dimOf(ctx, *k, 2);
    if (Value past = ctx.input(4)) {
      int64_t pastKeys = cast<RankedTensorType>(past.getType()).getDimSize(2);
      staticKeys = ShapedType::isDynamic(pastKeys) ? ShapedType::kDynamic
                                                   : staticKeys + pastKeys;
      keys = Formula(ctx).op<x::AddOp>(keys, dimOf(ctx, past, 2));
    }
    FailureOr<Value> padded =
        mask ? maskOverKeys(ctx, mask, keys, staticKeys) : FailureOr<Value>();
    if (mask && failed(padded))
      return failure();
    mask = mask ? *padded : Value();
    if (ctx.input(6)) {
      // The cache's own frontier replaces is_causal and the window.
      FailureOr<Value> external =
          externalCacheMask(ctx, ctx.input(6), mask, dimOf(ctx, *q, 2), keys,
                            causal, leftWindow, rightWindow);
      if (failed(external))
        return failure();
      mask = *external;
      causal = false;
      leftWindow = rightWindow = -1;
    }
  }
  FailureOr<x::AttentionOp> attention = buildAttention(
      ctx, *q, *k, *v, mask, ctx.input(4), ctx.input(5), scale, causal);
  if (failed(attention))
    return failure();
  Builder &b = ctx.builder();
  if (softcap > 0.0f)
    attention->setSoftcapAttr(b.getF32FloatAttr(softcap));
  if (leftWindow >= 0)
    attention->setLeftWindowAttr(b.getI64IntegerAttr(leftWindow));
  if (rightWindow >= 0)
    attention->setRightWindowAttr(b.getI64IntegerAttr(rightWindow));
  FailureOr<Value> output = attention->getOutput();
  if (packed)
    output = mergeHeads(ctx, *output);
  if (failed(output))
    return failure();
  // Without a past, the present key/value are the new ones.
  Value presentKey = ctx.input(4) ? attention->getPresent()[0] : *k;
  Value presentValue = ctx.input(4) ? attention->getPresent()[1] : *v;
  Value scores;
  if (ctx.isOutputUsed(3)) {
    ScoreSpec spec;
    spec.mask = mask;
    spec.scale = scale;
    spec.causal = causal;
    spec.softcap = softcap;
    spec.leftWindow = leftWindow;
    spec.rightWindow = rightWindow;
    spec.mode = ctx.getInt("qk_matmul_output_mode", 0);
    if (spec.mode < 0 || spec.mode > 3)
      return ctx.emitError() << "Attention qk_matmul_output_mode must be 0 "
                                "to 3, got "
                             << spec.mode;
    if (ctx.input(4)) {
      int64_t past =
          cast<RankedTensorType>(ctx.input(4).getType()).getDimSize(2);
      if (ShapedType::isDynamic(past))
        return ctx.unsupported("the qk_matmul_output output with a past "
                               "whose length is known only at run time");
      spec.pastLength = past;
    }
    FailureOr<Value> computed = attentionScores(ctx, *q, presentKey, spec);
    if (failed(computed))
      return failure();
    scores = *computed;
  }
  return ctx.setOutputs({*output, presentKey, presentValue, scores});
}

/// TensorScatter (a KV-cache update): update's positions along `axis` go
/// to write_indices[b] onward in batch b of the cache (wrapping around it in
/// mode "circular"), a ScatterElements by those positions.
static LogicalResult convertTensorScatter(NodeContext &ctx) {
  FailureOr<Value> cache = ctx.requiredInput(0, "past_cache");
  FailureOr<Value> update = ctx.requiredInput(1, "update");
  if (failed(cache) || failed(update))
    return failure();
  RankedTensorType type = ctx.inputType(0), updateType = ctx.inputType(1);
  int64_t rank = type.getRank();
  int64_t axis = ctx.getInt("axis", -2);
  std::string mode = ctx.getString("mode", "linear");
  if (mode != "linear" && mode != "circular")
    return ctx.emitError() << "TensorScatter mode must be linear or circular, "
                              "got '"
                           << mode << "'";
  if (axis < 0)
    axis += rank;
  if (axis < 1 || axis >= rank || updateType.getRank() != rank)
    return ctx.emitError() << "TensorScatter needs a cache and an update of "
                              "the same rank, 2 or more, and an axis after "
                              "the batch, got "
                           << type << ", " << updateType << " and axis "
                           << ctx.getInt("axis", -2);
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && !type.isDynamicDim(d) && !updateType.isDynamicDim(d) &&
        type.getDimSize(d) != updateType.getDimSize(d))
      return ctx.emitError()
             << "TensorScatter update " << updateType
             << " differs from the cache " << type << " outside axis " << axis;
  Formula f(ctx);
  Builder &b = ctx.builder();
  llvm::SmallVector<int64_t> column(rank, 1), along(rank, 1);
  column[0] = -1;
  along[axis] = -1;
  FailureOr<Value> starts = f.scalar(FailureOr<Value>(ctx.i64Vector({0})), 0);
  if (Value indices = ctx.input(2))
    starts = f.op<x::ReshapeOp>(ctx.castTo(indices, b.getI64Type()),
                                FailureOr<Value>(ctx.i64Vector(column)));
  FailureOr<Value> length = dimOf(ctx, *update, axis);
  FailureOr<Value> capacity = dimOf(ctx, *cache, axis);
  FailureOr<Value> steps =
      f.op<x::ReshapeOp>(rangeOf(ctx, f.scalar(length, 0), length),
                         FailureOr<Value>(ctx.i64Vector(along)));
  FailureOr<Value> positions = f.op<x::AddOp>(starts, steps);
  FailureOr<Value> inRange =
      f.op<x::GreaterEqualOp>(starts, f.scalar(starts, 0));
  if (mode == "linear")
    inRange = f.op<x::AndOp>(
        inRange,
        f.op<x::LessEqualOp>(f.op<x::AddOp>(starts, length), capacity));
  else
    inRange = f.op<x::AndOp>(
        inRange, f.op<x::GreaterOp>(capacity, f.scalar(capacity, 0)));
  if (failed(checkAtRunTime(ctx, allOf(ctx, inRange),
                            mode == "linear"
                                ? "write_indices and the update's length "
                                  "must fit in the cache"
                                : "write_indices must not be negative")))
    return failure();
  if (mode == "circular")
    positions = f.op<x::SubOp>(
        positions,
        f.op<x::MulOp>(f.op<x::DivOp>(positions, capacity), capacity));
  FailureOr<Value> shape =
      ctx.value<x::ShapeOp>(*update, IntegerAttr(), IntegerAttr());
  FailureOr<Value> indices = f.op<x::ExpandOp>(positions, shape);
  if (failed(indices))
    return failure();
  return ctx.setOutput(ctx.value<x::ScatterElementsOp>(
      *cache, *indices, *update, b.getI64IntegerAttr(axis),
      b.getStringAttr("none")));
}

static LogicalResult convertRotaryEmbedding(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  FailureOr<Value> cos = ctx.requiredInput(1, "cos_cache");
  FailureOr<Value> sin = ctx.requiredInput(2, "sin_cache");
  if (failed(input) || failed(cos) || failed(sin))
    return failure();
  Builder &b = ctx.builder();
  FailureOr<Value> result = ctx.value<x::RotaryEmbeddingOp>(
      *input, *cos, *sin, ctx.input(3),
      ctx.getInt("interleaved", 0) ? b.getUnitAttr() : UnitAttr(),
      b.getI64IntegerAttr(ctx.getInt("rotary_embedding_dim", 0)),
      b.getI64IntegerAttr(ctx.getInt("num_heads", 0)));
  return ctx.setOutput(result);
}

void mlir::xfmr::onnx_import::registerTransformerOps(OpRegistry &r) {
  r.add("", "LayerNormalization", convertNorm<x::LayerNormOp>, 17);
  r.add("", "RMSNormalization", convertNorm<x::RmsNormOp>, 23);
  r.add("", "Attention", convertAttention, 23);
  r.add("", "RotaryEmbedding", convertRotaryEmbedding, 23);
  r.add("", "TensorScatter", convertTensorScatter, 24);
}
