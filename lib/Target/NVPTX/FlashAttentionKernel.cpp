//===- FlashAttentionKernel.cpp - Attention as one FlashAttention-2 kernel ===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A block (CTA) computes 64 query rows of one batch and query head; each of
// its 4 warps owns 16 of those rows for the whole kernel. A step of the key
// loop brings N = 64 keys and their values into shared memory (keys as
// Ks[key][d]; values as Vs[key][d], which ldmatrix.trans reads as Vᵀ, or
// for tf32 transposed as Vt[d][key], so that both operands of the two
// products are read as pairs of neighbouring elements), then each
// warp computes its 16xN scores S = Q Kᵀ and adds P V to its 16xD output
// O with m16n8k16 (f16, bf16) or m16n8k8 (tf32) mma.sync, keeping the
// online softmax in registers.
//
// Fragment ownership (lane l of a warp, group g = l / 4, position t = l % 4;
// "pair" is two neighbouring elements in one 32-bit register):
//
//   Q (A of S = Q Kᵀ), k-step kk of D / 16, reg r of 4:
//       rows g + 8 (r % 2), cols 16 kk + 8 (r / 2) + 2t + {0, 1}
//   Kᵀ (B of S), n-tile n of 8, k-step kk, reg r of 2:
//       Ks[8n + g][16 kk + 8r + 2t + {0, 1}]
//   S and P (C of S), n-tile n, element e of 4:
//       row g + 8 (e / 2), key 8n + 2t + e % 2
//   P (A of O += P V), k-step j of 4: regs (S[2j] e0 e1, S[2j] e2 e3,
//       S[2j+1] e0 e1, S[2j+1] e2 e3): the C layout of two n-tiles is the
//       A layout of one k-step, so P never leaves the registers
//   V (B of O), n-tile n of D / 8, k-step j, reg r of 2:
//       V[16 j + 8r + 2t + {0, 1}][8n + g]
//
// K and V fragments come by ldmatrix.x4 (four 8x8 matrices, lane l
// addressing row l % 8 of matrix l / 8 and receiving row g, cols 2t, 2t + 1
// of each): Ks's rows 8n.. at cols 16kk + 8r for two k-steps, and with
// .trans (rows 2t, 2t + 1 of col g) Vs's keys 16j + 8r.. at cols 8n.. for
// two n-tiles. Fewer instructions than 32-bit shared loads, and Vs is
// stored by 16-byte vectors rather than element by element.
//   O (C of O), n-tile n, element e: row g + 8 (e / 2), col 8n + 2t + e % 2
//
// With --precision=tf32 the products are m16n8k8 on tf32 (one element per
// register; the PTX ISA's layout: A reg r at row g + 8 (r % 2), k t + 4 (r
// / 2); B reg r at k t + 4r, col g). A product may sum over k in any order,
// so the kernel lets k = t stand for column 2t of the k-step and k = t + 4
// for column 2t + 1: a lane's elements are the same pairs as above, split
// into two registers, element 0 first:
//
//   Q (A of S), k-step kk of D / 8: reg r: row g + 8 (r % 2),
//       col 8kk + 2t + r / 2
//   Kᵀ (B of S): reg r: Ks[8n + g][8kk + 2t + r]
//   P (A of O += P V), k-step j of N / 8: regs S[j] e0, e2, e1, e3
//   V (B of O): reg r: Vt[8n + g][8j + 2t + r]
//
// so P needs no shuffle either. The tiles hold f32 rounded to tf32
// (cvt.rna) as they are loaded, Q and P are rounded likewise; 64 keys of
// f32 with D over 64 would not fit in 48 KB of shared memory, so such
// kernels step by N = 32 keys.
//
// So a lane holds rows g and g + 8 of its warp's tile, and the four lanes
// of a group (l xor 1, l xor 2) hold all of a row: the row maximum is
// combined across them with two xor shuffles at every step, the row sum
// only once, at the end (each lane's partial sum is rescaled by the same
// factor). Scores are scaled by scale * log2(e) so that exp2 computes the
// exponentials.
//
//===----------------------------------------------------------------------===//

#include "TensorCoreKernels.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRNVPTXFLASHATTENTIONKERNELPASS
#define GEN_PASS_DEF_XFMRNVPTXFLASHATTENTIONCALLPASS
#include "xfmr/Target/NVPTX/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

static constexpr int64_t kLanes = 32, kWarps = 4, kRowsPerWarp = 16;
static constexpr int64_t kThreads = kWarps * kLanes;
static constexpr int64_t kQueryBlock = kWarps * kRowsPerWarp;
/// Elements after each shared-memory row: rows 8 elements longer put the
/// pairs that the 8 groups of a warp read in different banks (16-bit
/// elements), or in different banks of each half-warp's 8-byte access
/// (f32 elements, for most head sizes).
static constexpr int64_t kPad = 8;
/// Elements per vector load of a tile row from global memory (16 bytes of
/// f16 or bf16, 32 of f32).
static constexpr int64_t kChunk = 8;
/// Static shared memory a block may use.
static constexpr int64_t kSharedBytes = 48 * 1024;
/// The largest head size whose fragments (Q, O) fit in registers.
static constexpr int64_t kMaxHeadDim = 128;
/// The attribute of the declaration that stands for the kernel between the
/// two passes: the marker's causal flag, causal offset and scale.
static constexpr llvm::StringLiteral kFlashAttentionKernelAttrName =
    "xfmr.flash_attention_kernel";

namespace {
/// What the kernel reads: the query [B, Hq, Sq, D], keys and values
/// [B, Hkv, Skv, D], before any widening of their elements; what it
/// writes: the output [B, Hq, Sq, D] in f32. Tensors where the loop nest is
/// matched, buffers where the kernel is emitted.
struct AttentionOperands {
  Value query, keys, values, output;
  /// An additive (float) or keep (i1) mask broadcast to [B, Hq, Sq, T]
  /// (rank 2 to 4, dims of static size 1 broadcast), or none.
  Value mask;
  bool causal = false;
  int64_t causalOffset = 0;
  double scale = 1.0;
  bool hasMask = false;
  int64_t headDim = 0;
};
} // namespace

namespace {
/// The tensor-core product the kernel is built on: m16n8k16 on f16 or bf16
/// (a pair of elements in each 32-bit register), or m16n8k8 on tf32 (one
/// f32 rounded to 10 mantissa bits in each register).
struct MmaKind {
  /// The element of the shared-memory tiles and of the fragments: f16,
  /// bf16, or f32 holding tf32 values.
  Type element;
  bool tf32 = false;
  /// The k of the mma's shape, hence what the head size is a multiple of.
  int64_t k() const { return tf32 ? 8 : 16; }
};
} // namespace

/// The kernel's product at `precision` (f16, bf16 or tf32), or none after
/// an error on `module`.
static std::optional<MmaKind> mmaKindFor(ModuleOp module, StringRef precision) {
  Builder b(module.getContext());
  if (precision == "bf16")
    return MmaKind{b.getBF16Type()};
  if (precision == "f16")
    return MmaKind{b.getF16Type()};
  if (precision == "tf32")
    return MmaKind{b.getF32Type(), /*tf32=*/true};
  module.emitError("the attention kernel takes f16, bf16 or tf32 operands, "
                   "not '")
      << precision << "'";
  return std::nullopt;
}

/// The shape of the values' tile for `keys` keys: Vs[keys][D + pad] for
/// 16-bit elements (ldmatrix.trans reads it as Vᵀ), Vt[D][keys + pad]
/// (transposed as it is stored) for tf32.
static SmallVector<int64_t, 2> valueTileShape(MmaKind kind, int64_t headDim,
                                              int64_t keys) {
  if (kind.tf32)
    return {headDim, keys + kPad};
  return {keys, headDim + kPad};
}

/// Keys per step of the key loop: 64, or 32 where the tiles of 64 keys
/// (f32 elements with a large head) would not fit in static shared memory.
static int64_t keyBlockFor(int64_t headDim, MmaKind kind) {
  int64_t bytes = kind.element.getIntOrFloatBitWidth() / 8;
  SmallVector<int64_t, 2> values = valueTileShape(kind, headDim, 64);
  int64_t tiles = (64 * (headDim + kPad) + values[0] * values[1]) * bytes;
  return tiles <= kSharedBytes ? 64 : 32;
}

/// `value` before a widening of its elements by an elementwise generic (the
/// loop nest computes in f32): the kernel converts as it loads.
static Value lookThroughWidening(Value value) {
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumResults() != 1 ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return value;
  Block &body = generic.getRegion().front();
  auto extend = dyn_cast<arith::ExtFOp>(body.front());
  if (!extend || extend.getIn() != body.getArgument(0) ||
      body.getTerminator()->getOperand(0) != extend.getResult())
    return value;
  return generic.getDpsInputOperand(0)->get();
}

/// The first extract_slice directly in `block` of a value from above `loop`.
static SmallVector<Value> slicedFromAbove(Block &block, Operation *loop) {
  SmallVector<Value> sources;
  for (auto slice : block.getOps<tensor::ExtractSliceOp>())
    if (!loop->isAncestor(slice.getSource().getParentBlock()->getParentOp()))
      sources.push_back(slice.getSource());
  return sources;
}

/// Reads the causal flag, the causal offset and the scale of `attributes`
/// (the marker's or the kernel declaration's) into `operands`.
static bool readAttributes(DictionaryAttr attributes,
                           AttentionOperands &operands) {
  auto causal = attributes.getAs<BoolAttr>("causal");
  auto offset = attributes.getAs<IntegerAttr>("causal_offset");
  auto scale = attributes.getAs<FloatAttr>("scale");
  auto mask = attributes.getAs<BoolAttr>("mask");
  if (!causal || !offset || !scale || !mask || offset.getInt() < 0)
    return false;
  operands.hasMask = mask.getValue();
  operands.causal = causal.getValue();
  operands.causalOffset = offset.getInt();
  operands.scale = scale.getValueAsDouble();
  return true;
}

/// The operands of the flash-attention loop nest `forall`, or why the
/// kernel cannot replace it.
static FailureOr<AttentionOperands> matchLoopNest(scf::ForallOp forall,
                                                  DictionaryAttr marker,
                                                  int64_t headDimMultiple,
                                                  std::string &why) {
  if (auto reason = marker.getAs<StringAttr>("unsupported")) {
    why = reason.str();
    return failure();
  }
  AttentionOperands operands;
  why = "not the flash-attention loop nest";
  if (!readAttributes(marker, operands))
    return failure();

  // The query tile is sliced in the nest's body, the key and value tiles in
  // its key loop's: keys from their transpose [B, Hkv, D, T]. Keys of a
  // static length up to the loop's block make a loop of one step, which
  // canonicalization folds into the body: their slices then follow the
  // query's there.
  Block &body = *forall.getBody();
  SmallVector<Value> outer = slicedFromAbove(body, forall);
  auto keyLoops = body.getOps<scf::ForOp>();
  SmallVector<Value> inner;
  if (!keyLoops.empty())
    inner = slicedFromAbove(*(*keyLoops.begin()).getBody(), forall);
  else if (outer.size() > 1)
    inner.assign(std::next(outer.begin()), outer.end());
  if (outer.empty() || inner.size() < 2)
    return failure();
  auto transpose = inner[0].getDefiningOp<linalg::GenericOp>();
  if (!transpose || transpose.getNumDpsInputs() != 1)
    return failure();
  operands.query = lookThroughWidening(outer[0]);
  operands.keys = lookThroughWidening(transpose.getDpsInputOperand(0)->get());
  operands.values = lookThroughWidening(inner[1]);
  if (operands.hasMask) {
    if (inner.size() < 3)
      return failure();
    operands.mask = lookThroughWidening(inner[2]);
    auto maskType = dyn_cast<RankedTensorType>(operands.mask.getType());
    if (!maskType || maskType.getRank() < 2 ||
        !isa<Float32Type, Float16Type, BFloat16Type, IntegerType>(
            maskType.getElementType()) ||
        (isa<IntegerType>(maskType.getElementType()) &&
         !maskType.getElementType().isInteger(1)))
      return failure();
  }

  auto resultType = dyn_cast<RankedTensorType>(forall.getResult(0).getType());
  if (!resultType || !resultType.getElementType().isF32())
    return failure();
  for (Value value : {operands.query, operands.keys, operands.values}) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || type.getRank() != 4 ||
        !isa<Float32Type, Float16Type, BFloat16Type>(type.getElementType()))
      return failure();
    int64_t d = type.getDimSize(3);
    if (ShapedType::isDynamic(d)) {
      why = "a head size known only at run time";
      return failure();
    }
    if (operands.headDim && d != operands.headDim) {
      why = "value heads of another size than the query's";
      return failure();
    }
    operands.headDim = d;
  }
  if (operands.headDim % headDimMultiple != 0 ||
      operands.headDim > kMaxHeadDim) {
    why = "a head size that is not a multiple of " +
          std::to_string(headDimMultiple) + " up to " +
          std::to_string(kMaxHeadDim);
    return failure();
  }
  return operands;
}

namespace {
/// Emits the kernel of one attention: the host code around the launch, the
/// launch, and the code of one thread in it.
class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, const AttentionOperands &operands,
                MmaKind kind)
      : b(b), loc(loc), op(operands), kind(kind), mmaType(kind.element),
        f32(b.getF32Type()), headDim(operands.headDim),
        keyBlock(keyBlockFor(headDim, kind)) {}

  /// The launch, before the builder's insertion point.
  void emit();

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value constant(double value) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  }
  Value add(Value x, Value y) {
    return b.createOrFold<arith::AddIOp>(loc, x, y);
  }
  Value mul(Value x, int64_t y) {
    return b.createOrFold<arith::MulIOp>(loc, x, index(y));
  }
  Value lessThan(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  /// 2^x by the special function unit (2 ulp), as CUDA's fast exp2f: no
  /// libdevice call, which gpu-to-nvvm would make of math.exp2. Without
  /// side effects, so that it may be scheduled freely.
  Value exp2(Value x) {
    return LLVM::InlineAsmOp::create(
               b, loc, f32, ValueRange{x},
               b.getStringAttr("ex2.approx.ftz.f32 $0, $1;"),
               b.getStringAttr("=f,f"), /*has_side_effects=*/nullptr,
               /*is_align_stack=*/nullptr,
               LLVM::TailCallKindAttr::get(
                   b.getContext(), LLVM::tailcallkind::TailCallKind::None),
               /*asm_dialect=*/nullptr, /*operand_attrs=*/nullptr)
        .getResult(0);
  }
  /// The larger of two floats, -inf below every number (max.f32).
  Value max(Value x, Value y) {
    Value greater =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, y);
    return arith::SelectOp::create(b, loc, greater, x, y);
  }
  Value xorShuffle(Value value, int32_t offset) {
    return gpu::ShuffleOp::create(b, loc, value, offset, kLanes,
                                  gpu::ShuffleMode::XOR)
        .getShuffleResult();
  }

  /// `count` elements of `buffer` from `indices` on, as the mma's element
  /// type, or zeros where `inBounds` is false.
  Value loadElements(Value buffer, ValueRange indices, int64_t count,
                     Value inBounds);
  /// `vector` (of floats) as the mma's element type: for tf32, f32
  /// rounded to nearest (ties away) by cvt.rna.tf32.f32.
  Value toMmaType(Value vector);
  /// One m16n8k16 (m16n8k8 for tf32) mma.sync: A as 4 (2) pairs, B as 2 (1)
  /// pairs, C as 4 f32.
  SmallVector<Value> mma(ArrayRef<Value> aPairs, ArrayRef<Value> bPairs,
                         ArrayRef<Value> acc);
  /// The 32-bit registers of the pairs of an A (rows g, g + 8) or a B
  /// fragment, in the mma's operand order.
  SmallVector<Value> registers(ArrayRef<Value> pairs);
  /// The pair of shared-memory elements tile[row][col], tile[row][col + 1].
  Value loadPair(Value tile, Value row, Value col);
  /// `count` (4 or 2) 8x8 matrices of 16-bit elements by one ldmatrix:
  /// lane l gives `row` and `col`, the address of row l % 8 of matrix
  /// l / 8 (lanes past 8 count too, ignored), and receives a pair of each
  /// matrix, at row g, cols 2t, 2t + 1 (with `transpose`, rows 2t and
  /// 2t + 1 of col g): one B fragment register per matrix.
  SmallVector<Value> loadMatrices(Value tile, Value row, Value col,
                                  int64_t count, bool transpose);

  void emitTileLoads(Value j0);
  /// S for this warp's rows and the keys of the tile, in C fragments.
  SmallVector<Value> emitScores();
  /// S scaled by scale * log2(e), -inf where a key is past the end or,
  /// with the causal flag, after a row's frontier.
  SmallVector<Value> emitScaledScores(ArrayRef<Value> scores, Value j0);
  void emitStore(ArrayRef<Value> sums, ArrayRef<Value> acc);
  /// `score` plus the mask's element (additive), or -inf where it is false
  /// (keep), for row `rows[rowIndex]` and `key`.
  Value applyMask(Value score, int64_t rowIndex, Value key);
  /// exp2 of `x`, or of x log2(e) with a mask (scores in the natural
  /// domain).
  Value exponential(Value x) {
    if (op.mask)
      x = arith::MulFOp::create(b, loc, x, constant(M_LOG2E));
    return exp2(x);
  }

  OpBuilder &b;
  Location loc;
  const AttentionOperands &op;
  MmaKind kind;
  Type mmaType;
  Type f32;
  int64_t headDim;
  int64_t keyBlock;

  // Host values.
  Value query, keys, values, output;
  Value queryLength, keyLength;
  // Values of a thread.
  Value thread, group, position, batch, head, kvHead, firstRow;
  SmallVector<Value, 2> rows; ///< the rows of this lane: g and g + 8
  SmallVector<Value, 2> maskRows; ///< rows, at most Sq - 1
  Value lastKeyIndex;             ///< Skv - 1
  Value keyTile, valueTile;       ///< Ks and Vs (Vt for tf32) in shared memory
  /// The ldmatrix addresses of this lane (16-bit elements): row l % 8 of
  /// Ks's matrix l / 8 (of 4, or of 2 for the last of D / 8 % 4 == 2),
  /// and row l % 8 + 8 (l / 8 % 2), col 8 (l / 16) of Vs's.
  Value keyMatrixRow, keyMatrixCol, keyMatrixColOfTwo;
  Value valueMatrixRow, valueMatrixCol;
  SmallVector<Value> queryFragments;
};
} // namespace

Value KernelEmitter::toMmaType(Value vector) {
  auto type = cast<VectorType>(vector.getType());
  Type element = type.getElementType();
  if (element == mmaType && !kind.tf32)
    return vector;
  if (!element.isF32())
    vector = arith::ExtFOp::create(b, loc, type.clone(f32), vector);
  // f16 and bf16 are exact in tf32 (10 mantissa bits or fewer).
  if (kind.tf32 && !element.isF32())
    return vector;
  if (!kind.tf32)
    return arith::TruncFOp::create(b, loc, type.clone(mmaType), vector);
  SmallVector<Value> rounded;
  for (int64_t e = 0; e < type.getNumElements(); ++e) {
    Value x = vector::ExtractOp::create(b, loc, vector, e);
    Value bits = NVVM::ConvertFloatToTF32Op::create(
        b, loc, b.getI32Type(), x, NVVM::FPRoundingMode::RNA,
        NVVM::SaturationMode::NONE, /*relu=*/false);
    rounded.push_back(arith::BitcastOp::create(b, loc, f32, bits));
  }
  return vector::FromElementsOp::create(b, loc, type.clone(f32), rounded);
}

Value KernelEmitter::loadElements(Value buffer, ValueRange indices,
                                  int64_t count, Value inBounds) {
  auto memrefType = cast<MemRefType>(buffer.getType());
  auto loaded = VectorType::get({count}, memrefType.getElementType());
  auto result = VectorType::get({count}, mmaType);
  // The offsets are multiples of `count` elements (D is a multiple of 8),
  // and buffers start at least 256 bytes aligned: 16-byte loads.
  int64_t bytes = count * memrefType.getElementTypeBitWidth() / 8;
  auto guarded = scf::IfOp::create(b, loc, result, inBounds,
                                   /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(guarded.thenBlock());
  Value vector = vector::LoadOp::create(
      b, loc, loaded, buffer, indices, /*nontemporal=*/false,
      llvm::MaybeAlign(std::min<int64_t>(bytes, 16)));
  scf::YieldOp::create(b, loc, toMmaType(vector));
  b.setInsertionPointToStart(guarded.elseBlock());
  Value zeros = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(result, b.getZeroAttr(mmaType)));
  scf::YieldOp::create(b, loc, zeros);
  return guarded.getResult(0);
}

Value KernelEmitter::loadPair(Value tile, Value row, Value col) {
  return vector::LoadOp::create(
      b, loc, VectorType::get({2}, mmaType), tile, ValueRange{row, col}, false,
      llvm::Align(mmaType.getIntOrFloatBitWidth() / 4));
}

SmallVector<Value> KernelEmitter::loadMatrices(Value tile, Value row, Value col,
                                               int64_t count, bool transpose) {
  auto pairs = VectorType::get({count, 2}, mmaType);
  Value loaded = nvgpu::LdMatrixOp::create(
      b, loc, pairs, tile, ValueRange{row, col}, transpose, count);
  SmallVector<Value> results;
  for (int64_t i = 0; i < count; ++i)
    results.push_back(vector::ExtractOp::create(b, loc, loaded, i));
  return results;
}

SmallVector<Value> KernelEmitter::registers(ArrayRef<Value> pairs) {
  // f16 pairs go to nvvm.mma.sync as vectors, bf16 pairs as i32.
  if (!kind.tf32)
    return llvm::map_to_vector(pairs, [&](Value pair) -> Value {
      if (!mmaType.isBF16())
        return pair;
      return LLVM::BitcastOp::create(b, loc, b.getI32Type(), pair);
    });
  // tf32: element 0 of each pair (k = t), then element 1 (k = t + 4).
  SmallVector<Value> regs;
  for (int64_t e = 0; e < 2; ++e)
    for (Value pair : pairs)
      regs.push_back(arith::BitcastOp::create(
          b, loc, b.getI32Type(), vector::ExtractOp::create(b, loc, pair, e)));
  return regs;
}

SmallVector<Value> KernelEmitter::mma(ArrayRef<Value> aPairs,
                                      ArrayRef<Value> bPairs,
                                      ArrayRef<Value> acc) {
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes types = kind.tf32          ? NVVM::MMATypes::tf32
                         : mmaType.isBF16() ? NVVM::MMATypes::bf16
                                            : NVVM::MMATypes::f16;
  auto product = NVVM::MmaOp::create(
      b, loc, resultType, registers(aPairs), registers(bPairs), acc,
      ArrayRef<int64_t>{16, 8, kind.k()}, std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{types, types},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> results;
  for (int64_t i = 0; i < 4; ++i)
    results.push_back(LLVM::ExtractValueOp::create(b, loc, product, i));
  return results;
}

void KernelEmitter::emitTileLoads(Value j0) {
  // The keys x D elements in chunks of 8, chunk c at key c / (D / 8):
  // neighbouring threads read neighbouring chunks of a row (coalesced).
  int64_t chunksPerRow = headDim / kChunk;
  int64_t chunks = keyBlock * chunksPerRow;
  int64_t steps = llvm::divideCeil(chunks, kThreads);
  auto loop = scf::ForOp::create(b, loc, index(0), index(steps), index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value chunk = add(thread, mul(loop.getInductionVar(), kThreads));
  // A head size that is an odd multiple of 8 leaves threads without a
  // chunk in the last step.
  if (chunks % kThreads) {
    auto inside = scf::IfOp::create(b, loc, lessThan(chunk, index(chunks)),
                                    /*withElseRegion=*/false);
    b.setInsertionPointToStart(inside.thenBlock());
  }
  Value key = arith::DivUIOp::create(b, loc, chunk, index(chunksPerRow));
  Value d0 =
      mul(arith::RemUIOp::create(b, loc, chunk, index(chunksPerRow)), kChunk);
  Value globalKey = add(j0, key);
  // Keys past the end read as zeros: their scores are masked, and a zero
  // value times a zero probability stays zero (garbage could be a NaN).
  Value inBounds = lessThan(globalKey, keyLength);
  SmallVector<Value> indices = {batch, kvHead, globalKey, d0};
  Value keyChunk = loadElements(keys, indices, kChunk, inBounds);
  // Tiles are 16-byte aligned (xfmr-nvptx-align-workgroup-buffers), rows
  // and chunks multiples of 16 bytes long.
  vector::StoreOp::create(b, loc, keyChunk, keyTile, ValueRange{key, d0}, false,
                          llvm::Align(16));
  Value valueChunk = loadElements(values, indices, kChunk, inBounds);
  if (!kind.tf32) {
    vector::StoreOp::create(b, loc, valueChunk, valueTile, ValueRange{key, d0},
                            false, llvm::Align(16));
    return;
  }
  for (int64_t e = 0; e < kChunk; ++e) {
    Value element = vector::ExtractOp::create(b, loc, valueChunk, e);
    memref::StoreOp::create(b, loc, element, valueTile,
                            ValueRange{add(d0, index(e)), key});
  }
}

SmallVector<Value> KernelEmitter::emitScores() {
  SmallVector<Value> scores;
  Value zero = constant(0.0);
  Value twoT = mul(position, 2);
  int64_t k = kind.k(), aPairs = k / 4;
  for (int64_t n = 0; n < keyBlock / 8; ++n) {
    SmallVector<Value> acc(4, zero);
    Value key = add(index(8 * n), group);
    // 16-bit: the B pairs of the 8-column chunks c of Ks's rows 8n..8n+7,
    // four chunks (two k-steps) per ldmatrix.
    SmallVector<Value> keyPairs;
    for (int64_t c = 0; !kind.tf32 && c < headDim / 8; c += 4) {
      int64_t count = std::min<int64_t>(4, headDim / 8 - c);
      llvm::append_range(
          keyPairs,
          loadMatrices(
              keyTile, add(index(8 * n), keyMatrixRow),
              add(index(8 * c), count == 4 ? keyMatrixCol : keyMatrixColOfTwo),
              count, /*transpose=*/false));
    }
    for (int64_t kk = 0; kk < headDim / k; ++kk) {
      SmallVector<Value> bPairs;
      for (int64_t h = 0; h < k / 8; ++h)
        bPairs.push_back(
            kind.tf32 ? loadPair(keyTile, key, add(index(k * kk + 8 * h), twoT))
                      : keyPairs[k / 8 * kk + h]);
      acc =
          mma(ArrayRef(queryFragments).slice(aPairs * kk, aPairs), bPairs, acc);
    }
    llvm::append_range(scores, acc);
  }
  return scores;
}

SmallVector<Value> KernelEmitter::emitScaledScores(ArrayRef<Value> scores,
                                                   Value j0) {
  // With a mask the scores stay in the natural domain (see emit).
  Value scale = constant(op.mask ? op.scale : op.scale * M_LOG2E);
  Value negInf = constant(-std::numeric_limits<double>::infinity());
  auto scaled = [&](bool masked) {
    SmallVector<Value> results;
    Value twoT = mul(position, 2);
    for (auto [i, score] : llvm::enumerate(scores)) {
      int64_t n = i / 4, e = i % 4;
      Value s = arith::MulFOp::create(b, loc, score, scale);
      if (masked) {
        Value key = add(j0, add(index(8 * n + e % 2), twoT));
        if (op.mask)
          s = applyMask(s, e / 2, key);
        Value visible = lessThan(key, keyLength);
        if (op.causal) {
          Value frontier = add(rows[e / 2], index(op.causalOffset));
          visible = arith::AndIOp::create(
              b, loc, visible,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, key,
                                    frontier));
        }
        s = arith::SelectOp::create(b, loc, visible, s, negInf);
      }
      results.push_back(s);
    }
    return results;
  };
  // Only the tiles that cross the end of the keys or the causal diagonal
  // pay for the mask: the first row of the block sees every key of the
  // tile when j0 + 63 <= firstRow + offset.
  if (op.mask)
    return scaled(true);
  Value lastKey = add(j0, index(keyBlock));
  Value needsMask = lessThan(keyLength, lastKey);
  if (op.causal)
    needsMask = arith::OrIOp::create(
        b, loc, needsMask,
        lessThan(add(firstRow, index(op.causalOffset + 1)), lastKey));
  SmallVector<Type> types(scores.size(), f32);
  auto branch = scf::IfOp::create(b, loc, types, needsMask,
                                  /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(branch.thenBlock());
    scf::YieldOp::create(b, loc, scaled(true));
    b.setInsertionPointToStart(branch.elseBlock());
    scf::YieldOp::create(b, loc, scaled(false));
  }
  return SmallVector<Value>(branch.getResults());
}

Value KernelEmitter::applyMask(Value score, int64_t rowIndex, Value key) {
  // Rows past the end (never stored) and keys past the end (masked after)
  // read the last row's and key's element: nothing out of bounds.
  auto type = cast<MemRefType>(op.mask.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> indices;
  for (int64_t d = 0; d < rank; ++d) {
    if (type.getDimSize(d) == 1) {
      indices.push_back(index(0));
      continue;
    }
    switch (d + 4 - rank) {
    case 0:
      indices.push_back(batch);
      break;
    case 1:
      indices.push_back(head);
      break;
    case 2:
      indices.push_back(maskRows[rowIndex]);
      break;
    default:
      indices.push_back(arith::MinUIOp::create(b, loc, key, lastKeyIndex));
      break;
    }
  }
  Value element = memref::LoadOp::create(b, loc, op.mask, indices);
  if (element.getType().isInteger(1))
    return arith::SelectOp::create(
        b, loc, element, score,
        constant(-std::numeric_limits<double>::infinity()));
  if (!element.getType().isF32())
    element = arith::ExtFOp::create(b, loc, f32, element);
  return arith::AddFOp::create(b, loc, score, element);
}

void KernelEmitter::emitStore(ArrayRef<Value> sums, ArrayRef<Value> acc) {
  Value twoT = mul(position, 2);
  for (int64_t r = 0; r < 2; ++r) {
    // A row's sum is spread over the four lanes of its group.
    Value sum = sums[r];
    for (int32_t offset : {1, 2})
      sum = arith::AddFOp::create(b, loc, sum, xorShuffle(sum, offset));
    // A row that sees no key is zeros, as in the loop nest.
    Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, sum,
                                        constant(0.0));
    Value inverse = arith::DivFOp::create(
        b, loc, constant(1.0),
        arith::SelectOp::create(b, loc, empty, constant(1.0), sum));
    auto inside = scf::IfOp::create(b, loc, lessThan(rows[r], queryLength),
                                    /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inside.thenBlock());
    for (int64_t n = 0; n < headDim / 8; ++n) {
      SmallVector<Value> pair;
      for (int64_t c = 0; c < 2; ++c)
        pair.push_back(
            arith::MulFOp::create(b, loc, acc[4 * n + 2 * r + c], inverse));
      Value vector = vector::FromElementsOp::create(
          b, loc, VectorType::get({2}, f32), pair);
      vector::StoreOp::create(
          b, loc, vector, output,
          ValueRange{batch, head, rows[r], add(index(8 * n), twoT)}, false,
          llvm::Align(8));
    }
  }
}

void KernelEmitter::emit() {
  query = op.query;
  keys = op.keys;
  values = op.values;
  output = op.output;
  auto dim = [&](Value buffer, int64_t d) {
    return b.createOrFold<memref::DimOp>(loc, buffer, d);
  };
  Value batches = dim(query, 0), queryHeads = dim(query, 1);
  queryLength = dim(query, 2);
  keyLength = dim(keys, 2);
  // GQA: query head h reads key/value head h / (Hq / Hkv). Head counts
  // known only at run time are checked on the host; should the check fail,
  // the group is at least 1 and the head at most Hkv - 1, so that nothing
  // divides by zero or reads past the keys.
  Value kvHeads = dim(keys, 1);
  Value headGroup = b.createOrFold<arith::MaxUIOp>(
      loc, b.createOrFold<arith::DivUIOp>(loc, queryHeads, kvHeads), index(1));
  Value lastKvHead = b.createOrFold<arith::SubIOp>(loc, kvHeads, index(1));

  auto workgroup = gpu::AddressSpaceAttr::get(
      b.getContext(), gpu::GPUDialect::getWorkgroupAddressSpace());
  auto keyTileType = MemRefType::get({keyBlock, headDim + kPad}, mmaType,
                                     MemRefLayoutAttrInterface(), workgroup);
  auto valueTileType =
      MemRefType::get(valueTileShape(kind, headDim, keyBlock), mmaType,
                      MemRefLayoutAttrInterface(), workgroup);
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc,
      b.createOrFold<arith::CeilDivUIOp>(loc, queryLength, index(kQueryBlock)),
      queryHeads, batches, index(kThreads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{keyTileType, valueTileType},
      /*privateAttributions=*/{}, /*clusterSizeX=*/nullptr,
      /*clusterSizeY=*/nullptr, /*clusterSizeZ=*/nullptr,
      FlatSymbolRefAttr::get(b.getContext(), kKernelModuleName));
  OpBuilder::InsertionGuard guard(b);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  keyTile = launch.getWorkgroupAttributions()[0];
  valueTile = launch.getWorkgroupAttributions()[1];
  thread = launch.getThreadIds().x;
  Value warp = arith::DivUIOp::create(b, loc, thread, index(kLanes));
  Value lane = arith::RemUIOp::create(b, loc, thread, index(kLanes));
  LaneInGroup inGroup = laneInGroup(b, loc, lane);
  group = inGroup.group;
  position = inGroup.position;
  if (!kind.tf32) {
    Value matrix = arith::DivUIOp::create(b, loc, lane, index(8));
    Value matrixRow = arith::RemUIOp::create(b, loc, lane, index(8));
    keyMatrixRow = matrixRow;
    keyMatrixCol = mul(matrix, 8);
    keyMatrixColOfTwo =
        mul(arith::RemUIOp::create(b, loc, matrix, index(2)), 8);
    valueMatrixRow = add(matrixRow, keyMatrixColOfTwo);
    valueMatrixCol = mul(arith::DivUIOp::create(b, loc, matrix, index(2)), 8);
  }
  batch = launch.getBlockIds().z;
  head = launch.getBlockIds().y;
  kvHead = b.createOrFold<arith::MinUIOp>(
      loc, b.createOrFold<arith::DivUIOp>(loc, head, headGroup), lastKvHead);
  firstRow = mul(launch.getBlockIds().x, kQueryBlock);
  Value warpRow = add(firstRow, mul(warp, kRowsPerWarp));
  rows = {add(warpRow, group), add(warpRow, add(group, index(8)))};
  if (op.mask) {
    Value lastRow = arith::SubIOp::create(b, loc, queryLength, index(1));
    for (Value row : rows)
      maskRows.push_back(arith::MinUIOp::create(b, loc, row, lastRow));
    lastKeyIndex = arith::SubIOp::create(b, loc, keyLength, index(1));
  }

  // The warp's Q as A fragments, once: rows past the end read as zeros and
  // are never stored.
  Value twoT = mul(position, 2);
  int64_t k = kind.k();
  for (int64_t kk = 0; kk < headDim / k; ++kk)
    for (int64_t p = 0; p < k / 4; ++p) {
      Value row = rows[p % 2];
      Value col = add(index(k * kk + 8 * (p / 2)), twoT);
      queryFragments.push_back(loadElements(query, {batch, head, row, col}, 2,
                                            lessThan(row, queryLength)));
    }

  // With the causal flag, the block's last row i0 + 63 sees keys up to
  // i0 + 63 + offset: the tiles after it are never visited.
  Value keyEnd = keyLength;
  if (op.causal)
    keyEnd = arith::MinUIOp::create(
        b, loc, keyLength, add(firstRow, index(kQueryBlock + op.causalOffset)));

  // The loop carries m and l of rows g and g + 8, then O.
  Value negInf = constant(-std::numeric_limits<double>::infinity());
  Value zero = constant(0.0);
  SmallVector<Value> init = {negInf, negInf, zero, zero};
  init.append(4 * headDim / 8, zero);
  auto loop =
      scf::ForOp::create(b, loc, index(0), keyEnd, index(keyBlock), init);
  {
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value j0 = loop.getInductionVar();
    ValueRange state = loop.getRegionIterArgs();
    // Nobody overwrites the tiles while a warp still reads the last ones,
    // nor reads them before every thread wrote its part.
    gpu::BarrierOp::create(b, loc);
    emitTileLoads(j0);
    gpu::BarrierOp::create(b, loc);
    SmallVector<Value> scores = emitScaledScores(emitScores(), j0);

    SmallVector<Value> next(state.begin(), state.end());
    SmallVector<Value> factors;
    for (int64_t r = 0; r < 2; ++r) {
      Value rowMax = negInf;
      for (int64_t n = 0; n < keyBlock / 8; ++n)
        for (int64_t c = 0; c < 2; ++c)
          rowMax = max(rowMax, scores[4 * n + 2 * r + c]);
      for (int32_t offset : {1, 2})
        rowMax = max(rowMax, xorShuffle(rowMax, offset));
      Value newMax = max(state[r], rowMax);
      // A row that has seen no key yet subtracts 0, not -inf (-inf - -inf
      // is NaN).
      Value unseen = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                           newMax, negInf);
      Value shift = arith::SelectOp::create(b, loc, unseen, zero, newMax);
      Value factor = exponential(
          arith::SubFOp::create(b, loc, state[r], shift).getResult());
      factors.push_back(factor);
      Value sum = arith::MulFOp::create(b, loc, state[2 + r], factor);
      for (int64_t n = 0; n < keyBlock / 8; ++n)
        for (int64_t c = 0; c < 2; ++c) {
          Value &p = scores[4 * n + 2 * r + c];
          p = exponential(arith::SubFOp::create(b, loc, p, shift).getResult());
          sum = arith::AddFOp::create(b, loc, sum, p);
        }
      next[r] = newMax;
      next[2 + r] = sum;
    }
    MutableArrayRef<Value> acc = MutableArrayRef(next).drop_front(4);
    for (size_t i = 0; i < acc.size(); ++i)
      acc[i] = arith::MulFOp::create(b, loc, acc[i], factors[(i % 4) / 2]);

    // O += P V, P straight from the score fragments.
    auto pPair = [&](int64_t n, int64_t e) {
      Value pair = vector::FromElementsOp::create(
          b, loc, VectorType::get({2}, f32),
          ValueRange{scores[4 * n + e], scores[4 * n + e + 1]});
      return toMmaType(pair);
    };
    for (int64_t j = 0; j < keyBlock / k; ++j) {
      SmallVector<Value> aPairs;
      for (int64_t h = 0; h < k / 8; ++h)
        llvm::append_range(aPairs, ArrayRef<Value>{pPair(k / 8 * j + h, 0),
                                                   pPair(k / 8 * j + h, 2)});
      // 16-bit: the B pairs of n-tiles n and n + 1 by one ldmatrix.trans
      // of Vs's keys 16j..16j+15 (matrix i: keys + 8 (i % 2), d 8 (n +
      // i / 2)).
      SmallVector<Value> valuePairs;
      for (int64_t n = 0; !kind.tf32 && n < headDim / 8; n += 2)
        llvm::append_range(valuePairs,
                           loadMatrices(valueTile,
                                        add(index(k * j), valueMatrixRow),
                                        add(index(8 * n), valueMatrixCol), 4,
                                        /*transpose=*/true));
      for (int64_t n = 0; n < headDim / 8; ++n) {
        Value d = add(index(8 * n), group);
        SmallVector<Value> bPairs;
        for (int64_t h = 0; h < k / 8; ++h)
          bPairs.push_back(
              kind.tf32
                  ? loadPair(valueTile, d, add(index(k * j + 8 * h), twoT))
                  : valuePairs[4 * (n / 2) + 2 * (n % 2) + h]);
        SmallVector<Value> product = mma(aPairs, bPairs, acc.slice(4 * n, 4));
        llvm::copy(product, acc.begin() + 4 * n);
      }
    }
    scf::YieldOp::create(b, loc, next);
  }
  ValueRange results = loop.getResults();
  emitStore({results[2], results[3]}, llvm::to_vector(results.drop_front(4)));
}

//===----------------------------------------------------------------------===//
// The passes
//===----------------------------------------------------------------------===//

/// The attributes of a kernel declaration: those of the loop nest's marker
/// that the kernel uses.
static DictionaryAttr kernelAttributes(Builder &b,
                                       const AttentionOperands &operands) {
  return b.getDictionaryAttr(
      {b.getNamedAttr("causal", b.getBoolAttr(operands.causal)),
       b.getNamedAttr("mask", b.getBoolAttr(operands.hasMask)),
       b.getNamedAttr("causal_offset",
                      b.getI64IntegerAttr(operands.causalOffset)),
       b.getNamedAttr("scale", b.getF64FloatAttr(operands.scale))});
}

/// Replaces `forall` by a call of a new kernel declaration on the buffers
/// of its operands and of a new output buffer.
static void replaceByCall(ModuleOp module, scf::ForallOp forall,
                          const AttentionOperands &operands,
                          SymbolTable &symbols) {
  OpBuilder b(forall);
  Location loc = forall.getLoc();
  auto toBuffer = [&](Value tensor) -> Value {
    auto type = cast<RankedTensorType>(tensor.getType());
    return bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
        /*read_only=*/true);
  };
  SmallVector<Value> buffers = {toBuffer(operands.query),
                                toBuffer(operands.keys),
                                toBuffer(operands.values)};
  if (operands.mask)
    buffers.push_back(toBuffer(operands.mask));
  auto type = cast<RankedTensorType>(forall.getResult(0).getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(b.createOrFold<memref::DimOp>(loc, buffers[0], d));
  Value output = memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()),
      dynamicSizes);
  buffers.push_back(output);

  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
  auto kernel = func::FuncOp::create(
      moduleBuilder, loc, "xfmr_flash_attention",
      b.getFunctionType(ValueRange(buffers).getTypes(), {}));
  kernel.setPrivate();
  kernel->setAttr(kFlashAttentionKernelAttrName, kernelAttributes(b, operands));
  symbols.insert(kernel);
  func::CallOp::create(b, loc, kernel, buffers);
  forall.getResult(0).replaceAllUsesWith(bufferization::ToTensorOp::create(
      b, loc, type, output, /*restrict=*/true, /*writable=*/true));
  forall.erase();
}

namespace {
struct FlashAttentionCallPass
    : public xfmr::impl::XfmrNVPTXFlashAttentionCallPassBase<
          FlashAttentionCallPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<MmaKind> kind = mmaKindFor(module, precision);
    if (!kind)
      return signalPassFailure();
    SmallVector<scf::ForallOp> nests;
    module.walk([&](scf::ForallOp forall) {
      if (forall->hasAttr(kFlashAttentionAttrName))
        nests.push_back(forall);
    });
    SymbolTable symbols(module);
    for (scf::ForallOp forall : nests) {
      auto marker =
          forall->getAttrOfType<DictionaryAttr>(kFlashAttentionAttrName);
      std::string why = "not the flash-attention loop nest";
      FailureOr<AttentionOperands> operands = failure();
      if (marker)
        operands = matchLoopNest(forall, marker, kind->k(), why);
      if (failed(operands)) {
        forall.emitRemark("attention stays on the generic loops: ") << why;
        continue;
      }
      replaceByCall(module, forall, *operands, symbols);
    }
  }
};

struct FlashAttentionKernelPass
    : public xfmr::impl::XfmrNVPTXFlashAttentionKernelPassBase<
          FlashAttentionKernelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<MmaKind> kind = mmaKindFor(module, precision);
    if (!kind)
      return signalPassFailure();
    SmallVector<func::FuncOp> kernels;
    for (auto kernel : module.getOps<func::FuncOp>())
      if (kernel->hasAttr(kFlashAttentionKernelAttrName))
        kernels.push_back(kernel);
    bool invalid = false;
    for (func::FuncOp kernel : kernels) {
      auto attributes =
          kernel->getAttrOfType<DictionaryAttr>(kFlashAttentionKernelAttrName);
      std::optional<SymbolTable::UseRange> uses = kernel.getSymbolUses(module);
      for (const SymbolTable::SymbolUse &use : *uses) {
        auto call = dyn_cast<func::CallOp>(use.getUser());
        if (!call || !emitLaunch(call, attributes, *kind)) {
          use.getUser()->emitError("not a call of the attention kernel on "
                                   "its buffers");
          invalid = true;
        }
      }
      if (!invalid)
        kernel.erase();
    }
    if (invalid)
      signalPassFailure();
  }

  /// Replaces `call` by the kernel's launch; false if its operands are not
  /// the query, keys, values and output buffers the kernel takes.
  static bool emitLaunch(func::CallOp call, DictionaryAttr attributes,
                         MmaKind kind) {
    AttentionOperands operands;
    if (!attributes || !readAttributes(attributes, operands) ||
        call.getNumOperands() != (operands.hasMask ? 5u : 4u))
      return false;
    operands.query = call.getOperand(0);
    operands.keys = call.getOperand(1);
    operands.values = call.getOperand(2);
    if (operands.hasMask)
      operands.mask = call.getOperand(3);
    operands.output = call.getOperands().back();
    for (Value buffer : call.getOperands()) {
      auto type = dyn_cast<MemRefType>(buffer.getType());
      if (!type ||
          type.getRank() != (buffer == operands.mask ? type.getRank() : 4) ||
          !type.getLayout().isIdentity())
        return false;
    }
    operands.headDim = cast<MemRefType>(operands.query.getType()).getDimSize(3);
    if (ShapedType::isDynamic(operands.headDim) ||
        operands.headDim % kind.k() || operands.headDim > kMaxHeadDim ||
        !cast<MemRefType>(operands.output.getType()).getElementType().isF32())
      return false;
    OpBuilder b(call);
    KernelEmitter(b, call.getLoc(), operands, kind).emit();
    call.erase();
    return true;
  }
};
} // namespace
