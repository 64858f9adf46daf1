//===- Pipelines.cpp - The named pipelines of xfmr ------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One place that names every pipeline, so xfmr-opt, the driver and Python
// run the same steps under the same names.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Pipelines/Pipelines.h"

#include "xfmr/Target/CPU/CPUTarget.h"

#include "mlir/Pass/PassRegistry.h"

void mlir::xfmr::registerXfmrPipelines() {
  mlir::PassPipelineRegistration<GraphCleanupOptions>(
      "xfmr-graph-cleanup",
      "Fold shape arithmetic and make result types static where the inputs "
      "allow (shape refinement alternated with canonicalization)",
      buildGraphCleanupPipeline);
  mlir::PassPipelineRegistration<FusionOptions>(
      "xfmr-fuse",
      "Rewrite the attention, MLP, normalisation and activation blocks "
      "into xfmr's transformer ops",
      buildFusionPipeline);
  // Not PassPipelineRegistration: the CPU named in the options may be one
  // LLVM does not know, which is an error of the pipeline text.
  mlir::registerPassPipeline(
      "xfmr-cpu-codegen",
      "The CPU backend from linalg on tensors to the LLVM dialect: "
      "elementwise fusion, bufferization, deallocation, loops, LLVM, and "
      "the compiled model's ABI",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        CPUCodegenOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        std::string error;
        if (failed(buildCPULinalgToLLVMPipeline(pm, options, error)))
          return errorHandler(error);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(CPUCodegenOptions());
      });
}
