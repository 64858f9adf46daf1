//===- RotaryToLinalg.cpp - rotary_embedding to linalg --------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The two channels of each rotated pair are read as two strided slices of
// the head dim (channels i and i + R/2 for rotate-half, 2i and 2i + 1 when
// interleaved), so one parallel generic computes both rotated halves with
// plain maps; they are inserted back into the input, which keeps the
// channels past R. Position ids gather the cache rows first, in a generic of
// their own: the only indirect reads are those of the [B, S, R/2] angles.
// A [B, S, H * D] input is viewed as [B, S, H, D] throughout.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

/// cos_cache and sin_cache rows at `positions` ([B, S]): [B, S, half] each.
/// A position past the caches fails the run-time check `what` names, and
/// reads the last row meanwhile.
static std::pair<Value, Value> gatherAngles(OpBuilder &b, Location loc,
                                            Value cosCache, Value sinCache,
                                            Value positions, OpFoldResult half,
                                            StringRef what) {
  Type elementType = cast<RankedTensorType>(cosCache.getType()).getElementType();
  Value rows = tensor::DimOp::create(b, loc, cosCache, 0);
  Value sinRows = tensor::DimOp::create(b, loc, sinCache, 0);
  rows = arith::MinSIOp::create(b, loc, rows, sinRows);
  emitPositionsInRangeCheck(b, loc, positions, rows, what);
  Value lastRow = arith::SubIOp::create(
      b, loc, rows, arith::ConstantIndexOp::create(b, loc, 1));
  SmallVector<OpFoldResult> sizes = getDimSizes(b, loc, positions);
  sizes.push_back(half);
  // Separate inits, so that bufferization gives each result its own buffer.
  Value cosInit = tensor::EmptyOp::create(b, loc, sizes, elementType);
  Value sinInit = tensor::EmptyOp::create(b, loc, sizes, elementType);
  MLIRContext *context = b.getContext();
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{cosInit.getType(), sinInit.getType()},
      ValueRange{positions}, ValueRange{cosInit, sinInit},
      {dimsMap(context, 3, {0, 1}), b.getMultiDimIdentityMap(3),
       b.getMultiDimIdentityMap(3)},
      parallelIterators(3), [&](OpBuilder &nb, Location l, ValueRange args) {
        Value row = arith::IndexCastOp::create(nb, l, nb.getIndexType(), args[0]);
        row = arith::MaxSIOp::create(
            nb, l, arith::MinSIOp::create(nb, l, row, lastRow),
            arith::ConstantIndexOp::create(nb, l, 0));
        Value column = linalg::IndexOp::create(nb, l, 2);
        linalg::YieldOp::create(
            nb, l,
            ValueRange{
                tensor::ExtractOp::create(nb, l, cosCache, {row, column}),
                tensor::ExtractOp::create(nb, l, sinCache, {row, column})});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

/// A slice of the last dim of `x`: `size` channels from `offset`, `stride`
/// apart.
static Value channelSlice(OpBuilder &b, Location loc, Value x,
                          OpFoldResult offset, OpFoldResult size,
                          int64_t stride) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = getDimSizes(b, loc, x);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets.back() = offset;
  sizes.back() = size;
  strides.back() = b.getIndexAttr(stride);
  return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides);
}

/// Writes `part` back over the channels of `x` that channelSlice read.
static Value insertChannels(OpBuilder &b, Location loc, Value part, Value x,
                            OpFoldResult offset, int64_t stride) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets.back() = offset;
  strides.back() = b.getIndexAttr(stride);
  return tensor::InsertSliceOp::create(b, loc, part, x, offsets,
                                       getDimSizes(b, loc, part), strides);
}

namespace {

struct RotaryToGeneric : OpRewritePattern<RotaryEmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RotaryEmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    bool packed = type.getRank() == 3;
    if (packed) {
      OpFoldResult heads = rewriter.getIndexAttr(op.getNumHeads());
      x = splitDim(rewriter, loc, x, 2,
                   {heads, divSizes(rewriter, loc,
                                    getDimSize(rewriter, loc, x, 2), heads)});
    }
    // [B, H, S, D], or [B, S, H, D] for a packed input.
    int64_t seqDim = packed ? 1 : 2;
    OpFoldResult headSize = getDimSize(rewriter, loc, x, 3);
    OpFoldResult rotary =
        op.getRotaryEmbeddingDim() != 0
            ? OpFoldResult(rewriter.getIndexAttr(op.getRotaryEmbeddingDim()))
            : headSize;
    OpFoldResult half =
        divSizes(rewriter, loc, rotary, rewriter.getIndexAttr(2));
    int64_t cacheHalf = op.getCosCache().getType().getShape().back();
    std::optional<int64_t> staticHalf = getConstantIntValue(half);
    if (staticHalf && !ShapedType::isDynamic(cacheHalf) &&
        cacheHalf < *staticHalf)
      return rewriter.notifyMatchFailure(op, "caches hold too few angles");

    Value cos, sin;
    if (Value positions = op.getPositionIds()) {
      std::tie(cos, sin) = gatherAngles(
          rewriter, loc, op.getCosCache(), op.getSinCache(), positions, half,
          describeONNXNode(op, "RotaryEmbedding"));
    } else {
      cos = channelSlice(rewriter, loc, op.getCosCache(),
                         rewriter.getIndexAttr(0), half, 1);
      sin = channelSlice(rewriter, loc, op.getSinCache(),
                         rewriter.getIndexAttr(0), half, 1);
    }

    bool interleaved = op.getInterleaved();
    int64_t stride = interleaved ? 2 : 1;
    OpFoldResult firstOffset = rewriter.getIndexAttr(0);
    OpFoldResult secondOffset =
        interleaved ? OpFoldResult(rewriter.getIndexAttr(1)) : half;
    Value first = channelSlice(rewriter, loc, x, firstOffset, half, stride);
    Value second = channelSlice(rewriter, loc, x, secondOffset, half, stride);

    // real = cos x1 - sin x2, imag = sin x1 + cos x2.
    auto angleType = cast<RankedTensorType>(cos.getType());
    SmallVector<AffineExpr> angleExprs = {
        angleType.getDimSize(0) == 1 ? getAffineConstantExpr(0, context)
                                     : getAffineDimExpr(0, context),
        getAffineDimExpr(seqDim, context), getAffineDimExpr(3, context)};
    AffineMap angleMap = AffineMap::get(4, 0, angleExprs, context);
    AffineMap identity = rewriter.getMultiDimIdentityMap(4);
    Type elementType = type.getElementType();
    Value realInit = createEmptyLike(rewriter, loc, first, elementType);
    Value imagInit = createEmptyLike(rewriter, loc, first, elementType);
    auto rotation = linalg::GenericOp::create(
        rewriter, loc, TypeRange{realInit.getType(), imagInit.getType()},
        ValueRange{first, second, cos, sin}, ValueRange{realInit, imagInit},
        {identity, identity, angleMap, angleMap, identity, identity},
        parallelIterators(4), [](OpBuilder &b, Location l, ValueRange args) {
          Value x1 = args[0], x2 = args[1], c = args[2], s = args[3];
          Value real = arith::SubFOp::create(
              b, l, arith::MulFOp::create(b, l, c, x1),
              arith::MulFOp::create(b, l, s, x2));
          Value imag = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, s, x1),
              arith::MulFOp::create(b, l, c, x2));
          linalg::YieldOp::create(b, l, ValueRange{real, imag});
        });
    Value result = insertChannels(rewriter, loc, rotation.getResult(0), x,
                                  firstOffset, stride);
    result = insertChannels(rewriter, loc, rotation.getResult(1), result,
                            secondOffset, stride);
    if (packed)
      result = mergeDims(rewriter, loc, result, 2, 2);
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrRotaryToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RotaryToGeneric>(patterns.getContext());
}
