//===- XfmrDialect.h - The xfmr dialect -------------------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMRDIALECT_H
#define XFMR_DIALECT_XFMR_IR_XFMRDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h.inc"

#endif // XFMR_DIALECT_XFMR_IR_XFMRDIALECT_H
