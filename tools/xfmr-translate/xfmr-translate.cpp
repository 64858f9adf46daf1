//===- xfmr-translate.cpp - Translate models into the xfmr dialect --------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// xfmr-translate --import-onnx MODEL [-o OUT] [--input-shape=NAME:1x128]...
//                [--dim=NAME=VALUE]... [--emit-bytecode]
//
// Prints the xfmr MLIR of an ONNX model (binary `.onnx` or ONNX text
// `.onnxtext`). Exit status 1 on any error, with diagnostics on stderr.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Import/ONNX/ImportONNX.h"
#include "xfmr/InitAll.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

static cl::OptionCategory translateCategory("xfmr-translate options");
static cl::opt<std::string> inputFile(cl::cat(translateCategory),
                                      cl::Positional, cl::desc("<model>"),
                                      cl::Required);
static cl::opt<std::string> outputFile(cl::cat(translateCategory), "o",
                                       cl::desc("Output file"),
                                       cl::value_desc("file"), cl::init("-"));
static cl::opt<bool> importOnnx(cl::cat(translateCategory), "import-onnx",
                                cl::desc("Import an ONNX model (.onnx binary "
                                         "or .onnxtext text)"));
static cl::opt<bool> emitBytecode(
    cl::cat(translateCategory), "emit-bytecode",
    cl::desc("Write MLIR bytecode: weights are copied as raw bytes instead of "
             "being printed as hex, which large models need"));
int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::xfmr::registerONNXImportCLOptions();
  cl::HideUnrelatedOptions(
      {&translateCategory, &mlir::xfmr::getONNXImportCLCategory()});
  cl::ParseCommandLineOptions(argc, argv, "xfmr model translator\n");
  if (!importOnnx) {
    errs() << "error: say what to translate: --import-onnx\n";
    return 1;
  }
  mlir::xfmr::ONNXImportOptions options;
  std::string error;
  if (!mlir::xfmr::applyONNXImportCLOptions(options, error)) {
    errs() << "error: " << error << "\n";
    return 1;
  }

  mlir::DialectRegistry registry;
  mlir::xfmr::registerAllXfmrDialects(registry);
  mlir::MLIRContext context(registry);
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::xfmr::importONNXFile(inputFile, &context, options);
  if (!module)
    return 1;

  std::unique_ptr<ToolOutputFile> output =
      mlir::openOutputFile(outputFile, &error);
  if (!output) {
    errs() << "error: " << error << "\n";
    return 1;
  }
  if (emitBytecode) {
    if (failed(mlir::writeBytecodeToFile(*module, output->os()))) {
      errs() << "error: cannot write bytecode\n";
      return 1;
    }
  } else {
    module->print(output->os(), mlir::OpPrintingFlags());
    output->os() << "\n";
  }
  output->keep();
  return 0;
}
