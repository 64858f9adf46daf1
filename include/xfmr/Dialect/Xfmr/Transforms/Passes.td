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

#endif // XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD
