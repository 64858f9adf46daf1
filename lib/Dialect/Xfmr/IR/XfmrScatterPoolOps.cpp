//===- XfmrScatterPoolOps.cpp - Scatters, cumprod and pooling -------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xfmr;

//===----------------------------------------------------------------------===//
// CumProdOp
//===----------------------------------------------------------------------===//

LogicalResult CumProdOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (!normalizeAxis(getAxis(), rank))
    return emitOpError("axis ")
           << getAxis() << " is out of range for rank " << rank;
  return success();
}

//===----------------------------------------------------------------------===//
// ScatterElementsOp, ScatterNdOp
//===----------------------------------------------------------------------===//

static LogicalResult verifyScatterCommon(Operation *op, Value input,
                                         Value updates, StringRef reduction) {
  if (!llvm::is_contained({"none", "add", "mul", "max", "min"}, reduction))
    return op->emitOpError(
               "reduction must be none, add, mul, max or min, got '")
           << reduction << "'";
  if (getElementTypeOrSelf(input.getType()) !=
      getElementTypeOrSelf(updates.getType()))
    return op->emitOpError("updates must have the input's element type");
  return success();
}

LogicalResult ScatterElementsOp::verify() {
  if (failed(
          verifyScatterCommon(*this, getInput(), getUpdates(), getReduction())))
    return failure();
  auto indicesType = cast<RankedTensorType>(getIndices().getType());
  auto updatesType = cast<RankedTensorType>(getUpdates().getType());
  int64_t rank = getInput().getType().getRank();
  if (indicesType.getRank() != rank ||
      failed(verifyCompatibleShape(indicesType.getShape(),
                                   updatesType.getShape())))
    return emitOpError("indices and updates must have one shape and the "
                       "input's rank ")
           << rank;
  if (!normalizeAxis(getAxis(), rank))
    return emitOpError("axis ")
           << getAxis() << " is out of range for rank " << rank;
  return success();
}

LogicalResult ScatterNdOp::verify() {
  if (failed(
          verifyScatterCommon(*this, getInput(), getUpdates(), getReduction())))
    return failure();
  auto inputType = getInput().getType();
  auto indicesType = cast<RankedTensorType>(getIndices().getType());
  auto updatesType = cast<RankedTensorType>(getUpdates().getType());
  if (indicesType.getRank() < 1 ||
      indicesType.isDynamicDim(indicesType.getRank() - 1))
    return emitOpError("indices need a static last dim");
  int64_t tuple = indicesType.getShape().back();
  if (tuple < 1 || tuple > inputType.getRank())
    return emitOpError("index tuples of length ")
           << tuple << " do not fit an input of rank " << inputType.getRank();
  SmallVector<int64_t> expected(indicesType.getShape().drop_back());
  llvm::append_range(expected, inputType.getShape().drop_front(tuple));
  if (failed(verifyCompatibleShape(expected, updatesType.getShape())))
    return emitOpError("updates must have shape indices.shape[:-1] + "
                       "input.shape[q:]");
  return success();
}

//===----------------------------------------------------------------------===//
// PoolOp
//===----------------------------------------------------------------------===//

/// The output size of one spatial dim, or std::nullopt when the window does
/// not fit or a value is invalid.
static std::optional<int64_t>
computePoolOutputSize(int64_t in, int64_t kernel, int64_t stride,
                      int64_t dilation, int64_t padBegin, int64_t padEnd,
                      bool ceilMode) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t padded = in + padBegin + padEnd;
  if (kernel < 1 || stride < 1 || dilation < 1 || padBegin < 0 || padEnd < 0 ||
      padded < span)
    return std::nullopt;
  int64_t out = (padded - span + (ceilMode ? stride - 1 : 0)) / stride + 1;
  // A window that would start in the end padding is dropped.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

LogicalResult PoolOp::inferResultTypes(MLIRContext * /*context*/,
                                       std::optional<Location> location,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t rank = inputType.getRank();
  ArrayRef<int64_t> kernel = adaptor.getKernelShape();
  int64_t spatial = kernel.size();
  if (rank < 3 || spatial != rank - 2)
    return inferError(location, name,
                      "kernel_shape needs one value per spatial dim of an "
                      "[N, C, spatial...] input");
  ArrayRef<int64_t> strides = adaptor.getStrides(),
                    dilations = adaptor.getDilations(),
                    pads = adaptor.getPads();
  if ((!strides.empty() && (int64_t)strides.size() != spatial) ||
      (!dilations.empty() && (int64_t)dilations.size() != spatial) ||
      (!pads.empty() && (int64_t)pads.size() != 2 * spatial))
    return inferError(location, name,
                      "strides, dilations and pads (begin and end) need one "
                      "value per spatial dim");
  if (!llvm::is_contained({"max", "avg", "lp"}, adaptor.getKind()))
    return inferError(location, name, "kind must be max, avg or lp");
  SmallVector<int64_t> shape(inputType.getShape().take_front(2));
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = inputType.getDimSize(i + 2);
    if (ShapedType::isDynamic(in))
      return inferError(location, name, "spatial dims must be static");
    std::optional<int64_t> out = computePoolOutputSize(
        in, kernel[i], strides.empty() ? 1 : strides[i],
        dilations.empty() ? 1 : dilations[i], pads.empty() ? 0 : pads[i],
        pads.empty() ? 0 : pads[spatial + i], adaptor.getCeilMode());
    if (!out)
      return inferError(location, name,
                        "the window does not fit spatial dim " + Twine(i) +
                            " (or a size, stride or pad is invalid)");
    shape.push_back(*out);
  }
  inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

LogicalResult
PoolOp::reifyResultShapes(OpBuilder &builder,
                          ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  auto resultType = cast<RankedTensorType>(getType());
  SmallVector<OpFoldResult> sizes = {getDimSize(builder, loc, getInput(), 0),
                                     getDimSize(builder, loc, getInput(), 1)};
  for (int64_t i = 2; i < resultType.getRank(); ++i)
    sizes.push_back(builder.getIndexAttr(resultType.getDimSize(i)));
  reifiedReturnShapes.push_back(sizes);
  return success();
}
