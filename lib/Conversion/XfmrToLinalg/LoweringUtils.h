//===- LoweringUtils.h - Shared steps of xfmr-to-linalg -----*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_CONVERSION_XFMRTOLINALG_LOWERINGUTILS_H
#define XFMR_LIB_CONVERSION_XFMRTOLINALG_LOWERINGUTILS_H

#include "mlir/IR/Builders.h"

namespace mlir::xfmr {

/// A tensor.empty of the type of `op`'s first result, its dynamic dims
/// reified from the operands; failure when the op cannot reify them.
FailureOr<Value> createEmptyResult(OpBuilder &b, Operation *op);

/// A tensor.empty with the shape of `like` and `elementType`.
Value createEmptyLike(OpBuilder &b, Location loc, Value like, Type elementType);

/// `value`, through a tensor.cast when its type is less static than `type`
/// (the op's result type may refine what the lowering computes).
Value castToResultType(OpBuilder &b, Location loc, Value value, Type type);

} // namespace mlir::xfmr

#endif // XFMR_LIB_CONVERSION_XFMRTOLINALG_LOWERINGUTILS_H
