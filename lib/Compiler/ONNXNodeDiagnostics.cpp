//===- ONNXNodeDiagnostics.cpp - Diagnostics that name ONNX nodes ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The importer locates every op at its ONNX node; passes keep those
// locations (fused ones for ops made of several nodes). Any pass may fail
// at such an op, including those that know nothing of ONNX (bufferization,
// the LLVM translation): the handler names the node for all of them.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Compiler/ONNXNodeDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {
/// The ONNX node and the model file an op's location names.
struct NodeLocation {
  StringRef node;
  StringRef file;
};
} // namespace

/// The first ONNX node in `loc` (a NameLoc around a file location at line
/// 0, as the importer writes them), if any.
static std::optional<NodeLocation> findNode(Location loc) {
  std::optional<NodeLocation> found;
  loc->walk([&](Location inner) {
    auto name = dyn_cast<NameLoc>(inner);
    auto file = name ? dyn_cast<FileLineColLoc>(name.getChildLoc()) : nullptr;
    if (!file || file.getLine() != 0)
      return WalkResult::advance();
    found =
        NodeLocation{name.getName().getValue(), file.getFilename().getValue()};
    return WalkResult::interrupt();
  });
  return found;
}

static StringRef getSeverityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Remark:
    return "remark";
  case DiagnosticSeverity::Note:
    return "note";
  }
  return "error";
}

ONNXNodeDiagnosticHandler::ONNXNodeDiagnosticHandler(MLIRContext *context,
                                                     llvm::raw_ostream &os,
                                                     size_t maxNoteBytes)
    : ScopedDiagnosticHandler(context), os(os), maxNoteBytes(maxNoteBytes) {
  setHandler([this](Diagnostic &diag) { return handle(diag); });
}

LogicalResult ONNXNodeDiagnosticHandler::handle(Diagnostic &diag) {
  std::optional<NodeLocation> node = findNode(diag.getLocation());
  if (!node)
    return failure();
  std::string message = diag.str();
  std::string quoted = ("'" + node->node + "'").str();
  os << node->file << ": " << getSeverityName(diag.getSeverity()) << ": ";
  // Messages of the importer and the lowerings name the node already.
  if (!StringRef(message).contains(quoted))
    os << "ONNX node " << quoted << ": ";
  os << message << "\n";
  for (Diagnostic &note : diag.getNotes()) {
    std::string text = note.str();
    if (text.size() > maxNoteBytes)
      text = text.substr(0, maxNoteBytes) + " ... (" +
             std::to_string(text.size() - maxNoteBytes) + " more bytes)";
    os << node->file << ": note: " << text << "\n";
  }
  os.flush();
  return success();
}
