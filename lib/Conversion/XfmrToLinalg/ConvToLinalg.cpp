//===- ConvToLinalg.cpp - conv to linalg ----------------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A conv of any spatial rank is one generic over
// [n, (g,) m, out..., c, kernel...], the input read at
// `out * stride + kernel * dilation` after a tensor.pad with zeros: the
// convolution form that linalg's conv detection, tiling and vectorisation
// recognise. Groups split the channel dims of input, weight and result
// into [group, per-group] with reshapes, so no map needs a product of a loop
// dim and a dynamic size. The bias follows in an elementwise epilogue.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

struct ConvToGeneric : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value input = op.getInput(), weight = op.getWeight();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t spatial = inputType.getRank() - 2;
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<int64_t> strides(op.getStrides()), dilations(op.getDilations());
    if (strides.empty())
      strides.assign(spatial, 1);
    if (dilations.empty())
      dilations.assign(spatial, 1);
    if (static_cast<int64_t>(strides.size()) != spatial ||
        static_cast<int64_t>(dilations.size()) != spatial ||
        (!pads.empty() && static_cast<int64_t>(pads.size()) != 2 * spatial))
      return rewriter.notifyMatchFailure(op, "malformed conv geometry");

    ReifiedRankedShapedTypeDims shapes;
    if (failed(reifyResultShapes(rewriter, op, shapes)))
      return rewriter.notifyMatchFailure(op, "cannot reify the result shape");
    SmallVector<OpFoldResult> outSizes = shapes.front();
    Type elementType = inputType.getElementType();
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));

    if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
      SmallVector<OpFoldResult> low(2, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> high = low;
      for (int64_t i = 0; i < spatial; ++i) {
        low.push_back(rewriter.getIndexAttr(pads[i]));
        high.push_back(rewriter.getIndexAttr(pads[spatial + i]));
      }
      input = tensor::PadOp::create(rewriter, loc, Type(), input, low, high,
                                    zero);
    }

    int64_t group = op.getGroup();
    bool grouped = group > 1;
    if (grouped) {
      OpFoldResult g = rewriter.getIndexAttr(group);
      input = splitDim(rewriter, loc, input, 1,
                       {g, divSizes(rewriter, loc,
                                    getDimSize(rewriter, loc, input, 1), g)});
      weight = splitDim(rewriter, loc, weight, 0,
                        {g, divSizes(rewriter, loc,
                                     getDimSize(rewriter, loc, weight, 0), g)});
      outSizes[1] = divSizes(rewriter, loc, outSizes[1], g);
      outSizes.insert(outSizes.begin() + 1, g);
    }

    // Loop dims: n, (g,) m, out..., c, kernel...
    int64_t n = 0, g = 1, m = grouped ? 2 : 1, out = m + 1;
    int64_t c = out + spatial, kernel = c + 1, numLoops = kernel + spatial;
    SmallVector<AffineExpr> inputExprs = {getAffineDimExpr(n, context)};
    SmallVector<AffineExpr> weightExprs, outExprs = {getAffineDimExpr(n, context)};
    if (grouped) {
      inputExprs.push_back(getAffineDimExpr(g, context));
      weightExprs.push_back(getAffineDimExpr(g, context));
      outExprs.push_back(getAffineDimExpr(g, context));
    }
    inputExprs.push_back(getAffineDimExpr(c, context));
    weightExprs.push_back(getAffineDimExpr(m, context));
    weightExprs.push_back(getAffineDimExpr(c, context));
    outExprs.push_back(getAffineDimExpr(m, context));
    SmallVector<utils::IteratorType> iterators = parallelIterators(numLoops);
    for (int64_t i = 0; i < spatial; ++i) {
      AffineExpr o = getAffineDimExpr(out + i, context);
      AffineExpr k = getAffineDimExpr(kernel + i, context);
      inputExprs.push_back(o * strides[i] + k * dilations[i]);
      weightExprs.push_back(k);
      outExprs.push_back(o);
      iterators[kernel + i] = utils::IteratorType::reduction;
    }
    iterators[c] = utils::IteratorType::reduction;
    SmallVector<AffineMap> maps = {
        AffineMap::get(numLoops, 0, inputExprs, context),
        AffineMap::get(numLoops, 0, weightExprs, context),
        AffineMap::get(numLoops, 0, outExprs, context)};
    Value result = buildContraction(rewriter, loc, input, weight,
                                    createFilled(rewriter, loc, outSizes, zero),
                                    maps, iterators);
    if (grouped)
      result = mergeDims(rewriter, loc, result, 1, 2);

    if (Value bias = op.getBias()) {
      int64_t rank = inputType.getRank();
      result = buildParallelGeneric(
          rewriter, loc, {result, bias},
          {rewriter.getMultiDimIdentityMap(rank), dimsMap(context, rank, {1})},
          createEmptyLike(rewriter, loc, result, elementType),
          [](OpBuilder &b, Location l, ValueRange args) -> Value {
            if (isa<FloatType>(args[0].getType()))
              return arith::AddFOp::create(b, l, args[0], args[1]);
            return arith::AddIOp::create(b, l, args[0], args[1]);
          });
    }
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrConvToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConvToGeneric>(patterns.getContext());
}
