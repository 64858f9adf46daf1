//===- QuantizationOps.cpp - Importing ONNX quantization ops --------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear and MatMulInteger
// as formulas of elementwise ops, reductions and matmul: quantization in f32
// (round half to even, then saturation to the integer type's range), integer
// matmul in i32 as ONNX accumulates. ONNX Runtime's MatMulNBits (4-bit
// weights in blocks) becomes an xfmr.linear with a 4-bit weight, left packed.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "TransformerImport.h"

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

using MaybeValue = FailureOr<Value>;

/// The range of a quantized integer type, or nullopt for one xfmr does not
/// quantize to (4-bit and 2-bit types, whose tensors the ABI cannot carry).
static std::optional<std::pair<double, double>>
quantizedRange(Type type, bool isUnsigned) {
  if (!type.isInteger(8) && !type.isInteger(16))
    return std::nullopt;
  double levels = std::ldexp(1.0, type.getIntOrFloatBitWidth());
  if (isUnsigned)
    return std::make_pair(0.0, levels - 1);
  return std::make_pair(-levels / 2, levels / 2 - 1);
}

/// A scale or zero point shaped to broadcast against a rank-`rank` tensor:
/// a scalar as it is, a per-axis vector as [C, 1, ..., 1] from `axis` on, a
/// blocked one (of the input's rank) with each entry repeated `blockSize`
/// times along `axis`.
namespace {
/// Where a (De)QuantizeLinear node's scale applies.
struct QuantizationAxis {
  int64_t rank, axis, blockSize, axisSize;
};
} // namespace

static MaybeValue alignToAxis(NodeContext &ctx, Value param,
                              const QuantizationAxis &where) {
  auto [rank, axis, blockSize, axisSize] = where;
  auto type = cast<RankedTensorType>(param.getType());
  if (type.getRank() == 0)
    return param;
  if (blockSize > 0) {
    if (type.getRank() != rank)
      return ctx.emitError() << "blocked quantization needs a scale of the "
                                "input's rank "
                             << rank << ", got " << type;
    if (ShapedType::isDynamic(axisSize))
      return ctx.unsupported("blocked quantization along a dynamic dim");
    llvm::SmallVector<int64_t> indices;
    for (int64_t i = 0; i < axisSize; ++i)
      indices.push_back(i / blockSize);
    return ctx.value<x::GatherOp>(param, ctx.i64Vector(indices),
                                  ctx.builder().getI64IntegerAttr(axis));
  }
  if (type.getRank() != 1)
    return ctx.emitError() << "a per-axis scale or zero point must be 1-D, "
                              "got "
                           << type;
  if (type.getDimSize(0) == 1)
    return param;
  llvm::SmallVector<int64_t> shape = {-1};
  shape.append(rank - axis - 1, 1);
  return ctx.value<x::ReshapeOp>(param, ctx.i64Vector(shape), false);
}

/// Reads the axis and block size of a (De)QuantizeLinear node.
static FailureOr<QuantizationAxis> quantizationAxis(NodeContext &ctx) {
  RankedTensorType inputType = ctx.inputType(0);
  int64_t rank = inputType.getRank();
  int64_t axis = ctx.getInt("axis", 1);
  int64_t blockSize = ctx.getInt("block_size", 0);
  if (axis < 0)
    axis += rank;
  RankedTensorType scaleType = ctx.inputType(1);
  bool perTensor = scaleType.getRank() == 0 ||
                   (scaleType.getRank() == 1 && scaleType.getDimSize(0) == 1 &&
                    blockSize == 0);
  if (!perTensor && (axis < 0 || axis >= rank))
    return ctx.emitError() << "axis " << ctx.getInt("axis", 1)
                           << " is out of range for rank " << rank;
  if (blockSize < 0)
    return ctx.emitError() << "block_size must not be negative";
  int64_t axisSize =
      rank ? inputType.getDimSize(std::clamp<int64_t>(axis, 0, rank - 1)) : 1;
  return QuantizationAxis{rank, axis, blockSize, axisSize};
}

/// round(x / scale) + zeroPoint, saturated to [lo, hi], in x's float type.
static MaybeValue quantizeToRange(NodeContext &ctx, Value x, Value scale,
                                  Value zeroPoint, double lo, double hi) {
  Formula f(ctx);
  MaybeValue scaled = f.op<x::DivOp>(x, scale);
  if (failed(scaled))
    return failure();
  MaybeValue rounded = roundHalfToEven(ctx, *scaled);
  if (zeroPoint)
    rounded = f.op<x::AddOp>(rounded, zeroPoint);
  if (failed(rounded))
    return failure();
  Builder &b = ctx.builder();
  return ctx.value<x::ClipOp>(*rounded, b.getF64FloatAttr(lo),
                              b.getF64FloatAttr(hi));
}

static LogicalResult convertQuantizeLinear(NodeContext &ctx) {
  MaybeValue input = ctx.requiredFloatInput(0, "x");
  MaybeValue scale = ctx.requiredFloatInput(1, "y_scale");
  if (failed(input) || failed(scale))
    return failure();
  Value zeroPoint = ctx.input(2);
  Type outType;
  bool isUnsigned;
  if (zeroPoint) {
    outType = ctx.inputType(2).getElementType();
    isUnsigned = ctx.isUnsigned(2);
  } else {
    int64_t dtype = ctx.getInt("output_dtype", onnx::TensorProto::UINT8);
    outType = getElementType(ctx.context(), dtype);
    isUnsigned = isUnsignedType(dtype);
  }
  std::optional<std::pair<double, double>> range =
      outType ? quantizedRange(outType, isUnsigned) : std::nullopt;
  if (!range)
    return ctx.unsupported(
        "quantization to " +
        (outType ? std::string(isUnsigned ? "u" : "i") +
                       std::to_string(outType.getIntOrFloatBitWidth())
                 : std::string("this type")) +
        " (int8, uint8, int16 and uint16 are supported)");
  FailureOr<QuantizationAxis> axis = quantizationAxis(ctx);
  if (failed(axis))
    return failure();
  // Quantize in f32 at least: an f16 quotient would round before rounding.
  Type f32 = ctx.builder().getF32Type();
  MaybeValue x = ctx.castTo(*input, f32);
  MaybeValue s = alignToAxis(ctx, *scale, *axis);
  if (failed(x) || failed(s))
    return failure();
  s = ctx.castTo(*s, f32);
  Value zp;
  if (zeroPoint) {
    MaybeValue aligned = alignToAxis(ctx, zeroPoint, *axis);
    if (failed(aligned))
      return failure();
    MaybeValue zpFloat =
        castWithSignedness(ctx, *aligned, f32, isUnsigned, false);
    if (failed(zpFloat) || failed(s))
      return failure();
    zp = *zpFloat;
  }
  if (failed(s))
    return failure();
  MaybeValue q = quantizeToRange(ctx, *x, *s, zp, range->first, range->second);
  if (failed(q))
    return failure();
  return ctx.setOutput(castWithSignedness(ctx, *q, outType, false, isUnsigned));
}

static LogicalResult convertDequantizeLinear(NodeContext &ctx) {
  MaybeValue input = ctx.requiredInput(0, "x");
  MaybeValue scale = ctx.requiredFloatInput(1, "x_scale");
  if (failed(input) || failed(scale))
    return failure();
  Type inType = ctx.inputType(0).getElementType();
  if (!inType.isInteger(8) && !inType.isInteger(16) && !inType.isInteger(32))
    return ctx.unsupported("dequantization of " +
                           std::to_string(inType.getIntOrFloatBitWidth()) +
                           "-bit values (int8, uint8, int16, uint16 and int32 "
                           "are supported)");
  FailureOr<QuantizationAxis> axis = quantizationAxis(ctx);
  if (failed(axis))
    return failure();
  Formula f(ctx);
  Type f32 = ctx.builder().getF32Type();
  Type outType = ctx.inputType(1).getElementType();
  MaybeValue y = castWithSignedness(ctx, *input, f32, ctx.isUnsigned(0), false);
  if (Value zeroPoint = ctx.input(2)) {
    MaybeValue aligned = alignToAxis(ctx, zeroPoint, *axis);
    if (failed(aligned))
      return failure();
    y = f.op<x::SubOp>(
        y, castWithSignedness(ctx, *aligned, f32, ctx.isUnsigned(2), false));
  }
  MaybeValue s = alignToAxis(ctx, *scale, *axis);
  if (failed(s) || failed(y))
    return failure();
  y = f.op<x::MulOp>(y, ctx.castTo(*s, f32));
  if (failed(y))
    return failure();
  return ctx.setOutput(ctx.castTo(*y, outType));
}

namespace {
/// A tensor quantized to uint8 at run time: the quantized values (still
/// f32, whole numbers in [0, 255]), the scale and the zero point (f32).
struct DynamicQuantized {
  Value q, scale, zeroPoint;
};
} // namespace

/// DynamicQuantizeLinear's formulas: the scale and zero point that map
/// [min(x, 0), max(x, 0)] onto [0, 255], and x quantized with them.
static FailureOr<DynamicQuantized> quantizeDynamically(NodeContext &ctx,
                                                       Value input) {
  Formula f(ctx);
  Type f32 = ctx.builder().getF32Type();
  MaybeValue x = ctx.castTo(input, f32);
  if (failed(x))
    return failure();
  Builder &b = ctx.builder();
  auto all = [&](auto tag) -> MaybeValue {
    using OpTy = decltype(tag);
    return ctx.value<OpTy>(*x, b.getDenseI64ArrayAttr({}),
                           b.getBoolAttr(false));
  };
  MaybeValue zero = f.scalar(x, 0.0);
  MaybeValue hi = f.op<x::MaxOp>(all(x::ReduceMaxOp()), zero);
  MaybeValue lo = f.op<x::MinOp>(all(x::ReduceMinOp()), zero);
  MaybeValue scale = f.op<x::DivOp>(f.op<x::SubOp>(hi, lo), f.scalar(x, 255.0));
  MaybeValue zpFloat = f.op<x::SubOp>(zero, f.op<x::DivOp>(lo, scale));
  if (failed(zpFloat))
    return failure();
  MaybeValue zpClipped = ctx.value<x::ClipOp>(*zpFloat, b.getF64FloatAttr(0.0),
                                              b.getF64FloatAttr(255.0));
  if (failed(zpClipped) || failed(scale))
    return failure();
  MaybeValue zp = roundHalfToEven(ctx, *zpClipped);
  if (failed(zp))
    return failure();
  MaybeValue q = quantizeToRange(ctx, *x, *scale, *zp, 0.0, 255.0);
  if (failed(q))
    return failure();
  return DynamicQuantized{*q, *scale, *zp};
}

/// DynamicQuantizeLinear: uint8 with the scale and zero point that map
/// [min(x, 0), max(x, 0)] onto [0, 255].
static LogicalResult convertDynamicQuantizeLinear(NodeContext &ctx) {
  MaybeValue input = ctx.requiredFloatInput(0, "x");
  if (failed(input))
    return failure();
  FailureOr<DynamicQuantized> quantized = quantizeDynamically(ctx, *input);
  if (failed(quantized))
    return failure();
  Type u8 = ctx.builder().getIntegerType(8);
  MaybeValue y = castWithSignedness(ctx, quantized->q, u8, false, true);
  MaybeValue zpInt =
      castWithSignedness(ctx, quantized->zeroPoint, u8, false, true);
  if (failed(y) || failed(zpInt))
    return failure();
  return ctx.setOutputs({*y, quantized->scale, *zpInt});
}

/// A per-channel parameter ([C], applying along dim 0) of a tensor whose
/// other dims are `innerDims` reshaped to [C, 1, ..., 1] to broadcast;
/// a scalar or a one-element vector as it is.
static MaybeValue perChannel(NodeContext &ctx, MaybeValue param,
                             int64_t innerDims) {
  if (failed(param))
    return failure();
  auto type = cast<RankedTensorType>(param->getType());
  if (innerDims == 0 || type.getRank() != 1 || type.getDimSize(0) == 1)
    return param;
  llvm::SmallVector<int64_t> shape = {-1};
  shape.append(innerDims, 1);
  return ctx.value<x::ReshapeOp>(*param, ctx.i64Vector(shape), false);
}

/// An integer `value` widened to i32 (zero extension when `isUnsigned`)
/// minus its zero point `zeroPoint` (of the same signedness), if any; a
/// per-channel zero point applies along dim 0 of a tensor with `innerDims`
/// more dims (1 for the rows of a matmul's A).
static MaybeValue centeredValue(NodeContext &ctx, Value value, Value zeroPoint,
                                bool isUnsigned, int64_t innerDims) {
  Type i32 = ctx.builder().getI32Type();
  MaybeValue v = castWithSignedness(ctx, value, i32, isUnsigned, false);
  if (failed(v) || !zeroPoint)
    return v;
  MaybeValue zp = castWithSignedness(ctx, zeroPoint, i32, isUnsigned, false);
  if (failed(zp))
    return failure();
  Formula f(ctx);
  return f.op<x::SubOp>(v, perChannel(ctx, zp, innerDims));
}

/// An integer operand widened to i32 minus its zero point input.
static MaybeValue centered(NodeContext &ctx, unsigned operand,
                           unsigned zeroPointInput, int64_t innerDims) {
  Value zeroPoint = ctx.input(zeroPointInput);
  if (zeroPoint && ctx.isUnsigned(zeroPointInput) != ctx.isUnsigned(operand))
    return ctx.emitError() << "the zero point's signedness differs from its "
                              "operand's";
  return centeredValue(ctx, ctx.input(operand), zeroPoint,
                       ctx.isUnsigned(operand), innerDims);
}

static LogicalResult convertMatMulInteger(NodeContext &ctx) {
  if (failed(ctx.requiredInput(0, "A")) || failed(ctx.requiredInput(1, "B")))
    return failure();
  MaybeValue a = centered(ctx, 0, 2, /*innerDims=*/1);
  MaybeValue b = centered(ctx, 1, 3, /*innerDims=*/0);
  if (failed(a) || failed(b))
    return failure();
  return ctx.setOutput(ctx.value<x::MatMulOp>(*a, *b));
}

/// com.microsoft DynamicQuantizeMatMul: A quantized to uint8 at run time
/// as DynamicQuantizeLinear does, times the int8/uint8 B in i32 (both
/// centered on their zero points), scaled by a_scale * b_scale, plus bias.
static LogicalResult convertDynamicQuantizeMatMul(NodeContext &ctx) {
  MaybeValue a = ctx.requiredFloatInput(0, "A");
  if (failed(a) || failed(ctx.requiredInput(1, "B")) ||
      failed(ctx.requiredFloatInput(2, "b_scale")))
    return failure();
  FailureOr<DynamicQuantized> quantized = quantizeDynamically(ctx, *a);
  if (failed(quantized))
    return failure();
  Formula f(ctx);
  Type f32 = ctx.builder().getF32Type(), u8 = ctx.builder().getIntegerType(8);
  // A as DynamicQuantizeLinear gives it, uint8 with its zero point: the
  // form of MatMulInteger, which fusion makes a quantized layer.
  MaybeValue q = castWithSignedness(ctx, quantized->q, u8, false, true);
  MaybeValue zp =
      castWithSignedness(ctx, quantized->zeroPoint, u8, false, true);
  if (failed(q) || failed(zp))
    return failure();
  MaybeValue aCentered = centeredValue(ctx, *q, *zp, /*isUnsigned=*/true,
                                       /*innerDims=*/0);
  MaybeValue bCentered = centered(ctx, 1, 3, /*innerDims=*/0);
  if (failed(aCentered) || failed(bCentered))
    return failure();
  MaybeValue product = ctx.value<x::MatMulOp>(*aCentered, *bCentered);
  if (failed(product))
    return failure();
  MaybeValue scale =
      f.op<x::MulOp>(quantized->scale, ctx.castTo(ctx.input(2), f32));
  MaybeValue y = f.op<x::MulOp>(ctx.castTo(*product, f32), scale);
  if (Value bias = ctx.input(4))
    y = f.op<x::AddOp>(y, ctx.castTo(bias, f32));
  if (failed(y))
    return failure();
  return ctx.setOutput(ctx.castTo(*y, ctx.inputType(0).getElementType()));
}

/// A per-row scale of A ([M]) as [M, 1]; other scales broadcast as given.
static MaybeValue rowScale(NodeContext &ctx, unsigned i) {
  Type f32 = ctx.builder().getF32Type();
  MaybeValue scale = ctx.castTo(ctx.input(i), f32);
  auto type = cast<RankedTensorType>(ctx.inputType(i));
  if (failed(scale) || type.getRank() != 1 || type.getDimSize(0) == 1)
    return scale;
  return ctx.value<x::ReshapeOp>(*scale, ctx.i64Vector({-1, 1}), false);
}

/// com.microsoft MatMulIntegerToFloat: MatMulInteger followed by the
/// product's scale (a_scale * b_scale) and bias, in float.
static LogicalResult convertMatMulIntegerToFloat(NodeContext &ctx) {
  if (failed(ctx.requiredInput(0, "A")) || failed(ctx.requiredInput(1, "B")) ||
      failed(ctx.requiredFloatInput(2, "a_scale")) ||
      failed(ctx.requiredFloatInput(3, "b_scale")))
    return failure();
  MaybeValue a = centered(ctx, 0, 4, /*innerDims=*/1);
  MaybeValue b = centered(ctx, 1, 5, /*innerDims=*/0);
  if (failed(a) || failed(b))
    return failure();
  MaybeValue product = ctx.value<x::MatMulOp>(*a, *b);
  if (failed(product))
    return failure();
  Formula f(ctx);
  Type f32 = ctx.builder().getF32Type();
  MaybeValue scale =
      f.op<x::MulOp>(rowScale(ctx, 2), ctx.castTo(ctx.input(3), f32));
  MaybeValue y = f.op<x::MulOp>(ctx.castTo(*product, f32), scale);
  if (Value bias = ctx.input(6))
    y = f.op<x::AddOp>(y, ctx.castTo(bias, f32));
  if (failed(y))
    return failure();
  return ctx.setOutput(ctx.castTo(*y, ctx.inputType(2).getElementType()));
}

/// QLinearMatMul: the i32 product of the centered operands, rescaled by
/// a_scale * b_scale / y_scale and quantized with y's zero point.
static LogicalResult convertQLinearMatMul(NodeContext &ctx) {
  static const char *const names[] = {"a",       "a_scale",     "a_zero_point",
                                      "b",       "b_scale",     "b_zero_point",
                                      "y_scale", "y_zero_point"};
  for (unsigned i = 0; i < std::size(names); ++i)
    if (failed(ctx.requiredInput(i, names[i])))
      return failure();
  MaybeValue a = centered(ctx, 0, 2, /*innerDims=*/1);
  MaybeValue b = centered(ctx, 3, 5, /*innerDims=*/0);
  if (failed(a) || failed(b))
    return failure();
  Formula f(ctx);
  Type f32 = ctx.builder().getF32Type();
  MaybeValue product = ctx.value<x::MatMulOp>(*a, *b);
  if (failed(product))
    return failure();
  // b_scale is per column ([N]): it broadcasts as it is.
  MaybeValue scale =
      f.op<x::MulOp>(rowScale(ctx, 1), ctx.castTo(ctx.input(4), f32));
  MaybeValue acc = ctx.castTo(*product, f32);
  MaybeValue yScale = ctx.castTo(ctx.input(6), f32);
  MaybeValue yZero =
      castWithSignedness(ctx, ctx.input(7), f32, ctx.isUnsigned(7), false);
  if (failed(scale) || failed(acc) || failed(yScale) || failed(yZero))
    return failure();
  MaybeValue scaled = f.op<x::MulOp>(acc, scale);
  Type outType = ctx.inputType(7).getElementType();
  std::optional<std::pair<double, double>> range =
      quantizedRange(outType, ctx.isUnsigned(7));
  if (failed(scaled) || !range)
    return failed(scaled) ? failure()
                          : ctx.unsupported("an output that is not 8 or "
                                            "16 bits");
  MaybeValue q = quantizeToRange(ctx, *scaled, *yScale, *yZero, range->first,
                                 range->second);
  if (failed(q))
    return failure();
  return ctx.setOutput(
      castWithSignedness(ctx, *q, outType, false, ctx.isUnsigned(7)));
}

//===----------------------------------------------------------------------===//
// ConvInteger, QLinearConv
//===----------------------------------------------------------------------===//

/// The i32 convolution of the centered x (input `x`, zero point `xZero`)
/// by the centered w (per output channel zero points allowed), plus an
/// i32 bias when `bias` names a present input. Padding with zeros after
/// centering pads with x's zero point, as ONNX Runtime does.
static MaybeValue integerConv(NodeContext &ctx, unsigned x, unsigned xZero,
                              unsigned w, unsigned wZero,
                              std::optional<unsigned> bias) {
  if (ctx.inputType(x).getRank() < 3 ||
      ctx.inputType(w).getRank() != ctx.inputType(x).getRank())
    return ctx.emitError() << ctx.opType()
                           << " needs x and w of the same rank, at least 3";
  int64_t weightInner = ctx.inputType(w).getRank() - 1;
  if (Value zp = ctx.input(xZero))
    if (cast<RankedTensorType>(zp.getType()).getNumElements() != 1)
      return ctx.unsupported("a per-channel zero point of x (only w's may "
                             "be per channel)");
  MaybeValue input = centered(ctx, x, xZero, /*innerDims=*/0);
  MaybeValue weight = centered(ctx, w, wZero, weightInner);
  if (failed(input) || failed(weight))
    return failure();
  Value biasValue;
  if (bias && ctx.input(*bias)) {
    MaybeValue cast = ctx.castTo(ctx.input(*bias), ctx.builder().getI32Type());
    if (failed(cast))
      return failure();
    biasValue = *cast;
  }
  return buildConv(ctx, *input, *weight, biasValue);
}

/// ConvInteger: Conv on integers minus their zero points, i32 out.
static LogicalResult convertConvInteger(NodeContext &ctx) {
  if (failed(ctx.requiredInput(0, "x")) || failed(ctx.requiredInput(1, "w")))
    return failure();
  return ctx.setOutput(integerConv(ctx, 0, 2, 1, 3, std::nullopt));
}

/// QLinearConv: the i32 convolution plus the i32 bias, rescaled by
/// x_scale * w_scale / y_scale (w_scale per output channel or not),
/// rounded half to even, offset by y's zero point and saturated.
static LogicalResult convertQLinearConv(NodeContext &ctx) {
  static const char *const names[] = {"x",       "x_scale",     "x_zero_point",
                                      "w",       "w_scale",     "w_zero_point",
                                      "y_scale", "y_zero_point"};
  for (unsigned i = 0; i < std::size(names); ++i)
    if (i != 2 && i != 5 && i != 7 && failed(ctx.requiredInput(i, names[i])))
      return failure();
  MaybeValue acc = integerConv(ctx, 0, 2, 3, 5, 8);
  if (failed(acc))
    return failure();
  Formula f(ctx);
  Type f32 = ctx.builder().getF32Type();
  int64_t spatial = ctx.inputType(0).getRank() - 2;
  MaybeValue wScale = perChannel(ctx, ctx.castTo(ctx.input(4), f32), spatial);
  // The multiplier first, as ONNX Runtime rescales the accumulator by it.
  MaybeValue multiplier =
      f.op<x::DivOp>(f.op<x::MulOp>(ctx.castTo(ctx.input(1), f32), wScale),
                     ctx.castTo(ctx.input(6), f32));
  MaybeValue scaled = f.op<x::MulOp>(ctx.castTo(*acc, f32), multiplier);
  if (failed(scaled))
    return failure();
  MaybeValue rounded = roundHalfToEven(ctx, *scaled);
  Value yZero = ctx.input(7);
  Type outType = yZero ? ctx.inputType(7).getElementType()
                       : ctx.inputType(0).getElementType();
  bool isUnsigned = yZero ? ctx.isUnsigned(7) : ctx.isUnsigned(0);
  if (yZero)
    rounded = f.op<x::AddOp>(
        rounded, castWithSignedness(ctx, yZero, f32, isUnsigned, false));
  std::optional<std::pair<double, double>> range =
      quantizedRange(outType, isUnsigned);
  if (!range)
    return ctx.unsupported("an output that is not 8 or 16 bits");
  if (failed(rounded))
    return failure();
  Builder &b = ctx.builder();
  MaybeValue q = ctx.value<x::ClipOp>(*rounded, b.getF64FloatAttr(range->first),
                                      b.getF64FloatAttr(range->second));
  if (failed(q))
    return failure();
  return ctx.setOutput(castWithSignedness(ctx, *q, outType, false, isUnsigned));
}

//===----------------------------------------------------------------------===//
// com.microsoft MatMulNBits
//===----------------------------------------------------------------------===//

/// Packed uint8 zero points that are a constant ([N * ceil(blocks / 2)]
/// bytes, low nibble first), unpacked here into an f32 [N, blocks]
/// constant: unpacked at run time, they cost a decode step more than its
/// matmuls (a gather and divisions over N x blocks values per call). Null
/// when the zero points are not a constant whose bytes can be read.
static Value unpackConstantZeroPoints(NodeContext &ctx, int64_t n,
                                      int64_t blocks) {
  auto constant = ctx.input(3).getDefiningOp<x::ConstantOp>();
  if (!constant)
    return {};
  auto elements = dyn_cast<ElementsAttr>(constant.getValue());
  std::optional<ArrayRef<char>> bytes =
      elements ? x::getWeightBytes(elements) : std::nullopt;
  int64_t packed = llvm::divideCeil(blocks, 2);
  if (!bytes || static_cast<int64_t>(elements.getNumElements()) != n * packed)
    return {};
  bool splat = static_cast<int64_t>(bytes->size()) != n * packed;
  auto type = RankedTensorType::get({n, blocks}, ctx.builder().getF32Type());
  x::WeightWriter writer(elements, static_cast<size_t>(n * blocks) * 4);
  auto *values = reinterpret_cast<float *>(writer.getData().data());
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t b = 0; b < blocks; ++b) {
      auto byte =
          static_cast<uint8_t>((*bytes)[splat ? 0 : row * packed + b / 2]);
      values[row * blocks + b] =
          static_cast<float>((byte >> (4 * (b % 2))) & 15);
    }
  }
  return x::ConstantOp::create(ctx.builder(), constant.getLoc(), type,
                               writer.finish(type, "unpacked"));
}

/// MatMulNBits' zero points as f32 [N, blocks]: a 0-D 8 (the middle of the
/// 4-bit range) when absent, float ones reshaped, and packed uint8 ones
/// ([N * ceil(blocks / 2)], two per byte, low nibble first) unpacked at
/// import time when constant, otherwise by arithmetic: byte / 16^(b % 2),
/// floored, modulo 16.
static MaybeValue nbitsZeroPoints(NodeContext &ctx, int64_t n, int64_t blocks) {
  Type f32 = ctx.builder().getF32Type();
  Value zeroPoint = ctx.input(3);
  if (!zeroPoint)
    return ctx.scalar(f32, 8.0);
  Type type = ctx.inputType(3).getElementType();
  if (isa<FloatType>(type)) {
    MaybeValue cast = ctx.castTo(zeroPoint, f32);
    if (failed(cast))
      return failure();
    return ctx.value<x::ReshapeOp>(*cast, ctx.i64Vector({n, blocks}), false);
  }
  if (!type.isInteger(8))
    return ctx.emitError() << "zero_points must be uint8 or of A's type, got "
                           << type;
  if (Value unpacked = unpackConstantZeroPoints(ctx, n, blocks))
    return unpacked;
  int64_t packed = llvm::divideCeil(blocks, 2);
  Formula f(ctx);
  MaybeValue bytes =
      castWithSignedness(ctx, zeroPoint, f32, ctx.isUnsigned(3), false);
  if (failed(bytes))
    return failure();
  bytes = ctx.value<x::ReshapeOp>(*bytes, ctx.i64Vector({n, packed}), false);
  llvm::SmallVector<int64_t> byteOfBlock, divisor;
  for (int64_t b = 0; b < blocks; ++b) {
    byteOfBlock.push_back(b / 2);
    divisor.push_back(b % 2 ? 16 : 1);
  }
  if (failed(bytes))
    return failure();
  MaybeValue perBlock = ctx.value<x::GatherOp>(
      *bytes, ctx.i64Vector(byteOfBlock), ctx.builder().getI64IntegerAttr(1));
  MaybeValue shifted = f.op<x::FloorOp>(
      f.op<x::DivOp>(perBlock, ctx.castTo(ctx.i64Vector(divisor), f32)));
  MaybeValue high =
      f.op<x::FloorOp>(f.op<x::DivOp>(shifted, f.scalar(shifted, 16.0)));
  return f.op<x::SubOp>(shifted, f.op<x::MulOp>(high, f.scalar(shifted, 16.0)));
}

/// MatMulNBits (4 bits): A [..., K] times the transpose of B, whose rows
/// are blocks of packed 4-bit values with a scale and a zero point each.
static LogicalResult convertMatMulNBits(NodeContext &ctx) {
  MaybeValue a = ctx.requiredFloatInput(0, "A");
  MaybeValue b = ctx.requiredInput(1, "B");
  MaybeValue scales = ctx.requiredFloatInput(2, "scales");
  if (failed(a) || failed(b) || failed(scales))
    return failure();
  int64_t bits = ctx.getInt("bits", 4);
  if (bits != 4)
    return ctx.unsupported("MatMulNBits with bits=" + std::to_string(bits) +
                           " (4-bit weights are supported)");
  if (ctx.input(4))
    return ctx.unsupported("MatMulNBits with g_idx (act-order group indices)");
  int64_t k = ctx.getInt("K", 0), n = ctx.getInt("N", 0);
  int64_t blockSize = ctx.getInt("block_size", 0);
  if (k <= 0 || n <= 0)
    return ctx.emitError() << "MatMulNBits needs positive K and N attributes";
  if (blockSize < 16 || !llvm::isPowerOf2_64(blockSize))
    return ctx.emitError() << "block_size must be a power of 2 of at least "
                              "16, got "
                           << blockSize;
  if (!ctx.inputType(1).getElementType().isInteger(8))
    return ctx.emitError() << "B must be uint8, got " << ctx.inputType(1);
  int64_t blocks = llvm::divideCeil(k, blockSize);
  Type f32 = ctx.builder().getF32Type();
  MaybeValue input = ctx.castTo(*a, f32);
  MaybeValue weight = ctx.value<x::ReshapeOp>(
      *b, ctx.i64Vector({n, blocks, blockSize / 2}), false);
  MaybeValue scale = ctx.castTo(*scales, f32);
  if (failed(input) || failed(weight) || failed(scale))
    return failure();
  scale = ctx.value<x::ReshapeOp>(*scale, ctx.i64Vector({n, blocks}), false);
  MaybeValue zeroPoint = nbitsZeroPoints(ctx, n, blocks);
  Value bias;
  if (Value given = ctx.input(5)) {
    MaybeValue cast = ctx.castTo(given, f32);
    if (failed(cast))
      return failure();
    bias = *cast;
  }
  if (failed(scale) || failed(zeroPoint))
    return failure();
  MaybeValue y = ctx.value<x::LinearOp>(
      *input, *weight, bias, Value(), Value(), *scale, *zeroPoint,
      /*transpose_weight=*/true, x::Activation::none, false, false,
      ctx.builder().getI64IntegerAttr(blockSize));
  if (failed(y))
    return failure();
  return ctx.setOutput(ctx.castTo(*y, ctx.inputType(0).getElementType()));
}

//===----------------------------------------------------------------------===//
// com.microsoft GatherBlockQuantized, QAttention
//===----------------------------------------------------------------------===//

/// Bytes holding two 4-bit values each (low nibble first), as f32 whole
/// numbers, unpacked along the last dim: [..., D / 2] -> [..., D].
static MaybeValue unpackNibbles(NodeContext &ctx, Value bytes) {
  Formula f(ctx);
  MaybeValue v = castWithSignedness(ctx, bytes, ctx.builder().getF32Type(),
                                    /*fromUnsigned=*/true, false);
  MaybeValue sixteen = f.scalar(v, 16.0);
  MaybeValue high = f.op<x::FloorOp>(f.op<x::DivOp>(v, sixteen));
  MaybeValue low = f.op<x::SubOp>(v, f.op<x::MulOp>(high, sixteen));
  if (failed(low) || failed(high))
    return failure();
  int64_t rank = cast<RankedTensorType>(bytes.getType()).getRank();
  Builder &b = ctx.builder();
  auto lastAxis = b.getDenseI64ArrayAttr({rank});
  MaybeValue lows = ctx.value<x::UnsqueezeOp>(*low, lastAxis);
  MaybeValue highs = ctx.value<x::UnsqueezeOp>(*high, lastAxis);
  if (failed(lows) || failed(highs))
    return failure();
  MaybeValue pairs = ctx.value<x::ConcatOp>(ValueRange{*lows, *highs},
                                            b.getI64IntegerAttr(rank));
  if (failed(pairs))
    return failure();
  // Every dim copied (0) but the last two, which merge.
  llvm::SmallVector<int64_t> shape(rank - 1, 0);
  shape.push_back(-1);
  return ctx.value<x::ReshapeOp>(*pairs, ctx.i64Vector(shape), false);
}

/// GatherBlockQuantized: rows of a table quantized in blocks along
/// `quantize_axis` (int4/uint4 values, or uint8 holding two 4-bit values
/// per byte or one 8-bit value) gathered along `gather_axis`, then
/// dequantized: (q - zero_point) * scale. The gather comes first, so only
/// the gathered rows are dequantized.
static LogicalResult convertGatherBlockQuantized(NodeContext &ctx) {
  MaybeValue data = ctx.requiredInput(0, "data");
  MaybeValue indices = ctx.requiredInput(1, "indices");
  MaybeValue scales = ctx.requiredFloatInput(2, "scales");
  if (failed(data) || failed(indices) || failed(scales))
    return failure();
  RankedTensorType dataType = ctx.inputType(0);
  int64_t rank = dataType.getRank();
  int64_t gatherAxis = ctx.getInt("gather_axis", 0);
  int64_t quantizeAxis = ctx.getInt("quantize_axis", 1);
  int64_t blockSize = ctx.getInt("block_size", 128);
  int64_t bits = ctx.getInt("bits", 4);
  if (gatherAxis < 0)
    gatherAxis += rank;
  if (quantizeAxis < 0)
    quantizeAxis += rank;
  if (gatherAxis < 0 || gatherAxis >= rank || quantizeAxis < 0 ||
      quantizeAxis >= rank)
    return ctx.emitError() << "gather_axis and quantize_axis must be axes of "
                              "data "
                           << dataType;
  if (gatherAxis == quantizeAxis)
    return ctx.unsupported("gather_axis equal to quantize_axis");
  if (blockSize < 16 || !llvm::isPowerOf2_64(blockSize))
    return ctx.emitError() << "block_size must be a power of 2 of at least "
                              "16, got "
                           << blockSize;
  if (bits != 4 && bits != 8)
    return ctx.unsupported("bits=" + std::to_string(bits) +
                           " (4 and 8 are supported)");
  // uint8 data holds the values packed when bits is 4; int4/uint4
  // initializers arrive unpacked, one value a byte.
  bool packed = ctx.isUnsigned(0) && bits == 4 && !ctx.isUnpackedNibbles(0);
  if (packed && quantizeAxis != rank - 1)
    return ctx.unsupported("packed uint8 data quantized along an axis other "
                           "than the last");
  Builder &b = ctx.builder();
  int64_t indexRank = ctx.inputType(1).getRank();
  auto gather = [&](Value v) {
    return ctx.value<x::GatherOp>(v, *indices, b.getI64IntegerAttr(gatherAxis));
  };
  Type f32 = b.getF32Type();
  MaybeValue q = gather(*data);
  if (failed(q))
    return failure();
  q = packed ? unpackNibbles(ctx, *q)
             : castWithSignedness(ctx, *q, f32, ctx.isUnsigned(0), false);
  int64_t outRank = rank - 1 + indexRank;
  int64_t outAxis =
      quantizeAxis > gatherAxis ? quantizeAxis + indexRank - 1 : quantizeAxis;
  int64_t axisSize = dataType.getDimSize(quantizeAxis);
  if (packed && !ShapedType::isDynamic(axisSize))
    axisSize *= 2;
  QuantizationAxis where{outRank, outAxis, blockSize, axisSize};
  MaybeValue scale = gather(*scales);
  if (failed(scale))
    return failure();
  scale = ctx.castTo(*scale, f32);
  if (failed(scale))
    return failure();
  scale = alignToAxis(ctx, *scale, where);
  Formula f(ctx);
  MaybeValue centeredQ = q;
  if (Value zeroPoint = ctx.input(3)) {
    MaybeValue zp = gather(zeroPoint);
    if (failed(zp))
      return failure();
    zp = packed ? unpackNibbles(ctx, *zp)
                : castWithSignedness(ctx, *zp, f32, ctx.isUnsigned(3), false);
    if (failed(zp))
      return failure();
    centeredQ = f.op<x::SubOp>(q, alignToAxis(ctx, *zp, where));
  } else if (ctx.isUnsigned(0) && !ctx.isUnpackedNibbles(0)) {
    // uint8 values without zero points center on the middle of their
    // range, as ONNX Runtime does (int4 and uint4 ones on 0).
    centeredQ = f.op<x::SubOp>(q, f.scalar(q, bits == 4 ? 8.0 : 128.0));
  }
  MaybeValue y = f.op<x::MulOp>(centeredQ, scale);
  if (failed(y))
    return failure();
  return ctx.setOutput(ctx.castTo(*y, ctx.inputType(2).getElementType()));
}

/// QAttention: com.microsoft Attention whose packed QKV projection is an
/// integer matmul of the quantized input and weight (each minus its zero
/// point), scaled by input_scale * weight_scale, plus the float bias.
static LogicalResult convertQAttention(NodeContext &ctx) {
  static const char *const names[] = {"input", "weight", "bias", "input_scale",
                                      "weight_scale"};
  for (unsigned i = 0; i < std::size(names); ++i)
    if (failed(ctx.requiredInput(i, names[i])))
      return failure();
  if (ctx.input(8))
    return ctx.unsupported("the past input");
  if (ctx.numOutputs() > 1 && !ctx.proto().output(1).empty())
    return ctx.unsupported("the present output");
  if (ctx.getInt("past_present_share_buffer", 0) || ctx.getInt("do_rotary", 0))
    return ctx.unsupported("a shared past buffer or rotary embedding");
  MaybeValue a = centered(ctx, 0, 6, /*innerDims=*/0);
  MaybeValue w = centered(ctx, 1, 7, /*innerDims=*/0);
  if (failed(a) || failed(w))
    return failure();
  MaybeValue product = ctx.value<x::MatMulOp>(*a, *w);
  if (failed(product))
    return failure();
  Formula f(ctx);
  Type f32 = ctx.builder().getF32Type();
  // weight_scale is a scalar or one per column: it broadcasts as it is.
  MaybeValue scale = f.op<x::MulOp>(ctx.castTo(ctx.input(3), f32),
                                    ctx.castTo(ctx.input(4), f32));
  MaybeValue qkv = f.op<x::MulOp>(ctx.castTo(*product, f32), scale);
  qkv = f.op<x::AddOp>(qkv, ctx.castTo(ctx.input(2), f32));
  if (failed(qkv))
    return failure();
  MaybeValue y = attentionOfPackedQkv(ctx, *qkv, 5, std::nullopt);
  if (failed(y))
    return failure();
  return ctx.setOutput(ctx.castTo(*y, ctx.inputType(2).getElementType()));
}

void mlir::xfmr::onnx_import::registerQuantizationOps(OpRegistry &r) {
  r.add("", "QLinearMatMul", convertQLinearMatMul, 10);
  r.add("", "QuantizeLinear", convertQuantizeLinear, 10);
  r.add("", "DequantizeLinear", convertDequantizeLinear, 10);
  r.add("", "DynamicQuantizeLinear", convertDynamicQuantizeLinear, 11);
  r.add("", "MatMulInteger", convertMatMulInteger, 10);
  r.add("", "ConvInteger", convertConvInteger, 10);
  r.add("", "QLinearConv", convertQLinearConv, 10);
  r.add("com.microsoft", "MatMulNBits", convertMatMulNBits, 1);
  r.add("com.microsoft", "GatherBlockQuantized", convertGatherBlockQuantized,
        1);
  r.add("com.microsoft", "QAttention", convertQAttention, 1);
  r.add("com.microsoft", "DynamicQuantizeMatMul", convertDynamicQuantizeMatMul,
        1);
  r.add("com.microsoft", "MatMulIntegerToFloat", convertMatMulIntegerToFloat,
        1);
}
