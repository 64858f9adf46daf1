//===- CPUTarget.h - Code generation for the host CPU -----------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The CPU backend's steps after convert-xfmr-to-linalg: an MLIR pipeline
// from linalg on tensors to the LLVM dialect, then LLVM IR optimized for the
// target CPU, machine code, and a shared library linked with lld.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TARGET_CPU_CPUTARGET_H
#define XFMR_TARGET_CPU_CPUTARGET_H

#include "xfmr/Target/CPU/CPUTargetDescription.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassOptions.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class raw_pwrite_stream;
} // namespace llvm

namespace mlir::xfmr {

/// Options of the CPU pipeline from linalg to LLVM.
struct CPUCodegenOptions : public PassPipelineOptions<CPUCodegenOptions> {
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("Arithmetic of the matmuls with constant weights: f32, "
                     "or bf16 (weights and activations rounded to bf16, "
                     "AVX512-BF16 dot products accumulated in f32)"),
      llvm::cl::init("f32")};
  Option<std::string> cpu{
      *this, "cpu",
      llvm::cl::desc("The CPU the code is for: native (the host) or an LLVM "
                     "CPU name (x86-64-v3, znver3, skylake-avx512, ...); "
                     "register blocks and vector widths follow its ISA"),
      llvm::cl::init("native")};
};

/// Whether `precision` names a precision of CPUCodegenOptions.
bool isCPUPrecision(llvm::StringRef precision);

/// linalg, tensor, arith and math on tensors (with the model function as
/// the only public one) to the LLVM dialect, the model ABI included:
/// elementwise fusion, bufferization across function boundaries,
/// deallocation, loops, and the conversions to LLVM; tiles, panels and
/// vectors are shaped for `target` (the CPU `options.cpu` names).
void buildCPULinalgToLLVMPipeline(OpPassManager &pm,
                                  const CPUCodegenOptions &options,
                                  const CPUTargetDescription &target);

/// The same, for the CPU that `options.cpu` names; failure and `error` when
/// LLVM does not know it or it cannot run `options.precision`.
LogicalResult buildCPULinalgToLLVMPipeline(OpPassManager &pm,
                                           const CPUCodegenOptions &options,
                                           std::string &error);

/// What the machine code is for.
struct CPUTargetOptions {
  /// An LLVM CPU name, or "native" for the host's CPU and features.
  std::string cpu = "native";
  /// 0 to 3, as -O.
  unsigned optLevel = 3;
  /// The precision of matmuls with constant weights (CPUCodegenOptions);
  /// "bf16" needs a CPU with avx512bf16.
  std::string precision = "f32";
};

/// A TargetMachine for the host's triple and `options`, producing
/// position-independent code; null and `error` when there is none.
std::unique_ptr<llvm::TargetMachine>
createCPUTargetMachine(const CPUTargetOptions &options, std::string &error);

/// Translates an LLVM-dialect module to LLVM IR for `machine`: its triple
/// and data layout, and its CPU and features on every function.
std::unique_ptr<llvm::Module> translateToLLVMIR(ModuleOp module,
                                                llvm::LLVMContext &context,
                                                llvm::TargetMachine &machine);

/// LLVM's default optimization pipeline at `optLevel`, for `machine`.
void optimizeLLVMModule(llvm::Module &module, llvm::TargetMachine &machine,
                        unsigned optLevel);

/// Writes assembly or an object file of `module`; false and `error` when
/// the target cannot.
bool emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine,
                     llvm::CodeGenFileType kind, llvm::raw_pwrite_stream &os,
                     std::string &error);

/// Links an object file into a shared library with lld; false and `error`
/// (lld's own messages) on failure.
bool linkSharedLibrary(llvm::StringRef objectPath,
                       llvm::StringRef outputPath, std::string &error);

/// Registers the upstream interfaces (bufferization, deallocation,
/// convert-to-llvm) the CPU pipeline relies on.
void registerCPUTargetInterfaces(DialectRegistry &registry);

/// Registers the CPU target's passes.
void registerCPUTargetPasses();

} // namespace mlir::xfmr

#endif // XFMR_TARGET_CPU_CPUTARGET_H
