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
    its linear index and runs the loop's body, whose own loops stay
    sequential in it; threads past the end do nothing. Dynamic trip counts
    are computed on the host before the launch.

    A row reduction (the body one loop that folds a value per k into one
    element of a buffer with addf, mulf, or a max or min: the sums of
    softmax and of norms) gets a warp per row instead: each lane folds
    every 32nd element from the identity, five xor shuffles combine the
    lanes' partial results, and lane 0 folds them into the output.

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
    broadcast by their indexing maps) becomes a tensor-core kernel that
    accumulates in f32 from the output's initial values; elements past the
    edges read as zero and are not stored, so any size works, dynamic ones
    included.

    With `precision=f16` or `bf16`, a block of four warps computes a 64x64
    tile of the output, each warp a 32x32 quarter (2 x 4 m16n8k16
    `mma.sync`, 32 accumulators per lane in registers). k advances by
    slices of 32 staged in shared memory (workgroup attributions) in two
    stages: the copy of the next slice is in flight while the warps multiply
    this one. A stage keeps the operand's innermost dim innermost, padded so
    that fragment loads hit 32 distinct banks; an operand whose innermost
    dim is contiguous, of a static size that is a multiple of 4, with
    strides and offset multiples of 4, is copied in 16-byte `cp.async`
    chunks (`nvgpu.device_async_copy`, zero-filled past the edges), any
    other by plain loads. Fragments are 8-byte shared loads (k innermost) or
    pairs of 4-byte ones, rounded to f16/bf16 as they are packed. The
    kernel absorbs the ops bufferization leaves around a linear layer: a
    `linalg.fill` of the output right before (the accumulators start from
    its value, the output is not read) and an all-parallel
    `linalg.generic` right after that reads the output only at the element
    it writes, in place or into a buffer of its own (bias, activation,
    residual: evaluated on each accumulator before its one store).
    With `precision=tf32`, a warp computes a 16x8 tile with one m16n8k8
    `mma.sync` per step of k, its operands read from global memory.

    With `wgmma-chip=sm_90a` (f16, bf16), a block-tile contraction whose
    operands the copy engine can load (static strides of 16-byte multiples,
    k or the row innermost, rank up to 5) also gets code for that chip
    (WarpgroupMma.cpp), beside the mma.sync code, under a condition that
    `xfmr-nvptx-kernels-per-arch` folds per architecture: the host makes a
    tensor map per operand before the launch (`nvgpu.tma.create.descriptor`,
    boxes of 64 rows x 32 k, zeros past the edges), and the block of 128
    threads (one warpgroup) loads each slice with `nvgpu.tma.async.load`
    into one of two stages, completed on an mbarrier per stage
    (`arrive.expect_tx` by thread 0, waits on the phase parity), rounds it
    to f16/bf16 into k-major tiles of 8x8 core matrices, and multiplies
    them with two `nvvm.wgmma.mma_async` m64n64k16 per slice, f32
    accumulators in registers; the store and the epilogue are the same.

    ```mlir
    %ma = nvgpu.tma.create.descriptor %ua box[%c64, %c32] : memref<*xf32> -> ...
    gpu.launch ... {
      %sm90a = builtin.unrealized_conversion_cast to i1
          {xfmr.nvptx.compiled_for = "sm_90a"}
      scf.if %sm90a {
        nvgpu.tma.async.load %ma[%k0, %row0], %bars[%s] to %stage ...
        scf.for ... {
          nvgpu.mbarrier.try_wait.parity %bars[%s], %parity, ...
          nvvm.wgmma.mma_async %da, %db, %acc, <m = 64, n = 64, k = 16>, ...
      } else { ...mma.sync... }
    ```

    ```mlir
    linalg.generic {... iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %b : memref<128x64xf32>, memref<256x64xf32>) outs(%c : ...)
    // becomes
    gpu.launch blocks(...) in (%gx = %c4, %gy = %c2, %gz = %c1)
               threads(...) in (%sx = %c128, ...)
        workgroup(%sa : memref<2x64x40xf32, #gpu.address_space<workgroup>>,
                  %sb : memref<2x64x40xf32, #gpu.address_space<workgroup>>) {
      nvgpu.device_async_copy %a[...], %sa[%c0, ...], 4, %n {bypassL1} ...
      scf.for %kt = %c0 to %c2 step %c1 iter_args(%acc0 = ..., ...) {
        // the next slice into the other stage, then wait for this one
        nvgpu.device_async_wait %group {numGroups = 1 : i32}
        gpu.barrier
        %p = vector.load %sa[%stage, %row, %k] : ..., vector<2xf32>
        %d = nvvm.mma.sync A[...] B[...] C[...] {... shape = #nvvm.shape<m = 16, n = 8, k = 16>} ...
        gpu.barrier
        ...
    ```
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"f16\"",
           "The operands' precision: f16, bf16 or tf32">,
    Option<"wgmmaChip", "wgmma-chip", "std::string", /*default=*/"\"\"",
           "The chip whose kernels use wgmma and TMA (sm_90a); none if empty">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect"];
}

def XfmrNVPTXAlignWorkgroupBuffersPass
    : Pass<"xfmr-nvptx-align-workgroup-buffers", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Align every kernel's shared-memory buffers";
  let description = [{
    Runs after outlining, on the kernels. A workgroup attribution becomes a
    `.shared` array aligned only to its element type, and the attributions
    of a `gpu.launch` carry no attributes to say more. Each workgroup
    attribution of a `gpu.func` gets `llvm.align` of at least `alignment`
    bytes, which 16-byte `cp.async` copies and vector loads from shared
    memory need.

    ```mlir
    gpu.func @k() workgroup(%s : memref<64x40xf32, #gpu.address_space<workgroup>>) kernel
    // becomes
    gpu.func @k() workgroup(%s : memref<64x40xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel
    ```
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"16",
           "Bytes every workgroup buffer is aligned to">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def XfmrNVPTXRegisterBudgetPass
    : Pass<"xfmr-nvptx-register-budget", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Give the tensor-core kernels a register budget";
  let description = [{
    Runs after outlining, on the kernels. ptxas sizes a kernel's registers
    for occupancy unless the kernel says otherwise, and for sm_90a it gives
    a 64x64-tile GEMM fewer registers than its accumulators and fragments
    need, so that it spills. Every `gpu.func` that holds mma.sync
    accumulators (`nvvm.mma.sync`, `nvgpu.mma.sync`) and has no budget yet
    gets `nvvm.maxnreg` = `registers` (`.maxnreg` in its PTX): by default
    all 255 a thread can have, so that ptxas spills only what no register
    file could hold (a GEMM tile takes 124 to 137, the attention kernel up
    to 172 at head size 128).

    ```mlir
    gpu.func @k(...) kernel { ... nvvm.mma.sync ... }
    // becomes
    gpu.func @k(...) kernel attributes {nvvm.maxnreg = 255 : i32} { ... }
    ```
  }];
  let options = [
    Option<"registers", "registers", "int32_t", /*default=*/"255",
           "Registers per thread a tensor-core kernel may use">,
  ];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect"];
}

def XfmrNVPTXKernelsPerArchPass
    : Pass<"xfmr-nvptx-kernels-per-arch", "::mlir::ModuleOp"> {
  let summary = "Copy the kernel module once per CUDA architecture that has "
                "code of its own";
  let description = [{
    Runs after outlining, before the NVVM targets are attached (NVVM checks
    each op against every target of its module, so sm_90a code cannot sit
    in a module that also targets sm_80). Kernel code may hold code for one
    architecture beside the code for all, under a condition made by
    `createCompiledForChip` (a marked `builtin.unrealized_conversion_cast`
    to i1). A `gpu.module` that holds one is copied once per chip of
    `chips` after the first; the copy for chip X is named `<module>__X`.
    In each copy, and in the original for the first chip, the condition
    becomes a constant (true where the chip is the one it names) and the
    `scf.if`s on it fold, so that each architecture's code is its own.
    Kernel names and signatures stay the same in every copy: the host's
    launches name the original module, the pipeline attaches chip X's
    target to its copy, and serialisation puts the cubins of the copies in
    the original's fatbin (each chip's from its copy, when it has one), from
    which the driver loads the one of its GPU. A module without conditions
    gets no copy. Shared-memory globals left in the host module (outlining
    copied them into the kernels) are erased.

    ```mlir
    gpu.module @xfmr_kernels {
      gpu.func @k(...) kernel {
        %c = builtin.unrealized_conversion_cast to i1
            {xfmr.nvptx.compiled_for = "sm_90a"}
        scf.if %c { wgmma... } else { mma.sync... }
    // with chips=sm_80,sm_90a becomes
    gpu.module @xfmr_kernels {
      gpu.func @k(...) kernel { mma.sync... }
    gpu.module @xfmr_kernels__sm_90a {
      gpu.func @k(...) kernel { wgmma... }
    ```
  }];
  let options = [
    ListOption<"chips", "chips", "std::string",
               "The CUDA architectures compiled for, the first without a "
               "copy of its own">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def XfmrNVPTXFlashAttentionCallPass
    : Pass<"xfmr-nvptx-flash-attention-call", "::mlir::ModuleOp"> {
  let summary = "Replace each flash-attention loop nest by a call of the "
                "attention kernel on buffers";
  let description = [{
    Runs on tensors, before bufferization: the first half of
    `xfmr-nvptx-flash-attention-kernel`. A flash-attention loop nest (the
    `scf.forall` over batch, query head and query block that the lowering
    of `xfmr.attention` marks with `xfmr.flash_attention`) becomes a call of
    a private declaration `@xfmr_flash_attention` (its attribute
    `xfmr.flash_attention_kernel` holds the causal flag, the causal offset,
    whether there is a mask and the scale) on the buffers of the query, keys and values, in their
    own element type (the loop nest's widening to f32 is looked through),
    and of a new f32 output buffer, read back with `to_tensor restrict`; a
    mask (additive or boolean, of rank 2 to 4) is a fifth buffer, before
    the output. The kernel itself comes after bufferization and
    deallocation, which reject the barriers of a launch (ops without memory
    effects).

    A nest the kernel does not cover (an ALiBi bias, a softcap, a sliding
    window, a mask of rank below 2, a past length known only at run time, a
    head size not a static multiple of 16, or of 8 for tf32, up to 128)
    stays on the generic loops, with a remark saying why.

    ```mlir
    %o = scf.forall (%b, %h, %i) in ... -> (tensor<?x8x?x64xf32>) {...}
        {xfmr.flash_attention = {causal = true, causal_offset = 0 : i64,
                                 scale = 1.250000e-01 : f64}}
    // becomes
    %qb = bufferization.to_buffer %q read_only : ... to memref<?x8x?x64xbf16>
    ...
    %ob = memref.alloc(%d0, %d2) : memref<?x8x?x64xf32>
    call @xfmr_flash_attention(%qb, %kb, %vb, %ob) : (...) -> ()
    %o = bufferization.to_tensor %ob restrict writable : ...
    ```
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"bf16\"",
           "The operands' precision on tensor cores: f16, bf16 or tf32">,
  ];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def XfmrNVPTXFlashAttentionKernelPass
    : Pass<"xfmr-nvptx-flash-attention-kernel", "::mlir::ModuleOp"> {
  let summary = "Run each attention as one FlashAttention-2 kernel on tensor "
                "cores";
  let description = [{
    Runs on buffers, after deallocation: each call of a declaration that
    `xfmr-nvptx-flash-attention-call` made becomes one `gpu.launch` of the
    FlashAttention-2 scheme, and the declaration goes:

    - a block of 128 threads per (query block of 64 rows, query head,
      batch), grid (ceil(Sq / 64), Hq, B); each of its 4 warps owns 16
      rows;
    - query head h reads key/value head h / (Hq / Hkv) (GQA, MQA); with
      head counts known only at run time (checked on the host) the group
      is at least 1 and the head at most Hkv - 1;
    - a mask's element is added to each score (or -inf where a boolean
      mask is false), read at the row and key clamped to the last ones;
      with a mask the scores stay in the natural domain and the
      exponentials are exp2((s - m) log2(e)), so that large negative
      additive masks (the float minimum) do not overflow;
    - each step of the key loop loads N = 64 keys and their values into
      shared memory (workgroup attributions `Ks[N][D + 8]` and `Vs[N][D +
      8]`, or for tf32 `Vt[D][N + 8]`, transposed, under 48 KB; N = 32
      where 64 keys would not fit: f32 tiles with D over 64) with 16-byte
      loads, between two barriers; keys
      past the end (a partial last tile) read as zeros and are masked, so
      nothing is read out of bounds;
    - S = Q Kᵀ and O += P V are m16n8k16 `nvvm.mma.sync` on f16 or bf16, or
      m16n8k8 on tf32 (`precision`), with f32 accumulators; P goes from
      S's accumulator fragments to the A fragments of P V without leaving
      the registers; with f16 and bf16 the B fragments come from shared
      memory by `nvgpu.ldmatrix` (x4: two k-steps of K, or two n-tiles of V
      with `transpose`, which reads Vs as Vᵀ);
    - with tf32 the tiles hold f32 values rounded to tf32
      (`nvvm.convert.float.to.tf32`, cvt.rna: to nearest, ties away) as
      they are loaded, as do Q and P (f16 and bf16 operands are exact in
      tf32 and only widened); D is then a multiple of 8, not 16;
    - the online softmax stays in registers: the running maximum per row
      (two xor shuffles across the four lanes that share a row), the
      running sum per lane, exp2 with log2(e) folded into the scale, O
      rescaled at each step; rows that see no key give zeros;
    - with the causal flag the key loop ends after the block's last visible
      key (the tiles above the diagonal are never loaded), and only the
      tiles that cross the diagonal or the end of the keys are masked.

    Fragment ownership, for lane l of a warp in group g = l / 4 at position
    t = l % 4 ("a pair": the elements at c and c + 1 in one 32-bit
    register):

    | fragment | register | elements |
    |---|---|---|
    | Q (A of S), k-step kk | r of 4 | rows g + 8 (r % 2), cols 16kk + 8 (r / 2) + 2t, a pair |
    | Kᵀ (B of S), n-tile n, k-step kk | r of 2 | Ks[8n + g][16kk + 8r + 2t], a pair (ldmatrix) |
    | S, P (C of S), n-tile n | e of 4 | row g + 8 (e / 2), key 8n + 2t + e % 2 |
    | P (A of P V), k-step j | r of 4 | S[2j] e0 e1, S[2j] e2 e3, S[2j + 1] e0 e1, S[2j + 1] e2 e3 |
    | V (B of P V), n-tile n, k-step j | r of 2 | Vs[16j + 8r + 2t][8n + g] and the next key, a pair (ldmatrix.trans) |
    | O (C of P V), n-tile n | e of 4 | row g + 8 (e / 2), col 8n + 2t + e % 2 |

    With tf32 a k-step is 8 wide and a register holds one element. Since a
    product sums over k in any order, the kernel numbers k so that the
    elements of a lane are still pairs: element 0 of a pair is k = t,
    element 1 is k = t + 4 (k 0..7 stand for columns 0, 2, 4, 6, 1, 3, 5,
    7 of the k-step), in A and B alike:

    | fragment (tf32) | register | elements |
    |---|---|---|
    | Q (A of S), k-step kk | r of 4 | row g + 8 (r % 2), col 8kk + 2t + r / 2 |
    | Kᵀ (B of S), n-tile n, k-step kk | r of 2 | Ks[8n + g][8kk + 2t + r] |
    | P (A of P V), k-step j | r of 4 | S[j] e0, e2, e1, e3 |
    | V (B of P V), n-tile n, k-step j | r of 2 | Vt[8n + g][8j + 2t + r] |

    So P's accumulator fragment is again its A fragment, and the shared
    tiles are read as 8-byte pairs.

    So a lane holds rows g and g + 8 of its warp's 16, and the four lanes
    of a group (l xor 1, l xor 2) hold the whole of a row: the maximum is
    combined across them at every step, the sum once, at the end (each
    lane's partial sum is rescaled by the same factor as the row's O).

    ```mlir
    call @xfmr_flash_attention(%q, %k, %v, %o) : (...) -> ()
    // becomes
    gpu.launch blocks(...) in (%gx = %qblocks, %gy = %c8, %gz = %B)
               threads(...) in (%sx = %c128, ...) module(@xfmr_kernels)
               workgroup(%ks : memref<64x72xbf16, #gpu.address_space<workgroup>>,
                         %vt : memref<64x72xbf16, #gpu.address_space<workgroup>>) {
      scf.for %j0 = %c0 to %end step %c64 iter_args(...) {
        gpu.barrier  // Ks, Vt loaded  // gpu.barrier
        nvvm.mma.sync ... {shape = #nvvm.shape<m = 16, n = 8, k = 16>}
        ...
    ```
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"bf16\"",
           "The operands' precision on tensor cores: f16, bf16 or tf32">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect"];
}

def XfmrNVPTXPlaceBuffersPass
    : Pass<"xfmr-nvptx-place-buffers", "::mlir::ModuleOp"> {
  let summary = "Put the buffers that kernels read or write where the GPU "
                "can reach them";
  let description = [{
    Runs on buffers, before outlining. The buffers of a host function's
    body that have a static size and are freed in it (those a run uses and
    drops) share one `gpu.alloc host_shared` (CUDA managed memory, which
    both the kernels and the host code between them can read), the run's
    arena: each is a `memref.view` at an offset fixed here (a multiple of
    256 bytes), its `memref.dealloc` goes, and the arena is freed at the
    end. A buffer is alive from its allocation to the last op of the body
    that uses it or a value derived from it (a view, a cast; not its free,
    which the deallocation pipeline puts at the end of the body); buffers never alive at the same op share
    bytes, placed largest first at the lowest offset that fits, so the
    arena is about the largest set of activations alive at once rather
    than their sum. The run's launches queue in order on one stream and
    the host waits before it touches memory, so a kernel never sees bytes
    that a later buffer's owner has started to write. Every other `memref.alloc` (sized at run time, or a result handed
    to the caller, which the runtime copies out) becomes a `gpu.alloc
    host_shared` of its own and its `memref.dealloc` a `gpu.dealloc`.
    Constants still read with `memref.get_global` (those the weights file
    does not hold: without one, or of `i1`) live in the library's
    read-only data, which a kernel cannot read: each one used is copied
    into a managed buffer at the function's entry and freed at its returns.
    The model's inputs and its weights file are the runtime's to place (it
    copies the weights to the GPU once, at load, and the inputs into
    managed memory before each run).

    ```mlir
    %a = memref.alloc() : memref<2x8xf32>
    %b = memref.alloc() : memref<2xf32>
    ...
    memref.dealloc %a : memref<2x8xf32>
    memref.dealloc %b : memref<2xf32>
    // becomes
    %arena = gpu.alloc host_shared () : memref<512xi8>
    %a = memref.view %arena[%c0][] : memref<512xi8> to memref<2x8xf32>
    %b = memref.view %arena[%c256][] : memref<512xi8> to memref<2xf32>
    ...
    gpu.dealloc async [...] %arena : memref<512xi8>
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def XfmrNVPTXStreamHostWorkPass
    : Pass<"xfmr-nvptx-stream-host-work", "::mlir::ModuleOp"> {
  let summary = "Queue a run's launches, copies and frees on one stream";
  let description = [{
    Runs after outlining, on the host functions. Each block's launches,
    frees and copies between buffers (`memref.copy` of identity layouts
    becomes `gpu.memcpy`) become asynchronous ones chained on one token, so
    that they queue on one stream without waiting for each other; the host
    waits only before an op of its own that reads or writes memory (a
    load, a store, a call, a loop that holds one), but not to make a tensor
    map (the call of `mgpuTensorMapEncodeTiledMemref` and the stores of its
    box into a stack slot), which reads a buffer's address and shape and
    none of its elements. Nothing waits at the end:
    the runtime gives a run one stream (every `gpu.wait async` of the run
    is that stream), defers the run's frees to the run's end, and
    synchronises the stream once, before it copies the results back.

    ```mlir
    gpu.launch_func @xfmr_kernels::@k0 ... args(%a : memref<8xf32>)
    memref.copy %a, %b : memref<8xf32> to memref<8xf32>
    gpu.launch_func @xfmr_kernels::@k1 ... args(%b : memref<8xf32>)
    // becomes
    %t0 = gpu.wait async
    %t1 = gpu.launch_func async [%t0] @xfmr_kernels::@k0 ...
    %t2 = gpu.memcpy async [%t1] %b, %a : memref<8xf32>, memref<8xf32>
    %t3 = gpu.launch_func async [%t2] @xfmr_kernels::@k1 ...
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // XFMR_TARGET_NVPTX_PASSES_TD
