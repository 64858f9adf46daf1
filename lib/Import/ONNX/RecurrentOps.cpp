//===- RecurrentOps.cpp - Importing ONNX RNN, GRU and LSTM ----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The recurrent cells of speech and audio front ends. Each direction is one
// scf.for over time whose carried values are the hidden state (and LSTM's
// cell state) and the output rows written so far; the input projection of
// every step is one matmul before the loop, so the loop body holds only the
// recurrent matmul and the gates' elementwise ops:
//
//   XW = X * W^T + Wb                                   [seq, batch, G*hidden]
//   scf.for s iter_args(H, (C), Y):
//     t     = s, or seq - 1 - s in reverse
//     gates = XW[t] + H * R^T + Rb                      [batch, G*hidden]
//     H'    = cell(gates, H, C)
//     Y     = tensor.insert_slice H' into Y[t]
//
// Directions of a bidirectional node are two loops whose results are
// stacked; layout 1 (batch first) is a transpose on either side.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

namespace {
enum class CellKind { Rnn, Gru, Lstm };

/// One of the activation functions the cells' attributes name.
struct Activation {
  std::string name;
  double alpha = 0, beta = 0;
};

/// The attributes of a recurrent node.
struct RecurrentSpec {
  CellKind kind = CellKind::Rnn;
  int64_t hidden = 0;
  /// Gates per direction: 1 (RNN), 3 (GRU: z r h), 4 (LSTM: i o f c).
  int64_t gates = 1;
  /// The directions in output order: false forward, true reverse.
  llvm::SmallVector<bool, 2> reversed;
  /// The activations of each direction, `perDirection` of them each.
  llvm::SmallVector<Activation> activations;
  int64_t perDirection = 1;
  std::optional<double> clip;
  bool linearBeforeReset = false;
  bool inputForget = false;
  bool batchFirst = false;
};
} // namespace

/// The alpha and beta an activation takes when the attributes give none,
/// and how many of them it reads.
static std::optional<std::pair<int, Activation>>
activationDefaults(llvm::StringRef name) {
  std::string lower = name.lower();
  auto with = [&](int count, double alpha, double beta) {
    return std::make_pair(count, Activation{lower, alpha, beta});
  };
  if (lower == "sigmoid" || lower == "tanh" || lower == "relu" ||
      lower == "softsign" || lower == "softplus")
    return with(0, 0, 0);
  if (lower == "leakyrelu")
    return with(1, 0.01, 0);
  if (lower == "thresholdedrelu" || lower == "elu")
    return with(1, 1.0, 0);
  if (lower == "hardsigmoid")
    return with(2, 0.2, 0.5);
  if (lower == "affine")
    return with(2, 1.0, 0);
  if (lower == "scaledtanh")
    return with(2, 1.0, 1.0);
  return std::nullopt;
}

/// Reads and checks a recurrent node's attributes.
static FailureOr<RecurrentSpec> readRecurrentSpec(NodeContext &ctx,
                                                  CellKind kind) {
  RecurrentSpec spec;
  spec.kind = kind;
  spec.gates = kind == CellKind::Rnn ? 1 : kind == CellKind::Gru ? 3 : 4;
  spec.perDirection = kind == CellKind::Rnn ? 1 : kind == CellKind::Gru ? 2 : 3;
  std::string direction = ctx.getString("direction", "forward");
  if (direction == "forward")
    spec.reversed = {false};
  else if (direction == "reverse")
    spec.reversed = {true};
  else if (direction == "bidirectional")
    spec.reversed = {false, true};
  else
    return ctx.emitError() << ctx.opType() << " direction '" << direction
                           << "' is not one ONNX defines";
  spec.hidden = ctx.getInt("hidden_size", 0);
  int64_t layout = ctx.getInt("layout", 0);
  if (layout != 0 && layout != 1)
    return ctx.emitError() << ctx.opType() << " layout " << layout
                           << " is not one ONNX defines";
  spec.batchFirst = layout == 1;
  if (ctx.hasAttr("clip"))
    spec.clip = ctx.getFloat("clip", 0.0f);
  spec.linearBeforeReset = ctx.getInt("linear_before_reset", 0) != 0;
  spec.inputForget = ctx.getInt("input_forget", 0) != 0;

  auto count = static_cast<int64_t>(spec.reversed.size());
  llvm::SmallVector<std::string> names;
  if (const onnx::AttributeProto *a = ctx.attr("activations"))
    for (const std::string &name : a->strings())
      names.push_back(name);
  if (names.empty()) {
    llvm::SmallVector<std::string> defaults =
        kind == CellKind::Rnn ? llvm::SmallVector<std::string>{"Tanh"}
        : kind == CellKind::Gru
            ? llvm::SmallVector<std::string>{"Sigmoid", "Tanh"}
            : llvm::SmallVector<std::string>{"Sigmoid", "Tanh", "Tanh"};
    for (int64_t d = 0; d < count; ++d)
      names.append(defaults);
  }
  if (static_cast<int64_t>(names.size()) != spec.perDirection * count)
    return ctx.emitError() << ctx.opType() << " needs "
                           << spec.perDirection * count
                           << " activations for direction '" << direction
                           << "', got " << names.size();
  // alpha and beta values are consumed in order by the activations that
  // take them.
  llvm::SmallVector<float> alphas = ctx.getFloats("activation_alpha");
  llvm::SmallVector<float> betas = ctx.getFloats("activation_beta");
  size_t nextAlpha = 0, nextBeta = 0;
  for (const std::string &name : names) {
    std::optional<std::pair<int, Activation>> known = activationDefaults(name);
    if (!known)
      return ctx.unsupported("activation '" + name + "'");
    Activation act = known->second;
    if (known->first >= 1 && nextAlpha < alphas.size())
      act.alpha = alphas[nextAlpha++];
    if (known->first >= 2 && nextBeta < betas.size())
      act.beta = betas[nextBeta++];
    spec.activations.push_back(act);
  }
  return spec;
}

/// `act` applied to `v`.
static FailureOr<Value> activate(NodeContext &ctx, const Activation &act,
                                 FailureOr<Value> v) {
  Formula f(ctx);
  const std::string &n = act.name;
  if (n == "sigmoid")
    return f.op<x::SigmoidOp>(v);
  if (n == "tanh")
    return f.op<x::TanhOp>(v);
  if (n == "relu")
    return f.op<x::ReluOp>(v);
  FailureOr<Value> zero = f.scalar(v, 0.0), one = f.scalar(v, 1.0);
  FailureOr<Value> alpha = f.scalar(v, act.alpha);
  FailureOr<Value> beta = f.scalar(v, act.beta);
  if (n == "softsign")
    return f.op<x::DivOp>(v, f.op<x::AddOp>(one, f.op<x::AbsOp>(v)));
  if (n == "softplus")
    return f.op<x::LogOp>(f.op<x::AddOp>(one, f.op<x::ExpOp>(v)));
  if (n == "leakyrelu")
    return f.where(f.op<x::LessOp>(v, zero), f.op<x::MulOp>(v, alpha), v);
  if (n == "thresholdedrelu")
    return f.where(f.op<x::GreaterOp>(v, alpha), v, zero);
  if (n == "elu")
    return f.where(
        f.op<x::LessOp>(v, zero),
        f.op<x::MulOp>(f.op<x::SubOp>(f.op<x::ExpOp>(v), one), alpha), v);
  FailureOr<Value> line = f.op<x::AddOp>(f.op<x::MulOp>(v, alpha), beta);
  if (n == "affine")
    return line;
  if (n == "hardsigmoid")
    return f.op<x::MinOp>(f.op<x::MaxOp>(line, zero), one);
  // scaledtanh
  return f.op<x::MulOp>(f.op<x::TanhOp>(f.op<x::MulOp>(v, beta)), alpha);
}

/// Columns [first * hidden, (first + count) * hidden) of the last dim.
static FailureOr<Value> gateColumns(NodeContext &ctx, FailureOr<Value> v,
                                    int64_t hidden, int64_t first,
                                    int64_t count = 1) {
  if (failed(v))
    return failure();
  int64_t last = cast<RankedTensorType>(v->getType()).getRank() - 1;
  return ctx.value<x::SliceOp>(*v, ctx.i64Vector({first * hidden}),
                               ctx.i64Vector({(first + count) * hidden}),
                               ctx.i64Vector({last}), Value());
}

/// Row `d` of a [directions, ...] input, the leading dim dropped.
static FailureOr<Value> directionRow(NodeContext &ctx, Value v, int64_t d) {
  FailureOr<Value> row =
      ctx.value<x::SliceOp>(v, ctx.i64Vector({d}), ctx.i64Vector({d + 1}),
                            ctx.i64Vector({0}), Value());
  if (failed(row))
    return failure();
  return ctx.value<x::SqueezeOp>(*row, ctx.builder().getDenseI64ArrayAttr({0}));
}

/// A [rows, cols] matrix transposed.
static FailureOr<Value> transposed(NodeContext &ctx, FailureOr<Value> v) {
  if (failed(v))
    return failure();
  return ctx.value<x::TransposeOp>(*v,
                                   ctx.builder().getDenseI64ArrayAttr({1, 0}));
}

/// Clips a gate's pre-activation when the node has a clip attribute.
static FailureOr<Value> clipped(NodeContext &ctx, const RecurrentSpec &spec,
                                FailureOr<Value> v) {
  if (!spec.clip || failed(v))
    return v;
  Builder &b = ctx.builder();
  return ctx.value<x::ClipOp>(*v, b.getF64FloatAttr(-*spec.clip),
                              b.getF64FloatAttr(*spec.clip));
}

namespace {
/// The operands of one direction, laid out for its loop.
struct DirectionOperands {
  /// X * W^T + Wb, [seq, batch, G*hidden].
  Value projected;
  /// R^T [hidden, G*hidden], and Rb [G*hidden] (null without B).
  Value recurrentT, recurrentBias;
  /// GRU's R^T split, before the loop, into the columns of z and r
  /// [hidden, 2 * hidden] and those of h [hidden, hidden].
  Value updateResetT, candidateT;
  /// LSTM's peepholes [3 * hidden] (i o f), or null.
  Value peepholes;
  Value initialH, initialC;
  const Activation *activations;
};

/// What one step computes.
struct StepResult {
  FailureOr<Value> h, c;
};
} // namespace

/// One step of the cell from the gates' input projection `xw` [batch,
/// G*hidden] and the states `h`, `c` [batch, hidden].
static StepResult cellStep(NodeContext &ctx, const RecurrentSpec &spec,
                           const DirectionOperands &ops, Value xw, Value h,
                           Value c) {
  Formula f(ctx);
  int64_t n = spec.hidden;
  const Activation *act = ops.activations;
  auto plusBias = [&](FailureOr<Value> v, int64_t first,
                      int64_t count) -> FailureOr<Value> {
    if (!ops.recurrentBias)
      return v;
    return f.op<x::AddOp>(v,
                          gateColumns(ctx, ops.recurrentBias, n, first, count));
  };
  if (spec.kind == CellKind::Rnn) {
    FailureOr<Value> hr = plusBias(ctx.matmul(h, ops.recurrentT), 0, 1);
    return {activate(ctx, act[0], clipped(ctx, spec, f.op<x::AddOp>(xw, hr))),
            Value()};
  }
  if (spec.kind == CellKind::Gru) {
    // z and r take H * R^T; h takes either (r . H) * Rh^T (the default) or
    // r . (H * Rh^T + Rbh) (linear_before_reset).
    FailureOr<Value> hzr = plusBias(ctx.matmul(h, ops.updateResetT), 0, 2);
    FailureOr<Value> zr = f.op<x::AddOp>(gateColumns(ctx, xw, n, 0, 2), hzr);
    FailureOr<Value> z =
        activate(ctx, act[0], clipped(ctx, spec, gateColumns(ctx, zr, n, 0)));
    FailureOr<Value> r =
        activate(ctx, act[0], clipped(ctx, spec, gateColumns(ctx, zr, n, 1)));
    FailureOr<Value> recurrent;
    if (spec.linearBeforeReset) {
      recurrent =
          f.op<x::MulOp>(r, plusBias(ctx.matmul(h, ops.candidateT), 2, 1));
    } else {
      FailureOr<Value> reset = f.op<x::MulOp>(r, h);
      recurrent = failed(reset) ? reset : ctx.matmul(*reset, ops.candidateT);
      recurrent = plusBias(recurrent, 2, 1);
    }
    FailureOr<Value> candidate = activate(
        ctx, act[1],
        clipped(ctx, spec,
                f.op<x::AddOp>(gateColumns(ctx, xw, n, 2), recurrent)));
    // H' = (1 - z) . candidate + z . H = candidate + z . (H - candidate)
    return {f.op<x::AddOp>(candidate,
                           f.op<x::MulOp>(z, f.op<x::SubOp>(h, candidate))),
            Value()};
  }
  FailureOr<Value> pre =
      f.op<x::AddOp>(xw, plusBias(ctx.matmul(h, ops.recurrentT), 0, 4));
  auto peephole = [&](FailureOr<Value> gate, int64_t k,
                      Value state) -> FailureOr<Value> {
    if (!ops.peepholes)
      return gate;
    return f.op<x::AddOp>(
        gate, f.op<x::MulOp>(gateColumns(ctx, ops.peepholes, n, k), state));
  };
  FailureOr<Value> i =
      activate(ctx, act[0],
               clipped(ctx, spec, peephole(gateColumns(ctx, pre, n, 0), 0, c)));
  FailureOr<Value> forget =
      spec.inputForget
          ? f.op<x::SubOp>(f.scalar(i, 1.0), i)
          : activate(ctx, act[0],
                     clipped(ctx, spec,
                             peephole(gateColumns(ctx, pre, n, 2), 2, c)));
  FailureOr<Value> candidate =
      activate(ctx, act[1], clipped(ctx, spec, gateColumns(ctx, pre, n, 3)));
  FailureOr<Value> cNext =
      f.op<x::AddOp>(f.op<x::MulOp>(forget, c), f.op<x::MulOp>(i, candidate));
  if (failed(cNext))
    return {failure(), failure()};
  FailureOr<Value> o = activate(
      ctx, act[0],
      clipped(ctx, spec, peephole(gateColumns(ctx, pre, n, 1), 1, *cNext)));
  return {f.op<x::MulOp>(o, activate(ctx, act[2], cNext)), cNext};
}

/// Size `dim` of `v`: an attribute when static, a tensor.dim otherwise.
static OpFoldResult sizeOf(OpBuilder &b, Location loc, Value v, int64_t dim) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.isDynamicDim(dim))
    return b.getIndexAttr(type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, v, dim).getResult();
}

/// Runs one direction's loop; returns Y [seq, batch, hidden], the last H
/// and (LSTM) the last C.
static FailureOr<std::array<Value, 3>>
runDirection(NodeContext &ctx, const RecurrentSpec &spec,
             const DirectionOperands &ops, bool reverse, Value lengths) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  auto hType = cast<RankedTensorType>(ops.initialH.getType());
  auto xwType = cast<RankedTensorType>(ops.projected.getType());
  OpFoldResult seq = sizeOf(b, loc, ops.projected, 0);
  OpFoldResult batch = sizeOf(b, loc, ops.projected, 1);
  Value seqIndex =
      isa<Value>(seq)
          ? cast<Value>(seq)
          : arith::ConstantIndexOp::create(b, loc, xwType.getDimSize(0))
                .getResult();
  SmallVector<int64_t> yShape = {xwType.getDimSize(0), xwType.getDimSize(1),
                                 spec.hidden};
  SmallVector<Value> dynamicDims;
  for (OpFoldResult size : {seq, batch})
    if (auto v = dyn_cast<Value>(size))
      dynamicDims.push_back(v);
  Value yInit = tensor::EmptyOp::create(b, loc, yShape, hType.getElementType(),
                                        dynamicDims);
  SmallVector<Value> inits = {ops.initialH, yInit};
  bool lstm = spec.kind == CellKind::Lstm;
  if (lstm)
    inits.push_back(ops.initialC);

  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto forOp = scf::ForOp::create(b, loc, zero, seqIndex, one, inits);
  OpBuilder::InsertionGuard guard(b);
  Block *body = forOp.getBody();
  if (!body->empty())
    body->getTerminator()->erase();
  b.setInsertionPointToEnd(body);
  Value step = forOp.getInductionVar();
  Value time = step;
  if (reverse)
    time = arith::SubIOp::create(
        b, loc, arith::SubIOp::create(b, loc, seqIndex, one), step);
  Value h = forOp.getRegionIterArgs()[0];
  Value y = forOp.getRegionIterArgs()[1];
  Value c = lstm ? forOp.getRegionIterArgs()[2] : Value();

  int64_t width = xwType.getDimSize(2);
  auto rowType = RankedTensorType::get({xwType.getDimSize(1), width},
                                       xwType.getElementType());
  SmallVector<OpFoldResult> offsets = {time, b.getIndexAttr(0),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  Value xw = tensor::ExtractSliceOp::create(
      b, loc, rowType, ops.projected, offsets,
      SmallVector<OpFoldResult>{b.getIndexAttr(1), batch,
                                b.getIndexAttr(width)},
      strides);
  StepResult next = cellStep(ctx, spec, ops, xw, h, c);
  if (failed(next.h) || (lstm && failed(next.c)))
    return failure();
  Value hNext = *next.h, cNext = lstm ? *next.c : Value();
  Value row = hNext;
  if (lengths) {
    // Past its length a batch entry keeps its states and outputs zeros.
    Formula f(ctx);
    Value stepI64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), step);
    Value stepTensor = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({}, b.getI64Type()), stepI64);
    FailureOr<Value> live = ctx.value<x::LessOp>(stepTensor, lengths);
    FailureOr<Value> keptH = f.where(live, hNext, h);
    FailureOr<Value> zeroed = f.where(live, hNext, f.scalar(hNext, 0.0));
    FailureOr<Value> keptC =
        lstm ? f.where(live, cNext, c) : FailureOr<Value>();
    if (failed(keptH) || failed(zeroed) || (lstm && failed(keptC)))
      return failure();
    hNext = *keptH;
    row = *zeroed;
    if (lstm)
      cNext = *keptC;
  }
  // The step's states keep the carried types (the ops inside may have
  // inferred static dims where the carried ones are dynamic).
  auto keepType = [&](Value v, Value carried) -> FailureOr<Value> {
    if (v.getType() == carried.getType())
      return v;
    return tensor::CastOp::create(b, loc, carried.getType(), v).getResult();
  };
  FailureOr<Value> hOut = keepType(hNext, h);
  FailureOr<Value> rowOut = keepType(row, h);
  if (failed(hOut) || failed(rowOut))
    return failure();
  Value yNext = tensor::InsertSliceOp::create(
      b, loc, *rowOut, y, offsets,
      SmallVector<OpFoldResult>{b.getIndexAttr(1), batch,
                                b.getIndexAttr(spec.hidden)},
      strides);
  SmallVector<Value> yielded = {*hOut, yNext};
  if (lstm) {
    FailureOr<Value> cOut = keepType(cNext, c);
    if (failed(cOut))
      return failure();
    yielded.push_back(*cOut);
  }
  scf::YieldOp::create(b, loc, yielded);
  return std::array<Value, 3>{forOp.getResult(1), forOp.getResult(0),
                              lstm ? forOp.getResult(2) : Value()};
}

/// Input `i` ([directions, batch, hidden], or batch first) as [directions,
/// batch, hidden], or zeros of that shape when absent.
static FailureOr<Value>
initialState(NodeContext &ctx, const RecurrentSpec &spec, unsigned i, Value x) {
  Formula f(ctx);
  if (Value given = ctx.input(i)) {
    if (ctx.inputType(i).getRank() != 3)
      return ctx.emitError() << ctx.opType() << " needs a rank-3 input " << i
                             << ", got " << ctx.inputType(i);
    if (!spec.batchFirst)
      return given;
    return ctx.value<x::TransposeOp>(
        given, ctx.builder().getDenseI64ArrayAttr({1, 0, 2}));
  }
  auto count = static_cast<int64_t>(spec.reversed.size());
  FailureOr<Value> batch = dimOf(ctx, x, 1);
  if (succeeded(batch))
    batch = ctx.value<x::ReshapeOp>(*batch, ctx.i64Vector({1}), false);
  if (failed(batch))
    return failure();
  FailureOr<Value> shape = ctx.value<x::ConcatOp>(
      ValueRange{ctx.i64Vector({count}), *batch, ctx.i64Vector({spec.hidden})},
      ctx.builder().getI64IntegerAttr(0));
  if (failed(shape))
    return failure();
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  return ctx.value<x::ConstantOfShapeOp>(
      *shape, ctx.builder().getFloatAttr(elementType, 0.0));
}

static LogicalResult convertRecurrent(NodeContext &ctx, CellKind kind) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "X");
  FailureOr<Value> w = ctx.requiredFloatInput(1, "W");
  FailureOr<Value> r = ctx.requiredFloatInput(2, "R");
  if (failed(input) || failed(w) || failed(r))
    return failure();
  FailureOr<RecurrentSpec> spec = readRecurrentSpec(ctx, kind);
  if (failed(spec))
    return failure();
  OpBuilder &b = ctx.builder();
  Formula f(ctx);
  RankedTensorType xType = ctx.inputType(0);
  auto count = static_cast<int64_t>(spec->reversed.size());
  int64_t gh = spec->gates * spec->hidden;
  if (xType.getRank() != 3)
    return ctx.emitError() << ctx.opType() << " needs a rank-3 X, got "
                           << xType;
  auto checkShape = [&](unsigned i, llvm::StringRef what,
                        llvm::ArrayRef<int64_t> shape) -> LogicalResult {
    RankedTensorType type = ctx.inputType(i);
    bool ok = type.getRank() == static_cast<int64_t>(shape.size());
    for (size_t d = 0; ok && d < shape.size(); ++d)
      ok = ShapedType::isDynamic(shape[d]) || type.isDynamicDim(d) ||
           type.getDimSize(d) == shape[d];
    if (ok)
      return success();
    auto diag = ctx.emitError() << ctx.opType() << " needs " << what << " [";
    llvm::interleaveComma(shape, diag, [&](int64_t s) {
      if (ShapedType::isDynamic(s))
        diag << "?";
      else
        diag << s;
    });
    return diag << "], got " << type;
  };
  int64_t inputSize = xType.getDimSize(2);
  if (spec->hidden <= 0)
    return ctx.emitError() << ctx.opType() << " needs a positive hidden_size";
  if (failed(checkShape(1, "W", {count, gh, inputSize})) ||
      failed(checkShape(2, "R", {count, gh, spec->hidden})))
    return failure();
  if (ctx.input(3) && failed(checkShape(3, "B", {count, 2 * gh})))
    return failure();
  if (kind == CellKind::Lstm && ctx.input(7) &&
      failed(checkShape(7, "P", {count, 3 * spec->hidden})))
    return failure();
  // Time first: [seq, batch, input].
  Value x = *input;
  if (spec->batchFirst) {
    FailureOr<Value> moved =
        ctx.value<x::TransposeOp>(x, b.getDenseI64ArrayAttr({1, 0, 2}));
    if (failed(moved))
      return failure();
    x = *moved;
  }
  Value lengths;
  if (Value given = ctx.input(4)) {
    if (llvm::is_contained(spec->reversed, true))
      return ctx.unsupported("sequence_lens with a reverse direction");
    if (failed(checkShape(4, "sequence_lens", {ShapedType::kDynamic})))
      return failure();
    FailureOr<Value> column = ctx.castTo(given, b.getI64Type());
    if (succeeded(column))
      column = ctx.value<x::ReshapeOp>(*column, ctx.i64Vector({-1, 1}), false);
    if (failed(column))
      return failure();
    lengths = *column;
  }
  FailureOr<Value> initialH = initialState(ctx, *spec, 5, x);
  FailureOr<Value> initialC = kind == CellKind::Lstm
                                  ? initialState(ctx, *spec, 6, x)
                                  : FailureOr<Value>(Value());
  if (failed(initialH) || failed(initialC))
    return failure();

  SmallVector<Value> ys, hs, cs;
  for (int64_t d = 0; d < count; ++d) {
    DirectionOperands ops;
    ops.activations = &spec->activations[d * spec->perDirection];
    FailureOr<Value> wt = transposed(ctx, directionRow(ctx, *w, d));
    FailureOr<Value> rt = transposed(ctx, directionRow(ctx, *r, d));
    FailureOr<Value> projected = failed(wt) ? wt : ctx.matmul(x, *wt);
    if (Value bias = ctx.input(3)) {
      FailureOr<Value> row = directionRow(ctx, bias, d);
      projected = f.op<x::AddOp>(projected, gateColumns(ctx, row, gh, 0));
      FailureOr<Value> rb = gateColumns(ctx, row, gh, 1);
      if (failed(rb))
        return failure();
      ops.recurrentBias = *rb;
    }
    FailureOr<Value> h = directionRow(ctx, *initialH, d);
    if (failed(rt) || failed(projected) || failed(h))
      return failure();
    ops.projected = *projected;
    ops.recurrentT = *rt;
    ops.initialH = *h;
    if (kind == CellKind::Gru) {
      FailureOr<Value> updateReset = gateColumns(ctx, *rt, spec->hidden, 0, 2);
      FailureOr<Value> candidate = gateColumns(ctx, *rt, spec->hidden, 2);
      if (failed(updateReset) || failed(candidate))
        return failure();
      ops.updateResetT = *updateReset;
      ops.candidateT = *candidate;
    }
    if (kind == CellKind::Lstm) {
      FailureOr<Value> c = directionRow(ctx, *initialC, d);
      if (failed(c))
        return failure();
      ops.initialC = *c;
      if (Value p = ctx.input(7)) {
        FailureOr<Value> peepholes = directionRow(ctx, p, d);
        if (failed(peepholes))
          return failure();
        ops.peepholes = *peepholes;
      }
    }
    FailureOr<std::array<Value, 3>> results =
        runDirection(ctx, *spec, ops, spec->reversed[d], lengths);
    if (failed(results))
      return failure();
    ys.push_back((*results)[0]);
    hs.push_back((*results)[1]);
    cs.push_back((*results)[2]);
  }

  // Stacks the directions' results along a new dim `axis`.
  auto stack = [&](ArrayRef<Value> parts, int64_t axis) -> FailureOr<Value> {
    SmallVector<Value> rows;
    for (Value part : parts) {
      FailureOr<Value> row =
          ctx.value<x::UnsqueezeOp>(part, b.getDenseI64ArrayAttr({axis}));
      if (failed(row))
        return failure();
      rows.push_back(*row);
    }
    if (rows.size() == 1)
      return rows.front();
    return ctx.value<x::ConcatOp>(ValueRange(rows), b.getI64IntegerAttr(axis));
  };
  // Y [seq, dirs, batch, hidden] or [batch, seq, dirs, hidden]; the states
  // [dirs, batch, hidden] or [batch, dirs, hidden].
  FailureOr<Value> y = stack(ys, 1);
  FailureOr<Value> yh = stack(hs, 0);
  FailureOr<Value> yc =
      kind == CellKind::Lstm ? stack(cs, 0) : FailureOr<Value>(Value());
  if (spec->batchFirst) {
    if (succeeded(y))
      y = ctx.value<x::TransposeOp>(*y, b.getDenseI64ArrayAttr({2, 0, 1, 3}));
    if (succeeded(yh))
      yh = ctx.value<x::TransposeOp>(*yh, b.getDenseI64ArrayAttr({1, 0, 2}));
    if (kind == CellKind::Lstm && succeeded(yc))
      yc = ctx.value<x::TransposeOp>(*yc, b.getDenseI64ArrayAttr({1, 0, 2}));
  }
  if (failed(y) || failed(yh) || failed(yc))
    return failure();
  SmallVector<Value> outputs = {*y, *yh};
  if (kind == CellKind::Lstm)
    outputs.push_back(*yc);
  outputs.resize(std::min<size_t>(outputs.size(), ctx.numOutputs()));
  return ctx.setOutputs(outputs);
}

void mlir::xfmr::onnx_import::registerRecurrentOps(OpRegistry &r) {
  r.add(
      "", "RNN",
      [](NodeContext &ctx) { return convertRecurrent(ctx, CellKind::Rnn); }, 7);
  r.add(
      "", "GRU",
      [](NodeContext &ctx) { return convertRecurrent(ctx, CellKind::Gru); }, 7);
  r.add(
      "", "LSTM",
      [](NodeContext &ctx) { return convertRecurrent(ctx, CellKind::Lstm); },
      7);
}
