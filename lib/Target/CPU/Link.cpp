//===- Link.cpp - Linking a model's object file into a shared library -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// lld runs as a separate program: Debian ships it as a tool, and a linker
// error then cannot take the compiler down with it. The model needs libm
// (math functions), libc (malloc, free) and, when it has parallel loops,
// LLVM's OpenMP runtime; all are named as DT_NEEDED so the library loads in
// any process. libomp's folder is the model's run path: Debian keeps LLVM's
// libomp under /usr/lib/llvm-N/lib, which the loader does not search.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/CPU/CPUTarget.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"

using namespace mlir;

bool mlir::xfmr::linkSharedLibrary(llvm::StringRef objectPath,
                                   llvm::StringRef outputPath,
                                   std::string &error) {
  llvm::StringRef lld = XFMR_LLD_PATH;
  llvm::SmallString<128> logPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("xfmr-link", "log", logPath)) {
    error = "cannot create a temporary file: " + ec.message();
    return false;
  }
  llvm::SmallVector<llvm::StringRef> args = {
      lld,           "-shared",      "-O2",          "--gc-sections",
      "-z",          "noexecstack",  "-z",           "now",
      "-rpath",      XFMR_LIBOMP_DIR, "--as-needed", XFMR_LIBM_PATH,
      XFMR_LIBC_PATH, XFMR_LIBOMP_PATH, "-o",        outputPath,
      objectPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  std::string execError;
  int status = llvm::sys::ExecuteAndWait(lld, args, std::nullopt, redirects,
                                         /*SecondsToWait=*/0,
                                         /*MemoryLimit=*/0, &execError);
  auto log = llvm::MemoryBuffer::getFile(logPath);
  llvm::sys::fs::remove(logPath);
  if (status == 0)
    return true;
  error = "linking with " + lld.str() + " failed";
  if (!execError.empty())
    error += ": " + execError;
  if (log && !(*log)->getBuffer().empty())
    error += ":\n" + (*log)->getBuffer().rtrim().str();
  return false;
}
