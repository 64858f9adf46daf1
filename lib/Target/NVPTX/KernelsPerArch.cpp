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
// way everywhere. Here the kernel module is copied once per architecture,
// each copy with that architecture's target only, and the condition becomes
// a constant in each copy, so that each architecture's PTX holds its own
// code only. The copies keep every kernel's name and signature, so that
// serialisation puts their cubins in one fatbin and the driver picks the
// cubin of its GPU.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
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

namespace {
struct KernelsPerArchPass
    : public xfmr::impl::XfmrNVPTXKernelsPerArchPassBase<KernelsPerArchPass> {
  void runOnOperation() override {
    ModuleOp top = getOperation();
    SymbolTable symbols(top);
    for (gpu::GPUModuleOp module :
         llvm::to_vector(top.getOps<gpu::GPUModuleOp>())) {
      if (chipConditions(module).empty())
        continue;
      ArrayAttr targets = module.getTargetsAttr();
      SmallVector<std::pair<gpu::GPUModuleOp, NVVM::NVVMTargetAttr>> copies;
      for (auto [i, target] : llvm::enumerate(
               targets ? targets.getValue() : ArrayRef<Attribute>())) {
        auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(target);
        if (!nvvm) {
          module.emitError("a kernel module with code for one CUDA "
                           "architecture needs NVVM targets only");
          return signalPassFailure();
        }
        gpu::GPUModuleOp copy = module;
        if (i > 0) {
          OpBuilder b(module);
          b.setInsertionPointAfter(module);
          copy = cast<gpu::GPUModuleOp>(b.clone(*module));
          copy.setSymName(
              (module.getSymName() + kArchModuleSeparator + nvvm.getChip())
                  .str());
          symbols.insert(copy);
        }
        copies.push_back({copy, nvvm});
      }
      if (copies.empty()) {
        module.emitError("a kernel module with code for one CUDA "
                         "architecture has no target");
        return signalPassFailure();
      }
      for (auto [copy, target] : copies) {
        copy.setTargetsAttr(ArrayAttr::get(&getContext(), {target}));
        if (failed(foldChipConditions(copy, target.getChip())))
          return signalPassFailure();
      }
    }
  }
};
} // namespace
