//===- CPUTargetDescription.cpp - What codegen knows of a CPU -------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/CPU/CPUTargetDescription.h"
#include "xfmr/Target/CPU/CPUTarget.h"

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>
#include <unistd.h>

using namespace mlir;
using namespace mlir::xfmr;

RegisterBlock CPUTargetDescription::matmulRegisterBlock() const {
  // Two vectors of columns per row; besides the accumulators, a step of k
  // holds the two rhs vectors and the lhs broadcast.
  constexpr int64_t vectorsPerRow = 2;
  constexpr int64_t maxRows = 8;
  int64_t free = static_cast<int64_t>(numVectorRegisters) - vectorsPerRow - 1;
  int64_t rows = std::clamp<int64_t>(free / vectorsPerRow, 1, maxRows);
  return {rows, vectorsPerRow * f32Lanes()};
}

/// The ISA extensions a model records as required, by their LLVM names,
/// which the runtime's CPU check knows too. Extensions LLVM enables on
/// every x86-64 (sse, sse2, ...) are implied by the first ones.
static constexpr llvm::StringLiteral kCheckedFeatures[] = {
    "sse3",     "ssse3",      "sse4.1",     "sse4.2",     "popcnt",
    "avx",      "avx2",       "fma",        "f16c",       "bmi",
    "bmi2",     "avx512f",    "avx512cd",   "avx512bw",   "avx512dq",
    "avx512vl", "avx512vnni", "avx512bf16", "avx512vbmi", "avxvnni",
    "amx-tile", "amx-bf16",   "amx-int8",
};

/// A cache's size from the C library (which reads cpuid), or `fallback`
/// where it does not know.
static uint64_t hostCacheBytes(int name, uint64_t fallback) {
  long bytes = sysconf(name);
  return bytes > 0 ? static_cast<uint64_t>(bytes) : fallback;
}

std::optional<CPUTargetDescription>
mlir::xfmr::describeCPU(const TargetOptions &options, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine =
      createCPUTargetMachine(options, error);
  if (!machine)
    return std::nullopt;
  const llvm::MCSubtargetInfo &info = *machine->getMCSubtargetInfo();
  auto has = [&](llvm::StringRef feature) {
    return info.checkFeatures(("+" + feature).str());
  };

  CPUTargetDescription cpu;
  cpu.cpu = machine->getTargetCPU().str();
  // The subtarget has both the explicit features (the host's for "native")
  // and those the CPU name implies.
  for (llvm::StringRef feature : kCheckedFeatures)
    if (has(feature))
      cpu.requiredFeatures.push_back(feature.str());
  cpu.hasFMA = has("fma");
  cpu.hasAVX2 = has("avx2");
  cpu.hasF16C = has("f16c");
  cpu.hasAVX512F = has("avx512f");
  cpu.hasAVX512BF16 = has("avx512bf16");
  cpu.hasAVX512VNNI = has("avx512vnni");
  cpu.hasAVXVNNI = has("avxvnni");
  cpu.hasAMX = has("amx-tile");
  cpu.vectorBits = cpu.hasAVX512F ? 512 : has("avx") ? 256 : 128;
  cpu.numVectorRegisters = cpu.hasAVX512F ? 32 : 16;
  if (options.cpu == "native") {
    cpu.l1dBytes = hostCacheBytes(_SC_LEVEL1_DCACHE_SIZE, cpu.l1dBytes);
    cpu.l2Bytes = hostCacheBytes(_SC_LEVEL2_CACHE_SIZE, cpu.l2Bytes);
    cpu.l3Bytes = hostCacheBytes(_SC_LEVEL3_CACHE_SIZE, cpu.l3Bytes);
  }
  return cpu;
}
