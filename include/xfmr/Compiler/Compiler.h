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

#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Import/ONNX/ImportONNX.h"
#include "xfmr/Target/CPU/CPUTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <string>

namespace mlir {
class PassManager;
} // namespace mlir

namespace mlir::xfmr {

/// The stages a model can be written out at, in pipeline order.
enum class EmitStage {
  Xfmr,   ///< imported and cleaned up (shapes refined, shape math folded)
  Fused,  ///< after the fusion passes
  Linalg, ///< lowered to linalg/tensor/arith/math
  LLVM,   ///< the LLVM dialect, the model ABI included
  LLVMIR, ///< optimized LLVM IR
  Asm,    ///< assembly
  Obj,    ///< an object file
  So,     ///< a shared library: the compiled model
};

/// The stage named by an `--emit` value, if any.
std::optional<EmitStage> parseEmitStage(llvm::StringRef name);

struct CompileOptions {
  std::string target = "cpu";
  EmitStage emit = EmitStage::So;
  CPUTargetOptions cpu;
  /// Run the fusion passes (off: the graph reaches lowering as imported).
  bool fuse = true;
  /// Print the fusion report (fused blocks, and why candidates were not
  /// fused) to stderr.
  bool fusionReport = false;
  /// Rewrite Pre-LN LayerNorms into RMSNorms where that is exact.
  bool preRMSNorm = false;
  /// How attention and MLP blocks are tiled in the lowering to linalg.
  XfmrToLinalgTiling tiling;
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
/// `outputPath` ("-" is stdout for text stages). Errors are reported through
/// the context's diagnostics, at the module or at the ONNX node at fault.
LogicalResult compileModule(ModuleOp module, const CompileOptions &options,
                            llvm::StringRef outputPath);

} // namespace mlir::xfmr

#endif // XFMR_COMPILER_COMPILER_H
