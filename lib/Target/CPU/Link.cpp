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
// compiler-rt's builtins are linked statically (and not exported), for the
// conversions LLVM calls a function for on CPUs without an instruction for
// them. With `-z defs` an undefined symbol that none of these provides is a
// link error naming it, not a model that fails to load on some machines.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/CPU/CPUTarget.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace mlir;

bool mlir::xfmr::linkSharedLibrary(llvm::StringRef objectPath,
                                   llvm::StringRef outputPath,
                                   llvm::ArrayRef<std::string> libraries,
                                   std::string &error) {
  llvm::StringRef lld = XFMR_LLD_PATH;
  llvm::SmallString<128> logPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("xfmr-link", "log", logPath)) {
    error = "cannot create a temporary file: " + ec.message();
    return false;
  }
  llvm::SmallVector<llvm::StringRef> args = {
      lld, "-shared", "-O2", "--gc-sections", "-z", "noexecstack", "-z", "now",
      // Every symbol defined, none of the builtins exported.
      "-z", "defs", "--exclude-libs=ALL", "-rpath", XFMR_LIBOMP_DIR, "-o",
      outputPath, objectPath, XFMR_BUILTINS_PATH,
      // The shared libraries, named only if used.
      "--as-needed", XFMR_LIBM_PATH, XFMR_LIBC_PATH, XFMR_LDSO_PATH,
      XFMR_LIBOMP_PATH};
  // A library the model needs is found again where it was at link time.
  llvm::SmallVector<std::string> rpaths;
  for (const std::string &library : libraries)
    rpaths.push_back(llvm::sys::path::parent_path(library).str());
  for (const std::string &rpath : rpaths)
    args.append({"-rpath", rpath});
  for (const std::string &library : libraries)
    args.push_back(library);
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
  // Undefined symbols are named once each, without lld's references.
  llvm::SmallVector<llvm::StringRef> undefined;
  if (log) {
    llvm::SmallVector<llvm::StringRef> lines;
    (*log)->getBuffer().split(lines, '\n');
    constexpr llvm::StringLiteral kUndefined = "undefined symbol: ";
    for (llvm::StringRef line : lines) {
      size_t at = line.find(kUndefined);
      if (at == llvm::StringRef::npos)
        continue;
      llvm::StringRef name = line.drop_front(at + kUndefined.size()).trim();
      if (!llvm::is_contained(undefined, name))
        undefined.push_back(name);
    }
  }
  if (!undefined.empty()) {
    std::string linked =
        "libm, libc, the dynamic loader, libomp, compiler-rt's builtins";
    for (const std::string &library : libraries)
      linked += ", " + llvm::sys::path::filename(library).str();
    error = "the model calls functions that no library it links defines (" +
            linked + "): " + llvm::join(undefined, ", ");
    return false;
  }
  error = "linking with " + lld.str() + " failed";
  if (!execError.empty())
    error += ": " + execError;
  if (log && !(*log)->getBuffer().empty())
    error += ":\n" + (*log)->getBuffer().rtrim().str();
  return false;
}
