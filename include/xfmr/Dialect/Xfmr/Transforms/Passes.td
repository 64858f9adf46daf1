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
// Fusion: linear and MLP
//===----------------------------------------------------------------------===//

def XfmrFuseLinearPass : Pass<"xfmr-fuse-linear", "::mlir::func::FuncOp"> {
  let summary = "Fuse a matmul with a 2-D weight, its bias and activation into xfmr.linear";
  let description = [{
    Rewrites `matmul(x, W)` with a 2-D `W` `[K, N]` into `xfmr.linear`, and
    `matmul(x, transpose(W))` (ONNX Gemm with `transB`, tied embeddings)
    into `xfmr.linear` with `transpose_weight`. A following `add` of a bias
    that is `[N]`, or broadcasts exactly as `[N]` (`[1, 1, N]`), becomes the
    layer's bias, and a following `xfmr.gelu`, `xfmr.silu`, `xfmr.relu`,
    `xfmr.sigmoid` or `xfmr.tanh` its activation, when the layer's result
    has no other user. Matmuls whose right operand is not 2-D (attention's
    batched products) are left alone.

    An activation applied after a reshape of the layer's result (GPT-2's
    Conv1D flattens the rows around each projection) moves before the
    reshape, and a reshape that provably gives back the shape of the tensor
    before an earlier reshape folds away, so that consecutive projections
    meet.

    ```mlir
    // Before:
    %t = xfmr.transpose %w {permutation = array<i64: 1, 0>}
        : (tensor<64x64xf32>) -> tensor<64x64xf32>
    %m = xfmr.matmul %x, %t : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
    %a = xfmr.add %m, %b : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    %y = xfmr.tanh %a : tensor<?x64xf32>
    // After:
    %y = xfmr.linear %x, %w, %b {activation = #xfmr<activation tanh>, transpose_weight}
        : (tensor<?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```

    With `explain`, matmuls with a 2-D right operand that did not become a
    layer, and constant adds and activations after a layer that were not
    folded into it, carry an `xfmr.fusion_missed` note of kind `linear`.
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every candidate left why it was not fused">,
  ];
}

def XfmrFuseMlpPass : Pass<"xfmr-fuse-mlp", "::mlir::func::FuncOp"> {
  let summary = "Fuse up/gate/down linear layers into xfmr.mlp";
  let description = [{
    Runs after `xfmr-fuse-linear` and rewrites the feed-forward blocks made
    of its layers into `xfmr.mlp`:

    * plain: `linear(x, up, act)` whose only user is `linear(·, down)`
      without activation;
    * gated: `mul(linear(x, gate, act), linear(x, up))`, in either order,
      whose only user is the down projection (SwiGLU with `silu`, GeGLU with
      `gelu`); also with gate and up in one projection split in two halves
      along the features, `mul(act(h#0), h#1)`.

    `xfmr.mlp` takes its weights in `[in, out]` layout: a transposed or
    split constant weight is folded into a new constant at compile time
    (an `xfmr.transpose` or `xfmr.slice` when the weight is not constant).

    ```mlir
    // Before:
    %g = xfmr.linear %x, %wg {activation = #xfmr<activation silu>}
        : (tensor<?x?x64xf32>, tensor<64x128xf32>) -> tensor<?x?x128xf32>
    %u = xfmr.linear %x, %wu : (tensor<?x?x64xf32>, tensor<64x128xf32>) -> tensor<?x?x128xf32>
    %h = xfmr.mul %g, %u : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
    %y = xfmr.linear %h, %wd : (tensor<?x?x128xf32>, tensor<128x64xf32>) -> tensor<?x?x64xf32>
    // After:
    %y = xfmr.mlp %x up %wu gate %wg down %wd {activation = #xfmr<activation silu>}
        : (tensor<?x?x64xf32>, tensor<64x128xf32>, tensor<64x128xf32>,
           tensor<128x64xf32>) -> tensor<?x?x64xf32>
    ```

    With `explain`, every linear layer with an activation whose result does
    not feed a down projection carries an `xfmr.fusion_missed` note of kind
    `mlp`.
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every candidate left why it was not fused">,
  ];
}

#endif // XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD
