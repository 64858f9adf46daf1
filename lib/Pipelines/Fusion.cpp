//===- Fusion.cpp - The fusion pipeline -----------------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Pipelines/Pipelines.h"

#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

void mlir::xfmr::buildFusionPipeline(mlir::OpPassManager &pm,
                                     const FusionOptions &options) {
  bool explain = options.explain || options.report;
  (void)explain;
  mlir::OpPassManager &funcPm = pm.nest<mlir::func::FuncOp>();
  // Activations and norms first: attention and MLP patterns match the
  // xfmr.gelu / xfmr.silu / norm ops they produce.

  // Rotary embeddings before attention, which sees through them.

  // Attention before the linear layers, so that its own matmuls stay
  // matmuls.
  funcPm.addPass(mlir::xfmr::createXfmrFuseAttentionPass({explain}));

  // Linear layers, then the MLP blocks made of them.

  funcPm.addPass(mlir::createCanonicalizerPass());
  funcPm.addPass(mlir::createCSEPass());
  if (options.report)
    pm.addPass(mlir::xfmr::createXfmrFusionReportPass());
}
