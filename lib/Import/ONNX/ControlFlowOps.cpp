//===- ControlFlowOps.cpp - Importing If, Loop and Scan -------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ONNX control flow becomes scf ops in the imported graph: If an scf.if,
// Loop an scf.for (a trip count and a condition that stays true, the form
// of exported `for` loops) or an scf.while, Scan an scf.for over the
// scanned axis. Subgraphs are imported into the regions, where they read
// the enclosing graph's values directly. Scan outputs are accumulators
// carried by the loop, grown by one slice per iteration, so their first
// dim is dynamic.
//
// A loop-carried value may change shape from one iteration to the next (a
// sequence grown by one token per step): the body is imported with the
// types of the initial values, and again with the dims that the body
// changes made dynamic, until the types agree.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// The type that holds values of both `a` and `b`: dims that differ become
/// dynamic. Fails when the element types or ranks differ.
static FailureOr<RankedTensorType> joinTypes(RankedTensorType a,
                                             RankedTensorType b) {
  if (a.getElementType() != b.getElementType() || a.getRank() != b.getRank())
    return failure();
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip_equal(a.getShape(), b.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return a.clone(shape);
}

static RankedTensorType typeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

static Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

/// The scalar held by a one-element tensor (a condition, a trip count).
static FailureOr<Value> extractScalar(NodeContext &ctx, Value tensor,
                                      llvm::StringRef what) {
  RankedTensorType type = typeOf(tensor);
  if (llvm::any_of(type.getShape(), [](int64_t d) { return d > 1; }))
    return ctx.emitError() << ctx.opType() << ": " << what
                           << " must hold one element; it is " << type;
  OpBuilder &b = ctx.builder();
  SmallVector<Value> indices;
  if (type.getRank() > 0)
    indices.assign(type.getRank(),
                   arith::ConstantIndexOp::create(b, ctx.loc(), 0));
  return tensor::ExtractOp::create(b, ctx.loc(), tensor, indices).getResult();
}

/// A 0-D tensor holding `scalar`, as a subgraph input.
static Value scalarTensor(OpBuilder &b, Location loc, Value scalar) {
  return tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({}, scalar.getType()), scalar);
}

/// Whether `value` is a constant whose elements are all true.
static bool isConstantTrue(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) ||
      !attr.getElementType().isInteger(1))
    return false;
  return llvm::all_of(attr.getValues<bool>(), [](bool b) { return b; });
}

/// The type a subgraph input declares, joined with `given`: what the body
/// of a loop sees of a carried value. Fails, naming the input, when the two
/// disagree on element type or rank.
static FailureOr<RankedTensorType>
joinDeclared(NodeContext &ctx, const onnx::ValueInfoProto &info,
             RankedTensorType given) {
  if (!info.type().has_tensor_type())
    return given;
  const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
  Type elementType = getElementType(ctx.context(), tensor.elem_type());
  if (tensor.elem_type() != 0 && elementType != given.getElementType())
    return ctx.emitError()
           << ctx.opType() << ": body input '" << info.name()
           << "' is declared " << getDataTypeName(tensor.elem_type())
           << " but the op gives it " << given;
  if (!tensor.has_shape())
    return given;
  if (tensor.shape().dim_size() != given.getRank())
    return ctx.emitError() << ctx.opType() << ": body input '" << info.name()
                           << "' is declared with rank "
                           << tensor.shape().dim_size()
                           << " but the op gives it " << given;
  SmallVector<int64_t> shape;
  for (const auto &dim : tensor.shape().dim())
    shape.push_back(dim.has_dim_value() ? dim.dim_value()
                                        : ShapedType::kDynamic);
  return *joinTypes(given, given.clone(shape));
}

//===----------------------------------------------------------------------===//
// Scan outputs
//===----------------------------------------------------------------------===//

/// The accumulator of a scan output whose slices have type `slice`: a
/// tensor with a dynamic leading dim.
static RankedTensorType accumulatorType(RankedTensorType slice) {
  SmallVector<int64_t> shape = {ShapedType::kDynamic};
  llvm::append_range(shape, slice.getShape());
  return slice.clone(shape);
}

/// The accumulator on entry. A loop whose trip count is known on entry
/// (`length`) writes slice i in place: the accumulator has `length` rows,
/// which needs slices of static shape. Other loops grow it from empty.
static Value initialAccumulator(OpBuilder &b, Location loc,
                                RankedTensorType slice, Value length) {
  if (length)
    return tensor::EmptyOp::create(b, loc, accumulatorType(slice), length);
  // Dims unknown before the first slice are 0 here; the first iteration
  // replaces the accumulator rather than growing it (see appendSlice). Not
  // read by an scf.for, whose canonicalization would take the cast's
  // static type for the carried one.
  SmallVector<int64_t> shape = {0};
  for (int64_t d : slice.getShape())
    shape.push_back(ShapedType::isDynamic(d) ? 0 : d);
  Value empty = tensor::EmptyOp::create(b, loc, shape, slice.getElementType());
  return castTo(b, loc, empty, accumulatorType(slice));
}

/// `acc` with `slice` written at row `iteration` (counted from the back for
/// a reverse scan) when the loop's trip count `length` is known, appended
/// (prepended) along a new leading dim otherwise.
static FailureOr<Value> appendSlice(NodeContext &ctx, Value acc, Value slice,
                                    Value iteration, Value length,
                                    bool reverse) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType accType = typeOf(acc);
  if (length) {
    Value row = iteration;
    if (reverse) {
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      row = arith::SubIOp::create(
          b, loc, arith::SubIOp::create(b, loc, length, one), iteration);
    }
    SmallVector<OpFoldResult> offsets(accType.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
    SmallVector<OpFoldResult> strides(accType.getRank(), b.getIndexAttr(1));
    offsets[0] = row;
    for (int64_t d : typeOf(slice).getShape())
      sizes.push_back(b.getIndexAttr(d));
    return tensor::InsertSliceOp::create(b, loc, slice, acc, offsets, sizes,
                                         strides)
        .getResult();
  }

  FailureOr<Value> row =
      ctx.value<x::UnsqueezeOp>(slice, b.getDenseI64ArrayAttr({0}));
  if (failed(row))
    return failure();
  auto grow = [&]() -> FailureOr<Value> {
    SmallVector<Value> parts = {acc, *row};
    if (reverse)
      std::swap(parts[0], parts[1]);
    FailureOr<Value> joined =
        ctx.value<x::ConcatOp>(ValueRange(parts), b.getI64IntegerAttr(0));
    if (failed(joined))
      return failure();
    return castTo(b, loc, *joined, accType);
  };
  if (typeOf(slice).hasStaticShape())
    return grow();

  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(iteration.getType()));
  Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        iteration, zero);
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{accType}, isFirst,
                                /*addThenBlock=*/true, /*addElseBlock=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  scf::YieldOp::create(b, loc, castTo(b, loc, *row, accType));
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  FailureOr<Value> grown = grow();
  if (failed(grown))
    return failure();
  scf::YieldOp::create(b, loc, *grown);
  return ifOp.getResult(0);
}

/// Whether every scan slice has a static shape (so that a loop whose trip
/// count is known can write them in place).
static bool allStatic(ArrayRef<RankedTensorType> slices) {
  return llvm::all_of(slices,
                      [](RankedTensorType t) { return t.hasStaticShape(); });
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

/// The value of a one-element i1 condition known at import: a constant, or
/// the negation of one (`Not (OptionalHasElement (x))`).
static std::optional<bool> knownCondition(Value cond) {
  bool negated = false;
  while (auto notOp = cond.getDefiningOp<x::NotOp>()) {
    negated = !negated;
    cond = notOp.getInput();
  }
  DenseElementsAttr known;
  if (!matchPattern(cond, m_Constant(&known)) ||
      !known.getElementType().isInteger(1) || known.getNumElements() != 1)
    return std::nullopt;
  return known.getSplatValue<bool>() != negated;
}

static LogicalResult convertIf(NodeContext &ctx) {
  FailureOr<Value> cond = ctx.requiredInput(0, "cond");
  if (failed(cond))
    return failure();
  const onnx::GraphProto *thenGraph = ctx.graphAttr("then_branch");
  const onnx::GraphProto *elseGraph = ctx.graphAttr("else_branch");
  if (!thenGraph || !elseGraph)
    return ctx.emitError()
           << "If needs the graph attributes then_branch and else_branch";
  // A condition known at import (exporters' checks on static shapes, on
  // whether an optional holds a value) picks its branch now, so that later
  // nodes see its exact types.
  if (std::optional<bool> known = knownCondition(*cond)) {
    FailureOr<SmallVector<GraphValue>> taken =
        ctx.importSubgraphValues(*known ? *thenGraph : *elseGraph, {});
    if (failed(taken))
      return failure();
    return ctx.setGraphOutputs(*taken);
  }
  FailureOr<Value> pred = extractScalar(ctx, *cond, "cond");
  if (failed(pred))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();

  // The result types are known once both branches are imported: they are
  // imported into an scf.if without results, whose regions then move.
  auto probe = scf::IfOp::create(b, loc, TypeRange(), *pred,
                                 /*withElseRegion=*/true);
  auto importBranch = [&](Region &region, const onnx::GraphProto &graph) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(region.front().getTerminator());
    return ctx.importSubgraphValues(graph, {});
  };
  FailureOr<SmallVector<GraphValue>> thenResults =
      importBranch(probe.getThenRegion(), *thenGraph);
  FailureOr<SmallVector<GraphValue>> elseResults = failure();
  if (succeeded(thenResults))
    elseResults = importBranch(probe.getElseRegion(), *elseGraph);
  auto fail = [&]() {
    probe.erase();
    return failure();
  };
  if (failed(elseResults))
    return fail();
  if (thenResults->size() != elseResults->size()) {
    ctx.emitError() << "If: then_branch has " << thenResults->size()
                    << " output(s), else_branch " << elseResults->size();
    return fail();
  }
  // The scf.if yields tensors: a sequence yields its elements, which needs
  // both branches to give the same kind of value and sequences of one
  // length.
  SmallVector<Value> thenValues, elseValues;
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(*thenResults, *elseResults))) {
    auto &[onTrue, onFalse] = pair;
    if (onTrue.kind != onFalse.kind ||
        onTrue.elements.size() != onFalse.elements.size()) {
      auto describe = [](const GraphValue &v) {
        std::string text = v.describe().str();
        if (v.isSequence())
          text += " of " + std::to_string(v.elements.size()) + " element(s)";
        return text;
      };
      (void)ctx.unsupported(
          "output " + llvm::Twine(i) + " is " + describe(onTrue) +
          " in then_branch but " + describe(onFalse) +
          " in else_branch; which optionals hold a value and how "
          "many elements a sequence has must be known at import");
      return fail();
    }
    if (onTrue.isTensor()) {
      thenValues.push_back(onTrue.tensor);
      elseValues.push_back(onFalse.tensor);
    }
    llvm::append_range(thenValues, onTrue.elements);
    llvm::append_range(elseValues, onFalse.elements);
  }

  SmallVector<Type> types;
  for (auto [i, pair] : llvm::enumerate(llvm::zip(thenValues, elseValues))) {
    auto [onTrue, onFalse] = pair;
    FailureOr<RankedTensorType> type =
        joinTypes(typeOf(onTrue), typeOf(onFalse));
    if (failed(type)) {
      ctx.emitError() << "If: output " << i << " is " << onTrue.getType()
                      << " in then_branch but " << onFalse.getType()
                      << " in else_branch";
      return fail();
    }
    types.push_back(*type);
  }

  auto ifOp = scf::IfOp::create(b, loc, types, *pred, /*addThenBlock=*/false,
                                /*addElseBlock=*/false);
  auto moveBranch = [&](Region &from, Region &to, ArrayRef<Value> values) {
    to.takeBody(from);
    Block &block = to.front();
    block.getTerminator()->erase();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(&block);
    SmallVector<Value> yielded;
    for (auto [value, type] : llvm::zip_equal(values, types))
      yielded.push_back(castTo(b, loc, value, type));
    scf::YieldOp::create(b, loc, yielded);
  };
  moveBranch(probe.getThenRegion(), ifOp.getThenRegion(), thenValues);
  moveBranch(probe.getElseRegion(), ifOp.getElseRegion(), elseValues);
  probe.erase();
  SmallVector<GraphValue> results;
  ValueRange flat = ifOp.getResults();
  for (const GraphValue &shape : *thenResults) {
    if (shape.isTensor()) {
      results.push_back(flat.front());
      flat = flat.drop_front();
    } else if (shape.isSequence()) {
      results.push_back(GraphValue::sequence(
          llvm::to_vector(flat.take_front(shape.elements.size()))));
      flat = flat.drop_front(shape.elements.size());
    } else {
      results.push_back(shape);
    }
  }
  return ctx.setGraphOutputs(results);
}

//===----------------------------------------------------------------------===//
// Loop and Scan
//===----------------------------------------------------------------------===//

namespace {
/// What a loop's body is imported with, refined between attempts.
struct LoopTypes {
  SmallVector<RankedTensorType> carried;
  /// The types of the scan outputs' slices, once an import has shown them.
  std::optional<SmallVector<RankedTensorType>> scanSlices;
};

/// A loop op whose body is imported but not yet terminated.
struct ImportedLoop {
  Operation *op = nullptr;
  Block *body = nullptr;
  /// The loop's counter in the body (index for scf.for, i64 for scf.while).
  Value iteration;
  /// The trip count of an scf.for (index), null for an scf.while.
  Value length;
  /// The body's condition output (Loop only), carried values, scan slices.
  Value condOut;
  SmallVector<Value> carriedOut, scanOut;
  /// The accumulators of the scan outputs, as the body sees them.
  SmallVector<Value> accumulators;
  /// The loop's initial operands.
  SmallVector<Value> inits;
  /// The values built before the loop for this attempt, erased with it when
  /// nothing else uses them.
  SmallVector<Value> created;

  /// Creates the scf.for over [lb, length) by `step` with the initial
  /// operands, and leaves `b` at the end of its empty body.
  scf::ForOp beginFor(OpBuilder &b, Location loc, Value lb, Value step) {
    auto forOp = scf::ForOp::create(b, loc, lb, length, step, inits);
    op = forOp;
    body = forOp.getBody();
    if (!body->empty())
      body->getTerminator()->erase();
    b.setInsertionPointToEnd(body);
    iteration = forOp.getInductionVar();
    return forOp;
  }

  void erase() {
    op->erase();
    for (Value value : llvm::reverse(created))
      if (Operation *def = value.getDefiningOp(); def && def->use_empty())
        def->erase();
  }
};
} // namespace

/// Compares the body's results with `types` after an import: widens the
/// carried types where the body changed a dim, records the scan slices'
/// types. Returns true when the body must be imported again.
static FailureOr<bool> refineLoopTypes(NodeContext &ctx,
                                       const onnx::GraphProto &body,
                                       unsigned firstCarriedInput,
                                       const ImportedLoop &loop,
                                       LoopTypes &types) {
  bool again = false;
  for (auto [i, value] : llvm::enumerate(loop.carriedOut)) {
    FailureOr<RankedTensorType> joined =
        joinTypes(types.carried[i], typeOf(value));
    if (failed(joined))
      return ctx.emitError()
             << ctx.opType() << ": loop-carried value '"
             << body.input(firstCarriedInput + i).name() << "' is "
             << types.carried[i] << " on entry but the body yields "
             << value.getType();
    again |= *joined != types.carried[i];
    types.carried[i] = *joined;
  }
  SmallVector<RankedTensorType> slices;
  for (Value value : loop.scanOut)
    slices.push_back(typeOf(value));
  if (!types.scanSlices) {
    types.scanSlices = slices;
    return again || !slices.empty();
  }
  for (auto [known, actual] : llvm::zip_equal(*types.scanSlices, slices)) {
    FailureOr<RankedTensorType> joined = joinTypes(known, actual);
    if (failed(joined))
      return ctx.emitError() << ctx.opType() << ": a scan output is " << known
                             << " in one import and " << actual
                             << " in the next";
    again |= *joined != known;
    known = *joined;
  }
  return again;
}

/// Sets `loop.inits` to the loop-carried values cast to `types`, then the
/// accumulators.
static void buildInits(OpBuilder &b, Location loc, ImportedLoop &loop,
                       ValueRange initial, const LoopTypes &types) {
  for (auto [value, type] : llvm::zip_equal(initial, types.carried)) {
    loop.inits.push_back(castTo(b, loc, value, type));
    if (loop.inits.back() != value)
      loop.created.push_back(loop.inits.back());
  }
  if (types.scanSlices)
    for (RankedTensorType slice : *types.scanSlices)
      loop.created.push_back(loop.inits.emplace_back(
          initialAccumulator(b, loc, slice, loop.length)));
}

/// Appends the body's scan slices to the accumulators; returns the values
/// for the loop's yield after `leading` ones (counter and condition).
static FailureOr<SmallVector<Value>>
grownAccumulators(NodeContext &ctx, const ImportedLoop &loop,
                  ArrayRef<bool> prepend) {
  SmallVector<Value> grown;
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip_equal(loop.accumulators, loop.scanOut))) {
    auto [acc, slice] = pair;
    FailureOr<Value> next = appendSlice(ctx, acc, slice, loop.iteration,
                                        loop.length, prepend[i]);
    if (failed(next))
      return failure();
    grown.push_back(*next);
  }
  return grown;
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

namespace {
struct LoopOperands {
  const onnx::GraphProto *body;
  /// The trip count and the entry condition as scalars (null if absent).
  Value tripCount, cond;
  SmallVector<Value> initial;
  unsigned numScans;
};
} // namespace

/// Imports the Loop's body into a new scf.for (`isFor`) or scf.while.
static FailureOr<ImportedLoop> importLoop(NodeContext &ctx,
                                          const LoopOperands &operands,
                                          const LoopTypes &types, bool isFor) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  ImportedLoop loop;
  Value lb, step, ub;
  if (isFor) {
    lb = arith::ConstantIndexOp::create(b, loc, 0);
    step = arith::ConstantIndexOp::create(b, loc, 1);
    ub = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                    operands.tripCount);
    loop.length = arith::MaxSIOp::create(b, loc, ub, lb);
  }
  buildInits(b, loc, loop, operands.initial, types);
  // The loop goes at the insertion point, which stays after it.
  OpBuilder::InsertionGuard guard(b);
  unsigned numCarried = operands.initial.size();
  Value iterationI64;
  SmallVector<Value> carriedArgs;
  // The body's condition input, a 0-D tensor.
  Value condIn;

  if (isFor) {
    scf::ForOp forOp = loop.beginFor(b, loc, lb, step);
    loop.created.insert(loop.created.begin(), {ub, lb, step, loop.length});
    iterationI64 = arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                              loop.iteration);
    ValueRange args = forOp.getRegionIterArgs();
    carriedArgs.assign(args.begin(), args.begin() + numCarried);
    loop.accumulators.assign(args.begin() + numCarried, args.end());
    condIn = ctx.scalar(b.getI1Type(), 1);
  } else {
    SmallVector<Value> inits = {
        arith::ConstantIntOp::create(b, loc, 0, 64),
        operands.cond ? operands.cond
                      : arith::ConstantIntOp::create(b, loc, 1, 1)};
    llvm::append_range(inits, loop.inits);
    loop.created.push_back(inits[0]);
    if (!operands.cond)
      loop.created.push_back(inits[1]);
    SmallVector<Type> argTypes(ValueRange(inits).getTypes());
    SmallVector<Location> locs(inits.size(), loc);
    auto whileOp = scf::WhileOp::create(b, loc, argTypes, inits);
    loop.op = whileOp;
    Block *before = b.createBlock(&whileOp.getBefore(), {}, argTypes, locs);
    Value go = before->getArgument(1);
    if (operands.tripCount) {
      Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                            before->getArgument(0),
                                            operands.tripCount);
      go = arith::AndIOp::create(b, loc, inRange, go);
    }
    scf::ConditionOp::create(b, loc, go, before->getArguments());
    loop.body = b.createBlock(&whileOp.getAfter(), {}, argTypes, locs);
    loop.iteration = iterationI64 = loop.body->getArgument(0);
    condIn = scalarTensor(b, loc, loop.body->getArgument(1));
    auto args = loop.body->getArguments().drop_front(2);
    carriedArgs.assign(args.begin(), args.begin() + numCarried);
    loop.accumulators.assign(args.begin() + numCarried, args.end());
  }

  SmallVector<Value> inputs = {scalarTensor(b, loc, iterationI64), condIn};
  llvm::append_range(inputs, carriedArgs);
  FailureOr<SmallVector<Value>> outputs =
      ctx.importSubgraph(*operands.body, inputs);
  if (failed(outputs)) {
    loop.erase();
    return failure();
  }
  loop.condOut = (*outputs)[0];
  loop.carriedOut.assign(outputs->begin() + 1,
                         outputs->begin() + 1 + numCarried);
  loop.scanOut.assign(outputs->begin() + 1 + numCarried, outputs->end());
  return loop;
}

/// Ends the body with its yield; returns the Loop's outputs.
static FailureOr<SmallVector<Value>>
finishLoop(NodeContext &ctx, ImportedLoop &loop, const LoopTypes &types,
           bool isFor) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(loop.body);
  SmallVector<Value> yielded;
  if (!isFor) {
    FailureOr<Value> next = extractScalar(ctx, loop.condOut, "cond_out");
    if (failed(next))
      return failure();
    Value one = arith::ConstantIntOp::create(b, loc, 1, 64);
    yielded.push_back(arith::AddIOp::create(b, loc, loop.iteration, one));
    yielded.push_back(*next);
  }
  for (auto [value, type] : llvm::zip_equal(loop.carriedOut, types.carried))
    yielded.push_back(castTo(b, loc, value, type));
  FailureOr<SmallVector<Value>> grown = grownAccumulators(
      ctx, loop, SmallVector<bool>(loop.scanOut.size(), false));
  if (failed(grown))
    return failure();
  llvm::append_range(yielded, *grown);
  scf::YieldOp::create(b, loc, yielded);
  return SmallVector<Value>(loop.op->getResults().drop_front(isFor ? 0 : 2));
}

/// The most iterations of a Loop that the importer unrolls.
static constexpr int64_t kMaxUnrolledIterations = 4096;

/// A Loop that carries a sequence or an optional: its body imported once per
/// iteration, so that every sequence keeps a length known at import. Needs
/// a trip count known at import and a condition that stays true.
static LogicalResult unrollLoop(NodeContext &ctx, const onnx::GraphProto &body,
                                unsigned numCarried) {
  std::optional<SmallVector<int64_t>> tripCount = ctx.constantInts(0);
  Value cond = ctx.input(1);
  if (!tripCount || tripCount->size() != 1 || (cond && !isConstantTrue(cond)))
    return ctx.unsupported(
        "a Loop that carries a sequence or an optional needs a trip count "
        "known at import and no condition (or a constant true one): the "
        "length of the sequences it builds must be known at import");
  int64_t iterations = std::max<int64_t>(tripCount->front(), 0);
  if (iterations > kMaxUnrolledIterations)
    return ctx.unsupported(
        "a Loop that carries a sequence or an optional for " +
        llvm::Twine(iterations) +
        " iterations (it is "
        "unrolled at import, up to " +
        llvm::Twine(kMaxUnrolledIterations) + ")");
  SmallVector<GraphValue> carried;
  for (unsigned i = 0; i < numCarried; ++i) {
    GraphValue value = ctx.graphInput(i + 2);
    if (!value.isSet())
      return ctx.emitError() << "Loop needs input " << i + 2 << " (v_initial)";
    carried.push_back(value);
  }
  OpBuilder &b = ctx.builder();
  SmallVector<SmallVector<Value>> scans(body.output_size() - 1 - numCarried);
  for (int64_t iteration = 0; iteration < iterations; ++iteration) {
    SmallVector<GraphValue> inputs = {ctx.scalar(b.getI64Type(), iteration),
                                      ctx.scalar(b.getI1Type(), 1)};
    llvm::append_range(inputs, carried);
    FailureOr<SmallVector<GraphValue>> outputs =
        ctx.importSubgraphValues(body, inputs);
    if (failed(outputs))
      return failure();
    const GraphValue &condOut = outputs->front();
    if (!condOut.isTensor() || !isConstantTrue(condOut.tensor))
      return ctx.unsupported("a Loop that carries a sequence or an optional "
                             "and whose body computes its condition (the "
                             "length of the sequences it builds must be "
                             "known at import)");
    carried.assign(outputs->begin() + 1, outputs->begin() + 1 + numCarried);
    for (auto [j, slice] :
         llvm::enumerate(llvm::drop_begin(*outputs, 1 + numCarried))) {
      if (!slice.isTensor())
        return ctx.emitError() << "Loop: scan output " << j << " is "
                               << slice.describe() << "; it must be a tensor";
      FailureOr<Value> row =
          ctx.value<x::UnsqueezeOp>(slice.tensor, b.getDenseI64ArrayAttr({0}));
      if (failed(row))
        return failure();
      scans[j].push_back(*row);
    }
  }
  SmallVector<GraphValue> results = carried;
  for (SmallVector<Value> &rows : scans) {
    if (rows.empty())
      return ctx.unsupported("scan outputs of a Loop that carries a sequence "
                             "or an optional and runs no iteration");
    FailureOr<Value> stacked =
        rows.size() == 1
            ? FailureOr<Value>(rows.front())
            : ctx.value<x::ConcatOp>(ValueRange(rows), b.getI64IntegerAttr(0));
    if (failed(stacked))
      return failure();
    results.push_back(*stacked);
  }
  return ctx.setGraphOutputs(results);
}

static LogicalResult convertLoop(NodeContext &ctx) {
  LoopOperands operands;
  operands.body = ctx.graphAttr("body");
  if (!operands.body)
    return ctx.emitError() << "Loop needs the graph attribute body";
  const onnx::GraphProto &body = *operands.body;
  unsigned numCarried = ctx.numInputs() < 2 ? 0 : ctx.numInputs() - 2;
  if (body.input_size() != static_cast<int>(numCarried) + 2)
    return ctx.emitError() << "Loop: its body has " << body.input_size()
                           << " input(s); it needs 2 (iteration number, "
                              "condition) and the "
                           << numCarried << " loop-carried value(s)";
  if (body.output_size() < static_cast<int>(numCarried) + 1)
    return ctx.emitError() << "Loop: its body has " << body.output_size()
                           << " output(s); it needs the condition and the "
                           << numCarried << " loop-carried value(s)";
  operands.numScans = body.output_size() - 1 - numCarried;
  for (unsigned i = 0; i < numCarried; ++i)
    if (ctx.graphInput(i + 2).isSet() && !ctx.graphInput(i + 2).isTensor())
      return unrollLoop(ctx, body, numCarried);

  Value tripCount = ctx.input(0), cond = ctx.input(1);
  if (!tripCount && !cond)
    return ctx.unsupported("a Loop with neither trip count nor condition "
                           "(it never ends)");
  if (tripCount && !typeOf(tripCount).getElementType().isInteger(64))
    return ctx.emitError() << "Loop: M must be int64, it is "
                           << tripCount.getType();
  if (cond && !typeOf(cond).getElementType().isInteger(1))
    return ctx.emitError() << "Loop: cond must be bool, it is "
                           << cond.getType();
  bool isFor = tripCount && (!cond || isConstantTrue(cond));
  if (tripCount) {
    FailureOr<Value> m = extractScalar(ctx, tripCount, "M");
    if (failed(m))
      return failure();
    operands.tripCount = *m;
  }
  if (cond && !isFor) {
    FailureOr<Value> c = extractScalar(ctx, cond, "cond");
    if (failed(c))
      return failure();
    operands.cond = *c;
  }

  LoopTypes types;
  for (unsigned i = 0; i < numCarried; ++i) {
    FailureOr<Value> value = ctx.requiredInput(i + 2, "v_initial");
    if (failed(value))
      return failure();
    operands.initial.push_back(*value);
    FailureOr<RankedTensorType> type =
        joinDeclared(ctx, body.input(i + 2), typeOf(*value));
    if (failed(type))
      return failure();
    types.carried.push_back(*type);
  }
  if (operands.numScans == 0)
    types.scanSlices.emplace();

  while (true) {
    FailureOr<ImportedLoop> loop = importLoop(ctx, operands, types, isFor);
    if (failed(loop))
      return failure();
    // A body that may stop the loop early, scan outputs whose shape
    // changes, or carried values that change shape make it a while loop:
    // scf.for's canonicalization would give a carried value the static type
    // of its initial value.
    bool changesShape = llvm::any_of(
        llvm::zip_equal(operands.initial, types.carried), [](auto pair) {
          return std::get<0>(pair).getType() != std::get<1>(pair);
        });
    bool again = isFor && (!isConstantTrue(loop->condOut) || changesShape ||
                           (types.scanSlices && !allStatic(*types.scanSlices)));
    if (again) {
      isFor = false;
      if (cond) {
        OpBuilder::InsertionGuard guard(ctx.builder());
        ctx.builder().setInsertionPoint(loop->op);
        FailureOr<Value> c = extractScalar(ctx, cond, "cond");
        if (failed(c))
          return failure();
        operands.cond = *c;
      }
    }
    FailureOr<bool> refine = refineLoopTypes(ctx, body, 2, *loop, types);
    if (failed(refine)) {
      loop->erase();
      return failure();
    }
    if (again || *refine) {
      loop->erase();
      continue;
    }
    FailureOr<SmallVector<Value>> results =
        finishLoop(ctx, *loop, types, isFor);
    if (failed(results))
      return failure();
    return ctx.setOutputs(*results);
  }
}

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

namespace {
struct ScanOperands {
  const onnx::GraphProto *body;
  SmallVector<Value> initial, scanned;
  SmallVector<int64_t> inputAxes, inputReverse, outputAxes, outputReverse;
  Value length;
};
} // namespace

/// Slice `i` (from the back when `reverse`) of `input` along `axis`, with
/// that dim dropped.
static Value scanSlice(OpBuilder &b, Location loc, Value input, int64_t axis,
                       Value i, Value length, bool reverse) {
  if (reverse) {
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value last = arith::SubIOp::create(b, loc, length, one);
    i = arith::SubIOp::create(b, loc, last, i);
  }
  RankedTensorType type = typeOf(input);
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  offsets[axis] = i;
  sizes[axis] = b.getIndexAttr(1);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  return tensor::ExtractSliceOp::create(b, loc, type.clone(shape), input,
                                        offsets, sizes, strides);
}

static FailureOr<ImportedLoop> importScan(NodeContext &ctx,
                                          const ScanOperands &operands,
                                          const LoopTypes &types) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  ImportedLoop loop;
  loop.length = operands.length;
  buildInits(b, loc, loop, operands.initial, types);
  OpBuilder::InsertionGuard guard(b);
  Value lb = arith::ConstantIndexOp::create(b, loc, 0);
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  scf::ForOp forOp = loop.beginFor(b, loc, lb, step);
  loop.created.insert(loop.created.begin(), {lb, step});
  unsigned numStates = operands.initial.size();
  ValueRange args = forOp.getRegionIterArgs();
  SmallVector<Value> inputs(args.begin(), args.begin() + numStates);
  loop.accumulators.assign(args.begin() + numStates, args.end());
  for (auto [j, input] : llvm::enumerate(operands.scanned))
    inputs.push_back(scanSlice(b, loc, input, operands.inputAxes[j],
                               loop.iteration, operands.length,
                               operands.inputReverse[j]));
  FailureOr<SmallVector<Value>> outputs =
      ctx.importSubgraph(*operands.body, inputs);
  if (failed(outputs)) {
    loop.erase();
    return failure();
  }
  loop.carriedOut.assign(outputs->begin(), outputs->begin() + numStates);
  loop.scanOut.assign(outputs->begin() + numStates, outputs->end());
  return loop;
}

/// Normalizes the scan axes attribute `name` (one per value, default 0)
/// against the values' ranks.
static FailureOr<SmallVector<int64_t>>
scanAxes(NodeContext &ctx, llvm::StringRef name, ArrayRef<int64_t> ranks) {
  SmallVector<int64_t> axes = ctx.getInts(name);
  if (axes.empty())
    axes.assign(ranks.size(), 0);
  if (axes.size() != ranks.size())
    return ctx.emitError() << "Scan: " << name << " has " << axes.size()
                           << " entries for " << ranks.size() << " values";
  for (auto [axis, rank] : llvm::zip_equal(axes, ranks)) {
    if (axis < -rank || axis >= rank)
      return ctx.emitError() << "Scan: " << name << " holds " << axis
                             << ", out of range for rank " << rank;
    if (axis < 0)
      axis += rank;
  }
  return axes;
}

static FailureOr<SmallVector<int64_t>>
scanDirections(NodeContext &ctx, llvm::StringRef name, size_t count) {
  SmallVector<int64_t> directions = ctx.getInts(name);
  if (directions.empty())
    directions.assign(count, 0);
  if (directions.size() != count)
    return ctx.emitError() << "Scan: " << name << " has " << directions.size()
                           << " entries for " << count << " values";
  return directions;
}

static LogicalResult convertScan(NodeContext &ctx) {
  ScanOperands operands;
  operands.body = ctx.graphAttr("body");
  if (!operands.body)
    return ctx.emitError() << "Scan needs the graph attribute body";
  const onnx::GraphProto &body = *operands.body;
  int64_t numScanned = ctx.getInt("num_scan_inputs", 0);
  if (numScanned < 1 || numScanned > ctx.numInputs())
    return ctx.emitError() << "Scan: num_scan_inputs is " << numScanned
                           << " for " << ctx.numInputs() << " inputs";
  unsigned numStates = ctx.numInputs() - numScanned;
  if (body.input_size() != static_cast<int>(ctx.numInputs()) ||
      body.output_size() < static_cast<int>(numStates))
    return ctx.emitError() << "Scan: its body has " << body.input_size()
                           << " input(s) and " << body.output_size()
                           << " output(s) for " << numStates
                           << " state(s) and " << numScanned
                           << " scanned input(s)";
  unsigned numOutputs = body.output_size() - numStates;

  LoopTypes types;
  SmallVector<int64_t> inputRanks;
  for (unsigned i = 0; i < ctx.numInputs(); ++i) {
    FailureOr<Value> value = ctx.requiredInput(i, "initial state or scan input");
    if (failed(value))
      return failure();
    if (i < numStates) {
      operands.initial.push_back(*value);
      FailureOr<RankedTensorType> type =
          joinDeclared(ctx, body.input(i), typeOf(*value));
      if (failed(type))
        return failure();
      types.carried.push_back(*type);
      continue;
    }
    if (typeOf(*value).getRank() == 0)
      return ctx.emitError() << "Scan: scan input " << i - numStates
                             << " is a scalar";
    operands.scanned.push_back(*value);
    inputRanks.push_back(typeOf(*value).getRank());
  }
  FailureOr<SmallVector<int64_t>> inputAxes =
      scanAxes(ctx, "scan_input_axes", inputRanks);
  FailureOr<SmallVector<int64_t>> inputReverse =
      scanDirections(ctx, "scan_input_directions", numScanned);
  FailureOr<SmallVector<int64_t>> outputReverse =
      scanDirections(ctx, "scan_output_directions", numOutputs);
  if (failed(inputAxes) || failed(inputReverse) || failed(outputReverse))
    return failure();
  operands.inputAxes = *inputAxes;
  operands.inputReverse = *inputReverse;
  operands.outputReverse = *outputReverse;

  OpBuilder &b = ctx.builder();
  operands.length = tensor::DimOp::create(b, ctx.loc(), operands.scanned[0],
                                          operands.inputAxes[0]);
  if (numOutputs == 0)
    types.scanSlices.emplace();

  while (true) {
    FailureOr<ImportedLoop> loop = importScan(ctx, operands, types);
    if (failed(loop))
      return failure();
    FailureOr<bool> refine = refineLoopTypes(ctx, body, 0, *loop, types);
    if (failed(refine)) {
      loop->erase();
      return failure();
    }
    if (*refine) {
      loop->erase();
      continue;
    }
    // Scan is an scf.for, whose canonicalization gives a carried value the
    // static type of its initial value.
    bool changesShape = llvm::any_of(
        llvm::zip_equal(operands.initial, loop->carriedOut), [](auto pair) {
          RankedTensorType initial = typeOf(std::get<0>(pair));
          return *joinTypes(initial, typeOf(std::get<1>(pair))) != initial;
        });
    if (changesShape || !allStatic(*types.scanSlices)) {
      loop->erase();
      return ctx.unsupported("a Scan whose states or scan outputs change "
                             "shape");
    }
    OpBuilder::InsertPoint after = b.saveInsertionPoint();
    b.setInsertionPointToEnd(loop->body);
    SmallVector<Value> yielded;
    for (auto [value, type] : llvm::zip_equal(loop->carriedOut, types.carried))
      yielded.push_back(castTo(b, ctx.loc(), value, type));
    SmallVector<bool> prepend;
    for (int64_t direction : operands.outputReverse)
      prepend.push_back(direction != 0);
    FailureOr<SmallVector<Value>> grown =
        grownAccumulators(ctx, *loop, prepend);
    if (failed(grown))
      return failure();
    llvm::append_range(yielded, *grown);
    scf::YieldOp::create(b, ctx.loc(), yielded);
    b.restoreInsertionPoint(after);

    // Scan outputs stacked along another axis: move the leading dim there.
    SmallVector<Value> results(loop->op->getResults());
    SmallVector<int64_t> outputRanks;
    for (RankedTensorType slice : *types.scanSlices)
      outputRanks.push_back(slice.getRank() + 1);
    FailureOr<SmallVector<int64_t>> outputAxes =
        scanAxes(ctx, "scan_output_axes", outputRanks);
    if (failed(outputAxes))
      return failure();
    for (auto [k, axis] : llvm::enumerate(*outputAxes)) {
      if (axis == 0)
        continue;
      SmallVector<int64_t> permutation;
      for (int64_t d = 0; d < outputRanks[k]; ++d)
        permutation.push_back(d < axis ? d + 1 : d == axis ? 0 : d);
      FailureOr<Value> moved = ctx.value<x::TransposeOp>(
          results[numStates + k], b.getDenseI64ArrayAttr(permutation));
      if (failed(moved))
        return failure();
      results[numStates + k] = *moved;
    }
    return ctx.setOutputs(results);
  }
}

void mlir::xfmr::onnx_import::registerControlFlowOps(OpRegistry &r) {
  r.add("", "If", convertIf);
  r.add("", "Loop", convertLoop);
  // Opset 8's Scan has a batch dim and sequence lengths; not imported.
  r.add("", "Scan", convertScan, 9);
}
