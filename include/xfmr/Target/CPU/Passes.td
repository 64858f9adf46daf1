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

def XfmrCPUPackWeightsPass
    : Pass<"xfmr-cpu-pack-weights", "::mlir::func::FuncOp"> {
  let summary = "Pack the constant weights of contractions into panels of "
                "columns";
  let description = [{
    Runs on tensors, before `xfmr-cpu-tile-and-vectorize`. A contraction
    (a linalg op with one multiply-accumulate reduction) whose output's
    innermost dim `n` is read by one input only, and whose input is a
    constant matrix `[K, N]` or `[N, K]` (directly, or through a transpose,
    a broadcast over batch dims, or a generic that copies it), reads instead
    a constant packed at compile time into panels of `panel-width` columns,
    `[ceil(N / NR), K, NR]`, zero past column N. Each step of k of a
    register block then reads NR contiguous elements, and a panel is one
    sequential stream.

    The contraction's loop dim `n` becomes two, the panel `j` and the lane
    `r`; its output is `[..., N/NR, NR]`, and a `tensor.collapse_shape`
    (plus a `tensor.extract_slice` where NR does not divide N) gives back the
    original result. The collapse is moved below elementwise consumers of
    the result (bias, activation, residual add), which are rewritten over
    the expanded shape, so that they tile like the contraction. A weight
    read by several contractions is packed once; dense constants stay
    dense and `dense_resource` ones get a new blob named `<key>.panels`.

    ```mlir
    // x [128, 768] times a constant W [768, 768]:
    %w = arith.constant dense_resource<W.panels> : tensor<24x768x32xf32>
    %p = linalg.generic {indexing_maps = [
            affine_map<(m, j, r, k) -> (m, k)>,
            affine_map<(m, j, r, k) -> (j, k, r)>,
            affine_map<(m, j, r, k) -> (m, j, r)>], ...}
        ins(%x, %w : ...) outs(%init : tensor<128x24x32xf32>)
    %y = tensor.collapse_shape %p [[0], [1, 2]]
        : tensor<128x24x32xf32> into tensor<128x768xf32>
    ```

    Weights narrower than a panel are left alone. A weight that only
    contractions of one row read (matrix-vector products, as in a decode
    step) is packed in panels of `single-row-panel-width` columns, the
    width of `xfmr-cpu-tile-and-vectorize`'s one-row blocks.
  }];
  let options = [
    Option<"panelWidth", "panel-width", "int64_t", /*default=*/"32",
           "Columns of a panel (NR): the width of a register block's row">,
    Option<"singleRowPanelWidth", "single-row-panel-width", "int64_t",
           /*default=*/"0",
           "Columns of the panels of a weight that only one-row "
           "contractions read (a decode step's matrix-vector products), "
           "whose register blocks are one row of more vectors; 0: "
           "panel-width">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def XfmrCPUInt8MatmulPass
    : Pass<"xfmr-cpu-int8-matmul", "::mlir::func::FuncOp"> {
  let summary = "u8 x s8 matmuls with constant weights as integer dot "
                "products (VNNI vpdpbusd; vpmaddubsw or vpmaddwd on AVX2)";
  let description = [{
    Runs on tensors, before `xfmr-cpu-pack-weights`. A contraction
    `acc[..., m, n] += zext(x[..., m, k]) * sext(W)` into a zero-filled i32
    init, with x `[..., M, K]` i8 (read as uint8) and W a constant int8
    `[K, N]` or `[N, K]` (the integer product of a quantized
    `xfmr.linear`), is rewritten to:

    - with `vnni`: W packed at compile time as `[N/NR, ceil(K/4), NR * 4]`
      i8, the 4 consecutive k of a column side by side (what one i32 lane
      of `vpdpbusd` reads), x padded with zeros to a multiple of 4 columns;
      each step of the block broadcasts 4 bytes of a row to every lane and
      calls `llvm.x86.avx512.vpdpbusd.512` (`.256` on 256-bit vectors, the
      AVX-VNNI instruction there).
    - without, on 256-bit vectors, a static M of at most 4 rows (bound by
      reading the weights) and W without -128: W packed as for `vnni`,
      x as x - 128 and |x - 128| once per contraction, accumulators
      starting at 128 * colsum(W) (computed at compile time); each step
      calls `llvm.x86.avx2.psign.b` (W with the sign of x - 128),
      `llvm.x86.avx2.pmadd.ub.sw` (|x - 128| times it: pairs of at most
      2 * 128 * 127, exact in i16) and `llvm.x86.avx2.pmadd.wd` by ones.
    - otherwise: W widened to i16 at compile time as
      `[N/NR, ceil(K/2), NR * 2]`, x zero-extended to i16 once per
      contraction; each step broadcasts a row's pair and calls
      `llvm.x86.avx2.pmadd.wd` (`llvm.x86.avx512.pmaddw.d.512` on 512-bit
      vectors), whose i16 products and pair sums are exact (the i16 sums of
      `vpmaddubsw` saturate on u8 x s8). On many rows it is the faster:
      `vpsignb` takes a slot of the multiply pipes.

    The block is `register-rows` rows by NR = two vectors of i32 lanes,
    over an `scf.forall` of (batch, panel, row block) and an `scf.for` over
    groups of k, as the bf16 block of `xfmr-cpu-bf16-matmul`; the rows past
    the last full block are one block when M is static, else blocks of 4, 2
    and 1 rows. The i32 result is exact, so its
    consumers (the zero-point corrections, scales, bias and activation of
    the layer's epilogue) are unchanged.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Width of the vectors, 256 or 512">,
    Option<"vnni", "vnni", "bool", /*default=*/"true",
           "Whether the CPU has vpdpbusd at that width (AVX512-VNNI, or "
           "AVX-VNNI for 256 bits)">,
    Option<"registerRows", "register-rows", "int64_t", /*default=*/"8",
           "Rows of a register block">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect"
  ];
}

def XfmrCPUInt8MatmulIntrinsicsPass
    : Pass<"xfmr-cpu-int8-matmul-intrinsics", "::mlir::func::FuncOp"> {
  let summary = "The intrinsic calls of xfmr-cpu-int8-matmul's blocks";
  let description = [{
    Runs after bufferization. `xfmr-cpu-int8-matmul` builds its dot
    products as pure `builtin.unrealized_conversion_cast` placeholders that
    name their intrinsic in a `__xfmr_intrinsic__` attribute (buffer
    deallocation rejects ops of unknown memory effects, which
    `llvm.call_intrinsic` is); each becomes that `llvm.call_intrinsic`.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def XfmrCPUInt4MatmulPass
    : Pass<"xfmr-cpu-int4-matmul", "::mlir::func::FuncOp"> {
  let summary = "4-bit weight-only layers (4-bit xfmr.linear) as register "
                "blocks that dequantize whole vectors of nibbles";
  let description = [{
    Runs on tensors, before `xfmr-cpu-pack-weights` and
    `xfmr-cpu-tile-and-vectorize`. The contraction that a 4-bit `xfmr.linear`
    (`block_size`) lowers to (`out[rows..., n] += even[rows..., b, i] * w(lo) +
    odd[rows..., b, i] * w(hi)` over the packed bytes `[N, blocks, half]`,
    a scale and a zero point per `[n, b]`) becomes an `scf.forall` over
    blocks of `rows x cols` outputs (rows innermost) with a loop over the
    weight's blocks inside:

    - per column and block, the scale `s` and `-zp * s` are read once and
      broadcast; per vector of `L = min(half, vector-bits / 32)` bytes,
      the bytes are widened to i32 (`vpmovzxbd`), the low nibbles masked
      and the high ones shifted out over the whole vector, converted to f32
      and dequantized by one fused multiply-add each (`q * s - zp * s`);
    - each dequantized vector is used by every row of the block (two FMAs
      per row into `rows x cols` vector accumulators), and each loaded
      vector of the input by every column, so a decode step (one row)
      reads each weight byte once and each input vector once per `cols`
      columns;
    - the lanes of each accumulator are summed once at the end (a tree)
      and added to the init.

    Blocks of one row (a decode step, bound by reading the weight; the
    rows past the last full block; the columns left) take another form with fewer operations per byte: per block and column the dot
    product of the raw nibbles with the input (`x_e * q_lo + x_o * q_hi`,
    a multiply and an FMA per vector), scaled by the block's scale into one
    of 2 accumulators (blocks unrolled, so that the FMAs do not form
    one chain); the zero points leave the loop as `sum_b s_b * zp_b * X_b`,
    with `X_b` the input's sum over block `b` (one reduction per call),
    summed per column over vectors of blocks, the zero points read as bytes
    when they are constant whole numbers.

    `decode-cols` columns per block for a single row (rows = 1),
    `register-rows` x `register-cols` otherwise; columns past the last full
    block run one at a time, rows past the last full block one at a time.
    The weight's layout (a column's bytes contiguous over K) already
    streams: no repacking. Results differ from the generic contraction by
    the reassociation of the sums and the fused dequantization.

    ```mlir
    %r = scf.forall (%j, %i) in (32, 1) shared_outs(%o = %init) {
      %acc = scf.for %b = %c0 to %c24 step %c1 iter_args(...) {
        %w = vector.transfer_read %weight[%n, %b, %c0] : ..., vector<16xi8>
        %w32 = arith.extui %w : vector<16xi8> to vector<16xi32>
        %lo = arith.andi %w32, %c15 : vector<16xi32>
        %hi = arith.shrui %w32, %c4 : vector<16xi32>
        %q = arith.sitofp %lo : vector<16xi32> to vector<16xf32>
        %d = math.fma %q, %scale, %offset : vector<16xf32>
        %a = math.fma %even, %d, %acc0 : vector<16xf32>
        ...
    ```
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Bits of a vector register (256 for AVX2, 512 for AVX-512)">,
    Option<"decodeCols", "decode-cols", "int64_t", /*default=*/"8",
           "Columns of a block for a single row">,
    Option<"registerRows", "register-rows", "int64_t", /*default=*/"4",
           "Rows of a block for several rows">,
    Option<"registerCols", "register-cols", "int64_t", /*default=*/"4",
           "Columns of a block for several rows">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def XfmrCPUBF16MatmulPass
    : Pass<"xfmr-cpu-bf16-matmul", "::mlir::func::FuncOp"> {
  let summary = "Matmuls with packed constant weights as AVX512-BF16 dot "
                "products";
  let description = [{
    Runs on tensors, after `xfmr-cpu-pack-weights` and before
    `xfmr-cpu-tile-and-vectorize`; `xfmr-compile --precision=bf16` adds it.
    A contraction that reads a weight packed in panels, `[N/NR, K, NR]` f32
    (an f32 multiply-accumulate over `[..., M, K]` times the panels into
    `[..., M, N/NR, NR]`, NR a multiple of 16), is rewritten to:

    - a bf16 copy of the weight, rounded to nearest even at compile time and
      laid out as `[N/NR, ceil(K/2), NR, 2]` (stored as
      `[N/NR, ceil(K/2), 2 NR]`): the two rows k, k+1 of each column side by
      side, the pair that one lane of `vdpbf16ps` reads (K padded with a
      zero row when odd). The weights' memory traffic halves.
    - a bf16 copy of the activations (`arith.truncf`, round to nearest
      even), once per contraction rather than once per use.
    - a register block of `register-rows` rows by one panel, over
      `scf.forall` (rows innermost, as the f32 block) and a loop over k
      pairs. Each step loads the panel's `2 NR` bf16 values as `NR/16`
      vectors and, per row, broadcasts the row's bf16 pair to every 32-bit
      lane and accumulates `x86vector.avx512.dot` (`vdpbf16ps`) into
      `NR/16` f32 accumulators. Rows past the last full block run one at a
      time.

    Accumulation, the fill and the epilogue (bias, activation, residual)
    stay f32; the epilogue runs as its own elementwise op. Products are of
    bf16 values (8 significant bits), so results differ from f32 by about
    2^-8 relative to the magnitudes summed. Everything else in the model
    (attention, norms, softmax) stays f32.

    ```mlir
    %w = arith.constant dense_resource<W.panels.bf16> : tensor<24x384x64xbf16>
    %r = scf.forall (%b, %j, %i) in (1, 24, 16) shared_outs(%o = %init) {
      %acc = scf.for %kk = %c0 to %c384 step %c1 iter_args(...) {
        %w0 = vector.transfer_read %w[%j, %kk, %c0] : ..., vector<32xbf16>
        %a = vector.broadcast ... : i32 to vector<16xi32>
        %a2 = vector.bitcast %a : vector<16xi32> to vector<32xbf16>
        %d = x86vector.avx512.dot %acc0, %a2, %w0
            : vector<32xbf16> -> vector<16xf32>
        ...
    ```

    The lowering to LLVM must enable the X86Vector dialect
    (`convert-vector-to-llvm{enable-x86vector}`) and the target CPU must
    have `avx512bf16`.
  }];
  let options = [
    Option<"registerRows", "register-rows", "int64_t", /*default=*/"8",
           "Rows of a register block (accumulators: rows x NR/16)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect", "::mlir::x86vector::X86VectorDialect"
  ];
}

def XfmrCPUTileAndVectorizePass
    : Pass<"xfmr-cpu-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile linalg ops on tensors to vector-sized tiles and "
                "vectorize them";
  let description = [{
    Runs on tensors, after elementwise fusion and before bufferization.
    Every linalg op is tiled so that each tile is one vector operation
    that does not grow with the problem size, then vectorized with
    `linalg::vectorize` at the tile's sizes (masked where a dim is dynamic
    or a tile is partial):

    - parallel dims are tiled with `scf.forall`, which keeps them visible
      as parallel to a later multi-threaded lowering; reduction dims are
      tiled with `scf.for` inside it;
    - the innermost loop dim gets `vector-width` lanes, every other dim 1;
      when it is a reduction (a row sum, softmax's max and sum), each lane
      keeps a partial result in a loop-carried vector and the lanes are
      reduced once at the end;
    - an op whose innermost loop dim is a reduction but whose output's
      innermost dim is contiguous in an input that also runs along a
      reduction (a matmul `[.., m, n, k]`, its rhs `[k, n]`) instead gets a
      register block: `register-cols` lanes on that output dim, 1 on the
      reductions and `register-rows` on the innermost other output dim
      that the rhs does not read (the rows `m`; with a weight packed by
      `xfmr-cpu-pack-weights`, the panel dim between them gets 1), so that
      each step of the `k` loop is a block of broadcast-FMAs (one
      `vector.contract` of `m x 1` by `1 x n`) into accumulators that stay
      in registers. The blocks are an `scf.forall` with the rows innermost
      (consecutive blocks read the same columns of the rhs, which stay in
      cache); the `linalg.fill` of the init and an elementwise consumer
      over the same iteration space (bias, activation, residual add) are
      fused into it, so that a block is initialized, finished and stored
      once, in registers; the block's unit dims are dropped. A static `m`
      gets the row count, from two thirds of `register-rows` up to it, that
      pads it the least (128 rows: blocks of 4 rather than 21 of 6 and a
      partial one). An op of one row (a matrix-vector product) gets a
      block of `single-row-cols` columns instead: with two vectors, its k
      loop would be two chains of dependent FMAs, bound by their latency
      (AVX2, 1x768x3072: 2 and 4 rows took the time of 1). A block that may
      be partial gets a copy of its `k` loop without masks, taken when it
      is full;
    - the partial last step of a reduction loop is peeled off, so that the
      other steps need no masks; partial tiles of parallel dims are masked;
    - aggregate ops (`linalg.softmax`) are decomposed into their parts
      first.

    Ops on `i1` tensors (bytes in memory, bits in a vector) and ops the
    vectorizer rejects (e.g. a body gathering with `tensor.extract`) stay
    tiled and scalar: the pass never fails on a legal input. Results change
    only by the reassociation of reductions across lanes (and by the fused
    multiply-add of contractions).

    ```mlir
    // A register block of x [128, 768] times a packed weight, with a bias:
    scf.forall (%j, %m) = (0, 0) to (24, 128) step (1, 8) shared_outs(...) {
      %acc = scf.for %k = %c0 to %c768 step %c1 iter_args(%a = %zero) {
        %l = vector.transfer_read %x[%m, %k], ... : tensor<128x768xf32>, vector<8x1xf32>
        %r = vector.transfer_read %w[%j, %k, %c0], ... : tensor<24x768x32xf32>, vector<32xf32>
        ... vector.contract ... : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
      }
      %y = arith.addf %acc, %bias : vector<8x32xf32>
      vector.transfer_write %y, ...
    }
    // A tile of an elementwise op over tensor<?x?xf32>:
    scf.forall (%i, %j) = (0, 0) to (%m, %n) step (1, 16) shared_outs(...) {
      %w = affine.min affine_map<(d0)[s0] -> (-d0 + s0, 16)>(%j)[%n]
      %mask = vector.create_mask %w : vector<16xi1>
      %x = vector.transfer_read ..., %mask ... : tensor<1x?xf32>, vector<16xf32>
      ...
    }
    ```
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "Lanes of a vector (16 for f32 in a 512-bit register, 8 in a "
           "256-bit one)">,
    Option<"registerRows", "register-rows", "int64_t", /*default=*/"8",
           "Rows of accumulators in a matmul-like op's register block">,
    Option<"registerCols", "register-cols", "int64_t", /*default=*/"32",
           "Columns of a matmul-like op's register block (a multiple of "
           "vector-width)">,
    Option<"singleRowCols", "single-row-cols", "int64_t", /*default=*/"0",
           "Columns of the register block of a matmul-like op of one row "
           "(a matrix-vector product), whose few accumulators are each an "
           "FMA latency chain; 0: register-cols">,
    Option<"vectorize", "vectorize", "bool", /*default=*/"true",
           "Vectorize the tiles (when false, only tile)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect"
  ];
}

def XfmrCPUExpandBF16Pass
    : Pass<"xfmr-cpu-expand-bf16", "::mlir::func::FuncOp"> {
  let summary = "Compute bf16 in f32, and expand f32 <-> bf16 conversions "
                "into integer arithmetic";
  let description = [{
    For CPUs without bf16 conversion instructions (everything before
    AVX512-BF16: AVX2 machines, Skylake-AVX512). There LLVM lowers
    `arith.truncf` to bf16 to a call of compiler-rt's `__truncsfbf2` per
    element, and arithmetic on bf16 to f32 arithmetic and that call. The
    pass first puts arith, vector and math ops on bf16 between an
    `arith.extf` to f32 and an `arith.truncf` back (the rounding LLVM would
    do), then expands the conversions into a few integer ops that stay in
    vector registers. `arith.truncf` rounds to nearest even (NaNs stay NaNs)
    and `arith.extf` is a shift:

    ```mlir
    %b = arith.truncf %x : vector<8xf32> to vector<8xbf16>
    // becomes
    %i = arith.bitcast %x : vector<8xf32> to vector<8xi32>
    // ... + 0x7fff + ((i >> 16) & 1), NaN check, >> 16, trunci
    %b = arith.bitcast %t : vector<8xi16> to vector<8xbf16>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::vector::VectorDialect"
  ];
}

def XfmrCPUParallelizeLoopsPass
    : Pass<"xfmr-cpu-parallelize-loops", "::mlir::func::FuncOp"> {
  let summary = "Run the outermost parallel loops on threads with OpenMP";
  let description = [{
    Runs on buffers, after the vector transfers have become loops. Every
    `scf.forall` becomes an `scf.parallel`; then each outermost parallel
    loop, one that no other parallel loop encloses, that does enough work
    becomes a worksharing loop in a parallel region:

    ```mlir
    omp.parallel if(%enough) {
      omp.wsloop nowait schedule(static) {
        omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
          %ivs:2 = affine.delinearize_index %i into (16, 48) : index, index
          ...   // the loop's body, or a sequential nest over its inner dims
          omp.yield
        }
      }
      omp.terminator
    }
    ```

    - Parallel loops nested in it stay `scf.parallel` and are lowered
      sequentially: each thread runs whole outer iterations, and no region
      is entered per tile.
    - The work of a loop is estimated statically: its trip count times its
      body's, counting each op by the 512-bit vector instructions it takes
      (transcendental math at `transcendental-cost` each, inner loops with
      a dynamic trip count as `dynamic-trip-count` iterations). A loop below
      `min-work` stays sequential; one whose own trip count is dynamic gets
      an `if` clause that compares the work with `min-work` at run time,
      unless it would need more than `max-dynamic-trip-count` iterations to
      reach it (then it stays sequential).
    - The leading dims are collapsed into one, up to the first that gives
      `min-parallel-iterations` of them (or all of them), so that a static
      schedule splits the iterations evenly; the remaining dims become a
      sequential nest inside.

    Loops with reductions (`scf.reduce` with operands) are left alone. The
    number of threads is OpenMP's: `OMP_NUM_THREADS`, or every core.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"32768",
           "Estimated vector instructions below which a loop stays "
           "sequential">,
    Option<"minParallelIterations", "min-parallel-iterations", "int64_t",
           /*default=*/"64",
           "Iterations that collapsing the leading dims aims for">,
    Option<"dynamicTripCount", "dynamic-trip-count", "int64_t",
           /*default=*/"16",
           "Iterations assumed for an inner loop with a dynamic trip count">,
    Option<"maxDynamicTripCount", "max-dynamic-trip-count", "int64_t",
           /*default=*/"256",
           "Iterations a loop with a dynamic trip count is expected to reach "
           "at most: one that needs more to do min-work stays sequential">,
    Option<"transcendentalCost", "transcendental-cost", "int64_t",
           /*default=*/"16",
           "Instructions per vector of exp, tanh, erf, ... (polynomials of "
           "10 to 30 instructions)">,
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Bits of a vector register: the data one vector instruction "
           "moves">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect", "::mlir::omp::OpenMPDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // XFMR_TARGET_CPU_PASSES_TD
