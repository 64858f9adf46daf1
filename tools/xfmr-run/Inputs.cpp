//===- Inputs.cpp - Shapes and random values of model inputs --------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "Inputs.h"

#include "llvm/ADT/StringExtras.h"

using namespace llvm;
using namespace xfmr::io;
using namespace xfmr::run;

void xfmr::run::bindNamedDims(const xfmr_tensor_info &info,
                              ArrayRef<int64_t> shape,
                              StringMap<int64_t> &dimSizes) {
  for (int64_t d = 0; d < info.rank && d < int64_t(shape.size()); ++d)
    if (info.shape[d] < 0 && info.dim_names[d][0])
      dimSizes.try_emplace(info.dim_names[d], shape[d]);
}

/// The shape a random input gets.
static Expected<SmallVector<int64_t>>
resolveShape(const xfmr_tensor_info &info, const ShapeOptions &options,
             const StringMap<int64_t> &dimSizes) {
  SmallVector<int64_t> shape(info.shape, info.shape + info.rank);
  auto given = options.inputShapes.find(info.name);
  if (given != options.inputShapes.end()) {
    if (int64_t(given->second.size()) != info.rank)
      return createStringError(
          "--input-shape " + Twine(info.name) + ":... gives " +
          Twine(given->second.size()) + " dims but input '" + info.name +
          "' has rank " + Twine(info.rank) + " (" + formatDeclShape(info) +
          ")");
    for (int64_t d = 0; d < info.rank; ++d)
      if (given->second[d] >= 0)
        shape[d] = given->second[d];
  }
  for (int64_t d = 0; d < info.rank; ++d) {
    if (shape[d] >= 0)
      continue;
    StringRef dimName = info.dim_names[d];
    auto bound = dimSizes.find(dimName);
    if (!dimName.empty() && bound != dimSizes.end()) {
      shape[d] = bound->second;
      continue;
    }
    if (dimName.empty())
      return createStringError("input '" + Twine(info.name) + "': dim " +
                               Twine(d) +
                               " is dynamic; give random inputs a shape with "
                               "--input-shape " +
                               info.name + ":D0xD1...");
    return createStringError("input '" + Twine(info.name) + "': dim " +
                             Twine(d) + " ('" + dimName +
                             "') is dynamic; give random inputs a size with "
                             "--dim " +
                             dimName + "=SIZE");
  }
  return shape;
}

namespace {
/// splitmix64: small, fast, and the same on every platform.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return double(next() >> 11) * 0x1p-53; }

private:
  uint64_t state;
};
} // namespace

Expected<Tensor> xfmr::run::makeRandomInput(const xfmr_tensor_info &info,
                                            const ShapeOptions &options,
                                            StringMap<int64_t> &dimSizes,
                                            uint64_t seed, size_t index) {
  Expected<SmallVector<int64_t>> shape = resolveShape(info, options, dimSizes);
  if (!shape)
    return shape.takeError();
  Expected<Tensor> tensor = Tensor::allocate(
      info.dtype, *shape, "random input '" + Twine(info.name) + "'");
  if (!tensor)
    return tensor.takeError();
  bindNamedDims(info, *shape, dimSizes);

  xfmr_tensor view = tensor->view();
  bool isMask = StringRef(info.name).contains_insensitive("mask");
  Random random(seed ^ (0x632be59bd9b4e019ULL * (index + 1)));
  int64_t count = numElements(view);
  for (int64_t i = 0; i < count; ++i) {
    double value;
    if (isMask)
      value = 1;
    else if (isFloatingPoint(info.dtype))
      value = 2 * random.uniform() - 1;
    else if (info.dtype == XFMR_DTYPE_BOOL)
      value = random.next() >> 63;
    else
      value = random.next() >> 60;
    storeElement(view, i, value);
  }
  return tensor;
}
