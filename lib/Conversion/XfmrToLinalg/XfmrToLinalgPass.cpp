//===- XfmrToLinalgPass.cpp - The convert-xfmr-to-linalg pass -------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Conversion/Passes.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_CONVERTXFMRTOLINALGPASS
#include "xfmr/Conversion/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

void mlir::xfmr::populateXfmrToLinalgConversionPatterns(
    RewritePatternSet &patterns, const XfmrToLinalgTiling &tiling) {
  populateXfmrElementwiseToLinalgPatterns(patterns);
  populateXfmrReductionsToLinalgPatterns(patterns);
  populateXfmrLinearAlgebraToLinalgPatterns(patterns);
  populateXfmrShapeOpsToLinalgPatterns(patterns);
  populateXfmrNormsToLinalgPatterns(patterns);
  populateXfmrLinearMlpToLinalgPatterns(patterns, tiling);
  populateXfmrAttentionToLinalgPatterns(patterns, tiling);
  populateXfmrRotaryToLinalgPatterns(patterns);
  populateXfmrConvToLinalgPatterns(patterns);
  populateXfmrDataMovementToLinalgPatterns(patterns);
  populateXfmrScatterToLinalgPatterns(patterns);
  populateXfmrPoolToLinalgPatterns(patterns);
  populateXfmrAssertToRuntimeCheckPatterns(patterns);
}

namespace {

struct ConvertXfmrToLinalgPass
    : public mlir::xfmr::impl::ConvertXfmrToLinalgPassBase<
          ConvertXfmrToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    if (attentionQBlock < 1 || attentionKvBlock < 1 || mlpRowBlock < 0) {
      getOperation()->emitError()
          << "attention-q-block and attention-kv-block must be positive, "
             "mlp-row-block positive or 0";
      return signalPassFailure();
    }
    XfmrToLinalgTiling tiling;
    tiling.flashAttention = flashAttention;
    tiling.attentionQBlock = attentionQBlock;
    tiling.attentionKvBlock = attentionKvBlock;
    tiling.mlpRowBlock = mlpRowBlock;
    RewritePatternSet patterns(&getContext());
    populateXfmrToLinalgConversionPatterns(patterns, tiling);
    // Every op is rewritten once into ops of other dialects; no rewrite
    // creates xfmr ops, so a greedy walk in order is enough.
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();

    // Report every op left behind, each at its (ONNX node's) location.
    bool leftOver = false;
    getOperation()->walk([&](Operation *op) {
      if (!isa<XfmrDialect>(op->getDialect()))
        return;
      InFlightDiagnostic diag = op->emitError();
      // The importer names each op's location after its ONNX node; file
      // locations of binary models carry no line to point at instead.
      if (auto node = dyn_cast<NameLoc>(op->getLoc()))
        diag << "ONNX node '" << node.getName().getValue() << "': ";
      diag << "no lowering to linalg for '" << op->getName() << "' yet";
      leftOver = true;
    });
    if (leftOver)
      signalPassFailure();
  }
};

} // namespace
