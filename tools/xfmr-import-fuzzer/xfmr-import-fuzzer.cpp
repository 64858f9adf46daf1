//===- xfmr-import-fuzzer.cpp - libFuzzer target for the ONNX importer ----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Feeds arbitrary bytes to the importer, as ONNX text when they start with
// '<' (the model header) and as a binary ModelProto otherwise. Any outcome
// but a crash, a sanitizer report or a leak is fine: bad input must end in a
// diagnostic.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Import/ONNX/ImportONNX.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    mlir::xfmr::registerONNXImportDialects(*r);
    return r;
  }();
  mlir::MLIRContext context(*registry, mlir::MLIRContext::Threading::DISABLED);
  // Diagnostics are the expected outcome; keep them off the terminal.
  mlir::ScopedDiagnosticHandler quiet(&context, [](mlir::Diagnostic &) {
    return mlir::success();
  });
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  bool isText = !bytes.empty() && bytes.front() == '<';
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::xfmr::importONNXBuffer(
      bytes, isText, "fuzz.onnx", "/nonexistent", &context);
  return 0;
}
