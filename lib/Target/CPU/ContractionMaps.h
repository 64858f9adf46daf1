//===- ContractionMaps.h - The loops of a CPU kernel's contraction -*- C++ -*-//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What the bf16 and int8 microkernels both ask of a contraction generic:
// its result's dims as loops, then one reduction loop, read through maps
// that name loops by position.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_TARGET_CPU_CONTRACTIONMAPS_H
#define XFMR_LIB_TARGET_CPU_CONTRACTIONMAPS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::xfmr {

/// Whether every loop of `op` is parallel except the last, a reduction.
inline bool reducesOverLastLoopOnly(linalg::GenericOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0, e = iterators.size(); d < e; ++d)
    if ((d + 1 == e) != (iterators[d] == utils::IteratorType::reduction))
      return false;
  return true;
}

/// The map from the loops of `op` to the loops at `positions`.
inline AffineMap loopsAt(linalg::GenericOp op, ArrayRef<int64_t> positions) {
  MLIRContext *context = op.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t position : positions)
    exprs.push_back(getAffineDimExpr(position, context));
  return AffineMap::get(op.getNumLoops(), 0, exprs, context);
}

} // namespace mlir::xfmr

#endif // XFMR_LIB_TARGET_CPU_CONTRACTIONMAPS_H
