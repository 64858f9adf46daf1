//===- XfmrOps.td - Operations of the xfmr dialect --------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMROPS_TD
#define XFMR_DIALECT_XFMR_IR_XFMROPS_TD

include "xfmr/Dialect/Xfmr/IR/XfmrBase.td"
include "mlir/Interfaces/CastInterfaces.td"

include "xfmr/Dialect/Xfmr/IR/XfmrElementwiseOps.td"
include "xfmr/Dialect/Xfmr/IR/XfmrTensorOps.td"
include "xfmr/Dialect/Xfmr/IR/XfmrShapeOps.td"
include "xfmr/Dialect/Xfmr/IR/XfmrTransformerOps.td"

#endif // XFMR_DIALECT_XFMR_IR_XFMROPS_TD
