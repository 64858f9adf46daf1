//===- LowerToLinalg.cpp - The lowering from xfmr to linalg ---------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Pipelines/Pipelines.h"

#include "xfmr/Conversion/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

void mlir::xfmr::buildLowerToLinalgPipeline(mlir::OpPassManager &pm,
                                            const XfmrToLinalgTiling &tiling) {
  ConvertXfmrToLinalgPassOptions lowering;
  lowering.flashAttention = tiling.flashAttention;
  lowering.attentionQBlock = tiling.attentionQBlock;
  lowering.attentionKvBlock = tiling.attentionKvBlock;
  lowering.mlpRowBlock = tiling.mlpRowBlock;
  pm.addPass(createConvertXfmrToLinalgPass(lowering));
  pm.addPass(mlir::createCanonicalizerPass());
}
