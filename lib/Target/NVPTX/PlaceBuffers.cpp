//===- PlaceBuffers.cpp - Buffers the GPU can reach -----------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

#include "llvm/ADT/SmallPtrSet.h"

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

/// Where the buffers of a run start in its arena: a multiple of this, as
/// cuMemAlloc aligns its allocations.
static constexpr int64_t kArenaAlignment = 256;

/// The bytes of a buffer of `type` when it has a static size and elements
/// of a whole number of bytes in memory; 0 otherwise.
static int64_t staticBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !type.getElementType().isIntOrFloat())
    return 0;
  int64_t elementBytes = (type.getElementTypeBitWidth() + 7) / 8;
  return std::max<int64_t>(type.getNumElements() * elementBytes, 1);
}

/// Whether the buffer of `alloc` lives only within its block: it is freed
/// there, and only there, so it is never handed to the caller.
static bool freedInItsBlock(memref::AllocOp alloc) {
  bool freed = false;
  for (Operation *user : alloc->getUsers()) {
    if (!isa<memref::DeallocOp>(user))
      continue;
    if (user->getBlock() != alloc->getBlock())
      return false;
    freed = true;
  }
  return freed;
}

/// Puts the buffers of `block` that have a static size and never leave it
/// in one managed allocation at its start, each at an offset fixed here,
/// freed before the block's terminator. Returns the allocations and frees
/// it replaced.
static llvm::SmallPtrSet<Operation *, 16> planArena(OpBuilder &b,
                                                    Block &block) {
  llvm::SmallPtrSet<Operation *, 16> placed;
  SmallVector<std::pair<memref::AllocOp, int64_t>> buffers;
  int64_t size = 0;
  for (auto alloc : block.getOps<memref::AllocOp>()) {
    int64_t bytes = staticBytes(alloc.getType());
    if (bytes == 0 || !alloc.getSymbolOperands().empty() ||
        !freedInItsBlock(alloc))
      continue;
    buffers.push_back({alloc, size});
    size += llvm::alignTo(bytes, kArenaAlignment);
  }
  if (buffers.empty())
    return placed;

  Location loc = block.getParentOp()->getLoc();
  b.setInsertionPointToStart(&block);
  auto arenaType = MemRefType::get({size}, b.getI8Type());
  Value arena = allocateManaged(b, loc, arenaType, {});
  for (auto [alloc, offset] : buffers) {
    b.setInsertionPoint(alloc);
    Value at = arith::ConstantIndexOp::create(b, alloc.getLoc(), offset);
    Value view = memref::ViewOp::create(b, alloc.getLoc(), alloc.getType(),
                                        arena, at, ValueRange());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user)) {
        placed.insert(user);
        user->erase();
      }
    alloc.replaceAllUsesWith(view);
    placed.insert(alloc);
    alloc.erase();
  }
  freeAtEndOfBlock(b, &block.front(), arena);
  return placed;
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
    // The buffers of a run in one allocation; the others (sized at run time,
    // or handed to the caller) each in their own.
    llvm::SmallPtrSet<Operation *, 16> inArena;
    if (!func.getBody().empty())
      inArena = planArena(b, func.getBody().front());
    for (Operation *op : hostOps) {
      if (inArena.contains(op))
        continue;
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
