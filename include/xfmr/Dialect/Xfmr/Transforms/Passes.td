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
// Fusion: attention
//===----------------------------------------------------------------------===//

def XfmrFuseAttentionPass : Pass<"xfmr-fuse-attention", "::mlir::func::FuncOp"> {
  let summary = "Fuse scaled dot-product attention into xfmr.attention";
  let description = [{
    Starting from each `xfmr.softmax` over the last axis, recognises
    `softmax(scale * q · kᵀ + mask) · v` as exporters write it and replaces
    the product with the values by one `xfmr.attention`:

    - `kᵀ` is a transpose of the key's last two dims, possibly composed with
      the head-split transpose (`[0, 2, 3, 1]` of `[B, S, H, D]`) or written
      as a flatten, 3-D transpose and unflatten (dynamo); the op gets `k`;
    - scalar constant multiplications or divisions of `q`, `kᵀ` or the
      scores fold into `scale`, which is always set;
    - an additive mask is kept; `where(keep, 0, -inf)` masks and
      `where(drop, -inf, s)` fills become an `i1` keep mask, and a term of
      it that is proven to be the causal triangle (constants checked entry
      by entry; ranges, comparisons and `trilu` proven against the scores'
      dims) becomes `is_causal`; with a triangle offset by a concatenated
      past, the past key and value become operands and the op's present
      results replace the concatenations;
    - PyTorch's `where(isnan(p), 0, p)` after the softmax is absorbed;
    - key/value heads repeated for grouped-query attention (unsqueeze,
      expand, reshape) are un-repeated.

    Dims are proven equal by tracing them through the graph, so dynamic
    shapes fuse too. With `explain`, every softmax left carries an
    `xfmr.fusion_missed` note saying which condition failed and where.

    ```mlir
    // Before:
    %kt = xfmr.transpose %k {permutation = array<i64: 0, 1, 3, 2>}
        : (tensor<?x12x?x64xf32>) -> tensor<?x12x64x?xf32>
    %s = xfmr.matmul %q, %kt : (...) -> tensor<?x12x?x?xf32>
    %ss = xfmr.mul %s, %c : (tensor<?x12x?x?xf32>, tensor<f32>) -> tensor<?x12x?x?xf32>
    %m = xfmr.add %ss, %mask : (...) -> tensor<?x12x?x?xf32>
    %p = xfmr.softmax %m : tensor<?x12x?x?xf32>
    %o = xfmr.matmul %p, %v : (...) -> tensor<?x12x?x64xf32>
    // After:
    %o = xfmr.attention %q, %k, %v mask %mask {scale = 1.250000e-01 : f32}
        : (...) -> tensor<?x12x?x64xf32>
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Note on every softmax left why it was not fused">,
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

#endif // XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD
