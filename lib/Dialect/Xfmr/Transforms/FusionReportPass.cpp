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

/// One row of the table.
struct BlockCount {
  unsigned fused = 0;
  unsigned missed = 0;
  /// How many of the fused ones carry a variant worth naming (a norm with
  /// its residual add, a gated MLP).
  unsigned variant = 0;
  const char *variantName = nullptr;
};

/// The report of one function.
struct FunctionReport {
  llvm::MapVector<StringRef, BlockCount> counts;
  SmallVector<std::string> missed;

  FunctionReport() {
    // Every kind gets a row, so that a zero is visible.
    for (StringRef kind : {"attention", "mlp", "linear", "layer_norm",
                           "rms_norm", "gelu", "silu", "rotary_embedding"})
      counts[kind];
    counts["layer_norm"].variantName = "with the residual add";
    counts["rms_norm"].variantName = "with the residual add";
    counts["mlp"].variantName = "gated";
  }

  void countFused(Operation *op) {
    llvm::TypeSwitch<Operation *>(op)
        .Case([&](AttentionOp) { ++counts["attention"].fused; })
        .Case([&](MlpOp mlp) {
          BlockCount &row = counts["mlp"];
          ++row.fused;
          row.variant += mlp.getGate() ? 1 : 0;
        })
        .Case([&](LinearOp) { ++counts["linear"].fused; })
        .Case([&](LayerNormOp norm) {
          BlockCount &row = counts["layer_norm"];
          ++row.fused;
          row.variant += norm.getResidual() ? 1 : 0;
        })
        .Case([&](RmsNormOp norm) {
          BlockCount &row = counts["rms_norm"];
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
      ++counts[kind].missed;
      auto fields = dyn_cast<ArrayAttr>(note.getValue());
      std::string reason, node;
      if (fields && fields.size() == 2) {
        reason = cast<StringAttr>(fields[0]).str();
        node = cast<StringAttr>(fields[1]).str();
      }
      std::string line = kind.str();
      if (!node.empty())
        line += " at '" + node + "'";
      missed.push_back(line + ": " + reason);
    }
    op->removeAttr(kFusionMissedAttrName);
  }

  void print(StringRef function, raw_ostream &os) const {
    os << "fusion report for @" << function << "\n";
    os << llvm::formatv("  {0,-18} {1,6} {2,10}\n", "block", "fused",
                        "not fused");
    for (const auto &[kind, row] : counts) {
      os << llvm::formatv("  {0,-18} {1,6} {2,10}", kind, row.fused,
                          row.missed);
      if (row.variantName && row.variant)
        os << "  (" << row.variant << " " << row.variantName << ")";
      os << "\n";
    }
    if (missed.empty())
      return;
    os << "not fused:\n";
    for (const std::string &line : missed)
      os << "  " << line << "\n";
  }
};

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

    for (auto func : getOperation().getOps<func::FuncOp>()) {
      FunctionReport report;
      func.walk([&](Operation *op) {
        report.countFused(op);
        report.takeNotes(op);
      });
      report.print(func.getSymName(), *os);
    }
    if (file)
      file->keep();
  }
};

} // namespace
