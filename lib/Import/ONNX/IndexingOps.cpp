//===- IndexingOps.cpp - Importing ONNX TopK and the scatters -------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ScatterElements (and its opset-9 name Scatter) and ScatterND map onto
// xfmr ops. TopK with a constant k is a formula: k rounds of ArgMax over the
// input with the elements already chosen masked to the lowest value, which
// is what mixture-of-experts routing (k of 1 or 2) and top-k sampling need
// without a sort.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// The largest k unrolled into rounds of ArgMax.
static constexpr int64_t kMaxUnrolledTopK = 64;

/// TopK(X, K) -> (Values, Indices) along `axis`, the largest (or with
/// largest = 0 the smallest) first; equal values keep their order, as ONNX
/// asks.
static LogicalResult convertTopK(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType) && !elementType.isSignlessInteger())
    return ctx.emitError() << "TopK needs a numeric input X";
  int64_t rank = type.getRank();
  int64_t axis = ctx.getInt("axis", -1);
  if (axis < -rank || axis >= rank)
    return ctx.emitError() << "TopK axis " << axis
                           << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  int64_t k;
  int64_t size = type.getDimSize(axis);
  // A K computed at run time: the whole axis in order, then its first K.
  Value runTimeK;
  if (ctx.opset() < 10) {
    k = ctx.getInt("k", -1);
  } else {
    if (failed(ctx.requiredInput(1, "K")))
      return failure();
    std::optional<llvm::SmallVector<int64_t>> ks = ctx.constantInts(1);
    if (ks && ks->size() == 1) {
      k = ks->front();
    } else {
      FailureOr<Value> given = scalarOf(ctx, ctx.input(1));
      if (failed(given))
        return failure();
      runTimeK = *given;
      k = size;
    }
  }
  if (ShapedType::isDynamic(size))
    return ctx.unsupported("an axis whose size is known only at run time");
  if (k == 0)
    return ctx.unsupported("K = 0");
  if (k < 0 || k > size)
    return ctx.emitError() << "TopK K " << k << " is outside [1, " << size
                           << "]";
  if (k > kMaxUnrolledTopK)
    return ctx.unsupported(
        (runTimeK ? "a K computed at run time over an axis longer than "
                  : "K above ") +
        llvm::Twine(kMaxUnrolledTopK));
  if (runTimeK &&
      failed(checkAtRunTime(
          ctx,
          f.op<x::AndOp>(
              f.op<x::GreaterEqualOp>(runTimeK, f.scalar(runTimeK, 0)),
              f.op<x::LessEqualOp>(runTimeK, f.scalar(runTimeK, size))),
          "K is outside [0, " + llvm::Twine(size) + "], the size of axis " +
              llvm::Twine(axis))))
    return failure();

  // Unsigned order is signed order of the flipped values; smallest first is
  // largest first of an order-reversing map (as ArgMin).
  FailureOr<Value> keys = ctx.isUnsigned(0) ? flipTopBit(ctx, input) : input;
  if (!ctx.getInt("largest", 1))
    keys = isa<FloatType>(elementType)
               ? f.op<x::NegOp>(keys)
               : f.op<x::SubOp>(f.scalar(keys, -1.0), keys);
  double lowest =
      isa<FloatType>(elementType)
          ? -std::numeric_limits<double>::infinity()
          : -std::ldexp(1.0, elementType.getIntOrFloatBitWidth() - 1);
  FailureOr<Value> floor = k > 1 ? f.scalar(input, lowest) : input;
  Value positions = k > 1 ? ctx.positionsAlong(axis, rank, size) : Value();
  Builder &b = ctx.builder();
  auto argMax = [&](FailureOr<Value> v) -> FailureOr<Value> {
    if (failed(v))
      return failure();
    return ctx.value<x::ArgMaxOp>(*v, b.getI64IntegerAttr(axis),
                                  b.getBoolAttr(true), b.getBoolAttr(false));
  };
  llvm::SmallVector<Value> chosen;
  FailureOr<Value> taken = failure(), masked = keys;
  for (int64_t round = 0; round < k; ++round) {
    FailureOr<Value> index = argMax(masked);
    if (round > 0) {
      // When only floor values are left, the masked positions tie with
      // them; the first position not taken is then the one ONNX picks.
      FailureOr<Value> top =
          failed(index) ? index
                        : ctx.value<x::GatherElementsOp>(
                              *masked, *index, b.getI64IntegerAttr(axis));
      FailureOr<Value> free = f.op<x::NotOp>(taken);
      FailureOr<Value> firstFree =
          failed(free) ? free : argMax(ctx.castTo(*free, b.getF32Type()));
      index = f.where(f.op<x::EqualOp>(top, floor), firstFree, index);
    }
    if (failed(index))
      return failure();
    chosen.push_back(*index);
    if (round + 1 == k)
      break;
    FailureOr<Value> hit = f.op<x::EqualOp>(*index, positions);
    taken = round == 0 ? hit : f.op<x::OrOp>(taken, hit);
    masked = f.where(taken, floor, keys);
  }
  FailureOr<Value> indices =
      k == 1 ? FailureOr<Value>(chosen.front())
             : ctx.value<x::ConcatOp>(chosen, b.getI64IntegerAttr(axis));
  if (failed(indices))
    return failure();
  if (runTimeK) {
    indices = selectAlongAxis(ctx, *indices, ctx.scalar(b.getI64Type(), 0),
                              runTimeK, axis);
    if (failed(indices))
      return failure();
  }
  FailureOr<Value> values = ctx.value<x::GatherElementsOp>(
      *input, *indices, b.getI64IntegerAttr(axis));
  if (failed(values))
    return failure();
  return ctx.setOutputs({*values, *indices});
}

/// ScatterElements (Scatter before opset 11): reduction from opset 16.
static LogicalResult convertScatterElements(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  FailureOr<Value> indices = ctx.requiredInput(1, "indices");
  FailureOr<Value> updates = ctx.requiredInput(2, "updates");
  if (failed(data) || failed(indices) || failed(updates))
    return failure();
  Builder &b = ctx.builder();
  return ctx.setOutput(ctx.value<x::ScatterElementsOp>(
      *data, *indices, *updates, b.getI64IntegerAttr(ctx.getInt("axis", 0)),
      b.getStringAttr(ctx.getString("reduction", "none"))));
}

static LogicalResult convertScatterND(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  FailureOr<Value> indices = ctx.requiredInput(1, "indices");
  FailureOr<Value> updates = ctx.requiredInput(2, "updates");
  if (failed(data) || failed(indices) || failed(updates))
    return failure();
  return ctx.setOutput(ctx.value<x::ScatterNdOp>(
      *data, *indices, *updates,
      ctx.builder().getStringAttr(ctx.getString("reduction", "none"))));
}

/// NonZero: the positions of the non-zero elements of the flattened input,
/// each split into its coordinates, [rank, count] with count known only at
/// run time.
static LogicalResult convertNonZero(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  if (type.getRank() == 0 || !type.hasStaticShape())
    return ctx.unsupported("an input that is 0-D or of run-time shape");
  FailureOr<Value> flat = f.op<x::ReshapeOp>(
      input, FailureOr<Value>(ctx.i64Vector({type.getNumElements()})));
  FailureOr<Value> nonZero =
      f.op<x::NotOp>(f.op<x::EqualOp>(flat, f.scalar(flat, 0)));
  if (failed(nonZero))
    return failure();
  FailureOr<Value> linear = trueIndices(ctx, *nonZero);
  llvm::SmallVector<Value> coordinates;
  int64_t stride = type.getNumElements();
  for (int64_t size : type.getShape()) {
    stride /= size;
    FailureOr<Value> coordinate =
        f.op<x::DivOp>(linear, f.scalar(linear, stride));
    if (size > 1)
      coordinate = f.op<x::SubOp>(
          coordinate,
          f.op<x::MulOp>(f.op<x::DivOp>(coordinate, f.scalar(coordinate, size)),
                         f.scalar(coordinate, size)));
    if (failed(coordinate))
      return failure();
    FailureOr<Value> row = ctx.value<x::UnsqueezeOp>(
        *coordinate, ctx.builder().getDenseI64ArrayAttr({0}));
    if (failed(row))
      return failure();
    coordinates.push_back(*row);
  }
  return ctx.setOutput(
      ctx.value<x::ConcatOp>(coordinates, ctx.builder().getI64IntegerAttr(0)));
}

/// Compress: the slices along `axis` (of the flattened input without one)
/// where the condition holds; the condition may be shorter than the axis.
static LogicalResult convertCompress(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  FailureOr<Value> condition = ctx.requiredInput(1, "condition");
  if (failed(input) || failed(condition))
    return failure();
  if (ctx.inputType(1).getRank() != 1)
    return ctx.emitError() << "Compress needs a 1-D condition";
  Value data = *input;
  int64_t rank = ctx.inputType(0).getRank();
  int64_t axis = 0;
  if (ctx.hasAttr("axis")) {
    axis = ctx.getInt("axis", 0);
    if (axis < -rank || axis >= rank)
      return ctx.emitError() << "Compress axis " << axis
                             << " is out of range for rank " << rank;
    if (axis < 0)
      axis += rank;
  } else {
    FailureOr<Value> flat =
        ctx.value<x::ReshapeOp>(data, ctx.i64Vector({-1}), false);
    if (failed(flat))
      return failure();
    data = *flat;
  }
  FailureOr<Value> flags = ctx.castTo(*condition, ctx.builder().getI1Type());
  if (failed(flags))
    return failure();
  Formula f(ctx);
  FailureOr<Value> length = dimOf(ctx, *flags, 0);
  if (failed(checkAtRunTime(
          ctx, f.op<x::LessEqualOp>(length, dimOf(ctx, data, axis)),
          "the condition is longer than axis " + llvm::Twine(axis))))
    return failure();
  return ctx.setOutput(gatherAt(ctx, data, trueIndices(ctx, *flags), axis));
}

namespace {
/// Unique's items compared pairwise: [i, j] whether item j equals item i,
/// and whether it sorts before it.
struct PairwiseOrder {
  FailureOr<Value> same, less;
};
} // namespace

/// The slices of `input` along `axis` (n of them) compared pairwise: equal
/// when every element is, and ordered by their first differing element.
static PairwiseOrder compareSlices(NodeContext &ctx, Value input, int64_t axis,
                                   int64_t n) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> toFront{axis};
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d != axis)
      toFront.push_back(d);
  FailureOr<Value> rows =
      ctx.value<x::TransposeOp>(input, b.getDenseI64ArrayAttr(toFront));
  FailureOr<Value> column =
      f.op<x::ReshapeOp>(rows, FailureOr<Value>(ctx.i64Vector({n, 1, -1})));
  FailureOr<Value> row =
      f.op<x::ReshapeOp>(rows, FailureOr<Value>(ctx.i64Vector({1, n, -1})));
  // [i, j, k]: element k of slice j against element k of slice i.
  FailureOr<Value> differ = f.op<x::NotOp>(f.op<x::EqualOp>(column, row));
  FailureOr<Value> zero = ctx.scalar(b.getI64Type(), 0);
  PairwiseOrder order;
  order.same = f.op<x::EqualOp>(countAlong(ctx, differ, 2), zero);
  FailureOr<Value> differences = ctx.castTo(*differ, b.getI64Type());
  if (failed(differences))
    return order;
  FailureOr<Value> before = ctx.value<x::CumSumOp>(
      *differences, b.getI64IntegerAttr(2), b.getUnitAttr(), UnitAttr());
  FailureOr<Value> firstDifference =
      f.op<x::AndOp>(differ, f.op<x::EqualOp>(before, zero));
  order.less = f.op<x::GreaterOp>(
      countAlong(ctx,
                 f.op<x::AndOp>(firstDifference, f.op<x::LessOp>(row, column)),
                 2),
      zero);
  return order;
}

/// Unique of the flattened input, or of the slices along `axis`: pairwise
/// equality finds the first occurrence of each item; a unique item's place
/// is the number of unique items below it (sorted) or before it, and the
/// indices and counts are scatters to those places, the values a gather of
/// the indices.
static LogicalResult convertUnique(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  if (!type.hasStaticShape())
    return ctx.unsupported("an input of run-time shape");
  Builder &b = ctx.builder();
  Value data;
  int64_t axis = 0, n;
  PairwiseOrder order;
  if (ctx.hasAttr("axis")) {
    int64_t rank = type.getRank();
    axis = ctx.getInt("axis", 0);
    if (axis < -rank || axis >= rank)
      return ctx.emitError()
             << "Unique axis " << axis << " is out of range for a rank-" << rank
             << " input";
    axis = axis < 0 ? axis + rank : axis;
    n = type.getDimSize(axis);
    data = *input;
    order = compareSlices(ctx, data, axis, n);
  } else {
    n = type.getNumElements();
    FailureOr<Value> flat =
        f.op<x::ReshapeOp>(input, FailureOr<Value>(ctx.i64Vector({n})));
    FailureOr<Value> column =
        f.op<x::ReshapeOp>(flat, FailureOr<Value>(ctx.i64Vector({n, 1})));
    FailureOr<Value> row =
        f.op<x::ReshapeOp>(flat, FailureOr<Value>(ctx.i64Vector({1, n})));
    if (failed(flat))
      return failure();
    data = *flat;
    // [i, j]: element j compared with element i.
    order.same = f.op<x::EqualOp>(column, row);
    order.less = f.op<x::LessOp>(row, column);
  }
  FailureOr<Value> same = order.same;
  Value i = ctx.positionsAlong(0, 2, n), j = ctx.positionsAlong(1, 2, n);
  FailureOr<Value> sameBefore =
      f.op<x::AndOp>(same, f.op<x::LessOp>(FailureOr<Value>(j), i));
  FailureOr<Value> first =
      f.op<x::EqualOp>(countAlong(ctx, sameBefore, 1),
                       FailureOr<Value>(ctx.scalar(b.getI64Type(), 0)));
  if (failed(first) || failed(same))
    return failure();
  FailureOr<Value> firstRow =
      f.op<x::ReshapeOp>(first, FailureOr<Value>(ctx.i64Vector({1, n})));
  FailureOr<Value> ahead = ctx.getInt("sorted", 1)
                               ? order.less
                               : f.op<x::LessOp>(FailureOr<Value>(j), i);
  FailureOr<Value> place = countAlong(ctx, f.op<x::AndOp>(ahead, firstRow), 1);
  FailureOr<Value> count = countAlong(ctx, *first, 0);
  FailureOr<Value> slots = f.where(first, place, count);
  FailureOr<Value> positions =
      rangeOf(ctx, FailureOr<Value>(ctx.scalar(b.getI64Type(), 0)),
              FailureOr<Value>(ctx.scalar(b.getI64Type(), n)));
  FailureOr<Value> sameAsI64 = ctx.castTo(*same, b.getI64Type());
  if (failed(sameAsI64))
    return failure();
  FailureOr<Value> firstOf =
      ctx.value<x::ArgMaxOp>(*sameAsI64, b.getI64IntegerAttr(1),
                             b.getBoolAttr(false), b.getBoolAttr(false));
  FailureOr<Value> inverse =
      failed(place) ? place : gatherAt(ctx, *place, firstOf, 0);
  FailureOr<Value> indices = scatterToSlots(ctx, slots, positions, count);
  FailureOr<Value> values = gatherAt(ctx, data, indices, axis);
  FailureOr<Value> counts =
      scatterToSlots(ctx, slots, countAlong(ctx, same, 1), count);
  if (failed(values) || failed(indices) || failed(inverse) || failed(counts))
    return failure();
  return ctx.setOutputs({*values, *indices, *inverse, *counts});
}

void mlir::xfmr::onnx_import::registerIndexingOps(OpRegistry &r) {
  r.add("", "TopK", convertTopK);
  r.add("", "NonZero", convertNonZero, 9);
  r.add("", "Compress", convertCompress, 9);
  r.add("", "Unique", convertUnique, 11);
  r.add("", "Scatter", convertScatterElements, 9, 10);
  r.add("", "ScatterElements", convertScatterElements, 11);
  r.add("", "ScatterND", convertScatterND, 11);
}
