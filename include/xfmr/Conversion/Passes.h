//===- Passes.h - Conversion passes of xfmr ---------------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_CONVERSION_PASSES_H
#define XFMR_CONVERSION_PASSES_H

#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::xfmr {

#define GEN_PASS_DECL
#include "xfmr/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "xfmr/Conversion/Passes.h.inc"

} // namespace mlir::xfmr

#endif // XFMR_CONVERSION_PASSES_H
