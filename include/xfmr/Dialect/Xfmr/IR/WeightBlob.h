//===- WeightBlob.h - Reading and writing a weight's bytes ------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A model's weights are dense_resource blobs (small constants are dense
// attributes). The passes that fold, repack or recentre a weight read its
// bytes and write a new weight of the same kind through these two helpers,
// so that a resource stays a resource (never printed inline) and its new
// blob is aligned for vector loads.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_WEIGHTBLOB_H
#define XFMR_DIALECT_XFMR_IR_WEIGHTBLOB_H

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlir::xfmr {

/// The bytes of a weight's elements as they lie in memory: a dense
/// attribute's raw data (a single element for a splat) or a resource's
/// blob. std::nullopt for a resource whose blob is not loaded and for other
/// attributes.
std::optional<ArrayRef<char>> getWeightBytes(ElementsAttr value);

/// The elements of an f32 weight, inline or in a loaded resource blob (a
/// splat expanded); std::nullopt for other element types and unloaded
/// blobs.
std::optional<SmallVector<float>> readF32Weight(ElementsAttr value);

/// The zero-filled bytes of a new weight derived from `source`, which
/// `finish` turns into an attribute of the same kind: a dense attribute
/// when `source` is one, otherwise a resource named after the source's
/// (`<key>.<suffix>`) in a blob aligned to 64 bytes.
class WeightWriter {
public:
  WeightWriter(ElementsAttr source, size_t bytes);

  /// Whether the new weight is a dense attribute rather than a resource.
  bool isInline() const { return inlineData.has_value(); }
  MutableArrayRef<char> getData() {
    return isInline() ? MutableArrayRef<char>(*inlineData)
                      : blob.getMutableData();
  }
  /// The new weight, of `type`. Call once.
  ElementsAttr finish(ShapedType type, StringRef suffix);

private:
  ElementsAttr source;
  std::optional<SmallVector<char>> inlineData;
  AsmResourceBlob blob;
};

} // namespace mlir::xfmr

#endif // XFMR_DIALECT_XFMR_IR_WEIGHTBLOB_H
