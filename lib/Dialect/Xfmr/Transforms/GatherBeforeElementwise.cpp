//===- GatherBeforeElementwise.cpp - Gather rows, then compute on them ----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ONNX's QDQ format quantizes embedding tables: Gather reads the rows of
// DequantizeLinear(table), which the importer writes as elementwise ops over
// the whole table (a widening cast, minus the zero point, times the scale).
// Run as written, every run dequantizes all 30522 rows of BERT's vocabulary
// to read a few of them. An elementwise op whose other operands do not vary
// along the gathered axis commutes with the gather, so
//
//   gather(f(x, c), ids)  ->  f(gather(x, ids), c)
//
// and, applied again down the chain, only the gathered rows of the 8-bit
// table are read and dequantized. A scale or zero point per slice of the
// gathered axis (per-axis quantization along it) varies with the index, so
// the rewrite does not fire.
//
//===----------------------------------------------------------------------===//

#include "LinearFusion.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// Ops computed element by element: the unary ones and casts (the
/// Elementwise trait) and the broadcasting arithmetic of DequantizeLinear.
bool isElementwise(Operation *op) {
  return op->hasTrait<OpTrait::Elementwise>() ||
         isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp>(op);
}

/// Whether `operand`, broadcast against a tensor of rank `rank`, has the
/// same value at every index along `axis`, and still broadcasts against the
/// gather's result of rank `resultRank`: it does not reach `axis` (its rank
/// covers only the trailing dims after it), or it is all ones.
bool invariantAlongAxis(Value operand, int64_t rank, int64_t axis,
                        int64_t resultRank) {
  auto type = cast<RankedTensorType>(operand.getType());
  if (type.getRank() < rank - axis)
    return true;
  return type.getRank() <= resultRank &&
         llvm::all_of(type.getShape(), [](int64_t d) { return d == 1; });
}

struct GatherBeforeElementwise : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherOp op,
                                PatternRewriter &rewriter) const override {
    Operation *producer = op.getInput().getDefiningOp();
    if (!producer || !isElementwise(producer) || producer->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "input is not elementwise");
    // Another user would still need the whole tensor: nothing is saved.
    if (!producer->hasOneUse())
      return rewriter.notifyMatchFailure(op, "elementwise op has other uses");
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    // A gather that repeats slices (a scale expanded to its blocks) would
    // make the elementwise op compute more, not less.
    auto outputType = cast<RankedTensorType>(op.getType());
    if (inputType.hasStaticShape() && outputType.hasStaticShape() &&
        outputType.getNumElements() > inputType.getNumElements())
      return rewriter.notifyMatchFailure(op, "the gather makes more elements");
    int64_t rank = inputType.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    int64_t resultRank = outputType.getRank();
    // The operand of the input's shape is gathered; every other one must be
    // the same for each gathered slice.
    std::optional<unsigned> gathered;
    for (auto [i, operand] : llvm::enumerate(producer->getOperands())) {
      auto type = cast<RankedTensorType>(operand.getType());
      if (!gathered && type.getShape() == inputType.getShape()) {
        gathered = i;
        continue;
      }
      if (!invariantAlongAxis(operand, rank, axis, resultRank))
        return rewriter.notifyMatchFailure(
            op, "an operand varies along the gathered axis");
    }
    if (!gathered)
      return rewriter.notifyMatchFailure(op, "no operand has the input's "
                                             "shape");
    Value x = producer->getOperand(*gathered);
    auto resultType = cast<RankedTensorType>(op.getType());
    auto gatheredType =
        resultType.clone(cast<RankedTensorType>(x.getType()).getElementType());
    Value rows = GatherOp::create(rewriter, op.getLoc(), gatheredType, x,
                                  op.getIndices(), op.getAxis());
    Operation *computed = rewriter.clone(*producer);
    rewriter.modifyOpInPlace(computed, [&] {
      computed->setOperand(*gathered, rows);
      computed->getResult(0).setType(resultType);
    });
    rewriter.replaceOp(op, computed->getResults());
    return success();
  }
};

} // namespace

void mlir::xfmr::populateGatherBeforeElementwisePatterns(
    RewritePatternSet &patterns) {
  patterns.add<GatherBeforeElementwise>(patterns.getContext());
}
