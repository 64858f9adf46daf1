//===- DimProver.h - What the graph proves about dim sizes ------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one answer to "are these two dims the same size" and "what is this
// entry of a shape tensor", on graphs whose dims are often `?`. The fusions
// need it to prove that a rewrite keeps shapes (the query's and the key's
// batch, a norm's input and its residual, a reshape that restores its
// input's shape); the lowering needs it to turn a reshape into a view.
//
// DimProver follows a dim back through the ops that provably keep its size
// (elementwise and broadcasting ops, transposes, reshapes, whose `0` and
// `-1` entries it resolves, gathers, slices `[0:n]`, ranges over a dim, the
// fused ops) to the furthest value it comes from; two dims are equal when
// they end at the same place. Function arguments' dims that share a name in
// `xfmr.dims` end at the first of them: the runtime binds one size per name.
//
// Type inference and the reshape lowering read shape entries with a prover
// that does not follow dims (`DimProver::ofShapesOnly()`): an entry is then a
// constant or the size of a dim of the tensor a shape was read from, which
// depends only on the ops that compute the shape and stays cheap.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_DIMPROVER_H
#define XFMR_DIALECT_XFMR_IR_DIMPROVER_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>

namespace mlir::xfmr {

/// What the graph proves about a size (a dim, or an entry of a shape
/// tensor): a constant, or the size of dim `dim` of `value`. Two sizes with
/// the same value and dim are equal at run time.
struct ProvenSize {
  std::optional<int64_t> constant;
  Value value;
  int64_t dim = -1;
  /// With a value: the size is min(that dim, clampedAt), as a slice `[0:n]`
  /// of an axis of static size `clampedAt` gives.
  std::optional<int64_t> clampedAt;

  static ProvenSize ofConstant(int64_t c) {
    return {c, Value(), -1, std::nullopt};
  }
  static ProvenSize ofDim(Value v, int64_t d) {
    return {std::nullopt, v, d, std::nullopt};
  }
  static ProvenSize unknown() { return {}; }
  bool isKnown() const { return constant || value; }
  /// A dim's size, never negative: not a -1 or other marker.
  bool isDimSize() const { return value || (constant && *constant >= 0); }
  /// Exactly the size of dim `dim` of `value`, which IR may read back.
  bool isPlainDim() const { return value && !clampedAt; }
  bool operator==(const ProvenSize &other) const {
    if (constant || other.constant)
      return constant == other.constant;
    return value && value == other.value && dim == other.dim &&
           clampedAt == other.clampedAt;
  }
};

/// Proves sizes equal. Keeps what it proved, so one prover should serve one
/// match (or one pass over IR that is not being rewritten meanwhile).
class DimProver {
public:
  DimProver() = default;
  /// A prover that reads shape entries through the ops that compute shapes
  /// but takes every dynamic dim as equal only to itself.
  static DimProver ofShapesOnly() {
    DimProver prover;
    prover.followDims = false;
    return prover;
  }

  /// The size of dim `dim` of the ranked tensor `value`.
  ProvenSize dim(Value value, int64_t dim);
  /// Entry `index` of a scalar or 1-D integer tensor (a shape, a dim read).
  ProvenSize element(Value value, int64_t index);
  /// Every entry of a scalar or 1-D integer tensor of static length;
  /// std::nullopt when the length is not static.
  std::optional<SmallVector<ProvenSize>> elements(Value value);
  /// Whether the two dims are provably the same size.
  bool sameDim(Value a, int64_t da, Value b, int64_t db) {
    ProvenSize x = dim(a, da);
    return x.isKnown() && x == dim(b, db);
  }
  /// Whether `a` and `b` have the same type and provably the same shape.
  bool sameShape(Value a, Value b);

private:
  /// A dim of a tensor, or an entry of a shape tensor.
  struct Query {
    Value value;
    int64_t index;
    bool isDim;
  };
  ProvenSize prove(Query query);
  ProvenSize proveWithin(Query query);
  ProvenSize traceDim(Value value, int64_t dim);
  ProvenSize traceElement(Value value, int64_t index);
  /// The size that numpy broadcasting of `sizes` gives, when it is proven.
  static std::optional<ProvenSize> broadcast(ArrayRef<ProvenSize> sizes);

  llvm::DenseMap<std::pair<Value, int64_t>, ProvenSize> dims, entries;
  unsigned depth = 0;
  bool followDims = true;
  /// The questions the current proof reached at the depth limit, the
  /// cached answers that depend on them, and how many answers so far were
  /// weakened by them.
  SmallVector<Query> cutOff;
  llvm::DenseSet<std::pair<Value, int64_t>> provisionalDims, provisionalEntries;
  unsigned weakAnswers = 0;
};

} // namespace mlir::xfmr

#endif // XFMR_DIALECT_XFMR_IR_DIMPROVER_H
