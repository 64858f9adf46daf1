//===- XfmrTensorOps.cpp - Softmax, matmul and conv -----------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/TypeUtilities.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace mlir::xfmr;

//===----------------------------------------------------------------------===//
// SoftmaxOp, LogSoftmaxOp
//===----------------------------------------------------------------------===//

template <typename OpTy>
static LogicalResult verifySoftmaxAxis(OpTy op) {
  int64_t rank = op.getInput().getType().getRank();
  if (!normalizeAxis(op.getAxis(), rank))
    return op.emitOpError("axis ")
           << op.getAxis() << " is out of range for rank " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifySoftmaxAxis(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifySoftmaxAxis(*this); }

//===----------------------------------------------------------------------===//
// MatMulOp
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferResultTypes(MLIRContext */*context*/,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto lhsType = cast<RankedTensorType>(adaptor.getLhs().getType());
  auto rhsType = cast<RankedTensorType>(adaptor.getRhs().getType());
  StringRef name = getOperationName();
  if (lhsType.getRank() == 0 || rhsType.getRank() == 0)
    return inferError(location, name, "operands must have rank 1 or more");
  if (lhsType.getElementType() != rhsType.getElementType())
    return inferError(location, name, "operands have different element types");

  // Numpy promotion: a 1-D lhs is a row [1, K], a 1-D rhs a column [K, 1].
  SmallVector<int64_t> lhs(lhsType.getShape()), rhs(rhsType.getShape());
  bool lhsVector = lhs.size() == 1, rhsVector = rhs.size() == 1;
  if (lhsVector)
    lhs.insert(lhs.begin(), 1);
  if (rhsVector)
    rhs.push_back(1);

  int64_t lhsK = lhs.back(), rhsK = rhs[rhs.size() - 2];
  if (!ShapedType::isDynamic(lhsK) && !ShapedType::isDynamic(rhsK) &&
      lhsK != rhsK)
    return inferError(location, name,
                      "contraction sizes differ: lhs has " + Twine(lhsK) +
                          ", rhs has " + Twine(rhsK));

  FailureOr<SmallVector<int64_t>> batch =
      broadcastShapes(ArrayRef(lhs).drop_back(2), ArrayRef(rhs).drop_back(2));
  if (failed(batch))
    return inferError(location, name, "batch dims are not broadcast-compatible");
  SmallVector<int64_t> shape = *batch;
  if (!lhsVector)
    shape.push_back(lhs[lhs.size() - 2]);
  if (!rhsVector)
    shape.push_back(rhs.back());
  inferred.push_back(RankedTensorType::get(shape, lhsType.getElementType()));
  return success();
}

LogicalResult
MatMulOp::reifyResultShapes(OpBuilder &builder,
                            ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  Value lhs = getLhs(), rhs = getRhs();
  int64_t lhsRank = getLhs().getType().getRank();
  int64_t rhsRank = getRhs().getType().getRank();
  auto resultType = cast<RankedTensorType>(getType());
  int64_t rank = resultType.getRank();
  int64_t batchRank = rank - (lhsRank > 1) - (rhsRank > 1);

  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < batchRank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(builder.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    // Batch dims broadcast; pick the operand dim that is not 1.
    int64_t l = i - (batchRank - (lhsRank - 2));
    int64_t r = i - (batchRank - (rhsRank - 2));
    Value lhsDim, rhsDim;
    if (l >= 0 && lhsRank > 2)
      lhsDim = getValueOrCreateConstantIndexOp(
          builder, loc, getDimSize(builder, loc, lhs, l));
    if (r >= 0 && rhsRank > 2)
      rhsDim = getValueOrCreateConstantIndexOp(
          builder, loc, getDimSize(builder, loc, rhs, r));
    if (!lhsDim || !rhsDim) {
      sizes.push_back(lhsDim ? lhsDim : rhsDim);
      continue;
    }
    sizes.push_back(
        arith::MaxUIOp::create(builder, loc, lhsDim, rhsDim).getResult());
  }
  if (lhsRank > 1)
    sizes.push_back(getDimSize(builder, loc, lhs, lhsRank - 2));
  if (rhsRank > 1)
    sizes.push_back(getDimSize(builder, loc, rhs, rhsRank - 1));
  reifiedReturnShapes.push_back(sizes);
  return success();
}

//===----------------------------------------------------------------------===//
// ConvOp
//===----------------------------------------------------------------------===//

namespace {
/// Strides, begin/end pads and dilations of a conv, defaults filled in.
struct ConvGeometry {
  SmallVector<int64_t> strides, padBegin, padEnd, dilations;
};
} // namespace

static FailureOr<ConvGeometry>
getConvGeometry(std::optional<Location> loc, StringRef name,
                int64_t spatialRank, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations) {
  ConvGeometry g;
  g.strides.assign(strides.begin(), strides.end());
  g.dilations.assign(dilations.begin(), dilations.end());
  if (g.strides.empty())
    g.strides.assign(spatialRank, 1);
  if (g.dilations.empty())
    g.dilations.assign(spatialRank, 1);
  if (static_cast<int64_t>(g.strides.size()) != spatialRank ||
      static_cast<int64_t>(g.dilations.size()) != spatialRank)
    return inferError(loc, name,
                      "strides and dilations need one value per spatial dim (" +
                          Twine(spatialRank) + ")");
  if (!pads.empty() && static_cast<int64_t>(pads.size()) != 2 * spatialRank)
    return inferError(loc, name,
                      "pads need a begin and an end per spatial dim (" +
                          Twine(2 * spatialRank) + " values)");
  for (int64_t i = 0; i < spatialRank; ++i) {
    g.padBegin.push_back(pads.empty() ? 0 : pads[i]);
    g.padEnd.push_back(pads.empty() ? 0 : pads[spatialRank + i]);
  }
  if (llvm::any_of(g.strides, [](int64_t s) { return s <= 0; }) ||
      llvm::any_of(g.dilations, [](int64_t d) { return d <= 0; }) ||
      llvm::any_of(g.padBegin, [](int64_t p) { return p < 0; }) ||
      llvm::any_of(g.padEnd, [](int64_t p) { return p < 0; }))
    return inferError(loc, name,
                      "strides and dilations must be positive, pads "
                      "non-negative");
  return g;
}

LogicalResult ConvOp::inferResultTypes(MLIRContext */*context*/,
                                       std::optional<Location> location,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  auto weightType = cast<RankedTensorType>(adaptor.getWeight().getType());
  int64_t rank = inputType.getRank();
  if (rank < 3 || rank > 5)
    return inferError(location, name,
                      "input must be [N, C, W], [N, C, H, W] or "
                      "[N, C, D, H, W], got rank " +
                          Twine(rank));
  if (weightType.getRank() != rank)
    return inferError(location, name,
                      "weight must have the input's rank " + Twine(rank));
  int64_t group = adaptor.getGroup();
  if (group <= 0)
    return inferError(location, name, "group must be positive");

  int64_t channels = inputType.getDimSize(1);
  int64_t outChannels = weightType.getDimSize(0);
  int64_t weightChannels = weightType.getDimSize(1);
  if (!ShapedType::isDynamic(channels) &&
      !ShapedType::isDynamic(weightChannels) &&
      channels != weightChannels * group)
    return inferError(location, name,
                      "input has " + Twine(channels) +
                          " channels, weight expects " +
                          Twine(weightChannels) + " x group " + Twine(group));
  if (!ShapedType::isDynamic(outChannels) && outChannels % group != 0)
    return inferError(location, name,
                      "output channels must be a multiple of group");
  if (Value bias = adaptor.getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 ||
        failed(verifyCompatibleDims({biasType.getDimSize(0), outChannels})))
      return inferError(location, name,
                        "bias must be [M] with M the weight's dim 0");
  }

  FailureOr<ConvGeometry> g =
      getConvGeometry(location, name, rank - 2, adaptor.getStrides(),
                      adaptor.getPads(), adaptor.getDilations());
  if (failed(g))
    return failure();

  SmallVector<int64_t> shape = {inputType.getDimSize(0), outChannels};
  for (int64_t i = 0; i < rank - 2; ++i) {
    int64_t in = inputType.getDimSize(i + 2);
    int64_t kernel = weightType.getDimSize(i + 2);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(kernel)) {
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t span = g->dilations[i] * (kernel - 1) + 1;
    int64_t padded = in + g->padBegin[i] + g->padEnd[i];
    if (padded < span)
      return inferError(location, name,
                        "kernel of extent " + Twine(span) +
                            " does not fit the padded spatial dim " +
                            Twine(padded));
    shape.push_back((padded - span) / g->strides[i] + 1);
  }
  inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

LogicalResult
ConvOp::reifyResultShapes(OpBuilder &builder,
                          ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  int64_t rank = getInput().getType().getRank();
  FailureOr<ConvGeometry> g =
      getConvGeometry(loc, getOperationName(), rank - 2, getStrides(),
                      getPads(), getDilations());
  if (failed(g))
    return failure();
  SmallVector<OpFoldResult> sizes = {
      getDimSize(builder, loc, getInput(), 0),
      getDimSize(builder, loc, getWeight(), 0)};
  auto resultType = cast<RankedTensorType>(getType());
  for (int64_t i = 0; i < rank - 2; ++i) {
    if (!resultType.isDynamicDim(i + 2)) {
      sizes.push_back(builder.getIndexAttr(resultType.getDimSize(i + 2)));
      continue;
    }
    // (in + pads - (dilation * (kernel - 1) + 1)) / stride + 1
    auto idx = [&](int64_t v) {
      return arith::ConstantIndexOp::create(builder, loc, v).getResult();
    };
    Value in = getValueOrCreateConstantIndexOp(
        builder, loc, getDimSize(builder, loc, getInput(), i + 2));
    Value kernel = getValueOrCreateConstantIndexOp(
        builder, loc, getDimSize(builder, loc, getWeight(), i + 2));
    Value span = arith::AddIOp::create(
        builder, loc,
        arith::MulIOp::create(builder, loc, idx(g->dilations[i]),
                              arith::SubIOp::create(builder, loc, kernel,
                                                    idx(1))),
        idx(1));
    Value padded = arith::AddIOp::create(
        builder, loc, in, idx(g->padBegin[i] + g->padEnd[i]));
    Value out = arith::AddIOp::create(
        builder, loc,
        arith::DivUIOp::create(builder, loc,
                               arith::SubIOp::create(builder, loc, padded,
                                                     span),
                               idx(g->strides[i])),
        idx(1));
    sizes.push_back(out);
  }
  reifiedReturnShapes.push_back(sizes);
  return success();
}
