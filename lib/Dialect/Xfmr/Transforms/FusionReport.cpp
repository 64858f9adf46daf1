//===- FusionReport.cpp - Notes on candidates that were not fused ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

std::string mlir::xfmr::getONNXNodeName(Location loc) {
  return llvm::TypeSwitch<Location, std::string>(loc)
      .Case([](NameLoc named) { return named.getName().str(); })
      .Case([](FusedLoc fused) {
        for (Location part : fused.getLocations()) {
          std::string name = getONNXNodeName(part);
          if (!name.empty())
            return name;
        }
        return std::string();
      })
      .Case([](CallSiteLoc call) { return getONNXNodeName(call.getCallee()); })
      .Default([](Location) { return std::string(); });
}

void mlir::xfmr::noteFusionMissed(Operation *candidate, llvm::StringRef kind,
                                  const llvm::Twine &reason,
                                  Operation *culprit) {
  Builder builder(candidate->getContext());
  NamedAttrList notes;
  if (auto existing =
          candidate->getAttrOfType<DictionaryAttr>(kFusionMissedAttrName))
    notes.append(existing.getValue());
  std::string node =
      getONNXNodeName((culprit ? culprit : candidate)->getLoc());
  notes.set(kind, builder.getStrArrayAttr({reason.str(), node}));
  candidate->setAttr(kFusionMissedAttrName,
                     notes.getDictionary(candidate->getContext()));
}

void mlir::xfmr::clearFusionMissed(Operation *op, llvm::StringRef kind) {
  auto existing = op->getAttrOfType<DictionaryAttr>(kFusionMissedAttrName);
  if (!existing)
    return;
  NamedAttrList notes(existing);
  notes.erase(kind);
  if (notes.empty())
    op->removeAttr(kFusionMissedAttrName);
  else
    op->setAttr(kFusionMissedAttrName, notes.getDictionary(op->getContext()));
}

std::string mlir::xfmr::formatShape(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return "?";
  std::string result = "[";
  llvm::interleave(
      ranked.getShape(),
      [&](int64_t d) {
        result += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
      },
      [&] { result += ","; });
  return result + "]";
}

std::string mlir::xfmr::formatUsers(Value value) {
  unsigned n = llvm::range_size(value.getUsers());
  return std::to_string(n) + (n == 1 ? " user" : " users");
}
