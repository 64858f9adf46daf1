/* The signature and result layout shared by add_model.c and
 * cuda_add_model.c:
 *
 *   inputs:  x f32 [2,?n], y f32 [2,?n]
 *   outputs: sum f32 [2,?n], sum_t f32 [?n,2], n i64 []
 */
#ifndef XFMR_TEST_RUNTIME_ADD_MODEL_ABI_H
#define XFMR_TEST_RUNTIME_ADD_MODEL_ABI_H

#include <stdint.h>

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Memref2D;

typedef struct {
  void *allocated, *aligned;
  int64_t offset;
} Memref0D;

typedef struct {
  Memref2D sum, sum_t;
  Memref0D n;
} Results;

/* The signature's records after the header (and the target, if any). */
#define ADD_MODEL_TENSORS                                                      \
  "input\tx\tf32\t[2,?n]\n"                                                    \
  "input\ty\tf32\t[2,?n]\n"                                                    \
  "output\tsum\tf32\t[2,?n]\n"                                                 \
  "output\tsum_t\tf32\t[?n,2]\n"                                               \
  "output\tn\ti64\t[]\n"

#endif /* XFMR_TEST_RUNTIME_ADD_MODEL_ABI_H */
