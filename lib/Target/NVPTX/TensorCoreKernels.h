//===- TensorCoreKernels.h - Kernels of the tensor-core rewrite -*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What the contraction kernels of TensorCoreMatmul.cpp (a warp per 16x8
// tile), BlockTileMma.cpp (a block per 64x64 tile, through shared memory),
// WarpgroupMma.cpp (its sm_90a code, on wgmma) and the attention kernel
// share.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_TARGET_NVPTX_TENSORCOREKERNELS_H
#define XFMR_LIB_TARGET_NVPTX_TENSORCOREKERNELS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::xfmr {

/// A lane's place in the fragments of mma.sync (and of wgmma's
/// accumulators): the lanes of a warp form 8 groups of 4, lane l is in
/// group g = l / 4 (its rows) at position t = l % 4 (its columns, or k).
struct LaneInGroup {
  Value group, position;
};

/// The group and position of `lane` (0 to 31).
LaneInGroup laneInGroup(OpBuilder &b, Location loc, Value lane);

/// The loops of a contraction: the m, n and k dims of its tiles, and the
/// outer dims, one tile grid each (batch dims, and further m or n dims:
/// those of a 3-D activation times a 2-D weight).
struct ContractionLoops {
  SmallVector<unsigned> outer;
  unsigned m, n, k;
};

/// The trip counts of a contraction's loops.
struct ContractionSizes {
  SmallVector<Value> loops; ///< one per loop
  Value m, n, k;
  Value outerTotal; ///< the outer loops' product: the grid's z
};

/// The trip counts of `op`'s loops, at `b`'s insertion point.
ContractionSizes contractionSizes(OpBuilder &b, Location loc,
                                  linalg::LinalgOp op,
                                  const ContractionLoops &loops);

/// An iteration's indices: the outer loops' from `linear` (a block's z, the
/// last outer loop fastest), 0 for the others.
SmallVector<Value> outerLoopIndices(OpBuilder &b, Location loc,
                                    const ContractionLoops &loops,
                                    const ContractionSizes &sizes,
                                    Value linear);

/// The indices of `operand` at the iteration `loopIndices`.
SmallVector<Value> operandIndices(linalg::LinalgOp op, OpOperand &operand,
                                  ArrayRef<Value> loopIndices);

/// The element of `operand` at the iteration `loopIndices`, or `zero` where
/// `inBounds` is false.
Value loadOrZero(OpBuilder &b, Location loc, linalg::LinalgOp op,
                 OpOperand &operand, ArrayRef<Value> loopIndices,
                 Value inBounds, Value zero);

/// One m16n8k16 nvvm.mma.sync on 16-bit operands (`elementType` f16 or
/// bf16): four registers of A, two of B, each a pair in the PTX register
/// form (vector<2xf16> for f16, i32 for bf16), and the accumulators `acc`
/// (vector<2x2xf32>); returns the new accumulators.
Value mmaOn16BitRegisters(OpBuilder &b, Location loc, Type elementType,
                          ArrayRef<Value> aRegs, ArrayRef<Value> bRegs,
                          Value acc);

/// The ops around a contraction that its kernel absorbs (FusedEpilogue.cpp).
struct FusedNeighbours {
  /// The fill of the output just before: the accumulators start from its
  /// value instead of the output's.
  linalg::FillOp fill;
  /// The elementwise op just after, which reads the output element by
  /// element: evaluated on the accumulators before the store.
  linalg::GenericOp epilogue;
  /// The epilogue's map of the output (a permutation of its loops).
  AffineMap cMap;
};

/// What `op`'s kernel can absorb.
FusedNeighbours findFusedNeighbours(linalg::LinalgOp op);

/// The initial value of the output element at `loopIndices`: the fill's
/// value, or the element (`zero` where `inBounds` is false).
Value initialOutputElement(OpBuilder &b, Location loc, linalg::LinalgOp op,
                           const FusedNeighbours &fused,
                           ArrayRef<Value> loopIndices, Value inBounds,
                           Value zero);

/// Stores a lane's accumulators where they are inside `m` x `n`: element
/// i, at `positions[i]` (row, col), is element (i % 4 / 2, i % 2) of the
/// vector<2x2xf32> `tiles[i / 4]`; through the epilogue when there is one.
void storeAccumulators(OpBuilder &b, Location loc, linalg::LinalgOp op,
                       const ContractionLoops &loops,
                       const FusedNeighbours &fused,
                       SmallVector<Value> &loopIndices,
                       ArrayRef<std::pair<Value, Value>> positions,
                       ValueRange tiles, Value m, Value n);

/// Erases the absorbed ops, once the kernel replaces them.
void eraseFusedNeighbours(const FusedNeighbours &fused);

/// Replaces `op`, a contraction of f32 buffers, by a launch of one block of
/// four warps per 64x64 tile of its output, its operands staged through
/// shared memory, on m16n8k16 mma.sync with operands rounded to
/// `elementType` (f16 or bf16), absorbing `fused`. With a `wgmmaChip`
/// (sm_90a), a contraction that fitsWarpgroupMma gets the wgmma code of
/// emitWarpgroupMmaTile beside it, for that chip only.
void launchBlockTileMma(linalg::LinalgOp op, const ContractionLoops &loops,
                        const FusedNeighbours &fused, Type elementType,
                        StringRef wgmmaChip);

/// Whether the copy engine can load `op`'s operands (tensor maps: rank 1 to
/// 5, static strides of 16-byte multiples) with k or the row innermost.
bool fitsWarpgroupMma(linalg::LinalgOp op, const ContractionLoops &loops);

/// The tensor maps of a contraction's operands, made on the host.
struct WarpgroupTensorMaps {
  Value a, b;
};

/// Makes the tensor maps of `op`'s operands at `b`'s insertion point (host
/// code, before the launch).
WarpgroupTensorMaps createWarpgroupTensorMaps(OpBuilder &b, Location loc,
                                              linalg::LinalgOp op,
                                              const ContractionLoops &loops);

/// Emits at `b`'s insertion point, in a launch of 128 threads per 64x64
/// tile of C (the tile at `rowBase`, `colBase`, thread `tid`, the outer
/// loops' indices in `loopIndices`), the tile's GEMM on wgmma with operands
/// loaded through `maps`, and its store, through `fused`'s epilogue.
void emitWarpgroupMmaTile(OpBuilder &b, Location loc, linalg::LinalgOp op,
                          const ContractionLoops &loops,
                          const FusedNeighbours &fused, Type elementType,
                          Value m, Value n, Value k,
                          const WarpgroupTensorMaps &maps, Value tid,
                          Value rowBase, Value colBase,
                          SmallVector<Value> loopIndices);

} // namespace mlir::xfmr

#endif // XFMR_LIB_TARGET_NVPTX_TENSORCOREKERNELS_H
