//===- Passes.h - Passes of the NVPTX target --------------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TARGET_NVPTX_PASSES_H
#define XFMR_TARGET_NVPTX_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::xfmr {

/// The gpu.module that outlining puts every kernel of a model in: one
/// binary to load.
inline constexpr llvm::StringLiteral kKernelModuleName = "xfmr_kernels";

#define GEN_PASS_DECL
#include "xfmr/Target/NVPTX/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "xfmr/Target/NVPTX/Passes.h.inc"

} // namespace mlir::xfmr

#endif // XFMR_TARGET_NVPTX_PASSES_H
