//===- XfmrFolds.cpp - Folders of xfmr ops --------------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Folders remove identities (x + 0, x * 1, a reshape to the same type, ...)
// and evaluate the small integer shape arithmetic that exporters write
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), so shapes become
// static wherever the types allow. Only small integer tensors are evaluated:
// weights are never duplicated by folding.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::xfmr;

/// Integer constants up to this many elements are evaluated at compile time.
static constexpr int64_t kMaxFoldedElements = 64;

/// A small, static, integer constant, as values; std::nullopt otherwise.
static std::optional<SmallVector<APInt>> getSmallInts(Attribute attr) {
  auto elements = dyn_cast_or_null<DenseIntElementsAttr>(attr);
  if (!elements || !elements.getType().hasStaticShape() ||
      elements.getNumElements() > kMaxFoldedElements)
    return std::nullopt;
  return llvm::to_vector(elements.getValues<APInt>());
}

/// True when `attr` is a splat constant equal to `value` (integer or float).
static bool isSplatOf(Attribute attr, int64_t value) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type type = splat.getElementType();
  if (isa<FloatType>(type))
    return splat.getSplatValue<APFloat>().isExactlyValue(value);
  if (type.isInteger(1))
    return false;
  if (isa<IntegerType>(type))
    return splat.getSplatValue<APInt>().getSExtValue() == value;
  return false;
}

/// Row-major strides of `shape`.
static SmallVector<int64_t> getStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// The linear index into an operand of shape `operandShape` that numpy
/// broadcasting reads for result element `linear` of shape `resultShape`.
static int64_t broadcastIndex(int64_t linear, ArrayRef<int64_t> resultShape,
                              ArrayRef<int64_t> operandShape) {
  SmallVector<int64_t> resultStrides = getStrides(resultShape);
  SmallVector<int64_t> operandStrides = getStrides(operandShape);
  int64_t offset = resultShape.size() - operandShape.size();
  int64_t index = 0;
  for (size_t i = 0; i < resultShape.size(); ++i) {
    int64_t coord = (linear / resultStrides[i]) % resultShape[i];
    int64_t d = static_cast<int64_t>(i) - offset;
    if (d >= 0 && operandShape[d] != 1)
      index += coord * operandStrides[d];
  }
  return index;
}

/// Evaluates a binary integer op on small constants with broadcasting.
static OpFoldResult
foldIntBinary(Attribute lhsAttr, Attribute rhsAttr, Type resultType,
              function_ref<std::optional<APInt>(const APInt &, const APInt &)>
                  compute) {
  auto type = dyn_cast<RankedTensorType>(resultType);
  std::optional<SmallVector<APInt>> lhs = getSmallInts(lhsAttr);
  std::optional<SmallVector<APInt>> rhs = getSmallInts(rhsAttr);
  if (!type || !type.hasStaticShape() || !lhs || !rhs ||
      !isa<IntegerType>(type.getElementType()) ||
      type.getNumElements() > kMaxFoldedElements)
    return {};
  ArrayRef<int64_t> lhsShape = cast<ShapedType>(
      cast<TypedAttr>(lhsAttr).getType()).getShape();
  ArrayRef<int64_t> rhsShape = cast<ShapedType>(
      cast<TypedAttr>(rhsAttr).getType()).getShape();
  SmallVector<APInt> result;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    std::optional<APInt> v =
        compute((*lhs)[broadcastIndex(i, type.getShape(), lhsShape)],
                (*rhs)[broadcastIndex(i, type.getShape(), rhsShape)]);
    if (!v)
      return {};
    result.push_back(*v);
  }
  return DenseElementsAttr::get(type, result);
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor /*adaptor*/) { return getValue(); }

//===----------------------------------------------------------------------===//
// Binary arithmetic
//===----------------------------------------------------------------------===//

/// `x op c` is `x` when c is the identity element and broadcasting does not
/// change x's type.
static Value foldRightIdentity(Value lhs, Attribute rhsAttr, Type resultType,
                               int64_t identity) {
  if (lhs.getType() == resultType && isSplatOf(rhsAttr, identity))
    return lhs;
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 0))
    return v;
  if (Value v = foldRightIdentity(getRhs(), adaptor.getLhs(), getType(), 0))
    return v;
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b) { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 0))
    return v;
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b) { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 1))
    return v;
  if (Value v = foldRightIdentity(getRhs(), adaptor.getLhs(), getType(), 1))
    return v;
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b) { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 1))
    return v;
  // ONNX integer Div truncates toward zero, as sdiv does.
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a,
                          const APInt &b) -> std::optional<APInt> {
                         if (b.isZero())
                           return std::nullopt;
                         return a.sdiv(b);
                       });
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  // x ^ 1 is x, whatever x is.
  return foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 1);
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldIntBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b) { return a.sge(b) ? a : b; });
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldIntBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b) { return a.sle(b) ? a : b; });
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // Integer to integer on small constants: shape arithmetic often casts
  // between i32 and i64.
  auto type = cast<RankedTensorType>(getType());
  auto resultElement = dyn_cast<IntegerType>(type.getElementType());
  std::optional<SmallVector<APInt>> values = getSmallInts(adaptor.getInput());
  if (!resultElement || resultElement.getWidth() == 1 || !values ||
      !type.hasStaticShape())
    return {};
  bool fromBool =
      cast<ShapedType>(getInput().getType()).getElementType().isInteger(1);
  SmallVector<APInt> result;
  for (const APInt &v : *values)
    result.push_back(fromBool ? v.zext(resultElement.getWidth())
                              : v.sextOrTrunc(resultElement.getWidth()));
  return DenseElementsAttr::get(type, result);
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

/// Reinterprets a constant with a new static shape (reshape, squeeze, ...):
/// splats of any size, other constants when small.
static OpFoldResult foldConstantReshape(Attribute input, Type resultType) {
  auto type = dyn_cast<RankedTensorType>(resultType);
  auto elements = dyn_cast_or_null<DenseElementsAttr>(input);
  if (!type || !type.hasStaticShape() || !elements)
    return {};
  if (elements.isSplat())
    return SplatElementsAttr::get(type, elements.getSplatValue<Attribute>());
  if (elements.getNumElements() > kMaxFoldedElements)
    return {};
  return elements.reshape(type);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput();
  return foldConstantReshape(adaptor.getInput(), getType());
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldConstantReshape(adaptor.getInput(), getType());
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return foldConstantReshape(adaptor.getInput(), getType());
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput();
  auto elements = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput());
  auto type = cast<RankedTensorType>(getType());
  if (elements && type.hasStaticShape())
    return SplatElementsAttr::get(type, elements.getSplatValue<Attribute>());
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())) &&
      getInput().getType() == getType())
    return getInput();
  // transpose(transpose(x, inner), outer) is transpose(x, inner o outer).
  if (auto producer = getInput().getDefiningOp<TransposeOp>()) {
    ArrayRef<int64_t> inner = producer.getPermutation();
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(inner[p]);
    Value source = producer.getInput();
    if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())) &&
        source.getType() == getType())
      return source;
    setPermutation(composed);
    getInputMutable().assign(source);
    return getResult();
  }
  auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput());
  auto type = cast<RankedTensorType>(getType());
  if (splat && type.hasStaticShape())
    return SplatElementsAttr::get(type, splat.getSplatValue<Attribute>());
  return {};
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs().front().getType() == getType())
    return getInputs().front();
  // Concatenation of small 1-D integer constants: shape building.
  auto type = cast<RankedTensorType>(getType());
  if (type.getRank() != 1 || !type.hasStaticShape())
    return {};
  SmallVector<APInt> result;
  for (Attribute attr : adaptor.getInputs()) {
    std::optional<SmallVector<APInt>> values = getSmallInts(attr);
    if (!values)
      return {};
    llvm::append_range(result, *values);
  }
  if (static_cast<int64_t>(result.size()) != type.getNumElements())
    return {};
  return DenseElementsAttr::get(type, result);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  std::optional<SmallVector<APInt>> indices = getSmallInts(adaptor.getIndices());
  auto type = cast<RankedTensorType>(getType());
  if (!indices || !type.hasStaticShape())
    return {};
  int64_t rank = getInput().getType().getRank();
  int64_t axis = *normalizeAxis(getAxis(), rank);

  // A dim read from a shape: Gather(Shape(x), i) is static when x's dim is.
  if (auto shapeOp = getInput().getDefiningOp<ShapeOp>()) {
    auto [begin, end] = getShapeOpDimRange(shapeOp);
    ArrayRef<int64_t> dims =
        shapeOp.getInput().getType().getShape().slice(begin, end - begin);
    SmallVector<APInt> result;
    for (const APInt &index : *indices) {
      int64_t i = index.getSExtValue();
      if (i < 0)
        i += dims.size();
      if (i < 0 || i >= static_cast<int64_t>(dims.size()) ||
          ShapedType::isDynamic(dims[i]))
        return {};
      result.push_back(APInt(64, dims[i], /*isSigned=*/true));
    }
    return DenseElementsAttr::get(type, result);
  }

  // Gathers from small integer constants.
  std::optional<SmallVector<APInt>> data = getSmallInts(adaptor.getInput());
  if (!data)
    return {};
  ArrayRef<int64_t> inputShape = getInput().getType().getShape();
  int64_t axisSize = inputShape[axis];
  int64_t inner = 1;
  for (int64_t d : inputShape.drop_front(axis + 1))
    inner *= d;
  int64_t numIndices = indices->size();
  SmallVector<APInt> result;
  for (int64_t linear = 0; linear < type.getNumElements(); ++linear) {
    // Result layout: [outer..., indices..., inner...].
    int64_t innerPos = linear % inner;
    int64_t indexPos = (linear / inner) % numIndices;
    int64_t outerPos = linear / (inner * numIndices);
    int64_t index = (*indices)[indexPos].getSExtValue();
    if (index < 0)
      index += axisSize;
    if (index < 0 || index >= axisSize)
      return {};
    result.push_back((*data)[(outerPos * axisSize + index) * inner + innerPos]);
  }
  return DenseElementsAttr::get(type, result);
}

OpFoldResult ShapeOp::fold(FoldAdaptor /*adaptor*/) {
  auto [begin, end] = getShapeOpDimRange(*this);
  ArrayRef<int64_t> dims = getInput().getType().getShape();
  SmallVector<int64_t> values(dims.begin() + begin, dims.begin() + end);
  if (llvm::any_of(values, ShapedType::isDynamic))
    return {};
  return DenseIntElementsAttr::get(cast<RankedTensorType>(getType()), values);
}

OpFoldResult SizeOp::fold(FoldAdaptor /*adaptor*/) {
  RankedTensorType inputType = getInput().getType();
  if (!inputType.hasStaticShape())
    return {};
  return DenseIntElementsAttr::get(cast<RankedTensorType>(getType()),
                                   {inputType.getNumElements()});
}

//===----------------------------------------------------------------------===//
// Integer logic of shape computations
//===----------------------------------------------------------------------===//

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  auto type = cast<RankedTensorType>(getType());
  std::optional<SmallVector<APInt>> values = getSmallInts(adaptor.getInput());
  if (!values || !isa<IntegerType>(type.getElementType()))
    return {};
  SmallVector<APInt> result;
  for (const APInt &v : *values)
    result.push_back(-v);
  return DenseElementsAttr::get(type, result);
}

static APInt boolValue(bool b) { return APInt(1, b ? 1 : 0); }

OpFoldResult EqualOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b) { return boolValue(a == b); });
}

OpFoldResult LessOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b) { return boolValue(a.slt(b)); });
}

OpFoldResult LessEqualOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b) { return boolValue(a.sle(b)); });
}

OpFoldResult GreaterOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b) { return boolValue(a.sgt(b)); });
}

OpFoldResult GreaterEqualOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b) { return boolValue(a.sge(b)); });
}

OpFoldResult AndOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b) { return a & b; });
}

OpFoldResult OrOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b) { return a | b; });
}

OpFoldResult XorOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b) { return a ^ b; });
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  // A constant all-true or all-false condition picks a side, if that side
  // already has the result type.
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getCondition())) {
    Value side = splat.getSplatValue<bool>() ? getOnTrue() : getOnFalse();
    if (side.getType() == getType())
      return side;
  }
  // Small integer selects, as in exporters' "-1 means keep this dim" logic.
  auto type = cast<RankedTensorType>(getType());
  std::optional<SmallVector<APInt>> cond = getSmallInts(adaptor.getCondition());
  std::optional<SmallVector<APInt>> onTrue = getSmallInts(adaptor.getOnTrue());
  std::optional<SmallVector<APInt>> onFalse = getSmallInts(adaptor.getOnFalse());
  if (!cond || !onTrue || !onFalse || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldedElements)
    return {};
  auto shapeOf = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  };
  SmallVector<APInt> result;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    bool c = !(*cond)[broadcastIndex(i, type.getShape(),
                                     shapeOf(getCondition()))]
                  .isZero();
    result.push_back(c ? (*onTrue)[broadcastIndex(i, type.getShape(),
                                                  shapeOf(getOnTrue()))]
                       : (*onFalse)[broadcastIndex(i, type.getShape(),
                                                   shapeOf(getOnFalse()))]);
  }
  return DenseElementsAttr::get(type, result);
}

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor /*adaptor*/) {
  auto type = cast<RankedTensorType>(getType());
  if (!type.hasStaticShape())
    return {};
  return SplatElementsAttr::get(type, getValue());
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  // Slices of small 1-D integer constants (shapes).
  auto type = cast<RankedTensorType>(getType());
  std::optional<SmallVector<APInt>> data = getSmallInts(adaptor.getInput());
  std::optional<SmallVector<APInt>> starts = getSmallInts(adaptor.getStarts());
  std::optional<SmallVector<APInt>> steps =
      getSteps() ? getSmallInts(adaptor.getSteps())
                 : std::optional<SmallVector<APInt>>(
                       SmallVector<APInt>(1, APInt(64, 1)));
  if (!data || !starts || !steps || type.getRank() != 1 ||
      !type.hasStaticShape() || starts->size() != 1)
    return {};
  int64_t start = (*starts)[0].getSExtValue();
  int64_t step = (*steps)[0].getSExtValue();
  int64_t size = data->size();
  if (step == 0)
    return {};
  if (start < 0)
    start += size;
  start = step > 0 ? std::clamp<int64_t>(start, 0, size)
                   : std::clamp<int64_t>(start, 0, size - 1);
  SmallVector<APInt> result;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    int64_t index = start + i * step;
    if (index < 0 || index >= size)
      return {};
    result.push_back((*data)[index]);
  }
  return DenseElementsAttr::get(type, result);
}

OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  auto type = cast<RankedTensorType>(getType());
  std::optional<SmallVector<APInt>> start = getSmallInts(adaptor.getStart());
  std::optional<SmallVector<APInt>> delta = getSmallInts(adaptor.getDelta());
  if (!start || !delta || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldedElements)
    return {};
  SmallVector<APInt> result;
  APInt v = (*start)[0];
  for (int64_t i = 0; i < type.getNumElements(); ++i, v += (*delta)[0])
    result.push_back(v);
  return DenseElementsAttr::get(type, result);
}
