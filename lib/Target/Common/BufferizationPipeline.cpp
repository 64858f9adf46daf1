//===- BufferizationPipeline.cpp - A model's tensors become buffers -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/Common/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;

void mlir::xfmr::buildModelBufferizationPipeline(OpPassManager &pm) {
  // Slice equivalence is proven through shape arithmetic; selects in it
  // would make the proof exponential.
  pm.addNestedPass<func::FuncOp>(createXfmrOpaqueSizeSelectsPass());
  // Identity layouts at the entry, so that the runtime passes plain strided
  // descriptors; results are owned by the caller.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Imported Loops carry values whose buffers change from one iteration to
  // the next (a scan output grown by a row, a carried value that changes
  // shape); the ownership-based deallocation frees the old ones.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}
