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

    Every launch names the same kernel module (`@xfmr_kernels`), so that
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
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def XfmrNVPTXTensorCoreMatmulPass
    : Pass<"xfmr-nvptx-tensor-core-matmul", "::mlir::func::FuncOp"> {
  let summary = "Run f32 contractions on tensor cores (mma.sync)";
  let description = [{
    Runs on buffers, before linalg becomes loops. Every contraction of f32
    buffers with one m, one n and one k dim (matmuls, batched matmuls, the
    projections of linear layers and attention, operands transposed or
    broadcast by their indexing maps) becomes a launch of one warp per
    16x8 tile of its output, which steps through k with one `mma.sync` per
    step: m16n8k16 on f16 operands (`precision=f16`) or m16n8k8 on tf32
    (`precision=tf32`), accumulating in f32 from the output's initial
    values. Operands are rounded to the precision as they are loaded;
    elements past the edges read as zero and are not stored, so any size
    works.

    ```mlir
    linalg.generic {... iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %b : memref<128x64xf32>, memref<64x256xf32>) outs(%c : ...)
    // becomes
    gpu.launch blocks(...) in (%gx = %c32, %gy = %c8, %gz = %c1)
               threads(...) in (%sx = %c32, ...) {
      scf.for %k0 = %c0 to %c64 step %c16 iter_args(%acc = ...) {
        %d = nvgpu.mma.sync (%a_frag, %b_frag, %acc) {mmaShape = [16, 8, 16]}
            : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
        ...
    ```
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"f16\"",
           "The operands' precision: f16 or tf32">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
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
