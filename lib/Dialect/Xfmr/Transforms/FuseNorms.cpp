//===- FuseNorms.cpp - LayerNorm and RMSNorm from their decomposition -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Exporters that predate ONNX LayerNormalization (or never use it, as for
// RMSNorm) spell a norm out op by op. The matcher anchors on the
// xfmr.reduce_mean that starts the block: the mean of a LayerNorm (whose
// input is then centred by a sub) or the mean of squares of an RMSNorm, and
// walks the chain down to the optional scale and bias.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"
#include "xfmr/Dialect/Xfmr/IR/DimProver.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRFUSENORMSPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

namespace {

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// The other operand of a binary op that has `operand` on one side.
Value otherOperand(Operation *op, Value operand) {
  if (op->getOperand(0) == operand)
    return op->getOperand(1);
  if (op->getOperand(1) == operand)
    return op->getOperand(0);
  return nullptr;
}

/// The value before an identity xfmr.cast (f32 to f32, which some exporters
/// write around an RMSNorm), or `value` itself.
Value skipIdentityCastUp(Value value) {
  if (auto cast = value.getDefiningOp<CastOp>())
    if (cast.getInput().getType() == cast.getType())
      return cast.getInput();
  return value;
}

/// The single user of `value`, if it has exactly one use.
Operation *singleUser(Value value) {
  return value.hasOneUse() ? *value.getUsers().begin() : nullptr;
}

/// `value`, or the identity cast that is its only user.
Value skipIdentityCastDown(Value value) {
  if (auto cast = dyn_cast_if_present<CastOp>(singleUser(value)))
    if (cast.getInput().getType() == cast.getType())
      return cast.getResult();
  return value;
}

//===----------------------------------------------------------------------===//
// The matcher
//===----------------------------------------------------------------------===//

/// The scale and shift of one norm, and the op whose result it replaces.
struct NormHead {
  Value scale;
  Value bias;
  Operation *root = nullptr;
};

/// A norm found in the graph. Norms of one input whose statistics were
/// shared (CSE'd, as in a parallel-residual block where attention and MLP
/// each normalise the layer's input) share everything up to their scales:
/// one head each.
struct NormMatch {
  bool centred = false;
  Value input;
  SmallVector<NormHead, 1> heads;
  int64_t axis = 0;
  float epsilon = 0;
};

/// Why a candidate did not match.
struct Miss : FusionMiss {
  /// Whether the reduce_mean is a candidate at all; plainly unrelated
  /// reductions are not reported.
  bool candidate = false;
  bool centred = false;
};

/// `x`, squared by pow(x, 2) or mul(x, x): the square op, or null.
Operation *getSquare(Value value) {
  Operation *def = value.getDefiningOp();
  if (auto pow = dyn_cast_if_present<PowOp>(def))
    return isSplatCloseTo(pow.getRhs(), 2.0) ? pow.getOperation() : nullptr;
  if (auto mul = dyn_cast_if_present<MulOp>(def))
    return mul.getLhs() == mul.getRhs() ? mul.getOperation() : nullptr;
  return nullptr;
}

/// The first axis of a reduction over exactly the trailing dims, with the
/// reduced dims kept.
std::optional<int64_t> getTrailingAxis(ReduceMeanOp op) {
  int64_t rank = cast<RankedTensorType>(op.getInput().getType()).getRank();
  if (!op.getKeepdims() || rank == 0)
    return std::nullopt;
  if (op.getAxes().empty())
    return 0;
  SmallVector<int64_t> axes;
  for (int64_t axis : op.getAxes()) {
    std::optional<int64_t> a = normalizeAxis(axis, rank);
    if (!a)
      return std::nullopt;
    axes.push_back(*a);
  }
  llvm::sort(axes);
  int64_t first = rank - static_cast<int64_t>(axes.size());
  for (auto [i, axis] : llvm::enumerate(axes))
    if (axis != first + static_cast<int64_t>(i))
      return std::nullopt;
  return first;
}

/// Whether `param` can scale or shift the normalised dims `[axis, rank)`
/// of `input`: its dims line up with them, with only 1s before them.
bool fitsNormalisedDims(Value param, Value input, int64_t axis) {
  auto paramType = cast<RankedTensorType>(param.getType());
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  if (paramType.getElementType() != inputType.getElementType() ||
      paramType.getRank() > rank || paramType.getRank() < rank - axis)
    return false;
  int64_t offset = rank - paramType.getRank();
  for (int64_t i = 0; i < paramType.getRank(); ++i) {
    int64_t d = i + offset;
    if (d < axis ? paramType.getDimSize(i) != 1
                 : !DimProver().sameDim(param, i, input, d))
      return false;
  }
  return true;
}

/// Matches the norm that starts at `mean`. On failure, fills `miss`.
FailureOr<NormMatch> matchNorm(ReduceMeanOp mean, Miss &miss) {
  NormMatch match;
  auto fail = [&](const Twine &reason, Operation *culprit) {
    return miss.fail(reason, culprit);
  };

  // What the reduce_mean starts: the mean of a LayerNorm (its input is
  // centred by sub(x, mean)) or the mean of squares of an RMSNorm.
  Value x = mean.getInput();
  Value centred;
  ReduceMeanOp variance;
  Operation *square = nullptr;
  for (Operation *user : x.getUsers())
    if (auto sub = dyn_cast<SubOp>(user))
      if (sub.getLhs() == x && sub.getRhs() == mean.getResult())
        centred = sub.getResult();
  if (centred) {
    miss.candidate = true;
    miss.centred = match.centred = true;
    if (!mean->hasOneUse())
      return fail("the mean has users outside the norm", mean);
    for (Operation *user : centred.getUsers()) {
      Operation *sq = nullptr;
      if (auto pow = dyn_cast<PowOp>(user)) {
        if (pow.getLhs() != centred)
          continue;
        if (!isSplatCloseTo(pow.getRhs(), 2.0))
          return fail("the centred input is raised to a power other than 2",
                      pow);
        sq = pow;
      } else if (auto mul = dyn_cast<MulOp>(user)) {
        if (mul.getLhs() == centred && mul.getRhs() == centred)
          sq = mul;
      }
      if (!sq)
        continue;
      square = sq;
      variance = dyn_cast_if_present<ReduceMeanOp>(singleUser(sq->getResult(0)));
      if (!variance)
        return fail("the square of the centred input is not only averaged",
                    sq);
      break;
    }
    if (!variance)
      return fail("the centred input is not squared and averaged",
                  centred.getDefiningOp());
  } else {
    square = getSquare(x);
    if (!square)
      return failure(); // Not a norm.
    // The variance of a LayerNorm is matched from its mean.
    centred = square->getOperand(0);
    if (auto sub = centred.getDefiningOp<SubOp>())
      if (auto m = sub.getRhs().getDefiningOp<ReduceMeanOp>())
        if (m.getInput() == sub.getLhs())
          return failure();
    miss.candidate = true;
    variance = mean;
    x = skipIdentityCastUp(centred);
    if (!square->getResult(0).hasOneUse())
      return fail("the square has users outside the norm", square);
  }

  // Both reductions over the same trailing dims, keeping them.
  std::optional<int64_t> axis = getTrailingAxis(variance);
  if (!axis)
    return fail("the mean of squares is not over the trailing dims with "
                "keepdims",
                variance);
  if (match.centred && getTrailingAxis(mean) != axis)
    return fail("the mean is not over the dims of the variance", mean);
  match.axis = *axis;
  match.input = x;

  // + epsilon, then sqrt and a division, or rsqrt and a product.
  Value stat = variance.getResult();
  Operation *next = singleUser(stat);
  if (!next)
    return fail("the mean of squares has users outside the norm", variance);
  match.epsilon = 0;
  if (auto add = dyn_cast<AddOp>(next)) {
    Value eps = otherOperand(add, stat);
    std::optional<double> value = getSplatFloat(eps);
    if (!value || add.getType() != stat.getType())
      return fail("epsilon is not a scalar constant", add);
    if (*value < 0)
      return fail("epsilon is negative", add);
    match.epsilon = static_cast<float>(*value);
    stat = add.getResult();
    next = singleUser(stat);
    if (!next)
      return fail("the variance plus epsilon has users outside the norm", add);
  }

  // `inverse` multiplies the centred input; `normalised` is the result.
  Value normalised, inverse;
  if (auto rsqrt = dyn_cast<RsqrtOp>(next)) {
    inverse = rsqrt.getResult();
  } else if (auto sqrt = dyn_cast<SqrtOp>(next)) {
    Value root = sqrt.getResult();
    Operation *use = singleUser(root);
    if (!use)
      return fail("the standard deviation has users outside the norm", sqrt);
    if (auto div = dyn_cast<DivOp>(use)) {
      if (div.getRhs() != root)
        return fail("the standard deviation is not a divisor", div);
      if (div.getLhs() == centred)
        normalised = div.getResult();
      else if (isSplatCloseTo(div.getLhs(), 1.0) &&
               div.getType() == root.getType())
        inverse = div.getResult();
      else
        return fail("the input is not divided by the standard deviation",
                    div);
    } else if (auto reciprocal = dyn_cast<ReciprocalOp>(use)) {
      inverse = reciprocal.getResult();
    } else {
      return fail("the standard deviation is not inverted", use);
    }
  } else {
    return fail("the variance is not followed by sqrt or rsqrt", next);
  }
  if (inverse) {
    Operation *use = singleUser(inverse);
    auto mul = dyn_cast_if_present<MulOp>(use);
    if (!mul || otherOperand(mul, inverse) != centred)
      return fail("the input is not multiplied by the inverse standard "
                  "deviation",
                  use ? use : inverse.getDefiningOp());
    normalised = mul.getResult();
  }
  if (normalised.getType() != centred.getType())
    return fail("the normalisation broadcasts the input", normalised.getDefiningOp());

  // The centred input feeds only its square and the normalisation.
  if (match.centred)
    for (Operation *user : centred.getUsers())
      if (user != square && user != normalised.getDefiningOp())
        return fail("the centred input has users outside the norm", user);

  // Optional scale, then optional shift, each only where it has the shape
  // of the normalised dims; otherwise it stays outside the norm.
  normalised = skipIdentityCastDown(normalised);
  auto scaleOf = [&](Operation *user) -> Value {
    auto mul = dyn_cast_if_present<MulOp>(user);
    if (!mul)
      return {};
    Value scale = otherOperand(mul, normalised);
    if (!scale || scale == normalised ||
        mul.getType() != normalised.getType() ||
        !fitsNormalisedDims(scale, x, match.axis))
      return {};
    return scale;
  };
  // Shared statistics: every user scales the normalised input its own way.
  bool shared = !normalised.hasOneUse() && !normalised.use_empty() &&
                llvm::all_of(normalised.getUsers(),
                             [&](Operation *user) { return !!scaleOf(user); });
  SmallVector<Operation *> scaleOps;
  if (shared)
    scaleOps = llvm::to_vector(normalised.getUsers());
  else
    scaleOps.push_back(scaleOf(singleUser(normalised)) ? singleUser(normalised)
                                                       : nullptr);
  // A user may appear once per operand; one head each.
  llvm::sort(scaleOps);
  scaleOps.erase(llvm::unique(scaleOps), scaleOps.end());
  auto inputType = cast<RankedTensorType>(x.getType());
  for (Operation *scaleOp : scaleOps) {
    NormHead head;
    head.root = normalised.getDefiningOp();
    Value result = normalised;
    if (scaleOp) {
      head.scale = scaleOf(scaleOp);
      result = scaleOp->getResult(0);
      head.root = scaleOp;
    }
    if (auto add = dyn_cast_if_present<AddOp>(singleUser(result))) {
      Value bias = otherOperand(add, result);
      if (bias != result && add.getType() == result.getType() &&
          fitsNormalisedDims(bias, x, match.axis)) {
        head.bias = bias;
        head.root = add;
      }
    }
    if (!head.scale &&
        !RankedTensorType::get(inputType.getShape().drop_front(match.axis),
                               inputType.getElementType())
             .hasStaticShape())
      return fail("there is no scale and the normalised dims are dynamic",
                  head.root);
    match.heads.push_back(head);
  }
  if (!isa<FloatType>(inputType.getElementType()))
    return fail("the input is not floating point", mean);
  return match;
}

/// `param` with the shape of the normalised dims: leading 1s squeezed away.
Value toNormalisedShape(PatternRewriter &rewriter, Location loc, Value param,
                        RankedTensorType inputType, int64_t axis) {
  auto type = cast<RankedTensorType>(param.getType());
  int64_t extra = type.getRank() - (inputType.getRank() - axis);
  if (extra == 0)
    return param;
  auto squeezed = RankedTensorType::get(type.getShape().drop_front(extra),
                                        type.getElementType());
  return SqueezeOp::create(rewriter, loc, squeezed, param,
                           rewriter.getDenseI64ArrayAttr(
                               llvm::to_vector(llvm::seq<int64_t>(0, extra))));
}

struct FuseNormPattern : OpRewritePattern<ReduceMeanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReduceMeanOp mean,
                                PatternRewriter &rewriter) const override {
    Miss miss;
    FailureOr<NormMatch> match = matchNorm(mean, miss);
    if (failed(match))
      return rewriter.notifyMatchFailure(
          mean, miss.reason.empty() ? "not a norm" : miss.reason);
    for (const NormHead &head : match->heads)
      replaceWithNorm(rewriter, *match, head);
    return success();
  }

  /// Replaces `head.root` with the norm of `match` scaled and shifted by
  /// `head`.
  static void replaceWithNorm(PatternRewriter &rewriter, const NormMatch &match,
                              const NormHead &head) {
    rewriter.setInsertionPoint(head.root);
    Location loc = head.root->getLoc();
    auto inputType = cast<RankedTensorType>(match.input.getType());
    Value scale, bias;
    if (head.scale) {
      scale =
          toNormalisedShape(rewriter, loc, head.scale, inputType, match.axis);
    } else {
      auto type =
          RankedTensorType::get(inputType.getShape().drop_front(match.axis),
                                inputType.getElementType());
      auto elementType = cast<FloatType>(inputType.getElementType());
      scale = ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(type, APFloat(elementType.getFloatSemantics(),
                                               1)));
    }
    if (head.bias)
      bias = toNormalisedShape(rewriter, loc, head.bias, inputType, match.axis);
    Type resultType = head.root->getResult(0).getType();
    IntegerAttr axis = rewriter.getI64IntegerAttr(match.axis);
    FloatAttr epsilon = rewriter.getF32FloatAttr(match.epsilon);
    Value norm;
    if (match.centred)
      norm = LayerNormOp::create(rewriter, loc, resultType, match.input, scale,
                                 bias, /*residual=*/Value(), axis, epsilon);
    else
      norm = RmsNormOp::create(rewriter, loc, resultType, match.input, scale,
                               bias, /*residual=*/Value(), axis, epsilon);
    rewriter.replaceOp(head.root, norm);
  }
};

/// norm(add(a, b)) with the add used only by the norm: the norm's residual
/// input, when both sides have the same shape.
template <typename NormOp>
struct FuseResidualAdd : OpRewritePattern<NormOp> {
  using OpRewritePattern<NormOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(NormOp norm,
                                PatternRewriter &rewriter) const override {
    if (norm.getResidual())
      return failure();
    auto add = norm.getInput().template getDefiningOp<AddOp>();
    if (!add || !add->hasOneUse() ||
        !DimProver().sameShape(add.getLhs(), add.getRhs()) ||
        add.getType() != add.getLhs().getType())
      return failure();
    auto fused = NormOp::create(
        rewriter, norm.getLoc(), norm.getType(), add.getLhs(), norm.getScale(),
        norm.getBias(), add.getRhs(), norm.getAxisAttr(),
        norm.getEpsilonAttr());
    fused->setDiscardableAttrs(norm->getDiscardableAttrDictionary());
    rewriter.replaceOp(norm, fused);
    rewriter.eraseOp(add);
    return success();
  }
};

struct FuseNormsPass
    : public xfmr::impl::XfmrFuseNormsPassBase<FuseNormsPass> {
  using XfmrFuseNormsPassBase::XfmrFuseNormsPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<FuseNormPattern, FuseResidualAdd<LayerNormOp>,
                 FuseResidualAdd<RmsNormOp>>(context);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
    if (!explain)
      return;
    func.walk([](ReduceMeanOp mean) {
      Miss miss;
      if (succeeded(matchNorm(mean, miss)) || !miss.candidate)
        return;
      miss.note(mean, miss.centred ? "layer_norm" : "rms_norm");
    });
  }
};

} // namespace
