//===- ShapeOpsToLinalg.cpp - Shape ops to tensor and linalg --------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Ops that compute or change shapes. shape and size read dims into i64
// tensors; range and constant_of_shape fill a tensor.empty. reshape,
// squeeze and unsqueeze become tensor.collapse_shape / expand_shape where
// the dims can be matched at compile time (so later passes see plain
// views), and tensor.reshape with a run-time shape otherwise. expand is a
// broadcasting linalg.generic; a dynamic input dim that may be 1 at run time
// is read through a select in the body, as ONNX broadcasting requires.
//
//===----------------------------------------------------------------------===//

#include "IndexMath.h"
#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/DimProver.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::xfmr;

namespace {

//===----------------------------------------------------------------------===//
// shape, size, constant_of_shape, range
//===----------------------------------------------------------------------===//

struct ShapeToTensor : OpRewritePattern<ShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ShapeOp op,
                                PatternRewriter &rewriter) const override {
    IndexMath m{rewriter, op.getLoc()};
    auto [begin, end] = getShapeOpDimRange(op);
    SmallVector<Value> dims;
    for (int64_t d = begin; d < end; ++d)
      dims.push_back(m.value(getDimSize(rewriter, m.loc, op.getInput(), d)));
    rewriter.replaceOp(op, indicesToTensor(rewriter, m.loc, dims,
                                           cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct SizeToTensor : OpRewritePattern<SizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SizeOp op,
                                PatternRewriter &rewriter) const override {
    IndexMath m{rewriter, op.getLoc()};
    Value count = m.constant(1);
    for (OpFoldResult d : getDimSizes(rewriter, m.loc, op.getInput()))
      count = m.mul(count, m.value(d));
    rewriter.replaceOp(op, indicesToTensor(rewriter, m.loc, {count},
                                           cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct ConstantOfShapeToFill : OpRewritePattern<ConstantOfShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConstantOfShapeOp op,
                                PatternRewriter &rewriter) const override {
    auto value = cast<TypedAttr>(op.getValue());
    if (!arith::ConstantOp::isBuildableWith(value, value.getType()))
      return rewriter.notifyMatchFailure(op, "fill value is not an arith constant");
    FailureOr<Value> empty = createEmptyResult(rewriter, op);
    if (failed(empty))
      return rewriter.notifyMatchFailure(op, "cannot reify the result shape");
    Value fill = arith::ConstantOp::create(rewriter, op.getLoc(), value);
    rewriter.replaceOp(
        op, linalg::FillOp::create(rewriter, op.getLoc(), fill, *empty)
                .getResult(0));
    return success();
  }
};

/// The most elements a range with run-time operands may have.
constexpr int64_t kMaxRangeSize = std::numeric_limits<int32_t>::max();

/// The size of an integer range, max(ceil((limit - start) / delta), 0) as
/// ONNX computes it, checked at run time: delta 0 and sizes past
/// kMaxRangeSize fail the op's check and give an empty range.
static Value checkedIntRangeSize(OpBuilder &b, Location loc, Value start,
                                 Value limit, Value delta, StringRef what) {
  Type i64 = b.getI64Type();
  auto toI64 = [&](Value v) -> Value {
    return v.getType() == i64 ? v : arith::ExtSIOp::create(b, loc, i64, v);
  };
  start = toI64(start), limit = toI64(limit), delta = toI64(delta);
  auto i64Constant = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, i64, v).getResult();
  };
  auto compare = [&](arith::CmpIPredicate predicate, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, predicate, x, y).getResult();
  };
  Value zero = i64Constant(0);
  Value deltaIsZero = compare(arith::CmpIPredicate::eq, delta, zero);
  emitRuntimeCheck(b, loc, deltaIsZero,
                   (what + ": delta cannot be 0 (start={0}, limit={1})").str(),
                   {start, limit});
  // limit - start overflows when the operands' signs differ and the
  // difference's sign is not the limit's; so does the one quotient
  // INT64_MIN / -1.
  Value difference = arith::SubIOp::create(b, loc, limit, start);
  Value overflows = compare(
      arith::CmpIPredicate::slt,
      arith::AndIOp::create(b, loc, arith::XOrIOp::create(b, loc, limit, start),
                            arith::XOrIOp::create(b, loc, limit, difference)),
      zero);
  overflows = arith::OrIOp::create(
      b, loc, overflows,
      arith::AndIOp::create(
          b, loc, compare(arith::CmpIPredicate::eq, delta, i64Constant(-1)),
          compare(arith::CmpIPredicate::eq, difference,
                  i64Constant(std::numeric_limits<int64_t>::min()))));
  Value divisor = arith::SelectOp::create(
      b, loc, arith::OrIOp::create(b, loc, deltaIsZero, overflows),
      i64Constant(1), delta);
  Value size = arith::MaxSIOp::create(
      b, loc, arith::CeilDivSIOp::create(b, loc, difference, divisor), zero);
  Value tooLarge = arith::OrIOp::create(
      b, loc, overflows,
      compare(arith::CmpIPredicate::sgt, size, i64Constant(kMaxRangeSize)));
  emitRuntimeCheck(b, loc, tooLarge,
                   (what + ": start={0}, limit={1}, delta={2} give more than " +
                    Twine(kMaxRangeSize) + " elements")
                       .str(),
                   {start, limit, delta});
  Value failed = arith::OrIOp::create(b, loc, deltaIsZero, tooLarge);
  return arith::IndexCastOp::create(
      b, loc, b.getIndexType(),
      arith::SelectOp::create(b, loc, failed, zero, size));
}

/// The same for a floating-point range; NaN operands fail too.
static Value checkedFloatRangeSize(OpBuilder &b, Location loc, Value start,
                                   Value limit, Value delta, StringRef what) {
  Type type = start.getType();
  auto floatConstant = [&](double v) {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v))
        .getResult();
  };
  Value zero = floatConstant(0);
  Value deltaIsZero =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, delta, zero);
  emitRuntimeCheck(b, loc, deltaIsZero, (what + ": delta cannot be 0").str());
  Value steps = math::CeilOp::create(
      b, loc,
      arith::DivFOp::create(b, loc, arith::SubFOp::create(b, loc, limit, start),
                            delta));
  // Not "steps > max", so that NaN fails as well.
  Value fits =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, steps,
                            floatConstant(static_cast<double>(kMaxRangeSize)));
  Value tooLarge = arith::AndIOp::create(
      b, loc,
      arith::XOrIOp::create(
          b, loc, fits, arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1)),
      arith::XOrIOp::create(
          b, loc, deltaIsZero,
          arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1)));
  emitRuntimeCheck(b, loc, tooLarge,
                   (what + ": the range has more than " + Twine(kMaxRangeSize) +
                    " elements, or NaN bounds")
                       .str());
  Value safeSteps = arith::SelectOp::create(
      b, loc, fits, arith::MaximumFOp::create(b, loc, steps, zero), zero);
  return arith::IndexCastOp::create(
      b, loc, b.getIndexType(),
      arith::FPToSIOp::create(b, loc, b.getI64Type(), safeSteps));
}

/// start + i * delta for each position i of a tensor.empty. A range whose
/// size is not known at compile time is sized here, checked, rather than by
/// the op's reification.
struct RangeToGeneric : OpRewritePattern<RangeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RangeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elementType = type.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    auto scalar = [&](Value v) {
      return tensor::ExtractOp::create(rewriter, loc, v, ValueRange{})
          .getResult();
    };
    Value start = scalar(op.getStart()), delta = scalar(op.getDelta());
    Value empty;
    if (type.hasStaticShape()) {
      empty =
          tensor::EmptyOp::create(rewriter, loc, type.getShape(), elementType);
    } else {
      Value limit = scalar(op.getLimit());
      std::string what = describeONNXNode(op, "Range");
      Value size =
          isFloat
              ? checkedFloatRangeSize(rewriter, loc, start, limit, delta, what)
              : checkedIntRangeSize(rewriter, loc, start, limit, delta, what);
      empty = tensor::EmptyOp::create(rewriter, loc, OpFoldResult(size),
                                      elementType);
    }
    Value result = buildIndexedGeneric(
        rewriter, loc, empty, {}, {},
        [&](OpBuilder &b, Location l, ValueRange, ValueRange indices) -> Value {
          if (!isFloat) {
            Value i =
                arith::IndexCastOp::create(b, l, elementType, indices[0]);
            return arith::AddIOp::create(
                b, l, start, arith::MulIOp::create(b, l, i, delta));
          }
          Value i = arith::SIToFPOp::create(
              b, l, elementType,
              arith::IndexCastOp::create(b, l, b.getI64Type(), indices[0]));
          return arith::AddFOp::create(b, l, start,
                                       arith::MulFOp::create(b, l, i, delta));
        });
    rewriter.replaceOp(op, castToResultType(rewriter, loc, result, type));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// reshape, squeeze, unsqueeze
//===----------------------------------------------------------------------===//

/// A dim of a reshape's input or result as DimProver knows it: a static
/// size, or the run-time size of a dim. Two dynamic dims of one run must be
/// proven equal.
using Factor = ProvenSize;

static bool isUnit(const Factor &f) { return f.constant == 1; }

/// Runs of input dims and of result dims whose sizes are equal, in order.
struct Grouping {
  SmallVector<ReassociationIndices> in, out;
  // The first dims not in any run.
  int64_t inEnd = 0, outEnd = 0;
};

/// Groups the leading dims of `in` and `out` into the shortest runs of equal
/// size, until one side is used up; unit dims join the run after them.
static std::optional<Grouping> groupFront(ArrayRef<Factor> in,
                                          ArrayRef<Factor> out) {
  Grouping g;
  ReassociationIndices runIn, runOut;
  int64_t i = 0, j = 0, n = in.size(), m = out.size();
  while (i < n && j < m) {
    const Factor &a = in[i], &c = out[j];
    if (isUnit(a) != isUnit(c)) {
      if (isUnit(a))
        runIn.push_back(i++);
      else
        runOut.push_back(j++);
      continue;
    }
    runIn.push_back(i++);
    runOut.push_back(j++);
    if (!a.constant || !c.constant) {
      if (!a.isPlainDim() || !(a == c))
        return std::nullopt;
    } else {
      int64_t sizeIn = *a.constant, sizeOut = *c.constant;
      while (sizeIn != sizeOut) {
        if (sizeIn < sizeOut) {
          if (i == n || !in[i].constant)
            return std::nullopt;
          sizeIn *= *in[i].constant;
          runIn.push_back(i++);
        } else {
          if (j == m || !out[j].constant)
            return std::nullopt;
          sizeOut *= *out[j].constant;
          runOut.push_back(j++);
        }
      }
    }
    g.in.push_back(std::move(runIn));
    g.out.push_back(std::move(runOut));
    runIn.clear();
    runOut.clear();
    g.inEnd = i;
    g.outEnd = j;
  }
  return g;
}

static bool allUnits(ArrayRef<Factor> factors) {
  return llvm::all_of(factors, isUnit);
}

/// Groups all of `in` and `out`; what is left after the runs must be unit
/// dims, which join the last run.
static std::optional<Grouping> groupAll(ArrayRef<Factor> in,
                                        ArrayRef<Factor> out) {
  std::optional<Grouping> g = groupFront(in, out);
  if (!g || !allUnits(in.drop_front(g->inEnd)) ||
      !allUnits(out.drop_front(g->outEnd)))
    return std::nullopt;
  if (g->in.empty())
    return (in.empty() || out.empty()) ? g : std::nullopt;
  for (int64_t i = g->inEnd; i < static_cast<int64_t>(in.size()); ++i)
    g->in.back().push_back(i);
  for (int64_t j = g->outEnd; j < static_cast<int64_t>(out.size()); ++j)
    g->out.back().push_back(j);
  return g;
}

/// Appends `groups`, found on the reversed dims of a side of `size` dims, in
/// the original order.
static void appendUnreversed(SmallVectorImpl<ReassociationIndices> &dst,
                             ArrayRef<ReassociationIndices> groups,
                             int64_t size) {
  for (const ReassociationIndices &group : llvm::reverse(groups)) {
    ReassociationIndices unreversed;
    for (int64_t d : llvm::reverse(group))
      unreversed.push_back(size - 1 - d);
    dst.push_back(unreversed);
  }
}

/// Groups `in` and `out` where `out[inferred]` is ONNX's -1: the dims before
/// it are matched from the front, those after it from the back, and it takes
/// the input dims in between.
static std::optional<Grouping> groupAround(ArrayRef<Factor> in,
                                           ArrayRef<Factor> out,
                                           int64_t inferred) {
  int64_t n = in.size(), m = out.size();
  std::optional<Grouping> front = groupFront(in, out.take_front(inferred));
  SmallVector<Factor> inReversed(llvm::reverse(in));
  SmallVector<Factor> outReversed(llvm::reverse(out.drop_front(inferred + 1)));
  std::optional<Grouping> back = groupFront(inReversed, outReversed);
  if (!front || !back)
    return std::nullopt;
  int64_t midIn = front->inEnd, midInEnd = n - back->inEnd;
  int64_t midOut = front->outEnd, midOutEnd = m - back->outEnd;
  if (midIn >= midInEnd)
    return std::nullopt;
  for (int64_t j = midOut; j < midOutEnd; ++j)
    if (j != inferred && !isUnit(out[j]))
      return std::nullopt;
  Grouping g = std::move(*front);
  g.in.push_back(llvm::to_vector(llvm::seq(midIn, midInEnd)));
  g.out.push_back(llvm::to_vector(llvm::seq(midOut, midOutEnd)));
  appendUnreversed(g.in, back->in, n);
  appendUnreversed(g.out, back->out, m);
  return g;
}

/// The size of a run of dims: static when all of them are.
static int64_t runSize(ArrayRef<int64_t> shape, ArrayRef<int64_t> run) {
  int64_t size = 1;
  for (int64_t d : run) {
    if (ShapedType::isDynamic(shape[d]))
      return ShapedType::kDynamic;
    size *= shape[d];
  }
  return size;
}

/// Reshapes `input` by collapsing each run of `g.in` into one dim, then
/// expanding it into the matching run of `g.out`; `outSizes` are the result
/// dims known statically. Each dynamic result dim has only unit dims beside
/// it in its run, so its size is the collapsed dim's.
static Value reshapeByRuns(OpBuilder &b, Location loc, Value input,
                           const Grouping &g, ArrayRef<int64_t> outSizes) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Type elementType = inputType.getElementType();
  SmallVector<int64_t> midShape;
  for (const ReassociationIndices &run : g.in)
    midShape.push_back(runSize(inputType.getShape(), run));
  Value mid = input;
  if (midShape.size() != static_cast<size_t>(inputType.getRank()))
    mid = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get(midShape, elementType), input, g.in);
  if (outSizes.size() == midShape.size())
    return mid;
  SmallVector<int64_t> shape(outSizes);
  SmallVector<OpFoldResult> outputShape(outSizes.size());
  for (auto [midDim, run] : llvm::enumerate(g.out)) {
    for (int64_t d : run) {
      if (ShapedType::isDynamic(shape[d]))
        shape[d] = midShape[midDim];
      outputShape[d] = ShapedType::isDynamic(shape[d])
                           ? getDimSize(b, loc, mid, midDim)
                           : b.getIndexAttr(shape[d]);
    }
  }
  for (auto [d, size] : llvm::enumerate(outputShape))
    if (!size)
      size = b.getIndexAttr(shape[d]);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, elementType), mid, g.out,
      outputShape);
}

/// Reshape with a shape known at compile time becomes collapse/expand
/// where its dims can be matched; anything else is a tensor.reshape with
/// sizes checked at run time.
struct ReshapeToTensor : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    if (std::optional<Value> viewed = reshapeAsView(rewriter, op)) {
      rewriter.replaceOp(op,
                         castToResultType(rewriter, loc, *viewed, resultType));
      return success();
    }
    SmallVector<Value> sizes;
    Value failed;
    std::tie(sizes, failed) = checkedSizes(rewriter, op);
    Value shape = indicesToTensor(
        rewriter, loc, sizes,
        RankedTensorType::get({resultType.getRank()}, rewriter.getI64Type()));
    auto reshape = [&](OpBuilder &b, Location l) -> Value {
      return tensor::ReshapeOp::create(b, l, resultType, op.getInput(), shape);
    };
    if (matchPattern(failed, m_Zero())) {
      rewriter.replaceOp(op, reshape(rewriter, loc));
      return success();
    }
    // A failed reshape gives zeros rather than a view past the input's end.
    auto ifOp = scf::IfOp::create(
        rewriter, loc, failed,
        [&](OpBuilder &b, Location l) {
          SmallVector<OpFoldResult> fillSizes;
          for (auto [d, size] : llvm::enumerate(sizes))
            fillSizes.push_back(resultType.isDynamicDim(d)
                                    ? OpFoldResult(size)
                                    : b.getIndexAttr(resultType.getDimSize(d)));
          Value zero = arith::ConstantOp::create(
              b, l, b.getZeroAttr(resultType.getElementType()));
          scf::YieldOp::create(b, l, createFilled(b, l, fillSizes, zero));
        },
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l, reshape(b, l));
        });
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }

  /// The result sizes of a reshape whose shape is known only at run time,
  /// resolved as ONNX does (0 copies the input's dim unless allowzero, one
  /// -1 takes the elements left), and whether they fail its checks: a dim
  /// below -1, two -1s, or sizes that do not hold the input's elements. A
  /// failed reshape's dynamic dims are 0.
  static std::pair<SmallVector<Value>, Value> checkedSizes(OpBuilder &b,
                                                           ReshapeOp op) {
    IndexMath m{b, op.getLoc()};
    std::string what = describeONNXNode(op, "Reshape");
    auto resultType = cast<RankedTensorType>(op.getType());
    Value input = op.getInput();
    int64_t inputRank = op.getInput().getType().getRank();
    Value zero = m.constant(0), one = m.constant(1), minusOne = m.constant(-1);
    Value count = one;
    for (int64_t d = 0; d < inputRank; ++d)
      count = m.mul(count, m.value(getDimSize(b, m.loc, input, d)));
    // `known` is the product of the sizes other than -1, saturated at
    // `limit` (more than the input holds) so that it cannot wrap around.
    Value limit = m.add(count, one);
    Value known = one, inferredDims = zero;
    Value failed =
        b.createOrFold<arith::ConstantIntOp>(m.loc, b.getI1Type(), 0);
    SmallVector<Value> resolved;
    for (int64_t d = 0; d < resultType.getRank(); ++d) {
      if (!resultType.isDynamicDim(d)) {
        Value size = m.constant(resultType.getDimSize(d));
        known = m.mul(known, size);
        resolved.push_back(size);
        continue;
      }
      Value v = m.extract(op.getShape(), {d});
      if (!op.getAllowzero() && d < inputRank)
        v = m.select(m.equal(v, zero), m.value(getDimSize(b, m.loc, input, d)),
                     v);
      Value tooSmall = m.lessThan(v, minusOne);
      emitRuntimeCheck(b, m.loc, tooSmall,
                       what + ": a dimension cannot be less than -1, got {0} "
                              "(dim {1} of the shape)",
                       {v, m.constant(d)});
      failed = m.either(failed, tooSmall);
      Value isInferred = m.equal(v, minusOne);
      inferredDims = m.add(inferredDims, m.select(isInferred, one, zero));
      Value factor = m.max(v, one);
      Value saturates = m.both(
          m.notEqual(v, zero),
          m.lessThan(b.createOrFold<arith::DivUIOp>(m.loc, limit, factor),
                     known));
      known = m.select(m.lessThan(v, zero), known,
                       m.select(saturates, limit, m.mul(known, v)));
      resolved.push_back(v);
    }
    Value twoInferred = m.lessThan(one, inferredDims);
    emitRuntimeCheck(b, m.loc, twoInferred,
                     what + ": at most one dimension can be -1, the shape "
                            "has {0}",
                     {inferredDims});
    Value inferred =
        b.createOrFold<arith::DivUIOp>(m.loc, count, m.max(known, one));
    Value requested =
        m.select(m.equal(inferredDims, zero), known, m.mul(known, inferred));
    Value mismatch = m.notEqual(requested, count);
    emitRuntimeCheck(b, m.loc, mismatch,
                     what + ": the input tensor cannot be reshaped to the "
                            "requested shape: the input has {0} elements "
                            "but the shape holds {1}",
                     {count, requested});
    failed = m.either(failed, m.either(twoInferred, mismatch));
    SmallVector<Value> sizes;
    for (auto [d, v] : llvm::enumerate(resolved))
      sizes.push_back(
          resultType.isDynamicDim(d)
              ? m.select(failed, zero,
                         m.select(m.equal(v, minusOne), inferred, v))
              : v);
    return {sizes, failed};
  }

  static std::optional<Value> reshapeAsView(OpBuilder &b, ReshapeOp op) {
    // Only the dims the shape reads from the input itself can pair with
    // dynamic input dims: the lowering does not follow dims through the
    // graph.
    DimProver prover = DimProver::ofShapesOnly();
    std::optional<SmallVector<ProvenSize>> entries =
        prover.elements(op.getShape());
    Value input = op.getInput();
    if (!entries)
      return std::nullopt;
    SmallVector<Factor> in, out;
    for (int64_t d = 0, e = cast<RankedTensorType>(input.getType()).getRank();
         d < e; ++d)
      in.push_back(prover.dim(input, d));
    int64_t inferred = -1;
    for (auto [d, entry] : llvm::enumerate(*entries)) {
      if (entry.constant == 0 && !op.getAllowzero()) {
        out.push_back(in[d]);
      } else if (entry.constant == -1) {
        inferred = d;
        out.emplace_back();
      } else if (entry.isDimSize()) {
        out.push_back(entry);
      } else {
        return std::nullopt;
      }
    }
    // Type inference sizes the -1 when the other dims tell it.
    auto resultType = cast<RankedTensorType>(op.getType());
    if (inferred >= 0 && !resultType.isDynamicDim(inferred)) {
      out[inferred] = Factor::ofConstant(resultType.getDimSize(inferred));
      inferred = -1;
    }
    std::optional<Grouping> g = inferred < 0 ? groupAll(in, out)
                                             : groupAround(in, out, inferred);
    if (!g)
      return std::nullopt;
    SmallVector<int64_t> outSizes;
    for (const Factor &f : out)
      outSizes.push_back(f.constant.value_or(ShapedType::kDynamic));
    return reshapeByRuns(b, op.getLoc(), op.getInput(), *g, outSizes);
  }
};

/// Runs of dims for collapsing (or expanding) the dims marked in `isUnit`
/// away: each other dim with the unit dims before it, and trailing unit dims
/// with the last run.
static SmallVector<ReassociationIndices> unitDimRuns(ArrayRef<bool> isUnit) {
  SmallVector<ReassociationIndices> runs;
  ReassociationIndices pending;
  for (auto [d, unit] : llvm::enumerate(isUnit)) {
    pending.push_back(d);
    if (!unit) {
      runs.push_back(pending);
      pending.clear();
    }
  }
  if (!runs.empty())
    llvm::append_range(runs.back(), pending);
  return runs;
}

struct SqueezeToCollapse : OpRewritePattern<SqueezeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SqueezeOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    int64_t rank = inputType.getRank();
    SmallVector<bool> removed(rank, false);
    if (op.getAxes().empty()) {
      for (int64_t d = 0; d < rank; ++d)
        removed[d] = inputType.getDimSize(d) == 1;
    } else {
      for (int64_t axis : op.getAxes())
        removed[*normalizeAxis(axis, rank)] = true;
    }
    if (!llvm::is_contained(removed, true)) {
      rewriter.replaceOp(op, castToResultType(rewriter, op.getLoc(),
                                              op.getInput(), op.getType()));
      return success();
    }
    // A dynamic dim squeezed away must be 1 at run time; the cast says so,
    // which the collapse needs. Any other size is an error, and a failed
    // squeeze reads a zero of the unit dims instead (a dim of 0 cast to 1
    // would read past the input).
    IndexMath m{rewriter, op.getLoc()};
    std::string what = describeONNXNode(op, "Squeeze");
    Value failed = rewriter.createOrFold<arith::ConstantIntOp>(
        m.loc, rewriter.getI1Type(), 0);
    SmallVector<int64_t> unitShape(inputType.getShape()), shape;
    SmallVector<OpFoldResult> unitSizes =
        getDimSizes(rewriter, m.loc, op.getInput());
    for (int64_t d = 0; d < rank; ++d) {
      if (!removed[d]) {
        shape.push_back(unitShape[d]);
        continue;
      }
      if (inputType.isDynamicDim(d)) {
        Value size = m.value(unitSizes[d]);
        Value notUnit = m.notEqual(size, m.constant(1));
        emitRuntimeCheck(rewriter, m.loc, notUnit,
                         what + ": Dimension of input {0} must be 1 instead "
                                "of {1}",
                         {m.constant(d), size});
        failed = m.either(failed, notUnit);
      }
      unitShape[d] = 1;
      unitSizes[d] = rewriter.getIndexAttr(1);
    }
    Value input = op.getInput();
    if (!matchPattern(failed, m_Zero()))
      input = zerosIfFailed(rewriter, m.loc, failed, input, unitSizes);
    input = castToResultType(
        rewriter, op.getLoc(), input,
        RankedTensorType::get(unitShape, inputType.getElementType()));
    Value result = tensor::CollapseShapeOp::create(
        rewriter, op.getLoc(),
        RankedTensorType::get(shape, inputType.getElementType()), input,
        unitDimRuns(removed));
    rewriter.replaceOp(op, castToResultType(rewriter, op.getLoc(), result,
                                            op.getType()));
    return success();
  }
};

struct UnsqueezeToExpand : OpRewritePattern<UnsqueezeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(UnsqueezeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    int64_t rank = inputType.getRank() + op.getAxes().size();
    SmallVector<bool> inserted(rank, false);
    for (int64_t axis : op.getAxes())
      inserted[*normalizeAxis(axis, rank)] = true;
    SmallVector<int64_t> shape;
    SmallVector<OpFoldResult> outputShape;
    int64_t next = 0;
    for (bool isInserted : inserted) {
      shape.push_back(isInserted ? 1 : inputType.getDimSize(next));
      outputShape.push_back(
          isInserted ? rewriter.getIndexAttr(1)
                     : getDimSize(rewriter, loc, op.getInput(), next++));
    }
    Value result = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(shape, inputType.getElementType()),
        op.getInput(), unitDimRuns(inserted), outputShape);
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// expand
//===----------------------------------------------------------------------===//

/// Numpy broadcasting of the input to the reified result shape. Input dims
/// known not to broadcast are read through the indexing map; a dynamic one
/// that may be 1 at run time (its target size is not a known 1) is read at
/// `dim == 1 ? 0 : i` with tensor.extract.
struct ExpandToGeneric : OpRewritePattern<ExpandOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ExpandOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    FailureOr<Value> empty = createEmptyResult(rewriter, op);
    if (failed(empty))
      return rewriter.notifyMatchFailure(op, "cannot reify the result shape");
    int64_t rank = resultType.getRank();
    int64_t offset = rank - inputType.getRank();
    int64_t shapeOffset = rank - op.getShape().getType().getDimSize(0);
    std::optional<SmallVector<std::optional<int64_t>>> targets =
        getPartialIntValues(op.getShape());

    enum class Read { Broadcast, Direct, AtRunTime };
    SmallVector<Read> reads;
    for (int64_t d = 0; d < inputType.getRank(); ++d) {
      int64_t size = inputType.getDimSize(d), s = d + offset - shapeOffset;
      bool keepsDim = s < 0 || (targets && (*targets)[s] == 1);
      if (size == 1)
        reads.push_back(Read::Broadcast);
      else if (!ShapedType::isDynamic(size) || keepsDim)
        reads.push_back(Read::Direct);
      else
        reads.push_back(Read::AtRunTime);
    }

    // Each input dim must broadcast to its target at run time; a failed run
    // still reads inside the input (below).
    IndexMath m{rewriter, loc};
    for (int64_t d = 0; d < inputType.getRank(); ++d) {
      int64_t s = d + offset - shapeOffset;
      if (s < 0 || inputType.getDimSize(d) == 1)
        continue;
      emitBroadcastableCheck(rewriter, loc,
                             m.value(getDimSize(rewriter, loc, input, d)),
                             m.extract(op.getShape(), {s}), d + offset,
                             describeONNXNode(op, "Expand"));
    }

    MLIRContext *context = rewriter.getContext();
    Value result;
    if (!llvm::is_contained(reads, Read::AtRunTime)) {
      SmallVector<AffineExpr> exprs;
      for (auto [d, read] : llvm::enumerate(reads))
        exprs.push_back(read == Read::Broadcast
                            ? getAffineConstantExpr(0, context)
                            : getAffineDimExpr(d + offset, context));
      result = buildIndexedGeneric(
          rewriter, loc, *empty, {input},
          {AffineMap::get(rank, 0, exprs, context)},
          [](OpBuilder &, Location, ValueRange args, ValueRange) {
            return args[0];
          });
    } else {
      // A dim that is neither 1 nor its target's size failed the check;
      // the reads stay below its size.
      SmallVector<Value> isOne, last;
      for (int64_t d = 0; d < inputType.getRank(); ++d) {
        if (reads[d] != Read::AtRunTime) {
          isOne.push_back(Value());
          last.push_back(Value());
          continue;
        }
        Value size = m.value(getDimSize(rewriter, loc, input, d));
        isOne.push_back(m.equal(size, m.constant(1)));
        last.push_back(m.sub(size, m.constant(1)));
      }
      result = buildIndexedGeneric(
          rewriter, loc, *empty, {}, {},
          [&](OpBuilder &b, Location l, ValueRange,
              ValueRange indices) -> Value {
            IndexMath bm{b, l};
            SmallVector<Value> position;
            for (auto [d, read] : llvm::enumerate(reads)) {
              Value i = indices[d + offset];
              if (read == Read::Broadcast)
                i = bm.constant(0);
              else if (read == Read::AtRunTime)
                i = bm.select(isOne[d], bm.constant(0), bm.min(i, last[d]));
              position.push_back(i);
            }
            return tensor::ExtractOp::create(b, l, input, position);
          });
    }
    rewriter.replaceOp(op, castToResultType(rewriter, loc, result, resultType));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrShapeOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ShapeToTensor, SizeToTensor, ConstantOfShapeToFill,
               RangeToGeneric, ReshapeToTensor, SqueezeToCollapse,
               UnsqueezeToExpand, ExpandToGeneric>(patterns.getContext());
}
