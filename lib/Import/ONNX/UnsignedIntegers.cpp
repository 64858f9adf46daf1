//===- UnsignedIntegers.cpp - Unsigned integers over signless ops ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// xfmr's integers are signless and its integer ops that care about the sign
// (division, comparisons, min/max, casts) compute as signed. The importer
// keeps ONNX's signedness per value and builds those ops on unsigned values
// from signed ones: flipping the top bit maps unsigned order onto signed
// order, and unsigned division divides half the dividend, then corrects by
// one. Addition, subtraction, multiplication and equality are the same bits
// either way. See docs/onnx-import.md ("Unsigned integers").
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "llvm/ADT/StringSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

using MaybeValue = FailureOr<Value>;

bool mlir::xfmr::onnx_import::isUnsignedType(int32_t onnxType) {
  return onnxType == 21 || // UINT4
         onnxType == onnx::TensorProto::UINT8 ||
         onnxType == onnx::TensorProto::UINT16 ||
         onnxType == onnx::TensorProto::UINT32 ||
         onnxType == onnx::TensorProto::UINT64;
}

//===----------------------------------------------------------------------===//
// Which values are unsigned
//===----------------------------------------------------------------------===//

static bool isIntegerOfWidth(Type type, unsigned width) {
  return type.isInteger() && !type.isInteger(1) &&
         type.getIntOrFloatBitWidth() == width;
}

bool NodeContext::isOutputUnsigned(unsigned i) const {
  if (i >= outputs.size() || !outputs[i].isTensor())
    return false;
  Type type = cast<ShapedType>(outputs[i].tensor.getType()).getElementType();
  if (!type.isInteger() || type.isInteger(1))
    return false;
  StringRef op = opType();
  if (op == "Cast" || op == "BitCast")
    return isUnsignedType(getInt("to", 0));
  if (op == "CastLike")
    return isUnsigned(1);
  if (op == "Constant" || op == "ConstantOfShape") {
    const onnx::AttributeProto *value = attr("value");
    return value && value->has_t() && isUnsignedType(value->t().data_type());
  }
  if (op == "QuantizeLinear") {
    if (input(2))
      return isUnsigned(2);
    return !hasAttr("output_dtype") ||
           isUnsignedType(getInt("output_dtype", 0));
  }
  if (op == "DynamicQuantizeLinear")
    return i == 0 || i == 2;
  // Indices, sizes and accumulators are signed whatever their input is.
  if (llvm::is_contained({"Shape", "Size", "ArgMax", "ArgMin", "NonZero",
                          "MatMulInteger", "ConvInteger"},
                         op))
    return false;
  if ((op == "TopK" || op == "Unique") && i > 0)
    return false;
  // Otherwise a result keeps the signedness of an input of its type.
  for (unsigned j = 0; j < numInputs(); ++j)
    if (isUnsigned(j) && input(j) &&
        isIntegerOfWidth(inputType(j).getElementType(),
                         type.getIntOrFloatBitWidth()))
      return true;
  return false;
}

//===----------------------------------------------------------------------===//
// Formulas
//===----------------------------------------------------------------------===//

static unsigned widthOf(Value x) {
  return cast<ShapedType>(x.getType()).getElementTypeBitWidth();
}

/// x + 2^(N-1) with wrapping, i.e. x with its top bit flipped: unsigned
/// a < b exactly when flipped a < flipped b as signed.
static MaybeValue flipTop(Formula &f, MaybeValue x) {
  if (failed(x))
    return failure();
  return f.op<x::AddOp>(x, f.scalar(x, -std::ldexp(1.0, widthOf(*x) - 1)));
}

MaybeValue mlir::xfmr::onnx_import::flipTopBit(NodeContext &ctx, MaybeValue x) {
  Formula f(ctx);
  return flipTop(f, x);
}

static MaybeValue lessUnsigned(Formula &f, MaybeValue a, MaybeValue b) {
  return f.op<x::LessOp>(flipTop(f, a), flipTop(f, b));
}

/// a >> 1, unsigned: a / 2 when the top bit is clear; otherwise the top
/// bit's half, 2^(N-2), plus half of the rest.
static MaybeValue halveUnsigned(Formula &f, MaybeValue a) {
  if (failed(a))
    return failure();
  MaybeValue two = f.scalar(a, 2);
  MaybeValue high =
      f.op<x::AddOp>(f.op<x::DivOp>(flipTop(f, a), two),
                     f.scalar(a, std::ldexp(1.0, widthOf(*a) - 2)));
  return f.where(f.op<x::LessOp>(a, f.scalar(a, 0)), high,
                 f.op<x::DivOp>(a, two));
}

/// a / b, unsigned. A divisor with its top bit set goes at most once into
/// any dividend; a smaller one is positive as signed, so (a >> 1) / b * 2 is
/// exact in signed arithmetic and short of the quotient by at most one.
static MaybeValue divideUnsigned(Formula &f, MaybeValue a, MaybeValue b) {
  MaybeValue zero = f.scalar(a, 0), one = f.scalar(a, 1);
  MaybeValue once = f.where(lessUnsigned(f, a, b), zero, one);
  MaybeValue q =
      f.op<x::MulOp>(f.op<x::DivOp>(halveUnsigned(f, a), b), f.scalar(a, 2));
  MaybeValue rest = f.op<x::SubOp>(a, f.op<x::MulOp>(q, b));
  q = f.where(lessUnsigned(f, rest, b), q, f.op<x::AddOp>(q, one));
  return f.where(f.op<x::LessOp>(b, zero), once, q);
}

bool mlir::xfmr::onnx_import::dependsOnSignedness(StringRef opType) {
  return llvm::is_contained({"Div", "Mod", "Max", "Min", "Less", "LessOrEqual",
                             "Greater", "GreaterOrEqual"},
                            opType);
}

MaybeValue mlir::xfmr::onnx_import::buildUnsignedBinary(NodeContext &ctx,
                                                        Value a, Value b) {
  Formula f(ctx);
  StringRef op = ctx.opType();
  if (op == "Div")
    return divideUnsigned(f, a, b);
  if (op == "Mod")
    return f.op<x::SubOp>(a, f.op<x::MulOp>(divideUnsigned(f, a, b), b));
  MaybeValue fa = flipTop(f, a), fb = flipTop(f, b);
  if (op == "Max")
    return flipTop(f, f.op<x::MaxOp>(fa, fb));
  if (op == "Min")
    return flipTop(f, f.op<x::MinOp>(fa, fb));
  if (op == "Less")
    return f.op<x::LessOp>(fa, fb);
  if (op == "LessOrEqual")
    return f.op<x::LessEqualOp>(fa, fb);
  if (op == "Greater")
    return f.op<x::GreaterOp>(fa, fb);
  if (op == "GreaterOrEqual")
    return f.op<x::GreaterEqualOp>(fa, fb);
  return ctx.emitError() << op << " has no unsigned form";
}

MaybeValue mlir::xfmr::onnx_import::castWithSignedness(NodeContext &ctx,
                                                       Value value, Type to,
                                                       bool fromUnsigned,
                                                       bool toUnsigned) {
  Formula f(ctx);
  Type from = cast<ShapedType>(value.getType()).getElementType();
  Type i64 = ctx.builder().getI64Type();
  bool fromInt = from.isInteger() && !from.isInteger(1);
  if (fromUnsigned && fromInt && to.isInteger() &&
      to.getIntOrFloatBitWidth() > from.getIntOrFloatBitWidth()) {
    // Zero extension: sign-extend the flipped value, then add back 2^(N-1).
    MaybeValue flipped = flipTop(f, value);
    if (failed(flipped))
      return failure();
    MaybeValue wide = ctx.castTo(*flipped, to);
    return f.op<x::AddOp>(wide,
                          f.scalar(wide, std::ldexp(1.0, widthOf(value) - 1)));
  }
  if (fromUnsigned && fromInt && isa<FloatType>(to)) {
    if (widthOf(value) < 64) {
      MaybeValue wide = castWithSignedness(ctx, value, i64, true, false);
      return failed(wide) ? wide : ctx.castTo(*wide, to);
    }
    // 2 * float(a >> 1) + float(a & 1) when the top bit is set.
    MaybeValue half = halveUnsigned(f, value);
    MaybeValue lowBit =
        f.op<x::SubOp>(value, f.op<x::MulOp>(half, f.scalar(half, 2)));
    if (failed(half) || failed(lowBit))
      return failure();
    MaybeValue halfF = ctx.castTo(*half, to), lowF = ctx.castTo(*lowBit, to);
    MaybeValue high =
        f.op<x::AddOp>(f.op<x::MulOp>(halfF, f.scalar(halfF, 2)), lowF);
    return f.where(f.op<x::LessOp>(value, f.scalar(value, 0)), high,
                   ctx.castTo(value, to));
  }
  if (toUnsigned && isa<FloatType>(from)) {
    if (to.getIntOrFloatBitWidth() < 64) {
      MaybeValue wide = ctx.castTo(value, i64);
      return failed(wide) ? wide : ctx.castTo(*wide, to);
    }
    // Values from 2^63 up convert after subtracting 2^63, which the top bit
    // then adds back.
    MaybeValue top = f.scalar(value, std::ldexp(1.0, 63));
    MaybeValue low = f.op<x::SubOp>(value, top);
    if (failed(low))
      return failure();
    MaybeValue high = flipTop(f, ctx.castTo(*low, to));
    if (failed(high))
      return failure();
    return f.where(f.op<x::GreaterEqualOp>(value, top), high,
                   ctx.castTo(value, to));
  }
  return ctx.castTo(value, to);
}
