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
#include "xfmr/Target/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class raw_pwrite_stream;
} // namespace llvm

namespace mlir::xfmr {

/// linalg, tensor, arith and math on tensors (with the model function as
/// the only public one) to the LLVM dialect, the model ABI included:
/// elementwise fusion, bufferization across function boundaries,
/// deallocation, loops, and the conversions to LLVM; tiles, panels and
/// vectors are shaped for `cpu` (the CPU `options.cpu` names), and matmuls
/// with constant weights use `options.precision`.
void buildCPULinalgToLLVMPipeline(OpPassManager &pm,
                                  const TargetOptions &options,
                                  const CPUTargetDescription &cpu);

/// A TargetMachine for the host's triple and `options.cpu` (at
/// `options.optLevel`), producing position-independent code; null and
/// `error` when there is none, or when it cannot run `options.precision`.
std::unique_ptr<llvm::TargetMachine>
createCPUTargetMachine(const TargetOptions &options, std::string &error);

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

/// Links an object file into a shared library with lld, against libm, libc,
/// libomp and `libraries` (paths of shared libraries, found again at load
/// time where they are now); false and `error` (lld's own messages) on
/// failure.
bool linkSharedLibrary(llvm::StringRef objectPath, llvm::StringRef outputPath,
                       llvm::ArrayRef<std::string> libraries,
                       std::string &error);

/// The host's half of serialisation, for every target: `module` (the LLVM
/// dialect) translated to LLVM IR, optimized for the CPU `options.cpu`
/// names, and written at `stage` (llvm-ir, asm, obj, or a shared library
/// linked against `libraries` as well).
LogicalResult serializeHostCode(ModuleOp module, const TargetOptions &options,
                                EmitStage stage, llvm::StringRef outputPath,
                                llvm::ArrayRef<std::string> libraries = {});

/// Registers the upstream interfaces (bufferization, deallocation,
/// convert-to-llvm) the CPU pipeline relies on.
void registerCPUTargetInterfaces(DialectRegistry &registry);

/// Registers the CPU target's passes.
void registerCPUTargetPasses();

/// The CPU target (`--target=cpu`): vectorised, multi-threaded code for the
/// CPU `TargetOptions::cpu` names, in a shared library.
std::unique_ptr<Target> createCPUTarget();

} // namespace mlir::xfmr

#endif // XFMR_TARGET_CPU_CPUTARGET_H
