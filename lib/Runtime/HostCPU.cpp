//===- HostCPU.cpp - The ISA extensions of the CPU running a model --------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A model compiled for AVX-512 faults with SIGILL on its first instruction
// on an AVX2 machine. The model records the extensions its code may use
// (by LLVM's names) and the runtime checks them here, with cpuid, before it
// runs anything. An extension that needs the operating system to save
// wider registers (AVX, AVX-512, AMX) also needs the OS to have enabled
// that state (XCR0), as a CPU can have the instructions and the OS not.
//
//===----------------------------------------------------------------------===//

#include "RuntimeImpl.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

using namespace xfmr::runtime;

namespace {

/// Where cpuid reports an extension: leaf, subleaf, register, bit.
enum Reg { EAX, EBX, ECX, EDX };
struct FeatureBit {
  const char *name;
  unsigned leaf, subleaf;
  Reg reg;
  unsigned bit;
  /// XCR0 bits the OS must have set (0 for none).
  uint64_t osState;
};

constexpr uint64_t kAVXState = 0x6;     // SSE and AVX registers
constexpr uint64_t kAVX512State = 0xe6; // plus opmask and zmm registers
constexpr uint64_t kAMXState = 0x60000; // tile config and tile data

// The names are those the compiler records (kCheckedFeatures in
// lib/Target/CPU/CPUTargetDescription.cpp): a name missing here makes every
// model that records it fail to load.
constexpr FeatureBit kFeatures[] = {
    {"sse3", 1, 0, ECX, 0, 0},
    {"ssse3", 1, 0, ECX, 9, 0},
    {"fma", 1, 0, ECX, 12, kAVXState},
    {"sse4.1", 1, 0, ECX, 19, 0},
    {"sse4.2", 1, 0, ECX, 20, 0},
    {"popcnt", 1, 0, ECX, 23, 0},
    {"avx", 1, 0, ECX, 28, kAVXState},
    {"f16c", 1, 0, ECX, 29, kAVXState},
    {"bmi", 7, 0, EBX, 3, 0},
    {"avx2", 7, 0, EBX, 5, kAVXState},
    {"bmi2", 7, 0, EBX, 8, 0},
    {"avx512f", 7, 0, EBX, 16, kAVX512State},
    {"avx512dq", 7, 0, EBX, 17, kAVX512State},
    {"avx512cd", 7, 0, EBX, 28, kAVX512State},
    {"avx512bw", 7, 0, EBX, 30, kAVX512State},
    {"avx512vl", 7, 0, EBX, 31, kAVX512State},
    {"avx512vbmi", 7, 0, ECX, 1, kAVX512State},
    {"avx512vnni", 7, 0, ECX, 11, kAVX512State},
    {"amx-bf16", 7, 0, EDX, 22, kAMXState},
    {"amx-tile", 7, 0, EDX, 24, kAMXState},
    {"amx-int8", 7, 0, EDX, 25, kAMXState},
    {"avxvnni", 7, 1, EAX, 4, kAVXState},
    {"avx512bf16", 7, 1, EAX, 5, kAVX512State},
};

} // namespace

#if defined(__x86_64__) || defined(__i386__)

/// Registers of cpuid(leaf, subleaf); all zero where the leaf is absent.
static void cpuid(unsigned leaf, unsigned subleaf, unsigned regs[4]) {
  std::memset(regs, 0, 4 * sizeof(unsigned));
  if (__get_cpuid_max(leaf & 0x80000000u, nullptr) < leaf)
    return;
  __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
}

static uint64_t osEnabledState() {
  unsigned regs[4];
  cpuid(1, 0, regs);
  bool osxsave = regs[2] & (1u << 27);
  if (!osxsave)
    return 0;
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

static bool hostHas(const FeatureBit &feature, uint64_t osState) {
  unsigned regs[4];
  cpuid(feature.leaf, feature.subleaf, regs);
  if (!(regs[feature.reg] & (1u << feature.bit)))
    return false;
  return (osState & feature.osState) == feature.osState;
}

std::vector<std::string>
xfmr::runtime::missingCPUFeatures(const std::vector<std::string> &required) {
  uint64_t osState = osEnabledState();
  std::vector<std::string> missing;
  for (const std::string &name : required) {
    const FeatureBit *known = nullptr;
    for (const FeatureBit &feature : kFeatures)
      if (name == feature.name)
        known = &feature;
    // An extension this runtime cannot check is one it cannot vouch for.
    if (!known || !hostHas(*known, osState))
      missing.push_back(name);
  }
  return missing;
}

#else

std::vector<std::string>
xfmr::runtime::missingCPUFeatures(const std::vector<std::string> &required) {
  return required;
}

#endif
