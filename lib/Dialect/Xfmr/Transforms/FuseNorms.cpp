//===- FuseNorms.cpp - LayerNorm and RMSNorm from their decomposition -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Exporters that predate ONNX LayerNormalization (or never use it, as for
// RMSNorm) spell a norm out op by op. The matcher anchors on the
// xfmr.reduce_mean that starts the block: the mean of a LayerNorm (whose
// input is then centred by a sub) or the mean of squares of an RMSNorm, and
// walks the chain down to the optional scale and bias.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRFUSENORMSPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

namespace {

//===----------------------------------------------------------------------===//
// Dynamic dims that are provably equal
//===----------------------------------------------------------------------===//

/// Where a dynamic dim comes from: the value and dim past which it cannot
/// be traced. Two dims with the same origin are equal at run time.
using DimOrigin = std::pair<Value, int64_t>;

constexpr unsigned kMaxTraceDepth = 64;

DimOrigin traceDim(Value value, int64_t dim, unsigned depth);

/// The dim that entry `index` of the 1-D shape tensor `shape` reads, where
/// the shape is built from `xfmr.shape` reads (concat, unsqueeze, gather,
/// squeeze, slice of them).
std::optional<DimOrigin> traceShapeEntry(Value shape, int64_t index,
                                         unsigned depth);

/// The dim that the 0-D integer `scalar` reads.
std::optional<DimOrigin> traceScalar(Value scalar, unsigned depth) {
  if (depth > kMaxTraceDepth)
    return std::nullopt;
  Operation *def = scalar.getDefiningOp();
  if (auto gather = dyn_cast_if_present<GatherOp>(def)) {
    auto index = getConstantIntValues(gather.getIndices());
    auto inputType = cast<RankedTensorType>(gather.getInput().getType());
    if (!index || index->size() != 1 || inputType.getRank() != 1 ||
        !inputType.hasStaticShape())
      return std::nullopt;
    int64_t i = (*index)[0];
    if (i < 0)
      i += inputType.getDimSize(0);
    return traceShapeEntry(gather.getInput(), i, depth + 1);
  }
  if (auto squeeze = dyn_cast_if_present<SqueezeOp>(def))
    return traceShapeEntry(squeeze.getInput(), 0, depth + 1);
  return std::nullopt;
}

std::optional<DimOrigin> traceShapeEntry(Value shape, int64_t index,
                                         unsigned depth) {
  if (depth > kMaxTraceDepth)
    return std::nullopt;
  Operation *def = shape.getDefiningOp();
  if (auto shapeOp = dyn_cast_if_present<ShapeOp>(def)) {
    auto inputType = cast<RankedTensorType>(shapeOp.getInput().getType());
    int64_t rank = inputType.getRank();
    int64_t start = shapeOp.getStart().value_or(0);
    if (start < 0)
      start += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    int64_t dim = start + index;
    if (dim >= rank)
      return std::nullopt;
    return traceDim(shapeOp.getInput(), dim, depth + 1);
  }
  if (auto concat = dyn_cast_if_present<ConcatOp>(def)) {
    for (Value piece : concat.getInputs()) {
      auto type = cast<RankedTensorType>(piece.getType());
      if (type.getRank() != 1 || type.isDynamicDim(0))
        return std::nullopt;
      if (index < type.getDimSize(0))
        return traceShapeEntry(piece, index, depth + 1);
      index -= type.getDimSize(0);
    }
    return std::nullopt;
  }
  if (auto unsqueeze = dyn_cast_if_present<UnsqueezeOp>(def)) {
    if (index != 0 ||
        cast<RankedTensorType>(unsqueeze.getInput().getType()).getRank() != 0)
      return std::nullopt;
    return traceScalar(unsqueeze.getInput(), depth + 1);
  }
  if (auto slice = dyn_cast_if_present<SliceOp>(def)) {
    auto starts = getConstantIntValues(slice.getStarts());
    auto inputType = cast<RankedTensorType>(slice.getInput().getType());
    if (!starts || starts->size() != 1 || !inputType.hasStaticShape())
      return std::nullopt;
    if (Value steps = slice.getSteps()) {
      auto step = getConstantIntValues(steps);
      if (!step || step->size() != 1 || (*step)[0] != 1)
        return std::nullopt;
    }
    int64_t start = (*starts)[0];
    if (start < 0)
      start += inputType.getDimSize(0);
    start = std::clamp<int64_t>(start, 0, inputType.getDimSize(0));
    return traceShapeEntry(slice.getInput(), start + index, depth + 1);
  }
  return std::nullopt;
}

/// Traces a dim of a broadcasting op: the operands that have the dim (not
/// as a static 1) must all trace to one origin.
std::optional<DimOrigin> traceBroadcastDim(ValueRange operands,
                                           int64_t resultRank, int64_t dim,
                                           unsigned depth) {
  std::optional<DimOrigin> origin;
  for (Value operand : operands) {
    auto type = cast<RankedTensorType>(operand.getType());
    int64_t i = dim - (resultRank - type.getRank());
    if (i < 0 || type.getDimSize(i) == 1)
      continue;
    if (!type.isDynamicDim(i))
      return std::nullopt;
    DimOrigin here = traceDim(operand, i, depth + 1);
    if (origin && *origin != here)
      return std::nullopt;
    origin = here;
  }
  return origin;
}

/// The name a function argument's dim has in the model's signature
/// (`xfmr.dims`); empty when it has none.
StringRef getDimName(BlockArgument arg, int64_t dim) {
  auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!func || arg.getOwner() != &func.getBody().front())
    return {};
  auto names = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), "xfmr.dims");
  if (!names || dim >= static_cast<int64_t>(names.size()))
    return {};
  auto name = dyn_cast<StringAttr>(names[dim]);
  return name ? name.getValue() : StringRef();
}

/// Function arguments' dims with the same name are equal: the runtime
/// checks the inputs against each other. The origin is the first of them.
DimOrigin traceArgumentDim(BlockArgument arg, int64_t dim) {
  StringRef name = getDimName(arg, dim);
  if (name.empty())
    return {arg, dim};
  for (BlockArgument other : arg.getOwner()->getArguments()) {
    auto type = dyn_cast<RankedTensorType>(other.getType());
    if (!type)
      continue;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d) && getDimName(other, d) == name)
        return {other, d};
  }
  return {arg, dim};
}

/// A dim as a static size or, when dynamic, its origin.
struct DimTerm {
  int64_t size = ShapedType::kDynamic;
  std::optional<DimOrigin> origin;
};

DimTerm termOf(Value value, int64_t dim, unsigned depth) {
  int64_t size = cast<RankedTensorType>(value.getType()).getDimSize(dim);
  if (!ShapedType::isDynamic(size))
    return {size, std::nullopt};
  return {size, traceDim(value, dim, depth + 1)};
}

/// Dim `dim` of a reshape's result: a copied input dim (`0`), an entry read
/// from a shape, or the `-1` entry when the other entries account for all
/// input dims but one.
std::optional<DimOrigin> traceReshapeDim(ReshapeOp op, int64_t dim,
                                         unsigned depth) {
  auto entries = getPartialIntValues(op.getShape());
  if (!entries)
    return std::nullopt;
  Value input = op.getInput();
  int64_t inputRank = cast<RankedTensorType>(input.getType()).getRank();
  // An entry as a term; std::nullopt for `-1` or an unknown one.
  auto entryTerm = [&](int64_t i) -> std::optional<DimTerm> {
    std::optional<int64_t> entry = (*entries)[i];
    if (!entry) {
      std::optional<DimOrigin> origin =
          traceShapeEntry(op.getShape(), i, depth + 1);
      if (!origin)
        return std::nullopt;
      return DimTerm{ShapedType::kDynamic, origin};
    }
    if (*entry == 0 && !op.getAllowzero()) {
      if (i >= inputRank)
        return std::nullopt;
      return termOf(input, i, depth);
    }
    if (*entry < 0)
      return std::nullopt;
    return DimTerm{*entry, std::nullopt};
  };
  std::optional<int64_t> own = (*entries)[dim];
  if (!own || *own != -1) {
    std::optional<DimTerm> term = entryTerm(dim);
    if (!term)
      return std::nullopt;
    return term->origin;
  }
  // The inferred entry: cancel every other entry against the input's dims.
  SmallVector<DimTerm> remaining;
  for (int64_t i = 0; i < inputRank; ++i)
    remaining.push_back(termOf(input, i, depth));
  int64_t staticOut = 1;
  for (int64_t i = 0, e = entries->size(); i < e; ++i) {
    if (i == dim)
      continue;
    std::optional<DimTerm> term = entryTerm(i);
    if (!term)
      return std::nullopt;
    if (!term->origin) {
      staticOut *= term->size;
      continue;
    }
    auto it = llvm::find_if(remaining, [&](const DimTerm &t) {
      return t.origin == term->origin;
    });
    if (it == remaining.end())
      return std::nullopt;
    remaining.erase(it);
  }
  int64_t staticIn = 1;
  std::optional<DimOrigin> left;
  for (const DimTerm &t : remaining) {
    if (!t.origin) {
      staticIn *= t.size;
      continue;
    }
    if (left)
      return std::nullopt;
    left = t.origin;
  }
  if (!left || staticIn != staticOut)
    return std::nullopt;
  return left;
}

DimOrigin traceDim(Value value, int64_t dim, unsigned depth) {
  DimOrigin opaque{value, dim};
  if (auto arg = dyn_cast<BlockArgument>(value))
    return traceArgumentDim(arg, dim);
  Operation *def = value.getDefiningOp();
  if (!def || depth > kMaxTraceDepth)
    return opaque;
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  auto sameAs = [&](Value operand, int64_t d) {
    return traceDim(operand, d, depth + 1);
  };
  std::optional<DimOrigin> traced =
      llvm::TypeSwitch<Operation *, std::optional<DimOrigin>>(def)
          .Case<NegOp, AbsOp, ExpOp, LogOp, SqrtOp, RsqrtOp, ReciprocalOp,
                TanhOp, ErfOp, SigmoidOp, ReluOp, SiluOp, SinOp, CosOp,
                FloorOp, CeilOp, NotOp, LeakyReluOp, ClipOp, GeluOp, SoftmaxOp,
                LogSoftmaxOp, LayerNormOp, RmsNormOp, CastOp, TriluOp,
                CumSumOp>([&](Operation *op) -> std::optional<DimOrigin> {
            return sameAs(op->getOperand(0), dim);
          })
          .Case<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, WhereOp>(
              [&](Operation *op) {
                return traceBroadcastDim(op->getOperands(), rank, dim, depth);
              })
          .Case([&](TransposeOp op) -> std::optional<DimOrigin> {
            return sameAs(op.getInput(), op.getPermutation()[dim]);
          })
          .Case([&](ReshapeOp op) -> std::optional<DimOrigin> {
            return traceReshapeDim(op, dim, depth);
          })
          .Case([&](GatherOp op) -> std::optional<DimOrigin> {
            auto inputType = cast<RankedTensorType>(op.getInput().getType());
            auto indicesType =
                cast<RankedTensorType>(op.getIndices().getType());
            std::optional<int64_t> axis =
                normalizeAxis(op.getAxis(), inputType.getRank());
            if (!axis)
              return std::nullopt;
            if (dim < *axis)
              return sameAs(op.getInput(), dim);
            if (dim < *axis + indicesType.getRank())
              return sameAs(op.getIndices(), dim - *axis);
            return sameAs(op.getInput(), dim - indicesType.getRank() + 1);
          })
          .Case([&](MatMulOp op) -> std::optional<DimOrigin> {
            auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
            auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
            if (lhsType.getRank() < 2 || rhsType.getRank() < 2)
              return std::nullopt;
            if (dim == rank - 1)
              return sameAs(op.getRhs(), rhsType.getRank() - 1);
            if (dim == rank - 2)
              return sameAs(op.getLhs(), lhsType.getRank() - 2);
            // Batch dims broadcast like an elementwise op's, without the
            // matrix dims.
            std::optional<DimOrigin> origin;
            for (auto [operand, type] :
                 {std::pair{op.getLhs(), lhsType}, {op.getRhs(), rhsType}}) {
              int64_t i = dim - (rank - type.getRank());
              if (i < 0 || type.getDimSize(i) == 1)
                continue;
              if (!type.isDynamicDim(i))
                return std::nullopt;
              DimOrigin here = sameAs(operand, i);
              if (origin && *origin != here)
                return std::nullopt;
              origin = here;
            }
            return origin;
          })
          .Case<ReduceMeanOp, ReduceSumOp, ReduceMaxOp, ReduceMinOp>(
              [&](auto op) -> std::optional<DimOrigin> {
                auto inputType =
                    cast<RankedTensorType>(op.getInput().getType());
                if (!op.getKeepdims() ||
                    inputType.getRank() != rank || op.getAxes().empty())
                  return std::nullopt;
                for (int64_t axis : op.getAxes())
                  if (normalizeAxis(axis, rank) == dim)
                    return std::nullopt;
                return sameAs(op.getInput(), dim);
              })
          .Case([&](UnsqueezeOp op) -> std::optional<DimOrigin> {
            // Result dims that are not inserted come from the input, in order.
            SmallVector<bool> inserted(rank, false);
            for (int64_t axis : op.getAxes()) {
              std::optional<int64_t> a = normalizeAxis(axis, rank);
              if (!a)
                return std::nullopt;
              inserted[*a] = true;
            }
            if (inserted[dim])
              return std::nullopt;
            int64_t source = llvm::count(ArrayRef(inserted).take_front(dim),
                                         false);
            return sameAs(op.getInput(), source);
          })
          .Case([&](ExpandOp op) -> std::optional<DimOrigin> {
            // Broadcast of the input's dim and the shape's entry.
            auto inputType = cast<RankedTensorType>(op.getInput().getType());
            std::optional<DimOrigin> origin;
            int64_t i = dim - (rank - inputType.getRank());
            if (i >= 0 && inputType.getDimSize(i) != 1) {
              if (!inputType.isDynamicDim(i))
                return std::nullopt;
              origin = sameAs(op.getInput(), i);
            }
            if (auto entries = getPartialIntValues(op.getShape()))
              if ((*entries)[dim] == 1)
                return origin;
            std::optional<DimOrigin> entry =
                traceShapeEntry(op.getShape(), dim, depth + 1);
            if (!entry || (origin && *origin != *entry))
              return std::nullopt;
            return entry;
          })
          .Case([&](RangeOp op) -> std::optional<DimOrigin> {
            // range(0, n, 1) has n elements.
            auto start = getConstantIntValues(op.getStart());
            auto delta = getConstantIntValues(op.getDelta());
            if (!start || !delta || start->size() != 1 || delta->size() != 1 ||
                (*start)[0] != 0 || (*delta)[0] != 1)
              return std::nullopt;
            return traceScalar(op.getLimit(), depth + 1);
          })
          .Case([&](GatherElementsOp op) -> std::optional<DimOrigin> {
            return sameAs(op.getIndices(), dim);
          })
          .Case([&](LinearOp op) -> std::optional<DimOrigin> {
            if (dim == rank - 1)
              return std::nullopt;
            return sameAs(op.getInput(), dim);
          })
          .Case([&](MlpOp op) -> std::optional<DimOrigin> {
            if (dim == rank - 1)
              return std::nullopt;
            return sameAs(op.getInput(), dim);
          })
          .Default([](Operation *) { return std::nullopt; });
  return traced.value_or(opaque);
}

/// Whether dim `i` of `a` and dim `j` of `b` are equal at run time.
bool provablySameDim(Value a, int64_t i, Value b, int64_t j) {
  int64_t x = cast<RankedTensorType>(a.getType()).getDimSize(i);
  int64_t y = cast<RankedTensorType>(b.getType()).getDimSize(j);
  if (!ShapedType::isDynamic(x) || !ShapedType::isDynamic(y))
    return x == y;
  return traceDim(a, i, 0) == traceDim(b, j, 0);
}

/// Whether `a` and `b` have the same type and provably the same shape.
bool provablySameShape(Value a, Value b) {
  if (a.getType() != b.getType())
    return false;
  int64_t rank = cast<RankedTensorType>(a.getType()).getRank();
  for (int64_t d = 0; d < rank; ++d)
    if (!provablySameDim(a, d, b, d))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// The value of a constant whose elements are all the same float.
std::optional<double> getSplatFloat(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// `value` is within a few f32 ulp of `target`.
bool isNear(double value, double target) {
  double tolerance =
      4 * std::numeric_limits<float>::epsilon() * std::max(1.0, std::abs(target));
  return std::abs(value - target) <= tolerance;
}

bool isSplatNear(Value value, double target) {
  std::optional<double> v = getSplatFloat(value);
  return v && isNear(*v, target);
}

/// The other operand of a binary op that has `operand` on one side.
Value otherOperand(Operation *op, Value operand) {
  if (op->getOperand(0) == operand)
    return op->getOperand(1);
  if (op->getOperand(1) == operand)
    return op->getOperand(0);
  return nullptr;
}

/// The value before an identity xfmr.cast (f32 to f32, which some exporters
/// write around an RMSNorm), or `value` itself.
Value skipIdentityCastUp(Value value) {
  if (auto cast = value.getDefiningOp<CastOp>())
    if (cast.getInput().getType() == cast.getType())
      return cast.getInput();
  return value;
}

/// The single user of `value`, if it has exactly one use.
Operation *singleUser(Value value) {
  return value.hasOneUse() ? *value.getUsers().begin() : nullptr;
}

/// `value`, or the identity cast that is its only user.
Value skipIdentityCastDown(Value value) {
  if (auto cast = dyn_cast_if_present<CastOp>(singleUser(value)))
    if (cast.getInput().getType() == cast.getType())
      return cast.getResult();
  return value;
}

//===----------------------------------------------------------------------===//
// The matcher
//===----------------------------------------------------------------------===//

/// The scale and shift of one norm, and the op whose result it replaces.
struct NormHead {
  Value scale;
  Value bias;
  Operation *root = nullptr;
};

/// A norm found in the graph. Norms of one input whose statistics were
/// shared (CSE'd, as in a parallel-residual block where attention and MLP
/// each normalise the layer's input) share everything up to their scales:
/// one head each.
struct NormMatch {
  bool centred = false;
  Value input;
  SmallVector<NormHead, 1> heads;
  int64_t axis = 0;
  float epsilon = 0;
};

/// Why a candidate did not match.
struct Miss {
  /// Whether the reduce_mean is a candidate at all; plainly unrelated
  /// reductions are not reported.
  bool candidate = false;
  bool centred = false;
  std::string reason;
  Operation *culprit = nullptr;
};

/// `x`, squared by pow(x, 2) or mul(x, x): the square op, or null.
Operation *getSquare(Value value) {
  Operation *def = value.getDefiningOp();
  if (auto pow = dyn_cast_if_present<PowOp>(def))
    return isSplatNear(pow.getRhs(), 2.0) ? pow.getOperation() : nullptr;
  if (auto mul = dyn_cast_if_present<MulOp>(def))
    return mul.getLhs() == mul.getRhs() ? mul.getOperation() : nullptr;
  return nullptr;
}

/// The first axis of a reduction over exactly the trailing dims, with the
/// reduced dims kept.
std::optional<int64_t> getTrailingAxis(ReduceMeanOp op) {
  int64_t rank = cast<RankedTensorType>(op.getInput().getType()).getRank();
  if (!op.getKeepdims() || rank == 0)
    return std::nullopt;
  if (op.getAxes().empty())
    return 0;
  SmallVector<int64_t> axes;
  for (int64_t axis : op.getAxes()) {
    std::optional<int64_t> a = normalizeAxis(axis, rank);
    if (!a)
      return std::nullopt;
    axes.push_back(*a);
  }
  llvm::sort(axes);
  int64_t first = rank - static_cast<int64_t>(axes.size());
  for (auto [i, axis] : llvm::enumerate(axes))
    if (axis != first + static_cast<int64_t>(i))
      return std::nullopt;
  return first;
}

/// Whether `param` can scale or shift the normalised dims `[axis, rank)`
/// of `input`: its dims line up with them, with only 1s before them.
bool fitsNormalisedDims(Value param, Value input, int64_t axis) {
  auto paramType = cast<RankedTensorType>(param.getType());
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  if (paramType.getElementType() != inputType.getElementType() ||
      paramType.getRank() > rank || paramType.getRank() < rank - axis)
    return false;
  int64_t offset = rank - paramType.getRank();
  for (int64_t i = 0; i < paramType.getRank(); ++i) {
    int64_t d = i + offset;
    if (d < axis ? paramType.getDimSize(i) != 1
                 : !provablySameDim(param, i, input, d))
      return false;
  }
  return true;
}

/// Matches the norm that starts at `mean`. On failure, fills `miss`.
FailureOr<NormMatch> matchNorm(ReduceMeanOp mean, Miss &miss) {
  NormMatch match;
  auto fail = [&](const Twine &reason, Operation *culprit) {
    miss.reason = reason.str();
    miss.culprit = culprit;
    return failure();
  };

  // What the reduce_mean starts: the mean of a LayerNorm (its input is
  // centred by sub(x, mean)) or the mean of squares of an RMSNorm.
  Value x = mean.getInput();
  Value centred;
  ReduceMeanOp variance;
  Operation *square = nullptr;
  for (Operation *user : x.getUsers())
    if (auto sub = dyn_cast<SubOp>(user))
      if (sub.getLhs() == x && sub.getRhs() == mean.getResult())
        centred = sub.getResult();
  if (centred) {
    miss.candidate = true;
    miss.centred = match.centred = true;
    if (!mean->hasOneUse())
      return fail("the mean has users outside the norm", mean);
    for (Operation *user : centred.getUsers()) {
      Operation *sq = nullptr;
      if (auto pow = dyn_cast<PowOp>(user)) {
        if (pow.getLhs() != centred)
          continue;
        if (!isSplatNear(pow.getRhs(), 2.0))
          return fail("the centred input is raised to a power other than 2",
                      pow);
        sq = pow;
      } else if (auto mul = dyn_cast<MulOp>(user)) {
        if (mul.getLhs() == centred && mul.getRhs() == centred)
          sq = mul;
      }
      if (!sq)
        continue;
      square = sq;
      variance = dyn_cast_if_present<ReduceMeanOp>(singleUser(sq->getResult(0)));
      if (!variance)
        return fail("the square of the centred input is not only averaged",
                    sq);
      break;
    }
    if (!variance)
      return fail("the centred input is not squared and averaged",
                  centred.getDefiningOp());
  } else {
    square = getSquare(x);
    if (!square)
      return failure(); // Not a norm.
    // The variance of a LayerNorm is matched from its mean.
    centred = square->getOperand(0);
    if (auto sub = centred.getDefiningOp<SubOp>())
      if (auto m = sub.getRhs().getDefiningOp<ReduceMeanOp>())
        if (m.getInput() == sub.getLhs())
          return failure();
    miss.candidate = true;
    variance = mean;
    x = skipIdentityCastUp(centred);
    if (!square->getResult(0).hasOneUse())
      return fail("the square has users outside the norm", square);
  }

  // Both reductions over the same trailing dims, keeping them.
  std::optional<int64_t> axis = getTrailingAxis(variance);
  if (!axis)
    return fail("the mean of squares is not over the trailing dims with "
                "keepdims",
                variance);
  if (match.centred && getTrailingAxis(mean) != axis)
    return fail("the mean is not over the dims of the variance", mean);
  match.axis = *axis;
  match.input = x;

  // + epsilon, then sqrt and a division, or rsqrt and a product.
  Value stat = variance.getResult();
  Operation *next = singleUser(stat);
  if (!next)
    return fail("the mean of squares has users outside the norm", variance);
  match.epsilon = 0;
  if (auto add = dyn_cast<AddOp>(next)) {
    Value eps = otherOperand(add, stat);
    std::optional<double> value = getSplatFloat(eps);
    if (!value || add.getType() != stat.getType())
      return fail("epsilon is not a scalar constant", add);
    if (*value < 0)
      return fail("epsilon is negative", add);
    match.epsilon = static_cast<float>(*value);
    stat = add.getResult();
    next = singleUser(stat);
    if (!next)
      return fail("the variance plus epsilon has users outside the norm", add);
  }

  // `inverse` multiplies the centred input; `normalised` is the result.
  Value normalised, inverse;
  if (auto rsqrt = dyn_cast<RsqrtOp>(next)) {
    inverse = rsqrt.getResult();
  } else if (auto sqrt = dyn_cast<SqrtOp>(next)) {
    Value root = sqrt.getResult();
    Operation *use = singleUser(root);
    if (!use)
      return fail("the standard deviation has users outside the norm", sqrt);
    if (auto div = dyn_cast<DivOp>(use)) {
      if (div.getRhs() != root)
        return fail("the standard deviation is not a divisor", div);
      if (div.getLhs() == centred)
        normalised = div.getResult();
      else if (isSplatNear(div.getLhs(), 1.0) && div.getType() == root.getType())
        inverse = div.getResult();
      else
        return fail("the input is not divided by the standard deviation",
                    div);
    } else if (auto reciprocal = dyn_cast<ReciprocalOp>(use)) {
      inverse = reciprocal.getResult();
    } else {
      return fail("the standard deviation is not inverted", use);
    }
  } else {
    return fail("the variance is not followed by sqrt or rsqrt", next);
  }
  if (inverse) {
    Operation *use = singleUser(inverse);
    auto mul = dyn_cast_if_present<MulOp>(use);
    if (!mul || otherOperand(mul, inverse) != centred)
      return fail("the input is not multiplied by the inverse standard "
                  "deviation",
                  use ? use : inverse.getDefiningOp());
    normalised = mul.getResult();
  }
  if (normalised.getType() != centred.getType())
    return fail("the normalisation broadcasts the input", normalised.getDefiningOp());

  // The centred input feeds only its square and the normalisation.
  if (match.centred)
    for (Operation *user : centred.getUsers())
      if (user != square && user != normalised.getDefiningOp())
        return fail("the centred input has users outside the norm", user);

  // Optional scale, then optional shift, each only where it has the shape
  // of the normalised dims; otherwise it stays outside the norm.
  normalised = skipIdentityCastDown(normalised);
  auto scaleOf = [&](Operation *user) -> Value {
    auto mul = dyn_cast_if_present<MulOp>(user);
    if (!mul)
      return {};
    Value scale = otherOperand(mul, normalised);
    if (!scale || scale == normalised ||
        mul.getType() != normalised.getType() ||
        !fitsNormalisedDims(scale, x, match.axis))
      return {};
    return scale;
  };
  // Shared statistics: every user scales the normalised input its own way.
  bool shared = !normalised.hasOneUse() && !normalised.use_empty() &&
                llvm::all_of(normalised.getUsers(),
                             [&](Operation *user) { return !!scaleOf(user); });
  SmallVector<Operation *> scaleOps;
  if (shared)
    scaleOps = llvm::to_vector(normalised.getUsers());
  else
    scaleOps.push_back(scaleOf(singleUser(normalised)) ? singleUser(normalised)
                                                       : nullptr);
  // A user may appear once per operand; one head each.
  llvm::sort(scaleOps);
  scaleOps.erase(llvm::unique(scaleOps), scaleOps.end());
  auto inputType = cast<RankedTensorType>(x.getType());
  for (Operation *scaleOp : scaleOps) {
    NormHead head;
    head.root = normalised.getDefiningOp();
    Value result = normalised;
    if (scaleOp) {
      head.scale = scaleOf(scaleOp);
      result = scaleOp->getResult(0);
      head.root = scaleOp;
    }
    if (auto add = dyn_cast_if_present<AddOp>(singleUser(result))) {
      Value bias = otherOperand(add, result);
      if (bias != result && add.getType() == result.getType() &&
          fitsNormalisedDims(bias, x, match.axis)) {
        head.bias = bias;
        head.root = add;
      }
    }
    if (!head.scale &&
        !RankedTensorType::get(inputType.getShape().drop_front(match.axis),
                               inputType.getElementType())
             .hasStaticShape())
      return fail("there is no scale and the normalised dims are dynamic",
                  head.root);
    match.heads.push_back(head);
  }
  if (!isa<FloatType>(inputType.getElementType()))
    return fail("the input is not floating point", mean);
  return match;
}

/// `param` with the shape of the normalised dims: leading 1s squeezed away.
Value toNormalisedShape(PatternRewriter &rewriter, Location loc, Value param,
                        RankedTensorType inputType, int64_t axis) {
  auto type = cast<RankedTensorType>(param.getType());
  int64_t extra = type.getRank() - (inputType.getRank() - axis);
  if (extra == 0)
    return param;
  auto squeezed = RankedTensorType::get(type.getShape().drop_front(extra),
                                        type.getElementType());
  return SqueezeOp::create(rewriter, loc, squeezed, param,
                           rewriter.getDenseI64ArrayAttr(
                               llvm::to_vector(llvm::seq<int64_t>(0, extra))));
}

struct FuseNormPattern : OpRewritePattern<ReduceMeanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReduceMeanOp mean,
                                PatternRewriter &rewriter) const override {
    Miss miss;
    FailureOr<NormMatch> match = matchNorm(mean, miss);
    if (failed(match))
      return rewriter.notifyMatchFailure(
          mean, miss.reason.empty() ? "not a norm" : miss.reason);
    for (const NormHead &head : match->heads)
      replaceWithNorm(rewriter, *match, head);
    return success();
  }

  /// Replaces `head.root` with the norm of `match` scaled and shifted by
  /// `head`.
  static void replaceWithNorm(PatternRewriter &rewriter, const NormMatch &match,
                              const NormHead &head) {
    rewriter.setInsertionPoint(head.root);
    Location loc = head.root->getLoc();
    auto inputType = cast<RankedTensorType>(match.input.getType());
    Value scale, bias;
    if (head.scale) {
      scale =
          toNormalisedShape(rewriter, loc, head.scale, inputType, match.axis);
    } else {
      auto type =
          RankedTensorType::get(inputType.getShape().drop_front(match.axis),
                                inputType.getElementType());
      auto elementType = cast<FloatType>(inputType.getElementType());
      scale = ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(type, APFloat(elementType.getFloatSemantics(),
                                               1)));
    }
    if (head.bias)
      bias = toNormalisedShape(rewriter, loc, head.bias, inputType, match.axis);
    Type resultType = head.root->getResult(0).getType();
    IntegerAttr axis = rewriter.getI64IntegerAttr(match.axis);
    FloatAttr epsilon = rewriter.getF32FloatAttr(match.epsilon);
    Value norm;
    if (match.centred)
      norm = LayerNormOp::create(rewriter, loc, resultType, match.input, scale,
                                 bias, /*residual=*/Value(), axis, epsilon);
    else
      norm = RmsNormOp::create(rewriter, loc, resultType, match.input, scale,
                               bias, /*residual=*/Value(), axis, epsilon);
    rewriter.replaceOp(head.root, norm);
  }
};

/// norm(add(a, b)) with the add used only by the norm: the norm's residual
/// input, when both sides have the same shape.
template <typename NormOp>
struct FuseResidualAdd : OpRewritePattern<NormOp> {
  using OpRewritePattern<NormOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(NormOp norm,
                                PatternRewriter &rewriter) const override {
    if (norm.getResidual())
      return failure();
    auto add = norm.getInput().template getDefiningOp<AddOp>();
    if (!add || !add->hasOneUse() ||
        !provablySameShape(add.getLhs(), add.getRhs()) ||
        add.getType() != add.getLhs().getType())
      return failure();
    auto fused = NormOp::create(
        rewriter, norm.getLoc(), norm.getType(), add.getLhs(), norm.getScale(),
        norm.getBias(), add.getRhs(), norm.getAxisAttr(),
        norm.getEpsilonAttr());
    fused->setDiscardableAttrs(norm->getDiscardableAttrDictionary());
    rewriter.replaceOp(norm, fused);
    rewriter.eraseOp(add);
    return success();
  }
};

struct FuseNormsPass
    : public xfmr::impl::XfmrFuseNormsPassBase<FuseNormsPass> {
  using XfmrFuseNormsPassBase::XfmrFuseNormsPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<FuseNormPattern, FuseResidualAdd<LayerNormOp>,
                 FuseResidualAdd<RmsNormOp>>(context);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
    if (!explain)
      return;
    func.walk([](ReduceMeanOp mean) {
      Miss miss;
      if (succeeded(matchNorm(mean, miss)) || !miss.candidate)
        return;
      noteFusionMissed(mean, miss.centred ? "layer_norm" : "rms_norm",
                       miss.reason, miss.culprit);
    });
  }
};

} // namespace
