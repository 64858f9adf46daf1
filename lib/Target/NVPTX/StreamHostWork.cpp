//===- StreamHostWork.cpp - A run's GPU work queued on one stream ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The synchronous forms of launch_func and dealloc lower to a stream made,
// waited for and destroyed around each one: a run of a model with a hundred
// kernels waited for the GPU a hundred times. Chained on one token they
// queue, and the host waits only where it reads or writes memory itself.
//
// Making a tensor map (sm_90a's TMA loads) is host work that reads only a
// buffer's address and shape, never its elements: the runtime call that
// encodes it and the stores of its box into a stack slot do not wait, so a
// GEMM whose operand the previous kernel writes still queues behind it.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRNVPTXSTREAMHOSTWORKPASS
#include "xfmr/Target/NVPTX/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

/// Whether a copy between `type`s is one contiguous block of bytes, which
/// gpu.memcpy copies.
static bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

/// Whether the host must wait for the queued work before `op`: it reads or
/// writes memory, or may (an op with no known effects, a loop holding one).
static bool touchesMemory(Operation *op) {
  if (isa<gpu::AllocOp>(op) || op->hasTrait<OpTrait::IsTerminator>())
    return false;
  return !isMemoryEffectFree(op);
}

/// The runtime function that encodes a tensor map (nvgpu's lowering of
/// tma.create.descriptor calls it).
static constexpr llvm::StringLiteral kEncodeTensorMap =
    "mgpuTensorMapEncodeTiledMemref";

/// Whether every use of `slot` (a stack slot or an address in it) is a store
/// into it or an address further in, each added to `work`, or `call`.
static bool onlyFilledFor(Value slot, Operation *call,
                          llvm::SmallPtrSetImpl<Operation *> &work) {
  for (OpOperand &use : slot.getUses()) {
    Operation *user = use.getOwner();
    if (user == call)
      continue;
    if (auto store = dyn_cast<LLVM::StoreOp>(user)) {
      if (store.getAddr() != slot)
        return false;
      work.insert(store);
      continue;
    }
    auto gep = dyn_cast<LLVM::GEPOp>(user);
    if (!gep || gep.getBase() != slot || !onlyFilledFor(gep, call, work))
      return false;
  }
  return true;
}

/// The host ops in `block` that make tensor maps: each call of the encoding
/// function, and the stack slots it reads with the stores that fill them.
/// None reads memory the GPU writes, so none waits for queued work.
static llvm::SmallPtrSet<Operation *, 8> tensorMapWork(Block &block) {
  llvm::SmallPtrSet<Operation *, 8> work;
  for (auto call : block.getOps<LLVM::CallOp>()) {
    if (call.getCallee() != kEncodeTensorMap)
      continue;
    llvm::SmallPtrSet<Operation *, 8> callWork;
    bool exempt = true;
    for (Value operand : call.getArgOperands()) {
      auto slot = operand.getDefiningOp<LLVM::AllocaOp>();
      if (!slot)
        continue;
      callWork.insert(slot);
      exempt &= onlyFilledFor(slot, call, callWork);
    }
    if (!exempt)
      continue;
    work.insert(call);
    work.insert(callWork.begin(), callWork.end());
  }
  return work;
}

namespace {

/// The token the work of one block is chained on.
class Chain {
public:
  explicit Chain(MLIRContext *ctx) : tokenType(gpu::AsyncTokenType::get(ctx)) {}

  /// The token to queue `op` after, made before `op` when there is none.
  Value before(OpBuilder &b, Operation *op) {
    if (!token) {
      b.setInsertionPoint(op);
      token = gpu::WaitOp::create(b, op->getLoc(), tokenType, ValueRange())
                  .getAsyncToken();
    }
    return token;
  }

  /// Waits, before `op`, for what is queued.
  void wait(OpBuilder &b, Operation *op) {
    if (!token)
      return;
    b.setInsertionPoint(op);
    gpu::WaitOp::create(b, op->getLoc(), Type(), ValueRange{token});
    token = nullptr;
  }

  Type tokenType;
  Value token;
};

struct StreamHostWorkPass
    : public xfmr::impl::XfmrNVPTXStreamHostWorkPassBase<StreamHostWorkPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal())
        for (Block &block : func.getBody())
          chainBlock(block);
  }

  void chainBlock(Block &block) {
    OpBuilder b(&getContext());
    Chain chain(&getContext());
    llvm::SmallPtrSet<Operation *, 8> noWait = tensorMapWork(block);
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
        if (launch.getAsyncToken())
          continue;
        Value after = chain.before(b, launch);
        b.setInsertionPoint(launch);
        std::optional<gpu::KernelDim3> cluster;
        if (launch.hasClusterSize())
          cluster = launch.getClusterSizeOperandValues();
        auto queued = gpu::LaunchFuncOp::create(
            b, launch.getLoc(), launch.getKernel(),
            launch.getGridSizeOperandValues(),
            launch.getBlockSizeOperandValues(),
            launch.getDynamicSharedMemorySize(), launch.getKernelOperands(),
            chain.tokenType, ValueRange{after}, cluster);
        chain.token = queued.getAsyncToken();
        launch.erase();
        continue;
      }
      // A stream of its own, as a free on its own has: the chain's instead.
      if (auto wait = dyn_cast<gpu::WaitOp>(op)) {
        if (wait.getAsyncToken() && wait.getAsyncDependencies().empty()) {
          wait.getAsyncToken().replaceAllUsesWith(chain.before(b, wait));
          wait.erase();
        } else if (!wait.getAsyncToken()) {
          // The wait after a free: the runtime frees the run's buffers once
          // its work is done, so nothing waits here.
          bool afterFree =
              llvm::all_of(wait.getAsyncDependencies(), [](Value t) {
                return isa_and_nonnull<gpu::DeallocOp>(t.getDefiningOp());
              });
          if (afterFree && !wait.getAsyncDependencies().empty()) {
            wait.erase();
            continue;
          }
          chain.wait(b, wait);
        }
        continue;
      }
      if (auto free = dyn_cast<gpu::DeallocOp>(op)) {
        if (free.getAsyncToken() && free.getAsyncDependencies().size() == 1 &&
            free.getAsyncDependencies().front() == chain.token)
          chain.token = free.getAsyncToken();
        continue;
      }
      if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        if (isContiguous(copy.getSource().getType()) &&
            isContiguous(copy.getTarget().getType())) {
          Value after = chain.before(b, copy);
          b.setInsertionPoint(copy);
          chain.token =
              gpu::MemcpyOp::create(b, copy.getLoc(), chain.tokenType,
                                    ValueRange{after}, copy.getTarget(),
                                    copy.getSource())
                  .getAsyncToken();
          copy.erase();
          continue;
        }
      }
      if (!touchesMemory(&op) || noWait.contains(&op))
        continue;
      chain.wait(b, &op);
      // A loop or branch of the host: its blocks chain their own work.
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          chainBlock(inner);
    }
  }
};

} // namespace
