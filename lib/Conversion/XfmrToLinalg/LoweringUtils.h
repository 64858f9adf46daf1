//===- LoweringUtils.h - Shared steps of xfmr-to-linalg -----*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_CONVERSION_XFMRTOLINALG_LOWERINGUTILS_H
#define XFMR_LIB_CONVERSION_XFMRTOLINALG_LOWERINGUTILS_H

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"

namespace mlir::xfmr {

/// A tensor.empty of the type of `op`'s first result, its dynamic dims
/// reified from the operands; failure when the op cannot reify them.
FailureOr<Value> createEmptyResult(OpBuilder &b, Operation *op);

/// A tensor.empty with the shape of `like` and `elementType`.
Value createEmptyLike(OpBuilder &b, Location loc, Value like, Type elementType);

/// A tensor of `sizes` filled with `value` (linalg.fill of a tensor.empty).
Value createFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Value value);

/// `value` when `condition` (an i1) does not hold, otherwise what
/// `replacement` builds (cast to `value`'s type), through an scf.if.
Value replaceIf(OpBuilder &b, Location loc, Value condition, Value value,
                function_ref<Value(OpBuilder &, Location)> replacement);

/// `value` when `failed` (an i1, a failed run-time check) does not hold,
/// otherwise zeros of `sizes` in `value`'s type: what an op whose check
/// failed reads instead, so that it reads nothing outside its buffers.
Value zerosIfFailed(OpBuilder &b, Location loc, Value failed, Value value,
                    ArrayRef<OpFoldResult> sizes);

/// `value`, through a tensor.cast when its type is less static than `type`
/// (the op's result type may refine what the lowering computes).
Value castToResultType(OpBuilder &b, Location loc, Value value, Type type);

//===----------------------------------------------------------------------===//
// Index arithmetic on sizes, folded when the operands are constant
//===----------------------------------------------------------------------===//

OpFoldResult addSizes(OpBuilder &b, Location loc, OpFoldResult lhs,
                      OpFoldResult rhs);
OpFoldResult mulSizes(OpBuilder &b, Location loc, OpFoldResult lhs,
                      OpFoldResult rhs);
/// Exact division of one size by another (the op's verifier or semantics
/// guarantee the divisor divides).
OpFoldResult divSizes(OpBuilder &b, Location loc, OpFoldResult lhs,
                      OpFoldResult rhs);

/// An index size as a scalar of float type `type` (a count to divide by).
Value sizeAsFloat(OpBuilder &b, Location loc, OpFoldResult size, Type type);

/// The size of the tile at `offset` of a loop over [0, `end`) in steps of
/// `tile`: `tile` itself when `end` is a static multiple of it, else an
/// affine.min of `tile` and what is left.
OpFoldResult tileSize(OpBuilder &b, Location loc, int64_t tile, Value offset,
                      OpFoldResult end);

/// A tile size for a dim of size `size`: `tile`, or the whole dim when it is
/// static and smaller (one tile, without a partial one).
int64_t clampTileSize(int64_t tile, OpFoldResult size);

/// The slice of `source` at `offsets` with `sizes` (unit strides), as a
/// tensor of the dims listed in `kept` only (the others have size 1).
Value extractTile(OpBuilder &b, Location loc, Value source,
                  ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                  ArrayRef<int64_t> kept);

//===----------------------------------------------------------------------===//
// Reshapes and generics
//===----------------------------------------------------------------------===//

/// Splits dim `dim` of `value` into dims of `sizes` (a tensor.expand_shape).
Value splitDim(OpBuilder &b, Location loc, Value value, int64_t dim,
               ArrayRef<OpFoldResult> sizes);

/// Merges dims [dim, dim + count) of `value` into one (a
/// tensor.collapse_shape).
Value mergeDims(OpBuilder &b, Location loc, Value value, int64_t dim,
                int64_t count);

/// `count` parallel iterators.
SmallVector<utils::IteratorType> parallelIterators(int64_t count);

/// A map of `numDims` loop dims to the dims listed in `dims`.
AffineMap dimsMap(MLIRContext *context, int64_t numDims,
                  ArrayRef<int64_t> dims);

/// A linalg.generic with one result computing `body` (the scalars of the
/// inputs, then of `init`) into `init`.
Value buildGeneric(OpBuilder &b, Location loc, ValueRange inputs, Value init,
                   ArrayRef<AffineMap> maps,
                   ArrayRef<utils::IteratorType> iterators,
                   function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// A parallel linalg.generic over the iteration space of `init` (its rank),
/// `inputs` read through `maps` (one per input).
Value buildParallelGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, ArrayRef<AffineMap> maps,
    Value init, function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// `init += lhs * rhs` summed over the reduction iterators: a matmul-like
/// contraction as a linalg.generic (float or integer).
Value buildContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                       Value init, ArrayRef<AffineMap> maps,
                       ArrayRef<utils::IteratorType> iterators);

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

enum class Combiner { Sum, Prod, Max, Min };

/// The value a reduction of `kind` starts from.
Value identityValue(OpBuilder &b, Location loc, Type type, Combiner kind);

/// Combines two scalars with `kind`.
Value combine(OpBuilder &b, Location loc, Combiner kind, Value a, Value c);

/// The loops of a reduction of `input` over the dims marked in `reduced`:
/// their iterator types, and the sizes of the dims it keeps.
void reductionLoops(OpBuilder &b, Location loc, Value input,
                    ArrayRef<bool> reduced,
                    SmallVectorImpl<utils::IteratorType> &iterators,
                    SmallVectorImpl<OpFoldResult> &keptSizes);

/// The leading `rows` dims of `x` ([rows..., K]) as the first loop dims of a
/// contraction that keeps them in its output: their indices appended to
/// `xDims` and `outDims`, their sizes to `sizes`.
void appendRowLoops(OpBuilder &b, Location loc, Value x, int64_t rows,
                    SmallVectorImpl<int64_t> &xDims,
                    SmallVectorImpl<int64_t> &outDims,
                    SmallVectorImpl<OpFoldResult> &sizes);

/// Reduces `input` over the dims marked in `reduced` (dropping them), with
/// `body` mapping (inputs..., accumulator) to the value to combine. `extra`
/// operands are read at the kept dims (broadcast along the reduced ones).
/// The result has `input`'s element type unless `resultType` is given.
Value reduce(OpBuilder &b, Location loc, Value input, ValueRange extra,
             ArrayRef<bool> reduced, Combiner kind,
             function_ref<Value(OpBuilder &, Location, ValueRange)> body,
             Type resultType = {});

/// The map from all of `reduced`'s dims to those it does not mark.
AffineMap keptDimsMap(MLIRContext *context, ArrayRef<bool> reduced);

//===----------------------------------------------------------------------===//
// Scalar code
//===----------------------------------------------------------------------===//

/// Builds scalar arith/math code at one location.
struct ScalarBuilder {
  OpBuilder &b;
  Location loc;

  Value constant(Type type, double value);
  bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

  Value sigmoid(Value x);
  Value silu(Value x);
  /// max(x, 0), float or integer.
  Value relu(Value x);
  Value gelu(Value x, GeluApproximation approximation);
  /// The epilogue activation of linear and MLP blocks.
  Value activation(Value x, Activation activation);

  /// Converts a scalar between element types with ONNX Cast's rules.
  Value cast(Value x, Type to);
};

} // namespace mlir::xfmr

#endif // XFMR_LIB_CONVERSION_XFMRTOLINALG_LOWERINGUTILS_H
