//===- NVPTXTarget.h - Code generation for NVIDIA GPUs ----------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The NVPTX backend (`--target=cuda`): kernels for NVIDIA GPUs from linalg
// on tensors, PTX from LLVM's NVPTX backend, SASS per architecture from the
// CUDA toolkit's ptxas, and one fatbin (SASS for each architecture plus PTX
// for newer GPUs to JIT) embedded in a model library whose host code drives
// the GPU through the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TARGET_NVPTX_NVPTXTARGET_H
#define XFMR_TARGET_NVPTX_NVPTXTARGET_H

#include "xfmr/Target/Target.h"

#include <optional>
#include <string>

namespace mlir::xfmr {

/// The architectures `--target=cuda` compiles for when none is named.
inline constexpr llvm::StringLiteral kDefaultCUDAArchs[] = {"sm_80", "sm_90a"};

/// The CUDA toolkit's tools that serialisation runs.
struct CUDAToolkit {
  /// The toolkit's folder (bin/, nvvm/libdevice/ below it).
  std::string root;
  std::string ptxas;
  std::string fatbinary;
  /// nvvm/libdevice/libdevice.10.bc, or empty when the toolkit has none.
  std::string libdevice;
};

/// Finds the CUDA toolkit: `$CUDA_HOME`, `$CUDA_PATH`, the folder above a
/// `ptxas` on `$PATH`, then /usr/local/cuda. nullopt and `error` saying
/// where it looked when none has ptxas and fatbinary.
std::optional<CUDAToolkit> findCUDAToolkit(std::string &error);

/// The PTX ISA version LLVM writes for `arch` (e.g. "ptx80" for sm_90a):
/// the oldest one that has the architecture, so that the oldest driver can
/// load it.
std::string getPTXFeature(llvm::StringRef arch);

/// The codegen phase for NVIDIA GPUs: the model's loops as kernels in one
/// gpu.module with a target per architecture of `options.gpuArchs`, NVVM
/// inside it and the LLVM dialect outside, the model ABI included.
/// `libdevice` (a path, or empty) is linked into the kernels for the math
/// functions that have no NVPTX instruction.
void buildNVPTXCodegenPipeline(OpPassManager &pm, const TargetOptions &options,
                               llvm::StringRef libdevice);

/// Registers the NVPTX target's passes.
void registerNVPTXTargetPasses();

/// The CUDA target (`--target=cuda`).
std::unique_ptr<Target> createNVPTXTarget();

} // namespace mlir::xfmr

#endif // XFMR_TARGET_NVPTX_NVPTXTARGET_H
