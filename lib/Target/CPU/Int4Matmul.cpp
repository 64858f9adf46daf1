//===- Int4Matmul.cpp - 4-bit weight-only matmuls as register blocks ------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The contraction of a 4-bit xfmr.linear (packed nibbles [N, blocks, half],
// a scale and a zero point per block, the input split into its even and
// odd columns) as register blocks of rows x columns that dequantize whole
// vectors of nibbles.
//
// Why this shape:
// - A decode step (one row) reads each weight byte once: its time is the
//   weight's bytes over the memory's bandwidth if the dequantization keeps
//   up. Tiled generically, the contraction's body runs per vector of bytes
//   with the input's two vectors loaded again for every column and the
//   zero point subtracted and the scale multiplied separately; here the
//   raw nibbles' dot product with the input is scaled once per block, into
//   several accumulators (one would chain every FMA of a column), and the
//   zero points are taken out of the loop (sum_b s_b * zp_b * X_b, X_b
//   the input's sum over block b).
// - Several rows (a prefill) share each dequantized vector (a column's
//   scale and offset -zp * s broadcast once per block, each nibble vector
//   dequantized by one FMA): `register-rows` rows by `register-cols`
//   columns of accumulators, rows innermost in the forall so that the
//   columns' bytes stay in L1 while row blocks stream.
// - The MatMulNBits layout keeps a column's bytes contiguous along K, so a
//   block of columns reads a few sequential streams, which the hardware
//   prefetchers follow: the weight is not repacked.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Target/CPU/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/Debug.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRCPUINT4MATMULPASS
#include "xfmr/Target/CPU/Passes.h.inc"
} // namespace mlir::xfmr

#define DEBUG_TYPE "xfmr-cpu-int4-matmul"

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// The contraction of a 4-bit layer, rows... flattened later.
struct NBitsMatmul {
  linalg::GenericOp op;
  int64_t rowDims;
  int64_t n, blocks, half;
  bool scalarZeroPoint;
};

/// The ops of the body that MatMulNBitsToLinalg builds, constants aside.
bool hasDequantizingBody(linalg::GenericOp op) {
  static constexpr StringLiteral expected[] = {
      "arith.andi",  "arith.uitofp", "arith.subf", "arith.mulf",
      "arith.shrui", "arith.uitofp", "arith.subf", "arith.mulf",
      "arith.mulf",  "arith.mulf",   "arith.addf", "arith.addf",
      "linalg.yield"};
  Block &body = op.getRegion().front();
  size_t position = 0;
  for (Operation &inner : body) {
    if (isa<arith::ConstantOp>(inner))
      continue;
    if (position == std::size(expected) ||
        inner.getName().getStringRef() != expected[position++])
      return false;
  }
  if (position != std::size(expected))
    return false;
  // Both nibbles come from the byte operand.
  Value byte = body.getArgument(2);
  for (Operation &inner : body)
    if (isa<arith::AndIOp, arith::ShRUIOp>(inner) &&
        inner.getOperand(0) != byte)
      return false;
  return true;
}

std::optional<NBitsMatmul> matchNBitsMatmul(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 5 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  auto outType = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  auto weightType = dyn_cast<RankedTensorType>(op.getDpsInputs()[2].getType());
  if (!outType || !weightType || !outType.getElementType().isF32() ||
      outType.getRank() < 2 || weightType.getRank() != 3 ||
      !weightType.getElementType().isInteger(8) || !weightType.hasStaticShape())
    return std::nullopt;
  int64_t rows = outType.getRank() - 1;
  int64_t n = rows, block = rows + 1, i = rows + 2;
  if (op.getNumLoops() != static_cast<unsigned>(rows + 3))
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (int64_t d = 0; d < rows + 3; ++d)
    if ((d >= block) != (iterators[d] == utils::IteratorType::reduction))
      return std::nullopt;
  MLIRContext *context = op.getContext();
  auto dims = [&](ArrayRef<int64_t> positions) {
    SmallVector<AffineExpr> exprs;
    for (int64_t position : positions)
      exprs.push_back(getAffineDimExpr(position, context));
    return AffineMap::get(rows + 3, 0, exprs, context);
  };
  SmallVector<int64_t> xDims, outDims;
  for (int64_t d = 0; d < rows; ++d) {
    xDims.push_back(d);
    outDims.push_back(d);
  }
  xDims.append({block, i});
  outDims.push_back(n);
  auto zpType = cast<RankedTensorType>(op.getDpsInputs()[4].getType());
  bool scalarZeroPoint = zpType.getRank() == 0;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != dims(xDims) || maps[1] != dims(xDims) ||
      maps[2] != dims({n, block, i}) || maps[3] != dims({n, block}) ||
      maps[4] != (scalarZeroPoint ? dims({}) : dims({n, block})) ||
      maps[5] != dims(outDims))
    return std::nullopt;
  for (unsigned input : {0u, 1u, 3u, 4u})
    if (!cast<ShapedType>(op.getDpsInputs()[input].getType())
             .getElementType()
             .isF32())
      return std::nullopt;
  // Rows are flattened into one dim and expanded back, which needs at most
  // one of them dynamic; other forms stay generic contractions.
  if (llvm::count_if(outType.getShape().drop_back(), ShapedType::isDynamic) > 1)
    return std::nullopt;
  if (!hasDequantizingBody(op))
    return std::nullopt;
  return NBitsMatmul{op,
                     rows,
                     weightType.getDimSize(0),
                     weightType.getDimSize(1),
                     weightType.getDimSize(2),
                     scalarZeroPoint};
}

//===----------------------------------------------------------------------===//
// The register blocks
//===----------------------------------------------------------------------===//

/// Builds the blocks of one match over operands flattened to one row dim:
/// even and odd [R, blocks, half], the weight [N, blocks, half], scales
/// and zero points [N, blocks] (or a scalar zero point), the init [R, N].
class BlockBuilder {
public:
  BlockBuilder(OpBuilder &b, Location loc, NBitsMatmul match, int64_t lanes)
      : b(b), loc(loc), match(match),
        lanes(std::min<int64_t>(lanes, match.half)) {}

  Value even, odd, weight, scales, zeroPoints;
  /// -zero_point * scale per [n, block] when both are constants, computed
  /// at compile time (two scalar ops less per column and block).
  Value offsets;
  /// For one row: the input's sum over each block [R, blocks], and the
  /// zero points as bytes [N, blocks] when they are constant whole numbers
  /// 0..255 (null otherwise).
  Value inputSums, byteZeroPoints;

  /// `rowBlocks` blocks of `rows` rows from row `rowStart`, by
  /// `colBlocks` blocks of `cols` columns from column `colStart`, written
  /// into `dest` [R, N].
  Value buildBlocks(int64_t rows, Value rowStart, Value rowBlocks, int64_t cols,
                    int64_t colStart, int64_t colBlocks, Value dest) {
    SmallVector<OpFoldResult> bounds = {b.getIndexAttr(colBlocks),
                                        getAsOpFoldResult(rowBlocks)};
    auto forall = scf::ForallOp::create(b, loc, bounds, ValueRange{dest},
                                        /*mapping=*/std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value colBlock = forall.getInductionVars()[0];
    Value rowBlock = forall.getInductionVars()[1];
    Value firstRow = arith::AddIOp::create(
        b, loc, rowStart, arith::MulIOp::create(b, loc, rowBlock, index(rows)));
    Value firstCol = arith::AddIOp::create(
        b, loc, index(colStart),
        arith::MulIOp::create(b, loc, colBlock, index(cols)));
    SmallVector<Value> rowIndex, colIndex;
    for (int64_t r = 0; r < rows; ++r)
      rowIndex.push_back(arith::AddIOp::create(b, loc, firstRow, index(r)));
    for (int64_t c = 0; c < cols; ++c)
      colIndex.push_back(arith::AddIOp::create(b, loc, firstCol, index(c)));

    SmallVector<Value> sums = inputSums && rows == 1
                                  ? decodeSums(rowIndex.front(), colIndex)
                                  : blockSums(rowIndex, colIndex);

    // The tile [rows, cols] of the output: init plus the lanes' sums.
    Type f32 = b.getF32Type();
    Value out = forall.getRegionIterArgs()[0];
    SmallVector<OpFoldResult> offsets = {firstRow, firstCol};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(rows),
                                       b.getIndexAttr(cols)};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    auto tileType = RankedTensorType::get({rows, cols}, f32);
    Value tile = tensor::ExtractSliceOp::create(b, loc, tileType, out, offsets,
                                                sizes, strides);
    auto rowType = VectorType::get({cols}, f32);
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    for (int64_t r = 0; r < rows; ++r) {
      Value indices[] = {index(r), index(0)};
      Value init = vector::TransferReadOp::create(
          b, loc, rowType, tile, indices, zero, ArrayRef<bool>{true});
      Value row = arith::AddFOp::create(
          b, loc, init,
          vector::FromElementsOp::create(b, loc, rowType,
                                         ArrayRef(sums).slice(r * cols, cols)));
      tile = vector::TransferWriteOp::create(b, loc, row, tile, indices,
                                             ArrayRef<bool>{true})
                 .getResult();
    }
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, tile, out, offsets, sizes,
                                          strides);
    return forall.getResult(0);
  }

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  /// The lanes of `vector` added in any order (a tree of shuffles rather
  /// than a chain of scalar adds).
  Value sumLanes(Value vector) {
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                       vector, arith::FastMathFlags::reassoc);
  }

  Value splat(VectorType type, TypedAttr value) {
    return arith::ConstantOp::create(b, loc, type,
                                     DenseElementsAttr::get(type, value));
  }

  /// A vector of `lanes` values of `source` [.., block, i] at `chunk`.
  Value readLanes(Value source, Value first, Value block, int64_t chunk) {
    auto element = cast<ShapedType>(source.getType()).getElementType();
    Value indices[] = {first, block, index(chunk)};
    Value padding = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
    return vector::TransferReadOp::create(
        b, loc, VectorType::get({lanes}, element), source, indices, padding,
        ArrayRef<bool>{true});
  }

  /// The low and high nibbles of `lanes` bytes of column `col` from
  /// `chunk` in block `block`, converted to f32: the bytes widened
  /// (`vpmovzxbd`), masked and shifted over the whole vector. Nibbles are
  /// 0..15: a signed conversion is exact and one instruction on AVX2 too
  /// (`vcvtdq2ps`).
  std::pair<Value, Value> nibbles(Value col, Value block, int64_t chunk) {
    auto floatType = VectorType::get({lanes}, b.getF32Type());
    auto wordType = VectorType::get({lanes}, b.getI32Type());
    Value words = arith::ExtUIOp::create(b, loc, wordType,
                                         readLanes(weight, col, block, chunk));
    Value low = arith::AndIOp::create(b, loc, words,
                                      splat(wordType, b.getI32IntegerAttr(15)));
    Value high = arith::ShRUIOp::create(
        b, loc, words, splat(wordType, b.getI32IntegerAttr(4)));
    return {arith::SIToFPOp::create(b, loc, floatType, low),
            arith::SIToFPOp::create(b, loc, floatType, high)};
  }

  /// The sums of a block of rows x columns, row-major: the weight's blocks
  /// dequantized once and used by every row.
  SmallVector<Value> blockSums(ArrayRef<Value> rowIndex,
                               ArrayRef<Value> colIndex) {
    auto accType = VectorType::get({lanes}, b.getF32Type());
    SmallVector<Value> accs(rowIndex.size() * colIndex.size(),
                            splat(accType, b.getF32FloatAttr(0)));
    Value scalarZeroPoint;
    if (match.scalarZeroPoint)
      scalarZeroPoint = tensor::ExtractOp::create(b, loc, zeroPoints);
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(match.blocks), index(1), accs,
        [&](OpBuilder &nested, Location nestedLoc, Value blockIndex,
            ValueRange carried) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToEnd(nested.getInsertionBlock());
          scf::YieldOp::create(
              b, nestedLoc,
              step(blockIndex, rowIndex, colIndex, scalarZeroPoint, carried));
        });
    SmallVector<Value> sums;
    for (Value acc : loop.getResults())
      sums.push_back(sumLanes(acc));
    return sums;
  }

  /// The sums of one row by a block of columns, the zero points taken out
  /// of the loop: sum_b s_b * (sum_i x_i * q_i) - sum_b s_b * zp_b * X_b,
  /// X_b the sum of the input over block b. Per vector of 2 * lanes values
  /// that is a widening, a mask, a shift, two conversions and three FMAs
  /// (against five and a broadcast with the zero point inside), and the
  /// zero points are read in a second short loop, as bytes when they are
  /// constants. Two blocks per step, each into its own accumulator: one
  /// accumulator would chain the FMAs of all blocks (4 cycles each). Four
  /// were slower from DRAM (LLaMA-100M's decode step on one Zen 4 thread
  /// 15.5 ms against 14.4: LLVM unrolls a column's loop of 24 blocks whole
  /// and spills) and no faster from L3.
  SmallVector<Value> decodeSums(Value row, ArrayRef<Value> colIndex) {
    int64_t cols = colIndex.size();
    int64_t unroll = match.blocks % 2 == 0 ? 2 : 1;
    auto floatType = VectorType::get({lanes}, b.getF32Type());
    SmallVector<Value> accs(cols * unroll,
                            splat(floatType, b.getF32FloatAttr(0)));
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(match.blocks), index(unroll), accs,
        [&](OpBuilder &nested, Location nestedLoc, Value first,
            ValueRange carried) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToEnd(nested.getInsertionBlock());
          SmallVector<Value> next(carried);
          for (int64_t u = 0; u < unroll; ++u) {
            Value block = arith::AddIOp::create(b, loc, first, index(u));
            for (int64_t c = 0; c < cols; ++c) {
              // x . q over the block, then scaled once.
              Value dot;
              for (int64_t chunk = 0; chunk < match.half; chunk += lanes) {
                auto [low, high] = nibbles(colIndex[c], block, chunk);
                Value xEven = readLanes(even, row, block, chunk);
                Value xOdd = readLanes(odd, row, block, chunk);
                Value evens =
                    dot ? math::FmaOp::create(b, loc, xEven, low, dot)
                              .getResult()
                        : arith::MulFOp::create(b, loc, xEven, low).getResult();
                dot = math::FmaOp::create(b, loc, xOdd, high, evens);
              }
              Value s = tensor::ExtractOp::create(
                  b, loc, scales, ValueRange{colIndex[c], block});
              Value scale = vector::BroadcastOp::create(b, loc, floatType, s);
              Value &acc = next[c * unroll + u];
              acc = math::FmaOp::create(b, loc, dot, scale, acc);
            }
          }
          scf::YieldOp::create(b, nestedLoc, next);
        });

    SmallVector<Value> sums;
    for (int64_t c = 0; c < cols; ++c) {
      Value total;
      for (int64_t u = 0; u < unroll; ++u) {
        Value acc = loop.getResult(c * unroll + u);
        total =
            total ? arith::AddFOp::create(b, loc, total, acc).getResult() : acc;
      }
      Value centered = zeroPointSum(row, colIndex[c]);
      sums.push_back(arith::SubFOp::create(b, loc, sumLanes(total), centered));
    }
    return sums;
  }

  /// sum_b s_b * zp_b * X_b of column `col`, over vectors of the widest
  /// power of two (at most `lanes`) that divides the blocks.
  Value zeroPointSum(Value row, Value col) {
    int64_t width = 1;
    while (width * 2 <= lanes && match.blocks % (width * 2) == 0)
      width *= 2;
    Type f32 = b.getF32Type();
    auto floatType = VectorType::get({width}, f32);
    Value zeroF32 = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    Value zeroAcc = splat(floatType, b.getF32FloatAttr(0));
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(match.blocks), index(width),
        ValueRange{zeroAcc},
        [&](OpBuilder &nested, Location nestedLoc, Value block,
            ValueRange carried) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToEnd(nested.getInsertionBlock());
          Value at[] = {col, block};
          Value s = vector::TransferReadOp::create(
              b, loc, floatType, scales, at, zeroF32, ArrayRef<bool>{true});
          Value sums = vector::TransferReadOp::create(
              b, loc, floatType, inputSums, ValueRange{row, block}, zeroF32,
              ArrayRef<bool>{true});
          Value weighted = arith::MulFOp::create(b, loc, s, sums);
          if (!match.scalarZeroPoint) {
            Value zp;
            if (byteZeroPoints) {
              auto byteType = VectorType::get({width}, b.getI8Type());
              Value zeroI8 =
                  arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
              Value bytes = vector::TransferReadOp::create(
                  b, loc, byteType, byteZeroPoints, at, zeroI8,
                  ArrayRef<bool>{true});
              zp = arith::UIToFPOp::create(b, loc, floatType, bytes);
            } else {
              zp = vector::TransferReadOp::create(b, loc, floatType, zeroPoints,
                                                  at, zeroF32,
                                                  ArrayRef<bool>{true});
            }
            weighted = arith::MulFOp::create(b, loc, weighted, zp);
          }
          Value acc = arith::AddFOp::create(b, loc, carried.front(), weighted);
          scf::YieldOp::create(b, nestedLoc, acc);
        });
    Value sum = sumLanes(loop.getResult(0));
    if (match.scalarZeroPoint)
      sum = arith::MulFOp::create(
          b, loc, sum, tensor::ExtractOp::create(b, loc, zeroPoints));
    return sum;
  }

  /// One block of the weight: per column its scale and offset, then per
  /// vector of bytes the two dequantized nibble vectors, used by each row.
  SmallVector<Value> step(Value blockIndex, ArrayRef<Value> rowIndex,
                          ArrayRef<Value> colIndex, Value scalarZeroPoint,
                          ValueRange carried) {
    int64_t rows = rowIndex.size(), cols = colIndex.size();
    auto floatType = VectorType::get({lanes}, b.getF32Type());

    SmallVector<Value> scale, offset;
    for (Value col : colIndex) {
      Value s = tensor::ExtractOp::create(b, loc, scales,
                                          ValueRange{col, blockIndex});
      scale.push_back(vector::BroadcastOp::create(b, loc, floatType, s));
      if (offsets) {
        Value off = tensor::ExtractOp::create(b, loc, offsets,
                                              ValueRange{col, blockIndex});
        offset.push_back(vector::BroadcastOp::create(b, loc, floatType, off));
        continue;
      }
      Value zp = scalarZeroPoint
                     ? scalarZeroPoint
                     : tensor::ExtractOp::create(b, loc, zeroPoints,
                                                 ValueRange{col, blockIndex})
                           .getResult();
      Value negated =
          arith::NegFOp::create(b, loc, arith::MulFOp::create(b, loc, zp, s));
      offset.push_back(vector::BroadcastOp::create(b, loc, floatType, negated));
    }

    SmallVector<Value> accs(carried);
    for (int64_t chunk = 0; chunk < match.half; chunk += lanes) {
      SmallVector<Value> evens, odds;
      for (Value row : rowIndex) {
        evens.push_back(readLanes(even, row, blockIndex, chunk));
        odds.push_back(readLanes(odd, row, blockIndex, chunk));
      }
      for (int64_t c = 0; c < cols; ++c) {
        auto [q0, q1] = nibbles(colIndex[c], blockIndex, chunk);
        Value low = math::FmaOp::create(b, loc, q0, scale[c], offset[c]);
        Value high = math::FmaOp::create(b, loc, q1, scale[c], offset[c]);
        for (int64_t r = 0; r < rows; ++r) {
          Value &acc = accs[r * cols + c];
          acc = math::FmaOp::create(b, loc, evens[r], low, acc);
          acc = math::FmaOp::create(b, loc, odds[r], high, acc);
        }
      }
    }
    return accs;
  }

  OpBuilder &b;
  Location loc;
  NBitsMatmul match;
  int64_t lanes;
};

/// -zero_point * scale of each block as a constant [N, blocks], when the
/// scales and zero points are constants (the zero points [N, blocks] or
/// 0-D); null otherwise.
Value foldOffsets(OpBuilder &b, Location loc, Value scales, Value zeroPoints) {
  auto scaleConstant = scales.getDefiningOp<arith::ConstantOp>();
  auto zpConstant = zeroPoints.getDefiningOp<arith::ConstantOp>();
  if (!scaleConstant || !zpConstant)
    return {};
  auto scaleElements = dyn_cast<ElementsAttr>(scaleConstant.getValue());
  auto zpElements = dyn_cast<ElementsAttr>(zpConstant.getValue());
  if (!scaleElements || !zpElements)
    return {};
  std::optional<SmallVector<float>> s = xfmr::readF32Weight(scaleElements);
  std::optional<SmallVector<float>> zp = xfmr::readF32Weight(zpElements);
  if (!s || !zp || (zp->size() != 1 && zp->size() != s->size()))
    return {};
  xfmr::WeightWriter writer(scaleElements, s->size() * sizeof(float));
  auto *data = reinterpret_cast<float *>(writer.getData().data());
  for (size_t i = 0; i < s->size(); ++i)
    data[i] = -((*zp)[zp->size() == 1 ? 0 : i] * (*s)[i]);
  auto type = cast<ShapedType>(scales.getType());
  ElementsAttr folded = writer.finish(type, "offsets");
  return arith::ConstantOp::create(b, loc, type, cast<TypedAttr>(folded));
}

/// The zero points [N, blocks] as bytes when they are a constant of whole
/// numbers 0..255 (what 4-bit quantizers write): a quarter of the f32
/// bytes that a decode step reads. Null otherwise.
Value foldByteZeroPoints(OpBuilder &b, Location loc, Value zeroPoints) {
  auto constant = zeroPoints.getDefiningOp<arith::ConstantOp>();
  auto type = cast<RankedTensorType>(zeroPoints.getType());
  if (!constant || type.getRank() != 2)
    return {};
  auto elements = dyn_cast<ElementsAttr>(constant.getValue());
  std::optional<SmallVector<float>> zp =
      elements ? xfmr::readF32Weight(elements) : std::nullopt;
  if (!zp || llvm::any_of(*zp, [](float v) {
        return v < 0 || v > 255 || v != static_cast<float>(static_cast<int>(v));
      }))
    return {};
  xfmr::WeightWriter writer(elements, zp->size());
  MutableArrayRef<char> data = writer.getData();
  for (size_t i = 0; i < zp->size(); ++i)
    data[i] = static_cast<char>(static_cast<uint8_t>((*zp)[i]));
  auto byteType = type.clone(b.getI8Type());
  ElementsAttr folded = writer.finish(byteType, "zero_point_bytes");
  return arith::ConstantOp::create(b, loc, byteType, cast<TypedAttr>(folded));
}

/// The sum of the input over each block, [R, blocks], from its even and
/// odd columns [R, blocks, half].
Value sumBlocks(OpBuilder &b, Location loc, Value even, Value odd) {
  auto type = cast<RankedTensorType>(even.getType());
  Type f32 = b.getF32Type();
  SmallVector<OpFoldResult> sizes = {
      getAsOpFoldResult(b.createOrFold<tensor::DimOp>(loc, even, 0)),
      b.getIndexAttr(type.getDimSize(1))};
  Value init = tensor::EmptyOp::create(b, loc, sizes, f32);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  Value filled = linalg::FillOp::create(b, loc, zero, init).getResult(0);
  MLIRContext *context = b.getContext();
  AffineMap all = AffineMap::getMultiDimIdentityMap(3, context);
  AffineMap kept = AffineMap::get(
      3, 0, {getAffineDimExpr(0, context), getAffineDimExpr(1, context)},
      context);
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                utils::IteratorType::parallel,
                                                utils::IteratorType::reduction};
  auto generic = linalg::GenericOp::create(
      b, loc, filled.getType(), ValueRange{even, odd}, ValueRange{filled},
      ArrayRef<AffineMap>{all, all, kept}, iterators,
      [](OpBuilder &nb, Location l, ValueRange args) {
        Value pair = arith::AddFOp::create(nb, l, args[0], args[1]);
        linalg::YieldOp::create(
            nb, l, ValueRange{arith::AddFOp::create(nb, l, args[2], pair)});
      });
  return generic.getResult(0);
}

/// `value` with its leading `count` dims collapsed into one.
Value collapseLeading(OpBuilder &b, Location loc, Value value, int64_t count) {
  auto type = cast<RankedTensorType>(value.getType());
  if (count == 1)
    return value;
  SmallVector<ReassociationIndices> groups(1);
  for (int64_t d = 0; d < count; ++d)
    groups.front().push_back(d);
  for (int64_t d = count; d < type.getRank(); ++d)
    groups.push_back({d});
  return tensor::CollapseShapeOp::create(b, loc, value, groups);
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct XfmrCPUInt4MatmulPass
    : xfmr::impl::XfmrCPUInt4MatmulPassBase<XfmrCPUInt4MatmulPass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorBits < 128 || decodeCols < 1 || registerRows < 1 ||
        registerCols < 1) {
      getOperation().emitError()
          << "vector-bits must be at least 128 and block sizes positive";
      return signalPassFailure();
    }
    SmallVector<NBitsMatmul> matches;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<NBitsMatmul> match = matchNBitsMatmul(op))
        matches.push_back(*match);
    });
    for (NBitsMatmul match : matches)
      rewrite(match);
  }

  void rewrite(NBitsMatmul match) {
    linalg::GenericOp op = match.op;
    Location loc = op.getLoc();
    OpBuilder b(op);
    int64_t rowDims = match.rowDims;
    Value init = op.getDpsInits()[0];
    BlockBuilder blocks(b, loc, match, vectorBits / 32);
    blocks.even = collapseLeading(b, loc, op.getDpsInputs()[0], rowDims);
    blocks.odd = collapseLeading(b, loc, op.getDpsInputs()[1], rowDims);
    blocks.weight = op.getDpsInputs()[2];
    blocks.scales = op.getDpsInputs()[3];
    blocks.zeroPoints = op.getDpsInputs()[4];
    blocks.offsets = foldOffsets(b, loc, blocks.scales, blocks.zeroPoints);
    Value dest = collapseLeading(b, loc, init, rowDims);

    // One row: a wide block of columns; several: rows x columns.
    auto flatType = cast<RankedTensorType>(dest.getType());
    int64_t m = flatType.getDimSize(0);
    int64_t rows = m == 1 ? 1 : registerRows;
    int64_t cols =
        std::min<int64_t>(m == 1 ? decodeCols : registerCols, match.n);
    if (!ShapedType::isDynamic(m))
      rows = std::max<int64_t>(1, std::min(rows, m));
    // Blocks of one row (one row, the rows past the last full block, which
    // may be all of a run-time M, and the columns left) take the decode
    // form, which needs the input's block sums.
    if (m == 1 || ShapedType::isDynamic(m) || m % rows != 0 ||
        match.n % cols != 0) {
      blocks.inputSums = sumBlocks(b, loc, blocks.even, blocks.odd);
      if (!match.scalarZeroPoint)
        blocks.byteZeroPoints = foldByteZeroPoints(b, loc, blocks.zeroPoints);
    }
    LLVM_DEBUG(llvm::dbgs() << "int4 matmul " << m << "x" << match.n << ", "
                            << match.blocks << " blocks of " << 2 * match.half
                            << ": blocks of " << rows << "x" << cols << "\n");

    // Static sizes fold, so that static row counts give static loops.
    Value mValue = b.createOrFold<tensor::DimOp>(loc, dest, 0);
    Value rowsValue = arith::ConstantIndexOp::create(b, loc, rows);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value fullRowBlocks =
        b.createOrFold<arith::DivUIOp>(loc, mValue, rowsValue);
    int64_t fullColBlocks = match.n / cols;
    Value result = blocks.buildBlocks(rows, zero, fullRowBlocks, cols, 0,
                                      fullColBlocks, dest);
    if (ShapedType::isDynamic(m) || m % rows != 0) {
      Value done = b.createOrFold<arith::MulIOp>(loc, fullRowBlocks, rowsValue);
      Value left = b.createOrFold<arith::SubIOp>(loc, mValue, done);
      result =
          blocks.buildBlocks(1, done, left, cols, 0, fullColBlocks, result);
    }
    if (int64_t leftCols = match.n % cols)
      result = blocks.buildBlocks(1, zero, mValue, 1, fullColBlocks * cols,
                                  leftCols, result);

    if (rowDims != 1) {
      SmallVector<ReassociationIndices> groups(1);
      for (int64_t d = 0; d < rowDims; ++d)
        groups.front().push_back(d);
      groups.push_back({rowDims});
      result =
          tensor::ExpandShapeOp::create(b, loc, init.getType(), result, groups);
    }
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
  }
};

} // namespace
