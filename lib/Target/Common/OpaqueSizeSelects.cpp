//===- OpaqueSizeSelects.cpp - Index selects hidden from value bounds -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One-Shot Bufferize proves slices equal with ValueBoundsConstraintSet,
// which follows an index select into both of its branches and compares them
// with a nested analysis. Dynamic shapes chain selects (each broadcast dim
// selects from the previous one), so the proof costs time exponential in
// the chain's length while it can rarely succeed. The same select on i64
// is opaque to the analysis.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/Common/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMROPAQUESIZESELECTSPASS
#include "xfmr/Target/Common/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;

namespace {

struct XfmrOpaqueSizeSelectsPass
    : xfmr::impl::XfmrOpaqueSizeSelectsPassBase<XfmrOpaqueSizeSelectsPass> {
  void runOnOperation() override {
    SmallVector<arith::SelectOp> selects;
    getOperation().walk([&](arith::SelectOp select) {
      // Index arithmetic inside a linalg body addresses elements, not
      // subsets: the analysis never reaches it.
      if (select.getType().isIndex() &&
          !select->getParentOfType<linalg::LinalgOp>())
        selects.push_back(select);
    });
    OpBuilder b(&getContext());
    Type i64 = b.getI64Type();
    for (arith::SelectOp select : selects) {
      b.setInsertionPoint(select);
      Location loc = select.getLoc();
      Value trueValue =
          arith::IndexCastOp::create(b, loc, i64, select.getTrueValue());
      Value falseValue =
          arith::IndexCastOp::create(b, loc, i64, select.getFalseValue());
      Value chosen = arith::SelectOp::create(b, loc, select.getCondition(),
                                             trueValue, falseValue);
      select.replaceAllUsesWith(
          arith::IndexCastOp::create(b, loc, b.getIndexType(), chosen)
              .getResult());
      select.erase();
    }
  }
};

} // namespace
