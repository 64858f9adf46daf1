//===- CPUTarget.cpp - The CPU target behind the target interface ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/CPU/CPUTarget.h"
#include "xfmr/Target/CPU/Passes.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::xfmr;

void mlir::xfmr::registerCPUTargetPasses() { registerXfmrCPUPasses(); }

namespace {

class CPUTarget : public Target {
public:
  StringRef getName() const override { return "cpu"; }
  StringRef getDescription() const override {
    return "vectorised, multi-threaded x86-64 code for the CPU --mcpu names";
  }
  StringRef getRuntimeKind() const override { return "cpu"; }
  ArrayRef<StringRef> getPrecisions() const override {
    static const StringRef precisions[] = {"f32", "bf16"};
    return precisions;
  }
  ArrayRef<EmitStage> getSerializationStages() const override {
    static const EmitStage stages[] = {EmitStage::LLVMIR, EmitStage::Asm,
                                       EmitStage::Obj, EmitStage::So};
    return stages;
  }

  void registerDialects(DialectRegistry &registry) const override {
    registerCPUTargetInterfaces(registry);
  }

  LogicalResult resolveOptions(TargetOptions &options,
                               std::string &error) const override {
    if (!options.gpuArchs.empty()) {
      error = "target 'cpu' compiles for no GPU architecture (" +
              options.gpuArchs.front() + "); --mcpu names its CPU";
      return failure();
    }
    // Describing the CPU checks its name and that it can run the precision.
    return success(describeCPU(options, error).has_value());
  }

  LogicalResult buildCodegenPipeline(OpPassManager &pm,
                                     const TargetOptions &options,
                                     std::string &error) const override {
    std::optional<CPUTargetDescription> cpu = describeCPU(options, error);
    if (!cpu)
      return failure();
    buildCPULinalgToLLVMPipeline(pm, options, *cpu);
    return success();
  }

  LogicalResult serialize(ModuleOp module, const TargetOptions &options,
                          EmitStage stage, StringRef outputPath) const override;
};

} // namespace

/// Writes `llvmModule` as text, assembly or an object to `outputPath`.
static LogicalResult writeLLVMModule(ModuleOp module, llvm::Module &llvmModule,
                                     llvm::TargetMachine &machine,
                                     EmitStage stage, StringRef outputPath) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output)
    return emitModelError(module, error);
  if (stage == EmitStage::LLVMIR) {
    llvmModule.print(output->os(), nullptr);
  } else {
    llvm::CodeGenFileType kind = stage == EmitStage::Asm
                                     ? llvm::CodeGenFileType::AssemblyFile
                                     : llvm::CodeGenFileType::ObjectFile;
    if (!emitMachineCode(llvmModule, machine, kind, output->os(), error))
      return emitModelError(module, error);
  }
  output->keep();
  return success();
}

LogicalResult CPUTarget::serialize(ModuleOp module,
                                   const TargetOptions &options,
                                   EmitStage stage,
                                   StringRef outputPath) const {
  return serializeHostCode(module, options, stage, outputPath);
}

LogicalResult mlir::xfmr::serializeHostCode(ModuleOp module,
                                            const TargetOptions &options,
                                            EmitStage stage,
                                            StringRef outputPath,
                                            ArrayRef<std::string> libraries) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine =
      createCPUTargetMachine(options, error);
  if (!machine)
    return emitModelError(module, error);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateToLLVMIR(module, llvmContext, *machine);
  if (!llvmModule)
    return emitModelError(module, "cannot translate the model to LLVM IR");
  optimizeLLVMModule(*llvmModule, *machine, options.optLevel);
  if (stage != EmitStage::So)
    return writeLLVMModule(module, *llvmModule, *machine, stage, outputPath);

  // A shared library: an object in a temporary file, linked by lld.
  if (outputPath == "-")
    return emitModelError(module, "a shared library cannot go to stdout; "
                                  "name it with -o");
  llvm::SmallString<128> objectPath;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("xfmr-model", "o", fd, objectPath))
    return emitModelError(module, "cannot create a temporary file: ")
           << ec.message();
  llvm::FileRemover removeObject(objectPath);
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    if (!emitMachineCode(*llvmModule, *machine,
                         llvm::CodeGenFileType::ObjectFile, os, error))
      return emitModelError(module, error);
  }
  if (!linkSharedLibrary(objectPath, outputPath, libraries, error))
    return emitModelError(module, error);
  return success();
}

std::unique_ptr<Target> mlir::xfmr::createCPUTarget() {
  return std::make_unique<CPUTarget>();
}
