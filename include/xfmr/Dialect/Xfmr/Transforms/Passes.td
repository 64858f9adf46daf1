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

#endif // XFMR_DIALECT_XFMR_TRANSFORMS_PASSES_TD
