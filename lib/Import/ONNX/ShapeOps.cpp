//===- ShapeOps.cpp - Importing ONNX shape and data movement ops ----------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Where an opset moved an attribute to an input (Squeeze, Unsqueeze, Split,
// Slice, Reshape), the older form is turned into the newer one.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// A 1-D i64 operand (starts, ends, a shape): ONNX allows i32 too.
static FailureOr<Value> asI64(NodeContext &ctx, Value v) {
  if (!v)
    return v;
  return ctx.castTo(v, ctx.builder().getI64Type());
}

static LogicalResult convertReshape(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  if (failed(data))
    return failure();
  Value shape = ctx.opset() < 5 ? ctx.i64Vector(ctx.getInts("shape"))
                                : ctx.input(1);
  if (!shape)
    return ctx.emitError() << "Reshape needs input 1 (shape)";
  FailureOr<Value> shape64 = asI64(ctx, shape);
  if (failed(shape64))
    return failure();
  return ctx.setOutput(ctx.value<x::ReshapeOp>(
                            *data, *shape64,
                            ctx.builder().getBoolAttr(ctx.getInt("allowzero", 0))));
}

static LogicalResult convertTranspose(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  if (failed(data))
    return failure();
  llvm::SmallVector<int64_t> perm = ctx.getInts("perm");
  if (!ctx.hasAttr("perm"))
    for (int64_t i = ctx.inputType(0).getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  return ctx.setOutput(ctx.value<x::TransposeOp>(
                            *data, ctx.builder().getDenseI64ArrayAttr(perm)));
}

static LogicalResult convertConcat(NodeContext &ctx) {
  llvm::SmallVector<Value> inputs;
  for (unsigned i = 0; i < ctx.numInputs(); ++i)
    if (Value v = ctx.input(i))
      inputs.push_back(v);
  if (inputs.empty())
    return ctx.emitError() << "Concat needs at least one input";
  if (!ctx.hasAttr("axis"))
    return ctx.emitError() << "Concat needs the 'axis' attribute";
  return ctx.setOutput(ctx.value<x::ConcatOp>(
                            inputs, ctx.builder().getI64IntegerAttr(
                                        ctx.getInt("axis", 0))));
}

FailureOr<llvm::SmallVector<Value>>
mlir::xfmr::onnx_import::splitAtRunTime(NodeContext &ctx, Value data,
                                        Value sizes, int64_t axis) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  int64_t count = cast<RankedTensorType>(sizes.getType()).getDimSize(0);
  FailureOr<Value> wide = asI64(ctx, sizes);
  if (failed(wide))
    return failure();
  FailureOr<Value> ends = ctx.value<x::CumSumOp>(*wide, b.getI64IntegerAttr(0),
                                                 UnitAttr(), UnitAttr());
  FailureOr<Value> smallest = ctx.value<x::ReduceMinOp>(
      *wide, b.getDenseI64ArrayAttr({0}), b.getBoolAttr(false));
  FailureOr<Value> total = elementOf(ctx, ends, count - 1);
  FailureOr<Value> size = dimOf(ctx, data, axis);
  if (failed(
          checkAtRunTime(ctx,
                         f.op<x::AndOp>(f.op<x::GreaterEqualOp>(
                                            smallest, f.scalar(smallest, 0)),
                                        f.op<x::EqualOp>(total, size)),
                         "split sizes must be non-negative and add up to dim " +
                             llvm::Twine(axis))))
    return failure();
  FailureOr<Value> starts = f.op<x::SubOp>(ends, wide);
  llvm::SmallVector<Value> pieces;
  for (int64_t i = 0; i < count; ++i) {
    FailureOr<Value> begin = elementOf(ctx, starts, i);
    FailureOr<Value> end = elementOf(ctx, ends, i);
    if (failed(begin) || failed(end))
      return failure();
    FailureOr<Value> piece = selectAlongAxis(ctx, data, *begin, *end, axis);
    if (failed(piece))
      return failure();
    pieces.push_back(*piece);
  }
  return pieces;
}

/// Split with sizes computed at run time: one Slice per output, from the
/// sum of the sizes before it.
static LogicalResult convertRunTimeSplit(NodeContext &ctx, Value data,
                                         int64_t axis) {
  RankedTensorType sizesType = ctx.inputType(1);
  if (sizesType.getRank() != 1 ||
      sizesType.getDimSize(0) != static_cast<int64_t>(ctx.numOutputs()))
    return ctx.emitError() << "Split needs one size per output ("
                           << ctx.numOutputs() << ")";
  FailureOr<llvm::SmallVector<Value>> pieces =
      splitAtRunTime(ctx, data, ctx.input(1), axis);
  if (failed(pieces))
    return failure();
  return ctx.setOutputs(*pieces);
}

static LogicalResult convertSplit(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "input");
  if (failed(data))
    return failure();
  int64_t rank = ctx.inputType(0).getRank();
  int64_t axis = ctx.getInt("axis", 0);
  std::optional<int64_t> normalized = x::normalizeAxis(axis, rank);
  if (!normalized)
    return ctx.emitError() << "Split axis " << axis
                           << " is out of range for rank " << rank;
  llvm::SmallVector<int64_t> sizes;
  if (ctx.opset() < 13 && ctx.hasAttr("split")) {
    sizes = ctx.getInts("split");
  } else if (ctx.opset() >= 13 && ctx.input(1)) {
    std::optional<llvm::SmallVector<int64_t>> split = ctx.constantInts(1);
    if (!split)
      return convertRunTimeSplit(ctx, *data, *normalized);
    sizes = *split;
  } else {
    // Even pieces, one per output (num_outputs from opset 18); the last may
    // be smaller.
    int64_t dim = ctx.inputType(0).getDimSize(*normalized);
    int64_t pieces = ctx.getInt("num_outputs", ctx.numOutputs());
    if (ShapedType::isDynamic(dim))
      return ctx.unsupported("an even split of a dynamic dim");
    if (pieces <= 0)
      return ctx.emitError() << "Split needs a positive number of outputs";
    int64_t chunk = (dim + pieces - 1) / pieces;
    for (int64_t i = 0; i < pieces; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  }
  if (static_cast<int64_t>(sizes.size()) != ctx.numOutputs())
    return ctx.emitError() << "Split has " << ctx.numOutputs()
                           << " outputs but " << sizes.size() << " sizes";
  FailureOr<x::SplitOp> split = ctx.create<x::SplitOp>(
      *data, ctx.builder().getI64IntegerAttr(axis),
      ctx.builder().getDenseI64ArrayAttr(sizes));
  if (failed(split))
    return failure();
  return ctx.setOutputs(llvm::SmallVector<Value>(split->getOutputs()));
}

static LogicalResult convertSlice(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  if (failed(data))
    return failure();
  Value starts, ends, axes, steps;
  if (ctx.opset() < 10) {
    starts = ctx.i64Vector(ctx.getInts("starts"));
    ends = ctx.i64Vector(ctx.getInts("ends"));
    if (ctx.hasAttr("axes"))
      axes = ctx.i64Vector(ctx.getInts("axes"));
  } else {
    starts = ctx.input(1);
    ends = ctx.input(2);
    axes = ctx.input(3);
    steps = ctx.input(4);
    if (!starts || !ends)
      return ctx.emitError() << "Slice needs inputs 1 (starts) and 2 (ends)";
  }
  FailureOr<Value> s = asI64(ctx, starts), e = asI64(ctx, ends),
                   a = asI64(ctx, axes), st = asI64(ctx, steps);
  if (failed(s) || failed(e) || failed(a) || failed(st))
    return failure();
  // An omitted `axes` with `steps` present: spell out the default axes.
  if (!*a && *st) {
    auto startsType = cast<RankedTensorType>((*s).getType());
    if (startsType.getRank() != 1)
      return ctx.emitError() << "Slice starts must be a 1-D tensor";
    int64_t n = startsType.getDimSize(0);
    if (ShapedType::isDynamic(n))
      return ctx.unsupported("starts of unknown length");
    llvm::SmallVector<int64_t> all;
    for (int64_t i = 0; i < n; ++i)
      all.push_back(i);
    a = ctx.i64Vector(all);
  }
  return ctx.setOutput(ctx.value<x::SliceOp>(*data, *s, *e, *a, *st));
}

/// Gather, GatherElements and GatherND: data, indices and one integer
/// attribute (axis or batch_dims, 0 by default).
template <typename OpTy>
static LogicalResult convertGatherLike(NodeContext &ctx,
                                       llvm::StringRef attrName) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  FailureOr<Value> indices = ctx.requiredInput(1, "indices");
  if (failed(data) || failed(indices))
    return failure();
  return ctx.setOutput(ctx.value<OpTy>(*data, *indices,
                                        ctx.builder().getI64IntegerAttr(
                                            ctx.getInt(attrName, 0))));
}

static LogicalResult convertExpand(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "input");
  FailureOr<Value> shape = ctx.requiredInput(1, "shape");
  if (failed(data) || failed(shape))
    return failure();
  return ctx.setOutput(ctx.value<x::ExpandOp>(*data, *shape));
}

/// Squeeze and Unsqueeze: axes are an attribute before opset 13 and an
/// input after; nothing when the input is computed at run time.
static FailureOr<std::optional<llvm::SmallVector<int64_t>>>
getAxes(NodeContext &ctx) {
  using Axes = std::optional<llvm::SmallVector<int64_t>>;
  if (ctx.opset() < 13)
    return Axes(ctx.getInts("axes"));
  if (!ctx.input(1))
    return Axes(llvm::SmallVector<int64_t>());
  Axes axes = ctx.constantInts(1);
  if (axes)
    return axes;
  RankedTensorType type = ctx.inputType(1);
  if (type.getRank() != 1 || type.isDynamicDim(0))
    return ctx.unsupported("run-time axes of unknown count");
  return Axes();
}

static LogicalResult convertSqueeze(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  FailureOr<std::optional<llvm::SmallVector<int64_t>>> axes = getAxes(ctx);
  if (failed(data) || failed(axes))
    return failure();
  if (*axes)
    return ctx.setOutput(ctx.value<x::SqueezeOp>(
        *data, ctx.builder().getDenseI64ArrayAttr(**axes)));
  // Axes known at run time: the dims they name must be 1.
  Formula f(ctx);
  int64_t rank = ctx.inputType(0).getRank();
  FailureOr<Value> normalized = normalizedAxes(ctx, ctx.input(1), rank);
  if (failed(normalized))
    return failure();
  FailureOr<Value> flags = axisFlags(ctx, *normalized, rank);
  FailureOr<Value> shape =
      ctx.value<x::ShapeOp>(*data, IntegerAttr(), IntegerAttr());
  FailureOr<Value> unit = f.op<x::EqualOp>(shape, f.scalar(shape, 1));
  FailureOr<Value> fine = f.op<x::OrOp>(unit, f.op<x::NotOp>(flags));
  if (failed(checkAtRunTime(ctx, allOf(ctx, fine),
                            "squeezes a dim whose size is not 1")))
    return failure();
  int64_t count = ctx.inputType(1).getDimSize(0);
  return ctx.setOutput(dropDims(ctx, *data, *flags, rank - count));
}

static LogicalResult convertUnsqueeze(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  FailureOr<std::optional<llvm::SmallVector<int64_t>>> axes = getAxes(ctx);
  if (failed(data) || failed(axes))
    return failure();
  if (*axes)
    return ctx.setOutput(ctx.value<x::UnsqueezeOp>(
        *data, ctx.builder().getDenseI64ArrayAttr(**axes)));
  // Axes known at run time index the result, whose rank is static.
  int64_t rank = ctx.inputType(0).getRank() + ctx.inputType(1).getDimSize(0);
  FailureOr<Value> normalized = normalizedAxes(ctx, ctx.input(1), rank);
  if (failed(normalized))
    return failure();
  FailureOr<Value> flags = axisFlags(ctx, *normalized, rank);
  if (failed(flags))
    return failure();
  return ctx.setOutput(insertDims(ctx, *data, *flags));
}

static LogicalResult convertFlatten(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "input");
  if (failed(data))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t axis = ctx.getInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return ctx.emitError() << "Flatten axis " << ctx.getInt("axis", 1)
                           << " is out of range for rank " << rank;
  // The target shape [outer, inner] written so that reshape resolves the
  // dynamic part: a -1, or a 0 that copies the first dim.
  auto product = [&](int64_t begin, int64_t end) -> std::optional<int64_t> {
    int64_t p = 1;
    for (int64_t i = begin; i < end; ++i) {
      if (type.isDynamicDim(i))
        return std::nullopt;
      p *= type.getDimSize(i);
    }
    return p;
  };
  llvm::SmallVector<int64_t> shape;
  if (std::optional<int64_t> outer = product(0, axis))
    shape = {*outer, -1};
  else if (std::optional<int64_t> inner = product(axis, rank);
           inner && *inner != 0)
    shape = {-1, *inner};
  else if (axis == 1)
    shape = {0, -1};
  else
    return ctx.unsupported("flattening several dynamic dims together");
  return ctx.setOutput(ctx.value<x::ReshapeOp>(*data, ctx.i64Vector(shape),
                                                ctx.builder().getBoolAttr(false)));
}

static LogicalResult convertShape(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  if (failed(data))
    return failure();
  Builder &b = ctx.builder();
  IntegerAttr start = ctx.hasAttr("start")
                          ? b.getI64IntegerAttr(ctx.getInt("start", 0))
                          : IntegerAttr();
  IntegerAttr end = ctx.hasAttr("end") ? b.getI64IntegerAttr(ctx.getInt("end", 0))
                                       : IntegerAttr();
  return ctx.setOutput(ctx.value<x::ShapeOp>(*data, start, end));
}

static LogicalResult convertSize(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  if (failed(data))
    return failure();
  return ctx.setOutput(ctx.value<x::SizeOp>(*data));
}

static LogicalResult convertConstant(NodeContext &ctx) {
  const onnx::NodeProto &node = ctx.proto();
  if (node.attribute_size() != 1)
    return ctx.emitError() << "Constant needs exactly one value attribute";
  const onnx::AttributeProto &a = node.attribute(0);
  Builder &b = ctx.builder();
  auto constant = [&](Type elementType, llvm::ArrayRef<int64_t> shape,
                      llvm::ArrayRef<Attribute> elements) -> Value {
    auto type = RankedTensorType::get(shape, elementType);
    return x::ConstantOp::create(ctx.builder(), ctx.loc(), type,
                                 DenseElementsAttr::get(type, elements));
  };
  if (a.name() == "value")
    return ctx.setOutput(ctx.tensorConstant(a.t()));
  if (a.name() == "value_float")
    return ctx.setOutputs(constant(b.getF32Type(), {}, {b.getF32FloatAttr(a.f())}));
  if (a.name() == "value_int")
    return ctx.setOutputs(constant(b.getI64Type(), {}, {b.getI64IntegerAttr(a.i())}));
  if (a.name() == "value_floats" || a.name() == "value_ints") {
    bool isFloat = a.name() == "value_floats";
    llvm::SmallVector<Attribute> elements;
    if (isFloat)
      for (float f : a.floats())
        elements.push_back(b.getF32FloatAttr(f));
    else
      for (int64_t i : a.ints())
        elements.push_back(b.getI64IntegerAttr(i));
    return ctx.setOutputs(constant(isFloat ? Type(b.getF32Type()) : b.getI64Type(),
                                   {static_cast<int64_t>(elements.size())},
                                   elements));
  }
  return ctx.unsupported("a '" + a.name() + "' constant");
}

static LogicalResult convertConstantOfShape(NodeContext &ctx) {
  FailureOr<Value> shape = ctx.requiredInput(0, "input");
  if (failed(shape))
    return failure();
  Builder &b = ctx.builder();
  TypedAttr value = b.getF32FloatAttr(0);
  if (const onnx::AttributeProto *a = ctx.attr("value")) {
    onnx::TensorProto tensor = a->t();
    FailureOr<ElementsAttr> attr =
        importTensor(tensor, ctx.loc(), ExternalDataResolver{}, 1);
    auto dense = dyn_cast_or_null<DenseElementsAttr>(
        succeeded(attr) ? Attribute(*attr) : Attribute());
    if (!dense || dense.getNumElements() != 1)
      return ctx.emitError()
             << "ConstantOfShape value must be a tensor of one element";
    value = cast<TypedAttr>(dense.getSplatValue<Attribute>());
  }
  return ctx.setOutput(ctx.value<x::ConstantOfShapeOp>(*shape, value));
}

static LogicalResult convertRange(NodeContext &ctx) {
  FailureOr<Value> start = ctx.requiredInput(0, "start");
  FailureOr<Value> limit = ctx.requiredInput(1, "limit");
  FailureOr<Value> delta = ctx.requiredInput(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  return ctx.setOutput(ctx.value<x::RangeOp>(*start, *limit, *delta));
}

static LogicalResult convertTrilu(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "input");
  if (failed(data))
    return failure();
  return ctx.setOutput(ctx.value<x::TriluOp>(
                            *data, ctx.input(1),
                            ctx.builder().getBoolAttr(ctx.getInt("upper", 1))));
}

void mlir::xfmr::onnx_import::registerShapeOps(OpRegistry &r) {
  r.add("", "Reshape", convertReshape);
  r.add("", "Transpose", convertTranspose);
  r.add("", "Concat", convertConcat);
  r.add("", "Split", convertSplit, 2);
  r.add("", "Slice", convertSlice);
  r.add("", "Gather", [](NodeContext &ctx) {
    return convertGatherLike<x::GatherOp>(ctx, "axis");
  });
  r.add(
      "", "GatherElements",
      [](NodeContext &ctx) {
        return convertGatherLike<x::GatherElementsOp>(ctx, "axis");
      },
      11);
  r.add(
      "", "GatherND",
      [](NodeContext &ctx) {
        return convertGatherLike<x::GatherNdOp>(ctx, "batch_dims");
      },
      11);
  r.add("", "Expand", convertExpand, 8);
  r.add("", "Squeeze", convertSqueeze);
  r.add("", "Unsqueeze", convertUnsqueeze);
  r.add("", "Flatten", convertFlatten);
  r.add("", "Shape", convertShape);
  r.add("", "Size", convertSize);
  r.add("", "Constant", convertConstant);
  r.add("", "ConstantOfShape", convertConstantOfShape, 9);
  r.add("", "Range", convertRange, 11);
  r.add("", "Trilu", convertTrilu, 14);
}
