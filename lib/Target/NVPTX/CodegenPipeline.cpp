//===- CodegenPipeline.cpp - The NVPTX pipeline from linalg to LLVM -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/Common/Passes.h"
#include "xfmr/Target/NVPTX/NVPTXTarget.h"
#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::xfmr;

void mlir::xfmr::registerNVPTXTargetPasses() { registerXfmrNVPTXPasses(); }

void mlir::xfmr::buildNVPTXCodegenPipeline(OpPassManager &pm,
                                           const TargetOptions &options,
                                           llvm::StringRef libdevice) {
  // The model ABI every target shares: the signature is read on tensors,
  // the entry emitted on the LLVM dialect.
  pm.addPass(createXfmrPrepareEntryPass());
  // Attention as one FlashAttention-2 kernel when it may use tensor cores
  // (in f32, exact, it stays on the generic loops): a call on buffers until
  // deallocation is done, then the launch.
  bool attentionKernel = options.precision != "f32";
  if (attentionKernel)
    pm.addPass(createXfmrNVPTXFlashAttentionCallPass({options.precision}));
  OpPassManager &tensorPm = pm.nest<func::FuncOp>();
  // A chain of elementwise ops becomes one loop nest, so one kernel.
  tensorPm.addPass(createXfmrFuseElementwisePass());
  tensorPm.addPass(createCanonicalizerPass());
  tensorPm.addPass(createCSEPass());

  buildModelBufferizationPipeline(pm);
  // Every weight to the file beside the library, when the driver names one:
  // the runtime copies the file to the GPU once, at load, and no run copies
  // a weight again.
  XfmrExternalizeWeightsPassOptions weights;
  weights.threshold = 0;
  pm.addPass(createXfmrExternalizeWeightsPass(weights));

  if (attentionKernel)
    pm.addPass(createXfmrNVPTXFlashAttentionKernelPass({options.precision}));

  // Contractions on tensor cores when the precision allows; then loops, and
  // a kernel per outermost parallel loop.
  OpPassManager &loopPm = pm.nest<func::FuncOp>();
  if (options.precision != "f32") {
    // sm_90a's kernels get wgmma and the copy engine (TMA) beside mma.sync
    // when asked for (`TargetOptions::warpgroupMma`).
    XfmrNVPTXTensorCoreMatmulPassOptions tensorCores;
    tensorCores.precision = options.precision;
    if (options.warpgroupMma && llvm::is_contained(options.gpuArchs, "sm_90a"))
      tensorCores.wgmmaChip = "sm_90a";
    loopPm.addPass(createXfmrNVPTXTensorCoreMatmulPass(tensorCores));
  }
  loopPm.addPass(createXfmrStridedCopiesToLinalgPass());
  loopPm.addPass(createConvertLinalgToParallelLoopsPass());
  loopPm.addPass(createCanonicalizerPass());
  loopPm.addPass(createXfmrNVPTXMapParallelLoopsPass());
  // exp, tanh, erf and log as the same polynomials the CPU evaluates:
  // no libdevice to link, and one numerical behaviour for both targets.
  loopPm.addPass(createXfmrApproximateMathPass());
  pm.addPass(createXfmrNVPTXPlaceBuffersPass());

  // The kernels into one gpu.module, with a target per architecture; the
  // constants they use (the polynomials' coefficients) move into them
  // rather than becoming kernel arguments.
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  // The host's tensor maps and the kernels' mbarriers and bulk copies to
  // NVVM while both are in one function: the maps' type becomes a pointer
  // on both sides of the launch.
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createGpuKernelOutliningPass());
  // The run's launches, copies and frees queue on one stream.
  pm.addPass(createXfmrNVPTXStreamHostWorkPass());
  pm.addPass(createLowerAffinePass());
  // Code for one architecture (sm_90a's wgmma) goes to that architecture's
  // copy of the kernels, before targets are attached.
  XfmrNVPTXKernelsPerArchPassOptions perArch;
  perArch.chips.assign(options.gpuArchs.begin(), options.gpuArchs.end());
  pm.addPass(createXfmrNVPTXKernelsPerArchPass(perArch));
  for (const std::string &arch : options.gpuArchs) {
    GpuNVVMAttachTargetOptions target;
    target.chip = arch;
    target.features = getPTXFeature(arch);
    target.optLevel = std::min(options.optLevel, 3u);
    // What stays a libdevice call (sin, cos, pow, ...) is linked from the
    // toolkit's bitcode.
    if (!libdevice.empty())
      target.linkLibs.push_back(libdevice.str());
    // The kernels, and the architecture's own copy of them if it has one
    // (serialisation drops the kernels' own object for it then).
    target.moduleMatcher = ("^" + kKernelModuleName + "$").str();
    pm.addPass(createGpuNVVMAttachTarget(target));
    target.moduleMatcher =
        ("^" + kKernelModuleName + kArchModuleSeparator + arch + "$").str();
    pm.addPass(createGpuNVVMAttachTarget(target));
  }
  OpPassManager &kernelPm = pm.nest<gpu::GPUModuleOp>();
  kernelPm.addPass(createXfmrNVPTXAlignWorkgroupBuffersPass());
  kernelPm.addPass(createXfmrNVPTXRegisterBudgetPass());
  kernelPm.addPass(createConvertNVGPUToNVVMPass());
  kernelPm.addPass(createConvertVectorToSCFPass());
  kernelPm.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  kernelPm.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  // NVVM ops with no intrinsic (mbarrier waits, wgmma) as inline PTX.
  kernelPm.addPass(createConvertNVVMToLLVMPass());
  kernelPm.addPass(createCanonicalizerPass());
  kernelPm.addPass(createCSEPass());
  kernelPm.addPass(createReconcileUnrealizedCastsPass());

  // The host: launches become runtime calls, the rest LLVM.
  OpPassManager &hostPm = pm.nest<func::FuncOp>();
  hostPm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createGpuToLLVMConversionPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useAlignedAlloc = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  XfmrEmitModelABIPassOptions abi;
  abi.runtimeKind = "cuda";
  abi.cpu = llvm::join(options.gpuArchs, ",");
  pm.addPass(createXfmrEmitModelABIPass(abi));
  pm.addPass(createCanonicalizerPass());
}
