//===- FakeQuant.h - QDQ round trips left as float ops ----------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A QuantizeLinear -> DequantizeLinear pair that no quantized layer reads
// becomes, after FoldQdqRoundTrip, a chain of float ops: the fake
// quantization (clip(round(x / s) + zp, lo, hi) - zp) * s. The attention
// fusion sees through it and moves it off attention's operands.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_DIALECT_XFMR_TRANSFORMS_FAKEQUANT_H
#define XFMR_LIB_DIALECT_XFMR_TRANSFORMS_FAKEQUANT_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Value.h"

namespace mlir::xfmr {

/// x, when `v` is (clip(round(x / s) + zp, lo, hi) - zp) * s with the same
/// constant scale s and zero point zp (one element each: per-tensor
/// quantization) on both sides, each step read only by the next; the zero
/// point may be absent. Null otherwise.
Value peelFakeQuant(Value v);

/// The end of the fake quantization of `v` when `v`'s only reader starts
/// one (peelFakeQuant of the result is `v`); null otherwise.
Value fakeQuantOf(Value v);

/// Moves a fake quantization (a chain of elementwise ops with one-element
/// constant operands, a round among them) above the reshapes and transposes
/// between it and its producer: f(move(x)) -> move(f(x)), exact, since f
/// treats every element alike. Attention then finds its query, key and
/// value transposed as it expects, and the quantization sits on the layer
/// that produces them.
void populateHoistFakeQuantPatterns(RewritePatternSet &patterns);

} // namespace mlir::xfmr

#endif // XFMR_LIB_DIALECT_XFMR_TRANSFORMS_FAKEQUANT_H
