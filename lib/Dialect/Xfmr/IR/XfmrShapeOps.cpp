//===- XfmrShapeOps.cpp - Shape and data movement ops ---------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Type inference, verification and reification of the shape ops. Ops whose
// result shape depends on operand values (reshape, expand, slice, range, ...)
// give static dims when those operands are constants and dynamic dims
// otherwise; reification then computes the dims from the values at run time.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace mlir::xfmr;

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// The static length of a 1-D operand such as a shape, or failure.
static FailureOr<int64_t> getStaticLength(std::optional<Location> loc,
                                          StringRef name, Value v,
                                          StringRef what) {
  // Inference runs before the operand type constraints are verified.
  if (tensorType(v).getRank() != 1)
    return inferError(loc, name, what + " must be a 1-D tensor");
  int64_t n = tensorType(v).getDimSize(0);
  if (ShapedType::isDynamic(n))
    return inferError(loc, name, what + " must have a static length");
  return n;
}

/// Element `i` of a 1-D integer tensor, or of a 0-D one, as an index value.
static Value extractIndex(OpBuilder &b, Location loc, Value tensor,
                          std::optional<int64_t> i) {
  SmallVector<Value> indices;
  if (i)
    indices.push_back(arith::ConstantIndexOp::create(b, loc, *i));
  Value element = tensor::ExtractOp::create(b, loc, tensor, indices);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), element);
}

static Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

static Value asValue(OpBuilder &b, Location loc, OpFoldResult ofr) {
  return getValueOrCreateConstantIndexOp(b, loc, ofr);
}

/// Keeps the static dims of `type` and reifies the dynamic ones with `dimFn`.
static LogicalResult
reifyDynamicDims(OpBuilder &b, RankedTensorType type,
                 ReifiedRankedShapedTypeDims &shapes,
                 function_ref<FailureOr<OpFoldResult>(int64_t)> dimFn) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!type.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
      continue;
    }
    FailureOr<OpFoldResult> size = dimFn(i);
    if (failed(size))
      return failure();
    sizes.push_back(*size);
  }
  shapes.push_back(sizes);
  return success();
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferResultTypes(MLIRContext */*context*/,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = tensorType(adaptor.getInput());
  FailureOr<int64_t> rank =
      getStaticLength(location, name, adaptor.getShape(), "shape");
  if (failed(rank))
    return failure();
  SmallVector<int64_t> shape(*rank, ShapedType::kDynamic);
  // Entries of the shape that are known (constants, static dims read from a
  // shape) give static dims even when others are computed at run time.
  std::optional<SmallVector<std::optional<int64_t>>> values =
      getPartialIntValues(adaptor.getShape());
  if (!values || static_cast<int64_t>(values->size()) != *rank) {
    inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
    return success();
  }

  bool allowZero = adaptor.getAllowzero();
  bool allKnown = llvm::all_of(*values, [](auto v) { return v.has_value(); });
  int64_t inferredDim = -1;
  for (auto [i, entry] : llvm::enumerate(*values)) {
    if (!entry)
      continue;
    int64_t v = *entry;
    if (v == -1) {
      if (inferredDim != -1)
        return inferError(location, name, "shape has more than one -1");
      inferredDim = i;
    } else if (v == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= inputType.getRank())
        return inferError(location, name,
                          "shape copies dim " + Twine(i) +
                              " (a 0) that the input does not have");
      shape[i] = inputType.getDimSize(i);
    } else if (v < 0) {
      return inferError(location, name,
                        "shape has an invalid size " + Twine(v));
    } else {
      shape[i] = v;
    }
  }
  if (allowZero && inferredDim != -1 &&
      llvm::is_contained(*values, std::optional<int64_t>(0)))
    return inferError(location, name,
                      "shape cannot hold both 0 and -1 with allowzero");
  // With an unknown entry, that entry could be the -1; nothing more is known.
  if (!allKnown) {
    inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
    return success();
  }

  // Dims copied by a 0 are the same on both sides, so they cancel out of the
  // element count: the -1 and the consistency check only need the rest.
  auto product = [](ArrayRef<int64_t> dims) -> std::optional<int64_t> {
    int64_t p = 1;
    for (int64_t d : dims) {
      if (ShapedType::isDynamic(d))
        return std::nullopt;
      p *= d;
    }
    return p;
  };
  SmallVector<int64_t> inputRest, resultRest;
  for (auto [i, d] : llvm::enumerate(inputType.getShape()))
    if (!(i < values->size() && *(*values)[i] == 0 && !allowZero))
      inputRest.push_back(d);
  for (auto [i, d] : llvm::enumerate(shape))
    if (static_cast<int64_t>(i) != inferredDim &&
        !(*(*values)[i] == 0 && !allowZero))
      resultRest.push_back(d);
  std::optional<int64_t> inputCount = product(inputRest);
  std::optional<int64_t> resultCount = product(resultRest);
  if (inputCount && resultCount) {
    if (inferredDim != -1) {
      if (*resultCount == 0 || *inputCount % *resultCount != 0)
        return inferError(location, name,
                          "cannot infer the -1 dim: " + Twine(*inputCount) +
                              " elements do not divide by " +
                              Twine(*resultCount));
      shape[inferredDim] = *inputCount / *resultCount;
    } else if (*resultCount != *inputCount) {
      return inferError(location, name,
                        "input has " + Twine(*inputCount) +
                            " elements but the shape has " +
                            Twine(*resultCount));
    }
  }
  inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

LogicalResult
ReshapeOp::reifyResultShapes(OpBuilder &b,
                             ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  auto resultType = cast<RankedTensorType>(getType());
  int64_t rank = resultType.getRank();
  int64_t inputRank = getInput().getType().getRank();
  // Resolve 0 (copy) first, then the -1 from the element count.
  SmallVector<Value> resolved;
  Value zero = indexConst(b, loc, 0), minusOne = indexConst(b, loc, -1);
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      resolved.push_back(indexConst(b, loc, resultType.getDimSize(i)));
      continue;
    }
    Value v = extractIndex(b, loc, getShape(), i);
    if (!getAllowzero() && i < inputRank) {
      Value isZero =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, zero);
      Value inputDim = asValue(b, loc, getDimSize(b, loc, getInput(), i));
      v = arith::SelectOp::create(b, loc, isZero, inputDim, v);
    }
    resolved.push_back(v);
  }
  Value known = indexConst(b, loc, 1);
  for (Value v : resolved) {
    Value isInferred =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, minusOne);
    Value factor =
        arith::SelectOp::create(b, loc, isInferred, indexConst(b, loc, 1), v);
    known = arith::MulIOp::create(b, loc, known, factor);
  }
  Value numElements = indexConst(b, loc, 1);
  for (int64_t i = 0; i < inputRank; ++i)
    numElements = arith::MulIOp::create(
        b, loc, numElements, asValue(b, loc, getDimSize(b, loc, getInput(), i)));
  // A 0 (or negative) product only comes with a shape the run rejects; it
  // must not trap on the way there.
  Value inferredSize = arith::DivUIOp::create(
      b, loc, numElements,
      arith::MaxSIOp::create(b, loc, known, indexConst(b, loc, 1)));
  return reifyDynamicDims(
      b, resultType, reifiedReturnShapes,
      [&](int64_t i) -> FailureOr<OpFoldResult> {
        Value isInferred = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::eq, resolved[i], minusOne);
        return OpFoldResult(arith::SelectOp::create(b, loc, isInferred,
                                                    inferredSize, resolved[i])
                                .getResult());
      });
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferResultTypes(MLIRContext */*context*/,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto inputType = tensorType(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  int64_t rank = inputType.getRank();
  if (static_cast<int64_t>(perm.size()) != rank)
    return inferError(location, getOperationName(),
                      "permutation has " + Twine(perm.size()) +
                          " entries for an input of rank " + Twine(rank));
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return inferError(location, getOperationName(),
                        "permutation is not a permutation of [0, " +
                            Twine(rank) + ")");
    seen[p] = true;
    shape.push_back(inputType.getDimSize(p));
  }
  inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

LogicalResult TransposeOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t p : getPermutation())
    sizes.push_back(getDimSize(b, getLoc(), getInput(), p));
  reifiedReturnShapes.push_back(sizes);
  return success();
}

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferResultTypes(MLIRContext */*context*/,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return inferError(location, name, "needs at least one input");
  auto firstType = tensorType(inputs.front());
  int64_t rank = firstType.getRank();
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), rank);
  if (!axis)
    return inferError(location, name,
                      "axis " + Twine(adaptor.getAxis()) +
                          " is out of range for rank " + Twine(rank));
  SmallVector<int64_t> shape(firstType.getShape());
  shape[*axis] = 0;
  for (Value input : inputs) {
    auto type = tensorType(input);
    if (type.getElementType() != firstType.getElementType() ||
        type.getRank() != rank)
      return inferError(location, name,
                        "inputs must have the same element type and rank");
    for (int64_t i = 0; i < rank; ++i) {
      int64_t d = type.getDimSize(i);
      if (i == *axis) {
        shape[i] = ShapedType::isDynamic(d) || ShapedType::isDynamic(shape[i])
                       ? ShapedType::kDynamic
                       : shape[i] + d;
      } else if (ShapedType::isDynamic(shape[i])) {
        shape[i] = d;
      } else if (!ShapedType::isDynamic(d) && d != shape[i]) {
        return inferError(location, name,
                          "inputs differ in dim " + Twine(i) +
                              " outside the concatenation axis");
      }
    }
  }
  inferred.push_back(RankedTensorType::get(shape, firstType.getElementType()));
  return success();
}

LogicalResult
ConcatOp::reifyResultShapes(OpBuilder &b,
                            ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  int64_t rank = tensorType(getInputs().front()).getRank();
  int64_t axis = *normalizeAxis(getAxis(), rank);
  return reifyDynamicDims(
      b, cast<RankedTensorType>(getType()), reifiedReturnShapes,
      [&](int64_t i) -> FailureOr<OpFoldResult> {
        if (i != axis)
          return getDimSize(b, loc, getInputs().front(), i);
        Value sum = indexConst(b, loc, 0);
        for (Value input : getInputs())
          sum = arith::AddIOp::create(b, loc, sum,
                                      asValue(b, loc, getDimSize(b, loc, input, i)));
        return OpFoldResult(sum);
      });
}

//===----------------------------------------------------------------------===//
// SplitOp
//===----------------------------------------------------------------------===//

LogicalResult SplitOp::inferResultTypes(MLIRContext */*context*/,
                                        std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = tensorType(adaptor.getInput());
  std::optional<int64_t> axis =
      normalizeAxis(adaptor.getAxis(), inputType.getRank());
  if (!axis)
    return inferError(location, name,
                      "axis " + Twine(adaptor.getAxis()) +
                          " is out of range for rank " +
                          Twine(inputType.getRank()));
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  if (sizes.empty() || llvm::any_of(sizes, [](int64_t s) { return s < 0; }))
    return inferError(location, name,
                      "sizes must be one or more non-negative values");
  int64_t total = 0;
  for (int64_t s : sizes)
    total += s;
  int64_t dim = inputType.getDimSize(*axis);
  if (!ShapedType::isDynamic(dim) && dim != total)
    return inferError(location, name,
                      "sizes add up to " + Twine(total) + " but the axis has " +
                          Twine(dim));
  for (int64_t s : sizes) {
    SmallVector<int64_t> shape(inputType.getShape());
    shape[*axis] = s;
    inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  }
  return success();
}

LogicalResult
SplitOp::reifyResultShapes(OpBuilder &b,
                           ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  for (Value result : getOutputs())
    if (failed(reifyDynamicDims(b, tensorType(result), reifiedReturnShapes,
                                [&](int64_t i) -> FailureOr<OpFoldResult> {
                                  return getDimSize(b, getLoc(), getInput(), i);
                                })))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// SliceOp
//===----------------------------------------------------------------------===//

/// The number of elements ONNX Slice takes from a dim of size `dim`.
static int64_t sliceSize(int64_t start, int64_t end, int64_t step,
                         int64_t dim) {
  auto clamp = [](int64_t v, int64_t lo, int64_t hi) {
    return std::min(std::max(v, lo), hi);
  };
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  if (step > 0) {
    start = clamp(start, 0, dim);
    end = clamp(end, 0, dim);
    return std::max<int64_t>(0, (end - start + step - 1) / step);
  }
  start = clamp(start, 0, dim - 1);
  end = clamp(end, -1, dim - 1);
  return std::max<int64_t>(0, (start - end + (-step) - 1) / (-step));
}

/// The axes a slice applies to, normalised; failure when they are invalid,
/// std::nullopt when they are not constant.
static FailureOr<std::optional<SmallVector<int64_t>>>
getSliceAxes(std::optional<Location> loc, StringRef name, Value axes,
             int64_t count, int64_t rank) {
  SmallVector<int64_t> result;
  if (!axes) {
    if (count > rank)
      return inferError(loc, name, "slices more dims than the input has");
    for (int64_t i = 0; i < count; ++i)
      result.push_back(i);
    return std::optional(result);
  }
  std::optional<SmallVector<int64_t>> values = getConstantIntValues(axes);
  if (!values)
    return std::optional<SmallVector<int64_t>>();
  if (failed(getAxesMask(loc, name, *values, rank)))
    return failure();
  for (int64_t axis : *values)
    result.push_back(*normalizeAxis(axis, rank));
  return std::optional(result);
}

LogicalResult SliceOp::inferResultTypes(MLIRContext */*context*/,
                                        std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = tensorType(adaptor.getInput());
  int64_t rank = inputType.getRank();
  SmallVector<Value> params = {adaptor.getStarts(), adaptor.getEnds()};
  if (adaptor.getAxes())
    params.push_back(adaptor.getAxes());
  if (adaptor.getSteps())
    params.push_back(adaptor.getSteps());
  FailureOr<int64_t> count =
      getStaticLength(location, name, params.front(), "starts");
  if (failed(count))
    return failure();
  for (Value p : params) {
    if (tensorType(p).getRank() != 1)
      return inferError(location, name,
                        "starts, ends, axes and steps must be 1-D tensors");
    int64_t n = tensorType(p).getDimSize(0);
    if (n != *count)
      return inferError(location, name,
                        "starts, ends, axes and steps must have the same "
                        "static length");
  }
  FailureOr<std::optional<SmallVector<int64_t>>> axes =
      getSliceAxes(location, name, adaptor.getAxes(), *count, rank);
  if (failed(axes))
    return failure();

  std::optional<SmallVector<int64_t>> steps =
      adaptor.getSteps() ? getConstantIntValues(adaptor.getSteps())
                         : SmallVector<int64_t>(*count, 1);
  if (steps && llvm::is_contained(*steps, 0))
    return inferError(location, name, "steps cannot be 0");

  SmallVector<int64_t> shape(inputType.getShape());
  if (!*axes) {
    // Which dims are sliced is only known at run time.
    shape.assign(rank, ShapedType::kDynamic);
  } else {
    std::optional<SmallVector<int64_t>> starts =
        getConstantIntValues(adaptor.getStarts());
    std::optional<SmallVector<int64_t>> ends =
        getConstantIntValues(adaptor.getEnds());
    for (auto [i, axis] : llvm::enumerate(**axes)) {
      int64_t dim = inputType.getDimSize(axis);
      if (!starts || !ends || !steps || ShapedType::isDynamic(dim))
        shape[axis] = ShapedType::kDynamic;
      else
        shape[axis] = sliceSize((*starts)[i], (*ends)[i], (*steps)[i], dim);
    }
  }
  inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

LogicalResult
SliceOp::reifyResultShapes(OpBuilder &b,
                           ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  int64_t rank = getInput().getType().getRank();
  int64_t count = getStarts().getType().getDimSize(0);
  FailureOr<std::optional<SmallVector<int64_t>>> axes =
      getSliceAxes(std::nullopt, getOperationName(), getAxes(), count, rank);
  if (failed(axes) || !*axes)
    return failure();
  return reifyDynamicDims(
      b, cast<RankedTensorType>(getType()), reifiedReturnShapes,
      [&](int64_t d) -> FailureOr<OpFoldResult> {
        const auto *it = llvm::find(**axes, d);
        OpFoldResult dimSize = getDimSize(b, loc, getInput(), d);
        if (it == (*axes)->end())
          return dimSize;
        int64_t i = it - (*axes)->begin();
        // The arithmetic of sliceSize, at run time.
        Value dim = asValue(b, loc, dimSize);
        Value start = extractIndex(b, loc, getStarts(), i);
        Value end = extractIndex(b, loc, getEnds(), i);
        Value step = getSteps() ? extractIndex(b, loc, getSteps(), i)
                                : indexConst(b, loc, 1);
        Value zero = indexConst(b, loc, 0), one = indexConst(b, loc, 1);
        auto wrap = [&](Value v) {
          Value isNeg =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v, zero);
          return arith::SelectOp::create(
              b, loc, isNeg, arith::AddIOp::create(b, loc, v, dim), v);
        };
        auto clamp = [&](Value v, Value lo, Value hi) {
          return arith::MinSIOp::create(
              b, loc, arith::MaxSIOp::create(b, loc, v, lo), hi);
        };
        Value positive =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, step, zero);
        Value dimMinusOne = arith::SubIOp::create(b, loc, dim, one);
        Value minusOne = indexConst(b, loc, -1);
        Value s = wrap(start), e = wrap(end);
        Value sPos = clamp(s, zero, dim), ePos = clamp(e, zero, dim);
        Value sNeg = clamp(s, zero, dimMinusOne);
        Value eNeg = clamp(e, minusOne, dimMinusOne);
        Value sizePos = arith::CeilDivSIOp::create(
            b, loc, arith::SubIOp::create(b, loc, ePos, sPos), step);
        Value sizeNeg = arith::CeilDivSIOp::create(
            b, loc, arith::SubIOp::create(b, loc, sNeg, eNeg),
            arith::SubIOp::create(b, loc, zero, step));
        Value size = arith::SelectOp::create(b, loc, positive, sizePos, sizeNeg);
        return OpFoldResult(arith::MaxSIOp::create(b, loc, size, zero).getResult());
      });
}

//===----------------------------------------------------------------------===//
// GatherOp
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferResultTypes(MLIRContext */*context*/,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto inputType = tensorType(adaptor.getInput());
  auto indicesType = tensorType(adaptor.getIndices());
  std::optional<int64_t> axis =
      normalizeAxis(adaptor.getAxis(), inputType.getRank());
  if (!axis)
    return inferError(location, getOperationName(),
                      "axis " + Twine(adaptor.getAxis()) +
                          " is out of range for rank " +
                          Twine(inputType.getRank()));
  SmallVector<int64_t> shape(inputType.getShape().take_front(*axis));
  llvm::append_range(shape, indicesType.getShape());
  llvm::append_range(shape, inputType.getShape().drop_front(*axis + 1));
  inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

LogicalResult
GatherOp::reifyResultShapes(OpBuilder &b,
                            ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  int64_t axis = *normalizeAxis(getAxis(), getInput().getType().getRank());
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < axis; ++i)
    sizes.push_back(getDimSize(b, loc, getInput(), i));
  llvm::append_range(sizes, getDimSizes(b, loc, getIndices()));
  for (int64_t i = axis + 1; i < getInput().getType().getRank(); ++i)
    sizes.push_back(getDimSize(b, loc, getInput(), i));
  reifiedReturnShapes.push_back(sizes);
  return success();
}

//===----------------------------------------------------------------------===//
// GatherElementsOp, GatherNdOp
//===----------------------------------------------------------------------===//

LogicalResult GatherElementsOp::inferResultTypes(
    MLIRContext */*context*/, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = tensorType(adaptor.getInput());
  auto indicesType = tensorType(adaptor.getIndices());
  int64_t rank = inputType.getRank();
  if (indicesType.getRank() != rank)
    return inferError(location, name,
                      "indices must have the input's rank " + Twine(rank));
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), rank);
  if (!axis)
    return inferError(location, name,
                      "axis " + Twine(adaptor.getAxis()) +
                          " is out of range for rank " + Twine(rank));
  for (int64_t i = 0; i < rank; ++i) {
    int64_t in = inputType.getDimSize(i), idx = indicesType.getDimSize(i);
    if (i != *axis && !ShapedType::isDynamic(in) &&
        !ShapedType::isDynamic(idx) && idx > in)
      return inferError(location, name,
                        "indices dim " + Twine(i) + " (" + Twine(idx) +
                            ") exceeds the input's (" + Twine(in) + ")");
  }
  inferred.push_back(
      RankedTensorType::get(indicesType.getShape(), inputType.getElementType()));
  return success();
}

LogicalResult GatherElementsOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  return reifySameShape(b, getIndices(), reifiedReturnShapes);
}

LogicalResult GatherNdOp::inferResultTypes(MLIRContext */*context*/,
                                           std::optional<Location> location,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = tensorType(adaptor.getInput());
  auto indicesType = tensorType(adaptor.getIndices());
  int64_t batchDims = adaptor.getBatchDims();
  if (indicesType.getRank() < 1 || batchDims < 0 ||
      batchDims >= std::min(inputType.getRank(), indicesType.getRank()))
    return inferError(location, name,
                      "batch_dims must be below the ranks of input and "
                      "indices, and indices must have rank 1 or more");
  int64_t tuple = indicesType.getShape().back();
  if (ShapedType::isDynamic(tuple))
    return inferError(location, name,
                      "the last dim of indices must be static");
  if (batchDims + tuple > inputType.getRank())
    return inferError(location, name,
                      "index tuples of " + Twine(tuple) +
                          " entries exceed the input's rank after the batch "
                          "dims");
  for (int64_t i = 0; i < batchDims; ++i)
    if (failed(verifyCompatibleDims(
            {inputType.getDimSize(i), indicesType.getDimSize(i)})))
      return inferError(location, name,
                        "input and indices differ in batch dim " + Twine(i));
  SmallVector<int64_t> shape(indicesType.getShape().drop_back());
  llvm::append_range(shape, inputType.getShape().drop_front(batchDims + tuple));
  inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

LogicalResult
GatherNdOp::reifyResultShapes(OpBuilder &b,
                              ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  int64_t tuple = getIndices().getType().getShape().back();
  SmallVector<OpFoldResult> sizes = getDimSizes(b, loc, getIndices());
  sizes.pop_back();
  for (int64_t i = getBatchDims() + tuple; i < getInput().getType().getRank();
       ++i)
    sizes.push_back(getDimSize(b, loc, getInput(), i));
  reifiedReturnShapes.push_back(sizes);
  return success();
}

//===----------------------------------------------------------------------===//
// ExpandOp
//===----------------------------------------------------------------------===//

LogicalResult ExpandOp::inferResultTypes(MLIRContext */*context*/,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto inputType = tensorType(adaptor.getInput());
  FailureOr<int64_t> length =
      getStaticLength(location, name, adaptor.getShape(), "shape");
  if (failed(length))
    return failure();
  std::optional<SmallVector<std::optional<int64_t>>> values =
      getPartialIntValues(adaptor.getShape());
  SmallVector<int64_t> target(*length, ShapedType::kDynamic);
  SmallVector<bool> known(*length, false);
  if (values && static_cast<int64_t>(values->size()) == *length) {
    for (auto [i, v] : llvm::enumerate(*values)) {
      if (!v)
        continue;
      if (*v < 0)
        return inferError(location, name, "shape has a negative size");
      target[i] = *v;
      known[i] = true;
    }
  }
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(inputType.getShape(), target);
  if (failed(shape))
    return inferError(location, name,
                      "input is not broadcast-compatible with the shape");
  // A size known only at run time could also be 1, which keeps the input's
  // dim: a static input dim > 1 is the only thing known for sure there.
  int64_t rank = shape->size();
  for (int64_t i = 0; i < rank; ++i) {
    int64_t s = i - (rank - *length);
    if (s >= 0 && known[s])
      continue;
    int64_t d = i - (rank - inputType.getRank());
    int64_t in = d >= 0 ? inputType.getDimSize(d) : 1;
    (*shape)[i] =
        !ShapedType::isDynamic(in) && in != 1 ? in : ShapedType::kDynamic;
  }
  inferred.push_back(RankedTensorType::get(*shape, inputType.getElementType()));
  return success();
}

LogicalResult
ExpandOp::reifyResultShapes(OpBuilder &b,
                            ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  auto resultType = cast<RankedTensorType>(getType());
  int64_t rank = resultType.getRank();
  int64_t inputRank = getInput().getType().getRank();
  int64_t length = getShape().getType().getDimSize(0);
  return reifyDynamicDims(
      b, resultType, reifiedReturnShapes,
      [&](int64_t i) -> FailureOr<OpFoldResult> {
        int64_t s = i - (rank - length), d = i - (rank - inputRank);
        if (s < 0)
          return getDimSize(b, loc, getInput(), d);
        Value target = extractIndex(b, loc, getShape(), s);
        if (d < 0)
          return OpFoldResult(target);
        // Broadcasting: a target of 1 keeps the input's dim.
        Value isOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            target, indexConst(b, loc, 1));
        Value in = asValue(b, loc, getDimSize(b, loc, getInput(), d));
        return OpFoldResult(
            arith::SelectOp::create(b, loc, isOne, in, target).getResult());
      });
}

//===----------------------------------------------------------------------===//
// SqueezeOp, UnsqueezeOp
//===----------------------------------------------------------------------===//

/// Which input dims a squeeze removes.
static FailureOr<SmallVector<bool>> getSqueezedDims(std::optional<Location> loc,
                                                    StringRef name,
                                                    RankedTensorType type,
                                                    ArrayRef<int64_t> axes) {
  int64_t rank = type.getRank();
  SmallVector<bool> removed(rank, false);
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i)
      removed[i] = type.getDimSize(i) == 1;
    return removed;
  }
  FailureOr<SmallVector<bool>> mask = getAxesMask(loc, name, axes, rank);
  if (failed(mask))
    return failure();
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = type.getDimSize(d);
    if ((*mask)[d] && !ShapedType::isDynamic(size) && size != 1)
      return inferError(loc, name,
                        "cannot squeeze dim " + Twine(d) + " of size " +
                            Twine(size));
  }
  return mask;
}

LogicalResult SqueezeOp::inferResultTypes(MLIRContext */*context*/,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  auto inputType = tensorType(adaptor.getInput());
  FailureOr<SmallVector<bool>> removed = getSqueezedDims(
      location, getOperationName(), inputType, adaptor.getAxes());
  if (failed(removed))
    return failure();
  SmallVector<int64_t> shape;
  for (auto [d, isRemoved] : llvm::zip_equal(inputType.getShape(), *removed))
    if (!isRemoved)
      shape.push_back(d);
  inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

LogicalResult
SqueezeOp::reifyResultShapes(OpBuilder &b,
                             ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  FailureOr<SmallVector<bool>> removed = getSqueezedDims(
      std::nullopt, getOperationName(), getInput().getType(), getAxes());
  if (failed(removed))
    return failure();
  SmallVector<OpFoldResult> sizes;
  for (auto [i, isRemoved] : llvm::enumerate(*removed))
    if (!isRemoved)
      sizes.push_back(getDimSize(b, getLoc(), getInput(), i));
  reifiedReturnShapes.push_back(sizes);
  return success();
}

/// Which result dims an unsqueeze inserts.
static FailureOr<SmallVector<bool>>
getInsertedDims(std::optional<Location> loc, StringRef name, int64_t inputRank,
                ArrayRef<int64_t> axes) {
  int64_t rank = inputRank + axes.size();
  if (axes.empty())
    return inferError(loc, name, "needs at least one axis");
  return getAxesMask(loc, name, axes, rank, "the result rank");
}

LogicalResult UnsqueezeOp::inferResultTypes(MLIRContext */*context*/,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto inputType = tensorType(adaptor.getInput());
  FailureOr<SmallVector<bool>> inserted =
      getInsertedDims(location, getOperationName(), inputType.getRank(),
                      adaptor.getAxes());
  if (failed(inserted))
    return failure();
  SmallVector<int64_t> shape;
  int64_t next = 0;
  for (bool isInserted : *inserted)
    shape.push_back(isInserted ? 1 : inputType.getDimSize(next++));
  inferred.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

LogicalResult UnsqueezeOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  FailureOr<SmallVector<bool>> inserted =
      getInsertedDims(std::nullopt, getOperationName(),
                      getInput().getType().getRank(), getAxes());
  if (failed(inserted))
    return failure();
  SmallVector<OpFoldResult> sizes;
  int64_t next = 0;
  for (bool isInserted : *inserted)
    sizes.push_back(isInserted ? b.getIndexAttr(1)
                               : getDimSize(b, getLoc(), getInput(), next++));
  reifiedReturnShapes.push_back(sizes);
  return success();
}

//===----------------------------------------------------------------------===//
// RangeOp
//===----------------------------------------------------------------------===//

LogicalResult RangeOp::inferResultTypes(MLIRContext */*context*/,
                                        std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  Type elementType = tensorType(adaptor.getStart()).getElementType();
  for (Value v : {adaptor.getStart(), adaptor.getLimit(), adaptor.getDelta()}) {
    auto type = tensorType(v);
    if (type.getRank() != 0 || type.getElementType() != elementType)
      return inferError(location, name,
                        "start, limit and delta must be scalars (0-D) of one "
                        "element type");
  }
  int64_t size = ShapedType::kDynamic;
  auto readScalar = [](Value v) -> std::optional<double> {
    DenseElementsAttr attr;
    if (!matchPattern(v, m_Constant(&attr)))
      return std::nullopt;
    if (isa<FloatType>(attr.getElementType()))
      return (*attr.getValues<APFloat>().begin()).convertToDouble();
    return static_cast<double>((*attr.getValues<APInt>().begin()).getSExtValue());
  };
  std::optional<double> start = readScalar(adaptor.getStart());
  std::optional<double> limit = readScalar(adaptor.getLimit());
  std::optional<double> delta = readScalar(adaptor.getDelta());
  if (delta && *delta == 0)
    return inferError(location, name, "delta cannot be 0");
  if (start && limit && delta)
    size = std::max<int64_t>(
        0, static_cast<int64_t>(std::ceil((*limit - *start) / *delta)));
  inferred.push_back(RankedTensorType::get({size}, elementType));
  return success();
}

LogicalResult
RangeOp::reifyResultShapes(OpBuilder &b,
                           ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  // Floating-point ranges are computed as such by the lowering; their size
  // is only reified for integer ranges.
  if (!isa<IntegerType>(getStart().getType().getElementType()))
    return failure();
  return reifyDynamicDims(
      b, cast<RankedTensorType>(getType()), reifiedReturnShapes,
      [&](int64_t) -> FailureOr<OpFoldResult> {
        Value start = extractIndex(b, loc, getStart(), std::nullopt);
        Value limit = extractIndex(b, loc, getLimit(), std::nullopt);
        Value delta = extractIndex(b, loc, getDelta(), std::nullopt);
        // The lowering checks delta and the size at run time; a dim resolved
        // from here may be computed before that check, so a delta of 0 (and
        // the one overflowing quotient, INT64_MIN / -1) must not trap.
        Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                             delta, indexConst(b, loc, 0));
        delta = arith::SelectOp::create(b, loc, isZero, indexConst(b, loc, 1),
                                        delta);
        Value span = arith::MaxSIOp::create(
            b, loc, arith::SubIOp::create(b, loc, limit, start),
            indexConst(b, loc, std::numeric_limits<int64_t>::min() + 1));
        Value size = arith::CeilDivSIOp::create(b, loc, span, delta);
        return OpFoldResult(
            arith::MaxSIOp::create(b, loc, size, indexConst(b, loc, 0))
                .getResult());
      });
}

//===----------------------------------------------------------------------===//
// TriluOp
//===----------------------------------------------------------------------===//

LogicalResult TriluOp::verify() {
  if (getInput().getType().getRank() < 2)
    return emitOpError("input must have rank 2 or more");
  if (Value k = getK()) {
    auto type = tensorType(k);
    if (type.getRank() > 1 || type.getNumElements() != 1)
      return emitOpError("k must be a scalar or a 1-element tensor");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// CumSumOp
//===----------------------------------------------------------------------===//

LogicalResult CumSumOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (!normalizeAxis(getAxis(), rank))
    return emitOpError("axis ")
           << getAxis() << " is out of range for rank " << rank;
  return success();
}

//===----------------------------------------------------------------------===//
// ShapeOp, SizeOp
//===----------------------------------------------------------------------===//

/// The [start, end) range of dims that ONNX Shape returns.
static std::pair<int64_t, int64_t>
getShapeRange(int64_t rank, std::optional<int64_t> start,
              std::optional<int64_t> end) {
  auto normalize = [rank](int64_t v) {
    if (v < 0)
      v += rank;
    return std::min(std::max<int64_t>(v, 0), rank);
  };
  int64_t s = normalize(start.value_or(0));
  int64_t e = normalize(end.value_or(rank));
  return {s, std::max(s, e)};
}

LogicalResult ShapeOp::inferResultTypes(MLIRContext *context,
                                        std::optional<Location> /*location*/,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  auto [start, end] = getShapeRange(tensorType(adaptor.getInput()).getRank(),
                                    adaptor.getStart(), adaptor.getEnd());
  inferred.push_back(
      RankedTensorType::get({end - start}, IntegerType::get(context, 64)));
  return success();
}

LogicalResult
ShapeOp::reifyResultShapes(OpBuilder &b,
                           ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  reifiedReturnShapes.push_back(
      {b.getIndexAttr(cast<RankedTensorType>(getType()).getDimSize(0))});
  return success();
}

std::pair<int64_t, int64_t> xfmr::getShapeOpDimRange(ShapeOp op) {
  return getShapeRange(op.getInput().getType().getRank(), op.getStart(),
                       op.getEnd());
}

LogicalResult SizeOp::inferResultTypes(MLIRContext *context,
                                       std::optional<Location> /*location*/,
                                       Adaptor /*adaptor*/,
                                       SmallVectorImpl<Type> &inferred) {
  inferred.push_back(RankedTensorType::get({}, IntegerType::get(context, 64)));
  return success();
}

LogicalResult
SizeOp::reifyResultShapes(OpBuilder &/*b*/,
                          ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  reifiedReturnShapes.push_back({});
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOfShapeOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOfShapeOp::inferResultTypes(
    MLIRContext */*context*/, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  FailureOr<int64_t> rank =
      getStaticLength(location, name, adaptor.getShape(), "shape");
  if (failed(rank))
    return failure();
  SmallVector<int64_t> shape(*rank, ShapedType::kDynamic);
  std::optional<SmallVector<std::optional<int64_t>>> values =
      getPartialIntValues(adaptor.getShape());
  if (values && static_cast<int64_t>(values->size()) == *rank) {
    for (auto [i, v] : llvm::enumerate(*values)) {
      if (v && *v < 0)
        return inferError(location, name, "shape has a negative size");
      if (v)
        shape[i] = *v;
    }
  }
  auto value = dyn_cast_or_null<TypedAttr>(adaptor.getValueAttr());
  if (!value || isa<ShapedType>(value.getType()))
    return inferError(location, name, "value must be a scalar attribute");
  inferred.push_back(RankedTensorType::get(shape, value.getType()));
  return success();
}

LogicalResult ConstantOfShapeOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  return reifyDynamicDims(b, cast<RankedTensorType>(getType()),
                          reifiedReturnShapes,
                          [&](int64_t i) -> FailureOr<OpFoldResult> {
                            return OpFoldResult(
                                extractIndex(b, getLoc(), getShape(), i));
                          });
}
