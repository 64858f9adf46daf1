//===- SpectralOps.cpp - Importing ONNX DFT, STFT and MelWeightMatrix -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The spectral ops of audio front ends. A DFT
// of length N is a direct O(N^2) contraction: the transformed axis moved
// last, its real and imaginary parts a and b, and tables of cos and sin
// computed here,
//
//   Re Y = a * C + b * S      Im Y = b * C - a * S      (matmuls)
//
// with C[n, k] = cos(2 pi n k / N), S[n, k] = sin(2 pi n k / N) (negated and
// scaled by 1 / N for the inverse), all in f64. Zero padding to N is rows
// of the tables left out; a one-sided output is columns left out. Audio
// front ends use frames of a few hundred samples, where the tables stay
// small and the matmuls vectorise; an FFT would pay off for long transforms.
//
// STFT gathers its frames with one xfmr.gather of computed positions,
// windows them and transforms the last axis. MelWeightMatrix's inputs only
// decide a table, computed here.
//
// Lengths, steps and filter-bank parameters known only at run time give the
// same tables computed by the model from ranges of their positions, with
// dynamic output dims. A run-time DFT axis transforms along every axis it
// may name and picks the one it names at run time: the rank stays static.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

namespace {
/// A signal along the last axis: real parts, and imaginary ones or null.
struct Complex {
  Value re, im;
};

/// A DFT of length `length` over the first `rows` input positions, giving
/// `cols` outputs. A half-spectrum inverse (irfft) reads `rows` bins of a
/// Hermitian spectrum, each but the first and the middle one standing for
/// itself and its mirror image.
struct Transform {
  int64_t length = 0, rows = 0, cols = 0;
  bool inverse = false, halfSpectrumInput = false;
};
} // namespace

/// `v` with its last dim cut to `size`.
static FailureOr<Value> leading(NodeContext &ctx, Value v, int64_t size) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t last = type.getRank() - 1;
  if (type.getDimSize(last) == size)
    return v;
  return ctx.value<x::SliceOp>(v, ctx.i64Vector({0}), ctx.i64Vector({size}),
                               ctx.i64Vector({last}), Value());
}

/// `signal`, its last axis already cut to the tables' rows, times the
/// cos and sin tables [rows, cols].
static FailureOr<Complex> contract(NodeContext &ctx, Complex signal, Value c,
                                   Value s, bool wantImag) {
  Formula f(ctx);
  Value a = signal.re, b = signal.im;
  FailureOr<Value> re = ctx.matmul(a, c);
  if (b)
    re = f.op<x::AddOp>(re, ctx.matmul(b, s));
  if (failed(re))
    return failure();
  if (!wantImag)
    return Complex{*re, Value()};
  FailureOr<Value> as = ctx.matmul(a, s);
  FailureOr<Value> im =
      b ? f.op<x::SubOp>(ctx.matmul(b, c), as) : f.op<x::NegOp>(as);
  if (failed(im))
    return failure();
  return Complex{*re, *im};
}

/// `signal` (last axis transformed) through `t`, as matmuls with tables.
static FailureOr<Complex> transformLast(NodeContext &ctx, Complex signal,
                                        const Transform &t, bool wantImag) {
  Type elementType =
      cast<RankedTensorType>(signal.re.getType()).getElementType();
  llvm::SmallVector<double> cosines, sines;
  double scale = t.inverse ? 1.0 / static_cast<double>(t.length) : 1.0;
  // The inverse turns e^(-i theta) into e^(+i theta): S changes sign.
  double sign = t.inverse ? -1.0 : 1.0;
  for (int64_t i = 0; i < t.rows; ++i) {
    double weight = 1.0;
    if (t.halfSpectrumInput && i != 0 && 2 * i != t.length)
      weight = 2.0;
    for (int64_t j = 0; j < t.cols; ++j) {
      // (i * j) mod N keeps the angle small and the table exact at
      // multiples of pi / 2.
      double angle = 2.0 * M_PI * static_cast<double>((i * j) % t.length) /
                     static_cast<double>(t.length);
      cosines.push_back(weight * scale * std::cos(angle));
      sines.push_back(sign * weight * scale * std::sin(angle));
    }
  }
  Value c = ctx.floatConstant({t.rows, t.cols}, elementType, cosines);
  Value s = ctx.floatConstant({t.rows, t.cols}, elementType, sines);
  FailureOr<Value> a = leading(ctx, signal.re, t.rows);
  if (failed(a))
    return failure();
  FailureOr<Value> b = Value();
  if (signal.im)
    b = leading(ctx, signal.im, t.rows);
  if (failed(b))
    return failure();
  return contract(ctx, Complex{*a, *b}, c, s, wantImag);
}

namespace {
/// A transform whose length, row and column counts (0-D i64) only a run
/// knows.
struct RunTimeTransform {
  FailureOr<Value> length, rows, cols;
  bool inverse = false, halfSpectrumInput = false;
};
} // namespace

/// `v` with its last dim cut to `size` (0-D i64) at run time.
static FailureOr<Value> leadingAtRunTime(NodeContext &ctx, Value v,
                                         FailureOr<Value> size) {
  if (!v || failed(size))
    return failed(size) ? FailureOr<Value>(failure()) : FailureOr<Value>(v);
  int64_t last = cast<RankedTensorType>(v.getType()).getRank() - 1;
  return selectAlongAxis(ctx, v, ctx.scalar(ctx.builder().getI64Type(), 0),
                         *size, last);
}

/// 0, 1, ..., count - 1 (`count` 0-D i64) reshaped to `shape` (a row or a
/// column, one dim -1).
static FailureOr<Value> positionsOf(NodeContext &ctx, FailureOr<Value> count,
                                    llvm::ArrayRef<int64_t> shape) {
  Formula f(ctx);
  FailureOr<Value> range = rangeOf(ctx, f.scalar(count, 0), count);
  if (failed(range))
    return failure();
  return ctx.value<x::ReshapeOp>(*range, ctx.i64Vector(shape), false);
}

/// transformLast with the tables computed by the model: the same angles
/// 2 pi ((i * j) mod N) / N, from ranges of the run-time row and column
/// counts.
static FailureOr<Complex> transformLastAtRunTime(NodeContext &ctx,
                                                 Complex signal,
                                                 const RunTimeTransform &t,
                                                 bool wantImag) {
  Formula f(ctx);
  Type elementType =
      cast<RankedTensorType>(signal.re.getType()).getElementType();
  FailureOr<Value> i = positionsOf(ctx, t.rows, {-1, 1});
  FailureOr<Value> j = positionsOf(ctx, t.cols, {1, -1});
  FailureOr<Value> product = f.op<x::MulOp>(i, j);
  FailureOr<Value> wrapped = f.op<x::SubOp>(
      product, f.op<x::MulOp>(f.op<x::DivOp>(product, t.length), t.length));
  if (failed(wrapped) || failed(t.length))
    return failure();
  FailureOr<Value> n = ctx.castTo(*t.length, elementType);
  FailureOr<Value> angle =
      f.op<x::DivOp>(f.op<x::MulOp>(ctx.castTo(*wrapped, elementType),
                                    f.scalar(n, 2.0 * M_PI)),
                     n);
  FailureOr<Value> weight = f.scalar(n, 1.0);
  if (t.inverse)
    weight = f.op<x::DivOp>(weight, n);
  if (t.halfSpectrumInput) {
    // Each bin but the first and the middle one stands for two.
    FailureOr<Value> twice =
        f.op<x::AndOp>(f.op<x::GreaterOp>(i, f.scalar(i, 0)),
                       f.op<x::NotOp>(f.op<x::EqualOp>(
                           f.op<x::MulOp>(i, f.scalar(i, 2)), t.length)));
    weight = f.op<x::MulOp>(weight,
                            f.where(twice, f.scalar(n, 2.0), f.scalar(n, 1.0)));
  }
  FailureOr<Value> c = f.op<x::MulOp>(weight, f.op<x::CosOp>(angle));
  FailureOr<Value> s = f.op<x::MulOp>(weight, f.op<x::SinOp>(angle));
  if (t.inverse)
    s = f.op<x::NegOp>(s);
  FailureOr<Value> a = leadingAtRunTime(ctx, signal.re, t.rows);
  FailureOr<Value> b = leadingAtRunTime(ctx, signal.im, t.rows);
  if (failed(c) || failed(s) || failed(a) || failed(b))
    return failure();
  return contract(ctx, Complex{*a, *b}, *c, *s, wantImag);
}

/// Splits `[..., 1 or 2]` into its real and imaginary parts.
static FailureOr<Complex> splitComplex(NodeContext &ctx, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t last = type.getRank() - 1;
  Complex parts;
  for (int64_t k = 0; k < type.getDimSize(last); ++k) {
    FailureOr<Value> part =
        ctx.value<x::SliceOp>(v, ctx.i64Vector({k}), ctx.i64Vector({k + 1}),
                              ctx.i64Vector({last}), Value());
    if (succeeded(part))
      part = ctx.value<x::SqueezeOp>(
          *part, ctx.builder().getDenseI64ArrayAttr({last}));
    if (failed(part))
      return failure();
    (k == 0 ? parts.re : parts.im) = *part;
  }
  return parts;
}

/// `[..., 1]` or `[..., 2]` from the parts of a signal.
static FailureOr<Value> joinComplex(NodeContext &ctx, Complex parts) {
  OpBuilder &b = ctx.builder();
  int64_t rank = cast<RankedTensorType>(parts.re.getType()).getRank();
  SmallVector<Value> columns;
  for (Value part : {parts.re, parts.im}) {
    if (!part)
      continue;
    FailureOr<Value> column =
        ctx.value<x::UnsqueezeOp>(part, b.getDenseI64ArrayAttr({rank}));
    if (failed(column))
      return failure();
    columns.push_back(*column);
  }
  if (columns.size() == 1)
    return columns.front();
  return ctx.value<x::ConcatOp>(ValueRange(columns), b.getI64IntegerAttr(rank));
}

/// The single integer a constant input holds, or an error naming it.
static FailureOr<int64_t> constantScalar(NodeContext &ctx, unsigned i,
                                         llvm::StringRef what) {
  std::optional<SmallVector<int64_t>> values = ctx.constantInts(i);
  if (!values)
    return ctx.unsupported(llvm::Twine(what) + " computed at run time");
  if (values->size() != 1)
    return ctx.emitError() << ctx.opType() << " needs a single " << what;
  return values->front();
}

/// `v` in f64: the sums of N products run in double precision, as ONNX's
/// reference computes them. In f32 the parts that cancel (the imaginary
/// part of a Hermitian spectrum's inverse) keep ~1e-6 of rounding where
/// the exact result is 0.
static FailureOr<Value> widened(NodeContext &ctx, Value v) {
  return ctx.castTo(v, ctx.builder().getF64Type());
}

namespace {
/// DFT's attributes, and its length when an input gives it (a constant, or
/// a 0-D i64 only a run knows).
struct DFTSpec {
  bool inverse = false, onesided = false;
  std::optional<int64_t> length;
  Value runTimeLength;
};
} // namespace

/// The DFT of `x` (f64 [..., 1 or 2]) along `axis`, its parts joined. The
/// tables are constants when the length and the transformed dim are known
/// at import, computed by the model otherwise.
static FailureOr<Value> dftAlong(NodeContext &ctx, Value x, int64_t axis,
                                 const DFTSpec &spec) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  int64_t size = type.getDimSize(axis);
  bool halfSpectrumInput = spec.inverse && spec.onesided;
  FailureOr<Complex> signal = splitComplex(ctx, x);
  if (failed(signal))
    return failure();
  // The transformed axis last, and back after.
  SmallVector<int64_t> toLast, fromLast(rank - 1);
  for (int64_t d = 0; d < rank - 1; ++d)
    if (d != axis)
      toLast.push_back(d);
  toLast.push_back(axis);
  for (int64_t d = 0; d < rank - 1; ++d)
    fromLast[toLast[d]] = d;
  auto permute = [&](Value v, ArrayRef<int64_t> permutation) -> Value {
    if (!v || axis == rank - 2)
      return v;
    FailureOr<Value> moved =
        ctx.value<x::TransposeOp>(v, b.getDenseI64ArrayAttr(permutation));
    return succeeded(moved) ? *moved : Value();
  };
  Complex moved{permute(signal->re, toLast), permute(signal->im, toLast)};
  if (!moved.re || (signal->im && !moved.im))
    return failure();
  FailureOr<Complex> result;
  if (!spec.runTimeLength && !type.isDynamicDim(axis)) {
    Transform t;
    t.length = spec.length.value_or(halfSpectrumInput ? 2 * (size - 1) : size);
    if (t.length <= 0)
      return ctx.emitError()
             << "DFT needs a positive dft_length, got " << t.length;
    t.inverse = spec.inverse;
    t.halfSpectrumInput = halfSpectrumInput;
    t.rows = std::min(size, halfSpectrumInput ? t.length / 2 + 1 : t.length);
    t.cols = spec.onesided && !spec.inverse ? t.length / 2 + 1 : t.length;
    result = transformLast(ctx, moved, t, /*wantImag=*/!halfSpectrumInput);
  } else {
    RunTimeTransform t;
    FailureOr<Value> n = dimOf(ctx, x, axis);
    if (spec.runTimeLength)
      t.length = spec.runTimeLength;
    else if (spec.length)
      t.length = ctx.scalar(b.getI64Type(), static_cast<double>(*spec.length));
    else if (halfSpectrumInput)
      t.length =
          f.op<x::MulOp>(f.op<x::SubOp>(n, f.scalar(n, 1)), f.scalar(n, 2));
    else
      t.length = n;
    FailureOr<Value> half = f.op<x::AddOp>(
        f.op<x::DivOp>(t.length, f.scalar(n, 2)), f.scalar(n, 1));
    t.inverse = spec.inverse;
    t.halfSpectrumInput = halfSpectrumInput;
    t.rows = f.op<x::MinOp>(n, halfSpectrumInput ? half : t.length);
    t.cols = spec.onesided && !spec.inverse ? half : t.length;
    result = transformLastAtRunTime(ctx, moved, t,
                                    /*wantImag=*/!halfSpectrumInput);
  }
  if (failed(result))
    return failure();
  Complex back{permute(result->re, fromLast), permute(result->im, fromLast)};
  if (!back.re || (result->im && !back.im))
    return failure();
  return joinComplex(ctx, back);
}

/// The candidate that a run-time `index` (0-D i64) picks among tensors of
/// one rank and different shapes: all flattened into one vector, the
/// picked one sliced out and given its shape back.
static FailureOr<Value> pickAtRunTime(NodeContext &ctx,
                                      llvm::ArrayRef<Value> candidates,
                                      FailureOr<Value> index) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  SmallVector<Value> flat;
  FailureOr<Value> offset = f.scalar(index, 0), count = offset, shape;
  for (auto [c, candidate] : llvm::enumerate(candidates)) {
    FailureOr<Value> n = ctx.value<x::SizeOp>(candidate);
    FailureOr<Value> dims =
        ctx.value<x::ShapeOp>(candidate, IntegerAttr(), IntegerAttr());
    FailureOr<Value> one =
        ctx.value<x::ReshapeOp>(candidate, ctx.i64Vector({-1}), false);
    FailureOr<Value> position = f.scalar(index, static_cast<double>(c));
    FailureOr<Value> picked = f.op<x::EqualOp>(index, position);
    if (failed(one) || failed(n) || failed(dims))
      return failure();
    flat.push_back(*one);
    offset = f.op<x::AddOp>(offset, f.where(f.op<x::GreaterOp>(index, position),
                                            n, f.scalar(n, 0)));
    count = f.op<x::AddOp>(count, f.where(picked, n, f.scalar(n, 0)));
    FailureOr<Value> dimsIfPicked = f.where(picked, dims, f.scalar(dims, 0));
    shape = c == 0 ? dimsIfPicked : f.op<x::AddOp>(shape, dimsIfPicked);
  }
  FailureOr<Value> all =
      ctx.value<x::ConcatOp>(ValueRange(flat), b.getI64IntegerAttr(0));
  FailureOr<Value> end = f.op<x::AddOp>(offset, count);
  if (failed(all) || failed(offset) || failed(end) || failed(shape))
    return failure();
  FailureOr<Value> picked = selectAlongAxis(ctx, *all, *offset, *end, 0);
  if (failed(picked))
    return failure();
  return ctx.value<x::ReshapeOp>(*picked, *shape, true);
}

static LogicalResult convertDFT(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "input");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 2 || type.isDynamicDim(rank - 1) ||
      (type.getDimSize(rank - 1) != 1 && type.getDimSize(rank - 1) != 2))
    return ctx.emitError() << "DFT needs an input [..., 1] (real) or [..., 2] "
                           << "(complex), got " << type;
  Formula f(ctx);
  DFTSpec spec;
  spec.inverse = ctx.getInt("inverse", 0) != 0;
  spec.onesided = ctx.getInt("onesided", 0) != 0;
  if (ctx.input(1)) {
    if (std::optional<SmallVector<int64_t>> given = ctx.constantInts(1)) {
      if (given->size() != 1)
        return ctx.emitError() << "DFT needs a single dft_length";
      spec.length = given->front();
      if (*spec.length <= 0)
        return ctx.emitError()
               << "DFT needs a positive dft_length, got " << *spec.length;
    } else {
      FailureOr<Value> length = scalarOf(ctx, ctx.input(1));
      if (failed(length) ||
          failed(checkAtRunTime(ctx,
                                f.op<x::GreaterOp>(length, f.scalar(length, 0)),
                                "dft_length must be positive")))
        return failure();
      spec.runTimeLength = *length;
    }
  }
  FailureOr<Value> x = widened(ctx, *input);
  if (failed(x))
    return failure();
  int64_t axis = ctx.getInt("axis", 1);
  if (ctx.opset() >= 20) {
    axis = -2;
    if (ctx.input(2) && !ctx.constantInts(2)) {
      // An axis only a run knows: every axis it may name is transformed,
      // and the run picks one (the rank stays static).
      FailureOr<Value> given = scalarOf(ctx, ctx.input(2));
      FailureOr<Value> normalized =
          f.where(f.op<x::LessOp>(given, f.scalar(given, 0)),
                  f.op<x::AddOp>(given, f.scalar(given, rank)), given);
      if (failed(checkAtRunTime(
              ctx,
              f.op<x::AndOp>(
                  f.op<x::GreaterEqualOp>(normalized, f.scalar(given, 0)),
                  f.op<x::LessOp>(normalized, f.scalar(given, rank - 1))),
              "axis is out of range or names the real/imaginary dim")))
        return failure();
      SmallVector<Value> candidates;
      for (int64_t d = 0; d < rank - 1; ++d) {
        // A dim too short for a half-spectrum inverse of default length
        // may not be picked; its candidate is a stand-in of length 1.
        DFTSpec along = spec;
        if (!spec.length && !spec.runTimeLength && spec.inverse &&
            spec.onesided && type.getDimSize(d) == 1) {
          along.length = 1;
          if (failed(checkAtRunTime(
                  ctx,
                  f.op<x::NotOp>(
                      f.op<x::EqualOp>(normalized, f.scalar(normalized, d))),
                  "axis names a dim of size 1, too short for a one-sided "
                  "inverse")))
            return failure();
        }
        FailureOr<Value> transformed = dftAlong(ctx, *x, d, along);
        if (failed(transformed))
          return failure();
        candidates.push_back(*transformed);
      }
      FailureOr<Value> picked = pickAtRunTime(ctx, candidates, normalized);
      if (failed(picked))
        return failure();
      return ctx.setOutput(ctx.castTo(*picked, type.getElementType()));
    }
    if (ctx.input(2)) {
      FailureOr<int64_t> given = constantScalar(ctx, 2, "axis");
      if (failed(given))
        return failure();
      axis = *given;
    }
  }
  if (axis < -rank || axis >= rank)
    return ctx.emitError() << "DFT axis " << axis
                           << " is out of range for a rank-" << rank
                           << " input";
  axis = axis < 0 ? axis + rank : axis;
  if (axis == rank - 1)
    return ctx.emitError() << "DFT axis " << axis
                           << " is the real/imaginary dim";
  FailureOr<Value> joined = dftAlong(ctx, *x, axis, spec);
  if (failed(joined))
    return failure();
  return ctx.setOutput(ctx.castTo(*joined, type.getElementType()));
}

/// STFT with a frame step, frame length or signal length only a run
/// knows: the frame positions f * step + n from ranges, checked to lie in
/// the signal, and the tables computed by the model.
static FailureOr<Value> stftAtRunTime(NodeContext &ctx, Complex signal,
                                      Value window) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  FailureOr<Value> size = dimOf(ctx, signal.re, 1);
  FailureOr<Value> step = scalarOf(ctx, ctx.input(1));
  FailureOr<Value> frameLength = size;
  if (window)
    frameLength = dimOf(ctx, window, 0);
  if (ctx.input(3)) {
    FailureOr<Value> given = scalarOf(ctx, ctx.input(3));
    if (window &&
        failed(checkAtRunTime(ctx, f.op<x::EqualOp>(given, frameLength),
                              "frame_length differs from the window's length")))
      return failure();
    frameLength = given;
  }
  if (failed(checkAtRunTime(
          ctx,
          f.op<x::AndOp>(
              f.op<x::GreaterOp>(step, f.scalar(step, 0)),
              f.op<x::AndOp>(f.op<x::GreaterOp>(frameLength, f.scalar(step, 0)),
                             f.op<x::LessEqualOp>(frameLength, size))),
          "frame_step must be positive and frame_length in [1, signal "
          "length]")))
    return failure();
  FailureOr<Value> frames =
      f.op<x::AddOp>(f.op<x::DivOp>(f.op<x::SubOp>(size, frameLength), step),
                     f.scalar(step, 1));
  FailureOr<Value> indices =
      f.op<x::AddOp>(f.op<x::MulOp>(positionsOf(ctx, frames, {-1, 1}), step),
                     positionsOf(ctx, frameLength, {1, -1}));
  if (failed(indices))
    return failure();
  FailureOr<Value> weights;
  if (window)
    weights = ctx.castTo(
        window, cast<RankedTensorType>(signal.re.getType()).getElementType());
  auto framed = [&](Value part) -> FailureOr<Value> {
    if (!part)
      return Value();
    FailureOr<Value> taken =
        ctx.value<x::GatherOp>(part, *indices, b.getI64IntegerAttr(1));
    if (!window)
      return taken;
    return f.op<x::MulOp>(taken, weights);
  };
  FailureOr<Value> re = framed(signal.re), im = framed(signal.im);
  if (failed(re) || failed(im))
    return failure();
  RunTimeTransform t;
  t.length = frameLength;
  t.rows = frameLength;
  t.cols = ctx.getInt("onesided", 1)
               ? f.op<x::AddOp>(f.op<x::DivOp>(frameLength, f.scalar(step, 2)),
                                f.scalar(step, 1))
               : frameLength;
  FailureOr<Complex> result =
      transformLastAtRunTime(ctx, Complex{*re, *im}, t, /*wantImag=*/true);
  if (failed(result))
    return failure();
  return joinComplex(ctx, *result);
}

static LogicalResult convertSTFT(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "signal");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  if (type.getRank() != 3 || type.isDynamicDim(2) ||
      (type.getDimSize(2) != 1 && type.getDimSize(2) != 2))
    return ctx.emitError() << "STFT needs a signal [batch, length, 1 or 2], "
                           << "got " << type;
  Value window = ctx.input(2);
  if (window) {
    RankedTensorType windowType = ctx.inputType(2);
    if (windowType.getRank() != 1)
      return ctx.emitError() << "STFT needs a 1-D window, got " << windowType;
  }
  if (type.isDynamicDim(1) || !ctx.constantInts(1) ||
      (ctx.input(3) && !ctx.constantInts(3)) ||
      (window && ctx.inputType(2).isDynamicDim(0))) {
    FailureOr<Value> x = widened(ctx, *input);
    FailureOr<Complex> signal =
        failed(x) ? FailureOr<Complex>(failure()) : splitComplex(ctx, *x);
    if (failed(signal))
      return failure();
    FailureOr<Value> joined = stftAtRunTime(ctx, *signal, window);
    if (failed(joined))
      return failure();
    return ctx.setOutput(ctx.castTo(*joined, type.getElementType()));
  }
  int64_t size = type.getDimSize(1);
  FailureOr<int64_t> step = constantScalar(ctx, 1, "frame_step");
  if (failed(step))
    return failure();
  int64_t frameLength = size;
  if (window) {
    RankedTensorType windowType = ctx.inputType(2);
    if (windowType.getRank() != 1 || windowType.isDynamicDim(0))
      return ctx.emitError() << "STFT needs a 1-D window of static length, "
                             << "got " << windowType;
    frameLength = windowType.getDimSize(0);
  }
  if (ctx.input(3)) {
    FailureOr<int64_t> given = constantScalar(ctx, 3, "frame_length");
    if (failed(given))
      return failure();
    if (window && *given != frameLength)
      return ctx.emitError()
             << "STFT frame_length " << *given
             << " differs from the window's length " << frameLength;
    frameLength = *given;
  }
  if (*step <= 0 || frameLength <= 0 || frameLength > size)
    return ctx.emitError() << "STFT needs a positive frame_step and a "
                           << "frame_length in [1, " << size << "], got "
                           << *step << " and " << frameLength;
  int64_t frames = 1 + (size - frameLength) / *step;

  // Frame f reads positions f * step + n.
  SmallVector<int64_t> positions;
  for (int64_t fr = 0; fr < frames; ++fr)
    for (int64_t n = 0; n < frameLength; ++n)
      positions.push_back(fr * *step + n);
  OpBuilder &b = ctx.builder();
  auto indexType = RankedTensorType::get({frames, frameLength}, b.getI64Type());
  Value indices = x::ConstantOp::create(
      b, ctx.loc(), indexType,
      DenseIntElementsAttr::get(indexType, llvm::ArrayRef(positions)));
  FailureOr<Value> x = widened(ctx, *input);
  FailureOr<Complex> signal =
      failed(x) ? FailureOr<Complex>(failure()) : splitComplex(ctx, *x);
  if (failed(signal))
    return failure();
  FailureOr<Value> weights;
  if (window)
    weights = ctx.castTo(
        window, cast<RankedTensorType>(signal->re.getType()).getElementType());
  auto framed = [&](Value part) -> FailureOr<Value> {
    if (!part)
      return Value();
    FailureOr<Value> taken =
        ctx.value<x::GatherOp>(part, indices, b.getI64IntegerAttr(1));
    if (!window)
      return taken;
    return Formula(ctx).op<x::MulOp>(taken, weights);
  };
  FailureOr<Value> re = framed(signal->re), im = framed(signal->im);
  if (failed(re) || failed(im))
    return failure();
  Transform t;
  t.length = frameLength;
  t.rows = frameLength;
  t.cols = ctx.getInt("onesided", 1) ? frameLength / 2 + 1 : frameLength;
  FailureOr<Complex> result =
      transformLast(ctx, Complex{*re, *im}, t, /*wantImag=*/true);
  if (failed(result))
    return failure();
  FailureOr<Value> joined = joinComplex(ctx, *result);
  if (failed(joined))
    return failure();
  return ctx.setOutput(ctx.castTo(*joined, type.getElementType()));
}

/// The value of a constant scalar input as a double.
static FailureOr<double> constantValue(NodeContext &ctx, unsigned i,
                                       llvm::StringRef what) {
  if (std::optional<SmallVector<double>> values = ctx.constantFloats(i))
    if (values->size() == 1)
      return values->front();
  if (std::optional<SmallVector<int64_t>> values = ctx.constantInts(i))
    if (values->size() == 1)
      return static_cast<double>(values->front());
  if (!ctx.input(i))
    return ctx.emitError() << ctx.opType() << " needs " << what;
  return ctx.unsupported(llvm::Twine(what) + " that is not a constant scalar");
}

/// MelWeightMatrix with inputs only a run knows: the same edges and
/// triangles as the table computed at import, as ops over the positions
/// of the spectrum bins and the mel bins.
static FailureOr<Value> melWeightsAtRunTime(NodeContext &ctx, Type outputType) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  Type f64 = b.getF64Type();
  SmallVector<FailureOr<Value>, 5> v;
  for (unsigned i = 0; i < 5; ++i) {
    Value given = ctx.input(i);
    if (!given)
      return ctx.emitError() << "MelWeightMatrix needs all five inputs";
    auto type = cast<RankedTensorType>(given.getType());
    if (!type.hasStaticShape() || type.getNumElements() != 1)
      return ctx.emitError() << "MelWeightMatrix needs scalar inputs";
    FailureOr<Value> scalar =
        ctx.value<x::ReshapeOp>(given, ctx.i64Vector({}), false);
    v.push_back(failed(scalar) ? scalar : ctx.castTo(*scalar, f64));
  }
  FailureOr<Value> melBins = v[0], dftLength = v[1], sampleRate = v[2],
                   lower = v[3], upper = v[4];
  FailureOr<Value> zero = f.scalar(lower, 0.0), one = f.scalar(lower, 1.0);
  if (failed(checkAtRunTime(
          ctx,
          f.op<x::AndOp>(
              f.op<x::AndOp>(
                  f.op<x::AndOp>(f.op<x::GreaterOp>(melBins, zero),
                                 f.op<x::GreaterOp>(dftLength, zero)),
                  f.op<x::GreaterOp>(sampleRate, zero)),
              f.op<x::AndOp>(f.op<x::GreaterEqualOp>(lower, zero),
                             f.op<x::LessEqualOp>(lower, upper))),
          "needs positive num_mel_bins, dft_length and sample_rate and 0 <= "
          "lower_edge_hertz <= upper_edge_hertz")))
    return failure();
  FailureOr<Value> ln10 = f.scalar(lower, std::log(10.0));
  auto toMel = [&](FailureOr<Value> hz) {
    return f.op<x::DivOp>(
        f.op<x::MulOp>(f.scalar(hz, 2595.0),
                       f.op<x::LogOp>(f.op<x::AddOp>(
                           one, f.op<x::DivOp>(hz, f.scalar(hz, 700.0))))),
        ln10);
  };
  FailureOr<Value> low = toMel(lower), high = toMel(upper);
  FailureOr<Value> edgeCount = f.op<x::AddOp>(melBins, f.scalar(melBins, 2.0));
  FailureOr<Value> step = f.op<x::DivOp>(f.op<x::SubOp>(high, low), edgeCount);
  Type i64 = b.getI64Type();
  auto counted = [&](FailureOr<Value> n) -> FailureOr<Value> {
    if (failed(n))
      return failure();
    FailureOr<Value> count = ctx.castTo(*n, i64);
    FailureOr<Value> range = rangeOf(ctx, f.scalar(count, 0), count);
    if (failed(range))
      return failure();
    return ctx.castTo(*range, f64);
  };
  FailureOr<Value> i = counted(edgeCount);
  FailureOr<Value> hz = f.op<x::MulOp>(
      f.scalar(i, 700.0),
      f.op<x::SubOp>(
          f.op<x::ExpOp>(f.op<x::MulOp>(
              f.op<x::DivOp>(f.op<x::AddOp>(f.op<x::MulOp>(i, step), low),
                             f.scalar(i, 2595.0)),
              ln10)),
          one));
  FailureOr<Value> edges = f.op<x::FloorOp>(f.op<x::DivOp>(
      f.op<x::MulOp>(f.op<x::AddOp>(dftLength, one), hz), sampleRate));
  // Left, centre and right edges of each mel bin, [1, bins].
  auto edgesFrom = [&](int64_t first) -> FailureOr<Value> {
    if (failed(edges) || failed(melBins))
      return failure();
    FailureOr<Value> begin = ctx.scalar(i64, static_cast<double>(first));
    FailureOr<Value> end = f.op<x::AddOp>(begin, ctx.castTo(*melBins, i64));
    if (failed(end))
      return failure();
    FailureOr<Value> part = selectAlongAxis(ctx, *edges, *begin, *end, 0);
    if (failed(part))
      return failure();
    return ctx.value<x::ReshapeOp>(*part, ctx.i64Vector({1, -1}), false);
  };
  FailureOr<Value> left = edgesFrom(0), centre = edgesFrom(1),
                   right = edgesFrom(2);
  FailureOr<Value> spectrumBins = f.op<x::AddOp>(
      f.op<x::FloorOp>(f.op<x::DivOp>(dftLength, f.scalar(dftLength, 2.0))),
      one);
  FailureOr<Value> j = counted(spectrumBins);
  if (failed(j))
    return failure();
  j = ctx.value<x::ReshapeOp>(*j, ctx.i64Vector({-1, 1}), false);
  // Rising from left to centre (a single 1 where they meet), falling from
  // centre to right; the falling side wins at the centre.
  FailureOr<Value> rising = f.where(
      f.op<x::EqualOp>(centre, left), f.scalar(j, 1.0),
      f.op<x::DivOp>(f.op<x::SubOp>(j, left), f.op<x::SubOp>(centre, left)));
  FailureOr<Value> falling =
      f.op<x::DivOp>(f.op<x::SubOp>(right, j), f.op<x::SubOp>(right, centre));
  FailureOr<Value> onRise = f.op<x::AndOp>(f.op<x::GreaterEqualOp>(j, left),
                                           f.op<x::LessEqualOp>(j, centre));
  FailureOr<Value> onFall = f.op<x::AndOp>(f.op<x::GreaterEqualOp>(j, centre),
                                           f.op<x::LessOp>(j, right));
  FailureOr<Value> table =
      f.where(onFall, falling, f.where(onRise, rising, f.scalar(j, 0.0)));
  if (failed(table))
    return failure();
  return ctx.castTo(*table, outputType);
}

/// The triangular filters of a mel filter bank, [dft_length / 2 + 1,
/// num_mel_bins], edges on whole DFT bins as ONNX's reference places them.
static LogicalResult convertMelWeightMatrix(NodeContext &ctx) {
  static constexpr const char *names[] = {"num_mel_bins", "dft_length",
                                          "sample_rate", "lower_edge_hertz",
                                          "upper_edge_hertz"};
  int64_t dataType = ctx.getInt("output_datatype", onnx::TensorProto::FLOAT);
  Type outputType = getElementType(ctx.context(), dataType);
  if (!outputType || !isa<FloatType>(outputType))
    return ctx.unsupported("output_datatype " + getDataTypeName(dataType));
  for (unsigned i = 0; i < 5; ++i)
    if (ctx.input(i) && !ctx.constantFloats(i) && !ctx.constantInts(i))
      return ctx.setOutput(melWeightsAtRunTime(ctx, outputType));
  double v[5];
  for (unsigned i = 0; i < 5; ++i) {
    FailureOr<double> value = constantValue(ctx, i, names[i]);
    if (failed(value))
      return failure();
    v[i] = *value;
  }
  auto melBins = static_cast<int64_t>(v[0]);
  auto dftLength = static_cast<int64_t>(v[1]);
  double sampleRate = v[2], lower = v[3], upper = v[4];
  if (melBins <= 0 || dftLength <= 0 || sampleRate <= 0 || lower < 0 ||
      upper < lower)
    return ctx.emitError()
           << "MelWeightMatrix needs positive num_mel_bins, dft_length and "
           << "sample_rate and 0 <= lower_edge_hertz <= upper_edge_hertz";

  auto toMel = [](double hz) {
    return 2595.0 * std::log1p(hz / 700.0) / std::log(10.0);
  };
  double low = toMel(lower), high = toMel(upper);
  double step = (high - low) / static_cast<double>(melBins + 2);
  SmallVector<int64_t> edges;
  for (int64_t i = 0; i < melBins + 2; ++i) {
    double hz = 700.0 * std::expm1((static_cast<double>(i) * step + low) /
                                   2595.0 * std::log(10.0));
    edges.push_back(static_cast<int64_t>(
        std::floor((static_cast<double>(dftLength) + 1) * hz / sampleRate)));
  }
  int64_t spectrumBins = dftLength / 2 + 1;
  SmallVector<double> table(spectrumBins * melBins, 0.0);
  auto set = [&](int64_t row, int64_t col, double value) {
    if (row >= 0 && row < spectrumBins)
      table[row * melBins + col] = value;
  };
  for (int64_t m = 0; m < melBins; ++m) {
    int64_t left = edges[m], centre = edges[m + 1], right = edges[m + 2];
    if (centre == left)
      set(centre, m, 1.0);
    else
      for (int64_t j = left; j <= centre; ++j)
        set(j, m, static_cast<double>(j - left) / (centre - left));
    for (int64_t j = centre; j < right; ++j)
      set(j, m, static_cast<double>(right - j) / (right - centre));
  }
  return ctx.setOutput(
      ctx.floatConstant({spectrumBins, melBins}, outputType, table));
}

void mlir::xfmr::onnx_import::registerSpectralOps(OpRegistry &r) {
  r.add("", "DFT", convertDFT, 17);
  r.add("", "STFT", convertSTFT, 17);
  r.add("", "MelWeightMatrix", convertMelWeightMatrix, 17);
}
