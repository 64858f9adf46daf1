//===- Passes.td - Passes of the CPU target ---------------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TARGET_CPU_PASSES_TD
#define XFMR_TARGET_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def XfmrCPUPrepareEntryPass : Pass<"xfmr-cpu-prepare-entry", "ModuleOp"> {
  let summary = "Make the model's function the entry of a compiled model";
  let description = [{
    Runs on tensors, before bufferization. The module must hold exactly one
    public function, the model (the importer names it `@main`). The pass
    records the model's signature (input and output names from `xfmr.name`,
    element types, dims, and dynamic dims' names from `xfmr.dims`) as the
    text of the model ABI (`include/xfmr/Runtime/xfmr_runtime.h`) in the
    module attribute `xfmr.signature`; marks the inputs read-only for
    bufferization, since they belong to the caller; and asks for the C
    wrapper (`llvm.emit_c_interface`) that the ABI's run function calls.

    Inputs or outputs of element types the runtime cannot carry (e.g. f8)
    are an error naming them.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def XfmrCPUEmitModelABIPass : Pass<"xfmr-cpu-emit-model-abi", "ModuleOp"> {
  let summary = "Emit the model ABI's entry points in the LLVM dialect";
  let description = [{
    Runs after lowering to the LLVM dialect. Emits the two functions every
    compiled model exports: `xfmr_model_signature`, returning the text that
    `xfmr-cpu-prepare-entry` recorded, and `xfmr_model_entry(void **args)`,
    which passes `args[0]` (the results) and `args[1..n]` (the inputs'
    memref descriptors) on to the model's C wrapper. Every other function
    becomes internal, so the shared library exports only the ABI.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def XfmrCPUStridedCopiesToLinalgPass
    : Pass<"xfmr-cpu-strided-copies-to-linalg", "func::FuncOp"> {
  let summary = "Rewrite memref.copy between strided buffers as linalg.copy";
  let description = [{
    The LLVM lowering of `memref.copy` calls a runtime function
    (`memrefCopy`) unless both sides are contiguous; a compiled model links
    no such runtime. Copies with a non-identity layout on either side become
    `linalg.copy`, which later becomes loops; contiguous ones stay
    `memref.copy` (a memcpy).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // XFMR_TARGET_CPU_PASSES_TD
