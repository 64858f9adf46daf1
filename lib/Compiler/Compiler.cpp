//===- Compiler.cpp - From a model file to any stage of its compilation ---===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Compiler/Compiler.h"

#include "xfmr/Conversion/Passes.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"
#include "xfmr/Pipelines/Pipelines.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::xfmr;

std::optional<EmitStage> mlir::xfmr::parseEmitStage(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<EmitStage>>(name)
      .Case("xfmr", EmitStage::Xfmr)
      .Case("fused", EmitStage::Fused)
      .Case("linalg", EmitStage::Linalg)
      .Case("llvm", EmitStage::LLVM)
      .Case("llvm-ir", EmitStage::LLVMIR)
      .Case("asm", EmitStage::Asm)
      .Case("obj", EmitStage::Obj)
      .Case("so", EmitStage::So)
      .Default(std::nullopt);
}

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

namespace {

/// An error about the whole model, at its location: an error on the module
/// op itself would print the module (megabytes of IR) as a note.
InFlightDiagnostic modelError(ModuleOp module,
                              const llvm::Twine &message = "") {
  InFlightDiagnostic diagnostic = emitError(module.getLoc());
  diagnostic << message;
  return diagnostic;
}

/// Runs one stage's passes; `build` fills the pass manager.
LogicalResult runStage(ModuleOp module, const CompileOptions &options,
                       llvm::function_ref<void(OpPassManager &)> build) {
  PassManager pm(module->getName());
  if (options.configurePassManager &&
      failed(options.configurePassManager(pm)))
    return failure();
  build(pm);
  return pm.run(module);
}

/// Writes MLIR text of `module` to `outputPath`.
LogicalResult writeMLIR(ModuleOp module, llvm::StringRef outputPath) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output)
    return modelError(module, error);
  // Weights are blobs: bytecode would keep them raw, text prints them as hex
  // (MLIR elides large ones only when asked).
  module->print(output->os(), OpPrintingFlags());
  output->os() << "\n";
  output->keep();
  return success();
}

LogicalResult writeMachineCode(ModuleOp module, const CompileOptions &options,
                               llvm::StringRef outputPath) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine =
      createCPUTargetMachine(options.cpu, error);
  if (!machine)
    return modelError(module, error);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateToLLVMIR(module, llvmContext, *machine);
  if (!llvmModule)
    return modelError(module, "cannot translate the model to LLVM IR");
  optimizeLLVMModule(*llvmModule, *machine, options.cpu.optLevel);

  if (options.emit == EmitStage::LLVMIR) {
    std::unique_ptr<llvm::ToolOutputFile> output =
        openOutputFile(outputPath, &error);
    if (!output)
      return modelError(module, error);
    llvmModule->print(output->os(), nullptr);
    output->keep();
    return success();
  }
  if (options.emit == EmitStage::Asm || options.emit == EmitStage::Obj) {
    std::unique_ptr<llvm::ToolOutputFile> output =
        openOutputFile(outputPath, &error);
    if (!output)
      return modelError(module, error);
    llvm::CodeGenFileType kind = options.emit == EmitStage::Asm
                                     ? llvm::CodeGenFileType::AssemblyFile
                                     : llvm::CodeGenFileType::ObjectFile;
    if (!emitMachineCode(*llvmModule, *machine, kind, output->os(), error))
      return modelError(module, error);
    output->keep();
    return success();
  }

  // A shared library: an object in a temporary file, linked by lld.
  if (outputPath == "-")
    return modelError(module, "a shared library cannot go to stdout; name it "
                              "with -o");
  llvm::SmallString<128> objectPath;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "xfmr-model", "o", fd, objectPath))
    return modelError(module, "cannot create a temporary file: ")
           << ec.message();
  llvm::FileRemover removeObject(objectPath);
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    if (!emitMachineCode(*llvmModule, *machine,
                         llvm::CodeGenFileType::ObjectFile, os, error))
      return modelError(module, error);
  }
  if (!linkSharedLibrary(objectPath, outputPath, error))
    return modelError(module, error);
  return success();
}

} // namespace

LogicalResult mlir::xfmr::compileModule(ModuleOp module,
                                        const CompileOptions &options,
                                        llvm::StringRef outputPath) {
  if (options.target != "cpu")
    return modelError(module) << "target '" << options.target
                              << "' is not available; this build compiles "
                                 "for --target=cpu";

  if (!isCPUPrecision(options.cpu.precision))
    return modelError(module) << "precision '" << options.cpu.precision
                              << "' is not one of f32, bf16";
  // The CPU is described before any work is done: an unknown one, or one
  // that cannot run the requested arithmetic, fails at once.
  std::optional<CPUTargetDescription> cpu;
  if (options.emit >= EmitStage::LLVM) {
    std::string error;
    cpu = describeCPU(options.cpu, error);
    if (!cpu)
      return modelError(module, error);
  }

  if (failed(runStage(module, options, [](OpPassManager &pm) {
        buildGraphCleanupPipeline(pm, GraphCleanupOptions());
      })))
    return failure();
  if (options.fuse || options.fusionReport) {
    if (failed(runStage(module, options, [&](OpPassManager &pm) {
          FusionOptions fusion;
          fusion.report = options.fusionReport;
          fusion.preRMSNorm = options.preRMSNorm;
          if (options.fuse)
            buildFusionPipeline(pm, fusion);
          else
            pm.addPass(createXfmrFusionReportPass());
        })))
      return failure();
  }
  if (options.emit <= EmitStage::Fused)
    return writeMLIR(module, outputPath);

  if (failed(runStage(module, options, [&](OpPassManager &pm) {
        ConvertXfmrToLinalgPassOptions lowering;
        lowering.flashAttention = options.tiling.flashAttention;
        lowering.attentionQBlock = options.tiling.attentionQBlock;
        lowering.attentionKvBlock = options.tiling.attentionKvBlock;
        lowering.mlpRowBlock = options.tiling.mlpRowBlock;
        pm.addPass(createConvertXfmrToLinalgPass(lowering));
        pm.addPass(createCanonicalizerPass());
      })))
    return failure();
  if (options.emit == EmitStage::Linalg)
    return writeMLIR(module, outputPath);

  if (failed(runStage(module, options, [&](OpPassManager &pm) {
        CPUCodegenOptions codegen;
        codegen.precision = options.cpu.precision;
        codegen.cpu = options.cpu.cpu;
        buildCPULinalgToLLVMPipeline(pm, codegen, *cpu);
      })))
    return failure();
  if (options.emit == EmitStage::LLVM)
    return writeMLIR(module, outputPath);

  return writeMachineCode(module, options, outputPath);
}
