//===- Passes.h - Passes every target's pipeline runs -----------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TARGET_COMMON_PASSES_H
#define XFMR_TARGET_COMMON_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::xfmr {

/// The module attribute that carries a model's signature text from
/// xfmr-prepare-entry to xfmr-emit-model-abi.
inline constexpr llvm::StringLiteral kSignatureAttrName = "xfmr.signature";

/// One-Shot Bufferize across function boundaries with identity layouts,
/// deallocation, and bufferization ops to memref: how every target turns
/// the model's tensors into buffers.
void buildModelBufferizationPipeline(OpPassManager &pm);

#define GEN_PASS_DECL
#include "xfmr/Target/Common/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "xfmr/Target/Common/Passes.h.inc"

} // namespace mlir::xfmr

#endif // XFMR_TARGET_COMMON_PASSES_H
