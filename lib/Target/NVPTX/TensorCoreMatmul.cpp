//===- TensorCoreMatmul.cpp - Contractions on tensor cores (mma.sync) -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// f16 and bf16 contractions go to BlockTileMma.cpp (a block per 64x64 tile,
// operands staged through shared memory). tf32 ones get a warp per 16x8 tile
// of C here, with one mma.sync per step of k. The fragments follow the PTX
// ISA's layout for m16n8k8 (tf32): lane l is in group g = l / 4 at position
// t = l % 4 of it, and
//
//   A[4x1]: reg r -> row g + 8 (r % 2), col 4 (r / 2) + t
//   B[2x1]: reg r -> k 4r + t, col g
//   C[2x2] (f32): reg r, elem c -> row g + 8r, col 2t + c
//
//===----------------------------------------------------------------------===//

#include "TensorCoreKernels.h"
#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRNVPTXTENSORCOREMATMULPASS
#include "xfmr/Target/NVPTX/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

/// The loops of `op` if it is a contraction of f32 buffers with one k dim,
/// each operand indexed by a projected permutation.
static std::optional<ContractionLoops> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isF32() ||
        !op.getMatchingIndexingMap(&operand).isProjectedPermutation())
      return std::nullopt;
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.size() != 1)
    return std::nullopt;
  // The innermost m and n dims make the tiles.
  ContractionLoops loops{llvm::to_vector(dims->batch), dims->m.back(),
                         dims->n.back(), dims->k.front()};
  llvm::append_range(loops.outer, ArrayRef(dims->m).drop_back());
  llvm::append_range(loops.outer, ArrayRef(dims->n).drop_back());
  return loops;
}

LaneInGroup mlir::xfmr::laneInGroup(OpBuilder &b, Location loc, Value lane) {
  Value four = arith::ConstantIndexOp::create(b, loc, 4);
  return {arith::DivUIOp::create(b, loc, lane, four),
          arith::RemUIOp::create(b, loc, lane, four)};
}

ContractionSizes mlir::xfmr::contractionSizes(OpBuilder &b, Location loc,
                                              linalg::LinalgOp op,
                                              const ContractionLoops &loops) {
  ContractionSizes sizes;
  for (Range range : op.createLoopRanges(b, loc))
    sizes.loops.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  sizes.m = sizes.loops[loops.m];
  sizes.n = sizes.loops[loops.n];
  sizes.k = sizes.loops[loops.k];
  sizes.outerTotal = arith::ConstantIndexOp::create(b, loc, 1);
  for (unsigned loop : loops.outer)
    sizes.outerTotal =
        b.createOrFold<arith::MulIOp>(loc, sizes.outerTotal, sizes.loops[loop]);
  return sizes;
}

SmallVector<Value> mlir::xfmr::outerLoopIndices(OpBuilder &b, Location loc,
                                                const ContractionLoops &loops,
                                                const ContractionSizes &sizes,
                                                Value linear) {
  SmallVector<Value> indices(sizes.loops.size(),
                             arith::ConstantIndexOp::create(b, loc, 0));
  for (unsigned loop : llvm::reverse(loops.outer)) {
    indices[loop] = arith::RemUIOp::create(b, loc, linear, sizes.loops[loop]);
    linear = arith::DivUIOp::create(b, loc, linear, sizes.loops[loop]);
  }
  return indices;
}

SmallVector<Value> mlir::xfmr::operandIndices(linalg::LinalgOp op,
                                              OpOperand &operand,
                                              ArrayRef<Value> loopIndices) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    indices.push_back(loopIndices[map.getDimPosition(i)]);
  return indices;
}

Value mlir::xfmr::loadOrZero(OpBuilder &b, Location loc, linalg::LinalgOp op,
                             OpOperand &operand, ArrayRef<Value> loopIndices,
                             Value inBounds, Value zero) {
  SmallVector<Value> indices = operandIndices(op, operand, loopIndices);
  auto guarded = scf::IfOp::create(
      b, loc, inBounds,
      [&](OpBuilder &then, Location l) {
        Value value = memref::LoadOp::create(then, l, operand.get(), indices);
        scf::YieldOp::create(then, l, value);
      },
      [&](OpBuilder &otherwise, Location l) {
        scf::YieldOp::create(otherwise, l, zero);
      });
  return guarded.getResult(0);
}

Value mlir::xfmr::mmaOn16BitRegisters(OpBuilder &b, Location loc,
                                      Type elementType, ArrayRef<Value> aRegs,
                                      ArrayRef<Value> bRegs, Value acc) {
  SmallVector<Value> cRegs;
  for (int64_t i = 0; i < 4; ++i)
    cRegs.push_back(vector::ExtractOp::create(b, loc, acc,
                                              ArrayRef<int64_t>{i / 2, i % 2}));
  Type f32 = b.getF32Type();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes type =
      elementType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
  auto mma = NVVM::MmaOp::create(
      b, loc, resultType, aRegs, bRegs, cRegs, ArrayRef<int64_t>{16, 8, 16},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> results;
  for (int64_t i = 0; i < 4; ++i)
    results.push_back(LLVM::ExtractValueOp::create(b, loc, mma, i));
  return vector::FromElementsOp::create(b, loc, VectorType::get({2, 2}, f32),
                                        results);
}

/// Replaces `op` by a launch of one warp per 16x8 tile of its output, on
/// m16n8k8 tf32 mma.sync.
static void launchWarpTileTF32(linalg::LinalgOp op,
                               const ContractionLoops &loops) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value).getResult();
  };
  ContractionSizes sizes = contractionSizes(b, loc, op, loops);
  Value m = sizes.m, n = sizes.n, k = sizes.k;
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, b.createOrFold<arith::CeilDivUIOp>(loc, n, index(8)),
      b.createOrFold<arith::CeilDivUIOp>(loc, m, index(16)), sizes.outerTotal,
      index(32), one, one, /*dynamicSharedMemorySize=*/nullptr,
      /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{},
      /*workgroupAttributions=*/{}, /*privateAttributions=*/{},
      /*clusterSizeX=*/nullptr, /*clusterSizeY=*/nullptr,
      /*clusterSizeZ=*/nullptr,
      FlatSymbolRefAttr::get(b.getContext(), kKernelModuleName));

  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  LaneInGroup inGroup = laneInGroup(b, loc, launch.getThreadIds().x);
  Value group = inGroup.group, position = inGroup.position;
  Value row0 = arith::MulIOp::create(b, loc, launch.getBlockIds().y, index(16));
  Value col0 = arith::MulIOp::create(b, loc, launch.getBlockIds().x, index(8));

  // The iteration's indices: the outer ones from the block's z, m, n and k
  // set per element below.
  SmallVector<Value> loopIndices =
      outerLoopIndices(b, loc, loops, sizes, launch.getBlockIds().z);
  auto inRange = [&](Value value, Value bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, value,
                                 bound)
        .getResult();
  };
  auto offset = [&](Value base, int64_t constant, Value scaled, int64_t scale) {
    Value term = arith::MulIOp::create(b, loc, scaled, index(scale));
    return arith::AddIOp::create(
        b, loc, arith::AddIOp::create(b, loc, base, index(constant)), term);
  };

  OpOperand &lhs = op->getOpOperand(0);
  OpOperand &rhs = op->getOpOperand(1);
  OpOperand &out = *op.getDpsInitOperand(0);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));

  // The element of `operand` at two tile coordinates (loop, index, bound),
  // zero outside the bounds.
  struct Coordinate {
    unsigned loop;
    Value index, bound;
  };
  auto element = [&](OpOperand &operand, Coordinate first, Coordinate second) {
    loopIndices[first.loop] = first.index;
    loopIndices[second.loop] = second.index;
    Value inBounds =
        arith::AndIOp::create(b, loc, inRange(first.index, first.bound),
                              inRange(second.index, second.bound));
    return loadOrZero(b, loc, op, operand, loopIndices, inBounds, zero);
  };

  // C's elements this lane holds.
  SmallVector<std::pair<Value, Value>> accPositions;
  SmallVector<Value> acc;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 2; ++c) {
      Value row = offset(row0, 8 * r, group, 1);
      Value col = offset(col0, c, position, 2);
      accPositions.push_back({row, col});
      acc.push_back(element(out, {loops.m, row, m}, {loops.n, col, n}));
    }
  auto accType = VectorType::get({2, 2}, b.getF32Type());
  Value accInit = vector::FromElementsOp::create(b, loc, accType, acc);

  auto loop =
      scf::ForOp::create(b, loc, index(0), k, index(8), ValueRange{accInit});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    SmallVector<Value> aElements, bElements;
    for (int64_t r = 0; r < 4; ++r) {
      Value row = offset(row0, 8 * (r % 2), group, 1);
      Value kk = offset(k0, 4 * (r / 2), position, 1);
      aElements.push_back(element(lhs, {loops.m, row, m}, {loops.k, kk, k}));
    }
    for (int64_t r = 0; r < 2; ++r) {
      Value kk = offset(k0, 4 * r, position, 1);
      Value col = arith::AddIOp::create(b, loc, col0, group);
      bElements.push_back(element(rhs, {loops.k, kk, k}, {loops.n, col, n}));
    }
    Type f32 = b.getF32Type();
    Value product = nvgpu::MmaSyncOp::create(
                        b, loc,
                        vector::FromElementsOp::create(
                            b, loc, VectorType::get({4, 1}, f32), aElements),
                        vector::FromElementsOp::create(
                            b, loc, VectorType::get({2, 1}, f32), bElements),
                        loop.getRegionIterArg(0), ArrayRef<int64_t>{16, 8, 8},
                        /*tf32Enabled=*/true)
                        .getResult();
    scf::YieldOp::create(b, loc, product);
  }

  storeAccumulators(b, loc, op, loops, FusedNeighbours(), loopIndices,
                    accPositions, loop.getResults(), m, n);
  op->erase();
}

namespace {
struct TensorCoreMatmulPass
    : public xfmr::impl::XfmrNVPTXTensorCoreMatmulPassBase<
          TensorCoreMatmulPass> {
  using Base::Base;

  void runOnOperation() override {
    Builder b(&getContext());
    Type elementType;
    if (precision == "f16") {
      elementType = b.getF16Type();
    } else if (precision == "bf16") {
      elementType = b.getBF16Type();
    } else if (precision != "tf32") {
      getOperation().emitError(
          "tensor cores take f16, bf16 or tf32 operands, not '")
          << precision << "'";
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::LinalgOp, ContractionLoops>> contractions;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<ContractionLoops> loops = matchContraction(op))
        contractions.push_back({op, *loops});
    });
    for (auto &[op, loops] : contractions) {
      if (elementType)
        launchBlockTileMma(op, loops, findFusedNeighbours(op), elementType,
                           wgmmaChip);
      else
        launchWarpTileTF32(op, loops);
    }
  }
};
} // namespace
