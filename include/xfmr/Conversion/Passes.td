//===- Passes.td - Conversion passes of xfmr --------------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_CONVERSION_PASSES_TD
#define XFMR_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// XfmrToLinalg
//===----------------------------------------------------------------------===//

def ConvertXfmrToLinalgPass : Pass<"convert-xfmr-to-linalg"> {
  let summary = "Lower xfmr ops to linalg, tensor, arith and math";
  let description = [{
    Rewrites xfmr ops into `linalg.generic` (and named linalg ops), `tensor`
    ops for data movement, and `arith`/`math` for the scalar computation.
    Elementwise ops become one `linalg.generic` whose indexing maps carry the
    numpy broadcasting; dynamic result dims come from the ops' shape
    reification. `xfmr.constant` becomes `arith.constant` (weights stay
    `dense_resource`).

    Any xfmr op left without a lowering is an error at its location (the
    ONNX node it came from), listing every such op.

    The importer checks operands that only a run knows (axes, pads, split
    sizes, K) with `cf.assert`; each becomes a call of `xfmr_check_failed`
    whose message names the ONNX node, so that a bad value is the run's
    error rather than an abort.

    A static 1 broadcasts through the indexing maps. Where a dynamic dim of
    an elementwise operand meets another operand's dim, it may be 1 at run
    time: that operand is first broadcast by an `xfmr.expand`, whose lowering
    reads index 0 or i as each run's sizes decide. Compiling with dims bound
    (`--dim`) keeps every map static.

    `xfmr.attention` becomes flash attention: an `scf.forall` over batch,
    query head and blocks of `attention-q-block` query rows, and in it an
    `scf.for` over blocks of `attention-kv-block` keys that carries the
    running row maximum, the running sum and the unnormalised output (an
    online softmax), so that no buffer grows with the product of the
    sequence lengths. With `is_causal`, the key loop stops at the query
    block's diagonal. `flash-attention=false` lowers it over the whole score
    matrix instead. `xfmr.mlp` becomes an `scf.forall` over tiles of
    at most `mlp-row-block` rows, each computing its hidden activation and
    down projection (0: whole projections); static rows are split into
    tiles as equal as multiples of 8 allow (197 rows: 104 and 93), since
    the tiles run on threads.

    ```mlir
    // --convert-xfmr-to-linalg="attention-q-block=32 attention-kv-block=128"
    %o = xfmr.attention %q, %k, %v {is_causal}
        : (tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
        -> tensor<1x8x?x64xf32>
    // scf.forall (%b, %h, %i) = (0, 0, 0) to (1, 8, %sq) step (1, 1, 32)
    //   scf.for %j = %c0 to %causal_end step %c128 iter_args(%m, %l, %acc)
    ```
  }];
  let options = [
    Option<"flashAttention", "flash-attention", "bool", /*default=*/"true",
           "Lower attention as flash attention (an online softmax over "
           "key/value blocks); false: over the whole score matrix">,
    Option<"attentionQBlock", "attention-q-block", "int64_t",
           /*default=*/"32", "Query rows per flash-attention tile">,
    Option<"attentionKvBlock", "attention-kv-block", "int64_t",
           /*default=*/"128", "Keys per step of the flash-attention loop">,
    Option<"mlpRowBlock", "mlp-row-block", "int64_t", /*default=*/"128",
           "Rows per tile of the MLP loop (0: whole projections)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"];
}

#endif // XFMR_CONVERSION_PASSES_TD
