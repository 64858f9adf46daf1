//===- XfmrCanonicalize.cpp - Canonicalization patterns of xfmr ops -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Rewrites that need new ops, which folders cannot create.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// reshape(reshape(x, s1), s2) -> reshape(x, s2), when s2 does not copy dims
/// (a 0) from the intermediate shape. The -1 of s2 is resolved from the
/// element count, which the intermediate reshape keeps.
struct ComposeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<ReshapeOp>();
    if (!producer)
      return rewriter.notifyMatchFailure(op, "input is not a reshape");
    std::optional<SmallVector<int64_t>> shape =
        getConstantIntValues(op.getShape());
    if (!shape)
      return rewriter.notifyMatchFailure(op, "shape is not constant");
    if (!op.getAllowzero() && llvm::is_contained(*shape, 0))
      return rewriter.notifyMatchFailure(op, "shape copies intermediate dims");
    rewriter.modifyOpInPlace(
        op, [&] { op.getInputMutable().assign(producer.getInput()); });
    return success();
  }
};

/// A reshape whose result type is static gets that shape as a constant, so
/// the shape arithmetic that computed it becomes dead.
struct MaterializeStaticReshapeShape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "result shape is not static");
    if (std::optional<SmallVector<int64_t>> shape =
            getConstantIntValues(op.getShape());
        shape && llvm::equal(*shape, type.getShape()))
      return rewriter.notifyMatchFailure(op, "shape is already explicit");
    if (llvm::is_contained(type.getShape(), 0) && !op.getAllowzero())
      return rewriter.notifyMatchFailure(op, "zero-sized dims need allowzero");
    auto shapeType = RankedTensorType::get({type.getRank()},
                                           rewriter.getI64Type());
    Value shape = ConstantOp::create(
        rewriter, op.getLoc(), shapeType,
        DenseIntElementsAttr::get(shapeType, type.getShape()));
    rewriter.modifyOpInPlace(op,
                             [&] { op.getShapeMutable().assign(shape); });
    return success();
  }
};

} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ComposeReshapes, MaterializeStaticReshapeShape>(context);
}
