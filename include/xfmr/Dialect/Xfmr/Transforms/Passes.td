//===- Passes.td - Passes on the xfmr dialect -------------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD
#define XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Graph-level clean-up
//===----------------------------------------------------------------------===//

def XfmrRefineShapesPass : Pass<"xfmr-refine-shapes", "::mlir::func::FuncOp"> {
  let summary = "Propagate static shapes through xfmr ops";
  let description = [{
    Re-runs type inference on every xfmr op, in order, and gives each result
    the most precise type that its operands allow: a dim that inference
    proves static replaces a `?`. Importers and rewrites that introduce
    constants (for example binding a symbolic dim with `--dim`) leave types
    less precise than they could be; this pass, usually alternated with
    `canonicalize` so that shape arithmetic folds, makes them static.

    Function results whose types become more precise are updated in the
    signature when `refine-signature` is set; otherwise a `tensor.cast` keeps
    the signature as it was.

    ```mlir
    // Before: the reshape's shape is a constant, its result type is not.
    %s = xfmr.constant dense<[2, 4]> : tensor<2xi64>
    %r = xfmr.reshape %x, %s : (tensor<8xf32>, tensor<2xi64>) -> tensor<?x?xf32>
    // After: -> tensor<2x4xf32>
    ```
  }];
  let options = [
    Option<"refineSignature", "refine-signature", "bool", /*default=*/"false",
           "Also make the function's result types more precise">,
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// Fusion: the report
//===----------------------------------------------------------------------===//

def XfmrFusionReportPass : Pass<"xfmr-fusion-report", "::mlir::ModuleOp"> {
  let summary = "Print the fused blocks, and why candidates were not fused";
  let description = [{
    Counts, in every function, the blocks that fusion produced
    (`xfmr.attention`, `xfmr.mlp`, `xfmr.linear`, the norms, the activations,
    `xfmr.rotary_embedding`) and prints them as a table, followed by every
    candidate the fusion passes looked at and did not fuse: the kind of block,
    the condition that failed and the ONNX node where it failed. Those notes
    are the `xfmr.fusion_missed` attributes that the fusion passes leave with
    their `explain` option; this pass removes them.

    ```
    fusion report for @main
      block              fused  not fused
      attention              2          0
      layer_norm             5          0  (4 with the residual add)
    not fused:
      attention at '/attn/Softmax': the mask is not broadcastable to the scores
    ```
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "Where to write the report: a file, or '-' for stderr">,
  ];
}

//===----------------------------------------------------------------------===//
// Fusion: activations
//===----------------------------------------------------------------------===//

def XfmrFuseActivationsPass
    : Pass<"xfmr-fuse-activations", "::mlir::func::FuncOp"> {
  let summary = "Fuse GELU and SiLU chains into xfmr.gelu and xfmr.silu";
  let description = [{
    Recognises the activations that exporters write out op by op:

    * `0.5 * x * (1 + erf(x / sqrt(2)))` becomes `xfmr.gelu`;
    * `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`, with the
      cube as `pow(x, 3)` or `x * x * x`, becomes `xfmr.gelu` with
      `approximate = tanh`;
    * `x * sigmoid(x)` becomes `xfmr.silu`.

    Products may be associated in any order, divisions by a constant count
    as multiplications by its inverse, and constants must match up to a
    couple of ulps of their type. Every op of the chain but the last must
    have no other users.

    With `explain`, every erf and sigmoid left over, and every tanh whose
    argument looks like a GELU's, carries an `xfmr.fusion_missed` note.

    ```mlir
    // Before (BERT, exported by TorchScript):
    %d = xfmr.div %x, %sqrt2 : (tensor<?x?x3072xf32>, tensor<f32>) -> tensor<?x?x3072xf32>
    %e = xfmr.erf %d : tensor<?x?x3072xf32>
    %a = xfmr.add %e, %one : (tensor<?x?x3072xf32>, tensor<f32>) -> tensor<?x?x3072xf32>
    %m = xfmr.mul %x, %a : (tensor<?x?x3072xf32>, tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32>
    %y = xfmr.mul %m, %half : (tensor<?x?x3072xf32>, tensor<f32>) -> tensor<?x?x3072xf32>
    // After:
    %y = xfmr.gelu %x : tensor<?x?x3072xf32>
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every candidate left unfused why it was not fused">,
  ];
}

//===----------------------------------------------------------------------===//
// Fusion: rotary
//===----------------------------------------------------------------------===//

def XfmrFuseRotaryPass : Pass<"xfmr-fuse-rotary", "::mlir::func::FuncOp"> {
  let summary = "Fuse rotate-half rotary embeddings into xfmr.rotary_embedding";
  let description = [{
    Recognises the rotary position embedding of LLaMA and GPT-NeoX,
    `x * cos + rotate_half(x) * sin` with `rotate_half(x) =
    concat(-x[..., D/2:], x[..., :D/2])` on a `[B, H, S, D]` head, and
    rewrites it into `xfmr.rotary_embedding`. The `[.., S, D]` cos and sin
    tables must provably have equal halves; the op's `[B, S, D/2]` caches are
    derived where the tables are made:

    * `cos(concat(f, f))` and `sin(concat(f, f))` give `cos(f)` and
      `sin(f)`;
    * rows of a constant cache gathered by position ids give the first half
      of the cache, and the ids become the op's `position_ids`;
    * a constant table gives its first half.

    Caches (and position ids) that the original graph broadcast over the
    batch or the sequence are expanded to `x`'s, as numpy broadcasting did.
    A rotation of the first `R` channels whose result is concatenated with
    the others (partial rotary) becomes one op with
    `rotary_embedding_dim = R`. Every op of the rotation but `x` must have no
    other users.

    With `explain`, every concat shaped like `rotate_half` that did not fuse
    carries an `xfmr.fusion_missed` note.

    ```mlir
    // Before (LLaMA): %c, %s = cos/sin(concat(%f, %f)) unsqueezed to [1, 1, S, 64]
    %lo = xfmr.slice %q, %c0, %c32, %cm1 : ... -> tensor<?x8x?x32xf32>
    %hi = xfmr.slice %q, %c32, %max, %cm1 : ... -> tensor<?x8x?x32xf32>
    %n = xfmr.neg %hi : tensor<?x8x?x32xf32>
    %r = xfmr.concat %n, %lo {axis = -1 : i64} : ... -> tensor<?x8x?x64xf32>
    %a = xfmr.mul %q, %c : ... -> tensor<?x8x?x64xf32>
    %b = xfmr.mul %r, %s : ... -> tensor<?x8x?x64xf32>
    %y = xfmr.add %a, %b : ... -> tensor<?x8x?x64xf32>
    // After: %cf, %sf = cos/sin(%f), expanded to [B, S, 32]
    %y = xfmr.rotary_embedding %q, %cf, %sf
        : (tensor<?x8x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>)
        -> tensor<?x8x?x64xf32>
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every candidate left unfused why it was not fused">,
  ];
}

#endif // XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD
