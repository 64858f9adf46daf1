//===- NVPTXTarget.cpp - The CUDA target behind the target interface ------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/NVPTXTarget.h"

#include "xfmr/Target/CPU/CPUTarget.h"
#include "xfmr/Target/NVPTX/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::xfmr;

/// Whether LLVM's NVPTX backend knows `arch`.
static bool isKnownArch(StringRef arch, std::string &error) {
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTargetMC();
  llvm::Triple triple("nvptx64-nvidia-cuda");
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return false;
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, "", ""));
  return info && info->isCPUStringValid(arch);
}

/// The PTX and its architecture, of each object of the model's kernels.
struct KernelObject {
  std::string arch;
  std::string ptx;
};

/// Runs `tool` with `args`; false and `error` with its output on failure.
static bool runTool(StringRef tool, ArrayRef<StringRef> args,
                    std::string &error) {
  llvm::SmallString<128> logPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("xfmr-cuda", "log", logPath)) {
    error = "cannot create a temporary file: " + ec.message();
    return false;
  }
  llvm::FileRemover removeLog(logPath);
  std::optional<StringRef> redirects[] = {std::nullopt, logPath.str(),
                                          logPath.str()};
  std::string execError;
  int status = llvm::sys::ExecuteAndWait(tool, args, std::nullopt, redirects,
                                         0, 0, &execError);
  if (status == 0)
    return true;
  error = llvm::sys::path::filename(tool).str() + " failed";
  if (!execError.empty())
    error += ": " + execError;
  if (auto log = llvm::MemoryBuffer::getFile(logPath))
    if (!(*log)->getBuffer().empty())
      error += ":\n" + (*log)->getBuffer().rtrim().str();
  return false;
}

/// A temporary file holding `contents`, removed with the returned remover.
static std::optional<std::string>
writeTemporary(StringRef suffix, StringRef contents, std::string &error) {
  llvm::SmallString<128> path;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("xfmr-cuda", suffix, fd, path)) {
    error = "cannot create a temporary file: " + ec.message();
    return std::nullopt;
  }
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << contents;
  return path.str().str();
}

/// One fatbin for `objects`: SASS for each architecture from ptxas, and the
/// PTX of each architecture that is not arch-specific (an `a` suffix), which
/// a newer GPU's driver can compile.
static std::optional<std::string> buildFatbin(const CUDAToolkit &toolkit,
                                              ArrayRef<KernelObject> objects,
                                              unsigned optLevel,
                                              std::string &error) {
  SmallVector<std::string> temporaries;
  llvm::scope_exit removeAll([&] {
    for (const std::string &path : temporaries)
      llvm::sys::fs::remove(path);
  });
  std::string fatbinPath;
  {
    std::optional<std::string> path = writeTemporary("fatbin", "", error);
    if (!path)
      return std::nullopt;
    fatbinPath = *path;
    temporaries.push_back(fatbinPath);
  }
  SmallVector<std::string> images;
  for (const KernelObject &object : objects) {
    std::optional<std::string> ptxPath =
        writeTemporary("ptx", object.ptx, error);
    if (!ptxPath)
      return std::nullopt;
    temporaries.push_back(*ptxPath);
    std::string cubinPath = *ptxPath + ".cubin";
    temporaries.push_back(cubinPath);
    std::string level = "-O" + std::to_string(std::min(optLevel, 3u));
    if (!runTool(toolkit.ptxas,
                 {toolkit.ptxas, "-arch=" + object.arch, level, *ptxPath, "-o",
                  cubinPath},
                 error))
      return std::nullopt;
    StringRef sm = StringRef(object.arch).drop_front(3);
    images.push_back("--image3=kind=elf,sm=" + sm.str() + ",file=" + cubinPath);
    if (!sm.ends_with("a"))
      images.push_back("--image3=kind=ptx,sm=" + sm.str() + ",file=" +
                       *ptxPath);
  }
  std::string create = "--create=" + fatbinPath;
  SmallVector<StringRef> args = {toolkit.fatbinary, "-64", create};
  for (const std::string &image : images)
    args.push_back(image);
  if (!runTool(toolkit.fatbinary, args, error))
    return std::nullopt;
  auto fatbin = llvm::MemoryBuffer::getFile(fatbinPath);
  if (!fatbin) {
    error = "cannot read " + fatbinPath + ": " + fatbin.getError().message();
    return std::nullopt;
  }
  return (*fatbin)->getBuffer().str();
}

/// Writes each architecture's PTX: to `outputPath` for one, to
/// `<outputPath minus .ptx>.<arch>.ptx` for several.
static LogicalResult writePTX(ModuleOp module, ArrayRef<KernelObject> objects,
                              StringRef outputPath) {
  if (objects.size() > 1 && outputPath == "-")
    return emitModelError(module, "the PTX of several architectures goes to "
                                  "one file each; name them with -o, or pick "
                                  "one with --cuda-arch");
  for (const KernelObject &object : objects) {
    std::string path = outputPath.str();
    if (objects.size() > 1) {
      StringRef stem = outputPath;
      stem.consume_back(".ptx");
      path = (stem + "." + object.arch + ".ptx").str();
    }
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> output = openOutputFile(path, &error);
    if (!output)
      return emitModelError(module, error);
    output->os() << object.ptx;
    output->keep();
  }
  return success();
}

namespace {
class NVPTXTarget : public Target {
public:
  StringRef getName() const override { return "cuda"; }
  StringRef getDescription() const override {
    return "kernels for NVIDIA GPUs (PTX, SASS per --cuda-arch) driven "
           "through the CUDA driver";
  }
  StringRef getRuntimeKind() const override { return "cuda"; }
  ArrayRef<StringRef> getPrecisions() const override {
    // f32 stays exact (no tensor cores); tf32, bf16 and f16 run
    // contractions on them.
    static const StringRef precisions[] = {"f32", "tf32", "bf16", "f16"};
    return precisions;
  }
  ArrayRef<EmitStage> getSerializationStages() const override {
    static const EmitStage stages[] = {EmitStage::PTX, EmitStage::So};
    return stages;
  }

  void registerDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, NVVM::NVVMDialect, nvgpu::NVGPUDialect>();
    NVVM::registerNVVMTargetInterfaceExternalModels(registry);
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    registerGPUDialectTranslation(registry);
    gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
    registerNVVMDialectTranslation(registry);
  }

  LogicalResult resolveOptions(TargetOptions &options,
                               std::string &error) const override {
    if (options.gpuArchs.empty())
      options.gpuArchs.assign(std::begin(kDefaultCUDAArchs),
                              std::end(kDefaultCUDAArchs));
    for (const std::string &arch : options.gpuArchs) {
      if (!StringRef(arch).starts_with("sm_") || !isKnownArch(arch, error)) {
        if (error.empty())
          error = "unknown CUDA architecture '" + arch +
                  "' (--cuda-arch takes sm_80, sm_90a, sm_100a, ...)";
        return failure();
      }
    }
    // The host code is for this machine, or the CPU --mcpu names.
    std::unique_ptr<llvm::TargetMachine> host =
        createCPUTargetMachine(options, error);
    return success(host != nullptr);
  }

  LogicalResult buildCodegenPipeline(OpPassManager &pm,
                                     const TargetOptions &options,
                                     std::string &error) const override {
    TargetOptions resolved = options;
    if (failed(resolveOptions(resolved, error)))
      return failure();
    // Without a toolkit the PTX can still be written; only libdevice's
    // functions would then be missing, which ptxas reports by name.
    std::string ignored;
    std::optional<CUDAToolkit> toolkit = findCUDAToolkit(ignored);
    buildNVPTXCodegenPipeline(pm, resolved,
                              toolkit ? toolkit->libdevice : "");
    return success();
  }

  LogicalResult serialize(ModuleOp module, const TargetOptions &options,
                          EmitStage stage,
                          StringRef outputPath) const override;
};
} // namespace

LogicalResult NVPTXTarget::serialize(ModuleOp module,
                                     const TargetOptions &options,
                                     EmitStage stage,
                                     StringRef outputPath) const {
  std::string error;
  std::optional<CUDAToolkit> toolkit;
  if (stage == EmitStage::So) {
    // Before the work: a missing toolkit is the user's to fix.
    toolkit = findCUDAToolkit(error);
    if (!toolkit)
      return emitModelError(module, error);
  }

  // An architecture with a copy of the kernels of its own
  // (xfmr-nvptx-kernels-per-arch) takes its object from the copy only.
  for (auto copy : module.getOps<gpu::GPUModuleOp>()) {
    StringRef base = getArchModuleBaseName(copy.getName());
    auto original = module.lookupSymbol<gpu::GPUModuleOp>(base);
    if (base == copy.getName() || !original || !original.getTargetsAttr() ||
        !copy.getTargetsAttr())
      continue;
    SmallVector<Attribute> kept;
    for (Attribute target : original.getTargetsAttr())
      if (!llvm::is_contained(copy.getTargetsAttr(), target))
        kept.push_back(target);
    original.setTargetsAttr(ArrayAttr::get(module.getContext(), kept));
  }

  // PTX from LLVM's NVPTX backend, one object per architecture.
  PassManager pm(module->getName());
  GpuModuleToBinaryPassOptions toPTX;
  toPTX.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(toPTX));
  if (failed(pm.run(module)))
    return failure();

  // An architecture's copy of a kernel module (xfmr-nvptx-kernels-per-arch)
  // joins the original: one fatbin, under the original's name, which the
  // launches use.
  llvm::MapVector<StringRef, SmallVector<KernelObject>> objectsOf;
  llvm::StringMap<gpu::BinaryOp> originals;
  SmallVector<gpu::BinaryOp> copies;
  for (gpu::BinaryOp binary : llvm::to_vector(module.getOps<gpu::BinaryOp>())) {
    StringRef base = getArchModuleBaseName(binary.getName());
    if (base == binary.getName())
      originals[base] = binary;
    else
      copies.push_back(binary);
    SmallVector<KernelObject> &objects = objectsOf[base];
    for (Attribute attr : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      auto target = cast<NVVM::NVVMTargetAttr>(object.getTarget());
      objects.push_back({target.getChip().str(), object.getObject().str()});
    }
  }
  if (stage == EmitStage::PTX) {
    // Outlining puts every kernel in one module, so each architecture has
    // one PTX file.
    if (objectsOf.size() != 1 || objectsOf.front().second.empty())
      return emitModelError(module, "the model has ")
             << objectsOf.size() << " kernel modules; --emit=ptx writes one";
    return writePTX(module, objectsOf.front().second, outputPath);
  }
  for (auto &[base, objects] : objectsOf) {
    gpu::BinaryOp binary = originals.lookup(base);
    if (!binary)
      return emitModelError(module, "the kernel module ")
             << base << " is missing beside its copies";
    std::optional<std::string> fatbin =
        buildFatbin(*toolkit, objects, options.optLevel, error);
    if (!fatbin)
      return emitModelError(module, error);
    // One object: the runtime loads the fatbin, and the driver picks the
    // SASS of its GPU (or JIT-compiles the PTX).
    auto object = gpu::ObjectAttr::get(
        cast<gpu::ObjectAttr>(binary.getObjects()[0]).getTarget(),
        gpu::CompilationTarget::Fatbin,
        StringAttr::get(module.getContext(), *fatbin));
    binary.setObjectsAttr(ArrayAttr::get(module.getContext(), {object}));
  }
  for (gpu::BinaryOp copy : copies)
    copy->erase();
  return serializeHostCode(module, options, EmitStage::So, outputPath,
                           {XFMR_RUNTIME_LIBRARY});
}

std::unique_ptr<Target> mlir::xfmr::createNVPTXTarget() {
  return std::make_unique<NVPTXTarget>();
}
