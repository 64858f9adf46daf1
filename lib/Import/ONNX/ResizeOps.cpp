//===- ResizeOps.cpp - Importing ONNX Resize and Upsample -----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every Resize mode is separable: each output position along an axis reads a
// few input positions along that axis only, with weights that depend on the
// position and not on the data. With static sizes and constant scales, the
// importer computes those positions and weights once per resized axis and
// resamples one axis at a time:
//
//   taken = xfmr.gather X, indices[out, taps] {axis}     (computed indices)
//   Y     = xfmr.reduce_sum(taken * weights[out, taps, 1...]) over the taps
//
// An axis whose table picks one input position per output (nearest, or exact
// integer positions) is a single gather. Crop boxes that reach outside the
// input write extrapolation_value there through a where.
//
// When the scales, sizes or crop box are run-time values, or a resized dim
// is dynamic, the model builds the same tables: the output size from the
// values, the source coordinate of each output position (a range) and its
// taps' indices and weights as elementwise ops, in f64 as here. The tables
// then have a dynamic output length, and with antialias a dynamic tap count
// (it grows as the scale shrinks).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

namespace {
enum class Interpolation { Nearest, Linear, Cubic };

/// The attributes that decide a Resize's weights.
struct ResizeSpec {
  Interpolation mode = Interpolation::Nearest;
  std::string coordinates = "half_pixel";
  std::string nearestMode = "round_prefer_floor";
  double cubicA = -0.75;
  bool excludeOutside = false;
  bool antialias = false;
  double extrapolation = 0.0;
};

/// How one axis is resampled: output position `o` reads input positions
/// `indices[o * taps + k]` (already clamped into range) with weights
/// `weights[o * taps + k]`, or is `extrapolation` where `outside[o]`.
struct AxisTable {
  int64_t taps = 0;
  llvm::SmallVector<int64_t> indices;
  llvm::SmallVector<double> weights;
  llvm::SmallVector<bool> outside;
  bool anyOutside = false;
};
} // namespace

/// The source coordinate of output position `y` along an axis, as ONNX's
/// coordinate_transformation_mode defines it; `outside` is set when a crop
/// box puts it outside the input.
static double sourceCoordinate(const ResizeSpec &spec, double y, double scale,
                               int64_t inSize, int64_t outSize, double roiStart,
                               double roiEnd, bool &outside) {
  double outWidth = scale * static_cast<double>(inSize);
  double in = static_cast<double>(inSize);
  outside = false;
  const std::string &mode = spec.coordinates;
  if (mode == "align_corners")
    return outWidth == 1 ? 0.0 : y * (in - 1) / (outWidth - 1);
  if (mode == "asymmetric")
    return y / scale;
  if (mode == "tf_crop_and_resize") {
    double coordinate =
        outWidth == 1 ? (roiEnd - roiStart) * (in - 1) / 2
                      : y * (roiEnd - roiStart) * (in - 1) / (outWidth - 1);
    coordinate += roiStart * (in - 1);
    outside = coordinate < 0 || coordinate > in - 1;
    return coordinate;
  }
  if (mode == "pytorch_half_pixel")
    return outWidth == 1 ? -0.5 : (y + 0.5) / scale - 0.5;
  if (mode == "half_pixel_symmetric") {
    // Centres the output canvas on the input when rounding the size made
    // the output smaller than scale * in.
    double adjustment = static_cast<double>(outSize) / outWidth;
    double offset = in / 2 * (1 - adjustment);
    return offset + (y + 0.5) / scale - 0.5;
  }
  return (y + 0.5) / scale - 0.5; // half_pixel
}

/// The weights of the taps around a source coordinate whose distance past
/// its left neighbour is `ratio` (in (0, 1]).
static llvm::SmallVector<double> tapWeights(const ResizeSpec &spec,
                                            double ratio, double scale) {
  double a = spec.cubicA;
  switch (spec.mode) {
  case Interpolation::Nearest: {
    bool takeRight;
    if (ratio == 1)
      takeRight = true;
    else if (spec.nearestMode == "round_prefer_ceil")
      takeRight = ratio >= 0.5;
    else if (spec.nearestMode == "floor")
      takeRight = false;
    else if (spec.nearestMode == "ceil")
      takeRight = true;
    else // round_prefer_floor
      takeRight = ratio > 0.5;
    return {takeRight ? 0.0 : 1.0, takeRight ? 1.0 : 0.0};
  }
  case Interpolation::Linear: {
    if (!spec.antialias)
      return {1 - ratio, ratio};
    // A triangle filter stretched by 1 / scale when downsampling.
    double s = std::min(scale, 1.0);
    int64_t start = static_cast<int64_t>(std::floor(-1 / s) + 1);
    llvm::SmallVector<double> weights;
    double sum = 0;
    for (int64_t i = start; i < 2 - start; ++i) {
      double w = std::clamp(1 - std::abs((i - ratio) * s), 0.0, 1.0);
      weights.push_back(w);
      sum += w;
    }
    for (double &w : weights)
      w /= sum;
    return weights;
  }
  case Interpolation::Cubic: {
    auto kernel = [a](double t) {
      t = std::abs(t);
      if (t <= 1)
        return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2)
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
      return 0.0;
    };
    if (!spec.antialias)
      return {kernel(1 + ratio), kernel(ratio), kernel(1 - ratio),
              kernel(2 - ratio)};
    double s = std::min(scale, 1.0);
    int64_t start = static_cast<int64_t>(std::floor(-2 / s) + 1);
    llvm::SmallVector<double> weights;
    double sum = 0;
    for (int64_t i = start; i < 2 - start; ++i) {
      weights.push_back(kernel(s * (i - ratio)));
      sum += weights.back();
    }
    for (double &w : weights)
      w /= sum;
    return weights;
  }
  }
  llvm_unreachable("unknown interpolation");
}

/// The table of one axis resized from `inSize` to `outSize` positions.
static AxisTable buildAxisTable(const ResizeSpec &spec, int64_t inSize,
                                int64_t outSize, double scale, double roiStart,
                                double roiEnd) {
  AxisTable table;
  table.outside.assign(outSize, false);
  for (int64_t o = 0; o < outSize; ++o) {
    bool outside;
    double source =
        sourceCoordinate(spec, static_cast<double>(o), scale, inSize, outSize,
                         roiStart, roiEnd, outside);
    double left = std::floor(source);
    // An exact position counts as ratio 1 past the position to its left.
    double ratio = source == left ? 1.0 : source - left;
    llvm::SmallVector<double> weights = tapWeights(spec, ratio, scale);
    auto taps = static_cast<int64_t>(weights.size());
    table.taps = taps;
    // The taps nearest the source coordinate, the lower ones on a tie.
    double fraction = source - left;
    int64_t first = static_cast<int64_t>(left);
    if (taps % 2 == 0)
      first += fraction == 0 ? -(taps / 2) : -(taps / 2) + 1;
    else
      first += fraction <= 0.5 ? -((taps - 1) / 2) : -((taps - 1) / 2) + 1;
    if (spec.excludeOutside) {
      double sum = 0;
      for (int64_t k = 0; k < taps; ++k) {
        if (first + k < 0 || first + k >= inSize)
          weights[k] = 0;
        sum += weights[k];
      }
      if (sum != 0)
        for (double &w : weights)
          w /= sum;
    }
    for (int64_t k = 0; k < taps; ++k) {
      // Positions past the edges repeat the edge.
      table.indices.push_back(std::clamp<int64_t>(first + k, 0, inSize - 1));
      table.weights.push_back(weights[k]);
    }
    table.outside[o] = outside;
    table.anyOutside |= outside;
  }
  return table;
}

/// The one input position each output reads, when the table only selects.
static std::optional<llvm::SmallVector<int64_t>>
selectedPositions(const AxisTable &table) {
  llvm::SmallVector<int64_t> positions;
  for (size_t o = 0; o < table.outside.size(); ++o) {
    std::optional<int64_t> picked;
    for (int64_t k = 0; k < table.taps; ++k) {
      double w = table.weights[o * table.taps + k];
      if (w == 0)
        continue;
      if (w != 1 || picked)
        return std::nullopt;
      picked = table.indices[o * table.taps + k];
    }
    if (!picked)
      return std::nullopt;
    positions.push_back(*picked);
  }
  return positions;
}

/// `input` resampled along `axis`: output position `o` is the sum over the
/// taps `k` of `input[indices[o, k]] * weights[o, k, 1...]`, or one gather
/// by `positions[o]` when each output reads one input position; where
/// `outside` (a [out] i1, or null) holds, `extrapolation` instead. The
/// tables are constants or computed at run time.
struct ResampleTables {
  Value positions, indices, weights, outside;
};

static FailureOr<Value> applyTables(NodeContext &ctx, const ResizeSpec &spec,
                                    Value input, int64_t axis,
                                    const ResampleTables &tables) {
  OpBuilder &b = ctx.builder();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  FailureOr<Value> result;
  if (tables.positions) {
    result = ctx.value<x::GatherOp>(input, tables.positions,
                                    b.getI64IntegerAttr(axis));
  } else {
    FailureOr<Value> taken = ctx.value<x::GatherOp>(input, tables.indices,
                                                    b.getI64IntegerAttr(axis));
    Formula f(ctx);
    FailureOr<Value> weighted = f.op<x::MulOp>(taken, tables.weights);
    if (failed(weighted))
      return failure();
    result = ctx.value<x::ReduceSumOp>(
        *weighted, b.getDenseI64ArrayAttr({axis + 1}), b.getBoolAttr(false));
  }
  if (failed(result) || !tables.outside)
    return result;
  Value mask = tables.outside;
  if (cast<RankedTensorType>(mask.getType()).getRank() != rank) {
    llvm::SmallVector<int64_t> maskShape(rank, 1);
    maskShape[axis] = -1;
    FailureOr<Value> shaped =
        ctx.value<x::ReshapeOp>(mask, ctx.i64Vector(maskShape), false);
    if (failed(shaped))
      return failure();
    mask = *shaped;
  }
  return ctx.value<x::WhereOp>(
      mask, ctx.scalar(type.getElementType(), spec.extrapolation), *result);
}

/// `input` resampled along `axis` by a table computed at import.
static FailureOr<Value> resampleAxis(NodeContext &ctx, const ResizeSpec &spec,
                                     Value input, int64_t axis,
                                     const AxisTable &table) {
  auto outSize = static_cast<int64_t>(table.outside.size());
  ResampleTables tables;
  OpBuilder &b = ctx.builder();
  if (std::optional<llvm::SmallVector<int64_t>> positions =
          selectedPositions(table)) {
    tables.positions = ctx.i64Vector(*positions);
  } else {
    auto indexType =
        RankedTensorType::get({outSize, table.taps}, b.getI64Type());
    tables.indices = x::ConstantOp::create(
        b, ctx.loc(), indexType,
        DenseIntElementsAttr::get(indexType, llvm::ArrayRef(table.indices)));
    // Weights [out, taps, 1...], broadcast over the dims after the axis.
    auto type = cast<RankedTensorType>(input.getType());
    llvm::SmallVector<int64_t> weightShape(type.getRank() - axis - 1, 1);
    weightShape.insert(weightShape.begin(), {outSize, table.taps});
    tables.weights =
        ctx.floatConstant(weightShape, type.getElementType(), table.weights);
  }
  if (table.anyOutside) {
    auto maskType = RankedTensorType::get({outSize}, b.getI1Type());
    tables.outside = x::ConstantOp::create(
        b, ctx.loc(), maskType,
        DenseElementsAttr::get(maskType, llvm::ArrayRef(table.outside)));
  }
  return applyTables(ctx, spec, input, axis, tables);
}

/// Reads and checks the attributes of a Resize node.
static FailureOr<ResizeSpec> readResizeSpec(NodeContext &ctx) {
  ResizeSpec spec;
  std::string mode = ctx.getString("mode", "nearest");
  if (mode == "nearest")
    spec.mode = Interpolation::Nearest;
  else if (mode == "linear" || mode == "bilinear" || mode == "trilinear")
    spec.mode = Interpolation::Linear;
  else if (mode == "cubic" || mode == "bicubic")
    spec.mode = Interpolation::Cubic;
  else
    return ctx.emitError() << ctx.opType() << " mode '" << mode
                           << "' is not one ONNX defines";
  if (ctx.opType() == "Upsample" || ctx.opset() < 11) {
    // Before opset 11 positions scale from the origin, rounding down.
    spec.coordinates = "asymmetric";
    spec.nearestMode = "floor";
    return spec;
  }
  spec.coordinates =
      ctx.getString("coordinate_transformation_mode", "half_pixel");
  if (!llvm::is_contained({"half_pixel", "half_pixel_symmetric",
                           "pytorch_half_pixel", "align_corners", "asymmetric",
                           "tf_crop_and_resize"},
                          spec.coordinates))
    return ctx.emitError() << "Resize coordinate_transformation_mode '"
                           << spec.coordinates << "' is not one ONNX defines";
  spec.nearestMode = ctx.getString("nearest_mode", "round_prefer_floor");
  if (!llvm::is_contained(
          {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
          spec.nearestMode))
    return ctx.emitError() << "Resize nearest_mode '" << spec.nearestMode
                           << "' is not one ONNX defines";
  spec.cubicA = ctx.getFloat("cubic_coeff_a", -0.75f);
  spec.excludeOutside = ctx.getInt("exclude_outside", 0) != 0;
  spec.antialias = ctx.getInt("antialias", 0) != 0;
  spec.extrapolation = ctx.getFloat("extrapolation_value", 0.0f);
  if (spec.antialias && spec.mode == Interpolation::Nearest)
    return ctx.emitError()
           << "Resize antialias applies to the linear and cubic modes only";
  return spec;
}

/// Resize's keep_aspect_ratio_policy, checked.
static FailureOr<std::string> aspectRatioPolicy(NodeContext &ctx) {
  std::string policy = ctx.getString("keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
    return ctx.emitError() << "Resize keep_aspect_ratio_policy '" << policy
                           << "' is not one ONNX defines";
  return policy;
}

/// The per-dim scales, output sizes and crop boxes of a Resize or Upsample
/// node over an input of `inShape`, or failure (reported). When a scale,
/// size or crop box is a run-time value, or a resized dim is dynamic, only
/// `axes` and `atRunTime` are set: the run computes the rest.
struct ResizeGeometry {
  llvm::SmallVector<double> scales, roiStarts, roiEnds;
  llvm::SmallVector<int64_t> sizes;
  llvm::SmallVector<int64_t> axes;
  bool atRunTime = false;
  /// At run time, whether each of `axes` is resampled.
  llvm::SmallVector<bool> resampled;
};

/// Input `i` when it is given and not a tensor with no elements (an empty
/// scales or roi stands for an omitted one).
static Value givenInput(NodeContext &ctx, unsigned i) {
  Value v = ctx.input(i);
  if (!v)
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  if (type.hasStaticShape() && type.getNumElements() == 0)
    return Value();
  return v;
}

/// The number of values of a 1-D input, which must be static.
static FailureOr<int64_t> valueCount(NodeContext &ctx, Value v,
                                     llvm::StringRef what) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() != 1 || type.isDynamicDim(0))
    return ctx.emitError() << ctx.opType() << " needs " << what
                           << " as a 1-D tensor of static length, got " << type;
  return type.getDimSize(0);
}

static FailureOr<ResizeGeometry> readGeometry(NodeContext &ctx,
                                              const ResizeSpec &spec,
                                              llvm::ArrayRef<int64_t> inShape) {
  auto rank = static_cast<int64_t>(inShape.size());
  bool upsample = ctx.opType() == "Upsample";
  bool legacy = upsample || ctx.opset() < 11;
  unsigned scalesInput = legacy ? 1 : 2, sizesInput = 3, roiInput = 1;

  ResizeGeometry g;
  llvm::SmallVector<int64_t> &axes = g.axes;
  if (!legacy && ctx.hasAttr("axes")) {
    for (int64_t axis : ctx.getInts("axes")) {
      if (axis < -rank || axis >= rank)
        return ctx.emitError()
               << "Resize axis " << axis << " is out of range for a rank-"
               << rank << " input";
      axis = axis < 0 ? axis + rank : axis;
      if (llvm::is_contained(axes, axis))
        return ctx.emitError() << "Resize axes repeat axis " << axis;
      axes.push_back(axis);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  auto count = static_cast<int64_t>(axes.size());

  std::optional<llvm::SmallVector<double>> scales;
  Value scalesValue = givenInput(ctx, scalesInput);
  Value sizesValue = legacy ? Value() : givenInput(ctx, sizesInput);
  if (upsample && ctx.opset() < 9)
    scales = llvm::to_vector(llvm::map_range(
        ctx.getFloats("scales"), [](float s) { return double(s); }));
  else if (scalesValue)
    scales = ctx.constantFloats(scalesInput);
  std::optional<llvm::SmallVector<int64_t>> sizes;
  if (sizesValue)
    sizes = ctx.constantInts(sizesInput);
  bool hasScales = scales.has_value() || scalesValue;
  bool hasSizes = sizes.has_value() || sizesValue;
  if (hasScales == hasSizes)
    return ctx.emitError() << ctx.opType()
                           << " needs exactly one of scales and sizes";
  int64_t given;
  if (scales || sizes) {
    given = static_cast<int64_t>(scales ? scales->size() : sizes->size());
  } else {
    FailureOr<int64_t> n = valueCount(ctx, hasScales ? scalesValue : sizesValue,
                                      hasScales ? "scales" : "sizes");
    if (failed(n))
      return failure();
    given = *n;
  }
  if (given != count)
    return ctx.emitError() << ctx.opType() << " needs one "
                           << (hasScales ? "scale" : "size") << " per resized "
                           << "axis (" << count << ")";

  // The crop box matters to tf_crop_and_resize only.
  Value roiValue = legacy || spec.coordinates != "tf_crop_and_resize"
                       ? Value()
                       : givenInput(ctx, roiInput);
  std::optional<llvm::SmallVector<double>> roi;
  if (roiValue) {
    FailureOr<int64_t> n = valueCount(ctx, roiValue, "roi");
    if (failed(n))
      return failure();
    if (*n != 2 * count)
      return ctx.emitError()
             << "Resize needs a roi of 2 x " << count << " values";
    roi = ctx.constantFloats(roiInput);
  }
  bool dynamicDims = llvm::any_of(axes, [&](int64_t axis) {
    // A dim known only at run time may pass through, with scale 1.
    return ShapedType::isDynamic(inShape[axis]) &&
           !(scales && (*scales)[llvm::find(axes, axis) - axes.begin()] == 1.0);
  });
  if ((hasScales && !scales) || (hasSizes && !sizes) || (roiValue && !roi) ||
      dynamicDims) {
    g.atRunTime = true;
    // An axis with a constant scale of 1 is left alone, unless cropped.
    for (int64_t i = 0; i < count; ++i)
      g.resampled.push_back(!scales || (*scales)[i] != 1.0 ||
                            spec.coordinates == "tf_crop_and_resize");
    return g;
  }

  g.scales.assign(rank, 1.0);
  g.sizes.assign(inShape.begin(), inShape.end());
  g.roiStarts.assign(rank, 0.0);
  g.roiEnds.assign(rank, 1.0);
  if (roi) {
    for (int64_t i = 0; i < count; ++i) {
      g.roiStarts[axes[i]] = (*roi)[i];
      g.roiEnds[axes[i]] = (*roi)[count + i];
    }
  }
  if (scales) {
    for (int64_t i = 0; i < count; ++i) {
      double s = (*scales)[i];
      if (!(s > 0))
        return ctx.emitError() << ctx.opType() << " scales must be positive";
      if (s == 1.0 && ShapedType::isDynamic(inShape[axes[i]]))
        continue;
      g.scales[axes[i]] = s;
      g.sizes[axes[i]] = static_cast<int64_t>(s * inShape[axes[i]]);
    }
    return g;
  }
  for (int64_t i = 0; i < count; ++i) {
    if ((*sizes)[i] <= 0)
      return ctx.emitError() << "Resize sizes must be positive";
    g.sizes[axes[i]] = (*sizes)[i];
    g.scales[axes[i]] = static_cast<double>((*sizes)[i]) /
                        static_cast<double>(inShape[axes[i]]);
  }
  FailureOr<std::string> policy = aspectRatioPolicy(ctx);
  if (failed(policy))
    return failure();
  if (*policy == "stretch")
    return g;
  // One scale for every resized axis, the one that fits (not_larger) or
  // covers (not_smaller) the requested box; sizes round half up.
  double scale = g.scales[axes[0]];
  for (int64_t axis : axes)
    scale = *policy == "not_larger" ? std::min(scale, g.scales[axis])
                                    : std::max(scale, g.scales[axis]);
  for (int64_t axis : axes) {
    g.scales[axis] = scale;
    g.sizes[axis] = static_cast<int64_t>(scale * inShape[axis] + 0.5);
  }
  return g;
}

//===----------------------------------------------------------------------===//
// Scales, sizes and crop boxes known only at run time
//===----------------------------------------------------------------------===//

/// `v` converted to `type`, passing a failure through.
static FailureOr<Value> castOf(NodeContext &ctx, FailureOr<Value> v,
                               Type type) {
  if (failed(v))
    return failure();
  return ctx.castTo(*v, type);
}

namespace {
/// The 0-D values that decide how one axis is resampled: its input and
/// output sizes (i64), its scale and crop box (f64).
struct RunTimeAxis {
  FailureOr<Value> inSize, outSize, scale, roiStart, roiEnd;
};
} // namespace

/// The geometry of every resized axis, computed from run-time scales or
/// sizes (checked to be positive) and crop box.
static FailureOr<llvm::SmallVector<RunTimeAxis>>
runTimeAxes(NodeContext &ctx, const ResizeSpec &spec, Value input,
            llvm::ArrayRef<int64_t> axes) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  Type f64 = b.getF64Type(), i64 = b.getI64Type();
  bool legacy = ctx.opType() == "Upsample" || ctx.opset() < 11;
  auto count = static_cast<int64_t>(axes.size());
  FailureOr<Value> shape =
      ctx.value<x::ShapeOp>(input, IntegerAttr(), IntegerAttr());
  if (failed(shape))
    return failure();
  FailureOr<Value> inDims = gatherAt(ctx, *shape, ctx.i64Vector(axes), 0);
  if (failed(inDims))
    return failure();
  FailureOr<Value> in = ctx.castTo(*inDims, f64);
  FailureOr<Value> scales = Value(), sizes;
  if (ctx.opType() == "Upsample" && ctx.opset() < 9) {
    llvm::SmallVector<double> values;
    for (float s : ctx.getFloats("scales"))
      values.push_back(s);
    scales = ctx.floatConstant({count}, f64, values);
  } else if (Value given = givenInput(ctx, legacy ? 1 : 2)) {
    scales = ctx.castTo(given, f64);
  }
  if (succeeded(scales) && *scales) {
    if (failed(checkAtRunTime(
            ctx, allOf(ctx, f.op<x::GreaterOp>(scales, f.scalar(scales, 0))),
            "scales must be positive")))
      return failure();
    sizes = castOf(ctx, f.op<x::FloorOp>(f.op<x::MulOp>(scales, in)), i64);
  } else {
    sizes = ctx.castTo(givenInput(ctx, 3), i64);
    if (failed(checkAtRunTime(
            ctx, allOf(ctx, f.op<x::GreaterOp>(sizes, f.scalar(sizes, 0))),
            "sizes must be positive")))
      return failure();
    scales = f.op<x::DivOp>(castOf(ctx, sizes, f64), in);
    FailureOr<std::string> policy = aspectRatioPolicy(ctx);
    if (failed(policy) || failed(scales))
      return failure();
    if (*policy != "stretch") {
      // One scale for every resized axis; sizes round half up.
      FailureOr<Value> one =
          *policy == "not_larger"
              ? ctx.value<x::ReduceMinOp>(*scales, b.getDenseI64ArrayAttr({0}),
                                          b.getBoolAttr(true))
              : ctx.value<x::ReduceMaxOp>(*scales, b.getDenseI64ArrayAttr({0}),
                                          b.getBoolAttr(true));
      if (succeeded(one))
        scales = ctx.value<x::ExpandOp>(*one, ctx.i64Vector({count}));
      sizes = castOf(ctx,
                     f.op<x::FloorOp>(f.op<x::AddOp>(f.op<x::MulOp>(scales, in),
                                                     f.scalar(in, 0.5))),
                     i64);
    }
  }
  if (failed(scales) || failed(sizes))
    return failure();
  FailureOr<Value> roi;
  Value roiValue = legacy ? Value() : givenInput(ctx, 1);
  if (roiValue && spec.coordinates == "tf_crop_and_resize")
    roi = ctx.castTo(roiValue, f64);
  llvm::SmallVector<RunTimeAxis> result;
  for (int64_t i = 0; i < count; ++i) {
    RunTimeAxis a;
    a.inSize = elementOf(ctx, *inDims, i);
    a.outSize = elementOf(ctx, *sizes, i);
    a.scale = elementOf(ctx, *scales, i);
    if (succeeded(roi) && *roi) {
      a.roiStart = elementOf(ctx, *roi, i);
      a.roiEnd = elementOf(ctx, *roi, count + i);
    } else {
      a.roiStart = ctx.scalar(f64, 0.0);
      a.roiEnd = ctx.scalar(f64, 1.0);
    }
    result.push_back(a);
  }
  return result;
}

/// The source coordinates of the output positions `y` (f64), as
/// sourceCoordinate computes them one at a time; `outside` is set for
/// tf_crop_and_resize.
static FailureOr<Value> sourceCoordinates(NodeContext &ctx,
                                          const ResizeSpec &spec,
                                          const RunTimeAxis &a,
                                          FailureOr<Value> y,
                                          FailureOr<Value> &outside) {
  Formula f(ctx);
  Type f64 = ctx.builder().getF64Type();
  FailureOr<Value> in = castOf(ctx, a.inSize, f64);
  FailureOr<Value> outWidth = f.op<x::MulOp>(a.scale, in);
  FailureOr<Value> one = f.scalar(in, 1.0), half = f.scalar(in, 0.5);
  FailureOr<Value> last = f.op<x::SubOp>(in, one);
  FailureOr<Value> single = f.op<x::EqualOp>(outWidth, one);
  // (y + 0.5) / scale - 0.5
  FailureOr<Value> centred =
      f.op<x::SubOp>(f.op<x::DivOp>(f.op<x::AddOp>(y, half), a.scale), half);
  const std::string &mode = spec.coordinates;
  if (mode == "align_corners")
    return f.where(
        single, f.scalar(in, 0.0),
        f.op<x::DivOp>(f.op<x::MulOp>(y, last), f.op<x::SubOp>(outWidth, one)));
  if (mode == "asymmetric")
    return f.op<x::DivOp>(y, a.scale);
  if (mode == "tf_crop_and_resize") {
    FailureOr<Value> span =
        f.op<x::MulOp>(f.op<x::SubOp>(a.roiEnd, a.roiStart), last);
    FailureOr<Value> coordinate = f.where(
        single, f.op<x::DivOp>(span, f.scalar(in, 2.0)),
        f.op<x::DivOp>(f.op<x::MulOp>(y, span), f.op<x::SubOp>(outWidth, one)));
    coordinate = f.op<x::AddOp>(coordinate, f.op<x::MulOp>(a.roiStart, last));
    outside = f.op<x::OrOp>(f.op<x::LessOp>(coordinate, f.scalar(in, 0.0)),
                            f.op<x::GreaterOp>(coordinate, last));
    return coordinate;
  }
  if (mode == "pytorch_half_pixel")
    return f.where(single, f.scalar(in, -0.5), centred);
  if (mode == "half_pixel_symmetric") {
    FailureOr<Value> adjustment =
        f.op<x::DivOp>(castOf(ctx, a.outSize, f64), outWidth);
    FailureOr<Value> offset = f.op<x::MulOp>(
        f.op<x::DivOp>(in, f.scalar(in, 2.0)), f.op<x::SubOp>(one, adjustment));
    return f.op<x::AddOp>(offset, centred);
  }
  return centred; // half_pixel
}

/// The tables of one axis computed at run time: the same taps and weights
/// as buildAxisTable, as xfmr ops over the output positions.
static FailureOr<ResampleTables>
runTimeTables(NodeContext &ctx, const ResizeSpec &spec, const RunTimeAxis &a,
              int64_t rank, int64_t axis, Type elementType) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  Type f64 = b.getF64Type(), i64 = b.getI64Type();
  if (failed(a.inSize) || failed(a.outSize) || failed(a.scale) ||
      failed(a.roiStart) || failed(a.roiEnd))
    return failure();
  FailureOr<Value> positions = rangeOf(ctx, f.scalar(a.outSize, 0), a.outSize);
  if (failed(positions))
    return failure();
  FailureOr<Value> y = ctx.castTo(*positions, f64);
  FailureOr<Value> outside = Value();
  FailureOr<Value> source = sourceCoordinates(ctx, spec, a, y, outside);
  FailureOr<Value> left = f.op<x::FloorOp>(source);
  FailureOr<Value> fraction = f.op<x::SubOp>(source, left);
  FailureOr<Value> one = f.scalar(source, 1.0);
  // An exact position counts as ratio 1 past the position to its left.
  FailureOr<Value> exact = f.op<x::EqualOp>(fraction, f.scalar(source, 0.0));
  FailureOr<Value> ratio = f.where(exact, one, fraction);
  FailureOr<Value> in = castOf(ctx, a.inSize, f64);
  FailureOr<Value> last = f.op<x::SubOp>(in, one);
  auto clamped = [&](FailureOr<Value> p) {
    return castOf(
        ctx, f.op<x::MinOp>(f.op<x::MaxOp>(p, f.scalar(p, 0.0)), last), i64);
  };
  if (failed(ratio) || failed(last) || failed(outside))
    return failure();

  ResampleTables tables;
  if (*outside)
    tables.outside = *outside;
  // The left tap of the two around the source coordinate.
  FailureOr<Value> below =
      f.op<x::SubOp>(left, f.where(exact, one, f.scalar(source, 0.0)));
  if (spec.mode == Interpolation::Nearest) {
    FailureOr<Value> takeRight;
    const std::string &mode = spec.nearestMode;
    if (mode == "round_prefer_ceil")
      takeRight = f.op<x::GreaterEqualOp>(ratio, f.scalar(ratio, 0.5));
    else if (mode == "floor")
      takeRight = f.op<x::EqualOp>(ratio, one);
    else if (mode == "ceil")
      takeRight = f.op<x::GreaterEqualOp>(ratio, f.scalar(ratio, 0.0));
    else // round_prefer_floor
      takeRight = f.op<x::GreaterOp>(ratio, f.scalar(ratio, 0.5));
    FailureOr<Value> picked = clamped(
        f.op<x::AddOp>(below, f.where(takeRight, one, f.scalar(source, 0.0))));
    if (failed(picked))
      return failure();
    tables.positions = *picked;
    return tables;
  }

  // Taps i = start, ..., 1 - start around the source coordinate, with the
  // kernel stretched by 1 / s when antialiasing a downsample (s < 1): their
  // count depends on the scale, so the tables are [out, taps] with taps
  // known only at run time.
  bool cubic = spec.mode == Interpolation::Cubic;
  FailureOr<Value> stretch = one;
  FailureOr<Value> start = f.scalar(source, cubic ? -1.0 : 0.0);
  if (spec.antialias) {
    stretch = f.op<x::MinOp>(castOf(ctx, a.scale, f64), one);
    start = f.op<x::AddOp>(f.op<x::FloorOp>(f.op<x::DivOp>(
                               f.scalar(source, cubic ? -2.0 : -1.0), stretch)),
                           one);
  }
  FailureOr<Value> taps =
      castOf(ctx,
             f.op<x::SubOp>(f.scalar(start, 2.0),
                            f.op<x::MulOp>(start, f.scalar(start, 2.0))),
             i64);
  FailureOr<Value> k;
  if (spec.antialias) {
    k = castOf(ctx, rangeOf(ctx, f.scalar(taps, 0), taps), f64);
    if (failed(k))
      return failure();
    k = ctx.value<x::ReshapeOp>(*k, ctx.i64Vector({1, -1}), false);
  } else {
    k = ctx.floatConstant({1, cubic ? 4 : 2}, f64,
                          cubic ? llvm::ArrayRef<double>{0, 1, 2, 3}
                                : llvm::ArrayRef<double>{0, 1});
  }
  auto column = [&](FailureOr<Value> v) -> FailureOr<Value> {
    if (failed(v))
      return failure();
    return ctx.value<x::ReshapeOp>(*v, ctx.i64Vector({-1, 1}), false);
  };
  FailureOr<Value> t = f.op<x::AbsOp>(f.op<x::MulOp>(
      f.op<x::SubOp>(f.op<x::AddOp>(k, start), column(ratio)), stretch));
  FailureOr<Value> weights;
  if (cubic) {
    // The kernel is 0 from distance 2 on.
    weights = f.where(f.op<x::LessOp>(t, f.scalar(t, 2.0)),
                      cubicConvolution(ctx, t, spec.cubicA), f.scalar(t, 0.0));
  } else {
    weights =
        f.op<x::MaxOp>(f.op<x::SubOp>(f.scalar(t, 1.0), t), f.scalar(t, 0.0));
  }
  auto normalized = [&](FailureOr<Value> w) -> FailureOr<Value> {
    if (failed(w))
      return failure();
    FailureOr<Value> sum = ctx.value<x::ReduceSumOp>(
        *w, b.getDenseI64ArrayAttr({1}), b.getBoolAttr(true));
    return f.op<x::DivOp>(
        w, f.where(f.op<x::EqualOp>(sum, f.scalar(sum, 0.0)), one, sum));
  };
  if (spec.antialias)
    weights = normalized(weights);
  // The first tap: the lower ones on a tie.
  FailureOr<Value> first =
      f.op<x::AddOp>(f.op<x::SubOp>(f.op<x::AddOp>(left, start), one),
                     f.where(exact, f.scalar(source, 0.0), one));
  FailureOr<Value> taken = f.op<x::AddOp>(column(first), k);
  if (spec.excludeOutside) {
    FailureOr<Value> inside =
        f.op<x::AndOp>(f.op<x::GreaterEqualOp>(taken, f.scalar(in, 0.0)),
                       f.op<x::LessOp>(taken, in));
    weights = normalized(f.where(inside, weights, f.scalar(source, 0.0)));
  }
  FailureOr<Value> indices = clamped(taken);
  weights = castOf(ctx, weights, elementType);
  if (failed(indices) || failed(weights))
    return failure();
  if (axis + 1 < rank)
    weights = ctx.value<x::UnsqueezeOp>(
        *weights, b.getDenseI64ArrayAttr(
                      llvm::to_vector(llvm::seq<int64_t>(2, rank - axis + 1))));
  if (failed(weights))
    return failure();
  tables.indices = *indices;
  tables.weights = *weights;
  return tables;
}

/// `input` resized along `axes` by scales, sizes or a crop box known only
/// at run time.
static FailureOr<Value> resizeAtRunTime(NodeContext &ctx,
                                        const ResizeSpec &spec, Value input,
                                        const ResizeGeometry &g) {
  llvm::ArrayRef<int64_t> axes = g.axes;
  FailureOr<llvm::SmallVector<RunTimeAxis>> geometry =
      runTimeAxes(ctx, spec, input, axes);
  if (failed(geometry))
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  Value result = input;
  for (auto [axis, a, keep] : llvm::zip(axes, *geometry, g.resampled)) {
    if (!keep)
      continue;
    FailureOr<ResampleTables> tables = runTimeTables(
        ctx, spec, a, type.getRank(), axis, type.getElementType());
    if (failed(tables))
      return failure();
    FailureOr<Value> resampled = applyTables(ctx, spec, result, axis, *tables);
    if (failed(resampled))
      return failure();
    result = *resampled;
  }
  return result;
}

static LogicalResult convertResize(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  if (type.getRank() == 0)
    return ctx.emitError() << ctx.opType() << " needs an input of rank >= 1";
  FailureOr<ResizeSpec> spec = readResizeSpec(ctx);
  if (failed(spec))
    return failure();
  FailureOr<ResizeGeometry> g = readGeometry(ctx, *spec, type.getShape());
  if (failed(g))
    return failure();

  Type elementType = type.getElementType();
  bool interpolates = spec->mode != Interpolation::Nearest;
  if (interpolates && !isa<FloatType>(elementType))
    return ctx.unsupported("linear and cubic modes on integer inputs");
  // Weighted sums of f16/bf16 run in f32 and round once at the end.
  bool widen = interpolates && elementType.getIntOrFloatBitWidth() < 32;
  Value result = *input;
  if (widen) {
    FailureOr<Value> wide = ctx.castTo(result, ctx.builder().getF32Type());
    if (failed(wide))
      return failure();
    result = *wide;
  }
  if (g->atRunTime) {
    FailureOr<Value> resized = resizeAtRunTime(ctx, *spec, result, *g);
    if (failed(resized) || !widen)
      return ctx.setOutput(resized);
    return ctx.setOutput(ctx.castTo(*resized, elementType));
  }
  for (int64_t axis = 0; axis < type.getRank(); ++axis) {
    int64_t inSize = type.getDimSize(axis);
    bool cropped = g->roiStarts[axis] != 0 || g->roiEnds[axis] != 1;
    bool crops = spec->coordinates == "tf_crop_and_resize" && cropped;
    if (g->sizes[axis] == inSize && g->scales[axis] == 1.0 && !crops)
      continue;
    if (ShapedType::isDynamic(inSize))
      return ctx.unsupported("resized dims known only at run time");
    if (g->sizes[axis] <= 0)
      return ctx.emitError()
             << ctx.opType() << " would make dim " << axis << " empty";
    AxisTable table =
        buildAxisTable(*spec, inSize, g->sizes[axis], g->scales[axis],
                       g->roiStarts[axis], g->roiEnds[axis]);
    FailureOr<Value> resampled = resampleAxis(ctx, *spec, result, axis, table);
    if (failed(resampled))
      return failure();
    result = *resampled;
  }
  if (widen)
    return ctx.setOutput(ctx.castTo(result, elementType));
  return ctx.setOutput(result);
}

void mlir::xfmr::onnx_import::registerResizeOps(OpRegistry &r) {
  r.add("", "Resize", convertResize, 10);
  r.add("", "Upsample", convertResize, 7, 9);
}
