/* Runs one compiled model (gather_model.onnxtext) from 8 threads at once:
 * even threads with indices in range, which must give their rows, odd ones
 * with an index past the table, which must give their own error, not
 * another thread's, nor a result. Built with ThreadSanitizer. */
#include "xfmr/Runtime/xfmr_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { kThreads = 8, kRuns = 50 };
static const xfmr_model *model;
static float table[40];

static void *runMany(void *arg) {
  long t = (long)arg;
  static char failures[kThreads][200];
  char expected[200];
  snprintf(expected, sizeof(expected),
           "Gather node 'Gather_0': indices element out of data bounds, "
           "idx=%ld must be within the inclusive range [-10,9]",
           10 + t);
  for (int run = 0; run < kRuns; ++run) {
    int64_t ids[3] = {t % 10, 9, -1};
    if (t % 2)
      ids[1] = 10 + t;
    int64_t tableShape[2] = {10, 4}, idsShape[1] = {3};
    xfmr_tensor inputs[2] = {{XFMR_DTYPE_F32, 2, tableShape, table},
                             {XFMR_DTYPE_I64, 1, idsShape, ids}};
    xfmr_tensor rows;
    char *error = NULL;
    int failed = xfmr_model_run(model, 2, NULL, inputs, &rows, &error);
    if (t % 2) {
      int same = failed && error && strcmp(error, expected) == 0;
      if (!same)
        snprintf(failures[t], sizeof(failures[t]), "expected '%s', got %s",
                 expected, error ? error : "no error");
      xfmr_error_free(error);
      if (!same)
        return failures[t];
      continue;
    }
    if (failed) {
      snprintf(failures[t], sizeof(failures[t]), "%s", error);
      xfmr_error_free(error);
      return failures[t];
    }
    const float *got = (const float *)rows.data;
    for (int k = 0; k < 4; ++k)
      if (got[k] != table[(t % 10) * 4 + k] || got[4 + k] != table[36 + k] ||
          got[8 + k] != table[36 + k]) {
        xfmr_tensor_release(&rows);
        return "wrong rows";
      }
    xfmr_tensor_release(&rows);
  }
  return NULL;
}

int main(int argc, char **argv) {
  char *error = NULL;
  if (argc != 2 || !(model = xfmr_model_load(argv[1], &error))) {
    printf("load failed: %s\n", error ? error : "usage");
    return 1;
  }
  for (int i = 0; i < 40; ++i)
    table[i] = (float)i;
  pthread_t threads[kThreads];
  for (long t = 0; t < kThreads; ++t)
    pthread_create(&threads[t], NULL, runMany, (void *)t);
  for (int t = 0; t < kThreads; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    printf("thread %d: %s\n", t, result ? (const char *)result : "ok");
  }
  xfmr_model_free((xfmr_model *)model);
  return 0;
}
