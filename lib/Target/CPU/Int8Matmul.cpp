//===- Int8Matmul.cpp - u8 x s8 matmuls as integer dot products -----------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The integer product of a quantized xfmr.linear, `acc[..., m, n] +=
// zext(x[..., m, k]) * sext(W[k, n])` with x uint8 and W a constant int8
// matrix, becomes a register block of integer dot products:
//
// - VNNI (AVX512-VNNI on 512-bit vectors, AVX-VNNI on 256-bit ones):
//   `vpdpbusd` adds to each i32 lane the four products of 4 consecutive u8
//   of x and s8 of W, exactly. W is packed at compile time as [N/NR,
//   ceil(K/4), NR * 4]: for each panel of NR columns and each group of 4
//   rows of k, a column's 4 bytes side by side, the order in which a lane
//   reads them; one step reads NR * 4 bytes as NR/L full vectors (L i32
//   lanes per vector) and broadcasts 4 bytes of each row of x.
// - Otherwise (AVX2): `vpmaddubsw` would add two u8 x s8 products into a
//   saturating i16 (255 * 127 * 2 overflows it), so the weights are
//   widened to i16 at compile time, packed as [N/NR, ceil(K/2), NR * 2],
//   and x to i16 once per contraction; `vpmaddwd` then adds two exact i16
//   products per i32 lane. The weights read twice the bytes of int8 but
//   half those of f32, and no sum is ever rounded or clamped.
//
// The block is `register-rows` rows by one panel of two vectors, as the
// f32 block of xfmr-cpu-tile-and-vectorize, over an scf.forall of panels
// and row blocks (rows innermost, so that a panel stays in cache while row
// blocks stream). Rows past the last full block run one at a time. The
// result is the same i32 sum, in any order; the zero points' corrections,
// the scales, bias and activation follow as the elementwise epilogue the
// lowering made.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Target/CPU/Passes.h"

#include "ContractionMaps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRCPUINT8MATMULPASS
#define GEN_PASS_DEF_XFMRCPUINT8MATMULINTRINSICSPASS
#include "xfmr/Target/CPU/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;

namespace {

/// The intrinsic calls of a block are built as pure placeholders, casts
/// that carry the intrinsic's name in this attribute, and become
/// llvm.call_intrinsic after bufferization
/// (xfmr-cpu-int8-matmul-intrinsics): buffer deallocation rejects ops
/// whose memory effects it does not know, which an intrinsic call is.
constexpr StringLiteral kIntrinsicAttr = "__xfmr_intrinsic__";

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// A contraction `out[..., m, n] += zext(lhs[..., m, k]) * sext(w)` with
/// `w` a constant int8 [K, N] (or [N, K] when `transposed`).
struct Int8Matmul {
  linalg::GenericOp op;
  arith::ConstantOp weights;
  bool transposed;
  int64_t k, n;
};

/// Whether the body of `op` is `out + ext(lhs) * ext(rhs)` in i32 with lhs
/// zero-extended and rhs sign-extended.
bool isUnsignedTimesSigned(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 5)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddIOp>();
  auto mul =
      add ? add.getRhs().getDefiningOp<arith::MulIOp>() : arith::MulIOp();
  if (!mul || add.getLhs() != body.getArgument(2))
    return false;
  auto lhs = mul.getLhs().getDefiningOp<arith::ExtUIOp>();
  auto rhs = mul.getRhs().getDefiningOp<arith::ExtSIOp>();
  return lhs && rhs && lhs.getIn() == body.getArgument(0) &&
         rhs.getIn() == body.getArgument(1) && lhs.getType().isInteger(32) &&
         rhs.getType().isInteger(32);
}

std::optional<Int8Matmul> matchInt8Matmul(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !isUnsignedTimesSigned(op))
    return std::nullopt;
  auto outType = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  auto lhsType = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  int64_t rank = outType.getRank();
  unsigned numLoops = op.getNumLoops();
  if (rank < 2 || numLoops != rank + 1 || lhsType.getRank() != rank ||
      !lhsType.getElementType().isInteger(8))
    return std::nullopt;
  auto init = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!init || !matchPattern(init.getInputs()[0], m_Zero()))
    return std::nullopt;
  if (!xfmr::reducesOverLastLoopOnly(op))
    return std::nullopt;
  auto dims = [&](ArrayRef<int64_t> positions) {
    return xfmr::loopsAt(op, positions);
  };
  SmallVector<int64_t> outDims, lhsDims;
  for (int64_t d = 0; d < rank; ++d)
    outDims.push_back(d);
  lhsDims.assign(outDims.begin(), outDims.end() - 1);
  lhsDims.push_back(rank);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != dims(lhsDims) || maps[2] != dims(outDims))
    return std::nullopt;
  bool transposed;
  if (maps[1] == dims({rank, rank - 1}))
    transposed = false;
  else if (maps[1] == dims({rank - 1, rank}))
    transposed = true;
  else
    return std::nullopt;
  auto weights = op.getDpsInputs()[1].getDefiningOp<arith::ConstantOp>();
  if (!weights)
    return std::nullopt;
  auto type = cast<RankedTensorType>(weights.getType());
  auto elements = dyn_cast<ElementsAttr>(weights.getValue());
  if (!type.getElementType().isInteger(8) || !type.hasStaticShape() ||
      !elements || !isa<DenseElementsAttr, DenseResourceElementsAttr>(elements))
    return std::nullopt;
  int64_t k = type.getDimSize(transposed ? 1 : 0);
  int64_t n = type.getDimSize(transposed ? 0 : 1);
  if (lhsType.getShape().back() != k)
    return std::nullopt;
  return Int8Matmul{op, weights, transposed, k, n};
}

//===----------------------------------------------------------------------===//
// The kernel's shape and its packed weights
//===----------------------------------------------------------------------===//

/// The instruction and block a target gets.
struct Kernel {
  /// i32 lanes of a vector.
  int64_t lanes;
  /// Whether the dot products are vpdpbusd (else vpmaddwd on i16).
  bool vnni;
  int64_t rows;

  /// Columns of a panel: two vectors.
  int64_t panelWidth() const { return 2 * lanes; }
  /// k values one lane sums per instruction: 4 bytes, or 2 i16.
  int64_t kGroup() const { return vnni ? 4 : 2; }
  Type weightElement(MLIRContext *context) const {
    return IntegerType::get(context, vnni ? 8 : 16);
  }
  /// The packed weights: [panels, ceil(K / group), panel * group].
  RankedTensorType packedType(MLIRContext *context, int64_t k,
                              int64_t n) const {
    int64_t panels = llvm::divideCeil(n, panelWidth());
    int64_t groups = llvm::divideCeil(k, kGroup());
    return RankedTensorType::get({panels, groups, panelWidth() * kGroup()},
                                 weightElement(context));
  }
};

/// The weights of `match` packed for `kernel`, flat (as
/// xfmr-cpu-pack-weights leaves resources: LLVM IR would otherwise make a
/// constant per innermost row). Null if the data cannot be read.
ElementsAttr packWeights(Int8Matmul match, const Kernel &kernel) {
  auto value = cast<ElementsAttr>(match.weights.getValue());
  std::optional<ArrayRef<char>> bytes = xfmr::getWeightBytes(value);
  if (!bytes)
    return {};
  auto dense = dyn_cast<DenseElementsAttr>(value);
  bool splat = dense && dense.isSplat();
  int64_t k = match.k, n = match.n;
  if (!splat && bytes->size() != static_cast<size_t>(k * n))
    return {};
  auto read = [&](int64_t row, int64_t col) -> int8_t {
    if (row >= k || col >= n)
      return 0;
    int64_t index = match.transposed ? col * k + row : row * n + col;
    return static_cast<int8_t>((*bytes)[splat ? 0 : index]);
  };
  RankedTensorType packed = kernel.packedType(match.op.getContext(), k, n);
  int64_t panels = packed.getDimSize(0), groups = packed.getDimSize(1);
  int64_t nr = kernel.panelWidth(), g = kernel.kGroup();
  int64_t count = packed.getNumElements();
  int64_t width = kernel.vnni ? 1 : 2;
  xfmr::WeightWriter writer(value, count * width);
  char *data = writer.getData().data();
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t t = 0; t < groups; ++t)
      for (int64_t r = 0; r < nr; ++r)
        for (int64_t i = 0; i < g; ++i) {
          int64_t index = ((p * groups + t) * nr + r) * g + i;
          int8_t v = read(t * g + i, p * nr + r);
          if (kernel.vnni) {
            data[index] = static_cast<char>(v);
          } else {
            int16_t wide = v;
            std::memcpy(data + index * 2, &wide, 2);
          }
        }
  auto flatType =
      RankedTensorType::get({count}, kernel.weightElement(value.getContext()));
  return writer.finish(flatType, kernel.vnni ? "vnni" : "i16pairs");
}

//===----------------------------------------------------------------------===//
// The register block
//===----------------------------------------------------------------------===//

class BlockBuilder {
public:
  BlockBuilder(OpBuilder &b, Int8Matmul match, Value weights,
               const Kernel &kernel)
      : b(b), loc(match.op.getLoc()), match(match), weights(weights),
        kernel(kernel) {}

  /// The contraction's result, [..., M, N] i32.
  Value build() {
    lhs = prepareActivations(match.op.getDpsInputs()[0]);
    Value init = match.op.getDpsInits()[0];
    auto type = cast<RankedTensorType>(init.getType());
    rank = type.getRank();
    sizes = tensor::getMixedSizes(b, loc, init);
    panels = llvm::divideCeil(match.n, kernel.panelWidth());
    SmallVector<OpFoldResult> padded(sizes);
    padded.back() = b.getIndexAttr(panels * kernel.panelWidth());
    Value dest = tensor::EmptyOp::create(b, loc, padded, b.getI32Type());

    // Full blocks of rows, then the rows left one at a time. A static M
    // smaller than a block is one block of its own size.
    int64_t m = type.getDimSize(rank - 2);
    int64_t rows = kernel.rows;
    if (!ShapedType::isDynamic(m))
      rows = std::max<int64_t>(1, std::min(rows, m));
    Value rowsValue = arith::ConstantIndexOp::create(b, loc, rows);
    Value mValue = getValueOrCreateConstantIndexOp(b, loc, sizes[rank - 2]);
    Value fullBlocks = arith::DivUIOp::create(b, loc, mValue, rowsValue);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value result = buildBlocks(rows, zero, fullBlocks, dest);
    if (ShapedType::isDynamic(m) || m % rows != 0) {
      Value done = arith::MulIOp::create(b, loc, fullBlocks, rowsValue);
      Value left = arith::SubIOp::create(b, loc, mValue, done);
      result = buildBlocks(1, done, left, result);
    }
    if (padded.back() == sizes.back())
      return result;
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
        strides(rank, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, type, result, offsets, sizes,
                                          strides);
  }

private:
  /// `value` [..., M, K] u8 as the kernel reads it: K padded with zeros to
  /// a multiple of the group, and for vpmaddwd zero-extended to i16.
  Value prepareActivations(Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    int64_t lhsRank = type.getRank();
    if (!kernel.vnni) {
      Type i16 = b.getI16Type();
      SmallVector<OpFoldResult> lhsSizes = tensor::getMixedSizes(b, loc, value);
      Value empty = tensor::EmptyOp::create(b, loc, lhsSizes, i16);
      AffineMap identity = b.getMultiDimIdentityMap(lhsRank);
      value = linalg::GenericOp::create(
                  b, loc, TypeRange{empty.getType()}, ValueRange{value},
                  ValueRange{empty}, ArrayRef<AffineMap>{identity, identity},
                  SmallVector<utils::IteratorType>(
                      lhsRank, utils::IteratorType::parallel),
                  [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                    Value wide =
                        arith::ExtUIOp::create(nested, nestedLoc, i16, args[0]);
                    linalg::YieldOp::create(nested, nestedLoc, wide);
                  })
                  .getResult(0);
      type = cast<RankedTensorType>(value.getType());
    }
    int64_t padding = llvm::alignTo(match.k, kernel.kGroup()) - match.k;
    if (padding == 0)
      return value;
    SmallVector<OpFoldResult> low(lhsRank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> high = low;
    high.back() = b.getIndexAttr(padding);
    SmallVector<int64_t> shape(type.getShape());
    shape.back() += padding;
    Value zero =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
    return tensor::PadOp::create(b, loc, type.clone(shape), value, low, high,
                                 zero);
  }

  /// `count` blocks of `rows` rows from row `start`, written into `dest`.
  Value buildBlocks(int64_t rows, Value start, Value count, Value dest) {
    // Batch dims, the panel, then the row block innermost.
    SmallVector<OpFoldResult> bounds(sizes.begin(), sizes.end() - 2);
    bounds.push_back(b.getIndexAttr(panels));
    bounds.push_back(count);
    auto forall = scf::ForallOp::create(b, loc, bounds, ValueRange{dest},
                                        /*mapping=*/std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    SmallVector<Value> ivs(forall.getInductionVars());
    SmallVector<Value> batch(ArrayRef<Value>(ivs).drop_back(2));
    Value panel = ivs[ivs.size() - 2];
    Value rowsValue = arith::ConstantIndexOp::create(b, loc, rows);
    Value firstRow = arith::AddIOp::create(
        b, loc, start, arith::MulIOp::create(b, loc, ivs.back(), rowsValue));
    SmallVector<Value> rowIndex;
    for (int64_t r = 0; r < rows; ++r)
      rowIndex.push_back(arith::AddIOp::create(
          b, loc, firstRow, arith::ConstantIndexOp::create(b, loc, r)));

    auto accType = VectorType::get({kernel.lanes}, b.getI32Type());
    Value zeroAcc = arith::ConstantOp::create(b, loc, b.getZeroAttr(accType));
    SmallVector<Value> accs(rows * 2, zeroAcc);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value groups = arith::ConstantIndexOp::create(
        b, loc, llvm::divideCeil(match.k, kernel.kGroup()));
    auto loop = scf::ForOp::create(
        b, loc, zero, groups, one, accs,
        [&](OpBuilder &nested, Location nestedLoc, Value group,
            ValueRange carried) {
          scf::YieldOp::create(
              nested, nestedLoc,
              step(nested, nestedLoc, group, panel, batch, rowIndex, carried));
        });

    // The block's tile of the output, [rows, NR].
    Value out = forall.getRegionIterArgs()[0];
    SmallVector<OpFoldResult> offsets, tileSizes,
        strides(rank, b.getIndexAttr(1));
    for (Value index : batch) {
      offsets.push_back(index);
      tileSizes.push_back(b.getIndexAttr(1));
    }
    int64_t nr = kernel.panelWidth();
    offsets.push_back(firstRow);
    tileSizes.push_back(b.getIndexAttr(rows));
    offsets.push_back(
        arith::MulIOp::create(b, loc, panel,
                              arith::ConstantIndexOp::create(b, loc, nr))
            .getResult());
    tileSizes.push_back(b.getIndexAttr(nr));
    auto tileType = RankedTensorType::get({rows, nr}, b.getI32Type());
    Value tile = tensor::ExtractSliceOp::create(b, loc, tileType, out, offsets,
                                                tileSizes, strides);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t v = 0; v < 2; ++v) {
        Value indices[] = {
            arith::ConstantIndexOp::create(b, loc, r),
            arith::ConstantIndexOp::create(b, loc, v * kernel.lanes)};
        tile =
            vector::TransferWriteOp::create(b, loc, loop.getResult(r * 2 + v),
                                            tile, indices, ArrayRef<bool>{true})
                .getResult();
      }
    }
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, tile, out, offsets, tileSizes,
                                          strides);
    return forall.getResult(0);
  }

  /// One step over the k group `group`: the panel's two vectors, and per
  /// row of the block its group of k broadcast to every lane, dot products
  /// into the accumulators.
  SmallVector<Value> step(OpBuilder &nb, Location l, Value group, Value panel,
                          ArrayRef<Value> batch, ArrayRef<Value> rowIndex,
                          ValueRange accs) {
    Type element = kernel.weightElement(nb.getContext());
    int64_t g = kernel.kGroup();
    int64_t perVector = kernel.lanes * g;
    auto weightVectorType = VectorType::get({perVector}, element);
    auto i32 = nb.getI32Type();
    auto accType = VectorType::get({kernel.lanes}, i32);
    Value zeroElement =
        arith::ConstantOp::create(nb, l, nb.getZeroAttr(element));
    SmallVector<Value> panelVectors;
    for (int64_t v = 0; v < 2; ++v) {
      Value indices[] = {panel, group,
                         arith::ConstantIndexOp::create(nb, l, v * perVector)};
      Value w = vector::TransferReadOp::create(nb, l, weightVectorType, weights,
                                               indices, zeroElement,
                                               ArrayRef<bool>{true});
      panelVectors.push_back(w);
    }
    Value k = arith::MulIOp::create(nb, l, group,
                                    arith::ConstantIndexOp::create(nb, l, g));
    SmallVector<Value> results;
    for (auto [r, row] : llvm::enumerate(rowIndex)) {
      SmallVector<Value> indices(batch);
      indices.push_back(row);
      indices.push_back(k);
      Value groupValues = vector::TransferReadOp::create(
          nb, l, VectorType::get({g}, element), lhs, indices, zeroElement,
          ArrayRef<bool>{true});
      Value asWord = vector::BitCastOp::create(nb, l, VectorType::get({1}, i32),
                                               groupValues);
      Value word = vector::ExtractOp::create(nb, l, asWord, 0);
      Value words = vector::BroadcastOp::create(nb, l, accType, word);
      for (int64_t v = 0; v < 2; ++v)
        results.push_back(dot(nb, l, accs[r * 2 + v], words, panelVectors[v]));
    }
    return results;
  }

  /// acc + the dot products of `words` (a row's group in every lane) and
  /// `w` (the panel's groups).
  Value dot(OpBuilder &nb, Location l, Value acc, Value words, Value w) {
    auto accType = cast<VectorType>(acc.getType());
    if (kernel.vnni) {
      // The intrinsic takes the bytes as such: <4L x i8>.
      Value bytes = vector::BitCastOp::create(nb, l, w.getType(), words);
      StringRef name = kernel.lanes == 16 ? "llvm.x86.avx512.vpdpbusd.512"
                                          : "llvm.x86.avx512.vpdpbusd.256";
      return intrinsic(nb, l, accType, name, {acc, bytes, w});
    }
    auto pairsType = VectorType::get({kernel.lanes * 2}, nb.getI16Type());
    Value pairs = vector::BitCastOp::create(nb, l, pairsType, words);
    StringRef name = kernel.lanes == 16 ? "llvm.x86.avx512.pmaddw.d.512"
                                        : "llvm.x86.avx2.pmadd.wd";
    Value products = intrinsic(nb, l, accType, name, {pairs, w});
    return arith::AddIOp::create(nb, l, acc, products);
  }

  /// A call of the intrinsic `name`, for now a pure placeholder (see
  /// kIntrinsicAttr).
  static Value intrinsic(OpBuilder &nb, Location l, Type type, StringRef name,
                         ValueRange args) {
    auto call =
        UnrealizedConversionCastOp::create(nb, l, TypeRange{type}, args);
    call->setAttr(kIntrinsicAttr, nb.getStringAttr(name));
    return call.getResult(0);
  }

  OpBuilder &b;
  Location loc;
  Int8Matmul match;
  Value weights;
  Kernel kernel;
  Value lhs;
  int64_t rank = 0, panels = 0;
  SmallVector<OpFoldResult> sizes;
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct XfmrCPUInt8MatmulPass
    : xfmr::impl::XfmrCPUInt8MatmulPassBase<XfmrCPUInt8MatmulPass> {
  using Base::Base;

  void runOnOperation() override {
    Kernel kernel{vectorBits == 512 ? 16 : 8, vnni, registerRows};
    if (registerRows < 1 || (vectorBits != 256 && vectorBits != 512)) {
      getOperation().emitError()
          << "register-rows must be positive and vector-bits 256 or 512";
      return signalPassFailure();
    }
    SmallVector<Int8Matmul> matches;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<Int8Matmul> match = matchInt8Matmul(op))
        matches.push_back(*match);
    });
    // One packed copy per weight, however many contractions read it.
    llvm::DenseMap<std::pair<Attribute, unsigned>, Value> packed;
    OpBuilder b(&getContext());
    for (Int8Matmul match : matches) {
      Value &weights =
          packed[{match.weights.getValue(), unsigned(match.transposed)}];
      if (!weights) {
        ElementsAttr elements = packWeights(match, kernel);
        if (!elements)
          continue;
        b.setInsertionPoint(match.weights);
        Location loc = match.weights.getLoc();
        Value flat =
            arith::ConstantOp::create(b, loc, elements.getType(), elements);
        weights = tensor::ExpandShapeOp::create(
            b, loc, kernel.packedType(&getContext(), match.k, match.n), flat,
            ArrayRef<ReassociationIndices>{{0, 1, 2}});
      }
      b.setInsertionPoint(match.op);
      Value result = BlockBuilder(b, match, weights, kernel).build();
      match.op->getResult(0).replaceAllUsesWith(result);
      match.op->erase();
    }
  }
};

struct XfmrCPUInt8MatmulIntrinsicsPass
    : xfmr::impl::XfmrCPUInt8MatmulIntrinsicsPassBase<
          XfmrCPUInt8MatmulIntrinsicsPass> {
  void runOnOperation() override {
    SmallVector<UnrealizedConversionCastOp> calls;
    getOperation().walk([&](UnrealizedConversionCastOp op) {
      if (op->hasAttr(kIntrinsicAttr))
        calls.push_back(op);
    });
    for (UnrealizedConversionCastOp op : calls) {
      OpBuilder b(op);
      auto name = op->getAttrOfType<StringAttr>(kIntrinsicAttr);
      Value call = LLVM::CallIntrinsicOp::create(b, op.getLoc(),
                                                 op.getResult(0).getType(),
                                                 name, op.getInputs())
                       .getResult(0);
      op.getResult(0).replaceAllUsesWith(call);
      op.erase();
    }
  }
};

} // namespace
