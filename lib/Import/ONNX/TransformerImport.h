//===- TransformerImport.h - Helpers for attention-like ops -----*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Shared by the default-domain and com.microsoft attention importers.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_IMPORT_ONNX_TRANSFORMERIMPORT_H
#define XFMR_LIB_IMPORT_ONNX_TRANSFORMERIMPORT_H

#include "NodeImporter.h"

namespace mlir::xfmr::onnx_import {

/// [B, S, H * D] -> [B, H, S, D].
mlir::FailureOr<Value> splitHeads(NodeContext &ctx, Value v, int64_t heads);
/// [B, H, S, D] -> [B, S, H * D].
mlir::FailureOr<Value> mergeHeads(NodeContext &ctx, Value v);

/// The attention of com.microsoft Attention (and QAttention) over the
/// packed projection `qkv` ([B, S, q + k + v], bias added), with the key
/// padding mask at input `maskInput` and an additive bias at `biasInput`.
mlir::FailureOr<Value> attentionOfPackedQkv(NodeContext &ctx, Value qkv,
                                            unsigned maskInput,
                                            std::optional<unsigned> biasInput);

/// An xfmr.attention on 4-D operands.
mlir::FailureOr<mlir::xfmr::AttentionOp>
buildAttention(NodeContext &ctx, Value q, Value k, Value v, Value mask,
               Value pastKey, Value pastValue, std::optional<float> scale,
               bool causal);

} // namespace mlir::xfmr::onnx_import

#endif // XFMR_LIB_IMPORT_ONNX_TRANSFORMERIMPORT_H
