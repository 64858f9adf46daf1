//===- TransformerOps.cpp - Importing ONNX norms, attention, rotary -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The default-domain ops that map onto xfmr's transformer ops directly:
// LayerNormalization (17), RMSNormalization (23), Attention (23) and
// RotaryEmbedding (23).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "TransformerImport.h"

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

static LogicalResult convertAttention(NodeContext &ctx) {
  FailureOr<Value> q = ctx.requiredInput(0, "Q");
  FailureOr<Value> k = ctx.requiredInput(1, "K");
  FailureOr<Value> v = ctx.requiredInput(2, "V");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  if (ctx.isOutputUsed(3))
    return ctx.unsupported("the qk_matmul_output output");
  if (ctx.input(6))
    return ctx.unsupported("nonpad_kv_seqlen (opset 24)");
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
  FailureOr<x::AttentionOp> attention =
      buildAttention(ctx, *q, *k, *v, ctx.input(3), ctx.input(4), ctx.input(5),
                     scale, ctx.getInt("is_causal", 0) != 0);
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
  return ctx.setOutputs({*output, presentKey, presentValue});
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
}
