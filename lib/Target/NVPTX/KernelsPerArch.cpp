//===- KernelsPerArch.cpp - One kernel module per CUDA architecture -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A kernel may hold code for one architecture beside the code for all:
// the wgmma GEMM of sm_90a beside the mma.sync one that sm_80 and the PTX
// for newer GPUs run. Both sit in the one kernel, under a condition that
// says which architecture it is compiled for; the host launches it the same
// way everywhere. Here, before the targets are attached (NVVM checks each
// op against every target of its module), the kernel module is copied once
// per architecture after the first, and the condition becomes a constant in
// each, so that each architecture's PTX holds its own code only. The copies
// keep every kernel's name and signature, so that serialisation puts their
// cubins in one fatbin and the driver picks the cubin of its GPU.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRNVPTXKERNELSPERARCHPASS
#include "xfmr/Target/NVPTX/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

Value mlir::xfmr::createCompiledForChip(OpBuilder &b, Location loc,
                                        StringRef chip) {
  // A cast of nothing: no upstream pass folds it, and reconciling casts
  // would reject one left over, so that a module without its constant fails
  // loudly.
  auto marker =
      UnrealizedConversionCastOp::create(b, loc, b.getI1Type(), ValueRange());
  marker->setAttr(kCompiledForChipAttrName, b.getStringAttr(chip));
  return marker.getResult(0);
}

StringRef mlir::xfmr::getArchModuleBaseName(StringRef name) {
  return name.split(kArchModuleSeparator).first;
}

/// The conditions of `module`.
static SmallVector<UnrealizedConversionCastOp>
chipConditions(gpu::GPUModuleOp module) {
  SmallVector<UnrealizedConversionCastOp> markers;
  module.walk([&](UnrealizedConversionCastOp cast) {
    if (cast->hasAttr(kCompiledForChipAttrName))
      markers.push_back(cast);
  });
  return markers;
}

/// Makes each condition of `module` a constant for `chip`, and drops the
/// code that `chip` does not run.
static LogicalResult foldChipConditions(gpu::GPUModuleOp module,
                                        StringRef chip) {
  for (UnrealizedConversionCastOp marker : chipConditions(module)) {
    OpBuilder b(marker);
    auto wanted = marker->getAttrOfType<StringAttr>(kCompiledForChipAttrName);
    Value constant = arith::ConstantOp::create(
        b, marker.getLoc(), b.getBoolAttr(wanted && wanted.getValue() == chip));
    marker.getResult(0).replaceAllUsesWith(constant);
    marker->erase();
  }
  RewritePatternSet patterns(module.getContext());
  scf::IfOp::getCanonicalizationPatterns(patterns, module.getContext());
  return applyPatternsGreedily(module, std::move(patterns));
}

/// Whether `space` is shared memory, as the gpu dialect or NVVM names it.
static bool isWorkgroupMemory(Attribute space) {
  if (auto gpuSpace = dyn_cast_or_null<gpu::AddressSpaceAttr>(space))
    return gpuSpace.getValue() == gpu::AddressSpace::Workgroup;
  auto number = dyn_cast_or_null<IntegerAttr>(space);
  return number &&
         number.getInt() == static_cast<int64_t>(NVVM::NVVMMemorySpace::Shared);
}

namespace {
struct KernelsPerArchPass
    : public xfmr::impl::XfmrNVPTXKernelsPerArchPassBase<KernelsPerArchPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp top = getOperation();
    // Outlining copied the kernels' shared-memory globals (mbarriers, the
    // wgmma tiles) into the kernel module; the host has no use for its own.
    for (auto global :
         llvm::make_early_inc_range(top.getOps<memref::GlobalOp>()))
      if (isWorkgroupMemory(global.getType().getMemorySpace()))
        global.erase();
    SymbolTable symbols(top);
    for (gpu::GPUModuleOp module :
         llvm::to_vector(top.getOps<gpu::GPUModuleOp>())) {
      if (chipConditions(module).empty())
        continue;
      if (chips.empty()) {
        module.emitError("a kernel module with code for one CUDA "
                         "architecture needs the list of architectures");
        return signalPassFailure();
      }
      for (const std::string &chip : llvm::drop_begin(chips)) {
        OpBuilder b(module);
        b.setInsertionPointAfter(module);
        auto copy = cast<gpu::GPUModuleOp>(b.clone(*module));
        copy.setSymName(
            (module.getSymName() + kArchModuleSeparator + chip).str());
        symbols.insert(copy);
        if (failed(foldChipConditions(copy, chip)))
          return signalPassFailure();
      }
      if (failed(foldChipConditions(module, chips[0])))
        return signalPassFailure();
    }
  }
};
} // namespace
