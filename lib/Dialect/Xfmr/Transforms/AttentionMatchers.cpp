//===- AttentionMatchers.cpp - Proofs the attention fusion relies on ------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "AttentionMatchers.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::xfmr;
using namespace mlir::xfmr::attention;

// Deep enough for a few layers of residual stream; beyond it a dim is only
// equal to itself, which is still sound.
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

/// `axes` normalised against `rank`, or std::nullopt when one is out of
/// range.
static std::optional<SmallVector<int64_t>> normalizeAxes(ArrayRef<int64_t> axes,
                                                         int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    std::optional<int64_t> a = normalizeAxis(axis, rank);
    if (!a)
      return std::nullopt;
    result.push_back(*a);
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

static DenseElementsAttr getDenseConstant(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return {};
  return attr;
}

std::optional<double> attention::getScalarFloat(Value value) {
  DenseElementsAttr attr = getDenseConstant(value);
  if (!attr || attr.getNumElements() != 1 ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return (*attr.value_begin<APFloat>()).convertToDouble();
}

std::optional<int64_t> attention::getScalarInt(Value value) {
  DenseElementsAttr attr = getDenseConstant(value);
  if (!attr || attr.getNumElements() != 1 ||
      !attr.getElementType().isInteger() ||
      attr.getElementType().isInteger(1))
    return std::nullopt;
  return (*attr.value_begin<APInt>()).getSExtValue();
}

//===----------------------------------------------------------------------===//
// DimTracer
//===----------------------------------------------------------------------===//

Size DimTracer::dim(Value value, int64_t d) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || d < 0 || d >= type.getRank())
    return Size::unknown();
  if (!type.isDynamicDim(d))
    return Size::ofConstant(type.getDimSize(d));
  auto key = std::make_pair(value, d);
  if (auto it = dims.find(key); it != dims.end())
    return it->second;
  Size self = Size::ofDim(value, d);
  if (depth >= kMaxDepth)
    return self;
  dims[key] = self;
  ++depth;
  Size result = traceDim(value, d);
  --depth;
  if (!result.isDimSize())
    result = self;
  dims[key] = result;
  return result;
}

Size DimTracer::element(Value value, int64_t index) {
  std::optional<int64_t> length = staticLength(value);
  if (!length || index < 0 || index >= *length)
    return Size::unknown();
  if (std::optional<SmallVector<int64_t>> values = getConstantIntValues(value))
    return values->size() == static_cast<size_t>(*length)
               ? Size::ofConstant((*values)[index])
               : Size::unknown();
  auto key = std::make_pair(value, index);
  if (auto it = elements.find(key); it != elements.end())
    return it->second;
  if (depth >= kMaxDepth)
    return Size::unknown();
  elements[key] = Size::unknown();
  ++depth;
  Size result = traceElement(value, index);
  --depth;
  elements[key] = result;
  return result;
}

std::optional<Size> DimTracer::broadcast(ArrayRef<Size> sizes) {
  SmallVector<Size> candidates;
  for (const Size &size : sizes) {
    if (size.constant && *size.constant == 1)
      continue;
    if (!size.isDimSize())
      return std::nullopt;
    candidates.push_back(size);
  }
  // min(n, c) broadcast with n is n whenever the two broadcast at all: they
  // differ only when n > c, where min(n, c) = c would have to be 1 < n.
  auto isClampOf = [](const Size &clamped, const Size &size) {
    return clamped.clampedAt && !size.clampedAt && size.value &&
           clamped.value == size.value && clamped.dim == size.dim;
  };
  std::optional<Size> result;
  for (const Size &size : candidates) {
    if (llvm::any_of(candidates,
                     [&](const Size &other) { return isClampOf(size, other); }))
      continue;
    if (!result)
      result = size;
    else if (!(*result == size))
      return std::nullopt;
  }
  return result ? *result : Size::ofConstant(1);
}

/// Entry `index` of `value` when `value` is broadcast to a longer 1-D
/// tensor: a single entry serves every index.
static int64_t broadcastIndex(Value value, int64_t index) {
  std::optional<int64_t> length = staticLength(value);
  return length && *length == 1 ? 0 : index;
}

/// The first argument dim of `func` named `name` in its `xfmr.dims`: the
/// runtime binds every dim of one name to one size.
static Size namedArgumentDim(func::FuncOp func, BlockArgument arg,
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
    return Size::unknown();
  for (BlockArgument other : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(other.getType());
    if (!type)
      continue;
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (type.isDynamicDim(i) && nameOf(other.getArgNumber(), i) == name)
        return Size::ofDim(other, i);
  }
  return Size::unknown();
}

Size DimTracer::traceDim(Value value, int64_t d) {
  Operation *op = value.getDefiningOp();
  if (!op) {
    auto arg = cast<BlockArgument>(value);
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (func && arg.getOwner()->isEntryBlock())
      return namedArgumentDim(func, arg, d);
    return Size::unknown();
  }
  int64_t rank = rankOf(value);

  // Results shaped like their first operand.
  if (value == op->getResult(0) && op->getNumOperands() >= 1 &&
      isa<RankedTensorType>(op->getOperand(0).getType()) &&
      rankOf(op->getOperand(0)) == rank &&
      (isa<SoftmaxOp, LogSoftmaxOp, CastOp, LayerNormOp, RmsNormOp, GeluOp,
           RotaryEmbeddingOp, TriluOp, CumSumOp>(op) ||
       (op->hasTrait<OpTrait::Elementwise>() && op->getNumOperands() == 1)))
    return dim(op->getOperand(0), d);

  if (isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, EqualOp, LessOp,
          LessEqualOp, GreaterOp, GreaterEqualOp, AndOp, OrOp, XorOp, WhereOp>(
          op)) {
    SmallVector<Size> sizes;
    for (Value operand : op->getOperands()) {
      int64_t od = d - (rank - rankOf(operand));
      if (od >= 0)
        sizes.push_back(dim(operand, od));
    }
    return broadcast(sizes).value_or(Size::unknown());
  }

  return llvm::TypeSwitch<Operation *, Size>(op)
      .Case([&](TransposeOp transpose) {
        return dim(transpose.getInput(), transpose.getPermutation()[d]);
      })
      .Case([&](MatMulOp matmul) {
        Value lhs = matmul.getLhs(), rhs = matmul.getRhs();
        int64_t lr = rankOf(lhs), rr = rankOf(rhs);
        if (lr < 2 || rr < 2)
          return Size::unknown();
        if (d == rank - 1)
          return dim(rhs, rr - 1);
        if (d == rank - 2)
          return dim(lhs, lr - 2);
        SmallVector<Size> sizes;
        if (d - (rank - lr) >= 0)
          sizes.push_back(dim(lhs, d - (rank - lr)));
        if (d - (rank - rr) >= 0)
          sizes.push_back(dim(rhs, d - (rank - rr)));
        return broadcast(sizes).value_or(Size::unknown());
      })
      .Case([&](ReshapeOp reshape) {
        Size entry = element(reshape.getShape(), d);
        if (!entry.constant)
          return entry;
        if (*entry.constant == 0 && !reshape.getAllowzero())
          return dim(reshape.getInput(), d);
        if (*entry.constant != -1)
          return entry;
        // The inferred dim: cancel the dims that reappear on both sides;
        // what is left must be static.
        Value input = reshape.getInput();
        SmallVector<Size> in, out;
        for (int64_t i = 0, e = rankOf(input); i < e; ++i)
          in.push_back(dim(input, i));
        for (int64_t i = 0; i < rank; ++i) {
          if (i == d)
            continue;
          Size size = element(reshape.getShape(), i);
          if (size.constant && *size.constant == 0 && !reshape.getAllowzero())
            size = dim(input, i);
          if (!size.isDimSize())
            return Size::unknown();
          out.push_back(size);
        }
        SmallVector<bool> used(in.size(), false);
        int64_t inProduct = 1, outProduct = 1;
        for (const Size &size : out) {
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
            return Size::unknown();
        }
        // At most one input dim may be left symbolic: it is the result.
        std::optional<Size> symbolic;
        for (size_t i = 0; i < in.size(); ++i) {
          if (used[i])
            continue;
          if (!in[i].constant) {
            if (symbolic)
              return Size::unknown();
            symbolic = in[i];
            continue;
          }
          inProduct *= *in[i].constant;
        }
        if (symbolic)
          return inProduct == outProduct ? *symbolic : Size::unknown();
        if (outProduct <= 0 || inProduct % outProduct != 0)
          return Size::unknown();
        return Size::ofConstant(inProduct / outProduct);
      })
      .Case([&](ExpandOp expand) {
        Value input = expand.getInput(), shape = expand.getShape();
        std::optional<int64_t> length = staticLength(shape);
        if (!length)
          return Size::unknown();
        SmallVector<Size> sizes;
        int64_t id = d - (rank - rankOf(input));
        if (id >= 0)
          sizes.push_back(dim(input, id));
        int64_t sd = d - (rank - *length);
        if (sd >= 0)
          sizes.push_back(element(shape, sd));
        return broadcast(sizes).value_or(Size::unknown());
      })
      .Case([&](UnsqueezeOp unsqueeze) {
        std::optional<SmallVector<int64_t>> axes =
            normalizeAxes(unsqueeze.getAxes(), rank);
        if (!axes || llvm::is_contained(*axes, d))
          return Size::unknown();
        int64_t before = llvm::count_if(*axes, [&](int64_t a) { return a < d; });
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
            return Size::unknown();
          for (int64_t a : *axes)
            removed[a] = true;
        }
        int64_t kept = -1;
        for (int64_t i = 0; i < inputType.getRank(); ++i)
          if (!removed[i] && ++kept == d)
            return dim(input, i);
        return Size::unknown();
      })
      .Case([&](ConcatOp concat) {
        std::optional<int64_t> axis =
            normalizeAxis(static_cast<int64_t>(concat.getAxis()), rank);
        if (!axis || *axis == d)
          return Size::unknown();
        // Every input has this dim; take the first one that says more than
        // itself.
        for (Value input : concat.getInputs()) {
          Size size = dim(input, d);
          if (size.constant || size.value != input)
            return size;
        }
        return dim(concat.getInputs().front(), d);
      })
      .Case([&](SplitOp split) {
        std::optional<int64_t> axis =
            normalizeAxis(static_cast<int64_t>(split.getAxis()), rank);
        if (!axis || *axis == d)
          return Size::unknown();
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
          return Size::unknown();
        const int64_t *it = llvm::find(*axes, d);
        if (it == axes->end())
          return dim(slice.getInput(), d);
        // [0:n] with n a dim's size, along a static axis.
        int64_t i = it - axes->begin();
        Size start = element(slice.getStarts(), i);
        Size end = element(slice.getEnds(), i);
        int64_t extent =
            cast<RankedTensorType>(slice.getInput().getType()).getDimSize(d);
        if (Value steps = slice.getSteps())
          if (!(element(steps, i) == Size::ofConstant(1)))
            return Size::unknown();
        if (!(start == Size::ofConstant(0)) || !end.value || end.clampedAt ||
            ShapedType::isDynamic(extent))
          return Size::unknown();
        end.clampedAt = extent;
        return end;
      })
      .Case([&](GatherOp gather) {
        Value input = gather.getInput(), indices = gather.getIndices();
        std::optional<int64_t> axis = normalizeAxis(
            static_cast<int64_t>(gather.getAxis()), rankOf(input));
        if (!axis)
          return Size::unknown();
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
        int64_t q = cast<RankedTensorType>(indices.getType()).getDimSize(ir - 1);
        if (d < ir - 1)
          return dim(indices, d);
        if (ShapedType::isDynamic(q))
          return Size::unknown();
        return dim(gather.getInput(), d - (ir - 1) +
                                          static_cast<int64_t>(
                                              gather.getBatchDims()) +
                                          q);
      })
      .Case([&](GatherElementsOp gather) {
        return dim(gather.getIndices(), d);
      })
      .Case<ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp>([&](auto reduce) {
        Value input = reduce.getInput();
        int64_t inputRank = rankOf(input);
        if (reduce.getAxes().empty())
          return Size::unknown();
        std::optional<SmallVector<int64_t>> axes =
            normalizeAxes(reduce.getAxes(), inputRank);
        if (!axes)
          return Size::unknown();
        if (reduce.getKeepdims())
          return llvm::is_contained(*axes, d) ? Size::unknown()
                                              : dim(input, d);
        int64_t kept = -1;
        for (int64_t i = 0; i < inputRank; ++i)
          if (!llvm::is_contained(*axes, i) && ++kept == d)
            return dim(input, i);
        return Size::unknown();
      })
      .Case([&](RangeOp range) {
        std::optional<int64_t> start = getScalarInt(range.getStart());
        std::optional<int64_t> delta = getScalarInt(range.getDelta());
        if (!start || delta != 1)
          return Size::unknown();
        Size limit = element(range.getLimit(), 0);
        if (limit.constant)
          return Size::ofConstant(std::max<int64_t>(*limit.constant - *start, 0));
        return *start == 0 ? limit : Size::unknown();
      })
      .Case([&](ConstantOfShapeOp fill) { return element(fill.getShape(), d); })
      .Case([&](AttentionOp attention) {
        if (value != attention.getOutput())
          return Size::unknown();
        return d < 3 ? dim(attention.getQuery(), d)
                     : dim(attention.getValue(), 3);
      })
      .Default([](Operation *) { return Size::unknown(); });
}

Size DimTracer::traceElement(Value value, int64_t index) {
  Operation *op = value.getDefiningOp();
  if (!op)
    return Size::unknown();
  return llvm::TypeSwitch<Operation *, Size>(op)
      .Case([&](ShapeOp shape) {
        auto [begin, end] = getShapeOpDimRange(shape);
        if (begin + index >= end)
          return Size::unknown();
        return dim(shape.getInput(), begin + index);
      })
      .Case([&](ConcatOp concat) {
        int64_t offset = 0;
        for (Value input : concat.getInputs()) {
          std::optional<int64_t> length = staticLength(input);
          if (!length || rankOf(input) != 1)
            return Size::unknown();
          if (index < offset + *length)
            return element(input, index - offset);
          offset += *length;
        }
        return Size::unknown();
      })
      .Case<UnsqueezeOp, SqueezeOp, ReshapeOp, CastOp>([&](auto op) {
        Value input = op->getOperand(0);
        if (staticLength(input) != staticLength(value) ||
            !getElementTypeOrSelf(input).isInteger() ||
            getElementTypeOrSelf(input).isInteger(1))
          return Size::unknown();
        return element(input, index);
      })
      .Case([&](GatherOp gather) {
        Value input = gather.getInput();
        std::optional<int64_t> length = staticLength(input);
        std::optional<SmallVector<int64_t>> indices =
            getConstantIntValues(gather.getIndices());
        if (!length || rankOf(input) != 1 || !indices ||
            static_cast<size_t>(index) >= indices->size())
          return Size::unknown();
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
          return Size::unknown();
        if (Value steps = slice.getSteps())
          if (getScalarInt(steps) != 1)
            return Size::unknown();
        if (Value axes = slice.getAxes()) {
          std::optional<int64_t> axis = getScalarInt(axes);
          if (axis != 0 && axis != -1)
            return Size::unknown();
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
          return Size::unknown();
        unsigned result = cast<OpResult>(value).getResultNumber();
        int64_t offset = 0;
        for (int64_t size : split.getSizes().take_front(result))
          offset += size;
        return element(input, offset + index);
      })
      .Case([&](WhereOp where) {
        // where(x == c, a, x): the exporters' "-1 becomes 1" of shapes.
        auto equal = where.getCondition().getDefiningOp<EqualOp>();
        if (!equal)
          return Size::unknown();
        Value cond = where.getCondition();
        int64_t ci = broadcastIndex(cond, index);
        Size lhs = element(equal.getLhs(), broadcastIndex(equal.getLhs(), ci));
        Size rhs = element(equal.getRhs(), broadcastIndex(equal.getRhs(), ci));
        std::optional<bool> isEqual;
        if (lhs.constant && rhs.constant)
          isEqual = *lhs.constant == *rhs.constant;
        else if ((lhs.value && rhs.constant && *rhs.constant < 0) ||
                 (rhs.value && lhs.constant && *lhs.constant < 0))
          isEqual = false;
        if (!isEqual)
          return Size::unknown();
        Value chosen = *isEqual ? where.getOnTrue() : where.getOnFalse();
        return element(chosen, broadcastIndex(chosen, index));
      })
      .Case<MulOp, AddOp, SubOp, DivOp>([&](auto arith) {
        Value l = arith.getLhs(), r = arith.getRhs();
        Size a = element(l, broadcastIndex(l, index));
        Size b = element(r, broadcastIndex(r, index));
        constexpr bool isMul = std::is_same_v<decltype(arith), MulOp>;
        constexpr bool isAdd = std::is_same_v<decltype(arith), AddOp>;
        if (a.constant && b.constant) {
          int64_t x = *a.constant, y = *b.constant;
          if (isMul)
            return Size::ofConstant(x * y);
          if (isAdd)
            return Size::ofConstant(x + y);
          if (std::is_same_v<decltype(arith), SubOp>)
            return Size::ofConstant(x - y);
          if (y != 0 && x % y == 0)
            return Size::ofConstant(x / y);
          return Size::unknown();
        }
        int64_t identity = isMul || std::is_same_v<decltype(arith), DivOp> ? 1 : 0;
        if (b.constant && *b.constant == identity)
          return a;
        if ((isMul || isAdd) && a.constant && *a.constant == identity)
          return b;
        return Size::unknown();
      })
      .Default([](Operation *) { return Size::unknown(); });
}

//===----------------------------------------------------------------------===//
// Keys and values
//===----------------------------------------------------------------------===//

/// reshape(transpose(reshape(x, [B*H, S, D]), [0, 2, 1]), [B, H, D, S]), the
/// dynamo exporter's kᵀ: x transposed by [0, 1, 3, 2]. The flattening may
/// read the 5-D head repeat of grouped-query attention directly; then
/// `source` is the un-repeated key and `repeated` is set.
bool attention::matchFlattenedTranspose(DimTracer &tracer, Value value,
                                        Value &source, bool &repeated) {
  auto unflatten = value.getDefiningOp<ReshapeOp>();
  if (!unflatten || cast<RankedTensorType>(value.getType()).getRank() != 4)
    return false;
  auto transpose = unflatten.getInput().getDefiningOp<TransposeOp>();
  if (!transpose || transpose.getPermutation() != ArrayRef<int64_t>{0, 2, 1})
    return false;
  auto flatten = transpose.getInput().getDefiningOp<ReshapeOp>();
  if (!flatten)
    return false;
  Value x = flatten.getInput(), flat = flatten.getResult();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if ((rank != 4 && rank != 5) ||
      cast<RankedTensorType>(flat.getType()).getRank() != 3)
    return false;
  // The flattening merges all but x's two trailing dims, and the
  // unflattening splits them back (the element count then fixes the heads).
  if (!tracer.sameDim(flat, 1, x, rank - 2) ||
      !tracer.sameDim(flat, 2, x, rank - 1) ||
      !tracer.sameDim(value, 0, x, 0) ||
      !tracer.sameDim(value, 2, x, rank - 1) ||
      !tracer.sameDim(value, 3, x, rank - 2))
    return false;
  if (rank == 4) {
    if (!tracer.sameDim(value, 1, x, 1))
      return false;
    source = x;
    repeated = false;
    return true;
  }
  std::optional<Value> heads = unrepeatExpand(tracer, x);
  if (!heads)
    return false;
  source = *heads;
  repeated = true;
  return true;
}

/// x from expand(unsqueeze(x, 2), [B, Hkv, n, S, D]): heads repeated along a
/// new dim.
std::optional<Value> attention::unrepeatExpand(DimTracer &tracer,
                                              Value expanded) {
  auto expand = expanded.getDefiningOp<ExpandOp>();
  if (!expand || cast<RankedTensorType>(expanded.getType()).getRank() != 5)
    return std::nullopt;
  auto unsqueeze = expand.getInput().getDefiningOp<UnsqueezeOp>();
  if (!unsqueeze || unsqueeze.getAxes().size() != 1 ||
      (unsqueeze.getAxes()[0] != 2 && unsqueeze.getAxes()[0] != -3))
    return std::nullopt;
  Value x = unsqueeze.getInput();
  if (cast<RankedTensorType>(x.getType()).getRank() != 4)
    return std::nullopt;
  // The expand only repeats along the new dim.
  if (!tracer.sameDim(expanded, 0, x, 0) ||
      !tracer.sameDim(expanded, 1, x, 1) ||
      !tracer.sameDim(expanded, 3, x, 2) || !tracer.sameDim(expanded, 4, x, 3))
    return std::nullopt;
  return x;
}

/// The key/value heads before a repeat for grouped-query attention:
/// reshape(expand(unsqueeze(x, 2), [B, Hkv, n, S, D]), [B, Hkv * n, S, D]),
/// or expand(x) of a single head.
std::optional<Value> attention::unrepeatHeads(DimTracer &tracer, Value kv) {
  if (cast<RankedTensorType>(kv.getType()).getRank() != 4)
    return std::nullopt;
  if (auto merge = kv.getDefiningOp<ReshapeOp>()) {
    std::optional<Value> x = unrepeatExpand(tracer, merge.getInput());
    // The reshape merges the new dim into the heads (the element count then
    // fixes the merged size).
    if (!x || !tracer.sameDim(kv, 0, *x, 0) || !tracer.sameDim(kv, 2, *x, 2) ||
        !tracer.sameDim(kv, 3, *x, 3))
      return std::nullopt;
    return x;
  }
  if (auto expand = kv.getDefiningOp<ExpandOp>()) {
    Value x = expand.getInput();
    if (cast<RankedTensorType>(x.getType()).getRank() != 4 ||
        !(tracer.dim(x, 1) == Size::ofConstant(1)))
      return std::nullopt;
    if (!tracer.sameDim(kv, 0, x, 0) || !tracer.sameDim(kv, 2, x, 2) ||
        !tracer.sameDim(kv, 3, x, 3))
      return std::nullopt;
    return x;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Causal masks
//===----------------------------------------------------------------------===//

namespace {

/// An integer tensor whose entries are `offset + position` along one dim
/// and constant along the others: the row or column index of a causal mask.
struct IndexTensor {
  int64_t axis;
  int64_t offset;
  Size length;
};

/// Which side of the diagonal a boolean tensor keeps: `lower` is
/// "j <= i + offset", otherwise "j > i + offset".
struct Triangle {
  bool lower;
  int64_t offset;
};

} // namespace

/// `value` as an index along one of its dims, in its own rank.
static std::optional<IndexTensor> matchIndex(DimTracer &tracer, Value value,
                                             int depth = 0) {
  if (depth > 16)
    return std::nullopt;
  auto type = cast<RankedTensorType>(value.getType());
  if (DenseElementsAttr attr = getDenseConstant(value)) {
    if (!attr.getElementType().isInteger() ||
        attr.getElementType().isInteger(1) || !type.hasStaticShape())
      return std::nullopt;
    std::optional<int64_t> axis;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.getDimSize(d) == 1)
        continue;
      if (axis)
        return std::nullopt;
      axis = d;
    }
    if (!axis)
      return std::nullopt;
    SmallVector<int64_t> values;
    for (const APInt &v : attr.getValues<APInt>())
      values.push_back(v.getSExtValue());
    for (size_t t = 0; t < values.size(); ++t)
      if (values[t] != values[0] + static_cast<int64_t>(t))
        return std::nullopt;
    return IndexTensor{*axis, values[0],
                       Size::ofConstant(type.getDimSize(*axis))};
  }
  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (auto range = dyn_cast<RangeOp>(op)) {
    std::optional<int64_t> start = getScalarInt(range.getStart());
    if (!start || getScalarInt(range.getDelta()) != 1)
      return std::nullopt;
    return IndexTensor{0, *start, tracer.dim(value, 0)};
  }
  if (auto unsqueeze = dyn_cast<UnsqueezeOp>(op)) {
    std::optional<IndexTensor> inner =
        matchIndex(tracer, unsqueeze.getInput(), depth + 1);
    std::optional<SmallVector<int64_t>> axes =
        normalizeAxes(unsqueeze.getAxes(), type.getRank());
    if (!inner || !axes)
      return std::nullopt;
    int64_t kept = -1;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (!llvm::is_contained(*axes, d) && ++kept == inner->axis)
        return IndexTensor{d, inner->offset, inner->length};
    return std::nullopt;
  }
  if (auto cast = dyn_cast<CastOp>(op)) {
    if (!getElementTypeOrSelf(value).isInteger() ||
        getElementTypeOrSelf(value).isInteger(1))
      return std::nullopt;
    return matchIndex(tracer, cast.getInput(), depth + 1);
  }
  if (isa<AddOp, SubOp>(op)) {
    Value lhs = op->getOperand(0), rhs = op->getOperand(1);
    bool isSub = isa<SubOp>(op);
    std::optional<int64_t> c = getScalarInt(rhs);
    Value base = lhs;
    if (!c && !isSub) {
      c = getScalarInt(lhs);
      base = rhs;
    }
    if (!c || base.getType() != value.getType())
      return std::nullopt;
    std::optional<IndexTensor> inner = matchIndex(tracer, base, depth + 1);
    if (!inner)
      return std::nullopt;
    inner->offset += isSub ? -*c : *c;
    return inner;
  }
  return std::nullopt;
}

/// `value` aligned to the rank-4 scores: the score dim it indexes, checked
/// to run over that whole dim.
static std::optional<IndexTensor> matchScoreIndex(DimTracer &tracer,
                                                  Value value, Value scores) {
  int64_t rank = rankOf(value);
  if (rank > 4)
    return std::nullopt;
  std::optional<IndexTensor> index = matchIndex(tracer, value);
  if (!index)
    return std::nullopt;
  index->axis += 4 - rank;
  Size extent = tracer.dim(scores, index->axis);
  if (!extent.isKnown() || !(extent == index->length))
    return std::nullopt;
  return index;
}

static std::optional<Triangle> matchTriangle(DimTracer &tracer, Value value,
                                             Value scores, std::string &why,
                                             int depth = 0) {
  if (depth > 8)
    return std::nullopt;
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();

  // A constant checked entry by entry.
  if (DenseElementsAttr attr = getDenseConstant(value)) {
    if (rank < 2 || !type.hasStaticShape() || attr.isSplat())
      return std::nullopt;
    for (int64_t d = 0; d + 2 < rank; ++d)
      if (type.getDimSize(d) != 1)
        return std::nullopt;
    int64_t rows = type.getDimSize(rank - 2), cols = type.getDimSize(rank - 1);
    if (!(tracer.dim(scores, 2) == Size::ofConstant(rows)) ||
        !(tracer.dim(scores, 3) == Size::ofConstant(cols)))
      return std::nullopt;
    SmallVector<bool> keep;
    if (attr.getElementType().isInteger(1)) {
      llvm::append_range(keep, attr.getValues<bool>());
    } else if (isa<FloatType>(attr.getElementType())) {
      for (const APFloat &v : attr.getValues<APFloat>())
        keep.push_back(!v.isZero());
    } else {
      for (const APInt &v : attr.getValues<APInt>())
        keep.push_back(!v.isZero());
    }
    int64_t visible = llvm::count(ArrayRef(keep).take_front(cols), true);
    // Row 0 decides the offset; rows that see nothing or everything in
    // row 0 are not a causal triangle the op can express.
    bool lower = keep[0];
    int64_t offset = lower ? visible - 1 : cols - visible - 1;
    if (visible == 0 || visible == cols) {
      why = "the causal mask constant is not lower-triangular";
      return std::nullopt;
    }
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        if (keep[i * cols + j] != (lower == (j <= i + offset))) {
          why = "the causal mask constant is not lower-triangular";
          return std::nullopt;
        }
    return Triangle{lower, offset};
  }

  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (auto notOp = dyn_cast<NotOp>(op)) {
    std::optional<Triangle> inner =
        matchTriangle(tracer, notOp.getInput(), scores, why, depth + 1);
    if (inner)
      inner->lower = !inner->lower;
    return inner;
  }
  if (auto cast = dyn_cast<CastOp>(op)) {
    // 0/1 values to booleans.
    if (!type.getElementType().isInteger(1))
      return std::nullopt;
    return matchTriangle(tracer, cast.getInput(), scores, why, depth + 1);
  }
  if (auto equal = dyn_cast<EqualOp>(op)) {
    // x == 0 flips a 0/1 triangle.
    std::optional<double> zero = getScalarFloat(equal.getRhs());
    std::optional<int64_t> izero = getScalarInt(equal.getRhs());
    if (!(zero == 0.0) && !(izero == 0))
      return std::nullopt;
    std::optional<Triangle> inner =
        matchTriangle(tracer, equal.getLhs(), scores, why, depth + 1);
    if (inner)
      inner->lower = !inner->lower;
    return inner;
  }
  if (auto trilu = dyn_cast<TriluOp>(op)) {
    // Trilu of a tensor of ones.
    Value ones = trilu.getInput();
    bool allOnes = false;
    if (DenseElementsAttr attr = getDenseConstant(ones)) {
      allOnes = attr.isSplat() &&
                (isa<FloatType>(attr.getElementType())
                     ? attr.getSplatValue<APFloat>().convertToDouble() == 1.0
                     : attr.getSplatValue<APInt>().getZExtValue() == 1);
    } else if (auto fill = ones.getDefiningOp<ConstantOfShapeOp>()) {
      if (auto attr = dyn_cast<DenseElementsAttr>(fill.getValue()))
        allOnes = attr.isSplat() &&
                  (isa<FloatType>(attr.getElementType())
                       ? attr.getSplatValue<APFloat>().convertToDouble() == 1.0
                       : attr.getSplatValue<APInt>().getZExtValue() == 1);
    }
    std::optional<int64_t> k = 0;
    if (Value kValue = trilu.getK())
      k = getScalarInt(kValue);
    if (!allOnes || !k || rank < 2 || rank > 4)
      return std::nullopt;
    for (int64_t d = 0; d + 2 < rank; ++d)
      if (!(tracer.dim(value, d) == Size::ofConstant(1)))
        return std::nullopt;
    if (!tracer.sameDim(value, rank - 2, scores, 2) ||
        !tracer.sameDim(value, rank - 1, scores, 3))
      return std::nullopt;
    // lower keeps j - i <= k; upper keeps j - i >= k, i.e. j > i + k - 1.
    if (trilu.getUpper())
      return Triangle{false, *k - 1};
    return Triangle{true, *k};
  }

  // Comparisons of a column index with a row index.
  if (!isa<LessEqualOp, LessOp, GreaterEqualOp, GreaterOp>(op))
    return std::nullopt;
  std::optional<IndexTensor> a = matchScoreIndex(tracer, op->getOperand(0), scores);
  std::optional<IndexTensor> b = matchScoreIndex(tracer, op->getOperand(1), scores);
  if (!a || !b)
    return std::nullopt;
  // Normalise to `col OP row` with col = j + cj and row = i + ci.
  bool swapped = false;
  if (a->axis == 2 && b->axis == 3) {
    std::swap(a, b);
    swapped = true;
  }
  if (a->axis != 3 || b->axis != 2)
    return std::nullopt;
  int64_t delta = b->offset - a->offset; // j OP i + delta
  // The relation as written, read with the column first.
  enum { LE, LT, GE, GT } relation;
  if (isa<LessEqualOp>(op))
    relation = swapped ? GE : LE;
  else if (isa<LessOp>(op))
    relation = swapped ? GT : LT;
  else if (isa<GreaterEqualOp>(op))
    relation = swapped ? LE : GE;
  else
    relation = swapped ? LT : GT;
  switch (relation) {
  case LE:
    return Triangle{true, delta};
  case LT:
    return Triangle{true, delta - 1};
  case GE:
    return Triangle{false, delta - 1};
  case GT:
    return Triangle{false, delta};
  }
  return std::nullopt;
}

std::optional<int64_t> attention::matchCausalTerm(DimTracer &tracer,
                                                  Value keep, bool negated,
                                                  Value scores,
                                                  std::string &why) {
  std::optional<Triangle> triangle = matchTriangle(tracer, keep, scores, why);
  if (!triangle)
    return std::nullopt;
  if (triangle->lower == negated) {
    why = "the causal mask keeps the upper triangle";
    return std::nullopt;
  }
  return triangle->offset;
}
