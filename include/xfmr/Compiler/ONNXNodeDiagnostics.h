//===- ONNXNodeDiagnostics.h - Diagnostics that name ONNX nodes -*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_COMPILER_ONNXNODEDIAGNOSTICS_H
#define XFMR_COMPILER_ONNXNODEDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::xfmr {

/// Prints the diagnostics of ops located at an ONNX node (the importer's
/// `NameLoc("node"(file:0:0))`) as `file: error: ONNX node 'node': ...`,
/// whichever pass raised them, rather than `file:0:0: error: ...`, which
/// points nowhere in a binary model. Notes longer than `maxNoteBytes` (an
/// op printed with its regions: a whole module, after LLVM lowering) are
/// cut there. Diagnostics at other locations go to the next handler.
/// Install it after (above) the tool's SourceMgrDiagnosticHandler.
class ONNXNodeDiagnosticHandler : public ScopedDiagnosticHandler {
public:
  explicit ONNXNodeDiagnosticHandler(MLIRContext *context,
                                     llvm::raw_ostream &os = llvm::errs(),
                                     size_t maxNoteBytes = 2000);

private:
  llvm::raw_ostream &os;
  size_t maxNoteBytes;

  LogicalResult handle(Diagnostic &diag);
};

} // namespace mlir::xfmr

#endif // XFMR_COMPILER_ONNXNODEDIAGNOSTICS_H
