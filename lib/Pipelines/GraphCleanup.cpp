//===- GraphCleanup.cpp - The graph-level clean-up pipeline ---------------===//
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

void mlir::xfmr::buildGraphCleanupPipeline(mlir::OpPassManager &pm,
                                     const GraphCleanupOptions &options) {
  mlir::OpPassManager &funcPm = pm.nest<mlir::func::FuncOp>();
  for (unsigned i = 0; i < options.rounds; ++i) {
    mlir::xfmr::XfmrRefineShapesPassOptions refine;
    refine.refineSignature = options.refineSignature;
    funcPm.addPass(mlir::xfmr::createXfmrRefineShapesPass(refine));
    funcPm.addPass(mlir::createCanonicalizerPass());
  }
  funcPm.addPass(mlir::createCSEPass());
}
