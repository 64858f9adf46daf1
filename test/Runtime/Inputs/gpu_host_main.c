/* Calls the lowered gpu_host_code.mlir (its memref argument expanded, as
 * MLIR's calling convention has it) and prints the data that went to the
 * "GPU" and back, and the error the mgpu* functions recorded. */
#include "xfmr/Runtime/xfmr_runtime.h"

#include <stdint.h>
#include <stdio.h>

void run(float *allocated, float *aligned, int64_t offset, int64_t size,
         int64_t stride);

int main(void) {
  float data[4] = {1, 2, 3, 4};
  run(data, data, 0, 4, 1);
  char *error = NULL;
  int failed = xfmr_cuda_take_error(&error);
  printf("data: %g %g %g %g\n", data[0], data[1], data[2], data[3]);
  printf("error: %d %s\n", failed, failed ? error : "none");
  xfmr_error_free(error);
  return failed;
}
