//===- RegisterBudget.cpp - Registers for the tensor-core kernels ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Left to itself, ptxas sizes a kernel's registers for occupancy: for sm_90a
// it gives a 64x64-tile GEMM with a fused epilogue 80 registers, fewer than
// its 32 accumulators, fragments and addresses need, and spills, where
// `.maxnreg 168` gives the same kernel 125 registers and no spill. A
// kernel that holds mma.sync accumulators says how many it may use: by
// default all 255 a thread can have, so that no tensor-core kernel (the
// GEMM's 125 to 137, the attention kernel's up to 172 at head size 128)
// spills to fit a budget.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRNVPTXREGISTERBUDGETPASS
#include "xfmr/Target/NVPTX/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

namespace {
struct RegisterBudgetPass
    : public xfmr::impl::XfmrNVPTXRegisterBudgetPassBase<RegisterBudgetPass> {
  using Base::Base;

  void runOnOperation() override {
    Builder b(&getContext());
    StringRef name = NVVM::NVVMDialect::getMaxnregAttrName();
    getOperation().walk([&](gpu::GPUFuncOp kernel) {
      bool holdsAccumulators = kernel
                                   .walk([](Operation *op) {
                                     return isa<NVVM::MmaOp, nvgpu::MmaSyncOp,
                                                NVVM::WgmmaMmaAsyncOp>(op)
                                                ? WalkResult::interrupt()
                                                : WalkResult::advance();
                                   })
                                   .wasInterrupted();
      if (holdsAccumulators && !kernel->hasAttr(name))
        kernel->setAttr(name, b.getI32IntegerAttr(registers));
    });
  }
};
} // namespace
