//===- ReductionsToLinalg.cpp - Reductions and softmax to linalg ----------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reductions become a linalg.generic with reduction iterators into a filled
// init (keepdims re-adds the size-1 dims with tensor.expand_shape), argmax one
// that carries the maximum and its index, a reduce_max and a reduce_min of
// the same tensor one generic with both accumulators (per row first when
// they reduce every dim of a tensor of rows); softmax
// becomes linalg.softmax, and log_softmax the max / sum-of-exp / subtract
// sequence that stays exact for very negative inputs.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// Normalised axes as a mask; empty axes mean all.
static SmallVector<bool> reducedMask(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<bool> mask(rank, axes.empty());
  for (int64_t axis : axes)
    mask[*normalizeAxis(axis, rank)] = true;
  return mask;
}

/// A mask marking only `axis` (already checked by the op's verifier or
/// shape inference).
static SmallVector<bool> axisMask(int64_t axis, int64_t rank) {
  SmallVector<bool> mask(rank, false);
  mask[*normalizeAxis(axis, rank)] = true;
  return mask;
}

/// Re-inserts the reduced dims as size 1 (keepdims).
static Value keepReducedDims(OpBuilder &b, Location loc, Value reduced,
                             Value input, ArrayRef<bool> mask,
                             RankedTensorType resultType) {
  SmallVector<ReassociationIndices> groups;
  SmallVector<OpFoldResult> shape;
  ReassociationIndices pending;
  for (auto [i, isReduced] : llvm::enumerate(mask)) {
    shape.push_back(isReduced ? OpFoldResult(b.getIndexAttr(1))
                              : getDimSize(b, loc, input, i));
    pending.push_back(i);
    if (!isReduced) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  // Trailing size-1 dims join the last group.
  if (!pending.empty() && !groups.empty())
    llvm::append_range(groups.back(), pending);
  return tensor::ExpandShapeOp::create(b, loc, resultType, reduced, groups,
                                       shape);
}

template <typename OpTy, Combiner kind>
struct ReduceToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<bool> mask = reducedMask(op.getAxes(), inputType.getRank());
    Value result = reduce(rewriter, loc, input, {}, mask, kind,
                          [](OpBuilder &, Location, ValueRange args) {
                            return args[0];
                          });
    if constexpr (std::is_same_v<OpTy, ReduceMeanOp>) {
      // Divide by the number of elements reduced.
      Value count = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (auto [i, isReduced] : llvm::enumerate(mask))
        if (isReduced)
          count = arith::MulIOp::create(
              rewriter, loc, count,
              getValueOrCreateConstantIndexOp(
                  rewriter, loc, getDimSize(rewriter, loc, input, i)));
      Type elementType = inputType.getElementType();
      Value countInt = arith::IndexCastOp::create(
          rewriter, loc, rewriter.getI64Type(), count);
      Value divisor =
          isa<FloatType>(elementType)
              ? Value(arith::SIToFPOp::create(rewriter, loc, elementType,
                                              countInt))
              : Value(arith::TruncIOp::create(rewriter, loc, elementType,
                                              countInt));
      auto reducedType = cast<RankedTensorType>(result.getType());
      int64_t rank = reducedType.getRank();
      Value empty = createEmptyLike(rewriter, loc, result, elementType);
      result = linalg::GenericOp::create(
                   rewriter, loc, TypeRange{reducedType}, ValueRange{result},
                   ValueRange{empty},
                   SmallVector<AffineMap>(2, rewriter.getMultiDimIdentityMap(rank)),
                   SmallVector<utils::IteratorType>(rank,
                                                    utils::IteratorType::parallel),
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     Value q = isa<FloatType>(elementType)
                                   ? Value(arith::DivFOp::create(b, l, args[0],
                                                                 divisor))
                                   : Value(arith::DivSIOp::create(b, l, args[0],
                                                                  divisor));
                     linalg::YieldOp::create(b, l, q);
                   })
                   .getResult(0);
    }
    if (op.getKeepdims())
      result = keepReducedDims(rewriter, loc, result, input, mask, resultType);
    rewriter.replaceOp(op, castToResultType(rewriter, loc, result, resultType));
    return success();
  }
};

/// One generic reducing `maxSource` to its maximum and `minSource` to its
/// minimum over the dims of `mask` (the same tensor read once when both are
/// it).
static std::pair<Value, Value> minMaxGeneric(OpBuilder &b, Location loc,
                                             Value maxSource, Value minSource,
                                             ArrayRef<bool> mask) {
  Type elementType =
      cast<RankedTensorType>(maxSource.getType()).getElementType();
  int64_t rank = mask.size();
  SmallVector<utils::IteratorType> iterators;
  SmallVector<OpFoldResult> sizes;
  reductionLoops(b, loc, maxSource, mask, iterators, sizes);
  Value maxInit = createFilled(
      b, loc, sizes, identityValue(b, loc, elementType, Combiner::Max));
  Value minInit = createFilled(
      b, loc, sizes, identityValue(b, loc, elementType, Combiner::Min));
  AffineMap kept = keptDimsMap(b.getContext(), mask);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  bool shared = maxSource == minSource;
  SmallVector<Value> inputs{maxSource};
  SmallVector<AffineMap> maps{identity};
  if (!shared) {
    inputs.push_back(minSource);
    maps.push_back(identity);
  }
  maps.append({kept, kept});
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{maxInit.getType(), minInit.getType()}, inputs,
      ValueRange{maxInit, minInit}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value maxArg = args[0], minArg = args[shared ? 0 : 1];
        ValueRange accs = args.take_back(2);
        linalg::YieldOp::create(
            nb, l,
            ValueRange{combine(nb, l, Combiner::Max, accs[0], maxArg),
                       combine(nb, l, Combiner::Min, accs[1], minArg)});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

/// reduce_max(x) and reduce_min(x) over the same axes (the range that
/// DynamicQuantizeLinear computes before quantizing x): one generic with two
/// accumulators, so that x is read once for both. Matches either of the
/// two (whichever the driver visits first), `SiblingTy` being the other.
template <typename OpTy, typename SiblingTy>
struct ReduceMinMaxToOneGeneric : OpRewritePattern<OpTy> {
  ReduceMinMaxToOneGeneric(MLIRContext *context)
      : OpRewritePattern<OpTy>(context, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    SmallVector<bool> mask = reducedMask(op.getAxes(), rank);
    SiblingTy sibling;
    for (Operation *user : input.getUsers())
      if (auto other = dyn_cast<SiblingTy>(user))
        if (other.getType() == op.getType() &&
            other.getKeepdims() == op.getKeepdims() &&
            reducedMask(other.getAxes(), rank) == mask &&
            other->getBlock() == op->getBlock()) {
          sibling = other;
          break;
        }
    if (!sibling)
      return rewriter.notifyMatchFailure(op, "no min/max sibling");
    // Both read only `input`: build before the first of the two.
    Operation *first = sibling->isBeforeInBlock(op) ? sibling.getOperation()
                                                    : op.getOperation();
    rewriter.setInsertionPoint(first);
    Location loc = rewriter.getFusedLoc({op.getLoc(), sibling.getLoc()});
    // Over every dim of a tensor of rows, the range is taken per row first
    // (a generic whose rows are parallel loops, which threads share and
    // whose accumulators are independent), then over the rows: a single
    // pair of accumulators over the whole tensor is one dependency chain,
    // on one thread. Both are exact: min and max do not depend on order.
    bool perRowFirst =
        rank >= 2 && llvm::all_of(mask, [](bool r) { return r; });
    SmallVector<bool> firstMask(mask);
    if (perRowFirst)
      std::fill(firstMask.begin(), firstMask.end() - 1, false);
    auto [max, min] = minMaxGeneric(rewriter, loc, input, input, firstMask);
    if (perRowFirst)
      std::tie(max, min) = minMaxGeneric(rewriter, loc, max, min,
                                         SmallVector<bool>(rank - 1, true));
    auto finish = [&](Operation *reduction, Value result) {
      auto resultType = cast<RankedTensorType>(reduction->getResultTypes()[0]);
      if (op.getKeepdims())
        result =
            keepReducedDims(rewriter, loc, result, input, mask, resultType);
      rewriter.replaceOp(reduction,
                         castToResultType(rewriter, loc, result, resultType));
    };
    bool isMax = std::is_same_v<OpTy, ReduceMaxOp>;
    finish(sibling, isMax ? min : max);
    finish(op, isMax ? max : min);
    return success();
  }
};

/// softmax(x) = exp(x - max) / sum(exp(x - max)) and
/// log_softmax(x) = x - max - log(sum(exp(x - max))): a max reduction, a
/// sum-of-exp reduction, and one elementwise generic for the result. (Kept
/// as generics rather than linalg.softmax, which the loop lowering does not
/// take.)
template <typename OpTy, bool isLog>
struct SoftmaxToGenerics : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    SmallVector<bool> mask = axisMask(op.getAxis(), rank);
    auto first = [](OpBuilder &, Location, ValueRange args) { return args[0]; };
    Value max = reduce(rewriter, loc, x, {}, mask, Combiner::Max, first);
    Value sum = reduce(rewriter, loc, x, {max}, mask, Combiner::Sum,
                       [](OpBuilder &b, Location l, ValueRange args) -> Value {
                         return math::ExpOp::create(
                             b, l, arith::SubFOp::create(b, l, args[0], args[1]));
                       });
    AffineMap keptMap = keptDimsMap(rewriter.getContext(), mask);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    Value init = createEmptyLike(rewriter, loc, x, type.getElementType());
    auto result = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{x, max, sum},
        ValueRange{init}, {identity, keptMap, keptMap, identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [](OpBuilder &b, Location l, ValueRange args) {
          Value shifted = arith::SubFOp::create(b, l, args[0], args[1]);
          Value value =
              isLog ? Value(arith::SubFOp::create(
                          b, l, shifted, math::LogOp::create(b, l, args[2])))
                    : Value(arith::DivFOp::create(
                          b, l, math::ExpOp::create(b, l, shifted), args[2]));
          linalg::YieldOp::create(b, l, value);
        });
    rewriter.replaceOp(op, result.getResults());
    return success();
  }
};

/// argmax: one generic with two reduction results, the running maximum and
/// its index. A candidate replaces the accumulator when it is larger, or
/// equal with a smaller (a larger, with select_last_index) index, so the
/// result does not depend on the order in which tiles are combined.
struct ArgMaxToGeneric : OpRewritePattern<ArgMaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ArgMaxOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    std::optional<int64_t> axis = normalizeAxis(op.getAxis(), rank);
    if (!axis)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<bool> mask = axisMask(*axis, rank);

    SmallVector<OpFoldResult> sizes;
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators[*axis] = utils::IteratorType::reduction;
    for (int64_t i = 0; i < rank; ++i)
      if (i != *axis)
        sizes.push_back(getDimSize(rewriter, loc, input, i));
    Type elementType = inputType.getElementType();
    Type indexType = resultType.getElementType();
    Value maxInit = createFilled(
        rewriter, loc, sizes,
        identityValue(rewriter, loc, elementType, Combiner::Max));
    Value indexInit = createFilled(
        rewriter, loc, sizes,
        arith::ConstantOp::create(rewriter, loc,
                                  rewriter.getIntegerAttr(indexType, 0)));
    AffineMap keptMap = keptDimsMap(rewriter.getContext(), mask);
    bool last = op.getSelectLastIndex();
    int64_t axisDim = *axis;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{maxInit.getType(), indexInit.getType()},
        ValueRange{input}, ValueRange{maxInit, indexInit},
        {rewriter.getMultiDimIdentityMap(rank), keptMap, keptMap}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = args[0], best = args[1], bestIndex = args[2];
          Value index = arith::IndexCastOp::create(
              b, l, indexType, linalg::IndexOp::create(b, l, axisDim));
          Value greater, equal;
          if (isa<FloatType>(elementType)) {
            greater = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x,
                                            best);
            equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, x,
                                          best);
          } else {
            greater = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, x,
                                            best);
            equal = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, x,
                                          best);
          }
          Value better = arith::CmpIOp::create(
              b, l, last ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::slt,
              index, bestIndex);
          Value take = arith::OrIOp::create(
              b, l, greater, arith::AndIOp::create(b, l, equal, better));
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, take, x, best),
                         arith::SelectOp::create(b, l, take, index, bestIndex)});
        });
    Value result = generic.getResult(1);
    if (op.getKeepdims())
      result = keepReducedDims(rewriter, loc, result, input, mask, resultType);
    rewriter.replaceOp(op, castToResultType(rewriter, loc, result, resultType));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrReductionsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReduceToGeneric<ReduceSumOp, Combiner::Sum>,
               ReduceToGeneric<ReduceMeanOp, Combiner::Sum>,
               ReduceToGeneric<ReduceMaxOp, Combiner::Max>,
               ReduceToGeneric<ReduceMinOp, Combiner::Min>,
               ReduceToGeneric<ReduceProdOp, Combiner::Prod>,
               SoftmaxToGenerics<SoftmaxOp, false>,
               SoftmaxToGenerics<LogSoftmaxOp, true>, ArgMaxToGeneric,
               ReduceMinMaxToOneGeneric<ReduceMaxOp, ReduceMinOp>,
               ReduceMinMaxToOneGeneric<ReduceMinOp, ReduceMaxOp>>(
      patterns.getContext());
}
