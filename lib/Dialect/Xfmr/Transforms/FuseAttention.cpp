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

/// The xfmr.attention that replaces `output`.
struct AttentionMatch {
  MatMulOp output;
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
  if (auto matmul = dyn_cast<MatMulOp>(op))
    return !matmul.getRhs().getDefiningOp<ConstantOp>();
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

namespace {

class AttentionMatcher {
public:
  FailureOr<AttentionMatch> match(SoftmaxOp softmax);

  /// Why the last match failed, and at which op.
  std::string reason;
  Operation *culprit = nullptr;

private:
  LogicalResult fail(const Twine &why, Operation *at) {
    reason = why.str();
    culprit = at;
    return failure();
  }
  LogicalResult matchProbabilities(SoftmaxOp softmax, AttentionMatch &m);
  LogicalResult matchScores(SoftmaxOp softmax, AttentionMatch &m,
                            MatMulOp &scores);
  LogicalResult addMask(Value mask, Operation *at, AttentionMatch &m);
  LogicalResult matchKey(MatMulOp scores, AttentionMatch &m);
  LogicalResult checkShapes(MatMulOp scores, AttentionMatch &m);
  void extractCausal(MatMulOp scores, AttentionMatch &m);
  Size keyDim(const AttentionMatch &m, int64_t d) {
    return m.keyPermutation.empty()
               ? tracer.dim(m.keyBase, d)
               : tracer.dim(m.keyBase, m.keyPermutation[d]);
  }

  DimTracer tracer;
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
  auto product = dyn_cast<MatMulOp>(*weights.getUsers().begin());
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
      if (getElementTypeOrSelf(mask) != getElementTypeOrSelf(scoreSide))
        return fail("the mask's element type differs from the scores'", op);
      if (failed(addMask(mask, op, m)))
        return failure();
      if (scaledAfter && (m.floatMask || m.scale < 0))
        return fail("the mask is added before the scale", op);
      current = scoreSide;
      continue;
    }
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

LogicalResult AttentionMatcher::checkShapes(MatMulOp scores,
                                            AttentionMatch &m) {
  Value q = m.query;
  Size batch = tracer.dim(q, 0), heads = tracer.dim(q, 1);
  Size keyHeads = keyDim(m, 1), valueHeads = tracer.dim(m.value, 1);
  if (!batch.isKnown() || !(keyDim(m, 0) == batch) ||
      !(tracer.dim(m.value, 0) == batch))
    return fail("the batch sizes of the query, key and value are not "
                "provably equal",
                scores);
  bool oneKvHead = keyHeads == Size::ofConstant(1);
  if (!(keyHeads == valueHeads) ||
      (!(keyHeads == heads) && !oneKvHead && !m.grouped))
    return fail("the query, key and value head counts do not match", scores);

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
      Size size = tracer.dim(mask, d);
      if (size == Size::ofConstant(1))
        refined[d] = 1;
      fits = sd == 3 || size == Size::ofConstant(1) ||
             size == tracer.dim(scores, sd);
    }
    if (fits && refined != type.getShape())
      m.refinedMasks[mask] = type.clone(refined);
    if (!fits)
      return fail("the mask's shape " + formatShape(mask.getType()) +
                      " does not broadcast to the scores " +
                      formatShape(scores.getType()),
                  mask.getDefiningOp() ? mask.getDefiningOp()
                                       : scores.getOperation());
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
void AttentionMatcher::extractCausal(MatMulOp scores, AttentionMatch &m) {
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
               normalizeAxis(static_cast<int64_t>(concat.getAxis()), 4) ==
                   2 &&
               tracer.dim(concat.getInputs()[0], 2) ==
                   Size::ofConstant(*offset);
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
  Value query = scores.getLhs();
  Value rest;
  while (std::optional<double> factor =
             getScaleFactor(query.getDefiningOp(), rest)) {
    m.scale *= *factor;
    query = rest;
  }
  if (cast<RankedTensorType>(query.getType()).getRank() != 4)
    return fail("the query is not 4-D [batch, heads, queries, head_dim]",
                scores);
  m.query = query;

  if (failed(matchKey(scores, m)))
    return failure();
  if (getElementTypeOrSelf(m.keyBase) != type.getElementType() ||
      getElementTypeOrSelf(m.query) != type.getElementType() ||
      getElementTypeOrSelf(m.value) != type.getElementType())
    return fail("the query, key, value and scores differ in element type",
                scores);

  // Grouped-query attention: the op repeats the heads itself. The repeated
  // head count must be the query's.
  std::optional<Value> value = unrepeatHeads(tracer, m.value);
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
  if (failed(checkShapes(scores, m)))
    return failure();
  extractCausal(scores, m);
  return m;
}

//===----------------------------------------------------------------------===//
// Rewrite
//===----------------------------------------------------------------------===//

namespace {

struct FuseAttentionPattern : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    AttentionMatcher matcher;
    FailureOr<AttentionMatch> match = matcher.match(softmax);
    if (failed(match))
      return rewriter.notifyMatchFailure(softmax, matcher.reason);
    AttentionMatch &m = *match;
    MatMulOp output = m.output;
    Location loc =
        rewriter.getFusedLoc({softmax.getLoc(), output.getLoc()});
    rewriter.setInsertionPoint(output);

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

    auto attention = AttentionOp::create(
        rewriter, loc, output.getType(), presentTypes, m.query, key, value,
        mask, pastKey, pastValue,
        rewriter.getF32FloatAttr(static_cast<float>(m.scale)),
        m.causal ? rewriter.getUnitAttr() : nullptr);
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
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionPattern>(&getContext());
    // Not converging within the driver's limits leaves a valid graph.
    (void)applyPatternsGreedily(func, std::move(patterns));
    if (!explain)
      return;
    func.walk([](SoftmaxOp softmax) {
      AttentionMatcher matcher;
      if (failed(matcher.match(softmax)))
        noteFusionMissed(softmax, "attention", matcher.reason,
                         matcher.culprit);
    });
  }
};

} // namespace
