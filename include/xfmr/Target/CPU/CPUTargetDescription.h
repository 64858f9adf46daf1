//===- CPUTargetDescription.h - What codegen knows of a CPU -----*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one description of the CPU a model is compiled for, built from
// `--mcpu` (or the host): its vector registers, its caches and the ISA
// extensions the code may use. Every size the CPU passes choose (register
// blocks, panel widths, vector widths, the cost of a vector op) is derived
// here, so that AVX2 and AVX-512 machines each get code shaped for them.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TARGET_CPU_CPUTARGETDESCRIPTION_H
#define XFMR_TARGET_CPU_CPUTARGETDESCRIPTION_H

#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::xfmr {

struct TargetOptions;

/// The rows and columns (f32 lanes) of a matmul's register block: the
/// accumulators a step of k updates with one broadcast of the lhs per row
/// and one load of the rhs per vector of columns.
struct RegisterBlock {
  int64_t rows;
  int64_t cols;
};

/// A CPU as code generation sees it.
struct CPUTargetDescription {
  /// The LLVM CPU name (the host's for "native").
  std::string cpu;

  /// The ISA extensions the generated code may execute, by the LLVM names
  /// the runtime checks on the CPU that loads the model (e.g. "avx2",
  /// "avx512f"): the model's `target` record.
  llvm::SmallVector<std::string> requiredFeatures;

  /// Width of the widest vector register the code uses, and how many of
  /// them there are (32 with AVX-512, 16 with AVX/AVX2 or SSE).
  unsigned vectorBits = 128;
  unsigned numVectorRegisters = 16;

  /// ISA extensions of the CPU. The passes read AVX-512F (through
  /// vectorBits), AVX512-BF16, AVX2 and the VNNIs (int8 matmuls); AMX
  /// describes the CPU for passes to come.
  bool hasFMA = false;
  bool hasAVX2 = false;
  bool hasF16C = false;
  bool hasAVX512F = false;
  bool hasAVX512BF16 = false;
  bool hasAVX512VNNI = false;
  bool hasAVXVNNI = false;
  bool hasAMX = false;

  /// Data cache sizes in bytes: the host's for "native", else typical ones
  /// of a current core (32 KiB, 1 MiB, 32 MiB). No pass reads them yet:
  /// splitting long reductions into L1-sized steps made no GEMM of the
  /// benchmark models faster on Zen 4 (1 MiB L2).
  uint64_t l1dBytes = 32 * 1024;
  uint64_t l2Bytes = 1024 * 1024;
  uint64_t l3Bytes = 32 * 1024 * 1024;

  /// f32 lanes of a vector register.
  int64_t f32Lanes() const { return vectorBits / 32; }

  /// The largest register block that fits the register file: two vectors
  /// of columns, and as many rows as leave room for the two rhs vectors
  /// and the broadcast lhs value (8x32 with 32 zmm registers, 6x16 with 16
  /// ymm registers), at most 8 rows: more made no block faster on AVX-512,
  /// since the loads of the rhs are already amortised over 8 rows.
  RegisterBlock matmulRegisterBlock() const;

  /// The register block of a matmul of one row (a decode step's
  /// matrix-vector products): four vectors of columns, four independent
  /// FMA chains where two would wait on their latency.
  RegisterBlock singleRowRegisterBlock() const { return {1, 4 * f32Lanes()}; }

  /// Whether f32 <-> bf16 conversions are instructions; without them LLVM
  /// calls compiler-rt, and the pipeline expands them into integer code.
  bool hasNativeBF16Conversion() const { return hasAVX512BF16; }
};

/// Describes the CPU that `options.cpu` names; nullopt and `error` when LLVM
/// does not know it.
std::optional<CPUTargetDescription> describeCPU(const TargetOptions &options,
                                                std::string &error);

} // namespace mlir::xfmr

#endif // XFMR_TARGET_CPU_CPUTARGETDESCRIPTION_H
