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

/// `input` resampled along `axis` by `table`.
static FailureOr<Value> resampleAxis(NodeContext &ctx, const ResizeSpec &spec,
                                     Value input, int64_t axis,
                                     const AxisTable &table) {
  OpBuilder &b = ctx.builder();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  auto outSize = static_cast<int64_t>(table.outside.size());
  FailureOr<Value> result;
  if (std::optional<llvm::SmallVector<int64_t>> positions =
          selectedPositions(table)) {
    result = ctx.value<x::GatherOp>(input, ctx.i64Vector(*positions),
                                    b.getI64IntegerAttr(axis));
  } else {
    auto indexType =
        RankedTensorType::get({outSize, table.taps}, b.getI64Type());
    Value indices = x::ConstantOp::create(
        b, ctx.loc(), indexType,
        DenseIntElementsAttr::get(indexType, llvm::ArrayRef(table.indices)));
    llvm::SmallVector<int64_t> weightShape(rank - axis - 1, 1);
    weightShape.insert(weightShape.begin(), {outSize, table.taps});
    Value weights =
        ctx.floatConstant(weightShape, type.getElementType(), table.weights);
    FailureOr<Value> taken =
        ctx.value<x::GatherOp>(input, indices, b.getI64IntegerAttr(axis));
    Formula f(ctx);
    FailureOr<Value> weighted = f.op<x::MulOp>(taken, weights);
    if (failed(weighted))
      return failure();
    result = ctx.value<x::ReduceSumOp>(
        *weighted, b.getDenseI64ArrayAttr({axis + 1}), b.getBoolAttr(false));
  }
  if (failed(result) || !table.anyOutside)
    return result;
  llvm::SmallVector<int64_t> maskShape(rank, 1);
  maskShape[axis] = outSize;
  auto maskType = RankedTensorType::get(maskShape, b.getI1Type());
  Value mask = x::ConstantOp::create(
      b, ctx.loc(), maskType,
      DenseElementsAttr::get(maskType, llvm::ArrayRef(table.outside)));
  return ctx.value<x::WhereOp>(
      mask, ctx.scalar(type.getElementType(), spec.extrapolation), *result);
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

/// The per-dim scales, output sizes and crop boxes of a Resize or Upsample
/// node over an input of `inShape`, or failure (reported).
struct ResizeGeometry {
  llvm::SmallVector<double> scales, roiStarts, roiEnds;
  llvm::SmallVector<int64_t> sizes;
};

static FailureOr<ResizeGeometry> readGeometry(NodeContext &ctx,
                                              llvm::ArrayRef<int64_t> inShape) {
  auto rank = static_cast<int64_t>(inShape.size());
  bool upsample = ctx.opType() == "Upsample";
  bool legacy = upsample || ctx.opset() < 11;
  unsigned scalesInput = legacy ? 1 : 2, sizesInput = 3, roiInput = 1;

  llvm::SmallVector<int64_t> axes;
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
  if (upsample && ctx.opset() < 9)
    scales = llvm::to_vector(llvm::map_range(
        ctx.getFloats("scales"), [](float s) { return double(s); }));
  else if (ctx.input(scalesInput))
    scales = ctx.constantFloats(scalesInput);
  if (scales && scales->empty())
    scales.reset();
  std::optional<llvm::SmallVector<int64_t>> sizes;
  if (!legacy && ctx.input(sizesInput)) {
    sizes = ctx.constantInts(sizesInput);
    if (!sizes)
      return ctx.unsupported("sizes computed at run time");
    if (sizes->empty())
      sizes.reset();
  }
  if (!scales && ctx.input(scalesInput) && !ctx.constantFloats(scalesInput))
    return ctx.unsupported("scales computed at run time");
  if (scales.has_value() == sizes.has_value())
    return ctx.emitError() << ctx.opType()
                           << " needs exactly one of scales and sizes";
  if (static_cast<int64_t>(scales ? scales->size() : sizes->size()) != count)
    return ctx.emitError() << ctx.opType() << " needs one "
                           << (scales ? "scale" : "size") << " per resized "
                           << "axis (" << count << ")";

  ResizeGeometry g;
  g.scales.assign(rank, 1.0);
  g.sizes.assign(inShape.begin(), inShape.end());
  g.roiStarts.assign(rank, 0.0);
  g.roiEnds.assign(rank, 1.0);
  if (!legacy && ctx.input(roiInput)) {
    std::optional<llvm::SmallVector<double>> roi = ctx.constantFloats(roiInput);
    if (!roi)
      return ctx.unsupported("a roi computed at run time");
    if (!roi->empty()) {
      if (static_cast<int64_t>(roi->size()) != 2 * count)
        return ctx.emitError()
               << "Resize needs a roi of 2 x " << count << " values";
      for (int64_t i = 0; i < count; ++i) {
        g.roiStarts[axes[i]] = (*roi)[i];
        g.roiEnds[axes[i]] = (*roi)[count + i];
      }
    }
  }
  // A dim known only at run time may pass through, with scale 1.
  auto checkStatic = [&](int64_t axis) -> LogicalResult {
    if (ShapedType::isDynamic(inShape[axis]))
      return ctx.unsupported("resized dims known only at run time");
    return success();
  };
  if (scales) {
    for (int64_t i = 0; i < count; ++i) {
      double s = (*scales)[i];
      if (!(s > 0))
        return ctx.emitError() << ctx.opType() << " scales must be positive";
      if (s == 1.0 && ShapedType::isDynamic(inShape[axes[i]]))
        continue;
      if (failed(checkStatic(axes[i])))
        return failure();
      g.scales[axes[i]] = s;
      g.sizes[axes[i]] = static_cast<int64_t>(s * inShape[axes[i]]);
    }
    return g;
  }
  for (int64_t axis : axes)
    if (failed(checkStatic(axis)))
      return failure();
  for (int64_t i = 0; i < count; ++i) {
    if ((*sizes)[i] <= 0)
      return ctx.emitError() << "Resize sizes must be positive";
    g.sizes[axes[i]] = (*sizes)[i];
    g.scales[axes[i]] = static_cast<double>((*sizes)[i]) /
                        static_cast<double>(inShape[axes[i]]);
  }
  std::string policy = ctx.getString("keep_aspect_ratio_policy", "stretch");
  if (policy == "stretch")
    return g;
  if (policy != "not_larger" && policy != "not_smaller")
    return ctx.emitError() << "Resize keep_aspect_ratio_policy '" << policy
                           << "' is not one ONNX defines";
  // One scale for every resized axis, the one that fits (not_larger) or
  // covers (not_smaller) the requested box; sizes round half up.
  double scale = g.scales[axes[0]];
  for (int64_t axis : axes)
    scale = policy == "not_larger" ? std::min(scale, g.scales[axis])
                                   : std::max(scale, g.scales[axis]);
  for (int64_t axis : axes) {
    g.scales[axis] = scale;
    g.sizes[axis] = static_cast<int64_t>(scale * inShape[axis] + 0.5);
  }
  return g;
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
  FailureOr<ResizeGeometry> g = readGeometry(ctx, type.getShape());
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
