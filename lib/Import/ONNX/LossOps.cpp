//===- LossOps.cpp - Importing ONNX NegativeLogLikelihoodLoss and kin -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss as formulas: the
// input's value at each target class is one GatherElements along the class
// axis, the class weights one Gather, and the reductions ReduceSum. Exported
// evaluation graphs compute a model's loss this way.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// The loss of `logProb` [N, C, d1, ...] at the classes `target`
/// [N, d1, ...], weighted by the optional `weight` [C], with targets equal
/// to the optional `ignore_index` weighing 0, and reduced by the node's
/// `reduction` attribute.
static FailureOr<Value> negativeLogLikelihood(NodeContext &ctx, Value logProb,
                                              Value target, Value weight) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  auto inputType = cast<RankedTensorType>(logProb.getType());
  auto targetType = cast<RankedTensorType>(target.getType());
  std::string reduction = ctx.getString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return ctx.emitError() << ctx.opType()
                           << " reduction must be 'none', 'sum' or 'mean', "
                              "got '"
                           << reduction << "'";
  if (!isa<FloatType>(inputType.getElementType()))
    return ctx.emitError() << ctx.opType()
                           << " needs a floating-point input, got "
                           << inputType.getElementType();
  if (inputType.getRank() < 2 ||
      targetType.getRank() != inputType.getRank() - 1)
    return ctx.emitError() << ctx.opType() << " needs an input [N, C, ...] "
                           << "and a target [N, ...] of one rank less, got "
                           << inputType << " and " << targetType;
  if (!targetType.getElementType().isInteger(32) &&
      !targetType.getElementType().isInteger(64))
    return ctx.emitError() << ctx.opType()
                           << " needs an int32 or int64 target, got "
                           << targetType.getElementType();

  // Ignored targets read class 0 and weigh 0: they may be out of range.
  FailureOr<Value> keep = failure();
  FailureOr<Value> classes = target;
  if (ctx.hasAttr("ignore_index")) {
    FailureOr<Value> ignored = f.op<x::EqualOp>(
        target,
        f.scalar(target, static_cast<double>(ctx.getInt("ignore_index", 0))));
    keep = f.op<x::NotOp>(ignored);
    classes = f.where(ignored, f.scalar(target, 0.0), target);
  }
  if (failed(classes))
    return failure();
  FailureOr<Value> picked =
      ctx.value<x::UnsqueezeOp>(*classes, b.getDenseI64ArrayAttr({1}));
  if (succeeded(picked))
    picked = ctx.value<x::GatherElementsOp>(logProb, *picked,
                                            b.getI64IntegerAttr(1));
  if (succeeded(picked))
    picked = ctx.value<x::SqueezeOp>(*picked, b.getDenseI64ArrayAttr({1}));
  FailureOr<Value> loss = f.op<x::NegOp>(picked);

  // The weight of each element: its class's, 0 where ignored; none at all
  // when every element weighs 1.
  FailureOr<Value> weights = failure();
  bool weighted = weight || ctx.hasAttr("ignore_index");
  if (weight) {
    if (failed(classes))
      return failure();
    weights = ctx.value<x::GatherOp>(weight, *classes, b.getI64IntegerAttr(0));
  }
  if (ctx.hasAttr("ignore_index")) {
    FailureOr<Value> kept =
        failed(keep) ? keep : ctx.castTo(*keep, inputType.getElementType());
    weights = weight ? f.op<x::MulOp>(weights, kept) : kept;
  }
  if (weighted)
    loss = f.op<x::MulOp>(loss, weights);
  if (failed(loss) || reduction == "none")
    return loss;

  auto sum = [&](FailureOr<Value> v) -> FailureOr<Value> {
    if (failed(v))
      return failure();
    return ctx.value<x::ReduceSumOp>(*v, b.getDenseI64ArrayAttr({}),
                                     b.getBoolAttr(false));
  };
  FailureOr<Value> total = sum(loss);
  if (reduction == "sum")
    return total;
  if (weighted)
    return f.op<x::DivOp>(total, sum(weights));
  int64_t count = targetType.getNumElements();
  if (!targetType.hasStaticShape())
    return ctx.unsupported("a mean loss over a target of dynamic shape");
  return f.op<x::DivOp>(total, f.scalar(total, static_cast<double>(count)));
}

/// NegativeLogLikelihoodLoss(input, target, weight?) -> loss.
static LogicalResult convertNegativeLogLikelihoodLoss(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  FailureOr<Value> target = ctx.requiredInput(1, "target");
  if (failed(input) || failed(target))
    return failure();
  return ctx.setOutput(
      negativeLogLikelihood(ctx, *input, *target, ctx.input(2)));
}

/// SoftmaxCrossEntropyLoss(scores, labels, weights?) -> (output, log_prob?):
/// the NegativeLogLikelihoodLoss of the scores' LogSoftmax over the classes.
static LogicalResult convertSoftmaxCrossEntropyLoss(NodeContext &ctx) {
  FailureOr<Value> scores = ctx.requiredFloatInput(0, "scores");
  FailureOr<Value> labels = ctx.requiredInput(1, "labels");
  if (failed(scores) || failed(labels))
    return failure();
  if (ctx.inputType(0).getRank() < 2)
    return ctx.emitError() << "SoftmaxCrossEntropyLoss needs scores [N, C, "
                              "...], got "
                           << ctx.inputType(0);
  FailureOr<Value> logProb =
      ctx.value<x::LogSoftmaxOp>(*scores, ctx.builder().getI64IntegerAttr(1));
  if (failed(logProb))
    return failure();
  FailureOr<Value> loss =
      negativeLogLikelihood(ctx, *logProb, *labels, ctx.input(2));
  if (failed(loss))
    return failure();
  return ctx.setOutputs({*loss, *logProb});
}

void mlir::xfmr::onnx_import::registerLossOps(OpRegistry &r) {
  r.add("", "NegativeLogLikelihoodLoss", convertNegativeLogLikelihoodLoss, 12);
  r.add("", "SoftmaxCrossEntropyLoss", convertSoftmaxCrossEntropyLoss, 12);
}
