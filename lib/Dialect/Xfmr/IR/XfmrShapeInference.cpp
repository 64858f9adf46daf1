//===- XfmrShapeInference.cpp - Shape functions of xfmr ops ---------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrShapeInference.h"
#include "xfmr/Dialect/Xfmr/IR/DimProver.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::xfmr;

//===----------------------------------------------------------------------===//
// Type inference
//===----------------------------------------------------------------------===//

bool xfmr::isRefinementOf(TypeRange actual, TypeRange inferred) {
  if (actual.size() != inferred.size())
    return false;
  for (auto [a, i] : llvm::zip_equal(actual, inferred)) {
    auto actualType = dyn_cast<RankedTensorType>(a);
    auto inferredType = dyn_cast<RankedTensorType>(i);
    if (!actualType || !inferredType)
      return a == i;
    if (actualType.getElementType() != inferredType.getElementType() ||
        failed(verifyCompatibleShape(actualType.getShape(),
                                     inferredType.getShape())))
      return false;
  }
  return true;
}

LogicalResult xfmr::inferError(std::optional<Location> loc, StringRef opName,
                               const Twine &message) {
  return emitOptionalError(loc, "'", opName, "' op ", message.str());
}

std::optional<int64_t> xfmr::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<SmallVector<int64_t>> xfmr::normalizeAxes(ArrayRef<int64_t> axes,
                                                        int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    std::optional<int64_t> a = normalizeAxis(axis, rank);
    if (!a)
      return std::nullopt;
    result.push_back(*a);
  }
  return result;
}

FailureOr<SmallVector<int64_t>>
xfmr::broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align at the trailing dims; missing leading dims act as 1.
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l == 1) {
      result[i] = r;
    } else if (r == 1) {
      result[i] = l;
    } else if (ShapedType::isDynamic(l)) {
      result[i] = r;
    } else if (ShapedType::isDynamic(r) || l == r) {
      result[i] = l;
    } else {
      return failure();
    }
  }
  return result;
}

static std::string shapeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

LogicalResult xfmr::inferBroadcastResult(std::optional<Location> loc,
                                         StringRef opName, Value lhs,
                                         Value rhs, Type resultElementType,
                                         SmallVectorImpl<Type> &inferred) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  if (lhsType.getElementType() != rhsType.getElementType())
    return inferError(loc, opName,
                      "operands have different element types: " +
                          shapeString(lhsType) + " and " +
                          shapeString(rhsType));
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(lhsType.getShape(), rhsType.getShape());
  if (failed(shape))
    return inferError(loc, opName,
                      "operands are not broadcast-compatible: " +
                          shapeString(lhsType) + " and " +
                          shapeString(rhsType));
  inferred.push_back(RankedTensorType::get(
      *shape,
      resultElementType ? resultElementType : lhsType.getElementType()));
  return success();
}

FailureOr<SmallVector<bool>>
xfmr::getAxesMask(std::optional<Location> loc, StringRef opName,
                  ArrayRef<int64_t> axes, int64_t rank, StringRef rankName) {
  SmallVector<bool> mask(rank, false);
  for (int64_t axis : axes) {
    std::optional<int64_t> normalized = normalizeAxis(axis, rank);
    if (!normalized)
      return inferError(loc, opName,
                        "axis " + Twine(axis) + " is out of range for " +
                            rankName + " " + Twine(rank));
    if (mask[*normalized])
      return inferError(loc, opName, "axis " + Twine(axis) + " is repeated");
    mask[*normalized] = true;
  }
  return mask;
}

/// Normalises and checks reduction axes; empty means every axis.
static FailureOr<SmallVector<bool>>
getReducedDims(std::optional<Location> loc, StringRef opName,
               ArrayRef<int64_t> axes, int64_t rank) {
  if (axes.empty())
    return SmallVector<bool>(rank, true);
  return getAxesMask(loc, opName, axes, rank);
}

LogicalResult xfmr::inferReduceResult(std::optional<Location> loc,
                                      StringRef opName, Value input,
                                      ArrayRef<int64_t> axes, bool keepDims,
                                      Type resultElementType,
                                      SmallVectorImpl<Type> &inferred) {
  auto type = cast<RankedTensorType>(input.getType());
  FailureOr<SmallVector<bool>> reduced =
      getReducedDims(loc, opName, axes, type.getRank());
  if (failed(reduced))
    return failure();
  SmallVector<int64_t> shape;
  for (auto [dim, isReduced] : llvm::zip_equal(type.getShape(), *reduced)) {
    if (!isReduced)
      shape.push_back(dim);
    else if (keepDims)
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(
      shape, resultElementType ? resultElementType : type.getElementType()));
  return success();
}

std::optional<SmallVector<int64_t>> xfmr::getConstantIntValues(Value value) {
  DenseIntElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(v.getSExtValue());
  return values;
}

std::optional<SmallVector<std::optional<int64_t>>>
xfmr::getPartialIntValues(Value value) {
  // Exporters write `where(equal(shape, -1), ones, shape)` around the shapes
  // of Expand; knowing its static entries keeps the expanded mask, and
  // everything computed from it, static.
  DimProver prover = DimProver::ofShapesOnly();
  std::optional<SmallVector<ProvenSize>> entries = prover.elements(value);
  if (!entries)
    return std::nullopt;
  return llvm::map_to_vector(
      *entries, [](const ProvenSize &entry) { return entry.constant; });
}

//===----------------------------------------------------------------------===//
// Reification
//===----------------------------------------------------------------------===//

OpFoldResult xfmr::getDimSize(OpBuilder &builder, Location loc, Value value,
                              int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(dim))
    return builder.getIndexAttr(type.getDimSize(dim));
  return tensor::DimOp::create(builder, loc, value, dim).getResult();
}

SmallVector<OpFoldResult> xfmr::getDimSizes(OpBuilder &builder, Location loc,
                                            Value value) {
  SmallVector<OpFoldResult> sizes;
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  for (int64_t i = 0; i < rank; ++i)
    sizes.push_back(getDimSize(builder, loc, value, i));
  return sizes;
}

LogicalResult xfmr::reifySameShape(OpBuilder &builder, Value input,
                                   ReifiedRankedShapedTypeDims &shapes) {
  shapes.push_back(getDimSizes(builder, input.getLoc(), input));
  return success();
}

LogicalResult xfmr::reifyBroadcastShape(OpBuilder &builder, Operation *op,
                                        ReifiedRankedShapedTypeDims &shapes) {
  Location loc = op->getLoc();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> sizes(rank);
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes[i] = builder.getIndexAttr(resultType.getDimSize(i));
      continue;
    }
    // A dynamic result dim: the first operand whose dim is not statically 1
    // gives it, unless it is 1 at run time, then the next one does.
    Value size;
    for (Value operand : op->getOperands()) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t d = i - (rank - type.getRank());
      if (d < 0 || type.getDimSize(d) == 1)
        continue;
      Value dim = getValueOrCreateConstantIndexOp(
          builder, loc, getDimSize(builder, loc, operand, d));
      if (!size) {
        size = dim;
        continue;
      }
      Value one = arith::ConstantIndexOp::create(builder, loc, 1);
      Value isOne = arith::CmpIOp::create(builder, loc,
                                          arith::CmpIPredicate::eq, size, one);
      size = arith::SelectOp::create(builder, loc, isOne, dim, size);
    }
    sizes[i] = size ? OpFoldResult(size) : builder.getIndexAttr(1);
  }
  shapes.push_back(sizes);
  return success();
}

LogicalResult xfmr::reifyReduceShape(OpBuilder &builder, Value input,
                                     ArrayRef<int64_t> axes, bool keepDims,
                                     ReifiedRankedShapedTypeDims &shapes) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  llvm::SmallSet<int64_t, 4> reduced;
  for (int64_t axis : axes)
    reduced.insert(axis < 0 ? axis + rank : axis);
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    bool isReduced = axes.empty() || reduced.contains(i);
    if (!isReduced)
      sizes.push_back(getDimSize(builder, input.getLoc(), input, i));
    else if (keepDims)
      sizes.push_back(builder.getIndexAttr(1));
  }
  shapes.push_back(sizes);
  return success();
}
