//===- LoweringUtils.cpp - Shared steps of the xfmr-to-linalg patterns ----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrShapeInference.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;

FailureOr<Value> mlir::xfmr::createEmptyResult(OpBuilder &b, Operation *op) {
  ReifiedRankedShapedTypeDims shapes;
  if (failed(reifyResultShapes(b, op, shapes)))
    return failure();
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  // Reification may know more or less than the result type says; the type
  // decides which dims are static.
  SmallVector<OpFoldResult> sizes;
  for (auto [i, size] : llvm::enumerate(shapes.front()))
    sizes.push_back(type.isDynamicDim(i)
                        ? OpFoldResult(getValueOrCreateConstantIndexOp(
                              b, op->getLoc(), size))
                        : OpFoldResult(b.getIndexAttr(type.getDimSize(i))));
  return tensor::EmptyOp::create(b, op->getLoc(), sizes, type.getElementType())
      .getResult();
}

Value mlir::xfmr::createEmptyLike(OpBuilder &b, Location loc, Value like,
                                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, getDimSizes(b, loc, like),
                                 elementType);
}

Value mlir::xfmr::castToResultType(OpBuilder &b, Location loc, Value value,
                                   Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}
