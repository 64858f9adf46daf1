//===- PlaceBuffers.cpp - Buffers the GPU can reach -----------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
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

/// A buffer of a run's arena: the ops of its block from its allocation to its
/// last use (its free), and the bytes it takes there.
struct ArenaBuffer {
  memref::AllocOp alloc;
  unsigned first, last;
  int64_t bytes;
  int64_t offset = 0;
};

/// Gives each buffer an offset such that two buffers alive at the same op
/// never overlap, while buffers whose lives are disjoint share bytes: the
/// largest first, each at the lowest offset that fits between those already
/// placed and alive with it. Returns the arena's size.
static int64_t assignOffsets(MutableArrayRef<ArenaBuffer> buffers) {
  SmallVector<ArenaBuffer *> order;
  for (ArenaBuffer &buffer : buffers)
    order.push_back(&buffer);
  llvm::sort(order, [](ArenaBuffer *a, ArenaBuffer *b) {
    return std::make_pair(-a->bytes, a->first) <
           std::make_pair(-b->bytes, b->first);
  });
  SmallVector<ArenaBuffer *> placed;
  int64_t size = 0;
  for (ArenaBuffer *buffer : order) {
    SmallVector<ArenaBuffer *> alive;
    for (ArenaBuffer *other : placed)
      if (other->first <= buffer->last && buffer->first <= other->last)
        alive.push_back(other);
    llvm::sort(alive, [](ArenaBuffer *a, ArenaBuffer *b) {
      return a->offset < b->offset;
    });
    int64_t offset = 0;
    for (ArenaBuffer *other : alive) {
      if (offset + buffer->bytes <= other->offset)
        break;
      offset = std::max<int64_t>(
          offset, llvm::alignTo(other->offset + other->bytes, kArenaAlignment));
    }
    buffer->offset = offset;
    size = std::max(size, offset + buffer->bytes);
    placed.push_back(buffer);
  }
  return static_cast<int64_t>(llvm::alignTo(size, kArenaAlignment));
}

/// The position in `block` of the last op that uses the buffer of `alloc`,
/// through any value derived from it (a view, a cast, a loop's result), a
/// use inside a region counting as the op of `block` that holds it. Its frees
/// do not count: the deallocation pipeline puts them at the end of the block,
/// not after the last use.
static unsigned lastUse(Block &block, memref::AllocOp alloc,
                        const llvm::DenseMap<Operation *, unsigned> &position) {
  unsigned last = position.lookup(alloc);
  SmallVector<Value> worklist = {alloc.getResult()};
  llvm::SmallPtrSet<Value, 16> seen = {alloc.getResult()};
  auto addAliases = [&](Operation *op) {
    for (Value result : op->getResults())
      if (isa<BaseMemRefType>(result.getType()) && seen.insert(result).second)
        worklist.push_back(result);
  };
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (isa<memref::DeallocOp>(user))
        continue;
      Operation *inBlock = block.findAncestorOpInBlock(*user);
      if (!inBlock)
        continue;
      last = std::max(last, position.lookup(inBlock));
      addAliases(user);
      // What a region yields out of its op may be the buffer.
      if (inBlock != user)
        addAliases(inBlock);
    }
  }
  return last;
}

/// Puts the buffers of `block` that have a static size and never leave it
/// in one managed allocation at its start, each at an offset fixed here
/// (buffers that are never alive at once share bytes), freed before the
/// block's terminator. Returns the allocations and frees it replaced.
static llvm::SmallPtrSet<Operation *, 16> planArena(OpBuilder &b,
                                                    Block &block) {
  llvm::SmallPtrSet<Operation *, 16> placed;
  llvm::DenseMap<Operation *, unsigned> position;
  for (auto [index, op] : llvm::enumerate(block))
    position[&op] = index;

  SmallVector<ArenaBuffer> buffers;
  for (auto alloc : block.getOps<memref::AllocOp>()) {
    int64_t bytes = staticBytes(alloc.getType());
    if (bytes == 0 || !alloc.getSymbolOperands().empty() ||
        !freedInItsBlock(alloc))
      continue;
    unsigned last = lastUse(block, alloc, position);
    buffers.push_back({alloc, position[alloc], last, bytes});
  }
  if (buffers.empty())
    return placed;
  int64_t size = assignOffsets(buffers);

  Location loc = block.getParentOp()->getLoc();
  b.setInsertionPointToStart(&block);
  auto arenaType = MemRefType::get({size}, b.getI8Type());
  Value arena = allocateManaged(b, loc, arenaType, {});
  for (ArenaBuffer &buffer : buffers) {
    memref::AllocOp alloc = buffer.alloc;
    b.setInsertionPoint(alloc);
    Value at = arith::ConstantIndexOp::create(b, alloc.getLoc(), buffer.offset);
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
