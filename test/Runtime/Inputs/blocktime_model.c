/* add_model.c with a kmp_set_blocktime of its own, standing in for the
 * one of libomp that a compiled model loads: it reports each call. */
#include "add_model.c"

#include <stdio.h>

void kmp_set_blocktime(int milliseconds) {
  printf("kmp_set_blocktime %d\n", milliseconds);
}
