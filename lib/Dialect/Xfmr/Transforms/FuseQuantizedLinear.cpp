//===- FuseQuantizedLinear.cpp - Integer matmuls into quantized layers ----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ONNX's MatMulInteger (and ONNX Runtime's MatMulIntegerToFloat and
// DynamicQuantizeMatMul) import as an i32 matmul of operands widened from
// 8 bits and centered on their zero points, converted to float and scaled
// by the product of the two scales:
//
//   mul(cast<f32>(matmul(sub(widen(x), widen(xzp)),
//                        sub(widen(W), wzp))), mul(xscale, wscale))
//
// where widen is a cast to i32 for int8 and the importer's zero extension
// for uint8 (add(cast(add(v, -128)), 128)). That chain becomes one
// quantized xfmr.linear over the 8-bit tensors, which the bias and
// activation patterns then grow like any other layer.
//
//===----------------------------------------------------------------------===//

#include "LinearFusion.h"

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

bool mlir::xfmr::isInt8Tensor(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType().isInteger(8);
}

std::optional<Widened> mlir::xfmr::matchWidened(Value v) {
  if (auto widen = v.getDefiningOp<CastOp>()) {
    if (isInt8Tensor(widen.getInput()))
      return Widened{widen.getInput(), false};
    return std::nullopt;
  }
  auto add = v.getDefiningOp<AddOp>();
  if (!add)
    return std::nullopt;
  for (auto [wide, offset] : {std::pair{add.getLhs(), add.getRhs()},
                              std::pair{add.getRhs(), add.getLhs()}}) {
    auto widen = wide.getDefiningOp<CastOp>();
    if (getScalarInt(offset) != 128 || !widen)
      continue;
    auto flip = widen.getInput().getDefiningOp<AddOp>();
    if (!flip || !isInt8Tensor(flip.getResult()))
      continue;
    for (auto [x, top] : {std::pair{flip.getLhs(), flip.getRhs()},
                          std::pair{flip.getRhs(), flip.getLhs()}})
      if (getScalarInt(top) == -128)
        return Widened{x, true};
  }
  return std::nullopt;
}

namespace {

/// An integer operand of the matmul: the 8-bit tensor and its zero point
/// (an 8-bit tensor, or an i32 constant that fits the tensor's type).
struct Centered {
  Widened x;
  Value zeroPoint;
};

FailureOr<Centered> matchCentered(Value v, FusionMiss &miss) {
  if (std::optional<Widened> plain = matchWidened(v))
    return Centered{*plain, Value()};
  auto sub = v.getDefiningOp<SubOp>();
  std::optional<Widened> x = sub ? matchWidened(sub.getLhs()) : std::nullopt;
  if (!x)
    return miss.fail("an operand is not an 8-bit integer (minus its zero "
                     "point) widened to i32",
                     v.getDefiningOp());
  if (std::optional<Widened> zp = matchWidened(sub.getRhs())) {
    if (zp->isUnsigned != x->isUnsigned)
      return miss.fail("a zero point's signedness differs from its "
                       "operand's",
                       sub);
    return Centered{*x, zp->narrow};
  }
  if (getDenseConstant(sub.getRhs()))
    return Centered{*x, sub.getRhs()};
  return miss.fail("a zero point is neither a widened 8-bit integer nor a "
                   "constant",
                   sub.getRhs().getDefiningOp());
}

/// The zero point `zp` of an operand (null: none) as a constant or tensor
/// of the operand's 8-bit type; null when an i32 constant does not fit it.
Value narrowZeroPoint(PatternRewriter &rewriter, Location loc, Value zp,
                      bool isUnsigned) {
  Type i8 = rewriter.getI8Type();
  if (!zp)
    return ConstantOp::create(
        rewriter, loc, RankedTensorType::get({}, i8),
        DenseElementsAttr::get(RankedTensorType::get({}, i8),
                               rewriter.getIntegerAttr(i8, 0)));
  if (isInt8Tensor(zp))
    return zp;
  DenseElementsAttr values = getDenseConstant(zp);
  if (!values)
    return {};
  SmallVector<APInt> narrow;
  for (APInt value : values.getValues<APInt>()) {
    int64_t v = value.getSExtValue();
    if (v < (isUnsigned ? 0 : -128) || v > (isUnsigned ? 255 : 127))
      return {};
    narrow.push_back(APInt(8, static_cast<uint64_t>(v) & 0xff));
  }
  auto type = RankedTensorType::get(values.getType().getShape(), i8);
  return ConstantOp::create(rewriter, loc, type,
                            DenseElementsAttr::get(type, narrow));
}

/// Whether `v` is a scale of one tensor or of each of `n` output features
/// (0-D, [1] or [n]), as the quantized layer takes them.
bool isLayerScale(Value v, int64_t n, bool perFeatureOk) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!isa<FloatType>(type.getElementType()))
    return false;
  if (type.getRank() == 0 || (type.getRank() == 1 && type.getDimSize(0) == 1))
    return true;
  return perFeatureOk && type.getRank() == 1 && type.getDimSize(0) == n;
}

struct ScaledProduct {
  MatMulOp matmul;
  Centered input, weight;
  Value inputScale, weightScale;
};

/// mul(cast<float>(matmul(centered x, centered W)), mul(s1, s2)), either
/// order at each mul, W 2-D.
FailureOr<ScaledProduct> matchScaledProduct(MulOp op, FusionMiss &miss) {
  for (auto [product, scale] : {std::pair{op.getLhs(), op.getRhs()},
                                std::pair{op.getRhs(), op.getLhs()}}) {
    auto toFloat = product.getDefiningOp<CastOp>();
    auto matmul =
        toFloat ? toFloat.getInput().getDefiningOp<MatMulOp>() : MatMulOp();
    if (!matmul)
      continue;
    auto rhsType = cast<RankedTensorType>(matmul.getRhs().getType());
    if (!rhsType.getElementType().isInteger(32))
      continue;
    if (rhsType.getRank() != 2)
      return miss.fail("the integer weight is not 2-D", matmul);
    if (!matmul->hasOneUse() || !toFloat->hasOneUse())
      return miss.fail("the integer product has other users", matmul);
    FailureOr<Centered> input = matchCentered(matmul.getLhs(), miss);
    if (failed(input))
      return failure();
    FailureOr<Centered> weight = matchCentered(matmul.getRhs(), miss);
    if (failed(weight))
      return failure();
    int64_t n = rhsType.getDimSize(1);
    Value s1 = scale, s2;
    if (auto mul = scale.getDefiningOp<MulOp>()) {
      s1 = mul.getLhs();
      s2 = mul.getRhs();
    }
    // The product of the scales is all that the layer needs; a per-feature
    // one is the weight's.
    if (s2 && isLayerScale(s1, n, true) && !isLayerScale(s1, n, false))
      std::swap(s1, s2);
    if (!isLayerScale(s1, n, false) || (s2 && !isLayerScale(s2, n, true)))
      return miss.fail("the scale is not per tensor times per tensor or per "
                       "output feature",
                       scale.getDefiningOp());
    return ScaledProduct{matmul, *input, *weight, s1, s2};
  }
  return failure();
}

struct ScaledIntegerMatMulToLinear : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    FusionMiss miss;
    FailureOr<ScaledProduct> match = matchScaledProduct(op, miss);
    if (failed(match))
      return rewriter.notifyMatchFailure(op, miss.reason);
    auto outType = cast<RankedTensorType>(op.getType());
    Type floatType = outType.getElementType();
    Location loc = rewriter.getFusedLoc({match->matmul.getLoc(), op.getLoc()});
    Value inputZp = narrowZeroPoint(rewriter, loc, match->input.zeroPoint,
                                    match->input.x.isUnsigned);
    Value weightZp = narrowZeroPoint(rewriter, loc, match->weight.zeroPoint,
                                     match->weight.x.isUnsigned);
    if (!inputZp || !weightZp)
      return rewriter.notifyMatchFailure(op, "a zero point is out of range");
    Value weightScale = match->weightScale;
    if (!weightScale)
      weightScale = ConstantOp::create(
          rewriter, loc, RankedTensorType::get({}, floatType),
          DenseElementsAttr::get(RankedTensorType::get({}, floatType),
                                 rewriter.getFloatAttr(floatType, 1.0)));
    auto scalesMatch = [&](Value v) {
      return cast<RankedTensorType>(v.getType()).getElementType() == floatType;
    };
    if (!scalesMatch(match->inputScale) || !scalesMatch(weightScale))
      return rewriter.notifyMatchFailure(op, "scales of another float type");
    auto linear = LinearOp::create(
        rewriter, loc, op.getType(), match->input.x.narrow,
        match->weight.x.narrow, /*bias=*/Value(), match->inputScale, inputZp,
        weightScale, weightZp, /*transpose_weight=*/false, Activation::none,
        match->input.x.isUnsigned, match->weight.x.isUnsigned,
        /*block_size=*/IntegerAttr());
    rewriter.replaceOp(op, linear.getResult());
    return success();
  }
};

} // namespace

void mlir::xfmr::populateFuseQuantizedLinearPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ScaledIntegerMatMulToLinear>(patterns.getContext());
}

void mlir::xfmr::noteMissedQuantizedLayer(MulOp op) {
  FusionMiss miss;
  if (failed(matchScaledProduct(op, miss)) && !miss.reason.empty())
    miss.note(op, "linear");
}
