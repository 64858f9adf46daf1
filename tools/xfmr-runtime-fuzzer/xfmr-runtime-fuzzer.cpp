//===- xfmr-runtime-fuzzer.cpp - libFuzzer target for the runtime's readers
//===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What libxfmr_runtime reads from a model before running any of it: the
// ELF headers of the file (checked before dlopen) and the signature text.
// Inputs that start with the ELF magic go to the header check, with the
// input as the whole file; the others are a signature. Any outcome but a
// crash, a sanitizer report or a leak is fine: a bad file must end in a
// message.
//
// The .npy and TensorProto readers and the input binding have fuzzers of
// their own (tools/xfmr-tensorio-fuzzers).
//
//===----------------------------------------------------------------------===//

#include "../../lib/Runtime/RuntimeImpl.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= 4 && std::memcmp(data,
                               "\x7f"
                               "ELF",
                               4) == 0) {
    xfmr::runtime::checkModelHeaders(data, size, size);
    return 0;
  }
  // The signature is a C string; the bytes after a NUL are never read.
  std::string text(reinterpret_cast<const char *>(data), size);
  xfmr::runtime::Signature signature;
  if (xfmr::runtime::parseSignature(text.c_str(), signature).empty())
    xfmr::runtime::missingCPUFeatures(signature.cpuFeatures);
  return 0;
}
