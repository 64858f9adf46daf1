//===- SamplingOps.cpp - Importing ONNX GridSample ------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// GridSample reads X at positions that a second input, the grid, holds: the
// positions are data, so unlike Resize no table can be computed here. Each
// spatial dim d of X gets its source coordinate from the grid, its taps
// (1 nearest, 2 linear, 4 cubic) along a tap axis of its own, and per tap
// an index made safe by the padding mode and a weight. The taps of all dims
// combine by broadcasting into one flat position per output and tap:
//
//   x_d     = denormalize(grid[..., r-1-d])          [N, G..., 1...1]
//   i_d     = pad(floor(x_d) + taps_d)               [N, G..., 1, T_d, 1]
//   flat    = sum_d i_d * stride_d                    [N, G..., T...]
//   taken   = xfmr.gather_nd X[N, P, C], flat {batch_dims = 1}
//   Y       = sum over taps (taken * prod_d w_d)      -> [N, C, G...]
//
// Every index is clamped into X before the gather, so no read leaves it;
// zeros padding then replaces what a tap outside X read by 0.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

namespace {
enum class SampleMode { Nearest, Linear, Cubic };
enum class Padding { Zeros, Border, Reflection };

/// The attributes of a GridSample node.
struct GridSampleSpec {
  SampleMode mode = SampleMode::Linear;
  Padding padding = Padding::Zeros;
  bool alignCorners = false;
};
} // namespace

/// Reads and checks a GridSample node's attributes; the mode names changed
/// at opset 20 (bilinear -> linear, bicubic -> cubic).
static FailureOr<GridSampleSpec> readGridSampleSpec(NodeContext &ctx) {
  GridSampleSpec spec;
  bool renamed = ctx.opset() >= 20;
  std::string mode = ctx.getString("mode", renamed ? "linear" : "bilinear");
  if (mode == "nearest")
    spec.mode = SampleMode::Nearest;
  else if (mode == (renamed ? "linear" : "bilinear"))
    spec.mode = SampleMode::Linear;
  else if (mode == (renamed ? "cubic" : "bicubic"))
    spec.mode = SampleMode::Cubic;
  else
    return ctx.emitError() << "GridSample mode '" << mode
                           << "' is not one opset " << ctx.opset()
                           << " defines";
  std::string padding = ctx.getString("padding_mode", "zeros");
  if (padding == "zeros")
    spec.padding = Padding::Zeros;
  else if (padding == "border")
    spec.padding = Padding::Border;
  else if (padding == "reflection")
    spec.padding = Padding::Reflection;
  else
    return ctx.emitError() << "GridSample padding_mode '" << padding
                           << "' is not one ONNX defines";
  spec.alignCorners = ctx.getInt("align_corners", 0) != 0;
  return spec;
}

/// `v` reflected at `lo` and `hi` until it lies between them.
static FailureOr<Value> reflect(NodeContext &ctx, FailureOr<Value> v, double lo,
                                double hi) {
  Formula f(ctx);
  double range = hi - lo;
  if (range <= 0)
    return f.scalar(v, lo);
  FailureOr<Value> below = f.op<x::LessOp>(v, f.scalar(v, lo));
  FailureOr<Value> above = f.op<x::GreaterOp>(v, f.scalar(v, hi));
  FailureOr<Value> past = f.where(below, f.op<x::SubOp>(f.scalar(v, lo), v),
                                  f.op<x::SubOp>(v, f.scalar(v, hi)));
  // `past` = n whole ranges plus a rest; an even n reflects back from the
  // border crossed, an odd n from the other one.
  FailureOr<Value> n =
      f.op<x::FloorOp>(f.op<x::DivOp>(past, f.scalar(v, range)));
  FailureOr<Value> rest =
      f.op<x::SubOp>(past, f.op<x::MulOp>(n, f.scalar(v, range)));
  FailureOr<Value> even = f.op<x::EqualOp>(
      f.op<x::MulOp>(f.op<x::FloorOp>(f.op<x::MulOp>(n, f.scalar(v, 0.5))),
                     f.scalar(v, 2.0)),
      n);
  FailureOr<Value> fromLo = f.op<x::AddOp>(f.scalar(v, lo), rest);
  FailureOr<Value> fromHi = f.op<x::SubOp>(f.scalar(v, hi), rest);
  return f.where(below, f.where(even, fromLo, fromHi),
                 f.where(above, f.where(even, fromHi, fromLo), v));
}

/// The borders a coordinate along a dim of `size` positions is kept within.
static std::pair<double, double> borders(const GridSampleSpec &spec,
                                         int64_t size) {
  auto s = static_cast<double>(size);
  if (spec.alignCorners)
    return {0.0, s - 1};
  return {-0.5, s - 0.5};
}

/// The source coordinate along a dim of `size` for normalized grid values
/// `g`, moved inside the borders as border and reflection padding say.
static FailureOr<Value> sourceCoordinate(NodeContext &ctx,
                                         const GridSampleSpec &spec, Value g,
                                         int64_t size) {
  Formula f(ctx);
  auto s = static_cast<double>(size);
  FailureOr<Value> shifted = f.op<x::AddOp>(g, f.scalar(g, 1.0));
  FailureOr<Value> v =
      spec.alignCorners
          ? f.op<x::MulOp>(shifted, f.scalar(g, (s - 1) / 2))
          : f.op<x::MulOp>(
                f.op<x::SubOp>(f.op<x::MulOp>(shifted, f.scalar(g, s)),
                               f.scalar(g, 1.0)),
                f.scalar(g, 0.5));
  if (failed(v))
    return failure();
  if (spec.mode == SampleMode::Nearest)
    v = roundHalfToEven(ctx, *v);
  auto [lo, hi] = borders(spec, size);
  if (spec.padding == Padding::Border) {
    FailureOr<Value> outside =
        f.op<x::OrOp>(f.op<x::LessOp>(v, f.scalar(v, lo)),
                      f.op<x::GreaterOp>(v, f.scalar(v, hi)));
    FailureOr<Value> clamped =
        ctx.value<x::ClipOp>(*v, ctx.builder().getF64FloatAttr(0.0),
                             ctx.builder().getF64FloatAttr(s - 1));
    return f.where(outside, clamped, v);
  }
  if (spec.padding == Padding::Reflection)
    return reflect(ctx, v, lo, hi);
  return v;
}

/// The weight of a tap at distance `d` (>= 0) from the coordinate.
static FailureOr<Value> tapWeight(NodeContext &ctx, SampleMode mode,
                                  FailureOr<Value> d) {
  Formula f(ctx);
  if (mode == SampleMode::Linear)
    return f.op<x::SubOp>(f.scalar(d, 1.0), d);
  // Keys' cubic convolution kernel with a = -0.75.
  return cubicConvolution(ctx, d, -0.75);
}

FailureOr<Value> mlir::xfmr::onnx_import::cubicConvolution(NodeContext &ctx,
                                                           FailureOr<Value> d,
                                                           double a) {
  Formula f(ctx);
  FailureOr<Value> inner = f.op<x::AddOp>(
      f.op<x::MulOp>(f.op<x::SubOp>(f.op<x::MulOp>(d, f.scalar(d, a + 2)),
                                    f.scalar(d, a + 3)),
                     f.op<x::MulOp>(d, d)),
      f.scalar(d, 1.0));
  FailureOr<Value> outer = f.op<x::SubOp>(
      f.op<x::MulOp>(
          f.op<x::AddOp>(
              f.op<x::MulOp>(f.op<x::SubOp>(f.op<x::MulOp>(d, f.scalar(d, a)),
                                            f.scalar(d, 5 * a)),
                             d),
              f.scalar(d, 8 * a)),
          d),
      f.scalar(d, 4 * a));
  return f.where(f.op<x::LessEqualOp>(d, f.scalar(d, 1.0)), inner, outer);
}

namespace {
/// The taps of one spatial dim: indices inside X (f32), their weights (null
/// for nearest) and, with zeros padding, whether each lies inside X.
struct DimTaps {
  Value index, weight, inside;
};
} // namespace

/// The taps along spatial dim `dim` (of `rank` spatial dims and `size`
/// positions) around coordinates `v` of shape [N, G..., 1 x rank].
static FailureOr<DimTaps> dimTaps(NodeContext &ctx, const GridSampleSpec &spec,
                                  Value v, int64_t dim, int64_t rank,
                                  int64_t size) {
  Formula f(ctx);
  int64_t taps = spec.mode == SampleMode::Nearest  ? 1
                 : spec.mode == SampleMode::Linear ? 2
                                                   : 4;
  int64_t first = spec.mode == SampleMode::Cubic ? -1 : 0;
  llvm::SmallVector<int64_t> offsetShape(1 + 2 * rank, 1);
  offsetShape[1 + rank + dim] = taps;
  llvm::SmallVector<double> offsets;
  for (int64_t k = 0; k < taps; ++k)
    offsets.push_back(static_cast<double>(first + k));
  Type f32 = ctx.builder().getF32Type();
  FailureOr<Value> base =
      spec.mode == SampleMode::Nearest ? v : f.op<x::FloorOp>(v);
  FailureOr<Value> index =
      f.op<x::AddOp>(base, ctx.floatConstant(offsetShape, f32, offsets));
  DimTaps result;
  if (spec.mode != SampleMode::Nearest) {
    FailureOr<Value> weight =
        tapWeight(ctx, spec.mode, f.op<x::AbsOp>(f.op<x::SubOp>(v, index)));
    if (failed(weight))
      return failure();
    result.weight = *weight;
  }
  auto s = static_cast<double>(size);
  if (spec.padding == Padding::Zeros) {
    FailureOr<Value> inside =
        f.op<x::AndOp>(f.op<x::GreaterEqualOp>(index, f.scalar(index, 0.0)),
                       f.op<x::LessEqualOp>(index, f.scalar(index, s - 1)));
    if (failed(inside))
      return failure();
    result.inside = *inside;
  } else if (spec.padding == Padding::Reflection) {
    auto [lo, hi] = borders(spec, size);
    index = reflect(ctx, index, lo, hi);
  }
  if (failed(index))
    return failure();
  // Positions past the edges (border padding, and every index made safe
  // to read) repeat the edge; whole positions truncate, as ONNX's int().
  FailureOr<Value> clamped =
      ctx.value<x::ClipOp>(*index, ctx.builder().getF64FloatAttr(0.0),
                           ctx.builder().getF64FloatAttr(s - 1));
  if (failed(clamped))
    return failure();
  result.index = *clamped;
  return result;
}

static LogicalResult convertGridSample(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "X");
  FailureOr<Value> grid = ctx.requiredFloatInput(1, "grid");
  if (failed(input) || failed(grid))
    return failure();
  FailureOr<GridSampleSpec> spec = readGridSampleSpec(ctx);
  if (failed(spec))
    return failure();
  RankedTensorType xType = ctx.inputType(0), gridType = ctx.inputType(1);
  int64_t rank = xType.getRank() - 2;
  if (rank < 1 || (ctx.opset() < 20 && rank != 2))
    return ctx.emitError() << "GridSample at opset " << ctx.opset()
                           << " needs X of rank "
                           << (ctx.opset() < 20 ? "4" : ">= 3") << ", got "
                           << xType;
  if (gridType.getRank() != rank + 2 || gridType.isDynamicDim(rank + 1) ||
      gridType.getDimSize(rank + 1) != rank)
    return ctx.emitError() << "GridSample needs a grid [N, ..., " << rank
                           << "] for X " << xType << ", got " << gridType;
  if (!xType.isDynamicDim(0) && !gridType.isDynamicDim(0) &&
      xType.getDimSize(0) != gridType.getDimSize(0))
    return ctx.emitError() << "GridSample's X " << xType << " and grid "
                           << gridType << " differ in batch size";
  if (spec->mode == SampleMode::Cubic && rank != 2)
    return ctx.emitError() << "GridSample's cubic mode needs 2 spatial dims, "
                           << "got " << rank;
  llvm::ArrayRef<int64_t> sizes = xType.getShape().drop_front(2);
  llvm::ArrayRef<int64_t> outSizes = gridType.getShape().slice(1, rank);
  if (ShapedType::isDynamicShape(sizes) || ShapedType::isDynamicShape(outSizes))
    return ctx.unsupported("spatial dims known only at run time");

  OpBuilder &b = ctx.builder();
  Formula f(ctx);
  Type f32 = b.getF32Type();
  Type elementType = xType.getElementType();
  // Weighted sums of f16/bf16 run in f32 and round once at the end.
  Type valueType = elementType.getIntOrFloatBitWidth() < 32 ? f32 : elementType;
  FailureOr<Value> coords = ctx.castTo(*grid, f32);
  FailureOr<Value> values = ctx.castTo(*input, valueType);
  if (failed(coords) || failed(values))
    return failure();

  // [N, G..., 1 x rank]: the output positions, then one tap axis per dim.
  llvm::SmallVector<int64_t> coordShape = {0};
  coordShape.append(outSizes.begin(), outSizes.end());
  coordShape.append(rank, 1);
  FailureOr<Value> flat, weight, inside;
  int64_t stride = 1;
  for (int64_t dim = rank - 1; dim >= 0; --dim) {
    // The grid lists coordinates innermost dim first (x, y, z).
    int64_t component = rank - 1 - dim;
    FailureOr<Value> g = ctx.value<x::SliceOp>(
        *coords, ctx.i64Vector({component}), ctx.i64Vector({component + 1}),
        ctx.i64Vector({rank + 1}), Value());
    if (succeeded(g))
      g = ctx.value<x::ReshapeOp>(*g, ctx.i64Vector(coordShape), false);
    if (failed(g))
      return failure();
    FailureOr<Value> v = sourceCoordinate(ctx, *spec, *g, sizes[dim]);
    if (failed(v))
      return failure();
    FailureOr<DimTaps> taps = dimTaps(ctx, *spec, *v, dim, rank, sizes[dim]);
    if (failed(taps))
      return failure();
    FailureOr<Value> index = ctx.castTo(taps->index, b.getI64Type());
    FailureOr<Value> term =
        stride == 1
            ? index
            : f.op<x::MulOp>(index, ctx.scalar(b.getI64Type(),
                                               static_cast<double>(stride)));
    flat = dim == rank - 1 ? term : f.op<x::AddOp>(flat, term);
    if (taps->weight)
      weight = dim == rank - 1 ? FailureOr<Value>(taps->weight)
                               : f.op<x::MulOp>(weight, taps->weight);
    if (taps->inside)
      inside = dim == rank - 1 ? FailureOr<Value>(taps->inside)
                               : f.op<x::AndOp>(inside, taps->inside);
    stride *= sizes[dim];
  }
  if (failed(flat))
    return failure();

  // X as [N, P, C], read at [N, M, 1] flat positions: [N, M, C].
  FailureOr<Value> table =
      ctx.value<x::ReshapeOp>(*values, ctx.i64Vector({0, 0, stride}), false);
  if (succeeded(table))
    table =
        ctx.value<x::TransposeOp>(*table, b.getDenseI64ArrayAttr({0, 2, 1}));
  auto column = [&](FailureOr<Value> v) -> FailureOr<Value> {
    if (failed(v))
      return failure();
    return ctx.value<x::ReshapeOp>(*v, ctx.i64Vector({0, -1, 1}), false);
  };
  FailureOr<Value> positions = column(flat);
  if (failed(table) || failed(positions))
    return failure();
  FailureOr<Value> taken =
      ctx.value<x::GatherNdOp>(*table, *positions, b.getI64IntegerAttr(1));
  if (spec->padding == Padding::Zeros)
    taken = f.where(column(inside), taken, f.scalar(taken, 0.0));
  if (spec->mode != SampleMode::Nearest)
    taken = f.op<x::MulOp>(taken, column(ctx.castTo(*weight, valueType)));
  if (failed(taken))
    return failure();

  // [N, G..., taps, C], summed over the taps, then [N, C, G...].
  int64_t tapsPerDim = spec->mode == SampleMode::Nearest  ? 1
                       : spec->mode == SampleMode::Linear ? 2
                                                          : 4;
  int64_t tapCount = 1;
  for (int64_t d = 0; d < rank; ++d)
    tapCount *= tapsPerDim;
  llvm::SmallVector<int64_t> tappedShape = {0};
  tappedShape.append(outSizes.begin(), outSizes.end());
  tappedShape.append({tapCount, -1});
  FailureOr<Value> result =
      ctx.value<x::ReshapeOp>(*taken, ctx.i64Vector(tappedShape), false);
  if (succeeded(result))
    result = ctx.value<x::ReduceSumOp>(
        *result, b.getDenseI64ArrayAttr({rank + 1}), b.getBoolAttr(false));
  llvm::SmallVector<int64_t> permutation = {0, rank + 1};
  for (int64_t d = 1; d <= rank; ++d)
    permutation.push_back(d);
  if (succeeded(result))
    result =
        ctx.value<x::TransposeOp>(*result, b.getDenseI64ArrayAttr(permutation));
  if (failed(result))
    return failure();
  return ctx.setOutput(ctx.castTo(*result, elementType));
}

void mlir::xfmr::onnx_import::registerSamplingOps(OpRegistry &r) {
  r.add("", "GridSample", convertGridSample, 16);
}
