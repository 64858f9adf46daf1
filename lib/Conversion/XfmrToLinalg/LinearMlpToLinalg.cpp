//===- LinearMlpToLinalg.cpp - linear and mlp to linalg -------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every projection is a contraction generic over [rows..., n, k] into a
// zero-filled init, reading a transposed weight through its indexing map
// rather than a copy; bias, activation and the gate product follow in one
// elementwise epilogue generic, the shape that tile-and-fuse pulls into the
// contraction's loops. A 4-bit weight's contraction is Int4Projection.cpp's.
//
// The MLP runs in an scf.forall over tiles of rows of its input flattened
// to [M, D]: each tile's [rows, H] hidden activation stays in cache on its
// way to the down projection, instead of a whole [M, H] buffer. Each output
// element is the same sum in the same order as without tiles.
//
//===----------------------------------------------------------------------===//

#include "IndexMath.h"
#include "Int4Projection.h"
#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

/// How the operands of a quantized projection widen to i32: zero
/// extension for uint8, sign extension for int8.
namespace {
struct IntegerOperands {
  bool inputUnsigned, weightUnsigned;
};
} // namespace

static Value widenToI32(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  Type i32 = b.getI32Type();
  if (isUnsigned)
    return arith::ExtUIOp::create(b, loc, i32, v);
  return arith::ExtSIOp::create(b, loc, i32, v);
}

/// `x · w` over the last dim of `x`: [..., K] with [K, N] (or [N, K] when
/// `transposed`) gives [..., N]. A K known only at run time is checked to
/// be the same in both (`what` starts the message); when it is not, `w` is
/// read as zeros of `x`'s K. With `integers`, 8-bit operands are widened
/// and summed exactly in i32.
static Value project(OpBuilder &b, Location loc, Value x, Value w,
                     bool transposed, StringRef what,
                     std::optional<IntegerOperands> integers = std::nullopt) {
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t rows = xType.getRank() - 1;
  {
    IndexMath m{b, loc};
    int64_t wK = transposed ? 1 : 0;
    SmallVector<OpFoldResult> wSizes = getDimSizes(b, loc, w);
    Value k = m.value(getDimSize(b, loc, x, rows)),
          wKSize = m.value(wSizes[wK]);
    Value failed = m.notEqual(k, wKSize);
    emitRuntimeCheck(
        b, loc, failed,
        (what + ": the inner dims differ, {0} in A and {1} in B").str(),
        {k, wKSize});
    if (!matchPattern(failed, m_Zero())) {
      wSizes[wK] = k;
      w = zerosIfFailed(b, loc, failed, w, wSizes);
    }
  }
  // Loop dims: rows..., n, k.
  int64_t n = rows, k = rows + 1, numLoops = rows + 2;
  SmallVector<int64_t> xDims, outDims;
  SmallVector<OpFoldResult> sizes;
  appendRowLoops(b, loc, x, rows, xDims, outDims, sizes);
  xDims.push_back(k);
  outDims.push_back(n);
  sizes.push_back(getDimSize(b, loc, w, transposed ? 0 : 1));
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps = {
      dimsMap(context, numLoops, xDims),
      dimsMap(context, numLoops,
              transposed ? ArrayRef<int64_t>{n, k} : ArrayRef<int64_t>{k, n}),
      dimsMap(context, numLoops, outDims)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(numLoops);
  iterators.back() = utils::IteratorType::reduction;
  if (integers) {
    Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    return buildGeneric(
        b, loc, {x, w}, createFilled(b, loc, sizes, zero), maps, iterators,
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value product = arith::MulIOp::create(
              nb, l, widenToI32(nb, l, args[0], integers->inputUnsigned),
              widenToI32(nb, l, args[1], integers->weightUnsigned));
          return arith::AddIOp::create(nb, l, args[2], product);
        });
  }
  Type elementType = xType.getElementType();
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
  return buildContraction(b, loc, x, w, createFilled(b, loc, sizes, zero),
                          maps, iterators);
}

/// The map that reads a scale or zero point of a quantized layer over the
/// output's `rank` dims: 0-D and [1] per tensor, [N] along the last dim.
static AffineMap layerParamMap(MLIRContext *context, int64_t rank,
                               Value param) {
  auto type = cast<RankedTensorType>(param.getType());
  if (type.getRank() == 0)
    return AffineMap::get(rank, 0, context);
  if (type.getDimSize(0) == 1)
    return AffineMap::get(rank, 0, getAffineConstantExpr(0, context));
  return dimsMap(context, rank, {rank - 1});
}

/// The sums over K of the widened rows of `x` ([..., K] -> [...]) or
/// columns of `w` ([K, N] -> [N], [N, K] when `transposed`), in i32.
static Value sumOverK(OpBuilder &b, Location loc, Value v, int64_t kDim,
                      bool isUnsigned) {
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  SmallVector<bool> reduced(rank, false);
  reduced[kDim] = true;
  return reduce(
      b, loc, v, {}, reduced, Combiner::Sum,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        return widenToI32(nb, l, args[0], isUnsigned);
      },
      b.getI32Type());
}

/// The column sums of `sumOverK` computed at compile time, as an i32
/// constant [N], when `w` is a constant whose bytes can be read: a decode
/// step (one row) would otherwise spend as long on them as on its product.
static Value constantColumnSums(OpBuilder &b, Location loc, Value w,
                                bool transposed, bool isUnsigned) {
  Attribute attr;
  if (!matchPattern(w, m_Constant(&attr)))
    return {};
  auto elements = dyn_cast<ElementsAttr>(attr);
  auto type = cast<RankedTensorType>(w.getType());
  if (!elements || !type.hasStaticShape())
    return {};
  std::optional<ArrayRef<char>> bytes = getWeightBytes(elements);
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  bool splat = dense && dense.isSplat();
  int64_t k = type.getDimSize(transposed ? 1 : 0),
          n = type.getDimSize(transposed ? 0 : 1);
  if (!bytes || (!splat && bytes->size() != static_cast<size_t>(k * n)))
    return {};
  SmallVector<int32_t> sums(n, 0);
  for (int64_t row = 0; row < k; ++row)
    for (int64_t col = 0; col < n; ++col) {
      int64_t index = transposed ? col * k + row : row * n + col;
      char byte = (*bytes)[splat ? 0 : index];
      sums[col] += isUnsigned ? static_cast<int32_t>(static_cast<uint8_t>(byte))
                              : static_cast<int32_t>(static_cast<int8_t>(byte));
    }
  auto sumsType = RankedTensorType::get({n}, b.getI32Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(sumsType, ArrayRef<int32_t>(sums)));
}

/// A quantized layer: the i32 product of the raw 8-bit operands, then in
/// one epilogue the zero points' terms, taken out by sums (sum (x - xz)(w -
/// wz) = sum xw - xz sum w - wz sum x + K xz wz), the scales, the bias and
/// the activation. The product of raw operands is the kernel's shape: u8 x
/// s8 dot products with no per-element subtraction.
static Value buildQuantizedLinear(OpBuilder &b, Location loc, LinearOp op) {
  Value x = op.getInput(), w = op.getWeight();
  bool transposed = op.getTransposeWeight();
  bool xUnsigned = op.getInputUnsigned(), wUnsigned = op.getWeightUnsigned();
  Value acc = project(b, loc, x, w, transposed, describeONNXNode(op, "MatMul"),
                      IntegerOperands{xUnsigned, wUnsigned});
  auto accType = cast<RankedTensorType>(acc.getType());
  int64_t rank = accType.getRank();
  MLIRContext *context = b.getContext();
  Value weightZp = op.getWeightZeroPoint(), inputZp = op.getInputZeroPoint();
  // Terms whose zero point is a constant 0 vanish (symmetric weights).
  auto isZero = [](Value v) {
    DenseElementsAttr values;
    return matchPattern(v, m_Constant(&values)) && values.isSplat() &&
           values.getSplatValue<APInt>().isZero();
  };
  SmallVector<Value> inputs = {acc};
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  auto add = [&](Value v, AffineMap map) {
    inputs.push_back(v);
    maps.push_back(map);
    return inputs.size() - 1;
  };
  std::optional<size_t> rowSums, colSums, bias;
  if (!isZero(weightZp)) {
    SmallVector<int64_t> rows;
    for (int64_t d = 0; d + 1 < rank; ++d)
      rows.push_back(d);
    rowSums = add(sumOverK(b, loc, x, rank - 1, xUnsigned),
                  dimsMap(context, rank, rows));
  }
  if (!isZero(inputZp)) {
    Value sums = constantColumnSums(b, loc, w, transposed, wUnsigned);
    if (!sums)
      sums = sumOverK(b, loc, w, transposed ? 1 : 0, wUnsigned);
    colSums = add(sums, dimsMap(context, rank, {rank - 1}));
  }
  size_t xZp = add(inputZp, layerParamMap(context, rank, inputZp));
  size_t wZp = add(weightZp, layerParamMap(context, rank, weightZp));
  size_t xScale =
      add(op.getInputScale(), layerParamMap(context, rank, op.getInputScale()));
  size_t wScale = add(op.getWeightScale(),
                      layerParamMap(context, rank, op.getWeightScale()));
  if (op.getBias())
    bias = add(op.getBias(), dimsMap(context, rank, {rank - 1}));
  Value k =
      getValueOrCreateConstantIndexOp(b, loc, getDimSize(b, loc, x, rank - 1));
  k = arith::IndexCastOp::create(b, loc, b.getI32Type(), k);
  auto floatType = cast<RankedTensorType>(op.getType()).getElementType();
  Value init = createEmptyLike(b, loc, acc, floatType);
  return buildParallelGeneric(
      b, loc, inputs, maps, init,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value v = args[0];
        Value xz = widenToI32(nb, l, args[xZp], xUnsigned);
        Value wz = widenToI32(nb, l, args[wZp], wUnsigned);
        if (colSums)
          v = arith::SubIOp::create(
              nb, l, v, arith::MulIOp::create(nb, l, xz, args[*colSums]));
        if (rowSums) {
          v = arith::SubIOp::create(
              nb, l, v, arith::MulIOp::create(nb, l, wz, args[*rowSums]));
          if (colSums)
            v = arith::AddIOp::create(
                nb, l, v,
                arith::MulIOp::create(nb, l, k,
                                      arith::MulIOp::create(nb, l, xz, wz)));
        }
        Value f = arith::SIToFPOp::create(nb, l, floatType, v);
        Value scale = arith::MulFOp::create(nb, l, args[xScale], args[wScale]);
        f = arith::MulFOp::create(nb, l, f, scale);
        if (bias)
          f = arith::AddFOp::create(nb, l, f, args[*bias]);
        return ScalarBuilder{nb, l}.activation(f, op.getActivation());
      });
}

/// `activation(acc + bias) * factor`, each part optional; `acc` itself when
/// there is nothing to apply.
static Value epilogue(OpBuilder &b, Location loc, Value acc, Value bias,
                      Activation activation, Value factor = {}) {
  if (!bias && activation == Activation::none && !factor)
    return acc;
  auto type = cast<RankedTensorType>(acc.getType());
  int64_t rank = type.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<Value> inputs = {acc};
  SmallVector<AffineMap> maps = {identity};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(dimsMap(b.getContext(), rank, {rank - 1}));
  }
  if (factor) {
    inputs.push_back(factor);
    maps.push_back(identity);
  }
  return buildParallelGeneric(
      b, loc, inputs, maps,
      createEmptyLike(b, loc, acc, type.getElementType()),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value v = args[0];
        if (bias)
          v = arith::AddFOp::create(nb, l, v, args[1]);
        v = ScalarBuilder{nb, l}.activation(v, activation);
        if (factor)
          v = arith::MulFOp::create(nb, l, v, args[bias ? 2 : 1]);
        return v;
      });
}

/// The MLP of `op` on the rows `x` ([..., D]). Plain: down(act(x · up +
/// b)). Gated: the activation goes to the gate projection, whose result
/// scales the up projection in its epilogue.
static Value buildMlp(OpBuilder &b, Location loc, MlpOp op, Value x) {
  std::string what = describeONNXNode(op, "MatMul");
  Value up = project(b, loc, x, op.getUp(), /*transposed=*/false, what);
  Value hidden;
  if (Value gate = op.getGate()) {
    Value gated =
        epilogue(b, loc, project(b, loc, x, gate, /*transposed=*/false, what),
                 op.getGateBias(), op.getActivation());
    hidden = epilogue(b, loc, up, op.getUpBias(), Activation::none, gated);
  } else {
    hidden = epilogue(b, loc, up, op.getUpBias(), op.getActivation());
  }
  Value down =
      project(b, loc, hidden, op.getDown(), /*transposed=*/false, what);
  return epilogue(b, loc, down, op.getDownBias(), Activation::none);
}

/// The MLP of `op` on `x`, [M, D] or [B, M, D], in an scf.forall over
/// tiles of `rowTile` rows of M (and over B).
static Value buildRowTiledMlp(OpBuilder &b, Location loc, MlpOp op, Value x,
                              int64_t rowTile) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<OpFoldResult> sizes = getDimSizes(b, loc, x);
  OpFoldResult rows = sizes[rank - 2], inDim = sizes[rank - 1];
  sizes.back() = getDimSize(b, loc, op.getDown(), 1);
  rowTile = clampTileSize(rowTile, rows);
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  SmallVector<OpFoldResult> lbs(rank - 1, zero), steps(rank - 2, one);
  steps.push_back(b.getIndexAttr(rowTile));
  auto forall = scf::ForallOp::create(b, loc, lbs, ArrayRef(sizes).drop_back(),
                                      steps, ValueRange{init}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  SmallVector<OpFoldResult> offsets =
      getAsOpFoldResult(forall.getInductionVars());
  offsets.push_back(zero);
  SmallVector<OpFoldResult> tileSizes(rank - 2, one);
  tileSizes.push_back(
      tileSize(b, loc, rowTile, forall.getInductionVars().back(), rows));
  tileSizes.push_back(inDim);
  Value tile = extractTile(b, loc, x, offsets, tileSizes, {rank - 2, rank - 1});
  Value result = buildMlp(b, loc, op, tile);
  tileSizes.back() = sizes.back();
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(
      b, loc, result, forall.getRegionIterArgs()[0], offsets, tileSizes,
      SmallVector<OpFoldResult>(rank, one));
  return forall.getResult(0);
}

/// Tiles of at most `rowTile` of `rows` static rows, as equal as a multiple
/// of 8 rows (a register block) allows. The tiles are the iterations of a
/// parallel loop, and threads that get unequal tiles wait for the largest:
/// ViT's 197 rows in tiles of 128 and 69 ran 1.2x slower on two threads
/// than in tiles of 104 and 93.
static int64_t balancedRowTile(int64_t rows, int64_t rowTile) {
  int64_t tiles = llvm::divideCeil(rows, rowTile);
  int64_t balanced = llvm::alignTo(llvm::divideCeil(rows, tiles), 8);
  return std::min(rowTile, balanced);
}

namespace {

struct LinearToGeneric : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (op.isBlockQuantized()) {
      if (!canLowerInt4Projection(op.getWeight()))
        return rewriter.notifyMatchFailure(op, "a dynamic number of blocks");
      Value product = buildInt4Projection(
          rewriter, loc, op.getInput(), op.getWeight(), op.getWeightScale(),
          op.getWeightZeroPoint(), *op.getBlockSize());
      Value result =
          epilogue(rewriter, loc, product, op.getBias(), op.getActivation());
      rewriter.replaceOp(op,
                         castToResultType(rewriter, loc, result, op.getType()));
      return success();
    }
    if (op.isQuantized()) {
      Value result = buildQuantizedLinear(rewriter, loc, op);
      rewriter.replaceOp(op,
                         castToResultType(rewriter, loc, result, op.getType()));
      return success();
    }
    Value acc =
        project(rewriter, loc, op.getInput(), op.getWeight(),
                op.getTransposeWeight(), describeONNXNode(op, "MatMul"));
    Value result =
        epilogue(rewriter, loc, acc, op.getBias(), op.getActivation());
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }
};

struct MlpToLinalg : OpRewritePattern<MlpOp> {
  MlpToLinalg(MLIRContext *context, int64_t rowTile)
      : OpRewritePattern(context), rowTile(rowTile) {}

  LogicalResult matchAndRewrite(MlpOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t dynamicRows =
        llvm::count_if(type.getShape().drop_back(), ShapedType::isDynamic);
    // Static rows that fit in one tile need no loop; more are split evenly.
    bool oneTile = false;
    int64_t tile = rowTile;
    if (dynamicRows == 0 && rowTile > 0) {
      int64_t rows = llvm::product_of(type.getShape().drop_back());
      oneTile = rows <= rowTile;
      tile = balancedRowTile(rows, rowTile);
    }
    Value result;
    if (rowTile == 0 || rank < 2 || oneTile || (dynamicRows > 1 && rank > 3)) {
      result = buildMlp(rewriter, loc, op, x);
    } else if (rank == 2 || dynamicRows > 1) {
      // Splitting a merged dim back into several dynamic ones is more than
      // memref lowering (expand-strided-metadata) handles: with a dynamic
      // batch and sequence, tiles stay within one batch row.
      result = buildRowTiledMlp(rewriter, loc, op, x, tile);
    } else {
      // All leading dims as rows: a collapse (no copy) and its inverse.
      Value rows = mergeDims(rewriter, loc, x, 0, rank - 1);
      result = buildRowTiledMlp(rewriter, loc, op, rows, tile);
      SmallVector<OpFoldResult> leading = getDimSizes(rewriter, loc, x);
      leading.pop_back();
      result = splitDim(rewriter, loc, result, 0, leading);
    }
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }

  int64_t rowTile;
};

} // namespace

void mlir::xfmr::populateXfmrLinearMlpToLinalgPatterns(
    RewritePatternSet &patterns, const XfmrToLinalgTiling &tiling) {
  patterns.add<LinearToGeneric>(patterns.getContext());
  patterns.add<MlpToLinalg>(patterns.getContext(), tiling.mlpRowBlock);
}
