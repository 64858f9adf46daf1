//===- BF16Matmul.cpp - Matmuls with packed weights as bf16 dot products --===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `--precision=bf16`: a contraction over weights packed by
// xfmr-cpu-pack-weights ([N/NR, K, NR] f32) becomes a register block of
// AVX512-BF16 dot products (vdpbf16ps: each f32 lane adds a[2i] * b[2i] +
// a[2i+1] * b[2i+1] of bf16 pairs).
//
// Why this shape:
// - The weights are rounded to bf16 at compile time and stored with the k
//   pairs of a column side by side, [N/NR, K/2, NR, 2]: one step of the
//   block reads the panel's 2 NR values for k and k+1 as NR/16 full
//   vectors, in the order the instruction pairs them, and the weights'
//   memory traffic is half that of f32.
// - The activations are converted once per contraction, by an elementwise
//   op before the block, not at every use: a row's pair is read once per
//   panel, so converting it there would cost N/NR conversions per pair
//   instead of one. A pair of bf16 is one 32-bit value, which the block
//   broadcasts to every lane (a vpbroadcastd from memory).
// - A block is `register-rows` rows by one panel (8 x 32: 16 accumulators
//   of 16 lanes, as the f32 block of xfmr-cpu-tile-and-vectorize), with the
//   rows innermost, so that the panel (K x NR bf16, 48 KiB at K = 768)
//   stays in L1/L2 while row blocks stream.
// - The fill and the accumulation stay f32 (the dot product accumulates in
//   f32); consumers (bias, activation) run after the block as ordinary
//   elementwise ops.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Target/CPU/Passes.h"

#include "ContractionMaps.h"
#include "RowBlocks.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRCPUBF16MATMULPASS
#include "xfmr/Target/CPU/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;

namespace {

/// f32 lanes of one AVX-512 vector, and bf16 values in one.
constexpr int64_t kF32Lanes = 16;
constexpr int64_t kBF16Lanes = 32;

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// A contraction `out[..., m, j, r] += lhs[..., m, k] * w[j, k, r]` with `w`
/// a constant [P, K, NR] f32 (panels of xfmr-cpu-pack-weights).
struct PanelMatmul {
  linalg::GenericOp op;
  unsigned lhs;
  arith::ConstantOp weights;
  int64_t panels, k, nr;
};

/// Whether the body of `op` is `out + lhs * rhs` in f32 without fast-math
/// flags, the two inputs in either order.
bool isMultiplyAccumulate(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 3)
    return false;
  auto mul = dyn_cast<arith::MulFOp>(&body.front());
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!mul || !add || mul.getFastmath() != arith::FastMathFlags::none ||
      add.getFastmath() != arith::FastMathFlags::none)
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1);
  bool mulOfInputs = (mul.getLhs() == a && mul.getRhs() == b) ||
                     (mul.getLhs() == b && mul.getRhs() == a);
  bool addOfAcc =
      (add.getLhs() == body.getArgument(2) &&
       add.getRhs() == mul.getResult()) ||
      (add.getRhs() == body.getArgument(2) && add.getLhs() == mul.getResult());
  return mulOfInputs && addOfAcc;
}

std::optional<PanelMatmul> matchPanelMatmul(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !isMultiplyAccumulate(op))
    return std::nullopt;
  auto outType = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!outType || !outType.getElementType().isF32() || outType.getRank() < 3)
    return std::nullopt;
  int64_t rank = outType.getRank();
  unsigned numLoops = op.getNumLoops();
  if (numLoops != rank + 1)
    return std::nullopt;
  if (!xfmr::reducesOverLastLoopOnly(op))
    return std::nullopt;

  auto dims = [&](ArrayRef<int64_t> positions) {
    return xfmr::loopsAt(op, positions);
  };
  SmallVector<int64_t> outDims, lhsDims;
  for (int64_t d = 0; d < rank; ++d)
    outDims.push_back(d);
  for (int64_t d = 0; d + 2 < rank; ++d)
    lhsDims.push_back(d);
  lhsDims.push_back(rank);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[2] != dims(outDims))
    return std::nullopt;
  for (unsigned rhs : {1u, 0u}) {
    unsigned lhs = 1 - rhs;
    // The panels are a constant, or a flat constant reshaped to panels (as
    // xfmr-cpu-pack-weights leaves resources).
    Value panelsValue = op.getDpsInputs()[rhs];
    auto weights = panelsValue.getDefiningOp<arith::ConstantOp>();
    if (auto expand = panelsValue.getDefiningOp<tensor::ExpandShapeOp>()) {
      weights = expand.getSrc().getDefiningOp<arith::ConstantOp>();
      if (weights && expand.getSrcType().getRank() != 1)
        weights = nullptr;
    }
    if (!weights || maps[rhs] != dims({rank - 2, rank, rank - 1}) ||
        maps[lhs] != dims(lhsDims))
      continue;
    auto type = cast<RankedTensorType>(panelsValue.getType());
    auto lhsType = cast<RankedTensorType>(op.getDpsInputs()[lhs].getType());
    auto elements = dyn_cast<ElementsAttr>(weights.getValue());
    if (!type.getElementType().isF32() || !lhsType.getElementType().isF32() ||
        !elements ||
        !isa<DenseElementsAttr, DenseResourceElementsAttr>(elements))
      continue;
    int64_t panels = type.getDimSize(0), k = type.getDimSize(1),
            nr = type.getDimSize(2);
    if (nr % kF32Lanes != 0 || outType.getDimSize(rank - 1) != nr ||
        outType.getDimSize(rank - 2) != panels ||
        lhsType.getDimSize(rank - 2) != k)
      continue;
    return PanelMatmul{op, lhs, weights, panels, k, nr};
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// The weights in bf16
//===----------------------------------------------------------------------===//

/// `value` rounded to the nearest bf16, ties to even (NaNs stay NaN).
uint16_t roundToBF16(uint32_t bits) {
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

/// The type of the bf16 copy of `match`'s panels: [P, ceil(K/2), 2 NR].
RankedTensorType bf16PanelsType(PanelMatmul match) {
  return RankedTensorType::get(
      {match.panels, (match.k + 1) / 2, 2 * match.nr},
      BFloat16Type::get(match.op.getContext()));
}

/// The panels [P, K, NR] f32 of `match` as [P, ceil(K/2), 2 NR] bf16, with
/// rows k and k+1 of a column side by side (a zero row past K), flat: LLVM
/// IR would make one constant per innermost row, which costs more than the
/// data. Null if the data cannot be read.
ElementsAttr packBF16Pairs(PanelMatmul match) {
  auto value = cast<ElementsAttr>(match.weights.getValue());
  int64_t panels = match.panels, k = match.k, nr = match.nr;
  int64_t pairs = llvm::divideCeil(k, 2);
  auto packedType =
      RankedTensorType::get({bf16PanelsType(match).getNumElements()},
                            BFloat16Type::get(value.getContext()));

  auto dense = dyn_cast<DenseElementsAttr>(value);
  std::optional<ArrayRef<char>> bytes = xfmr::getWeightBytes(value);
  if (!bytes)
    return {};
  ArrayRef<char> source = *bytes;
  bool splat = dense && dense.isSplat();
  if (!splat && source.size() != static_cast<size_t>(panels * k * nr) * 4)
    return {};
  auto read = [&](int64_t index) {
    uint32_t bits;
    std::memcpy(&bits, source.data() + (splat ? 0 : index * 4), 4);
    return roundToBF16(bits);
  };

  size_t count = static_cast<size_t>(panels * pairs * 2 * nr);
  xfmr::WeightWriter writer(value, count * 2);
  auto *data = reinterpret_cast<uint16_t *>(writer.getData().data());
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t row = 0; row < k; ++row)
      for (int64_t r = 0; r < nr; ++r)
        data[(p * pairs + row / 2) * 2 * nr + 2 * r + row % 2] =
            read((p * k + row) * nr + r);
  return writer.finish(packedType, "bf16");
}

//===----------------------------------------------------------------------===//
// The register block
//===----------------------------------------------------------------------===//

/// Builds the bf16 contraction of one match.
class BlockBuilder : public xfmr::RowBlockKernel {
public:
  BlockBuilder(OpBuilder &b, PanelMatmul match, Value weights,
               int64_t registerRows)
      : b(b), loc(match.op.getLoc()), match(match), weights(weights),
        registerRows(registerRows) {}

  /// The contraction's result, [..., M, P, NR] f32.
  Value build() {
    linalg::GenericOp op = match.op;
    lhs = convertActivations(op.getDpsInputs()[match.lhs]);
    Value init = op.getDpsInits()[0];
    if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
      fillValue = fill.getInputs()[0];
      init = fill.getOutputs()[0];
    }
    xfmr::RowBlockLayout layout;
    layout.sizes = tensor::getMixedSizes(b, loc, init);
    layout.panelDim = true;
    layout.panels = match.panels;
    layout.panelWidth = match.nr;
    layout.lanes = kF32Lanes;
    layout.accumulatorElement = b.getF32Type();
    layout.steps = llvm::divideCeil(match.k, 2);
    layout.registerRows = registerRows;
    return xfmr::buildRowBlocks(b, loc, layout, init, *this);
  }

private:
  /// `value` [..., M, K] f32 as [..., M, K'] bf16, K' = K rounded up to
  /// even (a zero column past K).
  Value convertActivations(Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    int64_t lhsRank = type.getRank();
    Type bf16 = b.getBF16Type();
    SmallVector<OpFoldResult> lhsSizes = tensor::getMixedSizes(b, loc, value);
    Value empty = tensor::EmptyOp::create(b, loc, lhsSizes, bf16);
    AffineMap identity = b.getMultiDimIdentityMap(lhsRank);
    auto truncate = linalg::GenericOp::create(
        b, loc, TypeRange{empty.getType()}, ValueRange{value},
        ValueRange{empty}, ArrayRef<AffineMap>{identity, identity},
        SmallVector<utils::IteratorType>(lhsRank,
                                         utils::IteratorType::parallel),
        [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
          Value rounded =
              arith::TruncFOp::create(nested, nestedLoc, bf16, args[0]);
          linalg::YieldOp::create(nested, nestedLoc, rounded);
        });
    Value converted = truncate.getResult(0);
    if (match.k % 2 == 0)
      return converted;
    SmallVector<OpFoldResult> low(lhsRank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> high = low;
    high.back() = b.getIndexAttr(1);
    SmallVector<int64_t> shape(type.getShape());
    shape.back() += 1;
    Value padding = arith::ConstantOp::create(b, loc, b.getZeroAttr(bf16));
    return tensor::PadOp::create(b, loc, RankedTensorType::get(shape, bf16),
                                 converted, low, high, padding);
  }

  /// The accumulators of a block, row by row, NR/16 per row: the fill
  /// value, or what the result holds.
  SmallVector<Value>
  initialAccumulators(OpBuilder &nb, Location l,
                      const xfmr::RowBlockPosition &at) override {
    int64_t perRow = match.nr / kF32Lanes;
    auto accType = VectorType::get({kF32Lanes}, nb.getF32Type());
    Value zeroF32 = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(0));
    SmallVector<Value> accs;
    for (Value row : at.rows) {
      for (int64_t v = 0; v < perRow; ++v) {
        if (fillValue) {
          accs.push_back(
              vector::BroadcastOp::create(nb, l, accType, fillValue));
          continue;
        }
        SmallVector<Value> indices(at.batch);
        indices.push_back(row);
        indices.push_back(at.panel);
        indices.push_back(arith::ConstantIndexOp::create(nb, l, v * kF32Lanes));
        accs.push_back(vector::TransferReadOp::create(
            nb, l, accType, at.out, indices, zeroF32, ArrayRef<bool>{true}));
      }
    }
    return accs;
  }

  /// One step over the k pair `pair`: the panel's pair of rows, and per row
  /// of the block its broadcast pair, dot products into the accumulators.
  SmallVector<Value> step(OpBuilder &nb, Location l, Value pair,
                          const xfmr::RowBlockPosition &at,
                          ValueRange accs) override {
    Type bf16 = nb.getBF16Type();
    Value zeroBF16 = arith::ConstantOp::create(nb, l, nb.getZeroAttr(bf16));
    auto pairsType = VectorType::get({kBF16Lanes}, bf16);
    int64_t perRow = match.nr / kF32Lanes;
    SmallVector<Value> panelRows;
    for (int64_t v = 0; v < perRow; ++v) {
      Value indices[] = {at.panel, pair,
                         arith::ConstantIndexOp::create(nb, l, v * kBF16Lanes)};
      panelRows.push_back(vector::TransferReadOp::create(
          nb, l, pairsType, weights, indices, zeroBF16, ArrayRef<bool>{true}));
    }
    Value k = arith::MulIOp::create(nb, l, pair,
                                    arith::ConstantIndexOp::create(nb, l, 2));
    auto i32 = nb.getI32Type();
    SmallVector<Value> results;
    for (auto [r, row] : llvm::enumerate(at.rows)) {
      SmallVector<Value> indices(at.batch);
      indices.push_back(row);
      indices.push_back(k);
      Value twoValues = vector::TransferReadOp::create(
          nb, l, VectorType::get({2}, bf16), lhs, indices, zeroBF16,
          ArrayRef<bool>{true});
      Value asWord = vector::BitCastOp::create(nb, l, VectorType::get({1}, i32),
                                               twoValues);
      Value word = vector::ExtractOp::create(nb, l, asWord, 0);
      Value words = vector::BroadcastOp::create(
          nb, l, VectorType::get({kF32Lanes}, i32), word);
      Value broadcast = vector::BitCastOp::create(nb, l, pairsType, words);
      for (int64_t v = 0; v < perRow; ++v)
        results.push_back(x86vector::DotBF16Op::create(
            nb, l, accs[r * perRow + v], broadcast, panelRows[v]));
    }
    return results;
  }

  OpBuilder &b;
  Location loc;
  PanelMatmul match;
  Value weights;
  int64_t registerRows;
  Value lhs, fillValue;
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct XfmrCPUBF16MatmulPass
    : xfmr::impl::XfmrCPUBF16MatmulPassBase<XfmrCPUBF16MatmulPass> {
  using Base::Base;

  void runOnOperation() override {
    if (registerRows < 1) {
      getOperation().emitError() << "register-rows must be positive";
      return signalPassFailure();
    }
    SmallVector<PanelMatmul> matches;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<PanelMatmul> match = matchPanelMatmul(op))
        matches.push_back(*match);
    });
    // One bf16 copy per weight, however many contractions read it.
    llvm::DenseMap<Attribute, Value> packed;
    OpBuilder b(&getContext());
    for (PanelMatmul match : matches) {
      Value &weights = packed[match.weights.getValue()];
      if (!weights) {
        ElementsAttr elements = packBF16Pairs(match);
        if (!elements)
          continue;
        b.setInsertionPoint(match.weights);
        Value flat = arith::ConstantOp::create(b, match.weights.getLoc(),
                                               elements.getType(), elements);
        weights = tensor::ExpandShapeOp::create(
            b, match.weights.getLoc(), bf16PanelsType(match), flat,
            ArrayRef<ReassociationIndices>{{0, 1, 2}});
      }
      b.setInsertionPoint(match.op);
      Value result = BlockBuilder(b, match, weights, registerRows).build();
      match.op->getResult(0).replaceAllUsesWith(result);
      match.op->erase();
    }
  }
};

} // namespace
