//===- xfmr-compile.cpp - The xfmr compiler driver ------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// xfmr-compile MODEL -o OUT: an ONNX or MLIR model to a shared library, or
// to any stage on the way (--emit). Exit status 1 on any error, with
// diagnostics naming the ONNX node at fault.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Compiler/Compiler.h"
#include "xfmr/Compiler/ONNXNodeDiagnostics.h"
#include "xfmr/InitAll.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;

static cl::OptionCategory compileCategory("xfmr-compile options");
static cl::opt<std::string> inputFile(cl::cat(compileCategory), cl::Positional,
                                      cl::desc("<model: .onnx, .onnxtext, "
                                               ".mlir>"),
                                      cl::Required);
static cl::opt<std::string> outputFile(cl::cat(compileCategory), "o",
                                       cl::desc("Output file"),
                                       cl::value_desc("file"));
static cl::opt<std::string> target(cl::cat(compileCategory), "target",
                                   cl::desc("What to compile for: cpu or cuda"),
                                   cl::init("cpu"));
static cl::opt<std::string>
    emit(cl::cat(compileCategory), "emit",
         cl::desc("What to write: xfmr, fused, linalg, llvm (the target's "
                  "codegen output), then the target's files: llvm-ir, asm, "
                  "obj (cpu), ptx (cuda), so (both)"),
         cl::init("so"));
static cl::opt<char> optLevel(cl::cat(compileCategory), "O",
                              cl::desc("Optimization level (0-3)"), cl::Prefix,
                              cl::init('3'));
static cl::opt<std::string> mcpu(cl::cat(compileCategory), "mcpu",
                                 cl::desc("Target CPU: native (the host) or "
                                          "an LLVM CPU name"),
                                 cl::init("native"));
static cl::list<std::string>
    cudaArchs(cl::cat(compileCategory), "cuda-arch",
              cl::desc("GPU architectures to emit code for (cuda; default "
                       "sm_80,sm_90a)"),
              cl::CommaSeparated, cl::value_desc("sm_XY,..."));
static cl::opt<bool> cudaWgmma(
    cl::cat(compileCategory), "cuda-wgmma",
    cl::desc("cuda: sm_90a's bf16/f16 GEMMs on wgmma with TMA loads instead "
             "of mma.sync (not yet measured on a GPU)"),
    cl::init(false));
static cl::opt<std::string> precision(
    cl::cat(compileCategory), "precision",
    cl::desc("Arithmetic of matmuls and attention. cpu: f32, or bf16 "
             "(matmuls with constant weights in bf16 with AVX512-BF16 dot "
             "products accumulated in f32; needs avx512bf16)"),
    cl::init("f32"));
static cl::opt<std::string> quantize(
    cl::cat(compileCategory), "quantize",
    cl::desc("Quantize the constant weights of matmuls at compile time: int4 "
             "(weight-only, blocks of 32 with zero points, as MatMulNBits) or "
             "int8 (dynamic: int8 weights per column, the input quantized "
             "to uint8 at run time); see docs/quantization.md"),
    cl::value_desc("int4|int8"));
static cl::opt<bool> fuse(cl::cat(compileCategory), "fuse",
                          cl::desc("Rewrite attention, MLP, norm and "
                                   "activation blocks into xfmr's fused ops "
                                   "(--fuse=false to compile the graph as "
                                   "imported)"),
                          cl::init(true));
static cl::opt<bool>
    fusionReport(cl::cat(compileCategory), "fusion-report",
                 cl::desc("Print the fused blocks of each kind, and for each "
                          "candidate that was not fused the condition that "
                          "failed and its ONNX node (on stderr)"),
                 cl::init(false));
static cl::opt<bool>
    preRMSNorm(cl::cat(compileCategory), "pre-rmsnorm",
               cl::desc("Rewrite the LayerNorms of a Pre-LN transformer into "
                        "RMSNorms where the residual stream's mean is "
                        "provably removable"),
               cl::init(false));

static cl::opt<bool> flashAttention(
    cl::cat(compileCategory), "flash-attention",
    cl::desc("Lower attention as flash attention, an online softmax over "
             "key/value blocks (--flash-attention=false: over the whole score "
             "matrix)"),
    cl::init(true));
static cl::opt<int64_t>
    attentionQBlock(cl::cat(compileCategory), "attention-q-block",
                    cl::desc("Query rows per flash-attention tile"),
                    cl::init(mlir::xfmr::XfmrToLinalgTiling().attentionQBlock));
static cl::opt<int64_t> attentionKvBlock(
    cl::cat(compileCategory), "attention-kv-block",
    cl::desc("Keys per step of the flash-attention loop"),
    cl::init(mlir::xfmr::XfmrToLinalgTiling().attentionKvBlock));
static cl::opt<int64_t>
    mlpRowBlock(cl::cat(compileCategory), "mlp-row-block",
                cl::desc("Rows per tile of the MLP loop (0: whole "
                         "projections)"),
                cl::init(mlir::xfmr::XfmrToLinalgTiling().mlpRowBlock));

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  mlir::xfmr::registerONNXImportCLOptions();
  cl::HideUnrelatedOptions(
      {&compileCategory, &mlir::xfmr::getONNXImportCLCategory()});
  cl::ParseCommandLineOptions(argc, argv, "xfmr compiler driver\n");

  mlir::xfmr::CompileOptions options;
  options.target = target;
  std::optional<mlir::xfmr::EmitStage> stage =
      mlir::xfmr::parseEmitStage(emit);
  if (!stage) {
    errs() << "error: --emit=" << emit
           << " is not a stage (xfmr, fused, linalg, llvm, llvm-ir, asm, "
              "obj, ptx, so)\n";
    return 1;
  }
  options.emit = *stage;
  if (optLevel < '0' || optLevel > '3') {
    errs() << "error: -O" << optLevel << " is not a level (0 to 3)\n";
    return 1;
  }
  options.targetOptions.optLevel = optLevel - '0';
  options.targetOptions.cpu = mcpu;
  options.targetOptions.gpuArchs.assign(cudaArchs.begin(), cudaArchs.end());
  options.targetOptions.warpgroupMma = cudaWgmma;
  options.targetOptions.precision = precision;
  options.fuse = fuse;
  options.fusionReport = fusionReport;
  options.preRMSNorm = preRMSNorm;
  options.quantize = quantize;
  options.tiling.flashAttention = flashAttention;
  options.tiling.attentionQBlock = attentionQBlock;
  options.tiling.attentionKvBlock = attentionKvBlock;
  options.tiling.mlpRowBlock = mlpRowBlock;
  std::string error;
  if (!mlir::xfmr::applyONNXImportCLOptions(options.import, error)) {
    errs() << "error: " << error << "\n";
    return 1;
  }
  if (outputFile.empty()) {
    if (options.emit == mlir::xfmr::EmitStage::Obj ||
        options.emit == mlir::xfmr::EmitStage::So) {
      errs() << "error: name the output with -o\n";
      return 1;
    }
    outputFile = "-";
  }

  mlir::DialectRegistry registry;
  mlir::xfmr::registerAllXfmrDialects(registry);
  mlir::MLIRContext context(registry);
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  mlir::xfmr::ONNXNodeDiagnosticHandler nodeHandler(&context);

  auto configurePassManager = [](mlir::PassManager &pm) {
    mlir::applyDefaultTimingPassManagerCLOptions(pm);
    return mlir::applyPassManagerCLOptions(pm);
  };
  options.configurePassManager = configurePassManager;

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::xfmr::loadModel(inputFile, &context, options.import);
  if (!module)
    return 1;
  if (failed(mlir::xfmr::compileModule(*module, options, outputFile)))
    return 1;
  return 0;
}
