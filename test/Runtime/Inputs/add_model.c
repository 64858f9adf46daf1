/* A model written by hand against the xfmr model ABI.
 *
 *   inputs:  x f32 [2,?n], y f32 [2,?n]
 *   outputs: sum f32 [2,?n]   = x + y, a buffer of its own
 *            sum_t f32 [?n,2] = sum transposed: a strided view of sum's buffer
 *            n i64 []         = n, at offset 1 of its buffer
 *
 * Like a compiled model's run-time checks, it reports a NaN in x[0,0]
 * through the run's error record, and still returns its results.
 */
#include "add_model_abi.h"

#include <stdlib.h>

const char *xfmr_model_signature(void) {
  return "xfmr-model\t2\n" ADD_MODEL_TENSORS;
}

static float at(const Memref2D *m, int64_t i, int64_t j) {
  return ((const float *)m->aligned)[m->offset + i * m->strides[0] +
                                     j * m->strides[1]];
}

typedef struct {
  const char *message;
  int64_t values[3];
} ModelError;

void xfmr_model_entry(void **args) {
  Results *results = (Results *)args[0];
  const Memref2D *x = (const Memref2D *)args[1];
  const Memref2D *y = (const Memref2D *)args[2];
  ModelError *error = (ModelError *)args[3];
  int64_t n = x->sizes[1];
  if (n > 0 && at(x, 0, 0) != at(x, 0, 0)) {
    error->message = "Add node 'sum': x[0,0] is NaN, n={0} ({1},{2}) {x}";
    error->values[0] = n;
    error->values[1] = -1;
    error->values[2] = 9000000000000000000;
  }
  float *sum = (float *)malloc(sizeof(float) * (size_t)(2 * n + 1));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < n; ++j)
      sum[i * n + j] = at(x, i, j) + at(y, i, j);
  results->sum = (Memref2D){sum, sum, 0, {2, n}, {n, 1}};
  results->sum_t = (Memref2D){sum, sum, 0, {n, 2}, {1, n}};
  int64_t *count = (int64_t *)malloc(2 * sizeof(int64_t));
  count[0] = -1;
  count[1] = n;
  results->n = (Memref0D){count, count, 1};
}
