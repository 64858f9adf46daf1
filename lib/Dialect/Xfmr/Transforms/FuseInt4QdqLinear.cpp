//===- FuseInt4QdqLinear.cpp - Blocked 4-bit QDQ weights into layers ------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ONNX Runtime's MatMulNBitsQuantizer in QDQ format writes a 4-bit weight
// as a constant int4 or uint4 [K, N] tensor, DequantizeLinear'd (opset 21)
// in blocks of `block_size` along K with scales (and uint4 zero points)
// [ceil(K / block_size), N], then an ordinary MatMul. The importer widens
// the 4-bit constant to one value a byte and writes the blocked
// DequantizeLinear as
//
//   mul(sub(float(widen(q)), float(widen(gather(zp, k / bs)))),
//       gather(scale, k / bs))
//
// so a float layer over it is, exactly, the 4-bit layer that MatMulNBits
// imports to, with the weight in the other layout. The values are repacked
// here, at compile time, into MatMulNBits' [N, blocks, block_size / 2]
// nibbles (int4 shifted by 8 into 0..15, its zero points with it), so that
// both forms run the same kernel and read the weight at half a byte per
// value.
//
//===----------------------------------------------------------------------===//

#include "LinearFusion.h"

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"
#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cstring>

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// The integers of an 8-bit constant (signed or zero-extended), splats
/// expanded to `count`.
std::optional<SmallVector<int32_t>> readInt8Constant(Value v, bool isUnsigned,
                                                     int64_t count) {
  ElementsAttr elements;
  if (!isInt8Tensor(v) || !matchPattern(v, m_Constant(&elements)))
    return std::nullopt;
  std::optional<ArrayRef<char>> bytes = getWeightBytes(elements);
  if (!bytes ||
      (bytes->size() != 1 && static_cast<int64_t>(bytes->size()) != count))
    return std::nullopt;
  SmallVector<int32_t> values;
  for (int64_t i = 0; i < count; ++i) {
    char byte = (*bytes)[bytes->size() == 1 ? 0 : i];
    values.push_back(isUnsigned ? static_cast<uint8_t>(byte)
                                : static_cast<int8_t>(byte));
  }
  return values;
}

/// A blocked parameter: gather(table, [k / blockSize for k < K]) along
/// axis 0, with a constant table [ceil(K / blockSize), N].
struct BlockTable {
  Value table;
  int64_t blockSize;
};

std::optional<BlockTable> matchBlockGather(Value v, int64_t k, int64_t n) {
  auto gather = v.getDefiningOp<GatherOp>();
  if (!gather || gather.getAxis() != 0)
    return std::nullopt;
  DenseElementsAttr indices = getDenseConstant(gather.getIndices());
  if (!indices || !indices.getElementType().isInteger() ||
      indices.getNumElements() != k)
    return std::nullopt;
  SmallVector<int64_t> entries;
  for (APInt index : indices.getValues<APInt>())
    entries.push_back(index.getSExtValue());
  int64_t blockSize = llvm::count(entries, 0);
  if (blockSize == 0)
    return std::nullopt;
  for (int64_t i = 0; i < k; ++i)
    if (entries[i] != i / blockSize)
      return std::nullopt;
  auto tableType = cast<RankedTensorType>(gather.getInput().getType());
  int64_t blocks = (k + blockSize - 1) / blockSize;
  if (tableType.getRank() != 2 || tableType.getDimSize(0) != blocks ||
      tableType.getDimSize(1) != n ||
      !matchPattern(gather.getInput(), m_Constant()))
    return std::nullopt;
  return BlockTable{gather.getInput(), blockSize};
}

/// The 4-bit weight of a float layer, in MatMulNBits' layout: nibbles
/// [N, blocks, blockSize / 2], scales and zero points [N, blocks].
struct Int4Weight {
  int64_t blockSize, blocks;
  SmallVector<uint8_t> packed;
  SmallVector<float> scales, zeroPoints;
  /// The constants the new ones are stored like.
  ElementsAttr weightSource, scaleSource;
};

FailureOr<Int4Weight> matchInt4Weight(LinearOp op, FusionMiss &miss) {
  if (op.isQuantized())
    return failure();
  std::optional<Dequantized> dq = matchDequantized(op.getWeight());
  if (!dq)
    return failure();
  auto weightType = cast<RankedTensorType>(op.getWeight().getType());
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  if (!inputType.getElementType().isF32() || !weightType.hasStaticShape())
    return failure();
  // A scale per tensor or per feature is the 8-bit form's (FuseQdqLinear).
  if (!dq->scale.getDefiningOp<GatherOp>())
    return failure();
  if (op.getTransposeWeight())
    return miss.fail("a 4-bit weight dequantized in blocks is transposed",
                     op.getWeight().getDefiningOp());
  int64_t k = weightType.getDimSize(0), n = weightType.getDimSize(1);
  std::optional<BlockTable> scale = matchBlockGather(dq->scale, k, n);
  if (!scale || scale->blockSize % 2)
    return miss.fail("the weight's scale is not a constant in blocks of an "
                     "even size along K",
                     dq->scale.getDefiningOp());
  int64_t blockSize = scale->blockSize;
  int64_t blocks = llvm::divideCeil(k, blockSize);
  ElementsAttr scaleSource;
  (void)matchPattern(scale->table, m_Constant(&scaleSource));
  std::optional<SmallVector<float>> scaleValues = readF32Weight(scaleSource);
  if (!scaleValues)
    return miss.fail("the weight's scales are not readable f32 constants",
                     scale->table.getDefiningOp());
  bool isUnsigned = dq->q.isUnsigned;
  std::optional<SmallVector<int32_t>> q =
      readInt8Constant(dq->q.narrow, isUnsigned, k * n);
  if (!q)
    return miss.fail("the dequantized weight is not a constant",
                     dq->q.narrow.getDefiningOp());
  SmallVector<int32_t> zp(blocks * n, 0);
  if (dq->zeroPoint) {
    std::optional<Widened> widened = matchWidenedToFloat(dq->zeroPoint);
    std::optional<BlockTable> table =
        widened ? matchBlockGather(widened->narrow, k, n) : std::nullopt;
    std::optional<SmallVector<int32_t>> values =
        table && table->blockSize == blockSize
            ? readInt8Constant(table->table, widened->isUnsigned, blocks * n)
            : std::nullopt;
    if (!values)
      return miss.fail("the weight's zero points are not constants in the "
                       "scales' blocks",
                       dq->zeroPoint.getDefiningOp());
    zp = *values;
  }
  // int4 values and zero points move by 8 into the unsigned nibbles'
  // range; their differences, the dequantized values, stay.
  bool signedNibbles = llvm::any_of(*q, [](int32_t v) { return v < 0; }) ||
                       llvm::any_of(zp, [](int32_t v) { return v < 0; });
  int32_t shift = signedNibbles ? 8 : 0;
  auto fits = [&](int32_t v) { return v + shift >= 0 && v + shift <= 15; };
  if (!llvm::all_of(*q, fits) || !llvm::all_of(zp, fits))
    return miss.fail("the dequantized weight or its zero points are not "
                     "4-bit values",
                     dq->q.narrow.getDefiningOp());
  Int4Weight result{blockSize, blocks, {}, {}, {}, {}, scaleSource};
  (void)matchPattern(dq->q.narrow, m_Constant(&result.weightSource));
  int64_t half = blockSize / 2;
  result.packed.assign(n * blocks * half, 0);
  result.scales.resize(n * blocks);
  result.zeroPoints.resize(n * blocks);
  for (int64_t col = 0; col < n; ++col) {
    for (int64_t b = 0; b < blocks; ++b) {
      result.scales[col * blocks + b] = (*scaleValues)[b * n + col];
      result.zeroPoints[col * blocks + b] =
          static_cast<float>(zp[b * n + col] + shift);
      // Values past K meet the input's zero padding; they are the zero
      // point, which dequantizes to 0, as well.
      for (int64_t i = 0; i < blockSize; ++i) {
        int64_t row = b * blockSize + i;
        int32_t nibble =
            (row < k ? (*q)[row * n + col] : zp[b * n + col]) + shift;
        result.packed[(col * blocks + b) * half + i / 2] |=
            static_cast<uint8_t>(nibble << (i % 2 ? 4 : 0));
      }
    }
  }
  return result;
}

template <typename T>
Value makeConstant(PatternRewriter &rewriter, Location loc, ElementsAttr source,
                   RankedTensorType type, ArrayRef<T> values,
                   StringRef suffix) {
  WeightWriter writer(source, values.size() * sizeof(T));
  std::memcpy(writer.getData().data(), values.data(),
              values.size() * sizeof(T));
  return ConstantOp::create(rewriter, loc, type, writer.finish(type, suffix));
}

struct BlockDequantizedLinearToInt4 : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    FusionMiss miss;
    FailureOr<Int4Weight> weight = matchInt4Weight(op, miss);
    if (failed(weight))
      return rewriter.notifyMatchFailure(op, miss.reason);
    Location loc = op.getLoc();
    int64_t n = cast<RankedTensorType>(op.getWeight().getType()).getDimSize(1);
    auto packedType = RankedTensorType::get(
        {n, weight->blocks, weight->blockSize / 2}, rewriter.getI8Type());
    auto paramType =
        RankedTensorType::get({n, weight->blocks}, rewriter.getF32Type());
    Value packed = makeConstant(rewriter, loc, weight->weightSource, packedType,
                                ArrayRef<uint8_t>(weight->packed), "int4");
    Value scales = makeConstant(rewriter, loc, weight->scaleSource, paramType,
                                ArrayRef<float>(weight->scales), "scales");
    Value zeroPoints =
        makeConstant(rewriter, loc, weight->scaleSource, paramType,
                     ArrayRef<float>(weight->zeroPoints), "zero_points");
    auto layer =
        LinearOp::create(rewriter, loc, op.getType(), op.getInput(), packed,
                         op.getBias(), Value(), Value(), scales, zeroPoints,
                         /*transpose_weight=*/true, op.getActivation(), false,
                         false, rewriter.getI64IntegerAttr(weight->blockSize));
    rewriter.replaceOp(op, layer.getResult());
    return success();
  }
};

} // namespace

void mlir::xfmr::populateFuseInt4QdqLinearPatterns(
    RewritePatternSet &patterns) {
  patterns.add<BlockDequantizedLinearToInt4>(patterns.getContext());
}

bool mlir::xfmr::noteMissedInt4QdqLayer(LinearOp op) {
  std::optional<Dequantized> dq = matchDequantized(op.getWeight());
  if (op.isQuantized() || !dq || !dq->scale.getDefiningOp<GatherOp>())
    return false;
  FusionMiss miss;
  if (failed(matchInt4Weight(op, miss)) && !miss.reason.empty())
    // The float layer itself is counted as fused: the miss is its 4-bit form.
    miss.note(op, "quantized_linear");
  return true;
}
