//===- PoolToLinalg.cpp - pool to linalg ----------------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A pool of any spatial rank is one generic over [n, c, out..., kernel...]
// reading the input at `out * stride + kernel * dilation` after a tensor.pad
// (with -inf for a maximum, zeros for sums), as conv is lowered. The pad
// reaches past the explicit end pads where ceil_mode lets the last window
// hang over. Averages then divide by each window's element count, which
// depends only on the output position along each dim: it is known at
// compile time (the spatial dims are static) and read from one small
// constant per dim.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// The window geometry of one spatial dim.
struct PoolDim {
  int64_t in, out, kernel, stride, dilation, padBegin, padEnd;

  /// How many window elements of output position `o` lie in [lo, hi)
  /// (input coordinates).
  int64_t countInside(int64_t o, int64_t lo, int64_t hi) const {
    int64_t count = 0;
    for (int64_t k = 0; k < kernel; ++k) {
      int64_t at = o * stride - padBegin + k * dilation;
      count += at >= lo && at < hi;
    }
    return count;
  }
};

struct PoolToGeneric : OpRewritePattern<PoolOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PoolOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = inputType.getElementType();
    int64_t spatial = inputType.getRank() - 2;
    StringRef kind = op.getKind();
    SmallVector<PoolDim> dims;
    for (int64_t i = 0; i < spatial; ++i) {
      PoolDim d;
      d.in = inputType.getDimSize(i + 2);
      d.out = resultType.getDimSize(i + 2);
      if (ShapedType::isDynamic(d.in) || ShapedType::isDynamic(d.out))
        return rewriter.notifyMatchFailure(op, "dynamic spatial dims");
      d.kernel = op.getKernelShape()[i];
      d.stride = op.getStrides().empty() ? 1 : op.getStrides()[i];
      d.dilation = op.getDilations().empty() ? 1 : op.getDilations()[i];
      d.padBegin = op.getPads().empty() ? 0 : op.getPads()[i];
      d.padEnd = op.getPads().empty() ? 0 : op.getPads()[spatial + i];
      dims.push_back(d);
    }

    // Pad so that every window lies inside the padded input.
    Value padValue =
        kind == "max" ? identityValue(rewriter, loc, elementType, Combiner::Max)
                      : Value(arith::ConstantOp::create(
                            rewriter, loc, rewriter.getZeroAttr(elementType)));
    SmallVector<OpFoldResult> low(2, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> high = low;
    bool padded = false;
    for (const PoolDim &d : dims) {
      int64_t needed =
          (d.out - 1) * d.stride + (d.kernel - 1) * d.dilation + 1 - d.padBegin;
      int64_t end = std::max(needed - d.in, int64_t(0));
      low.push_back(rewriter.getIndexAttr(d.padBegin));
      high.push_back(rewriter.getIndexAttr(end));
      padded |= d.padBegin != 0 || end != 0;
    }
    if (padded)
      input = tensor::PadOp::create(rewriter, loc, Type(), input, low, high,
                                    padValue);

    // Loop dims: n, c, out..., kernel...
    int64_t out = 2, kernel = 2 + spatial, numLoops = 2 + 2 * spatial;
    SmallVector<AffineExpr> inputExprs = {getAffineDimExpr(0, context),
                                          getAffineDimExpr(1, context)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(numLoops);
    for (int64_t i = 0; i < spatial; ++i) {
      inputExprs.push_back(getAffineDimExpr(out + i, context) * dims[i].stride +
                           getAffineDimExpr(kernel + i, context) *
                               dims[i].dilation);
      iterators[kernel + i] = utils::IteratorType::reduction;
    }
    // As linalg's named pools do, an operand of the window's shape (never
    // read) gives the kernel loops their extents.
    SmallVector<int64_t> kernelShape(op.getKernelShape());
    Value window =
        tensor::EmptyOp::create(rewriter, loc, kernelShape, elementType);
    SmallVector<int64_t> kernelDims, outDims;
    for (int64_t i = 0; i < 2 + spatial; ++i)
      outDims.push_back(i);
    for (int64_t i = 0; i < spatial; ++i)
      kernelDims.push_back(kernel + i);
    SmallVector<AffineMap> maps = {
        AffineMap::get(numLoops, 0, inputExprs, context),
        dimsMap(context, numLoops, kernelDims),
        dimsMap(context, numLoops, outDims)};
    ReifiedRankedShapedTypeDims shapes;
    if (failed(reifyResultShapes(rewriter, op, shapes)))
      return rewriter.notifyMatchFailure(op, "cannot reify the result shape");
    Value init = createFilled(rewriter, loc, shapes.front(), padValue);
    int64_t p = op.getP();
    Value result = buildGeneric(
        rewriter, loc, {input, window}, init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          if (kind == "max")
            return arith::MaximumFOp::create(b, l, args[2], args[0]);
          Value term = args[0];
          if (kind == "lp")
            term = p == 1   ? Value(math::AbsFOp::create(b, l, term))
                   : p == 2 ? Value(arith::MulFOp::create(b, l, term, term))
                            : Value(math::PowFOp::create(
                                  b, l, math::AbsFOp::create(b, l, term),
                                  arith::ConstantOp::create(
                                      b, l, b.getFloatAttr(elementType, p))));
          return arith::AddFOp::create(b, l, args[2], term);
        });

    if (kind == "avg")
      result = divideByCounts(rewriter, loc, op, result, dims);
    else if (kind == "lp" && p != 1)
      result = buildParallelGeneric(
          rewriter, loc, {result},
          {rewriter.getMultiDimIdentityMap(resultType.getRank())},
          createEmptyLike(rewriter, loc, result, elementType),
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            if (p == 2)
              return math::SqrtOp::create(b, l, args[0]);
            return math::PowFOp::create(
                b, l, args[0],
                arith::ConstantOp::create(
                    b, l, b.getFloatAttr(elementType, 1.0 / p)));
          });
    rewriter.replaceOp(op, castToResultType(rewriter, loc, result, resultType));
    return success();
  }

private:
  /// `sum` divided by the number of window elements inside the input (or,
  /// with count_include_pad, inside the explicitly padded input).
  static Value divideByCounts(OpBuilder &b, Location loc, PoolOp op, Value sum,
                              ArrayRef<PoolDim> dims) {
    MLIRContext *context = b.getContext();
    auto type = cast<RankedTensorType>(sum.getType());
    Type elementType = type.getElementType();
    int64_t rank = type.getRank();
    SmallVector<Value> inputs = {sum};
    SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
    // Dims whose windows all hold the same count fold into one scale.
    double uniform = 1;
    for (auto [i, d] : llvm::enumerate(dims)) {
      int64_t lo = op.getCountIncludePad() ? -d.padBegin : 0;
      int64_t hi = op.getCountIncludePad() ? d.in + d.padEnd : d.in;
      SmallVector<double> counts;
      for (int64_t o = 0; o < d.out; ++o)
        counts.push_back(d.countInside(o, lo, hi));
      if (llvm::all_equal(counts) && !counts.empty()) {
        uniform *= counts.front();
        continue;
      }
      auto countsType = RankedTensorType::get({d.out}, elementType);
      SmallVector<Attribute> values;
      for (double c : counts)
        values.push_back(b.getFloatAttr(elementType, c));
      inputs.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(countsType, values)));
      maps.push_back(dimsMap(context, rank, {int64_t(2 + i)}));
    }
    Value scale =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, uniform));
    return buildParallelGeneric(
        b, loc, inputs, maps, createEmptyLike(b, loc, sum, elementType),
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value count = scale;
          for (Value c : args.drop_front().drop_back())
            count = arith::MulFOp::create(nb, l, count, c);
          return arith::DivFOp::create(nb, l, args[0], count);
        });
  }
};

} // namespace

void mlir::xfmr::populateXfmrPoolToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<PoolToGeneric>(patterns.getContext());
}
