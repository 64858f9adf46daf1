//===- NormsToLinalg.cpp - layer_norm and rms_norm to linalg --------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A norm becomes a few generics over the input: the optional residual add,
// the row statistics as reductions over the normalised (trailing) dims, one
// small generic turning them into 1 / sqrt(var + epsilon), and the
// normalisation with scale and bias. Layer norm takes the variance around the
// mean computed first (two passes), which stays exact where E[x^2] - E[x]^2
// cancels. Statistics accumulate in f32 for narrower float types.
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

template <typename OpTy>
struct NormToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  static constexpr bool centered = std::is_same_v<OpTy, LayerNormOp>;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    std::optional<int64_t> axis = normalizeAxis(op.getAxis(), rank);
    if (!axis)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Type elementType = type.getElementType();
    Type accType = elementType.getIntOrFloatBitWidth() < 32
                       ? Type(rewriter.getF32Type())
                       : elementType;
    MLIRContext *context = rewriter.getContext();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);

    if (Value residual = op.getResidual())
      x = buildParallelGeneric(
          rewriter, loc, ValueRange{x, residual}, {identity, identity},
          createEmptyLike(rewriter, loc, x, elementType),
          [](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::AddFOp::create(b, l, args[0], args[1]);
          });

    // Dims before `axis` are rows; the rest are normalised.
    SmallVector<bool> normalised(rank, false);
    SmallVector<int64_t> paramDims;
    OpFoldResult count = rewriter.getIndexAttr(1);
    for (int64_t d = *axis; d < rank; ++d) {
      normalised[d] = true;
      paramDims.push_back(d);
      count = mulSizes(rewriter, loc, count, getDimSize(rewriter, loc, x, d));
    }
    AffineMap rowMap = keptDimsMap(context, normalised);
    AffineMap paramMap = dimsMap(context, rank, paramDims);
    AffineMap rowIdentity = rewriter.getMultiDimIdentityMap(*axis);
    Value n = sizeAsFloat(rewriter, loc, count, accType);
    auto widen = [&](OpBuilder &b, Location l, Value v) {
      return ScalarBuilder{b, l}.cast(v, accType);
    };

    // Statistics: the mean (layer norm), then the sum of squares around it
    // (or around 0 for RMS norm).
    Value mean;
    if (centered) {
      Value sum = reduce(
          rewriter, loc, x, {}, normalised, Combiner::Sum,
          [&](OpBuilder &b, Location l, ValueRange args) {
            return widen(b, l, args[0]);
          },
          accType);
      mean = buildParallelGeneric(
          rewriter, loc, sum, {rowIdentity},
          createEmptyLike(rewriter, loc, sum, accType),
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::DivFOp::create(b, l, args[0], n);
          });
    }
    Value squares = reduce(
        rewriter, loc, x, mean ? ValueRange{mean} : ValueRange{}, normalised,
        Combiner::Sum,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value v = widen(b, l, args[0]);
          if (args.size() > 1)
            v = arith::SubFOp::create(b, l, v, args[1]);
          return arith::MulFOp::create(b, l, v, v);
        },
        accType);
    Value epsilon = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getFloatAttr(accType, op.getEpsilon().convertToDouble()));
    Value rstd = buildParallelGeneric(
        rewriter, loc, squares, {rowIdentity},
        createEmptyLike(rewriter, loc, squares, accType),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value var = arith::DivFOp::create(b, l, args[0], n);
          return math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, var, epsilon));
        });

    // (x - mean) * rstd * scale + bias.
    SmallVector<Value> inputs = {x, rstd, op.getScale()};
    SmallVector<AffineMap> maps = {identity, rowMap, paramMap};
    if (mean) {
      inputs.push_back(mean);
      maps.push_back(rowMap);
    }
    if (Value bias = op.getBias()) {
      inputs.push_back(bias);
      maps.push_back(paramMap);
    }
    bool hasBias = static_cast<bool>(op.getBias());
    Value result = buildParallelGeneric(
        rewriter, loc, inputs, maps,
        createEmptyLike(rewriter, loc, x, elementType),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value v = widen(b, l, args[0]);
          if (centered)
            v = arith::SubFOp::create(b, l, v, args[3]);
          v = arith::MulFOp::create(b, l, v, args[1]);
          v = arith::MulFOp::create(b, l, v, widen(b, l, args[2]));
          if (hasBias)
            v = arith::AddFOp::create(b, l, v, widen(b, l, args[centered ? 4 : 3]));
          return ScalarBuilder{b, l}.cast(v, elementType);
        });
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrNormsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<NormToGeneric<LayerNormOp>, NormToGeneric<RmsNormOp>>(
      patterns.getContext());
}
