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

/// The attribute that marks a condition of createCompiledForChip.
inline constexpr llvm::StringLiteral kCompiledForChipAttrName =
    "xfmr.nvptx.compiled_for";

/// What separates a kernel module's name from the architecture of its copy
/// (`xfmr_kernels__sm_90a`) in xfmr-nvptx-kernels-per-arch.
inline constexpr llvm::StringLiteral kArchModuleSeparator = "__";

/// An i1 in kernel code that is true where the kernel is compiled for
/// `chip` (sm_90a) and false elsewhere: xfmr-nvptx-kernels-per-arch makes
/// it a constant in each architecture's copy of the kernels. Only scf.if
/// may use it.
Value createCompiledForChip(OpBuilder &b, Location loc, llvm::StringRef chip);

/// The name of the kernel module that `name`, an architecture's copy of it,
/// was made from (the name itself for the original).
llvm::StringRef getArchModuleBaseName(llvm::StringRef name);

#define GEN_PASS_DECL
#include "xfmr/Target/NVPTX/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "xfmr/Target/NVPTX/Passes.h.inc"

} // namespace mlir::xfmr

#endif // XFMR_TARGET_NVPTX_PASSES_H
