//===- RuntimeChecks.h - Checks a compiled model makes while it runs -*- C++
//-*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Some inputs are wrong only in their values: a token id past the
// vocabulary, a divisor of zero. The lowerings check those values once per
// op, before the op, and call
//
//   func.func private @xfmr_check_failed(i64, i64, i64)
//
// when a check fails. Each call's location is the op's (the ONNX node's)
// with the message as its metadata, a template in which `{0}`, `{1}` and
// `{2}` stand for the call's operands. The target defines the function: on
// the CPU, EmitModelABI turns it into the model's error record, which the
// runtime formats and returns. The lowerings also keep every read and write
// inside its buffer (indices are clamped), so that a run that failed a
// check still touches nothing it does not own before it returns.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_CONVERSION_XFMRTOLINALG_RUNTIMECHECKS_H
#define XFMR_CONVERSION_XFMRTOLINALG_RUNTIMECHECKS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Location.h"

#include <optional>
#include <string>

namespace mlir::xfmr {

/// The function a failed check calls.
constexpr StringLiteral kCheckFailedFunctionName = "xfmr_check_failed";
/// How many values a check's message may show.
constexpr unsigned kCheckFailedNumValues = 3;

/// The location of a failed check's call: `loc` carrying `message`.
inline Location getCheckLocation(Location loc, StringRef message) {
  return FusedLoc::get(loc.getContext(), {loc},
                       StringAttr::get(loc.getContext(), message));
}

/// The message a failed check's call carries in its location, if any.
inline std::optional<StringRef> getCheckMessage(Location loc) {
  if (auto fused = dyn_cast<FusedLoc>(loc))
    if (auto message = dyn_cast_or_null<StringAttr>(fused.getMetadata()))
      return message.getValue();
  return std::nullopt;
}

/// "Gather node 'NAME'", with the ONNX node's name from `op`'s location,
/// or "Gather op" when the location names none.
std::string describeONNXNode(Operation *op, StringRef onnxOpType);

/// At `b`'s insertion point: when `failed` (an i1) holds at run time, calls
/// xfmr_check_failed with `values` (integers or indices, at most
/// kCheckFailedNumValues) and `message`. Declares the function in the
/// enclosing symbol table if needed.
void emitRuntimeCheck(OpBuilder &b, Location loc, Value failed,
                      StringRef message, ValueRange values = {});

/// Checks that a dim of `size` (an index) broadcasts to `target` (an index)
/// as numpy does: they are equal or one of them is 1. `axis` is the result
/// dim, for the message.
void emitBroadcastableCheck(OpBuilder &b, Location loc, Value size,
                            Value target, int64_t axis, StringRef what);

/// Checks that every element of the integer tensor `indices` lies in
/// [-size, size) (`size` an index), the range ONNX allows (negative indices
/// count from the back). `what` starts the message ("Gather node 'x'").
void emitIndicesInRangeCheck(OpBuilder &b, Location loc, Value indices,
                             Value size, StringRef what);

/// The same for tuples of indices (GatherND): the last dim of `indices`
/// holds tuples whose k-th element indexes a dim of size `sizes[k]`.
void emitIndexTuplesInRangeCheck(OpBuilder &b, Location loc, Value indices,
                                 ValueRange sizes, StringRef what);

/// Checks that every element of the integer tensor `positions` lies in
/// [0, size): positions index rows of a table and never count from the back.
void emitPositionsInRangeCheck(OpBuilder &b, Location loc, Value positions,
                               Value size, StringRef what);

/// Checks that no element of the integer tensor `divisor` is zero.
void emitNonZeroDivisorCheck(OpBuilder &b, Location loc, Value divisor,
                             StringRef what);

} // namespace mlir::xfmr

#endif // XFMR_CONVERSION_XFMRTOLINALG_RUNTIMECHECKS_H
