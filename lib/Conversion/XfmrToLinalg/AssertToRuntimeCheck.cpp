//===- AssertToRuntimeCheck.cpp - The importer's checks as run-time checks ===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The importer checks operands that only a run knows (axes, split sizes,
// pads, K) with cf.assert. Lowered by LLVM, a failed assert would abort the
// process; a compiled model instead reports it as the run's error, naming
// the ONNX node, like the checks of the lowerings.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

struct AssertToRuntimeCheck : OpRewritePattern<cf::AssertOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(cf::AssertOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    // A condition known to hold folds the check away.
    Value one = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    Value failed = rewriter.createOrFold<arith::XOrIOp>(loc, op.getArg(), one);
    std::string message =
        describeONNXNode(op, "ONNX") + ": " + op.getMsg().str();
    emitRuntimeCheck(rewriter, loc, failed, message);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrAssertToRuntimeCheckPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AssertToRuntimeCheck>(patterns.getContext());
}
