//===- Pipelines.cpp - The whole xfmr pipeline and its names --------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One place that builds the whole compile and names every pipeline, so
// xfmr-opt, the driver and Python run the same steps under the same names.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Pipelines/Pipelines.h"

#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::xfmr;

std::optional<Phase> mlir::xfmr::parsePhase(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Phase>>(name)
      .Case("graph-cleanup", Phase::GraphCleanup)
      .Case("fusion", Phase::Fusion)
      .Case("linalg", Phase::Linalg)
      .Case("codegen", Phase::Codegen)
      .Default(std::nullopt);
}

Phase mlir::xfmr::getLastPhase(EmitStage stage) {
  switch (stage) {
  case EmitStage::Xfmr:
    return Phase::GraphCleanup;
  case EmitStage::Fused:
    return Phase::Fusion;
  case EmitStage::Linalg:
    return Phase::Linalg;
  default:
    return Phase::Codegen;
  }
}

LogicalResult mlir::xfmr::buildXfmrPipeline(OpPassManager &pm,
                                            const PipelineOptions &options,
                                            Phase from, Phase to,
                                            std::string &error) {
  auto runs = [&](Phase phase) { return from <= phase && phase <= to; };
  // The target is resolved even when codegen does not run, so that a wrong
  // --target or --mcpu fails before the work, not after it.
  const Target *target = lookupTarget(options.target, error);
  if (!target)
    return failure();
  TargetOptions targetOptions = options.targetOptions;
  if (!target->hasPrecision(targetOptions.precision)) {
    error = "precision '" + targetOptions.precision +
            "' is not one of target '" + target->getName().str() + "' (" +
            llvm::join(target->getPrecisions(), ", ") + ")";
    return failure();
  }
  if (runs(Phase::Codegen) &&
      failed(target->resolveOptions(targetOptions, error)))
    return failure();
  if (!options.quantize.empty() && options.quantize != "int4" &&
      options.quantize != "int8") {
    error = "quantize '" + options.quantize + "' is not int4 or int8";
    return failure();
  }

  if (runs(Phase::GraphCleanup))
    buildGraphCleanupPipeline(pm, GraphCleanupOptions());
  if (runs(Phase::Fusion)) {
    // Before fusion, which then sees the quantized matmuls' formulas.
    if (!options.quantize.empty()) {
      XfmrQuantizeWeightsPassOptions quantize;
      quantize.mode = options.quantize;
      pm.nest<func::FuncOp>().addPass(createXfmrQuantizeWeightsPass(quantize));
    }
    FusionOptions fusion;
    fusion.report = options.fusionReport;
    fusion.preRMSNorm = options.preRMSNorm;
    if (options.fuse)
      buildFusionPipeline(pm, fusion);
    else if (options.fusionReport)
      pm.addPass(createXfmrFusionReportPass());
  }
  if (runs(Phase::Linalg))
    buildLowerToLinalgPipeline(pm, options.tiling);
  if (runs(Phase::Codegen))
    return target->buildCodegenPipeline(pm, targetOptions, error);
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

namespace {
/// The options of `--xfmr-pipeline`, and of the phases registered under
/// their own names: the fields of PipelineOptions, and the phases to run.
struct XfmrPipelineOptions : public PassPipelineOptions<XfmrPipelineOptions> {
  Option<std::string> from{
      *this, "from",
      llvm::cl::desc("The first phase to run: graph-cleanup, fusion, "
                     "linalg or codegen"),
      llvm::cl::init("graph-cleanup")};
  Option<std::string> to{*this, "to", llvm::cl::desc("The last phase to run"),
                         llvm::cl::init("codegen")};
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("The target of codegen (cpu, or any registered one)"),
      llvm::cl::init("cpu")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("Arithmetic of matmuls and attention (f32, bf16, ...; "
                     "the target says which)"),
      llvm::cl::init("f32")};
  Option<std::string> cpu{
      *this, "cpu",
      llvm::cl::desc("CPU targets: native, or an LLVM CPU name (x86-64-v3, "
                     "znver3, ...); register blocks and vector widths follow "
                     "its ISA"),
      llvm::cl::init("native")};
  ListOption<std::string> gpuArchs{
      *this, "gpu-archs",
      llvm::cl::desc("GPU targets: the architectures to emit code for "
                     "(empty: the target's default)")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("Optimization level (0 to 3)"),
                            llvm::cl::init(3)};
  Option<bool> fuse{*this, "fuse", llvm::cl::desc("Run the fusion passes"),
                    llvm::cl::init(true)};
  Option<bool> fusionReport{*this, "fusion-report",
                            llvm::cl::desc("Print the fusion report to stderr"),
                            llvm::cl::init(false)};
  Option<bool> preRMSNorm{
      *this, "pre-rmsnorm",
      llvm::cl::desc("Rewrite Pre-LN LayerNorms into RMSNorms where exact"),
      llvm::cl::init(false)};
  Option<std::string> quantize{
      *this, "quantize",
      llvm::cl::desc("Quantize matmul weights: int4 (weight-only, blocks of "
                     "32) or int8 (dynamic); empty keeps f32"),
      llvm::cl::init("")};
  Option<bool> flashAttention{
      *this, "flash-attention",
      llvm::cl::desc("Lower attention as an online softmax over key/value "
                     "blocks"),
      llvm::cl::init(XfmrToLinalgTiling().flashAttention)};
  Option<int64_t> attentionQBlock{
      *this, "attention-q-block",
      llvm::cl::desc("Query rows per flash-attention tile"),
      llvm::cl::init(XfmrToLinalgTiling().attentionQBlock)};
  Option<int64_t> attentionKvBlock{
      *this, "attention-kv-block",
      llvm::cl::desc("Keys per step of the flash-attention loop"),
      llvm::cl::init(XfmrToLinalgTiling().attentionKvBlock)};
  Option<int64_t> mlpRowBlock{
      *this, "mlp-row-block",
      llvm::cl::desc("Rows per MLP tile (0: whole projections)"),
      llvm::cl::init(XfmrToLinalgTiling().mlpRowBlock)};

  PipelineOptions getPipelineOptions() const {
    PipelineOptions options;
    options.target = target;
    options.targetOptions.precision = precision;
    options.targetOptions.cpu = cpu;
    options.targetOptions.gpuArchs.assign(gpuArchs.begin(), gpuArchs.end());
    options.targetOptions.optLevel = optLevel;
    options.fuse = fuse;
    options.fusionReport = fusionReport;
    options.preRMSNorm = preRMSNorm;
    options.quantize = quantize;
    options.tiling.flashAttention = flashAttention;
    options.tiling.attentionQBlock = attentionQBlock;
    options.tiling.attentionKvBlock = attentionKvBlock;
    options.tiling.mlpRowBlock = mlpRowBlock;
    return options;
  }
};
} // namespace

/// Registers `name` as the phases `from` to `to` of the whole pipeline, or
/// (without them) the phases its `from` and `to` options name.
static void registerPhases(StringRef name, StringRef description,
                           std::optional<Phase> from = std::nullopt,
                           std::optional<Phase> to = std::nullopt) {
  // Not PassPipelineRegistration: an unknown target, CPU or phase is an
  // error of the pipeline text, not a crash.
  registerPassPipeline(
      name, description,
      [=](OpPassManager &pm, StringRef text,
          function_ref<LogicalResult(const Twine &)> errorHandler) {
        XfmrPipelineOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        std::optional<Phase> first = from ? from : parsePhase(options.from);
        std::optional<Phase> last = to ? to : parsePhase(options.to);
        if (!first || !last || *first > *last)
          return errorHandler("phases run from graph-cleanup, fusion, "
                              "linalg or codegen to the same or a later "
                              "one");
        std::string error;
        if (failed(buildXfmrPipeline(pm, options.getPipelineOptions(), *first,
                                     *last, error)))
          return errorHandler(error);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(XfmrPipelineOptions());
      });
}

void mlir::xfmr::registerXfmrPipelines() {
  PassPipelineRegistration<GraphCleanupOptions>(
      "xfmr-graph-cleanup",
      "Fold shape arithmetic and make result types static where the inputs "
      "allow (shape refinement alternated with canonicalization)",
      buildGraphCleanupPipeline);
  PassPipelineRegistration<FusionOptions>(
      "xfmr-fuse",
      "Rewrite the attention, MLP, normalisation and activation blocks "
      "into xfmr's transformer ops",
      buildFusionPipeline);
  registerPhases("xfmr-pipeline",
                 "The whole compile after import, from the phase `from` to "
                 "the phase `to`: graph clean-up, fusion, lowering to linalg, "
                 "and the target's codegen");
  registerPhases("xfmr-lower-to-linalg",
                 "The lowering from xfmr's ops to linalg, tensor, arith and "
                 "math, with flash attention and MLP tiles",
                 Phase::Linalg, Phase::Linalg);
  registerPhases("xfmr-codegen",
                 "The target's codegen from linalg on tensors to what its "
                 "serialisation reads (the LLVM dialect and the model ABI "
                 "for the CPU)",
                 Phase::Codegen, Phase::Codegen);
}
