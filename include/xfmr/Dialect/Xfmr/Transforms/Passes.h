//===- Passes.h - Passes on the xfmr dialect --------------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_H
#define XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace xfmr {

#define GEN_PASS_DECL
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"

} // namespace xfmr
} // namespace mlir

#endif // XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_H
