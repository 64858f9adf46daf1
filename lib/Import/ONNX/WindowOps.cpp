//===- WindowOps.cpp - Importing ONNX window functions
//---------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// HannWindow, HammingWindow and BlackmanWindow, the windows of audio front
// ends, as sums of cosines of 0, 1, ..., size - 1: a Range whose length is
// the size input, known at compile time or not.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

/// The window a0 + a1 cos(2 pi n / N) + a2 cos(4 pi n / N) for n in
/// [0, size), where N is size for a periodic window and size - 1 for a
/// symmetric one; computed in f32 and converted to output_datatype.
static LogicalResult convertCosineWindow(NodeContext &ctx,
                                         llvm::ArrayRef<double> terms) {
  Formula f(ctx);
  Builder &b = ctx.builder();
  FailureOr<Value> size = ctx.requiredInput(0, "size");
  if (failed(size))
    return failure();
  RankedTensorType sizeType = ctx.inputType(0);
  if (!sizeType.getElementType().isInteger(32) &&
      !sizeType.getElementType().isInteger(64))
    return ctx.emitError() << ctx.opType()
                           << " needs an int32 or int64 size, got "
                           << sizeType.getElementType();
  if (sizeType.getNumElements() != 1)
    return ctx.emitError() << ctx.opType() << " needs a scalar size, got "
                           << sizeType;
  int64_t dataType = ctx.getInt("output_datatype", onnx::TensorProto::FLOAT);
  Type outputType = getElementType(ctx.context(), dataType);
  if (!outputType || !isa<FloatType>(outputType))
    return ctx.unsupported("output_datatype " + getDataTypeName(dataType));

  FailureOr<Value> length = ctx.castTo(*size, b.getI64Type());
  if (succeeded(length) && sizeType.getRank() != 0)
    length = ctx.value<x::ReshapeOp>(*length, ctx.i64Vector({}), false);
  if (failed(length))
    return failure();
  FailureOr<Value> positions = ctx.value<x::RangeOp>(
      ctx.scalar(b.getI64Type(), 0), *length, ctx.scalar(b.getI64Type(), 1));
  if (failed(positions))
    return failure();
  FailureOr<Value> n = ctx.castTo(*positions, b.getF32Type());
  FailureOr<Value> period = ctx.castTo(*length, b.getF32Type());
  if (failed(n) || failed(period))
    return failure();
  if (!ctx.getInt("periodic", 1))
    period = f.op<x::SubOp>(period, f.scalar(period, 1.0));
  // The angle 2 pi n / N, whose multiples the terms take.
  FailureOr<Value> angle =
      f.op<x::DivOp>(f.op<x::MulOp>(n, f.scalar(n, 2.0 * M_PI)), period);
  FailureOr<Value> window = f.scalar(n, terms[0]);
  for (size_t k = 1; k < terms.size(); ++k) {
    FailureOr<Value> multiple =
        k == 1 ? angle : f.op<x::MulOp>(angle, f.scalar(n, k));
    window = f.op<x::AddOp>(window, f.op<x::MulOp>(f.op<x::CosOp>(multiple),
                                                   f.scalar(n, terms[k])));
  }
  if (failed(window))
    return failure();
  return ctx.setOutput(ctx.castTo(*window, outputType));
}

static LogicalResult convertHannWindow(NodeContext &ctx) {
  return convertCosineWindow(ctx, {0.5, -0.5});
}

static LogicalResult convertHammingWindow(NodeContext &ctx) {
  constexpr double a0 = 25.0 / 46.0;
  return convertCosineWindow(ctx, {a0, a0 - 1.0});
}

static LogicalResult convertBlackmanWindow(NodeContext &ctx) {
  return convertCosineWindow(ctx, {0.42, -0.5, 0.08});
}

void mlir::xfmr::onnx_import::registerWindowOps(OpRegistry &r) {
  r.add("", "HannWindow", convertHannWindow, 17);
  r.add("", "HammingWindow", convertHammingWindow, 17);
  r.add("", "BlackmanWindow", convertBlackmanWindow, 17);
}
