//===- Compare.cpp - Comparing outputs with expected values ---------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/TensorIO/Compare.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;
using namespace xfmr::io;

/// Whether one floating-point element differs; updates the error maxima.
static bool floatDiffers(double actual, double expected,
                         const Tolerance &tolerance, Comparison &result) {
  if (std::isnan(actual) && std::isnan(expected))
    return false;
  if (actual == expected)
    return false;
  double error = std::fabs(actual - expected);
  bool differs = std::isnan(actual) || std::isnan(expected) ||
                 std::isinf(expected) ||
                 error > tolerance.atol + tolerance.rtol * std::fabs(expected);
  if (std::isnan(error))
    error = std::numeric_limits<double>::infinity();
  result.maxAbsError = std::max(result.maxAbsError, error);
  if (expected != 0)
    result.maxRelError =
        std::max(result.maxRelError, error / std::fabs(expected));
  return differs;
}

Comparison xfmr::io::compareTensors(const xfmr_tensor &actual,
                                    const xfmr_tensor &expected,
                                    const Tolerance &tolerance) {
  Comparison result;
  result.sameType =
      actual.dtype == expected.dtype && shapeOf(actual) == shapeOf(expected);
  if (!result.sameType)
    return result;
  int64_t count = numElements(actual);
  if (isFloatingPoint(actual.dtype)) {
    for (int64_t i = 0; i < count; ++i)
      result.mismatches +=
          floatDiffers(elementAsDouble(actual, i), elementAsDouble(expected, i),
                       tolerance, result);
    return result;
  }
  // Integers compare by their bytes, exactly; the errors are only reported.
  size_t size = xfmr_dtype_size(actual.dtype);
  for (int64_t i = 0; i < count; ++i) {
    if (std::memcmp(static_cast<const char *>(actual.data) + i * size,
                    static_cast<const char *>(expected.data) + i * size,
                    size) == 0)
      continue;
    ++result.mismatches;
    double a = elementAsDouble(actual, i), e = elementAsDouble(expected, i);
    result.maxAbsError = std::max(result.maxAbsError, std::fabs(a - e));
    if (e != 0)
      result.maxRelError =
          std::max(result.maxRelError, std::fabs(a - e) / std::fabs(e));
  }
  return result;
}

std::string xfmr::io::formatComparison(StringRef name,
                                       const xfmr_tensor &actual,
                                       const xfmr_tensor &expected,
                                       const Comparison &comparison) {
  std::string line;
  raw_string_ostream os(line);
  os << name << ": " << formatType(actual);
  if (!comparison.sameType) {
    os << " but expected " << formatType(expected) << "  FAIL";
    return line;
  }
  os << "  max abs error " << format("%.3g", comparison.maxAbsError)
     << "  max rel error " << format("%.3g", comparison.maxRelError);
  if (comparison.mismatches)
    os << "  (" << comparison.mismatches << " of " << numElements(actual)
       << " differ)";
  os << (comparison.passed() ? "  PASS" : "  FAIL");
  return line;
}
