//===- DimProver.cpp - What the graph proves about dim sizes --------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/DimProver.h"

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrShapeInference.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::xfmr;

// How deep one proof recurses. A question whose proof goes deeper (a dim of
// the last layer of a model whose dims are all symbolic) is answered in
// steps of this depth; see DimProver::prove.
static constexpr unsigned kMaxDepth = 200;

static int64_t rankOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getRank();
}

static std::optional<int64_t> staticLength(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape())
    return std::nullopt;
  return type.getRank() == 0 ? 1 : type.getDimSize(0);
}

//===----------------------------------------------------------------------===//
// DimProver
//===----------------------------------------------------------------------===//

ProvenSize DimProver::dim(Value value, int64_t d) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || d < 0 || d >= type.getRank())
    return ProvenSize::unknown();
  if (!type.isDynamicDim(d))
    return ProvenSize::ofConstant(type.getDimSize(d));
  if (!followDims)
    return ProvenSize::ofDim(value, d);
  return prove({value, d, /*isDim=*/true});
}

std::optional<SmallVector<ProvenSize>> DimProver::elements(Value value) {
  std::optional<int64_t> length = staticLength(value);
  if (!length)
    return std::nullopt;
  SmallVector<ProvenSize> result;
  for (int64_t i = 0; i < *length; ++i)
    result.push_back(element(value, i));
  return result;
}

bool DimProver::sameShape(Value a, Value b) {
  if (a.getType() != b.getType())
    return false;
  for (int64_t d = 0, e = rankOf(a); d < e; ++d)
    if (!sameDim(a, d, b, d))
      return false;
  return true;
}

ProvenSize DimProver::element(Value value, int64_t index) {
  std::optional<int64_t> length = staticLength(value);
  if (!length || index < 0 || index >= *length)
    return ProvenSize::unknown();
  if (std::optional<SmallVector<int64_t>> values = getConstantIntValues(value))
    return values->size() == static_cast<size_t>(*length)
               ? ProvenSize::ofConstant((*values)[index])
               : ProvenSize::unknown();
  return prove({value, index, /*isDim=*/false});
}

ProvenSize DimProver::prove(Query query) {
  if (depth > 0)
    return proveWithin(query);
  // A question from outside. Whatever lies deeper than kMaxDepth below it
  // is proven first, each such question from its own depth 0, then the
  // question again, until nothing was cut off: every answer is complete and
  // the recursion stays shallow.
  SmallVector<Query> pending{query};
  ProvenSize result;
  while (!pending.empty()) {
    Query next = pending.back();
    result = proveWithin(next);
    // What a cut-off proof left in the caches is weaker than the truth.
    for (auto key : provisionalDims)
      dims.erase(key);
    for (auto key : provisionalEntries)
      entries.erase(key);
    provisionalDims.clear();
    provisionalEntries.clear();
    if (cutOff.empty()) {
      pending.pop_back();
      continue;
    }
    pending.append(cutOff);
    cutOff.clear();
  }
  return result;
}

ProvenSize DimProver::proveWithin(Query query) {
  auto key = std::make_pair(query.value, query.index);
  auto &cache = query.isDim ? dims : entries;
  auto &provisional = query.isDim ? provisionalDims : provisionalEntries;
  if (auto it = cache.find(key); it != cache.end()) {
    if (provisional.contains(key))
      ++weakAnswers;
    return it->second;
  }
  ProvenSize fallback = query.isDim
                            ? ProvenSize::ofDim(query.value, query.index)
                            : ProvenSize::unknown();
  if (depth >= kMaxDepth) {
    cutOff.push_back(query);
    ++weakAnswers;
    return fallback;
  }
  cache[key] = fallback;
  unsigned weakBefore = weakAnswers;
  ++depth;
  ProvenSize result = query.isDim ? traceDim(query.value, query.index)
                                  : traceElement(query.value, query.index);
  --depth;
  if (query.isDim && !result.isDimSize())
    result = fallback;
  // Kept for the rest of this proof either way, so that a graph's many
  // paths to one value are walked once.
  (query.isDim ? dims : entries)[key] = result;
  if (weakAnswers != weakBefore)
    provisional.insert(key);
  return result;
}

std::optional<ProvenSize> DimProver::broadcast(ArrayRef<ProvenSize> sizes) {
  SmallVector<ProvenSize> candidates;
  for (const ProvenSize &size : sizes) {
    if (size.constant && *size.constant == 1)
      continue;
    if (!size.isDimSize())
      return std::nullopt;
    candidates.push_back(size);
  }
  // min(n, c) broadcast with n is n whenever the two broadcast at all: they
  // differ only when n > c, where min(n, c) = c would have to be 1 < n.
  auto isClampOf = [](const ProvenSize &clamped, const ProvenSize &size) {
    return clamped.clampedAt && !size.clampedAt && size.value &&
           clamped.value == size.value && clamped.dim == size.dim;
  };
  std::optional<ProvenSize> result;
  for (const ProvenSize &size : candidates) {
    if (llvm::any_of(candidates, [&](const ProvenSize &other) {
          return isClampOf(size, other);
        }))
      continue;
    if (!result)
      result = size;
    else if (!(*result == size))
      return std::nullopt;
  }
  return result ? *result : ProvenSize::ofConstant(1);
}

/// Entry `index` of `value` when `value` is broadcast to a longer 1-D
/// tensor: a single entry serves every index.
static int64_t broadcastIndex(Value value, int64_t index) {
  std::optional<int64_t> length = staticLength(value);
  return length && *length == 1 ? 0 : index;
}

/// Whether two shape entries are equal, when that is proven: constants
/// compare, and a dim's size is never a negative marker such as -1.
static std::optional<bool> provenEqual(const ProvenSize &lhs,
                                       const ProvenSize &rhs) {
  if (lhs.constant && rhs.constant)
    return *lhs.constant == *rhs.constant;
  if ((lhs.value && rhs.constant && *rhs.constant < 0) ||
      (rhs.value && lhs.constant && *lhs.constant < 0))
    return false;
  if (lhs.isKnown() && lhs == rhs)
    return true;
  return std::nullopt;
}

/// The first argument dim of `func` named `name` in its `xfmr.dims`: the
/// runtime binds every dim of one name to one size.
static ProvenSize namedArgumentDim(FunctionOpInterface func, BlockArgument arg,
                                   int64_t d) {
  auto nameOf = [&](unsigned index, int64_t dim) -> StringRef {
    auto names = func.getArgAttrOfType<ArrayAttr>(index, "xfmr.dims");
    if (!names || dim >= static_cast<int64_t>(names.size()))
      return {};
    auto name = dyn_cast<StringAttr>(names[dim]);
    return name ? name.getValue() : StringRef();
  };
  StringRef name = nameOf(arg.getArgNumber(), d);
  if (name.empty())
    return ProvenSize::unknown();
  for (BlockArgument other : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(other.getType());
    if (!type)
      continue;
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (type.isDynamicDim(i) && nameOf(other.getArgNumber(), i) == name)
        return ProvenSize::ofDim(other, i);
  }
  return ProvenSize::unknown();
}

ProvenSize DimProver::traceDim(Value value, int64_t d) {
  Operation *op = value.getDefiningOp();
  if (!op) {
    auto arg = cast<BlockArgument>(value);
    auto func = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
    if (func && arg.getOwner()->isEntryBlock())
      return namedArgumentDim(func, arg, d);
    return ProvenSize::unknown();
  }
  int64_t rank = rankOf(value);

  // Results shaped like their first operand.
  if (value == op->getResult(0) && op->getNumOperands() >= 1 &&
      isa<RankedTensorType>(op->getOperand(0).getType()) &&
      rankOf(op->getOperand(0)) == rank &&
      (isa<SoftmaxOp, LogSoftmaxOp, CastOp, LayerNormOp, RmsNormOp, GeluOp,
           RotaryEmbeddingOp, TriluOp, CumSumOp, CumProdOp, ScatterElementsOp,
           ScatterNdOp>(op) ||
       (op->hasTrait<OpTrait::Elementwise>() && op->getNumOperands() == 1)))
    return dim(op->getOperand(0), d);

  if (isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, EqualOp, LessOp,
          LessEqualOp, GreaterOp, GreaterEqualOp, AndOp, OrOp, XorOp, WhereOp>(
          op)) {
    SmallVector<ProvenSize> sizes;
    for (Value operand : op->getOperands()) {
      int64_t od = d - (rank - rankOf(operand));
      if (od >= 0)
        sizes.push_back(dim(operand, od));
    }
    return broadcast(sizes).value_or(ProvenSize::unknown());
  }

  return llvm::TypeSwitch<Operation *, ProvenSize>(op)
      .Case([&](TransposeOp transpose) {
        return dim(transpose.getInput(), transpose.getPermutation()[d]);
      })
      .Case([&](MatMulOp matmul) {
        Value lhs = matmul.getLhs(), rhs = matmul.getRhs();
        int64_t lr = rankOf(lhs), rr = rankOf(rhs);
        if (lr < 2 || rr < 2)
          return ProvenSize::unknown();
        if (d == rank - 1)
          return dim(rhs, rr - 1);
        if (d == rank - 2)
          return dim(lhs, lr - 2);
        SmallVector<ProvenSize> sizes;
        if (d - (rank - lr) >= 0)
          sizes.push_back(dim(lhs, d - (rank - lr)));
        if (d - (rank - rr) >= 0)
          sizes.push_back(dim(rhs, d - (rank - rr)));
        return broadcast(sizes).value_or(ProvenSize::unknown());
      })
      .Case([&](ReshapeOp reshape) {
        ProvenSize entry = element(reshape.getShape(), d);
        if (!entry.constant)
          return entry;
        if (*entry.constant == 0 && !reshape.getAllowzero())
          return dim(reshape.getInput(), d);
        if (*entry.constant != -1)
          return entry;
        // The inferred dim: cancel the dims that reappear on both sides;
        // what is left must be static.
        Value input = reshape.getInput();
        SmallVector<ProvenSize> in, out;
        for (int64_t i = 0, e = rankOf(input); i < e; ++i)
          in.push_back(dim(input, i));
        for (int64_t i = 0; i < rank; ++i) {
          if (i == d)
            continue;
          ProvenSize size = element(reshape.getShape(), i);
          if (size.constant && *size.constant == 0 && !reshape.getAllowzero())
            size = dim(input, i);
          if (!size.isDimSize())
            return ProvenSize::unknown();
          out.push_back(size);
        }
        SmallVector<bool> used(in.size(), false);
        int64_t inProduct = 1, outProduct = 1;
        for (const ProvenSize &size : out) {
          if (size.constant) {
            outProduct *= *size.constant;
            continue;
          }
          bool found = false;
          for (size_t i = 0; i < in.size() && !found; ++i) {
            if (!used[i] && !in[i].constant && in[i] == size) {
              used[i] = true;
              found = true;
            }
          }
          if (!found)
            return ProvenSize::unknown();
        }
        // At most one input dim may be left symbolic: it is the result.
        std::optional<ProvenSize> symbolic;
        for (size_t i = 0; i < in.size(); ++i) {
          if (used[i])
            continue;
          if (!in[i].constant) {
            if (symbolic)
              return ProvenSize::unknown();
            symbolic = in[i];
            continue;
          }
          inProduct *= *in[i].constant;
        }
        if (symbolic)
          return inProduct == outProduct ? *symbolic : ProvenSize::unknown();
        if (outProduct <= 0 || inProduct % outProduct != 0)
          return ProvenSize::unknown();
        return ProvenSize::ofConstant(inProduct / outProduct);
      })
      .Case([&](ExpandOp expand) {
        Value input = expand.getInput(), shape = expand.getShape();
        std::optional<int64_t> length = staticLength(shape);
        if (!length)
          return ProvenSize::unknown();
        SmallVector<ProvenSize> sizes;
        int64_t id = d - (rank - rankOf(input));
        if (id >= 0)
          sizes.push_back(dim(input, id));
        int64_t sd = d - (rank - *length);
        if (sd >= 0)
          sizes.push_back(element(shape, sd));
        return broadcast(sizes).value_or(ProvenSize::unknown());
      })
      .Case([&](UnsqueezeOp unsqueeze) {
        std::optional<SmallVector<int64_t>> axes =
            normalizeAxes(unsqueeze.getAxes(), rank);
        if (!axes || llvm::is_contained(*axes, d))
          return ProvenSize::unknown();
        int64_t before =
            llvm::count_if(*axes, [&](int64_t a) { return a < d; });
        return dim(unsqueeze.getInput(), d - before);
      })
      .Case([&](SqueezeOp squeeze) {
        Value input = squeeze.getInput();
        auto inputType = cast<RankedTensorType>(input.getType());
        SmallVector<bool> removed(inputType.getRank(), false);
        if (squeeze.getAxes().empty()) {
          for (int64_t i = 0; i < inputType.getRank(); ++i)
            removed[i] = inputType.getDimSize(i) == 1;
        } else {
          std::optional<SmallVector<int64_t>> axes =
              normalizeAxes(squeeze.getAxes(), inputType.getRank());
          if (!axes)
            return ProvenSize::unknown();
          for (int64_t a : *axes)
            removed[a] = true;
        }
        int64_t kept = -1;
        for (int64_t i = 0; i < inputType.getRank(); ++i)
          if (!removed[i] && ++kept == d)
            return dim(input, i);
        return ProvenSize::unknown();
      })
      .Case([&](ConcatOp concat) {
        std::optional<int64_t> axis =
            normalizeAxis(static_cast<int64_t>(concat.getAxis()), rank);
        if (!axis || *axis == d)
          return ProvenSize::unknown();
        // Every input has this dim; take the first one that says more than
        // itself.
        for (Value input : concat.getInputs()) {
          ProvenSize size = dim(input, d);
          if (size.constant || size.value != input)
            return size;
        }
        return dim(concat.getInputs().front(), d);
      })
      .Case([&](SplitOp split) {
        std::optional<int64_t> axis =
            normalizeAxis(static_cast<int64_t>(split.getAxis()), rank);
        if (!axis || *axis == d)
          return ProvenSize::unknown();
        return dim(split.getInput(), d);
      })
      .Case([&](SliceOp slice) {
        std::optional<SmallVector<int64_t>> axes;
        if (Value axesValue = slice.getAxes()) {
          if (std::optional<SmallVector<int64_t>> values =
                  getConstantIntValues(axesValue))
            axes = normalizeAxes(*values, rank);
        } else if (std::optional<int64_t> n = staticLength(slice.getStarts())) {
          axes = llvm::to_vector(llvm::seq<int64_t>(0, *n));
        }
        if (!axes)
          return ProvenSize::unknown();
        const int64_t *it = llvm::find(*axes, d);
        if (it == axes->end())
          return dim(slice.getInput(), d);
        // [0:n] with n a dim's size, along a static axis.
        int64_t i = it - axes->begin();
        ProvenSize start = element(slice.getStarts(), i);
        ProvenSize end = element(slice.getEnds(), i);
        int64_t extent =
            cast<RankedTensorType>(slice.getInput().getType()).getDimSize(d);
        if (Value steps = slice.getSteps())
          if (!(element(steps, i) == ProvenSize::ofConstant(1)))
            return ProvenSize::unknown();
        if (!(start == ProvenSize::ofConstant(0)) || !end.value ||
            end.clampedAt || ShapedType::isDynamic(extent))
          return ProvenSize::unknown();
        end.clampedAt = extent;
        return end;
      })
      .Case([&](GatherOp gather) {
        Value input = gather.getInput(), indices = gather.getIndices();
        std::optional<int64_t> axis = normalizeAxis(
            static_cast<int64_t>(gather.getAxis()), rankOf(input));
        if (!axis)
          return ProvenSize::unknown();
        int64_t ir = rankOf(indices);
        if (d < *axis)
          return dim(input, d);
        if (d < *axis + ir)
          return dim(indices, d - *axis);
        return dim(input, d - ir + 1);
      })
      .Case([&](GatherNdOp gather) {
        // indices.shape[:-1] + input.shape[batch_dims + q:]
        Value indices = gather.getIndices();
        int64_t ir = rankOf(indices);
        int64_t q =
            cast<RankedTensorType>(indices.getType()).getDimSize(ir - 1);
        if (d < ir - 1)
          return dim(indices, d);
        if (ShapedType::isDynamic(q))
          return ProvenSize::unknown();
        return dim(gather.getInput(),
                   d - (ir - 1) + static_cast<int64_t>(gather.getBatchDims()) +
                       q);
      })
      .Case(
          [&](GatherElementsOp gather) { return dim(gather.getIndices(), d); })
      .Case<ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp>(
          [&](auto reduce) {
            Value input = reduce.getInput();
            int64_t inputRank = rankOf(input);
            if (reduce.getAxes().empty())
              return ProvenSize::unknown();
            std::optional<SmallVector<int64_t>> axes =
                normalizeAxes(reduce.getAxes(), inputRank);
            if (!axes)
              return ProvenSize::unknown();
            if (reduce.getKeepdims())
              return llvm::is_contained(*axes, d) ? ProvenSize::unknown()
                                                  : dim(input, d);
            int64_t kept = -1;
            for (int64_t i = 0; i < inputRank; ++i)
              if (!llvm::is_contained(*axes, i) && ++kept == d)
                return dim(input, i);
            return ProvenSize::unknown();
          })
      .Case([&](RangeOp range) {
        std::optional<int64_t> start = getScalarInt(range.getStart());
        std::optional<int64_t> delta = getScalarInt(range.getDelta());
        if (!start || delta != 1)
          return ProvenSize::unknown();
        ProvenSize limit = element(range.getLimit(), 0);
        if (limit.constant)
          return ProvenSize::ofConstant(
              std::max<int64_t>(*limit.constant - *start, 0));
        return *start == 0 ? limit : ProvenSize::unknown();
      })
      .Case([&](ConstantOfShapeOp fill) { return element(fill.getShape(), d); })
      .Case<LinearOp, MlpOp>([&](auto layer) {
        // A layer changes only the features, the last dim.
        if (d == rank - 1)
          return ProvenSize::unknown();
        return dim(layer.getInput(), d);
      })
      .Case([&](AttentionOp attention) {
        if (value != attention.getOutput())
          return ProvenSize::unknown();
        return d < 3 ? dim(attention.getQuery(), d)
                     : dim(attention.getValue(), 3);
      })
      .Default([](Operation *) { return ProvenSize::unknown(); });
}

ProvenSize DimProver::traceElement(Value value, int64_t index) {
  Operation *op = value.getDefiningOp();
  if (!op)
    return ProvenSize::unknown();
  return llvm::TypeSwitch<Operation *, ProvenSize>(op)
      .Case([&](ShapeOp shape) {
        auto [begin, end] = getShapeOpDimRange(shape);
        if (begin + index >= end)
          return ProvenSize::unknown();
        return dim(shape.getInput(), begin + index);
      })
      .Case([&](ConcatOp concat) {
        int64_t offset = 0;
        for (Value input : concat.getInputs()) {
          std::optional<int64_t> length = staticLength(input);
          if (!length || rankOf(input) != 1)
            return ProvenSize::unknown();
          if (index < offset + *length)
            return element(input, index - offset);
          offset += *length;
        }
        return ProvenSize::unknown();
      })
      .Case<UnsqueezeOp, SqueezeOp, ReshapeOp, CastOp>([&](auto op) {
        Value input = op->getOperand(0);
        if (staticLength(input) != staticLength(value) ||
            !getElementTypeOrSelf(input).isInteger() ||
            getElementTypeOrSelf(input).isInteger(1))
          return ProvenSize::unknown();
        return element(input, index);
      })
      .Case([&](GatherOp gather) {
        Value input = gather.getInput();
        std::optional<int64_t> length = staticLength(input);
        std::optional<SmallVector<int64_t>> indices =
            getConstantIntValues(gather.getIndices());
        if (!length || rankOf(input) != 1 || !indices ||
            static_cast<size_t>(index) >= indices->size())
          return ProvenSize::unknown();
        int64_t i = (*indices)[index];
        if (i < 0)
          i += *length;
        return element(input, i);
      })
      .Case([&](SliceOp slice) {
        Value input = slice.getInput();
        std::optional<int64_t> length = staticLength(input);
        std::optional<int64_t> start = getScalarInt(slice.getStarts());
        if (!length || rankOf(input) != 1 || !start)
          return ProvenSize::unknown();
        if (Value steps = slice.getSteps())
          if (getScalarInt(steps) != 1)
            return ProvenSize::unknown();
        if (Value axes = slice.getAxes()) {
          std::optional<int64_t> axis = getScalarInt(axes);
          if (axis != 0 && axis != -1)
            return ProvenSize::unknown();
        }
        int64_t begin = *start < 0 ? *start + *length : *start;
        begin = std::clamp<int64_t>(begin, 0, *length);
        return element(input, begin + index);
      })
      .Case([&](SplitOp split) {
        // ONNX Runtime splits a shape into its dims where the exporter
        // gathered them one by one.
        Value input = split.getInput();
        if (rankOf(input) != 1 || !staticLength(input))
          return ProvenSize::unknown();
        unsigned result = cast<OpResult>(value).getResultNumber();
        int64_t offset = 0;
        for (int64_t size : split.getSizes().take_front(result))
          offset += size;
        return element(input, offset + index);
      })
      .Case([&](EqualOp equal) {
        Value l = equal.getLhs(), r = equal.getRhs();
        ProvenSize lhs = element(l, broadcastIndex(l, index));
        ProvenSize rhs = element(r, broadcastIndex(r, index));
        std::optional<bool> isEqual = provenEqual(lhs, rhs);
        return isEqual ? ProvenSize::ofConstant(*isEqual)
                       : ProvenSize::unknown();
      })
      .Case([&](WhereOp where) {
        // where(x == c, a, x): the exporters' "-1 becomes 1" of shapes. A
        // condition entry that is a constant (an i1 true reads as -1) picks
        // its branch.
        Value cond = where.getCondition();
        Value onTrue = where.getOnTrue(), onFalse = where.getOnFalse();
        ProvenSize condition = element(cond, broadcastIndex(cond, index));
        ProvenSize a = element(onTrue, broadcastIndex(onTrue, index));
        ProvenSize b = element(onFalse, broadcastIndex(onFalse, index));
        if (condition.constant)
          return *condition.constant != 0 ? a : b;
        return a.isKnown() && a == b ? a : ProvenSize::unknown();
      })
      .Case<MulOp, AddOp, SubOp, DivOp>([&](auto arith) {
        Value l = arith.getLhs(), r = arith.getRhs();
        ProvenSize a = element(l, broadcastIndex(l, index));
        ProvenSize b = element(r, broadcastIndex(r, index));
        constexpr bool isMul = std::is_same_v<decltype(arith), MulOp>;
        constexpr bool isAdd = std::is_same_v<decltype(arith), AddOp>;
        if (a.constant && b.constant) {
          int64_t x = *a.constant, y = *b.constant;
          if (isMul)
            return ProvenSize::ofConstant(x * y);
          if (isAdd)
            return ProvenSize::ofConstant(x + y);
          if (std::is_same_v<decltype(arith), SubOp>)
            return ProvenSize::ofConstant(x - y);
          if (y != 0 && x % y == 0)
            return ProvenSize::ofConstant(x / y);
          return ProvenSize::unknown();
        }
        int64_t identity =
            isMul || std::is_same_v<decltype(arith), DivOp> ? 1 : 0;
        if (b.constant && *b.constant == identity)
          return a;
        if ((isMul || isAdd) && a.constant && *a.constant == identity)
          return b;
        return ProvenSize::unknown();
      })
      .Default([](Operation *) { return ProvenSize::unknown(); });
}
