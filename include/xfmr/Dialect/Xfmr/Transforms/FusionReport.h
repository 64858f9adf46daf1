//===- FusionReport.h - Why a block was or was not fused --------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The fusion passes explain themselves. With their `explain` option, every
// candidate a pass looked at and did not fuse (a softmax that did not become
// attention, a matmul that did not become a linear layer) carries the
// discardable attribute `xfmr.fusion_missed`: a dictionary from the block's
// kind to the condition that failed and the ONNX node where it failed.
//
//   %s = xfmr.softmax %x {axis = 2 : i64, xfmr.fusion_missed = {
//          attention = ["softmax is not over the key axis", "/attn/Softmax"]}}
//
// The note lives on the op it describes, so it disappears with it when a
// later pass fuses the op after all. `xfmr-fusion-report` counts the fused
// ops, prints the notes that are left and removes them.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_TRANSFORMS_FUSIONREPORT_H
#define XFMR_DIALECT_XFMR_TRANSFORMS_FUSIONREPORT_H

#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Types.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <string>

namespace mlir::xfmr {

/// The discardable attribute that holds a candidate's reasons.
inline constexpr llvm::StringLiteral kFusionMissedAttrName =
    "xfmr.fusion_missed";

/// The ONNX node an op came from: the first name in its location (the
/// importer gives every op a `NameLoc` with the node's name; rewrites fuse
/// locations). Empty when the location names no node.
std::string getONNXNodeName(Location loc);

/// Records on `candidate` that it did not become a block of `kind` because
/// of `reason`, found at `culprit` (the op whose shape, attribute or
/// constant failed the check; `candidate` itself when null). A later note of
/// the same kind replaces an earlier one.
void noteFusionMissed(Operation *candidate, llvm::StringRef kind,
                      const llvm::Twine &reason, Operation *culprit = nullptr);

/// Why a matcher did not match: the condition that failed and the op where
/// it failed, kept for `noteFusionMissed`. An empty reason means the op was
/// not a candidate after all.
struct FusionMiss {
  std::string reason;
  Operation *culprit = nullptr;

  /// Records the failure and returns `failure()`, for `return miss.fail(...)`.
  LogicalResult fail(const llvm::Twine &why, Operation *at = nullptr) {
    reason = why.str();
    culprit = at;
    return failure();
  }

  /// Notes the miss on `candidate` as a `kind` block that was not fused.
  void note(Operation *candidate, llvm::StringRef kind) const {
    noteFusionMissed(candidate, kind, reason, culprit);
  }
};

/// A shape for a message: `[2,?,64]`.
std::string formatShape(Type type);

/// How many users a value has, for a message: `1 user`, `3 users`.
std::string formatUsers(Value value);

/// Removes the notes of `kind` from `op`, for a candidate that was fused
/// after all or is no longer one.
void clearFusionMissed(Operation *op, llvm::StringRef kind);

/// What fusion did in one function: the data `xfmr-fusion-report` prints
/// and the Python package returns.
struct FusionSummary {
  struct Count {
    unsigned fused = 0;
    unsigned missed = 0;
    /// How many of the fused ones carry a variant worth naming (a norm with
    /// its residual add, a gated MLP).
    unsigned variant = 0;
    const char *variantName = nullptr;
  };
  /// A candidate that was not fused.
  struct Miss {
    std::string kind;
    /// The ONNX node where the check failed; empty when unknown.
    std::string node;
    std::string reason;
  };

  /// Every kind of block, fused or not, in a fixed order.
  llvm::MapVector<llvm::StringRef, Count> counts;
  llvm::SmallVector<Miss> missed;
};

/// Counts the fused blocks under `root` and takes the notes that the fusion
/// passes left on candidates (removing them from the ops).
FusionSummary summarizeFusion(Operation *root);

} // namespace mlir::xfmr

#endif // XFMR_DIALECT_XFMR_TRANSFORMS_FUSIONREPORT_H
