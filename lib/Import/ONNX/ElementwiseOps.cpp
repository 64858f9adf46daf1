//===- ElementwiseOps.cpp - Importing ONNX elementwise ops ----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Unary and binary math, comparisons, logic and bitwise ops, Where, Cast,
// BitCast, Clip, and the ops that are identities at inference time
// (Identity, Dropout).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include <limits>

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
  if (ctx.isUnsigned(0) && dependsOnSignedness(ctx.opType()))
    return ctx.setOutput(buildUnsignedBinary(ctx, *lhs, *rhs));
  FailureOr<Value> result = ctx.value<OpTy>(*lhs, *rhs);
  return ctx.setOutput(result);
}

/// BitwiseAnd, BitwiseOr, BitwiseXor and BitwiseNot: the xfmr ops that are
/// logic on booleans work on the bits of wider integers.
template <typename OpTy> static LogicalResult convertBitwise(NodeContext &ctx) {
  constexpr bool unary = std::is_same_v<OpTy, x::NotOp>;
  FailureOr<Value> lhs = ctx.requiredInput(0, unary ? "X" : "A");
  if (failed(lhs))
    return failure();
  Type elementType = ctx.inputType(0).getElementType();
  if (!elementType.isInteger() || elementType.isInteger(1))
    return ctx.emitError() << ctx.opType() << " needs integer inputs, got "
                           << elementType;
  if constexpr (unary) {
    return ctx.setOutput(ctx.value<OpTy>(*lhs));
  } else {
    FailureOr<Value> rhs = ctx.requiredInput(1, "B");
    if (failed(rhs))
      return failure();
    return ctx.setOutput(ctx.value<OpTy>(*lhs, *rhs));
  }
}

/// BitShift: direction LEFT or RIGHT; a right shift fills in the sign of
/// signed integers and zeros in unsigned ones.
static LogicalResult convertBitShift(NodeContext &ctx) {
  FailureOr<Value> x = ctx.requiredInput(0, "X");
  FailureOr<Value> amount = ctx.requiredInput(1, "Y");
  if (failed(x) || failed(amount))
    return failure();
  Type elementType = ctx.inputType(0).getElementType();
  if (!elementType.isInteger() || elementType.isInteger(1))
    return ctx.emitError() << "BitShift needs integer inputs, got "
                           << elementType;
  std::string direction = ctx.getString("direction", "");
  if (direction == "LEFT")
    return ctx.setOutput(ctx.value<x::ShiftLeftOp>(*x, *amount));
  if (direction != "RIGHT")
    return ctx.emitError() << "BitShift direction must be 'LEFT' or 'RIGHT', "
                              "got '"
                           << direction << "'";
  if (ctx.isUnsigned(0))
    return ctx.setOutput(ctx.value<x::ShiftRightUnsignedOp>(*x, *amount));
  return ctx.setOutput(ctx.value<x::ShiftRightSignedOp>(*x, *amount));
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
    acc = ctx.isUnsigned(0) ? buildUnsignedBinary(ctx, *acc, next)
                            : ctx.value<OpTy>(*acc, next);
    if (failed(acc))
      return failure();
  }
  return ctx.setOutputs(*acc);
}

/// Sum and Mean: the sum of one or more inputs, broadcast; Mean divides it
/// by their number.
static LogicalResult convertSumOrMean(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> acc = ctx.requiredFloatInput(0, "data_0");
  if (failed(acc))
    return failure();
  unsigned count = 1;
  for (unsigned i = 1; i < ctx.numInputs(); ++i) {
    if (Value next = ctx.input(i)) {
      acc = f.op<x::AddOp>(acc, next);
      ++count;
    }
  }
  if (ctx.opType() == "Mean" && count > 1)
    acc = f.op<x::DivOp>(acc, f.scalar(acc, count));
  return ctx.setOutput(acc);
}

/// x rounded toward zero (floating point).
static FailureOr<Value> truncate(Formula &f, FailureOr<Value> x) {
  return f.where(f.op<x::LessOp>(x, f.scalar(x, 0.0)), f.op<x::CeilOp>(x),
                 f.op<x::FloorOp>(x));
}

/// Mod: with fmod = 1 C's fmod (the remainder takes the dividend's sign),
/// with fmod = 0 Python's % (the divisor's sign). Both start from
/// a - trunc(a / b) * b; integer division truncates, and its run-time check
/// reports a zero divisor at this node.
static LogicalResult convertMod(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> a = ctx.requiredInput(0, "A");
  FailureOr<Value> b = ctx.requiredInput(1, "B");
  if (failed(a) || failed(b))
    return failure();
  // Unsigned remainders have no sign to fix, whatever fmod says.
  if (ctx.isUnsigned(0))
    return ctx.setOutput(buildUnsignedBinary(ctx, *a, *b));
  Type elementType = ctx.inputType(0).getElementType();
  if (elementType != ctx.inputType(1).getElementType())
    return ctx.emitError() << "Mod inputs have element types " << elementType
                           << " and " << ctx.inputType(1).getElementType();
  bool isFloat = isa<FloatType>(elementType);
  if (!isFloat && (!elementType.isInteger() || elementType.isInteger(1)))
    return ctx.emitError() << "Mod needs numeric inputs, got " << elementType;
  FailureOr<Value> quotient = f.op<x::DivOp>(a, b);
  if (isFloat)
    quotient = truncate(f, quotient);
  FailureOr<Value> rem = f.op<x::SubOp>(a, f.op<x::MulOp>(quotient, b));
  if (isFloat) {
    // A finite dividend over an infinite divisor is its own remainder
    // (the formula would give inf * 0).
    FailureOr<Value> inf = f.scalar(a, std::numeric_limits<double>::infinity());
    FailureOr<Value> finiteOverInfinite = f.op<x::AndOp>(
        f.op<x::EqualOp>(f.op<x::AbsOp>(b), inf),
        f.op<x::NotOp>(f.op<x::EqualOp>(f.op<x::AbsOp>(a), inf)));
    rem = f.where(finiteOverInfinite, a, rem);
  }
  if (ctx.getInt("fmod", 0))
    return ctx.setOutput(rem);
  // A nonzero remainder whose sign is not the divisor's moves by one divisor.
  FailureOr<Value> zero = f.scalar(rem, 0.0);
  FailureOr<Value> signsDiffer =
      f.op<x::XorOp>(f.op<x::LessOp>(rem, zero), f.op<x::LessOp>(b, zero));
  FailureOr<Value> nonzero = f.op<x::NotOp>(f.op<x::EqualOp>(rem, zero));
  return ctx.setOutput(f.where(f.op<x::AndOp>(signsDiffer, nonzero),
                               f.op<x::AddOp>(rem, b), rem));
}

/// Sign: 1, -1, or x itself where it is 0 (or NaN).
static LogicalResult convertSign(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> x = ctx.requiredInput(0, "input");
  if (succeeded(x) && ctx.inputType(0).getElementType().isInteger(1))
    return ctx.emitError() << "Sign needs a numeric input, got i1";
  FailureOr<Value> zero = f.scalar(x, 0.0);
  return ctx.setOutput(
      f.where(f.op<x::GreaterOp>(x, zero), f.scalar(x, 1.0),
              f.where(f.op<x::LessOp>(x, zero), f.scalar(x, -1.0), x)));
}

/// IsInf: x == +inf (detect_positive) or x == -inf (detect_negative).
static LogicalResult convertIsInf(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> x = ctx.requiredFloatInput(0, "X");
  if (failed(x))
    return failure();
  bool detectPositive = ctx.getInt("detect_positive", 1);
  bool detectNegative = ctx.getInt("detect_negative", 1);
  // Nothing to detect: false everywhere (x < x is, NaN included).
  if (!detectPositive && !detectNegative)
    return ctx.setOutput(f.op<x::LessOp>(x, x));
  double inf = std::numeric_limits<double>::infinity();
  FailureOr<Value> result;
  if (detectPositive)
    result = f.op<x::EqualOp>(x, f.scalar(x, inf));
  if (detectNegative) {
    FailureOr<Value> negative = f.op<x::EqualOp>(x, f.scalar(x, -inf));
    result = detectPositive ? f.op<x::OrOp>(result, negative) : negative;
  }
  return ctx.setOutput(result);
}

//===----------------------------------------------------------------------===//
// Formulas of exp, log, sin and cos
//===----------------------------------------------------------------------===//

/// Tan: sin(x) / cos(x).
static FailureOr<Value> tangent(NodeContext &ctx, Value x) {
  Formula f(ctx);
  return f.op<x::DivOp>(f.op<x::SinOp>(x), f.op<x::CosOp>(x));
}

/// Sinh and Cosh: (exp(x) -+ exp(-x)) / 2.
template <typename CombineOp>
static FailureOr<Value> hyperbolic(NodeContext &ctx, Value x) {
  Formula f(ctx);
  FailureOr<Value> sum =
      f.op<CombineOp>(f.op<x::ExpOp>(x), f.op<x::ExpOp>(f.op<x::NegOp>(x)));
  return f.op<x::MulOp>(sum, f.scalar(x, 0.5));
}

/// Asinh: sign(x) * log(|x| + sqrt(x^2 + 1)), on |x| so that no digits
/// cancel for negative x.
static FailureOr<Value> inverseSinh(NodeContext &ctx, Value x) {
  Formula f(ctx);
  FailureOr<Value> magnitude = f.op<x::AbsOp>(x);
  FailureOr<Value> root =
      f.op<x::SqrtOp>(f.op<x::AddOp>(f.op<x::MulOp>(x, x), f.scalar(x, 1.0)));
  FailureOr<Value> result = f.op<x::LogOp>(f.op<x::AddOp>(magnitude, root));
  return f.where(f.op<x::LessOp>(x, f.scalar(x, 0.0)), f.op<x::NegOp>(result),
                 result);
}

/// Acosh: log(x + sqrt(x^2 - 1)).
static FailureOr<Value> inverseCosh(NodeContext &ctx, Value x) {
  Formula f(ctx);
  FailureOr<Value> root =
      f.op<x::SqrtOp>(f.op<x::SubOp>(f.op<x::MulOp>(x, x), f.scalar(x, 1.0)));
  return f.op<x::LogOp>(f.op<x::AddOp>(x, root));
}

/// Atanh: log((1 + x) / (1 - x)) / 2.
static FailureOr<Value> inverseTanh(NodeContext &ctx, Value x) {
  Formula f(ctx);
  FailureOr<Value> one = f.scalar(x, 1.0);
  FailureOr<Value> ratio =
      f.op<x::DivOp>(f.op<x::AddOp>(one, x), f.op<x::SubOp>(one, x));
  return f.op<x::MulOp>(f.op<x::LogOp>(ratio), f.scalar(x, 0.5));
}

/// Asin, Acos and Atan map onto math functions of the same names.
template <typename OpTy>
static FailureOr<Value> inverseTrigonometric(NodeContext &ctx, Value x) {
  return ctx.value<OpTy>(x);
}

/// Round, halves to even: one xfmr.round.
FailureOr<Value> mlir::xfmr::onnx_import::roundHalfToEven(NodeContext &ctx,
                                                          Value x) {
  return ctx.value<x::RoundOp>(x);
}

static LogicalResult convertPow(NodeContext &ctx) {
  FailureOr<Value> base = ctx.requiredInput(0, "X");
  FailureOr<Value> exponent = ctx.requiredInput(1, "Y");
  if (failed(base) || failed(exponent))
    return failure();
  // ONNX lets the exponent have its own type; xfmr.pow wants the base's.
  exponent =
      castWithSignedness(ctx, *exponent, ctx.inputType(0).getElementType(),
                         ctx.isUnsigned(1), ctx.isUnsigned(0));
  if (failed(exponent))
    return failure();
  FailureOr<Value> result = ctx.value<x::PowOp>(*base, *exponent);
  return ctx.setOutput(result);
}

/// IsNaN(x) is !(x == x): the ordered comparison is false only for NaN.
static LogicalResult convertIsNaN(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "X");
  if (failed(input))
    return failure();
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
  bool toUnsigned;
  if (ctx.opType() == "CastLike") {
    FailureOr<Value> target = ctx.requiredInput(1, "target_type");
    if (failed(target))
      return failure();
    elementType = ctx.inputType(1).getElementType();
    toUnsigned = ctx.isUnsigned(1);
  } else {
    toUnsigned = isUnsignedType(ctx.getInt("to", 0));
    if (!ctx.hasAttr("to"))
      return ctx.emitError() << "Cast needs the 'to' attribute";
    elementType = getElementType(ctx.context(), ctx.getInt("to", 0));
    if (!elementType)
      return ctx.unsupported("cast to " +
                             getDataTypeName(ctx.getInt("to", 0)));
  }
  FailureOr<Value> result = castWithSignedness(ctx, *input, elementType,
                                               ctx.isUnsigned(0), toUnsigned);
  return ctx.setOutput(result);
}

/// BitCast: the bits of each element read as the type `to` of the same
/// width. A bool is a byte holding 0 or 1, which an element cast gives.
static LogicalResult convertBitCast(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  if (failed(input))
    return failure();
  if (!ctx.hasAttr("to"))
    return ctx.emitError() << "BitCast needs the 'to' attribute";
  int64_t to = ctx.getInt("to", 0);
  Type elementType = getElementType(ctx.context(), to);
  if (!elementType)
    return ctx.unsupported("bit cast to " + getDataTypeName(to));
  Type from = ctx.inputType(0).getElementType();
  auto bytes = [](Type t) { return (t.getIntOrFloatBitWidth() + 7) / 8; };
  if (bytes(from) != bytes(elementType))
    return ctx.emitError() << "BitCast needs types of the same width, got "
                           << from << " and " << getDataTypeName(to);
  if (from.isInteger(1) || elementType.isInteger(1))
    return ctx.setOutput(castWithSignedness(
        ctx, *input, elementType, ctx.isUnsigned(0), isUnsignedType(to)));
  if (from == elementType)
    return ctx.setOutputs(*input);
  auto type = ctx.inputType(0).clone(elementType);
  FailureOr<x::BitcastOp> cast = ctx.verified(
      x::BitcastOp::create(ctx.builder(), ctx.loc(), type, *input));
  if (failed(cast))
    return failure();
  return ctx.setOutputs(cast->getResult());
}

/// Clip. Unsigned integers are clipped as signed ones with every value and
/// bound's top bit flipped, then flipped back.
static LogicalResult convertClip(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  if (failed(input))
    return failure();
  bool isUnsigned = ctx.isUnsigned(0);
  unsigned width = ctx.inputType(0).getElementType().getIntOrFloatBitWidth();
  // A constant unsigned bound, flipped as the values are.
  auto flippedBound = [&](int64_t v) -> double {
    uint64_t bits = static_cast<uint64_t>(v);
    if (width < 64)
      bits &= (uint64_t(1) << width) - 1;
    uint64_t top = uint64_t(1) << (width - 1);
    // bits - 2^(N-1), wrapped into N bits.
    return static_cast<double>(width < 64 ? static_cast<int64_t>(bits) -
                                                static_cast<int64_t>(top)
                                          : static_cast<int64_t>(bits ^ top));
  };
  FloatAttr minAttr, maxAttr;
  FailureOr<Value> flipped = isUnsigned ? flipTopBit(ctx, *input) : input;
  if (failed(flipped))
    return failure();
  Value result = *flipped;
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
            b.getF64FloatAttr(isUnsigned ? flippedBound(n->front())
                                         : static_cast<double>(n->front()));
        continue;
      }
      FailureOr<Value> boundValue = isUnsigned ? flipTopBit(ctx, bound) : bound;
      FailureOr<Value> clamped = failed(boundValue) ? boundValue
                                 : i == 1
                                     ? ctx.value<x::MaxOp>(result, *boundValue)
                                     : ctx.value<x::MinOp>(result, *boundValue);
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
  if (isUnsigned)
    return ctx.setOutput(flipTopBit(ctx, result));
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
  // Identity passes sequences and optionals through as well (opset 14, 16).
  if (ctx.opType() == "Identity" && ctx.graphInput(0).isSet() &&
      !ctx.graphInput(0).isTensor())
    return ctx.setGraphOutputs(ctx.graphInput(0));
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
  r.add("", "BitwiseAnd", convertBitwise<x::AndOp>, 18);
  r.add("", "BitwiseOr", convertBitwise<x::OrOp>, 18);
  r.add("", "BitwiseXor", convertBitwise<x::XorOp>, 18);
  r.add("", "BitwiseNot", convertBitwise<x::NotOp>, 18);
  r.add("", "BitShift", convertBitShift, 11);
  r.add("", "Where", convertWhere);
  r.add("", "IsNaN", convertIsNaN, 9);
  r.add("", "IsInf", convertIsInf, 10);
  r.add("", "Sign", convertSign, 9);
  r.add("", "Mod", convertMod, 10);
  r.add("", "Sum", convertSumOrMean, 8);
  r.add("", "Tan", convertFloatFormula<tangent>, 7);
  r.add("", "Sinh", convertFloatFormula<hyperbolic<x::SubOp>>, 9);
  r.add("", "Cosh", convertFloatFormula<hyperbolic<x::AddOp>>, 9);
  r.add("", "Asinh", convertFloatFormula<inverseSinh>, 9);
  r.add("", "Acosh", convertFloatFormula<inverseCosh>, 9);
  r.add("", "Atanh", convertFloatFormula<inverseTanh>, 9);
  r.add("", "Round", convertFloatFormula<roundHalfToEven>, 11);
  r.add("", "Asin", convertFloatFormula<inverseTrigonometric<x::AsinOp>>, 7);
  r.add("", "Acos", convertFloatFormula<inverseTrigonometric<x::AcosOp>>, 7);
  r.add("", "Atan", convertFloatFormula<inverseTrigonometric<x::AtanOp>>, 7);
  r.add("", "Mean", convertSumOrMean, 8);

  r.add("", "Cast", convertCast);
  r.add("", "CastLike", convertCast, 15);
  r.add("", "BitCast", convertBitCast, 26);
  r.add("", "Identity", convertIdentity);
  r.add("", "Dropout", convertIdentity);
}
