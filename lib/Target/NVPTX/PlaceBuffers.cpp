//===- PlaceBuffers.cpp - Buffers the GPU can reach -----------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRNVPTXPLACEBUFFERSPASS
#include "xfmr/Target/NVPTX/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

/// A managed buffer of `type`, sized by `dynamicSizes`.
static Value allocateManaged(OpBuilder &b, Location loc, MemRefType type,
                             ValueRange dynamicSizes,
                             ValueRange symbolOperands = {}) {
  return gpu::AllocOp::create(b, loc, type, /*asyncToken=*/Type(),
                              /*asyncDependencies=*/ValueRange(),
                              dynamicSizes, symbolOperands,
                              /*hostShared=*/true)
      .getMemref();
}

/// Frees the managed `buffer`. The lowering to runtime calls has only the
/// asynchronous form, so it is one on a stream of its own, waited for.
static void freeManaged(OpBuilder &b, Location loc, Value buffer) {
  Type tokenType = gpu::AsyncTokenType::get(b.getContext());
  Value stream =
      gpu::WaitOp::create(b, loc, tokenType, ValueRange()).getAsyncToken();
  Value freed =
      gpu::DeallocOp::create(b, loc, tokenType, ValueRange{stream}, buffer)
          .getAsyncToken();
  gpu::WaitOp::create(b, loc, Type(), ValueRange{freed});
}

/// Frees `buffer` at the end of the block `op` is in.
static void freeAtEndOfBlock(OpBuilder &b, Operation *op, Value buffer) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(op->getBlock()->getTerminator());
  freeManaged(b, op->getLoc(), buffer);
}

namespace {
struct PlaceBuffersPass
    : public xfmr::impl::XfmrNVPTXPlaceBuffersPassBase<PlaceBuffersPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      placeBuffers(func);
  }

  void placeBuffers(func::FuncOp func) {
    // What kernels run is already in launches: only the host's buffers move.
    SmallVector<Operation *> hostOps;
    func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp,
              memref::GetGlobalOp>(op))
        hostOps.push_back(op);
      return WalkResult::advance();
    });

    OpBuilder b(func.getContext());
    for (Operation *op : hostOps) {
      b.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        alloc.replaceAllUsesWith(allocateManaged(
            b, loc, alloc.getType(), alloc.getDynamicSizes(),
            alloc.getSymbolOperands()));
        alloc.erase();
      } else if (auto alloca = dyn_cast<memref::AllocaOp>(op)) {
        // Stack buffers live until the end of their block.
        Value buffer = allocateManaged(b, loc, alloca.getType(),
                                       alloca.getDynamicSizes(),
                                       alloca.getSymbolOperands());
        alloca.replaceAllUsesWith(buffer);
        freeAtEndOfBlock(b, alloca, buffer);
        alloca.erase();
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        freeManaged(b, loc, dealloc.getMemref());
        dealloc.erase();
      } else if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
        b.setInsertionPointAfter(global);
        Value copy = allocateManaged(b, loc, global.getType(), {});
        auto copyOp = memref::CopyOp::create(b, loc, global.getResult(), copy);
        global.getResult().replaceAllUsesExcept(copy, copyOp);
        freeAtEndOfBlock(b, global, copy);
      }
    }
  }
};
} // namespace
