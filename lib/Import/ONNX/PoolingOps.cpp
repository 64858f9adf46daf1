//===- PoolingOps.cpp - Importing ONNX MaxPool, AveragePool, LpPool -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The three pools become one xfmr.pool; auto_pad is resolved here into
// explicit pads, which needs the spatial dims static (as xfmr.pool does).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;
namespace x = mlir::xfmr;

static LogicalResult convertPool(NodeContext &ctx) {
  FailureOr<Value> input = ctx.requiredFloatInput(0, "X");
  if (failed(input))
    return failure();
  if (ctx.isOutputUsed(1))
    return ctx.unsupported("the Indices output of MaxPool");
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  llvm::SmallVector<int64_t> kernel = ctx.getInts("kernel_shape");
  if (rank < 3 || static_cast<int64_t>(kernel.size()) != rank - 2)
    return ctx.emitError() << ctx.opType()
                           << " needs kernel_shape with one value per spatial "
                              "dim of an [N, C, spatial...] input";
  size_t spatial = kernel.size();
  for (size_t i = 0; i < spatial; ++i)
    if (type.isDynamicDim(i + 2))
      return ctx.unsupported("spatial dims known only at run time");
  if (ctx.getInt("storage_order", 0) != 0)
    return ctx.unsupported("storage_order = 1");
  llvm::SmallVector<int64_t> strides =
      valuesOr(ctx.getInts("strides"), spatial, 1);
  llvm::SmallVector<int64_t> dilations =
      valuesOr(ctx.getInts("dilations"), spatial, 1);
  llvm::SmallVector<int64_t> pads =
      valuesOr(ctx.getInts("pads"), 2 * spatial, 0);
  if (strides.size() != spatial || dilations.size() != spatial ||
      pads.size() != 2 * spatial)
    return ctx.emitError() << ctx.opType()
                           << " needs one stride and dilation and two pads "
                              "per spatial dim";
  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    pads.assign(2 * spatial, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    // The output keeps ceil(in / stride) positions; the odd pad goes to the
    // end (upper) or the beginning (lower).
    for (size_t i = 0; i < spatial; ++i) {
      int64_t in = type.getDimSize(i + 2);
      int64_t out = (in + strides[i] - 1) / strides[i];
      int64_t total = std::max<int64_t>(
          (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in, 0);
      int64_t small = total / 2;
      pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
      pads[spatial + i] = total - pads[i];
    }
  } else if (autoPad != "NOTSET") {
    return ctx.emitError() << ctx.opType() << " auto_pad '" << autoPad
                           << "' is not one ONNX defines";
  }
  StringRef kind = ctx.opType() == "MaxPool"       ? "max"
                   : ctx.opType() == "AveragePool" ? "avg"
                                                   : "lp";
  Builder &b = ctx.builder();
  bool ceilMode = ctx.getInt("ceil_mode", 0);
  bool countIncludePad = ctx.getInt("count_include_pad", 0);
  return ctx.setOutput(ctx.value<x::PoolOp>(
      *input, b.getStringAttr(kind), b.getDenseI64ArrayAttr(kernel),
      b.getDenseI64ArrayAttr(strides), b.getDenseI64ArrayAttr(pads),
      b.getDenseI64ArrayAttr(dilations),
      ceilMode ? b.getUnitAttr() : UnitAttr(),
      countIncludePad ? b.getUnitAttr() : UnitAttr(),
      b.getI64IntegerAttr(ctx.getInt("p", 2))));
}

void mlir::xfmr::onnx_import::registerPoolingOps(OpRegistry &r) {
  r.add("", "MaxPool", convertPool);
  r.add("", "AveragePool", convertPool);
  r.add("", "LpPool", convertPool);
}
