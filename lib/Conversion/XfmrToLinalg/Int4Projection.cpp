//===- Int4Projection.cpp - 4-bit weights of a linear layer to linalg -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The product of an xfmr.linear with a 4-bit weight in blocks as one
// contraction generic over [rows..., n, block, i] that reads the packed
// weight bytes [n, block, i] and dequantizes both nibbles of each in its
// body: the weight is read at half a byte per value (an eighth of its f32
// bytes), which is what bounds a decode step. The input is split once into
// its even and odd columns ([rows..., block, i] each, contiguous), the
// values that the low and high nibbles multiply, so every operand of the
// contraction is read along i with unit stride and the CPU tiling puts the
// vector lanes on i. The layer's bias and activation follow in the same
// epilogue as every linear layer's (LinearMlpToLinalg.cpp).
//
//===----------------------------------------------------------------------===//

#include "Int4Projection.h"
#include "LoweringUtils.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::xfmr;

/// `x` ([rows..., K]) zero-padded to `blocks * blockSize` columns, as its
/// even and odd columns, each [rows..., blocks, blockSize / 2] and
/// contiguous.
static std::pair<Value, Value> splitColumns(OpBuilder &b, Location loc, Value x,
                                            int64_t blocks, int64_t blockSize) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank(), k = type.getShape().back();
  Type f32 = type.getElementType();
  int64_t padded = blocks * blockSize;
  if (ShapedType::isDynamic(k) || k < padded) {
    // A K known only at run time is at most the blocks' (the importer's K
    // attribute); padded, it is theirs.
    SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)), high = low;
    AffineExpr size = getAffineDimExpr(0, b.getContext());
    high.back() = affine::makeComposedFoldedAffineApply(
        b, loc, padded - size, {getDimSize(b, loc, x, rank - 1)});
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
    x = tensor::PadOp::create(b, loc, Type(), x, low, high, zero);
    SmallVector<int64_t> shape(type.getShape());
    shape.back() = padded;
    x = tensor::CastOp::create(b, loc, type.clone(shape), x);
  }
  // [rows..., blocks, half, 2], then [2, rows..., blocks, half].
  int64_t half = blockSize / 2;
  x = splitDim(
      b, loc, x, rank - 1,
      {b.getIndexAttr(blocks), b.getIndexAttr(half), b.getIndexAttr(2)});
  SmallVector<OpFoldResult> sizes = getDimSizes(b, loc, x);
  SmallVector<OpFoldResult> outSizes = {sizes.back()};
  outSizes.append(sizes.begin(), sizes.end() - 1);
  Value init = tensor::EmptyOp::create(b, loc, outSizes, f32);
  SmallVector<int64_t> permutation = {rank + 1};
  for (int64_t d = 0; d <= rank; ++d)
    permutation.push_back(d);
  Value split =
      linalg::TransposeOp::create(b, loc, x, init, permutation).getResult()[0];
  // The two halves as slices of the leading dim: contiguous.
  SmallVector<int64_t> kept;
  for (int64_t d = 1; d <= rank + 1; ++d)
    kept.push_back(d);
  SmallVector<OpFoldResult> offsets(rank + 2, b.getIndexAttr(0));
  outSizes.front() = b.getIndexAttr(1);
  Value even = extractTile(b, loc, split, offsets, outSizes, kept);
  offsets.front() = b.getIndexAttr(1);
  Value odd = extractTile(b, loc, split, offsets, outSizes, kept);
  return {even, odd};
}

Value mlir::xfmr::buildInt4Projection(OpBuilder &b, Location loc, Value x,
                                      Value weight, Value scales,
                                      Value zeroPoints, int64_t blockSize) {
  auto weightType = cast<RankedTensorType>(weight.getType());
  int64_t blocks = weightType.getDimSize(1);
  assert(!ShapedType::isDynamic(blocks) && "checked by canLowerInt4Projection");
  int64_t rows = cast<RankedTensorType>(x.getType()).getRank() - 1;
  auto [even, odd] = splitColumns(b, loc, x, blocks, blockSize);
  // Loop dims: rows..., n, block, i.
  int64_t n = rows, block = rows + 1, i = rows + 2, numLoops = rows + 3;
  SmallVector<int64_t> xDims, outDims;
  SmallVector<OpFoldResult> sizes;
  appendRowLoops(b, loc, x, rows, xDims, outDims, sizes);
  xDims.append({block, i});
  outDims.push_back(n);
  sizes.push_back(getDimSize(b, loc, weight, 0));
  MLIRContext *context = b.getContext();
  bool scalarZeroPoint =
      cast<RankedTensorType>(zeroPoints.getType()).getRank() == 0;
  SmallVector<AffineMap> maps = {dimsMap(context, numLoops, xDims),
                                 dimsMap(context, numLoops, xDims),
                                 dimsMap(context, numLoops, {n, block, i}),
                                 dimsMap(context, numLoops, {n, block}),
                                 scalarZeroPoint
                                     ? dimsMap(context, numLoops, {})
                                     : dimsMap(context, numLoops, {n, block}),
                                 dimsMap(context, numLoops, outDims)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(numLoops);
  iterators[block] = iterators[i] = utils::IteratorType::reduction;
  Type f32 = b.getF32Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
  return buildGeneric(
      b, loc, ValueRange{even, odd, weight, scales, zeroPoints},
      createFilled(b, loc, sizes, zero), maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Type i8 = args[2].getType();
        Value mask =
            arith::ConstantOp::create(nb, l, nb.getIntegerAttr(i8, 15));
        Value four = arith::ConstantOp::create(nb, l, nb.getIntegerAttr(i8, 4));
        auto dequantize = [&](Value nibble) -> Value {
          Value q = arith::UIToFPOp::create(nb, l, f32, nibble);
          Value centered = arith::SubFOp::create(nb, l, q, args[4]);
          return arith::MulFOp::create(nb, l, centered, args[3]);
        };
        Value low = dequantize(arith::AndIOp::create(nb, l, args[2], mask));
        Value high = dequantize(arith::ShRUIOp::create(nb, l, args[2], four));
        Value sum = arith::AddFOp::create(
            nb, l, arith::MulFOp::create(nb, l, args[0], low),
            arith::MulFOp::create(nb, l, args[1], high));
        // One combiner per step, so the lanes can keep partial sums.
        return arith::AddFOp::create(nb, l, args[5], sum);
      });
}

bool mlir::xfmr::canLowerInt4Projection(Value weight) {
  return !cast<RankedTensorType>(weight.getType()).isDynamicDim(1);
}
