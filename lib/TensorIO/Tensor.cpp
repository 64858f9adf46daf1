//===- Tensor.cpp - Dense tensors: read, made, compared -------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/TensorIO/Tensor.h"

#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <cstring>

using namespace llvm;
using namespace xfmr::io;

Expected<size_t> xfmr::io::denseByteSize(xfmr_dtype dtype,
                                         ArrayRef<int64_t> shape,
                                         const Twine &what) {
  uint64_t bytes = xfmr_dtype_size(dtype);
  bool overflow = bytes == 0;
  for (int64_t dim : shape) {
    if (dim < 0)
      return createStringError(what + ": dim " + Twine(dim) + " in shape " +
                               formatShape(shape) + " is not a size");
    bytes = SaturatingMultiply<uint64_t>(bytes, dim, &overflow);
  }
  if (overflow || bytes > (uint64_t(1) << 48))
    return createStringError(what + ": shape " + formatShape(shape) +
                             " is too large");
  return bytes;
}

Expected<Tensor> Tensor::allocate(xfmr_dtype dtype, ArrayRef<int64_t> shape,
                                  const Twine &what) {
  Expected<size_t> bytes = denseByteSize(dtype, shape, what);
  if (!bytes)
    return bytes.takeError();
  Tensor tensor;
  tensor.dtype = dtype;
  tensor.shape.assign(shape.begin(), shape.end());
  tensor.numBytes = *bytes;
  tensor.data.reset(static_cast<char *>(std::calloc(*bytes ? *bytes : 1, 1)));
  if (!tensor.data)
    return createStringError(what + ": cannot allocate " + Twine(*bytes) +
                             " bytes");
  return std::move(tensor);
}

//===----------------------------------------------------------------------===//
// Elements
//===----------------------------------------------------------------------===//

int64_t xfmr::io::numElements(const xfmr_tensor &tensor) {
  int64_t count = 1;
  for (int64_t dim : shapeOf(tensor))
    count *= dim;
  return count;
}

ArrayRef<int64_t> xfmr::io::shapeOf(const xfmr_tensor &tensor) {
  return ArrayRef<int64_t>(tensor.shape, tensor.rank);
}

bool xfmr::io::isFloatingPoint(xfmr_dtype dtype) {
  return dtype == XFMR_DTYPE_F32 || dtype == XFMR_DTYPE_F64 ||
         dtype == XFMR_DTYPE_F16 || dtype == XFMR_DTYPE_BF16;
}

static float halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  int exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0x1f)
    return bit_cast<float>(sign | 0x7f800000 | (mantissa << 13));
  if (exponent == 0) {
    float magnitude = std::ldexp(float(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return bit_cast<float>(sign | uint32_t(exponent + 112) << 23 |
                         (mantissa << 13));
}

/// Rounds to the nearest half, ties to even; NaN stays NaN.
static uint16_t floatToHalf(float value) {
  uint32_t bits = bit_cast<uint32_t>(value);
  uint16_t sign = (bits >> 16) & 0x8000;
  float magnitude = std::fabs(value);
  if (std::isnan(value))
    return sign | 0x7e00;
  if (magnitude >= 65520.0f)
    return sign | 0x7c00;
  if (magnitude < std::ldexp(1.0f, -14)) {
    // Subnormal: a multiple of 2^-24, rounded to nearest even by rint.
    return sign | uint16_t(std::nearbyint(std::ldexp(magnitude, 24)));
  }
  uint32_t abs = bits & 0x7fffffff;
  uint32_t rounded = abs + 0xfff + ((abs >> 13) & 1);
  return sign | uint16_t((rounded >> 13) - (112 << 10));
}

static float bf16ToFloat(uint16_t bits) {
  return bit_cast<float>(uint32_t(bits) << 16);
}

static uint16_t floatToBf16(float value) {
  uint32_t bits = bit_cast<uint32_t>(value);
  if (std::isnan(value))
    return uint16_t((bits >> 16) | 0x40);
  return uint16_t((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}

template <typename T> static T load(const xfmr_tensor &tensor, int64_t i) {
  T value;
  std::memcpy(&value, static_cast<const char *>(tensor.data) + i * sizeof(T),
              sizeof(T));
  return value;
}

template <typename T>
static void store(const xfmr_tensor &tensor, int64_t i, T value) {
  std::memcpy(static_cast<char *>(tensor.data) + i * sizeof(T), &value,
              sizeof(T));
}

double xfmr::io::elementAsDouble(const xfmr_tensor &tensor, int64_t i) {
  switch (tensor.dtype) {
  case XFMR_DTYPE_F32:
    return load<float>(tensor, i);
  case XFMR_DTYPE_F64:
    return load<double>(tensor, i);
  case XFMR_DTYPE_F16:
    return halfToFloat(load<uint16_t>(tensor, i));
  case XFMR_DTYPE_BF16:
    return bf16ToFloat(load<uint16_t>(tensor, i));
  case XFMR_DTYPE_I8:
    return load<int8_t>(tensor, i);
  case XFMR_DTYPE_I16:
    return load<int16_t>(tensor, i);
  case XFMR_DTYPE_I32:
    return load<int32_t>(tensor, i);
  case XFMR_DTYPE_I64:
    return double(load<int64_t>(tensor, i));
  case XFMR_DTYPE_BOOL:
    return load<uint8_t>(tensor, i) ? 1.0 : 0.0;
  case XFMR_DTYPE_U8:
    return load<uint8_t>(tensor, i);
  case XFMR_DTYPE_U16:
    return load<uint16_t>(tensor, i);
  case XFMR_DTYPE_U32:
    return load<uint32_t>(tensor, i);
  case XFMR_DTYPE_U64:
    return double(load<uint64_t>(tensor, i));
  case XFMR_DTYPE_INVALID:
    break;
  }
  return 0.0;
}

void xfmr::io::storeElement(const xfmr_tensor &tensor, int64_t i,
                            double value) {
  switch (tensor.dtype) {
  case XFMR_DTYPE_F32:
    return store<float>(tensor, i, float(value));
  case XFMR_DTYPE_F64:
    return store<double>(tensor, i, value);
  case XFMR_DTYPE_F16:
    return store<uint16_t>(tensor, i, floatToHalf(float(value)));
  case XFMR_DTYPE_BF16:
    return store<uint16_t>(tensor, i, floatToBf16(float(value)));
  case XFMR_DTYPE_I8:
    return store<int8_t>(tensor, i, int8_t(value));
  case XFMR_DTYPE_I16:
    return store<int16_t>(tensor, i, int16_t(value));
  case XFMR_DTYPE_I32:
    return store<int32_t>(tensor, i, int32_t(value));
  case XFMR_DTYPE_I64:
    return store<int64_t>(tensor, i, int64_t(value));
  case XFMR_DTYPE_BOOL:
    return store<uint8_t>(tensor, i, value != 0.0);
  case XFMR_DTYPE_U8:
    return store<uint8_t>(tensor, i, uint8_t(value));
  case XFMR_DTYPE_U16:
    return store<uint16_t>(tensor, i, uint16_t(value));
  case XFMR_DTYPE_U32:
    return store<uint32_t>(tensor, i, uint32_t(value));
  case XFMR_DTYPE_U64:
    return store<uint64_t>(tensor, i, uint64_t(value));
  case XFMR_DTYPE_INVALID:
    break;
  }
}

//===----------------------------------------------------------------------===//
// Formatting
//===----------------------------------------------------------------------===//

const char *xfmr::io::dtypeName(xfmr_dtype dtype) {
  const char *name = xfmr_dtype_name(dtype);
  return name ? name : "invalid";
}

std::string xfmr::io::formatShape(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string xfmr::io::formatDeclShape(const xfmr_tensor_info &info) {
  std::string text = "[";
  for (int64_t i = 0; i < info.rank; ++i) {
    text += i ? "," : "";
    text += info.shape[i] < 0 ? std::string("?") + info.dim_names[i]
                              : std::to_string(info.shape[i]);
  }
  return text + "]";
}

std::string xfmr::io::formatType(const xfmr_tensor &tensor) {
  return std::string(dtypeName(tensor.dtype)) + " " +
         formatShape(shapeOf(tensor));
}
