//===- Pipelines.h - Named xfmr pass pipelines ------------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The named pipelines are built here once; xfmr-opt, the driver and the
// Python package all call these builders.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_PIPELINES_PIPELINES_H
#define XFMR_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

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

/// Registers the named pipelines with the command line
/// (`--xfmr-graph-cleanup`, `--xfmr-fuse`, `--xfmr-cpu-codegen`).
void registerXfmrPipelines();

} // namespace mlir::xfmr

#endif // XFMR_PIPELINES_PIPELINES_H
