//===- TensorOps.cpp - Importing ONNX matmul, conv, reductions, softmax ---===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SetVector.h"

#include <algorithm>
#include <map>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

static FailureOr<Value> transpose(NodeContext &ctx, Value v,
                                  llvm::ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return v;
  return ctx.value<x::TransposeOp>(v, ctx.builder().getDenseI64ArrayAttr(perm));
}

//===----------------------------------------------------------------------===//
// MatMul, Gemm, Einsum
//===----------------------------------------------------------------------===//

static LogicalResult convertMatMul(NodeContext &ctx) {
  FailureOr<Value> a = ctx.requiredInput(0, "A");
  FailureOr<Value> b = ctx.requiredInput(1, "B");
  if (failed(a) || failed(b))
    return failure();
  return ctx.setOutput(ctx.matmul(*a, *b));
}

FailureOr<Value> mlir::xfmr::onnx_import::buildGemm(NodeContext &ctx) {
  FailureOr<Value> a = ctx.requiredInput(0, "A");
  FailureOr<Value> b = ctx.requiredInput(1, "B");
  if (failed(a) || failed(b))
    return failure();
  if (ctx.inputType(0).getRank() != 2 || ctx.inputType(1).getRank() != 2)
    return ctx.emitError() << ctx.opType() << " needs 2-D A and B";
  if (ctx.getInt("transA", 0))
    a = transpose(ctx, *a, {1, 0});
  if (succeeded(a) && ctx.getInt("transB", 0))
    b = transpose(ctx, *b, {1, 0});
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> y = ctx.matmul(*a, *b);
  Type elementType = ctx.inputType(0).getElementType();
  float alpha = ctx.getFloat("alpha", 1.0f), beta = ctx.getFloat("beta", 1.0f);
  if (succeeded(y) && alpha != 1.0f)
    y = ctx.value<x::MulOp>(*y, ctx.scalar(elementType, alpha));
  if (failed(y))
    return failure();
  if (Value c = ctx.input(2)) {
    FailureOr<Value> bias = c;
    if (beta != 1.0f)
      bias = ctx.value<x::MulOp>(c, ctx.scalar(elementType, beta));
    if (succeeded(bias))
      y = ctx.value<x::AddOp>(*y, *bias);
  }
  return y;
}

static LogicalResult convertGemm(NodeContext &ctx) {
  return ctx.setOutput(buildGemm(ctx));
}

/// Sums `v` (labelled by `spec`) over the letters that `keep` lacks.
static FailureOr<Value> sumOutLetters(NodeContext &ctx, Value v,
                                      std::string &spec, llvm::StringRef keep) {
  llvm::SmallVector<int64_t> axes;
  std::string kept;
  for (auto [i, c] : llvm::enumerate(spec)) {
    if (keep.contains(c))
      kept.push_back(c);
    else
      axes.push_back(i);
  }
  if (axes.empty())
    return v;
  spec = kept;
  Builder &b = ctx.builder();
  return ctx.value<x::ReduceSumOp>(v, b.getDenseI64ArrayAttr(axes),
                                   b.getBoolAttr(false));
}

/// The diagonal of `v` (labelled by `spec`) over each letter that `spec`
/// repeats: element [..., i, ..., i, ...] read by a GatherElements along the
/// second dim, whose indices count along the first.
static FailureOr<Value> takeDiagonals(NodeContext &ctx, Value v,
                                      std::string &spec) {
  Builder &b = ctx.builder();
  for (size_t q = 1; q < spec.size(); ++q) {
    size_t p = spec.find(spec[q]);
    if (p == q)
      continue;
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.hasStaticShape())
      return ctx.unsupported("a diagonal of dims known only at run time");
    if (type.getDimSize(p) != type.getDimSize(q))
      return ctx.emitError()
             << "Einsum letter '" << spec[q] << "' labels dims of sizes "
             << type.getDimSize(p) << " and " << type.getDimSize(q);
    llvm::SmallVector<int64_t> shape(type.getShape());
    shape[q] = 1;
    FailureOr<Value> indices = ctx.value<x::ExpandOp>(
        ctx.positionsAlong(p, type.getRank(), type.getDimSize(p)),
        ctx.i64Vector(shape));
    FailureOr<Value> diagonal = failed(indices)
                                    ? indices
                                    : ctx.value<x::GatherElementsOp>(
                                          v, *indices, b.getI64IntegerAttr(q));
    if (succeeded(diagonal))
      diagonal = ctx.value<x::SqueezeOp>(
          *diagonal, b.getDenseI64ArrayAttr({static_cast<int64_t>(q)}));
    if (failed(diagonal))
      return failure();
    v = *diagonal;
    spec.erase(q--, 1);
  }
  return v;
}

/// Einsum with the matmul-like equations exporters write
/// ("bhqd,bhkd->bhqk", "bsd,dh->bsh", "ij,jk->ik", "i,i", "ij->ji", "ij->i"):
/// letters summed within one operand, at most one contracted letter, any
/// number of batch letters and of letters kept from the left operand, and
/// at most one kept from the right one. A letter repeated in an operand
/// takes its diagonal; an ellipsis stands for the leading dims, which get
/// labels of their own ('0', '1', ...), aligned at the right.
static LogicalResult convertEinsum(NodeContext &ctx) {
  std::string equation = ctx.getString("equation", "");
  equation.erase(llvm::remove_if(equation, ::isspace), equation.end());
  llvm::StringRef eq(equation);
  auto [lhsSpec, outPart] = eq.split("->");
  llvm::SmallVector<llvm::StringRef> inputs;
  lhsSpec.split(inputs, ',');
  if (inputs.size() != ctx.numInputs())
    return ctx.emitError() << "Einsum equation '" << equation << "' names "
                           << inputs.size() << " operands for "
                           << ctx.numInputs() << " inputs";
  // The number of dims the widest ellipsis stands for.
  int64_t ellipsisDims = 0;
  for (auto [i, spec] : llvm::enumerate(inputs)) {
    if (!spec.contains("..."))
      continue;
    int64_t dims =
        ctx.inputType(i).getRank() - static_cast<int64_t>(spec.size() - 3);
    if (dims < 0 || dims > 10)
      return ctx.unsupported("equation '" + equation + "': operand " +
                             llvm::Twine(i) + " has " + llvm::Twine(dims) +
                             " dims for its ellipsis");
    ellipsisDims = std::max(ellipsisDims, dims);
  }
  std::string ellipsisLabels;
  for (int64_t d = 0; d < ellipsisDims; ++d)
    ellipsisLabels.push_back('0' + d);
  auto expand = [&](llvm::StringRef spec, int64_t dims) {
    size_t at = spec.find("...");
    if (at == llvm::StringRef::npos)
      return spec.str();
    return (spec.take_front(at) +
            llvm::StringRef(ellipsisLabels).take_back(dims) +
            spec.drop_front(at + 3))
        .str();
  };
  std::string outSpec = expand(outPart, ellipsisDims);
  if (!eq.contains("->")) {
    // Implicit output: the ellipsis, then the letters used once, in
    // alphabetical order.
    std::map<char, int> counts;
    for (char c : lhsSpec)
      if (c != ',' && c != '.')
        ++counts[c];
    outSpec = ellipsisLabels;
    for (auto [c, n] : counts)
      if (n == 1)
        outSpec.push_back(c);
  }
  llvm::SmallVector<std::string> specs;
  llvm::SmallVector<Value> operands;
  for (auto [i, spec] : llvm::enumerate(inputs)) {
    int64_t rank = ctx.inputType(i).getRank();
    specs.push_back(expand(spec, rank - static_cast<int64_t>(spec.size()) + 3));
    if (static_cast<int64_t>(specs.back().size()) != rank)
      return ctx.emitError()
             << "Einsum operand " << i << " ('" << spec
             << "') does not label each of its " << rank << " dims";
    FailureOr<Value> operand = ctx.requiredInput(i, "Inputs");
    if (succeeded(operand))
      operand = takeDiagonals(ctx, *operand, specs.back());
    if (failed(operand))
      return failure();
    operands.push_back(*operand);
  }
  auto perm = [](llvm::StringRef from, llvm::StringRef to) {
    llvm::SmallVector<int64_t> p;
    for (char c : to)
      p.push_back(from.find(c));
    return p;
  };
  Builder &b = ctx.builder();

  if (inputs.size() == 1) {
    std::string spec = specs[0];
    FailureOr<Value> summed = sumOutLetters(ctx, operands[0], spec, outSpec);
    if (failed(summed))
      return failure();
    return ctx.setOutput(transpose(ctx, *summed, perm(spec, outSpec)));
  }
  if (inputs.size() != 2)
    return ctx.unsupported("equation '" + equation + "' (more than 2 operands)");

  // Letters that appear in one operand only and not in the output are summed
  // first; then each letter is batch, contracted, or kept from one side.
  std::string l = specs[0], r = specs[1];
  FailureOr<Value> lhs = sumOutLetters(ctx, operands[0], l, r + outSpec);
  FailureOr<Value> rhs = succeeded(lhs)
                             ? sumOutLetters(ctx, operands[1], r, l + outSpec)
                             : FailureOr<Value>(failure());
  if (failed(rhs))
    return failure();
  llvm::StringRef ls(l), rs(r), os(outSpec);
  std::string batch, lhsFree, rhsFree, contracted;
  for (char c : l) {
    if (rs.contains(c))
      (os.contains(c) ? batch : contracted).push_back(c);
    else
      lhsFree.push_back(c);
  }
  for (char c : r)
    if (!ls.contains(c))
      rhsFree.push_back(c);
  if (contracted.size() > 1 || rhsFree.size() > 1)
    return ctx.unsupported("equation '" + equation +
                           "' (more than one contracted letter, or more than "
                           "one letter kept from the right operand)");

  // Missing roles get a size-1 dim labelled by a placeholder letter ('#'
  // for a contraction of nothing, '<' and '>' for absent kept letters).
  auto addUnitDim = [&](FailureOr<Value> &v, std::string &spec, char label) {
    v = ctx.value<x::UnsqueezeOp>(*v, b.getDenseI64ArrayAttr(
                                          {static_cast<int64_t>(spec.size())}));
    spec.push_back(label);
  };
  if (contracted.empty()) {
    addUnitDim(lhs, l, '#');
    addUnitDim(rhs, r, '#');
    contracted = "#";
  }
  if (lhsFree.empty()) {
    addUnitDim(lhs, l, '<');
    lhsFree = "<";
  }
  if (rhsFree.empty()) {
    addUnitDim(rhs, r, '>');
    rhsFree = ">";
  }
  if (failed(lhs) || failed(rhs))
    return failure();

  // lhs: [batch, lhsFree, k]; rhs: [batch, 1..., k, n] so that the extra
  // left letters broadcast as batch dims; result: [batch, lhsFree, n].
  lhs = transpose(ctx, *lhs, perm(l, batch + lhsFree + contracted));
  rhs = transpose(ctx, *rhs, perm(r, batch + contracted + rhsFree));
  if (failed(lhs) || failed(rhs))
    return failure();
  if (!batch.empty() && lhsFree.size() > 1) {
    llvm::SmallVector<int64_t> axes;
    for (size_t i = 0; i + 1 < lhsFree.size(); ++i)
      axes.push_back(batch.size() + i);
    rhs = ctx.value<x::UnsqueezeOp>(*rhs, b.getDenseI64ArrayAttr(axes));
    if (failed(rhs))
      return failure();
  }
  FailureOr<Value> product = ctx.matmul(*lhs, *rhs);
  if (failed(product))
    return failure();
  std::string spec = batch + lhsFree + rhsFree;
  llvm::SmallVector<int64_t> placeholders;
  std::string kept;
  for (auto [i, c] : llvm::enumerate(spec)) {
    if (c == '<' || c == '>')
      placeholders.push_back(i);
    else
      kept.push_back(c);
  }
  if (!placeholders.empty()) {
    product = ctx.value<x::SqueezeOp>(*product,
                                      b.getDenseI64ArrayAttr(placeholders));
    if (failed(product))
      return failure();
  }
  return ctx.setOutput(transpose(ctx, *product, perm(kept, outSpec)));
}

//===----------------------------------------------------------------------===//
// Conv
//===----------------------------------------------------------------------===//

FailureOr<Value> mlir::xfmr::onnx_import::buildConv(NodeContext &ctx,
                                                    Value input, Value weight,
                                                    Value bias) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  int64_t spatial = inputType.getRank() - 2;
  if (spatial != 1 && spatial != 2)
    return ctx.unsupported("a " + llvm::Twine(spatial) +
                           "-D convolution (xfmr has 1-D and 2-D)");
  if (weightType.getRank() != inputType.getRank())
    return ctx.emitError() << ctx.opType() << " weight " << weightType
                           << " must have the input's rank "
                           << inputType.getRank();
  llvm::SmallVector<int64_t> strides = ctx.getInts("strides");
  llvm::SmallVector<int64_t> dilations = ctx.getInts("dilations");
  llvm::SmallVector<int64_t> pads = ctx.getInts("pads");
  llvm::SmallVector<int64_t> kernel = ctx.getInts("kernel_shape");
  if (!kernel.empty() &&
      (static_cast<int64_t>(kernel.size()) != spatial ||
       failed(verifyCompatibleShape(kernel,
                                    weightType.getShape().drop_front(2)))))
    return ctx.emitError() << ctx.opType()
                           << " kernel_shape does not match the weight "
                           << weightType;

  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    pads.clear();
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    // Output = ceil(in / stride); the padding that gives it, split with the
    // odd pixel at the end (UPPER) or the beginning (LOWER).
    pads.assign(2 * spatial, 0);
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t in = inputType.getDimSize(i + 2);
      int64_t k = weightType.getDimSize(i + 2);
      int64_t s = strides.empty() ? 1 : strides[i];
      int64_t d = dilations.empty() ? 1 : dilations[i];
      if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k))
        return ctx.unsupported("auto_pad " + autoPad + " with dynamic sizes");
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + d * (k - 1) + 1 - in);
      int64_t small = total / 2, large = total - small;
      pads[i] = autoPad == "SAME_UPPER" ? small : large;
      pads[i + spatial] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad != "NOTSET") {
    return ctx.emitError() << ctx.opType() << " auto_pad '" << autoPad
                           << "' is not valid";
  }
  Builder &b = ctx.builder();
  return ctx.value<x::ConvOp>(
      input, weight, bias, b.getDenseI64ArrayAttr(strides),
      b.getDenseI64ArrayAttr(pads), b.getDenseI64ArrayAttr(dilations),
      b.getI64IntegerAttr(ctx.getInt("group", 1)));
}

static LogicalResult convertConv(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "X");
  FailureOr<Value> weight = ctx.requiredInput(1, "W");
  if (failed(input) || failed(weight))
    return failure();
  return ctx.setOutput(buildConv(ctx, *input, *weight, ctx.input(2)));
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// The axes of a reduction: constants, or a 1-D tensor of static length
/// computed at run time.
struct ReductionAxes {
  llvm::SmallVector<int64_t> constant;
  Value runTime;
};

/// The axes of a reduction: an attribute before opset `axesInputSince`, an
/// input from then on (none: every axis).
static FailureOr<ReductionAxes> reductionAxes(NodeContext &ctx,
                                              int64_t axesInputSince) {
  if (ctx.opset() < axesInputSince)
    return ReductionAxes{ctx.getInts("axes"), Value()};
  if (!ctx.input(1))
    return ReductionAxes();
  std::optional<llvm::SmallVector<int64_t>> values = ctx.constantInts(1);
  if (values)
    return ReductionAxes{*values, Value()};
  RankedTensorType type = ctx.inputType(1);
  if (type.getRank() != 1 || type.isDynamicDim(0))
    return ctx.unsupported("run-time axes of unknown count");
  // No axes at all is known without their values.
  if (type.getDimSize(0) == 0)
    return ReductionAxes();
  return ReductionAxes{{}, ctx.input(1)};
}

/// True when the reduction reduces nothing: no axes with
/// noop_with_empty_axes.
static bool reducesNothing(NodeContext &ctx, const ReductionAxes &axes) {
  return !axes.runTime && axes.constant.empty() &&
         ctx.getInt("noop_with_empty_axes", 0);
}

template <typename OpTy>
static FailureOr<Value> reduce(NodeContext &ctx, FailureOr<Value> data,
                               const ReductionAxes &axes, bool keepdims) {
  if (failed(data))
    return failure();
  Builder &b = ctx.builder();
  if (axes.runTime)
    return reduceOverRunTimeAxes(ctx, *data, axes.runTime, keepdims,
                                 [&](Value v, int64_t d) -> FailureOr<Value> {
                                   return ctx.value<OpTy>(
                                       v, b.getDenseI64ArrayAttr({d}),
                                       b.getBoolAttr(true));
                                 });
  return ctx.value<OpTy>(*data, b.getDenseI64ArrayAttr(axes.constant),
                         b.getBoolAttr(keepdims));
}

/// `axesInputSince` is the opset from which the axes are an input.
template <typename OpTy, int64_t axesInputSince>
static LogicalResult convertReduce(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  FailureOr<ReductionAxes> axes = reductionAxes(ctx, axesInputSince);
  if (failed(data) || failed(axes))
    return failure();
  if (reducesNothing(ctx, *axes))
    return ctx.setOutputs(*data);
  // Unsigned maxima and minima are signed ones of the flipped values.
  bool flip = ctx.isUnsigned(0) && (std::is_same_v<OpTy, x::ReduceMaxOp> ||
                                    std::is_same_v<OpTy, x::ReduceMinOp>);
  FailureOr<Value> result =
      reduce<OpTy>(ctx, flip ? flipTopBit(ctx, data) : data, *axes,
                   ctx.getInt("keepdims", 1));
  return ctx.setOutput(flip ? flipTopBit(ctx, result) : result);
}

/// The reductions that are a sum between elementwise steps: ReduceSumSquare
/// (sum of x*x), ReduceL1 (sum of |x|), ReduceL2 (sqrt of the sum of x*x)
/// and ReduceLogSum (log of the sum). With no axes and
/// noop_with_empty_axes only the elementwise steps remain, as in ONNX's
/// reference.
static LogicalResult convertSumReduction(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  FailureOr<ReductionAxes> axes = reductionAxes(ctx, 18);
  if (failed(data) || failed(axes))
    return failure();
  StringRef op = ctx.opType();
  if ((op == "ReduceL2" || op == "ReduceLogSum") &&
      failed(ctx.requiredFloatInput(0, "data")))
    return failure();
  FailureOr<Value> terms = data;
  if (op == "ReduceSumSquare" || op == "ReduceL2")
    terms = f.op<x::MulOp>(data, data);
  else if (op == "ReduceL1")
    terms = f.op<x::AbsOp>(data);
  FailureOr<Value> sum =
      reducesNothing(ctx, *axes)
          ? terms
          : reduce<x::ReduceSumOp>(ctx, terms, *axes,
                                   ctx.getInt("keepdims", 1));
  if (op == "ReduceL2")
    return ctx.setOutput(f.op<x::SqrtOp>(sum));
  if (op == "ReduceLogSum")
    return ctx.setOutput(f.op<x::LogOp>(sum));
  return ctx.setOutput(sum);
}

/// ReduceLogSumExp as m + log(sum(exp(x - m))) with m the maximum, which
/// does not overflow where exp(x) would.
static LogicalResult convertReduceLogSumExp(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> data = ctx.requiredFloatInput(0, "data");
  if (failed(data))
    return failure();
  FailureOr<ReductionAxes> axes = reductionAxes(ctx, 18);
  if (failed(axes))
    return failure();
  if (reducesNothing(ctx, *axes))
    return ctx.setOutput(f.op<x::LogOp>(f.op<x::ExpOp>(data)));
  bool keepdims = ctx.getInt("keepdims", 1);
  FailureOr<Value> max = reduce<x::ReduceMaxOp>(ctx, data, *axes, true);
  FailureOr<Value> sum = reduce<x::ReduceSumOp>(
      ctx, f.op<x::ExpOp>(f.op<x::SubOp>(data, max)), *axes, keepdims);
  FailureOr<Value> offset =
      keepdims ? max : reduce<x::ReduceMaxOp>(ctx, data, *axes, false);
  return ctx.setOutput(f.op<x::AddOp>(f.op<x::LogOp>(sum), offset));
}

static FailureOr<Value> argMax(NodeContext &ctx, FailureOr<Value> data) {
  if (failed(data))
    return failure();
  Builder &b = ctx.builder();
  return ctx.value<x::ArgMaxOp>(
      *data, b.getI64IntegerAttr(ctx.getInt("axis", 0)),
      b.getBoolAttr(ctx.getInt("keepdims", 1)),
      b.getBoolAttr(ctx.getInt("select_last_index", 0)));
}

/// ArgMax; unsigned order is signed order of the flipped values.
static LogicalResult convertArgMax(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  return ctx.setOutput(
      argMax(ctx, ctx.isUnsigned(0) ? flipTopBit(ctx, data) : data));
}

/// Hardmax: 1 at the first maximum along `axis`, 0 elsewhere; the ArgMax
/// compared with the positions along the axis (whose size must be static).
static LogicalResult convertHardmax(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "input");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t axis = ctx.getInt("axis", -1);
  if (axis < -rank || axis >= rank)
    return ctx.emitError() << "Hardmax axis " << axis
                           << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  int64_t size = type.getDimSize(axis);
  if (ShapedType::isDynamic(size))
    return ctx.unsupported("an axis whose size is known only at run time");
  Builder &b = ctx.builder();
  FailureOr<Value> index =
      ctx.value<x::ArgMaxOp>(*input, b.getI64IntegerAttr(axis),
                             b.getBoolAttr(true), b.getBoolAttr(false));
  if (failed(index))
    return failure();
  FailureOr<Value> isMax =
      ctx.value<x::EqualOp>(*index, ctx.positionsAlong(axis, rank, size));
  if (failed(isMax))
    return failure();
  return ctx.setOutput(ctx.castTo(*isMax, type.getElementType()));
}

/// ArgMin is ArgMax of an order-reversing map: -x for floats, -1 - x (which
/// cannot overflow) for integers.
static LogicalResult convertArgMin(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> data = ctx.requiredInput(0, "data");
  if (failed(data))
    return failure();
  Type elementType = ctx.inputType(0).getElementType();
  if (elementType.isInteger(1))
    return ctx.emitError() << "ArgMin needs a numeric input, got i1";
  if (ctx.isUnsigned(0))
    data = flipTopBit(ctx, data);
  FailureOr<Value> reversed = isa<FloatType>(elementType)
                                  ? f.op<x::NegOp>(data)
                                  : f.op<x::SubOp>(f.scalar(data, -1.0), data);
  return ctx.setOutput(argMax(ctx, reversed));
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// Before opset 13, Softmax normalises over all dims from `axis` on (the
/// input seen as a matrix [outer, inner]); from 13 on, over `axis` alone.
template <typename OpTy>
static LogicalResult convertSoftmax(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "input");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  Builder &b = ctx.builder();
  int64_t axis = ctx.getInt("axis", ctx.opset() < 13 ? 1 : -1);
  std::optional<int64_t> normalized = x::normalizeAxis(axis, rank);
  if (!normalized)
    return ctx.emitError() << ctx.opType() << " axis " << axis
                           << " is out of range for rank " << rank;
  if (ctx.opset() >= 13 || *normalized == rank - 1)
    return ctx.setOutput(ctx.value<OpTy>(*input, b.getI64IntegerAttr(axis)));

  int64_t inner = 1;
  for (int64_t i = *normalized; i < rank; ++i) {
    if (type.isDynamicDim(i))
      return ctx.unsupported("the pre-13 form over dynamic trailing dims");
    inner *= type.getDimSize(i);
  }
  FailureOr<Value> shape = ctx.value<x::ShapeOp>(*input, IntegerAttr(), IntegerAttr());
  FailureOr<Value> matrix = ctx.value<x::ReshapeOp>(
      *input, ctx.i64Vector({-1, inner}), b.getBoolAttr(false));
  if (failed(shape) || failed(matrix))
    return failure();
  FailureOr<Value> result = ctx.value<OpTy>(*matrix, b.getI64IntegerAttr(-1));
  if (failed(result))
    return failure();
  return ctx.setOutput(ctx.value<x::ReshapeOp>(*result, *shape,
                                                b.getBoolAttr(false)));
}

/// CumSum's and CumProd's axis is a tensor input. One computed at run time
/// selects among the results along each possible axis.
template <typename OpTy>
static LogicalResult convertCumulative(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredInput(0, "x");
  if (failed(input) || failed(ctx.requiredInput(1, "axis")))
    return failure();
  Builder &b = ctx.builder();
  auto along = [&](int64_t axis) {
    return ctx.value<OpTy>(
        *input, b.getI64IntegerAttr(axis),
        ctx.getInt("exclusive", 0) ? b.getUnitAttr() : UnitAttr(),
        ctx.getInt("reverse", 0) ? b.getUnitAttr() : UnitAttr());
  };
  std::optional<llvm::SmallVector<int64_t>> axis = ctx.constantInts(1);
  if (axis && axis->size() == 1)
    return ctx.setOutput(along(axis->front()));
  Formula f(ctx);
  int64_t rank = ctx.inputType(0).getRank();
  if (rank == 0)
    return ctx.emitError() << ctx.opType()
                           << " needs an input of rank 1 or more";
  FailureOr<Value> given = scalarOf(ctx, ctx.input(1));
  if (failed(given))
    return failure();
  FailureOr<Value> normalized = normalizedAxes(ctx, *given, rank);
  FailureOr<Value> chosen = elementOf(ctx, normalized, 0);
  FailureOr<Value> result = along(rank - 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    result = f.where(f.op<x::EqualOp>(chosen, f.scalar(chosen, d)), along(d),
                     result);
  return ctx.setOutput(result);
}

/// The largest matrix whose determinant is expanded over permutations
/// (4! = 24 products).
static constexpr int64_t kMaxDetSize = 4;

/// Det of [..., n, n]: the sum over the permutations p of [0, n) of
/// sign(p) * prod_i x[..., i, p(i)], with the elements gathered one by one.
static LogicalResult convertDet(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> input = ctx.requiredFloatInput(0, "X");
  if (failed(input))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 2 || type.getDimSize(rank - 1) != type.getDimSize(rank - 2))
    return ctx.emitError() << "Det needs square matrices [..., M, M], got "
                           << type;
  int64_t n = type.getDimSize(rank - 1);
  if (ShapedType::isDynamic(n))
    return ctx.unsupported("matrices whose size is known only at run time");
  if (n < 1 || n > kMaxDetSize)
    return ctx.unsupported("matrices of size " + llvm::Twine(n) + " (at most " +
                           llvm::Twine(kMaxDetSize) + ")");
  Builder &b = ctx.builder();
  Type i64 = b.getI64Type();
  llvm::SmallVector<FailureOr<Value>> rows, elements;
  for (int64_t i = 0; i < n; ++i)
    rows.push_back(ctx.value<x::GatherOp>(*input, ctx.scalar(i64, i),
                                          b.getI64IntegerAttr(rank - 2)));
  for (int64_t i = 0; i < n; ++i) {
    if (failed(rows[i]))
      return failure();
    for (int64_t j = 0; j < n; ++j)
      elements.push_back(ctx.value<x::GatherOp>(*rows[i], ctx.scalar(i64, j),
                                                b.getI64IntegerAttr(rank - 2)));
  }
  llvm::SmallVector<int64_t> permutation;
  for (int64_t i = 0; i < n; ++i)
    permutation.push_back(i);
  FailureOr<Value> det = failure();
  bool first = true;
  do {
    // The sign is that of the number of inversions.
    int64_t inversions = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j)
        inversions += permutation[i] > permutation[j];
    FailureOr<Value> term = elements[permutation[0]];
    for (int64_t i = 1; i < n; ++i)
      term = f.op<x::MulOp>(term, elements[i * n + permutation[i]]);
    if (first)
      det = inversions % 2 ? f.op<x::NegOp>(term) : term;
    else
      det = inversions % 2 ? f.op<x::SubOp>(det, term)
                           : f.op<x::AddOp>(det, term);
    first = false;
  } while (std::next_permutation(permutation.begin(), permutation.end()));
  return ctx.setOutput(det);
}

void mlir::xfmr::onnx_import::registerTensorOps(OpRegistry &r) {
  r.add("", "MatMul", convertMatMul);
  r.add("", "Gemm", convertGemm);
  r.add("", "Einsum", convertEinsum, 12);
  r.add("", "Det", convertDet, 11);
  r.add("", "Conv", convertConv);
  r.add("", "ReduceSum", convertReduce<x::ReduceSumOp, 13>);
  r.add("", "ReduceMean", convertReduce<x::ReduceMeanOp, 18>);
  r.add("", "ReduceMax", convertReduce<x::ReduceMaxOp, 18>);
  r.add("", "ReduceMin", convertReduce<x::ReduceMinOp, 18>);
  r.add("", "ReduceSumSquare", convertSumReduction);
  r.add("", "ReduceL1", convertSumReduction);
  r.add("", "ReduceL2", convertSumReduction);
  r.add("", "ReduceLogSum", convertSumReduction);
  r.add("", "ReduceLogSumExp", convertReduceLogSumExp);
  r.add("", "ArgMax", convertArgMax);
  r.add("", "ArgMin", convertArgMin);
  r.add("", "Hardmax", convertHardmax, 13);
  r.add("", "CumSum", convertCumulative<x::CumSumOp>, 11);
  r.add("", "CumProd", convertCumulative<x::CumProdOp>, 26);
  r.add("", "ReduceProd", convertReduce<x::ReduceProdOp, 18>);
  r.add("", "Softmax", convertSoftmax<x::SoftmaxOp>);
  r.add("", "LogSoftmax", convertSoftmax<x::LogSoftmaxOp>);
}
