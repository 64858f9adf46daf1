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
// loop brings 64 keys and their values into shared memory (keys as
// Ks[key][d], values transposed as Vt[d][key], so that both operands of
// the two products are read as pairs of neighbouring elements), then each
// warp computes its 16x64 scores S = Q Kᵀ and adds P V to its 16xD output
// O with m16n8k16 mma.sync, keeping the online softmax in registers.
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
//       Vt[8n + g][16 j + 8r + 2t + {0, 1}]
//   O (C of O), n-tile n, element e: row g + 8 (e / 2), col 8n + 2t + e % 2
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
static constexpr int64_t kKeyBlock = 64;
/// Elements after each shared-memory row: rows 16 bytes longer put the
/// pairs that the 8 groups of a warp read in different banks.
static constexpr int64_t kPad = 8;
/// Elements per vector load of a tile row from global memory (16 bytes of
/// f16 or bf16).
static constexpr int64_t kChunk = 8;
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
static FailureOr<AttentionOperands>
matchLoopNest(scf::ForallOp forall, DictionaryAttr marker, std::string &why) {
  if (auto reason = marker.getAs<StringAttr>("unsupported")) {
    why = reason.str();
    return failure();
  }
  AttentionOperands operands;
  why = "not the flash-attention loop nest";
  if (!readAttributes(marker, operands))
    return failure();

  // The query tile is sliced in the nest's body, the key and value tiles in
  // its key loop's: keys from their transpose [B, Hkv, D, T].
  Block &body = *forall.getBody();
  SmallVector<Value> outer = slicedFromAbove(body, forall);
  auto keyLoops = body.getOps<scf::ForOp>();
  if (outer.empty() || keyLoops.empty())
    return failure();
  SmallVector<Value> inner =
      slicedFromAbove(*(*keyLoops.begin()).getBody(), forall);
  if (inner.size() < 2)
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
  if (operands.headDim % 16 != 0 || operands.headDim > kMaxHeadDim) {
    why = "a head size that is not a multiple of 16 up to " +
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
                Type mmaType)
      : b(b), loc(loc), op(operands), mmaType(mmaType), f32(b.getF32Type()),
        headDim(operands.headDim) {}

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
  /// `vector` (of floats) as the mma's element type.
  Value toMmaType(Value vector);
  /// One m16n8k16 mma.sync: A as 4 pairs, B as 2 pairs, C as 4 f32.
  SmallVector<Value> mma(ArrayRef<Value> aPairs, ArrayRef<Value> bPairs,
                         ArrayRef<Value> acc);
  /// The pair of shared-memory elements tile[row][col], tile[row][col + 1].
  Value loadPair(Value tile, Value row, Value col);

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
  Type mmaType;
  Type f32;
  int64_t headDim;

  // Host values.
  Value query, keys, values, output;
  Value queryLength, keyLength;
  // Values of a thread.
  Value thread, group, position, batch, head, kvHead, firstRow;
  SmallVector<Value, 2> rows; ///< the rows of this lane: g and g + 8
  SmallVector<Value, 2> maskRows; ///< rows, at most Sq - 1
  Value lastKeyIndex;             ///< Skv - 1
  Value keyTile, valueTile;   ///< Ks and Vt in shared memory
  SmallVector<Value> queryFragments;
};
} // namespace

Value KernelEmitter::toMmaType(Value vector) {
  auto type = cast<VectorType>(vector.getType());
  Type element = type.getElementType();
  if (element == mmaType)
    return vector;
  if (!element.isF32())
    vector = arith::ExtFOp::create(b, loc, type.clone(f32), vector);
  return arith::TruncFOp::create(b, loc, type.clone(mmaType), vector);
}

Value KernelEmitter::loadElements(Value buffer, ValueRange indices,
                                  int64_t count, Value inBounds) {
  auto memrefType = cast<MemRefType>(buffer.getType());
  auto loaded = VectorType::get({count}, memrefType.getElementType());
  auto result = VectorType::get({count}, mmaType);
  // The offsets are multiples of `count` elements (D is a multiple of 16),
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
  return vector::LoadOp::create(b, loc, VectorType::get({2}, mmaType), tile,
                                ValueRange{row, col}, false, llvm::Align(4));
}

SmallVector<Value> KernelEmitter::mma(ArrayRef<Value> aPairs,
                                      ArrayRef<Value> bPairs,
                                      ArrayRef<Value> acc) {
  bool bf16 = mmaType.isBF16();
  // nvvm.mma.sync takes bf16 pairs as i32 registers, f16 pairs as vectors.
  auto operand = [&](Value pair) -> Value {
    if (!bf16)
      return pair;
    return LLVM::BitcastOp::create(b, loc, b.getI32Type(), pair);
  };
  SmallVector<Value> aRegs = llvm::map_to_vector(aPairs, operand);
  SmallVector<Value> bRegs = llvm::map_to_vector(bPairs, operand);
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes types = bf16 ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  auto product = NVVM::MmaOp::create(
      b, loc, resultType, aRegs, bRegs, acc, ArrayRef<int64_t>{16, 8, 16},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{types, types},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> results;
  for (int64_t i = 0; i < 4; ++i)
    results.push_back(LLVM::ExtractValueOp::create(b, loc, product, i));
  return results;
}

void KernelEmitter::emitTileLoads(Value j0) {
  // 64 keys x D elements in chunks of 8, chunk c at key c / (D / 8):
  // neighbouring threads read neighbouring chunks of a row (coalesced).
  int64_t chunksPerRow = headDim / kChunk;
  int64_t steps = kKeyBlock * chunksPerRow / kThreads;
  auto loop = scf::ForOp::create(b, loc, index(0), index(steps), index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value chunk = add(thread, mul(loop.getInductionVar(), kThreads));
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
  // a multiple of 16 bytes long.
  vector::StoreOp::create(b, loc, keyChunk, keyTile, ValueRange{key, d0}, false,
                          llvm::Align(16));
  Value valueChunk = loadElements(values, indices, kChunk, inBounds);
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
  for (int64_t n = 0; n < kKeyBlock / 8; ++n) {
    SmallVector<Value> acc(4, zero);
    Value key = add(index(8 * n), group);
    for (int64_t kk = 0; kk < headDim / 16; ++kk) {
      SmallVector<Value> bPairs;
      for (int64_t r = 0; r < 2; ++r)
        bPairs.push_back(
            loadPair(keyTile, key, add(index(16 * kk + 8 * r), twoT)));
      acc = mma(ArrayRef(queryFragments).slice(4 * kk, 4), bPairs, acc);
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
  Value lastKey = add(j0, index(kKeyBlock));
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
  auto keyTileType = MemRefType::get({kKeyBlock, headDim + kPad}, mmaType,
                                     MemRefLayoutAttrInterface(), workgroup);
  auto valueTileType = MemRefType::get({headDim, kKeyBlock + kPad}, mmaType,
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
  for (int64_t kk = 0; kk < headDim / 16; ++kk)
    for (int64_t r = 0; r < 4; ++r) {
      Value row = rows[r % 2];
      Value col = add(index(16 * kk + 8 * (r / 2)), twoT);
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
      scf::ForOp::create(b, loc, index(0), keyEnd, index(kKeyBlock), init);
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
      for (int64_t n = 0; n < kKeyBlock / 8; ++n)
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
      for (int64_t n = 0; n < kKeyBlock / 8; ++n)
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
    for (int64_t j = 0; j < kKeyBlock / 16; ++j) {
      SmallVector<Value> aPairs = {pPair(2 * j, 0), pPair(2 * j, 2),
                                   pPair(2 * j + 1, 0), pPair(2 * j + 1, 2)};
      for (int64_t n = 0; n < headDim / 8; ++n) {
        Value d = add(index(8 * n), group);
        SmallVector<Value> bPairs;
        for (int64_t r = 0; r < 2; ++r)
          bPairs.push_back(
              loadPair(valueTile, d, add(index(16 * j + 8 * r), twoT)));
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
        operands = matchLoopNest(forall, marker, why);
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
    Builder builder(&getContext());
    Type mmaType;
    if (precision == "bf16") {
      mmaType = builder.getBF16Type();
    } else if (precision == "f16") {
      mmaType = builder.getF16Type();
    } else {
      module.emitError("the attention kernel takes f16 or bf16 operands, not '")
          << precision << "'";
      return signalPassFailure();
    }
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
        if (!call || !emitLaunch(call, attributes, mmaType)) {
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
                         Type mmaType) {
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
    if (ShapedType::isDynamic(operands.headDim) || operands.headDim % 16 ||
        operands.headDim > kMaxHeadDim ||
        !cast<MemRefType>(operands.output.getType()).getElementType().isF32())
      return false;
    OpBuilder b(call);
    KernelEmitter(b, call.getLoc(), operands, mmaType).emit();
    call.erase();
    return true;
  }
};
} // namespace
