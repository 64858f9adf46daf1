//===- XfmrShapeInference.h - Shape functions of xfmr ops -------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Shape functions shared by op families: type inference (static sizes, with
// ShapedType::kDynamic for what the types cannot tell) and reification of
// dynamic result dims as IR computed from the operands.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMRSHAPEINFERENCE_H
#define XFMR_DIALECT_XFMR_IR_XFMRSHAPEINFERENCE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace mlir {
namespace xfmr {

//===----------------------------------------------------------------------===//
// Type inference
//===----------------------------------------------------------------------===//

/// True when every type in `actual` is a tensor type compatible with the
/// matching one in `inferred`: same element type and rank, and equal sizes
/// wherever both are static. IR may be more precise than inference, never
/// contradict it.
bool isRefinementOf(TypeRange actual, TypeRange inferred);

/// Emits "'<op>' op <message>" at `loc` if there is a location; returns
/// failure in all cases. Inference runs before the op exists, so it cannot
/// use Operation::emitOpError.
LogicalResult inferError(std::optional<Location> loc, StringRef opName,
                         const Twine &message);

/// Normalises `axis` (negative counts from the back) into [0, rank), or
/// returns std::nullopt when it is out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// `axes` normalised against `rank`, or std::nullopt when one is out of
/// range.
std::optional<SmallVector<int64_t>> normalizeAxes(ArrayRef<int64_t> axes,
                                                  int64_t rank);

/// Marks the dims named by `axes` (negative counts from the back) in a mask
/// of `rank` entries; fails with a diagnostic when an axis is out of range
/// ("... for <rankName> <rank>") or repeated.
FailureOr<SmallVector<bool>> getAxesMask(std::optional<Location> loc,
                                         StringRef opName,
                                         ArrayRef<int64_t> axes, int64_t rank,
                                         StringRef rankName = "rank");

/// Numpy broadcasting of two shapes; fails when a pair of static dims
/// differs and neither is 1. A dynamic dim against a static d > 1 gives d.
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                ArrayRef<int64_t> rhs);

/// Result type of a binary broadcasting op. The operands must share an
/// element type; the result takes it unless `resultElementType` is given.
LogicalResult inferBroadcastResult(std::optional<Location> loc,
                                   StringRef opName, Value lhs, Value rhs,
                                   Type resultElementType,
                                   SmallVectorImpl<Type> &inferred);

/// Result type of a reduction over `axes` (empty: every axis).
LogicalResult inferReduceResult(std::optional<Location> loc, StringRef opName,
                                Value input, ArrayRef<int64_t> axes,
                                bool keepDims, Type resultElementType,
                                SmallVectorImpl<Type> &inferred);

/// Reads a small constant integer tensor (a shape, axes, a scalar) produced
/// by a constant-like op.
std::optional<SmallVector<int64_t>> getConstantIntValues(Value value);

/// Reads what is known of a 1-D integer tensor of static length, entry by
/// entry: constants, `xfmr.shape` of partly static tensors, and
/// concatenations and unsqueezed scalars of those, and `equal`/`where` over
/// them (the shapes exporters build). Unknown entries are std::nullopt; returns
/// std::nullopt when the length itself is unknown.
std::optional<SmallVector<std::optional<int64_t>>>
getPartialIntValues(Value value);

//===----------------------------------------------------------------------===//
// Reification
//===----------------------------------------------------------------------===//

/// The size of dim `dim` of `value`: an attribute when static, otherwise a
/// `tensor.dim`.
OpFoldResult getDimSize(OpBuilder &builder, Location loc, Value value,
                        int64_t dim);

/// All dims of `value`, as getDimSize gives them.
SmallVector<OpFoldResult> getDimSizes(OpBuilder &builder, Location loc,
                                      Value value);

/// The result has the shape of `input`.
LogicalResult reifySameShape(OpBuilder &builder, Value input,
                             ReifiedRankedShapedTypeDims &shapes);

/// The result is the numpy broadcast of all operands of `op`.
LogicalResult reifyBroadcastShape(OpBuilder &builder, Operation *op,
                                  ReifiedRankedShapedTypeDims &shapes);

/// The result of reducing `input` over `axes`.
LogicalResult reifyReduceShape(OpBuilder &builder, Value input,
                               ArrayRef<int64_t> axes, bool keepDims,
                               ReifiedRankedShapedTypeDims &shapes);

} // namespace xfmr
} // namespace mlir

#endif // XFMR_DIALECT_XFMR_IR_XFMRSHAPEINFERENCE_H
