//===- NormalizationOps.cpp - Importing ONNX's channel normalizations -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The normalizations of vision and diffusion models, as formulas of
// reductions and elementwise ops: BatchNormalization (inference),
// InstanceNormalization, GroupNormalization, LpNormalization,
// MeanVarianceNormalization and LRN; and GlobalAveragePool/GlobalMaxPool, which
// reduce the same spatial dims. LayerNormalization and RMSNormalization,
// which fusion and the backends treat as units, are in TransformerOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// The dims from `first` to the last of a rank-`rank` tensor.
static llvm::SmallVector<int64_t> dimsFrom(int64_t first, int64_t rank) {
  llvm::SmallVector<int64_t> dims;
  for (int64_t d = first; d < rank; ++d)
    dims.push_back(d);
  return dims;
}

template <typename OpTy>
static FailureOr<Value> reduceKeepingDims(NodeContext &ctx,
                                          FailureOr<Value> input,
                                          llvm::ArrayRef<int64_t> axes) {
  if (failed(input))
    return failure();
  Builder &b = ctx.builder();
  return ctx.value<OpTy>(*input, b.getDenseI64ArrayAttr(axes),
                         b.getBoolAttr(true));
}

/// (x - mean) / sqrt(var + epsilon) over `axes`, var the biased variance.
static FailureOr<Value> standardize(NodeContext &ctx, FailureOr<Value> input,
                                    llvm::ArrayRef<int64_t> axes,
                                    double epsilon) {
  Formula f(ctx);
  FailureOr<Value> mean = reduceKeepingDims<x::ReduceMeanOp>(ctx, input, axes);
  FailureOr<Value> centered = f.op<x::SubOp>(input, mean);
  FailureOr<Value> variance = reduceKeepingDims<x::ReduceMeanOp>(
      ctx, f.op<x::MulOp>(centered, centered), axes);
  return f.op<x::DivOp>(centered, f.op<x::SqrtOp>(f.op<x::AddOp>(
                                      variance, f.scalar(variance, epsilon))));
}

/// A per-channel vector [C] shaped [C, 1, ...] to broadcast against a
/// rank-`rank` [N, C, ...] tensor.
static FailureOr<Value> perChannel(NodeContext &ctx, Value vector,
                                   int64_t rank) {
  if (rank <= 2)
    return vector;
  return ctx.value<x::UnsqueezeOp>(
      vector, ctx.builder().getDenseI64ArrayAttr(dimsFrom(1, rank - 1)));
}

/// y * scale + bias with per-channel scale and bias.
static FailureOr<Value> scaleAndShift(NodeContext &ctx, FailureOr<Value> y,
                                      Value scale, Value bias, int64_t rank) {
  Formula f(ctx);
  return f.op<x::AddOp>(f.op<x::MulOp>(y, perChannel(ctx, scale, rank)),
                        perChannel(ctx, bias, rank));
}

/// The input X of rank at least `minRank`, floating point.
static FailureOr<Value> channelInput(NodeContext &ctx, int64_t minRank) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "X");
  if (succeeded(input) && ctx.inputType(0).getRank() < minRank)
    return ctx.emitError() << ctx.opType() << " needs an input of rank "
                           << minRank << " or more, got rank "
                           << ctx.inputType(0).getRank();
  return input;
}

/// BatchNormalization at inference: the running statistics normalize.
static LogicalResult convertBatchNormalization(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> input = channelInput(ctx, 2);
  FailureOr<Value> scale = ctx.requiredInput(1, "scale");
  FailureOr<Value> bias = ctx.requiredInput(2, "B");
  FailureOr<Value> mean = ctx.requiredInput(3, "input_mean");
  FailureOr<Value> variance = ctx.requiredInput(4, "input_var");
  if (failed(input) || failed(scale) || failed(bias) || failed(mean) ||
      failed(variance))
    return failure();
  if (ctx.getInt("training_mode", 0) || ctx.isOutputUsed(1) ||
      ctx.isOutputUsed(2))
    return ctx.unsupported("training mode (xfmr compiles for inference)");
  int64_t rank = ctx.inputType(0).getRank();
  FailureOr<Value> centered =
      f.op<x::SubOp>(input, perChannel(ctx, *mean, rank));
  FailureOr<Value> deviation = f.op<x::SqrtOp>(
      f.op<x::AddOp>(perChannel(ctx, *variance, rank),
                     f.scalar(input, ctx.getFloat("epsilon", 1e-5f))));
  return ctx.setOutput(scaleAndShift(ctx, f.op<x::DivOp>(centered, deviation),
                                     *scale, *bias, rank));
}

/// InstanceNormalization: each (batch, channel) over its spatial dims.
static LogicalResult convertInstanceNormalization(NodeContext &ctx) {
  FailureOr<Value> input = channelInput(ctx, 3);
  FailureOr<Value> scale = ctx.requiredInput(1, "scale");
  FailureOr<Value> bias = ctx.requiredInput(2, "B");
  if (failed(input) || failed(scale) || failed(bias))
    return failure();
  int64_t rank = ctx.inputType(0).getRank();
  FailureOr<Value> y = standardize(ctx, input, dimsFrom(2, rank),
                                   ctx.getFloat("epsilon", 1e-5f));
  return ctx.setOutput(scaleAndShift(ctx, y, *scale, *bias, rank));
}

/// GroupNormalization: the input seen as [N, G, rest] standardized over
/// `rest`; scale and bias per group (opset 18) or per channel (from 21).
static LogicalResult convertGroupNormalization(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> input = channelInput(ctx, 2);
  FailureOr<Value> scale = ctx.requiredInput(1, "scale");
  FailureOr<Value> bias = ctx.requiredInput(2, "bias");
  if (failed(input) || failed(scale) || failed(bias))
    return failure();
  int64_t groups = ctx.getInt("num_groups", 0);
  int64_t channels = ctx.inputType(0).getDimSize(1);
  if (groups <= 0)
    return ctx.emitError() << "GroupNormalization num_groups must be "
                              "positive";
  if (!ShapedType::isDynamic(channels) && channels % groups)
    return ctx.emitError() << "GroupNormalization: " << channels
                           << " channels do not split into " << groups
                           << " groups";
  int64_t rank = ctx.inputType(0).getRank();
  FailureOr<Value> grouped =
      ctx.value<x::ReshapeOp>(*input, ctx.i64Vector({0, groups, -1}), false);
  FailureOr<Value> y =
      standardize(ctx, grouped, {2}, ctx.getFloat("epsilon", 1e-5f));
  if (ctx.opset() < 21)
    y = scaleAndShift(ctx, y, *scale, *bias, 3);
  FailureOr<Value> shape =
      ctx.value<x::ShapeOp>(*input, IntegerAttr(), IntegerAttr());
  if (failed(y) || failed(shape))
    return failure();
  FailureOr<Value> result = ctx.value<x::ReshapeOp>(*y, *shape, false);
  if (ctx.opset() >= 21)
    result = scaleAndShift(ctx, result, *scale, *bias, rank);
  return ctx.setOutput(result);
}

/// LpNormalization: x divided by its L1 or L2 norm along `axis`.
static LogicalResult convertLpNormalization(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> input = ctx.requiredFloatInput(0, "input");
  if (failed(input))
    return failure();
  int64_t p = ctx.getInt("p", 2);
  if (p != 1 && p != 2)
    return ctx.emitError() << "LpNormalization p must be 1 or 2, got " << p;
  int64_t axis = ctx.getInt("axis", -1);
  FailureOr<Value> norm =
      p == 1 ? reduceKeepingDims<x::ReduceSumOp>(ctx, f.op<x::AbsOp>(input),
                                                 {axis})
             : f.op<x::SqrtOp>(reduceKeepingDims<x::ReduceSumOp>(
                   ctx, f.op<x::MulOp>(input, input), {axis}));
  // A zero norm gives 0, not 0 / 0, as in ONNX's reference.
  FailureOr<Value> zero = f.scalar(input, 0.0);
  return ctx.setOutput(
      f.where(f.op<x::EqualOp>(norm, zero), zero, f.op<x::DivOp>(input, norm)));
}

/// MeanVarianceNormalization: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9)
/// over `axes`, as ONNX's function body computes it.
static LogicalResult convertMeanVarianceNormalization(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> input = ctx.requiredFloatInput(0, "X");
  if (failed(input))
    return failure();
  llvm::SmallVector<int64_t> axes = ctx.hasAttr("axes")
                                        ? ctx.getInts("axes")
                                        : llvm::SmallVector<int64_t>{0, 2, 3};
  FailureOr<Value> mean = reduceKeepingDims<x::ReduceMeanOp>(ctx, input, axes);
  FailureOr<Value> meanOfSquares = reduceKeepingDims<x::ReduceMeanOp>(
      ctx, f.op<x::MulOp>(input, input), axes);
  FailureOr<Value> deviation = f.op<x::SqrtOp>(
      f.op<x::SubOp>(meanOfSquares, f.op<x::MulOp>(mean, mean)));
  return ctx.setOutput(
      f.op<x::DivOp>(f.op<x::SubOp>(input, mean),
                     f.op<x::AddOp>(deviation, f.scalar(deviation, 1e-9))));
}

/// GlobalAveragePool and GlobalMaxPool: the spatial dims reduced to 1.
template <typename OpTy>
static LogicalResult convertGlobalPool(NodeContext &ctx) {
  FailureOr<Value> input = channelInput(ctx, 2);
  if (failed(input))
    return failure();
  return ctx.setOutput(reduceKeepingDims<OpTy>(
      ctx, input, dimsFrom(2, ctx.inputType(0).getRank())));
}

/// LRN: x / (bias + alpha / size * s)^beta, where s sums x^2 over a window
/// of `size` channels around each, clipped at the ends. The window sum is an
/// average pool including padding over [N, 1, C, rest], times size.
static LogicalResult convertLRN(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> x = ctx.requiredFloatInput(0, "X");
  if (failed(x))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t size = ctx.getInt("size", 0);
  if (!ctx.hasAttr("size") || size < 1)
    return ctx.emitError() << "LRN needs a positive 'size' attribute";
  if (type.getRank() < 2)
    return ctx.emitError() << "LRN needs an input [N, C, ...], got " << type;
  llvm::SmallVector<int64_t> shape = {0};
  int64_t rest = 1;
  for (int64_t d = 1; d < type.getRank(); ++d) {
    if (type.isDynamicDim(d))
      return ctx.unsupported("channel or spatial dims known only at run time");
    shape.push_back(type.getDimSize(d));
    if (d > 1)
      rest *= type.getDimSize(d);
  }
  Builder &b = ctx.builder();
  FailureOr<Value> squares = f.op<x::MulOp>(x, x);
  FailureOr<Value> planes =
      failed(squares)
          ? squares
          : ctx.value<x::ReshapeOp>(
                *squares, ctx.i64Vector({0, 1, type.getDimSize(1), rest}),
                false);
  if (failed(planes))
    return failure();
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  FailureOr<Value> mean = ctx.value<x::PoolOp>(
      *planes, b.getStringAttr("avg"), b.getDenseI64ArrayAttr({size, 1}),
      b.getDenseI64ArrayAttr({}), b.getDenseI64ArrayAttr({before, 0, after, 0}),
      b.getDenseI64ArrayAttr({}), UnitAttr(), b.getUnitAttr(),
      b.getI64IntegerAttr(2));
  if (succeeded(mean))
    mean = ctx.value<x::ReshapeOp>(*mean, ctx.i64Vector(shape), false);
  // alpha / size times the window's sum is alpha times its mean.
  FailureOr<Value> scale = f.op<x::AddOp>(
      f.scalar(x, ctx.getFloat("bias", 1.0f)),
      f.op<x::MulOp>(mean, f.scalar(x, ctx.getFloat("alpha", 1e-4f))));
  return ctx.setOutput(f.op<x::DivOp>(
      x, f.op<x::PowOp>(scale, f.scalar(x, ctx.getFloat("beta", 0.75f)))));
}

void mlir::xfmr::onnx_import::registerNormalizationOps(OpRegistry &r) {
  r.add("", "BatchNormalization", convertBatchNormalization, 9);
  r.add("", "InstanceNormalization", convertInstanceNormalization, 6);
  r.add("", "GroupNormalization", convertGroupNormalization, 18);
  r.add("", "LpNormalization", convertLpNormalization, 1);
  r.add("", "MeanVarianceNormalization", convertMeanVarianceNormalization, 9);
  r.add("", "LRN", convertLRN, 1);
  r.add("", "GlobalAveragePool", convertGlobalPool<x::ReduceMeanOp>, 1);
  r.add("", "GlobalMaxPool", convertGlobalPool<x::ReduceMaxOp>, 1);
}
