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
// - AVX2 (256-bit vectors without VNNI), on a few rows (a decode step,
//   bound by reading the weights) when W has no -128 (ONNX Runtime's
//   symmetric int8 weights are in [-127, 127]): `vpmaddubsw` adds two
//   u8 x s8 products into a saturating i16, and 255 * 127 * 2 does not
//   fit. So x is shifted to s8, x' = x - 128, and the block multiplies
//   |x'| (a u8 of at most 128) by W with the sign of x' (`vpsignb`): each
//   product is x' * w, a pair at most 2 * 128 * 127 = 32512, exact in i16;
//   `vpmaddwd` by ones adds the pairs into i32 lanes. The accumulators
//   start at 128 * colsum(W), computed at compile time, so the sum is that
//   of x * w. W is packed as for VNNI, one byte per weight.
// - Otherwise (many rows, which are bound by the multiply pipes rather
//   than the weights' bytes; a -128 in W; 512-bit vectors without VNNI,
//   which have no `vpsignb`): the weights are widened to i16 at compile
//   time, packed as [N/NR, ceil(K/2), NR * 2], and x to i16 once per
//   contraction; `vpmaddwd` then adds two exact i16 products per i32 lane.
//
// The block is `register-rows` rows by one panel of two vectors, as the
// f32 block of xfmr-cpu-tile-and-vectorize, over an scf.forall of panels
// and row blocks (rows innermost, so that a panel stays in cache while row
// blocks stream), built by the row-block emitter the bf16 kernel shares
// (RowBlocks.h), which also blocks the rows past the last full block. The
// result is the same i32 sum, in any order; the zero points' corrections,
// the scales, bias and activation follow as the elementwise epilogue the
// lowering made.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Target/CPU/Passes.h"

#include "ContractionMaps.h"
#include "RowBlocks.h"

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

/// The instructions of a block's dot products.
enum class DotKind {
  /// vpdpbusd: 4 u8 x s8 products into each i32 lane.
  Vnni,
  /// vpsignb, vpmaddubsw and vpmaddwd by ones on x - 128 (AVX2, W without
  /// -128).
  SignedBytes,
  /// vpmaddwd on i16: 2 products into each i32 lane.
  Int16Pairs,
};

/// The instruction and block a contraction gets.
struct Kernel {
  /// i32 lanes of a vector.
  int64_t lanes;
  DotKind dot;
  int64_t rows;

  /// Columns of a panel: two vectors.
  int64_t panelWidth() const { return 2 * lanes; }
  /// k values one lane sums per step: 4 bytes, or 2 i16.
  int64_t kGroup() const { return dot == DotKind::Int16Pairs ? 2 : 4; }
  Type weightElement(MLIRContext *context) const {
    return IntegerType::get(context, dot == DotKind::Int16Pairs ? 16 : 8);
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

/// Reads the constant int8 weights of a match as [K, N], 0 past either.
class WeightReader {
public:
  /// Null (false) if the data cannot be read.
  explicit WeightReader(Int8Matmul match) : match(match) {
    auto value = cast<ElementsAttr>(match.weights.getValue());
    std::optional<ArrayRef<char>> data = xfmr::getWeightBytes(value);
    auto dense = dyn_cast<DenseElementsAttr>(value);
    splat = dense && dense.isSplat();
    if (data &&
        (splat || data->size() == static_cast<size_t>(match.k * match.n)))
      bytes = *data;
  }
  explicit operator bool() const { return !bytes.empty(); }

  int8_t operator()(int64_t row, int64_t col) const {
    if (row >= match.k || col >= match.n)
      return 0;
    int64_t index =
        match.transposed ? col * match.k + row : row * match.n + col;
    return static_cast<int8_t>(bytes[splat ? 0 : index]);
  }

  /// Whether some weight is -128, whose sign cannot be flipped in 8 bits.
  bool hasInt8Min() const {
    return llvm::is_contained(bytes, static_cast<char>(-128));
  }

private:
  Int8Matmul match;
  ArrayRef<char> bytes;
  bool splat = false;
};

/// The weights of `match` packed for `kernel`, flat (as
/// xfmr-cpu-pack-weights leaves resources: LLVM IR would otherwise make a
/// constant per innermost row).
ElementsAttr packWeights(Int8Matmul match, const WeightReader &read,
                         const Kernel &kernel) {
  auto value = cast<ElementsAttr>(match.weights.getValue());
  RankedTensorType packed =
      kernel.packedType(match.op.getContext(), match.k, match.n);
  int64_t panels = packed.getDimSize(0), groups = packed.getDimSize(1);
  int64_t nr = kernel.panelWidth(), g = kernel.kGroup();
  int64_t count = packed.getNumElements();
  bool wide = kernel.dot == DotKind::Int16Pairs;
  xfmr::WeightWriter writer(value, count * (wide ? 2 : 1));
  char *data = writer.getData().data();
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t t = 0; t < groups; ++t)
      for (int64_t r = 0; r < nr; ++r)
        for (int64_t i = 0; i < g; ++i) {
          int64_t index = ((p * groups + t) * nr + r) * g + i;
          int8_t v = read(t * g + i, p * nr + r);
          if (!wide) {
            data[index] = static_cast<char>(v);
          } else {
            int16_t widened = v;
            std::memcpy(data + index * 2, &widened, 2);
          }
        }
  auto flatType =
      RankedTensorType::get({count}, kernel.weightElement(value.getContext()));
  return writer.finish(flatType, wide ? "i16pairs" : "dot4");
}

/// 128 * the sum of each column of W, [N/NR * NR] i32 (0 past N): what the
/// shift of x to x - 128 takes from the product.
DenseElementsAttr shiftCorrection(Int8Matmul match, const WeightReader &read,
                                  const Kernel &kernel) {
  int64_t columns =
      llvm::divideCeil(match.n, kernel.panelWidth()) * kernel.panelWidth();
  SmallVector<int32_t> sums(columns, 0);
  for (int64_t col = 0; col < match.n; ++col)
    for (int64_t row = 0; row < match.k; ++row)
      sums[col] += 128 * read(row, col);
  auto type = RankedTensorType::get(
      {columns}, IntegerType::get(match.op.getContext(), 32));
  return DenseElementsAttr::get(type, ArrayRef<int32_t>(sums));
}

//===----------------------------------------------------------------------===//
// The register block
//===----------------------------------------------------------------------===//

class BlockBuilder : public xfmr::RowBlockKernel {
public:
  /// `correction` is 128 * colsum(W) for DotKind::SignedBytes.
  BlockBuilder(OpBuilder &b, Int8Matmul match, Value weights, Value correction,
               const Kernel &kernel)
      : b(b), loc(match.op.getLoc()), match(match), weights(weights),
        correction(correction), kernel(kernel) {}

  /// The contraction's result, [..., M, N] i32.
  Value build() {
    prepareActivations(match.op.getDpsInputs()[0]);
    Value init = match.op.getDpsInits()[0];
    auto type = cast<RankedTensorType>(init.getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, init);
    xfmr::RowBlockLayout layout;
    layout.panels = llvm::divideCeil(match.n, kernel.panelWidth());
    layout.panelWidth = kernel.panelWidth();
    layout.lanes = kernel.lanes;
    layout.accumulatorElement = b.getI32Type();
    layout.steps = llvm::divideCeil(match.k, kernel.kGroup());
    layout.registerRows = kernel.rows;
    layout.sizes = sizes;
    layout.sizes.back() = b.getIndexAttr(layout.panels * layout.panelWidth);
    Value dest = tensor::EmptyOp::create(b, loc, layout.sizes, b.getI32Type());
    Value result = xfmr::buildRowBlocks(b, loc, layout, dest, *this);
    if (layout.sizes.back() == sizes.back())
      return result;
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
        strides(rank, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, type, result, offsets, sizes,
                                          strides);
  }

private:
  /// Sets `lhs` (and `magnitude`) to `value` [..., M, K] u8 as the kernel
  /// reads it: for vpmaddwd zero-extended to i16; for vpmaddubsw x - 128
  /// and its magnitude |x - 128| (a u8, 128 for x = 0); K padded with
  /// zeros to a multiple of the group.
  void prepareActivations(Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    int64_t lhsRank = type.getRank();
    SmallVector<OpFoldResult> lhsSizes = tensor::getMixedSizes(b, loc, value);
    AffineMap identity = b.getMultiDimIdentityMap(lhsRank);
    SmallVector<utils::IteratorType> parallel(lhsRank,
                                              utils::IteratorType::parallel);
    auto elementwise =
        [&](Type element, unsigned results,
            function_ref<SmallVector<Value>(OpBuilder &, Location, Value)>
                body) {
          Value empty = tensor::EmptyOp::create(b, loc, lhsSizes, element);
          SmallVector<Value> inits(results, empty);
          SmallVector<Type> types(results, empty.getType());
          SmallVector<AffineMap> maps(results + 1, identity);
          return linalg::GenericOp::create(
                     b, loc, types, ValueRange{value}, inits, maps, parallel,
                     [&](OpBuilder &nested, Location nestedLoc,
                         ValueRange args) {
                       linalg::YieldOp::create(
                           nested, nestedLoc, body(nested, nestedLoc, args[0]));
                     })
              .getResults();
        };
    if (kernel.dot == DotKind::Int16Pairs) {
      value = elementwise(
          b.getI16Type(), 1, [&](OpBuilder &nb, Location l, Value x) {
            return SmallVector<Value>{
                arith::ExtUIOp::create(nb, l, nb.getI16Type(), x)};
          })[0];
    }
    if (kernel.dot == DotKind::SignedBytes) {
      ResultRange shifted = elementwise(
          b.getI8Type(), 2, [&](OpBuilder &nb, Location l, Value x) {
            Type i8 = nb.getI8Type();
            Value min = arith::ConstantOp::create(nb, l, i8,
                                                  nb.getIntegerAttr(i8, -128));
            Value zero =
                arith::ConstantOp::create(nb, l, i8, nb.getIntegerAttr(i8, 0));
            // x - 128 is x with its top bit flipped; its negation wraps at
            // -128 to the u8 128.
            Value centered = arith::XOrIOp::create(nb, l, x, min);
            Value negated = arith::SubIOp::create(nb, l, zero, centered);
            Value negative = arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::slt, centered, zero);
            Value abs =
                arith::SelectOp::create(nb, l, negative, negated, centered);
            return SmallVector<Value>{centered, abs};
          });
      magnitude = padGroup(shifted[1]);
      value = shifted[0];
    }
    lhs = padGroup(value);
  }

  /// `value` [..., M, K] with K padded with zeros to a multiple of the
  /// group.
  Value padGroup(Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    int64_t padding = llvm::alignTo(match.k, kernel.kGroup()) - match.k;
    if (padding == 0)
      return value;
    SmallVector<OpFoldResult> low(type.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> high = low;
    high.back() = b.getIndexAttr(padding);
    SmallVector<int64_t> shape(type.getShape());
    shape.back() += padding;
    Value zero =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
    return tensor::PadOp::create(b, loc, type.clone(shape), value, low, high,
                                 zero);
  }

  /// The accumulators of a block, row by row, two per row: zeros, or for
  /// vpmaddubsw the panel's 128 * colsum(W).
  SmallVector<Value>
  initialAccumulators(OpBuilder &nb, Location l,
                      const xfmr::RowBlockPosition &at) override {
    int64_t rows = at.rows.size();
    auto accType = VectorType::get({kernel.lanes}, nb.getI32Type());
    if (!correction) {
      Value zeroAcc = arith::ConstantOp::create(nb, l, nb.getZeroAttr(accType));
      return SmallVector<Value>(rows * 2, zeroAcc);
    }
    Value zero = arith::ConstantOp::create(nb, l, nb.getI32IntegerAttr(0));
    Value panelStart = arith::MulIOp::create(
        nb, l, at.panel,
        arith::ConstantIndexOp::create(nb, l, kernel.panelWidth()));
    SmallVector<Value> panelSums;
    for (int64_t v = 0; v < 2; ++v) {
      Value start = arith::AddIOp::create(
          nb, l, panelStart,
          arith::ConstantIndexOp::create(nb, l, v * kernel.lanes));
      panelSums.push_back(vector::TransferReadOp::create(
          nb, l, accType, correction, ValueRange{start}, zero,
          ArrayRef<bool>{true}));
    }
    SmallVector<Value> accs;
    for (int64_t r = 0; r < rows; ++r)
      llvm::append_range(accs, panelSums);
    return accs;
  }

  /// One step over the k group `group`: the panel's two vectors, and per
  /// row of the block its group of k broadcast to every lane, dot products
  /// into the accumulators.
  SmallVector<Value> step(OpBuilder &nb, Location l, Value group,
                          const xfmr::RowBlockPosition &at,
                          ValueRange accs) override {
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
      Value indices[] = {at.panel, group,
                         arith::ConstantIndexOp::create(nb, l, v * perVector)};
      Value w = vector::TransferReadOp::create(nb, l, weightVectorType, weights,
                                               indices, zeroElement,
                                               ArrayRef<bool>{true});
      panelVectors.push_back(w);
    }
    Value k = arith::MulIOp::create(nb, l, group,
                                    arith::ConstantIndexOp::create(nb, l, g));
    // A row's group in every lane, as i32 words.
    auto broadcast = [&](Value source, ArrayRef<Value> indices) -> Value {
      Value groupValues = vector::TransferReadOp::create(
          nb, l, VectorType::get({g}, element), source, indices, zeroElement,
          ArrayRef<bool>{true});
      Value asWord = vector::BitCastOp::create(nb, l, VectorType::get({1}, i32),
                                               groupValues);
      Value word = vector::ExtractOp::create(nb, l, asWord, 0);
      return vector::BroadcastOp::create(nb, l, accType, word);
    };
    SmallVector<Value> results;
    for (auto [r, row] : llvm::enumerate(at.rows)) {
      SmallVector<Value> indices(at.batch);
      indices.push_back(row);
      indices.push_back(k);
      Value words = broadcast(lhs, indices);
      Value magnitudes = magnitude ? broadcast(magnitude, indices) : Value();
      for (int64_t v = 0; v < 2; ++v)
        results.push_back(
            dot(nb, l, accs[r * 2 + v], words, magnitudes, panelVectors[v]));
    }
    return results;
  }

  /// acc + the dot products of `words` (a row's group in every lane) and
  /// `w` (the panel's groups); `magnitudes` are |words| for vpmaddubsw.
  Value dot(OpBuilder &nb, Location l, Value acc, Value words, Value magnitudes,
            Value w) {
    auto accType = cast<VectorType>(acc.getType());
    switch (kernel.dot) {
    case DotKind::Vnni: {
      // The intrinsic takes the bytes as such: <4L x i8>.
      Value bytes = vector::BitCastOp::create(nb, l, w.getType(), words);
      StringRef name = kernel.lanes == 16 ? "llvm.x86.avx512.vpdpbusd.512"
                                          : "llvm.x86.avx512.vpdpbusd.256";
      return intrinsic(nb, l, accType, name, {acc, bytes, w});
    }
    case DotKind::SignedBytes: {
      auto bytesType = cast<VectorType>(w.getType());
      auto pairsType = VectorType::get({kernel.lanes * 2}, nb.getI16Type());
      Value signs = vector::BitCastOp::create(nb, l, bytesType, words);
      Value unsignedBytes =
          vector::BitCastOp::create(nb, l, bytesType, magnitudes);
      Value signedW =
          intrinsic(nb, l, bytesType, "llvm.x86.avx2.psign.b", {w, signs});
      Value pairs = intrinsic(nb, l, pairsType, "llvm.x86.avx2.pmadd.ub.sw",
                              {unsignedBytes, signedW});
      Value ones = arith::ConstantOp::create(
          nb, l, DenseElementsAttr::get(pairsType, nb.getI16IntegerAttr(1)));
      Value products =
          intrinsic(nb, l, accType, "llvm.x86.avx2.pmadd.wd", {pairs, ones});
      return arith::AddIOp::create(nb, l, acc, products);
    }
    case DotKind::Int16Pairs: {
      auto pairsType = VectorType::get({kernel.lanes * 2}, nb.getI16Type());
      Value pairs = vector::BitCastOp::create(nb, l, pairsType, words);
      StringRef name = kernel.lanes == 16 ? "llvm.x86.avx512.pmaddw.d.512"
                                          : "llvm.x86.avx2.pmadd.wd";
      Value products = intrinsic(nb, l, accType, name, {pairs, w});
      return arith::AddIOp::create(nb, l, acc, products);
    }
    }
    llvm_unreachable("unknown dot kind");
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
  Value weights, correction;
  Kernel kernel;
  Value lhs, magnitude;
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct XfmrCPUInt8MatmulPass
    : xfmr::impl::XfmrCPUInt8MatmulPassBase<XfmrCPUInt8MatmulPass> {
  using Base::Base;

  void runOnOperation() override {
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
    // One packed copy per weight and kernel, however many contractions
    // read it.
    struct Packed {
      Value weights, correction;
    };
    llvm::DenseMap<std::tuple<Attribute, unsigned, unsigned>, Packed> packed;
    OpBuilder b(&getContext());
    for (Int8Matmul match : matches) {
      WeightReader read(match);
      if (!read)
        continue;
      Kernel kernel = chooseKernel(match, read);
      Packed &entry =
          packed[{match.weights.getValue(), unsigned(match.transposed),
                  static_cast<unsigned>(kernel.dot)}];
      if (!entry.weights) {
        ElementsAttr elements = packWeights(match, read, kernel);
        b.setInsertionPoint(match.weights);
        Location loc = match.weights.getLoc();
        Value flat =
            arith::ConstantOp::create(b, loc, elements.getType(), elements);
        entry.weights = tensor::ExpandShapeOp::create(
            b, loc, kernel.packedType(&getContext(), match.k, match.n), flat,
            ArrayRef<ReassociationIndices>{{0, 1, 2}});
        if (kernel.dot == DotKind::SignedBytes) {
          DenseElementsAttr sums = shiftCorrection(match, read, kernel);
          entry.correction =
              arith::ConstantOp::create(b, loc, sums.getType(), sums);
        }
      }
      b.setInsertionPoint(match.op);
      Value result =
          BlockBuilder(b, match, entry.weights, entry.correction, kernel)
              .build();
      match.op->getResult(0).replaceAllUsesWith(result);
      match.op->erase();
    }
  }

  /// vpdpbusd where the CPU has it. Without, vpmaddubsw on few rows and
  /// vpmaddwd on many: vpsignb runs on the multiply pipes of Zen 3/4 and
  /// Skylake, so a step of vpsignb, vpmaddubsw and vpmaddwd by ones does
  /// 32 products in 3 of their slots where vpmaddwd on i16 does 16 in 1.
  /// On Zen 4 a 128 x 768 x 3072 product took 4.8 ms of CPU time with
  /// vpmaddubsw against 4.1 with vpmaddwd. A few rows are bound by
  /// reading the weights instead, which vpmaddubsw reads as bytes, half
  /// the i16 copy: a one-row FFN stack of 768 x 2048 layers took 0.24 ms
  /// against 0.61.
  Kernel chooseKernel(Int8Matmul match, const WeightReader &read) const {
    constexpr int64_t maxByteRows = 4;
    int64_t lanes = vectorBits == 512 ? 16 : 8;
    if (vnni)
      return {lanes, DotKind::Vnni, registerRows};
    auto lhsType = cast<RankedTensorType>(match.op.getDpsInputs()[0].getType());
    int64_t m = lhsType.getDimSize(lhsType.getRank() - 2);
    // vpsignb has no 512-bit form; a -128 in W has no positive in 8 bits.
    if (vectorBits == 256 && !ShapedType::isDynamic(m) && m <= maxByteRows &&
        !read.hasInt8Min())
      return {lanes, DotKind::SignedBytes, registerRows};
    return {lanes, DotKind::Int16Pairs, registerRows};
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
