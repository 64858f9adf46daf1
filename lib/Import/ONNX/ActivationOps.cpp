//===- ActivationOps.cpp - Importing ONNX activation functions ------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The activations that are formulas of xfmr's elementwise ops: Elu, Selu,
// Celu, HardSigmoid, HardSwish, Softplus, Softsign, Mish, Swish,
// ThresholdedRelu, PRelu, Shrink and SwiGLU. Each is imported as its formula;
// the CPU backend fuses the elementwise chain into one loop, so nothing is
// gained by a dedicated op. f16 and bf16 formulas are computed in f32.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// alpha * (exp(x) - 1), the negative branch of the ELU family.
static FailureOr<Value> expMinusOne(Formula &f, FailureOr<Value> x,
                                    double alpha) {
  FailureOr<Value> em1 = f.op<x::SubOp>(f.op<x::ExpOp>(x), f.scalar(x, 1.0));
  return f.op<x::MulOp>(f.scalar(x, alpha), em1);
}

/// Elu: x < 0 ? alpha * (exp(x) - 1) : x.
static FailureOr<Value> elu(NodeContext &ctx, Value x) {
  Formula f(ctx);
  double alpha = ctx.getFloat("alpha", 1.0f);
  return f.where(f.op<x::LessOp>(x, f.scalar(x, 0.0)), expMinusOne(f, x, alpha),
                 x);
}

/// Selu: gamma * (x <= 0 ? alpha * (exp(x) - 1) : x).
static FailureOr<Value> selu(NodeContext &ctx, Value x) {
  Formula f(ctx);
  double alpha = ctx.getFloat("alpha", 1.67326319217681884765625f);
  double gamma = ctx.getFloat("gamma", 1.05070102214813232421875f);
  FailureOr<Value> elu = f.where(f.op<x::LessEqualOp>(x, f.scalar(x, 0.0)),
                                 expMinusOne(f, x, alpha), x);
  return f.op<x::MulOp>(f.scalar(x, gamma), elu);
}

/// Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
static FailureOr<Value> celu(NodeContext &ctx, Value x) {
  Formula f(ctx);
  double alpha = ctx.getFloat("alpha", 1.0f);
  if (alpha == 0.0)
    return ctx.emitError() << "Celu alpha must not be 0";
  FailureOr<Value> scaled = f.op<x::DivOp>(x, f.scalar(x, alpha));
  FailureOr<Value> negative =
      f.op<x::MinOp>(f.scalar(x, 0.0), expMinusOne(f, scaled, alpha));
  return f.op<x::AddOp>(f.op<x::ReluOp>(x), negative);
}

/// max(0, min(1, alpha * x + beta)).
static FailureOr<Value> hardSigmoid(NodeContext &ctx, FailureOr<Value> x,
                                    double alpha, double beta) {
  Formula f(ctx);
  FailureOr<Value> line =
      f.op<x::AddOp>(f.op<x::MulOp>(x, f.scalar(x, alpha)), f.scalar(x, beta));
  if (failed(line))
    return failure();
  Builder &b = ctx.builder();
  return ctx.value<x::ClipOp>(*line, b.getF64FloatAttr(0.0),
                              b.getF64FloatAttr(1.0));
}

static FailureOr<Value> hardSigmoidActivation(NodeContext &ctx, Value x) {
  return hardSigmoid(ctx, x, ctx.getFloat("alpha", 0.2f),
                     ctx.getFloat("beta", 0.5f));
}

/// HardSwish: x * HardSigmoid(x) with alpha = 1/6, beta = 0.5.
static FailureOr<Value> hardSwish(NodeContext &ctx, Value x) {
  Formula f(ctx);
  return f.op<x::MulOp>(x, hardSigmoid(ctx, x, 1.0 / 6.0, 0.5));
}

/// log(1 + exp(x)) as max(x, 0) + log(1 + exp(-|x|)), which neither
/// overflows for large x nor loses x's digits.
static FailureOr<Value> softplus(Formula &f, FailureOr<Value> x) {
  FailureOr<Value> tail = f.op<x::LogOp>(f.op<x::AddOp>(
      f.scalar(x, 1.0), f.op<x::ExpOp>(f.op<x::NegOp>(f.op<x::AbsOp>(x)))));
  return f.op<x::AddOp>(f.op<x::ReluOp>(x), tail);
}

static FailureOr<Value> softplusActivation(NodeContext &ctx, Value x) {
  Formula f(ctx);
  return softplus(f, x);
}

/// Softsign: x / (1 + |x|).
static FailureOr<Value> softsign(NodeContext &ctx, Value x) {
  Formula f(ctx);
  return f.op<x::DivOp>(x, f.op<x::AddOp>(f.scalar(x, 1.0), f.op<x::AbsOp>(x)));
}

/// Mish: x * tanh(softplus(x)).
static FailureOr<Value> mish(NodeContext &ctx, Value x) {
  Formula f(ctx);
  return f.op<x::MulOp>(x, f.op<x::TanhOp>(softplus(f, x)));
}

/// Swish: x * sigmoid(alpha * x); with alpha = 1 it is SiLU.
static FailureOr<Value> swish(NodeContext &ctx, Value x) {
  Formula f(ctx);
  double alpha = ctx.getFloat("alpha", 1.0f);
  if (alpha == 1.0)
    return f.op<x::SiluOp>(x);
  return f.op<x::MulOp>(
      x, f.op<x::SigmoidOp>(f.op<x::MulOp>(f.scalar(x, alpha), x)));
}

/// ThresholdedRelu: x > alpha ? x : 0.
static FailureOr<Value> thresholdedRelu(NodeContext &ctx, Value x) {
  Formula f(ctx);
  double alpha = ctx.getFloat("alpha", 1.0f);
  return f.where(f.op<x::GreaterOp>(x, f.scalar(x, alpha)), x,
                 f.scalar(x, 0.0));
}

/// PRelu: x < 0 ? slope * x : x, with slope broadcast to x's shape.
static LogicalResult convertPRelu(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> x = ctx.requiredInput(0, "X");
  FailureOr<Value> slope = ctx.requiredInput(1, "slope");
  if (failed(x) || failed(slope))
    return failure();
  if (ctx.inputType(1).getElementType() != ctx.inputType(0).getElementType())
    return ctx.emitError() << "PRelu slope has element type "
                           << ctx.inputType(1).getElementType() << ", X has "
                           << ctx.inputType(0).getElementType();
  return ctx.setOutput(f.where(f.op<x::LessOp>(x, f.scalar(x, 0.0)),
                               f.op<x::MulOp>(slope, x), x));
}

/// Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0.
static LogicalResult convertShrink(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> x = ctx.requiredInput(0, "input");
  double bias = ctx.getFloat("bias", 0.0f);
  double lambd = ctx.getFloat("lambd", 0.5f);
  FailureOr<Value> above =
      f.where(f.op<x::GreaterOp>(x, f.scalar(x, lambd)),
              f.op<x::SubOp>(x, f.scalar(x, bias)), f.scalar(x, 0.0));
  return ctx.setOutput(f.where(f.op<x::LessOp>(x, f.scalar(x, -lambd)),
                               f.op<x::AddOp>(x, f.scalar(x, bias)), above));
}

/// SwiGLU(A, B) = A * sigmoid(alpha * A) * B, in f32 for f16 and bf16 as
/// the reference computes it.
static LogicalResult convertSwiGLU(NodeContext &ctx) {
  Formula f(ctx);
  FailureOr<Value> a = ctx.requiredFloatInput(0, "A");
  FailureOr<Value> b = ctx.requiredFloatInput(1, "B");
  if (failed(a) || failed(b))
    return failure();
  Type elementType = ctx.inputType(0).getElementType();
  if (elementType != ctx.inputType(1).getElementType())
    return ctx.emitError() << "SwiGLU inputs have element types " << elementType
                           << " and " << ctx.inputType(1).getElementType();
  bool widen = elementType.getIntOrFloatBitWidth() < 32;
  if (widen) {
    a = ctx.castTo(*a, ctx.builder().getF32Type());
    b = succeeded(a) ? ctx.castTo(*b, ctx.builder().getF32Type()) : a;
  }
  double alpha = ctx.getFloat("alpha", 1.0f);
  FailureOr<Value> gate = f.op<x::SigmoidOp>(
      alpha == 1.0 ? a : f.op<x::MulOp>(a, f.scalar(a, alpha)));
  FailureOr<Value> y = f.op<x::MulOp>(f.op<x::MulOp>(a, gate), b);
  if (widen && succeeded(y))
    y = ctx.castTo(*y, elementType);
  return ctx.setOutput(y);
}

void mlir::xfmr::onnx_import::registerActivationOps(OpRegistry &r) {
  r.add("", "Elu", convertFloatFormula<elu>, 6);
  r.add("", "Selu", convertFloatFormula<selu>, 6);
  r.add("", "Celu", convertFloatFormula<celu>, 12);
  r.add("", "HardSigmoid", convertFloatFormula<hardSigmoidActivation>, 6);
  r.add("", "HardSwish", convertFloatFormula<hardSwish>, 14);
  r.add("", "Softplus", convertFloatFormula<softplusActivation>);
  r.add("", "Softsign", convertFloatFormula<softsign>);
  r.add("", "Mish", convertFloatFormula<mish>, 18);
  r.add("", "Swish", convertFloatFormula<swish>, 24);
  r.add("", "ThresholdedRelu", convertFloatFormula<thresholdedRelu>, 10);
  r.add("", "PRelu", convertPRelu, 9);
  r.add("", "Shrink", convertShrink, 9);
  r.add("", "SwiGLU", convertSwiGLU, 28);
}
