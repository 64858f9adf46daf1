//===- XfmrOps.h - Operations of the xfmr dialect ---------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMROPS_H
#define XFMR_DIALECT_XFMR_IR_XFMROPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/CastInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrShapeInference.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "xfmr/Dialect/Xfmr/IR/XfmrAttrs.h.inc"

#define GET_OP_CLASSES
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h.inc"

namespace mlir {
namespace xfmr {

/// The scale inside quick GELU, `x * sigmoid(1.702 * x)`
/// (`#xfmr<gelu_approximation quick>`).
constexpr double kQuickGeluAlpha = 1.702;

/// The [begin, end) range of input dims that a `xfmr.shape` op returns.
std::pair<int64_t, int64_t> getShapeOpDimRange(ShapeOp op);

} // namespace xfmr
} // namespace mlir

#endif // XFMR_DIALECT_XFMR_IR_XFMROPS_H
