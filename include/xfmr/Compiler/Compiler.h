//===- Compiler.h - From a model file to any stage of its compilation -*-C++-*-//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The driver's logic as a library: xfmr-compile is a command line around it,
// and xfmr-run uses it to compile a model in-process.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_COMPILER_COMPILER_H
#define XFMR_COMPILER_COMPILER_H

#include "xfmr/Import/ONNX/ImportONNX.h"
#include "xfmr/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
class PassManager;
} // namespace mlir

namespace mlir::xfmr {

/// The pipeline's options, and what the driver does around it: how the
/// model is read and what is written.
struct CompileOptions : public PipelineOptions {
  EmitStage emit = EmitStage::So;
  ONNXImportOptions import;
  /// Called on every pass manager the compiler runs, so that tools can
  /// apply MLIR's command-line options (IR printing, timing).
  llvm::function_ref<LogicalResult(PassManager &)> configurePassManager;
};

/// Reads a model: ONNX (`.onnx`, `.onnxtext`) through the importer, or MLIR
/// text or bytecode (`.mlir`, `.mlirbc`). Errors are reported through the
/// context's diagnostics.
OwningOpRef<ModuleOp> loadModel(llvm::StringRef path, MLIRContext *context,
                                const ONNXImportOptions &importOptions);

/// Compiles `module` up to `options.emit` and writes the result to
/// `outputPath` ("-" is stdout for text stages): the pipeline's phases up to
/// the one that ends at the stage, then the target's serialisation for the
/// stages after codegen. Errors are reported through
/// the context's diagnostics, at the module or at the ONNX node at fault.
LogicalResult compileModule(ModuleOp module, const CompileOptions &options,
                            llvm::StringRef outputPath);

} // namespace mlir::xfmr

#endif // XFMR_COMPILER_COMPILER_H
