//===- ScatterToLinalg.cpp - scatter_elements, scatter_nd to loops --------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A scatter is a nest of scf.for loops over the updates that carries the
// result tensor and writes one element per iteration with tensor.insert:
// bufferized, a copy of the input and then stores in place. The writes stay
// in the order of the updates, so repeated indices combine (or, without a
// reduction, the last one wins) as ONNX's reference does; no linalg op can
// express writes to computed positions. Indices are checked at run time and
// clamped, as gathers do.
//
//===----------------------------------------------------------------------===//

#include "IndexMath.h"
#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// The combiner of a scatter's `reduction`, none for "none".
static std::optional<Combiner> getCombiner(StringRef reduction) {
  return llvm::StringSwitch<std::optional<Combiner>>(reduction)
      .Case("add", Combiner::Sum)
      .Case("mul", Combiner::Prod)
      .Case("max", Combiner::Max)
      .Case("min", Combiner::Min)
      .Default(std::nullopt);
}

/// Replaces `op` with loops over every element of `updates` that write it
/// into a copy of `input` at the position `positionOf` computes from the
/// element's indices.
static void replaceWithScatterLoops(
    PatternRewriter &rewriter, Operation *op, Value input, Value updates,
    StringRef reduction,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        positionOf) {
  Location loc = op->getLoc();
  IndexMath m{rewriter, loc};
  SmallVector<Value> lbs, ubs, steps;
  for (OpFoldResult size : getDimSizes(rewriter, loc, updates)) {
    lbs.push_back(m.constant(0));
    ubs.push_back(m.value(size));
    steps.push_back(m.constant(1));
  }
  std::optional<Combiner> combiner = getCombiner(reduction);
  scf::LoopNest nest = scf::buildLoopNest(
      rewriter, loc, lbs, ubs, steps, ValueRange{input},
      [&](OpBuilder &b, Location l, ValueRange ivs,
          ValueRange carried) -> scf::ValueVector {
        SmallVector<Value> position = positionOf(b, l, ivs);
        Value value = tensor::ExtractOp::create(b, l, updates, ivs);
        if (combiner) {
          Value current = tensor::ExtractOp::create(b, l, carried[0], position);
          value = combine(b, l, *combiner, current, value);
        }
        return {tensor::InsertOp::create(b, l, value, carried[0], position)};
      });
  rewriter.replaceOp(op, nest.results.front());
}

/// result = input; result[i... with i[axis] = indices[i...]] = updates[i...].
struct ScatterElementsToLoops : OpRewritePattern<ScatterElementsOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScatterElementsOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    Value input = op.getInput(), indices = op.getIndices();
    int64_t rank = op.getInput().getType().getRank();
    int64_t axis = *normalizeAxis(op.getAxis(), rank);
    Value size = m.value(getDimSize(rewriter, loc, input, axis));
    emitIndicesInRangeCheck(rewriter, loc, indices, size,
                            describeONNXNode(op, "ScatterElements"));
    replaceWithScatterLoops(
        rewriter, op, input, op.getUpdates(), op.getReduction(),
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          IndexMath bm{b, l};
          SmallVector<Value> position(ivs);
          Value index = tensor::ExtractOp::create(b, l, indices, ivs);
          position[axis] = bm.wrapInRange(index, size);
          return position;
        });
    return success();
  }
};

/// result = input; result[indices[j..., :], k...] = updates[j..., k...].
struct ScatterNdToLoops : OpRewritePattern<ScatterNdOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScatterNdOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    Value input = op.getInput(), indices = op.getIndices();
    auto indicesType = cast<RankedTensorType>(indices.getType());
    int64_t leading = indicesType.getRank() - 1;
    int64_t tuple = indicesType.getShape().back();
    SmallVector<Value> sizes;
    for (int64_t k = 0; k < tuple; ++k)
      sizes.push_back(m.value(getDimSize(rewriter, loc, input, k)));
    emitIndexTuplesInRangeCheck(rewriter, loc, indices, sizes,
                                describeONNXNode(op, "ScatterND"));
    replaceWithScatterLoops(
        rewriter, op, input, op.getUpdates(), op.getReduction(),
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          IndexMath bm{b, l};
          SmallVector<Value> position =
              bm.readIndexTuple(indices, ivs.take_front(leading), sizes);
          llvm::append_range(position, ivs.drop_front(leading));
          return position;
        });
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrScatterToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ScatterElementsToLoops, ScatterNdToLoops>(patterns.getContext());
}
