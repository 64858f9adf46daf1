//===- CompilerBridge.cpp - The compiler as the Python package sees it ----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "CompilerBridge.h"

#include "xfmr/Compiler/Compiler.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/InitAll.h"
#include "xfmr/Pipelines/Pipelines.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

using namespace mlir;
using namespace ::xfmr::python;
namespace bridge = ::xfmr::python;

void bridge::registerEverything() {
  static std::once_flag once;
  std::call_once(once, [] { mlir::xfmr::registerAllXfmrPasses(); });
}

namespace {

/// The one place where Python's arguments become the compiler's options.
mlir::xfmr::CompileOptions makeCompileOptions(const CompileRequest &request,
                                              std::string &error) {
  mlir::xfmr::CompileOptions options;
  options.target = request.target;
  std::optional<mlir::xfmr::EmitStage> emit =
      mlir::xfmr::parseEmitStage(request.emit);
  if (!emit) {
    error = "unknown stage '" + request.emit + "'";
    return options;
  }
  options.emit = *emit;
  options.targetOptions.cpu = request.cpu;
  options.targetOptions.gpuArchs = request.gpuArchs;
  options.targetOptions.precision = request.precision;
  options.targetOptions.optLevel = request.optLevel;
  options.fuse = request.fuse;
  options.fusionReport = request.fusionReport;
  options.quantize = request.quantize;
  for (const auto &[name, value] : request.dims)
    options.import.dimValues[name] = value;
  for (const auto &[name, shape] : request.inputShapes)
    options.import.inputShapes[name].assign(shape.begin(), shape.end());
  return options;
}

/// Collects the context's errors, each with the ONNX node it is at.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext &context)
      : handler(&context, [this](Diagnostic &diagnostic) {
          if (diagnostic.getSeverity() != DiagnosticSeverity::Error)
            return success();
          CompileDiagnostic &record = errors.emplace_back();
          llvm::raw_string_ostream os(record.message);
          os << diagnostic;
          for (const Diagnostic &note : diagnostic.getNotes())
            os << "\n  note: " << note;
          record.node = mlir::xfmr::getONNXNodeName(diagnostic.getLocation());
          return success();
        }) {}

  std::vector<CompileDiagnostic> take(const char *fallback) {
    // A failure with no diagnostic still has to say something.
    if (errors.empty())
      errors.push_back({fallback, ""});
    return std::move(errors);
  }

private:
  std::vector<CompileDiagnostic> errors;
  ScopedDiagnosticHandler handler;
};

/// Prints, once a compile has run for more than a second, how long it has
/// run and the pass it is in (or the last one it finished: the machine code
/// and the link come after every pass).
class ProgressReporter {
public:
  explicit ProgressReporter(std::string model) : model(std::move(model)) {
    watcher = std::thread([this] { watch(); });
  }
  ~ProgressReporter() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
    }
    wake.notify_all();
    watcher.join();
    double seconds = elapsed();
    if (seconds > 1.0)
      std::fprintf(stderr, "xfmr: compiled %s in %.1f s\n", model.c_str(),
                   seconds);
  }

  void setStage(std::string now) {
    std::lock_guard<std::mutex> lock(mutex);
    stage = std::move(now);
  }

private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  }

  /// Once a second: the stage when it changed, and every ten seconds
  /// otherwise, so that a long pass does not flood the terminal.
  void watch() {
    std::unique_lock<std::mutex> lock(mutex);
    std::string printed;
    double printedAt = 0;
    while (!wake.wait_for(lock, std::chrono::seconds(1),
                          [this] { return done; })) {
      double now = elapsed();
      if (stage == printed && now - printedAt < 10)
        continue;
      std::fprintf(stderr, "xfmr: compiling %s: %.0f s, %s\n", model.c_str(),
                   now, stage.c_str());
      printed = stage;
      printedAt = now;
    }
  }

  std::string model;
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
  std::mutex mutex;
  std::condition_variable wake;
  bool done = false;
  std::string stage = "importing";
  std::thread watcher;
};

/// Tells the reporter which pass runs. Every pass manager of a compile gets
/// one (they own their instrumentations); the reporter outlives them all.
class ProgressInstrumentation : public PassInstrumentation {
public:
  explicit ProgressInstrumentation(ProgressReporter &reporter)
      : reporter(reporter) {}
  // Pass adaptors (nested pass managers) have no argument and say nothing.
  void runBeforePass(Pass *pass, Operation *) override {
    if (!pass->getArgument().empty())
      reporter.setStage("in pass '" + pass->getArgument().str() + "'");
  }
  void runAfterPass(Pass *pass, Operation *) override {
    if (!pass->getArgument().empty())
      reporter.setStage("after pass '" + pass->getArgument().str() + "'");
  }

private:
  ProgressReporter &reporter;
};

} // namespace

std::vector<CompileDiagnostic>
bridge::compileModelFile(const std::string &modelPath,
                         const CompileRequest &request,
                         const std::string &outputPath) {
  std::string error;
  mlir::xfmr::CompileOptions options = makeCompileOptions(request, error);
  if (!error.empty())
    return {{error, ""}};

  DialectRegistry registry;
  mlir::xfmr::registerAllXfmrDialects(registry);
  MLIRContext context(registry);
  DiagnosticCollector diagnostics(context);

  std::optional<ProgressReporter> progress;
  if (request.verbose)
    progress.emplace(modelPath);
  auto configure = [&](PassManager &pm) -> LogicalResult {
    if (progress)
      pm.addInstrumentation(
          std::make_unique<ProgressInstrumentation>(*progress));
    return success();
  };
  options.configurePassManager = configure;

  OwningOpRef<ModuleOp> module =
      mlir::xfmr::loadModel(modelPath, &context, options.import);
  if (!module)
    return diagnostics.take("cannot read the model");
  if (failed(mlir::xfmr::compileModule(*module, options, outputPath)))
    return diagnostics.take("the compile failed");
  return {};
}

std::vector<CompileDiagnostic>
bridge::collectFusionReport(const std::string &modelPath,
                            const CompileRequest &request,
                            FusionReportData &report) {
  std::string error;
  mlir::xfmr::CompileOptions options = makeCompileOptions(request, error);
  if (!error.empty())
    return {{error, ""}};

  DialectRegistry registry;
  mlir::xfmr::registerAllXfmrDialects(registry);
  MLIRContext context(registry);
  DiagnosticCollector diagnostics(context);
  OwningOpRef<ModuleOp> module =
      mlir::xfmr::loadModel(modelPath, &context, options.import);
  if (!module)
    return diagnostics.take("cannot read the model");

  PassManager pm(&context);
  mlir::xfmr::buildGraphCleanupPipeline(pm, mlir::xfmr::GraphCleanupOptions());
  mlir::xfmr::FusionOptions fusion;
  fusion.explain = true;
  mlir::xfmr::buildFusionPipeline(pm, fusion);
  if (failed(pm.run(*module)))
    return diagnostics.take("fusion failed");

  mlir::xfmr::FusionSummary summary =
      mlir::xfmr::summarizeFusion(module->getOperation());
  for (const auto &[kind, count] : summary.counts)
    report.counts.push_back({kind.str(), count.fused, count.missed});
  for (const mlir::xfmr::FusionSummary::Miss &miss : summary.missed)
    report.missed.push_back({miss.kind, miss.node, miss.reason});
  return {};
}
