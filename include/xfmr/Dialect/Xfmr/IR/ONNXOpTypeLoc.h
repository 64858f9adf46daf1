//===- ONNXOpTypeLoc.h - The ONNX op type in a location ---------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The importer names every op's location after its ONNX node. Where the op
// does not say which kind of node made it (a matmul made by Gemm), the
// location also records the node's op type, so that run-time errors name
// the op the user wrote.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_ONNXOPTYPELOC_H
#define XFMR_DIALECT_XFMR_IR_ONNXOPTYPELOC_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

#include <optional>

namespace mlir::xfmr {

constexpr StringLiteral kONNXOpTypeKey = "onnx_op_type";

/// `loc` (a node's location) marked as made by an ONNX node of `opType`.
inline Location withONNXOpType(Location loc, StringRef opType) {
  MLIRContext *context = loc.getContext();
  NamedAttribute entry(StringAttr::get(context, kONNXOpTypeKey),
                       StringAttr::get(context, opType));
  return FusedLoc::get(context, {loc}, DictionaryAttr::get(context, entry));
}

/// The op type `withONNXOpType` recorded in `loc` itself, if any.
inline std::optional<StringRef> getONNXOpType(Location loc) {
  auto fused = dyn_cast<FusedLoc>(loc);
  auto metadata =
      fused ? dyn_cast_or_null<DictionaryAttr>(fused.getMetadata()) : nullptr;
  auto opType = metadata ? metadata.getAs<StringAttr>(kONNXOpTypeKey) : nullptr;
  if (!opType)
    return std::nullopt;
  return opType.getValue();
}

} // namespace mlir::xfmr

#endif // XFMR_DIALECT_XFMR_IR_ONNXOPTYPELOC_H
