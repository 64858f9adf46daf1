//===- TensorProtoIO.h - Reading ONNX TensorProto files ---------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The `.pb` files of ONNX test data sets: one serialized TensorProto each.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TENSORIO_TENSORPROTOIO_H
#define XFMR_TENSORIO_TENSORPROTOIO_H

#include "xfmr/TensorIO/Tensor.h"

#include "llvm/ADT/StringRef.h"

namespace xfmr::io {

/// A tensor read from a file, with the name the file gives it ("" if none).
struct NamedTensor {
  std::string name;
  Tensor tensor;
};

/// Reads the TensorProto in `path`, from `raw_data` or the typed fields.
/// Errors name the file.
llvm::Expected<NamedTensor> readTensorProto(llvm::StringRef path);

/// The same for the serialized TensorProto `contents`; errors name it
/// `path`.
llvm::Expected<NamedTensor> parseTensorProto(llvm::StringRef contents,
                                             llvm::StringRef path);

} // namespace xfmr::io

#endif // XFMR_TENSORIO_TENSORPROTOIO_H
