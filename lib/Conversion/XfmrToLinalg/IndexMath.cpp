//===- IndexMath.cpp - Folding index arithmetic for xfmr-to-linalg --------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "IndexMath.h"
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::xfmr;

Value IndexMath::constant(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value IndexMath::value(OpFoldResult ofr) {
  return getValueOrCreateConstantIndexOp(b, loc, ofr);
}

Value IndexMath::add(Value x, Value y) {
  return b.createOrFold<arith::AddIOp>(loc, x, y);
}

Value IndexMath::sub(Value x, Value y) {
  return b.createOrFold<arith::SubIOp>(loc, x, y);
}

Value IndexMath::mul(Value x, Value y) {
  return b.createOrFold<arith::MulIOp>(loc, x, y);
}

Value IndexMath::ceilDiv(Value x, Value y) {
  return b.createOrFold<arith::CeilDivSIOp>(loc, x, y);
}

Value IndexMath::min(Value x, Value y) {
  return b.createOrFold<arith::MinSIOp>(loc, x, y);
}

Value IndexMath::max(Value x, Value y) {
  return b.createOrFold<arith::MaxSIOp>(loc, x, y);
}

Value IndexMath::lessThan(Value x, Value y) {
  return b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, x, y);
}

Value IndexMath::equal(Value x, Value y) {
  return b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, y);
}

Value IndexMath::notEqual(Value x, Value y) {
  return b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, y);
}

Value IndexMath::either(Value x, Value y) {
  return b.createOrFold<arith::OrIOp>(loc, x, y);
}

Value IndexMath::both(Value x, Value y) {
  return b.createOrFold<arith::AndIOp>(loc, x, y);
}

Value IndexMath::select(Value cond, Value x, Value y) {
  // Equal constants need no select, and leave offsets and strides static.
  APInt cx, cy;
  if (matchPattern(x, m_ConstantInt(&cx)) &&
      matchPattern(y, m_ConstantInt(&cy)) && cx == cy)
    return x;
  return b.createOrFold<arith::SelectOp>(loc, cond, x, y);
}

Value IndexMath::wrap(Value i, Value size) {
  return select(lessThan(i, constant(0)), add(i, size), i);
}

Value IndexMath::wrapInRange(Value index, Value size) {
  return clamp(wrap(toIndex(index), size), constant(0), sub(size, constant(1)));
}

SmallVector<Value> IndexMath::readIndexTuple(Value indices, ValueRange leading,
                                             ArrayRef<Value> sizes) {
  SmallVector<Value> at(leading), tuple;
  at.push_back(Value());
  for (auto [k, size] : llvm::enumerate(sizes)) {
    at.back() = constant(k);
    Value index = tensor::ExtractOp::create(b, loc, indices, at);
    tuple.push_back(wrapInRange(index, size));
  }
  return tuple;
}

Value IndexMath::toIndex(Value v) {
  if (v.getType().isIndex())
    return v;
  return b.createOrFold<arith::IndexCastOp>(loc, b.getIndexType(), v);
}

Value IndexMath::extract(Value tensor, ArrayRef<int64_t> position) {
  SmallVector<Value> indices;
  for (int64_t p : position)
    indices.push_back(constant(p));
  return toIndex(b.createOrFold<tensor::ExtractOp>(loc, tensor, indices));
}

SmallVector<Value> IndexMath::extractAll(Value tensor) {
  SmallVector<Value> values;
  int64_t n = cast<RankedTensorType>(tensor.getType()).getDimSize(0);
  for (int64_t i = 0; i < n; ++i)
    values.push_back(extract(tensor, {i}));
  return values;
}

Value mlir::xfmr::indicesToTensor(OpBuilder &b, Location loc,
                                  ArrayRef<Value> values,
                                  RankedTensorType type) {
  Type elementType = type.getElementType();
  SmallVector<APInt> constants;
  unsigned width = elementType.isIndex() ? IndexType::kInternalStorageBitWidth
                                         : elementType.getIntOrFloatBitWidth();
  for (Value v : values) {
    APInt c;
    if (!matchPattern(v, m_ConstantInt(&c)))
      break;
    constants.push_back(c.sextOrTrunc(width));
  }
  if (constants.size() == values.size())
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(type, constants));
  SmallVector<Value> elements;
  for (Value v : values)
    elements.push_back(
        elementType.isIndex()
            ? v
            : b.createOrFold<arith::IndexCastOp>(loc, elementType, v));
  return tensor::FromElementsOp::create(b, loc, type, elements);
}

Value mlir::xfmr::buildIndexedGeneric(
    OpBuilder &b, Location loc, Value init, ValueRange inputs,
    ArrayRef<AffineMap> inputMaps,
    function_ref<Value(OpBuilder &, Location, ValueRange, ValueRange)> body) {
  int64_t rank = cast<RankedTensorType>(init.getType()).getRank();
  return buildParallelGeneric(
      b, loc, inputs, inputMaps, init,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(nb, nloc, d));
        return body(nb, nloc, args.drop_back(), indices);
      });
}
