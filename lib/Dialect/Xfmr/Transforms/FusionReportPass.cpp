//===- FusionReportPass.cpp - Print what fusion did and did not do --------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRFUSIONREPORTPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// Fills a summary from the ops of one function.
struct FusionCounter {
  FusionSummary summary;

  FusionCounter() {
    // Every kind gets a row, so that a zero is visible.
    for (StringRef kind : {"attention", "mlp", "linear", "layer_norm",
                           "rms_norm", "gelu", "silu", "rotary_embedding"})
      summary.counts[kind];
    summary.counts["layer_norm"].variantName = "with the residual add";
    summary.counts["rms_norm"].variantName = "with the residual add";
    summary.counts["mlp"].variantName = "gated";
  }

  void countFused(Operation *op) {
    auto &counts = summary.counts;
    llvm::TypeSwitch<Operation *>(op)
        .Case([&](AttentionOp) { ++counts["attention"].fused; })
        .Case([&](MlpOp mlp) {
          FusionSummary::Count &row = counts["mlp"];
          ++row.fused;
          row.variant += mlp.getGate() ? 1 : 0;
        })
        .Case([&](LinearOp) { ++counts["linear"].fused; })
        .Case([&](LayerNormOp norm) {
          FusionSummary::Count &row = counts["layer_norm"];
          ++row.fused;
          row.variant += norm.getResidual() ? 1 : 0;
        })
        .Case([&](RmsNormOp norm) {
          FusionSummary::Count &row = counts["rms_norm"];
          ++row.fused;
          row.variant += norm.getResidual() ? 1 : 0;
        })
        .Case([&](GeluOp) { ++counts["gelu"].fused; })
        .Case([&](SiluOp) { ++counts["silu"].fused; })
        .Case([&](RotaryEmbeddingOp) { ++counts["rotary_embedding"].fused; });
  }

  void takeNotes(Operation *op) {
    auto notes = op->getAttrOfType<DictionaryAttr>(kFusionMissedAttrName);
    if (!notes)
      return;
    for (NamedAttribute note : notes) {
      StringRef kind = note.getName().getValue();
      ++summary.counts[kind].missed;
      FusionSummary::Miss miss;
      miss.kind = kind.str();
      auto fields = dyn_cast<ArrayAttr>(note.getValue());
      if (fields && fields.size() == 2) {
        miss.reason = cast<StringAttr>(fields[0]).str();
        miss.node = cast<StringAttr>(fields[1]).str();
      }
      summary.missed.push_back(std::move(miss));
    }
    op->removeAttr(kFusionMissedAttrName);
  }
};

void printSummary(const FusionSummary &summary, StringRef function,
                  raw_ostream &os) {
  os << "fusion report for @" << function << "\n";
  os << llvm::formatv("  {0,-18} {1,6} {2,10}\n", "block", "fused",
                      "not fused");
  for (const auto &[kind, row] : summary.counts) {
    os << llvm::formatv("  {0,-18} {1,6} {2,10}", kind, row.fused, row.missed);
    if (row.variantName && row.variant)
      os << "  (" << row.variant << " " << row.variantName << ")";
    os << "\n";
  }
  if (summary.missed.empty())
    return;
  os << "not fused:\n";
  for (const FusionSummary::Miss &miss : summary.missed) {
    os << "  " << miss.kind;
    if (!miss.node.empty())
      os << " at '" << miss.node << "'";
    os << ": " << miss.reason << "\n";
  }
}

struct FusionReportPass
    : public xfmr::impl::XfmrFusionReportPassBase<FusionReportPass> {
  using XfmrFusionReportPassBase::XfmrFusionReportPassBase;

  void runOnOperation() override {
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file;
    raw_ostream *os = &llvm::errs();
    if (output != "-") {
      file = openOutputFile(output, &error);
      if (!file) {
        getOperation().emitError() << "cannot write the fusion report: "
                                   << error;
        return signalPassFailure();
      }
      os = &file->os();
    }

    for (auto func : getOperation().getOps<func::FuncOp>())
      printSummary(summarizeFusion(func), func.getSymName(), *os);
    if (file)
      file->keep();
  }
};

} // namespace

FusionSummary mlir::xfmr::summarizeFusion(Operation *root) {
  FusionCounter counter;
  root->walk([&](Operation *op) {
    counter.countFused(op);
    counter.takeNotes(op);
  });
  return std::move(counter.summary);
}
