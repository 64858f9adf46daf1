//===- AttentionMatchers.h - Proofs the attention fusion relies on -*- C++
//-*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The attention fusion must prove, on graphs whose dims are often `?`, that
// two dims are the same size (the query's and the key's batch, the mask's
// rows and the scores' rows), that a reshape only merges two dims, and that a
// boolean mask is exactly the causal triangle. Sizes are proven equal by
// the shared DimProver.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_DIALECT_XFMR_TRANSFORMS_ATTENTIONMATCHERS_H
#define XFMR_LIB_DIALECT_XFMR_TRANSFORMS_ATTENTIONMATCHERS_H

#include "xfmr/Dialect/Xfmr/IR/ConstantReader.h"
#include "xfmr/Dialect/Xfmr/IR/DimProver.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace mlir::xfmr::attention {

/// reshape(transpose(reshape(x, [B*H, S, D]), [0, 2, 1]), [B, H, D, S]), the
/// dynamo exporter's kᵀ, is x transposed by [0, 1, 3, 2]: sets `source` to
/// x. When the flattening reads the 5-D head repeat of grouped-query
/// attention, `source` is the un-repeated key and `repeated` is set.
bool matchFlattenedTranspose(DimProver &tracer, Value value, Value &source,
                             bool &repeated);

/// x from expand(unsqueeze(x, 2), [B, Hkv, n, S, D]).
std::optional<Value> unrepeatExpand(DimProver &tracer, Value expanded);

/// The key/value heads before a repeat for grouped-query attention:
/// reshape(expand(unsqueeze(x, 2), ...), [B, Hkv * n, S, D]), or expand(x)
/// of a single head.
std::optional<Value> unrepeatHeads(DimProver &tracer, Value kv);

/// Whether the i1 tensor `keep` (its negation with `negated`), broadcast
/// against the scores `scores` ([B, H, Sq, Skv]), is exactly "key j is
/// visible to query i when j <= i + offset". Returns that offset, or
/// std::nullopt when it is not proven; sets `why` when the term looked causal
/// but is not.
std::optional<int64_t> matchCausalTerm(DimProver &tracer, Value keep,
                                       bool negated, Value scores,
                                       std::string &why);

} // namespace mlir::xfmr::attention

#endif // XFMR_LIB_DIALECT_XFMR_TRANSFORMS_ATTENTIONMATCHERS_H
