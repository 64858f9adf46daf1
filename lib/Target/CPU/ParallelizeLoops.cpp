//===- ParallelizeLoops.cpp - Outermost parallel loops on OpenMP threads --===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Tiling leaves one scf.forall per linalg op, one vector op per iteration,
// and flash attention an outer scf.forall over batch, heads and query blocks
// with per-op foralls nested in it. Only the outermost of these run on
// threads: entering a parallel region costs microseconds (the fork and join
// of libomp's team), far more than a tile, so nested loops run sequentially
// inside an outer iteration, and a loop whose whole work is below a few
// fork/joins' worth stays sequential too.
//
// The default minimum work was measured with libomp on a 2-core Zen 5
// (AVX-512): a 2-thread region costs about 1 us to start and join when the
// threads are awake (0.5 us on one thread), far more when they sleep or
// another process holds a core. A 2-way split of an elementwise add still
// loses at 49152 floats (12288 units, 3 us alone) and wins at 196608 (33 us
// alone, 24 us split); the test models at batch 1 run as fast with any
// minimum from 4096 to 32768 units and slower above 65536. 32768 (about
// 10 us of compute-bound work) keeps the fewest regions among the fast
// ones, and each region is a join that waits for the slowest thread.
//
// A collapsed loop gets a static schedule: each thread runs one contiguous
// range of iterations, so consecutive ops split the same way touch the same
// rows on the same core.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/CPU/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRCPUPARALLELIZELOOPSPASS
#include "xfmr/Target/CPU/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Work estimate
//===----------------------------------------------------------------------===//

/// The static trip count of a loop dim, if its bounds and step are constant.
std::optional<uint64_t> staticTripCount(Value lb, Value ub, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lb);
  std::optional<int64_t> u = getConstantIntValue(ub);
  std::optional<int64_t> s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  if (*u <= *l)
    return 0;
  return static_cast<uint64_t>(llvm::divideCeil(*u - *l, *s));
}

SmallVector<std::optional<uint64_t>> staticTripCounts(scf::ParallelOp loop) {
  SmallVector<std::optional<uint64_t>> trips;
  for (auto [lb, ub, step] : llvm::zip_equal(
           loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
    trips.push_back(staticTripCount(lb, ub, step));
  return trips;
}

/// A rough count of the machine instructions a region executes, in units of
/// one vector instruction of the target's width. Only its order of magnitude
/// matters: it decides whether a loop is worth a fork and join.
class WorkEstimate {
public:
  WorkEstimate(uint64_t dynamicTripCount, uint64_t transcendentalCost,
               uint64_t vectorBits)
      : dynamicTripCount(dynamicTripCount),
        transcendentalCost(transcendentalCost), vectorBits(vectorBits) {}

  uint64_t ofBlock(Block &block) const {
    uint64_t work = 0;
    for (Operation &op : block)
      work = llvm::SaturatingAdd(work, ofOp(&op));
    return work;
  }

  uint64_t ofRegion(Region &region) const {
    uint64_t work = 0;
    for (Block &block : region)
      work = llvm::SaturatingAdd(work, ofBlock(block));
    return work;
  }

  /// The trip count assumed for a dim: its own when static.
  uint64_t trips(std::optional<uint64_t> trip) const {
    return trip.value_or(dynamicTripCount);
  }

  uint64_t ofOp(Operation *op) const {
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      uint64_t n = trips(staticTripCount(loop.getLowerBound(),
                                         loop.getUpperBound(),
                                         loop.getStep()));
      return llvm::SaturatingMultiply(n, ofBlock(*loop.getBody()));
    }
    if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
      uint64_t work = ofBlock(*loop.getBody());
      for (std::optional<uint64_t> trip : staticTripCounts(loop))
        work = llvm::SaturatingMultiply(work, trips(trip));
      return work;
    }
    if (auto branch = dyn_cast<scf::IfOp>(op))
      return std::max(ofRegion(branch.getThenRegion()),
                      ofRegion(branch.getElseRegion()));
    if (auto loop = dyn_cast<scf::WhileOp>(op))
      return llvm::SaturatingMultiply(
          dynamicTripCount, llvm::SaturatingAdd(ofRegion(loop.getBefore()),
                                                ofRegion(loop.getAfter())));
    uint64_t work = 0;
    for (Region &region : op->getRegions())
      work = llvm::SaturatingAdd(work, ofRegion(region));
    return llvm::SaturatingAdd(work, ofLeaf(op));
  }

private:
  /// Vector registers a value of `type` fills; 0 for indices, which are
  /// address arithmetic folded into the loads and stores.
  uint64_t registers(Type type) const {
    if (type.isIndex())
      return 0;
    if (auto vector = dyn_cast<VectorType>(type)) {
      Type element = vector.getElementType();
      unsigned bits = element.isIntOrFloat() ? element.getIntOrFloatBitWidth()
                                             : 64;
      return std::max<uint64_t>(
          1, llvm::divideCeil(vector.getNumElements() * bits, vectorBits));
    }
    return 1;
  }

  static bool isTranscendental(Operation *op) {
    return isa<math::ExpOp, math::Exp2Op, math::ExpM1Op, math::LogOp,
               math::Log2Op, math::Log10Op, math::Log1pOp, math::TanhOp,
               math::ErfOp, math::ErfcOp, math::PowFOp, math::SinOp,
               math::CosOp, math::TanOp, math::AtanOp, math::Atan2Op,
               math::SinhOp, math::CoshOp, math::AsinOp, math::AcosOp,
               math::CbrtOp>(op);
  }

  uint64_t ofLeaf(Operation *op) const {
    // Views, constants and allocations move no data.
    if (op->hasTrait<OpTrait::ConstantLike>() ||
        isa<ViewLikeOpInterface, memref::ExtractStridedMetadataOp,
            memref::DimOp, memref::GetGlobalOp, memref::AllocOp,
            memref::AllocaOp, memref::DeallocOp>(op))
      return 0;
    if (auto contract = dyn_cast<vector::ContractionOp>(op)) {
      // One fused multiply-add per element of the iteration space.
      SmallVector<int64_t> bounds;
      contract.getIterationBounds(bounds);
      auto acc = cast<VectorType>(contract.getAccType());
      int64_t lanes = std::max<int64_t>(
          1, vectorBits / acc.getElementType().getIntOrFloatBitWidth());
      return llvm::divideCeil(
          static_cast<uint64_t>(ShapedType::getNumElements(bounds)), lanes);
    }
    if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      auto type = cast<MemRefType>(copy.getSource().getType());
      if (!type.hasStaticShape())
        return dynamicTripCount;
      return llvm::divideCeil(static_cast<uint64_t>(type.getNumElements()) *
                                  type.getElementTypeBitWidth(),
                              vectorBits);
    }
    uint64_t work = 0;
    for (Type type : op->getOperandTypes())
      work = std::max(work, registers(type));
    for (Type type : op->getResultTypes())
      work = std::max(work, registers(type));
    if (isTranscendental(op))
      work = llvm::SaturatingMultiply(work, transcendentalCost);
    return work;
  }

  uint64_t dynamicTripCount;
  uint64_t transcendentalCost;
  uint64_t vectorBits;
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct ParallelizeLoopsPass
    : xfmr::impl::XfmrCPUParallelizeLoopsPassBase<ParallelizeLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (minWork < 0 || minParallelIterations < 1 || dynamicTripCount < 1 ||
        maxDynamicTripCount < 1 || transcendentalCost < 1) {
      getOperation().emitError()
          << "min-work must not be negative, and min-parallel-iterations, "
             "dynamic-trip-count, max-dynamic-trip-count and "
             "transcendental-cost must be positive";
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    // After bufferization a forall has no results, so it is a parallel loop
    // in every respect; one kind of loop is left to look at.
    SmallVector<scf::ForallOp> foralls;
    getOperation().walk([&](scf::ForallOp loop) { foralls.push_back(loop); });
    for (scf::ForallOp loop : foralls)
      (void)scf::forallToParallelLoop(rewriter, loop);

    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      // A loop with one iteration, or with reductions across iterations,
      // parallelizes nothing; the loops inside it may.
      SmallVector<std::optional<uint64_t>> trips = staticTripCounts(loop);
      bool single = llvm::all_of(trips, [](std::optional<uint64_t> trip) {
        return trip && *trip <= 1;
      });
      if (single || loop.getNumReductions() > 0)
        return WalkResult::advance();
      outermost.push_back(loop);
      return WalkResult::skip();
    });
    WorkEstimate estimate(dynamicTripCount, transcendentalCost,
                          std::max<int64_t>(vectorBits, 128));
    for (scf::ParallelOp loop : outermost)
      parallelize(rewriter, loop, estimate);
  }

  /// Replaces `loop` by a worksharing loop over its leading dims, collapsed
  /// into one, in a parallel region, if it does enough work.
  void parallelize(RewriterBase &rewriter, scf::ParallelOp loop,
                   const WorkEstimate &estimate) {
    SmallVector<std::optional<uint64_t>> trips = staticTripCounts(loop);
    uint64_t work = estimate.ofBlock(*loop.getBody());
    bool dynamic = false;
    for (std::optional<uint64_t> trip : trips) {
      if (trip)
        work = llvm::SaturatingMultiply(work, *trip);
      dynamic |= !trip.has_value();
    }
    auto minimum = static_cast<uint64_t>(minWork.getValue());
    if (!dynamic && work < minimum)
      return;
    // With a dynamic trip count, the comparison with the minimum happens at
    // run time. A loop that would need more iterations than it is expected
    // to run (e.g. rows of a narrow elementwise op) is not worth a region:
    // each one is an outlined function that LLVM optimizes apart, and a
    // run-time check.
    uint64_t needed = llvm::divideCeil(minimum, std::max<uint64_t>(work, 1));
    if (dynamic &&
        needed > static_cast<uint64_t>(maxDynamicTripCount.getValue()))
      return;

    Location loc = loop.getLoc();
    rewriter.setInsertionPoint(loop);
    auto constant = [&](int64_t value) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, value);
    };
    auto tripCount = [&](unsigned dim) -> Value {
      if (trips[dim])
        return constant(static_cast<int64_t>(*trips[dim]));
      Value extent = rewriter.createOrFold<arith::SubIOp>(
          loc, loop.getUpperBound()[dim], loop.getLowerBound()[dim]);
      Value count = rewriter.createOrFold<arith::CeilDivSIOp>(
          loc, extent, loop.getStep()[dim]);
      return rewriter.createOrFold<arith::MaxSIOp>(loc, count, constant(0));
    };

    // Below the minimum, the region runs on the calling thread alone.
    SmallVector<Value> tripValues;
    for (unsigned dim = 0, e = trips.size(); dim < e; ++dim)
      tripValues.push_back(tripCount(dim));
    Value enough;
    if (dynamic) {
      if (needed > 1) {
        Value dynamicTrips = constant(1);
        for (auto [trip, value] : llvm::zip_equal(trips, tripValues))
          if (!trip)
            dynamicTrips =
                rewriter.createOrFold<arith::MulIOp>(loc, dynamicTrips, value);
        enough = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::uge, dynamicTrips,
            constant(static_cast<int64_t>(
                std::min<uint64_t>(needed, INT64_MAX))));
      }
    }

    // The leading dims up to the first that gives enough iterations for an
    // even static split (a dynamic dim is assumed to) become one.
    unsigned numCollapsed = 0;
    uint64_t collapsedTrips = 1;
    for (std::optional<uint64_t> trip : trips) {
      ++numCollapsed;
      if (!trip)
        break;
      collapsedTrips = llvm::SaturatingMultiply(collapsedTrips, *trip);
      if (collapsedTrips >= static_cast<uint64_t>(minParallelIterations))
        break;
    }
    ArrayRef<Value> collapsedTripValues =
        ArrayRef(tripValues).take_front(numCollapsed);
    Value total = collapsedTripValues.front();
    for (Value trip : collapsedTripValues.drop_front())
      total = rewriter.createOrFold<arith::MulIOp>(loc, total, trip);

    // A loop wrapper holds its loop nest alone: the bounds come from outside.
    Value zero = constant(0), one = constant(1);
    omp::ParallelOperands parallelClauses;
    parallelClauses.ifExpr = enough;
    auto parallel = omp::ParallelOp::create(rewriter, loc, parallelClauses);
    rewriter.createBlock(&parallel.getRegion());
    omp::TerminatorOp::create(rewriter, loc);
    rewriter.setInsertionPointToStart(&parallel.getRegion().front());
    // A static schedule gives each thread one contiguous range; the join at
    // the region's end is the only barrier needed.
    omp::WsloopOperands wsloopClauses;
    wsloopClauses.nowait = rewriter.getUnitAttr();
    wsloopClauses.scheduleKind = omp::ClauseScheduleKindAttr::get(
        rewriter.getContext(), omp::ClauseScheduleKind::Static);
    auto wsloop = omp::WsloopOp::create(rewriter, loc, wsloopClauses);
    rewriter.createBlock(&wsloop.getRegion());
    omp::LoopNestOperands nestClauses;
    nestClauses.loopLowerBounds = {zero};
    nestClauses.loopUpperBounds = {total};
    nestClauses.loopSteps = {one};
    auto nest = omp::LoopNestOp::create(rewriter, loc, nestClauses);
    Block *body = rewriter.createBlock(&nest.getRegion(), {},
                                       {rewriter.getIndexType()}, {loc});
    auto yield = omp::YieldOp::create(rewriter, loc);
    rewriter.setInsertionPoint(yield);

    SmallVector<Value> indices = {body->getArgument(0)};
    if (numCollapsed > 1) {
      SmallVector<OpFoldResult> basis;
      for (auto [trip, value] : llvm::zip(trips, collapsedTripValues))
        basis.push_back(trip ? OpFoldResult(rewriter.getIndexAttr(
                                   static_cast<int64_t>(*trip)))
                             : OpFoldResult(value));
      auto delinearize = affine::AffineDelinearizeIndexOp::create(
          rewriter, loc, body->getArgument(0), basis);
      indices.assign(delinearize.getResults().begin(),
                     delinearize.getResults().end());
    }
    SmallVector<Value> ivs;
    for (auto [dim, index] : llvm::enumerate(indices)) {
      Value scaled = rewriter.createOrFold<arith::MulIOp>(
          loc, index, loop.getStep()[dim]);
      ivs.push_back(rewriter.createOrFold<arith::AddIOp>(
          loc, loop.getLowerBound()[dim], scaled));
    }

    Block *loopBody = loop.getBody();
    if (numCollapsed < trips.size()) {
      // The remaining dims stay a parallel loop, which is lowered
      // sequentially.
      auto inner = scf::ParallelOp::create(
          rewriter, loc, loop.getLowerBound().drop_front(numCollapsed),
          loop.getUpperBound().drop_front(numCollapsed),
          loop.getStep().drop_front(numCollapsed));
      llvm::append_range(ivs, inner.getInductionVars());
      rewriter.eraseOp(inner.getBody()->getTerminator());
      rewriter.mergeBlocks(loopBody, inner.getBody(), ivs);
    } else {
      rewriter.inlineBlockBefore(loopBody, yield, ivs);
      rewriter.eraseOp(yield->getPrevNode());
    }
    rewriter.eraseOp(loop);
  }
};

} // namespace
