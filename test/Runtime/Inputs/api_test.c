/* Drives libxfmr_runtime's C API directly on add_model.so: metadata, input
 * checks, runs by position and by name, and runs from several threads. */
#include "xfmr/Runtime/xfmr_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const xfmr_model *model;

static void printInfo(const char *kind, const xfmr_tensor_info *info) {
  printf("%s %s %s [", kind, info->name, xfmr_dtype_name(info->dtype));
  for (int64_t d = 0; d < info->rank; ++d)
    printf("%s%lld%s%s", d ? "," : "", (long long)info->shape[d],
           info->dim_names[d][0] ? ":" : "", info->dim_names[d]);
  printf("]\n");
}

/* Prints the check's verdict on inputs whose shapes are given. */
static void check(const char *label, size_t count, const char *const *names,
                  xfmr_dtype dtype, int64_t rank, int64_t *shapeX,
                  int64_t *shapeY) {
  static float data[64];
  xfmr_tensor inputs[3] = {{dtype, rank, shapeX, data},
                           {XFMR_DTYPE_F32, 2, shapeY, data},
                           {XFMR_DTYPE_F32, 2, shapeY, data}};
  char *error = NULL;
  int failed = xfmr_model_check_inputs(model, count, names, inputs, &error);
  printf("%s: %d %s\n", label, failed, error ? error : "ok");
  xfmr_error_free(error);
}

static void *runMany(void *arg) {
  float base = *(const float *)arg;
  for (int iteration = 0; iteration < 200; ++iteration) {
    float x[6], y[6];
    for (int i = 0; i < 6; ++i) {
      x[i] = base + (float)i;
      y[i] = (float)iteration;
    }
    int64_t shape[2] = {2, 3};
    xfmr_tensor inputs[2] = {{XFMR_DTYPE_F32, 2, shape, x},
                             {XFMR_DTYPE_F32, 2, shape, y}};
    xfmr_tensor outputs[3];
    char *error = NULL;
    if (xfmr_model_run(model, 2, NULL, inputs, outputs, &error))
      return error;
    for (int i = 0; i < 6; ++i)
      if (((float *)outputs[0].data)[i] != x[i] + y[i])
        return "wrong result";
    for (int i = 0; i < 3; ++i)
      xfmr_tensor_release(&outputs[i]);
  }
  return NULL;
}

int main(int argc, char **argv) {
  char *error = NULL;
  if (argc != 2 || !(model = xfmr_model_load(argv[1], &error))) {
    printf("load failed: %s\n", error ? error : "usage");
    return 1;
  }
  for (size_t i = 0; i < xfmr_model_num_inputs(model); ++i)
    printInfo("input", xfmr_model_input(model, i));
  for (size_t i = 0; i < xfmr_model_num_outputs(model); ++i)
    printInfo("output", xfmr_model_output(model, i));
  printf("past the end: %p %p\n", (void *)xfmr_model_input(model, 2),
         (void *)xfmr_model_output(model, 3));

  int64_t s23[2] = {2, 3}, s24[2] = {2, 4}, s33[2] = {3, 3}, bad[2] = {2, -3};
  const char *byName[2] = {"y", "x"};
  const char *unknown[2] = {"x", "z"};
  const char *twice[2] = {"x", "x"};
  check("good", 2, NULL, XFMR_DTYPE_F32, 2, s23, s23);
  check("by name", 2, byName, XFMR_DTYPE_F32, 2, s23, s23);
  check("count", 3, NULL, XFMR_DTYPE_F32, 2, s23, s23);
  check("unknown", 2, unknown, XFMR_DTYPE_F32, 2, s23, s23);
  check("twice", 2, twice, XFMR_DTYPE_F32, 2, s23, s23);
  check("missing", 1, byName, XFMR_DTYPE_F32, 2, s23, s23);
  check("dtype", 2, NULL, XFMR_DTYPE_I64, 2, s23, s23);
  check("rank", 2, NULL, XFMR_DTYPE_F32, 1, s23, s23);
  check("static", 2, NULL, XFMR_DTYPE_F32, 2, s33, s23);
  check("named", 2, NULL, XFMR_DTYPE_F32, 2, s23, s24);
  check("negative", 2, NULL, XFMR_DTYPE_F32, 2, bad, s23);

  float x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {10, 20, 30, 40, 50, 60};
  xfmr_tensor inputs[2] = {{XFMR_DTYPE_F32, 2, s23, y},
                           {XFMR_DTYPE_F32, 2, s23, x}};
  xfmr_tensor outputs[3];
  if (xfmr_model_run(model, 2, byName, inputs, outputs, &error)) {
    printf("run failed: %s\n", error);
    return 1;
  }
  for (int i = 0; i < 3; ++i) {
    printf("%s %s rank %lld:", xfmr_model_output(model, i)->name,
           xfmr_dtype_name(outputs[i].dtype), (long long)outputs[i].rank);
    int64_t count = 1;
    for (int64_t d = 0; d < outputs[i].rank; ++d)
      count *= outputs[i].shape[d];
    for (int64_t k = 0; k < count; ++k) {
      if (outputs[i].dtype == XFMR_DTYPE_F32)
        printf(" %g", ((float *)outputs[i].data)[k]);
      else
        printf(" %lld", ((long long *)outputs[i].data)[k]);
    }
    printf("\n");
    xfmr_tensor_release(&outputs[i]);
  }

  /* A check that fails inside the model: an error, and no outputs. */
  x[0] = 0.0f / 0.0f;
  int failed = xfmr_model_run(model, 2, byName, inputs, outputs, &error);
  printf("model check: %d %s\n", failed, error ? error : "ok");
  xfmr_error_free(error);

  pthread_t threads[4];
  float bases[4] = {0, 100, 200, 300};
  for (int t = 0; t < 4; ++t)
    pthread_create(&threads[t], NULL, runMany, &bases[t]);
  for (int t = 0; t < 4; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    printf("thread %d: %s\n", t, result ? (const char *)result : "ok");
  }
  xfmr_model_free((xfmr_model *)model);
  xfmr_model_free(NULL);
  return 0;
}
