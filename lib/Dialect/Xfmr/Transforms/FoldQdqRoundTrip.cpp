//===- FoldQdqRoundTrip.cpp - QuantizeLinear -> DequantizeLinear in float -===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ONNX's QDQ format puts QuantizeLinear -> DequantizeLinear between float
// ops that are not quantized layers (attention's inner tensors, GELU), often
// with reshapes and transposes of the 8-bit tensor between the two. The
// importer writes QuantizeLinear as a float formula saturated to the 8-bit
// range, then a narrowing cast, and DequantizeLinear as the widening of the
// 8-bit tensor back to float. For whole numbers inside the 8-bit range that
// round trip is the identity, so
//
//   float(widen(move(narrow(clip(n, lo, hi)))))  ->  move(clip(n, lo, hi))
//
// where `move` is a chain of reshapes, transposes, slices and the like (pure
// data movement, which commutes with elementwise ops). What is left is one
// chain of float elementwise ops (the fake quantization), which fuses into
// its neighbours' loops, instead of data movement on 8-bit tensors between
// stand-alone casts. The 8-bit tensor that a quantized layer reads (a matmul
// with a dequantized constant weight) is left alone for FuseQdqLinear.
//
//===----------------------------------------------------------------------===//

#include "LinearFusion.h"

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// Whether every element of the float tensor `v` is a whole number, by how
/// it was computed.
bool isWholeNumber(Value v, int depth = 0) {
  if (depth > 8)
    return false;
  if (std::optional<double> c = getSplatFloat(v))
    return std::isfinite(*c) && *c == std::trunc(*c);
  Operation *op = v.getDefiningOp();
  if (!op)
    return false;
  if (isa<FloorOp, CeilOp, RoundOp>(op))
    return true;
  if (auto toFloat = dyn_cast<CastOp>(op))
    return cast<RankedTensorType>(toFloat.getInput().getType())
        .getElementType()
        .isInteger();
  if (auto where = dyn_cast<WhereOp>(op))
    return isWholeNumber(where.getOnTrue(), depth + 1) &&
           isWholeNumber(where.getOnFalse(), depth + 1);
  if (isa<AddOp, SubOp>(op))
    return isWholeNumber(op->getOperand(0), depth + 1) &&
           isWholeNumber(op->getOperand(1), depth + 1);
  if (auto clip = dyn_cast<ClipOp>(op))
    return isWholeNumber(clip.getInput(), depth + 1);
  return false;
}

/// Ops that only move elements: the same op applies to any element type.
bool isDataMovement(Operation *op) {
  return isa<ReshapeOp, TransposeOp, SqueezeOp, UnsqueezeOp, SliceOp, ExpandOp>(
      op);
}

/// The float tensor whose narrowing cast is `narrow`, when it holds whole
/// numbers in [lo, hi]: clip(n, lo', hi') with [lo', hi'] inside [lo, hi],
/// cast to the 8-bit type directly or through i64 (unsigned values).
Value matchNarrowedWholeNumbers(Value narrow, double lo, double hi) {
  auto toNarrow = narrow.getDefiningOp<CastOp>();
  if (!toNarrow)
    return Value();
  Value source = toNarrow.getInput();
  if (auto wide = source.getDefiningOp<CastOp>();
      wide &&
      cast<RankedTensorType>(wide.getType()).getElementType().isInteger(64))
    source = wide.getInput();
  auto clip = source.getDefiningOp<ClipOp>();
  if (!clip ||
      !isa<FloatType>(
          cast<RankedTensorType>(clip.getType()).getElementType()) ||
      !clip.getMin() || !clip.getMax() ||
      clip.getMin()->convertToDouble() < lo ||
      clip.getMax()->convertToDouble() > hi || !isWholeNumber(clip.getInput()))
    return Value();
  return clip.getResult();
}

/// Whether the dequantized value `v` (DequantizeLinear's cast to float, or
/// the sub and mul after it) is the input of a matmul or layer whose other
/// operand is a dequantized constant: a quantized layer in the making.
bool feedsQuantizedLayer(Value v) {
  for (int step = 0; step < 3; ++step) {
    for (Operation *user : v.getUsers()) {
      if (isa<LinearOp>(user))
        return true;
      auto matmul = dyn_cast<MatMulOp>(user);
      if (!matmul)
        continue;
      Value other = matmul.getLhs() == v ? matmul.getRhs() : matmul.getLhs();
      if (std::optional<Dequantized> weight = matchDequantized(other);
          weight && matchPattern(weight->q.narrow, m_Constant()))
        return true;
    }
    if (!v.hasOneUse() || !isa<SubOp, MulOp>(*v.getUsers().begin()))
      return false;
    v = v.getUsers().begin()->getResult(0);
  }
  return false;
}

struct FoldQdqRoundTrip : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<Widened> widened = matchWidenedToFloat(op.getResult());
    if (!widened)
      return rewriter.notifyMatchFailure(op, "not a widened 8-bit tensor");
    if (feedsQuantizedLayer(op.getResult()))
      return rewriter.notifyMatchFailure(op, "a quantized layer reads it");
    SmallVector<Operation *> moves;
    Value narrow = widened->narrow;
    while (Operation *def = narrow.getDefiningOp()) {
      if (!isDataMovement(def))
        break;
      moves.push_back(def);
      narrow = def->getOperand(0);
    }
    double lo = widened->isUnsigned ? 0 : -128;
    double hi = widened->isUnsigned ? 255 : 127;
    Value value = matchNarrowedWholeNumbers(narrow, lo, hi);
    if (!value)
      return rewriter.notifyMatchFailure(op, "not a quantized whole number");
    // Replay the moves, innermost first, on the float tensor.
    Type floatType = cast<RankedTensorType>(value.getType()).getElementType();
    for (Operation *move : llvm::reverse(moves)) {
      Operation *copy = rewriter.clone(*move);
      auto type = cast<RankedTensorType>(move->getResult(0).getType());
      rewriter.modifyOpInPlace(copy, [&] {
        copy->setOperand(0, value);
        copy->getResult(0).setType(type.clone(floatType));
      });
      value = copy->getResult(0);
    }
    if (value.getType() != op.getType())
      value = CastOp::create(rewriter, op.getLoc(), op.getType(), value);
    rewriter.replaceOp(op, value);
    return success();
  }
};

} // namespace

void mlir::xfmr::populateFoldQdqRoundTripPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldQdqRoundTrip>(patterns.getContext());
}
