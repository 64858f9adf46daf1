//===- FakeQuant.cpp - QDQ round trips left as float ops ------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ONNX Runtime's quantize_static puts a QuantizeLinear -> DequantizeLinear
// pair on every tensor of attention: the query, key and value after their
// reshapes and transposes, the scores, the probabilities and the product
// with the values. FoldQdqRoundTrip makes each a chain of float ops; here
// they are recognised and, where they sit between a producer and the
// reshapes and transposes that split heads, moved onto the producer.
//
//===----------------------------------------------------------------------===//

#include "FakeQuant.h"

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xfmr;

/// The value of a one-element constant, through the importer's casts of
/// integer zero points to float.
static std::optional<double> getScalarConstant(Value v) {
  if (auto cast = v.getDefiningOp<CastOp>()) {
    if (std::optional<int64_t> i = getScalarInt(cast.getInput()))
      return static_cast<double>(*i);
    if (std::optional<double> f = getScalarFloat(cast.getInput()))
      return f;
    return std::nullopt;
  }
  return getScalarFloat(v);
}

Value mlir::xfmr::peelFakeQuant(Value v) {
  auto mul = v.getDefiningOp<MulOp>();
  if (!mul)
    return Value();
  std::optional<double> scale = getScalarConstant(mul.getRhs());
  Value shifted = mul.getLhs();
  if (!scale) {
    scale = getScalarConstant(mul.getLhs());
    shifted = mul.getRhs();
  }
  if (!scale || !shifted.hasOneUse())
    return Value();
  // Dequantize: (c - zp) * s, the zero point optional.
  double zeroPoint = 0.0;
  Value clipped = shifted;
  if (auto sub = shifted.getDefiningOp<SubOp>()) {
    std::optional<double> zp = getScalarConstant(sub.getRhs());
    if (!zp || !sub.getLhs().hasOneUse())
      return Value();
    zeroPoint = *zp;
    clipped = sub.getLhs();
  }
  auto clip = clipped.getDefiningOp<ClipOp>();
  if (!clip || !clip.getMin() || !clip.getMax() || !clip.getInput().hasOneUse())
    return Value();
  // Quantize: clip(round(x / s) + zp), the same s and zp.
  Value rounded = clip.getInput();
  double quantizeZeroPoint = 0.0;
  if (auto add = rounded.getDefiningOp<AddOp>()) {
    std::optional<double> zp = getScalarConstant(add.getRhs());
    if (!zp || !add.getLhs().hasOneUse())
      return Value();
    quantizeZeroPoint = *zp;
    rounded = add.getLhs();
  }
  auto round = rounded.getDefiningOp<RoundOp>();
  if (!round || quantizeZeroPoint != zeroPoint || !round.getInput().hasOneUse())
    return Value();
  auto div = round.getInput().getDefiningOp<DivOp>();
  if (!div || getScalarConstant(div.getRhs()) != scale ||
      div.getLhs().getType() != v.getType())
    return Value();
  return div.getLhs();
}

Value mlir::xfmr::fakeQuantOf(Value v) {
  Value current = v;
  // div, round, add, clip, sub, mul.
  for (int step = 0; step < 6; ++step) {
    if (!current.hasOneUse())
      return Value();
    Operation *user = *current.getUsers().begin();
    if (user->getNumResults() != 1)
      return Value();
    current = user->getResult(0);
    if (peelFakeQuant(current) == v)
      return current;
  }
  return Value();
}

namespace {

/// The operand of `op` that carries the tensor when `op` is elementwise
/// with one-element constants as its other operands (the steps of a fake
/// quantization, and the scale factors beside it).
std::optional<unsigned> getScalarStepOperand(Operation *op) {
  if (isa<RoundOp, ClipOp>(op))
    return 0u;
  if (!isa<AddOp, SubOp, MulOp, DivOp>(op))
    return std::nullopt;
  bool lhsScalar = getScalarConstant(op->getOperand(0)).has_value();
  bool rhsScalar = getScalarConstant(op->getOperand(1)).has_value();
  if (lhsScalar == rhsScalar)
    return std::nullopt;
  unsigned index = rhsScalar ? 0 : 1;
  if (op->getOperand(index).getType() != op->getResult(0).getType())
    return std::nullopt;
  return index;
}

/// Ops that only move elements, keeping their count.
bool isMove(Operation *op) {
  return isa<ReshapeOp, TransposeOp, SqueezeOp, UnsqueezeOp>(op);
}

struct HoistFakeQuant : OpRewritePattern<RoundOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RoundOp round,
                                PatternRewriter &rewriter) const override {
    // The chain of elementwise steps around the round, each read only by
    // the next.
    SmallVector<std::pair<Operation *, unsigned>> chain = {{round, 0}};
    Value input = round.getInput();
    while (Operation *def = input.getDefiningOp()) {
      std::optional<unsigned> index = getScalarStepOperand(def);
      if (!index || !input.hasOneUse())
        break;
      chain.insert(chain.begin(), {def, *index});
      input = def->getOperand(*index);
    }
    Operation *last = round;
    while (last->getResult(0).hasOneUse()) {
      Operation *user = *last->getResult(0).getUsers().begin();
      std::optional<unsigned> index = getScalarStepOperand(user);
      if (!index || user->getOperand(*index) != last->getResult(0))
        break;
      chain.push_back({user, *index});
      last = user;
    }
    // The reshapes and transposes between it and the producer.
    SmallVector<Operation *> moves;
    Value source = input;
    while (Operation *def = source.getDefiningOp()) {
      if (!isMove(def) || !source.hasOneUse())
        break;
      moves.push_back(def);
      source = def->getOperand(0);
    }
    if (moves.empty())
      return rewriter.notifyMatchFailure(round, "no move to hoist it above");
    auto sourceType = cast<RankedTensorType>(source.getType());
    if (getElementTypeOrSelf(last->getResult(0)) != sourceType.getElementType())
      return rewriter.notifyMatchFailure(round, "changes the element type");
    for (auto [op, index] : chain)
      for (Value operand : op->getOperands())
        if (operand != op->getOperand(index) &&
            cast<RankedTensorType>(operand.getType()).getRank() >
                sourceType.getRank())
          return rewriter.notifyMatchFailure(op, "a constant of higher rank");

    rewriter.setInsertionPoint(last);
    Value value = source;
    for (auto [op, index] : chain) {
      Operation *copy = rewriter.clone(*op);
      Type element =
          cast<RankedTensorType>(op->getResult(0).getType()).getElementType();
      rewriter.modifyOpInPlace(copy, [&, index = index] {
        copy->setOperand(index, value);
        copy->getResult(0).setType(sourceType.clone(element));
      });
      value = copy->getResult(0);
    }
    for (Operation *move : llvm::reverse(moves)) {
      Operation *copy = rewriter.clone(*move);
      rewriter.modifyOpInPlace(copy, [&] { copy->setOperand(0, value); });
      value = copy->getResult(0);
    }
    rewriter.replaceOp(last, value);
    for (auto [op, index] : llvm::reverse(ArrayRef(chain).drop_back()))
      rewriter.eraseOp(op);
    for (Operation *move : moves)
      rewriter.eraseOp(move);
    return success();
  }
};

} // namespace

void mlir::xfmr::populateHoistFakeQuantPatterns(RewritePatternSet &patterns) {
  patterns.add<HoistFakeQuant>(patterns.getContext());
}
