//===- XfmrTransformerOps.cpp - Fused transformer blocks ------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Structural rules of the transformer ops: head counts, head dims, weight
// and bias shapes, norm parameter shapes.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/TypeUtilities.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace mlir::xfmr;

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Two sizes of the same dim: the static one wins, two different static
/// sizes are a contradiction.
static std::optional<int64_t> mergeDims(int64_t a, int64_t b) {
  if (ShapedType::isDynamic(a))
    return b;
  if (ShapedType::isDynamic(b) || a == b)
    return a;
  return std::nullopt;
}

static std::string dimString(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

static std::string shapeString(RankedTensorType type) {
  return "[" + llvm::join(llvm::map_range(type.getShape(), dimString), ", ") +
         "]";
}

//===----------------------------------------------------------------------===//
// LayerNormOp, RmsNormOp
//===----------------------------------------------------------------------===//

template <typename OpTy>
static LogicalResult verifyNorm(OpTy op) {
  RankedTensorType inputType = op.getInput().getType();
  int64_t rank = inputType.getRank();
  std::optional<int64_t> axis = normalizeAxis(op.getAxis(), rank);
  if (!axis)
    return op.emitOpError("axis ")
           << op.getAxis() << " is out of range for rank " << rank;
  ArrayRef<int64_t> normalized = inputType.getShape().drop_front(*axis);
  for (auto [name, param] : {std::pair<StringRef, Value>{"scale", op.getScale()},
                             {"bias", op.getBias()}}) {
    if (!param)
      continue;
    auto type = tensorType(param);
    if (type.getElementType() != inputType.getElementType() ||
        failed(verifyCompatibleShape(type.getShape(), normalized)))
      return op.emitOpError()
             << name << " must have the shape of the normalised dims ["
             << llvm::join(llvm::map_range(normalized, dimString), ", ")
             << "] and the input's element type, got " << type;
  }
  if (Value residual = op.getResidual())
    if (!isRefinementOf(residual.getType(), inputType) &&
        !isRefinementOf(inputType, residual.getType()))
      return op.emitOpError("residual must have the input's type, got ")
             << residual.getType();
  if (op.getEpsilon().isNegative())
    return op.emitOpError("epsilon must not be negative");
  return success();
}

LogicalResult LayerNormOp::verify() { return verifyNorm(*this); }
LogicalResult RmsNormOp::verify() { return verifyNorm(*this); }

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

/// The result of a layer of `n` features over `input` ([..., K] ->
/// [..., N]), after checking that `bias`, if any, is [N] of the input's
/// element type.
static LogicalResult inferLayerResult(std::optional<Location> location,
                                      StringRef name, RankedTensorType input,
                                      Value bias, int64_t n,
                                      SmallVectorImpl<Type> &inferred) {
  if (bias) {
    auto biasType = tensorType(bias);
    if (biasType.getRank() != 1 || !mergeDims(biasType.getDimSize(0), n) ||
        biasType.getElementType() != input.getElementType())
      return inferError(location, name,
                        "bias must be [" + dimString(n) +
                            "] of the input's "
                            "element type");
  }
  SmallVector<int64_t> shape(input.getShape().drop_back());
  shape.push_back(n);
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

/// The element type of a linear layer's result: the input's for a float
/// layer; for a quantized one, after checking the integer operands and
/// their scales and zero points, the scales' float type.
static FailureOr<Type> inferLinearElementType(std::optional<Location> location,
                                              StringRef name,
                                              LinearOp::Adaptor adaptor,
                                              int64_t n) {
  Type input = tensorType(adaptor.getInput()).getElementType();
  Type weight = tensorType(adaptor.getWeight()).getElementType();
  Value inputScale = adaptor.getInputScale(),
        inputZeroPoint = adaptor.getInputZeroPoint();
  Value weightScale = adaptor.getWeightScale(),
        weightZeroPoint = adaptor.getWeightZeroPoint();
  bool quantized = inputScale || inputZeroPoint || weightScale ||
                   weightZeroPoint || adaptor.getInputUnsigned() ||
                   adaptor.getWeightUnsigned();
  if (!quantized) {
    if (!isa<FloatType>(input) || weight != input)
      return inferError(location, name,
                        "weight and input must have the same float type "
                        "(or be 8-bit integers with input_quant and "
                        "weight_quant)");
    return input;
  }
  if (!input.isInteger(8) || !weight.isInteger(8))
    return inferError(location, name,
                      "a quantized layer needs 8-bit integer input and "
                      "weight");
  if (!inputScale || !inputZeroPoint || !weightScale || !weightZeroPoint)
    return inferError(location, name,
                      "a quantized layer needs the scale and zero point of "
                      "both its input and its weight");
  Type scale = tensorType(inputScale).getElementType();
  if (tensorType(weightScale).getElementType() != scale)
    return inferError(location, name,
                      "input and weight scales must have the same type");
  // Per tensor: 0-D or [1]; per output feature: [N] as well.
  auto checkParam = [&](StringRef what, Value v, Type element,
                        bool perFeature) -> LogicalResult {
    auto type = tensorType(v);
    bool perTensor =
        type.getRank() == 0 || (type.getRank() == 1 && type.getDimSize(0) == 1);
    bool perN =
        perFeature && type.getRank() == 1 && mergeDims(type.getDimSize(0), n);
    if (type.getElementType() != element || (!perTensor && !perN))
      return inferError(
          location, name,
          what + " must be " +
              (perFeature ? "0-D, [1] or [" + dimString(n) + "]"
                          : std::string("0-D or [1]")) +
              " of the " +
              (isa<FloatType>(element) ? "scales' type" : "quantized type"));
    return success();
  };
  if (failed(checkParam("input_scale", inputScale, scale, false)) ||
      failed(checkParam("input_zero_point", inputZeroPoint, input, false)) ||
      failed(checkParam("weight_scale", weightScale, scale, true)) ||
      failed(checkParam("weight_zero_point", weightZeroPoint, weight, true)))
    return failure();
  return scale;
}

/// A layer with a 4-bit weight in blocks of `block_size` along K: f32 input
/// [..., K], packed bytes [N, KB, block_size / 2] (the transposed layout),
/// f32 scales [N, KB] and zero points [N, KB] or 0-D.
static LogicalResult
inferBlockQuantizedLinear(std::optional<Location> location, StringRef name,
                          LinearOp::Adaptor adaptor,
                          SmallVectorImpl<Type> &inferred) {
  auto inputType = tensorType(adaptor.getInput());
  auto weightType = tensorType(adaptor.getWeight());
  Type f32 = Float32Type::get(inputType.getContext());
  int64_t blockSize = *adaptor.getBlockSize();
  if (blockSize < 2 || blockSize % 2)
    return inferError(location, name,
                      "block_size must be even and at least 2, got " +
                          Twine(blockSize));
  if (inputType.getElementType() != f32)
    return inferError(location, name, "a 4-bit layer needs an f32 input");
  if (!adaptor.getTransposeWeight())
    return inferError(location, name,
                      "a 4-bit layer needs transpose_weight (its weight is "
                      "[N, KB, block_size / 2])");
  if (adaptor.getInputScale() || adaptor.getInputZeroPoint() ||
      adaptor.getInputUnsigned() || adaptor.getWeightUnsigned())
    return inferError(location, name,
                      "a 4-bit layer takes no input_quant, input_unsigned or "
                      "weight_unsigned (its weight is unsigned nibbles)");
  if (!adaptor.getWeightScale())
    return inferError(location, name,
                      "a 4-bit layer needs weight_quant (scales and zero "
                      "points per block)");
  if (weightType.getRank() != 3 || !weightType.getElementType().isInteger(8) ||
      !mergeDims(weightType.getDimSize(2), blockSize / 2))
    return inferError(location, name,
                      "weight must be [N, KB, " + Twine(blockSize / 2) +
                          "] bytes for block_size " + Twine(blockSize) +
                          ", got " + shapeString(weightType));
  int64_t n = weightType.getDimSize(0), blocks = weightType.getDimSize(1);
  int64_t k = inputType.getShape().back();
  if (!ShapedType::isDynamic(k) && !ShapedType::isDynamic(blocks) &&
      (k > blocks * blockSize || k <= (blocks - 1) * blockSize))
    return inferError(location, name,
                      "input has " + Twine(k) + " features but the weight " +
                          Twine(blocks) + " blocks of " + Twine(blockSize));
  auto checkBlocks = [&](StringRef what, Value v,
                         bool scalarOk) -> LogicalResult {
    auto type = tensorType(v);
    if (type.getElementType() != f32 ||
        !((scalarOk && type.getRank() == 0) ||
          (type.getRank() == 2 && mergeDims(type.getDimSize(0), n) &&
           mergeDims(type.getDimSize(1), blocks))))
      return inferError(
          location, name,
          what + " must be f32 [" + dimString(n) + ", " + dimString(blocks) +
              "]" + (scalarOk ? " or 0-D" : "") + ", got " + shapeString(type));
    return success();
  };
  if (failed(checkBlocks("weight_scale", adaptor.getWeightScale(), false)) ||
      failed(
          checkBlocks("weight_zero_point", adaptor.getWeightZeroPoint(), true)))
    return failure();
  return inferLayerResult(location, name, inputType, adaptor.getBias(), n,
                          inferred);
}

LogicalResult LinearOp::inferResultTypes(MLIRContext */*context*/,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = tensorType(adaptor.getInput());
  auto weightType = tensorType(adaptor.getWeight());
  if (inputType.getRank() < 1)
    return inferError(location, name, "input must have rank 1 or more");
  if (adaptor.getBlockSize())
    return inferBlockQuantizedLinear(location, name, adaptor, inferred);
  if (weightType.getRank() != 2)
    return inferError(location, name, "weight must be a matrix");
  bool transposed = adaptor.getTransposeWeight();
  int64_t k = weightType.getDimSize(transposed ? 1 : 0);
  int64_t n = weightType.getDimSize(transposed ? 0 : 1);
  if (!mergeDims(inputType.getShape().back(), k))
    return inferError(location, name,
                      "input has " + dimString(inputType.getShape().back()) +
                          " features but the weight expects " + dimString(k));
  FailureOr<Type> resultElement =
      inferLinearElementType(location, name, adaptor, n);
  if (failed(resultElement))
    return failure();
  // The bias and the result share the float type of the scales.
  RankedTensorType layerType =
      RankedTensorType::get(inputType.getShape(), *resultElement);
  return inferLayerResult(location, name, layerType, adaptor.getBias(), n,
                          inferred);
}

LogicalResult
LinearOp::reifyResultShapes(OpBuilder &b,
                            ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  SmallVector<OpFoldResult> sizes = getDimSizes(b, getLoc(), getInput());
  sizes.back() =
      getDimSize(b, getLoc(), getWeight(), getTransposeWeight() ? 0 : 1);
  reifiedReturnShapes.push_back(sizes);
  return success();
}

//===----------------------------------------------------------------------===//
// MlpOp
//===----------------------------------------------------------------------===//

LogicalResult MlpOp::inferResultTypes(MLIRContext */*context*/,
                                      std::optional<Location> location,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = tensorType(adaptor.getInput());
  Type elementType = inputType.getElementType();
  if (inputType.getRank() < 1)
    return inferError(location, name, "input must have rank 1 or more");

  auto checkMatrix = [&](StringRef what, Value w, int64_t rows,
                         int64_t &cols) -> LogicalResult {
    auto type = tensorType(w);
    if (type.getRank() != 2 || type.getElementType() != elementType ||
        !mergeDims(type.getDimSize(0), rows))
      return inferError(location, name,
                        what + " weight must be [" + dimString(rows) +
                            ", N] of the input's element type, got " +
                            dimString(type.getRank() == 2 ? type.getDimSize(0)
                                                          : -1) +
                            " rows");
    cols = type.getDimSize(1);
    return success();
  };
  auto checkBias = [&](StringRef what, Value bias,
                       int64_t size) -> LogicalResult {
    if (!bias)
      return success();
    auto type = tensorType(bias);
    if (type.getRank() != 1 || type.getElementType() != elementType ||
        !mergeDims(type.getDimSize(0), size))
      return inferError(location, name,
                        what + " bias must be [" + dimString(size) + "]");
    return success();
  };

  int64_t d = inputType.getShape().back(), hidden, gateHidden, out;
  if (failed(checkMatrix("up", adaptor.getUp(), d, hidden)) ||
      failed(checkBias("up", adaptor.getUpBias(), hidden)))
    return failure();
  if (Value gate = adaptor.getGate()) {
    if (failed(checkMatrix("gate", gate, d, gateHidden)))
      return failure();
    std::optional<int64_t> merged = mergeDims(hidden, gateHidden);
    if (!merged)
      return inferError(location, name,
                        "gate and up weights have different hidden sizes");
    hidden = *merged;
    if (failed(checkBias("gate", adaptor.getGateBias(), hidden)))
      return failure();
  } else if (adaptor.getGateBias()) {
    return inferError(location, name, "gate bias without a gate weight");
  }
  if (failed(checkMatrix("down", adaptor.getDown(), hidden, out)) ||
      failed(checkBias("down", adaptor.getDownBias(), out)))
    return failure();

  SmallVector<int64_t> shape(inputType.getShape().drop_back());
  shape.push_back(out);
  inferred.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult
MlpOp::reifyResultShapes(OpBuilder &b,
                         ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  SmallVector<OpFoldResult> sizes = getDimSizes(b, getLoc(), getInput());
  sizes.back() = getDimSize(b, getLoc(), getDown(), 1);
  reifiedReturnShapes.push_back(sizes);
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::inferResultTypes(MLIRContext */*context*/,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto q = tensorType(adaptor.getQuery());
  auto k = tensorType(adaptor.getKey());
  auto v = tensorType(adaptor.getValue());
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return inferError(location, name,
                      "query, key and value must be 4-D [batch, heads, "
                      "sequence, head_dim]");
  Type elementType = q.getElementType();
  if (k.getElementType() != elementType || v.getElementType() != elementType)
    return inferError(location, name,
                      "query, key and value must share an element type");

  auto fail = [&](const Twine &msg) { return inferError(location, name, msg); };
  std::optional<int64_t> batch = mergeDims(q.getDimSize(0), k.getDimSize(0));
  if (batch)
    batch = mergeDims(*batch, v.getDimSize(0));
  if (!batch)
    return fail("query, key and value have different batch sizes");
  std::optional<int64_t> kvHeads = mergeDims(k.getDimSize(1), v.getDimSize(1));
  if (!kvHeads)
    return fail("key and value have different head counts");
  int64_t qHeads = q.getDimSize(1);
  if (!ShapedType::isDynamic(qHeads) && !ShapedType::isDynamic(*kvHeads) &&
      (*kvHeads == 0 || qHeads % *kvHeads != 0))
    return fail("query heads (" + Twine(qHeads) +
                ") must be a multiple of key/value heads (" + Twine(*kvHeads) +
                ")");
  std::optional<int64_t> kvSeq = mergeDims(k.getDimSize(2), v.getDimSize(2));
  if (!kvSeq)
    return fail("key and value have different sequence lengths");
  std::optional<int64_t> headDim = mergeDims(q.getDimSize(3), k.getDimSize(3));
  if (!headDim)
    return fail("query and key have different head dims (" +
                dimString(q.getDimSize(3)) + " and " +
                dimString(k.getDimSize(3)) + ")");
  int64_t valueDim = v.getDimSize(3);

  // Past keys and values come before the new ones.
  Value pastKey = adaptor.getPastKey(), pastValue = adaptor.getPastValue();
  int64_t totalSeq = *kvSeq;
  if (static_cast<bool>(pastKey) != static_cast<bool>(pastValue))
    return fail("past_key and past_value go together");
  if (pastKey) {
    auto pk = tensorType(pastKey), pv = tensorType(pastValue);
    if (pk.getRank() != 4 || pv.getRank() != 4 ||
        pk.getElementType() != elementType ||
        pv.getElementType() != elementType)
      return fail("past_key and past_value must be 4-D like key and value");
    std::optional<int64_t> pastSeq =
        mergeDims(pk.getDimSize(2), pv.getDimSize(2));
    if (!mergeDims(pk.getDimSize(0), *batch) ||
        !mergeDims(pv.getDimSize(0), *batch) ||
        !mergeDims(pk.getDimSize(1), *kvHeads) ||
        !mergeDims(pv.getDimSize(1), *kvHeads) || !pastSeq ||
        !mergeDims(pk.getDimSize(3), *headDim) ||
        !mergeDims(pv.getDimSize(3), valueDim))
      return fail("past_key must be [B, Hkv, P, D] and past_value "
                  "[B, Hkv, P, Dv], matching key and value");
    totalSeq = ShapedType::isDynamic(*pastSeq) || ShapedType::isDynamic(*kvSeq)
                   ? ShapedType::kDynamic
                   : *pastSeq + *kvSeq;
  }

  if (Value mask = adaptor.getMask()) {
    auto m = tensorType(mask);
    Type maskElement = m.getElementType();
    if (!maskElement.isInteger(1) && maskElement != elementType)
      return fail("mask must be i1 or the query's element type");
    SmallVector<int64_t> scores = {*batch, qHeads, q.getDimSize(2), totalSeq};
    if (m.getRank() > 4)
      return fail("mask has rank " + Twine(m.getRank()) + ", at most 4");
    FailureOr<SmallVector<int64_t>> shape =
        broadcastShapes(m.getShape(), scores);
    if (failed(shape) || !isRefinementOf(RankedTensorType::get(*shape, elementType),
                                         RankedTensorType::get(scores, elementType)))
      return fail("mask does not broadcast to the scores' shape [B, Hq, Sq, "
                  "P + Skv]");
  }
  if (std::optional<APFloat> scale = adaptor.getScale())
    if (scale->isZero() || scale->isNaN())
      return fail("scale must be non-zero");

  Value slopes = adaptor.getAlibiSlopes();
  Value positions = adaptor.getAlibiPositions();
  if (static_cast<bool>(slopes) != static_cast<bool>(positions))
    return fail("alibi_slopes and alibi_positions go together");
  if (slopes) {
    auto s = tensorType(slopes), p = tensorType(positions);
    if (s.getElementType() != elementType || p.getElementType() != elementType)
      return fail("alibi_slopes and alibi_positions must have the query's "
                  "element type");
    if (s.getRank() != 1 || !mergeDims(s.getDimSize(0), qHeads))
      return fail("alibi_slopes must be [Hq], one slope per query head");
    if (p.getRank() != 2 ||
        (p.getDimSize(0) != 1 && !mergeDims(p.getDimSize(0), *batch)) ||
        (p.getDimSize(1) != 1 && !mergeDims(p.getDimSize(1), totalSeq)))
      return fail("alibi_positions must be [B or 1, P + Skv]");
  }

  inferred.push_back(RankedTensorType::get(
      {*batch, qHeads, q.getDimSize(2), valueDim}, elementType));
  if (pastKey) {
    inferred.push_back(RankedTensorType::get(
        {*batch, *kvHeads, totalSeq, *headDim}, elementType));
    inferred.push_back(RankedTensorType::get(
        {*batch, *kvHeads, totalSeq, valueDim}, elementType));
  }
  return success();
}

LogicalResult AttentionOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  reifiedReturnShapes.push_back({getDimSize(b, loc, getQuery(), 0),
                                 getDimSize(b, loc, getQuery(), 1),
                                 getDimSize(b, loc, getQuery(), 2),
                                 getDimSize(b, loc, getValue(), 3)});
  if (getPastKey()) {
    Value total = arith::AddIOp::create(
        b, loc,
        getValueOrCreateConstantIndexOp(b, loc,
                                        getDimSize(b, loc, getPastKey(), 2)),
        getValueOrCreateConstantIndexOp(b, loc, getDimSize(b, loc, getKey(), 2)));
    for (Value v : {getKey(), getValue()})
      reifiedReturnShapes.push_back({getDimSize(b, loc, v, 0),
                                     getDimSize(b, loc, v, 1), total,
                                     getDimSize(b, loc, v, 3)});
  }
  return success();
}

//===----------------------------------------------------------------------===//
// RotaryEmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult RotaryEmbeddingOp::verify() {
  RankedTensorType inputType = getInput().getType();
  int64_t numHeads = getNumHeads();
  int64_t headDim;
  if (inputType.getRank() == 4) {
    if (numHeads != 0 && !ShapedType::isDynamic(inputType.getDimSize(1)) &&
        inputType.getDimSize(1) != numHeads)
      return emitOpError("num_heads ")
             << numHeads << " differs from the input's head dim "
             << inputType.getDimSize(1);
    headDim = inputType.getDimSize(3);
  } else if (inputType.getRank() == 3) {
    if (numHeads <= 0)
      return emitOpError("a 3-D input [B, S, H * D] needs num_heads");
    int64_t hidden = inputType.getDimSize(2);
    if (!ShapedType::isDynamic(hidden) && hidden % numHeads != 0)
      return emitOpError("hidden size ")
             << hidden << " is not a multiple of num_heads " << numHeads;
    headDim = ShapedType::isDynamic(hidden) ? hidden : hidden / numHeads;
  } else {
    return emitOpError("input must be [B, H, S, D] or [B, S, H * D]");
  }

  RankedTensorType cosType = getCosCache().getType();
  if (cosType != getSinCache().getType())
    return emitOpError("cos_cache and sin_cache must have the same type");
  if (cosType.getElementType() != inputType.getElementType())
    return emitOpError("caches must have the input's element type");
  int64_t expectedRank = getPositionIds() ? 2 : 3;
  if (cosType.getRank() != expectedRank)
    return emitOpError("caches must be ")
           << (getPositionIds() ? "[max_position, R / 2] with position_ids"
                                : "[B, S, R / 2] without position_ids");
  if (Value ids = getPositionIds())
    if (tensorType(ids).getRank() != 2)
      return emitOpError("position_ids must be [B, S]");

  int64_t half = cosType.getShape().back();
  int64_t rotaryDim = getRotaryEmbeddingDim();
  if (rotaryDim < 0 || rotaryDim % 2 != 0)
    return emitOpError("rotary_embedding_dim must be even and non-negative");
  if (rotaryDim == 0 && !ShapedType::isDynamic(half))
    rotaryDim = 2 * half;
  if (rotaryDim != 0 && !ShapedType::isDynamic(half) && 2 * half != rotaryDim)
    return emitOpError("caches hold ")
           << half << " angles per position, rotary_embedding_dim needs "
           << rotaryDim / 2;
  if (rotaryDim != 0 && !ShapedType::isDynamic(headDim) && rotaryDim > headDim)
    return emitOpError("rotary dim ")
           << rotaryDim << " exceeds the head dim " << headDim;
  return success();
}
