//===- InitAll.h - Register every xfmr dialect and pass ---------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one registration entry point that every tool (and the Python package)
// uses, so that no list of dialects or passes is kept in several places.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_INITALL_H
#define XFMR_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::xfmr {

/// Registers every code generation target (`--target=NAME`).
void registerAllXfmrTargets();

/// Registers the xfmr dialect and the upstream dialects that xfmr's
/// pipelines produce or consume, every target's among them (so it also
/// registers the targets).
void registerAllXfmrDialects(mlir::DialectRegistry &registry);

/// Registers every xfmr pass and pipeline, and the upstream passes that
/// xfmr's pipelines are built from, for use on the command line.
void registerAllXfmrPasses();

} // namespace mlir::xfmr

#endif // XFMR_INITALL_H
