//===- ApproximateMath.cpp - Vectorizable math functions ------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// exp, tanh and erf have no vector instruction, and LLVM lowers a vector
// call of them to one libm call per lane. Softmax's exp alone was a fifth
// of flash attention's time that way. Their polynomial approximations are
// plain vector arithmetic, accurate to a few ulp over f32's range.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/Common/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRAPPROXIMATEMATHPASS
#include "xfmr/Target/Common/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;

namespace {

/// The functions transformers evaluate per element. sin and cos are left to
/// libm: rotary tables reach arguments in the thousands, beyond the range
/// reduction of their approximations.
bool isApproximated(StringRef name) {
  return llvm::is_contained(
      {math::ExpOp::getOperationName(), math::ExpM1Op::getOperationName(),
       math::TanhOp::getOperationName(), math::ErfOp::getOperationName(),
       math::LogOp::getOperationName(), math::Log1pOp::getOperationName(),
       math::Log2Op::getOperationName()},
      name);
}

struct ApproximateMathPass
    : xfmr::impl::XfmrApproximateMathPassBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Narrower floats are computed in f32, where the approximations are.
    populateMathF32ExpansionPatterns(patterns, isApproximated);
    populateMathPolynomialApproximationPatterns(patterns, isApproximated);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
