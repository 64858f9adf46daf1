//===- AttentionToLinalg.cpp - attention to linalg ------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Two lowerings of attention.
//
// Flash attention (the default): an scf.forall over batch, query head and
// blocks of query rows; for each, an scf.for over blocks of keys carries
// the running row maximum m, the running sum l and the unnormalised output
// O (an online softmax), and the block ends with O / l. The only
// score-sized tensors are one [query block, key block] tile, so memory
// stays linear in the sequence lengths. With is_causal, the key loop of a
// query block stops after the block's last visible key.
//
// The whole-matrix lowering is a sequence of generics over [B, H, Sq, T]:
// q · kᵀ, scale + mask + causal, the row maximum, exp(s - max), the row
// sum, the unnormalised product with v, and the division by the sum. It
// splits the query heads [Hq] into [Hkv, G] with a tensor.expand_shape (no
// copy), so each key/value head is read by its G query heads through a
// plain projected-permutation map. An `h floordiv G` map would do the same
// without the reshape, but tiling the head loop by a size that is not a
// multiple of G would then read the wrong key head, and the vectoriser
// rejects such maps; an explicit broadcast of k and v would copy them G
// times. Flash attention has neither problem: its head is a loop index, and
// the key/value head its quotient, used only in slice offsets.
//
// Rows whose every key is masked give zeros, as ONNX's reference does: the
// maximum falls back to 0 and an all-zero sum to 1.
//
// An ALiBi bias is computed with the scores, slope * position, from the
// [Hq] slopes and the [B, T] key positions: no score-sized bias tensor.
//
//===----------------------------------------------------------------------===//

#include "IndexMath.h"
#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/DimProver.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr;

// Loop dims of the 5-D score space [B, Hkv, G, Sq, T].
static constexpr int64_t kBatch = 0, kKvHead = 1, kGroup = 2, kQuery = 3,
                         kKey = 4;

/// The size of dim `dim`, static from whichever of `values` knows it.
static OpFoldResult sharedDim(OpBuilder &b, Location loc, ValueRange values,
                              int64_t dim) {
  for (Value v : values) {
    int64_t size = cast<RankedTensorType>(v.getType()).getDimSize(dim);
    if (!ShapedType::isDynamic(size))
      return b.getIndexAttr(size);
  }
  return getDimSize(b, loc, values.front(), dim);
}

/// `value` with its float elements extended or truncated to `to`.
static Value convertElements(OpBuilder &b, Location loc, Value value, Type to) {
  auto type = cast<RankedTensorType>(value.getType());
  Type from = type.getElementType();
  if (from == to)
    return value;
  return buildParallelGeneric(
      b, loc, {value}, {b.getMultiDimIdentityMap(type.getRank())},
      createEmptyLike(b, loc, value, to),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
          return arith::ExtFOp::create(nb, l, to, args[0]);
        return arith::TruncFOp::create(nb, l, to, args[0]);
      });
}

/// `past` followed by `next` along the sequence dim (2).
static Value concatSequence(OpBuilder &b, Location loc, Value past,
                            Value next) {
  OpFoldResult pastLength = getDimSize(b, loc, past, 2);
  SmallVector<OpFoldResult> sizes = {
      sharedDim(b, loc, {next, past}, 0), sharedDim(b, loc, {next, past}, 1),
      addSizes(b, loc, pastLength, getDimSize(b, loc, next, 2)),
      sharedDim(b, loc, {next, past}, 3)};
  Type elementType = cast<RankedTensorType>(past.getType()).getElementType();
  Value result = tensor::EmptyOp::create(b, loc, sizes, elementType);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(4, one);
  result = tensor::InsertSliceOp::create(b, loc, past, result,
                                         {zero, zero, zero, zero},
                                         getDimSizes(b, loc, past), strides);
  return tensor::InsertSliceOp::create(b, loc, next, result,
                                       {zero, zero, pastLength, zero},
                                       getDimSizes(b, loc, next), strides);
}

/// The mask's map into the score space, numpy-broadcast against
/// [B, Hq, Sq, T]; a mask with a real head dim is split like the query.
static std::pair<Value, AffineMap> mapMask(OpBuilder &b, Location loc,
                                           Value mask, OpFoldResult kvHeads,
                                           OpFoldResult group) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t offset = 4 - type.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t scoreDim = d + offset;
    if (type.getDimSize(d) == 1) {
      exprs.push_back(getAffineConstantExpr(0, context));
      continue;
    }
    switch (scoreDim) {
    case 0:
      exprs.push_back(getAffineDimExpr(kBatch, context));
      break;
    case 1:
      exprs.push_back(getAffineDimExpr(kKvHead, context));
      exprs.push_back(getAffineDimExpr(kGroup, context));
      break;
    case 2:
      exprs.push_back(getAffineDimExpr(kQuery, context));
      break;
    default:
      exprs.push_back(getAffineDimExpr(kKey, context));
      break;
    }
  }
  int64_t headDim = 1 - offset;
  if (headDim >= 0 && type.getDimSize(headDim) != 1)
    mask = splitDim(b, loc, mask, headDim, {kvHeads, group});
  return {mask, AffineMap::get(5, 0, exprs, context)};
}

/// `kv` with each head repeated `group` times ([B, Hq, T, D]), read with
/// tensor.extract. Only for a head split known at run time, where an
/// expand_shape of one dim into dynamic ones is more than later memref
/// lowering (expand-strided-metadata) handles. Where the head counts failed
/// their check (`failed`, or null), each head reads key/value head
/// min(h / G, Hkv - 1), of a zero stand-in with one head when Hkv is
/// dynamic: never past `kv`.
static Value repeatHeads(OpBuilder &b, Location loc, Value kv,
                         OpFoldResult heads, OpFoldResult group, Value failed) {
  SmallVector<OpFoldResult> sizes = getDimSizes(b, loc, kv);
  if (failed && ShapedType::isDynamic(
                    cast<RankedTensorType>(kv.getType()).getDimSize(1))) {
    SmallVector<OpFoldResult> oneHead = sizes;
    oneHead[1] = b.getIndexAttr(1);
    kv = zerosIfFailed(b, loc, failed, kv, oneHead);
  }
  Value lastHead;
  if (failed)
    lastHead = arith::SubIOp::create(
        b, loc,
        getValueOrCreateConstantIndexOp(b, loc, getDimSize(b, loc, kv, 1)),
        arith::ConstantIndexOp::create(b, loc, 1));
  sizes[1] = heads;
  Type elementType = cast<RankedTensorType>(kv.getType()).getElementType();
  Value groupValue = getValueOrCreateConstantIndexOp(b, loc, group);
  return buildParallelGeneric(
      b, loc, {}, {}, tensor::EmptyOp::create(b, loc, sizes, elementType),
      [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < 4; ++d)
          indices.push_back(linalg::IndexOp::create(nb, l, d));
        indices[1] = arith::DivUIOp::create(nb, l, indices[1], groupValue);
        if (lastHead)
          indices[1] = arith::MinUIOp::create(nb, l, indices[1], lastHead);
        return tensor::ExtractOp::create(nb, l, kv, indices);
      });
}

/// The query heads per key/value head, Hq / Hkv. Unless both counts are
/// static (the verifier proves the division exact), it is checked at run
/// time, `failed` tells whether the check failed (null when static), and
/// the group is at least 1, so that no head index divides by 0.
static OpFoldResult groupHeads(OpBuilder &b, Location loc, OpFoldResult qHeads,
                               OpFoldResult kvHeads, StringRef what,
                               Value &failed) {
  failed = nullptr;
  if (getConstantIntValue(qHeads) && getConstantIntValue(kvHeads))
    return divSizes(b, loc, qHeads, kvHeads);
  IndexMath m{b, loc};
  Value hq = m.value(qHeads), hkv = m.value(kvHeads);
  Value zero = m.constant(0), one = m.constant(1);
  Value divisor = m.max(hkv, one);
  Value remainder = arith::RemUIOp::create(b, loc, hq, divisor);
  failed = m.either(m.equal(hkv, zero), m.notEqual(remainder, zero));
  emitRuntimeCheck(b, loc, failed,
                   (what + ": the query heads ({0}) are not a multiple of "
                           "the key/value heads ({1})")
                       .str(),
                   {hq, hkv});
  return OpFoldResult(m.max(arith::DivUIOp::create(b, loc, hq, divisor), one));
}

//===----------------------------------------------------------------------===//
// Run-time checks of the dims the operands share
//===----------------------------------------------------------------------===//

namespace {

/// One operand of the op, with the sizes it is read with: its own dims
/// where nothing else gives them, the shared size of the dims it shares.
struct CheckedOperand {
  Value value;
  StringRef name;
  SmallVector<OpFoldResult> sizes;
  /// Whether a dim is not statically its shared size: the operand is then
  /// read from a stand-in of zeros when a check fails.
  bool replace = false;
};

} // namespace

/// Checks that dim `dim` of each of `operands` (null ones left out) has
/// the same size as that of the first, named `dimName` in the message,
/// unless `prover` proves it from the graph, and records the shared size,
/// static where one operand knows it, in each operand's `sizes`. Returns
/// whether a check failed (a constant false when none can).
static Value checkSharedDim(OpBuilder &b, Location loc, StringRef what,
                            DimProver &prover,
                            ArrayRef<CheckedOperand *> operands, int64_t dim,
                            StringRef dimName) {
  SmallVector<CheckedOperand *> present;
  for (CheckedOperand *operand : operands)
    if (operand->value)
      present.push_back(operand);
  IndexMath m{b, loc};
  Value failed = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
  // The shared size is the first static one, else the first operand's.
  CheckedOperand &first = *present.front();
  CheckedOperand *source = &first;
  for (CheckedOperand *operand : present)
    if (!cast<RankedTensorType>(operand->value.getType()).isDynamicDim(dim)) {
      source = operand;
      break;
    }
  for (CheckedOperand *operand : present) {
    if (operand != source &&
        !prover.sameDim(operand->value, dim, source->value, dim))
      operand->replace = true;
    if (operand == &first ||
        prover.sameDim(operand->value, dim, first.value, dim))
      continue;
    Value own = m.value(operand->sizes[dim]);
    Value expected = m.value(first.sizes[dim]);
    Value differs = m.notEqual(own, expected);
    emitRuntimeCheck(b, loc, differs,
                     (what + ": the " + dimName + " of the " + operand->name +
                      " ({0}) differs from the " + first.name + "'s ({1})")
                         .str(),
                     {own, expected});
    failed = m.either(failed, differs);
  }
  OpFoldResult shared = source->sizes[dim];
  for (CheckedOperand *operand : present)
    operand->sizes[dim] = shared;
  return failed;
}

namespace {

/// What both lowerings start from: the keys and values attended to (the
/// past ones first), the past's length and the scale.
struct AttentionInputs {
  Value query, keys, values, mask;
  /// The ALiBi slopes [Hq] and key positions [B or 1, T], or none.
  Value slopes, positions;
  OpFoldResult pastLength;
  Value scale;
  /// The softcap as a scalar of the element type, or none.
  Value softcap;
  bool causal;
  /// How far before and after its own position a query sees, or none.
  std::optional<int64_t> leftWindow, rightWindow;
  /// The op's ONNX node, for run-time errors.
  std::string what;
};

} // namespace

/// Checks at run time that the dims the operands share agree, as the
/// runtime checks only dims that share a name: batch, key/value heads,
/// sequence lengths and head sizes of the query, keys, values and their
/// past, and the dims of the mask and the ALiBi operands that are not a
/// static 1 with the scores'. When a check can fail, every operand not
/// statically of the sizes it is read with is read from zeros of those
/// sizes if it fails, so that neither lowering reads outside an operand.
static void checkSharedDims(OpBuilder &b, Location loc, AttentionInputs &in,
                            Value &pastKey, Value &pastValue) {
  // The op's operands are still xfmr values here (the greedy driver lowers
  // consumers first): what the graph proves needs no check. Where it cannot
  // follow them, every dim is checked.
  DimProver prover;
  auto operand = [&](Value value, StringRef name) {
    CheckedOperand result{value, name, {}, false};
    if (value)
      result.sizes = getDimSizes(b, loc, value);
    return result;
  };
  CheckedOperand q = operand(in.query, "query"), k = operand(in.keys, "key"),
                 v = operand(in.values, "value"),
                 pk = operand(pastKey, "past key"),
                 pv = operand(pastValue, "past value");
  IndexMath m{b, loc};
  StringRef what = in.what;
  Value failed = checkSharedDim(b, loc, what, prover, {&q, &k, &v, &pk, &pv}, 0,
                                "batch size");
  failed =
      m.either(failed, checkSharedDim(b, loc, what, prover, {&k, &v, &pk, &pv},
                                      1, "number of heads"));
  failed = m.either(failed, checkSharedDim(b, loc, what, prover, {&k, &v}, 2,
                                           "sequence length"));
  failed = m.either(failed, checkSharedDim(b, loc, what, prover, {&pk, &pv}, 2,
                                           "sequence length"));
  failed = m.either(failed, checkSharedDim(b, loc, what, prover, {&q, &k, &pk},
                                           3, "head size"));
  failed = m.either(
      failed, checkSharedDim(b, loc, what, prover, {&v, &pv}, 3, "head size"));

  // The scores are [B, Hq, Sq, P + Skv].
  SmallVector<OpFoldResult> scoreSizes = {q.sizes[0], q.sizes[1], q.sizes[2],
                                          k.sizes[2]};
  if (pastKey)
    scoreSizes[3] = addSizes(b, loc, pk.sizes[2], k.sizes[2]);
  // A score dim as a dim of an operand, for the prover: none for the
  // past's length plus the new one.
  auto scoreSource = [&](int64_t scoreDim) -> std::pair<Value, int64_t> {
    if (scoreDim < 3)
      return {q.value, scoreDim};
    if (pastKey)
      return {Value(), 0};
    return {k.value, 2};
  };
  // Each dim of `o` that is not a static 1 against score dim `scoreDim(d)`.
  auto checkAgainstScores = [&](CheckedOperand &o,
                                function_ref<int64_t(int64_t)> scoreDim) {
    auto type = cast<RankedTensorType>(o.value.getType());
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.getDimSize(d) == 1)
        continue;
      OpFoldResult expected = scoreSizes[scoreDim(d)];
      auto [source, sourceDim] = scoreSource(scoreDim(d));
      std::optional<int64_t> constant = getConstantIntValue(expected);
      bool proven = (constant && type.getDimSize(d) == *constant) ||
                    (source && prover.sameDim(o.value, d, source, sourceDim));
      if (!proven)
        o.replace = true;
      Value own = m.value(o.sizes[d]), want = m.value(expected);
      Value differs = m.notEqual(own, want);
      if (!proven && !matchPattern(differs, m_Zero())) {
        emitRuntimeCheck(b, loc, differs,
                         (what + ": dim {0} of the " + o.name +
                          " is {1}, but {2} in the scores")
                             .str(),
                         {m.constant(d), own, want});
        failed = m.either(failed, differs);
      }
      o.sizes[d] = expected;
    }
  };
  CheckedOperand mask = operand(in.mask, "mask"),
                 slopes = operand(in.slopes, "ALiBi slopes"),
                 positions = operand(in.positions, "ALiBi positions");
  if (in.mask) {
    int64_t offset = 4 - cast<RankedTensorType>(in.mask.getType()).getRank();
    checkAgainstScores(mask, [&](int64_t d) { return d + offset; });
  }
  if (in.slopes) {
    checkAgainstScores(slopes, [](int64_t) -> int64_t { return 1; });
    checkAgainstScores(positions, [](int64_t d) { return d == 0 ? 0 : 3; });
  }

  if (matchPattern(failed, m_Zero()))
    return;
  auto standIn = [&](CheckedOperand &o) {
    return o.value && o.replace
               ? zerosIfFailed(b, loc, failed, o.value, o.sizes)
               : o.value;
  };
  in.query = standIn(q);
  in.keys = standIn(k);
  in.values = standIn(v);
  pastKey = standIn(pk);
  pastValue = standIn(pv);
  in.mask = standIn(mask);
  in.slopes = standIn(slopes);
  in.positions = standIn(positions);
}

/// `scale * s`, capped, biased and masked: through `softcap *
/// tanh(s / softcap)`, plus the ALiBi bias `slope * position`, plus an
/// additive mask element, or -inf where a keep-mask element is false. The
/// elements that are absent are null.
static Value scaleAndMask(OpBuilder &b, Location loc, Value s, Value scale,
                          Value softcap, Value slope, Value position,
                          Value maskElement) {
  s = arith::MulFOp::create(b, loc, s, scale);
  if (softcap)
    s = arith::MulFOp::create(
        b, loc, softcap,
        math::TanhOp::create(b, loc,
                             arith::DivFOp::create(b, loc, s, softcap)));
  if (slope)
    s = arith::AddFOp::create(b, loc, s,
                              arith::MulFOp::create(b, loc, slope, position));
  if (!maskElement)
    return s;
  if (maskElement.getType().isInteger(1))
    return arith::SelectOp::create(
        b, loc, maskElement, s,
        identityValue(b, loc, s.getType(), Combiner::Max));
  return arith::AddFOp::create(b, loc, s, maskElement);
}

/// `s`, or -inf where key `j` is outside what the query at key position
/// `position` sees: after it with is_causal, or outside its window.
static Value hideOutsideFrontier(OpBuilder &b, Location loc, Value s, Value j,
                                 Value position, const AttentionInputs &in) {
  Value hidden;
  auto hide = [&](Value condition) {
    hidden =
        hidden ? arith::OrIOp::create(b, loc, hidden, condition) : condition;
  };
  auto sgt = [&](Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, x, y);
  };
  if (in.causal)
    hide(sgt(j, position));
  if (in.rightWindow)
    hide(sgt(arith::SubIOp::create(b, loc, j, position),
             arith::ConstantIndexOp::create(b, loc, *in.rightWindow)));
  if (in.leftWindow)
    hide(sgt(arith::SubIOp::create(b, loc, position, j),
             arith::ConstantIndexOp::create(b, loc, *in.leftWindow)));
  if (!hidden)
    return s;
  return arith::SelectOp::create(
      b, loc, hidden, identityValue(b, loc, s.getType(), Combiner::Max), s);
}

/// The shift of a row's exponentials: its maximum, or 0 for a row with
/// every key masked (maximum -inf), whose exponentials are then all 0.
static Value softmaxShift(OpBuilder &b, Location loc, Value max) {
  Type type = max.getType();
  Value negInf = identityValue(b, loc, type, Combiner::Max);
  Value allMasked =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, max, negInf);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  return arith::SelectOp::create(b, loc, allMasked, zero, max);
}

/// `acc / sum`, with an all-zero sum (every key masked) read as 1.
static Value normalize(OpBuilder &b, Location loc, Value acc, Value sum) {
  Type type = sum.getType();
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(type, 1.0));
  Value empty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, sum, zero);
  return arith::DivFOp::create(
      b, loc, acc, arith::SelectOp::create(b, loc, empty, one, sum));
}

//===----------------------------------------------------------------------===//
// The whole score matrix
//===----------------------------------------------------------------------===//

static Value buildWholeAttention(OpBuilder &b, Location loc,
                                 const AttentionInputs &in) {
  MLIRContext *context = b.getContext();
  Value query = in.query, keys = in.keys, values = in.values;
  Type elementType = cast<RankedTensorType>(query.getType()).getElementType();
  OpFoldResult batch = sharedDim(b, loc, {query, keys, values}, 0);
  OpFoldResult qHeads = getDimSize(b, loc, query, 1);
  OpFoldResult kvHeads = sharedDim(b, loc, {keys, values}, 1);
  OpFoldResult qLength = getDimSize(b, loc, query, 2);
  OpFoldResult kvLength = sharedDim(b, loc, {keys, values}, 2);
  OpFoldResult valueDim = getDimSize(b, loc, values, 3);
  Value headsFailed;
  OpFoldResult group =
      groupHeads(b, loc, qHeads, kvHeads, in.what, headsFailed);
  if (!getConstantIntValue(group)) {
    keys = repeatHeads(b, loc, keys, qHeads, group, headsFailed);
    values = repeatHeads(b, loc, values, qHeads, group, headsFailed);
    kvHeads = qHeads;
    group = b.getIndexAttr(1);
  }
  Value query5 = splitDim(b, loc, query, 1, {kvHeads, group});

  auto map = [&](ArrayRef<int64_t> dims, int64_t numDims) {
    return dimsMap(context, numDims, dims);
  };
  SmallVector<int64_t> rowDims = {kBatch, kKvHead, kGroup, kQuery};
  SmallVector<int64_t> scoreDims = {kBatch, kKvHead, kGroup, kQuery, kKey};
  SmallVector<OpFoldResult> rowSizes = {batch, kvHeads, group, qLength};
  SmallVector<OpFoldResult> scoreSizes = rowSizes;
  scoreSizes.push_back(kvLength);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));

  // q · kᵀ over loops [b, hkv, g, i, j, d].
  SmallVector<utils::IteratorType> iterators = parallelIterators(6);
  iterators.back() = utils::IteratorType::reduction;
  Value scores = buildContraction(
      b, loc, query5, keys, createFilled(b, loc, scoreSizes, zero),
      {map({kBatch, kKvHead, kGroup, kQuery, 5}, 6),
       map({kBatch, kKvHead, kKey, 5}, 6), map(scoreDims, 6)},
      iterators);

  // Scale, mask and causal frontier.
  SmallVector<Value> inputs = {scores};
  SmallVector<AffineMap> maps = {map(scoreDims, 5)};
  if (in.mask) {
    auto [mapped, maskMap] = mapMask(b, loc, in.mask, kvHeads, group);
    inputs.push_back(mapped);
    maps.push_back(maskMap);
  }
  bool hasMask = inputs.size() > 1;
  if (in.slopes) {
    inputs.push_back(splitDim(b, loc, in.slopes, 0, {kvHeads, group}));
    maps.push_back(map({kKvHead, kGroup}, 5));
    auto positionsType = cast<RankedTensorType>(in.positions.getType());
    AffineExpr zeroExpr = getAffineConstantExpr(0, context);
    inputs.push_back(in.positions);
    maps.push_back(AffineMap::get(
        5, 0,
        {positionsType.getDimSize(0) == 1 ? zeroExpr
                                          : getAffineDimExpr(kBatch, context),
         positionsType.getDimSize(1) == 1 ? zeroExpr
                                          : getAffineDimExpr(kKey, context)},
        context));
  }
  Value past = getValueOrCreateConstantIndexOp(b, loc, in.pastLength);
  Value masked = buildParallelGeneric(
      b, loc, inputs, maps,
      tensor::EmptyOp::create(b, loc, scoreSizes, elementType),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        unsigned biasArg = hasMask ? 2 : 1;
        Value s = scaleAndMask(nb, l, args[0], in.scale, in.softcap,
                               in.slopes ? args[biasArg] : Value(),
                               in.slopes ? args[biasArg + 1] : Value(),
                               hasMask ? args[1] : Value());
        if (!in.causal && !in.leftWindow && !in.rightWindow)
          return s;
        // Query i's own key position is i + past length.
        Value i = linalg::IndexOp::create(nb, l, kQuery);
        Value j = linalg::IndexOp::create(nb, l, kKey);
        return hideOutsideFrontier(nb, l, s, j,
                                   arith::AddIOp::create(nb, l, i, past), in);
      });

  // Softmax numerator with the row maximum subtracted.
  SmallVector<bool> keyReduced = {false, false, false, false, true};
  Value max =
      reduce(b, loc, masked, {}, keyReduced, Combiner::Max,
             [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  Value exps = buildParallelGeneric(
      b, loc, {masked, max}, {map(scoreDims, 5), map(rowDims, 5)},
      tensor::EmptyOp::create(b, loc, scoreSizes, elementType),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return math::ExpOp::create(
            nb, l,
            arith::SubFOp::create(nb, l, args[0],
                                  softmaxShift(nb, l, args[1])));
      });
  Value sums =
      reduce(b, loc, exps, {}, keyReduced, Combiner::Sum,
             [](OpBuilder &, Location, ValueRange args) { return args[0]; });

  // exp · v over loops [b, hkv, g, i, e, j], then divide by the row sum.
  SmallVector<OpFoldResult> outSizes = rowSizes;
  outSizes.push_back(valueDim);
  Value weighted = buildContraction(
      b, loc, exps, values, createFilled(b, loc, outSizes, zero),
      {map({kBatch, kKvHead, kGroup, kQuery, 5}, 6),
       map({kBatch, kKvHead, 5, 4}, 6), map({0, 1, 2, 3, 4}, 6)},
      iterators);
  Value output = buildParallelGeneric(
      b, loc, {weighted, sums}, {map({0, 1, 2, 3, 4}, 5), map(rowDims, 5)},
      tensor::EmptyOp::create(b, loc, outSizes, elementType),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return normalize(nb, l, args[0], args[1]);
      });
  return mergeDims(b, loc, output, 1, 2);
}

//===----------------------------------------------------------------------===//
// Flash attention
//===----------------------------------------------------------------------===//

/// The mask's tile for the query rows [i0, i0 + qs) and keys [j0, j0 + ks)
/// of batch `batch` and query head `head`, with the map from the tile's
/// loops (i, j) to it. Dims the mask broadcasts (static 1) are dropped.
static std::pair<Value, AffineMap> maskTile(OpBuilder &b, Location loc,
                                            Value mask, Value batch, Value head,
                                            Value i0, OpFoldResult qs, Value j0,
                                            OpFoldResult ks) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t rank = type.getRank();
  if (rank == 0)
    return {mask, AffineMap::get(2, 0, {}, context)};
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets, sizes;
  SmallVector<int64_t> kept;
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t scoreDim = d + 4 - rank;
    if (type.getDimSize(d) == 1) {
      offsets.push_back(zero);
      sizes.push_back(one);
      continue;
    }
    switch (scoreDim) {
    case 0:
      offsets.push_back(batch);
      sizes.push_back(one);
      break;
    case 1:
      offsets.push_back(head);
      sizes.push_back(one);
      break;
    case 2:
      offsets.push_back(i0);
      sizes.push_back(qs);
      kept.push_back(d);
      exprs.push_back(getAffineDimExpr(0, context));
      break;
    default:
      offsets.push_back(j0);
      sizes.push_back(ks);
      kept.push_back(d);
      exprs.push_back(getAffineDimExpr(1, context));
      break;
    }
  }
  return {extractTile(b, loc, mask, offsets, sizes, kept),
          AffineMap::get(2, 0, exprs, context)};
}

/// The ALiBi positions of keys [j0, j0 + ks) in batch `batch`, with the map
/// from the tile's loops (i, j) to them.
static std::pair<Value, AffineMap> positionTile(OpBuilder &b, Location loc,
                                                Value positions, Value batch,
                                                Value j0, OpFoldResult ks) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(positions.getType());
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  OpFoldResult row = type.getDimSize(0) == 1 ? zero : OpFoldResult(batch);
  if (type.getDimSize(1) == 1)
    return {extractTile(b, loc, positions, {row, zero}, {one, one}, {}),
            AffineMap::get(2, 0, {}, context)};
  return {extractTile(b, loc, positions, {row, j0}, {one, ks}, {1}),
          dimsMap(context, 2, {1})};
}

namespace {

/// The loop-invariant values of the flash-attention loop nest.
struct FlashAttention {
  FlashAttention(const AttentionInputs &in, const XfmrToLinalgTiling &tiling)
      : in(in), tiling(tiling) {}

  const AttentionInputs &in;
  const XfmrToLinalgTiling &tiling;
  Type elementType;
  OpFoldResult qLength, kvLength, headDim, valueDim, group;
  /// Whether the head counts failed their run-time check (null when
  /// static): a failed run reads no key, and its rows are zeros.
  Value headsFailed;
  /// Keys transposed to [B, Hkv, D, T].
  Value keysT;

  Value build(OpBuilder &b, Location loc);
  /// What a target's attention kernel needs to replace the loop nest: the
  /// causal flag, the offset of the causal frontier and the scale, or why
  /// it cannot (`unsupported`).
  DictionaryAttr describeForKernel(OpBuilder &b) const;
  /// The output rows [i0, i0 + qs) of one query head, written into `out`.
  Value buildQueryBlock(OpBuilder &b, Location loc, Value batch, Value head,
                        Value i0, OpFoldResult qs, Value out);
  /// One step of the online softmax: (m, l, O) after the keys [j0, j0 + ks).
  SmallVector<Value> buildKeyBlock(OpBuilder &b, Location loc, Value batch,
                                   Value head, Value kvHead, Value i0,
                                   OpFoldResult qs, Value qTile, Value j0,
                                   OpFoldResult ks, ValueRange state);
};

} // namespace

Value FlashAttention::build(OpBuilder &b, Location loc) {
  MLIRContext *context = b.getContext();
  Value query = in.query, keys = in.keys, values = in.values;
  elementType = cast<RankedTensorType>(query.getType()).getElementType();
  OpFoldResult batch = sharedDim(b, loc, {query, keys, values}, 0);
  OpFoldResult qHeads = getDimSize(b, loc, query, 1);
  OpFoldResult kvHeads = sharedDim(b, loc, {keys, values}, 1);
  qLength = getDimSize(b, loc, query, 2);
  kvLength = sharedDim(b, loc, {keys, values}, 2);
  headDim = sharedDim(b, loc, {query, keys}, 3);
  valueDim = getDimSize(b, loc, values, 3);
  group = groupHeads(b, loc, qHeads, kvHeads, in.what, headsFailed);

  // Each step reads a [D, key block] tile of kᵀ, whose rows are contiguous
  // runs of keys: the lanes of q · kᵀ then run along the keys, as in a
  // matmul, instead of reducing across lanes for every score. Transposed
  // once here, not once per query block (a compact copy per step measured
  // slower); even for a single query row, copy and matmul beat the
  // reduction across lanes.
  SmallVector<OpFoldResult> tSizes = {batch, kvHeads, headDim, kvLength};
  keysT = buildParallelGeneric(
      b, loc, {keys}, {dimsMap(context, 4, {0, 1, 3, 2})},
      tensor::EmptyOp::create(b, loc, tSizes, elementType),
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });

  int64_t qBlock = clampTileSize(tiling.attentionQBlock, qLength);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> outSizes = {batch, qHeads, qLength, valueDim};
  Value init = tensor::EmptyOp::create(b, loc, outSizes, elementType);
  auto forall = scf::ForallOp::create(
      b, loc, {zero, zero, zero}, {batch, qHeads, qLength},
      {one, one, b.getIndexAttr(qBlock)}, ValueRange{init}, std::nullopt);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    SmallVector<Value> ivs = forall.getInductionVars();
    OpFoldResult qs = tileSize(b, loc, qBlock, ivs[2], qLength);
    // The rows are computed in their place in the result.
    Value out = extractTile(b, loc, forall.getRegionIterArgs()[0],
                            {ivs[0], ivs[1], ivs[2], zero},
                            {one, one, qs, valueDim}, {2, 3});
    Value rows = buildQueryBlock(b, loc, ivs[0], ivs[1], ivs[2], qs, out);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(
        b, loc, rows, forall.getRegionIterArgs()[0],
        {ivs[0], ivs[1], ivs[2], zero}, {one, one, qs, valueDim},
        {one, one, one, one});
  }
  forall->setAttr(kFlashAttentionAttrName, describeForKernel(b));
  return forall.getResult(0);
}

DictionaryAttr FlashAttention::describeForKernel(OpBuilder &b) const {
  SmallVector<NamedAttribute> entries;
  auto unsupported = [&](StringRef reason) {
    return b.getDictionaryAttr(
        b.getNamedAttr("unsupported", b.getStringAttr(reason)));
  };
  if (in.mask && cast<ShapedType>(in.mask.getType()).getRank() < 2)
    return unsupported("a mask of rank below 2");
  if (in.slopes)
    return unsupported("an ALiBi bias");
  if (in.softcap)
    return unsupported("a softcap");
  if (in.leftWindow || in.rightWindow)
    return unsupported("a sliding window");
  std::optional<int64_t> past = getConstantIntValue(in.pastLength);
  if (!past)
    return unsupported("a past length known only at run time");
  FloatAttr scale;
  if (!matchPattern(in.scale, m_Constant(&scale)))
    return unsupported("a head size known only at run time");
  entries.push_back(b.getNamedAttr("causal", b.getBoolAttr(in.causal)));
  entries.push_back(b.getNamedAttr("mask", b.getBoolAttr(in.mask != nullptr)));
  entries.push_back(
      b.getNamedAttr("causal_offset", b.getI64IntegerAttr(*past)));
  entries.push_back(b.getNamedAttr(
      "scale", b.getF64FloatAttr(scale.getValue().convertToDouble())));
  return b.getDictionaryAttr(entries);
}

Value FlashAttention::buildQueryBlock(OpBuilder &b, Location loc, Value batch,
                                      Value head, Value i0, OpFoldResult qs,
                                      Value out) {
  MLIRContext *context = b.getContext();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  Value kvHead = head;
  if (std::optional<int64_t> g = getConstantIntValue(group)) {
    if (*g != 1)
      kvHead = affine::makeComposedAffineApply(
          b, loc, getAffineDimExpr(0, context).floorDiv(*g), {head});
  } else {
    kvHead = arith::DivUIOp::create(
        b, loc, head, getValueOrCreateConstantIndexOp(b, loc, group));
  }
  Value qTile = extractTile(b, loc, in.query, {batch, head, i0, zero},
                            {one, one, qs, headDim}, {2, 3});

  // With is_causal, the last key any row of the block sees is
  // i0 + qs - 1 + P: the loop ends there.
  Value kvEnd;
  if (in.causal) {
    AffineExpr i = getAffineDimExpr(0, context),
               rows = getAffineDimExpr(1, context),
               t = getAffineSymbolExpr(0, context),
               p = getAffineSymbolExpr(1, context);
    kvEnd = getValueOrCreateConstantIndexOp(
        b, loc,
        affine::makeComposedFoldedAffineMin(
            b, loc, AffineMap::get(2, 2, {t, i + rows + p}, context),
            {i0, qs, kvLength, in.pastLength}));
  } else {
    kvEnd = getValueOrCreateConstantIndexOp(b, loc, kvLength);
  }
  if (headsFailed)
    kvEnd = arith::SelectOp::create(
        b, loc, headsFailed, arith::ConstantIndexOp::create(b, loc, 0), kvEnd);
  int64_t kvBlock = clampTileSize(tiling.attentionKvBlock, kvLength);

  Value negInf = identityValue(b, loc, elementType, Combiner::Max);
  Value zeroElement =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
  SmallVector<Value> state = {
      createFilled(b, loc, {qs}, negInf),
      createFilled(b, loc, {qs}, zeroElement),
      createFilled(b, loc, {qs, valueDim}, zeroElement)};
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0), kvEnd,
      arith::ConstantIndexOp::create(b, loc, kvBlock), state,
      [&](OpBuilder &nb, Location l, Value j0, ValueRange args) {
        OpFoldResult ks = tileSize(nb, l, kvBlock, j0,
                                   in.causal ? OpFoldResult(kvEnd) : kvLength);
        scf::YieldOp::create(nb, l,
                             buildKeyBlock(nb, l, batch, head, kvHead, i0, qs,
                                           qTile, j0, ks, args));
      });
  Value sums = loop.getResult(1), acc = loop.getResult(2);
  return buildParallelGeneric(
      b, loc, {acc, sums},
      {b.getMultiDimIdentityMap(2), dimsMap(context, 2, {0})}, out,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return normalize(nb, l, args[0], args[1]);
      });
}

SmallVector<Value> FlashAttention::buildKeyBlock(
    OpBuilder &b, Location loc, Value batch, Value head, Value kvHead, Value i0,
    OpFoldResult qs, Value qTile, Value j0, OpFoldResult ks, ValueRange state) {
  MLIRContext *context = b.getContext();
  Value max = state[0], sum = state[1], acc = state[2];
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  Value kTile = extractTile(b, loc, keysT, {batch, kvHead, zero, j0},
                            {one, one, headDim, ks}, {2, 3});
  Value vTile = extractTile(b, loc, in.values, {batch, kvHead, j0, zero},
                            {one, one, ks, valueDim}, {2, 3});
  auto map = [&](int64_t numDims, ArrayRef<int64_t> dims) {
    return dimsMap(context, numDims, dims);
  };
  AffineMap tileMap = map(2, {0, 1}), rowMap = map(2, {0}),
            vecMap = map(1, {0});
  auto reduction = [](int64_t numDims) {
    SmallVector<utils::IteratorType> iterators = parallelIterators(numDims);
    iterators.back() = utils::IteratorType::reduction;
    return iterators;
  };
  Value zeroElement =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));

  // s = q · kᵀ over loops (i, j, d).
  Value scores = buildContraction(
      b, loc, qTile, kTile, createFilled(b, loc, {qs, ks}, zeroElement),
      {map(3, {0, 2}), map(3, {2, 1}), map(3, {0, 1})}, reduction(3));

  // Scale, mask and causal frontier or window: query i0 + i, at key
  // position i0 + i + P, sees key j0 + j when (with is_causal)
  // j <= i + (i0 + P - j0).
  SmallVector<Value> inputs = {scores};
  SmallVector<AffineMap> maps = {tileMap};
  if (in.mask) {
    auto [tile, tileMaskMap] =
        maskTile(b, loc, in.mask, batch, head, i0, qs, j0, ks);
    inputs.push_back(tile);
    maps.push_back(tileMaskMap);
  }
  bool hasMask = inputs.size() > 1;
  Value slope;
  if (in.slopes) {
    auto [tile, positionMap] =
        positionTile(b, loc, in.positions, batch, j0, ks);
    inputs.push_back(tile);
    maps.push_back(positionMap);
    slope = tensor::ExtractOp::create(b, loc, in.slopes, ValueRange{head});
  }
  Value diagonal;
  if (in.causal || in.leftWindow || in.rightWindow)
    diagonal = getValueOrCreateConstantIndexOp(
        b, loc,
        affine::makeComposedFoldedAffineApply(
            b, loc,
            getAffineDimExpr(0, context) + getAffineSymbolExpr(0, context) -
                getAffineDimExpr(1, context),
            {i0, j0, in.pastLength}));
  Value negInf = identityValue(b, loc, elementType, Combiner::Max);
  Value masked = buildParallelGeneric(
      b, loc, inputs, maps,
      tensor::EmptyOp::create(b, loc, {qs, ks}, elementType),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value s = scaleAndMask(nb, l, args[0], in.scale, in.softcap, slope,
                               slope ? args[hasMask ? 2 : 1] : Value(),
                               hasMask ? args[1] : Value());
        if (!diagonal)
          return s;
        // In the tile's coordinates, row i's own key position is
        // i + diagonal.
        Value i = linalg::IndexOp::create(nb, l, 0);
        Value j = linalg::IndexOp::create(nb, l, 1);
        return hideOutsideFrontier(
            nb, l, s, j, arith::AddIOp::create(nb, l, i, diagonal), in);
      });

  // m' = max(m, rowmax(s)), and the factor exp(m - m') of what came
  // before. m' overwrites m after its last read, so that the loop carries
  // it in place.
  Value rowMax = buildGeneric(
      b, loc, {masked}, createFilled(b, loc, {qs}, negInf), {tileMap, rowMap},
      reduction(2), [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::MaximumFOp::create(nb, l, args[1], args[0]);
      });
  Value factor = buildParallelGeneric(
      b, loc, {max, rowMax}, {vecMap, vecMap},
      tensor::EmptyOp::create(b, loc, {qs}, elementType),
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value newMax = arith::MaximumFOp::create(nb, l, args[0], args[1]);
        return math::ExpOp::create(
            nb, l,
            arith::SubFOp::create(nb, l, args[0], softmaxShift(nb, l, newMax)));
      });
  Value newMax = buildGeneric(
      b, loc, {rowMax}, max, {vecMap, vecMap}, parallelIterators(1),
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::MaximumFOp::create(nb, l, args[1], args[0]);
      });
  // p = exp(s - m').
  Value probs = buildParallelGeneric(
      b, loc, {masked, newMax}, {tileMap, rowMap},
      tensor::EmptyOp::create(b, loc, {qs, ks}, elementType),
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return math::ExpOp::create(
            nb, l,
            arith::SubFOp::create(nb, l, args[0],
                                  softmaxShift(nb, l, args[1])));
      });
  auto rescale = [](OpBuilder &nb, Location l, ValueRange args) -> Value {
    return arith::MulFOp::create(nb, l, args[1], args[0]);
  };
  // l' = l · exp(m - m') + rowsum(p).
  Value newSum = buildGeneric(b, loc, {factor}, sum, {vecMap, vecMap},
                              parallelIterators(1), rescale);
  newSum =
      buildGeneric(b, loc, {probs}, newSum, {tileMap, rowMap}, reduction(2),
                   [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                     return arith::AddFOp::create(nb, l, args[1], args[0]);
                   });
  // O' = O · exp(m - m') + p · v, over loops (i, e, j).
  Value newAcc = buildGeneric(b, loc, {factor}, acc, {rowMap, tileMap},
                              parallelIterators(2), rescale);
  newAcc = buildContraction(b, loc, probs, vTile, newAcc,
                            {map(3, {0, 2}), map(3, {2, 1}), map(3, {0, 1})},
                            reduction(3));
  return {newMax, newSum, newAcc};
}

//===----------------------------------------------------------------------===//
// The pattern
//===----------------------------------------------------------------------===//

namespace {

struct AttentionToLinalg : OpRewritePattern<AttentionOp> {
  AttentionToLinalg(MLIRContext *context, const XfmrToLinalgTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (op.getPresent().size() != (op.getPastKey() ? 2u : 0u))
      return rewriter.notifyMatchFailure(op, "present results without a past");
    AttentionInputs in;
    in.query = op.getQuery();
    in.keys = op.getKey();
    in.values = op.getValue();
    in.mask = op.getMask();
    in.slopes = op.getAlibiSlopes();
    in.positions = op.getAlibiPositions();
    in.causal = op.getIsCausal();
    in.leftWindow = op.getLeftWindow();
    in.rightWindow = op.getRightWindow();
    in.what = describeONNXNode(op, "Attention");
    in.pastLength = rewriter.getIndexAttr(0);
    Value pastKey = op.getPastKey(), pastValue = op.getPastValue();
    checkSharedDims(rewriter, loc, in, pastKey, pastValue);
    if (pastKey) {
      in.pastLength = getDimSize(rewriter, loc, pastKey, 2);
      in.keys = concatSequence(rewriter, loc, pastKey, in.keys);
      in.values = concatSequence(rewriter, loc, pastValue, in.values);
    }

    // f16 and bf16 attention computes in f32, as ONNX's reference does:
    // scores, softmax and the product with the values summed in f16 lose
    // more than the result's precision over a few hundred keys.
    Value presentKeys = in.keys, presentValues = in.values;
    Type storageType =
        cast<RankedTensorType>(in.query.getType()).getElementType();
    Type elementType = storageType;
    if (storageType.getIntOrFloatBitWidth() < 32) {
      elementType = rewriter.getF32Type();
      for (Value *operand : {&in.query, &in.keys, &in.values, &in.mask,
                             &in.slopes, &in.positions})
        if (*operand &&
            isa<FloatType>(getElementTypeOrSelf(operand->getType())))
          *operand = convertElements(rewriter, loc, *operand, elementType);
    }
    OpFoldResult headDim = sharedDim(rewriter, loc, {in.query, in.keys}, 3);
    if (std::optional<APFloat> attr = op.getScale()) {
      in.scale = arith::ConstantOp::create(
          rewriter, loc,
          rewriter.getFloatAttr(elementType, attr->convertToDouble()));
    } else if (std::optional<int64_t> d = getConstantIntValue(headDim)) {
      in.scale = arith::ConstantOp::create(
          rewriter, loc,
          rewriter.getFloatAttr(elementType,
                                1.0 / std::sqrt(static_cast<double>(*d))));
    } else {
      in.scale = math::RsqrtOp::create(
          rewriter, loc, sizeAsFloat(rewriter, loc, headDim, elementType));
    }

    if (std::optional<APFloat> softcap = op.getSoftcap())
      in.softcap = arith::ConstantOp::create(
          rewriter, loc,
          rewriter.getFloatAttr(elementType, softcap->convertToDouble()));

    Value output = tiling.flashAttention
                       ? FlashAttention(in, tiling).build(rewriter, loc)
                       : buildWholeAttention(rewriter, loc, in);
    output = convertElements(rewriter, loc, output, storageType);
    SmallVector<Value> results = {
        castToResultType(rewriter, loc, output, op.getOutput().getType())};
    if (op.getPastKey()) {
      results.push_back(castToResultType(rewriter, loc, presentKeys,
                                         op.getPresent()[0].getType()));
      results.push_back(castToResultType(rewriter, loc, presentValues,
                                         op.getPresent()[1].getType()));
    }
    rewriter.replaceOp(op, results);
    return success();
  }

  XfmrToLinalgTiling tiling;
};

} // namespace

void mlir::xfmr::populateXfmrAttentionToLinalgPatterns(
    RewritePatternSet &patterns, const XfmrToLinalgTiling &tiling) {
  patterns.add<AttentionToLinalg>(patterns.getContext(), tiling);
}
