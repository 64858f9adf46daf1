//===- EmitStage.h - The stages a compile can stop at -----------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What `--emit` names. The first four end a phase of the pipeline (MLIR a
// pass manager produces); the others are written by a target's
// serialisation, each target supporting its own subset.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_PIPELINES_EMITSTAGE_H
#define XFMR_PIPELINES_EMITSTAGE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSwitch.h"

#include <optional>

namespace mlir::xfmr {

/// The stages a model can be written out at, in pipeline order.
enum class EmitStage {
  Xfmr,   ///< imported and cleaned up (shapes refined, shape math folded)
  Fused,  ///< after the fusion passes
  Linalg, ///< lowered to linalg/tensor/arith/math
  LLVM,   ///< the target's codegen output: the LLVM dialect (and, for GPU
          ///< targets, the kernels' gpu.module)
  LLVMIR, ///< optimized LLVM IR
  Asm,    ///< assembly
  Obj,    ///< an object file
  PTX,    ///< the kernels' PTX, one module per GPU architecture
  So,     ///< a shared library: the compiled model
};

/// The stage named by an `--emit` value, if any.
inline std::optional<EmitStage> parseEmitStage(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<EmitStage>>(name)
      .Case("xfmr", EmitStage::Xfmr)
      .Case("fused", EmitStage::Fused)
      .Case("linalg", EmitStage::Linalg)
      .Case("llvm", EmitStage::LLVM)
      .Case("llvm-ir", EmitStage::LLVMIR)
      .Case("asm", EmitStage::Asm)
      .Case("obj", EmitStage::Obj)
      .Case("ptx", EmitStage::PTX)
      .Case("so", EmitStage::So)
      .Default(std::nullopt);
}

/// The `--emit` value naming `stage`.
inline llvm::StringRef getEmitStageName(EmitStage stage) {
  switch (stage) {
  case EmitStage::Xfmr:
    return "xfmr";
  case EmitStage::Fused:
    return "fused";
  case EmitStage::Linalg:
    return "linalg";
  case EmitStage::LLVM:
    return "llvm";
  case EmitStage::LLVMIR:
    return "llvm-ir";
  case EmitStage::Asm:
    return "asm";
  case EmitStage::Obj:
    return "obj";
  case EmitStage::PTX:
    return "ptx";
  case EmitStage::So:
    return "so";
  }
  return "";
}

/// Whether `stage` is MLIR that the pipeline itself produces, as opposed to
/// an output of a target's serialisation.
inline bool isPipelineStage(EmitStage stage) {
  return stage <= EmitStage::LLVM;
}

} // namespace mlir::xfmr

#endif // XFMR_PIPELINES_EMITSTAGE_H
