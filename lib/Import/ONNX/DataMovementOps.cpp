//===- DataMovementOps.cpp - Importing ONNX ops that move data ------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Ops that only move elements, imported as gathers with index tables built
// at compile time: Pad (constant, edge, reflect and wrap) and Tile (each
// padded or tiled dim must have a static size, so that the table is a
// constant); DepthToSpace/SpaceToDepth as reshape, transpose, reshape; and
// OneHot and EyeLike, which compare positions with indices; ReverseSequence
// as a GatherElements along time.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// `source` gathered along `axis` by the constant `indices`.
static FailureOr<Value> gatherAlong(NodeContext &ctx, Value source,
                                    int64_t axis,
                                    llvm::ArrayRef<int64_t> indices) {
  return ctx.value<x::GatherOp>(source, ctx.i64Vector(indices),
                                ctx.builder().getI64IntegerAttr(axis));
}

/// The source index of each position of a padded dim of size `size`, or
/// nothing for a constant pad's positions outside the source.
static llvm::SmallVector<std::optional<int64_t>>
padSourceIndices(StringRef mode, int64_t size, int64_t before, int64_t after) {
  llvm::SmallVector<std::optional<int64_t>> sources;
  for (int64_t j = -before; j < size + after; ++j) {
    if (j >= 0 && j < size) {
      sources.push_back(j);
    } else if (mode == "edge") {
      sources.push_back(std::clamp<int64_t>(j, 0, size - 1));
    } else if (mode == "wrap") {
      sources.push_back(((j % size) + size) % size);
    } else if (mode == "reflect") {
      // Reflection about the first and last elements: period 2 (size - 1).
      int64_t period = 2 * (size - 1);
      int64_t p = period ? ((j % period) + period) % period : 0;
      sources.push_back(p < size ? p : period - p);
    } else {
      sources.push_back(std::nullopt);
    }
  }
  return sources;
}

/// `v` modulo `period` in [0, period) (i64); a period of 0 (reflecting or
/// tiling a dim of size 0 or 1) counts as 1, so nothing divides by 0.
static FailureOr<Value> floorModulo(NodeContext &ctx, FailureOr<Value> v,
                                    FailureOr<Value> period) {
  Formula f(ctx);
  FailureOr<Value> divisor = f.op<x::MaxOp>(period, f.scalar(period, 1));
  FailureOr<Value> rest =
      f.op<x::SubOp>(v, f.op<x::MulOp>(f.op<x::DivOp>(v, divisor), divisor));
  return f.where(f.op<x::LessOp>(rest, f.scalar(rest, 0)),
                 f.op<x::AddOp>(rest, divisor), rest);
}

/// The source index of each output position `j` (0-D or 1-D i64, may be
/// outside [0, size)) of a padded dim of run-time `size`, as
/// padSourceIndices computes it; constant mode clamps, its mask replaces
/// the positions outside.
static FailureOr<Value> runTimePadSources(NodeContext &ctx, StringRef mode,
                                          Value j, Value size) {
  Formula f(ctx);
  auto clampTo = [&](FailureOr<Value> v, FailureOr<Value> last) {
    return f.op<x::MaxOp>(f.op<x::MinOp>(v, last), f.scalar(v, 0));
  };
  auto modulo = [&](FailureOr<Value> v, FailureOr<Value> period) {
    return floorModulo(ctx, v, period);
  };
  FailureOr<Value> last = f.op<x::SubOp>(size, f.scalar(size, 1));
  if (mode == "wrap")
    return modulo(j, size);
  if (mode == "reflect") {
    FailureOr<Value> period = f.op<x::MulOp>(last, f.scalar(last, 2));
    FailureOr<Value> p = modulo(j, period);
    return clampTo(
        f.where(f.op<x::LessOp>(p, size), p, f.op<x::SubOp>(period, p)), last);
  }
  return clampTo(j, last);
}

/// The pads of every dim, [begin..., end...], from pads for the run-time
/// axes of input 3: a dim takes the pads of the axis that names it, or 0.
static FailureOr<Value> padsOfEveryDim(NodeContext &ctx, int64_t rank) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  RankedTensorType axesType = ctx.inputType(3);
  if (axesType.getRank() != 1 || axesType.isDynamicDim(0))
    return ctx.unsupported("run-time axes of unknown count");
  int64_t count = axesType.getDimSize(0);
  RankedTensorType padsType = ctx.inputType(1);
  if (padsType.getRank() != 1 || padsType.getDimSize(0) != 2 * count)
    return ctx.emitError() << "Pad needs pads of two entries per axis, "
                           << count << " axes";
  FailureOr<Value> axes = normalizedAxes(ctx, ctx.input(3), rank);
  if (failed(axes) || failed(axisFlags(ctx, *axes, rank)))
    return failure();
  FailureOr<Value> column =
      ctx.value<x::ReshapeOp>(*axes, ctx.i64Vector({count, 1}), false);
  FailureOr<Value> hits =
      f.op<x::EqualOp>(column, ctx.positionsAlong(1, 2, rank));
  if (failed(hits))
    return failure();
  FailureOr<Value> named = ctx.castTo(*hits, b.getI64Type());
  FailureOr<Value> pads = ctx.castTo(ctx.input(1), b.getI64Type());
  FailureOr<Value> perAxis =
      f.op<x::ReshapeOp>(pads, ctx.i64Vector({2, count, 1}));
  if (failed(named) || failed(perAxis))
    return failure();
  // [2, count, 1] * [count, rank] summed over the axes: [2, rank].
  FailureOr<Value> spread = f.op<x::MulOp>(perAxis, named);
  if (failed(spread))
    return failure();
  FailureOr<Value> perDim = ctx.value<x::ReduceSumOp>(
      *spread, b.getDenseI64ArrayAttr({1}), b.getBoolAttr(false));
  return f.op<x::ReshapeOp>(perDim, ctx.i64Vector({2 * rank}));
}

/// Pad with pads computed at run time: per axis, the output positions are
/// a Range from -before to size + after, mapped to source indices by a
/// formula of the mode and gathered.
FailureOr<Value> mlir::xfmr::onnx_import::padAtRunTime(
    NodeContext &ctx, Value data, StringRef mode, Value padValue,
    Value padsValue, llvm::ArrayRef<int64_t> axes) {
  Formula f(ctx);
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  auto padsType = cast<RankedTensorType>(padsValue.getType());
  int64_t count = axes.size();
  if (padsType.getRank() != 1 || padsType.getDimSize(0) != 2 * count)
    return ctx.emitError() << ctx.opType()
                           << " needs pads of two entries per axis, " << count
                           << " axes";
  FailureOr<Value> pads = ctx.castTo(padsValue, ctx.builder().getI64Type());
  Value result = data;
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (axis < -rank || axis >= rank)
      return ctx.emitError() << ctx.opType() << " axis " << axis
                             << " is out of range for rank " << rank;
    int64_t dim = axis < 0 ? axis + rank : axis;
    FailureOr<Value> before = elementOf(ctx, pads, i);
    FailureOr<Value> after = elementOf(ctx, pads, i + count);
    FailureOr<Value> size = dimOf(ctx, result, dim);
    FailureOr<Value> limit = f.op<x::AddOp>(size, after);
    FailureOr<Value> length = f.op<x::AddOp>(limit, before);
    if (failed(checkAtRunTime(
            ctx, f.op<x::GreaterEqualOp>(length, f.scalar(length, 0)),
            "pads remove more than dim " + llvm::Twine(dim) + " holds")))
      return failure();
    if (mode != "constant" &&
        failed(checkAtRunTime(
            ctx,
            f.op<x::OrOp>(f.op<x::GreaterOp>(size, f.scalar(size, 0)),
                          f.op<x::EqualOp>(length, f.scalar(length, 0))),
            "mode '" + mode + "' pads dim " + llvm::Twine(dim) + " of size 0")))
      return failure();
    FailureOr<Value> positions = rangeOf(ctx, f.op<x::NegOp>(before), limit);
    if (failed(positions))
      return failure();
    FailureOr<Value> gathered = gatherAt(
        ctx, result, runTimePadSources(ctx, mode, *positions, *size), dim);
    if (failed(gathered))
      return failure();
    result = *gathered;
    if (mode != "constant")
      continue;
    FailureOr<Value> inside =
        f.op<x::AndOp>(f.op<x::GreaterEqualOp>(positions, f.scalar(size, 0)),
                       f.op<x::LessOp>(positions, size));
    llvm::SmallVector<int64_t> others;
    for (int64_t d = 0; d < rank; ++d)
      if (d != dim)
        others.push_back(d);
    if (failed(inside))
      return failure();
    FailureOr<Value> mask =
        others.empty()
            ? inside
            : ctx.value<x::UnsqueezeOp>(
                  *inside, ctx.builder().getDenseI64ArrayAttr(others));
    FailureOr<Value> padded = f.where(mask, result, padValue);
    if (failed(padded))
      return failure();
    result = *padded;
  }
  return result;
}

/// Pad: per padded axis, a gather by the source index of each output
/// position (negative pads crop); for mode "constant" the positions outside
/// the source then take the value, through a constant mask.
static LogicalResult convertPad(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  if (failed(data))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  std::string mode = ctx.getString("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect" &&
      mode != "wrap")
    return ctx.emitError() << "Pad mode must be constant, edge, reflect or "
                              "wrap, got '"
                           << mode << "'";
  llvm::SmallVector<int64_t> pads;
  Value padValue;
  llvm::SmallVector<int64_t> axes;
  bool constantMode = mode == "constant";
  if (ctx.opset() < 11) {
    pads = ctx.getInts("pads");
    if (constantMode)
      padValue = ctx.scalar(type.getElementType(), ctx.getFloat("value", 0.0f));
  } else {
    if (failed(ctx.requiredInput(1, "pads")))
      return failure();
    // The value may be a run-time scalar: the mask selects it elementwise.
    padValue = ctx.input(2);
    if (!padValue && constantMode)
      padValue = ctx.scalar(type.getElementType(), 0.0);
    std::optional<llvm::SmallVector<int64_t>> values = ctx.constantInts(1);
    if (ctx.input(3)) {
      std::optional<llvm::SmallVector<int64_t>> given = ctx.constantInts(3);
      if (!given) {
        FailureOr<Value> allPads = padsOfEveryDim(ctx, rank);
        if (failed(allPads))
          return failure();
        return ctx.setOutput(
            padAtRunTime(ctx, *data, mode, padValue, *allPads,
                         llvm::to_vector(llvm::seq<int64_t>(0, rank))));
      }
      axes = *given;
    }
    if (axes.empty())
      for (int64_t axis = 0; axis < rank; ++axis)
        axes.push_back(axis);
    if (!values)
      return ctx.setOutput(
          padAtRunTime(ctx, *data, mode, padValue, ctx.input(1), axes));
    pads = *values;
  }
  if (axes.empty())
    for (int64_t axis = 0; axis < rank; ++axis)
      axes.push_back(axis);
  if (pads.size() != 2 * axes.size())
    return ctx.emitError() << "Pad has " << pads.size() << " pads for "
                           << axes.size() << " axes (needs two per axis)";

  Value result = *data;
  int64_t count = axes.size();
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (axis < -rank || axis >= rank)
      return ctx.emitError() << "Pad axis " << axis << " is out of range for "
                             << "rank " << rank;
    if (axis < 0)
      axis += rank;
    int64_t before = pads[i], after = pads[i + count];
    if (before == 0 && after == 0)
      continue;
    int64_t size = type.getDimSize(axis);
    if (ShapedType::isDynamic(size))
      return ctx.unsupported("padding dim " + llvm::Twine(axis) +
                             ", whose size is known only at run time");
    if (size + before + after < 0)
      return ctx.emitError()
             << "Pad removes more than dim " << axis << " holds (size " << size
             << ", pads " << before << " and " << after << ")";
    if (size == 0 && !constantMode)
      return ctx.emitError()
             << "Pad mode '" << mode << "' on dim " << axis << " of size 0";
    llvm::SmallVector<std::optional<int64_t>> sources =
        padSourceIndices(mode, size, before, after);
    llvm::SmallVector<int64_t> indices;
    llvm::SmallVector<bool> inside;
    for (std::optional<int64_t> source : sources) {
      // An outside position gathers any valid element; the mask replaces it.
      indices.push_back(source.value_or(0));
      inside.push_back(source.has_value());
    }
    if (size == 0) {
      // Nothing to gather from (constant mode, checked above): the result
      // is the value alone.
      llvm::SmallVector<int64_t> shape(
          cast<RankedTensorType>(result.getType()).getShape());
      shape[axis] = sources.size();
      if (llvm::any_of(shape, ShapedType::isDynamic))
        return ctx.unsupported("padding an empty dim of a tensor of run-time "
                               "size");
      FailureOr<Value> filled =
          ctx.value<x::ExpandOp>(padValue, ctx.i64Vector(shape));
      if (failed(filled))
        return failure();
      result = *filled;
      continue;
    }
    FailureOr<Value> gathered = gatherAlong(ctx, result, axis, indices);
    if (failed(gathered))
      return failure();
    result = *gathered;
    if (llvm::all_of(inside, [](bool in) { return in; }))
      continue;
    llvm::SmallVector<int64_t> maskShape(rank, 1);
    maskShape[axis] = inside.size();
    auto maskType = RankedTensorType::get(maskShape, ctx.builder().getI1Type());
    Value mask =
        x::ConstantOp::create(ctx.builder(), ctx.loc(), maskType,
                              DenseElementsAttr::get(maskType, inside));
    FailureOr<Value> padded = ctx.value<x::WhereOp>(mask, result, padValue);
    if (failed(padded))
      return failure();
    result = *padded;
  }
  return ctx.setOutputs(result);
}

/// Tile with repeats computed at run time: per axis, a gather by the
/// positions 0 .. size * repeats modulo the size.
static LogicalResult convertRunTimeTile(NodeContext &ctx, Value data) {
  Formula f(ctx);
  int64_t rank = ctx.inputType(0).getRank();
  RankedTensorType repeatsType = ctx.inputType(1);
  if (repeatsType.getRank() != 1 || repeatsType.getDimSize(0) != rank)
    return ctx.emitError() << "Tile needs one repeat per dim of its rank-"
                           << rank << " input";
  FailureOr<Value> repeats =
      ctx.castTo(ctx.input(1), ctx.builder().getI64Type());
  Value result = data;
  for (int64_t axis = 0; axis < rank; ++axis) {
    FailureOr<Value> times = elementOf(ctx, repeats, axis);
    if (failed(checkAtRunTime(
            ctx, f.op<x::GreaterEqualOp>(times, f.scalar(times, 0)),
            "repeats on axis " + llvm::Twine(axis) + " are negative")))
      return failure();
    FailureOr<Value> size = dimOf(ctx, result, axis);
    FailureOr<Value> positions =
        rangeOf(ctx, f.scalar(size, 0), f.op<x::MulOp>(size, times));
    FailureOr<Value> tiled =
        gatherAt(ctx, result, floorModulo(ctx, positions, size), axis);
    if (failed(tiled))
      return failure();
    result = *tiled;
  }
  return ctx.setOutputs(result);
}

/// Tile: per repeated axis, a gather of the dim's indices, repeated.
static LogicalResult convertTile(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "input");
  if (failed(data) || failed(ctx.requiredInput(1, "repeats")))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  std::optional<llvm::SmallVector<int64_t>> repeats = ctx.constantInts(1);
  if (!repeats)
    return convertRunTimeTile(ctx, *data);
  if (static_cast<int64_t>(repeats->size()) != type.getRank())
    return ctx.emitError() << "Tile has " << repeats->size()
                           << " repeats for an input of rank "
                           << type.getRank();
  Value result = *data;
  for (auto [axis, times] : llvm::enumerate(*repeats)) {
    if (times < 0)
      return ctx.emitError()
             << "Tile repeats " << times << " times on axis " << axis;
    if (times == 1)
      continue;
    int64_t size = type.getDimSize(axis);
    if (ShapedType::isDynamic(size))
      return ctx.unsupported("tiling dim " + llvm::Twine(axis) +
                             ", whose size is known only at run time");
    llvm::SmallVector<int64_t> indices;
    for (int64_t t = 0; t < times; ++t)
      for (int64_t j = 0; j < size; ++j)
        indices.push_back(j);
    FailureOr<Value> tiled = gatherAlong(ctx, result, axis, indices);
    if (failed(tiled))
      return failure();
    result = *tiled;
  }
  return ctx.setOutputs(result);
}

/// DepthToSpace and SpaceToDepth: a reshape to 6-D, a transpose and a
/// reshape back (ONNX's own definition). The batch dim may be dynamic.
static LogicalResult convertDepthSpace(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "input");
  if (failed(data))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  if (type.getRank() != 4)
    return ctx.emitError() << ctx.opType() << " needs a 4-D input, got rank "
                           << type.getRank();
  int64_t bs = ctx.getInt("blocksize", 0);
  if (bs <= 0)
    return ctx.emitError() << ctx.opType() << " blocksize must be positive";
  int64_t c = type.getDimSize(1), h = type.getDimSize(2),
          w = type.getDimSize(3);
  if (ShapedType::isDynamic(c) || ShapedType::isDynamic(h) ||
      ShapedType::isDynamic(w))
    return ctx.unsupported("channels, height or width of run-time size");
  std::string mode = ctx.getString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return ctx.emitError() << ctx.opType() << " mode must be DCR or CRD, got '"
                           << mode << "'";
  llvm::SmallVector<int64_t> blocked, permutation, shape;
  if (ctx.opType() == "DepthToSpace") {
    if (c % (bs * bs))
      return ctx.emitError() << "DepthToSpace channels " << c
                             << " are not a multiple of blocksize^2";
    if (mode == "DCR") {
      blocked = {0, bs, bs, c / (bs * bs), h, w};
      permutation = {0, 3, 4, 1, 5, 2};
    } else {
      blocked = {0, c / (bs * bs), bs, bs, h, w};
      permutation = {0, 1, 4, 2, 5, 3};
    }
    shape = {0, c / (bs * bs), h * bs, w * bs};
  } else {
    if (h % bs || w % bs)
      return ctx.emitError() << "SpaceToDepth height " << h << " or width " << w
                             << " is not a multiple of blocksize";
    blocked = {0, c, h / bs, bs, w / bs, bs};
    // DCR puts the block offsets before the channel, CRD after it.
    permutation = mode == "DCR" ? llvm::SmallVector<int64_t>{0, 3, 5, 1, 2, 4}
                                : llvm::SmallVector<int64_t>{0, 1, 3, 5, 2, 4};
    shape = {0, c * bs * bs, h / bs, w / bs};
  }
  Builder &b = ctx.builder();
  FailureOr<Value> split =
      ctx.value<x::ReshapeOp>(*data, ctx.i64Vector(blocked), false);
  if (failed(split))
    return failure();
  FailureOr<Value> moved =
      ctx.value<x::TransposeOp>(*split, b.getDenseI64ArrayAttr(permutation));
  if (failed(moved))
    return failure();
  return ctx.setOutput(
      ctx.value<x::ReshapeOp>(*moved, ctx.i64Vector(shape), false));
}

/// OneHot: `on` where the position along the new axis equals the index
/// (negative indices count from `depth`), `off` elsewhere, out-of-range
/// indices included.
static LogicalResult convertOneHot(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> indices = ctx.requiredInput(0, "indices");
  FailureOr<Value> values = ctx.requiredInput(2, "values");
  if (failed(indices) || failed(ctx.requiredInput(1, "depth")) ||
      failed(values))
    return failure();
  std::optional<llvm::SmallVector<int64_t>> depths = ctx.constantInts(1);
  std::optional<llvm::SmallVector<double>> floatDepths = ctx.constantFloats(1);
  std::optional<int64_t> depth;
  if (depths && depths->size() == 1)
    depth = depths->front();
  else if (floatDepths && floatDepths->size() == 1)
    depth = static_cast<int64_t>(floatDepths->front());
  if (depth && *depth <= 0)
    return ctx.emitError() << "OneHot depth must be positive, got " << *depth;
  if (ctx.inputType(2).getNumElements() != 2)
    return ctx.emitError() << "OneHot values must hold [off, on]";
  int64_t rank = ctx.inputType(0).getRank() + 1;
  int64_t axis = ctx.getInt("axis", -1);
  if (axis < -rank || axis >= rank)
    return ctx.emitError() << "OneHot axis " << axis
                           << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  Builder &b = ctx.builder();
  Type i64 = b.getI64Type();
  // Indices of any numeric type count as integers, as in ONNX.
  FailureOr<Value> index = ctx.castTo(*indices, i64);
  FailureOr<Value> depthValue = failure(), positions = failure();
  if (depth) {
    depthValue = f.scalar(index, *depth);
  } else {
    // A depth computed at run time: the positions are a Range.
    depthValue = scalarOf(ctx, ctx.input(1));
    if (failed(depthValue) ||
        failed(checkAtRunTime(
            ctx, f.op<x::GreaterOp>(depthValue, f.scalar(depthValue, 0)),
            "depth must be positive")))
      return failure();
    positions = ctx.value<x::RangeOp>(ctx.scalar(i64, 0), *depthValue,
                                      ctx.scalar(i64, 1));
    llvm::SmallVector<int64_t> others;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        others.push_back(d);
    if (succeeded(positions) && !others.empty())
      positions =
          ctx.value<x::UnsqueezeOp>(*positions, b.getDenseI64ArrayAttr(others));
  }
  index = f.where(f.op<x::LessOp>(index, f.scalar(index, 0.0)),
                  f.op<x::AddOp>(index, depthValue), index);
  if (failed(index))
    return failure();
  FailureOr<Value> spread =
      ctx.value<x::UnsqueezeOp>(*index, b.getDenseI64ArrayAttr({axis}));
  if (depth)
    positions = ctx.positionsAlong(axis, rank, *depth);
  FailureOr<Value> hot = f.op<x::EqualOp>(spread, positions);
  FailureOr<Value> flat =
      ctx.value<x::ReshapeOp>(*values, ctx.i64Vector({2}), false);
  if (failed(flat))
    return failure();
  auto valueAt = [&](int64_t i) -> FailureOr<Value> {
    return ctx.value<x::GatherOp>(*flat, ctx.scalar(i64, i),
                                  b.getI64IntegerAttr(0));
  };
  return ctx.setOutput(f.where(hot, valueAt(1), valueAt(0)));
}

/// EyeLike: ones on the k-th diagonal of a static 2-D shape, as a constant.
static LogicalResult convertEyeLike(NodeContext &ctx) {
  if (failed(ctx.requiredInput(0, "input")))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  if (type.getRank() != 2 || !type.hasStaticShape())
    return ctx.unsupported("an input that is not 2-D of static shape");
  Type elementType = type.getElementType();
  if (ctx.hasAttr("dtype")) {
    elementType = getElementType(ctx.context(), ctx.getInt("dtype", 0));
    if (!elementType)
      return ctx.unsupported("dtype " +
                             getDataTypeName(ctx.getInt("dtype", 0)));
  }
  int64_t k = ctx.getInt("k", 0);
  llvm::SmallVector<bool> diagonal;
  for (int64_t i = 0; i < type.getDimSize(0); ++i)
    for (int64_t j = 0; j < type.getDimSize(1); ++j)
      diagonal.push_back(j - i == k);
  auto maskType = type.clone(ctx.builder().getI1Type());
  Value mask =
      x::ConstantOp::create(ctx.builder(), ctx.loc(), maskType,
                            DenseElementsAttr::get(maskType, diagonal));
  return ctx.setOutput(ctx.castTo(mask, elementType));
}

/// ReverseSequence: along time_axis, the first sequence_lens[b] elements of
/// each batch entry b in reverse order, the rest as they are. It gathers
/// element t from lens - 1 - t where t < lens, from t elsewhere.
static LogicalResult convertReverseSequence(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  FailureOr<Value> lens = ctx.requiredInput(1, "sequence_lens");
  if (failed(input) || failed(lens))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t batchAxis = ctx.getInt("batch_axis", 1);
  int64_t timeAxis = ctx.getInt("time_axis", 0);
  if (rank < 2 || batchAxis < 0 || batchAxis > 1 || timeAxis < 0 ||
      timeAxis > 1 || batchAxis == timeAxis)
    return ctx.emitError() << "ReverseSequence needs an input of rank 2 or "
                              "more and batch_axis, time_axis one 0 and the "
                              "other 1";
  RankedTensorType lensType = ctx.inputType(1);
  if (lensType.getRank() != 1 || !lensType.getElementType().isInteger(64))
    return ctx.emitError() << "ReverseSequence needs sequence_lens as a 1-D "
                              "int64 tensor, got "
                           << lensType;
  int64_t steps = type.getDimSize(timeAxis);
  if (ShapedType::isDynamic(steps))
    return ctx.unsupported("a time axis whose size is known only at run time");
  Builder &b = ctx.builder();
  llvm::SmallVector<int64_t> lensShape(rank, 1);
  lensShape[batchAxis] = -1;
  FailureOr<Value> length =
      ctx.value<x::ReshapeOp>(*lens, ctx.i64Vector(lensShape), false);
  Value t = ctx.positionsAlong(timeAxis, rank, steps);
  FailureOr<Value> source = f.where(
      f.op<x::LessOp>(t, length),
      f.op<x::SubOp>(f.op<x::SubOp>(length, f.scalar(length, 1.0)), t), t);
  FailureOr<Value> shape =
      ctx.value<x::ShapeOp>(*input, IntegerAttr(), IntegerAttr());
  if (failed(source) || failed(shape))
    return failure();
  FailureOr<Value> indices = ctx.value<x::ExpandOp>(*source, *shape);
  if (failed(indices))
    return failure();
  return ctx.setOutput(ctx.value<x::GatherElementsOp>(
      *input, *indices, b.getI64IntegerAttr(timeAxis)));
}

void mlir::xfmr::onnx_import::registerDataMovementOps(OpRegistry &r) {
  r.add("", "Pad", convertPad, 2);
  r.add("", "Tile", convertTile, 6);
  r.add("", "DepthToSpace", convertDepthSpace, 1);
  r.add("", "SpaceToDepth", convertDepthSpace, 1);
  r.add("", "OneHot", convertOneHot, 9);
  r.add("", "EyeLike", convertEyeLike, 9);
  r.add("", "ReverseSequence", convertReverseSequence, 10);
}
