//===- FuseAttention.cpp - Scaled dot-product attention to xfmr.attention -===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Anchored on a softmax over the last axis, the match walks up to the scores
// (scale, masks, q · kᵀ) and down to the product with the values. One
// matcher serves the rewrite and the `explain` notes: it either describes
// the xfmr.attention to build or says which condition failed where.
//
//===----------------------------------------------------------------------===//

#include "AttentionMatchers.h"
#include "FakeQuant.h"
#include "LinearFusion.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cmath>

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRFUSEATTENTIONPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;
using namespace mlir::xfmr::attention;

namespace {

/// A boolean tensor that keeps a score where it is true (false when
/// `negated`); the op's i1 mask is their conjunction.
struct KeepTerm {
  Value value;
  bool negated;
};

/// An ALiBi bias `factor * slopes[h] * positions[b, j]`, read off a product
/// `slopes * positions` broadcast to the scores (flattened or not).
struct AlibiMatch {
  /// Static 1 everywhere but the head dim, of static size `heads`.
  Value slopes;
  int64_t heads;
  /// Static 1 everywhere but the batch and key dims; `batchDim` and
  /// `keyDim` are its dims for them (-1 when it has none).
  Value positions;
  int64_t batchDim, keyDim;
  double factor = 1.0;
};

/// The xfmr.attention that replaces `output`'s result.
struct AttentionMatch {
  /// The product with the values, or with flattened heads, the reshape of
  /// that product back to [B, H, Sq, Dv].
  Operation *output;
  Value query, value;
  /// The key is `keyBase` transposed by `keyPermutation` (none when empty).
  Value keyBase;
  SmallVector<int64_t> keyPermutation;
  /// Whether the key/value heads were un-repeated (grouped-query).
  bool grouped = false;
  Value floatMask;
  SmallVector<KeepTerm> keepTerms;
  double scale = 1.0;
  bool causal = false;
  /// With a past: the concatenations of past and new keys and values.
  ConcatOp keyConcat, valueConcat;
  std::optional<AlibiMatch> alibi;
  /// The heads merged into the batch ([B * H, S, D], as BLOOM's baddbmm
  /// does): the 4-D scores are this reshape of the 3-D product, and the
  /// query, key and value are flattenings of 4-D tensors.
  ReshapeOp unflattenedScores;
  /// The shapes read off the flattened or folded product with the values
  /// (TorchScript splits it back with them): rebuilt from the op's output.
  SmallVector<ShapeOp> productShapes;
  /// Grouped-query decoding with the query's group folded into its rows:
  /// the query [B, Hq, 1, D] reshaped to [B, Hkv, G, D] (torch's SDPA with
  /// enable_gqa, traced for one new token). The op gets the 4-D query; the
  /// product with the values, [B, Hkv, G, Dv], is split back by `output`.
  bool foldedGroups = false;
  /// Masks whose type says `?` for a dim proven to be 1: the op reads a
  /// dynamic mask dim as the scores' full dim, so they get the precise type.
  DenseMap<Value, RankedTensorType> refinedMasks;
};

} // namespace

static bool isNegativeInfinity(std::optional<double> value) {
  return value && std::isinf(*value) && *value < 0;
}

/// `op` multiplies `rest` by a scalar constant (or divides it by one) without
/// changing its shape: the factor.
static std::optional<double> getScaleFactor(Operation *op, Value &rest) {
  if (!isa_and_nonnull<MulOp, DivOp>(op))
    return std::nullopt;
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  Type type = op->getResult(0).getType();
  if (std::optional<double> c = getScalarFloat(rhs);
      c && lhs.getType() == type && *c != 0.0 && std::isfinite(*c)) {
    rest = lhs;
    return isa<MulOp>(op) ? *c : 1.0 / *c;
  }
  if (std::optional<double> c = getScalarFloat(lhs);
      c && isa<MulOp>(op) && rhs.getType() == type && *c != 0.0 &&
      std::isfinite(*c)) {
    rest = rhs;
    return *c;
  }
  return std::nullopt;
}

/// Whether `value` is a score computation: a q · kᵀ product, possibly
/// scaled and masked.
static bool reachesScores(Value value, int depth = 0) {
  Operation *op = value.getDefiningOp();
  if (!op || depth > 8)
    return false;
  if (Value x = peelFakeQuant(value))
    return reachesScores(x, depth + 1);
  if (auto matmul = dyn_cast<MatMulOp>(op))
    return !matmul.getRhs().getDefiningOp<ConstantOp>();
  if (auto reshape = dyn_cast<ReshapeOp>(op))
    return reachesScores(reshape.getInput(), depth + 1);
  Value rest;
  if (getScaleFactor(op, rest))
    return reachesScores(rest, depth + 1);
  if (isa<AddOp>(op))
    return reachesScores(op->getOperand(0), depth + 1) ||
           reachesScores(op->getOperand(1), depth + 1);
  if (auto where = dyn_cast<WhereOp>(op))
    return reachesScores(where.getOnTrue(), depth + 1) ||
           reachesScores(where.getOnFalse(), depth + 1);
  return false;
}

static int64_t rankOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getRank();
}

/// Peels the scalar scale factors off `value`, multiplying them into
/// `factor`.
static Value peelScale(Value value, double &factor) {
  Value rest;
  while (std::optional<double> f =
             getScaleFactor(value.getDefiningOp(), rest)) {
    factor *= *f;
    value = rest;
  }
  return value;
}

/// Whether entry `index` of the shape `reshape` is given is the product of
/// dims 0 and 1 of `x`: the `B * H` that exporters compute from the dims
/// they read.
static bool isLeadingDimsProduct(DimProver &tracer, ReshapeOp reshape,
                                 int64_t index, Value x) {
  // Down to the one-element value that holds the entry.
  Value entry = reshape.getShape();
  while (auto concat = entry.getDefiningOp<ConcatOp>()) {
    Value piece;
    for (Value input : concat.getInputs()) {
      auto type = cast<RankedTensorType>(input.getType());
      if (type.getRank() != 1 || type.isDynamicDim(0))
        return false;
      if (index < type.getDimSize(0)) {
        piece = input;
        break;
      }
      index -= type.getDimSize(0);
    }
    if (!piece)
      return false;
    entry = piece;
  }
  while (true) {
    auto type = cast<RankedTensorType>(entry.getType());
    Operation *op = entry.getDefiningOp();
    if (!type.hasStaticShape() || type.getNumElements() != 1 || !op)
      return false;
    if (!isa<UnsqueezeOp, SqueezeOp, ReshapeOp, CastOp>(op))
      break;
    entry = op->getOperand(0);
  }
  auto mul = entry.getDefiningOp<MulOp>();
  if (!mul)
    return false;
  ProvenSize a = tracer.element(mul.getLhs(), 0),
             b = tracer.element(mul.getRhs(), 0);
  ProvenSize x0 = tracer.dim(x, 0), x1 = tracer.dim(x, 1);
  return a.isDimSize() && b.isDimSize() &&
         ((a == x0 && b == x1) || (a == x1 && b == x0));
}

/// Whether `flat` is `x` ([B, H, S, D]) with its two leading dims merged,
/// in x's row-major order: two of "the first dim is B * H", "the second is
/// S" and "the third is D" prove it, the element count the third (which
/// exporters often leave to the reshape, -1).
static bool mergesLeadingDims(DimProver &tracer, Value flat, Value x) {
  if (rankOf(flat) != 3 || rankOf(x) != 4)
    return false;
  auto reshape = flat.getDefiningOp<ReshapeOp>();
  int proven = tracer.sameDim(flat, 1, x, 2) + tracer.sameDim(flat, 2, x, 3) +
               (reshape && reshape.getInput() == x &&
                isLeadingDimsProduct(tracer, reshape, 0, x));
  return proven >= 2;
}

/// x, when `flat` is a reshape of the 4-D x merging its leading dims.
static Value unflatten(DimProver &tracer, Value flat) {
  auto reshape = flat.getDefiningOp<ReshapeOp>();
  if (!reshape || !mergesLeadingDims(tracer, flat, reshape.getInput()))
    return Value();
  return reshape.getInput();
}

/// The ALiBi bias in `term`, a summand of the scores: slopes * positions
/// broadcast to [B, H, 1, T], or with `flat`, that product ([B, H, T] or
/// [B, H, 1, T]) reshaped to [B * H, 1, T], as BLOOM builds it for
/// baddbmm.
static std::optional<AlibiMatch> matchAlibi(DimProver &tracer, Value term,
                                            bool flat) {
  AlibiMatch alibi;
  Value product = peelScale(term, alibi.factor);
  auto termType = cast<RankedTensorType>(product.getType());
  if (flat) {
    auto reshape = product.getDefiningOp<ReshapeOp>();
    if (!reshape || termType.getRank() != 3 || termType.getDimSize(1) != 1)
      return std::nullopt;
    Value input = reshape.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    // [B, H, (1,) T] -> [B * H, 1, T]: the element count then makes the
    // first dim B * H.
    if ((rank != 3 && rank != 4) ||
        (rank == 4 && inputType.getDimSize(2) != 1) ||
        !tracer.sameDim(product, 2, input, rank - 1))
      return std::nullopt;
    product = peelScale(input, alibi.factor);
  } else if (termType.getRank() != 4 || termType.getDimSize(2) != 1) {
    return std::nullopt;
  }
  auto mul = product.getDefiningOp<MulOp>();
  if (!mul)
    return std::nullopt;
  int64_t rank = rankOf(product);
  auto readSlopes = [&](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    int64_t offset = rank - type.getRank();
    if (offset > 1)
      return false;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t size = type.getDimSize(d);
      if (d + offset == 1 ? ShapedType::isDynamic(size) : size != 1)
        return false;
    }
    alibi.slopes = v;
    alibi.heads = type.getDimSize(1 - offset);
    return true;
  };
  auto readPositions = [&](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    int64_t offset = rank - type.getRank();
    alibi.batchDim = offset == 0 ? 0 : -1;
    alibi.keyDim = type.getRank() - 1;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != alibi.batchDim && d != alibi.keyDim && type.getDimSize(d) != 1)
        return false;
    alibi.positions = v;
    return type.getRank() > 0;
  };
  Value lhs = mul.getLhs(), rhs = mul.getRhs();
  if ((readSlopes(lhs) && readPositions(rhs)) ||
      (readSlopes(rhs) && readPositions(lhs)))
    return alibi;
  return std::nullopt;
}

/// The reshape that is the only user of the product with the values but for
/// shapes read off it (recorded in `m`), or null.
static ReshapeOp splitOfProduct(Operation *product, AttentionMatch &m) {
  ReshapeOp split;
  unsigned others = 0;
  for (Operation *user : product->getUsers()) {
    if (auto shape = dyn_cast<ShapeOp>(user)) {
      m.productShapes.push_back(shape);
      continue;
    }
    split = dyn_cast<ReshapeOp>(user);
    ++others;
  }
  return others == 1 ? split : ReshapeOp();
}

namespace {

class AttentionMatcher {
public:
  FailureOr<AttentionMatch> match(SoftmaxOp softmax);

  /// Why the last match failed, and at which op.
  FusionMiss miss;

private:
  LogicalResult fail(const Twine &why, Operation *at) {
    return miss.fail(why, at);
  }
  LogicalResult matchProbabilities(SoftmaxOp softmax, AttentionMatch &m);
  LogicalResult matchFlatProduct(ReshapeOp flatProbs, AttentionMatch &m);
  LogicalResult matchScores(SoftmaxOp softmax, AttentionMatch &m,
                            MatMulOp &scores);
  LogicalResult addMask(Value mask, Operation *at, AttentionMatch &m);
  LogicalResult matchKey(MatMulOp scores, AttentionMatch &m);
  LogicalResult matchFlatKey(MatMulOp scores, AttentionMatch &m);
  LogicalResult matchFoldedGroups(AttentionMatch &m);
  LogicalResult checkShapes(Value scores, Operation *at, AttentionMatch &m);
  void extractCausal(Value scores, AttentionMatch &m);
  ProvenSize keyDim(const AttentionMatch &m, int64_t d) {
    return m.keyPermutation.empty()
               ? tracer.dim(m.keyBase, d)
               : tracer.dim(m.keyBase, m.keyPermutation[d]);
  }

  DimProver tracer;
};

} // namespace

/// softmax -> [where(isnan(p), 0, p)] -> matmul(p, v).
LogicalResult AttentionMatcher::matchProbabilities(SoftmaxOp softmax,
                                                   AttentionMatch &m) {
  Value probs = softmax.getResult();
  llvm::SmallPtrSet<Operation *, 4> users(probs.getUsers().begin(),
                                          probs.getUsers().end());
  Value weights = probs;
  if (users.size() == 2) {
    // PyTorch's guard against rows with every key masked: NaNs become 0.
    EqualOp isNumber;
    WhereOp guard;
    for (Operation *user : users) {
      if (auto equal = dyn_cast<EqualOp>(user))
        isNumber = equal;
      else if (auto where = dyn_cast<WhereOp>(user))
        guard = where;
    }
    bool isGuard = isNumber && guard && isNumber.getLhs() == probs &&
                   isNumber.getRhs() == probs && isNumber->hasOneUse() &&
                   guard.getType() == probs.getType();
    if (isGuard) {
      auto isNan = dyn_cast<NotOp>(*isNumber->getUsers().begin());
      std::optional<double> zeroTrue = getScalarFloat(guard.getOnTrue());
      std::optional<double> zeroFalse = getScalarFloat(guard.getOnFalse());
      if (isNan && isNan->hasOneUse() && guard.getCondition() == isNan &&
          zeroTrue == 0.0 && guard.getOnFalse() == probs)
        weights = guard;
      else if (guard.getCondition() == isNumber.getResult() &&
               guard.getOnTrue() == probs && zeroFalse == 0.0)
        weights = guard;
    }
    if (weights == probs)
      return fail("the probabilities have another user", softmax);
  } else if (users.size() != 1) {
    return fail("the probabilities have another user", softmax);
  }
  if (!weights.hasOneUse())
    return fail("the probabilities have another user",
                weights.getDefiningOp());
  // A QDQ graph's fake quantization of the probabilities: the fused op
  // keeps them in f32.
  if (Value quantized = fakeQuantOf(weights))
    weights = quantized;
  Operation *user = *weights.getUsers().begin();
  if (auto flatten = dyn_cast<ReshapeOp>(user);
      flatten && mergesLeadingDims(tracer, flatten, weights))
    return matchFlatProduct(flatten, m);
  auto product = dyn_cast<MatMulOp>(user);
  if (!product || product.getLhs() != weights)
    return fail("the probabilities are not multiplied by the values",
                *weights.getUsers().begin());
  if (cast<RankedTensorType>(product.getRhs().getType()).getRank() != 4)
    return fail("the values are not 4-D [batch, heads, keys, head_dim]",
                product);
  m.output = product;
  m.value = product.getRhs();
  return success();
}

/// reshape(reshape(p, [B * H, Sq, T]) · reshape(v, [B * H, T, Dv]),
/// [B, H, Sq, Dv]): the product with the values with the heads merged into
/// the batch.
LogicalResult AttentionMatcher::matchFlatProduct(ReshapeOp flatProbs,
                                                 AttentionMatch &m) {
  const char *notFlatProduct = "the probabilities with their heads merged "
                               "into the batch are not multiplied by the "
                               "values with theirs";
  auto product = flatProbs->hasOneUse()
                     ? dyn_cast<MatMulOp>(*flatProbs->getUsers().begin())
                     : MatMulOp();
  if (!product || product.getLhs() != flatProbs.getResult())
    return fail(notFlatProduct, flatProbs);
  ReshapeOp output = splitOfProduct(product, m);
  Value value = unflatten(tracer, product.getRhs());
  if (!value || !output || rankOf(output) != 4 ||
      !tracer.sameDim(output, 2, product, 1) ||
      !tracer.sameDim(output, 3, product, 2))
    return fail(notFlatProduct, product);
  m.output = output;
  m.value = value;
  return success();
}

LogicalResult AttentionMatcher::addMask(Value mask, Operation *at,
                                        AttentionMatch &m) {
  // where(keep, 0, -inf) and where(drop, -inf, 0) are keep masks.
  if (auto where = mask.getDefiningOp<WhereOp>()) {
    std::optional<double> onTrue = getScalarFloat(where.getOnTrue());
    std::optional<double> onFalse = getScalarFloat(where.getOnFalse());
    auto condType = cast<RankedTensorType>(where.getCondition().getType());
    bool keepsShape = condType.getShape() ==
                      cast<RankedTensorType>(where.getType()).getShape();
    if (keepsShape && onTrue == 0.0 && isNegativeInfinity(onFalse)) {
      m.keepTerms.push_back({where.getCondition(), false});
      return success();
    }
    if (keepsShape && isNegativeInfinity(onTrue) && onFalse == 0.0) {
      m.keepTerms.push_back({where.getCondition(), true});
      return success();
    }
  }
  if (m.floatMask || !m.keepTerms.empty())
    return fail("the scores have more than one additive mask", at);
  m.floatMask = mask;
  return success();
}

LogicalResult AttentionMatcher::matchScores(SoftmaxOp softmax,
                                            AttentionMatch &m,
                                            MatMulOp &scores) {
  const char *notScores =
      "the scores are not a matmul of the query by the transposed key";
  Value current = softmax.getInput();
  while (true) {
    Operation *op = current.getDefiningOp();
    if (!current.hasOneUse())
      return fail("the scores have another user", op ? op : softmax);
    if (!op)
      return fail(notScores, softmax);
    if (auto matmul = dyn_cast<MatMulOp>(op)) {
      scores = matmul;
      return success();
    }
    // A QDQ graph's fake quantization of the scores (before its last
    // multiplication passes for a scale): the fused op keeps them in f32.
    if (Value x = peelFakeQuant(current)) {
      current = x;
      continue;
    }
    Value rest;
    if (std::optional<double> factor = getScaleFactor(op, rest)) {
      m.scale *= *factor;
      current = rest;
      continue;
    }
    // A scale seen already is applied after the masks below it: fine for
    // -inf/0 masks when positive, not for additive masks.
    bool scaledAfter = m.scale != 1.0;
    if (auto add = dyn_cast<AddOp>(op)) {
      Value lhs = add.getLhs(), rhs = add.getRhs();
      bool lhsScores = reachesScores(lhs), rhsScores = reachesScores(rhs);
      bool lhsFirst = lhsScores && (!rhsScores || lhs.getType() == add.getType());
      Value scoreSide = lhsFirst ? lhs : rhs, mask = lhsFirst ? rhs : lhs;
      // The scores' type may be less precise than the sum's; the mask's
      // shape is checked against the scores later.
      if (!reachesScores(scoreSide) ||
          failed(verifyCompatibleShape(scoreSide.getType(), add.getType())))
        return fail(notScores, op);
      bool flat = static_cast<bool>(m.unflattenedScores);
      if (!m.alibi) {
        if (std::optional<AlibiMatch> alibi = matchAlibi(tracer, mask, flat)) {
          // The scales seen so far apply to the bias too.
          alibi->factor *= m.scale;
          m.alibi = alibi;
          current = scoreSide;
          continue;
        }
      }
      if (flat)
        return fail("the scores with the heads merged into the batch have an "
                    "additive term that is not an ALiBi bias",
                    op);
      if (getElementTypeOrSelf(mask) != getElementTypeOrSelf(scoreSide))
        return fail("the mask's element type differs from the scores'", op);
      if (failed(addMask(mask, op, m)))
        return failure();
      if (scaledAfter && (m.floatMask || m.scale < 0))
        return fail("the mask is added before the scale", op);
      current = scoreSide;
      continue;
    }
    if (auto reshape = dyn_cast<ReshapeOp>(op)) {
      // [B * H, Sq, T] -> [B, H, Sq, T]: scores computed with the heads
      // merged into the batch (baddbmm). checkShapes proves its first three
      // dims the query's, whose flattening makes the product's first two
      // B * H and Sq: the element count then fixes the keys' dim, which
      // exporters infer (-1).
      Value input = reshape.getInput();
      if (m.unflattenedScores || rankOf(input) != 3)
        return fail(notScores, op);
      m.unflattenedScores = reshape;
      current = input;
      continue;
    }
    if (m.unflattenedScores)
      return fail("the scores with the heads merged into the batch are not "
                  "scaled, biased and computed by a matmul",
                  op);
    if (auto where = dyn_cast<WhereOp>(op)) {
      // masked_fill(scores, drop, -inf), or its keep form.
      Value onTrue = where.getOnTrue(), onFalse = where.getOnFalse();
      if (isNegativeInfinity(getScalarFloat(onFalse)) &&
          onTrue.getType() == where.getType()) {
        m.keepTerms.push_back({where.getCondition(), false});
        current = onTrue;
      } else if (isNegativeInfinity(getScalarFloat(onTrue)) &&
                 onFalse.getType() == where.getType()) {
        m.keepTerms.push_back({where.getCondition(), true});
        current = onFalse;
      } else {
        return fail("the scores are masked with a value other than -inf", op);
      }
      if (m.floatMask)
        return fail("the scores have more than one additive mask", op);
      if (scaledAfter && m.scale < 0)
        return fail("the mask is added before the scale", op);
      continue;
    }
    if (isa<MulOp, DivOp>(op))
      return fail("the scores are scaled by a value that is not a scalar "
                  "constant",
                  op);
    return fail(notScores, op);
  }
}

LogicalResult AttentionMatcher::matchKey(MatMulOp scores,
                                         AttentionMatch &m) {
  const char *notTransposed =
      "the scores are not a matmul of the query by the transposed key";
  // kᵀ dim i is `current` dim perm[i].
  SmallVector<int64_t> perm = {0, 1, 2, 3};
  Value current = scores.getRhs();
  if (cast<RankedTensorType>(current.getType()).getRank() != 4)
    return fail(notTransposed, scores);
  bool transposed = false;
  while (true) {
    Operation *op = current.getDefiningOp();
    Value rest;
    if (std::optional<double> factor = getScaleFactor(op, rest)) {
      m.scale *= *factor;
      current = rest;
      continue;
    }
    if (auto transpose = dyn_cast_or_null<TransposeOp>(op)) {
      ArrayRef<int64_t> p = transpose.getPermutation();
      for (int64_t &d : perm)
        d = p[d];
      current = transpose.getInput();
      transposed = true;
      continue;
    }
    Value source;
    bool repeated = false;
    if (matchFlattenedTranspose(tracer, current, source, repeated)) {
      for (int64_t &d : perm)
        d = d == 2 ? 3 : d == 3 ? 2 : d;
      current = source;
      transposed = true;
      if (!repeated)
        continue;
      // The repeat sits under the transpose: nothing else to peel.
      m.grouped = true;
      break;
    }
    break;
  }
  if (!transposed)
    return fail(notTransposed, scores);
  // k = kᵀ with its last two dims swapped back.
  std::swap(perm[2], perm[3]);
  m.keyBase = current;
  if (perm != ArrayRef<int64_t>{0, 1, 2, 3})
    m.keyPermutation = perm;
  return success();
}

/// The key of scores computed with the heads merged into the batch:
/// transpose(reshape(k, [B * H, T, D]), [0, 2, 1]).
LogicalResult AttentionMatcher::matchFlatKey(MatMulOp scores,
                                             AttentionMatch &m) {
  auto transpose =
      peelScale(scores.getRhs(), m.scale).getDefiningOp<TransposeOp>();
  Value key;
  if (transpose && transpose.getPermutation() == ArrayRef<int64_t>{0, 2, 1})
    key = unflatten(tracer, transpose.getInput());
  if (!key)
    return fail("the scores with the heads merged into the batch are not a "
                "matmul by the transposed key with its heads merged",
                scores);
  m.keyBase = peelScale(key, m.scale);
  return success();
}

/// The query [B, Hq, 1, D] reshaped to [B, Hkv, G, D] with G = Hq / Hkv
/// against keys of Hkv heads: the element count makes the query's length 1,
/// and row g of key/value head h is query head h * G + g, as grouped-query
/// attention pairs them. Leaves other queries as they are.
LogicalResult AttentionMatcher::matchFoldedGroups(AttentionMatch &m) {
  auto fold = m.query.getDefiningOp<ReshapeOp>();
  if (!fold || m.grouped)
    return success();
  double scale = m.scale;
  Value query = peelScale(fold.getInput(), scale);
  if (rankOf(query) != 4)
    return success();
  std::optional<int64_t> kvHeads = tracer.dim(m.query, 1).constant;
  std::optional<int64_t> rows = tracer.dim(m.query, 2).constant;
  std::optional<int64_t> heads = tracer.dim(query, 1).constant;
  if (!kvHeads || !rows || !heads || *rows < 2 || *kvHeads * *rows != *heads ||
      !(keyDim(m, 1) == ProvenSize::ofConstant(*kvHeads)) ||
      !tracer.sameDim(m.query, 0, query, 0) ||
      !tracer.sameDim(m.query, 3, query, 3))
    return success();
  // The product with the values goes back to [B, Hq, 1, Dv]; its heads
  // (exporters infer them, -1) then follow from the element count.
  const char *notSplit = "the grouped query's product with the values is not "
                         "split back into the query heads";
  Operation *product = m.output;
  ReshapeOp split = splitOfProduct(product, m);
  if (!split || rankOf(split) != 4 ||
      !tracer.sameDim(split, 0, product->getResult(0), 0) ||
      !tracer.sameDim(split, 2, query, 2) ||
      !tracer.sameDim(split, 3, product->getResult(0), 3))
    return fail(notSplit, product);
  m.query = query;
  m.scale = scale;
  m.output = split;
  m.grouped = true;
  m.foldedGroups = true;
  return success();
}

LogicalResult AttentionMatcher::checkShapes(Value scores, Operation *at,
                                            AttentionMatch &m) {
  Value q = m.query;
  ProvenSize batch = tracer.dim(q, 0), heads = tracer.dim(q, 1);
  ProvenSize keyHeads = keyDim(m, 1), valueHeads = tracer.dim(m.value, 1);
  if (!batch.isKnown() || !(keyDim(m, 0) == batch) ||
      !(tracer.dim(m.value, 0) == batch))
    return fail("the batch sizes of the query, key and value are not "
                "provably equal",
                at);
  bool oneKvHead = keyHeads == ProvenSize::ofConstant(1);
  if (!(keyHeads == valueHeads) ||
      (!(keyHeads == heads) && !oneKvHead && !m.grouped))
    return fail("the query, key and value head counts do not match", at);
  // Merged into the batch, the heads must be the query's, and the results
  // split back by the query's batch and heads (the output's batch follows
  // from the element count, as its last two dims are proven).
  const char *notQueryHeads =
      "the heads merged into the batch are not provably the query's";
  bool flatOutput = isa<ReshapeOp>(m.output) && !m.foldedGroups;
  if ((m.unflattenedScores || flatOutput) && !(keyHeads == heads))
    return fail(notQueryHeads, at);
  if (ReshapeOp split = m.unflattenedScores)
    if (!tracer.sameDim(split, 0, q, 0) || !tracer.sameDim(split, 1, q, 1) ||
        !tracer.sameDim(split, 2, q, 2))
      return fail(notQueryHeads, split);
  if (flatOutput && !tracer.sameDim(m.output->getResult(0), 1, q, 1))
    return fail(notQueryHeads, m.output);
  if (m.alibi) {
    const AlibiMatch &alibi = *m.alibi;
    if (!(heads == ProvenSize::ofConstant(alibi.heads)))
      return fail("the ALiBi slopes are not one per query head", at);
    if (alibi.batchDim >= 0) {
      ProvenSize positionBatch = tracer.dim(alibi.positions, alibi.batchDim);
      if (!(positionBatch == ProvenSize::ofConstant(1)) &&
          !(positionBatch == batch))
        return fail("the ALiBi positions' batch is not provably the query's",
                    at);
    }
  }

  // Each mask dim is 1 or the scores' dim. The key dim needs no proof: the
  // product with the values only accepts the keys' length.
  SmallVector<Value> masks;
  if (m.floatMask)
    masks.push_back(m.floatMask);
  for (const KeepTerm &term : m.keepTerms)
    masks.push_back(term.value);
  for (Value mask : masks) {
    auto type = cast<RankedTensorType>(mask.getType());
    int64_t rank = type.getRank();
    bool fits = rank <= 4;
    SmallVector<int64_t> refined(type.getShape());
    for (int64_t d = 0; fits && d < rank; ++d) {
      int64_t sd = d + 4 - rank;
      ProvenSize size = tracer.dim(mask, d);
      if (size == ProvenSize::ofConstant(1))
        refined[d] = 1;
      // Folded, the scores' rows are the group's heads: a mask may only
      // vary along the query's own rows.
      ProvenSize expected = !m.foldedGroups ? tracer.dim(scores, sd)
                            : sd == 2       ? tracer.dim(q, 2)
                            : sd == 1       ? ProvenSize::unknown()
                                            : tracer.dim(scores, sd);
      fits = sd == 3 || size == ProvenSize::ofConstant(1) || size == expected;
    }
    if (fits && refined != type.getShape())
      m.refinedMasks[mask] = type.clone(refined);
    if (!fits)
      return fail("the mask's shape " + formatShape(mask.getType()) +
                      " does not broadcast to the scores " +
                      formatShape(scores.getType()),
                  mask.getDefiningOp() ? mask.getDefiningOp() : at);
  }
  return success();
}

/// The mask's own value under a broadcast: the op broadcasts masks itself.
static Value peelExpand(Value mask) {
  while (auto expand = mask.getDefiningOp<ExpandOp>())
    mask = expand.getInput();
  return mask;
}

/// Splits the keep terms at their `and`s, looks through broadcasts and drops
/// constant `true`s.
static void flattenKeepTerms(AttentionMatch &m) {
  SmallVector<KeepTerm> terms;
  SmallVector<KeepTerm> work(llvm::reverse(m.keepTerms));
  while (!work.empty()) {
    KeepTerm term = work.pop_back_val();
    term.value = peelExpand(term.value);
    if (!term.negated) {
      if (auto conj = term.value.getDefiningOp<AndOp>()) {
        work.push_back({conj.getRhs(), false});
        work.push_back({conj.getLhs(), false});
        continue;
      }
      DenseElementsAttr attr;
      if (matchPattern(term.value, m_Constant(&attr)) && attr.isSplat() &&
          attr.getSplatValue<bool>())
        continue;
    }
    terms.push_back(term);
  }
  m.keepTerms = std::move(terms);
}

/// Turns a keep term proven to be the causal triangle into `is_causal`
/// (with the past as operands when the triangle is offset by the past's
/// length).
void AttentionMatcher::extractCausal(Value scores, AttentionMatch &m) {
  SmallVector<KeepTerm> terms = std::move(m.keepTerms);
  m.keepTerms.clear();
  bool found = false;
  for (const KeepTerm &term : terms) {
    std::string why;
    std::optional<int64_t> offset =
        found ? std::nullopt
              : matchCausalTerm(tracer, term.value, term.negated, scores, why);
    if (offset && *offset == 0) {
      found = true;
      continue;
    }
    if (offset && *offset > 0 && m.keyPermutation.empty()) {
      // Causal over the past and the new keys: the past goes to the op.
      auto keyConcat = m.keyBase.getDefiningOp<ConcatOp>();
      auto valueConcat = m.value.getDefiningOp<ConcatOp>();
      auto isPast = [&](ConcatOp concat) {
        return concat && concat.getInputs().size() == 2 &&
               normalizeAxis(static_cast<int64_t>(concat.getAxis()), 4) == 2 &&
               tracer.dim(concat.getInputs()[0], 2) ==
                   ProvenSize::ofConstant(*offset);
      };
      if (isPast(keyConcat) && isPast(valueConcat)) {
        m.keyConcat = keyConcat;
        m.valueConcat = valueConcat;
        found = true;
        continue;
      }
    }
    m.keepTerms.push_back(term);
  }
  m.causal = found;
}

FailureOr<AttentionMatch> AttentionMatcher::match(SoftmaxOp softmax) {
  AttentionMatch m;
  auto type = cast<RankedTensorType>(softmax.getType());
  if (type.getRank() != 4)
    return fail("the softmax is not over 4-D scores [batch, heads, queries, "
                "keys]",
                softmax);
  if (normalizeAxis(softmax.getAxis(), 4) != 3)
    return fail("the softmax is not over the key axis", softmax);
  if (failed(matchProbabilities(softmax, m)))
    return failure();
  MatMulOp scores;
  if (failed(matchScores(softmax, m, scores)))
    return failure();

  // The query, through its scale.
  bool flat = static_cast<bool>(m.unflattenedScores);
  Value query = peelScale(scores.getLhs(), m.scale);
  if (flat) {
    query = unflatten(tracer, query);
    if (!query)
      return fail("the scores with the heads merged into the batch are not a "
                  "matmul of the query with its heads merged",
                  scores);
    query = peelScale(query, m.scale);
  }
  if (cast<RankedTensorType>(query.getType()).getRank() != 4)
    return fail("the query is not 4-D [batch, heads, queries, head_dim]",
                scores);
  m.query = query;

  if (failed(flat ? matchFlatKey(scores, m) : matchKey(scores, m)))
    return failure();
  if (getElementTypeOrSelf(m.keyBase) != type.getElementType() ||
      getElementTypeOrSelf(m.query) != type.getElementType() ||
      getElementTypeOrSelf(m.value) != type.getElementType())
    return fail("the query, key, value and scores differ in element type",
                scores);

  // Grouped-query attention: the op repeats the heads itself. The repeated
  // head count must be the query's.
  std::optional<Value> value =
      flat ? std::nullopt : unrepeatHeads(tracer, m.value);
  bool valueRepeated = value && tracer.sameDim(m.value, 1, query, 1);
  if (m.grouped) {
    // The key's repeat was read through its flattened transpose.
    if (!valueRepeated || !tracer.sameDim(scores.getRhs(), 1, query, 1))
      return fail("the key's heads are repeated but the value's are not",
                  scores);
    m.value = *value;
  } else if (m.keyPermutation.empty() && valueRepeated) {
    std::optional<Value> key = unrepeatHeads(tracer, m.keyBase);
    if (key && tracer.sameDim(m.keyBase, 1, query, 1)) {
      m.keyBase = *key;
      m.value = *value;
      m.grouped = true;
    }
  }

  flattenKeepTerms(m);
  if (m.floatMask)
    m.floatMask = peelExpand(m.floatMask);
  if (!flat && failed(matchFoldedGroups(m)))
    return failure();
  Value scoresValue =
      flat ? m.unflattenedScores.getResult() : scores.getResult();
  if (failed(checkShapes(scoresValue, scores, m)))
    return failure();
  // A triangle over the folded rows is not the query's causal one.
  if (!m.foldedGroups)
    extractCausal(scoresValue, m);
  return m;
}

//===----------------------------------------------------------------------===//
// Rewrite
//===----------------------------------------------------------------------===//

/// The op's ALiBi operands: the slopes as [H] (times the factor) and the
/// positions as [B or 1, T].
static std::pair<Value, Value> buildAlibiOperands(PatternRewriter &rewriter,
                                                  Location loc,
                                                  const AlibiMatch &alibi) {
  Type elementType = getElementTypeOrSelf(alibi.slopes);
  auto shapeType = RankedTensorType::get({1}, rewriter.getI64Type());
  Value shape =
      ConstantOp::create(rewriter, loc, shapeType,
                         DenseIntElementsAttr::get(shapeType, {alibi.heads}));
  Value slopes = ReshapeOp::create(
      rewriter, loc, RankedTensorType::get({alibi.heads}, elementType),
      alibi.slopes, shape);
  if (alibi.factor != 1.0) {
    auto scalarType = RankedTensorType::get({}, elementType);
    Value factor = ConstantOp::create(
        rewriter, loc, scalarType,
        DenseElementsAttr::get(
            scalarType, rewriter.getFloatAttr(elementType, alibi.factor)));
    slopes = MulOp::create(rewriter, loc, slopes, factor);
  }

  auto type = cast<RankedTensorType>(alibi.positions.getType());
  SmallVector<int64_t> squeezed, shapeAfter;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d == alibi.batchDim || d == alibi.keyDim)
      shapeAfter.push_back(type.getDimSize(d));
    else
      squeezed.push_back(d);
  }
  Value positions = alibi.positions;
  if (!squeezed.empty())
    positions =
        SqueezeOp::create(rewriter, loc, type.clone(shapeAfter), positions,
                          rewriter.getDenseI64ArrayAttr(squeezed));
  if (alibi.batchDim < 0) {
    shapeAfter.insert(shapeAfter.begin(), 1);
    positions =
        UnsqueezeOp::create(rewriter, loc, type.clone(shapeAfter), positions,
                            rewriter.getDenseI64ArrayAttr({0}));
  }
  return {slopes, positions};
}

/// Replaces the shapes read off the product with the values, flattened
/// ([B * H, Sq, Dv]) or folded ([B, Hkv, G, Dv]), with the same read off
/// `output` ([B, H, Sq, Dv]). TorchScript's `shape[0] // H` of the
/// flattened product becomes B itself, which the later layers' fusion can
/// then prove the batch.
static void rebuildProductShapes(PatternRewriter &rewriter, Location loc,
                                 Value output, Value product,
                                 ArrayRef<ShapeOp> shapes) {
  auto dims = [&](int64_t begin, int64_t end) -> Value {
    return ShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({end - begin}, rewriter.getI64Type()), output,
        rewriter.getI64IntegerAttr(begin), rewriter.getI64IntegerAttr(end));
  };
  auto productType = cast<RankedTensorType>(product.getType());
  SmallVector<Value> flatDims;
  if (productType.getRank() == 3) {
    flatDims = {MulOp::create(rewriter, loc, dims(0, 1), dims(1, 2)),
                dims(2, 3), dims(3, 4)};
  } else {
    auto pairType = RankedTensorType::get({2}, rewriter.getI64Type());
    flatDims = {
        dims(0, 1),
        ConstantOp::create(rewriter, loc, pairType,
                           DenseIntElementsAttr::get(
                               pairType, productType.getShape().slice(1, 2))),
        dims(3, 4)};
  }
  // Which piece holds each dim of the product.
  SmallVector<int64_t> pieceOf = productType.getRank() == 3
                                     ? SmallVector<int64_t>{0, 1, 2}
                                     : SmallVector<int64_t>{0, 1, 1, 2};
  int64_t heads = cast<RankedTensorType>(output.getType()).getDimSize(1);
  for (ShapeOp shape : shapes) {
    auto [begin, end] = getShapeOpDimRange(shape);
    for (Operation *user : shape->getUsers()) {
      auto gather = dyn_cast<GatherOp>(user);
      if (!gather || begin != 0 || productType.getRank() != 3 ||
          getScalarInt(gather.getIndices()) != 0)
        continue;
      for (Operation *gatherUser :
           llvm::make_early_inc_range(gather->getUsers()))
        if (auto div = dyn_cast<DivOp>(gatherUser);
            div && div.getLhs() == gather.getResult() &&
            !ShapedType::isDynamic(heads) &&
            getScalarInt(div.getRhs()) == heads)
          rewriter.replaceOp(
              div,
              ReshapeOp::create(
                  rewriter, loc, div.getType(), dims(0, 1),
                  ConstantOp::create(
                      rewriter, loc,
                      RankedTensorType::get({0}, rewriter.getI64Type()),
                      DenseIntElementsAttr::get(
                          RankedTensorType::get({0}, rewriter.getI64Type()),
                          ArrayRef<int64_t>{}))));
    }
    // The folded product's static dims come as one piece: a shape starting
    // or ending inside it is left as it is (its product stays alive).
    if (productType.getRank() == 4 && (begin == 2 || end == 2))
      continue;
    SmallVector<Value> pieces;
    for (int64_t d = begin; d < end; ++d)
      if (pieces.empty() || pieceOf[d] != pieceOf[d - 1])
        pieces.push_back(flatDims[pieceOf[d]]);
    Value replacement =
        pieces.size() == 1
            ? pieces.front()
            : ConcatOp::create(rewriter, loc, shape.getType(), pieces,
                               rewriter.getI64IntegerAttr(0))
                  .getResult();
    rewriter.replaceOp(shape, replacement);
  }
}

namespace {

struct FuseAttentionPattern : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    AttentionMatcher matcher;
    FailureOr<AttentionMatch> match = matcher.match(softmax);
    if (failed(match))
      return rewriter.notifyMatchFailure(softmax, matcher.miss.reason);
    AttentionMatch &m = *match;
    Operation *output = m.output;
    Location loc = rewriter.getFusedLoc({softmax.getLoc(), output->getLoc()});
    // With the heads merged, before the product with the values, as shapes
    // may be read off it.
    rewriter.setInsertionPoint(isa<ReshapeOp>(output)
                                   ? output->getOperand(0).getDefiningOp()
                                   : output);

    Value key = m.keyBase;
    if (!m.keyPermutation.empty())
      key = TransposeOp::create(rewriter, loc, key,
                                rewriter.getDenseI64ArrayAttr(m.keyPermutation));
    Value value = m.value;
    Value pastKey, pastValue;
    SmallVector<Type> presentTypes;
    if (m.keyConcat) {
      pastKey = m.keyConcat.getInputs()[0];
      key = m.keyConcat.getInputs()[1];
      pastValue = m.valueConcat.getInputs()[0];
      value = m.valueConcat.getInputs()[1];
      presentTypes = {m.keyConcat.getType(), m.valueConcat.getType()};
    }

    auto refine = [&](Value mask) -> Value {
      auto it = m.refinedMasks.find(mask);
      if (it == m.refinedMasks.end())
        return mask;
      return tensor::CastOp::create(rewriter, loc, it->second, mask);
    };
    Value mask = m.floatMask ? refine(m.floatMask) : Value();
    for (const KeepTerm &term : m.keepTerms) {
      Value keep = refine(term.value);
      if (term.negated)
        keep = NotOp::create(rewriter, loc, keep);
      mask = mask ? AndOp::create(rewriter, loc, mask, keep).getResult() : keep;
    }

    Value slopes, positions;
    if (m.alibi)
      std::tie(slopes, positions) = buildAlibiOperands(rewriter, loc, *m.alibi);

    auto attention = AttentionOp::create(
        rewriter, loc, output->getResult(0).getType(), presentTypes, m.query,
        key, value, mask, pastKey, pastValue,
        rewriter.getF32FloatAttr(static_cast<float>(m.scale)),
        m.causal ? rewriter.getUnitAttr() : nullptr, slopes, positions,
        /*softcap=*/nullptr, /*left_window=*/nullptr,
        /*right_window=*/nullptr);
    if (!m.productShapes.empty())
      rebuildProductShapes(rewriter, loc, attention.getOutput(),
                           output->getOperand(0), m.productShapes);
    rewriter.replaceOp(output, attention.getOutput());
    if (m.keyConcat) {
      // Later users of the caches read the present ones.
      auto after = [&](OpOperand &use) {
        Operation *user = use.getOwner();
        return user->getBlock() == attention->getBlock() &&
               attention->isBeforeInBlock(user);
      };
      rewriter.replaceUsesWithIf(m.keyConcat.getResult(),
                                 attention.getPresent()[0], after);
      rewriter.replaceUsesWithIf(m.valueConcat.getResult(),
                                 attention.getPresent()[1], after);
    }
    return success();
  }
};

struct FuseAttentionPass
    : public xfmr::impl::XfmrFuseAttentionPassBase<FuseAttentionPass> {
  using XfmrFuseAttentionPassBase::XfmrFuseAttentionPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // QDQ graphs: their round trips as float ops, moved above the reshapes
    // and transposes that split the heads, so that the query, key and
    // value are found as in float graphs.
    RewritePatternSet qdq(&getContext());
    populateFoldQdqRoundTripPatterns(qdq);
    populateHoistFakeQuantPatterns(qdq);
    (void)applyPatternsGreedily(func, std::move(qdq));
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionPattern>(&getContext());
    // Not converging within the driver's limits leaves a valid graph.
    (void)applyPatternsGreedily(func, std::move(patterns));
    if (!explain)
      return;
    func.walk([](SoftmaxOp softmax) {
      AttentionMatcher matcher;
      if (failed(matcher.match(softmax)))
        matcher.miss.note(softmax, "attention");
    });
  }
};

} // namespace
