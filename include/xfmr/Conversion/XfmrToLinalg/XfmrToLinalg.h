//===- XfmrToLinalg.h - Lowering xfmr to linalg -----------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_CONVERSION_XFMRTOLINALG_XFMRTOLINALG_H
#define XFMR_CONVERSION_XFMRTOLINALG_XFMRTOLINALG_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::xfmr {

/// How the attention and MLP blocks are tiled on their way to linalg (the
/// options of convert-xfmr-to-linalg).
struct XfmrToLinalgTiling {
  /// Attention as an online softmax over key/value blocks (false: over the
  /// whole score matrix).
  bool flashAttention = true;
  /// Query rows per flash-attention tile. The CPU defaults come from a
  /// sweep of causal attention on AVX-512 (H = 8, D = 64, S = 1024), where
  /// 16 to 64 rows with 128 to 256 keys were within a few percent.
  int64_t attentionQBlock = 32;
  /// Keys per step of flash attention's key/value loop.
  int64_t attentionKvBlock = 128;
  /// Rows per MLP tile; 0 lowers the MLP to whole projections. From 64 rows
  /// up, tiles ran as fast as whole projections on AVX-512, with the hidden
  /// activation bounded by the tile.
  int64_t mlpRowBlock = 128;
};

/// Elementwise xfmr ops (unary, binary with broadcasting, comparisons,
/// where, cast, activations) to one linalg.generic each, and constants to
/// arith.constant.
void populateXfmrElementwiseToLinalgPatterns(RewritePatternSet &patterns);

/// Reductions (sum, mean, max, min, argmax), softmax and log_softmax.
void populateXfmrReductionsToLinalgPatterns(RewritePatternSet &patterns);

/// Matmul (batched, broadcasting) and transpose.
void populateXfmrLinearAlgebraToLinalgPatterns(RewritePatternSet &patterns);

/// Shape ops (shape, size, range, constant_of_shape, reshape, squeeze,
/// unsqueeze, expand) to tensor ops and linalg.generic.
void populateXfmrShapeOpsToLinalgPatterns(RewritePatternSet &patterns);

/// layer_norm and rms_norm (with their residual add) to reductions and
/// elementwise generics.
void populateXfmrNormsToLinalgPatterns(RewritePatternSet &patterns);

/// linear (f32, int8 or 4-bit weights) and mlp to contractions with
/// elementwise epilogues; the mlp in a loop over row tiles when
/// `tiling.mlpRowBlock` is positive.
void populateXfmrLinearMlpToLinalgPatterns(
    RewritePatternSet &patterns, const XfmrToLinalgTiling &tiling = {});

/// The attribute on a flash-attention loop nest (the scf.forall over batch,
/// query head and query block) that lets a target replace the whole nest by
/// a kernel of its own: a dictionary of `causal` (bool), `mask` (bool:
/// whether the key loop's third tile is of a mask), `causal_offset`
/// (the past's length: query i sees keys up to i + offset) and `scale`
/// (f64), or `unsupported` (a string saying what such a kernel would miss).
/// The loop nest stays correct without it.
inline constexpr llvm::StringLiteral kFlashAttentionAttrName =
    "xfmr.flash_attention";

/// attention (GQA, causal, masks, past key/value) to a flash-attention loop
/// nest over query and key/value blocks, or with `tiling.flashAttention`
/// off to score, softmax and value generics over the whole score matrix.
void populateXfmrAttentionToLinalgPatterns(
    RewritePatternSet &patterns, const XfmrToLinalgTiling &tiling = {});

/// rotary_embedding (rotate-half and interleaved, partial, with or without
/// position ids).
void populateXfmrRotaryToLinalgPatterns(RewritePatternSet &patterns);

/// conv (grouped, padded, strided, dilated) to one generic.
void populateXfmrConvToLinalgPatterns(RewritePatternSet &patterns);

/// Data movement (concat, split, slice, gather, gather_elements, gather_nd)
/// to tensor slices and gathers in linalg.generic; trilu, and cumsum and
/// cumprod as an scf.for over their axis.
void populateXfmrDataMovementToLinalgPatterns(RewritePatternSet &patterns);

/// xfmr.scatter_elements and xfmr.scatter_nd: loops that write the updates
/// in order into a copy of the input, indices checked at run time.
void populateXfmrScatterToLinalgPatterns(RewritePatternSet &patterns);

/// xfmr.pool: one generic over [n, c, out..., kernel...] on the padded
/// input, averages divided by each window's count.
void populateXfmrPoolToLinalgPatterns(RewritePatternSet &patterns);

/// cf.assert (the importer's checks of run-time operands) as a run-time
/// check that reports the failure instead of aborting.
void populateXfmrAssertToRuntimeCheckPatterns(RewritePatternSet &patterns);

/// Every xfmr-to-linalg pattern.
void populateXfmrToLinalgConversionPatterns(
    RewritePatternSet &patterns, const XfmrToLinalgTiling &tiling = {});

} // namespace mlir::xfmr

#endif // XFMR_CONVERSION_XFMRTOLINALG_XFMRTOLINALG_H
