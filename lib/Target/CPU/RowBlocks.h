//===- RowBlocks.h - Register blocks of rows over weight panels -*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The loops the bf16 and int8 microkernels share: a register block is a
// few rows of the activations by one panel of packed weights, built over an
// scf.forall of (batch..., panel, row block) with the row blocks innermost,
// so that a panel stays in cache while row blocks stream; an scf.for over
// the reduction carries the block's accumulators, and the block's tile of
// the result is written once. Full blocks of `registerRows` rows come
// first, then the rows left: one block of their count when M is static (a
// static M smaller than a block is one block of its own size), else blocks
// of 4, 2 and 1 rows, each run once or not at all. A kernel supplies its
// accumulators' start and its multiply-accumulate step.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_TARGET_CPU_ROWBLOCKS_H
#define XFMR_LIB_TARGET_CPU_ROWBLOCKS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::xfmr {

/// Where a block is: its batch indices, panel, rows and the result it
/// writes into (the forall's shared output).
struct RowBlockPosition {
  ArrayRef<Value> batch;
  Value panel;
  ArrayRef<Value> rows;
  Value out;
};

/// The result a kernel's blocks fill and the loops over it.
struct RowBlockLayout {
  /// The result's sizes: [batch..., M, N] (panelDim false: N is the panels'
  /// columns, panel p at p * panelWidth) or [batch..., M, P, NR] (true).
  SmallVector<OpFoldResult> sizes;
  bool panelDim = false;
  int64_t panels = 0;
  int64_t panelWidth = 0;
  /// Lanes of an accumulator: panelWidth / lanes accumulators per row.
  int64_t lanes = 0;
  Type accumulatorElement;
  /// Trip count of the reduction loop.
  int64_t steps = 0;
  int64_t registerRows = 1;
};

/// What a microkernel supplies to the shared loops.
class RowBlockKernel {
public:
  virtual ~RowBlockKernel() = default;
  /// The accumulators of a block at `at`, row by row, panelWidth / lanes
  /// per row.
  virtual SmallVector<Value>
  initialAccumulators(OpBuilder &b, Location loc,
                      const RowBlockPosition &at) = 0;
  /// The accumulators after step `step` of the reduction.
  virtual SmallVector<Value> step(OpBuilder &b, Location loc, Value step,
                                  const RowBlockPosition &at,
                                  ValueRange accs) = 0;
};

/// The blocks of `kernel` over `layout`, written into `dest`.
Value buildRowBlocks(OpBuilder &b, Location loc, const RowBlockLayout &layout,
                     Value dest, RowBlockKernel &kernel);

} // namespace mlir::xfmr

#endif // XFMR_LIB_TARGET_CPU_ROWBLOCKS_H
