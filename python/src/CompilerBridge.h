//===- CompilerBridge.h - The compiler as the Python package sees it -*-C++-*-//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Plain C++ types between the bindings and lib/Compiler. The bindings are
// built with RTTI and exceptions (nanobind needs both), MLIR and LLVM without
// either, so no MLIR type crosses this header: the bindings fill a
// `CompileRequest`, and this file alone turns it into `CompileOptions`.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_PYTHON_COMPILERBRIDGE_H
#define XFMR_PYTHON_COMPILERBRIDGE_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xfmr::python {

/// What `xfmr.compile` and `xfmr.import_onnx` ask for, as Python gave it.
struct CompileRequest {
  /// Passed through as it is: the compiler decides which targets exist.
  std::string target = "cpu";
  std::string precision = "f32";
  std::string cpu = "native";
  /// GPU targets' architectures (sm_80, ...); empty for the default.
  std::vector<std::string> gpuArchs;
  unsigned optLevel = 3;
  bool fuse = true;
  bool fusionReport = false;
  /// Quantize matmul weights at compile time: "int4", "int8" or "" (f32).
  std::string quantize;
  /// A stage name as `--emit` takes it ("so", "xfmr", "fused", ...).
  std::string emit = "so";
  std::vector<std::pair<std::string, int64_t>> dims;
  std::vector<std::pair<std::string, std::vector<int64_t>>> inputShapes;
  /// Print the stage and the elapsed time to stderr once a compile has
  /// taken more than a second.
  bool verbose = true;
};

/// One error the compiler reported.
struct CompileDiagnostic {
  std::string message;
  /// The ONNX node the error is at; empty when it is about the whole model.
  std::string node;
};

/// One kind of block in the fusion report.
struct FusionCount {
  std::string kind;
  unsigned fused = 0;
  unsigned missed = 0;
};

/// A candidate that was not fused, and why.
struct FusionMissRecord {
  std::string kind;
  std::string node;
  std::string reason;
};

struct FusionReportData {
  std::vector<FusionCount> counts;
  std::vector<FusionMissRecord> missed;
};

/// Registers every xfmr dialect and pass through the entry point the tools
/// use; idempotent.
void registerEverything();

/// Compiles the model in `modelPath` to `request.emit`, written to
/// `outputPath`. Returns the errors; empty on success.
std::vector<CompileDiagnostic> compileModelFile(const std::string &modelPath,
                                                const CompileRequest &request,
                                                const std::string &outputPath);

/// Imports and fuses the model in `modelPath` and fills `report` with what
/// fusion did and did not do. Returns the errors; empty on success.
std::vector<CompileDiagnostic>
collectFusionReport(const std::string &modelPath, const CompileRequest &request,
                    FusionReportData &report);

} // namespace xfmr::python

#endif // XFMR_PYTHON_COMPILERBRIDGE_H
