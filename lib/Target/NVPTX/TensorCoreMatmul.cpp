//===- TensorCoreMatmul.cpp - Contractions on tensor cores (mma.sync) -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A warp computes a 16x8 tile of C with one mma.sync per step of k. The
// fragments follow the PTX ISA's layouts for m16n8k16 (f16) and m16n8k8
// (tf32): lane l is in group g = l / 4 at position t = l % 4 of it, and
//
//   f16   A[4x2]: reg r, elem c -> row g + 8 (r % 2), col 8 (r / 2) + 2t + c
//         B[2x2]: reg r, elem c -> k 8r + 2t + c, col g
//   tf32  A[4x1]: reg r         -> row g + 8 (r % 2), col 4 (r / 2) + t
//         B[2x1]: reg r         -> k 4r + t, col g
//   C[2x2] (f32): reg r, elem c -> row g + 8r, col 2t + c
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

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

namespace {
/// The shape of one mma.sync and its operands' element type.
struct MmaKind {
  int64_t k;              ///< 16 for f16, 8 for tf32
  Type elementType;       ///< f16, or f32 read as tf32
  int64_t elementsPerReg; ///< 2 for f16, 1 for tf32
  bool tf32;
};

/// The loops of a contraction: the m, n and k dims of its tiles, and the
/// outer dims, one tile grid each (batch dims, and further m or n dims:
/// those of a 3-D activation times a 2-D weight).
struct ContractionLoops {
  SmallVector<unsigned> outer;
  unsigned m, n, k;
};
} // namespace

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

/// The element of `operand` at the iteration `loopIndices`, or `zero` where
/// `inBounds` is false.
static Value loadOrZero(OpBuilder &b, Location loc, linalg::LinalgOp op,
                        OpOperand &operand, ArrayRef<Value> loopIndices,
                        Value inBounds, Value zero) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    indices.push_back(loopIndices[map.getDimPosition(i)]);
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

/// Replaces `op` by a launch of one warp per 16x8 tile of its output.
static void launchOnTensorCores(linalg::LinalgOp op,
                                const ContractionLoops &loops,
                                const MmaKind &kind) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value).getResult();
  };
  SmallVector<Range> ranges = op.createLoopRanges(b, loc);
  auto size = [&](unsigned loop) {
    return getValueOrCreateConstantIndexOp(b, loc, ranges[loop].size);
  };
  Value m = size(loops.m), n = size(loops.n), k = size(loops.k);
  Value batchTotal = index(1);
  for (unsigned loop : loops.outer)
    batchTotal = b.createOrFold<arith::MulIOp>(loc, batchTotal, size(loop));
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, b.createOrFold<arith::CeilDivUIOp>(loc, n, index(8)),
      b.createOrFold<arith::CeilDivUIOp>(loc, m, index(16)), batchTotal,
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
  Value lane = launch.getThreadIds().x;
  Value group = arith::DivUIOp::create(b, loc, lane, index(4));
  Value position = arith::RemUIOp::create(b, loc, lane, index(4));
  Value row0 = arith::MulIOp::create(b, loc, launch.getBlockIds().y, index(16));
  Value col0 = arith::MulIOp::create(b, loc, launch.getBlockIds().x, index(8));

  // The iteration's indices: the outer ones from the block's z, m, n and k
  // set per element below.
  SmallVector<Value> loopIndices(op.getNumLoops(), index(0));
  Value rest = launch.getBlockIds().z;
  for (unsigned loop : llvm::reverse(loops.outer)) {
    loopIndices[loop] = arith::RemUIOp::create(b, loc, rest, size(loop));
    rest = arith::DivUIOp::create(b, loc, rest, size(loop));
  }
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

  auto loop = scf::ForOp::create(b, loc, index(0), k, index(kind.k),
                                 ValueRange{accInit});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    auto narrow = [&](Value value) {
      return kind.tf32
                 ? value
                 : arith::TruncFOp::create(b, loc, kind.elementType, value)
                       .getResult();
    };
    int64_t half = kind.k / 2;
    SmallVector<Value> aElements, bElements;
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t c = 0; c < kind.elementsPerReg; ++c) {
        Value row = offset(row0, 8 * (r % 2), group, 1);
        Value kk =
            offset(k0, half * (r / 2) + c, position, kind.elementsPerReg);
        aElements.push_back(
            narrow(element(lhs, {loops.m, row, m}, {loops.k, kk, k})));
      }
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < kind.elementsPerReg; ++c) {
        Value kk = offset(k0, half * r + c, position, kind.elementsPerReg);
        Value col = arith::AddIOp::create(b, loc, col0, group);
        bElements.push_back(
            narrow(element(rhs, {loops.k, kk, k}, {loops.n, col, n})));
      }
    Value aFragment = vector::FromElementsOp::create(
        b, loc, VectorType::get({4, kind.elementsPerReg}, kind.elementType),
        aElements);
    Value bFragment = vector::FromElementsOp::create(
        b, loc, VectorType::get({2, kind.elementsPerReg}, kind.elementType),
        bElements);
    Value product = nvgpu::MmaSyncOp::create(
        b, loc, aFragment, bFragment, loop.getRegionIterArg(0),
        ArrayRef<int64_t>{16, 8, kind.k}, kind.tf32);
    scf::YieldOp::create(b, loc, product);
  }

  // The tile back into C, inside its bounds.
  for (auto [i, position] : llvm::enumerate(accPositions)) {
    auto [row, col] = position;
    Value inBounds =
        arith::AndIOp::create(b, loc, inRange(row, m), inRange(col, n));
    auto store = scf::IfOp::create(b, loc, inBounds, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(store.thenBlock());
    Value value = vector::ExtractOp::create(
        b, loc, loop.getResult(0),
        ArrayRef<int64_t>{static_cast<int64_t>(i / 2),
                          static_cast<int64_t>(i % 2)});
    loopIndices[loops.m] = row;
    loopIndices[loops.n] = col;
    AffineMap map = op.getMatchingIndexingMap(&out);
    SmallVector<Value> indices;
    for (unsigned d = 0; d < map.getNumResults(); ++d)
      indices.push_back(loopIndices[map.getDimPosition(d)]);
    memref::StoreOp::create(b, loc, value, out.get(), indices);
  }
  op->erase();
}

namespace {
struct TensorCoreMatmulPass
    : public xfmr::impl::XfmrNVPTXTensorCoreMatmulPassBase<
          TensorCoreMatmulPass> {
  using Base::Base;

  void runOnOperation() override {
    Builder b(&getContext());
    MmaKind kind;
    if (precision == "f16") {
      kind = {16, b.getF16Type(), 2, false};
    } else if (precision == "tf32") {
      kind = {8, b.getF32Type(), 1, true};
    } else {
      getOperation().emitError("tensor cores take f16 or tf32 operands, not '")
          << precision << "'";
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::LinalgOp, ContractionLoops>> contractions;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<ContractionLoops> loops = matchContraction(op))
        contractions.push_back({op, *loops});
    });
    for (auto &[op, loops] : contractions)
      launchOnTensorCores(op, loops, kind);
  }
};
} // namespace
