/*===- peak_fma.c - This machine's peak FP32 FMA rate ---------------------===*\
|*                                                                            *|
|* Part of the xfmr project, under the Apache License v2.0 with LLVM          *|
|* Exceptions. See LICENSE for license information.                           *|
|* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * A measurement tool for bench/run_benchmarks.py, not a kernel: it reports
 * the FP32 rate of AVX-512 fused multiply-adds, the ceiling a GEMM's
 * GFLOP/s is compared with. Each thread runs CHAINS independent chains of
 * 512-bit FMAs, enough to cover the FMA latency times the number of FMA
 * pipes, so the rate is the pipes' throughput. One thread gives the
 * per-core peak; one thread per core, started together, the all-core peak
 * (total FLOPs over the slowest thread's time). Each is the best of REPEATS
 * timings, which filters out time lost to other processes.
 *
 * Build: clang-22 -O2 -mavx512f -pthread bench/peak_fma.c -o peak_fma
 * Usage: peak_fma [THREADS]   (default: the online CPUs)
 * Output, one line each: "per-core GFLOP/s" and "all-core GFLOP/s".
 */

#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { CHAINS = 12, REPEATS = 200 };
/* Short timings, many of them: ~1.5 ms a thread at 250 GFLOP/s, so that
 * the best of them likely ran while no other process held the core. */
static const long ITERATIONS = 1000000;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
  pthread_barrier_t *start;
  double seconds;
  float sink;
} worker;

static void *run_chains(void *arg) {
  worker *w = arg;
  __m512 acc[CHAINS];
  const __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
  for (int j = 0; j < CHAINS; ++j)
    acc[j] = _mm512_set1_ps((float)j);
  pthread_barrier_wait(w->start);
  double t = now();
  for (long i = 0; i < ITERATIONS; ++i) {
    /* CHAINS independent dependency chains; the constant trip count makes
     * the compiler unroll the loop and keep every chain in a register. */
#pragma clang loop unroll(full)
    for (int j = 0; j < CHAINS; ++j)
      acc[j] = _mm512_fmadd_ps(acc[j], b, c);
  }
  w->seconds = now() - t;
  float s = 0;
  for (int j = 0; j < CHAINS; ++j)
    s += _mm512_reduce_add_ps(acc[j]);
  w->sink = s; /* keeps the chains alive */
  return NULL;
}

/* GFLOP/s of `threads` threads started together: total FLOPs over the
 * slowest thread's time, best of REPEATS. */
static double peak(int threads) {
  worker *workers = calloc(threads, sizeof(worker));
  pthread_t *ids = calloc(threads, sizeof(pthread_t));
  pthread_barrier_t start;
  double best = 0;
  for (int r = 0; r < REPEATS; ++r) {
    pthread_barrier_init(&start, NULL, threads);
    for (int t = 0; t < threads; ++t) {
      workers[t].start = &start;
      pthread_create(&ids[t], NULL, run_chains, &workers[t]);
    }
    double slowest = 0;
    for (int t = 0; t < threads; ++t) {
      pthread_join(ids[t], NULL);
      if (workers[t].seconds > slowest)
        slowest = workers[t].seconds;
    }
    pthread_barrier_destroy(&start);
    /* 2 FLOPs per lane, 16 lanes per FMA. */
    double gflops = (double)threads * ITERATIONS * CHAINS * 32 / slowest / 1e9;
    if (gflops > best)
      best = gflops;
  }
  free(ids);
  free(workers);
  return best;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1)
    threads = 1;
  printf("per-core GFLOP/s %.1f\n", peak(1));
  printf("all-core GFLOP/s %.1f\n", peak(threads));
  printf("threads %d\n", threads);
  return 0;
}
