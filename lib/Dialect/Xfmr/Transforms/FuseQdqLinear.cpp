//===- FuseQdqLinear.cpp - Dequantized layers into quantized layers -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ONNX's QDQ format (ONNX Runtime's quantize_static) quantizes a layer's
// input with QuantizeLinear and hands the layer DequantizeLinear of it and
// of a constant 8-bit weight. The importer writes DequantizeLinear as
//
//   mul(sub(float(widen(q)), float(zp)), scale)      (or without the sub)
//
// so a float layer over two of them computes, exactly, what the quantized
// xfmr.linear computes from q, W, their scales and zero points. The layer
// becomes that (bias and activation kept), reading the 8-bit tensor that
// QuantizeLinear wrote instead of its dequantized f32 copy, and the weight
// as the 8-bit constant the CPU's integer kernel packs. The scale and zero
// point of the input are the constants of its DequantizeLinear: static, so
// no range is computed at run time.
//
//===----------------------------------------------------------------------===//

#include "LinearFusion.h"

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"
#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::xfmr;

std::optional<Widened> mlir::xfmr::matchWidenedToFloat(Value v) {
  auto toFloat = v.getDefiningOp<CastOp>();
  if (!toFloat ||
      !isa<FloatType>(cast<RankedTensorType>(v.getType()).getElementType()))
    return std::nullopt;
  if (isInt8Tensor(toFloat.getInput()))
    return Widened{toFloat.getInput(), false};
  return matchWidened(toFloat.getInput());
}

std::optional<Dequantized> mlir::xfmr::matchDequantized(Value v) {
  auto mul = v.getDefiningOp<MulOp>();
  if (!mul)
    return std::nullopt;
  for (auto [values, scale] : {std::pair{mul.getLhs(), mul.getRhs()},
                               std::pair{mul.getRhs(), mul.getLhs()}}) {
    if (std::optional<Widened> q = matchWidenedToFloat(values))
      return Dequantized{*q, scale, Value()};
    auto sub = values.getDefiningOp<SubOp>();
    if (!sub)
      continue;
    if (std::optional<Widened> q = matchWidenedToFloat(sub.getLhs()))
      return Dequantized{*q, scale, sub.getRhs()};
  }
  return std::nullopt;
}

namespace {

/// The integers of a constant zero point, seen through the casts and zero
/// extensions the importer put between it and its float form.
std::optional<SmallVector<int64_t>> constantIntegers(Value v) {
  if (DenseElementsAttr values = getDenseConstant(v)) {
    SmallVector<int64_t> result;
    if (values.getElementType().isInteger()) {
      for (APInt value : values.getValues<APInt>())
        result.push_back(value.getSExtValue());
      return result;
    }
    if (!isa<FloatType>(values.getElementType()))
      return std::nullopt;
    for (APFloat value : values.getValues<APFloat>()) {
      double d = value.convertToDouble();
      if (d != std::trunc(d))
        return std::nullopt;
      result.push_back(static_cast<int64_t>(d));
    }
    return result;
  }
  // 8-bit zero points per channel come as resources, like the weights.
  ElementsAttr elements;
  if (isInt8Tensor(v) && matchPattern(v, m_Constant(&elements)))
    if (std::optional<ArrayRef<char>> bytes = getWeightBytes(elements);
        bytes && (bytes->size() == 1 || static_cast<int64_t>(bytes->size()) ==
                                            elements.getNumElements())) {
      SmallVector<int64_t> result;
      for (int64_t i = 0, e = elements.getNumElements(); i < e; ++i)
        result.push_back(static_cast<int8_t>(
            (*bytes)[bytes->size() == 1 ? 0 : static_cast<size_t>(i)]));
      return result;
    }
  if (std::optional<Widened> widened = matchWidened(v);
      widened && widened->isUnsigned) {
    std::optional<SmallVector<int64_t>> bits =
        constantIntegers(widened->narrow);
    if (bits)
      for (int64_t &b : *bits)
        b &= 0xff;
    return bits;
  }
  auto widen = v.getDefiningOp<CastOp>();
  if (!widen)
    return std::nullopt;
  // Only widening casts keep the values.
  Type from =
      cast<RankedTensorType>(widen.getInput().getType()).getElementType();
  Type to = cast<RankedTensorType>(v.getType()).getElementType();
  if (!from.isInteger() || (to.isInteger() && to.getIntOrFloatBitWidth() <
                                                  from.getIntOrFloatBitWidth()))
    return std::nullopt;
  return constantIntegers(widen.getInput());
}

/// How a scale or zero point of the weight applies to the layer: to all of
/// it, or to each of its `n` output features (the weight's last dim, or its
/// first when transposed); nullopt for anything else (along K, per block).
enum class Granularity { tensor, feature };

std::optional<Granularity> granularity(Value v, bool transposed, int64_t n) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.hasStaticShape())
    return std::nullopt;
  if (type.getNumElements() == 1)
    return Granularity::tensor;
  ArrayRef<int64_t> shape = type.getShape();
  if (n == 1 || ShapedType::isDynamic(n))
    return std::nullopt;
  if (!transposed && shape.back() == n &&
      llvm::all_of(shape.drop_back(), [](int64_t d) { return d == 1; }))
    return Granularity::feature;
  if (transposed && shape.size() == 2 && shape[0] == n && shape[1] == 1)
    return Granularity::feature;
  return std::nullopt;
}

/// One quantized operand of the layer, ready to build: the 8-bit tensor,
/// its scale and zero point (an 8-bit constant) in the layer's shapes.
struct QuantizedOperand {
  Widened q;
  Value scale;
  Granularity scaleKind;
  SmallVector<int64_t> zeroPoint;
  Granularity zeroPointKind;
};

FailureOr<QuantizedOperand> matchQuantizedOperand(Value v, StringRef what,
                                                  bool isWeight,
                                                  bool transposed, int64_t n,
                                                  FusionMiss &miss) {
  std::optional<Dequantized> dq = matchDequantized(v);
  if (!dq)
    return miss.fail("the " + what +
                         " is not dequantized from 8-bit "
                         "integers",
                     v.getDefiningOp());
  auto perTensor = [&](Value p) -> std::optional<Granularity> {
    auto type = cast<RankedTensorType>(p.getType());
    if (type.hasStaticShape() && type.getNumElements() == 1)
      return Granularity::tensor;
    return std::nullopt;
  };
  std::optional<Granularity> scaleKind =
      isWeight ? granularity(dq->scale, transposed, n) : perTensor(dq->scale);
  if (!scaleKind)
    return miss.fail("the " + what + "'s scale " +
                         formatShape(dq->scale.getType()) +
                         (isWeight ? " is not per tensor or per output "
                                     "feature"
                                   : " is not per tensor"),
                     dq->scale.getDefiningOp());
  QuantizedOperand result{
      dq->q, dq->scale, *scaleKind, {0}, Granularity::tensor};
  if (dq->zeroPoint) {
    std::optional<SmallVector<int64_t>> zp = constantIntegers(dq->zeroPoint);
    if (!zp)
      return miss.fail("the " + what + "'s zero point is not a constant",
                       dq->zeroPoint.getDefiningOp());
    int64_t lo = dq->q.isUnsigned ? 0 : -128, hi = dq->q.isUnsigned ? 255 : 127;
    if (llvm::any_of(*zp, [&](int64_t z) { return z < lo || z > hi; }))
      return miss.fail("the " + what +
                           "'s zero point is out of its 8-bit "
                           "range",
                       dq->zeroPoint.getDefiningOp());
    std::optional<Granularity> zpKind =
        isWeight ? granularity(dq->zeroPoint, transposed, n)
                 : perTensor(dq->zeroPoint);
    if (!zpKind)
      return miss.fail("the " + what + "'s zero point " +
                           formatShape(dq->zeroPoint.getType()) +
                           " is not per tensor" +
                           (isWeight ? " or per output feature" : ""),
                       dq->zeroPoint.getDefiningOp());
    result.zeroPoint = *zp;
    result.zeroPointKind = *zpKind;
  }
  if (isWeight && !dq->q.narrow.getDefiningOp<ConstantOp>())
    return miss.fail("the weight is dequantized from a tensor computed at "
                     "run time, not a constant",
                     dq->q.narrow.getDefiningOp());
  return result;
}

struct QdqLayer {
  QuantizedOperand input, weight;
};

/// A float layer (not yet quantized) whose input and weight are both
/// dequantized 8-bit tensors that the quantized layer takes.
FailureOr<QdqLayer> matchQdqLayer(LinearOp op, FusionMiss &miss) {
  if (op.isQuantized())
    return failure();
  auto weightType = cast<RankedTensorType>(op.getWeight().getType());
  bool transposed = op.getTransposeWeight();
  int64_t n = weightType.getDimSize(transposed ? 0 : 1);
  Type floatType = cast<RankedTensorType>(op.getType()).getElementType();
  FailureOr<QuantizedOperand> weight = matchQuantizedOperand(
      op.getWeight(), "weight", /*isWeight=*/true, transposed, n, miss);
  if (failed(weight))
    return failure();
  FailureOr<QuantizedOperand> input = matchQuantizedOperand(
      op.getInput(), "input", /*isWeight=*/false, transposed, n, miss);
  if (failed(input))
    return failure();
  for (Value scale : {input->scale, weight->scale})
    if (cast<RankedTensorType>(scale.getType()).getElementType() != floatType)
      return miss.fail("a scale's type differs from the layer's",
                       scale.getDefiningOp());
  return QdqLayer{*input, *weight};
}

/// The shape of a layer parameter of granularity `kind` over `n` features.
SmallVector<int64_t> paramShape(Granularity kind, int64_t n) {
  if (kind == Granularity::tensor)
    return {};
  return {n};
}

struct DequantizedLinearToQuantized : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    FusionMiss miss;
    FailureOr<QdqLayer> match = matchQdqLayer(op, miss);
    if (failed(match))
      return rewriter.notifyMatchFailure(op, miss.reason);
    Location loc = op.getLoc();
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    int64_t n = weightType.getDimSize(op.getTransposeWeight() ? 0 : 1);
    auto zeroPoint = [&](const QuantizedOperand &operand) -> Value {
      auto type = RankedTensorType::get(paramShape(operand.zeroPointKind, n),
                                        rewriter.getI8Type());
      SmallVector<APInt> values;
      for (int64_t z : operand.zeroPoint)
        values.push_back(APInt(8, static_cast<uint64_t>(z) & 0xff));
      values.resize(type.getNumElements(), values.front());
      return ConstantOp::create(rewriter, loc, type,
                                DenseElementsAttr::get(type, values));
    };
    auto scale = [&](const QuantizedOperand &operand) {
      return reshapeLayerParam(rewriter, loc, operand.scale,
                               paramShape(operand.scaleKind, n));
    };
    QuantizedOperand x = match->input;
    const QuantizedOperand &w = match->weight;
    if (!x.q.isUnsigned) {
      // An int8 input (quantize_static's default) as the uint8 the integer
      // kernels take: x + 128 is x with its sign bit flipped, and the zero
      // point moves by as much, so x - zp is unchanged. The flip fuses into
      // the QuantizeLinear that writes x.
      auto type = RankedTensorType::get({}, rewriter.getI8Type());
      Value signBit = ConstantOp::create(
          rewriter, loc, type, DenseElementsAttr::get(type, APInt(8, 0x80)));
      x.q.narrow = XorOp::create(rewriter, loc, x.q.narrow, signBit);
      x.q.isUnsigned = true;
      for (int64_t &z : x.zeroPoint)
        z += 128;
    }
    auto layer = LinearOp::create(
        rewriter, loc, op.getType(), x.q.narrow, w.q.narrow, op.getBias(),
        scale(x), zeroPoint(x), scale(w), zeroPoint(w), op.getTransposeWeight(),
        op.getActivation(), x.q.isUnsigned, w.q.isUnsigned,
        /*block_size=*/IntegerAttr());
    rewriter.replaceOp(op, layer.getResult());
    return success();
  }
};

} // namespace

void mlir::xfmr::populateFuseQdqLinearPatterns(RewritePatternSet &patterns) {
  patterns.add<DequantizedLinearToQuantized>(patterns.getContext());
}

void mlir::xfmr::noteMissedQdqLayer(LinearOp op) {
  if (op.isQuantized() ||
      (!matchDequantized(op.getInput()) && !matchDequantized(op.getWeight())))
    return;
  FusionMiss miss;
  if (failed(matchQdqLayer(op, miss)) && !miss.reason.empty())
    // The float layer itself is counted as fused: the miss is its int8 form.
    miss.note(op, "quantized_linear");
}
