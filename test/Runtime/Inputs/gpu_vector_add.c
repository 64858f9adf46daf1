/* Adds two vectors on a real GPU with the kernel of vector_add.ptx (the
 * file named on the command line), through the mgpu* functions of
 * libxfmr_runtime: once in managed memory with 64 KiB of dynamic shared
 * memory (more than the default limit), once in device memory with copies.
 */
#include "xfmr/Runtime/xfmr_runtime.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mgpu_calls.h"

enum { COUNT = 100003 };

static int reportError(const char *what) {
  char *error = NULL;
  int failed = xfmr_cuda_take_error(&error);
  printf("%s: %s\n", what, failed ? error : "ok");
  xfmr_error_free(error);
  return failed;
}

/* The number of elements of `sum` that are not x + y. */
static int countWrong(const float *x, const float *y, const float *sum) {
  int wrong = 0;
  for (int i = 0; i < COUNT; ++i)
    wrong += sum[i] != x[i] + y[i];
  return wrong;
}

int main(int argc, char **argv) {
  FILE *file = argc == 2 ? fopen(argv[1], "rb") : NULL;
  if (!file)
    return 2;
  static char ptx[1 << 16];
  size_t length = fread(ptx, 1, sizeof(ptx) - 1, file);
  fclose(file);
  ptx[length] = '\0';

  void *module = mgpuModuleLoadJIT(ptx, 2);
  void *add = mgpuModuleGetFunction(module, "add");
  void *stream = mgpuStreamCreate();
  if (reportError("load"))
    return 1;

  size_t bytes = COUNT * sizeof(float);
  float *x = mgpuMemAlloc(bytes, stream, true);
  float *y = mgpuMemAlloc(bytes, stream, true);
  float *sum = mgpuMemAlloc(bytes, stream, true);
  if (reportError("managed memory"))
    return 1;
  for (int i = 0; i < COUNT; ++i) {
    x[i] = (float)i * 0.5f;
    y[i] = (float)(COUNT - i);
  }
  uint32_t count = COUNT;
  void *params[] = {&x, &y, &sum, &count};
  mgpuLaunchKernel(add, (COUNT + 255) / 256, 1, 1, 256, 1, 1, 64 * 1024,
                   stream, params, NULL, 4);
  mgpuStreamSynchronize(stream);
  if (reportError("managed launch"))
    return 1;
  printf("managed: %d wrong\n", countWrong(x, y, sum));

  float *deviceX = mgpuMemAlloc(bytes, stream, false);
  float *deviceY = mgpuMemAlloc(bytes, stream, false);
  float *deviceSum = mgpuMemAlloc(bytes, stream, false);
  float *host = malloc(bytes);
  mgpuMemcpy(deviceX, x, bytes, stream);
  mgpuMemcpy(deviceY, y, bytes, stream);
  void *deviceParams[] = {&deviceX, &deviceY, &deviceSum, &count};
  mgpuLaunchKernel(add, (COUNT + 127) / 128, 1, 1, 128, 1, 1, 0, stream,
                   deviceParams, NULL, 4);
  mgpuMemcpy(host, deviceSum, bytes, stream);
  mgpuStreamSynchronize(stream);
  if (reportError("device launch"))
    return 1;
  printf("device: %d wrong\n", countWrong(x, y, host));

  free(host);
  mgpuMemFree(deviceX, stream);
  mgpuMemFree(deviceY, stream);
  mgpuMemFree(deviceSum, stream);
  mgpuMemFree(x, stream);
  mgpuMemFree(y, stream);
  mgpuMemFree(sum, stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  return reportError("released");
}
