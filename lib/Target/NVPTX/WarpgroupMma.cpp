//===- WarpgroupMma.cpp - A warpgroup per 64x64 tile of C on wgmma --------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The sm_90a code of the block-tile GEMM (BlockTileMma.cpp), beside its
// mma.sync code in the same kernel: the same grid, a block of 128 threads
// (one warpgroup) per 64x64 tile of C, and the same fused fill and
// epilogue. What differs:
//
// Loads. The copy engine (TMA, cp.async.bulk.tensor) brings each operand's
// 64-row x 32-k slice of f32 into shared memory, as global memory holds it
// (k innermost, or the row), two slices deep. The tensor maps are made on
// the host before the launch (nvgpu.tma.create.descriptor, the runtime's
// cuTensorMapEncodeTiled) over the whole operand, boxes of 64 x 32, and
// whatever a box covers past an edge (rows past m or n, k past k) arrives
// as zeros: no bounds in the kernel until the store.
//
// Barriers. Slice kt lands in stage s = kt % 2 and completes mbarrier s:
// thread 0 arrives on it with the slice's byte count (arrive.expect_tx)
// and issues both copies; the barrier's phase flips when the bytes have
// landed, and every thread waits for phase parity (kt / 2) % 2. Slice kt + 2
// goes into stage s only after the block barrier that follows every
// thread's reads of slice kt, and only while kt + 2 < the number of slices,
// so that no copy is in flight when the block exits.
//
// Operands. wgmma reads 16-bit operands, so the threads round each slice to
// bf16 or f16 into one k-major tile per operand ([row][k], rows m for A, n
// for B), in wgmma's interleaved layout: 8 x 8 core matrices of 128
// contiguous bytes (8 rows of 16 bytes), [row / 8][k / 8][row % 8][k % 8],
// so the next core matrix along k is 128 bytes on (the leading byte
// offset) and along the rows 512 (the stride byte offset). (The tiles are
// written by threads, not by the copy engine: this layout needs only
// 16-byte alignment, which a swizzled one would need to 512 or 1024.)
// Each thread makes two 16-byte rows of core matrices, then
// fence.proxy.async makes its stores visible to the tensor cores before
// the block barrier.
//
// Accumulators. Two wgmma.mma_async m64n64k16 per slice (k 0-15, 16-31:
// the descriptors' start addresses 256 bytes apart), f32 accumulators in
// registers, from the initial values of C (or the fill). wgmma.wait_group 0
// and a block barrier end each slice, so that the tiles are rewritten only
// after every warp's wgmma read them. Warp w of the warpgroup holds rows
// 16 w to 16 w + 15; for lane 4 g + t, accumulator 4 j + 2 r + c is
// row 16 w + g + 8 r, col 8 j + 2 t + c: the m16n8 C fragment of
// mma.sync for each n8 tile j, so the store and the epilogue are
// storeAccumulators's.
//
//===----------------------------------------------------------------------===//

#include "TensorCoreKernels.h"
#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {
constexpr int64_t kTile = 64;  ///< m and n of a block's tile of C
constexpr int64_t kSlice = 32; ///< k of a stage
constexpr int64_t kStages = 2;
constexpr int64_t kThreads = 128;
/// One operand's f32 slice in a stage.
constexpr int64_t kStageBytes = kTile * kSlice * 4;
/// One operand's 16-bit tile.
constexpr int64_t kTileBytes = kTile * kSlice * 2;
/// A core matrix: 8 rows of 16 bytes.
constexpr int64_t kCoreBytes = 128;
/// The shared memory of a block: A's stages, B's stages, A's tile, B's.
constexpr int64_t kArenaBytes = 2 * kStages * kStageBytes + 2 * kTileBytes;
/// The alignment of a bulk copy's destination.
constexpr int64_t kCopyAlignment = 128;
/// The suspend-time hint of an mbarrier wait, in nanoseconds.
constexpr int64_t kWaitHint = 10000000;
} // namespace

/// Whether a tensor map can cover a buffer of `type`: rank 1 to 5, f32
/// elements, the innermost dim contiguous, every other stride and the
/// offset static multiples of 16 bytes. (Every buffer the runtime or the
/// arena hands a kernel starts at least 64-byte aligned.)
static bool fitsTensorMap(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type.getElementType().isF32() || type.getRank() < 1 ||
      type.getRank() > 5 || failed(type.getStridesAndOffset(strides, offset)) ||
      strides.back() != 1 || ShapedType::isDynamic(offset) || offset % 4 != 0)
    return false;
  return llvm::all_of(ArrayRef(strides).drop_back(), [](int64_t stride) {
    return !ShapedType::isDynamic(stride) && stride % 4 == 0;
  });
}

/// Whether the operand's innermost dim is the loop `loop`.
static bool isInnermostLoop(linalg::LinalgOp op, OpOperand &operand,
                            unsigned loop) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  return map.getNumResults() > 0 &&
         map.getDimPosition(map.getNumResults() - 1) == loop;
}

bool mlir::xfmr::fitsWarpgroupMma(linalg::LinalgOp op,
                                  const ContractionLoops &loops) {
  auto fits = [&](OpOperand &operand, unsigned rowLoop) {
    return fitsTensorMap(cast<MemRefType>(operand.get().getType())) &&
           (isInnermostLoop(op, operand, rowLoop) ||
            isInnermostLoop(op, operand, loops.k));
  };
  return fits(op->getOpOperand(0), loops.m) &&
         fits(op->getOpOperand(1), loops.n);
}

/// The tensor map of `operand`, whose rows are the loop `rowLoop`: boxes of
/// 64 rows x 32 k, 1 in every other dim.
static Value createTensorMap(OpBuilder &b, Location loc, linalg::LinalgOp op,
                             OpOperand &operand, unsigned rowLoop,
                             unsigned kLoop) {
  MLIRContext *ctx = b.getContext();
  AffineMap map = op.getMatchingIndexingMap(&operand);
  SmallVector<int64_t> box;
  SmallVector<Value> boxDims;
  for (unsigned d = 0; d < map.getNumResults(); ++d) {
    unsigned loop = map.getDimPosition(d);
    box.push_back(loop == rowLoop ? kTile : loop == kLoop ? kSlice : 1);
    boxDims.push_back(arith::ConstantIndexOp::create(b, loc, box.back()));
  }
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto boxType = MemRefType::get(box, b.getF32Type(),
                                 MemRefLayoutAttrInterface(), workgroup);
  auto mapType = nvgpu::TensorMapDescriptorType::get(
      ctx, boxType, nvgpu::TensorMapSwizzleKind::SWIZZLE_NONE,
      nvgpu::TensorMapL2PromoKind::L2PROMO_NONE,
      nvgpu::TensorMapOOBKind::OOB_ZERO,
      nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
  auto type = cast<MemRefType>(operand.get().getType());
  Value unranked = memref::CastOp::create(
      b, loc,
      UnrankedMemRefType::get(type.getElementType(), type.getMemorySpace()),
      operand.get());
  return nvgpu::TmaCreateDescriptorOp::create(b, loc, mapType, unranked,
                                              boxDims);
}

WarpgroupTensorMaps
mlir::xfmr::createWarpgroupTensorMaps(OpBuilder &b, Location loc,
                                      linalg::LinalgOp op,
                                      const ContractionLoops &loops) {
  // Each map right after its buffer, as early as its address is known: it
  // reads the buffer's descriptor, not its elements, so it never waits for
  // the GPU work queued before (xfmr-nvptx-stream-host-work).
  auto mapOf = [&](OpOperand &operand, unsigned rowLoop) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfterValue(operand.get());
    return createTensorMap(b, loc, op, operand, rowLoop, loops.k);
  };
  return {mapOf(op->getOpOperand(0), loops.m),
          mapOf(op->getOpOperand(1), loops.n)};
}

/// The block's shared memory: a workgroup attribution of the launch around
/// `b`'s insertion point, 128 bytes longer than the arena, and the byte
/// shift of its first 128-byte-aligned byte (the copy engine's alignment;
/// workgroup attributions are only 16-byte aligned).
static std::pair<Value, Value> getArena(OpBuilder &b, Location loc) {
  MLIRContext *ctx = b.getContext();
  auto launch =
      b.getInsertionBlock()->getParentOp()->getParentOfType<gpu::LaunchOp>();
  if (!launch)
    launch = cast<gpu::LaunchOp>(b.getInsertionBlock()->getParentOp());
  auto type = MemRefType::get(
      {kArenaBytes + kCopyAlignment}, b.getI8Type(),
      MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  Value arena = launch.addWorkgroupAttribution(type, loc);
  Value alignment = arith::ConstantIndexOp::create(b, loc, kCopyAlignment);
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, arena);
  Value shift = arith::RemUIOp::create(
      b, loc,
      arith::SubIOp::create(b, loc, alignment,
                            arith::RemUIOp::create(b, loc, address, alignment)),
      alignment);
  return {arena, shift};
}

namespace {
/// An operand of the kernel: its rows, its stages and its tile.
struct WarpgroupOperand {
  OpOperand *operand;
  unsigned rowLoop;
  Value rowBase;
  Value map;
  bool kInner;
  Value stages[kStages];
  Value tile; ///< memref<8 x 4 x 8 x 8 x f16/bf16, workgroup>
};
} // namespace

void mlir::xfmr::emitWarpgroupMmaTile(OpBuilder &b, Location loc,
                                      linalg::LinalgOp op,
                                      const ContractionLoops &loops,
                                      const FusedNeighbours &fused,
                                      Type elementType, Value m, Value n,
                                      Value k, const WarpgroupTensorMaps &maps,
                                      Value tid, Value rowBase, Value colBase,
                                      SmallVector<Value> loopIndices) {
  MLIRContext *ctx = b.getContext();
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value).getResult();
  };
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto [arena, shift] = getArena(b, loc);
  auto at = [&](int64_t offset) {
    return arith::AddIOp::create(b, loc, shift, index(offset)).getResult();
  };
  auto tileType = MemRefType::get({kTile / 8, kSlice / 8, 8, 8}, elementType,
                                  MemRefLayoutAttrInterface(), workgroup);
  WarpgroupOperand operands[2] = {
      {&op->getOpOperand(0), loops.m, rowBase, maps.a, false, {}, nullptr},
      {&op->getOpOperand(1), loops.n, colBase, maps.b, false, {}, nullptr}};
  for (auto [i, x] : llvm::enumerate(operands)) {
    x.kInner = isInnermostLoop(op, *x.operand, loops.k);
    auto boxType =
        cast<nvgpu::TensorMapDescriptorType>(x.map.getType()).getTensor();
    for (int64_t s = 0; s < kStages; ++s)
      x.stages[s] = memref::ViewOp::create(b, loc, boxType, arena,
                                           at((i * kStages + s) * kStageBytes),
                                           ValueRange());
    x.tile = memref::ViewOp::create(
        b, loc, tileType, arena, at(2 * kStages * kStageBytes + i * kTileBytes),
        ValueRange());
  }
  Value c0 = index(0);
  auto stageOf = [&](const WarpgroupOperand &x, Value isFirst) {
    return arith::SelectOp::create(b, loc, isFirst, x.stages[0], x.stages[1])
        .getResult();
  };

  // The stages' barriers, each awaiting one arrival (thread 0's) and the
  // bytes of its slice.
  auto barriersType = nvgpu::MBarrierGroupType::get(ctx, workgroup, kStages);
  Value barriers = nvgpu::MBarrierCreateOp::create(b, loc, barriersType);
  Value isLeader =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, c0);
  for (int64_t s = 0; s < kStages; ++s)
    nvgpu::MBarrierInitOp::create(b, loc, barriers, index(1), index(s),
                                  isLeader);
  gpu::BarrierOp::create(b, loc);

  Value slices = b.createOrFold<arith::CeilDivUIOp>(loc, k, index(kSlice));
  // Thread 0 issues slice `slice` into `stage`, when it exists.
  auto issue = [&](Value slice, Value stage) {
    Value exists =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, slice, slices);
    auto guard = scf::IfOp::create(
        b, loc, arith::AndIOp::create(b, loc, isLeader, exists),
        /*withElse=*/false);
    OpBuilder::InsertionGuard insertion(b);
    b.setInsertionPointToStart(guard.thenBlock());
    nvgpu::MBarrierArriveExpectTxOp::create(
        b, loc, barriers, index(2 * kStageBytes), stage, Value());
    Value isFirst =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, stage, c0);
    Value k0 = arith::MulIOp::create(b, loc, slice, index(kSlice));
    for (const WarpgroupOperand &x : operands) {
      loopIndices[x.rowLoop] = x.rowBase;
      loopIndices[loops.k] = k0;
      // The copy engine counts coordinates from the innermost dim.
      SmallVector<Value> coordinates = llvm::to_vector(
          llvm::reverse(operandIndices(op, *x.operand, loopIndices)));
      nvgpu::TmaAsyncLoadOp::create(b, loc, stageOf(x, isFirst), barriers,
                                    x.map, coordinates, stage,
                                    /*multicastMask=*/Value(),
                                    /*predicate=*/Value());
    }
  };
  issue(c0, c0);
  issue(index(1), index(1));

  // C's elements this lane holds, from their initial values.
  Value warp = arith::DivUIOp::create(b, loc, tid, index(32));
  Value lane = arith::RemUIOp::create(b, loc, tid, index(32));
  LaneInGroup inGroup = laneInGroup(b, loc, lane);
  Value warpRow = arith::AddIOp::create(
      b, loc, rowBase, arith::MulIOp::create(b, loc, warp, index(16)));
  // base + constant + scaled * scale.
  auto plus = [&](Value base, int64_t constant, Value scaled, int64_t scale) {
    Value sum = arith::AddIOp::create(b, loc, base, index(constant));
    return arith::AddIOp::create(
               b, loc, sum, arith::MulIOp::create(b, loc, scaled, index(scale)))
        .getResult();
  };
  auto inBounds = [&](Value row, Value col) {
    auto ult = arith::CmpIPredicate::ult;
    return arith::AndIOp::create(b, loc,
                                 arith::CmpIOp::create(b, loc, ult, row, m),
                                 arith::CmpIOp::create(b, loc, ult, col, n))
        .getResult();
  };
  constexpr int64_t kNTiles = kTile / 8;
  Type f32 = b.getF32Type();
  auto accType = LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(kNTiles * 4, f32));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  SmallVector<std::pair<Value, Value>> accPositions;
  Value accInit = LLVM::PoisonOp::create(b, loc, accType);
  for (int64_t j = 0; j < kNTiles; ++j)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value row = plus(warpRow, 8 * r, inGroup.group, 1);
        Value col = plus(colBase, 8 * j + c, inGroup.position, 2);
        loopIndices[loops.m] = row;
        loopIndices[loops.n] = col;
        Value initial = initialOutputElement(b, loc, op, fused, loopIndices,
                                             inBounds(row, col), zero);
        accInit = LLVM::InsertValueOp::create(
            b, loc, accInit, initial,
            ArrayRef<int64_t>{static_cast<int64_t>(accPositions.size())});
        accPositions.push_back({row, col});
      }

  // A descriptor of the k-major tile `tile` from k = 16 `step`: its start
  // address, the leading (along k) and stride (along the rows) byte offsets,
  // each in 16-byte units, and no swizzle (bits 62-63 zero).
  Type i64 = b.getI64Type();
  auto i64Constant = [&](int64_t value) {
    return arith::ConstantIntOp::create(b, loc, i64, value).getResult();
  };
  auto descriptor = [&](Value tile, int64_t step) {
    Value address = arith::IndexCastUIOp::create(
        b, loc, i64,
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, tile));
    address = arith::AddIOp::create(b, loc, address,
                                    i64Constant(2 * kCoreBytes * step));
    Value start = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, address, i64Constant(4)),
        i64Constant(0x3FFF));
    int64_t offsets =
        ((kCoreBytes >> 4) << 16) | ((kCoreBytes * kSlice / 8 >> 4) << 32);
    return arith::OrIOp::create(b, loc, start, i64Constant(offsets))
        .getResult();
  };

  auto loop =
      scf::ForOp::create(b, loc, c0, slices, index(1), ValueRange{accInit});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value kt = loop.getInductionVar();
    Value stage = arith::RemUIOp::create(b, loc, kt, index(kStages));
    Value parity = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne,
        arith::RemUIOp::create(
            b, loc, arith::DivUIOp::create(b, loc, kt, index(kStages)),
            index(2)),
        c0);
    nvgpu::MBarrierTryWaitParityOp::create(b, loc, barriers, parity,
                                           index(kWaitHint), stage);

    // The slice to the tiles: thread tid rounds rows of 8 k, chunks tid and
    // tid + 128 of 256. Along k (k innermost) four threads share a row;
    // along the rows (the row innermost) a warp reads 32 consecutive rows.
    Value isFirst =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, stage, c0);
    auto wideType = VectorType::get({8}, f32);
    for (const WarpgroupOperand &x : operands) {
      Value source = stageOf(x, isFirst);
      AffineMap map = op.getMatchingIndexingMap(x.operand);
      for (int64_t i = 0; i < kTile * kSlice / 8 / kThreads; ++i) {
        Value chunk = arith::AddIOp::create(b, loc, tid, index(i * kThreads));
        Value row, kc;
        if (x.kInner) {
          row = arith::DivUIOp::create(b, loc, chunk, index(kSlice / 8));
          kc = arith::RemUIOp::create(b, loc, chunk, index(kSlice / 8));
        } else {
          row = arith::RemUIOp::create(b, loc, chunk, index(kTile));
          kc = arith::DivUIOp::create(b, loc, chunk, index(kTile));
        }
        Value kk = arith::MulIOp::create(b, loc, kc, index(8));
        auto indicesAt = [&](Value kIndex) {
          SmallVector<Value> indices;
          for (unsigned d = 0; d < map.getNumResults(); ++d) {
            unsigned loopAt = map.getDimPosition(d);
            indices.push_back(loopAt == x.rowLoop ? row
                              : loopAt == loops.k ? kIndex
                                                  : c0);
          }
          return indices;
        };
        Value wide;
        if (x.kInner) {
          wide = vector::LoadOp::create(b, loc, wideType, source, indicesAt(kk),
                                        /*nontemporal=*/false,
                                        llvm::MaybeAlign(32));
        } else {
          SmallVector<Value> elements;
          for (int64_t e = 0; e < 8; ++e)
            elements.push_back(memref::LoadOp::create(
                b, loc, source,
                indicesAt(arith::AddIOp::create(b, loc, kk, index(e)))));
          wide = vector::FromElementsOp::create(b, loc, wideType, elements);
        }
        Value narrow = arith::TruncFOp::create(
            b, loc, VectorType::get({8}, elementType), wide);
        vector::StoreOp::create(
            b, loc, narrow, x.tile,
            ValueRange{arith::DivUIOp::create(b, loc, row, index(8)), kc,
                       arith::RemUIOp::create(b, loc, row, index(8)), c0},
            /*nontemporal=*/false, llvm::MaybeAlign(16));
      }
    }
    // The tensor cores read the tiles through the async proxy.
    NVVM::FenceProxyOp::create(
        b, loc, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
    gpu::BarrierOp::create(b, loc);
    // Every thread has read this stage: it takes slice kt + 2.
    issue(arith::AddIOp::create(b, loc, kt, index(kStages)), stage);

    NVVM::WGMMATypes type =
        elementType.isF16() ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::bf16;
    Value acc = loop.getRegionIterArg(0);
    NVVM::WgmmaFenceAlignedOp::create(b, loc);
    for (int64_t step = 0; step < kSlice / 16; ++step)
      acc = NVVM::WgmmaMmaAsyncOp::create(
          b, loc, accType, acc, descriptor(operands[0].tile, step),
          descriptor(operands[1].tile, step),
          NVVM::MMAShapeAttr::get(ctx, kTile, kTile, 16), type, type,
          NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one,
          NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
          NVVM::MMALayout::row, NVVM::MMALayout::col,
          /*satfinite=*/nullptr);
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
    // Every warp's wgmma has read the tiles before they are rewritten.
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, acc);
  }

  SmallVector<Value> tiles;
  auto tileType2 = VectorType::get({2, 2}, f32);
  for (int64_t j = 0; j < kNTiles; ++j) {
    SmallVector<Value> elements;
    for (int64_t e = 0; e < 4; ++e)
      elements.push_back(LLVM::ExtractValueOp::create(
          b, loc, loop.getResult(0), ArrayRef<int64_t>{4 * j + e}));
    tiles.push_back(
        vector::FromElementsOp::create(b, loc, tileType2, elements));
  }
  storeAccumulators(b, loc, op, loops, fused, loopIndices, accPositions, tiles,
                    m, n);
}
