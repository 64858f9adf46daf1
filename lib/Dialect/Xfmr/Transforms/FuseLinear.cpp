//===- FuseLinear.cpp - Fuse matmul, bias and activation into a layer -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// matmul(x, W) with a 2-D W, then an add of a bias vector, then an
// activation: the projections of every transformer block. Each step is its
// own pattern so that the greedy driver grows the layer one op at a time.
//
//===----------------------------------------------------------------------===//

#include "LinearFusion.h"

#include "xfmr/Dialect/Xfmr/IR/DimProver.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRFUSELINEARPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

namespace {

//===----------------------------------------------------------------------===//
// Shapes built at run time
//===----------------------------------------------------------------------===//

/// True when `reshape` provably gives `source` its own shape back: every
/// entry of the target shape is `source`'s static size or its own dim, but
/// for at most one -1 (which the element count then fixes).
bool restoresShape(ReshapeOp reshape, Value source) {
  auto sourceType = cast<RankedTensorType>(source.getType());
  DimProver prover;
  std::optional<SmallVector<ProvenSize>> entries =
      prover.elements(reshape.getShape());
  if (!entries || static_cast<int64_t>(entries->size()) != sourceType.getRank())
    return false;
  int wildcards = 0;
  for (auto [i, entry] : llvm::enumerate(*entries)) {
    ProvenSize e = entry;
    if (e.constant == 0 && !reshape.getAllowzero())
      e = prover.dim(reshape.getInput(), i);
    if (e.constant == -1) {
      ++wildcards;
      continue;
    }
    if (!e.isKnown() || !(e == prover.dim(source, i)))
      return false;
  }
  return wildcards <= 1;
}

//===----------------------------------------------------------------------===//
// Matchers, shared by the patterns and the explain walk
//===----------------------------------------------------------------------===//

struct LinearWeight {
  Value weight;
  bool transposed = false;
};

/// A matmul whose right operand is 2-D, possibly a transposed matrix.
FailureOr<LinearWeight> matchLinearMatMul(MatMulOp op, FusionMiss &miss) {
  auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
  auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
  if (rhsType.getRank() != 2)
    return miss.fail("the weight is not 2-D");
  if (!isa<FloatType>(lhsType.getElementType()) ||
      lhsType.getElementType() != rhsType.getElementType())
    return miss.fail("the operands are not floating point");
  LinearWeight result{op.getRhs()};
  if (auto transpose = op.getRhs().getDefiningOp<TransposeOp>())
    if (llvm::equal(transpose.getPermutation(), ArrayRef<int64_t>{1, 0}))
      result = {transpose.getInput(), true};
  return result;
}

/// The layer whose result `v` is, when it can still take a bias or an
/// activation: no activation yet, and `v` has no other user.
FailureOr<LinearOp> matchOpenLinear(Value v, FusionMiss &miss) {
  auto linear = v.getDefiningOp<LinearOp>();
  if (!linear)
    return failure();
  if (linear.getActivation() != Activation::none)
    return miss.fail("the linear layer already has an activation", linear);
  if (!linear->hasOneUse())
    return miss.fail("the linear layer's result has " + formatUsers(v), linear);
  return linear;
}

struct BiasMatch {
  LinearOp linear;
  Value bias;
};

/// `add(linear, b)` (either order) where `b` broadcasts exactly as `[N]`.
FailureOr<BiasMatch> matchBias(AddOp add, FusionMiss &miss) {
  FusionMiss first;
  for (auto [layer, bias] : {std::pair{add.getLhs(), add.getRhs()},
                             std::pair{add.getRhs(), add.getLhs()}}) {
    FusionMiss attempt;
    FailureOr<LinearOp> linear = matchOpenLinear(layer, attempt);
    if (succeeded(linear) && linear->getBias())
      (void)attempt.fail("the linear layer already has a bias", *linear);
    else if (succeeded(linear)) {
      auto outType = cast<RankedTensorType>(linear->getType());
      auto biasType = cast<RankedTensorType>(bias.getType());
      int64_t n = outType.getShape().back();
      ArrayRef<int64_t> biasShape = biasType.getShape();
      if (biasType.getElementType() != outType.getElementType())
        (void)attempt.fail("the bias has another element type",
                           bias.getDefiningOp());
      else if (biasType.getRank() < 1 ||
               biasType.getRank() > outType.getRank() ||
               !llvm::all_of(biasShape.drop_back(),
                             [](int64_t d) { return d == 1; }) ||
               ShapedType::isDynamic(n) || biasShape.back() != n)
        (void)attempt.fail("the bias " + formatShape(biasType) +
                         " is not a vector over the output features [" +
                         (ShapedType::isDynamic(n) ? "?" : std::to_string(n)) +
                         "]",
                     bias.getDefiningOp());
      else
        return BiasMatch{*linear, bias};
    }
    if (first.reason.empty())
      first = attempt;
  }
  miss = first;
  return failure();
}

struct ActivationMatch {
  LinearOp linear;
  Activation activation;
  /// A reshape between the layer and the activation, which elementwise
  /// activations commute with.
  ReshapeOp reshape;
};

FailureOr<ActivationMatch> matchActivation(Operation *op, FusionMiss &miss) {
  std::optional<Activation> activation = getEpilogueActivation(op);
  if (!activation)
    return failure();
  Value input = op->getOperand(0);
  auto reshape = input.getDefiningOp<ReshapeOp>();
  if (reshape)
    input = reshape.getInput();
  FailureOr<LinearOp> linear = matchOpenLinear(input, miss);
  if (failed(linear))
    return failure();
  if (reshape && !reshape->hasOneUse())
    return miss.fail("the reshape of the linear layer's result has " +
                         formatUsers(reshape.getResult()),
                     reshape);
  return ActivationMatch{*linear, *activation, reshape};
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct MatMulToLinear : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp op,
                                PatternRewriter &rewriter) const override {
    FusionMiss miss;
    FailureOr<LinearWeight> weight = matchLinearMatMul(op, miss);
    if (failed(weight))
      return rewriter.notifyMatchFailure(op, miss.reason);
    rewriter.replaceOpWithNewOp<LinearOp>(op, op.getType(), op.getLhs(),
                                          weight->weight, Value(),
                                          weight->transposed);
    return success();
  }
};

struct FoldBias : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    FusionMiss miss;
    FailureOr<BiasMatch> match = matchBias(op, miss);
    if (failed(match))
      return rewriter.notifyMatchFailure(op, miss.reason);
    LinearOp linear = match->linear;
    Location loc = rewriter.getFusedLoc({linear.getLoc(), op.getLoc()});
    Value bias = match->bias;
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1)
      bias =
          reshapeLayerParam(rewriter, loc, bias, {biasType.getShape().back()});
    Value fused = LinearOp::create(
        rewriter, loc, op.getType(), linear.getInput(), linear.getWeight(),
        bias, linear.getInputScale(), linear.getInputZeroPoint(),
        linear.getWeightScale(), linear.getWeightZeroPoint(),
        linear.getTransposeWeight(), Activation::none,
        linear.getInputUnsigned(), linear.getWeightUnsigned(),
        linear.getBlockSizeAttr());
    rewriter.replaceOp(op, fused);
    rewriter.eraseOp(linear);
    return success();
  }
};

struct FoldActivation : RewritePattern {
  FoldActivation(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    FusionMiss miss;
    FailureOr<ActivationMatch> match = matchActivation(op, miss);
    if (failed(match))
      return rewriter.notifyMatchFailure(op, miss.reason);
    LinearOp linear = match->linear;
    // The layer's only user is the activation (or the reshape before it), so
    // the layer can take the activation in place.
    rewriter.modifyOpInPlace(linear, [&] {
      linear.setActivation(match->activation);
      linear->setLoc(rewriter.getFusedLoc({linear.getLoc(), op->getLoc()}));
    });
    rewriter.replaceOp(op, match->reshape ? match->reshape.getResult()
                                          : linear.getResult());
    return success();
  }
};

/// reshape(reshape(y, s1), s2) with s2 provably y's shape, or reshape(y, s)
/// with s provably y's shape: y. GPT-2 flattens the rows around every
/// projection and restores them after; once the activation has moved into
/// the up projection, the restore-then-flatten pair between the two
/// projections is this.
struct FoldRestoringReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value, 2> sources = {op.getInput()};
    if (auto inner = op.getInput().getDefiningOp<ReshapeOp>())
      sources.push_back(inner.getInput());
    // xfmr ops take any type compatible with the one they were built for;
    // other users need the same type.
    bool xfmrUsersOnly = llvm::all_of(op->getUsers(), [&](Operation *user) {
      return user->getDialect() == op->getDialect();
    });
    for (Value source : sources) {
      if ((source.getType() == op.getType() ||
           (xfmrUsersOnly && isRefinementOf(source.getType(), op.getType()))) &&
          restoresShape(op, source)) {
        rewriter.replaceOp(op, source);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(op, "does not restore a shape");
  }
};

/// shape(reshape(layer, s)), computed from `s` and the layer's input as the
/// reshape resolves it (a 0 without `allowzero` copies the input's dim)
/// rather than from the layer. GPT-2's TorchScript export reads the rows it
/// restored after the up projection back out of the hidden activation to
/// shape the down projection's result; the projection must not stay alive
/// for that.
struct ShapeOfReshapedLayer : OpRewritePattern<ShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ShapeOp op,
                                PatternRewriter &rewriter) const override {
    auto reshape = op.getInput().getDefiningOp<ReshapeOp>();
    auto linear = reshape ? reshape.getInput().getDefiningOp<LinearOp>()
                          : LinearOp();
    if (!linear)
      return rewriter.notifyMatchFailure(op, "not the shape of a reshaped "
                                             "linear layer");
    DimProver prover;
    std::optional<SmallVector<ProvenSize>> entries =
        prover.elements(reshape.getShape());
    if (!entries)
      return rewriter.notifyMatchFailure(op, "reshape length unknown");
    Location loc = op.getLoc();
    auto entryType = RankedTensorType::get({1}, rewriter.getI64Type());
    auto constant = [&](int64_t v) -> Value {
      return ConstantOp::create(rewriter, loc, entryType,
                                DenseIntElementsAttr::get(entryType, {v}));
    };
    auto dimOf = [&](Value tensor, int64_t d) -> Value {
      return ShapeOp::create(rewriter, loc, entryType, tensor,
                             rewriter.getI64IntegerAttr(d),
                             rewriter.getI64IntegerAttr(d + 1));
    };
    auto resultType = cast<RankedTensorType>(reshape.getType());
    auto layerType = cast<RankedTensorType>(linear.getType());
    int64_t layerRank = layerType.getRank();
    auto [begin, end] = getShapeOpDimRange(op);
    auto copiesLayerDim = [&](int64_t i, const ProvenSize &e) {
      return !reshape.getAllowzero() && i < layerRank &&
             !(e.constant && *e.constant > 0);
    };
    // Check before creating anything.
    for (int64_t i = begin; i < end; ++i) {
      ProvenSize e = (*entries)[i];
      if (!resultType.isDynamicDim(i))
        continue;
      if (e.constant == -1 || (!e.constant && !e.isPlainDim()) ||
          e.value == reshape.getResult() ||
          (copiesLayerDim(i, e) && i == layerRank - 1 &&
           layerType.isDynamicDim(i)))
        return rewriter.notifyMatchFailure(op, "dim not known structurally");
    }
    SmallVector<Value> parts;
    for (int64_t i = begin; i < end; ++i) {
      if (!resultType.isDynamicDim(i)) {
        parts.push_back(constant(resultType.getDimSize(i)));
        continue;
      }
      ProvenSize e = (*entries)[i];
      Value entry = e.constant ? constant(*e.constant) : dimOf(e.value, e.dim);
      if (copiesLayerDim(i, e)) {
        // The layer's dims but the last are its input's.
        Value layerDim = layerType.isDynamicDim(i)
                             ? dimOf(linear.getInput(), i)
                             : constant(layerType.getDimSize(i));
        if (e.constant == 0) {
          entry = layerDim;
        } else {
          auto boolType = RankedTensorType::get({1}, rewriter.getI1Type());
          Value isZero =
              EqualOp::create(rewriter, loc, boolType, entry, constant(0));
          entry = WhereOp::create(rewriter, loc, entryType, isZero, layerDim,
                                  entry);
        }
      }
      parts.push_back(entry);
    }
    Value result = parts.size() == 1
                       ? parts.front()
                       : ConcatOp::create(rewriter, loc, op.getType(), parts,
                                          rewriter.getI64IntegerAttr(0))
                             .getResult();
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

Value mlir::xfmr::reshapeLayerParam(PatternRewriter &rewriter, Location loc,
                                    Value value, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  auto newType = RankedTensorType::get(shape, type.getElementType());
  if (newType == type)
    return value;
  if (auto constant = value.getDefiningOp<ConstantOp>()) {
    ElementsAttr attr = constant.getValue();
    if (auto dense = dyn_cast<DenseElementsAttr>(attr))
      return ConstantOp::create(rewriter, loc, newType, dense.reshape(newType));
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
      return ConstantOp::create(
          rewriter, loc, newType,
          DenseResourceElementsAttr::get(newType, resource.getRawHandle()));
  }
  auto shapeType = RankedTensorType::get({static_cast<int64_t>(shape.size())},
                                         rewriter.getI64Type());
  Value target = ConstantOp::create(
      rewriter, loc, shapeType, DenseIntElementsAttr::get(shapeType, shape));
  return ReshapeOp::create(rewriter, loc, newType, value, target);
}

namespace {

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct XfmrFuseLinearPass
    : xfmr::impl::XfmrFuseLinearPassBase<XfmrFuseLinearPass> {
  using XfmrFuseLinearPassBase::XfmrFuseLinearPassBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<MatMulToLinear, FoldBias, FoldActivation,
                 FoldRestoringReshape, ShapeOfReshapedLayer>(context);
    populateFuseQuantizedLinearPatterns(patterns);
    populateFuseQdqLinearPatterns(patterns);
    populateFuseInt4QdqLinearPatterns(patterns);
    populateGatherBeforeElementwisePatterns(patterns);
    populateFoldQdqRoundTripPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (explain)
      noteMissedLayers();
  }

  /// Matmuls with a 2-D right operand that are still matmuls, and constant
  /// adds and activations after a layer that it did not absorb.
  void noteMissedLayers() {
    getOperation().walk([](Operation *op) {
      FusionMiss miss;
      if (auto matmul = dyn_cast<MatMulOp>(op)) {
        if (cast<RankedTensorType>(matmul.getRhs().getType()).getRank() == 2)
          (void)matchLinearMatMul(matmul, miss);
      } else if (auto mul = dyn_cast<MulOp>(op)) {
        noteMissedQuantizedLayer(mul);
      } else if (auto linear = dyn_cast<LinearOp>(op)) {
        if (!noteMissedInt4QdqLayer(linear))
          noteMissedQdqLayer(linear);
      } else if (auto add = dyn_cast<AddOp>(op)) {
        // Only an add of a constant or a vector looks like a bias; residual
        // adds do not.
        auto biasLike = [](Value v) {
          return v.getDefiningOp<ConstantOp>() ||
                 cast<RankedTensorType>(v.getType()).getRank() == 1;
        };
        if (biasLike(add.getLhs()) || biasLike(add.getRhs()))
          (void)matchBias(add, miss);
      } else {
        (void)matchActivation(op, miss);
      }
      if (!miss.reason.empty())
        miss.note(op, "linear");
    });
  }
};

} // namespace
