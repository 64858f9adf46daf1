//===- SequenceOps.cpp - Importing sequence and optional values ----------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A sequence whose length is known at import is, in the importer, the list
// of its elements' SSA values: the dialect has no sequence type, and every
// op on a sequence becomes ops on its elements. SequenceConstruct lists its
// inputs, SplitToSequence is a Split, ConcatFromSequence a Concat of the
// elements, SequenceLength a constant, SequenceMap imports its body once per
// element. A position known only at run time is checked when the model runs
// and picks among the elements with scf.if.
//
// An optional is decided at import: one that holds a value is that value,
// an empty one is GraphValue::none(); OptionalHasElement is then a constant.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

static RankedTensorType typeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

//===----------------------------------------------------------------------===//
// Positions
//===----------------------------------------------------------------------===//

namespace {
/// A position in a sequence: known at import, or an index value computed
/// when the model runs (already checked and made non-negative).
struct Position {
  std::optional<int64_t> known;
  Value atRunTime;
};
} // namespace

/// The position input `i` (0-D or one element), normalized against a
/// sequence of `length` elements: in [-length, length) or, when `end` is
/// allowed, [-length, length]. Absent, it is `fallback`. A constant out of
/// range is an import error; a run-time one a check when the model runs.
static FailureOr<Position> readPosition(NodeContext &ctx, unsigned i,
                                        int64_t length, bool end,
                                        int64_t fallback) {
  int64_t limit = end ? length : length - 1;
  if (!ctx.input(i))
    return Position{fallback, nullptr};
  if (std::optional<llvm::SmallVector<int64_t>> known = ctx.constantInts(i)) {
    if (known->size() != 1)
      return ctx.emitError()
             << ctx.opType() << " needs a scalar position, it has "
             << known->size() << " elements";
    int64_t p = known->front();
    if (p < -length || p > limit)
      return ctx.emitError() << ctx.opType() << ": position " << p
                             << " is out of range for a sequence of " << length
                             << " element(s)";
    return Position{p < 0 ? p + length : p, nullptr};
  }
  Formula f(ctx);
  FailureOr<Value> p = scalarOf(ctx, ctx.input(i));
  if (failed(checkAtRunTime(
          ctx,
          f.op<x::AndOp>(f.op<x::GreaterEqualOp>(p, f.scalar(p, -length)),
                         f.op<x::LessEqualOp>(p, f.scalar(p, limit))),
          "position out of range for a sequence of " + llvm::Twine(length) +
              " element(s)")))
    return failure();
  FailureOr<Value> normalized =
      f.where(f.op<x::LessOp>(p, f.scalar(p, 0)),
              f.op<x::AddOp>(p, f.scalar(p, length)), p);
  if (failed(normalized))
    return failure();
  OpBuilder &b = ctx.builder();
  Value scalar =
      tensor::ExtractOp::create(b, ctx.loc(), *normalized, ValueRange());
  return Position{std::nullopt, arith::IndexCastOp::create(
                                    b, ctx.loc(), b.getIndexType(), scalar)};
}

/// The type that holds every one of `values`: dims that differ dynamic.
static FailureOr<RankedTensorType> commonType(NodeContext &ctx,
                                              ArrayRef<Value> values) {
  RankedTensorType joined = typeOf(values.front());
  for (Value value : values.drop_front()) {
    RankedTensorType type = typeOf(value);
    if (type.getElementType() != joined.getElementType() ||
        type.getRank() != joined.getRank())
      return ctx.emitError() << "unsupported " << ctx.opType()
                             << ": a position known only at run time over "
                                "elements of different element types or "
                                "ranks ("
                             << joined << ", " << type << ")";
    SmallVector<int64_t> shape;
    for (auto [a, b] : llvm::zip_equal(joined.getShape(), type.getShape()))
      shape.push_back(a == b ? a : ShapedType::kDynamic);
    joined = joined.clone(shape);
  }
  return joined;
}

/// `candidates[choice - first]` as `type`: a chain of scf.if, whose
/// innermost else holds the last candidate.
static Value buildPick(OpBuilder &b, Location loc, Value choice,
                       ArrayRef<Value> candidates, int64_t first,
                       RankedTensorType type) {
  auto cast = [&](Value value) -> Value {
    if (value.getType() == type)
      return value;
    return tensor::CastOp::create(b, loc, type, value);
  };
  if (candidates.size() == 1)
    return cast(candidates.front());
  Value index = arith::ConstantIndexOp::create(b, loc, first);
  Value taken =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, choice, index);
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{type}, taken,
                                /*addThenBlock=*/true, /*addElseBlock=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  scf::YieldOp::create(b, loc, cast(candidates.front()));
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  scf::YieldOp::create(
      b, loc,
      buildPick(b, loc, choice, candidates.drop_front(), first + 1, type));
  return ifOp.getResult(0);
}

/// `candidates[choice]`, `choice` an index known only at run time (in
/// range).
static FailureOr<Value> pickAtRunTime(NodeContext &ctx, Value choice,
                                      ArrayRef<Value> candidates) {
  if (llvm::all_equal(candidates))
    return candidates.front();
  FailureOr<RankedTensorType> type = commonType(ctx, candidates);
  if (failed(type))
    return failure();
  return buildPick(ctx.builder(), ctx.loc(), choice, candidates, 0, *type);
}

//===----------------------------------------------------------------------===//
// Sequences
//===----------------------------------------------------------------------===//

static LogicalResult convertSequenceEmpty(NodeContext &ctx) {
  return ctx.setGraphOutputs(GraphValue::sequence({}));
}

static LogicalResult convertSequenceConstruct(NodeContext &ctx) {
  SmallVector<Value> elements;
  for (unsigned i = 0; i < ctx.numInputs(); ++i) {
    FailureOr<Value> element = ctx.requiredInput(i, "inputs");
    if (failed(element))
      return failure();
    if (!elements.empty() && typeOf(*element).getElementType() !=
                                 typeOf(elements.front()).getElementType())
      return ctx.emitError()
             << "SequenceConstruct: its inputs have different "
                "element types ("
             << elements.front().getType() << ", " << element->getType() << ")";
    elements.push_back(*element);
  }
  return ctx.setGraphOutputs(GraphValue::sequence(elements));
}

static LogicalResult convertSequenceLength(NodeContext &ctx) {
  FailureOr<SmallVector<Value>> sequence =
      ctx.sequenceInput(0, "input_sequence");
  if (failed(sequence))
    return failure();
  return ctx.setOutput(
      ctx.scalar(ctx.builder().getI64Type(), sequence->size()));
}

static LogicalResult convertSequenceAt(NodeContext &ctx) {
  FailureOr<SmallVector<Value>> sequence =
      ctx.sequenceInput(0, "input_sequence");
  if (failed(sequence))
    return failure();
  if (!ctx.input(1))
    return ctx.emitError() << "SequenceAt needs input 1 (position)";
  if (sequence->empty())
    return ctx.emitError() << "SequenceAt: the sequence is empty";
  FailureOr<Position> position =
      readPosition(ctx, 1, sequence->size(), /*end=*/false, 0);
  if (failed(position))
    return failure();
  if (position->known)
    return ctx.setOutput((*sequence)[*position->known]);
  return ctx.setOutput(pickAtRunTime(ctx, position->atRunTime, *sequence));
}

/// Element `k` of `sequence`, or `fallback` past its ends.
static Value elementOr(ArrayRef<Value> sequence, int64_t k, Value fallback) {
  return k >= 0 && k < static_cast<int64_t>(sequence.size()) ? sequence[k]
                                                             : fallback;
}

static LogicalResult convertSequenceInsert(NodeContext &ctx) {
  FailureOr<SmallVector<Value>> sequence =
      ctx.sequenceInput(0, "input_sequence");
  FailureOr<Value> tensor = ctx.requiredInput(1, "tensor");
  if (failed(sequence) || failed(tensor))
    return failure();
  int64_t length = sequence->size();
  if (length && typeOf(*tensor).getElementType() !=
                    typeOf(sequence->front()).getElementType())
    return ctx.emitError() << "SequenceInsert: the tensor is "
                           << tensor->getType() << ", the sequence's elements "
                           << sequence->front().getType();
  FailureOr<Position> position =
      readPosition(ctx, 2, length, /*end=*/true, length);
  if (failed(position))
    return failure();
  SmallVector<Value> result = *sequence;
  if (position->known) {
    result.insert(result.begin() + *position->known, *tensor);
    return ctx.setGraphOutputs(GraphValue::sequence(result));
  }
  // Element k is the old element k before the position, the tensor at it,
  // the old element k - 1 after it: choice 0, 1 or 2.
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value p = position->atRunTime;
  result.clear();
  for (int64_t k = 0; k <= length; ++k) {
    Value index = arith::ConstantIndexOp::create(b, loc, k);
    Value before =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, p, index);
    Value at =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, p, index);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value two = arith::ConstantIndexOp::create(b, loc, 2);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value choice = arith::SelectOp::create(
        b, loc, before, zero, arith::SelectOp::create(b, loc, at, one, two));
    FailureOr<Value> element =
        pickAtRunTime(ctx, choice,
                      {elementOr(*sequence, k, *tensor), *tensor,
                       elementOr(*sequence, k - 1, *tensor)});
    if (failed(element))
      return failure();
    result.push_back(*element);
  }
  return ctx.setGraphOutputs(GraphValue::sequence(result));
}

static LogicalResult convertSequenceErase(NodeContext &ctx) {
  FailureOr<SmallVector<Value>> sequence =
      ctx.sequenceInput(0, "input_sequence");
  if (failed(sequence))
    return failure();
  int64_t length = sequence->size();
  if (length == 0)
    return ctx.emitError() << "SequenceErase: the sequence is empty";
  FailureOr<Position> position =
      readPosition(ctx, 1, length, /*end=*/false, length - 1);
  if (failed(position))
    return failure();
  SmallVector<Value> result = *sequence;
  if (position->known) {
    result.erase(result.begin() + *position->known);
    return ctx.setGraphOutputs(GraphValue::sequence(result));
  }
  // Element k is the old element k before the position, k + 1 from it on.
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  result.clear();
  for (int64_t k = 0; k + 1 < length; ++k) {
    Value index = arith::ConstantIndexOp::create(b, loc, k);
    Value from = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                       position->atRunTime, index);
    Value choice = arith::IndexCastOp::create(b, loc, b.getIndexType(), from);
    FailureOr<Value> element =
        pickAtRunTime(ctx, choice, {(*sequence)[k], (*sequence)[k + 1]});
    if (failed(element))
      return failure();
    result.push_back(*element);
  }
  return ctx.setGraphOutputs(GraphValue::sequence(result));
}

static LogicalResult convertSplitToSequence(NodeContext &ctx) {
  FailureOr<Value> data = ctx.requiredInput(0, "input");
  if (failed(data))
    return failure();
  RankedTensorType type = typeOf(*data);
  int64_t rank = type.getRank();
  int64_t axis = ctx.getInt("axis", 0);
  std::optional<int64_t> normalized = x::normalizeAxis(axis, rank);
  if (!normalized)
    return ctx.emitError() << "SplitToSequence axis " << axis
                           << " is out of range for rank " << rank;
  axis = *normalized;
  OpBuilder &b = ctx.builder();
  int64_t dim = type.getDimSize(axis);
  Value split = ctx.input(1);
  bool scalarSplit = split && typeOf(split).getRank() == 0;

  if (split && !scalarSplit) {
    std::optional<SmallVector<int64_t>> sizes = ctx.constantInts(1);
    if (!sizes) {
      if (typeOf(split).getRank() != 1 || typeOf(split).isDynamicDim(0))
        return ctx.unsupported(
            "split sizes known only at run time whose number is too (the "
            "sequence's length must be known at import)");
      FailureOr<SmallVector<Value>> pieces =
          splitAtRunTime(ctx, *data, split, axis);
      if (failed(pieces))
        return failure();
      return ctx.setGraphOutputs(GraphValue::sequence(*pieces));
    }
    FailureOr<x::SplitOp> pieces = ctx.create<x::SplitOp>(
        *data, b.getI64IntegerAttr(axis), b.getDenseI64ArrayAttr(*sizes));
    if (failed(pieces))
      return failure();
    return ctx.setGraphOutputs(
        GraphValue::sequence(SmallVector<Value>(pieces->getOutputs())));
  }

  // Pieces of one size: 1 by default, the scalar split otherwise.
  int64_t chunk = 1;
  if (scalarSplit) {
    std::optional<SmallVector<int64_t>> known = ctx.constantInts(1);
    if (!known)
      return ctx.unsupported(
          "a split size known only at run time (the number of pieces, the "
          "sequence's length, must be known at import)");
    chunk = known->front();
    if (chunk <= 0)
      return ctx.emitError() << "SplitToSequence: split is " << chunk
                             << "; it must be positive";
  }
  if (ShapedType::isDynamic(dim))
    return ctx.unsupported("a split of dim " + llvm::Twine(axis) +
                           ", which is dynamic (the sequence's length must be "
                           "known at import)");
  SmallVector<int64_t> sizes;
  for (int64_t start = 0; start < dim; start += chunk)
    sizes.push_back(std::min(chunk, dim - start));
  if (sizes.empty())
    return ctx.setGraphOutputs(GraphValue::sequence({}));
  FailureOr<x::SplitOp> pieces = ctx.create<x::SplitOp>(
      *data, b.getI64IntegerAttr(axis), b.getDenseI64ArrayAttr(sizes));
  if (failed(pieces))
    return failure();
  SmallVector<Value> elements(pieces->getOutputs());
  if (!split && ctx.getInt("keepdims", 1) == 0)
    for (Value &element : elements) {
      FailureOr<Value> squeezed =
          ctx.value<x::SqueezeOp>(element, b.getDenseI64ArrayAttr({axis}));
      if (failed(squeezed))
        return failure();
      element = *squeezed;
    }
  return ctx.setGraphOutputs(GraphValue::sequence(elements));
}

static LogicalResult convertConcatFromSequence(NodeContext &ctx) {
  FailureOr<SmallVector<Value>> sequence =
      ctx.sequenceInput(0, "input_sequence");
  if (failed(sequence))
    return failure();
  if (sequence->empty())
    return ctx.emitError()
           << "ConcatFromSequence: the sequence is empty (ONNX Runtime "
              "rejects it too: its result has no element type or shape)";
  if (!ctx.hasAttr("axis"))
    return ctx.emitError() << "ConcatFromSequence needs the 'axis' attribute";
  int64_t axis = ctx.getInt("axis", 0);
  bool newAxis = ctx.getInt("new_axis", 0) != 0;
  int64_t rank = typeOf(sequence->front()).getRank() + (newAxis ? 1 : 0);
  std::optional<int64_t> normalized = x::normalizeAxis(axis, rank);
  if (!normalized)
    return ctx.emitError() << "ConcatFromSequence axis " << axis
                           << " is out of range for rank " << rank;
  OpBuilder &b = ctx.builder();
  SmallVector<Value> parts = *sequence;
  if (newAxis)
    for (Value &part : parts) {
      FailureOr<Value> row = ctx.value<x::UnsqueezeOp>(
          part, b.getDenseI64ArrayAttr({*normalized}));
      if (failed(row))
        return failure();
      part = *row;
    }
  if (parts.size() == 1)
    return ctx.setOutput(parts.front());
  return ctx.setOutput(ctx.value<x::ConcatOp>(
      ValueRange(parts), b.getI64IntegerAttr(*normalized)));
}

/// SequenceMap: its body imported once per element, reading element k of
/// each sequence input and the whole of each tensor input.
static LogicalResult convertSequenceMap(NodeContext &ctx) {
  const onnx::GraphProto *body = ctx.graphAttr("body");
  if (!body)
    return ctx.emitError() << "SequenceMap needs the graph attribute body";
  FailureOr<SmallVector<Value>> first = ctx.sequenceInput(0, "input_sequence");
  if (failed(first))
    return failure();
  size_t length = first->size();
  for (unsigned i = 1; i < ctx.numInputs(); ++i) {
    GraphValue input = ctx.graphInput(i);
    if (input.isSequence() && input.elements.size() != length)
      return ctx.emitError()
             << "SequenceMap: input " << i << " has " << input.elements.size()
             << " element(s), input 0 has " << length;
    if (!input.isSequence() && !input.isTensor())
      return ctx.emitError() << "SequenceMap needs input " << i
                             << " (additional_inputs), a tensor or a sequence";
  }
  SmallVector<SmallVector<Value>> outputs(body->output_size());
  for (size_t k = 0; k < length; ++k) {
    SmallVector<GraphValue> inputs;
    for (unsigned i = 0; i < ctx.numInputs(); ++i) {
      GraphValue input = ctx.graphInput(i);
      inputs.push_back(input.isSequence() ? GraphValue(input.elements[k])
                                          : input);
    }
    FailureOr<SmallVector<GraphValue>> results =
        ctx.importSubgraphValues(*body, inputs);
    if (failed(results))
      return failure();
    for (auto [j, result] : llvm::enumerate(*results)) {
      if (!result.isTensor())
        return ctx.emitError() << "SequenceMap: output '"
                               << body->output(j).name() << "' of its body is "
                               << result.describe() << "; it must be a tensor";
      outputs[j].push_back(result.tensor);
    }
  }
  SmallVector<GraphValue> sequences;
  for (const SmallVector<Value> &elements : outputs)
    sequences.push_back(GraphValue::sequence(elements));
  return ctx.setGraphOutputs(sequences);
}

//===----------------------------------------------------------------------===//
// Optionals
//===----------------------------------------------------------------------===//

static LogicalResult convertOptional(NodeContext &ctx) {
  GraphValue input = ctx.graphInput(0);
  return ctx.setGraphOutputs(input.isSet() ? input : GraphValue::none());
}

static LogicalResult convertOptionalHasElement(NodeContext &ctx) {
  GraphValue input = ctx.graphInput(0);
  bool has = input.isSet() && !input.isNone();
  return ctx.setOutput(ctx.scalar(ctx.builder().getI1Type(), has ? 1 : 0));
}

static LogicalResult convertOptionalGetElement(NodeContext &ctx) {
  GraphValue input = ctx.graphInput(0);
  if (!input.isSet())
    return ctx.emitError() << "OptionalGetElement needs input 0 (input)";
  if (input.isNone())
    return ctx.emitError() << "OptionalGetElement: '" << ctx.proto().input(0)
                           << "' is an empty optional";
  return ctx.setGraphOutputs(input);
}

void mlir::xfmr::onnx_import::registerSequenceOps(OpRegistry &r) {
  r.add("", "SequenceEmpty", convertSequenceEmpty, 11);
  r.add("", "SequenceConstruct", convertSequenceConstruct, 11);
  r.add("", "SequenceLength", convertSequenceLength, 11);
  r.add("", "SequenceAt", convertSequenceAt, 11);
  r.add("", "SequenceInsert", convertSequenceInsert, 11);
  r.add("", "SequenceErase", convertSequenceErase, 11);
  r.add("", "SplitToSequence", convertSplitToSequence, 11);
  r.add("", "ConcatFromSequence", convertConcatFromSequence, 11);
  r.add("", "SequenceMap", convertSequenceMap, 17);
  r.add("", "Optional", convertOptional, 15);
  r.add("", "OptionalHasElement", convertOptionalHasElement, 15);
  r.add("", "OptionalGetElement", convertOptionalGetElement, 15);
}
