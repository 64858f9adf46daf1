//===- RuntimeChecks.cpp - Checks a compiled model makes while it runs ----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A check reduces its operand to a few scalars (the smallest and largest
// index, whether a divisor is zero) in one pass over it, then branches once:
// the op's own loops stay free of tests.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Dialect/Xfmr/IR/ONNXOpTypeLoc.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

#include <limits>

using namespace mlir;
using namespace mlir::xfmr;

std::string mlir::xfmr::describeONNXNode(Operation *op, StringRef onnxOpType) {
  // The first node named, with the op type its location records if any (a
  // recorded type encloses the node's name, so the walk meets it first).
  std::optional<StringRef> node;
  op->getLoc()->walk([&](Location loc) {
    if (std::optional<StringRef> recorded = getONNXOpType(loc))
      onnxOpType = *recorded;
    if (auto name = dyn_cast<NameLoc>(loc)) {
      node = name.getName().getValue();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (!node)
    return (onnxOpType + " op").str();
  return (onnxOpType + " node '" + *node + "'").str();
}

/// The declaration of xfmr_check_failed in the symbol table around `b`'s
/// insertion point, created on first use.
static func::FuncOp getCheckFailedFunction(OpBuilder &b, Location loc) {
  Operation *table =
      SymbolTable::getNearestSymbolTable(b.getInsertionBlock()->getParentOp());
  if (auto existing = dyn_cast_or_null<func::FuncOp>(
          SymbolTable::lookupSymbolIn(table, kCheckFailedFunctionName)))
    return existing;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&table->getRegion(0).front());
  SmallVector<Type> argTypes(kCheckFailedNumValues, b.getI64Type());
  auto function =
      func::FuncOp::create(b, loc, kCheckFailedFunctionName,
                           b.getFunctionType(argTypes, TypeRange()));
  function.setPrivate();
  return function;
}

/// An integer or index scalar as an i64.
static Value toI64(OpBuilder &b, Location loc, Value v) {
  Type i64 = b.getI64Type();
  if (v.getType() == i64)
    return v;
  if (v.getType().isIndex())
    return arith::IndexCastOp::create(b, loc, i64, v);
  return arith::ExtSIOp::create(b, loc, i64, v);
}

void mlir::xfmr::emitRuntimeCheck(OpBuilder &b, Location loc, Value failed,
                                  StringRef message, ValueRange values) {
  assert(values.size() <= kCheckFailedNumValues && "too many values");
  // Sizes known at compile time fold a check away.
  if (matchPattern(failed, m_Zero()))
    return;
  func::FuncOp callee = getCheckFailedFunction(b, loc);
  SmallVector<Value> args;
  for (Value v : values)
    args.push_back(toI64(b, loc, v));
  while (args.size() < kCheckFailedNumValues)
    args.push_back(arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0));
  scf::IfOp::create(b, loc, failed, [&](OpBuilder &nb, Location nloc) {
    func::CallOp::create(nb, getCheckLocation(nloc, message), callee, args);
    scf::YieldOp::create(nb, nloc);
  });
}

/// A 0-D (or, with `keepLast`, 1-D over the last dim) i64 tensor filled
/// with `value`, to reduce into.
static Value filledAccumulator(OpBuilder &b, Location loc, Value tensor,
                               bool keepLast, Type elementType,
                               TypedAttr value) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<OpFoldResult> sizes;
  if (keepLast)
    sizes.push_back(tensor::getMixedSize(b, loc, tensor, type.getRank() - 1));
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elementType);
  Value fill = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, fill, empty).getResult(0);
}

/// Reduces `tensor` over every dim (all but the last with `keepLast`) into
/// accumulators initialised to `inits`, combining with `combine(element,
/// accumulators)`.
static SmallVector<Value> reduceAll(
    OpBuilder &b, Location loc, Value tensor, bool keepLast,
    ArrayRef<TypedAttr> inits,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>
        combine) {
  auto type = cast<RankedTensorType>(tensor.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> accumulators;
  for (TypedAttr init : inits)
    accumulators.push_back(
        filledAccumulator(b, loc, tensor, keepLast, init.getType(), init));
  SmallVector<AffineExpr> kept;
  if (keepLast)
    kept.push_back(b.getAffineDimExpr(rank - 1));
  AffineMap accumulatorMap = AffineMap::get(rank, 0, kept, b.getContext());
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  maps.append(inits.size(), accumulatorMap);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  if (keepLast)
    iterators.back() = utils::IteratorType::parallel;
  auto generic = linalg::GenericOp::create(
      b, loc, ValueRange(accumulators).getTypes(), tensor, accumulators, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc,
                                combine(nb, nloc, args[0], args.drop_front()));
      });
  return generic.getResults();
}

/// The checks of the functions below: with `tuples`, one size per element of
/// a tuple in the last dim, otherwise one size; indices in [-size, size), or
/// [0, size) without `fromBack`.
static void emitRangeChecks(OpBuilder &b, Location loc, Value indices,
                            ValueRange sizes, bool tuples, bool fromBack,
                            StringRef what, StringRef element) {
  Type i64 = b.getI64Type();
  SmallVector<TypedAttr> inits{
      b.getI64IntegerAttr(std::numeric_limits<int64_t>::max()),
      b.getI64IntegerAttr(std::numeric_limits<int64_t>::min())};
  SmallVector<Value> bounds = reduceAll(
      b, loc, indices, tuples, inits,
      [&](OpBuilder &nb, Location nloc, Value element, ValueRange acc) {
        Value v = toI64(nb, nloc, element);
        return SmallVector<Value>{arith::MinSIOp::create(nb, nloc, v, acc[0]),
                                  arith::MaxSIOp::create(nb, nloc, v, acc[1])};
      });
  for (auto [k, size] : llvm::enumerate(sizes)) {
    SmallVector<Value> at;
    if (tuples)
      at.push_back(arith::ConstantIndexOp::create(b, loc, k));
    Value lowest = tensor::ExtractOp::create(b, loc, bounds[0], at);
    Value highest = tensor::ExtractOp::create(b, loc, bounds[1], at);
    Value limit = toI64(b, loc, size);
    Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
    Value first =
        fromBack ? Value(arith::SubIOp::create(b, loc, zero, limit)) : zero;
    Value tooLow =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lowest, first);
    Value tooHigh = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                          highest, limit);
    Value failed = arith::OrIOp::create(b, loc, tooLow, tooHigh);
    Value culprit = arith::SelectOp::create(b, loc, tooLow, lowest, highest);
    Value last = arith::SubIOp::create(
        b, loc, limit, arith::ConstantIntOp::create(b, loc, i64, 1));
    std::string message =
        (what + ": " + element +
         " out of data bounds, idx={0} must be within the inclusive range "
         "[{1},{2}]")
            .str();
    if (tuples)
      message += " (element " + std::to_string(k) + " of an index tuple)";
    emitRuntimeCheck(b, loc, failed, message, {culprit, first, last});
  }
}

void mlir::xfmr::emitBroadcastableCheck(OpBuilder &b, Location loc, Value size,
                                        Value target, int64_t axis,
                                        StringRef what) {
  auto differs = [&](Value x, Value y) -> Value {
    return b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, y);
  };
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value failed = b.createOrFold<arith::AndIOp>(
      loc, differs(size, target),
      b.createOrFold<arith::AndIOp>(loc, differs(size, one),
                                    differs(target, one)));
  emitRuntimeCheck(
      b, loc, failed,
      (what + ": Attempting to broadcast an axis by a dimension other than "
              "1. {0} by {1} (axis {2})")
          .str(),
      {size, target, arith::ConstantIndexOp::create(b, loc, axis)});
}

void mlir::xfmr::emitIndicesInRangeCheck(OpBuilder &b, Location loc,
                                         Value indices, Value size,
                                         StringRef what) {
  emitRangeChecks(b, loc, indices, size, /*tuples=*/false, /*fromBack=*/true,
                  what, "indices element");
}

void mlir::xfmr::emitIndexTuplesInRangeCheck(OpBuilder &b, Location loc,
                                             Value indices, ValueRange sizes,
                                             StringRef what) {
  emitRangeChecks(b, loc, indices, sizes, /*tuples=*/true, /*fromBack=*/true,
                  what, "indices element");
}

void mlir::xfmr::emitPositionsInRangeCheck(OpBuilder &b, Location loc,
                                           Value positions, Value size,
                                           StringRef what) {
  emitRangeChecks(b, loc, positions, size, /*tuples=*/false,
                  /*fromBack=*/false, what, "position id");
}

void mlir::xfmr::emitNonZeroDivisorCheck(OpBuilder &b, Location loc,
                                         Value divisor, StringRef what) {
  SmallVector<TypedAttr> inits{b.getBoolAttr(false)};
  Value anyZero = reduceAll(
      b, loc, divisor, /*keepLast=*/false, inits,
      [&](OpBuilder &nb, Location nloc, Value element, ValueRange acc) {
        Value zero = arith::ConstantOp::create(
            nb, nloc, nb.getZeroAttr(element.getType()));
        Value isZero = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq,
                                             element, zero);
        return SmallVector<Value>{
            arith::OrIOp::create(nb, nloc, isZero, acc[0])};
      })[0];
  Value failed = tensor::ExtractOp::create(b, loc, anyZero, ValueRange());
  emitRuntimeCheck(b, loc, failed, (what + ": integer division by zero").str());
}
