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

/// Replaces `loop` by a launch with one thread per iteration.
static void launchParallelLoop(scf::ParallelOp loop, int64_t blockSize,
                               FlatSymbolRefAttr kernelModule) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  // Trip counts on the host: ceil((ub - lb) / step) per dim, and their
  // product, the number of threads; folded to constants where the bounds
  // are.
  SmallVector<Value> tripCounts;
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    Value extent = b.createOrFold<arith::SubIOp>(loc, ub, lb);
    Value count = b.createOrFold<arith::CeilDivUIOp>(loc, extent, step);
    tripCounts.push_back(count);
    total = b.createOrFold<arith::MulIOp>(loc, total, count);
  }
  // A loop smaller than a block gets a block of its size, rounded up to a
  // warp.
  int64_t threads = blockSize;
  if (std::optional<int64_t> known = getConstantIntValue(total))
    threads = std::clamp<int64_t>(llvm::alignTo(*known, 32), 32, blockSize);
  Value blockDim = arith::ConstantIndexOp::create(b, loc, threads);
  Value gridDim = b.createOrFold<arith::CeilDivUIOp>(loc, total, blockDim);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);

  auto launch = gpu::LaunchOp::create(
      b, loc, gridDim, one, one, blockDim, one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, /*workgroupAttributions=*/{},
      /*privateAttributions=*/{}, /*clusterSizeX=*/nullptr,
      /*clusterSizeY=*/nullptr, /*clusterSizeZ=*/nullptr, kernelModule);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  Value linear = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, blockDim),
      launch.getThreadIds().x);
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        linear, total);
  auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  gpu::TerminatorOp::create(b, loc);

  // The innermost dim varies fastest, so that neighbouring threads touch
  // neighbouring elements (coalesced accesses).
  b.setInsertionPointToStart(guard.thenBlock());
  IRMapping mapping;
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
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
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
    for (scf::ParallelOp loop : loops)
      launchParallelLoop(loop, blockSize, module);
  }
};

} // namespace
