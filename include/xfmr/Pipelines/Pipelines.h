//===- Pipelines.h - Named xfmr pass pipelines ------------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The named pipelines are built here once; xfmr-opt, the driver and the
// Python package all call these builders. The whole compile is one
// pipeline in phases,
//
//   (import) -> graph clean-up -> fusion -> lowering to linalg
//            -> target codegen -> (serialisation)
//
// of which the middle four are passes that `buildXfmrPipeline` runs from
// any phase to any later one; import reads a file and serialisation writes
// one, so the driver runs them around it (the second through the target).
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_PIPELINES_PIPELINES_H
#define XFMR_PIPELINES_PIPELINES_H

#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Pipelines/EmitStage.h"
#include "xfmr/Target/Target.h"

#include "mlir/Pass/PassOptions.h"

#include <optional>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::xfmr {

/// Options of the graph-level clean-up that follows import.
struct GraphCleanupOptions
    : public mlir::PassPipelineOptions<GraphCleanupOptions> {
  Option<unsigned> rounds{
      *this, "rounds",
      llvm::cl::desc("Rounds of shape refinement and canonicalization; "
                     "each round can expose folds to the next"),
      llvm::cl::init(2)};
  Option<bool> refineSignature{
      *this, "refine-signature",
      llvm::cl::desc("Let refined types reach the function signature"),
      llvm::cl::init(true)};
};

/// Alternates shape refinement and canonicalization on every function, so
/// that shape arithmetic folds and result types become as static as the
/// inputs allow.
void buildGraphCleanupPipeline(mlir::OpPassManager &pm,
                               const GraphCleanupOptions &options);

/// Options of the fusion pipeline.
struct FusionOptions : public mlir::PassPipelineOptions<FusionOptions> {
  Option<bool> explain{
      *this, "explain",
      llvm::cl::desc("Leave on every candidate that was not fused the "
                     "reason why (the xfmr.fusion_missed attribute)"),
      llvm::cl::init(false)};
  Option<bool> report{
      *this, "report",
      llvm::cl::desc("Print the fusion report to stderr at the end "
                     "(implies explain)"),
      llvm::cl::init(false)};
  Option<bool> preRMSNorm{
      *this, "pre-rmsnorm",
      llvm::cl::desc("Rewrite the LayerNorms of a Pre-LN transformer into "
                     "RMSNorms where the residual stream's mean is provably "
                     "removable"),
      llvm::cl::init(false)};
};

/// Finds the blocks exporters spell out op by op and rewrites them into
/// xfmr's transformer ops: activations, norms, rotary embeddings, attention,
/// linear layers and MLPs, in that order, so that each family sees the
/// blocks the previous ones produced.
void buildFusionPipeline(mlir::OpPassManager &pm, const FusionOptions &options);

/// The tiles of the lowering to linalg: flash attention's and the MLP's.
void buildLowerToLinalgPipeline(mlir::OpPassManager &pm,
                                const XfmrToLinalgTiling &tiling);

//===----------------------------------------------------------------------===//
// The whole pipeline
//===----------------------------------------------------------------------===//

/// The phases that run as passes, in order.
enum class Phase { GraphCleanup, Fusion, Linalg, Codegen };

/// The phase named `name` (graph-cleanup, fusion, linalg, codegen), if any.
std::optional<Phase> parsePhase(llvm::StringRef name);

/// The last phase that must run before `stage` can be written.
Phase getLastPhase(EmitStage stage);

/// Everything the phases read, for whichever target.
struct PipelineOptions {
  /// The target's name (`--target`).
  std::string target = "cpu";
  TargetOptions targetOptions;
  /// Run the fusion passes (off: the graph reaches lowering as imported).
  bool fuse = true;
  /// Print the fusion report (fused blocks, and why candidates were not
  /// fused) to stderr.
  bool fusionReport = false;
  /// Rewrite Pre-LN LayerNorms into RMSNorms where that is exact.
  bool preRMSNorm = false;
  /// Quantize the constant weights of matmuls before fusion: "int4"
  /// (weight-only, blocks of 32), "int8" (dynamic), or empty (keep f32).
  std::string quantize;
  /// How attention and MLP blocks are tiled in the lowering to linalg.
  XfmrToLinalgTiling tiling;
};

/// Adds the phases `from` to `to` (both included). The target's options are
/// resolved first; failure and `error` when the target or its options are
/// not known.
LogicalResult buildXfmrPipeline(mlir::OpPassManager &pm,
                                const PipelineOptions &options, Phase from,
                                Phase to, std::string &error);

/// Registers the named pipelines with the command line: each phase
/// (`--xfmr-graph-cleanup`, `--xfmr-fuse`, `--xfmr-lower-to-linalg`,
/// `--xfmr-codegen`) and the whole (`--xfmr-pipeline`).
void registerXfmrPipelines();

} // namespace mlir::xfmr

#endif // XFMR_PIPELINES_PIPELINES_H
