//===- ImportONNX.cpp - The importer's public entry points ----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reads the bytes of a model (mapped, not copied, for binary files), parses
// them with libonnx, and hands the ModelProto to the GraphImporter. This file
// is compiled with exceptions enabled: libonnx's text parser may throw on
// malformed input, and that must become a diagnostic, not an abort.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/parser.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <climits>

using namespace mlir;
using namespace mlir::xfmr;
using namespace mlir::xfmr::onnx_import;

void mlir::xfmr::registerONNXImportDialects(DialectRegistry &registry) {
  registry
      .insert<mlir::xfmr::XfmrDialect, func::FuncDialect, arith::ArithDialect,
              scf::SCFDialect, cf::ControlFlowDialect, tensor::TensorDialect>();
}

static bool parseModel(llvm::StringRef bytes, bool isText,
                       onnx::ModelProto &model, std::string &error) {
  try {
    if (isText) {
      // The parser reads a NUL-terminated string.
      std::string text = bytes.str();
      onnx::Common::Status status = onnx::OnnxParser::Parse(model, text.c_str());
      if (!status.IsOK()) {
        error = status.ErrorMessage();
        return false;
      }
      return true;
    }
    // Models over the default 64 MB protobuf limit are common; the format
    // itself stops at 2 GB, beyond which weights live in external files.
    google::protobuf::io::ArrayInputStream stream(
        bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX)));
    google::protobuf::io::CodedInputStream coded(&stream);
    coded.SetTotalBytesLimit(INT_MAX);
    if (bytes.size() > INT_MAX || !model.ParseFromCodedStream(&coded) ||
        !coded.ConsumedEntireMessage()) {
      error = "not a valid ONNX ModelProto (truncated, or not an ONNX file)";
      return false;
    }
    return true;
  } catch (const std::exception &e) {
    error = e.what();
  } catch (...) {
    error = "unknown error in the ONNX parser";
  }
  return false;
}

OwningOpRef<ModuleOp>
mlir::xfmr::importONNXBuffer(llvm::StringRef bytes, bool isText,
                       llvm::StringRef bufferName, llvm::StringRef baseDir,
                       MLIRContext *context, const ONNXImportOptions &options) {
  // Control flow is imported as scf ops with tensor.extract'ed conditions.
  context->loadDialect<mlir::xfmr::XfmrDialect, func::FuncDialect,
                       arith::ArithDialect, scf::SCFDialect,
                       cf::ControlFlowDialect, tensor::TensorDialect>();
  Location loc = FileLineColLoc::get(context, bufferName, 0, 0);
  if (bytes.empty())
    return emitError(loc) << "the model file is empty", nullptr;
  onnx::ModelProto model;
  std::string error;
  if (!parseModel(bytes, isText, model, error))
    return emitError(loc) << "cannot parse the model: " << error, nullptr;
  GraphImporter importer(context, options, bufferName,
                         ExternalDataResolver{baseDir.str()});
  return importer.import(model);
}

OwningOpRef<ModuleOp> mlir::xfmr::importONNXFile(llvm::StringRef path,
                                           MLIRContext *context,
                                           const ONNXImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << "cannot read the model: " << buffer.getError().message();
    return nullptr;
  }
  llvm::StringRef extension = llvm::sys::path::extension(path);
  bool isText = extension == ".onnxtext" || extension == ".onnxtxt" ||
                extension == ".txt";
  llvm::SmallString<256> baseDir = llvm::sys::path::parent_path(path);
  if (baseDir.empty())
    baseDir = ".";
  return importONNXBuffer((*buffer)->getBuffer(), isText, path, baseDir,
                          context, options);
}
