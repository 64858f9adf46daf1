//===- Passes.td - Passes every target's pipeline runs ----*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The passes that make a compiled model out of the linalg form, whatever
// the target: the model's entry and its ABI, its weights file, and the
// tensor and loop clean-ups both the CPU and the NVPTX pipelines run.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TARGET_COMMON_PASSES_TD
#define XFMR_TARGET_COMMON_PASSES_TD

include "mlir/Pass/PassBase.td"

def XfmrPrepareEntryPass : Pass<"xfmr-prepare-entry", "ModuleOp"> {
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

def XfmrEmitModelABIPass : Pass<"xfmr-emit-model-abi", "ModuleOp"> {
  let summary = "Emit the model ABI's entry points in the LLVM dialect";
  let description = [{
    Runs after lowering to the LLVM dialect. Emits the two functions every
    compiled model exports: `xfmr_model_signature`, returning the text that
    `xfmr-prepare-entry` recorded, and `xfmr_model_entry(void **args)`,
    which passes `args[0]` (the results) and `args[1..n]` (the inputs'
    memref descriptors) on to the model's C wrapper. Every other function
    becomes internal, so the shared library exports only the ABI.

    The pointer after the wrapper's is the run's error record
    (`xfmr_model_error`). Calls of `xfmr_check_failed`, which the
    lowerings' run-time checks make, become calls of a recorder that writes
    the first failure (its message, from the call's location, and its
    values) into that record, reached through a thread-local slot the entry
    sets for the length of the run.

    With `cpu` set, the signature gains a `target` record naming the CPU
    and the ISA extensions the code may execute (`required-features`), which
    the runtime checks before it runs the model: a model compiled for a CPU
    the host cannot run fails to load with the missing features named,
    instead of faulting on its first AVX-512 instruction.

    ```
    target<TAB>cpu<TAB>x86-64-v3<TAB>avx,avx2,bmi,bmi2,f16c,fma,...
    ```

    A model whose kernels run on a GPU names its runtime kind and the GPU
    architectures instead (`runtime-kind=cuda cpu=sm_80,sm_90a`):

    ```
    target<TAB>cuda<TAB>sm_80,sm_90a<TAB>
    ```
  }];
  let options = [
    Option<"runtimeKind", "runtime-kind", "std::string", /*default=*/"\"cpu\"",
           "How the runtime runs the model: cpu, or cuda">,
    Option<"cpu", "cpu", "std::string", /*default=*/"\"\"",
           "The CPU (for cuda: the GPU architectures) the code was "
           "generated for (empty: no target record)">,
    ListOption<"requiredFeatures", "required-features", "std::string",
               "ISA extensions the code may execute (LLVM names)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def XfmrExternalizeWeightsPass
    : Pass<"xfmr-externalize-weights", "ModuleOp"> {
  let summary = "Move large constant buffers into a weights file";
  let description = [{
    Runs after bufferization. Every constant `memref.global` of at least
    `threshold` bytes is written to `weights-file` (each at a multiple of
    64 bytes, padded with zeros to one) and removed; its `memref.get_global`
    in the entry function becomes a `memref.view` of a new last argument of
    the entry, `memref<?xi8>`, which the runtime binds to the file mapped in
    memory. The signature gains a record naming the file (beside the
    library), its size and its hash (`xfmr_weights_hash` of
    `xfmr_runtime.h`):

    ```
    weights<TAB>model.weights<TAB>SIZE<TAB>HASH
    ```

    A model's weights then never pass through LLVM IR, the object file or
    the library, whose data would be limited to 2 GiB by x86-64's 32-bit
    relocations. With `weights-file` empty the pass does nothing.
  }];
  let options = [
    Option<"weightsFile", "weights-file", "std::string", /*default=*/"\"\"",
           "The file to write (empty: keep every weight in the library)">,
    Option<"threshold", "threshold", "int64_t", /*default=*/"1 << 20",
           "Bytes from which a constant buffer moves to the file">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def XfmrStridedCopiesToLinalgPass
    : Pass<"xfmr-strided-copies-to-linalg", "func::FuncOp"> {
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

def XfmrFuseElementwisePass
    : Pass<"xfmr-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse elementwise linalg ops and move reshapes through them, "
                "leaving contractions as they are";
  let description = [{
    Runs on tensors, before tiling. MLIR's elementwise fusion and reshape
    propagation, with two limits that keep matmuls on the register-block
    path:

    - a producer fuses into a consumer only if the consumer reads each of
      its elements once (the operand's indexing map is a permutation of the
      consumer's loops): fused into a matmul's lhs, an elementwise producer
      would run once per output column;
    - a `tensor.expand_shape` or `tensor.collapse_shape` moves through a
      linalg op only if all its loops are parallel: the head-split reshape
      after a projection would otherwise turn `[M,K]x[K,N]` into a
      five-loop contraction with the weight expanded to `[K,H,D]`.

    Fusion needs the producer's only use. Generics of constants fold at
    compile time.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def XfmrOpaqueSizeSelectsPass
    : Pass<"xfmr-opaque-size-selects", "::mlir::func::FuncOp"> {
  let summary = "Compute index selects on i64, hidden from value-bounds "
                "analysis, before bufferization";
  let description = [{
    One-Shot Bufferize asks `ValueBoundsConstraintSet` whether an
    `extract_slice` and an `insert_slice` cover the same subset. Its model
    of `arith.select` compares the two branches with nested analyses, so a
    chain of selects costs time exponential in its length, and dynamic
    shapes are full of such chains: a broadcast dim is `a == 1 ? b : a` of
    the previous one, a run-time reshape's -1 is a select of the inferred
    size. On GPT-2 with every dim dynamic that was minutes of compile time.
    Each `arith.select` of `index` outside a linalg body becomes the same
    select on i64 between two `arith.index_cast`s, which the analysis treats
    as an opaque value; the machine code is the same.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def XfmrApproximateMathPass
    : Pass<"xfmr-approximate-math", "::mlir::func::FuncOp"> {
  let summary = "Replace exp, tanh, erf and log by polynomial approximations";
  let description = [{
    `math.exp`, `expm1`, `tanh`, `erf`, `log`, `log1p` and `log2` on f32
    (scalars or vectors; narrower floats are computed in f32) become
    MLIR's polynomial approximations: arithmetic that stays in vector
    registers, where LLVM would call libm once per lane. `sin` and `cos`
    stay libm calls, since rotary embeddings evaluate them far outside the
    approximations' accurate range.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // XFMR_TARGET_COMMON_PASSES_TD
