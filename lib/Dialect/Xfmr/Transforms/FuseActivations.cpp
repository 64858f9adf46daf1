//===- FuseActivations.cpp - GELU and SiLU from their elementwise ops -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Exporters spell GELU and SiLU out as chains of muls, adds and one
// transcendental op, in whatever association the framework's source used.
// Each chain is read as a product of factors (constants multiplied out,
// divisions by constants and small integer powers expanded), so one matcher
// covers `0.5 * x * (1 + erf(x / sqrt(2)))`, `x * ((erf(x * 0.7071) + 1) *
// 0.5)` and the like. The matchers start at the erf, tanh or sigmoid, which
// is also the candidate the `explain` option reports on. A sigmoid gate
// `x * sigmoid(alpha * x)` is SiLU for alpha 1 and quick GELU for 1.702.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRFUSEACTIVATIONSPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

namespace {

//===----------------------------------------------------------------------===//
// Constants and products
//===----------------------------------------------------------------------===//

static std::string formatConstant(double c) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.7g", c);
  return buffer;
}

/// `constant * factors[0] * factors[1] * ...`, read off a tree of muls.
struct Product {
  double constant = 1.0;
  /// The type of the constants, to measure ulps in (f32 when there are none).
  const llvm::fltSemantics *semantics = nullptr;
  SmallVector<Value> factors;

  void multiply(double c, const llvm::fltSemantics *cSemantics) {
    constant *= c;
    if (cSemantics)
      semantics = cSemantics;
  }

  /// How often `v` is a factor.
  unsigned count(Value v) const { return llvm::count(factors, v); }
  /// Whether every factor is `v`, `n` times.
  bool isPowerOf(Value v, unsigned n) const {
    return factors.size() == n && count(v) == n;
  }
  bool isCloseTo(double expected) const {
    return xfmr::isCloseTo(constant, expected,
                           semantics ? *semantics : APFloat::IEEEsingle());
  }
};

/// Adds the factors of the op defining `v` to `p`: muls, divisions by a
/// scalar constant, and squares and cubes. `v` itself may have any number
/// of users; the ops inside the tree must have one (they go away with it).
static void expandProduct(Value v, Product &p, unsigned depth = 0);

static void addFactor(Value v, Product &p, unsigned depth) {
  if (std::optional<FloatConstant> c = getFloatConstant(v)) {
    p.multiply(c->value, c->semantics);
    return;
  }
  if (v.hasOneUse() && depth < 8 &&
      isa_and_present<MulOp, DivOp, PowOp>(v.getDefiningOp())) {
    Product inner;
    expandProduct(v, inner, depth + 1);
    // A division or power that is not a product stays one factor.
    if (!(inner.factors.size() == 1 && inner.factors[0] == v)) {
      p.multiply(inner.constant, inner.semantics);
      p.factors.append(inner.factors);
      return;
    }
  }
  p.factors.push_back(v);
}

static void expandProduct(Value v, Product &p, unsigned depth) {
  Operation *op = v.getDefiningOp();
  if (auto mul = dyn_cast_or_null<MulOp>(op)) {
    addFactor(mul.getLhs(), p, depth);
    addFactor(mul.getRhs(), p, depth);
    return;
  }
  if (auto div = dyn_cast_or_null<DivOp>(op)) {
    std::optional<FloatConstant> c = getFloatConstant(div.getRhs());
    if (c && c->value != 0.0) {
      addFactor(div.getLhs(), p, depth);
      p.multiply(1.0 / c->value, c->semantics);
      return;
    }
  }
  if (auto pow = dyn_cast_or_null<PowOp>(op)) {
    std::optional<FloatConstant> c = getFloatConstant(pow.getRhs());
    if (c && (c->value == 2.0 || c->value == 3.0)) {
      Product base;
      addFactor(pow.getLhs(), base, depth);
      for (int i = 0; i < static_cast<int>(c->value); ++i) {
        p.multiply(base.constant, base.semantics);
        p.factors.append(base.factors);
      }
      return;
    }
  }
  p.factors.push_back(v);
}

/// `v` as a product, or `v` alone when it is not one.
static Product getProduct(Value v) {
  Product p;
  addFactor(v, p, 0);
  return p;
}

/// The operand of an add that is not the scalar constant `c`, when the other
/// one is.
static Value getAddendOfConstant(AddOp add, double c) {
  for (auto [a, b] : {std::pair(add.getLhs(), add.getRhs()),
                      std::pair(add.getRhs(), add.getLhs())}) {
    std::optional<FloatConstant> k = getFloatConstant(b);
    if (k && k->isCloseTo(c))
      return a;
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Matchers
//===----------------------------------------------------------------------===//

/// What a matcher found: `root` computes `activation(input)`.
struct ActivationMatch {
  Operation *root;
  Value input;
};

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluCubic = 0.044715;

/// Finds the op that multiplies `onePlus` (`1 + erf(...)` or `1 + tanh(...)`)
/// by `x` and 0.5 and nothing else, walking up single-use muls.
static FailureOr<ActivationMatch>
matchHalfXTimes(Value onePlus, Value x, StringRef core, FusionMiss &why) {
  // The product of x and 1 + core(...) with a scale other than 0.5, if any.
  Operation *misscaled = nullptr;
  double scale = 1.0;
  Value current = onePlus;
  for (unsigned depth = 0; depth < 4; ++depth) {
    if (!current.hasOneUse())
      return why.fail("the GELU's intermediate result has other users",
                      current.getDefiningOp());
    Operation *user = *current.getUsers().begin();
    if (!isa<MulOp, DivOp>(user))
      break;
    Product p;
    expandProduct(user->getResult(0), p);
    // Only x and constants may join the product on the way up.
    if (llvm::any_of(p.factors,
                     [&](Value f) { return f != x && f != onePlus; }))
      break;
    if (p.factors.size() == 2 && p.count(x) == 1 && p.count(onePlus) == 1) {
      if (p.isCloseTo(0.5)) {
        if (user->getResult(0).getType() != x.getType())
          return why.fail(
              "a constant broadcasts the GELU's result to another shape", user);
        return ActivationMatch{user, x};
      }
      misscaled = user;
      scale = p.constant;
    }
    current = user->getResult(0);
  }
  if (misscaled)
    return why.fail("the GELU's product is scaled by " + formatConstant(scale) +
                        ", not 0.5",
                    misscaled);
  return why.fail("1 + " + core + "(...) is not multiplied by x and 0.5",
                  onePlus.getDefiningOp());
}

/// The `1 + core` that follows `core` (an erf or a tanh), with one user.
static FailureOr<Value> matchOnePlus(Operation *core, FusionMiss &why) {
  Value result = core->getResult(0);
  if (!result.hasOneUse())
    return why.fail(core->getName().stripDialect() + " has other users", core);
  auto add = dyn_cast<AddOp>(*result.getUsers().begin());
  if (!add || !getAddendOfConstant(add, 1.0))
    return why.fail(core->getName().stripDialect() + " is not followed by + 1",
                    *result.getUsers().begin());
  return add.getResult();
}

/// `0.5 * x * (1 + erf(x / sqrt(2)))`.
static FailureOr<ActivationMatch> matchGeluErf(ErfOp erf, FusionMiss &why) {
  Value arg = erf.getInput();
  if (!arg.hasOneUse() && isa_and_present<MulOp, DivOp>(arg.getDefiningOp()))
    return why.fail("x / sqrt(2) has other users", arg.getDefiningOp());
  Product p = getProduct(arg);
  if (p.factors.size() != 1)
    return why.fail("the erf's argument is not x / sqrt(2)",
                    arg.getDefiningOp() ? arg.getDefiningOp()
                                        : erf.getOperation());
  if (!p.isCloseTo(kInvSqrt2))
    return why.fail("the erf's argument is x * " + formatConstant(p.constant) +
                        ", not x / sqrt(2)",
                    arg.getDefiningOp());
  Value x = p.factors.front();
  FailureOr<Value> onePlus = matchOnePlus(erf, why);
  if (failed(onePlus))
    return failure();
  return matchHalfXTimes(*onePlus, x, "erf", why);
}

/// `sqrt(2 / pi) * (x + 0.044715 * x^3)` or `sqrt(2 / pi) * x * (1 +
/// 0.044715 * x^2)`: returns x.
static FailureOr<Value> matchTanhArgument(TanhOp tanh, FusionMiss &why) {
  Value arg = tanh.getInput();
  Operation *argOp =
      arg.getDefiningOp() ? arg.getDefiningOp() : tanh.getOperation();
  auto notCubic = [&]() {
    return why.fail("the tanh's argument is not sqrt(2/pi) * (x + 0.044715 "
                    "* x^3)",
                    argOp);
  };
  if (!arg.hasOneUse() && isa_and_present<MulOp, DivOp>(arg.getDefiningOp()))
    return why.fail("the tanh's argument has other users", argOp);
  Product p = getProduct(arg);
  // The one factor that is a sum of the GELU's own (x itself may be a sum,
  // a layer's bias add, with other users); the others must be x.
  AddOp sum;
  for (Value f : p.factors) {
    auto add = f.getDefiningOp<AddOp>();
    if (add && (!sum || (!sum->hasOneUse() && add->hasOneUse())))
      sum = add;
  }
  if (!sum)
    return notCubic();
  if (!sum->getResult(0).hasOneUse())
    return why.fail("x + 0.044715 * x^3 has other users", sum);

  Value x;
  // The coefficient of x^3 (or x^2) when the powers are right.
  std::optional<double> coefficient;
  if (p.factors.size() == 1) {
    // x + 0.044715 * x^3
    for (auto [a, b] : {std::pair(sum.getLhs(), sum.getRhs()),
                        std::pair(sum.getRhs(), sum.getLhs())}) {
      Product cubic = getProduct(b);
      if (!b.hasOneUse() || !cubic.isPowerOf(a, 3))
        continue;
      coefficient = cubic.constant;
      if (cubic.isCloseTo(kGeluCubic)) {
        x = a;
        break;
      }
    }
  } else if (p.factors.size() == 2) {
    // x * (1 + 0.044715 * x^2)
    Value other = p.factors[0] == sum.getResult() ? p.factors[1] : p.factors[0];
    Value square = getAddendOfConstant(sum, 1.0);
    if (square && square.hasOneUse()) {
      Product q = getProduct(square);
      if (q.isPowerOf(other, 2)) {
        coefficient = q.constant;
        if (q.isCloseTo(kGeluCubic))
          x = other;
      }
    }
  }
  if (!x && coefficient)
    return why.fail("the cubic term is scaled by " +
                        formatConstant(*coefficient) + ", not 0.044715",
                    argOp);
  if (!x)
    return notCubic();
  if (!p.isCloseTo(kSqrt2OverPi))
    return why.fail("the tanh's argument is scaled by " +
                        formatConstant(p.constant) + ", not sqrt(2/pi)",
                    argOp);
  return x;
}

/// `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.
static FailureOr<ActivationMatch> matchGeluTanh(TanhOp tanh,
                                                FusionMiss &why) {
  FailureOr<Value> x = matchTanhArgument(tanh, why);
  if (failed(x))
    return failure();
  FailureOr<Value> onePlus = matchOnePlus(tanh, why);
  if (failed(onePlus))
    return failure();
  return matchHalfXTimes(*onePlus, *x, "tanh", why);
}

/// What a sigmoid-gated activation `x * sigmoid(alpha * x)` is: SiLU for
/// alpha 1, quick GELU for alpha 1.702.
struct SigmoidGateMatch : ActivationMatch {
  bool quickGelu;
};

/// `x * sigmoid(x)` or `x * sigmoid(1.702 * x)`.
static FailureOr<SigmoidGateMatch> matchSigmoidGate(SigmoidOp sigmoid,
                                                    FusionMiss &why) {
  Value s = sigmoid.getResult();
  if (!s.hasOneUse())
    return why.fail("sigmoid(x) has other users", sigmoid);
  auto mul = dyn_cast<MulOp>(*s.getUsers().begin());
  if (!mul)
    return why.fail("sigmoid(x) is not multiplied by x", *s.getUsers().begin());
  Value other = mul.getLhs() == s ? mul.getRhs() : mul.getLhs();
  Value arg = sigmoid.getInput();
  Value x = arg;
  bool quickGelu = false;
  if (other != arg) {
    // sigmoid(alpha * x) * x: the scale is a one-use product of x alone.
    Product p = getProduct(arg);
    if (!arg.hasOneUse() || p.factors.size() != 1 || p.factors[0] != other)
      return why.fail("sigmoid(x) is not multiplied by x", mul);
    if (!p.isCloseTo(kQuickGeluAlpha))
      return why.fail("the sigmoid's argument is x * " +
                          formatConstant(p.constant) +
                          ", neither x (SiLU) nor 1.702 * x (quick GELU)",
                      arg.getDefiningOp());
    x = other;
    quickGelu = true;
  }
  if (mul.getType() != x.getType())
    return why.fail("x * sigmoid(x) has another shape than x", mul);
  return SigmoidGateMatch{{mul, x}, quickGelu};
}

/// Whether the tanh's argument is built like a GELU's: a chain of arithmetic
/// holding a power or a product of a value with itself. A tanh activation
/// (a pooler's) is no GELU candidate.
static bool looksLikeGeluTanh(TanhOp tanh) {
  SmallVector<std::pair<Value, unsigned>> worklist = {{tanh.getInput(), 0}};
  while (!worklist.empty()) {
    auto [v, depth] = worklist.pop_back_val();
    Operation *op = v.getDefiningOp();
    if (!op || depth > 4 || !isa<MulOp, AddOp, DivOp, PowOp>(op))
      continue;
    if (isa<PowOp>(op))
      return true;
    // x * x, also with a constant on either side: (c * x) * x.
    if (isa<MulOp>(op)) {
      Value lhs = op->getOperand(0), rhs = op->getOperand(1);
      if (lhs == rhs || getProduct(lhs).count(rhs) ||
          getProduct(rhs).count(lhs))
        return true;
    }
    for (Value operand : op->getOperands())
      worklist.push_back({operand, depth + 1});
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// Replaces `match.root` with `activation(match.input)`.
template <typename ActivationOp, typename... Attrs>
static void replaceWithActivation(PatternRewriter &rewriter, Operation *core,
                                  const ActivationMatch &match,
                                  Attrs... attrs) {
  Location loc = rewriter.getFusedLoc({match.root->getLoc(), core->getLoc()});
  rewriter.setInsertionPoint(match.root);
  auto fused = ActivationOp::create(rewriter, loc, match.input.getType(),
                                    match.input, attrs...);
  rewriter.replaceOp(match.root, fused);
}

struct FuseGeluErf : public OpRewritePattern<ErfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ErfOp erf,
                                PatternRewriter &rewriter) const override {
    FusionMiss why;
    FailureOr<ActivationMatch> m = matchGeluErf(erf, why);
    if (failed(m))
      return rewriter.notifyMatchFailure(erf, why.reason);
    replaceWithActivation<GeluOp>(
        rewriter, erf, *m,
        GeluApproximationAttr::get(getContext(), GeluApproximation::none));
    return success();
  }
};

struct FuseGeluTanh : public OpRewritePattern<TanhOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TanhOp tanh,
                                PatternRewriter &rewriter) const override {
    FusionMiss why;
    FailureOr<ActivationMatch> m = matchGeluTanh(tanh, why);
    if (failed(m))
      return rewriter.notifyMatchFailure(tanh, why.reason);
    replaceWithActivation<GeluOp>(
        rewriter, tanh, *m,
        GeluApproximationAttr::get(getContext(), GeluApproximation::tanh));
    return success();
  }
};

/// SiLU, or quick GELU when the sigmoid's argument is scaled by 1.702.
struct FuseSigmoidGate : public OpRewritePattern<SigmoidOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SigmoidOp sigmoid,
                                PatternRewriter &rewriter) const override {
    FusionMiss why;
    FailureOr<SigmoidGateMatch> m = matchSigmoidGate(sigmoid, why);
    if (failed(m))
      return rewriter.notifyMatchFailure(sigmoid, why.reason);
    if (m->quickGelu)
      replaceWithActivation<GeluOp>(
          rewriter, sigmoid, *m,
          GeluApproximationAttr::get(getContext(), GeluApproximation::quick));
    else
      replaceWithActivation<SiluOp>(rewriter, sigmoid, *m);
    return success();
  }
};

struct FuseActivationsPass
    : public xfmr::impl::XfmrFuseActivationsPassBase<FuseActivationsPass> {
  using XfmrFuseActivationsPassBase::XfmrFuseActivationsPassBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<FuseGeluErf, FuseGeluTanh, FuseSigmoidGate>(context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (explain)
      explainMisses();
  }

  void explainMisses() {
    getOperation().walk([](Operation *op) {
      FusionMiss why;
      if (auto erf = dyn_cast<ErfOp>(op)) {
        if (failed(matchGeluErf(erf, why)))
          why.note(op, "gelu");
      } else if (auto tanh = dyn_cast<TanhOp>(op)) {
        if (looksLikeGeluTanh(tanh) && failed(matchGeluTanh(tanh, why)))
          why.note(op, "gelu");
      } else if (auto sigmoid = dyn_cast<SigmoidOp>(op)) {
        if (failed(matchSigmoidGate(sigmoid, why)))
          why.note(op, "silu");
      }
    });
  }
};

} // namespace
