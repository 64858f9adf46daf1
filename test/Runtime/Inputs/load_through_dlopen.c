/* Opens libxfmr_runtime with RTLD_LOCAL, as Python's ctypes does, and loads
 * the model named on the command line through it: the model's host code
 * must still find the runtime's mgpu* functions. Prints the model's target,
 * or the error. */
#include "xfmr/Runtime/xfmr_runtime.h"

#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  void *runtime = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!runtime) {
    printf("cannot open the runtime: %s\n", dlerror());
    return 1;
  }
  xfmr_model *(*load)(const char *, char **) =
      (xfmr_model * (*)(const char *, char **)) dlsym(runtime, "xfmr_model_load");
  const xfmr_target_info *(*target)(const xfmr_model *) =
      (const xfmr_target_info *(*)(const xfmr_model *))dlsym(
          runtime, "xfmr_model_target");
  void (*release)(xfmr_model *) =
      (void (*)(xfmr_model *))dlsym(runtime, "xfmr_model_free");
  char *error = NULL;
  xfmr_model *model = load(argv[2], &error);
  if (!model) {
    printf("error: %s\n", error);
    return 1;
  }
  printf("loaded: %s %s\n", target(model)->kind, target(model)->arch);
  release(model);
  return 0;
}
