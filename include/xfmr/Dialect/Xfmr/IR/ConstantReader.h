//===- ConstantReader.h - Values of constant tensors ------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one reader of constants (xfmr.constant, arith.constant, any
// constant-like op) for the matchers, and the one policy for "is this float
// the constant the pattern expects".
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_CONSTANTREADER_H
#define XFMR_DIALECT_XFMR_IR_CONSTANTREADER_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/APFloat.h"

#include <optional>

namespace mlir::xfmr {

/// The elements of a constant, or null when `value` is not a constant.
DenseElementsAttr getDenseConstant(Value value);
/// The value of a constant with a single element (any rank), as a double.
std::optional<double> getScalarFloat(Value value);
/// The value of a constant with a single element (any rank), as an integer.
std::optional<int64_t> getScalarInt(Value value);
/// The value of a constant whose elements are all the same float.
std::optional<double> getSplatFloat(Value value);

/// Whether `actual` is `expected` up to 3 ulps of `semantics` (the constant's
/// element type): the rounding an exporter's constant, or a product of a
/// few, picks up. The one tolerance every matcher uses for "this float is
/// the constant the pattern expects".
bool isCloseTo(double actual, double expected,
               const llvm::fltSemantics &semantics);

/// A one-element float constant with the semantics of its element type, to
/// measure ulps in.
struct FloatConstant {
  double value;
  const llvm::fltSemantics *semantics;

  bool isCloseTo(double expected) const {
    return xfmr::isCloseTo(value, expected, *semantics);
  }
};

/// `value` as a FloatConstant when it is a constant with a single float
/// element (any rank).
std::optional<FloatConstant> getFloatConstant(Value value);
/// Whether `value` is a constant whose elements are all the same float,
/// close to `expected`.
bool isSplatCloseTo(Value value, double expected);

} // namespace mlir::xfmr

#endif // XFMR_DIALECT_XFMR_IR_CONSTANTREADER_H
