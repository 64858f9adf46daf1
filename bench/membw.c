/*
 * membw: the read bandwidth of this machine, STREAM-like: the sum of a
 * buffer of SIZE MiB read again and again (8 lanes of 64-bit integers per
 * step, so the loop is bound by the loads, not by the adds), best of RUNS
 * passes, on THREADS OpenMP threads each reading its own slice.
 *
 *   cc -O3 -march=native -fopenmp bench/membw.c -o membw
 *   ./membw [SIZE_MIB=1024] [RUNS=10] [THREADS=1]
 *
 * A buffer much larger than the last-level cache gives the memory's
 * bandwidth; one of the size of a model's weights shows what a loop that
 * rereads them from the caches could reach. Prints one line: MiB, threads,
 * best GB/s (10^9 bytes per second).
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  size_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 1024;
  int runs = argc > 2 ? atoi(argv[2]) : 10;
  int threads = argc > 3 ? atoi(argv[3]) : 1;
  size_t bytes = mib << 20, words = bytes / sizeof(uint64_t);
  uint64_t *buffer = aligned_alloc(64, bytes);
  if (!buffer) {
    fprintf(stderr, "membw: cannot allocate %zu MiB\n", mib);
    return 1;
  }
  omp_set_num_threads(threads);
  /* Each thread first touches its own slice (its pages then sit near it). */
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < words; ++i)
    buffer[i] = i;
  double best = 0;
  uint64_t check = 0;
  for (int run = 0; run < runs; ++run) {
    double start = now();
    uint64_t total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (size_t i = 0; i < words; i += 8) {
      uint64_t s = 0;
      for (int j = 0; j < 8; ++j)
        s += buffer[i + j];
      total += s;
    }
    double seconds = now() - start;
    check += total;
    double rate = bytes / seconds / 1e9;
    if (rate > best)
      best = rate;
  }
  printf("%zu MiB, %d threads: %.2f GB/s (check %llu)\n", mib, threads, best,
         (unsigned long long)(check & 0xff));
  free(buffer);
  return 0;
}
