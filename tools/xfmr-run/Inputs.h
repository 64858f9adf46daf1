//===- Inputs.h - Shapes and random values of model inputs ------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TOOLS_XFMR_RUN_INPUTS_H
#define XFMR_TOOLS_XFMR_RUN_INPUTS_H

#include "xfmr/TensorIO/Tensor.h"

#include "llvm/ADT/StringMap.h"

#include "xfmr/Import/ONNX/ImportONNX.h"

namespace xfmr::run {

/// Sizes given on the command line: `--input-shape NAME:1x128` (-1 for `?`)
/// and `--dim NAME=VALUE`, parsed as the importer's options: they size
/// random inputs, and specialise the model when it is compiled first.
using ShapeOptions = mlir::xfmr::ONNXImportOptions;

/// Records the sizes that `shape`, given for input `info`, binds to named
/// dims, unless a size is already known for them.
void bindNamedDims(const xfmr_tensor_info &info, llvm::ArrayRef<int64_t> shape,
                   llvm::StringMap<int64_t> &dimSizes);

/// Random values for input `info`: floats uniform in [-1, 1), integers in
/// [0, 16), bools 0 or 1; inputs whose name says "mask" are all 1s. Dynamic
/// dims take their size from --input-shape, then from `dimSizes` (which the
/// new input's named dims join). `index` is the input's position, so that
/// each input draws its own sequence of `seed`.
llvm::Expected<io::Tensor> makeRandomInput(const xfmr_tensor_info &info,
                                           const ShapeOptions &options,
                                           llvm::StringMap<int64_t> &dimSizes,
                                           uint64_t seed, size_t index);

} // namespace xfmr::run

#endif // XFMR_TOOLS_XFMR_RUN_INPUTS_H
