/* Shared libraries that are not valid xfmr models, one per macro. */
#include <stddef.h>

#ifndef NO_SIGNATURE
const char *xfmr_model_signature(void) {
#if defined(BAD_VERSION)
  return "xfmr-model\t1\ninput\tx\tf32\t[2]\noutput\ty\tf32\t[2]\n";
#elif defined(BAD_DTYPE)
  return "xfmr-model\t2\ninput\tx\tf128\t[2]\noutput\ty\tf32\t[2]\n";
#elif defined(BAD_DIMS)
  return "xfmr-model\t2\ninput\tx\tf32\t[2,-1]\noutput\ty\tf32\t[2]\n";
#elif defined(BAD_HEADER)
  return "onnx-model\t1\n";
#else
  return NULL;
#endif
}
#endif

#ifndef NO_RUN
void xfmr_model_entry(void **args) { (void)args; }
#endif

int not_a_model(void) { return 0; }
