//===- Int4Projection.h - 4-bit linear layers to linalg ----*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_CONVERSION_XFMRTOLINALG_INT4PROJECTION_H
#define XFMR_LIB_CONVERSION_XFMRTOLINALG_INT4PROJECTION_H

#include "mlir/IR/Builders.h"

namespace mlir::xfmr {

/// Whether a 4-bit weight [N, blocks, block_size / 2] has the static number
/// of blocks that its contraction needs.
bool canLowerInt4Projection(Value weight);

/// `x · Wᵀ` ([..., K] -> [..., N], no bias or activation) for a 4-bit
/// weight in blocks of `blockSize` along K, as a linear layer holds it:
/// packed bytes [N, blocks, blockSize / 2], f32 `scales` [N, blocks] and
/// `zeroPoints` [N, blocks] or 0-D. One generic that dequantizes the
/// packed nibbles in its body.
Value buildInt4Projection(OpBuilder &b, Location loc, Value x, Value weight,
                          Value scales, Value zeroPoints, int64_t blockSize);

} // namespace mlir::xfmr

#endif // XFMR_LIB_CONVERSION_XFMRTOLINALG_INT4PROJECTION_H
