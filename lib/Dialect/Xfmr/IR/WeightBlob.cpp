//===- WeightBlob.cpp - Reading and writing a weight's bytes --------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace mlir::xfmr;

std::optional<ArrayRef<char>> mlir::xfmr::getWeightBytes(ElementsAttr value) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return dense.getRawData();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
  return std::nullopt;
}

std::optional<SmallVector<float>> mlir::xfmr::readF32Weight(ElementsAttr attr) {
  if (!attr.getElementType().isF32())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return llvm::to_vector(dense.getValues<float>());
  std::optional<ArrayRef<char>> bytes = getWeightBytes(attr);
  if (!bytes || bytes->size() != attr.getNumElements() * sizeof(float))
    return std::nullopt;
  SmallVector<float> values(attr.getNumElements());
  std::memcpy(values.data(), bytes->data(), bytes->size());
  return values;
}

// Blobs hold weights that the generated code reads with vector loads.
static constexpr size_t kBlobAlignment = 64;

WeightWriter::WeightWriter(ElementsAttr source, size_t bytes) : source(source) {
  if (isa<DenseElementsAttr>(source)) {
    inlineData.emplace(bytes, 0);
    return;
  }
  blob = HeapAsmResourceBlob::allocate(bytes, kBlobAlignment);
  std::memset(blob.getMutableData().data(), 0, bytes);
}

ElementsAttr WeightWriter::finish(ShapedType type, StringRef suffix) {
  if (isInline())
    return DenseElementsAttr::getFromRawBuffer(type, *inlineData);
  std::string name = suffix.str();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(source))
    name = (resource.getRawHandle().getKey() + "." + suffix).str();
  return DenseResourceElementsAttr::get(type, name, std::move(blob));
}
