//===- FuseElementwise.cpp - Elementwise fusion that keeps contractions ---===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// MLIR's elementwise fusion and reshape propagation, limited to what makes
// CPU code faster. Left unlimited, they fold an exporter's head-split
// reshape into the projection before it (a [M,K]x[K,N] matmul becomes a
// five-loop contraction with the weight expanded to [K,H,D]), and fuse
// cheap-looking producers into a matmul's body, where they run once per
// output column instead of once per element.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/Common/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRFUSEELEMENTWISEPASS
#include "xfmr/Target/Common/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;

namespace {

/// Whether every loop of `op` is parallel. Reshapes move only through such
/// ops: expanding a reduction's loops splits the dims its register block
/// and its lane-wise accumulators are planned on.
bool isAllParallel(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumLoops() == linalgOp.getNumParallelLoops();
}

/// Whether the consumer of `operand` reads each element of it once: its
/// indexing map uses every loop. Otherwise fusing the producer would repeat
/// its body once per value of the unused loops (a matmul's lhs is read once
/// per output column).
bool readsEachElementOnce(OpOperand *operand) {
  auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
  if (!consumer)
    return false;
  AffineMap map = consumer.getMatchingIndexingMap(operand);
  return map.isPermutation();
}

/// Producer-into-consumer fusion: the producer's only use, read once per
/// element.
bool shouldFuseElementwise(OpOperand *operand) {
  Operation *producer = operand->get().getDefiningOp();
  return producer && producer->hasOneUse() && readsEachElementOnce(operand);
}

/// Reshape folding by expansion: between a reshape and an op that is
/// entirely parallel, and only when the reshape's operand has no other use
/// (the op would otherwise be computed in both shapes).
bool shouldFoldReshape(OpOperand *operand) {
  Operation *producer = operand->get().getDefiningOp();
  Operation *consumer = operand->getOwner();
  if (!producer || !producer->hasOneUse())
    return false;
  Operation *linalgOp = isa<linalg::LinalgOp>(consumer) ? consumer : producer;
  return isAllParallel(linalgOp);
}

struct FuseElementwisePass
    : xfmr::impl::XfmrFuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns,
                                                 shouldFuseElementwise);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      shouldFoldReshape);
    // Constant operands fold into the bodies that read them.
    linalg::populateConstantFoldLinalgOperations(patterns,
                                                 shouldFuseElementwise);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    // Producers are visited before their consumers, so that chains fuse
    // into one op from the front.
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    // Not converging within the driver's limit leaves valid IR behind.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns), config);
  }
};

} // namespace
