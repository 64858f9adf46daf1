//===- Compare.h - Comparing outputs with expected values -------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TENSORIO_COMPARE_H
#define XFMR_TENSORIO_COMPARE_H

#include "xfmr/TensorIO/Tensor.h"

#include "llvm/ADT/StringRef.h"

namespace xfmr::io {

/// Tolerances of floating-point comparisons: an element differs when
/// |actual - expected| > atol + rtol * |expected|.
struct Tolerance {
  double rtol = 1e-4;
  double atol = 1e-5;
};

/// How an output compares with its expected value.
struct Comparison {
  /// Same dtype and shape; the rest is only meaningful then.
  bool sameType = false;
  int64_t mismatches = 0;
  double maxAbsError = 0;
  /// Over the elements whose expected value is not 0.
  double maxRelError = 0;

  bool passed() const { return sameType && mismatches == 0; }
};

/// Compares element by element. NaN equals NaN; integer and bool outputs
/// must be equal.
Comparison compareTensors(const xfmr_tensor &actual,
                          const xfmr_tensor &expected,
                          const Tolerance &tolerance);

/// One line: the output, its type, the errors, then PASS or FAIL.
std::string formatComparison(llvm::StringRef name, const xfmr_tensor &actual,
                             const xfmr_tensor &expected,
                             const Comparison &comparison);

} // namespace xfmr::io

#endif // XFMR_TENSORIO_COMPARE_H
