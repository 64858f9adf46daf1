//===- SpectralOps.cpp - Importing ONNX DFT, STFT and MelWeightMatrix -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The spectral ops of audio front ends, for lengths known at import. A DFT
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
  Formula f(ctx);
  FailureOr<Value> b;
  if (signal.im) {
    b = leading(ctx, signal.im, t.rows);
    if (failed(b))
      return failure();
  }
  FailureOr<Value> re = ctx.matmul(*a, c);
  if (signal.im)
    re = f.op<x::AddOp>(re, ctx.matmul(*b, s));
  if (failed(re))
    return failure();
  if (!wantImag)
    return Complex{*re, Value()};
  FailureOr<Value> as = ctx.matmul(*a, s);
  FailureOr<Value> im =
      signal.im ? f.op<x::SubOp>(ctx.matmul(*b, c), as) : f.op<x::NegOp>(as);
  if (failed(im))
    return failure();
  return Complex{*re, *im};
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
  int64_t axis = ctx.getInt("axis", 1);
  if (ctx.opset() >= 20) {
    axis = -2;
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
  if (type.isDynamicDim(axis))
    return ctx.unsupported("a transformed dim known only at run time");
  bool inverse = ctx.getInt("inverse", 0) != 0;
  bool onesided = ctx.getInt("onesided", 0) != 0;
  int64_t size = type.getDimSize(axis);
  int64_t length = inverse && onesided ? 2 * (size - 1) : size;
  if (ctx.input(1)) {
    FailureOr<int64_t> given = constantScalar(ctx, 1, "dft_length");
    if (failed(given))
      return failure();
    length = *given;
  }
  if (length <= 0)
    return ctx.emitError() << "DFT needs a positive dft_length, got " << length;

  Transform t;
  t.length = length;
  t.inverse = inverse;
  t.halfSpectrumInput = inverse && onesided;
  t.rows = std::min(size, t.halfSpectrumInput ? length / 2 + 1 : length);
  t.cols = onesided && !inverse ? length / 2 + 1 : length;

  FailureOr<Value> x = widened(ctx, *input);
  FailureOr<Complex> signal =
      failed(x) ? FailureOr<Complex>(failure()) : splitComplex(ctx, *x);
  if (failed(signal))
    return failure();
  // The transformed axis last, and back after.
  OpBuilder &b = ctx.builder();
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
  FailureOr<Complex> result =
      transformLast(ctx, moved, t, /*wantImag=*/!t.halfSpectrumInput);
  if (failed(result))
    return failure();
  Complex back{permute(result->re, fromLast), permute(result->im, fromLast)};
  if (!back.re || (result->im && !back.im))
    return failure();
  FailureOr<Value> joined = joinComplex(ctx, back);
  if (failed(joined))
    return failure();
  return ctx.setOutput(ctx.castTo(*joined, type.getElementType()));
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
  if (type.isDynamicDim(1))
    return ctx.unsupported("a signal length known only at run time");
  int64_t size = type.getDimSize(1);
  FailureOr<int64_t> step = constantScalar(ctx, 1, "frame_step");
  if (failed(step))
    return failure();
  Value window = ctx.input(2);
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

/// The triangular filters of a mel filter bank, [dft_length / 2 + 1,
/// num_mel_bins], edges on whole DFT bins as ONNX's reference places them.
static LogicalResult convertMelWeightMatrix(NodeContext &ctx) {
  static constexpr const char *names[] = {"num_mel_bins", "dft_length",
                                          "sample_rate", "lower_edge_hertz",
                                          "upper_edge_hertz"};
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
  int64_t dataType = ctx.getInt("output_datatype", onnx::TensorProto::FLOAT);
  Type outputType = getElementType(ctx.context(), dataType);
  if (!outputType || !isa<FloatType>(outputType))
    return ctx.unsupported("output_datatype " + getDataTypeName(dataType));

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
