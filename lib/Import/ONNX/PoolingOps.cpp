//===- PoolingOps.cpp - Importing ONNX pools and MaxUnpool ----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The three pools become one xfmr.pool; auto_pad is resolved here into
// explicit pads, which needs the spatial dims static (as xfmr.pool does).
// MaxPool's Indices output and MaxPool on integers are gathers of each
// window's elements and an ArgMax; MaxUnpool is a ScatterElements.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// The strides, dilations and pads of a pool over the spatial dims of
/// `type`, with auto_pad resolved into pads.
struct PoolGeometry {
  llvm::SmallVector<int64_t> kernel, strides, dilations, pads;
  bool ceilMode;
};

static FailureOr<PoolGeometry> getPoolGeometry(NodeContext &ctx,
                                               RankedTensorType type) {
  PoolGeometry g;
  int64_t rank = type.getRank();
  g.kernel = ctx.getInts("kernel_shape");
  if (rank < 3 || static_cast<int64_t>(g.kernel.size()) != rank - 2)
    return ctx.emitError() << ctx.opType()
                           << " needs kernel_shape with one value per spatial "
                              "dim of an [N, C, spatial...] input";
  size_t spatial = g.kernel.size();
  for (size_t i = 0; i < spatial; ++i)
    if (type.isDynamicDim(i + 2))
      return ctx.unsupported("spatial dims known only at run time");
  g.strides = valuesOr(ctx.getInts("strides"), spatial, 1);
  g.dilations = valuesOr(ctx.getInts("dilations"), spatial, 1);
  g.pads = valuesOr(ctx.getInts("pads"), 2 * spatial, 0);
  g.ceilMode = ctx.getInt("ceil_mode", 0);
  if (g.strides.size() != spatial || g.dilations.size() != spatial ||
      g.pads.size() != 2 * spatial)
    return ctx.emitError() << ctx.opType()
                           << " needs one stride and dilation and two pads "
                              "per spatial dim";
  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    g.pads.assign(2 * spatial, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    // The output keeps ceil(in / stride) positions; the odd pad goes to the
    // end (upper) or the beginning (lower).
    for (size_t i = 0; i < spatial; ++i) {
      int64_t in = type.getDimSize(i + 2);
      int64_t out = (in + g.strides[i] - 1) / g.strides[i];
      int64_t total =
          std::max<int64_t>((out - 1) * g.strides[i] +
                                (g.kernel[i] - 1) * g.dilations[i] + 1 - in,
                            0);
      int64_t small = total / 2;
      g.pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
      g.pads[spatial + i] = total - g.pads[i];
    }
  } else if (autoPad != "NOTSET") {
    return ctx.emitError() << ctx.opType() << " auto_pad '" << autoPad
                           << "' is not one ONNX defines";
  }
  return g;
}

/// The output size of a pool along a spatial dim of size `in`: with
/// ceil_mode it rounds up, but no window starts in the end padding.
static int64_t pooledSize(const PoolGeometry &g, size_t i, int64_t in) {
  int64_t padded = in + g.pads[i] + g.pads[g.kernel.size() + i];
  int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
  int64_t span = padded - extent;
  int64_t out = (g.ceilMode ? (span + g.strides[i] - 1) / g.strides[i]
                            : span / g.strides[i]) +
                1;
  if (g.ceilMode && (out - 1) * g.strides[i] >= in + g.pads[i])
    --out;
  return out;
}

/// MaxPool with its Indices output, or on integers, which xfmr.pool does not
/// compute: every window's elements gathered into a last dim, ArgMax over
/// it (the first maximum wins, as in the reference), and the flat index of
/// the winner, row-major (or with storage_order = 1 column-major) over the
/// spatial dims plus (n * C + c) times their size.
static LogicalResult convertMaxPoolByGather(NodeContext &ctx, Value input,
                                            const PoolGeometry &g) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  RankedTensorType type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  size_t spatial = g.kernel.size();
  if (!type.hasStaticShape())
    return ctx.unsupported("the Indices output or integers with dims known "
                           "only at run time");
  llvm::SmallVector<int64_t> in, out;
  int64_t inSize = 1, outSize = 1, windowSize = 1;
  for (size_t i = 0; i < spatial; ++i) {
    in.push_back(type.getDimSize(i + 2));
    out.push_back(pooledSize(g, i, in.back()));
    if (out.back() < 1)
      return ctx.emitError() << "MaxPool window is larger than the padded "
                                "input";
    inSize *= in.back();
    outSize *= out.back();
    windowSize *= g.kernel[i];
  }
  bool columnMajor = ctx.getInt("storage_order", 0) == 1;
  // For each output position and window element: the row-major position
  // it reads (inSize for the padding, which reads an appended lowest value)
  // and the index the Indices output reports for it.
  llvm::SmallVector<int64_t> reads, reported;
  llvm::SmallVector<int64_t> o(spatial, 0), k(spatial, 0);
  for (int64_t outPos = 0; outPos < outSize; ++outPos) {
    for (int64_t i = spatial - 1, rest = outPos; i >= 0; --i) {
      o[i] = rest % out[i];
      rest /= out[i];
    }
    for (int64_t kPos = 0; kPos < windowSize; ++kPos) {
      for (int64_t i = spatial - 1, rest = kPos; i >= 0; --i) {
        k[i] = rest % g.kernel[i];
        rest /= g.kernel[i];
      }
      int64_t rowMajor = 0, colMajor = 0, stride = 1;
      bool inside = true;
      for (size_t i = 0; i < spatial; ++i) {
        int64_t p = o[i] * g.strides[i] - g.pads[i] + k[i] * g.dilations[i];
        inside &= p >= 0 && p < in[i];
        rowMajor = rowMajor * in[i] + p;
        colMajor += p * stride;
        stride *= in[i];
      }
      reads.push_back(inside ? rowMajor : inSize);
      reported.push_back(inside ? (columnMajor ? colMajor : rowMajor) : 0);
    }
  }

  int64_t batch = type.getDimSize(0), channels = type.getDimSize(1);
  double lowest;
  if (isa<FloatType>(elementType))
    lowest = -std::numeric_limits<double>::infinity();
  else if (ctx.isUnsigned(0))
    lowest = 0;
  else
    lowest = -std::ldexp(1.0, elementType.getIntOrFloatBitWidth() - 1);
  FailureOr<Value> flat = ctx.value<x::ReshapeOp>(
      input, ctx.i64Vector({batch, channels, inSize}), false);
  FailureOr<Value> padding = f.scalar(flat, lowest);
  if (failed(flat) || failed(padding))
    return failure();
  FailureOr<Value> padColumn =
      ctx.value<x::ExpandOp>(*padding, ctx.i64Vector({batch, channels, 1}));
  if (failed(padColumn))
    return failure();
  FailureOr<Value> padded = ctx.value<x::ConcatOp>(
      ValueRange{*flat, *padColumn}, b.getI64IntegerAttr(2));
  auto tableType = RankedTensorType::get({outSize, windowSize}, b.getI64Type());
  Value readTable = x::ConstantOp::create(
      b, ctx.loc(), tableType, DenseIntElementsAttr::get(tableType, reads));
  FailureOr<Value> windows =
      failed(padded)
          ? padded
          : ctx.value<x::GatherOp>(*padded, readTable, b.getI64IntegerAttr(2));
  if (failed(windows))
    return failure();
  // Unsigned order is signed order with the top bit flipped.
  FailureOr<Value> keys =
      ctx.isUnsigned(0)
          ? f.op<x::AddOp>(
                windows,
                f.scalar(
                    windows,
                    -std::ldexp(1.0, elementType.getIntOrFloatBitWidth() - 1)))
          : windows;
  if (failed(keys))
    return failure();
  FailureOr<Value> winner = ctx.value<x::ArgMaxOp>(
      *keys, b.getI64IntegerAttr(3), b.getBoolAttr(true), b.getBoolAttr(false));
  if (failed(winner))
    return failure();
  llvm::SmallVector<int64_t> shape = {batch, channels};
  shape.append(out.begin(), out.end());
  FailureOr<Value> values =
      ctx.value<x::GatherElementsOp>(*windows, *winner, b.getI64IntegerAttr(3));
  if (succeeded(values))
    values = ctx.value<x::ReshapeOp>(*values, ctx.i64Vector(shape), false);
  if (failed(values))
    return failure();
  if (!ctx.isOutputUsed(1))
    return ctx.setOutputs(*values);

  auto reportedType =
      RankedTensorType::get({1, 1, outSize, windowSize}, b.getI64Type());
  Value reportTable =
      x::ConstantOp::create(b, ctx.loc(), reportedType,
                            DenseIntElementsAttr::get(reportedType, reported));
  FailureOr<Value> table = ctx.value<x::ExpandOp>(
      reportTable, ctx.i64Vector({batch, channels, outSize, windowSize}));
  FailureOr<Value> spatialIndex =
      failed(table) ? table
                    : ctx.value<x::GatherElementsOp>(*table, *winner,
                                                     b.getI64IntegerAttr(3));
  llvm::SmallVector<int64_t> offsets;
  for (int64_t plane = 0; plane < batch * channels; ++plane)
    offsets.push_back(plane * inSize);
  auto offsetType =
      RankedTensorType::get({batch, channels, 1, 1}, b.getI64Type());
  Value planeOffsets = x::ConstantOp::create(
      b, ctx.loc(), offsetType, DenseIntElementsAttr::get(offsetType, offsets));
  FailureOr<Value> indices = f.op<x::AddOp>(spatialIndex, planeOffsets);
  if (succeeded(indices))
    indices = ctx.value<x::ReshapeOp>(*indices, ctx.i64Vector(shape), false);
  if (failed(indices))
    return failure();
  return ctx.setOutputs({*values, *indices});
}

static LogicalResult convertPool(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  Type elementType = type.getElementType();
  bool isMax = ctx.opType() == "MaxPool";
  bool isInteger = elementType.isInteger() && !elementType.isInteger(1);
  if (!isa<FloatType>(elementType) && !(isMax && isInteger))
    return ctx.emitError() << ctx.opType()
                           << " needs a floating-point input 0 (X), got "
                           << elementType;
  FailureOr<PoolGeometry> g = getPoolGeometry(ctx, type);
  if (failed(g))
    return failure();
  if (isMax && (isInteger || ctx.isOutputUsed(1)))
    return convertMaxPoolByGather(ctx, *input, *g);
  if (ctx.getInt("storage_order", 0) != 0)
    return ctx.unsupported("storage_order = 1");
  StringRef kind = isMax ? "max" : ctx.opType() == "AveragePool" ? "avg" : "lp";
  Builder &b = ctx.builder();
  bool countIncludePad = ctx.getInt("count_include_pad", 0);
  return ctx.setOutput(ctx.value<x::PoolOp>(
      *input, b.getStringAttr(kind), b.getDenseI64ArrayAttr(g->kernel),
      b.getDenseI64ArrayAttr(g->strides), b.getDenseI64ArrayAttr(g->pads),
      b.getDenseI64ArrayAttr(g->dilations),
      g->ceilMode ? b.getUnitAttr() : UnitAttr(),
      countIncludePad ? b.getUnitAttr() : UnitAttr(),
      b.getI64IntegerAttr(ctx.getInt("p", 2))));
}

/// A zero-filled constant of `shape` and `elementType`.
static Value zeros(NodeContext &ctx, llvm::ArrayRef<int64_t> shape,
                   Type elementType) {
  auto type = RankedTensorType::get(shape, elementType);
  Attribute zero = isa<FloatType>(elementType)
                       ? Attribute(FloatAttr::get(elementType, 0.0))
                       : Attribute(IntegerAttr::get(elementType, 0));
  return x::ConstantOp::create(ctx.builder(), ctx.loc(), type,
                               DenseElementsAttr::get(type, zero));
}

/// `unpooled` (of static shape `unpooledShape`) with zeros appended up to
/// the output_shape a run gives, which must not be smaller.
static FailureOr<Value>
padToRunTimeShape(NodeContext &ctx, Value unpooled,
                  llvm::ArrayRef<int64_t> unpooledShape) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  auto rank = static_cast<int64_t>(unpooledShape.size());
  FailureOr<Value> shape = ctx.castTo(ctx.input(2), b.getI64Type());
  FailureOr<Value> growth =
      f.op<x::SubOp>(shape, FailureOr<Value>(ctx.i64Vector(unpooledShape)));
  std::string least;
  llvm::raw_string_ostream os(least);
  llvm::interleave(unpooledShape, os, "x");
  if (failed(checkAtRunTime(
          ctx, allOf(ctx, f.op<x::GreaterEqualOp>(growth, f.scalar(growth, 0))),
          "output_shape is smaller than the unpooled shape " + least)))
    return failure();
  FailureOr<Value> pads = ctx.value<x::ConcatOp>(
      ValueRange{ctx.i64Vector(llvm::SmallVector<int64_t>(rank, 0)), *growth},
      b.getI64IntegerAttr(0));
  if (failed(pads))
    return failure();
  Type elementType =
      cast<RankedTensorType>(unpooled.getType()).getElementType();
  return padAtRunTime(ctx, unpooled, "constant", ctx.scalar(elementType, 0.0),
                      *pads, llvm::to_vector(llvm::seq<int64_t>(0, rank)));
}

/// MaxUnpool(X, I, output_shape?): zeros of the shape MaxPool's input had
/// (from kernel_shape, strides and pads) with each X at its flat index I,
/// then zeros appended up to output_shape, as the reference does.
static LogicalResult convertMaxUnpool(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  FailureOr<Value> indices = ctx.requiredInput(1, "I");
  if (failed(input) || failed(indices))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  llvm::SmallVector<int64_t> kernel = ctx.getInts("kernel_shape");
  if (rank < 3 || static_cast<int64_t>(kernel.size()) != rank - 2)
    return ctx.emitError() << "MaxUnpool needs kernel_shape with one value "
                              "per spatial dim of an [N, C, spatial...] input";
  if (!type.hasStaticShape())
    return ctx.unsupported("dims known only at run time");
  if (ctx.inputType(1).getShape() != type.getShape() ||
      !ctx.inputType(1).getElementType().isInteger(64))
    return ctx.emitError() << "MaxUnpool needs int64 indices I of the shape "
                              "of X, got "
                           << ctx.inputType(1);
  size_t spatial = kernel.size();
  llvm::SmallVector<int64_t> strides =
      valuesOr(ctx.getInts("strides"), spatial, 1);
  llvm::SmallVector<int64_t> pads =
      valuesOr(ctx.getInts("pads"), 2 * spatial, 0);
  if (strides.size() != spatial || pads.size() != 2 * spatial)
    return ctx.emitError() << "MaxUnpool needs one stride and two pads per "
                              "spatial dim";
  llvm::SmallVector<int64_t> unpooled = {type.getDimSize(0),
                                         type.getDimSize(1)};
  int64_t total = unpooled[0] * unpooled[1];
  for (size_t i = 0; i < spatial; ++i) {
    unpooled.push_back((type.getDimSize(i + 2) - 1) * strides[i] - pads[i] -
                       pads[spatial + i] + kernel[i]);
    total *= unpooled.back();
  }
  llvm::SmallVector<int64_t> shape = unpooled;
  std::optional<llvm::SmallVector<int64_t>> given;
  if (ctx.input(2)) {
    RankedTensorType shapeType = ctx.inputType(2);
    if (shapeType.getRank() != 1 || shapeType.getDimSize(0) != rank)
      return ctx.emitError() << "MaxUnpool output_shape needs " << rank
                             << " values, got " << shapeType;
    given = ctx.constantInts(2);
  }
  if (given) {
    for (int64_t d = 0; d < rank; ++d)
      if ((*given)[d] < unpooled[d])
        return ctx.emitError() << "MaxUnpool output_shape dim " << d << " ("
                               << (*given)[d] << ") is below " << unpooled[d];
    shape = *given;
  }

  Builder &b = ctx.builder();
  Type elementType = type.getElementType();
  FailureOr<Value> flatValues =
      ctx.value<x::ReshapeOp>(*input, ctx.i64Vector({-1}), false);
  FailureOr<Value> flatIndices =
      ctx.value<x::ReshapeOp>(*indices, ctx.i64Vector({-1}), false);
  if (failed(flatValues) || failed(flatIndices))
    return failure();
  FailureOr<Value> result = ctx.value<x::ScatterElementsOp>(
      zeros(ctx, {total}, elementType), *flatIndices, *flatValues,
      b.getI64IntegerAttr(0), b.getStringAttr("none"));
  if (succeeded(result))
    result = ctx.value<x::ReshapeOp>(*result, ctx.i64Vector(unpooled), false);
  if (succeeded(result) && ctx.input(2) && !given)
    return ctx.setOutput(padToRunTimeShape(ctx, *result, unpooled));
  llvm::SmallVector<int64_t> current = unpooled;
  for (int64_t d = 0; d < rank && succeeded(result); ++d) {
    if (shape[d] == current[d])
      continue;
    llvm::SmallVector<int64_t> padShape = current;
    padShape[d] = shape[d] - current[d];
    result = ctx.value<x::ConcatOp>(
        ValueRange{*result, zeros(ctx, padShape, elementType)},
        b.getI64IntegerAttr(d));
    current[d] = shape[d];
  }
  return ctx.setOutput(result);
}

void mlir::xfmr::onnx_import::registerPoolingOps(OpRegistry &r) {
  r.add("", "MaxPool", convertPool);
  r.add("", "AveragePool", convertPool);
  r.add("", "LpPool", convertPool);
  r.add("", "MaxUnpool", convertMaxUnpool, 9);
}
