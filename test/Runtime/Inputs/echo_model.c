/* A model written by hand against the xfmr model ABI that returns a copy of
 * each of its inputs, of several dtypes:
 *
 *   inputs:  ids i64 [?batch,?seq], attention_mask i64 [?batch,?seq],
 *            h bf16 [?seq,4], scale f16 [?], flag bool []
 *   outputs: the same, named NAME/out
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[];
} Memref;

const char *xfmr_model_signature(void) {
  return "xfmr-model\t2\n"
         "input\tids\ti64\t[?batch,?seq]\n"
         "input\tattention_mask\ti64\t[?batch,?seq]\n"
         "input\th\tbf16\t[?seq,4]\n"
         "input\tscale\tf16\t[?]\n"
         "input\tflag\tbool\t[]\n"
         "output\tids/out\ti64\t[?batch,?seq]\n"
         "output\tattention_mask/out\ti64\t[?batch,?seq]\n"
         "output\th/out\tbf16\t[?seq,4]\n"
         "output\tscale/out\tf16\t[?]\n"
         "output\tflag/out\tbool\t[]\n";
}

/* Copies a dense input of rank `rank` into the result words at `out`;
 * returns the words that follow. */
static int64_t *echo(const Memref *in, int64_t rank, size_t elementSize,
                     int64_t *out) {
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d)
    count *= in->sizes[d];
  void *data = malloc(elementSize * (size_t)count + 1);
  memcpy(data, (const char *)in->aligned + in->offset * elementSize,
         elementSize * (size_t)count);
  Memref *result = (Memref *)out;
  result->allocated = result->aligned = data;
  result->offset = 0;
  memcpy(result->sizes, in->sizes, 2 * rank * sizeof(int64_t));
  return out + 3 + 2 * rank;
}

void xfmr_model_entry(void **args) {
  int64_t *out = (int64_t *)args[0];
  out = echo((const Memref *)args[1], 2, 8, out);
  out = echo((const Memref *)args[2], 2, 8, out);
  out = echo((const Memref *)args[3], 2, 2, out);
  out = echo((const Memref *)args[4], 1, 2, out);
  echo((const Memref *)args[5], 0, 1, out);
}
