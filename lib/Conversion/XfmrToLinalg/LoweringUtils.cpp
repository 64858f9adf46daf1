//===- LoweringUtils.cpp - Shared steps of the xfmr-to-linalg patterns ----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrShapeInference.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr;

FailureOr<Value> mlir::xfmr::createEmptyResult(OpBuilder &b, Operation *op) {
  ReifiedRankedShapedTypeDims shapes;
  if (failed(reifyResultShapes(b, op, shapes)))
    return failure();
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  // Reification may know more or less than the result type says; the type
  // decides which dims are static.
  SmallVector<OpFoldResult> sizes;
  for (auto [i, size] : llvm::enumerate(shapes.front()))
    sizes.push_back(type.isDynamicDim(i)
                        ? OpFoldResult(getValueOrCreateConstantIndexOp(
                              b, op->getLoc(), size))
                        : OpFoldResult(b.getIndexAttr(type.getDimSize(i))));
  return tensor::EmptyOp::create(b, op->getLoc(), sizes, type.getElementType())
      .getResult();
}

Value mlir::xfmr::createEmptyLike(OpBuilder &b, Location loc, Value like,
                                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, getDimSizes(b, loc, like),
                                 elementType);
}

Value mlir::xfmr::createFilled(OpBuilder &b, Location loc,
                               ArrayRef<OpFoldResult> sizes, Value value) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, value.getType());
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

Value mlir::xfmr::replaceIf(
    OpBuilder &b, Location loc, Value condition, Value value,
    function_ref<Value(OpBuilder &, Location)> replacement) {
  auto type = cast<RankedTensorType>(value.getType());
  return scf::IfOp::create(
             b, loc, condition,
             [&](OpBuilder &nb, Location l) {
               Value other = replacement(nb, l);
               if (other.getType() != type)
                 other = tensor::CastOp::create(nb, l, type, other);
               scf::YieldOp::create(nb, l, other);
             },
             [&](OpBuilder &nb, Location l) {
               scf::YieldOp::create(nb, l, value);
             })
      .getResult(0);
}

Value mlir::xfmr::zerosIfFailed(OpBuilder &b, Location loc, Value failed,
                                Value value, ArrayRef<OpFoldResult> sizes) {
  Type elementType = cast<RankedTensorType>(value.getType()).getElementType();
  return replaceIf(b, loc, failed, value, [&](OpBuilder &nb, Location l) {
    Value zero = arith::ConstantOp::create(nb, l, nb.getZeroAttr(elementType));
    return createFilled(nb, l, sizes, zero);
  });
}

Value mlir::xfmr::castToResultType(OpBuilder &b, Location loc, Value value,
                                   Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

//===----------------------------------------------------------------------===//
// Index arithmetic
//===----------------------------------------------------------------------===//

/// Folds `lhs op rhs` when both are constant, otherwise builds `OpTy`.
template <typename OpTy>
static OpFoldResult sizeArith(OpBuilder &b, Location loc, OpFoldResult lhs,
                              OpFoldResult rhs,
                              function_ref<int64_t(int64_t, int64_t)> fold) {
  std::optional<int64_t> l = getConstantIntValue(lhs);
  std::optional<int64_t> r = getConstantIntValue(rhs);
  if (l && r)
    return b.getIndexAttr(fold(*l, *r));
  return OpTy::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, lhs),
                      getValueOrCreateConstantIndexOp(b, loc, rhs))
      .getResult();
}

OpFoldResult mlir::xfmr::addSizes(OpBuilder &b, Location loc, OpFoldResult lhs,
                                  OpFoldResult rhs) {
  if (isConstantIntValue(rhs, 0))
    return lhs;
  return sizeArith<arith::AddIOp>(b, loc, lhs, rhs,
                                  [](int64_t x, int64_t y) { return x + y; });
}

OpFoldResult mlir::xfmr::mulSizes(OpBuilder &b, Location loc, OpFoldResult lhs,
                                  OpFoldResult rhs) {
  if (isConstantIntValue(rhs, 1))
    return lhs;
  return sizeArith<arith::MulIOp>(b, loc, lhs, rhs,
                                  [](int64_t x, int64_t y) { return x * y; });
}

OpFoldResult mlir::xfmr::divSizes(OpBuilder &b, Location loc, OpFoldResult lhs,
                                  OpFoldResult rhs) {
  if (isConstantIntValue(rhs, 1))
    return lhs;
  return sizeArith<arith::DivUIOp>(
      b, loc, lhs, rhs, [](int64_t x, int64_t y) { return y ? x / y : 0; });
}

Value mlir::xfmr::sizeAsFloat(OpBuilder &b, Location loc, OpFoldResult size,
                              Type type) {
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(type, static_cast<double>(*c)));
  Value asInt = arith::IndexCastOp::create(
      b, loc, b.getI64Type(), getValueOrCreateConstantIndexOp(b, loc, size));
  return arith::SIToFPOp::create(b, loc, type, asInt);
}

OpFoldResult mlir::xfmr::tileSize(OpBuilder &b, Location loc, int64_t tile,
                                  Value offset, OpFoldResult end) {
  if (std::optional<int64_t> e = getConstantIntValue(end); e && *e % tile == 0)
    return b.getIndexAttr(tile);
  MLIRContext *context = b.getContext();
  AffineMap map = AffineMap::get(
      1, 1,
      {getAffineConstantExpr(tile, context),
       getAffineSymbolExpr(0, context) - getAffineDimExpr(0, context)},
      context);
  return affine::makeComposedFoldedAffineMin(b, loc, map, {offset, end});
}

int64_t mlir::xfmr::clampTileSize(int64_t tile, OpFoldResult size) {
  if (std::optional<int64_t> s = getConstantIntValue(size); s && *s > 0)
    return std::min(tile, *s);
  return tile;
}

Value mlir::xfmr::extractTile(OpBuilder &b, Location loc, Value source,
                              ArrayRef<OpFoldResult> offsets,
                              ArrayRef<OpFoldResult> sizes,
                              ArrayRef<int64_t> kept) {
  // Only attribute sizes are static in the slice's own type.
  SmallVector<int64_t> shape;
  for (int64_t d : kept)
    shape.push_back(isa<Attribute>(sizes[d]) ? *getConstantIntValue(sizes[d])
                                             : ShapedType::kDynamic);
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(source.getType()).getElementType());
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, source, offsets, sizes,
                                        strides);
}

//===----------------------------------------------------------------------===//
// Reshapes and generics
//===----------------------------------------------------------------------===//

Value mlir::xfmr::splitDim(OpBuilder &b, Location loc, Value value,
                           int64_t dim, ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(value.getType());
  // expand_shape wants the split dim static exactly when all its parts are:
  // cast the source to agree.
  std::optional<SmallVector<int64_t>> parts = getConstantIntValues(sizes);
  int64_t whole = parts ? llvm::product_of(*parts) : ShapedType::kDynamic;
  if (type.getDimSize(dim) != whole) {
    SmallVector<int64_t> shape(type.getShape());
    shape[dim] = whole;
    type = type.clone(shape);
    value = tensor::CastOp::create(b, loc, type, value);
  }
  SmallVector<OpFoldResult> shape;
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    ReassociationIndices group;
    if (d == dim) {
      for (OpFoldResult size : sizes) {
        group.push_back(shape.size());
        shape.push_back(size);
      }
    } else {
      group.push_back(shape.size());
      shape.push_back(getDimSize(b, loc, value, d));
    }
    groups.push_back(group);
  }
  SmallVector<int64_t> staticShape = llvm::map_to_vector(
      shape, [](OpFoldResult s) {
        return getConstantIntValue(s).value_or(ShapedType::kDynamic);
      });
  auto resultType = RankedTensorType::get(staticShape, type.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, resultType, value, groups,
                                       shape);
}

Value mlir::xfmr::mergeDims(OpBuilder &b, Location loc, Value value,
                            int64_t dim, int64_t count) {
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d) {
    if (d > dim && d < dim + count)
      groups.back().push_back(d);
    else
      groups.push_back({d});
  }
  return tensor::CollapseShapeOp::create(b, loc, value, groups);
}

SmallVector<utils::IteratorType> mlir::xfmr::parallelIterators(int64_t count) {
  return SmallVector<utils::IteratorType>(count, utils::IteratorType::parallel);
}

AffineMap mlir::xfmr::dimsMap(MLIRContext *context, int64_t numDims,
                              ArrayRef<int64_t> dims) {
  SmallVector<AffineExpr> exprs = llvm::map_to_vector(
      dims, [&](int64_t d) { return getAffineDimExpr(d, context); });
  return AffineMap::get(numDims, 0, exprs, context);
}

Value mlir::xfmr::buildGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, Value init,
    ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iterators,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
             })
      .getResult(0);
}

Value mlir::xfmr::buildParallelGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, ArrayRef<AffineMap> maps,
    Value init, function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = cast<RankedTensorType>(init.getType()).getRank();
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(b.getMultiDimIdentityMap(rank));
  return buildGeneric(b, loc, inputs, init, allMaps, parallelIterators(rank),
                      body);
}

Value mlir::xfmr::buildContraction(OpBuilder &b, Location loc, Value lhs,
                                   Value rhs, Value init,
                                   ArrayRef<AffineMap> maps,
                                   ArrayRef<utils::IteratorType> iterators) {
  return buildGeneric(
      b, loc, ValueRange{lhs, rhs}, init, maps, iterators,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        if (isa<FloatType>(args[0].getType()))
          return arith::AddFOp::create(
              nb, l, args[2], arith::MulFOp::create(nb, l, args[0], args[1]));
        return arith::AddIOp::create(
            nb, l, args[2], arith::MulIOp::create(nb, l, args[0], args[1]));
      });
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

Value mlir::xfmr::identityValue(OpBuilder &b, Location loc, Type type,
                                Combiner kind) {
  if (auto floatType = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &sem = floatType.getFloatSemantics();
    APFloat value = kind == Combiner::Sum    ? APFloat::getZero(sem)
                    : kind == Combiner::Prod ? APFloat::getOne(sem)
                    : kind == Combiner::Max
                        ? APFloat::getInf(sem, /*Negative=*/true)
                        : APFloat::getInf(sem, /*Negative=*/false);
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  }
  unsigned width = type.getIntOrFloatBitWidth();
  // Booleans order false < true (unsigned); other integers are signed.
  bool isBool = width == 1;
  APInt value =
      kind == Combiner::Sum    ? APInt::getZero(width)
      : kind == Combiner::Prod ? APInt(width, 1)
      : kind == Combiner::Max
          ? (isBool ? APInt::getZero(width) : APInt::getSignedMinValue(width))
          : (isBool ? APInt::getAllOnes(width)
                    : APInt::getSignedMaxValue(width));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value mlir::xfmr::combine(OpBuilder &b, Location loc, Combiner kind, Value a,
                          Value c) {
  bool isFloat = isa<FloatType>(a.getType());
  bool isBool = a.getType().isInteger(1);
  switch (kind) {
  case Combiner::Sum:
    return isFloat ? Value(arith::AddFOp::create(b, loc, a, c))
                   : Value(arith::AddIOp::create(b, loc, a, c));
  case Combiner::Prod:
    if (isBool)
      return arith::AndIOp::create(b, loc, a, c);
    return isFloat ? Value(arith::MulFOp::create(b, loc, a, c))
                   : Value(arith::MulIOp::create(b, loc, a, c));
  case Combiner::Max:
    if (isBool)
      return arith::MaxUIOp::create(b, loc, a, c);
    return isFloat ? Value(arith::MaximumFOp::create(b, loc, a, c))
                   : Value(arith::MaxSIOp::create(b, loc, a, c));
  case Combiner::Min:
    if (isBool)
      return arith::MinUIOp::create(b, loc, a, c);
    return isFloat ? Value(arith::MinimumFOp::create(b, loc, a, c))
                   : Value(arith::MinSIOp::create(b, loc, a, c));
  }
  llvm_unreachable("unknown combiner");
}

AffineMap mlir::xfmr::keptDimsMap(MLIRContext *context,
                                  ArrayRef<bool> reduced) {
  SmallVector<int64_t> kept;
  for (auto [i, isReduced] : llvm::enumerate(reduced))
    if (!isReduced)
      kept.push_back(i);
  return dimsMap(context, reduced.size(), kept);
}

void mlir::xfmr::appendRowLoops(OpBuilder &b, Location loc, Value x,
                                int64_t rows, SmallVectorImpl<int64_t> &xDims,
                                SmallVectorImpl<int64_t> &outDims,
                                SmallVectorImpl<OpFoldResult> &sizes) {
  for (int64_t d = 0; d < rows; ++d) {
    xDims.push_back(d);
    outDims.push_back(d);
    sizes.push_back(getDimSize(b, loc, x, d));
  }
}

void mlir::xfmr::reductionLoops(OpBuilder &b, Location loc, Value input,
                                ArrayRef<bool> reduced,
                                SmallVectorImpl<utils::IteratorType> &iterators,
                                SmallVectorImpl<OpFoldResult> &keptSizes) {
  for (auto [i, isReduced] : llvm::enumerate(reduced)) {
    iterators.push_back(isReduced ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
    if (!isReduced)
      keptSizes.push_back(getDimSize(b, loc, input, i));
  }
}

Value mlir::xfmr::reduce(
    OpBuilder &b, Location loc, Value input, ValueRange extra,
    ArrayRef<bool> reduced, Combiner kind,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body,
    Type resultType) {
  auto type = cast<RankedTensorType>(input.getType());
  if (!resultType)
    resultType = type.getElementType();
  int64_t rank = type.getRank();
  SmallVector<utils::IteratorType> iterators;
  SmallVector<OpFoldResult> sizes;
  reductionLoops(b, loc, input, reduced, iterators, sizes);
  AffineMap keptMap = keptDimsMap(b.getContext(), reduced);
  Value init =
      createFilled(b, loc, sizes, identityValue(b, loc, resultType, kind));
  SmallVector<Value> inputs = {input};
  llvm::append_range(inputs, extra);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  maps.append(extra.size(), keptMap);
  maps.push_back(keptMap);
  return buildGeneric(b, loc, inputs, init, maps, iterators,
                      [&](OpBuilder &nb, Location nloc, ValueRange args) {
                        Value next = body(nb, nloc, args.drop_back());
                        return combine(nb, nloc, kind, args.back(), next);
                      });
}

//===----------------------------------------------------------------------===//
// ScalarBuilder
//===----------------------------------------------------------------------===//

Value ScalarBuilder::constant(Type type, double value) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value ScalarBuilder::sigmoid(Value x) {
  Value one = constant(x.getType(), 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

Value ScalarBuilder::silu(Value x) {
  return arith::MulFOp::create(b, loc, x, sigmoid(x));
}

Value ScalarBuilder::relu(Value x) {
  Value zero = constant(x.getType(), 0);
  if (isFloat(x))
    return arith::MaximumFOp::create(b, loc, x, zero);
  return arith::MaxSIOp::create(b, loc, x, zero);
}

Value ScalarBuilder::gelu(Value x, GeluApproximation approximation) {
  Type t = x.getType();
  if (approximation == GeluApproximation::quick) {
    // x sigmoid(1.702 x)
    Value scaled =
        arith::MulFOp::create(b, loc, constant(t, kQuickGeluAlpha), x);
    return arith::MulFOp::create(b, loc, x, sigmoid(scaled));
  }
  Value half = constant(t, 0.5), one = constant(t, 1.0);
  Value inner;
  if (approximation == GeluApproximation::none) {
    // 0.5 x (1 + erf(x / sqrt(2)))
    inner = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, constant(t, M_SQRT1_2)));
  } else {
    // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    Value cube =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value poly = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, constant(t, 0.044715), cube));
    inner = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, constant(t, std::sqrt(2.0 / M_PI)),
                              poly));
  }
  return arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, half, x),
                               arith::AddFOp::create(b, loc, one, inner));
}

Value ScalarBuilder::activation(Value x, Activation activation) {
  switch (activation) {
  case Activation::none:
    return x;
  case Activation::relu:
    return relu(x);
  case Activation::gelu:
    return gelu(x, GeluApproximation::none);
  case Activation::gelu_tanh:
    return gelu(x, GeluApproximation::tanh);
  case Activation::gelu_quick:
    return gelu(x, GeluApproximation::quick);
  case Activation::silu:
    return silu(x);
  case Activation::sigmoid:
    return sigmoid(x);
  case Activation::tanh:
    return math::TanhOp::create(b, loc, x);
  }
  llvm_unreachable("unknown activation");
}

Value ScalarBuilder::cast(Value x, Type to) {
  Type from = x.getType();
  if (from == to)
    return x;
  auto fromInt = dyn_cast<IntegerType>(from);
  auto toInt = dyn_cast<IntegerType>(to);
  if (toInt && toInt.getWidth() == 1) {
    Value zero = constant(from, 0);
    if (fromInt)
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero);
  }
  if (fromInt && toInt) {
    if (fromInt.getWidth() > toInt.getWidth())
      return arith::TruncIOp::create(b, loc, to, x);
    if (fromInt.getWidth() == 1)
      return arith::ExtUIOp::create(b, loc, to, x);
    return arith::ExtSIOp::create(b, loc, to, x);
  }
  if (fromInt && !toInt) {
    if (fromInt.getWidth() == 1)
      return arith::UIToFPOp::create(b, loc, to, x);
    return arith::SIToFPOp::create(b, loc, to, x);
  }
  if (!fromInt && toInt)
    return arith::FPToSIOp::create(b, loc, to, x);
  if (from.getIntOrFloatBitWidth() > to.getIntOrFloatBitWidth())
    return arith::TruncFOp::create(b, loc, to, x);
  return arith::ExtFOp::create(b, loc, to, x);
}
