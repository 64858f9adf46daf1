//===- AttentionMatchers.h - Proofs the attention fusion relies on -*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The attention fusion must prove, on graphs whose dims are often `?`, that
// two dims are the same size (the query's and the key's batch, the mask's
// rows and the scores' rows), that a reshape only merges two dims, and that a
// boolean mask is exactly the causal triangle. DimTracer follows a dim back
// through the ops that provably keep its size (transposes, elementwise ops,
// reshapes whose shape is read off another tensor, ranges over a dim) to the
// furthest value it comes from; two dims are equal when they end at the same
// place.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_DIALECT_XFMR_TRANSFORMS_ATTENTIONMATCHERS_H
#define XFMR_LIB_DIALECT_XFMR_TRANSFORMS_ATTENTIONMATCHERS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace mlir::xfmr::attention {

/// What the graph proves about a size (a dim, or an entry of a shape
/// tensor): a constant, or the size of dim `dim` of `value`. Two sizes with
/// the same value and dim are equal at run time.
struct Size {
  std::optional<int64_t> constant;
  Value value;
  int64_t dim = -1;
  /// With a value: the size is min(that dim, clampedAt), as a slice `[0:n]`
  /// of an axis of static size `clampedAt` gives.
  std::optional<int64_t> clampedAt;

  static Size ofConstant(int64_t c) { return {c, Value(), -1, std::nullopt}; }
  static Size ofDim(Value v, int64_t d) { return {std::nullopt, v, d, std::nullopt}; }
  static Size unknown() { return {}; }
  bool isKnown() const { return constant || value; }
  /// A dim's size, never negative: not a -1 or other marker.
  bool isDimSize() const { return value || (constant && *constant >= 0); }
  bool operator==(const Size &other) const {
    if (constant || other.constant)
      return constant == other.constant;
    return value && value == other.value && dim == other.dim &&
           clampedAt == other.clampedAt;
  }
};

class DimTracer {
public:
  /// The size of dim `dim` of the ranked tensor `value`.
  Size dim(Value value, int64_t dim);
  /// Entry `index` of a scalar or 1-D integer tensor (a shape, a dim read).
  Size element(Value value, int64_t index);
  /// Whether the two dims are provably the same size.
  bool sameDim(Value a, int64_t da, Value b, int64_t db) {
    Size x = dim(a, da);
    return x.isKnown() && x == dim(b, db);
  }

private:
  Size traceDim(Value value, int64_t dim);
  Size traceElement(Value value, int64_t index);
  /// The size that numpy broadcasting of `sizes` gives, when it is proven.
  static std::optional<Size> broadcast(ArrayRef<Size> sizes);

  llvm::DenseMap<std::pair<Value, int64_t>, Size> dims, elements;
  unsigned depth = 0;
};

/// The value of a constant with a single element (any rank), as a double.
std::optional<double> getScalarFloat(Value value);
/// The value of a constant with a single element (any rank), as an integer.
std::optional<int64_t> getScalarInt(Value value);

/// reshape(transpose(reshape(x, [B*H, S, D]), [0, 2, 1]), [B, H, D, S]), the
/// dynamo exporter's kᵀ, is x transposed by [0, 1, 3, 2]: sets `source` to
/// x. When the flattening reads the 5-D head repeat of grouped-query
/// attention, `source` is the un-repeated key and `repeated` is set.
bool matchFlattenedTranspose(DimTracer &tracer, Value value, Value &source,
                             bool &repeated);

/// x from expand(unsqueeze(x, 2), [B, Hkv, n, S, D]).
std::optional<Value> unrepeatExpand(DimTracer &tracer, Value expanded);

/// The key/value heads before a repeat for grouped-query attention:
/// reshape(expand(unsqueeze(x, 2), ...), [B, Hkv * n, S, D]), or expand(x)
/// of a single head.
std::optional<Value> unrepeatHeads(DimTracer &tracer, Value kv);

/// Whether the i1 tensor `keep` (its negation with `negated`), broadcast
/// against the scores `scores` ([B, H, Sq, Skv]), is exactly "key j is
/// visible to query i when j <= i + offset". Returns that offset, or
/// std::nullopt when it is not proven; sets `why` when the term looked causal
/// but is not.
std::optional<int64_t> matchCausalTerm(DimTracer &tracer, Value keep,
                                       bool negated, Value scores,
                                       std::string &why);

} // namespace mlir::xfmr::attention

#endif // XFMR_LIB_DIALECT_XFMR_TRANSFORMS_ATTENTIONMATCHERS_H
