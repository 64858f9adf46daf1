//===- xfmr-opt.cpp - The xfmr optimizer driver ---------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with the xfmr dialect, every xfmr pass and the upstream dialects
// and passes that xfmr's pipelines use: the workbench for writing passes and
// the driver of the lit suite.
//
//===----------------------------------------------------------------------===//

#include "xfmr/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

namespace mlir::xfmr {
void registerTestDimProverPass();
} // namespace mlir::xfmr

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::xfmr::registerAllXfmrDialects(registry);
  mlir::xfmr::registerAllXfmrPasses();
  mlir::xfmr::registerTestDimProverPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "xfmr optimizer driver\n", registry));
}
