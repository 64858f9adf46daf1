//===- XfmrElementwiseOps.cpp - Elementwise xfmr ops ----------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Verifiers and interfaces of the elementwise ops that the shared shape
// functions do not cover.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xfmr;

//===----------------------------------------------------------------------===//
// ClipOp
//===----------------------------------------------------------------------===//

LogicalResult ClipOp::verify() {
  if (getMin() && getMax() && getMin()->convertToDouble() >
                                  getMax()->convertToDouble())
    return emitOpError("min ") << getMin()->convertToDouble()
                               << " is greater than max "
                               << getMax()->convertToDouble();
  return success();
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

bool CastOp::areCastCompatible(TypeRange inputs, TypeRange outputs) {
  if (inputs.size() != 1 || outputs.size() != 1)
    return false;
  auto input = dyn_cast<RankedTensorType>(inputs.front());
  auto output = dyn_cast<RankedTensorType>(outputs.front());
  return input && output &&
         succeeded(verifyCompatibleShape(input.getShape(), output.getShape()));
}

LogicalResult
CastOp::reifyResultShapes(OpBuilder &builder,
                          ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  return reifySameShape(builder, getInput(), reifiedReturnShapes);
}

//===----------------------------------------------------------------------===//
// BitcastOp
//===----------------------------------------------------------------------===//

LogicalResult BitcastOp::verify() {
  // The Elementwise trait checks the shapes.
  Type from = getInput().getType().getElementType();
  Type to = getOutput().getType().getElementType();
  if (!from.isIntOrFloat() || !to.isIntOrFloat() ||
      from.getIntOrFloatBitWidth() != to.getIntOrFloatBitWidth())
    return emitOpError("element types ")
           << from << " and " << to << " do not have the same bit width";
  return success();
}

LogicalResult
BitcastOp::reifyResultShapes(OpBuilder &builder,
                             ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  return reifySameShape(builder, getInput(), reifiedReturnShapes);
}

//===----------------------------------------------------------------------===//
// WhereOp
//===----------------------------------------------------------------------===//

LogicalResult WhereOp::inferResultTypes(MLIRContext */*context*/,
                                        std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto cond = cast<RankedTensorType>(adaptor.getCondition().getType());
  auto onTrue = cast<RankedTensorType>(adaptor.getOnTrue().getType());
  auto onFalse = cast<RankedTensorType>(adaptor.getOnFalse().getType());
  if (onTrue.getElementType() != onFalse.getElementType())
    return inferError(location, name,
                      "on_true and on_false have different element types");
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(onTrue.getShape(), onFalse.getShape());
  if (succeeded(shape))
    shape = broadcastShapes(cond.getShape(), *shape);
  if (failed(shape))
    return inferError(location, name,
                      "operands are not broadcast-compatible");
  inferred.push_back(RankedTensorType::get(*shape, onTrue.getElementType()));
  return success();
}
