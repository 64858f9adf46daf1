//===- Compiler.cpp - From a model file to any stage of its compilation ---===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Compiler/Compiler.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::xfmr;

OwningOpRef<ModuleOp>
mlir::xfmr::loadModel(llvm::StringRef path, MLIRContext *context,
                      const ONNXImportOptions &importOptions) {
  llvm::StringRef ext = llvm::sys::path::extension(path);
  if (ext == ".mlir" || ext == ".mlirbc") {
    if (!importOptions.inputShapes.empty() ||
        !importOptions.dimValues.empty()) {
      emitError(UnknownLoc::get(context))
          << "--input-shape and --dim apply to ONNX models; " << path
          << " is MLIR, whose types are used as they are";
      return nullptr;
    }
    return parseSourceFile<ModuleOp>(path, context);
  }
  return importONNXFile(path, context, importOptions);
}

/// Writes MLIR text of `module` to `outputPath`.
static LogicalResult writeMLIR(ModuleOp module, llvm::StringRef outputPath) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output)
    return emitModelError(module, error);
  // Weights are blobs: bytecode would keep them raw, text prints them as hex
  // (MLIR elides large ones only when asked).
  module->print(output->os(), OpPrintingFlags());
  output->os() << "\n";
  output->keep();
  return success();
}

LogicalResult mlir::xfmr::compileModule(ModuleOp module,
                                        const CompileOptions &options,
                                        llvm::StringRef outputPath) {
  std::string error;
  const Target *target = lookupTarget(options.target, error);
  if (!target)
    return emitModelError(module, error);
  if (!isPipelineStage(options.emit) && !target->canSerialize(options.emit)) {
    std::vector<StringRef> stages;
    for (EmitStage stage : target->getSerializationStages())
      stages.push_back(getEmitStageName(stage));
    return emitModelError(module)
           << "--emit=" << getEmitStageName(options.emit)
           << " is not an output of target '" << target->getName()
           << "' (after llvm it writes " << llvm::join(stages, ", ") << ")";
  }

  // Serialisation reads the options codegen was built with, defaults
  // filled in.
  PipelineOptions pipeline = options;
  Phase last = getLastPhase(options.emit);
  if (last == Phase::Codegen &&
      failed(target->resolveOptions(pipeline.targetOptions, error)))
    return emitModelError(module, error);

  // A library's large weights go to a file beside it.
  if (options.emit == EmitStage::So)
    module->setAttr(
        kWeightsFileAttrName,
        StringAttr::get(module.getContext(), getWeightsPath(outputPath)));
  PassManager pm(module->getName());
  if (options.configurePassManager && failed(options.configurePassManager(pm)))
    return failure();
  if (failed(buildXfmrPipeline(pm, pipeline, Phase::GraphCleanup, last, error)))
    return emitModelError(module, error);
  if (failed(pm.run(module)))
    return failure();

  if (isPipelineStage(options.emit))
    return writeMLIR(module, outputPath);
  return target->serialize(module, pipeline.targetOptions, options.emit,
                           outputPath);
}
