//===- Target.h - What a code generation target contributes -----*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Everything above the linalg level is shared by all targets; what differs
// sits behind this one interface. A target contributes its options and
// their defaults, its codegen pipeline (linalg on tensors to what its
// serialisation reads), its serialisation (the files --emit writes after
// codegen, the compiled model last) and the runtime kind recorded in the
// model. The driver, xfmr-run, the tests and Python look a target up by
// name and never branch on it.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TARGET_TARGET_H
#define XFMR_TARGET_TARGET_H

#include "xfmr/Pipelines/EmitStage.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace mlir::xfmr {

/// The module attribute that names the file a target may write a model's
/// large weights to, beside its library; the driver sets it when it writes
/// a shared library.
inline constexpr llvm::StringLiteral kWeightsFileAttrName = "xfmr.weights_file";

/// The weights file beside a library: `model.so` gives `model.weights`.
inline std::string getWeightsPath(llvm::StringRef libraryPath) {
  return (libraryPath.ends_with(".so") ? libraryPath.drop_back(3) : libraryPath)
             .str() +
         ".weights";
}

/// The options of code generation, for whichever target is picked. Each
/// target reads the fields that concern it and fills the defaults of those
/// left empty (`Target::resolveOptions`).
struct TargetOptions {
  /// Arithmetic of the matmuls and attention: f32, tf32, bf16 or f16; each
  /// target accepts its own subset (`Target::getPrecisions`).
  std::string precision = "f32";
  /// 0 to 3, as -O.
  unsigned optLevel = 3;
  /// CPU targets: an LLVM CPU name, or "native" for the host's CPU and
  /// features.
  std::string cpu = "native";
  /// GPU targets: the architectures to emit code for (sm_80, sm_90a, ...);
  /// empty for the target's default.
  std::vector<std::string> gpuArchs;
  /// GPU targets: sm_90a's bf16/f16 GEMMs on wgmma with operands loaded by
  /// TMA rather than on mma.sync. Off by default until it is measured on
  /// hardware: it adds a tensor map per operand, encoded on the host.
  bool warpgroupMma = false;
};

/// A code generation target. Implementations are stateless and registered
/// once (`registerTarget`).
class Target {
public:
  virtual ~Target();

  /// The name users pick it by (`--target=NAME`).
  virtual StringRef getName() const = 0;
  /// One line for `--help` and error messages.
  virtual StringRef getDescription() const = 0;
  /// The runtime kind the compiled model records, which selects how the
  /// runtime loads and runs it.
  virtual StringRef getRuntimeKind() const = 0;
  /// The precisions it compiles (`TargetOptions::precision`).
  virtual ArrayRef<StringRef> getPrecisions() const = 0;
  /// The stages its serialisation writes (`--emit`), the compiled model
  /// (`EmitStage::So`) among them.
  virtual ArrayRef<EmitStage> getSerializationStages() const = 0;

  /// Registers the dialects, interfaces and translations its pipelines
  /// create or use.
  virtual void registerDialects(DialectRegistry &registry) const = 0;

  /// Checks `options` and fills the defaults of the fields it reads; failure
  /// and `error` naming the option at fault. It runs before any work, so
  /// that an unknown CPU or architecture fails at once.
  virtual LogicalResult resolveOptions(TargetOptions &options,
                                       std::string &error) const = 0;

  /// Adds the codegen phase: linalg, tensor, arith and math on tensors to
  /// the form `serialize` reads. `options` are resolved.
  virtual LogicalResult buildCodegenPipeline(OpPassManager &pm,
                                             const TargetOptions &options,
                                             std::string &error) const = 0;

  /// Writes `module`, the codegen phase's output, at `stage` (one of
  /// `getSerializationStages`) to `outputPath`. Errors are reported through
  /// the module's context.
  virtual LogicalResult serialize(ModuleOp module, const TargetOptions &options,
                                  EmitStage stage,
                                  StringRef outputPath) const = 0;

  /// Whether `getPrecisions` has `precision`.
  bool hasPrecision(StringRef precision) const;
  /// Whether `getSerializationStages` has `stage`.
  bool canSerialize(EmitStage stage) const;
};

/// Makes `target` available under its name; a second target of the same
/// name is ignored.
void registerTarget(std::unique_ptr<Target> target);

/// The target named `name`; null when none is registered under it.
const Target *lookupTarget(StringRef name);

/// The names of the registered targets, in registration order.
std::vector<StringRef> getRegisteredTargetNames();

/// The target named `name`, or null and `error` listing those there are.
const Target *lookupTarget(StringRef name, std::string &error);

/// An error about the whole model, at its location: an error on the module
/// op itself would print the module (megabytes of IR) as a note.
InFlightDiagnostic emitModelError(ModuleOp module, const Twine &message = "");

} // namespace mlir::xfmr

#endif // XFMR_TARGET_TARGET_H
