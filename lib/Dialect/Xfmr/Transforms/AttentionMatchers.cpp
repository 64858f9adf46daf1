//===- AttentionMatchers.cpp - Proofs the attention fusion relies on ------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "AttentionMatchers.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::xfmr;
using namespace mlir::xfmr::attention;

static int64_t rankOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getRank();
}

//===----------------------------------------------------------------------===//
// Keys and values
//===----------------------------------------------------------------------===//

/// reshape(transpose(reshape(x, [B*H, S, D]), [0, 2, 1]), [B, H, D, S]), the
/// dynamo exporter's kᵀ: x transposed by [0, 1, 3, 2]. The flattening may
/// read the 5-D head repeat of grouped-query attention directly; then
/// `source` is the un-repeated key and `repeated` is set.
bool attention::matchFlattenedTranspose(DimProver &tracer, Value value,
                                        Value &source, bool &repeated) {
  auto unflatten = value.getDefiningOp<ReshapeOp>();
  if (!unflatten || cast<RankedTensorType>(value.getType()).getRank() != 4)
    return false;
  auto transpose = unflatten.getInput().getDefiningOp<TransposeOp>();
  if (!transpose || transpose.getPermutation() != ArrayRef<int64_t>{0, 2, 1})
    return false;
  auto flatten = transpose.getInput().getDefiningOp<ReshapeOp>();
  if (!flatten)
    return false;
  Value x = flatten.getInput(), flat = flatten.getResult();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if ((rank != 4 && rank != 5) ||
      cast<RankedTensorType>(flat.getType()).getRank() != 3)
    return false;
  // The flattening merges all but x's two trailing dims, and the
  // unflattening splits them back (the element count then fixes the heads).
  if (!tracer.sameDim(flat, 1, x, rank - 2) ||
      !tracer.sameDim(flat, 2, x, rank - 1) ||
      !tracer.sameDim(value, 0, x, 0) ||
      !tracer.sameDim(value, 2, x, rank - 1) ||
      !tracer.sameDim(value, 3, x, rank - 2))
    return false;
  if (rank == 4) {
    if (!tracer.sameDim(value, 1, x, 1))
      return false;
    source = x;
    repeated = false;
    return true;
  }
  std::optional<Value> heads = unrepeatExpand(tracer, x);
  if (!heads)
    return false;
  source = *heads;
  repeated = true;
  return true;
}

/// x from expand(unsqueeze(x, 2), [B, Hkv, n, S, D]): heads repeated along a
/// new dim.
std::optional<Value> attention::unrepeatExpand(DimProver &tracer,
                                               Value expanded) {
  auto expand = expanded.getDefiningOp<ExpandOp>();
  if (!expand || cast<RankedTensorType>(expanded.getType()).getRank() != 5)
    return std::nullopt;
  auto unsqueeze = expand.getInput().getDefiningOp<UnsqueezeOp>();
  if (!unsqueeze || unsqueeze.getAxes().size() != 1 ||
      (unsqueeze.getAxes()[0] != 2 && unsqueeze.getAxes()[0] != -3))
    return std::nullopt;
  Value x = unsqueeze.getInput();
  if (cast<RankedTensorType>(x.getType()).getRank() != 4)
    return std::nullopt;
  // The expand only repeats along the new dim.
  if (!tracer.sameDim(expanded, 0, x, 0) ||
      !tracer.sameDim(expanded, 1, x, 1) ||
      !tracer.sameDim(expanded, 3, x, 2) || !tracer.sameDim(expanded, 4, x, 3))
    return std::nullopt;
  return x;
}

/// The key/value heads before a repeat for grouped-query attention:
/// reshape(expand(unsqueeze(x, 2), [B, Hkv, n, S, D]), [B, Hkv * n, S, D]),
/// or expand(x) of a single head.
std::optional<Value> attention::unrepeatHeads(DimProver &tracer, Value kv) {
  if (cast<RankedTensorType>(kv.getType()).getRank() != 4)
    return std::nullopt;
  if (auto merge = kv.getDefiningOp<ReshapeOp>()) {
    std::optional<Value> x = unrepeatExpand(tracer, merge.getInput());
    // The reshape merges the new dim into the heads (the element count then
    // fixes the merged size).
    if (!x || !tracer.sameDim(kv, 0, *x, 0) || !tracer.sameDim(kv, 2, *x, 2) ||
        !tracer.sameDim(kv, 3, *x, 3))
      return std::nullopt;
    return x;
  }
  if (auto expand = kv.getDefiningOp<ExpandOp>()) {
    Value x = expand.getInput();
    if (cast<RankedTensorType>(x.getType()).getRank() != 4 ||
        !(tracer.dim(x, 1) == ProvenSize::ofConstant(1)))
      return std::nullopt;
    if (!tracer.sameDim(kv, 0, x, 0) || !tracer.sameDim(kv, 2, x, 2) ||
        !tracer.sameDim(kv, 3, x, 3))
      return std::nullopt;
    return x;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Causal masks
//===----------------------------------------------------------------------===//

namespace {

/// An integer tensor whose entries are `offset + position` along one dim
/// and constant along the others: the row or column index of a causal mask.
struct IndexTensor {
  int64_t axis;
  int64_t offset;
  ProvenSize length;
};

/// Which side of the diagonal a boolean tensor keeps: `lower` is
/// "j <= i + offset", otherwise "j > i + offset".
struct Triangle {
  bool lower;
  int64_t offset;
};

} // namespace

/// `value` as an index along one of its dims, in its own rank.
static std::optional<IndexTensor> matchIndex(DimProver &tracer, Value value,
                                             int depth = 0) {
  if (depth > 16)
    return std::nullopt;
  auto type = cast<RankedTensorType>(value.getType());
  if (DenseElementsAttr attr = getDenseConstant(value)) {
    if (!attr.getElementType().isInteger() ||
        attr.getElementType().isInteger(1) || !type.hasStaticShape())
      return std::nullopt;
    std::optional<int64_t> axis;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.getDimSize(d) == 1)
        continue;
      if (axis)
        return std::nullopt;
      axis = d;
    }
    if (!axis)
      return std::nullopt;
    SmallVector<int64_t> values;
    for (const APInt &v : attr.getValues<APInt>())
      values.push_back(v.getSExtValue());
    for (size_t t = 0; t < values.size(); ++t)
      if (values[t] != values[0] + static_cast<int64_t>(t))
        return std::nullopt;
    return IndexTensor{*axis, values[0],
                       ProvenSize::ofConstant(type.getDimSize(*axis))};
  }
  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (auto range = dyn_cast<RangeOp>(op)) {
    std::optional<int64_t> start = getScalarInt(range.getStart());
    if (!start || getScalarInt(range.getDelta()) != 1)
      return std::nullopt;
    return IndexTensor{0, *start, tracer.dim(value, 0)};
  }
  if (auto unsqueeze = dyn_cast<UnsqueezeOp>(op)) {
    std::optional<IndexTensor> inner =
        matchIndex(tracer, unsqueeze.getInput(), depth + 1);
    std::optional<SmallVector<int64_t>> axes =
        normalizeAxes(unsqueeze.getAxes(), type.getRank());
    if (!inner || !axes)
      return std::nullopt;
    int64_t kept = -1;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (!llvm::is_contained(*axes, d) && ++kept == inner->axis)
        return IndexTensor{d, inner->offset, inner->length};
    return std::nullopt;
  }
  if (auto cast = dyn_cast<CastOp>(op)) {
    if (!getElementTypeOrSelf(value).isInteger() ||
        getElementTypeOrSelf(value).isInteger(1))
      return std::nullopt;
    return matchIndex(tracer, cast.getInput(), depth + 1);
  }
  if (isa<AddOp, SubOp>(op)) {
    Value lhs = op->getOperand(0), rhs = op->getOperand(1);
    bool isSub = isa<SubOp>(op);
    std::optional<int64_t> c = getScalarInt(rhs);
    Value base = lhs;
    if (!c && !isSub) {
      c = getScalarInt(lhs);
      base = rhs;
    }
    if (!c || base.getType() != value.getType())
      return std::nullopt;
    std::optional<IndexTensor> inner = matchIndex(tracer, base, depth + 1);
    if (!inner)
      return std::nullopt;
    inner->offset += isSub ? -*c : *c;
    return inner;
  }
  return std::nullopt;
}

/// `value` aligned to the rank-4 scores: the score dim it indexes, checked
/// to run over that whole dim.
static std::optional<IndexTensor> matchScoreIndex(DimProver &tracer,
                                                  Value value, Value scores) {
  int64_t rank = rankOf(value);
  if (rank > 4)
    return std::nullopt;
  std::optional<IndexTensor> index = matchIndex(tracer, value);
  if (!index)
    return std::nullopt;
  index->axis += 4 - rank;
  ProvenSize extent = tracer.dim(scores, index->axis);
  if (!extent.isKnown() || !(extent == index->length))
    return std::nullopt;
  return index;
}

static std::optional<Triangle> matchTriangle(DimProver &tracer, Value value,
                                             Value scores, std::string &why,
                                             int depth = 0) {
  if (depth > 8)
    return std::nullopt;
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();

  // A constant checked entry by entry.
  if (DenseElementsAttr attr = getDenseConstant(value)) {
    if (rank < 2 || !type.hasStaticShape() || attr.isSplat())
      return std::nullopt;
    for (int64_t d = 0; d + 2 < rank; ++d)
      if (type.getDimSize(d) != 1)
        return std::nullopt;
    int64_t rows = type.getDimSize(rank - 2), cols = type.getDimSize(rank - 1);
    if (!(tracer.dim(scores, 2) == ProvenSize::ofConstant(rows)) ||
        !(tracer.dim(scores, 3) == ProvenSize::ofConstant(cols)))
      return std::nullopt;
    SmallVector<bool> keep;
    if (attr.getElementType().isInteger(1)) {
      llvm::append_range(keep, attr.getValues<bool>());
    } else if (isa<FloatType>(attr.getElementType())) {
      for (const APFloat &v : attr.getValues<APFloat>())
        keep.push_back(!v.isZero());
    } else {
      for (const APInt &v : attr.getValues<APInt>())
        keep.push_back(!v.isZero());
    }
    int64_t visible = llvm::count(ArrayRef(keep).take_front(cols), true);
    // Row 0 decides the offset; rows that see nothing or everything in
    // row 0 are not a causal triangle the op can express.
    bool lower = keep[0];
    int64_t offset = lower ? visible - 1 : cols - visible - 1;
    if (visible == 0 || visible == cols) {
      why = "the causal mask constant is not lower-triangular";
      return std::nullopt;
    }
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        if (keep[i * cols + j] != (lower == (j <= i + offset))) {
          why = "the causal mask constant is not lower-triangular";
          return std::nullopt;
        }
    return Triangle{lower, offset};
  }

  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (auto notOp = dyn_cast<NotOp>(op)) {
    std::optional<Triangle> inner =
        matchTriangle(tracer, notOp.getInput(), scores, why, depth + 1);
    if (inner)
      inner->lower = !inner->lower;
    return inner;
  }
  if (auto cast = dyn_cast<CastOp>(op)) {
    // 0/1 values to booleans.
    if (!type.getElementType().isInteger(1))
      return std::nullopt;
    return matchTriangle(tracer, cast.getInput(), scores, why, depth + 1);
  }
  if (auto equal = dyn_cast<EqualOp>(op)) {
    // x == 0 flips a 0/1 triangle.
    std::optional<double> zero = getScalarFloat(equal.getRhs());
    std::optional<int64_t> izero = getScalarInt(equal.getRhs());
    if (!(zero == 0.0) && !(izero == 0))
      return std::nullopt;
    std::optional<Triangle> inner =
        matchTriangle(tracer, equal.getLhs(), scores, why, depth + 1);
    if (inner)
      inner->lower = !inner->lower;
    return inner;
  }
  if (auto trilu = dyn_cast<TriluOp>(op)) {
    // Trilu of a tensor of ones.
    Value ones = trilu.getInput();
    bool allOnes = false;
    if (DenseElementsAttr attr = getDenseConstant(ones)) {
      allOnes = attr.isSplat() &&
                (isa<FloatType>(attr.getElementType())
                     ? attr.getSplatValue<APFloat>().convertToDouble() == 1.0
                     : attr.getSplatValue<APInt>().getZExtValue() == 1);
    } else if (auto fill = ones.getDefiningOp<ConstantOfShapeOp>()) {
      if (auto attr = dyn_cast<DenseElementsAttr>(fill.getValue()))
        allOnes = attr.isSplat() &&
                  (isa<FloatType>(attr.getElementType())
                       ? attr.getSplatValue<APFloat>().convertToDouble() == 1.0
                       : attr.getSplatValue<APInt>().getZExtValue() == 1);
    }
    std::optional<int64_t> k = 0;
    if (Value kValue = trilu.getK())
      k = getScalarInt(kValue);
    if (!allOnes || !k || rank < 2 || rank > 4)
      return std::nullopt;
    for (int64_t d = 0; d + 2 < rank; ++d)
      if (!(tracer.dim(value, d) == ProvenSize::ofConstant(1)))
        return std::nullopt;
    if (!tracer.sameDim(value, rank - 2, scores, 2) ||
        !tracer.sameDim(value, rank - 1, scores, 3))
      return std::nullopt;
    // lower keeps j - i <= k; upper keeps j - i >= k, i.e. j > i + k - 1.
    if (trilu.getUpper())
      return Triangle{false, *k - 1};
    return Triangle{true, *k};
  }

  // Comparisons of a column index with a row index.
  if (!isa<LessEqualOp, LessOp, GreaterEqualOp, GreaterOp>(op))
    return std::nullopt;
  std::optional<IndexTensor> a = matchScoreIndex(tracer, op->getOperand(0), scores);
  std::optional<IndexTensor> b = matchScoreIndex(tracer, op->getOperand(1), scores);
  if (!a || !b)
    return std::nullopt;
  // Normalise to `col OP row` with col = j + cj and row = i + ci.
  bool swapped = false;
  if (a->axis == 2 && b->axis == 3) {
    std::swap(a, b);
    swapped = true;
  }
  if (a->axis != 3 || b->axis != 2)
    return std::nullopt;
  int64_t delta = b->offset - a->offset; // j OP i + delta
  // The relation as written, read with the column first.
  enum { LE, LT, GE, GT } relation;
  if (isa<LessEqualOp>(op))
    relation = swapped ? GE : LE;
  else if (isa<LessOp>(op))
    relation = swapped ? GT : LT;
  else if (isa<GreaterEqualOp>(op))
    relation = swapped ? LE : GE;
  else
    relation = swapped ? LT : GT;
  switch (relation) {
  case LE:
    return Triangle{true, delta};
  case LT:
    return Triangle{true, delta - 1};
  case GE:
    return Triangle{false, delta - 1};
  case GT:
    return Triangle{false, delta};
  }
  return std::nullopt;
}

std::optional<int64_t> attention::matchCausalTerm(DimProver &tracer, Value keep,
                                                  bool negated, Value scores,
                                                  std::string &why) {
  std::optional<Triangle> triangle = matchTriangle(tracer, keep, scores, why);
  if (!triangle)
    return std::nullopt;
  if (triangle->lower == negated) {
    why = "the causal mask keeps the upper triangle";
    return std::nullopt;
  }
  return triangle->offset;
}
