//===- Passes.td - Passes of the NVPTX target -------------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TARGET_NVPTX_PASSES_TD
#define XFMR_TARGET_NVPTX_PASSES_TD

include "mlir/Pass/PassBase.td"

def XfmrNVPTXMapParallelLoopsPass
    : Pass<"xfmr-nvptx-map-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Launch every outermost parallel loop as a GPU kernel";
  let description = [{
    Runs on buffers, after linalg became loops. Each outermost
    `scf.parallel` (one not nested in another, nor in a launch) becomes a
    `gpu.launch` over its whole iteration space, flattened: one thread per
    iteration, `block-size` threads per block and as many blocks as the trip
    counts' product needs. A thread recovers its induction variables from
    its linear index and runs the loop's body, whose own loops (a matmul's
    reduction, a row's softmax) stay sequential in it; threads past the end
    do nothing. Dynamic trip counts are computed on the host before the
    launch.

    Every launch names the same kernel module (`kernel-module`), so that
    outlining puts all kernels in one `gpu.module`: one binary to load.

    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c768) step (%c1, %c1) {...}
    // becomes
    gpu.launch blocks(%bx, ...) in (%gx = %c6, ...) threads(%tx, ...) in
        (%sx = %c256, ...) module(@xfmr_kernels) {
      // %l = %bx * 256 + %tx; if %l < 1536: %i = %l / 768, %j = %l % 768
    }
    ```
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">,
    Option<"kernelModule", "kernel-module", "std::string",
           /*default=*/"\"xfmr_kernels\"",
           "The gpu.module that outlining puts the kernels in">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def XfmrNVPTXPlaceBuffersPass
    : Pass<"xfmr-nvptx-place-buffers", "::mlir::ModuleOp"> {
  let summary = "Put the buffers that kernels read or write where the GPU "
                "can reach them";
  let description = [{
    Runs on buffers, before outlining. Every `memref.alloc` of a host
    function becomes a `gpu.alloc host_shared` (CUDA managed memory, which
    both the kernels and the host code between them can read), and its
    `memref.dealloc` a `gpu.dealloc`; results handed to the caller are such
    buffers too, and the runtime copies them out. Constants
    (`memref.get_global`, the weights among them) live in the library's
    read-only data, which a kernel cannot read: each one used is copied into
    a managed buffer at the function's entry and freed at its returns.
    The model's inputs are the runtime's to place (it copies them into
    managed memory before the run).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // XFMR_TARGET_NVPTX_PASSES_TD
