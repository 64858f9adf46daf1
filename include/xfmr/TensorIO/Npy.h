//===- Npy.h - Reading and writing numpy .npy files -------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The .npy format (versions 1.0 to 3.0), little-endian and C order only.
// numpy has no bf16: a bf16 tensor is written as its bits ('<u2'), and
// uint16 data is read as bf16 where a bf16 tensor is expected.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TENSORIO_NPY_H
#define XFMR_TENSORIO_NPY_H

#include "xfmr/TensorIO/Tensor.h"

#include "llvm/ADT/StringRef.h"

namespace xfmr::io {

/// Reads the array in `path`. `expected` is the dtype the tensor is meant to
/// have; it only decides how unsigned data is read ('<u2' as bf16 bits, '|u1'
/// as bool). Errors name the file.
llvm::Expected<Tensor> readNpy(llvm::StringRef path, xfmr_dtype expected);

/// The same for the contents of a .npy file; errors name it `path`.
llvm::Expected<Tensor> parseNpy(llvm::StringRef bytes, llvm::StringRef path,
                                xfmr_dtype expected);

/// Writes `tensor` to `path` as a .npy file.
llvm::Error writeNpy(llvm::StringRef path, const xfmr_tensor &tensor);

} // namespace xfmr::io

#endif // XFMR_TENSORIO_NPY_H
