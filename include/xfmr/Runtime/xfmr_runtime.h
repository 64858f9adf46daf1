/*===- xfmr_runtime.h - The C API of compiled xfmr models -----------------===*\
|*                                                                            *|
|* Part of the xfmr project, under the Apache License v2.0 with LLVM          *|
|* Exceptions. See LICENSE for license information.                           *|
|* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * Two interfaces live here.
 *
 * 1. The model ABI: what a model compiled by `xfmr-compile` exports. A model
 *    is one shared library with exactly two entry points:
 *
 *      const char *xfmr_model_signature(void);
 *      void xfmr_model_entry(void **args);
 *
 *    The signature is text, one record per line, fields separated by tabs:
 *
 *      xfmr-model<TAB>2
 *      input<TAB>NAME<TAB>DTYPE<TAB>[DIMS]
 *      output<TAB>NAME<TAB>DTYPE<TAB>[DIMS]
 *
 *      target<TAB>cpu<TAB>CPU<TAB>FEATURES
 *      target<TAB>cuda<TAB>ARCHS<TAB>
 *      weights<TAB>FILE<TAB>SIZE<TAB>HASH
 *
 *    in the order of the model's inputs and outputs. The `target` record
 *    (optional, at most one) names the CPU the code was generated for (an
 *    LLVM CPU name) and the ISA extensions it may execute (LLVM's names,
 *    comma-separated: `avx2,fma,avx512f,...`); xfmr_model_load fails, naming
 *    the missing ones, on a CPU that lacks any of them. A `cuda` model runs
 *    on an NVIDIA GPU; ARCHS are the architectures it carries code for
 *    (`sm_80,sm_90a`). Its host code calls the mgpu* functions this runtime
 *    exports (MLIR's GPU runtime calls, over the CUDA driver, which is
 *    opened at run time); its inputs are passed in managed memory and its
 *    results come back in memory from mgpuMemAlloc, which the runtime copies
 *    into host memory and frees. DTYPE is one of the
 *    names xfmr_dtype_name returns. DIMS is a comma-separated list (empty for
 *    a scalar) of sizes: a number for a static dim, `?` for a dynamic one, or
 *    `?NAME` for a dynamic dim named by the model (ONNX dim_param); dims with
 *    one name must be bound to one size at run time. The `weights` record
 *    (optional) names the file beside the library that holds the model's
 *    large weights (FILE, without a folder), its size in bytes and its
 *    xfmr_weights_hash in hex; xfmr_model_load maps it and checks both.
 *
 *    `args[0]` points at memory for the results, `args[1 + i]` at input i,
 *    then, for a model with a `weights` record, the descriptor of the mapped
 *    weights file (a 1-D memref of bytes), and last an xfmr_model_error
 *    that the caller zeroed, in which the model records the first check
 *    that failed; the results of such a run are to be freed, not used.
 *    Every tensor is a strided memref descriptor of its rank r:
 *
 *      struct { void *allocated; void *aligned; int64_t offset;
 *               int64_t sizes[r]; int64_t strides[r]; }
 *
 *    (3 + 2r words of 8 bytes). Inputs are read-only. The results are the
 *    outputs' descriptors one after another; each result's `allocated`
 *    pointer comes from malloc and belongs to the caller, who frees it.
 *    The runtime below validates the inputs' dtypes and shapes first; the
 *    model checks what depends on their values, and reads and writes
 *    nothing outside its buffers whatever the values.
 *
 * 2. The runtime API, implemented by libxfmr_runtime: load a model, read its
 *    metadata, validate inputs and run it. Every failure is returned as a
 *    message (free it with xfmr_error_free); nothing aborts the process.
 */

#ifndef XFMR_RUNTIME_XFMR_RUNTIME_H
#define XFMR_RUNTIME_XFMR_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The model ABI's version, the second field of the signature's first line.
 * 2: the entry's last argument is the run's error record. */
#define XFMR_MODEL_ABI_VERSION 2

/* Where a model reports a check that failed while it ran (an index out of
 * range, a division by zero): `message` names the ONNX node, with `{0}`,
 * `{1}` and `{2}` standing for the values. */
typedef struct xfmr_model_error {
  const char *message; /* NULL while no check has failed */
  int64_t values[3];
} xfmr_model_error;

/* The hash of a weights file: FNV-1a over its 8-byte little-endian words
 * (its size is a multiple of 64). `hash` starts at
 * XFMR_WEIGHTS_HASH_INIT; `size` is a multiple of 8. */
#define XFMR_WEIGHTS_HASH_INIT 0xcbf29ce484222325ull
static inline uint64_t xfmr_weights_hash(uint64_t hash, const void *data,
                                         size_t size) {
  const unsigned char *bytes = (const unsigned char *)data;
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t word = 0;
    for (int b = 7; b >= 0; --b)
      word = (word << 8) | bytes[i + (size_t)b];
    hash = (hash ^ word) * 0x100000001b3ull;
  }
  return hash;
}

typedef enum xfmr_dtype {
  XFMR_DTYPE_INVALID = 0,
  XFMR_DTYPE_F32,
  XFMR_DTYPE_F64,
  XFMR_DTYPE_F16,
  XFMR_DTYPE_BF16,
  XFMR_DTYPE_I8,
  XFMR_DTYPE_I16,
  XFMR_DTYPE_I32,
  XFMR_DTYPE_I64,
  XFMR_DTYPE_BOOL, /* one byte per element, 0 or 1 */
  XFMR_DTYPE_U8,
  XFMR_DTYPE_U16,
  XFMR_DTYPE_U32,
  XFMR_DTYPE_U64
} xfmr_dtype;

/* "f32", "f64", "f16", "bf16", "i8", "i16", "i32", "i64", "bool"; NULL for an
 * invalid dtype. */
const char *xfmr_dtype_name(xfmr_dtype dtype);
/* The dtype of a name above; XFMR_DTYPE_INVALID if there is none. */
xfmr_dtype xfmr_dtype_from_name(const char *name);
/* Bytes per element; 0 for an invalid dtype. */
size_t xfmr_dtype_size(xfmr_dtype dtype);

/* A dense row-major tensor. */
typedef struct xfmr_tensor {
  xfmr_dtype dtype;
  int64_t rank;
  int64_t *shape; /* rank entries */
  void *data;
} xfmr_tensor;

/* What a model declares for one input or output. */
typedef struct xfmr_tensor_info {
  const char *name;
  xfmr_dtype dtype;
  int64_t rank;
  const int64_t *shape;         /* rank entries; -1 for a dynamic dim */
  const char *const *dim_names; /* rank entries; "" for an unnamed dim */
} xfmr_tensor_info;

typedef struct xfmr_model xfmr_model;

/* Loads a compiled model (a shared library). NULL and *error on failure.
 * The first load also raises glibc's malloc thresholds (mmap: 32 MiB, trim:
 * 1 GiB), so that the buffers a model allocates and frees on every run are
 * reused from the heap instead of being mapped, zeroed by page faults and
 * unmapped each time. Set XFMR_KEEP_MALLOC=1 to leave them as they are. */
xfmr_model *xfmr_model_load(const char *path, char **error);
/* Loads a model for its signature only (inputs, outputs, target), as
 * `xfmr-run --info` does: the checks of xfmr_model_load but the GPU's; a
 * cuda model's GPU code and weights do not go to the GPU, so that no driver
 * or GPU is needed. xfmr_model_run
 * refuses such a model. Free it before loading the same file with
 * xfmr_model_load: while it is loaded, the library stays without its GPU
 * code. NULL and *error on failure. */
xfmr_model *xfmr_model_load_signature(const char *path, char **error);
/* Unloads a model; NULL is allowed. */
void xfmr_model_free(xfmr_model *model);

size_t xfmr_model_num_inputs(const xfmr_model *model);
size_t xfmr_model_num_outputs(const xfmr_model *model);
/* The i-th input or output, NULL when i is out of range. The pointers live
 * as long as the model. */
const xfmr_tensor_info *xfmr_model_input(const xfmr_model *model, size_t i);
const xfmr_tensor_info *xfmr_model_output(const xfmr_model *model, size_t i);

/* Checks inputs against the model: every input given exactly once, with its
 * dtype, rank and static dims, and named dynamic dims bound to one size
 * across inputs. `names` may be NULL, then `inputs` are in the model's order.
 * Returns 0, or 1 with *error naming the input, the expected and the given.
 */
int xfmr_model_check_inputs(const xfmr_model *model, size_t num_inputs,
                            const char *const *names,
                            const xfmr_tensor *inputs, char **error);

/* Checks the inputs as above, then runs the model. `outputs` has room for
 * xfmr_model_num_outputs entries, which are filled with tensors the caller
 * releases with xfmr_tensor_release. Returns 0, or 1 with *error. The model
 * may be run from several threads at once. */
int xfmr_model_run(const xfmr_model *model, size_t num_inputs,
                   const char *const *names, const xfmr_tensor *inputs,
                   xfmr_tensor *outputs, char **error);

/* What a model was compiled for. `kind` is "cpu", "cuda", or "" for a
 * model that does not say; `arch` the CPU (an LLVM CPU name) or the GPU
 * architectures, comma-separated; `features` the CPU's ISA extensions the
 * code may use ("" for cuda). */
typedef struct xfmr_target_info {
  const char *kind;
  const char *arch;
  const char *features;
} xfmr_target_info;

/* The model's target; lives as long as the model. NULL for a NULL model. */
const xfmr_target_info *xfmr_model_target(const xfmr_model *model);

/* Describes the GPU that cuda models run on, into `buffer` (at most `size`
 * bytes, NUL-terminated): the driver's version, the device's name and its
 * compute capability. Returns 0, or 1 with the reason there is none (no
 * driver, no device, ...). The device is 0, or the one XFMR_CUDA_DEVICE
 * names; the driver is libcuda.so.1, or the library XFMR_CUDA_DRIVER
 * names. */
int xfmr_cuda_device_info(char *buffer, size_t size);

/* The mgpu* functions that cuda models call return nothing: the first error
 * one of them meets on a thread is kept for that thread (as the CUDA
 * runtime's cudaGetLastError), and the later calls on it do nothing until it
 * is taken. xfmr_model_load and xfmr_model_run take it and report it
 * themselves; programs that call the mgpu* functions directly take it here.
 * Returns 1 with *error (free it with xfmr_error_free) when the calling
 * thread had one, then forgotten; 0 otherwise. */
int xfmr_cuda_take_error(char **error);

/* Frees the shape and data of a tensor that xfmr_model_run filled. */
void xfmr_tensor_release(xfmr_tensor *tensor);
/* Frees an error message; NULL is allowed. */
void xfmr_error_free(char *error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* XFMR_RUNTIME_XFMR_RUNTIME_H */
