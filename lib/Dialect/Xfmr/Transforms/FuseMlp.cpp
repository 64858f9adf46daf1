//===- FuseMlp.cpp - Fuse feed-forward blocks into xfmr.mlp ---------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The feed-forward block of a transformer, over the layers that
// xfmr-fuse-linear made: up (with its activation) then down, or the gated
// form where an activated gate projection scales the up projection. The
// op takes its weights in [in, out] layout, so transposed or split weights
// are rewritten, as new constants where they are constants.
//
//===----------------------------------------------------------------------===//

#include "LinearFusion.h"

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRFUSEMLPPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

namespace {

int64_t outFeatures(LinearOp linear) {
  return cast<RankedTensorType>(linear.getType()).getShape().back();
}

//===----------------------------------------------------------------------===//
// Matchers, shared by the patterns and the explain walk
//===----------------------------------------------------------------------===//

/// Output features [begin, begin + count) of a layer: its weight and bias.
struct Projection {
  Projection(LinearOp linear, int64_t begin = 0,
             std::optional<int64_t> count = std::nullopt)
      : linear(linear), begin(begin), count(count) {}

  LinearOp linear;
  int64_t begin;
  /// All of them when std::nullopt.
  std::optional<int64_t> count;
};

struct MlpMatch {
  Value input;
  Projection up;
  std::optional<Projection> gate;
  Activation activation;
  LinearOp down;
  /// The ops between the projections, erased once the block is fused.
  SmallVector<Operation *> inner;
};

/// Why a quantized layer (int8 or 4-bit) ends the match: xfmr.mlp's
/// weights are float.
std::string quantizedProjection(StringRef role) {
  return ("the " + role +
          " projection is quantized (xfmr.mlp takes float weights; quantized "
          "layers stay linear layers)")
      .str();
}

/// The down projection that takes `hidden` as its input, alone.
FailureOr<LinearOp> matchDown(Value hidden, FusionMiss &miss) {
  if (!hidden.hasOneUse())
    return miss.fail("the hidden activation has " + formatUsers(hidden));
  Operation *user = *hidden.getUsers().begin();
  auto down = dyn_cast<LinearOp>(user);
  if (!down || down.getInput() != hidden)
    return miss.fail("the hidden activation feeds " +
                         user->getName().getStringRef() +
                         ", not a down projection",
                     user);
  if (down.getActivation() != Activation::none)
    return miss.fail("the down projection has an activation", down);
  if (down.isQuantized())
    return miss.fail(quantizedProjection("down"), down);
  return down;
}

/// down(linear(x, up, act)).
FailureOr<MlpMatch> matchPlain(LinearOp up, FusionMiss &miss) {
  if (up.getActivation() == Activation::none)
    return failure();
  if (up.isQuantized())
    return miss.fail(quantizedProjection("up"), up);
  FailureOr<LinearOp> down = matchDown(up.getResult(), miss);
  if (failed(down))
    return failure();
  MlpMatch match{up.getInput(), {up}, std::nullopt, up.getActivation(), *down,
                 {up}};
  return match;
}

/// A gated product whose two factors are layers: mul(linear(x, gate, act),
/// linear(x, up)).
FailureOr<MlpMatch> matchGatedLayers(MulOp mul, LinearOp gate, Value other,
                                     FusionMiss &miss) {
  if (!gate->hasOneUse())
    return miss.fail("the gate projection has " + formatUsers(gate.getResult()),
                     gate);
  if (gate.isQuantized())
    return miss.fail(quantizedProjection("gate"), gate);
  auto up = other.getDefiningOp<LinearOp>();
  if (!up || up.getActivation() != Activation::none)
    return miss.fail("the gate activation is not multiplied by a linear "
                     "layer without activation",
                     other.getDefiningOp());
  if (!up->hasOneUse())
    return miss.fail("the up projection has " + formatUsers(up.getResult()),
                     up);
  if (up.isQuantized())
    return miss.fail(quantizedProjection("up"), up);
  if (up.getInput() != gate.getInput())
    return miss.fail("the gate and up projections read different inputs", up);
  int64_t hidden = outFeatures(gate);
  if (ShapedType::isDynamic(hidden) || outFeatures(up) != hidden)
    return miss.fail("the gate and up projections have different output "
                     "features",
                     up);
  FailureOr<LinearOp> down = matchDown(mul.getResult(), miss);
  if (failed(down))
    return failure();
  MlpMatch match{gate.getInput(), {up},  Projection{gate},
                 gate.getActivation(), *down, {mul, gate, up}};
  return match;
}

/// The layer that `part` is a part of: a result of an xfmr.split, or an
/// xfmr.slice (the TorchScript exporter's `chunk`), of its output.
LinearOp getSplitProjection(Value part) {
  Operation *def = part.getDefiningOp();
  if (!isa_and_present<SplitOp, SliceOp>(def))
    return {};
  return def->getOperand(0).getDefiningOp<LinearOp>();
}

/// Output features [begin, begin + count) of `linear` that `part` holds:
/// a result of a split in two halves, or a slice of the last axis with
/// constant bounds and step 1.
std::optional<Projection> getProjectionPart(LinearOp linear, Value part) {
  int64_t features = outFeatures(linear);
  int64_t rank = cast<RankedTensorType>(linear.getType()).getRank();
  if (ShapedType::isDynamic(features))
    return std::nullopt;
  if (auto split = part.getDefiningOp<SplitOp>()) {
    ArrayRef<int64_t> sizes = split.getSizes();
    if (split->getNumResults() != 2 || sizes.size() != 2 ||
        normalizeAxis(split.getAxis(), rank) != rank - 1 ||
        sizes[0] + sizes[1] != features)
      return std::nullopt;
    int64_t index = cast<OpResult>(part).getResultNumber();
    return Projection{linear, index * sizes[0], sizes[index]};
  }
  auto slice = part.getDefiningOp<SliceOp>();
  if (!slice)
    return std::nullopt;
  auto starts = getConstantIntValues(slice.getStarts());
  auto ends = getConstantIntValues(slice.getEnds());
  std::optional<SmallVector<int64_t>> axes =
      slice.getAxes() ? getConstantIntValues(slice.getAxes())
                      : SmallVector<int64_t>{0};
  std::optional<SmallVector<int64_t>> steps =
      slice.getSteps() ? getConstantIntValues(slice.getSteps())
                       : SmallVector<int64_t>{1};
  if (!starts || !ends || !axes || !steps || starts->size() != 1 ||
      ends->size() != 1 || axes->size() != 1 || steps->size() != 1 ||
      (*steps)[0] != 1 || normalizeAxis((*axes)[0], rank) != rank - 1)
    return std::nullopt;
  auto clampIndex = [&](int64_t i) {
    return std::clamp<int64_t>(i < 0 ? i + features : i, 0, features);
  };
  int64_t begin = clampIndex((*starts)[0]), end = clampIndex((*ends)[0]);
  if (end <= begin)
    return std::nullopt;
  return Projection{linear, begin, end - begin};
}

/// A gated product of the two halves of one projection:
/// mul(act(split(linear(x, w))#i), split(...)#j), or the same with two
/// slices for the split.
FailureOr<MlpMatch> matchGatedHalves(MulOp mul, Operation *act, Value other,
                                     FusionMiss &miss) {
  std::optional<Activation> activation = getEpilogueActivation(act);
  if (!activation)
    return failure();
  Value gatePart = act->getOperand(0);
  LinearOp linear = getSplitProjection(gatePart);
  if (!linear)
    return failure();
  Operation *splitOp = gatePart.getDefiningOp();
  if (!act->hasOneUse())
    return miss.fail(
        "the gate activation has " + formatUsers(act->getResult(0)), act);
  if (getSplitProjection(other) != linear)
    return miss.fail("the gate activation is not multiplied by another part "
                     "of its projection",
                     other.getDefiningOp());
  std::optional<Projection> gate = getProjectionPart(linear, gatePart);
  std::optional<Projection> up = getProjectionPart(linear, other);
  // One of them is the first half, the other the second.
  if (!gate || !up || gate->count != up->count ||
      *gate->count * 2 != outFeatures(linear) ||
      std::min(gate->begin, up->begin) != 0 ||
      std::max(gate->begin, up->begin) != *gate->count)
    return miss.fail("the projection is not split in two halves of its "
                     "output features",
                     splitOp);
  if (linear.getActivation() != Activation::none)
    return miss.fail("the split projection has an activation", linear);
  if (linear.isQuantized())
    return miss.fail(quantizedProjection("split"), linear);
  // A split has one user; two slices one each.
  Operation *upOp = other.getDefiningOp();
  unsigned parts = upOp == splitOp ? 1 : 2;
  if (llvm::range_size(linear->getUsers()) != parts || !other.hasOneUse() ||
      !gatePart.hasOneUse())
    return miss.fail("the split projection has other users", splitOp);
  FailureOr<LinearOp> down = matchDown(mul.getResult(), miss);
  if (failed(down))
    return failure();
  MlpMatch match{linear.getInput(), *up,   *gate,
                 *activation,       *down, {mul, act, splitOp}};
  if (parts == 2)
    match.inner.push_back(upOp);
  match.inner.push_back(linear);
  return match;
}

/// mul(gate, up) in either order, its factors layers or halves of one.
FailureOr<MlpMatch> matchGated(MulOp mul, FusionMiss &miss) {
  FusionMiss first;
  for (auto [gate, other] : {std::pair{mul.getLhs(), mul.getRhs()},
                             std::pair{mul.getRhs(), mul.getLhs()}}) {
    FusionMiss attempt;
    FailureOr<MlpMatch> match = failure();
    Operation *def = gate.getDefiningOp();
    if (auto linear = dyn_cast_or_null<LinearOp>(def)) {
      if (linear.getActivation() != Activation::none)
        match = matchGatedLayers(mul, linear, other, attempt);
    } else if (def) {
      match = matchGatedHalves(mul, def, other, attempt);
    }
    if (succeeded(match))
      return match;
    if (first.reason.empty())
      first = attempt;
  }
  miss = first;
  return failure();
}

//===----------------------------------------------------------------------===//
// Weights in [in, out] layout
//===----------------------------------------------------------------------===//

/// Columns [begin, begin + count) of the matrix `value` ([rows, cols], or
/// [cols, rows] when `transposed`), as a constant of `type` ([rows, count]
/// or [count]); a resource gets a new blob named after its own.
Value foldColumns(PatternRewriter &rewriter, Location loc, ConstantOp constant,
                  bool transposed, int64_t begin, RankedTensorType type,
                  StringRef suffix) {
  ElementsAttr value = constant.getValue();
  auto valueType = cast<RankedTensorType>(value.getType());
  if (!valueType.hasStaticShape() || !type.hasStaticShape())
    return {};
  if (auto dense = dyn_cast<DenseElementsAttr>(value); dense && dense.isSplat())
    return ConstantOp::create(
        rewriter, loc, type,
        DenseElementsAttr::get(type, dense.getSplatValue<Attribute>()));
  unsigned bits = valueType.getElementTypeBitWidth();
  std::optional<ArrayRef<char>> bytes = getWeightBytes(value);
  if (bits % 8 != 0 || !bytes ||
      static_cast<int64_t>(bytes->size()) !=
          valueType.getNumElements() * bits / 8)
    return {};
  size_t width = bits / 8;
  int64_t rows = type.getRank() == 2 ? type.getDimSize(0) : 1;
  int64_t count = type.getShape().back();
  int64_t stride = transposed ? rows : valueType.getShape().back();
  WeightWriter writer(value, type.getNumElements() * width);
  MutableArrayRef<char> data = writer.getData();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < count; ++c) {
      int64_t from = transposed ? (begin + c) * stride + r
                                : r * stride + begin + c;
      std::copy_n(bytes->data() + from * width, width,
                  data.data() + (r * count + c) * width);
    }
  }
  return ConstantOp::create(rewriter, loc, type, writer.finish(type, suffix));
}

/// The weight of `p` as [in, count]: the layer's own weight when it already
/// is, a folded constant when it is a constant, xfmr.slice and
/// xfmr.transpose otherwise.
Value inOutWeight(PatternRewriter &rewriter, Location loc, Projection p,
                  StringRef name) {
  Value weight = p.linear.getWeight();
  bool transposed = p.linear.getTransposeWeight();
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t outDim = transposed ? 0 : 1;
  bool whole = !p.count;
  if (!transposed && whole)
    return weight;
  int64_t count = whole ? type.getDimSize(outDim) : *p.count;
  auto resultType = RankedTensorType::get(
      {type.getDimSize(1 - outDim), count}, type.getElementType());
  if (auto constant = weight.getDefiningOp<ConstantOp>())
    if (Value folded = foldColumns(rewriter, loc, constant, transposed,
                                   p.begin, resultType,
                                   transposed ? name.str() + ".in_out" : name))
      return folded;
  if (!whole) {
    auto index = [&](int64_t v) {
      auto indexType = RankedTensorType::get({1}, rewriter.getI64Type());
      return ConstantOp::create(rewriter, loc, indexType,
                                DenseIntElementsAttr::get(indexType, {v}));
    };
    SmallVector<int64_t> shape(type.getShape());
    shape[outDim] = count;
    weight = SliceOp::create(
        rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
        weight, index(p.begin), index(p.begin + count), index(outDim),
        Value());
  }
  if (transposed)
    weight = TransposeOp::create(rewriter, loc, resultType, weight,
                                 rewriter.getDenseI64ArrayAttr({1, 0}));
  return weight;
}

/// The bias of `p`, its features [begin, begin + count).
Value projectionBias(PatternRewriter &rewriter, Location loc,
                     Projection p, StringRef name) {
  Value bias = p.linear.getBias();
  if (!bias || !p.count)
    return bias;
  auto type = cast<RankedTensorType>(bias.getType());
  auto resultType = RankedTensorType::get({*p.count}, type.getElementType());
  if (auto constant = bias.getDefiningOp<ConstantOp>())
    if (Value folded = foldColumns(rewriter, loc, constant, false, p.begin,
                                   resultType, name))
      return folded;
  auto indexType = RankedTensorType::get({1}, rewriter.getI64Type());
  auto index = [&](int64_t v) {
    return ConstantOp::create(rewriter, loc, indexType,
                              DenseIntElementsAttr::get(indexType, {v}));
  };
  return SliceOp::create(rewriter, loc, resultType, bias, index(p.begin),
                         index(p.begin + *p.count), Value(), Value());
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

LogicalResult rewriteMlp(PatternRewriter &rewriter, const MlpMatch &match) {
  LinearOp down = match.down;
  SmallVector<Location> locs = {down.getLoc()};
  for (Operation *op : match.inner)
    locs.push_back(op->getLoc());
  Location loc = rewriter.getFusedLoc(locs);
  rewriter.setInsertionPoint(down);
  Value up = inOutWeight(rewriter, loc, match.up, "up");
  Value upBias = projectionBias(rewriter, loc, match.up, "up");
  Value gate, gateBias;
  if (match.gate) {
    gate = inOutWeight(rewriter, loc, *match.gate, "gate");
    gateBias = projectionBias(rewriter, loc, *match.gate, "gate");
  }
  Projection downProjection{down};
  Value downWeight = inOutWeight(rewriter, loc, downProjection, "down");
  Value mlp = MlpOp::create(
      rewriter, loc, down.getType(), match.input, up, upBias, gate, gateBias,
      downWeight, down.getBias(),
      ActivationAttr::get(rewriter.getContext(), match.activation));
  rewriter.replaceOp(down, mlp);
  for (Operation *op : match.inner)
    if (op->use_empty())
      rewriter.eraseOp(op);
  return success();
}

struct FusePlainMlp : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    FusionMiss miss;
    FailureOr<MlpMatch> match = matchPlain(op, miss);
    if (failed(match))
      return rewriter.notifyMatchFailure(op, miss.reason);
    return rewriteMlp(rewriter, *match);
  }
};

struct FuseGatedMlp : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    FusionMiss miss;
    FailureOr<MlpMatch> match = matchGated(op, miss);
    if (failed(match))
      return rewriter.notifyMatchFailure(op, miss.reason);
    return rewriteMlp(rewriter, *match);
  }
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct XfmrFuseMlpPass : xfmr::impl::XfmrFuseMlpPassBase<XfmrFuseMlpPass> {
  using XfmrFuseMlpPassBase::XfmrFuseMlpPassBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<FusePlainMlp, FuseGatedMlp>(context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (explain)
      noteMissedBlocks();
  }

  /// Whether `hidden`, or a product it is a factor of, is multiplied by a
  /// matrix: the shape of an MLP's hidden activation.
  static bool feedsAProjection(Value hidden) {
    auto isProjection = [](Operation *user) {
      return isa<LinearOp, MatMulOp>(user);
    };
    for (Operation *user : hidden.getUsers()) {
      if (isProjection(user))
        return true;
      if (isa<MulOp>(user) && llvm::any_of(user->getUsers(), isProjection))
        return true;
    }
    return false;
  }

  /// Every activated layer (or activated half of a split projection) left:
  /// why its result does not reach a down projection.
  void noteMissedBlocks() {
    getOperation().walk([](Operation *op) {
      Value hidden;
      if (auto linear = dyn_cast<LinearOp>(op)) {
        if (linear.getActivation() == Activation::none)
          return;
        hidden = linear.getResult();
      } else if (getEpilogueActivation(op)) {
        if (!getSplitProjection(op->getOperand(0)))
          return;
        hidden = op->getResult(0);
      } else {
        return;
      }
      // A layer whose activation reaches no projection (a pooler, a
      // classifier head) is not an MLP candidate.
      if (!feedsAProjection(hidden))
        return;
      FusionMiss miss;
      MulOp mul = hidden.hasOneUse()
                      ? dyn_cast<MulOp>(*hidden.getUsers().begin())
                      : MulOp();
      if (mul)
        (void)matchGated(mul, miss);
      else if (auto linear = dyn_cast<LinearOp>(op))
        (void)matchPlain(linear, miss);
      else
        (void)matchDown(hidden, miss);
      if (!miss.reason.empty())
        miss.note(op, "mlp");
    });
  }
};

} // namespace
