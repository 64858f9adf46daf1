//===- MapParallelLoops.cpp - Outermost parallel loops as GPU kernels -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRNVPTXMAPPARALLELLOOPSPASS
#include "xfmr/Target/NVPTX/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

namespace {
/// A row reduction: a parallel loop whose body is one sequential loop that
/// folds values into one element of a buffer, `out[i] = out[i] (+) v(k)`,
/// with (+) associative and commutative (addf, mulf, and the max and min
/// of floats), so that partial results of a row may be combined.
struct RowReduction {
  scf::ForOp loop;
  memref::LoadOp accumulator; ///< out[i], read in the loop
  Operation *combiner;        ///< (+), of the accumulator and v(k)
  memref::StoreOp store;      ///< out[i] = ..., at the end of the loop
};

/// The launch of a loop nest flattened into one dimension, and the linear
/// index of a thread (or a warp) in it.
struct FlatLaunch {
  gpu::LaunchOp launch;
  Value total; ///< iterations of the parallel loop
  SmallVector<Value> tripCounts;
};
} // namespace

/// The identity of `combiner`'s reduction, of `type`.
static TypedAttr getIdentity(Operation *combiner, FloatType type) {
  const llvm::fltSemantics &semantics = type.getFloatSemantics();
  if (isa<arith::AddFOp>(combiner))
    return FloatAttr::get(type, 0.0);
  if (isa<arith::MulFOp>(combiner))
    return FloatAttr::get(type, 1.0);
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combiner))
    return FloatAttr::get(type, llvm::APFloat::getInf(semantics, true));
  return FloatAttr::get(type, llvm::APFloat::getInf(semantics, false));
}

static std::optional<RowReduction> matchRowReduction(scf::ParallelOp loop) {
  Block *body = loop.getBody();
  if (!llvm::hasSingleElement(body->without_terminator()))
    return std::nullopt;
  auto inner = dyn_cast<scf::ForOp>(body->front());
  if (!inner || inner.getNumResults() != 0)
    return std::nullopt;
  auto store = dyn_cast<memref::StoreOp>(
      inner.getBody()->getTerminator()->getPrevNode());
  if (!store || !isa<FloatType>(store.getValueToStore().getType()))
    return std::nullopt;
  Operation *combiner = store.getValueToStore().getDefiningOp();
  if (!combiner ||
      !isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp, arith::MinimumFOp,
           arith::MaxNumFOp, arith::MinNumFOp>(combiner) ||
      !combiner->hasOneUse())
    return std::nullopt;
  // The accumulator is the stored element, read once, by the combiner; the
  // element does not move with k.
  for (Value operand : combiner->getOperands()) {
    auto load = operand.getDefiningOp<memref::LoadOp>();
    if (!load || load.getMemRef() != store.getMemRef() ||
        load.getIndices() != store.getIndices() || !load->hasOneUse())
      continue;
    if (llvm::any_of(store.getIndices(), [&](Value index) {
          return !inner.isDefinedOutsideOfLoop(index);
        }))
      return std::nullopt;
    // Nothing else in the loop may touch the output.
    bool touched = false;
    inner.getBody()->walk([&](Operation *op) {
      if (op != load && op != store &&
          llvm::is_contained(op->getOperands(), store.getMemRef()))
        touched = true;
    });
    if (touched)
      return std::nullopt;
    return RowReduction{inner, load, combiner, store};
  }
  return std::nullopt;
}

/// A launch of `perBlock` work items per block of `blockSize` threads, over
/// the iterations of `loop` flattened; the trip counts are computed on the
/// host, folded to constants where the bounds are.
static FlatLaunch createFlatLaunch(OpBuilder &b, scf::ParallelOp loop,
                                   int64_t blockSize, int64_t perBlock,
                                   FlatSymbolRefAttr kernelModule) {
  Location loc = loop.getLoc();
  FlatLaunch flat;
  flat.total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    Value extent = b.createOrFold<arith::SubIOp>(loc, ub, lb);
    Value count = b.createOrFold<arith::CeilDivUIOp>(loc, extent, step);
    flat.tripCounts.push_back(count);
    flat.total = b.createOrFold<arith::MulIOp>(loc, flat.total, count);
  }
  Value blockDim = arith::ConstantIndexOp::create(b, loc, blockSize);
  Value items = arith::ConstantIndexOp::create(b, loc, perBlock);
  Value gridDim = b.createOrFold<arith::CeilDivUIOp>(loc, flat.total, items);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  flat.launch = gpu::LaunchOp::create(
      b, loc, gridDim, one, one, blockDim, one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, /*workgroupAttributions=*/{},
      /*privateAttributions=*/{}, /*clusterSizeX=*/nullptr,
      /*clusterSizeY=*/nullptr, /*clusterSizeZ=*/nullptr, kernelModule);
  Block &body = flat.launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  return flat;
}

/// Maps the induction variables of `loop` to the iteration `linear` of the
/// flattened nest. The innermost dim varies fastest, so that neighbouring
/// threads touch neighbouring elements (coalesced accesses).
static void mapInductionVars(OpBuilder &b, scf::ParallelOp loop,
                             ArrayRef<Value> tripCounts, Value linear,
                             IRMapping &mapping) {
  Location loc = loop.getLoc();
  Value rest = linear;
  for (int64_t dim = loop.getNumLoops() - 1; dim >= 0; --dim) {
    Value index = rest;
    if (dim > 0) {
      index = arith::RemUIOp::create(b, loc, rest, tripCounts[dim]);
      rest = arith::DivUIOp::create(b, loc, rest, tripCounts[dim]);
    }
    Value offset =
        b.createOrFold<arith::MulIOp>(loc, index, loop.getStep()[dim]);
    mapping.map(
        loop.getInductionVars()[dim],
        b.createOrFold<arith::AddIOp>(loc, loop.getLowerBound()[dim], offset));
  }
}

/// The number of iterations of `loop`, if its bounds are constants.
static std::optional<int64_t> getStaticIterations(scf::ParallelOp loop) {
  int64_t total = 1;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> low = getConstantIntValue(lb);
    std::optional<int64_t> high = getConstantIntValue(ub);
    std::optional<int64_t> stride = getConstantIntValue(step);
    if (!low || !high || !stride || *stride <= 0)
      return std::nullopt;
    total *= llvm::divideCeil(std::max<int64_t>(*high - *low, 0), *stride);
  }
  return total;
}

/// Replaces `loop` by a launch with one thread per iteration.
static void launchParallelLoop(scf::ParallelOp loop, int64_t blockSize,
                               FlatSymbolRefAttr kernelModule) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  // A loop smaller than a block gets a block of its size, rounded up to a
  // warp.
  int64_t threads = blockSize;
  if (std::optional<int64_t> known = getStaticIterations(loop))
    threads = std::clamp<int64_t>(llvm::alignTo(*known, 32), 32, blockSize);
  FlatLaunch flat = createFlatLaunch(b, loop, threads, threads, kernelModule);
  gpu::LaunchOp launch = flat.launch;
  Value blockDim = arith::ConstantIndexOp::create(b, loc, threads);
  Value linear = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, blockDim),
      launch.getThreadIds().x);
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        linear, flat.total);
  auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  b.setInsertionPointToStart(guard.thenBlock());
  IRMapping mapping;
  mapInductionVars(b, loop, flat.tripCounts, linear, mapping);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
}

/// Replaces the row reduction `loop` by a launch with one warp per row: the
/// lanes fold every 32nd element each from the identity, the partial
/// results meet through shuffles, and lane 0 folds them into the output.
static void launchRowReduction(scf::ParallelOp loop, RowReduction reduction,
                               int64_t blockSize,
                               FlatSymbolRefAttr kernelModule) {
  constexpr int64_t kWarp = 32;
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  int64_t warps = blockSize / kWarp;
  FlatLaunch flat = createFlatLaunch(b, loop, blockSize, warps, kernelModule);
  gpu::LaunchOp launch = flat.launch;
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value).getResult();
  };
  Value thread = launch.getThreadIds().x;
  Value warp = arith::DivUIOp::create(b, loc, thread, index(kWarp));
  Value lane = arith::RemUIOp::create(b, loc, thread, index(kWarp));
  Value row = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, index(warps)),
      warp);
  // A warp's row is the same for its 32 lanes, so the whole warp takes the
  // branch (the shuffles need every lane).
  Value inRange =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, flat.total);
  auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  b.setInsertionPointToStart(guard.thenBlock());
  IRMapping mapping;
  mapInductionVars(b, loop, flat.tripCounts, row, mapping);

  scf::ForOp inner = reduction.loop;
  auto type = cast<FloatType>(reduction.accumulator.getType());
  Value identity =
      arith::ConstantOp::create(b, loc, getIdentity(reduction.combiner, type));
  Value step = mapping.lookupOrDefault(inner.getStep());
  Value start = arith::AddIOp::create(
      b, loc, mapping.lookupOrDefault(inner.getLowerBound()),
      arith::MulIOp::create(b, loc, lane, step));
  Value stride = arith::MulIOp::create(b, loc, step, index(kWarp));
  auto strided = scf::ForOp::create(
      b, loc, start, mapping.lookupOrDefault(inner.getUpperBound()), stride,
      ValueRange{identity});
  {
    OpBuilder::InsertionGuard bodyGuard(b);
    b.setInsertionPointToStart(strided.getBody());
    mapping.map(inner.getInductionVar(), strided.getInductionVar());
    mapping.map(reduction.accumulator.getResult(), strided.getRegionIterArg(0));
    for (Operation &op : inner.getBody()->without_terminator())
      if (&op != reduction.accumulator && &op != reduction.store)
        b.clone(op, mapping);
    scf::YieldOp::create(b, loc,
                         mapping.lookup(reduction.store.getValueToStore()));
  }

  // Butterfly: after five exchanges every lane holds the row's result.
  auto combine = [&](Value lhs, Value rhs) {
    IRMapping operands;
    operands.map(reduction.combiner->getOperand(0), lhs);
    operands.map(reduction.combiner->getOperand(1), rhs);
    return b.clone(*reduction.combiner, operands)->getResult(0);
  };
  Value partial = strided.getResult(0);
  for (int32_t offset = kWarp / 2; offset > 0; offset /= 2) {
    Value other = gpu::ShuffleOp::create(b, loc, partial, offset, kWarp,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    partial = combine(partial, other);
  }
  Value first =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, index(0));
  auto write = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
  b.setInsertionPointToStart(write.thenBlock());
  SmallVector<Value> indices =
      llvm::map_to_vector(reduction.store.getIndices(), [&](Value value) {
        return mapping.lookupOrDefault(value);
      });
  Value output = mapping.lookupOrDefault(reduction.store.getMemRef());
  Value initial = memref::LoadOp::create(b, loc, output, indices);
  memref::StoreOp::create(b, loc, combine(initial, partial), output, indices);
  loop.erase();
}

namespace {
struct MapParallelLoopsPass
    : public xfmr::impl::XfmrNVPTXMapParallelLoopsPassBase<MapParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (blockSize < 32 || blockSize > 1024 || blockSize % 32 != 0) {
      getOperation().emitError("block-size must be a multiple of 32 from 32 "
                               "to 1024, not ")
          << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }
    // Outermost loops only; a loop with results (a reduction across its
    // iterations) stays on the host, where it is correct if slow.
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      auto loop = dyn_cast<scf::ParallelOp>(op);
      if (!loop)
        return WalkResult::advance();
      if (loop.getNumResults() == 0)
        loops.push_back(loop);
      return WalkResult::skip();
    });
    auto module = FlatSymbolRefAttr::get(&getContext(), kKernelModuleName);
    for (scf::ParallelOp loop : loops) {
      if (std::optional<RowReduction> reduction = matchRowReduction(loop))
        launchRowReduction(loop, *reduction, blockSize, module);
      else
        launchParallelLoop(loop, blockSize, module);
    }
  }
};

} // namespace
