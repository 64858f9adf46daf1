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

    A static 1 broadcasts through the indexing maps. Where a dynamic dim of
    an elementwise operand meets another operand's dim, it may be 1 at run
    time: that operand is first broadcast by an `xfmr.expand`, whose lowering
    reads index 0 or i as each run's sizes decide. Compiling with dims bound
    (`--dim`) keeps every map static.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"];
}

#endif // XFMR_CONVERSION_PASSES_TD
