//===- ConstantReader.cpp - Values of constant tensors --------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr;

DenseElementsAttr mlir::xfmr::getDenseConstant(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return {};
  return attr;
}

std::optional<double> mlir::xfmr::getScalarFloat(Value value) {
  DenseElementsAttr attr = getDenseConstant(value);
  if (!attr || attr.getNumElements() != 1 ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return (*attr.value_begin<APFloat>()).convertToDouble();
}

std::optional<int64_t> mlir::xfmr::getScalarInt(Value value) {
  DenseElementsAttr attr = getDenseConstant(value);
  if (!attr || attr.getNumElements() != 1 ||
      !attr.getElementType().isInteger() || attr.getElementType().isInteger(1))
    return std::nullopt;
  return (*attr.value_begin<APInt>()).getSExtValue();
}

std::optional<double> mlir::xfmr::getSplatFloat(Value value) {
  DenseElementsAttr attr = getDenseConstant(value);
  if (!attr || !attr.isSplat() || !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

bool mlir::xfmr::isCloseTo(double actual, double expected,
                           const llvm::fltSemantics &semantics) {
  APFloat e(expected);
  bool lost;
  e.convert(semantics, APFloat::rmNearestTiesToEven, &lost);
  APFloat next = e;
  next.next(/*nextDown=*/false);
  double ulp = std::abs(next.convertToDouble() - e.convertToDouble());
  return std::abs(actual - expected) <= 3 * ulp;
}

std::optional<FloatConstant> mlir::xfmr::getFloatConstant(Value value) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)) ||
      attr.getNumElements() != 1)
    return std::nullopt;
  auto type = dyn_cast<FloatType>(attr.getElementType());
  if (!type)
    return std::nullopt;
  auto values = attr.tryGetValues<APFloat>();
  if (!values)
    return std::nullopt;
  return FloatConstant{(*values->begin()).convertToDouble(),
                       &type.getFloatSemantics()};
}

bool mlir::xfmr::isSplatCloseTo(Value value, double expected) {
  DenseElementsAttr attr = getDenseConstant(value);
  auto type = attr ? dyn_cast<FloatType>(attr.getElementType()) : FloatType();
  if (!type || !attr.isSplat())
    return false;
  return isCloseTo(attr.getSplatValue<APFloat>().convertToDouble(), expected,
                   type.getFloatSemantics());
}
