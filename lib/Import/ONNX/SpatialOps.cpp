//===- SpatialOps.cpp - Importing ONNX ops over spatial dims --------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Ops that move windows of the spatial dims around, written as gathers with
// computed source positions (and a constant mask where a position reads
// nothing) in front of ops xfmr has.
//
// A transposed convolution is the stride-1 convolution, with the same
// dilations and groups, of the input spread out by its strides (stride - 1
// zeros between neighbours) and padded by dilation * (kernel - 1) on both
// sides, with each group's weight transposed (in and out channels swapped)
// and flipped along every spatial dim. The pads, output_padding and
// output_shape only choose which window of that full result is kept, so
// each spatial axis becomes one gather:
//
//   spread = where(mask, xfmr.gather X, positions {axis}, 0)   per axis
//   Y      = xfmr.conv spread, flip(transpose(W)), B {dilations, group}
//
// Col2Im is the transposed convolution, grouped by channel, whose weight
// puts column k of each block at kernel position k; with image or block
// shapes known only at run time, a ScatterElements that adds each column
// element into its image position. CenterCropPad is one such gather per
// axis, at stride 1 (the run-time Pad when its shape is a run's value).
// AffineGrid maps a grid of positions through its matrices.
// CausalConvWithState is a depthwise conv over the state and the input.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// W [C, M / group, k...] as a conv weight [M, C / group, k...] flipped
/// along its spatial dims.
static FailureOr<Value> convWeight(NodeContext &ctx, Value weight,
                                   int64_t group) {
  Builder &b = ctx.builder();
  auto type = cast<RankedTensorType>(weight.getType());
  llvm::ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = type.getRank();
  int64_t inPerGroup = shape[0] / group, outPerGroup = shape[1];
  llvm::SmallVector<int64_t> grouped = {group, inPerGroup, outPerGroup};
  grouped.append(shape.begin() + 2, shape.end());
  llvm::SmallVector<int64_t> permutation = {0, 2, 1};
  for (int64_t i = 3; i <= rank; ++i)
    permutation.push_back(i);
  llvm::SmallVector<int64_t> swapped = {group * outPerGroup, inPerGroup};
  swapped.append(shape.begin() + 2, shape.end());
  FailureOr<Value> w =
      ctx.value<x::ReshapeOp>(weight, ctx.i64Vector(grouped), false);
  if (succeeded(w))
    w = ctx.value<x::TransposeOp>(*w, b.getDenseI64ArrayAttr(permutation));
  if (succeeded(w))
    w = ctx.value<x::ReshapeOp>(*w, ctx.i64Vector(swapped), false);
  for (int64_t axis = 2; axis < rank && succeeded(w); ++axis) {
    if (shape[axis] == 1)
      continue;
    llvm::SmallVector<int64_t> reversed;
    for (int64_t i = shape[axis] - 1; i >= 0; --i)
      reversed.push_back(i);
    w = ctx.value<x::GatherOp>(*w, ctx.i64Vector(reversed),
                               b.getI64IntegerAttr(axis));
  }
  return w;
}

/// `input` spread along `axis`: position p of the result reads input
/// position (p + shift) / stride where that divides and lies in the input,
/// zero elsewhere.
static FailureOr<Value> spreadAxis(NodeContext &ctx, Value input, int64_t axis,
                                   int64_t size, int64_t stride,
                                   int64_t shift) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t in = type.getDimSize(axis);
  llvm::SmallVector<int64_t> positions;
  llvm::SmallVector<bool> reads;
  bool identity = size == in;
  for (int64_t p = 0; p < size; ++p) {
    int64_t q = p + shift;
    bool hit = q >= 0 && q <= stride * (in - 1) && q % stride == 0;
    positions.push_back(hit ? q / stride : 0);
    reads.push_back(hit);
    identity &= hit && q / stride == p;
  }
  if (identity)
    return input;
  OpBuilder &b = ctx.builder();
  FailureOr<Value> spread = ctx.value<x::GatherOp>(
      input, ctx.i64Vector(positions), b.getI64IntegerAttr(axis));
  if (failed(spread) || llvm::all_of(reads, [](bool r) { return r; }))
    return spread;
  llvm::SmallVector<int64_t> maskShape(type.getRank(), 1);
  maskShape[axis] = size;
  auto maskType = RankedTensorType::get(maskShape, b.getI1Type());
  Value mask = x::ConstantOp::create(
      b, ctx.loc(), maskType,
      DenseElementsAttr::get(maskType, llvm::ArrayRef(reads)));
  return ctx.value<x::WhereOp>(mask, *spread,
                               ctx.scalar(type.getElementType(), 0.0));
}

namespace {
/// Where a transposed convolution's result lies in its full extent: per
/// spatial dim, the first position kept and the number kept.
struct TransposedConv {
  llvm::SmallVector<int64_t> strides, dilations, begins, sizes;
  int64_t group;
};
} // namespace

/// The transposed convolution of `input` [N, C, in...] with `weight`, a conv
/// weight [M, C / group, k...] already transposed and flipped.
static FailureOr<Value> transposedConv(NodeContext &ctx, Value input,
                                       Value weight, Value bias,
                                       const TransposedConv &g) {
  auto weightType = cast<RankedTensorType>(weight.getType());
  Value spread = input;
  for (size_t i = 0; i < g.sizes.size(); ++i) {
    int64_t reach = g.dilations[i] * (weightType.getDimSize(i + 2) - 1);
    FailureOr<Value> axis = spreadAxis(ctx, spread, i + 2, g.sizes[i] + reach,
                                       g.strides[i], g.begins[i] - reach);
    if (failed(axis))
      return failure();
    spread = *axis;
  }
  Builder &b = ctx.builder();
  return ctx.value<x::ConvOp>(
      spread, weight, bias,
      b.getDenseI64ArrayAttr(llvm::SmallVector<int64_t>(g.sizes.size(), 1)),
      b.getDenseI64ArrayAttr({}), b.getDenseI64ArrayAttr(g.dilations),
      b.getI64IntegerAttr(g.group));
}

//===----------------------------------------------------------------------===//
// ConvTranspose
//===----------------------------------------------------------------------===//

static LogicalResult convertConvTranspose(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "X");
  FailureOr<Value> weight = ctx.requiredFloatInput(1, "W");
  if (failed(input) || failed(weight))
    return failure();
  RankedTensorType inputType = ctx.inputType(0), weightType = ctx.inputType(1);
  int64_t rank = inputType.getRank();
  int64_t spatial = rank - 2;
  if (spatial < 1 || spatial > 3)
    return ctx.emitError() << "ConvTranspose needs an [N, C, spatial...] input "
                              "with 1 to 3 spatial dims, got rank "
                           << rank;
  if (weightType.getRank() != rank)
    return ctx.emitError() << "ConvTranspose weight " << weightType
                           << " must have the input's rank " << rank;
  if (!weightType.hasStaticShape())
    return ctx.unsupported("a weight whose shape is known only at run time");
  for (int64_t i = 2; i < rank; ++i)
    if (inputType.isDynamicDim(i))
      return ctx.unsupported("spatial dims known only at run time");
  int64_t group = ctx.getInt("group", 1);
  int64_t channels = weightType.getDimSize(0);
  if (group <= 0 || channels % group != 0)
    return ctx.emitError() << "ConvTranspose group " << group
                           << " must divide the weight's " << channels
                           << " input channels";
  if (!inputType.isDynamicDim(1) && inputType.getDimSize(1) != channels)
    return ctx.emitError() << "ConvTranspose input has "
                           << inputType.getDimSize(1)
                           << " channels, the weight " << channels;

  auto count = static_cast<size_t>(spatial);
  llvm::SmallVector<int64_t> kernel(weightType.getShape().drop_front(2));
  llvm::SmallVector<int64_t> kernelAttr = ctx.getInts("kernel_shape");
  if (!kernelAttr.empty() && kernelAttr != kernel)
    return ctx.emitError() << "ConvTranspose kernel_shape does not match the "
                              "weight "
                           << weightType;
  llvm::SmallVector<int64_t> strides =
      valuesOr(ctx.getInts("strides"), count, 1);
  llvm::SmallVector<int64_t> dilations =
      valuesOr(ctx.getInts("dilations"), count, 1);
  llvm::SmallVector<int64_t> pads = valuesOr(ctx.getInts("pads"), 2 * count, 0);
  llvm::SmallVector<int64_t> outputPadding =
      valuesOr(ctx.getInts("output_padding"), count, 0);
  llvm::SmallVector<int64_t> outputShape = ctx.getInts("output_shape");
  if (outputShape.size() == count + 2)
    outputShape.erase(outputShape.begin(), outputShape.begin() + 2);
  if (strides.size() != count || dilations.size() != count ||
      pads.size() != 2 * count || outputPadding.size() != count ||
      (!outputShape.empty() && outputShape.size() != count))
    return ctx.emitError()
           << "ConvTranspose needs one stride, dilation, output_padding and "
              "output_shape value and two pads per spatial dim";
  for (size_t i = 0; i < count; ++i)
    if (strides[i] <= 0 || dilations[i] <= 0 || pads[i] < 0 ||
        pads[count + i] < 0 || outputPadding[i] < 0)
      return ctx.emitError() << "ConvTranspose strides and dilations must be "
                                "positive, pads and output_padding not "
                                "negative";

  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return ctx.emitError() << "ConvTranspose auto_pad '" << autoPad
                           << "' is not one ONNX defines";

  TransposedConv geometry{strides, dilations, {}, {}, group};
  for (size_t i = 0; i < count; ++i) {
    int64_t in = inputType.getDimSize(i + 2);
    int64_t reach = dilations[i] * (kernel[i] - 1);
    // The full result, before pads choose a window of it.
    int64_t full = strides[i] * (in - 1) + reach + 1 + outputPadding[i];
    int64_t begin = pads[i], out;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t target = outputShape.empty() ? in * strides[i] : outputShape[i];
      int64_t total = full - target;
      int64_t half = llvm::divideFloorSigned(total, 2);
      begin = autoPad == "SAME_UPPER" ? half : total - half;
      out = target;
    } else if (autoPad == "VALID") {
      begin = 0;
      out = outputShape.empty() ? full : outputShape[i];
    } else {
      // An output_shape extends or cuts the result at the end.
      out = outputShape.empty() ? full - pads[i] - pads[count + i]
                                : outputShape[i];
    }
    if (out <= 0)
      return ctx.emitError() << "ConvTranspose output would be empty along "
                                "spatial dim "
                             << i;
    geometry.begins.push_back(begin);
    geometry.sizes.push_back(out);
  }
  FailureOr<Value> w = convWeight(ctx, *weight, group);
  if (failed(w))
    return failure();
  return ctx.setOutput(transposedConv(ctx, *input, *w, ctx.input(2), geometry));
}

//===----------------------------------------------------------------------===//
// CausalConvWithState
//===----------------------------------------------------------------------===//

/// CausalConvWithState (a state-space or linear-attention block's short
/// conv): the depthwise 1-D conv over [state, X], where the state is the
/// K - 1 positions before X (past_state, or zeros), with an optional SiLU;
/// the new state is the last K - 1 positions of [state, X]. f16 and bf16
/// convolve in f32 and round the conv once, then the SiLU once, as the
/// reference does.
static LogicalResult convertCausalConvWithState(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "input");
  FailureOr<Value> weight = ctx.requiredFloatInput(1, "weight");
  if (failed(input) || failed(weight))
    return failure();
  RankedTensorType type = ctx.inputType(0), weightType = ctx.inputType(1);
  std::string activation = ctx.getString("activation", "none");
  if (activation != "none" && activation != "silu" && activation != "swish")
    return ctx.emitError() << "CausalConvWithState activation must be none, "
                              "silu or swish, got '"
                           << activation << "'";
  int64_t channels = type.getDimSize(1);
  int64_t kernel = weightType.getRank() == 3 ? weightType.getDimSize(2)
                                             : ShapedType::kDynamic;
  if (type.getRank() != 3 || weightType.getRank() != 3 ||
      ShapedType::isDynamic(kernel) || kernel < 1 ||
      weightType.getDimSize(1) != 1 ||
      (!ShapedType::isDynamic(channels) &&
       weightType.getDimSize(0) != channels))
    return ctx.emitError() << "CausalConvWithState needs an input [B, C, L] "
                              "and a weight [C, 1, K] of known K, got "
                           << type << " and " << weightType;
  if (ShapedType::isDynamic(channels))
    channels = weightType.getDimSize(0);
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  Type elementType = type.getElementType();
  Value past = ctx.input(3);
  RankedTensorType stateType = RankedTensorType::get(
      {type.getDimSize(0), channels, kernel - 1}, elementType);
  if (past && failed(verifyCompatibleShape(ctx.inputType(3), stateType)))
    return ctx.emitError() << "CausalConvWithState past_state must be "
                           << stateType << ", got " << ctx.inputType(3);
  Value padded = *input;
  if (kernel > 1) {
    if (!past) {
      FailureOr<Value> shape = ctx.value<x::ConcatOp>(
          ValueRange{*gatherAt(ctx,
                               *ctx.value<x::ShapeOp>(*input, IntegerAttr(),
                                                      IntegerAttr()),
                               FailureOr<Value>(ctx.i64Vector({0, 1})), 0),
                     ctx.i64Vector({kernel - 1})},
          b.getI64IntegerAttr(0));
      FailureOr<Value> zeros = f.op<x::ExpandOp>(
          FailureOr<Value>(ctx.scalar(elementType, 0.0)), shape);
      if (failed(zeros))
        return failure();
      past = *zeros;
    }
    FailureOr<Value> joined = ctx.value<x::ConcatOp>(ValueRange{past, *input},
                                                     b.getI64IntegerAttr(2));
    if (failed(joined))
      return failure();
    padded = *joined;
  }
  FailureOr<Value> length = dimOf(ctx, padded, 2);
  FailureOr<Value> state = f.op<x::SubOp>(length, f.scalar(length, kernel - 1));
  if (failed(length) || failed(state))
    return failure();
  FailureOr<Value> present = selectAlongAxis(ctx, padded, *state, *length, 2);

  bool widen = elementType.getIntOrFloatBitWidth() < 32;
  Type f32 = b.getF32Type();
  auto wide = [&](Value v) -> FailureOr<Value> {
    return widen && v ? ctx.castTo(v, f32) : FailureOr<Value>(v);
  };
  FailureOr<Value> x = wide(padded), w = wide(*weight),
                   bias = wide(ctx.input(2));
  if (failed(x) || failed(w) || failed(bias))
    return failure();
  FailureOr<Value> y = ctx.value<x::ConvOp>(
      *x, *w, *bias, b.getDenseI64ArrayAttr({1}), b.getDenseI64ArrayAttr({}),
      b.getDenseI64ArrayAttr({1}), b.getI64IntegerAttr(channels));
  if (widen && succeeded(y))
    y = ctx.castTo(*y, elementType);
  if (activation != "none" && succeeded(y)) {
    y = f.op<x::SiluOp>(widen ? ctx.castTo(*y, f32) : y);
    if (widen && succeeded(y))
      y = ctx.castTo(*y, elementType);
  }
  if (failed(y) || failed(present))
    return failure();
  return ctx.setOutputs({*y, *present});
}

//===----------------------------------------------------------------------===//
// Col2Im
//===----------------------------------------------------------------------===//

namespace {
/// Col2Im's attributes, one stride and dilation and two pads per spatial dim.
struct Col2ImGeometry {
  llvm::SmallVector<int64_t> strides, dilations, pads;
};
} // namespace

/// `index` (i64) split into its digit along one dim of a row-major
/// multi-index: (index / stride) % size, with the stride of the next dim.
static FailureOr<Value> digit(Formula &f, FailureOr<Value> index,
                              FailureOr<Value> &stride, FailureOr<Value> size) {
  FailureOr<Value> above = f.op<x::DivOp>(index, stride);
  stride = f.op<x::MulOp>(stride, size);
  return f.op<x::SubOp>(above,
                        f.op<x::MulOp>(f.op<x::DivOp>(above, size), size));
}

/// Col2Im with image_shape or block_shape known only at run time: each
/// column element (channel c, kernel position k, block l) adds into the
/// image position that k and l give, a ScatterElements with reduction add
/// over the flattened image, with one slot more for the positions that fall
/// in the pads.
static FailureOr<Value> col2ImAtRunTime(NodeContext &ctx, Value input,
                                        const Col2ImGeometry &g) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  Type i64 = b.getI64Type();
  auto count = static_cast<int64_t>(g.strides.size());
  FailureOr<Value> image = ctx.castTo(ctx.input(1), i64);
  FailureOr<Value> block = ctx.castTo(ctx.input(2), i64);
  FailureOr<Value> positive =
      f.op<x::AndOp>(f.op<x::GreaterOp>(image, f.scalar(image, 0)),
                     f.op<x::GreaterOp>(block, f.scalar(block, 0)));
  if (failed(checkAtRunTime(ctx, allOf(ctx, positive),
                            "image_shape and block_shape must be positive")))
    return failure();
  auto product = [&](FailureOr<Value> v) -> FailureOr<Value> {
    if (failed(v))
      return failure();
    return ctx.value<x::ReduceProdOp>(*v, b.getDenseI64ArrayAttr({0}),
                                      b.getBoolAttr(false));
  };
  auto perDim = [&](llvm::ArrayRef<int64_t> values) {
    return FailureOr<Value>(ctx.i64Vector(values));
  };
  // Blocks per dim: (image + pads - dilation (block - 1) - 1) / stride + 1.
  llvm::SmallVector<int64_t> padSums;
  for (int64_t i = 0; i < count; ++i)
    padSums.push_back(g.pads[i] + g.pads[count + i]);
  FailureOr<Value> span = f.op<x::SubOp>(
      f.op<x::AddOp>(image, perDim(padSums)),
      f.op<x::AddOp>(f.op<x::MulOp>(perDim(g.dilations),
                                    f.op<x::SubOp>(block, f.scalar(block, 1))),
                     f.scalar(block, 1)));
  if (failed(checkAtRunTime(
          ctx, allOf(ctx, f.op<x::GreaterEqualOp>(span, f.scalar(span, 0))),
          "block_shape does not fit image_shape")))
    return failure();
  FailureOr<Value> counts = f.op<x::AddOp>(
      f.op<x::DivOp>(span, perDim(g.strides)), f.scalar(span, 1));
  FailureOr<Value> kernelSize = product(block), blocks = product(counts);
  FailureOr<Value> columns = dimOf(ctx, input, 1);
  FailureOr<Value> fits = f.op<x::AndOp>(
      f.op<x::EqualOp>(dimOf(ctx, input, 2), blocks),
      f.op<x::EqualOp>(
          f.op<x::MulOp>(f.op<x::DivOp>(columns, kernelSize), kernelSize),
          columns));
  if (failed(checkAtRunTime(ctx, fits,
                            "input must be [N, C x block size, blocks], the "
                            "sizes image_shape and block_shape give")))
    return failure();

  // The image position of each (k, l), row-major over the spatial dims.
  FailureOr<Value> k = f.op<x::ReshapeOp>(
      rangeOf(ctx, f.scalar(kernelSize, 0), kernelSize), perDim({-1, 1}));
  FailureOr<Value> l = f.op<x::ReshapeOp>(
      rangeOf(ctx, f.scalar(blocks, 0), blocks), perDim({1, -1}));
  FailureOr<Value> kStride = f.scalar(k, 1), lStride = f.scalar(k, 1);
  FailureOr<Value> flat = f.scalar(k, 0), imageStride = f.scalar(k, 1);
  FailureOr<Value> inside = ctx.scalar(b.getI1Type(), 1.0);
  for (int64_t i = count - 1; i >= 0; --i) {
    FailureOr<Value> size = elementOf(ctx, image, i);
    FailureOr<Value> position = f.op<x::SubOp>(
        f.op<x::AddOp>(
            f.op<x::MulOp>(digit(f, l, lStride, elementOf(ctx, counts, i)),
                           f.scalar(k, g.strides[i])),
            f.op<x::MulOp>(digit(f, k, kStride, elementOf(ctx, block, i)),
                           f.scalar(k, g.dilations[i]))),
        f.scalar(k, g.pads[i]));
    inside = f.op<x::AndOp>(
        inside,
        f.op<x::AndOp>(f.op<x::GreaterEqualOp>(position, f.scalar(k, 0)),
                       f.op<x::LessOp>(position, size)));
    flat = f.op<x::AddOp>(flat, f.op<x::MulOp>(position, imageStride));
    imageStride = f.op<x::MulOp>(imageStride, size);
  }
  // imageStride is now the image's size: the slot past it takes the pads.
  FailureOr<Value> slots = f.where(inside, flat, imageStride);
  FailureOr<Value> elements = f.op<x::MulOp>(kernelSize, blocks);
  FailureOr<Value> one = perDim({1});
  FailureOr<Value> shape = ctx.value<x::ConcatOp>(
      ValueRange{ctx.i64Vector({0, -1}), *f.op<x::ReshapeOp>(elements, one)},
      b.getI64IntegerAttr(0));
  if (failed(slots) || failed(shape))
    return failure();
  // [N, C x K, L] as [N, C, K x L], k major as the slots are.
  FailureOr<Value> values = f.op<x::ReshapeOp>(FailureOr<Value>(input), shape);
  if (failed(values))
    return failure();
  FailureOr<Value> valuesShape =
      ctx.value<x::ShapeOp>(*values, IntegerAttr(), IntegerAttr());
  if (failed(valuesShape))
    return failure();
  FailureOr<Value> batchAndChannels =
      gatherAt(ctx, *valuesShape, ctx.i64Vector({0, 1}), 0);
  FailureOr<Value> indices = f.op<x::ExpandOp>(
      f.op<x::ReshapeOp>(slots, perDim({1, 1, -1})), valuesShape);
  FailureOr<Value> bufferShape = ctx.value<x::ConcatOp>(
      ValueRange{
          *batchAndChannels,
          *f.op<x::ReshapeOp>(
              f.op<x::AddOp>(imageStride, f.scalar(imageStride, 1)), one)},
      b.getI64IntegerAttr(0));
  Type elementType = cast<RankedTensorType>(input.getType()).getElementType();
  FailureOr<Value> buffer = f.op<x::ExpandOp>(
      FailureOr<Value>(ctx.scalar(elementType, 0.0)), bufferShape);
  if (failed(indices) || failed(values) || failed(buffer))
    return failure();
  FailureOr<Value> scattered = ctx.value<x::ScatterElementsOp>(
      *buffer, *indices, *values, b.getI64IntegerAttr(2),
      b.getStringAttr("add"));
  if (failed(scattered))
    return failure();
  FailureOr<Value> kept =
      selectAlongAxis(ctx, *scattered, ctx.scalar(i64, 0), *imageStride, 2);
  FailureOr<Value> resultShape = ctx.value<x::ConcatOp>(
      ValueRange{*batchAndChannels, *image}, b.getI64IntegerAttr(0));
  return f.op<x::ReshapeOp>(kept, resultShape);
}

static LogicalResult convertCol2Im(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "input");
  if (failed(input) || failed(ctx.requiredInput(1, "image_shape")) ||
      failed(ctx.requiredInput(2, "block_shape")))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  RankedTensorType imageType = ctx.inputType(1), blockType = ctx.inputType(2);
  // The number of spatial dims is the result's rank: it must be known.
  int64_t dims = imageType.getRank() == 1 ? imageType.getDimSize(0) : 0;
  if (type.getRank() != 3 || dims <= 0 || ShapedType::isDynamic(dims) ||
      blockType.getRank() != 1 || blockType.getDimSize(0) != dims)
    return ctx.emitError() << "Col2Im needs an [N, C x block size, L] input "
                              "and one image_shape and block_shape value per "
                              "spatial dim, of a known count";
  auto count = static_cast<size_t>(dims);
  llvm::SmallVector<int64_t> strides =
      valuesOr(ctx.getInts("strides"), count, 1);
  llvm::SmallVector<int64_t> dilations =
      valuesOr(ctx.getInts("dilations"), count, 1);
  llvm::SmallVector<int64_t> pads = valuesOr(ctx.getInts("pads"), 2 * count, 0);
  if (strides.size() != count || dilations.size() != count ||
      pads.size() != 2 * count)
    return ctx.emitError() << "Col2Im needs one stride and dilation and two "
                              "pads per spatial dim";
  for (size_t i = 0; i < count; ++i)
    if (strides[i] <= 0 || dilations[i] <= 0 || pads[i] < 0 ||
        pads[count + i] < 0)
      return ctx.emitError() << "Col2Im strides and dilations must be "
                                "positive, pads not negative";
  std::optional<llvm::SmallVector<int64_t>> image = ctx.constantInts(1);
  std::optional<llvm::SmallVector<int64_t>> block = ctx.constantInts(2);
  if (!image || !block)
    return ctx.setOutput(
        col2ImAtRunTime(ctx, *input, {strides, dilations, pads}));
  int64_t blockSize = 1, blocks = 1;
  llvm::SmallVector<int64_t> blockCounts;
  for (size_t i = 0; i < count; ++i) {
    int64_t reach = dilations[i] * ((*block)[i] - 1);
    int64_t span = (*image)[i] + pads[i] + pads[count + i] - reach - 1;
    if ((*block)[i] <= 0 || (*image)[i] <= 0 || strides[i] <= 0 ||
        dilations[i] <= 0 || pads[i] < 0 || pads[count + i] < 0 || span < 0)
      return ctx.emitError() << "Col2Im block " << (*block)[i]
                             << " does not fit image dim " << (*image)[i];
    blockCounts.push_back(span / strides[i] + 1);
    blockSize *= (*block)[i];
    blocks *= blockCounts.back();
  }
  int64_t columns = type.getDimSize(1);
  if (ShapedType::isDynamic(columns) || columns % blockSize != 0)
    return ctx.emitError() << "Col2Im input dim 1 must be a known multiple of "
                              "the block size "
                           << blockSize;
  if (!type.isDynamicDim(2) && type.getDimSize(2) != blocks)
    return ctx.emitError() << "Col2Im input has " << type.getDimSize(2)
                           << " blocks, image_shape and block_shape give "
                           << blocks;
  int64_t channels = columns / blockSize;

  // [N, C x K, L] as [N, C x K, blocks...]. The conv weight
  // [C, K, block...] sends input channel c x K + k to kernel position k of
  // output channel c, flipped: position K - 1 - k.
  llvm::SmallVector<int64_t> shape = {type.getDimSize(0), columns};
  if (ShapedType::isDynamic(shape[0]))
    shape[0] = 0; // keeps the batch dim
  shape.append(blockCounts);
  FailureOr<Value> spatial =
      ctx.value<x::ReshapeOp>(*input, ctx.i64Vector(shape), false);
  if (failed(spatial))
    return failure();
  llvm::SmallVector<int64_t> weightShape = {channels, blockSize};
  weightShape.append(*block);
  llvm::SmallVector<double> weights(columns * blockSize, 0.0);
  for (int64_t c = 0; c < columns; ++c)
    weights[c * blockSize + blockSize - 1 - c % blockSize] = 1.0;
  Value weight = ctx.floatConstant(weightShape, type.getElementType(), weights);
  TransposedConv geometry{
      strides, dilations,
      llvm::SmallVector<int64_t>(pads.begin(), pads.begin() + count), *image,
      channels};
  return ctx.setOutput(
      transposedConv(ctx, *spatial, weight, Value(), geometry));
}

//===----------------------------------------------------------------------===//
// CenterCropPad
//===----------------------------------------------------------------------===//

/// CenterCropPad with a shape known only at run time: the run-time Pad
/// whose pads put the input in the middle, the odd element at the end.
static FailureOr<Value> centerCropPadAtRunTime(NodeContext &ctx, Value input,
                                               llvm::ArrayRef<int64_t> axes) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  FailureOr<Value> sizes = ctx.castTo(ctx.input(1), b.getI64Type());
  if (failed(checkAtRunTime(
          ctx, allOf(ctx, f.op<x::GreaterEqualOp>(sizes, f.scalar(sizes, 0))),
          "shape must not be negative")))
    return failure();
  FailureOr<Value> inputShape =
      ctx.value<x::ShapeOp>(input, IntegerAttr(), IntegerAttr());
  FailureOr<Value> inDims = gatherAt(ctx, *inputShape, ctx.i64Vector(axes), 0);
  FailureOr<Value> growth = f.op<x::SubOp>(sizes, inDims);
  FailureOr<Value> two = f.scalar(growth, 2);
  // The odd element of a crop or pad goes to the end, as in the static case.
  FailureOr<Value> before =
      f.where(f.op<x::LessOp>(growth, f.scalar(growth, 0)),
              f.op<x::NegOp>(f.op<x::DivOp>(f.op<x::NegOp>(growth), two)),
              f.op<x::DivOp>(growth, two));
  FailureOr<Value> after = f.op<x::SubOp>(growth, before);
  if (failed(before) || failed(after))
    return failure();
  FailureOr<Value> pads = ctx.value<x::ConcatOp>(ValueRange{*before, *after},
                                                 b.getI64IntegerAttr(0));
  if (failed(pads))
    return failure();
  Type elementType = cast<RankedTensorType>(input.getType()).getElementType();
  return padAtRunTime(ctx, input, "constant", ctx.scalar(elementType, 0.0),
                      *pads, axes);
}

static LogicalResult convertCenterCropPad(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input_data");
  if (failed(input) || failed(ctx.requiredInput(1, "shape")))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  llvm::SmallVector<int64_t> axes = ctx.getInts("axes");
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  for (int64_t &axis : axes) {
    if (axis < -rank || axis >= rank)
      return ctx.emitError()
             << "CenterCropPad axis " << axis << " is out of range for a rank-"
             << rank << " input";
    if (axis < 0)
      axis += rank;
  }
  RankedTensorType shapeType = ctx.inputType(1);
  if (shapeType.getRank() != 1 ||
      shapeType.getDimSize(0) != static_cast<int64_t>(axes.size()))
    return ctx.emitError() << "CenterCropPad needs one shape value per axis ("
                           << axes.size() << "), got shape " << shapeType;
  std::optional<llvm::SmallVector<int64_t>> sizes = ctx.constantInts(1);
  bool dynamicDims =
      llvm::any_of(axes, [&](int64_t axis) { return type.isDynamicDim(axis); });
  if (!sizes || dynamicDims)
    return ctx.setOutput(centerCropPadAtRunTime(ctx, *input, axes));
  Value result = *input;
  for (auto [axis, size] : llvm::zip(axes, *sizes)) {
    int64_t in = type.getDimSize(axis);
    if (size < 0)
      return ctx.emitError() << "CenterCropPad shape must not be negative";
    // The odd element of a crop or pad goes to the end.
    int64_t shift = size < in ? (in - size) / 2 : -((size - in) / 2);
    FailureOr<Value> moved = spreadAxis(ctx, result, axis, size, 1, shift);
    if (failed(moved))
      return failure();
    result = *moved;
  }
  return ctx.setOutput(result);
}

//===----------------------------------------------------------------------===//
// AffineGrid
//===----------------------------------------------------------------------===//

/// AffineGrid with a size known only at run time: the same grid, built
/// from a Range of positions per spatial dim broadcast over the others.
static FailureOr<Value> affineGridAtRunTime(NodeContext &ctx, Value theta,
                                            int64_t spatial,
                                            bool alignCorners) {
  Formula f(ctx);
  OpBuilder &b = ctx.builder();
  Type elementType = cast<RankedTensorType>(theta.getType()).getElementType();
  FailureOr<Value> size = ctx.castTo(ctx.input(1), b.getI64Type());
  if (failed(size))
    return failure();
  FailureOr<Value> dims = gatherAt(
      ctx, *size,
      ctx.i64Vector(llvm::to_vector(llvm::seq<int64_t>(2, spatial + 2))), 0);
  if (failed(checkAtRunTime(
          ctx, allOf(ctx, f.op<x::GreaterOp>(dims, f.scalar(dims, 0))),
          "sizes must be positive")) ||
      failed(checkAtRunTime(
          ctx, f.op<x::EqualOp>(elementOf(ctx, *size, 0), dimOf(ctx, theta, 0)),
          "size[0] differs from theta's batch")))
    return failure();
  // Component c (x first) varies along spatial dim spatial - 1 - c; the
  // last component is 1.
  llvm::SmallVector<Value> components;
  for (int64_t c = 0; c <= spatial; ++c) {
    FailureOr<Value> along = ctx.scalar(elementType, 1.0);
    if (c < spatial) {
      int64_t dim = spatial - 1 - c;
      FailureOr<Value> n = elementOf(ctx, dims, dim);
      FailureOr<Value> positions = rangeOf(ctx, f.scalar(n, 0), n);
      if (failed(n) || failed(positions))
        return failure();
      FailureOr<Value> i = ctx.castTo(*positions, elementType);
      FailureOr<Value> count = ctx.castTo(*n, elementType);
      FailureOr<Value> one = f.scalar(i, 1.0), two = f.scalar(i, 2.0);
      FailureOr<Value> twice = f.op<x::MulOp>(two, i);
      if (alignCorners) {
        // The corners: 2i / (n - 1) - 1, or -1 alone when n is 1.
        FailureOr<Value> span = f.op<x::MaxOp>(f.op<x::SubOp>(count, one), one);
        along = f.op<x::SubOp>(f.op<x::DivOp>(twice, span), one);
      } else {
        // The pixel centres: (2i + 1) / n - 1.
        along = f.op<x::SubOp>(
            f.op<x::DivOp>(f.op<x::AddOp>(twice, one), count), one);
      }
      llvm::SmallVector<int64_t> shape(spatial, 1);
      shape[dim] = -1;
      along = f.op<x::ReshapeOp>(along, FailureOr<Value>(ctx.i64Vector(shape)));
    }
    FailureOr<Value> full = f.op<x::ExpandOp>(along, dims);
    if (failed(full))
      return failure();
    FailureOr<Value> row =
        ctx.value<x::UnsqueezeOp>(*full, b.getDenseI64ArrayAttr({0}));
    if (failed(row))
      return failure();
    components.push_back(*row);
  }
  FailureOr<Value> grid =
      ctx.value<x::ConcatOp>(components, b.getI64IntegerAttr(0));
  FailureOr<Value> base = f.op<x::ReshapeOp>(
      grid, FailureOr<Value>(ctx.i64Vector({spatial + 1, -1})));
  if (failed(base))
    return failure();
  FailureOr<Value> mapped = ctx.matmul(theta, *base);
  if (failed(mapped))
    return failure();
  FailureOr<Value> rows =
      ctx.value<x::TransposeOp>(*mapped, b.getDenseI64ArrayAttr({0, 2, 1}));
  FailureOr<Value> shape = ctx.value<x::ConcatOp>(
      ValueRange{ctx.i64Vector({0}), *dims, ctx.i64Vector({spatial})},
      b.getI64IntegerAttr(0));
  return f.op<x::ReshapeOp>(rows, shape);
}

/// AffineGrid: the grid of normalised positions of an output of `size`
/// (x fastest, then y, then z, then 1), a constant [d + 1, positions], maps
/// through theta [N, d, d + 1] in one batched matmul.
static LogicalResult convertAffineGrid(NodeContext &ctx) {
  FailureOr<Value> theta = ctx.requiredFloatInput(0, "theta");
  if (failed(theta))
    return failure();
  if (failed(ctx.requiredInput(1, "size")))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  RankedTensorType sizeType = ctx.inputType(1);
  // The size's length is the output's rank: it must be known.
  int64_t spatial = sizeType.getRank() == 1 && !sizeType.isDynamicDim(0)
                        ? sizeType.getDimSize(0) - 2
                        : 0;
  if (spatial != 2 && spatial != 3)
    return ctx.emitError() << "AffineGrid size must be [N, C, H, W] or "
                              "[N, C, D, H, W], got "
                           << sizeType;
  if (type.getRank() != 3 ||
      (!type.isDynamicDim(1) && type.getDimSize(1) != spatial) ||
      (!type.isDynamicDim(2) && type.getDimSize(2) != spatial + 1))
    return ctx.emitError() << "AffineGrid theta must be [N, " << spatial << ", "
                           << spatial + 1 << "] for a " << spatial << "-D size";
  bool alignCorners = ctx.getInt("align_corners", 0) != 0;
  std::optional<llvm::SmallVector<int64_t>> size = ctx.constantInts(1);
  if (!size)
    return ctx.setOutput(
        affineGridAtRunTime(ctx, *theta, spatial, alignCorners));
  llvm::ArrayRef<int64_t> dims = llvm::ArrayRef(*size).drop_front(2);
  if (llvm::any_of(dims, [](int64_t d) { return d <= 0; }))
    return ctx.emitError() << "AffineGrid sizes must be positive";
  // Position i of n along a dim, in [-1, 1]: the pixel centres, or the
  // corners with align_corners.
  auto normalised = [&](int64_t i, int64_t n) {
    if (alignCorners)
      return n == 1 ? -1.0 : -1.0 + 2.0 * i / (n - 1);
    return -1.0 + 1.0 / n + 2.0 * i / n;
  };
  int64_t positions = 1;
  for (int64_t d : dims)
    positions *= d;
  llvm::SmallVector<double> grid((spatial + 1) * positions, 1.0);
  for (int64_t p = 0; p < positions; ++p) {
    int64_t rest = p;
    // Component 0 is x, along the last dim.
    for (int64_t c = 0; c < spatial; ++c) {
      int64_t n = dims[spatial - 1 - c];
      grid[c * positions + p] = normalised(rest % n, n);
      rest /= n;
    }
  }
  Value base =
      ctx.floatConstant({spatial + 1, positions}, type.getElementType(), grid);
  FailureOr<Value> mapped = ctx.matmul(*theta, base);
  if (failed(mapped))
    return failure();
  FailureOr<Value> rows = ctx.value<x::TransposeOp>(
      *mapped, ctx.builder().getDenseI64ArrayAttr({0, 2, 1}));
  if (failed(rows))
    return failure();
  llvm::SmallVector<int64_t> shape = {0};
  shape.append(dims.begin(), dims.end());
  shape.push_back(spatial);
  return ctx.setOutput(
      ctx.value<x::ReshapeOp>(*rows, ctx.i64Vector(shape), false));
}

void mlir::xfmr::onnx_import::registerSpatialOps(OpRegistry &r) {
  r.add("", "ConvTranspose", convertConvTranspose);
  r.add("", "CausalConvWithState", convertCausalConvWithState, 27);
  r.add("", "Col2Im", convertCol2Im);
  r.add("", "CenterCropPad", convertCenterCropPad);
  r.add("", "AffineGrid", convertAffineGrid);
}
