//===- LinearAlgebraToLinalg.cpp - Matmul and transpose to linalg ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A batched, broadcasting matmul is one linalg.generic over
// [batch..., m, n, k] with k as the reduction: the broadcasting sits in the
// indexing maps, so no operand is expanded in memory, and named-op
// specialisation and tiling can take it from there.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

struct MatMulToGeneric : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp op,
                                PatternRewriter &rewriter) const override {
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    if (lhsType.getRank() < 2 || rhsType.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "1-D operands are not lowered");
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    int64_t batch = resultType.getRank() - 2;
    // Loop dims: batch..., m, n, k.
    int64_t rank = batch + 3;
    AffineExpr m = getAffineDimExpr(batch, context);
    AffineExpr n = getAffineDimExpr(batch + 1, context);
    AffineExpr k = getAffineDimExpr(batch + 2, context);
    auto operandMap = [&](RankedTensorType type, AffineExpr row,
                          AffineExpr col) {
      SmallVector<AffineExpr> exprs;
      int64_t operandBatch = type.getRank() - 2;
      for (int64_t d = 0; d < operandBatch; ++d) {
        int64_t r = d + batch - operandBatch;
        bool broadcast =
            type.getDimSize(d) == 1 && resultType.getDimSize(r) != 1;
        exprs.push_back(broadcast ? getAffineConstantExpr(0, context)
                                  : getAffineDimExpr(r, context));
      }
      exprs.push_back(row);
      exprs.push_back(col);
      return AffineMap::get(rank, 0, exprs, context);
    };
    SmallVector<AffineExpr> outExprs;
    for (int64_t d = 0; d < batch; ++d)
      outExprs.push_back(getAffineDimExpr(d, context));
    outExprs.push_back(m);
    outExprs.push_back(n);
    SmallVector<AffineMap> maps = {operandMap(lhsType, m, k),
                                   operandMap(rhsType, k, n),
                                   AffineMap::get(rank, 0, outExprs, context)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;

    FailureOr<Value> empty = createEmptyResult(rewriter, op);
    if (failed(empty))
      return rewriter.notifyMatchFailure(op, "cannot reify the result shape");
    Type elementType = resultType.getElementType();
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value init =
        linalg::FillOp::create(rewriter, loc, zero, *empty).getResult(0);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()},
        ValueRange{op.getLhs(), op.getRhs()}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value sum;
          if (isa<FloatType>(elementType))
            sum = arith::AddFOp::create(
                b, l, args[2], arith::MulFOp::create(b, l, args[0], args[1]));
          else
            sum = arith::AddIOp::create(
                b, l, args[2], arith::MulIOp::create(b, l, args[0], args[1]));
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, castToResultType(rewriter, loc, generic.getResult(0),
                                            resultType));
    return success();
  }
};

struct TransposeToLinalg : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<Value> init = createEmptyResult(rewriter, op);
    if (failed(init))
      return rewriter.notifyMatchFailure(op, "cannot reify the result shape");
    Value result = linalg::TransposeOp::create(rewriter, op.getLoc(),
                                               op.getInput(), *init,
                                               op.getPermutation())
                       .getResult()
                       .front();
    rewriter.replaceOp(op, castToResultType(rewriter, op.getLoc(), result,
                                            op.getType()));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrLinearAlgebraToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MatMulToGeneric, TransposeToLinalg>(patterns.getContext());
}
