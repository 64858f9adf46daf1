//===- AttentionToLinalg.cpp - attention to linalg ------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Attention as a sequence of generics over the whole score matrix: q · kᵀ,
// scale + mask + causal, the row maximum, exp(s - max), the row sum, the
// unnormalised product with v, and the division by the sum (Dv values per
// row instead of T probabilities). This is the reference lowering; the
// flash-attention tiling (online softmax over key/value blocks) replaces it.
//
// Grouped-query attention splits the query heads [Hq] into [Hkv, G] with a
// tensor.expand_shape (no copy), so each key/value head is read by its G
// query heads through a plain projected-permutation map. An `h floordiv G`
// map would do the same without the reshape, but tiling the head loop by a
// size that is not a multiple of G would then read the wrong key head, and
// the vectoriser rejects such maps; an explicit broadcast of k and v would
// copy them G times.
//
// Rows whose every key is masked give zeros, as ONNX's reference does: the
// maximum falls back to 0 and an all-zero sum to 1.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr;

// Loop dims of the 5-D score space [B, Hkv, G, Sq, T].
static constexpr int64_t kBatch = 0, kKvHead = 1, kGroup = 2, kQuery = 3,
                         kKey = 4;

/// The size of dim `dim`, static from whichever of `values` knows it.
static OpFoldResult sharedDim(OpBuilder &b, Location loc, ValueRange values,
                              int64_t dim) {
  for (Value v : values) {
    int64_t size = cast<RankedTensorType>(v.getType()).getDimSize(dim);
    if (!ShapedType::isDynamic(size))
      return b.getIndexAttr(size);
  }
  return getDimSize(b, loc, values.front(), dim);
}

/// `past` followed by `next` along the sequence dim (2).
static Value concatSequence(OpBuilder &b, Location loc, Value past,
                            Value next) {
  OpFoldResult pastLength = getDimSize(b, loc, past, 2);
  SmallVector<OpFoldResult> sizes = {
      sharedDim(b, loc, {next, past}, 0), sharedDim(b, loc, {next, past}, 1),
      addSizes(b, loc, pastLength, getDimSize(b, loc, next, 2)),
      sharedDim(b, loc, {next, past}, 3)};
  Type elementType = cast<RankedTensorType>(past.getType()).getElementType();
  Value result = tensor::EmptyOp::create(b, loc, sizes, elementType);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(4, one);
  result = tensor::InsertSliceOp::create(b, loc, past, result,
                                         {zero, zero, zero, zero},
                                         getDimSizes(b, loc, past), strides);
  return tensor::InsertSliceOp::create(b, loc, next, result,
                                       {zero, zero, pastLength, zero},
                                       getDimSizes(b, loc, next), strides);
}

/// The mask's map into the score space, numpy-broadcast against
/// [B, Hq, Sq, T]; a mask with a real head dim is split like the query.
static std::pair<Value, AffineMap> mapMask(OpBuilder &b, Location loc,
                                           Value mask, OpFoldResult kvHeads,
                                           OpFoldResult group) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t offset = 4 - type.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t scoreDim = d + offset;
    if (type.getDimSize(d) == 1) {
      exprs.push_back(getAffineConstantExpr(0, context));
      continue;
    }
    switch (scoreDim) {
    case 0:
      exprs.push_back(getAffineDimExpr(kBatch, context));
      break;
    case 1:
      exprs.push_back(getAffineDimExpr(kKvHead, context));
      exprs.push_back(getAffineDimExpr(kGroup, context));
      break;
    case 2:
      exprs.push_back(getAffineDimExpr(kQuery, context));
      break;
    default:
      exprs.push_back(getAffineDimExpr(kKey, context));
      break;
    }
  }
  int64_t headDim = 1 - offset;
  if (headDim >= 0 && type.getDimSize(headDim) != 1)
    mask = splitDim(b, loc, mask, headDim, {kvHeads, group});
  return {mask, AffineMap::get(5, 0, exprs, context)};
}

/// `kv` with each head repeated `group` times ([B, Hkv * G, T, D]), read
/// with tensor.extract. Only for a head split that is dynamic on both sides,
/// where an expand_shape of one dim into two dynamic ones is more than later
/// memref lowering (expand-strided-metadata) handles.
static Value repeatHeads(OpBuilder &b, Location loc, Value kv,
                         OpFoldResult heads, OpFoldResult group) {
  SmallVector<OpFoldResult> sizes = getDimSizes(b, loc, kv);
  sizes[1] = heads;
  Type elementType = cast<RankedTensorType>(kv.getType()).getElementType();
  Value groupValue = getValueOrCreateConstantIndexOp(b, loc, group);
  return buildParallelGeneric(
      b, loc, {}, {}, tensor::EmptyOp::create(b, loc, sizes, elementType),
      [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < 4; ++d)
          indices.push_back(linalg::IndexOp::create(nb, l, d));
        indices[1] = arith::DivUIOp::create(nb, l, indices[1], groupValue);
        return tensor::ExtractOp::create(nb, l, kv, indices);
      });
}

namespace {

struct AttentionToGeneric : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    if (op.getPresent().size() != (op.getPastKey() ? 2u : 0u))
      return rewriter.notifyMatchFailure(op, "present results without a past");
    Value query = op.getQuery(), keys = op.getKey(), values = op.getValue();
    auto queryType = cast<RankedTensorType>(query.getType());
    Type elementType = queryType.getElementType();

    OpFoldResult pastLength = rewriter.getIndexAttr(0);
    if (Value pastKey = op.getPastKey()) {
      pastLength = getDimSize(rewriter, loc, pastKey, 2);
      keys = concatSequence(rewriter, loc, pastKey, keys);
      values = concatSequence(rewriter, loc, op.getPastValue(), values);
    }
    Value presentKey = keys, presentValue = values;

    OpFoldResult batch = sharedDim(rewriter, loc, {query, keys, values}, 0);
    OpFoldResult qHeads = getDimSize(rewriter, loc, query, 1);
    OpFoldResult kvHeads = sharedDim(rewriter, loc, {keys, values}, 1);
    OpFoldResult qLength = getDimSize(rewriter, loc, query, 2);
    OpFoldResult kvLength = sharedDim(rewriter, loc, {keys, values}, 2);
    OpFoldResult headDim = sharedDim(rewriter, loc, {query, keys}, 3);
    OpFoldResult valueDim = getDimSize(rewriter, loc, values, 3);
    OpFoldResult group = divSizes(rewriter, loc, qHeads, kvHeads);
    if (!getConstantIntValue(kvHeads) && !getConstantIntValue(group)) {
      keys = repeatHeads(rewriter, loc, keys, qHeads, group);
      values = repeatHeads(rewriter, loc, values, qHeads, group);
      kvHeads = qHeads;
      group = rewriter.getIndexAttr(1);
    }
    Value query5 = splitDim(rewriter, loc, query, 1, {kvHeads, group});

    auto map = [&](ArrayRef<int64_t> dims, int64_t numDims) {
      return dimsMap(context, numDims, dims);
    };
    SmallVector<int64_t> rowDims = {kBatch, kKvHead, kGroup, kQuery};
    SmallVector<int64_t> scoreDims = {kBatch, kKvHead, kGroup, kQuery, kKey};
    SmallVector<OpFoldResult> rowSizes = {batch, kvHeads, group, qLength};
    SmallVector<OpFoldResult> scoreSizes = rowSizes;
    scoreSizes.push_back(kvLength);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value negInf = identityValue(rewriter, loc, elementType, Combiner::Max);

    // q · kᵀ over loops [b, hkv, g, i, j, d].
    SmallVector<utils::IteratorType> iterators = parallelIterators(6);
    iterators.back() = utils::IteratorType::reduction;
    Value scores = buildContraction(
        rewriter, loc, query5, keys, createFilled(rewriter, loc, scoreSizes, zero),
        {map({kBatch, kKvHead, kGroup, kQuery, 5}, 6),
         map({kBatch, kKvHead, kKey, 5}, 6), map(scoreDims, 6)},
        iterators);

    // Scale, mask and causal frontier.
    Value scale;
    if (std::optional<APFloat> attr = op.getScale()) {
      scale = arith::ConstantOp::create(
          rewriter, loc,
          rewriter.getFloatAttr(elementType, attr->convertToDouble()));
    } else if (std::optional<int64_t> d = getConstantIntValue(headDim)) {
      scale = arith::ConstantOp::create(
          rewriter, loc,
          rewriter.getFloatAttr(elementType,
                                1.0 / std::sqrt(static_cast<double>(*d))));
    } else {
      scale = math::RsqrtOp::create(
          rewriter, loc, sizeAsFloat(rewriter, loc, headDim, elementType));
    }
    SmallVector<Value> inputs = {scores};
    SmallVector<AffineMap> maps = {map(scoreDims, 5)};
    bool boolMask = false;
    if (Value mask = op.getMask()) {
      auto [mapped, maskMap] = mapMask(rewriter, loc, mask, kvHeads, group);
      inputs.push_back(mapped);
      maps.push_back(maskMap);
      boolMask = cast<RankedTensorType>(mask.getType())
                     .getElementType()
                     .isInteger(1);
    }
    bool hasMask = inputs.size() > 1, causal = op.getIsCausal();
    Value past = getValueOrCreateConstantIndexOp(rewriter, loc, pastLength);
    Value masked = buildParallelGeneric(
        rewriter, loc, inputs, maps,
        tensor::EmptyOp::create(rewriter, loc, scoreSizes, elementType),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value s = arith::MulFOp::create(b, l, args[0], scale);
          if (hasMask && boolMask)
            s = arith::SelectOp::create(b, l, args[1], s, negInf);
          else if (hasMask)
            s = arith::AddFOp::create(b, l, s, args[1]);
          if (causal) {
            // Query i sees key j when j <= i + past length.
            Value i = linalg::IndexOp::create(b, l, kQuery);
            Value j = linalg::IndexOp::create(b, l, kKey);
            Value frontier = arith::AddIOp::create(b, l, i, past);
            Value hidden = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::ugt, j, frontier);
            s = arith::SelectOp::create(b, l, hidden, negInf, s);
          }
          return s;
        });

    // Softmax numerator with the row maximum subtracted.
    SmallVector<bool> keyReduced = {false, false, false, false, true};
    Value max = reduce(rewriter, loc, masked, {}, keyReduced, Combiner::Max,
                       [](OpBuilder &, Location, ValueRange args) {
                         return args[0];
                       });
    Value exps = buildParallelGeneric(
        rewriter, loc, {masked, max}, {map(scoreDims, 5), map(rowDims, 5)},
        tensor::EmptyOp::create(rewriter, loc, scoreSizes, elementType),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value allMasked = arith::CmpFOp::create(
              b, l, arith::CmpFPredicate::OEQ, args[1], negInf);
          Value shift = arith::SelectOp::create(b, l, allMasked, zero, args[1]);
          return math::ExpOp::create(
              b, l, arith::SubFOp::create(b, l, args[0], shift));
        });
    Value sums = reduce(rewriter, loc, exps, {}, keyReduced, Combiner::Sum,
                        [](OpBuilder &, Location, ValueRange args) {
                          return args[0];
                        });

    // exp · v over loops [b, hkv, g, i, e, j], then divide by the row sum.
    SmallVector<OpFoldResult> outSizes = rowSizes;
    outSizes.push_back(valueDim);
    Value weighted = buildContraction(
        rewriter, loc, exps, values, createFilled(rewriter, loc, outSizes, zero),
        {map({kBatch, kKvHead, kGroup, kQuery, 5}, 6),
         map({kBatch, kKvHead, 5, 4}, 6), map({0, 1, 2, 3, 4}, 6)},
        iterators);
    Value one = arith::ConstantOp::create(
        rewriter, loc, rewriter.getFloatAttr(elementType, 1.0));
    Value output = buildParallelGeneric(
        rewriter, loc, {weighted, sums}, {map({0, 1, 2, 3, 4}, 5), map(rowDims, 5)},
        tensor::EmptyOp::create(rewriter, loc, outSizes, elementType),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value empty = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                              args[1], zero);
          Value sum = arith::SelectOp::create(b, l, empty, one, args[1]);
          return arith::DivFOp::create(b, l, args[0], sum);
        });
    output = mergeDims(rewriter, loc, output, 1, 2);

    SmallVector<Value> results = {
        castToResultType(rewriter, loc, output, op.getOutput().getType())};
    if (op.getPastKey()) {
      results.push_back(castToResultType(rewriter, loc, presentKey,
                                         op.getPresent()[0].getType()));
      results.push_back(castToResultType(rewriter, loc, presentValue,
                                         op.getPresent()[1].getType()));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrAttentionToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AttentionToGeneric>(patterns.getContext());
}
