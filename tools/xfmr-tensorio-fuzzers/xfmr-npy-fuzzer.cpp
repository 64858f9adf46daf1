//===- xfmr-npy-fuzzer.cpp - libFuzzer target for the .npy reader ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The input is the contents of a .npy file; the first byte also picks the
// dtype the reader is told to expect (it decides how unsigned data is
// read). A tensor or a message are both fine; a crash, a sanitizer report
// or a leak is not.
//
//===----------------------------------------------------------------------===//

#include "xfmr/TensorIO/Npy.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  auto expected = static_cast<xfmr_dtype>(data[0] % 16);
  llvm::StringRef bytes(reinterpret_cast<const char *>(data) + 1, size - 1);
  llvm::Expected<xfmr::io::Tensor> tensor =
      xfmr::io::parseNpy(bytes, "input.npy", expected);
  if (!tensor)
    llvm::consumeError(tensor.takeError());
  return 0;
}
