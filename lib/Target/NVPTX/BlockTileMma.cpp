//===- BlockTileMma.cpp - A block per 64x64 tile of C on mma.sync ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A block of four warps computes a 64x64 tile of C. Warp w owns the 32x32
// quarter at rows 32 (w / 2), cols 32 (w % 2) of it: 2 x 4 m16n8 tiles, 32
// f32 accumulators per lane, kept in registers for the whole of k. k advances
// by slices of 32: each operand's 64x32 slice is staged in shared memory in
// f32, as global memory holds it, in two stages, so that the copy of slice
// kt + 1 is in flight while the warps multiply slice kt. The operands are
// rounded to f16 or bf16 only as fragments are built.
//
// A stage keeps an operand's innermost dim in global memory innermost, so
// that 16-byte chunks of 4 floats copy straight across (cp.async, with
// src-size 0, a zero fill, past the edges):
//   k innermost (A as [m][k], a weight as [n][k]): [64 rows][32 + 8 k];
//     a fragment register is the pair (k, k + 1), k even, of one row: one
//     8-byte ld.shared.v2.f32. An 8-byte access serves a half warp at once:
//     group g < 4 at position t reads words 40 g + 2t (+1), banks
//     8 g + 2t (+1): 32 distinct banks.
//   m or n innermost (a weight as [k][n]): [32 k][64 + 4 rows]; the pair is
//     two 4-byte loads, k and k + 1 of one row: lane (g, t) reads word
//     68 (2t + c) + g, bank 8t + g (mod 32), 32 distinct banks.
// Rows are 160 and 272 bytes long: every chunk starts 16-byte aligned.
//
// Fragments (PTX ISA, m16n8k16 .f16/.bf16; lane = 4 g + t):
//   A reg r: row g + 8 (r % 2), k 8 (r / 2) + 2t + {0, 1}
//   B reg r: k 8 r + 2t + {0, 1}, col g
//   C reg r: row g + 8 r, col 2t + {0, 1}
// and a register holds its pair's first element in its low half.
//
// Barriers: a stage is read only after every thread's copies into it have
// landed (cp.async.wait_group 1 leaves only the next slice's copies in
// flight, then a block barrier publishes all threads' copies), and it is
// overwritten (two slices later, at the top of the next step) only after
// the barrier that ends the step that read it. After the last step each
// thread waits for all its copies (wait_group 0) before it stores.
//
//===----------------------------------------------------------------------===//

#include "TensorCoreKernels.h"
#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {
constexpr int64_t kTile = 64;  ///< m and n of a block's tile of C
constexpr int64_t kSlice = 32; ///< k of a stage
constexpr int64_t kStages = 2; ///< stages in shared memory
constexpr int64_t kThreads = 128;
constexpr int64_t kChunk = 4; ///< floats per copy (16 bytes)
constexpr int64_t kWarpTile = 32;

/// An operand's staging: where its slices come from and go to.
struct StagedOperand {
  OpOperand *operand;
  unsigned rowLoop; ///< m for A, n for B
  Value rowBound;   ///< its trip count
  Value rowBase;    ///< the block tile's first row
  Value stages;     ///< memref<2 x outer x inner x f32, workgroup>
  bool kInner;      ///< k is the operand's innermost dim (else the row is)
  bool async;       ///< its chunks go by cp.async
};
} // namespace

/// The padded length of a stage's innermost dim.
static int64_t innerLength(bool kInner) {
  return kInner ? kSlice + 8 : kTile + 4;
}

/// Whether `operand`'s innermost dim is the loop `inner` and its chunks of 4
/// along it are 16-byte aligned: contiguous, of a static size that is a
/// multiple of 4, every other stride and the offset static multiples of 4.
/// (Every buffer the runtime or the arena hands a kernel starts at least
/// 64-byte aligned.)
static bool copiesInChunks(linalg::LinalgOp op, OpOperand &operand,
                           unsigned inner) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  unsigned rank = map.getNumResults();
  if (rank == 0 || map.getDimPosition(rank - 1) != inner)
    return false;
  auto type = cast<MemRefType>(operand.get().getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      strides.back() != 1 || ShapedType::isDynamic(type.getShape().back()) ||
      type.getShape().back() % kChunk != 0 || ShapedType::isDynamic(offset) ||
      offset % kChunk != 0)
    return false;
  return llvm::all_of(ArrayRef(strides).drop_back(), [](int64_t stride) {
    return !ShapedType::isDynamic(stride) && stride % kChunk == 0;
  });
}

/// Whether `operand`'s innermost dim is the loop `loop`.
static bool isInnermost(linalg::LinalgOp op, OpOperand &operand,
                        unsigned loop) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  return map.getNumResults() > 0 &&
         map.getDimPosition(map.getNumResults() - 1) == loop;
}

/// The staging of `operand`, whose rows are the loop `rowLoop` (of trip
/// count `rowBound`, the block's first at `rowBase`), in `stages`.
static StagedOperand stageOperand(linalg::LinalgOp op, OpOperand &operand,
                                  unsigned rowLoop, unsigned kLoop,
                                  Value rowBound, Value rowBase, Value stages) {
  bool kInner = !isInnermost(op, operand, rowLoop);
  return {&operand,
          rowLoop,
          rowBound,
          rowBase,
          stages,
          kInner,
          copiesInChunks(op, operand, kInner ? kLoop : rowLoop)};
}

/// Issues the copy of the slice at `k0` of `staged` into stage `stage`:
/// thread `tid` moves chunks tid, tid + 128, ... of the 512 (outer c / n,
/// inner 4 (c % n), n chunks per stage row). The tokens of its cp.async
/// copies go to `copies`.
static void copySlice(OpBuilder &b, Location loc, linalg::LinalgOp op,
                      const StagedOperand &staged, unsigned kLoop, Value k,
                      Value k0, Value stage, Value tid,
                      SmallVector<Value> &loopIndices,
                      SmallVector<Value> &copies) {
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value).getResult();
  };
  auto below = [&](Value value, Value bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, value,
                                 bound)
        .getResult();
  };
  int64_t innerChunks = (staged.kInner ? kSlice : kTile) / kChunk;
  int64_t chunks = kTile * kSlice / kChunk;
  for (int64_t i = 0; i < chunks / kThreads; ++i) {
    Value chunk = arith::AddIOp::create(b, loc, tid, index(i * kThreads));
    Value outer = arith::DivUIOp::create(b, loc, chunk, index(innerChunks));
    Value inner = arith::MulIOp::create(
        b, loc, arith::RemUIOp::create(b, loc, chunk, index(innerChunks)),
        index(kChunk));
    Value row = staged.kInner ? outer : inner;
    Value kk = staged.kInner ? inner : outer;
    Value globalRow = arith::AddIOp::create(b, loc, staged.rowBase, row);
    Value globalK = arith::AddIOp::create(b, loc, k0, kk);
    if (staged.async) {
      // Past the edges a chunk reads nothing (src-size 0 fills zeros); its
      // address is then the operand's first row and k, which exist.
      Value inBounds = arith::AndIOp::create(
          b, loc, below(globalRow, staged.rowBound), below(globalK, k));
      Value zero = index(0);
      loopIndices[staged.rowLoop] =
          arith::SelectOp::create(b, loc, inBounds, globalRow, zero);
      loopIndices[kLoop] =
          arith::SelectOp::create(b, loc, inBounds, globalK, zero);
      Value srcElements =
          arith::SelectOp::create(b, loc, inBounds, index(kChunk), zero);
      auto copy = nvgpu::DeviceAsyncCopyOp::create(
          b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()),
          staged.stages, ValueRange{stage, outer, inner}, staged.operand->get(),
          operandIndices(op, *staged.operand, loopIndices),
          b.getIndexAttr(kChunk), srcElements, b.getUnitAttr());
      copies.push_back(copy.getAsyncToken());
      continue;
    }
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
    for (int64_t e = 0; e < kChunk; ++e) {
      Value innerE = arith::AddIOp::create(b, loc, inner, index(e));
      Value rowE = staged.kInner
                       ? globalRow
                       : arith::AddIOp::create(b, loc, globalRow, index(e));
      Value kE = staged.kInner
                     ? arith::AddIOp::create(b, loc, globalK, index(e))
                     : globalK;
      loopIndices[staged.rowLoop] = rowE;
      loopIndices[kLoop] = kE;
      Value inBounds = arith::AndIOp::create(
          b, loc, below(rowE, staged.rowBound), below(kE, k));
      Value value =
          loadOrZero(b, loc, op, *staged.operand, loopIndices, inBounds, zero);
      memref::StoreOp::create(b, loc, value, staged.stages,
                              ValueRange{stage, outer, innerE});
    }
  }
}

/// The fragment register of the pair (`row`, `kk`), (`row`, `kk` + 1) of
/// `staged`'s stage `stage`, rounded to `elementType`.
static Value fragmentRegister(OpBuilder &b, Location loc,
                              const StagedOperand &staged, Value stage,
                              Value row, Value kk, Type elementType) {
  Type f32 = b.getF32Type();
  auto pairType = VectorType::get({2}, f32);
  Value pair;
  if (staged.kInner) {
    // kk is even and a stage row 8-byte aligned: one 8-byte load.
    pair = vector::LoadOp::create(b, loc, pairType, staged.stages,
                                  ValueRange{stage, row, kk},
                                  /*nontemporal=*/false, llvm::MaybeAlign(8));
  } else {
    Value next = arith::AddIOp::create(
        b, loc, kk, arith::ConstantIndexOp::create(b, loc, 1));
    Value first = memref::LoadOp::create(b, loc, staged.stages,
                                         ValueRange{stage, kk, row});
    Value second = memref::LoadOp::create(b, loc, staged.stages,
                                          ValueRange{stage, next, row});
    pair = vector::FromElementsOp::create(b, loc, pairType,
                                          ValueRange{first, second});
  }
  Value narrow =
      arith::TruncFOp::create(b, loc, VectorType::get({2}, elementType), pair);
  if (elementType.isF16())
    return narrow;
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), narrow);
  return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
}

void mlir::xfmr::launchBlockTileMma(linalg::LinalgOp op,
                                    const ContractionLoops &loops,
                                    const FusedNeighbours &fused,
                                    Type elementType, StringRef wgmmaChip) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value).getResult();
  };
  ContractionSizes sizes = contractionSizes(b, loc, op, loops);
  Value m = sizes.m, n = sizes.n, k = sizes.k;

  OpOperand &lhs = op->getOpOperand(0);
  OpOperand &rhs = op->getOpOperand(1);
  // The tensor maps of the wgmma code, made on the host before the launch.
  std::optional<WarpgroupTensorMaps> maps;
  if (!wgmmaChip.empty() && fitsWarpgroupMma(op, loops))
    maps = createWarpgroupTensorMaps(b, loc, op, loops);
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto stagesType = [&](bool kInner) {
    return MemRefType::get(
        {kStages, kInner ? kTile : kSlice, innerLength(kInner)}, b.getF32Type(),
        MemRefLayoutAttrInterface(), workgroup);
  };
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, b.createOrFold<arith::CeilDivUIOp>(loc, n, index(kTile)),
      b.createOrFold<arith::CeilDivUIOp>(loc, m, index(kTile)),
      sizes.outerTotal, index(kThreads), one, one,
      /*dynamicSharedMemorySize=*/nullptr,
      /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{},
      /*workgroupAttributions=*/
      TypeRange{stagesType(!isInnermost(op, lhs, loops.m)),
                stagesType(!isInnermost(op, rhs, loops.n))},
      /*privateAttributions=*/{}, /*clusterSizeX=*/nullptr,
      /*clusterSizeY=*/nullptr, /*clusterSizeZ=*/nullptr,
      FlatSymbolRefAttr::get(ctx, kKernelModuleName));

  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  Value tid = launch.getThreadIds().x;
  Value rowBase =
      arith::MulIOp::create(b, loc, launch.getBlockIds().y, index(kTile));
  Value colBase =
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, index(kTile));
  SmallVector<Value> loopIndices =
      outerLoopIndices(b, loc, loops, sizes, launch.getBlockIds().z);
  if (maps) {
    // The wgmma code for its chip, this file's for the others.
    auto variants = scf::IfOp::create(
        b, loc, createCompiledForChip(b, loc, wgmmaChip), /*withElse=*/true);
    b.setInsertionPointToStart(variants.thenBlock());
    emitWarpgroupMmaTile(b, loc, op, loops, fused, elementType, m, n, k, *maps,
                         tid, rowBase, colBase, loopIndices);
    b.setInsertionPointToStart(variants.elseBlock());
  }

  ValueRange stages = launch.getWorkgroupAttributions();
  StagedOperand a =
      stageOperand(op, lhs, loops.m, loops.k, m, rowBase, stages[0]);
  StagedOperand bt =
      stageOperand(op, rhs, loops.n, loops.k, n, colBase, stages[1]);

  // Both slices at `k0` into `stage`, the cp.async ones as one group.
  auto issueSlices = [&](Value k0, Value stage) -> Value {
    SmallVector<Value> copies;
    copySlice(b, loc, op, a, loops.k, k, k0, stage, tid, loopIndices, copies);
    copySlice(b, loc, op, bt, loops.k, k, k0, stage, tid, loopIndices, copies);
    if (copies.empty())
      return nullptr;
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(ctx), copies);
  };

  Value warp = arith::DivUIOp::create(b, loc, tid, index(32));
  LaneInGroup inGroup =
      laneInGroup(b, loc, arith::RemUIOp::create(b, loc, tid, index(32)));
  Value group = inGroup.group, position = inGroup.position;
  // The warp's quarter of the block's tile, in the tile.
  Value warpRow = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, warp, index(2)), index(kWarpTile));
  Value warpCol = arith::MulIOp::create(
      b, loc, arith::RemUIOp::create(b, loc, warp, index(2)), index(kWarpTile));
  auto plus = [&](Value base, int64_t constant, Value scaled, int64_t scale) {
    Value term = arith::MulIOp::create(b, loc, scaled, index(scale));
    return arith::AddIOp::create(
               b, loc, arith::AddIOp::create(b, loc, base, index(constant)),
               term)
        .getResult();
  };
  auto below = [&](Value value, Value bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, value,
                                 bound)
        .getResult();
  };
  constexpr int64_t kMTiles = kWarpTile / 16, kNTiles = kWarpTile / 8;

  // C's elements this lane holds, in the tile (mi, ni, r, c) order, from
  // their initial values (the fill's, when it is absorbed).
  Type f32 = b.getF32Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  Value tileRow = arith::AddIOp::create(b, loc, rowBase, warpRow);
  Value tileCol = arith::AddIOp::create(b, loc, colBase, warpCol);
  SmallVector<std::pair<Value, Value>> accPositions;
  SmallVector<Value> accInit;
  auto accType = VectorType::get({2, 2}, f32);
  for (int64_t mi = 0; mi < kMTiles; ++mi)
    for (int64_t ni = 0; ni < kNTiles; ++ni) {
      SmallVector<Value> elements;
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t c = 0; c < 2; ++c) {
          Value row = plus(tileRow, 16 * mi + 8 * r, group, 1);
          Value col = plus(tileCol, 8 * ni + c, position, 2);
          accPositions.push_back({row, col});
          loopIndices[loops.m] = row;
          loopIndices[loops.n] = col;
          Value inBounds =
              arith::AndIOp::create(b, loc, below(row, m), below(col, n));
          elements.push_back(initialOutputElement(b, loc, op, fused,
                                                  loopIndices, inBounds, zero));
        }
      accInit.push_back(
          vector::FromElementsOp::create(b, loc, accType, elements));
    }

  Value firstGroup = issueSlices(index(0), index(0));
  Value slices = b.createOrFold<arith::CeilDivUIOp>(loc, k, index(kSlice));
  auto loop = scf::ForOp::create(b, loc, index(0), slices, one, accInit);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value kt = loop.getInductionVar();
    Value next = arith::AddIOp::create(b, loc, kt, one);
    // The next slice (past k on the last step: all zero fills, into the
    // stage nobody reads any more) before this one is waited for.
    Value issued =
        issueSlices(arith::MulIOp::create(b, loc, next, index(kSlice)),
                    arith::RemUIOp::create(b, loc, next, index(2)));
    if (issued)
      nvgpu::DeviceAsyncWaitOp::create(b, loc, issued, b.getI32IntegerAttr(1));
    gpu::BarrierOp::create(b, loc);

    Value stage = arith::RemUIOp::create(b, loc, kt, index(2));
    SmallVector<Value> acc(loop.getRegionIterArgs());
    for (int64_t ks = 0; ks < kSlice; ks += 16) {
      SmallVector<SmallVector<Value>> aRegs(kMTiles), bRegs(kNTiles);
      for (int64_t mi = 0; mi < kMTiles; ++mi)
        for (int64_t r = 0; r < 4; ++r)
          aRegs[mi].push_back(fragmentRegister(
              b, loc, a, stage, plus(warpRow, 16 * mi + 8 * (r % 2), group, 1),
              plus(index(ks), 8 * (r / 2), position, 2), elementType));
      for (int64_t ni = 0; ni < kNTiles; ++ni)
        for (int64_t r = 0; r < 2; ++r)
          bRegs[ni].push_back(fragmentRegister(
              b, loc, bt, stage, plus(warpCol, 8 * ni, group, 1),
              plus(index(ks), 8 * r, position, 2), elementType));
      for (int64_t mi = 0; mi < kMTiles; ++mi)
        for (int64_t ni = 0; ni < kNTiles; ++ni) {
          Value &tile = acc[mi * kNTiles + ni];
          tile = mmaOn16BitRegisters(b, loc, elementType, aRegs[mi], bRegs[ni],
                                     tile);
        }
    }
    // Every read of this stage is done before the next step refills it.
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, acc);
  }

  // The last step's copies (zero fills past k) land before the block may
  // exit and its shared memory go to another block.
  if (firstGroup)
    nvgpu::DeviceAsyncWaitOp::create(b, loc, firstGroup,
                                     b.getI32IntegerAttr(0));
  storeAccumulators(b, loc, op, loops, fused, loopIndices, accPositions,
                    loop.getResults(), m, n);
  op->erase();
  eraseFusedNeighbours(fused);
}
