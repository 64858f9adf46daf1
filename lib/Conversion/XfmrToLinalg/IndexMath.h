//===- IndexMath.h - Folding index arithmetic for xfmr-to-linalg -*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The shape and data movement lowerings compute offsets, sizes and gathered
// positions from operands that may be constants or run-time tensors. Each
// step here folds when its operands are constants, so the same code gives
// static IR for constant operands and arith for run-time ones.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_CONVERSION_XFMRTOLINALG_INDEXMATH_H
#define XFMR_LIB_CONVERSION_XFMRTOLINALG_INDEXMATH_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::xfmr {

/// Index-typed arithmetic at one location, folding constants as it goes.
struct IndexMath {
  OpBuilder &b;
  Location loc;

  Value constant(int64_t v);
  Value value(OpFoldResult ofr);
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value ceilDiv(Value x, Value y);
  Value min(Value x, Value y);
  Value max(Value x, Value y);
  Value clamp(Value v, Value lo, Value hi) { return min(max(v, lo), hi); }
  Value lessThan(Value x, Value y);
  Value equal(Value x, Value y);
  Value notEqual(Value x, Value y);
  /// The i1 `x || y` and `x && y`.
  Value either(Value x, Value y);
  Value both(Value x, Value y);
  Value select(Value cond, Value x, Value y);
  /// `i` + `size` for a negative `i` (ONNX's indices from the back).
  Value wrap(Value i, Value size);
  /// An index read from an indices tensor (any integer width), wrapped into
  /// [0, size) and then clamped into it: an index out of range fails the
  /// op's run-time check, and the op must still touch nothing outside its
  /// tensor meanwhile.
  Value wrapInRange(Value index, Value size);
  /// The tuple that the last dim of `indices` holds at `leading`, each
  /// element wrapped into range of the matching entry of `sizes` (one per
  /// element).
  SmallVector<Value> readIndexTuple(Value indices, ValueRange leading,
                                    ArrayRef<Value> sizes);
  /// An integer scalar (of any width) as an index.
  Value toIndex(Value v);
  /// The element of the integer tensor `tensor` at `position`, as an index.
  Value extract(Value tensor, ArrayRef<int64_t> position);
  /// Every element of a 1-D integer tensor of static length, as indices.
  SmallVector<Value> extractAll(Value tensor);
};

/// A 1-D or 0-D tensor of type `type` (integer elements) holding `values`:
/// an arith.constant when they all fold, else a tensor.from_elements.
Value indicesToTensor(OpBuilder &b, Location loc, ArrayRef<Value> values,
                      RankedTensorType type);

/// A linalg.generic with all-parallel loops that writes `init`, reading
/// `inputs` through `inputMaps`. Its body gets the block arguments of the
/// inputs and the loop indices (linalg.index values), and returns the
/// element to write: the form of gathers, which read tensors with
/// tensor.extract at computed positions.
Value buildIndexedGeneric(
    OpBuilder &b, Location loc, Value init, ValueRange inputs,
    ArrayRef<AffineMap> inputMaps,
    function_ref<Value(OpBuilder &, Location, ValueRange, ValueRange)> body);

} // namespace mlir::xfmr

#endif // XFMR_LIB_CONVERSION_XFMRTOLINALG_INDEXMATH_H
