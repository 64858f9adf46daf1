/* A cuda model written by hand against the xfmr model ABI: its host code
 * calls the mgpu* functions of libxfmr_runtime as MLIR's GPU lowering does,
 * its "GPU code" is for the test's stand-in driver (fake_libcuda.c).
 *
 *   target:  cuda sm_80,sm_90a
 *   inputs:  x f32 [2,?n], y f32 [2,?n]
 *   outputs: sum f32 [2,?n]   = x + y, by the kernel "add", in managed memory
 *            sum_t f32 [?n,2] = sum transposed: a strided view of sum's buffer
 *            n i64 []         = n, in host memory at offset 1 of its buffer
 *
 * -DSHARED_BYTES=N launches with N bytes of dynamic shared memory; -DPTX
 * loads PTX text (that the stand-in refuses) through mgpuModuleLoadJIT;
 * -DPTX_IMAGE loads the real kernel of vector_add.ptx, from a header the
 * test writes, for a real GPU; -DNO_CONSTRUCTOR never loads its kernels.
 */
#include "add_model_abi.h"
#include "mgpu_calls.h"

#include <stdlib.h>

#ifndef SHARED_BYTES
#define SHARED_BYTES 0
#endif

const char *xfmr_model_signature(void) {
  return "xfmr-model\t2\n"
         "target\tcuda\tsm_80,sm_90a\t\n" ADD_MODEL_TENSORS;
}

static void *module;

#if defined(PTX_IMAGE)
/* static char image[] = "<vector_add.ptx>"; written by the test. */
#include "ptx_image.h"
#elif defined(PTX)
static char image[] = ".version 8.7\n.target sm_90a\n.address_size 64\n";
#else
static char image[] = "FAKEBIN: the kernel 'add'";
#endif

#ifndef NO_CONSTRUCTOR
__attribute__((constructor))
#endif
static void load(void) {
#ifdef PTX
  module = mgpuModuleLoadJIT(image, 2);
#else
  /* PTX text too: the runtime tells it from a binary. */
  module = mgpuModuleLoad(image, sizeof(image));
#endif
}

__attribute__((destructor)) static void unload(void) {
  mgpuModuleUnload(module);
}

void xfmr_model_entry(void **args) {
  Results *results = (Results *)args[0];
  const Memref2D *x = (const Memref2D *)args[1];
  const Memref2D *y = (const Memref2D *)args[2];
  int64_t n = x->sizes[1];
  uint32_t count = (uint32_t)(2 * n);
  void *add = mgpuModuleGetFunction(module, "add");
  void *stream = mgpuStreamCreate();
  float *sum = (float *)mgpuMemAlloc(sizeof(float) * count, stream, true);
  /* Host code may write into managed memory itself, and checks nothing. */
  sum[0] = -1;
  void *params[] = {(void *)&x->aligned, (void *)&y->aligned, &sum, &count};
  mgpuLaunchKernel(add, (count + 255) / 256, 1, 1, count < 256 ? count : 256,
                   1, 1, SHARED_BYTES, stream, params, NULL, 4);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  results->sum = (Memref2D){sum, sum, 0, {2, n}, {n, 1}};
  results->sum_t = (Memref2D){sum, sum, 0, {n, 2}, {1, n}};
  int64_t *size = (int64_t *)malloc(2 * sizeof(int64_t));
  size[0] = -1;
  size[1] = n;
  results->n = (Memref0D){size, size, 1};
}
