//===- ImportOptions.cpp - Import options from the command line -----------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Import/ONNX/ImportONNX.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ManagedStatic.h"

using namespace mlir;
namespace cl = llvm::cl;

llvm::cl::OptionCategory &mlir::xfmr::getONNXImportCLCategory() {
  static cl::OptionCategory category("ONNX import options");
  return category;
}

namespace {
/// The import's options, as xfmr-compile and xfmr-translate take them.
struct ImportCLOptions {
  cl::list<std::string> inputShapes{
      "input-shape", cl::cat(xfmr::getONNXImportCLCategory()),
      cl::desc("Shape of a graph input, NAME:D0xD1x... ('?' or -1 keeps a dim "
               "dynamic)"),
      cl::value_desc("name:shape")};
  cl::list<std::string> dimValues{
      "dim", cl::cat(xfmr::getONNXImportCLCategory()),
      cl::desc("Value of a symbolic dim"), cl::value_desc("name=value")};
  cl::list<std::string> sequenceLengths{
      "sequence-length", cl::cat(xfmr::getONNXImportCLCategory()),
      cl::desc("Length of a graph input that is a sequence: the model takes "
               "its elements as inputs NAME.0, NAME.1, ..."),
      cl::value_desc("name=n")};
  cl::list<std::string> absentOptionals{
      "absent-optional", cl::cat(xfmr::getONNXImportCLCategory()),
      cl::desc("An optional graph input that holds no value (it is then no "
               "input of the compiled model)"),
      cl::value_desc("name")};
};
} // namespace

static llvm::ManagedStatic<ImportCLOptions> importCLOptions;

void mlir::xfmr::registerONNXImportCLOptions() {
  // Constructing the options registers them with the command line.
  *importCLOptions;
}

bool mlir::xfmr::applyONNXImportCLOptions(ONNXImportOptions &options,
                                          std::string &error) {
  if (!importCLOptions.isConstructed())
    return true;
  return parseONNXShapeOptions(importCLOptions->inputShapes,
                               importCLOptions->dimValues, options, error) &&
         parseONNXSequenceOptions(importCLOptions->sequenceLengths,
                                  importCLOptions->absentOptionals, options,
                                  error);
}

bool mlir::xfmr::parseONNXShapeOptions(llvm::ArrayRef<std::string> inputShapes,
                                   llvm::ArrayRef<std::string> dims,
                                   ONNXImportOptions &options,
                                   std::string &error) {
  for (llvm::StringRef spec : inputShapes) {
    auto [name, shapeText] = spec.rsplit(':');
    if (name.empty() || name == spec) {
      error = "--input-shape wants NAME:D0xD1..., got '" + spec.str() + "'";
      return false;
    }
    // `NAME:` with no dims is a scalar.
    llvm::SmallVector<llvm::StringRef> parts;
    if (!shapeText.empty())
      shapeText.split(parts, 'x');
    llvm::SmallVector<int64_t> shape;
    for (llvm::StringRef part : parts) {
      int64_t d;
      if (part == "?")
        d = -1;
      else if (part.getAsInteger(10, d) || d < -1) {
        error = "--input-shape: '" + part.str() + "' in '" + spec.str() +
                "' is not a dim";
        return false;
      }
      shape.push_back(d);
    }
    options.inputShapes[name] = shape;
  }
  for (llvm::StringRef spec : dims) {
    auto [name, value] = spec.split('=');
    int64_t v;
    if (name.empty() || value.getAsInteger(10, v) || v < 0) {
      error = "--dim wants NAME=VALUE, got '" + spec.str() + "'";
      return false;
    }
    options.dimValues[name] = v;
  }
  return true;
}

bool mlir::xfmr::parseONNXSequenceOptions(
    llvm::ArrayRef<std::string> sequenceLengths,
    llvm::ArrayRef<std::string> absentOptionals, ONNXImportOptions &options,
    std::string &error) {
  for (llvm::StringRef spec : sequenceLengths) {
    auto [name, value] = spec.rsplit('=');
    int64_t length;
    if (name.empty() || name == spec || value.getAsInteger(10, length) ||
        length < 0) {
      error = "--sequence-length wants NAME=N, got '" + spec.str() + "'";
      return false;
    }
    options.sequenceLengths[name] = length;
  }
  for (llvm::StringRef name : absentOptionals) {
    if (name.empty()) {
      error = "--absent-optional wants the name of a graph input";
      return false;
    }
    options.absentOptionals.insert(name);
  }
  return true;
}
