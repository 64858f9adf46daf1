//===- xfmr-tensorproto-fuzzer.cpp - libFuzzer target for TensorProto -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The input is a serialized ONNX TensorProto, as in a test-data folder's
// input_0.pb. A tensor or a message are both fine; a crash, a sanitizer
// report or a leak is not.
//
//===----------------------------------------------------------------------===//

#include "xfmr/TensorIO/TensorProtoIO.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<xfmr::io::NamedTensor> tensor =
      xfmr::io::parseTensorProto(bytes, "input_0.pb");
  if (!tensor)
    llvm::consumeError(tensor.takeError());
  return 0;
}
