//===- ReductionsToLinalg.cpp - Reductions and softmax to linalg ----------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reductions become a linalg.generic with reduction iterators into a filled
// init (keepdims re-adds the size-1 dims with tensor.expand_shape); softmax
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

enum class Combiner { Sum, Max, Min };

/// The value a reduction starts from.
static Value identityValue(OpBuilder &b, Location loc, Type type,
                           Combiner kind) {
  if (auto floatType = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &sem = floatType.getFloatSemantics();
    APFloat value = kind == Combiner::Sum ? APFloat::getZero(sem)
                    : kind == Combiner::Max
                        ? APFloat::getInf(sem, /*Negative=*/true)
                        : APFloat::getInf(sem, /*Negative=*/false);
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  }
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value = kind == Combiner::Sum   ? APInt::getZero(width)
                : kind == Combiner::Max ? APInt::getSignedMinValue(width)
                                        : APInt::getSignedMaxValue(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

static Value combine(OpBuilder &b, Location loc, Combiner kind, Value a,
                     Value c) {
  bool isFloat = isa<FloatType>(a.getType());
  switch (kind) {
  case Combiner::Sum:
    return isFloat ? Value(arith::AddFOp::create(b, loc, a, c))
                   : Value(arith::AddIOp::create(b, loc, a, c));
  case Combiner::Max:
    return isFloat ? Value(arith::MaximumFOp::create(b, loc, a, c))
                   : Value(arith::MaxSIOp::create(b, loc, a, c));
  case Combiner::Min:
    return isFloat ? Value(arith::MinimumFOp::create(b, loc, a, c))
                   : Value(arith::MinSIOp::create(b, loc, a, c));
  }
  llvm_unreachable("unknown combiner");
}

/// The sizes of `value`'s dims, without those in `reduced`.
static SmallVector<OpFoldResult> keptSizes(OpBuilder &b, Location loc,
                                           Value value,
                                           ArrayRef<bool> reduced) {
  SmallVector<OpFoldResult> sizes;
  for (auto [i, isReduced] : llvm::enumerate(reduced))
    if (!isReduced)
      sizes.push_back(getDimSize(b, loc, value, i));
  return sizes;
}

/// Reduces `input` over the dims marked in `reduced` (dropping them), with
/// `body` mapping (inputs..., accumulator) to the new accumulator. `extra`
/// operands are read at the kept dims (broadcast along the reduced ones).
static Value reduce(OpBuilder &b, Location loc, Value input, ValueRange extra,
                    ArrayRef<bool> reduced, Combiner kind,
                    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(input.getType());
  MLIRContext *context = b.getContext();
  int64_t rank = type.getRank();
  SmallVector<AffineExpr> kept;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    iterators.push_back(reduced[i] ? utils::IteratorType::reduction
                                   : utils::IteratorType::parallel);
    if (!reduced[i])
      kept.push_back(getAffineDimExpr(i, context));
  }
  AffineMap keptMap = AffineMap::get(rank, 0, kept, context);
  Value empty = tensor::EmptyOp::create(b, loc, keptSizes(b, loc, input, reduced),
                                        type.getElementType());
  Value init = linalg::FillOp::create(
                   b, loc, identityValue(b, loc, type.getElementType(), kind),
                   empty)
                   .getResult(0);
  SmallVector<Value> inputs = {input};
  llvm::append_range(inputs, extra);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  maps.append(extra.size(), keptMap);
  maps.push_back(keptMap);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value next = body(nb, nloc, args.drop_back());
               linalg::YieldOp::create(
                   nb, nloc, combine(nb, nloc, kind, args.back(), next));
             })
      .getResult(0);
}

/// Normalised axes as a mask; empty axes mean all.
static SmallVector<bool> reducedMask(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<bool> mask(rank, axes.empty());
  for (int64_t axis : axes)
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

struct SoftmaxToLinalg : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value init =
        createEmptyLike(rewriter, loc, op.getInput(), type.getElementType());
    int64_t axis = *normalizeAxis(op.getAxis(), type.getRank());
    rewriter.replaceOpWithNewOp<linalg::SoftmaxOp>(
        op, TypeRange{type}, op.getInput(), init,
        rewriter.getI64IntegerAttr(axis));
    return success();
  }
};

/// log_softmax(x) = x - max - log(sum(exp(x - max))).
struct LogSoftmaxToLinalg : OpRewritePattern<LogSoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LogSoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    SmallVector<bool> mask(rank, false);
    mask[*normalizeAxis(op.getAxis(), rank)] = true;
    auto first = [](OpBuilder &, Location, ValueRange args) { return args[0]; };
    Value max = reduce(rewriter, loc, x, {}, mask, Combiner::Max, first);
    Value sum = reduce(rewriter, loc, x, {max}, mask, Combiner::Sum,
                       [](OpBuilder &b, Location l, ValueRange args) -> Value {
                         return math::ExpOp::create(
                             b, l, arith::SubFOp::create(b, l, args[0], args[1]));
                       });
    MLIRContext *context = rewriter.getContext();
    SmallVector<AffineExpr> kept;
    for (int64_t i = 0; i < rank; ++i)
      if (!mask[i])
        kept.push_back(getAffineDimExpr(i, context));
    AffineMap keptMap = AffineMap::get(rank, 0, kept, context);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    Value init = createEmptyLike(rewriter, loc, x, type.getElementType());
    auto result = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{x, max, sum},
        ValueRange{init}, {identity, keptMap, keptMap, identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [](OpBuilder &b, Location l, ValueRange args) {
          Value shifted = arith::SubFOp::create(b, l, args[0], args[1]);
          Value logSum = math::LogOp::create(b, l, args[2]);
          linalg::YieldOp::create(b, l,
                                  Value(arith::SubFOp::create(b, l, shifted,
                                                              logSum)));
        });
    rewriter.replaceOp(op, result.getResults());
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrReductionsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReduceToGeneric<ReduceSumOp, Combiner::Sum>,
               ReduceToGeneric<ReduceMeanOp, Combiner::Sum>,
               ReduceToGeneric<ReduceMaxOp, Combiner::Max>,
               ReduceToGeneric<ReduceMinOp, Combiner::Min>, SoftmaxToLinalg,
               LogSoftmaxToLinalg>(patterns.getContext());
}
