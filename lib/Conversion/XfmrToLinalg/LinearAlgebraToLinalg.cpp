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

#include "IndexMath.h"
#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrShapeInference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;
using namespace mlir::xfmr;

/// `operand` with its batch dims `units` (dim, whether it is 1 at run time)
/// broadcast to `sizes` when one of them is 1 and the run has not `failed`:
/// a copy read at index 0 along those dims, made only at run time and only
/// then. The loops then read every batch dim as it is.
static Value broadcastUnitDims(OpBuilder &b, Location loc, Value operand,
                               ArrayRef<OpFoldResult> sizes,
                               ArrayRef<std::pair<int64_t, Value>> units,
                               Value failed) {
  if (units.empty())
    return operand;
  IndexMath m{b, loc};
  Value anyUnit = units.front().second;
  for (auto [d, isUnit] : units.drop_front())
    anyUnit = m.either(anyUnit, isUnit);
  Value notFailed = b.createOrFold<arith::XOrIOp>(
      loc, failed, b.createOrFold<arith::ConstantIntOp>(loc, b.getI1Type(), 1));
  Type elementType = cast<RankedTensorType>(operand.getType()).getElementType();
  return replaceIf(
      b, loc, m.both(anyUnit, notFailed), operand,
      [&](OpBuilder &nb, Location l) {
        Value empty = tensor::EmptyOp::create(nb, l, sizes, elementType);
        Value zero = arith::ConstantIndexOp::create(nb, l, 0);
        return buildIndexedGeneric(
            nb, l, empty, {}, {},
            [&](OpBuilder &bb, Location bl, ValueRange,
                ValueRange indices) -> Value {
              SmallVector<Value> at(indices);
              for (auto [d, isUnit] : units)
                at[d] = arith::SelectOp::create(bb, bl, isUnit, zero, at[d]);
              return tensor::ExtractOp::create(bb, bl, operand, at);
            });
      });
}

/// The operands of a matmul whose dims may disagree only at run time,
/// checked: the inner dims are equal, and each batch dim read as it is (not
/// a static 1) is the result's `batch` dims' size in `resultSizes`, or 1
/// and broadcast as ONNX does. A failed matmul multiplies zeros of the
/// sizes it expects, so that its loops read nothing outside the operands.
static std::pair<Value, Value>
checkedMatMulOperands(OpBuilder &b, MatMulOp op,
                      ArrayRef<OpFoldResult> resultSizes, int64_t batch) {
  IndexMath m{b, op.getLoc()};
  std::string what = describeONNXNode(op, "MatMul");
  Value lhs = op.getLhs(), rhs = op.getRhs();
  int64_t lhsRank = op.getLhs().getType().getRank();
  int64_t rhsRank = op.getRhs().getType().getRank();
  int64_t lhsK = lhsRank - 1, rhsK = rhsRank == 1 ? 0 : rhsRank - 2;
  SmallVector<OpFoldResult> lhsSizes = getDimSizes(b, m.loc, lhs);
  SmallVector<OpFoldResult> rhsSizes = getDimSizes(b, m.loc, rhs);
  Value k = m.value(lhsSizes[lhsK]), rhsKSize = m.value(rhsSizes[rhsK]);
  Value failed = m.notEqual(k, rhsKSize);
  emitRuntimeCheck(b, m.loc, failed,
                   what + ": the inner dims differ, {0} in A and {1} in B",
                   {k, rhsKSize});
  rhsSizes[rhsK] = k;
  using Units = SmallVector<std::pair<int64_t, Value>>;
  auto checkBatch = [&](Value operand, SmallVectorImpl<OpFoldResult> &sizes,
                        Units &units) {
    auto type = cast<RankedTensorType>(operand.getType());
    int64_t operandBatch = std::max<int64_t>(type.getRank() - 2, 0);
    Value one = m.constant(1);
    for (int64_t d = 0; d < operandBatch; ++d) {
      if (type.getDimSize(d) == 1)
        continue;
      int64_t r = d + batch - operandBatch;
      Value size = m.value(sizes[d]), expected = m.value(resultSizes[r]);
      Value isUnit = m.equal(size, one);
      Value differs = m.both(m.notEqual(size, expected), m.notEqual(size, one));
      emitRuntimeCheck(b, m.loc, differs,
                       what + ": batch dim {0} of an operand is {1} but {2} "
                              "in the result, and not 1",
                       {m.constant(r), size, expected});
      failed = m.either(failed, differs);
      if (!matchPattern(isUnit, m_Zero()))
        units.push_back({d, isUnit});
      sizes[d] = resultSizes[r];
    }
  };
  Units lhsUnits, rhsUnits;
  checkBatch(lhs, lhsSizes, lhsUnits);
  checkBatch(rhs, rhsSizes, rhsUnits);
  lhs = broadcastUnitDims(b, m.loc, lhs, lhsSizes, lhsUnits, failed);
  rhs = broadcastUnitDims(b, m.loc, rhs, rhsSizes, rhsUnits, failed);
  if (matchPattern(failed, m_Zero()))
    return {lhs, rhs};
  return {zerosIfFailed(b, m.loc, failed, lhs, lhsSizes),
          zerosIfFailed(b, m.loc, failed, rhs, rhsSizes)};
}

namespace {

/// Loop dims are [batch..., m, n, k], without m for a 1-D lhs and without n
/// for a 1-D rhs: numpy's promotion of a vector to a matrix and removal of
/// the added dim cancel out, so the vector is read as it is.
struct MatMulToGeneric : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp op,
                                PatternRewriter &rewriter) const override {
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    bool hasM = lhsType.getRank() > 1, hasN = rhsType.getRank() > 1;
    int64_t batch = resultType.getRank() - hasM - hasN;
    int64_t rank = batch + hasM + hasN + 1;
    AffineExpr m = getAffineDimExpr(batch, context);
    AffineExpr n = getAffineDimExpr(batch + hasM, context);
    AffineExpr k = getAffineDimExpr(rank - 1, context);
    auto operandMap = [&](RankedTensorType type, ArrayRef<AffineExpr> inner) {
      SmallVector<AffineExpr> exprs;
      int64_t operandBatch = std::max<int64_t>(type.getRank() - 2, 0);
      for (int64_t d = 0; d < operandBatch; ++d) {
        int64_t r = d + batch - operandBatch;
        bool broadcast =
            type.getDimSize(d) == 1 && resultType.getDimSize(r) != 1;
        exprs.push_back(broadcast ? getAffineConstantExpr(0, context)
                                  : getAffineDimExpr(r, context));
      }
      llvm::append_range(exprs, inner);
      return AffineMap::get(rank, 0, exprs, context);
    };
    SmallVector<AffineExpr> lhsInner, rhsInner = {k}, outExprs;
    if (hasM)
      lhsInner.push_back(m);
    lhsInner.push_back(k);
    if (hasN)
      rhsInner.push_back(n);
    for (int64_t d = 0; d < batch; ++d)
      outExprs.push_back(getAffineDimExpr(d, context));
    if (hasM)
      outExprs.push_back(m);
    if (hasN)
      outExprs.push_back(n);
    SmallVector<AffineMap> maps = {operandMap(lhsType, lhsInner),
                                   operandMap(rhsType, rhsInner),
                                   AffineMap::get(rank, 0, outExprs, context)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.back() = utils::IteratorType::reduction;

    ReifiedRankedShapedTypeDims shapes;
    if (failed(reifyResultShapes(rewriter, op, shapes)))
      return rewriter.notifyMatchFailure(op, "cannot reify the result shape");
    Type elementType = resultType.getElementType();
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value init = createFilled(rewriter, loc, shapes.front(), zero);
    auto [lhs, rhs] =
        checkedMatMulOperands(rewriter, op, shapes.front(), batch);
    Value result =
        buildContraction(rewriter, loc, lhs, rhs, init, maps, iterators);
    rewriter.replaceOp(op, castToResultType(rewriter, loc, result, resultType));
    return success();
  }
};

struct TransposeToLinalg : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    // The result as the input's dims permuted: the input's type may be
    // more static than the op's result type, and linalg.transpose wants
    // the two to agree dim for dim.
    Location loc = op.getLoc();
    Value input = op.getInput();
    SmallVector<OpFoldResult> sizes;
    for (int64_t d : op.getPermutation())
      sizes.push_back(getDimSize(rewriter, loc, input, d));
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         getElementTypeOrSelf(input));
    Value result = linalg::TransposeOp::create(rewriter, loc, input, init,
                                               op.getPermutation())
                       .getResult()
                       .front();
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrLinearAlgebraToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MatMulToGeneric, TransposeToLinalg>(patterns.getContext());
}
