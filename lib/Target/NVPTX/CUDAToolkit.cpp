//===- CUDAToolkit.cpp - Where the CUDA toolkit's tools are ---------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/NVPTXTarget.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::xfmr;

/// The toolkit at `root`, if it has the tools serialisation runs.
static std::optional<CUDAToolkit> toolkitAt(llvm::StringRef root) {
  CUDAToolkit toolkit;
  toolkit.root = root.str();
  llvm::SmallString<128> path(root);
  llvm::sys::path::append(path, "bin", "ptxas");
  toolkit.ptxas = path.str().str();
  path = root;
  llvm::sys::path::append(path, "bin", "fatbinary");
  toolkit.fatbinary = path.str().str();
  if (!llvm::sys::fs::can_execute(toolkit.ptxas) ||
      !llvm::sys::fs::can_execute(toolkit.fatbinary))
    return std::nullopt;
  path = root;
  llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
  if (llvm::sys::fs::exists(path))
    toolkit.libdevice = path.str().str();
  return toolkit;
}

std::optional<CUDAToolkit> mlir::xfmr::findCUDAToolkit(std::string &error) {
  SmallVector<std::string> candidates;
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH"})
    if (std::optional<std::string> value = llvm::sys::Process::GetEnv(variable))
      if (!value->empty())
        candidates.push_back(*value);
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    candidates.push_back(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
            .str());
  candidates.push_back("/usr/local/cuda");
  for (const std::string &root : candidates)
    if (std::optional<CUDAToolkit> toolkit = toolkitAt(root))
      return toolkit;
  error = "the CUDA toolkit was not found (looked in " +
          llvm::join(candidates, ", ") +
          " for bin/ptxas and bin/fatbinary); set CUDA_HOME to its folder";
  return std::nullopt;
}

std::string mlir::xfmr::getPTXFeature(llvm::StringRef arch) {
  unsigned number = 0;
  arch.drop_front(3).take_while(llvm::isDigit).getAsInteger(10, number);
  // PTX 8.0 (CUDA 12.0) has sm_90a; Blackwell needs 8.6 (sm_100, sm_101)
  // and 8.7 (sm_120).
  if (number >= 120)
    return "+ptx87";
  if (number >= 100)
    return "+ptx86";
  return "+ptx80";
}
