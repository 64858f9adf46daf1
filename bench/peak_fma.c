/*===- peak_fma.c - This machine's peak FP32 FMA rate ---------------------===*\
|*                                                                            *|
|* Part of the xfmr project, under the Apache License v2.0 with LLVM          *|
|* Exceptions. See LICENSE for license information.                           *|
|* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * A measurement tool for bench/run_benchmarks.py, not a kernel: it reports
 * the FP32 rate of fused multiply-adds of one vector width, the ceiling a
 * GEMM's GFLOP/s is compared with. The width is the ISA the GEMMs were
 * compiled for: 512-bit AVX-512 FMAs when built with -mavx512f, else
 * 256-bit AVX2 FMAs (-mavx2 -mfma); PEAK_FMA_BITS=256 or 512 forces one.
 * Both matter on one machine: xfmr compiles for either (--mcpu), and the
 * two peaks differ on cores with 512-bit FMA units, and are the same on
 * cores (Zen 4) that split a 512-bit FMA in two.
 *
 * Each thread runs CHAINS independent chains of FMAs, enough to cover the
 * FMA latency times the number of FMA pipes, so the rate is the pipes'
 * throughput; 12 chains and two constants fit in AVX2's 16 registers too.
 * One thread gives the per-core peak; one thread per core, started
 * together, the all-core peak (total FLOPs over the slowest thread's
 * time). Each is the best of REPEATS timings, which filters out time lost
 * to other processes.
 *
 * Build: clang-22 -O2 -mavx512f -pthread bench/peak_fma.c -o peak_fma
 *        clang-22 -O2 -mavx2 -mfma -pthread bench/peak_fma.c -o peak_fma
 * Usage: peak_fma [THREADS]   (default: the online CPUs)
 * Output, one line each: "per-core GFLOP/s", "all-core GFLOP/s",
 * "threads" and "isa" (avx512 or avx2).
 */

#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef PEAK_FMA_BITS
#ifdef __AVX512F__
#define PEAK_FMA_BITS 512
#else
#define PEAK_FMA_BITS 256
#endif
#endif

#if PEAK_FMA_BITS == 512
typedef __m512 vec;
#define VEC_SET1 _mm512_set1_ps
#define VEC_FMADD _mm512_fmadd_ps
#define ISA_NAME "avx512"
static float vec_sum(vec v) { return _mm512_reduce_add_ps(v); }
#elif PEAK_FMA_BITS == 256
typedef __m256 vec;
#define VEC_SET1 _mm256_set1_ps
#define VEC_FMADD _mm256_fmadd_ps
#define ISA_NAME "avx2"
static float vec_sum(vec v) {
  float lanes[8];
  _mm256_storeu_ps(lanes, v);
  float s = 0;
  for (int i = 0; i < 8; ++i)
    s += lanes[i];
  return s;
}
#else
#error "PEAK_FMA_BITS must be 256 or 512"
#endif

enum { CHAINS = 12, REPEATS = 200, LANES = PEAK_FMA_BITS / 32 };
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
  vec acc[CHAINS];
  const vec b = VEC_SET1(1.0000001f), c = VEC_SET1(1e-7f);
  for (int j = 0; j < CHAINS; ++j)
    acc[j] = VEC_SET1((float)j);
  pthread_barrier_wait(w->start);
  double t = now();
  for (long i = 0; i < ITERATIONS; ++i) {
    /* CHAINS independent dependency chains; the constant trip count makes
     * the compiler unroll the loop and keep every chain in a register. */
#pragma clang loop unroll(full)
    for (int j = 0; j < CHAINS; ++j)
      acc[j] = VEC_FMADD(acc[j], b, c);
  }
  w->seconds = now() - t;
  float s = 0;
  for (int j = 0; j < CHAINS; ++j)
    s += vec_sum(acc[j]);
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
    /* 2 FLOPs per lane. */
    double gflops =
        (double)threads * ITERATIONS * CHAINS * LANES * 2 / slowest / 1e9;
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
  printf("isa %s\n", ISA_NAME);
  return 0;
}
