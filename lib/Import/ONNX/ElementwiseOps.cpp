//===- ElementwiseOps.cpp - Importing ONNX elementwise ops ----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Unary and binary math, comparisons, logic, Where, Cast, Clip, and the ops
// that are identities at inference time (Identity, Dropout).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

template <typename OpTy>
static LogicalResult convertUnary(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  FailureOr<Value> result = ctx.value<OpTy>(*input);
  return ctx.setOutput(result);
}

template <typename OpTy>
static LogicalResult convertBinary(NodeContext &ctx) {
  FailureOr<Value> lhs = ctx.requiredInput(0, "A");
  FailureOr<Value> rhs = ctx.requiredInput(1, "B");
  if (failed(lhs) || failed(rhs))
    return failure();
  FailureOr<Value> result = ctx.value<OpTy>(*lhs, *rhs);
  return ctx.setOutput(result);
}

/// Max and Min take one or more inputs.
template <typename OpTy>
static LogicalResult convertVariadic(NodeContext &ctx) {
  FailureOr<Value> acc = ctx.requiredInput(0, "data_0");
  if (failed(acc))
    return failure();
  for (unsigned i = 1; i < ctx.numInputs(); ++i) {
    Value next = ctx.input(i);
    if (!next)
      continue;
    acc = ctx.value<OpTy>(*acc, next);
    if (failed(acc))
      return failure();
  }
  return ctx.setOutputs(*acc);
}

static LogicalResult convertPow(NodeContext &ctx) {
  FailureOr<Value> base = ctx.requiredInput(0, "X");
  FailureOr<Value> exponent = ctx.requiredInput(1, "Y");
  if (failed(base) || failed(exponent))
    return failure();
  // ONNX lets the exponent have its own type; xfmr.pow wants the base's.
  exponent = ctx.castTo(*exponent, ctx.inputType(0).getElementType());
  if (failed(exponent))
    return failure();
  FailureOr<Value> result = ctx.value<x::PowOp>(*base, *exponent);
  return ctx.setOutput(result);
}

/// IsNaN(x) is !(x == x): the ordered comparison is false only for NaN.
static LogicalResult convertIsNaN(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  if (!isa<FloatType>(ctx.inputType(0).getElementType()))
    return ctx.emitError() << "IsNaN needs a floating-point input";
  FailureOr<Value> same = ctx.value<x::EqualOp>(*input, *input);
  if (failed(same))
    return failure();
  FailureOr<Value> result = ctx.value<x::NotOp>(*same);
  return ctx.setOutput(result);
}

static LogicalResult convertWhere(NodeContext &ctx) {
  FailureOr<Value> cond = ctx.requiredInput(0, "condition");
  FailureOr<Value> onTrue = ctx.requiredInput(1, "X");
  FailureOr<Value> onFalse = ctx.requiredInput(2, "Y");
  if (failed(cond) || failed(onTrue) || failed(onFalse))
    return failure();
  FailureOr<Value> result = ctx.value<x::WhereOp>(*cond, *onTrue, *onFalse);
  return ctx.setOutput(result);
}

static LogicalResult convertCast(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  if (failed(input))
    return failure();
  Type elementType;
  if (ctx.opType() == "CastLike") {
    FailureOr<Value> target = ctx.requiredInput(1, "target_type");
    if (failed(target))
      return failure();
    elementType = ctx.inputType(1).getElementType();
  } else {
    if (!ctx.hasAttr("to"))
      return ctx.emitError() << "Cast needs the 'to' attribute";
    elementType = getElementType(ctx.context(), ctx.getInt("to", 0));
    if (!elementType)
      return ctx.unsupported("cast to " +
                             getDataTypeName(ctx.getInt("to", 0)));
  }
  FailureOr<Value> result = ctx.castTo(*input, elementType);
  return ctx.setOutput(result);
}

static LogicalResult convertClip(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  if (failed(input))
    return failure();
  FloatAttr minAttr, maxAttr;
  Value result = *input;
  Builder &b = ctx.builder();
  if (ctx.opset() < 11) {
    if (ctx.hasAttr("min"))
      minAttr = b.getF64FloatAttr(ctx.getFloat("min", 0));
    if (ctx.hasAttr("max"))
      maxAttr = b.getF64FloatAttr(ctx.getFloat("max", 0));
  } else {
    // Bounds are inputs; constant ones become attributes, others max/min.
    for (unsigned i : {1u, 2u}) {
      Value bound = ctx.input(i);
      if (!bound)
        continue;
      std::optional<llvm::SmallVector<double>> f = ctx.constantFloats(i);
      std::optional<llvm::SmallVector<int64_t>> n = ctx.constantInts(i);
      if (f && f->size() == 1) {
        (i == 1 ? minAttr : maxAttr) = b.getF64FloatAttr(f->front());
        continue;
      }
      if (n && n->size() == 1) {
        (i == 1 ? minAttr : maxAttr) =
            b.getF64FloatAttr(static_cast<double>(n->front()));
        continue;
      }
      FailureOr<Value> clamped =
          i == 1 ? ctx.value<x::MaxOp>(result, bound)
                 : ctx.value<x::MinOp>(result, bound);
      if (failed(clamped))
        return failure();
      result = *clamped;
    }
  }
  if (minAttr || maxAttr) {
    FailureOr<Value> clipped = ctx.value<x::ClipOp>(result, minAttr, maxAttr);
    if (failed(clipped))
      return failure();
    result = *clipped;
  }
  return ctx.setOutputs(result);
}

static LogicalResult convertLeakyRelu(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  FailureOr<Value> result = ctx.value<x::LeakyReluOp>(
      *input, ctx.builder().getF32FloatAttr(ctx.getFloat("alpha", 0.01f)));
  return ctx.setOutput(result);
}

static LogicalResult convertGelu(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  std::string approximate = ctx.getString("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return ctx.emitError() << "Gelu approximate must be 'none' or 'tanh', got '"
                           << approximate << "'";
  auto mode = approximate == "tanh" ? x::GeluApproximation::tanh
                                    : x::GeluApproximation::none;
  FailureOr<Value> result = ctx.value<x::GeluOp>(
      *input, x::GeluApproximationAttr::get(ctx.context(), mode));
  return ctx.setOutput(result);
}

/// Identity and inference-time Dropout pass their input through.
static LogicalResult convertIdentity(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  if (failed(input))
    return failure();
  if (ctx.opType() == "Dropout" && ctx.opset() >= 12) {
    std::optional<llvm::SmallVector<int64_t>> training = ctx.constantInts(2);
    if (ctx.input(2) && (!training || llvm::any_of(*training, [](int64_t v) {
                           return v != 0;
                         })))
      return ctx.unsupported("training mode (xfmr compiles for inference)");
  }
  // The mask of an inference-time dropout keeps everything.
  Value mask;
  if (ctx.opType() == "Dropout" && ctx.isOutputUsed(1)) {
    FailureOr<Value> shape = ctx.value<x::ShapeOp>(*input, IntegerAttr(),
                                                   IntegerAttr());
    if (failed(shape))
      return failure();
    FailureOr<Value> ones = ctx.value<x::ConstantOfShapeOp>(
        *shape, ctx.builder().getBoolAttr(true));
    if (failed(ones))
      return failure();
    mask = *ones;
  }
  return ctx.setOutputs({*input, mask});
}

void mlir::xfmr::onnx_import::registerElementwiseOps(OpRegistry &r) {
  r.add("", "Neg", convertUnary<x::NegOp>);
  r.add("", "Abs", convertUnary<x::AbsOp>);
  r.add("", "Exp", convertUnary<x::ExpOp>);
  r.add("", "Log", convertUnary<x::LogOp>);
  r.add("", "Sqrt", convertUnary<x::SqrtOp>);
  r.add("", "Reciprocal", convertUnary<x::ReciprocalOp>);
  r.add("", "Tanh", convertUnary<x::TanhOp>);
  r.add("", "Erf", convertUnary<x::ErfOp>);
  r.add("", "Sigmoid", convertUnary<x::SigmoidOp>);
  r.add("", "Relu", convertUnary<x::ReluOp>);
  r.add("", "Sin", convertUnary<x::SinOp>);
  r.add("", "Cos", convertUnary<x::CosOp>);
  r.add("", "Floor", convertUnary<x::FloorOp>);
  r.add("", "Ceil", convertUnary<x::CeilOp>);
  r.add("", "Not", convertUnary<x::NotOp>);
  r.add("", "LeakyRelu", convertLeakyRelu);
  r.add("", "Gelu", convertGelu, 20);
  r.add("", "Clip", convertClip);

  r.add("", "Add", convertBinary<x::AddOp>);
  r.add("", "Sub", convertBinary<x::SubOp>);
  r.add("", "Mul", convertBinary<x::MulOp>);
  r.add("", "Div", convertBinary<x::DivOp>);
  r.add("", "Pow", convertPow);
  r.add("", "Max", convertVariadic<x::MaxOp>);
  r.add("", "Min", convertVariadic<x::MinOp>);
  r.add("", "Equal", convertBinary<x::EqualOp>);
  r.add("", "Less", convertBinary<x::LessOp>);
  r.add("", "LessOrEqual", convertBinary<x::LessEqualOp>);
  r.add("", "Greater", convertBinary<x::GreaterOp>);
  r.add("", "GreaterOrEqual", convertBinary<x::GreaterEqualOp>);
  r.add("", "And", convertBinary<x::AndOp>);
  r.add("", "Or", convertBinary<x::OrOp>);
  r.add("", "Xor", convertBinary<x::XorOp>);
  r.add("", "Where", convertWhere);
  r.add("", "IsNaN", convertIsNaN, 9);

  r.add("", "Cast", convertCast);
  r.add("", "CastLike", convertCast, 15);
  r.add("", "Identity", convertIdentity);
  r.add("", "Dropout", convertIdentity);
}
