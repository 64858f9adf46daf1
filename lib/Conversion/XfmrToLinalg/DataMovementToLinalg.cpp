//===- DataMovementToLinalg.cpp - Slices, gathers, trilu and cumsum -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Ops that move elements without computing on them. concat and split are
// tensor.insert_slice / extract_slice; slice is an extract_slice when its
// steps are known positive, and otherwise a gather that walks each dim from
// its first element by its step. Gathers are linalg.generic ops that read
// the input with tensor.extract at positions computed in the body (negative
// indices wrap, as ONNX allows). trilu selects in a generic; cumsum carries
// a running sum through an scf.for over the axis, so it stays linear in the
// axis' size.
//
//===----------------------------------------------------------------------===//

#include "IndexMath.h"
#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// Offsets of a slice that starts at `offset` along `axis` and at 0
/// elsewhere, and its unit strides.
static std::pair<SmallVector<OpFoldResult>, SmallVector<OpFoldResult>>
axisOffsets(OpBuilder &b, int64_t rank, int64_t axis, OpFoldResult offset) {
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets[axis] = offset;
  return {offsets, SmallVector<OpFoldResult>(rank, b.getIndexAttr(1))};
}

/// Whether a slice of `sizes` holds no elements for sure. Such slices move
/// nothing, and the slice ops' verifiers reject any static offset into an
/// empty dim, even with a size of 0.
static bool isEmptySlice(ArrayRef<OpFoldResult> sizes) {
  return llvm::any_of(sizes, isZeroInteger);
}

/// A tensor.extract_slice, or a tensor.empty when the slice is empty.
static Value extractSlice(OpBuilder &b, Location loc, Value source,
                          ArrayRef<OpFoldResult> offsets,
                          ArrayRef<OpFoldResult> sizes,
                          ArrayRef<OpFoldResult> strides) {
  if (isEmptySlice(sizes))
    return tensor::EmptyOp::create(
        b, loc, sizes,
        cast<RankedTensorType>(source.getType()).getElementType());
  return tensor::ExtractSliceOp::create(b, loc, source, offsets, sizes,
                                        strides);
}

//===----------------------------------------------------------------------===//
// concat, split
//===----------------------------------------------------------------------===//

struct ConcatToInsertSlices : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<Value> empty = createEmptyResult(rewriter, op);
    if (failed(empty))
      return rewriter.notifyMatchFailure(op, "cannot reify the result shape");
    IndexMath m{rewriter, op.getLoc()};
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis(op.getAxis(), rank);
    Value result = *empty, offset = m.constant(0);
    // Inputs of dynamic size may still fill no elements of an empty result.
    if (llvm::is_contained(type.getShape(), 0)) {
      rewriter.replaceOp(op, result);
      return success();
    }
    for (Value input : op.getInputs()) {
      SmallVector<OpFoldResult> sizes = getDimSizes(rewriter, m.loc, input);
      auto [offsets, strides] =
          axisOffsets(rewriter, rank, axis, getAsOpFoldResult(offset));
      if (!isEmptySlice(sizes))
        result = tensor::InsertSliceOp::create(rewriter, m.loc, input, result,
                                               offsets, sizes, strides);
      offset = m.add(offset, m.value(sizes[axis]));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The input of a split along a dim known only at run time, checked to be
/// the sum of the parts; a failed split reads zeros of that size instead.
static Value checkedSplitInput(OpBuilder &b, SplitOp op, int64_t axis) {
  Value input = op.getInput();
  auto type = cast<RankedTensorType>(input.getType());
  if (!type.isDynamicDim(axis))
    return input;
  IndexMath m{b, op.getLoc()};
  int64_t total = 0;
  for (int64_t size : op.getSizes())
    total += size;
  Value dim = m.value(getDimSize(b, m.loc, input, axis));
  Value failed = m.notEqual(dim, m.constant(total));
  emitRuntimeCheck(b, m.loc, failed,
                   describeONNXNode(op, "Split") +
                       ": the input's dim {0} is {1} but the split sizes add "
                       "up to {2}",
                   {m.constant(axis), dim, m.constant(total)});
  SmallVector<OpFoldResult> sizes = getDimSizes(b, m.loc, input);
  sizes[axis] = b.getIndexAttr(total);
  return zerosIfFailed(b, m.loc, failed, input, sizes);
}

struct SplitToExtractSlices : OpRewritePattern<SplitOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SplitOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t rank = op.getInput().getType().getRank();
    int64_t axis = *normalizeAxis(op.getAxis(), rank);
    Value input = checkedSplitInput(rewriter, op, axis);
    SmallVector<Value> results;
    int64_t offset = 0;
    for (auto [size, result] : llvm::zip_equal(op.getSizes(), op.getResults())) {
      SmallVector<OpFoldResult> sizes = getDimSizes(rewriter, loc, input);
      sizes[axis] = rewriter.getIndexAttr(size);
      auto [offsets, strides] =
          axisOffsets(rewriter, rank, axis, rewriter.getIndexAttr(offset));
      Value piece = extractSlice(rewriter, loc, input, offsets, sizes, strides);
      results.push_back(
          castToResultType(rewriter, loc, piece, result.getType()));
      offset += size;
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// slice
//===----------------------------------------------------------------------===//

/// What a slice takes from one dim: `count` elements from `first` on, `step`
/// apart (a negative step walks backwards).
struct DimSlice {
  Value first, count, step;
};

/// ONNX Slice's clamping of starts[i]:ends[i]:steps[i] on a dim of `size`.
static DimSlice sliceDim(IndexMath &m, Value size, Value start, Value end,
                         Value step) {
  Value zero = m.constant(0), one = m.constant(1);
  Value forward = m.lessThan(zero, step);
  Value last = m.sub(size, one);
  Value s = m.wrap(start, size), e = m.wrap(end, size);
  Value first = m.select(forward, m.clamp(s, zero, size), m.clamp(s, zero, last));
  Value stop = m.select(forward, m.clamp(e, zero, size),
                        m.clamp(e, m.constant(-1), last));
  Value count = m.max(m.ceilDiv(m.sub(stop, first), step), zero);
  return {first, count, step};
}

struct SliceToTensor : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SliceOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    Value input = op.getInput();
    int64_t rank = op.getInput().getType().getRank();
    SmallVector<Value> starts = m.extractAll(op.getStarts());
    SmallVector<Value> ends = m.extractAll(op.getEnds());
    int64_t count = starts.size();
    SmallVector<Value> steps =
        op.getSteps() ? m.extractAll(op.getSteps())
                      : SmallVector<Value>(count, m.constant(1));
    // A step of 0 fails the check and slices with 1, never dividing by 0.
    for (auto [i, step] : llvm::enumerate(steps)) {
      Value isZero = m.equal(step, m.constant(0));
      emitRuntimeCheck(rewriter, loc, isZero,
                       describeONNXNode(op, "Slice") +
                           ": 'step' value cannot be 0 (entry {0} of steps)",
                       {m.constant(i)});
      step = m.select(isZero, m.constant(1), step);
    }
    // Axes known at compile time pick the dim of each entry; run-time ones
    // are compared with every dim.
    SmallVector<Value> axes;
    if (op.getAxes()) {
      for (Value axis : m.extractAll(op.getAxes()))
        axes.push_back(m.wrap(axis, m.constant(rank)));
    } else {
      for (int64_t i = 0; i < count; ++i)
        axes.push_back(m.constant(i));
    }
    bool forwardOnly = llvm::all_of(steps, [](Value step) {
      std::optional<int64_t> c = getConstantIntValue(step);
      return c && *c > 0;
    });

    SmallVector<DimSlice> dims;
    for (int64_t d = 0; d < rank; ++d) {
      Value size = m.value(getDimSize(rewriter, loc, input, d));
      DimSlice dim{m.constant(0), size, m.constant(1)};
      for (int64_t i = 0; i < count; ++i) {
        Value applies = m.equal(axes[i], m.constant(d));
        if (matchPattern(applies, m_Zero()))
          continue;
        DimSlice sliced = sliceDim(m, size, starts[i], ends[i], steps[i]);
        dim = {m.select(applies, sliced.first, dim.first),
               m.select(applies, sliced.count, dim.count),
               m.select(applies, sliced.step, dim.step)};
      }
      dims.push_back(dim);
    }

    Value result;
    if (forwardOnly) {
      SmallVector<OpFoldResult> offsets, sizes, strides;
      for (const DimSlice &dim : dims) {
        offsets.push_back(getAsOpFoldResult(dim.first));
        sizes.push_back(getAsOpFoldResult(dim.count));
        strides.push_back(getAsOpFoldResult(dim.step));
      }
      result = extractSlice(rewriter, loc, input, offsets, sizes, strides);
    } else {
      SmallVector<OpFoldResult> sizes;
      for (const DimSlice &dim : dims)
        sizes.push_back(getAsOpFoldResult(dim.count));
      Value empty = tensor::EmptyOp::create(
          rewriter, loc, sizes, op.getType().getElementType());
      result = buildIndexedGeneric(
          rewriter, loc, empty, {}, {},
          [&](OpBuilder &b, Location l, ValueRange,
              ValueRange indices) -> Value {
            IndexMath bm{b, l};
            SmallVector<Value> position;
            for (auto [dim, i] : llvm::zip_equal(dims, indices))
              position.push_back(bm.add(dim.first, bm.mul(i, dim.step)));
            return tensor::ExtractOp::create(b, l, input, position);
          });
    }
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// gather, gather_elements, gather_nd
//===----------------------------------------------------------------------===//

/// Replaces `op` with a gather (see buildIndexedGeneric) that writes a
/// tensor.empty of its result type.
static LogicalResult replaceWithGather(
    PatternRewriter &rewriter, Operation *op, ValueRange inputs,
    ArrayRef<AffineMap> inputMaps,
    function_ref<Value(OpBuilder &, Location, ValueRange, ValueRange)> body) {
  FailureOr<Value> empty = createEmptyResult(rewriter, op);
  if (failed(empty))
    return rewriter.notifyMatchFailure(op, "cannot reify the result shape");
  rewriter.replaceOp(op, buildIndexedGeneric(rewriter, op->getLoc(), *empty,
                                             inputs, inputMaps, body));
  return success();
}

/// result[outer..., idx..., inner...] = input[outer..., indices[idx...],
/// inner...].
struct GatherToGeneric : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    Value input = op.getInput();
    int64_t inputRank = op.getInput().getType().getRank();
    int64_t axis = *normalizeAxis(op.getAxis(), inputRank);
    int64_t indicesRank = op.getIndices().getType().getRank();
    int64_t rank = cast<RankedTensorType>(op.getType()).getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < indicesRank; ++d)
      exprs.push_back(rewriter.getAffineDimExpr(axis + d));
    AffineMap indicesMap =
        AffineMap::get(rank, 0, exprs, rewriter.getContext());
    Value size = m.value(getDimSize(rewriter, loc, input, axis));
    emitIndicesInRangeCheck(rewriter, loc, op.getIndices(), size,
                            describeONNXNode(op, "Gather"));
    return replaceWithGather(
        rewriter, op, {op.getIndices()}, {indicesMap},
        [&](OpBuilder &b, Location l, ValueRange args,
            ValueRange indices) -> Value {
          IndexMath bm{b, l};
          SmallVector<Value> position(indices.take_front(axis));
          position.push_back(bm.wrapInRange(args[0], size));
          llvm::append_range(position, indices.drop_front(axis + indicesRank));
          return tensor::ExtractOp::create(b, l, input, position);
        });
  }
};

/// result[i...] = input[i... with i[axis] replaced by indices[i...]].
struct GatherElementsToGeneric : OpRewritePattern<GatherElementsOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherElementsOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    Value input = op.getInput();
    int64_t rank = op.getInput().getType().getRank();
    int64_t axis = *normalizeAxis(op.getAxis(), rank);
    Value size = m.value(getDimSize(rewriter, loc, input, axis));
    emitIndicesInRangeCheck(rewriter, loc, op.getIndices(), size,
                            describeONNXNode(op, "GatherElements"));
    return replaceWithGather(
        rewriter, op, {op.getIndices()},
        {rewriter.getMultiDimIdentityMap(rank)},
        [&](OpBuilder &b, Location l, ValueRange args,
            ValueRange indices) -> Value {
          IndexMath bm{b, l};
          SmallVector<Value> position(indices);
          position[axis] = bm.wrapInRange(args[0], size);
          return tensor::ExtractOp::create(b, l, input, position);
        });
  }
};

/// result[b..., i..., j...] = input[b..., indices[b..., i..., :], j...]
/// with `b` the batch dims.
struct GatherNdToGeneric : OpRewritePattern<GatherNdOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherNdOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    Value input = op.getInput(), indicesTensor = op.getIndices();
    int64_t batch = op.getBatchDims();
    int64_t leading = op.getIndices().getType().getRank() - 1;
    int64_t tuple = op.getIndices().getType().getShape().back();
    SmallVector<Value> sizes;
    for (int64_t k = 0; k < tuple; ++k)
      sizes.push_back(m.value(getDimSize(rewriter, loc, input, batch + k)));
    emitIndexTuplesInRangeCheck(rewriter, loc, indicesTensor, sizes,
                                describeONNXNode(op, "GatherND"));
    return replaceWithGather(
        rewriter, op, {}, {},
        [&](OpBuilder &b, Location l, ValueRange,
            ValueRange indices) -> Value {
          IndexMath bm{b, l};
          SmallVector<Value> position(indices.take_front(batch));
          llvm::append_range(
              position, bm.readIndexTuple(indicesTensor,
                                          indices.take_front(leading), sizes));
          llvm::append_range(position, indices.drop_front(leading));
          return tensor::ExtractOp::create(b, l, input, position);
        });
  }
};

//===----------------------------------------------------------------------===//
// trilu, cumsum
//===----------------------------------------------------------------------===//

/// Keeps x[..., i, j] where j - i >= k (upper) or j - i <= k (lower), and
/// writes zero elsewhere.
struct TriluToGeneric : OpRewritePattern<TriluOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TriluOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto zeroAttr = dyn_cast_or_null<TypedAttr>(
        rewriter.getZeroAttr(type.getElementType()));
    if (!zeroAttr)
      return rewriter.notifyMatchFailure(op, "element type has no zero");
    IndexMath m{rewriter, loc};
    Value k = m.constant(0);
    if (Value kTensor = op.getK())
      k = m.extract(kTensor, SmallVector<int64_t>(
                                 cast<RankedTensorType>(kTensor.getType())
                                     .getRank(),
                                 0));
    Value zero = arith::ConstantOp::create(rewriter, loc, zeroAttr);
    int64_t rank = type.getRank();
    bool upper = op.getUpper();
    Value empty =
        createEmptyLike(rewriter, loc, op.getInput(), type.getElementType());
    Value result = buildIndexedGeneric(
        rewriter, loc, empty, {op.getInput()},
        {rewriter.getMultiDimIdentityMap(rank)},
        [&](OpBuilder &b, Location l, ValueRange args,
            ValueRange indices) -> Value {
          IndexMath bm{b, l};
          Value diagonal = bm.sub(indices[rank - 1], indices[rank - 2]);
          Value dropped = upper ? bm.lessThan(diagonal, k)
                                : bm.lessThan(k, diagonal);
          return arith::SelectOp::create(b, l, dropped, zero, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// An scf.for over the axis (backwards with `reverse`) carries the running
/// sum (product) of the slices seen so far and writes it (or, with
/// `exclusive`, the one before the current slice) into the result. Terms
/// combine in the order of the axis, as a sequential reference does.
template <typename OpTy, Combiner kind>
struct CumulativeToLoop : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    Value input = op.getInput();
    auto type = cast<RankedTensorType>(op.getType());
    Type elementType = type.getElementType();
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis(op.getAxis(), rank);
    Value length = m.value(getDimSize(rewriter, loc, input, axis));
    SmallVector<OpFoldResult> sliceSizes = getDimSizes(rewriter, loc, input);
    sliceSizes[axis] = rewriter.getIndexAttr(1);
    if (isEmptySlice(sliceSizes)) {
      rewriter.replaceOp(op, createEmptyLike(rewriter, loc, input, elementType));
      return success();
    }

    Value identity = identityValue(rewriter, loc, elementType, kind);
    Value sliceEmpty =
        tensor::EmptyOp::create(rewriter, loc, sliceSizes, elementType);
    Value sum0 = linalg::FillOp::create(rewriter, loc, identity, sliceEmpty)
                     .getResult(0);
    Value result0 = createEmptyLike(rewriter, loc, input, elementType);
    auto loop = scf::ForOp::create(
        rewriter, loc, m.constant(0), length, m.constant(1),
        ValueRange{sum0, result0},
        [&](OpBuilder &b, Location l, Value iv, ValueRange carried) {
          IndexMath bm{b, l};
          Value at = op.getReverse()
                         ? bm.sub(bm.sub(length, bm.constant(1)), iv)
                         : iv;
          auto [offsets, strides] = axisOffsets(b, rank, axis, at);
          Value slice = tensor::ExtractSliceOp::create(b, l, input, offsets,
                                                       sliceSizes, strides);
          Value result = carried[1];
          if (op.getExclusive())
            result = tensor::InsertSliceOp::create(
                b, l, carried[0], result, offsets, sliceSizes, strides);
          // Accumulating into the carried sum keeps it in place when
          // bufferized.
          Value sum =
              linalg::GenericOp::create(
                  b, l, TypeRange{carried[0].getType()}, ValueRange{slice},
                  ValueRange{carried[0]},
                  SmallVector<AffineMap>(2, b.getMultiDimIdentityMap(rank)),
                  SmallVector<utils::IteratorType>(
                      rank, utils::IteratorType::parallel),
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    Value next = combine(nb, nl, kind, args[1], args[0]);
                    linalg::YieldOp::create(nb, nl, next);
                  })
                  .getResult(0);
          if (!op.getExclusive())
            result = tensor::InsertSliceOp::create(b, l, sum, result, offsets,
                                                   sliceSizes, strides);
          scf::YieldOp::create(b, l, ValueRange{sum, result});
        });
    rewriter.replaceOp(op, loop.getResult(1));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrDataMovementToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConcatToInsertSlices, SplitToExtractSlices, SliceToTensor,
               GatherToGeneric, GatherElementsToGeneric, GatherNdToGeneric,
               TriluToGeneric, CumulativeToLoop<CumSumOp, Combiner::Sum>,
               CumulativeToLoop<CumProdOp, Combiner::Prod>>(
      patterns.getContext());
}
