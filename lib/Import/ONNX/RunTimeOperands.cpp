//===- RunTimeOperands.cpp - Axes, sizes and pads known only at run time --===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ONNX lets axes, split sizes, pads, repeats and depths be tensors that a
// run computes. Their count is static (the tensor's type says it), so the
// result's rank is known; their values become index arithmetic on small
// tensors: flags per dim, positions from Range, shapes for Reshape, and
// Slice and Gather by run-time indices. Out-of-range values fail a
// run-time check that names the node.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "xfmr/Dialect/Xfmr/IR/ONNXOpTypeLoc.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

LogicalResult mlir::xfmr::onnx_import::checkAtRunTime(
    NodeContext &ctx, FailureOr<Value> holds, const llvm::Twine &message) {
  if (failed(holds))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = x::withONNXOpType(ctx.loc(), ctx.opType());
  Value flag = tensor::ExtractOp::create(b, loc, *holds, ValueRange());
  cf::AssertOp::create(b, loc, flag, b.getStringAttr(message.str()));
  return success();
}

FailureOr<Value> mlir::xfmr::onnx_import::allOf(NodeContext &ctx,
                                                FailureOr<Value> flags) {
  if (failed(flags))
    return failure();
  // Reduced as i64: a signed i1 minimum would take true (-1) for the least.
  FailureOr<Value> wide = ctx.castTo(*flags, ctx.builder().getI64Type());
  if (failed(wide))
    return failure();
  llvm::SmallVector<int64_t> dims;
  for (int64_t d = 0; d < cast<RankedTensorType>(wide->getType()).getRank();
       ++d)
    dims.push_back(d);
  FailureOr<Value> least =
      ctx.value<x::ReduceMinOp>(*wide, ctx.builder().getDenseI64ArrayAttr(dims),
                                ctx.builder().getBoolAttr(false));
  Formula f(ctx);
  return f.op<x::GreaterOp>(least, f.scalar(least, 0));
}

FailureOr<Value> mlir::xfmr::onnx_import::scalarOf(NodeContext &ctx,
                                                   Value value) {
  FailureOr<Value> wide = ctx.castTo(value, ctx.builder().getI64Type());
  if (failed(wide))
    return failure();
  auto type = cast<RankedTensorType>(wide->getType());
  if (type.getRank() == 0)
    return *wide;
  if (!type.hasStaticShape() || type.getNumElements() != 1)
    return ctx.emitError() << ctx.opType()
                           << " needs a scalar or a one-element tensor";
  return ctx.value<x::ReshapeOp>(*wide, ctx.i64Vector({}), false);
}

FailureOr<Value> mlir::xfmr::onnx_import::elementOf(NodeContext &ctx,
                                                    FailureOr<Value> vector,
                                                    int64_t i) {
  if (failed(vector))
    return failure();
  return ctx.value<x::GatherOp>(
      *vector, ctx.scalar(ctx.builder().getI64Type(), static_cast<double>(i)),
      ctx.builder().getI64IntegerAttr(0));
}

FailureOr<Value> mlir::xfmr::onnx_import::dimOf(NodeContext &ctx,
                                                FailureOr<Value> value,
                                                int64_t axis) {
  if (failed(value))
    return failure();
  FailureOr<Value> shape =
      ctx.value<x::ShapeOp>(*value, IntegerAttr(), IntegerAttr());
  return elementOf(ctx, shape, axis);
}

FailureOr<Value> mlir::xfmr::onnx_import::countAlong(NodeContext &ctx,
                                                     FailureOr<Value> flags,
                                                     int64_t axis) {
  if (failed(flags))
    return failure();
  FailureOr<Value> ones = ctx.castTo(*flags, ctx.builder().getI64Type());
  if (failed(ones))
    return failure();
  return ctx.value<x::ReduceSumOp>(*ones,
                                   ctx.builder().getDenseI64ArrayAttr({axis}),
                                   ctx.builder().getBoolAttr(false));
}

FailureOr<Value> mlir::xfmr::onnx_import::rangeOf(NodeContext &ctx,
                                                  FailureOr<Value> start,
                                                  FailureOr<Value> limit) {
  if (failed(start) || failed(limit))
    return failure();
  return ctx.value<x::RangeOp>(*start, *limit,
                               ctx.scalar(ctx.builder().getI64Type(), 1));
}

FailureOr<Value> mlir::xfmr::onnx_import::gatherAt(NodeContext &ctx,
                                                   Value source,
                                                   FailureOr<Value> indices,
                                                   int64_t axis) {
  if (failed(indices))
    return failure();
  return ctx.value<x::GatherOp>(source, *indices,
                                ctx.builder().getI64IntegerAttr(axis));
}

FailureOr<Value> mlir::xfmr::onnx_import::normalizedAxes(NodeContext &ctx,
                                                         Value axes,
                                                         int64_t rank) {
  Formula f(ctx);
  FailureOr<Value> wide = ctx.castTo(axes, ctx.builder().getI64Type());
  if (failed(wide))
    return failure();
  auto type = cast<RankedTensorType>(wide->getType());
  if (type.getRank() == 0)
    wide = ctx.value<x::ReshapeOp>(*wide, ctx.i64Vector({1}), false);
  else if (type.getRank() != 1)
    return ctx.emitError() << ctx.opType() << " axes must be a 1-D tensor";
  Builder &b = ctx.builder();
  auto all = [&](FailureOr<Value> v) -> FailureOr<Value> {
    if (failed(v))
      return failure();
    return ctx.value<x::ReduceMinOp>(*v, b.getDenseI64ArrayAttr({0}),
                                     b.getBoolAttr(false));
  };
  FailureOr<Value> lowest = all(wide);
  FailureOr<Value> highest = f.op<x::NegOp>(all(f.op<x::NegOp>(wide)));
  FailureOr<Value> inRange =
      f.op<x::AndOp>(f.op<x::GreaterEqualOp>(lowest, f.scalar(wide, -rank)),
                     f.op<x::LessOp>(highest, f.scalar(wide, rank)));
  if (failed(checkAtRunTime(ctx, inRange,
                            "an axis is out of range for rank " +
                                llvm::Twine(rank))))
    return failure();
  return f.where(f.op<x::LessOp>(wide, f.scalar(wide, 0)),
                 f.op<x::AddOp>(wide, f.scalar(wide, rank)), wide);
}

FailureOr<Value> mlir::xfmr::onnx_import::axisFlags(NodeContext &ctx,
                                                    Value axes, int64_t rank) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  int64_t count = cast<RankedTensorType>(axes.getType()).getDimSize(0);
  FailureOr<Value> column =
      ctx.value<x::ReshapeOp>(axes, ctx.i64Vector({count, 1}), false);
  FailureOr<Value> times = countAlong(
      ctx, f.op<x::EqualOp>(column, ctx.positionsAlong(1, 2, rank)), 0);
  if (failed(times))
    return failure();
  // An axis named twice would leave a dim unaccounted for.
  FailureOr<Value> most = ctx.value<x::ReduceMaxOp>(
      *times, b.getDenseI64ArrayAttr({0}), b.getBoolAttr(false));
  if (failed(checkAtRunTime(ctx, f.op<x::LessEqualOp>(most, f.scalar(most, 1)),
                            "an axis is repeated")))
    return failure();
  return f.op<x::GreaterOp>(times, f.scalar(times, 0));
}

FailureOr<Value> mlir::xfmr::onnx_import::dropDims(NodeContext &ctx,
                                                   Value value, Value flags,
                                                   int64_t resultRank) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  if (resultRank == 0)
    return ctx.value<x::ReshapeOp>(value, ctx.i64Vector({}), true);
  FailureOr<Value> keep = ctx.castTo(flags, b.getI64Type());
  keep = f.op<x::SubOp>(f.scalar(keep, 1), keep);
  if (failed(keep))
    return failure();
  // Kept dims up to and including each dim; the j-th kept dim is the one
  // after the dims whose count is at most j.
  FailureOr<Value> kept = ctx.value<x::CumSumOp>(*keep, b.getI64IntegerAttr(0),
                                                 UnitAttr(), UnitAttr());
  if (failed(kept))
    return failure();
  FailureOr<Value> row =
      ctx.value<x::ReshapeOp>(*kept, ctx.i64Vector({1, rank}), false);
  FailureOr<Value> sources = countAlong(
      ctx, f.op<x::LessEqualOp>(row, ctx.positionsAlong(0, 2, resultRank)), 1);
  FailureOr<Value> shape =
      ctx.value<x::ShapeOp>(value, IntegerAttr(), IntegerAttr());
  if (failed(shape))
    return failure();
  FailureOr<Value> resultShape = gatherAt(ctx, *shape, sources, 0);
  if (failed(resultShape))
    return failure();
  return ctx.value<x::ReshapeOp>(value, *resultShape, true);
}

FailureOr<Value> mlir::xfmr::onnx_import::insertDims(NodeContext &ctx,
                                                     Value value, Value flags) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  int64_t resultRank = cast<RankedTensorType>(flags.getType()).getDimSize(0);
  if (rank == 0)
    return ctx.value<x::ReshapeOp>(
        value, ctx.i64Vector(llvm::SmallVector<int64_t>(resultRank, 1)), true);
  FailureOr<Value> added = ctx.castTo(flags, b.getI64Type());
  if (failed(added))
    return failure();
  // Result dim p that is not new is input dim p - (new dims up to p).
  FailureOr<Value> addedSoFar = ctx.value<x::CumSumOp>(
      *added, b.getI64IntegerAttr(0), UnitAttr(), UnitAttr());
  FailureOr<Value> sources =
      f.op<x::SubOp>(ctx.positionsAlong(0, 1, resultRank), addedSoFar);
  sources = f.op<x::MinOp>(f.op<x::MaxOp>(sources, f.scalar(sources, 0)),
                           f.scalar(sources, rank - 1));
  FailureOr<Value> shape =
      ctx.value<x::ShapeOp>(value, IntegerAttr(), IntegerAttr());
  if (failed(shape))
    return failure();
  FailureOr<Value> inputDims = gatherAt(ctx, *shape, sources, 0);
  FailureOr<Value> resultShape =
      f.where(flags, f.scalar(inputDims, 1), inputDims);
  if (failed(resultShape))
    return failure();
  return ctx.value<x::ReshapeOp>(value, *resultShape, true);
}

FailureOr<Value>
mlir::xfmr::onnx_import::selectAlongAxis(NodeContext &ctx, Value value,
                                         Value begin, Value end, int64_t axis) {
  FailureOr<Value> starts =
      ctx.value<x::ReshapeOp>(begin, ctx.i64Vector({1}), false);
  FailureOr<Value> ends =
      ctx.value<x::ReshapeOp>(end, ctx.i64Vector({1}), false);
  if (failed(starts) || failed(ends))
    return failure();
  return ctx.value<x::SliceOp>(value, *starts, *ends, ctx.i64Vector({axis}),
                               Value());
}

FailureOr<Value> mlir::xfmr::onnx_import::reduceOverRunTimeAxes(
    NodeContext &ctx, Value data, Value axes, bool keepdims,
    llvm::function_ref<FailureOr<Value>(Value, int64_t)> reduceAxis) {
  Formula f(ctx);
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  int64_t count = cast<RankedTensorType>(axes.getType()).getDimSize(0);
  FailureOr<Value> normalized = normalizedAxes(ctx, axes, rank);
  if (failed(normalized))
    return failure();
  FailureOr<Value> flags = axisFlags(ctx, *normalized, rank);
  if (failed(flags))
    return failure();
  // Per dim, the reduced slice (size 1) followed by the dim itself: a slice
  // keeps the first or the rest, as the flag says.
  Value result = data;
  for (int64_t d = 0; d < rank; ++d) {
    FailureOr<Value> reduced = reduceAxis(result, d);
    if (failed(reduced))
      return failure();
    FailureOr<Value> both = ctx.value<x::ConcatOp>(
        ValueRange{*reduced, result}, ctx.builder().getI64IntegerAttr(d));
    FailureOr<Value> flag = elementOf(ctx, *flags, d);
    FailureOr<Value> size = dimOf(ctx, result, d);
    FailureOr<Value> one = f.scalar(size, 1);
    FailureOr<Value> begin = f.where(flag, f.scalar(size, 0), one);
    FailureOr<Value> end = f.where(flag, one, f.op<x::AddOp>(size, one));
    if (failed(both) || failed(begin) || failed(end))
      return failure();
    FailureOr<Value> chosen = selectAlongAxis(ctx, *both, *begin, *end, d);
    if (failed(chosen))
      return failure();
    result = *chosen;
  }
  if (keepdims)
    return result;
  return dropDims(ctx, result, *flags, rank - count);
}

FailureOr<Value> mlir::xfmr::onnx_import::scatterToSlots(
    NodeContext &ctx, FailureOr<Value> slots, FailureOr<Value> values,
    FailureOr<Value> count) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  if (failed(slots) || failed(values) || failed(count))
    return failure();
  // One slot more than kept: where the values that go nowhere land.
  FailureOr<Value> bufferSize =
      f.op<x::ReshapeOp>(f.op<x::AddOp>(count, f.scalar(count, 1)),
                         FailureOr<Value>(ctx.i64Vector({1})));
  if (failed(bufferSize))
    return failure();
  FailureOr<Value> buffer =
      ctx.value<x::ExpandOp>(*f.scalar(values, 0), *bufferSize);
  if (failed(buffer))
    return failure();
  FailureOr<Value> scattered = ctx.value<x::ScatterElementsOp>(
      *buffer, *slots, *values, b.getI64IntegerAttr(0),
      b.getStringAttr("none"));
  if (failed(scattered))
    return failure();
  return selectAlongAxis(ctx, *scattered, ctx.scalar(b.getI64Type(), 0), *count,
                         0);
}

FailureOr<Value> mlir::xfmr::onnx_import::trueIndices(NodeContext &ctx,
                                                      Value flags) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  FailureOr<Value> ones = ctx.castTo(flags, b.getI64Type());
  if (failed(ones))
    return failure();
  // Each true position goes to the number of true ones before it.
  FailureOr<Value> before = ctx.value<x::CumSumOp>(
      *ones, b.getI64IntegerAttr(0), b.getUnitAttr(), UnitAttr());
  FailureOr<Value> count = countAlong(ctx, flags, 0);
  FailureOr<Value> size = dimOf(ctx, flags, 0);
  return scatterToSlots(ctx, f.where(flags, before, count),
                        rangeOf(ctx, f.scalar(size, 0), size), count);
}
