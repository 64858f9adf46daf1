//===- FuseRotary.cpp - Rotary position embeddings from their ops ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// LLaMA and GPT-NeoX rotate query and key heads as
//
//   x * cos + rotate_half(x) * sin,
//   rotate_half(x) = concat(-x[..., D/2:], x[..., :D/2])
//
// with [.., S, D] cos/sin tables whose two halves are equal (the angles are
// concatenated with themselves before the cos). That is the rotate-half
// form of xfmr.rotary_embedding with [B, S, D/2] caches: the first half of
// each table. The caches are derived where the tables are made: cos(f) for a
// table cos(concat(f, f)), or the first half of a constant table gathered by
// position ids (which become the op's position_ids).
//
// The tables broadcast against x in the exported graph ([1, S, D] tables
// serve every batch; a table of one position serves a whole sequence), so
// the caches are expanded to x's batch and sequence with the same numpy
// rules, unless their static shapes already match.
//
// ONNX Runtime's graph optimizations take the two halves of x with one split
// instead of two slices, and may leave D/2 computed from x's shape; both
// forms are accepted.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/DimProver.h"
#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrShapeInference.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"

#include <algorithm>
#include <optional>
#include <string>

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRFUSEROTARYPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static Operation *definingOpOr(Value v, Operation *fallback) {
  Operation *op = v.getDefiningOp();
  return op ? op : fallback;
}

/// The one value of a one-element integer tensor: a constant, or arithmetic
/// on static dims read off shapes (ONNX Runtime leaves D / 2 computed from
/// the shape when other dims are dynamic).
static std::optional<int64_t> getProvenScalarInt(Value v) {
  if (!v)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() != 1)
    return std::nullopt;
  if (std::optional<SmallVector<int64_t>> values = getConstantIntValues(v))
    return values->size() == 1 ? std::optional(values->front()) : std::nullopt;
  return DimProver().element(v, 0).constant;
}

/// The channels [begin, end) that `slice` takes from the last dim of its
/// input (of static size `dim`), when it slices that dim alone with step 1.
static std::optional<std::pair<int64_t, int64_t>> getLastDimRange(SliceOp slice,
                                                                  int64_t dim) {
  int64_t rank = slice.getInput().getType().getRank();
  std::optional<int64_t> axis = slice.getAxes()
                                    ? getProvenScalarInt(slice.getAxes())
                                    : std::optional<int64_t>(0);
  std::optional<int64_t> start = getProvenScalarInt(slice.getStarts());
  std::optional<int64_t> end = getProvenScalarInt(slice.getEnds());
  std::optional<int64_t> step = slice.getSteps()
                                    ? getProvenScalarInt(slice.getSteps())
                                    : std::optional<int64_t>(1);
  if (!axis || !start || !end || !step || *step != 1)
    return std::nullopt;
  if (normalizeAxis(*axis, rank) != rank - 1)
    return std::nullopt;
  // ONNX clamping: negative bounds count from the back.
  auto clamp = [&](int64_t i) {
    if (i < 0)
      i += dim;
    return std::clamp<int64_t>(i, 0, dim);
  };
  return std::pair(clamp(*start), clamp(*end));
}

/// The slice that defines `v`, if one does.
static SliceOp getSlice(Value v) { return v.getDefiningOp<SliceOp>(); }

/// The halves that rotate_half(x) concatenates: x[..., D/2:] (negated) and
/// x[..., :D/2]. Exporters take them with two slices; ONNX Runtime merges
/// the slices into one split.
struct RotateHalfParts {
  Value x;
  /// neg(high) is the concat's first input, low its second.
  Value high, low;
  NegOp neg;
  /// The split that makes both halves, if one does.
  SplitOp split;
};

/// Whether `concat` is shaped like rotate_half(x): concat(neg(slice(x)),
/// slice(x)) or concat(neg(split(x)#1), split(x)#0).
static std::optional<RotateHalfParts> getRotateHalfParts(ConcatOp concat) {
  if (concat.getInputs().size() != 2)
    return std::nullopt;
  auto neg = concat.getInputs()[0].getDefiningOp<NegOp>();
  if (!neg)
    return std::nullopt;
  Value high = neg.getInput(), low = concat.getInputs()[1];
  SliceOp highSlice = getSlice(high), lowSlice = getSlice(low);
  if (highSlice && lowSlice && highSlice.getInput() == lowSlice.getInput())
    return RotateHalfParts{lowSlice.getInput(), high, low, neg, {}};
  auto split = high.getDefiningOp<SplitOp>();
  if (split && split.getNumResults() == 2 && high == split.getResult(1) &&
      low == split.getResult(0))
    return RotateHalfParts{split.getInput(), high, low, neg, split};
  return std::nullopt;
}

/// The product `x * t` among `mul`'s operands, in either order: returns t.
static Value getOtherFactor(MulOp mul, Value x) {
  if (mul.getLhs() == x)
    return mul.getRhs();
  if (mul.getRhs() == x)
    return mul.getLhs();
  return {};
}

//===----------------------------------------------------------------------===//
// The cos/sin tables
//===----------------------------------------------------------------------===//

/// How a [.., S, D] table with equal halves is made, and so how to build its
/// first half.
struct HalfTable {
  enum class Kind { Trig, Gathered, Constant };
  Kind kind;
  /// Trig: the angles f [.., S, D/2] of cos/sin(concat(f, f)). Gathered:
  /// the constant cache [P, D]. Constant: the table [.., S, D].
  Value source;
  /// Gathered: the position ids [Bp, S].
  Value positions;
  /// Trig: whether the table is a cos (else a sin).
  bool isCos = false;
};

/// Whether every row of the f32 constant `attr` (last dim `dim`) has equal
/// halves.
static bool hasEqualHalves(ElementsAttr attr, int64_t dim) {
  if (!attr.getElementType().isF32() || dim % 2 != 0)
    return false;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat())
    return true;
  std::optional<ArrayRef<char>> raw = getWeightBytes(attr);
  if (!raw)
    return false;
  ArrayRef<float> data(reinterpret_cast<const float *>(raw->data()),
                       raw->size() / sizeof(float));
  if (static_cast<int64_t>(data.size()) != attr.getNumElements())
    return false;
  int64_t half = dim / 2;
  for (int64_t row = 0; row < static_cast<int64_t>(data.size()); row += dim)
    for (int64_t i = 0; i < half; ++i)
      if (llvm::bit_cast<uint32_t>(data[row + i]) !=
          llvm::bit_cast<uint32_t>(data[row + half + i]))
        return false;
  return true;
}

/// Reads a cos or sin table `table` used as `x * table` with x [B, H, S, D]:
/// [Bc, 1, S, D] (often the unsqueeze of a [Bc, S, D] table), [1, S, D] or
/// [S, D], with rows of equal halves.
static FailureOr<HalfTable> matchTable(Value table, int64_t headDim,
                                       StringRef name, Operation *user,
                                       FusionMiss &why) {
  auto type = cast<RankedTensorType>(table.getType());
  Operation *at = definingOpOr(table, user);
  int64_t rank = type.getRank();
  // A table of rank 3 broadcasts its first dim against the heads.
  if (rank < 2 || rank > 4 || type.getShape().back() != headDim ||
      (rank == 4 && type.getDimSize(1) != 1) ||
      (rank == 3 && type.getDimSize(0) != 1))
    return why.fail(
        "the " + name + " table is not [B, 1, S, D] with the head dim", at);
  Value t = table;
  if (auto unsqueeze = t.getDefiningOp<UnsqueezeOp>())
    if (rank == 4 && unsqueeze.getAxes().size() == 1 &&
        normalizeAxis(unsqueeze.getAxes()[0], 4) == 1)
      t = unsqueeze.getInput();
  at = definingOpOr(t, user);
  int64_t half = headDim / 2;

  // cos(concat(f, f)) or sin(concat(f, f)) on the last axis.
  Operation *trig = t.getDefiningOp();
  if (isa_and_present<CosOp, SinOp>(trig)) {
    bool isCos = isa<CosOp>(trig);
    if (isCos != (name == "cos"))
      return why.fail("the " + name + " table is a " +
                          trig->getName().stripDialect(),
                      trig);
    auto concat = trig->getOperand(0).getDefiningOp<ConcatOp>();
    if (!concat || concat.getInputs().size() != 2 ||
        concat.getInputs()[0] != concat.getInputs()[1] ||
        normalizeAxis(concat.getAxis(), concat.getType().getRank()) !=
            concat.getType().getRank() - 1)
      return why.fail("the " + name +
                          " table's angles are not concat(f, f) on the last "
                          "axis",
                      definingOpOr(trig->getOperand(0), trig));
    Value f = concat.getInputs()[0];
    if (cast<RankedTensorType>(f.getType()).getShape().back() != half)
      return why.fail("the " + name + " table's angles are not D/2 wide",
                      concat);
    return HalfTable{HalfTable::Kind::Trig, f, {}, isCos};
  }

  // A constant cache gathered by position ids.
  if (auto gather = t.getDefiningOp<GatherOp>()) {
    ElementsAttr cache;
    if (gather.getAxis() != 0 || gather.getInput().getType().getRank() != 2 ||
        !matchPattern(gather.getInput(), m_Constant(&cache)))
      return why.fail("the " + name +
                          " table gathers rows of something other than a "
                          "constant [P, D] cache",
                      gather);
    if (gather.getType().getRank() != 3)
      return why.fail("the " + name + " table's position ids are not [B, S]",
                      gather);
    if (!hasEqualHalves(cache, headDim))
      return why.fail("the " + name + " cache's rows do not have equal halves",
                      gather);
    return HalfTable{HalfTable::Kind::Gathered, gather.getInput(),
                     gather.getIndices()};
  }

  // A constant table.
  ElementsAttr constant;
  if (matchPattern(t, m_Constant(&constant))) {
    if (!hasEqualHalves(constant, headDim))
      return why.fail("the " + name + " table's rows do not have equal halves",
                      at);
    return HalfTable{HalfTable::Kind::Constant, t, {}};
  }
  return why.fail("the " + name +
                      " table is neither cos/sin(concat(f, f)), a gathered "
                      "constant nor a constant",
                  at);
}

//===----------------------------------------------------------------------===//
// The matcher
//===----------------------------------------------------------------------===//

struct RotaryMatch {
  /// The add that computes x * cos + rotate_half(x) * sin, or the concat
  /// that appends the channels passed through to it.
  Operation *root;
  Value input;
  /// The channels rotated: all of x's head dim, or the first of `input`'s.
  int64_t rotaryDim;
  /// Whether `input` has more channels than `rotaryDim` (partial rotary).
  bool partial;
  HalfTable cos, sin;
};

/// Partial rotary (GPT-NeoX's rotary_pct, Phi): `concat(rope(x[..., :R]),
/// x[..., R:])`. Returns the full x and the concat when `rotated` (the
/// result of rotating `x`) sits in one.
static std::optional<std::pair<Value, ConcatOp>>
matchPassThrough(Value x, Value rotated, unsigned rotationUsers) {
  if (!rotated.hasOneUse())
    return std::nullopt;
  // x's users are the rotation's, which goes away.
  if (!llvm::hasNItems(x.getUsers(), rotationUsers))
    return std::nullopt;
  auto concat = dyn_cast<ConcatOp>(*rotated.getUsers().begin());
  if (!concat || concat.getInputs().size() != 2 ||
      concat.getInputs()[0] != rotated ||
      normalizeAxis(concat.getAxis(), 4) != 3)
    return std::nullopt;
  Value pass = concat.getInputs()[1];
  if (!pass.hasOneUse())
    return std::nullopt;
  int64_t rotaryDim = cast<RankedTensorType>(x.getType()).getShape().back();

  // ONNX Runtime's form: split(x, [R, D - R]).
  if (auto split = x.getDefiningOp<SplitOp>()) {
    Value full = split.getInput();
    int64_t dim = cast<RankedTensorType>(full.getType()).getShape().back();
    if (split.getNumResults() != 2 || x != split.getResult(0) ||
        pass != split.getResult(1) || ShapedType::isDynamic(dim) ||
        normalizeAxis(split.getAxis(), 4) != 3 ||
        split.getSizes() != ArrayRef<int64_t>({rotaryDim, dim - rotaryDim}) ||
        concat.getType() != full.getType())
      return std::nullopt;
    return std::pair(full, concat);
  }

  SliceOp rotarySlice = getSlice(x);
  if (!rotarySlice)
    return std::nullopt;
  Value full = rotarySlice.getInput();
  int64_t dim = cast<RankedTensorType>(full.getType()).getShape().back();
  if (ShapedType::isDynamic(dim) ||
      getLastDimRange(rotarySlice, dim) !=
          std::pair<int64_t, int64_t>(0, rotaryDim) ||
      concat.getType() != full.getType())
    return std::nullopt;
  SliceOp passSlice = getSlice(pass);
  if (!passSlice || passSlice.getInput() != full ||
      getLastDimRange(passSlice, dim) != std::pair(rotaryDim, dim))
    return std::nullopt;
  return std::pair(full, concat);
}

/// Matches the rotary embedding around `rotate` = rotate_half(x).
static FailureOr<RotaryMatch> matchRotary(ConcatOp rotate, FusionMiss &why) {
  std::optional<RotateHalfParts> parts = getRotateHalfParts(rotate);
  if (!parts)
    return why.fail("not concat(-x[..., D/2:], x[..., :D/2])", rotate);
  Value x = parts->x;
  auto xType = cast<RankedTensorType>(x.getType());
  if (xType.getRank() != 4)
    return why.fail("the rotated value is not [B, H, S, D]", rotate);
  int64_t headDim = xType.getDimSize(3);
  if (ShapedType::isDynamic(headDim) || headDim % 2 != 0)
    return why.fail("the head dim is not static and even", rotate);
  int64_t half = headDim / 2;
  if (normalizeAxis(rotate.getAxis(), 4) != 3)
    return why.fail("rotate_half does not concatenate on the last axis",
                    rotate);

  if (SplitOp split = parts->split) {
    if (normalizeAxis(split.getAxis(), 4) != 3 ||
        split.getSizes() != ArrayRef<int64_t>({half, half}))
      return why.fail("the split is not x[..., :D/2], x[..., D/2:]", split);
  } else {
    SliceOp high = getSlice(parts->high), low = getSlice(parts->low);
    if (getLastDimRange(high, headDim) != std::pair(half, headDim))
      return why.fail("the negated slice is not x[..., D/2:]", high);
    if (getLastDimRange(low, headDim) != std::pair<int64_t, int64_t>(0, half))
      return why.fail("the second slice is not x[..., :D/2]", low);
  }
  for (Value part : {parts->high, Value(parts->neg.getResult()), parts->low})
    if (!part.hasOneUse())
      return why.fail("a part of rotate_half(x) has other users",
                      part.getDefiningOp());

  // rotate_half(x) * sin
  Value rotated = rotate.getResult();
  if (!rotated.hasOneUse())
    return why.fail("rotate_half(x) has other users", rotate);
  auto sinMul = dyn_cast<MulOp>(*rotated.getUsers().begin());
  if (!sinMul)
    return why.fail("rotate_half(x) is not multiplied by a sin table",
                    *rotated.getUsers().begin());
  Value sinTable = getOtherFactor(sinMul, rotated);
  if (!sinMul.getResult().hasOneUse())
    return why.fail("rotate_half(x) * sin has other users", sinMul);

  // x * cos + rotate_half(x) * sin
  auto add = dyn_cast<AddOp>(*sinMul.getResult().getUsers().begin());
  if (!add)
    return why.fail("rotate_half(x) * sin is not added to x * cos",
                    *sinMul.getResult().getUsers().begin());
  Value other =
      add.getLhs() == sinMul.getResult() ? add.getRhs() : add.getLhs();
  auto cosMul = other.getDefiningOp<MulOp>();
  Value cosTable = cosMul ? getOtherFactor(cosMul, x) : Value();
  if (!cosTable)
    return why.fail("rotate_half(x) * sin is not added to x * cos", add);
  if (!cosMul.getResult().hasOneUse())
    return why.fail("x * cos has other users", cosMul);
  if (add.getType() != xType)
    return why.fail("the tables broadcast the result to another shape", add);

  FailureOr<HalfTable> cos = matchTable(cosTable, headDim, "cos", cosMul, why);
  if (failed(cos))
    return failure();
  FailureOr<HalfTable> sin = matchTable(sinTable, headDim, "sin", sinMul, why);
  if (failed(sin))
    return failure();
  if (cos->kind != sin->kind)
    return why.fail("the cos and sin tables are made in different ways", add);
  if (cos->kind == HalfTable::Kind::Gathered &&
      cos->positions != sin->positions)
    return why.fail("the cos and sin tables gather different positions", add);
  // The op takes caches of one type.
  if (cosTable.getType() != sinTable.getType() ||
      cos->source.getType() != sin->source.getType())
    return why.fail("the cos and sin tables have different shapes", add);
  // x feeds the cos product and the slices or the split of rotate_half.
  unsigned rotationUsers = parts->split ? 2 : 3;
  if (auto partial = matchPassThrough(x, add.getResult(), rotationUsers))
    return RotaryMatch{
        partial->second, partial->first, headDim, true, *cos, *sin};
  return RotaryMatch{add, x, headDim, false, *cos, *sin};
}

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

/// Builds the op's operands from the tables, next to the rotation.
class CacheBuilder {
public:
  CacheBuilder(PatternRewriter &rewriter, Location loc, Value x, int64_t half)
      : rewriter(rewriter), loc(loc), x(x), half(half) {}

  /// The [B, S, D/2] cache (or [P, D/2] with position ids) of a table.
  Value buildCache(const HalfTable &table) {
    Value cache;
    switch (table.kind) {
    case HalfTable::Kind::Trig:
      cache = table.isCos ? Value(CosOp::create(rewriter, loc, table.source))
                          : Value(SinOp::create(rewriter, loc, table.source));
      break;
    case HalfTable::Kind::Gathered:
      return sliceFirstHalf(table.source);
    case HalfTable::Kind::Constant:
      cache = sliceFirstHalf(table.source);
      break;
    }
    return broadcastToBatchAndSequence(toRank3(cache), /*withHalf=*/true);
  }

  /// Position ids [Bp, Sp] broadcast to [B, S].
  Value buildPositions(Value ids) {
    return broadcastToBatchAndSequence(ids, /*withHalf=*/false);
  }

private:
  Value i64Tensor(ArrayRef<int64_t> values) {
    return ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({static_cast<int64_t>(values.size())},
                                  rewriter.getI64Type()),
            values));
  }

  /// Dim `dim` of x as a 1-element i64 tensor.
  Value getDim(int64_t dim) {
    int64_t size = cast<RankedTensorType>(x.getType()).getDimSize(dim);
    if (!ShapedType::isDynamic(size))
      return i64Tensor({size});
    return ShapeOp::create(
        rewriter, loc, RankedTensorType::get({1}, rewriter.getI64Type()), x,
        rewriter.getI64IntegerAttr(dim), rewriter.getI64IntegerAttr(dim + 1));
  }

  /// `v` broadcast to `[x.dim(0), x.dim(2)]` (then D/2 with `withHalf`)
  /// with numpy rules, unless its static shape already is that.
  Value broadcastToBatchAndSequence(Value v, bool withHalf) {
    auto type = cast<RankedTensorType>(v.getType());
    auto xType = cast<RankedTensorType>(x.getType());
    auto isStaticDim = [](int64_t a, int64_t b) {
      return !ShapedType::isDynamic(a) && a == b;
    };
    if (isStaticDim(type.getDimSize(0), xType.getDimSize(0)) &&
        isStaticDim(type.getDimSize(1), xType.getDimSize(2)))
      return v;
    Value &shape = withHalf ? cacheShape : positionsShape;
    if (!shape) {
      SmallVector<Value> parts = {getDim(0), getDim(2)};
      if (withHalf)
        parts.push_back(i64Tensor({half}));
      shape = ConcatOp::create(rewriter, loc, parts, /*axis=*/0);
    }
    return ExpandOp::create(rewriter, loc, v, shape);
  }

  /// A [.., D] -> [.., D/2] slice of the last dim.
  Value sliceFirstHalf(Value v) {
    return SliceOp::create(rewriter, loc, v, i64Tensor({0}), i64Tensor({half}),
                           i64Tensor({-1}), Value());
  }

  /// A cache of [Bc, 1, S, D/2], [Bc, S, D/2] or [S, D/2] as [Bc, S, D/2].
  Value toRank3(Value cache) {
    switch (cast<RankedTensorType>(cache.getType()).getRank()) {
    case 4:
      return SqueezeOp::create(rewriter, loc, cache,
                               rewriter.getDenseI64ArrayAttr({1}));
    case 2:
      return UnsqueezeOp::create(rewriter, loc, cache,
                                 rewriter.getDenseI64ArrayAttr({0}));
    default:
      return cache;
    }
  }

  PatternRewriter &rewriter;
  Location loc;
  Value x;
  int64_t half;
  Value cacheShape, positionsShape;
};

struct FuseRotateHalf : public OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConcatOp rotate,
                                PatternRewriter &rewriter) const override {
    FusionMiss why;
    FailureOr<RotaryMatch> m = matchRotary(rotate, why);
    if (failed(m))
      return rewriter.notifyMatchFailure(rotate, why.reason);
    Location loc = rewriter.getFusedLoc({m->root->getLoc(), rotate.getLoc()});
    rewriter.setInsertionPoint(m->root);
    CacheBuilder builder(rewriter, loc, m->input, m->rotaryDim / 2);
    Value cos = builder.buildCache(m->cos);
    Value sin = builder.buildCache(m->sin);
    Value positions;
    if (m->cos.kind == HalfTable::Kind::Gathered)
      positions = builder.buildPositions(m->cos.positions);
    auto fused = RotaryEmbeddingOp::create(
        rewriter, loc, m->input.getType(), m->input, cos, sin, positions,
        /*interleaved=*/false,
        /*rotary_embedding_dim=*/m->partial ? m->rotaryDim : 0,
        /*num_heads=*/0);
    rewriter.replaceOp(m->root, fused);
    return success();
  }
};

struct FuseRotaryPass
    : public xfmr::impl::XfmrFuseRotaryPassBase<FuseRotaryPass> {
  using XfmrFuseRotaryPassBase::XfmrFuseRotaryPassBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<FuseRotateHalf>(context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (!explain)
      return;
    getOperation().walk([](ConcatOp concat) {
      if (!getRotateHalfParts(concat))
        return;
      FusionMiss why;
      if (failed(matchRotary(concat, why)))
        why.note(concat, "rotary_embedding");
    });
  }
};

} // namespace
