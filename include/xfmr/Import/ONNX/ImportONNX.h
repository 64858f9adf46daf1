//===- ImportONNX.h - Import ONNX models into the xfmr dialect --*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The importer's public API: an ONNX model (binary protobuf or ONNX text) in,
// a module holding one `func.func` of xfmr ops out. Errors are reported as
// MLIR diagnostics on the context, located at the ONNX node they concern.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_IMPORT_ONNX_IMPORTONNX_H
#define XFMR_IMPORT_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace llvm::cl {
class OptionCategory;
} // namespace llvm::cl

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace mlir::xfmr {

/// How a model is brought in.
struct ONNXImportOptions {
  /// Shapes that replace the declared shapes of graph inputs, by input name;
  /// -1 keeps a dim dynamic (`--input-shape=NAME:1x128`).
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Values bound to symbolic dims (`dim_param`) by name (`--dim=NAME=VALUE`).
  llvm::StringMap<int64_t> dimValues;
  /// The lengths of graph inputs that are sequences, by input name
  /// (`--sequence-length=NAME=N`): a compiled model takes tensors, so a
  /// sequence input of length N is N inputs `NAME.0` ... `NAME.<N-1>`.
  llvm::StringMap<int64_t> sequenceLengths;
  /// Optional graph inputs that hold no value (`--absent-optional=NAME`);
  /// the others hold one and are taken as what they hold.
  llvm::StringSet<> absentOptionals;
  /// Name of the function that holds the graph.
  std::string functionName = "main";
  /// Tensors with at most this many elements become inline `dense`
  /// constants, so shape arithmetic on them folds; larger ones become
  /// `dense_resource` blobs.
  int64_t maxInlineElements = 64;
};

/// Imports the model in `path`: `.onnxtext` (or `.txt`) files are read as ONNX
/// text, anything else as a binary `ModelProto`. External data is resolved
/// relative to the model's folder and memory-mapped.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXFile(llvm::StringRef path, mlir::MLIRContext *context,
               const ONNXImportOptions &options = {});

/// Imports a model held in memory. `bufferName` names it in diagnostics and
/// `baseDir` is where external data files are looked up.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXBuffer(llvm::StringRef bytes, bool isText, llvm::StringRef bufferName,
                 llvm::StringRef baseDir, mlir::MLIRContext *context,
                 const ONNXImportOptions &options = {});

/// Parses the tools' `--input-shape NAME:D0xD1...` ('?' or -1 for a dynamic
/// dim) and `--dim NAME=VALUE` values into `options`; false and `error` on a
/// malformed one.
bool parseONNXShapeOptions(llvm::ArrayRef<std::string> inputShapes,
                           llvm::ArrayRef<std::string> dims,
                           ONNXImportOptions &options, std::string &error);

/// Parses the tools' `--sequence-length NAME=N` and `--absent-optional NAME`
/// values into `options`; false and `error` on a malformed one.
bool parseONNXSequenceOptions(llvm::ArrayRef<std::string> sequenceLengths,
                              llvm::ArrayRef<std::string> absentOptionals,
                              ONNXImportOptions &options, std::string &error);

/// Registers the command-line options of the import (`--input-shape`,
/// `--dim`, `--sequence-length`, `--absent-optional`) with LLVM's command
/// line, once, for every tool that imports ONNX. Call before parsing it.
void registerONNXImportCLOptions();

/// The category of those options in a tool's --help.
llvm::cl::OptionCategory &getONNXImportCLCategory();

/// Reads the options registered by registerONNXImportCLOptions into
/// `options`; false and `error` on a malformed value.
bool applyONNXImportCLOptions(ONNXImportOptions &options, std::string &error);

/// Registers the dialects an imported module uses.
void registerONNXImportDialects(mlir::DialectRegistry &registry);

} // namespace mlir::xfmr

#endif // XFMR_IMPORT_ONNX_IMPORTONNX_H
