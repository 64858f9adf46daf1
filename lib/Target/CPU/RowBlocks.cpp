//===- RowBlocks.cpp - Register blocks of rows over weight panels ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "RowBlocks.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/bit.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

class RowBlockBuilder {
public:
  RowBlockBuilder(OpBuilder &b, Location loc, const RowBlockLayout &layout,
                  RowBlockKernel &kernel)
      : b(b), loc(loc), layout(layout), kernel(kernel),
        rank(layout.sizes.size()), rowDim(rank - (layout.panelDim ? 3 : 2)) {}

  Value build(Value dest) {
    int64_t rows = layout.registerRows;
    std::optional<int64_t> m = getConstantIntValue(layout.sizes[rowDim]);
    if (m)
      rows = std::max<int64_t>(1, std::min(rows, *m));
    Value rowsValue = arith::ConstantIndexOp::create(b, loc, rows);
    Value mValue =
        getValueOrCreateConstantIndexOp(b, loc, layout.sizes[rowDim]);
    Value fullBlocks = arith::DivUIOp::create(b, loc, mValue, rowsValue);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value result = buildBlocks(rows, zero, fullBlocks, dest);
    Value done = arith::MulIOp::create(b, loc, fullBlocks, rowsValue);
    // The rows past the full blocks, fewer than a block, as one block when
    // their count is static.
    if (m) {
      if (*m % rows == 0)
        return result;
      return buildBlocks(*m % rows, done, one, result);
    }
    // Otherwise as blocks of 4, 2 and 1 rows (for blocks of up to 8), each
    // run once or not at all: a few rows (a decode step's) read each
    // weight once per block, not once per row.
    Value left = arith::SubIOp::create(b, loc, mValue, done);
    Value start = done;
    int64_t largest =
        rows > 1 ? static_cast<int64_t>(llvm::bit_floor(uint64_t(rows - 1)))
                 : 0;
    for (int64_t size = largest; size >= 1; size /= 2) {
      Value sizeValue = arith::ConstantIndexOp::create(b, loc, size);
      Value count = arith::RemUIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, left, sizeValue),
          arith::ConstantIndexOp::create(b, loc, 2));
      result = buildBlocks(size, start, count, result);
      start = arith::AddIOp::create(
          b, loc, start, arith::MulIOp::create(b, loc, count, sizeValue));
    }
    return result;
  }

private:
  /// `count` blocks of `rows` rows from row `start`, written into `dest`.
  Value buildBlocks(int64_t rows, Value start, Value count, Value dest) {
    // Batch dims, the panel, then the row block innermost.
    SmallVector<OpFoldResult> bounds(layout.sizes.begin(),
                                     layout.sizes.begin() + rowDim);
    bounds.push_back(b.getIndexAttr(layout.panels));
    bounds.push_back(count);
    auto forall = scf::ForallOp::create(b, loc, bounds, ValueRange{dest},
                                        /*mapping=*/std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    SmallVector<Value> ivs(forall.getInductionVars());
    SmallVector<Value> batch(ArrayRef<Value>(ivs).drop_back(2));
    Value rowsValue = arith::ConstantIndexOp::create(b, loc, rows);
    Value firstRow = arith::AddIOp::create(
        b, loc, start, arith::MulIOp::create(b, loc, ivs.back(), rowsValue));
    SmallVector<Value> rowIndex;
    for (int64_t r = 0; r < rows; ++r)
      rowIndex.push_back(arith::AddIOp::create(
          b, loc, firstRow, arith::ConstantIndexOp::create(b, loc, r)));
    Value out = forall.getRegionIterArgs()[0];
    RowBlockPosition at{batch, ivs[ivs.size() - 2], rowIndex, out};

    SmallVector<Value> accs = kernel.initialAccumulators(b, loc, at);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value steps = arith::ConstantIndexOp::create(b, loc, layout.steps);
    auto loop = scf::ForOp::create(
        b, loc, zero, steps, one, accs,
        [&](OpBuilder &nested, Location nestedLoc, Value step,
            ValueRange carried) {
          scf::YieldOp::create(
              nested, nestedLoc,
              kernel.step(nested, nestedLoc, step, at, carried));
        });

    // The block's tile of the result, [rows, NR].
    int64_t nr = layout.panelWidth;
    SmallVector<OpFoldResult> offsets, tileSizes,
        strides(rank, b.getIndexAttr(1));
    for (Value index : batch) {
      offsets.push_back(index);
      tileSizes.push_back(b.getIndexAttr(1));
    }
    offsets.push_back(firstRow);
    tileSizes.push_back(b.getIndexAttr(rows));
    if (layout.panelDim) {
      offsets.push_back(at.panel);
      tileSizes.push_back(b.getIndexAttr(1));
      offsets.push_back(b.getIndexAttr(0));
    } else {
      offsets.push_back(
          arith::MulIOp::create(b, loc, at.panel,
                                arith::ConstantIndexOp::create(b, loc, nr))
              .getResult());
    }
    tileSizes.push_back(b.getIndexAttr(nr));
    auto tileType =
        RankedTensorType::get({rows, nr}, layout.accumulatorElement);
    Value tile = tensor::ExtractSliceOp::create(b, loc, tileType, out, offsets,
                                                tileSizes, strides);
    int64_t perRow = nr / layout.lanes;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t v = 0; v < perRow; ++v) {
        Value indices[] = {
            arith::ConstantIndexOp::create(b, loc, r),
            arith::ConstantIndexOp::create(b, loc, v * layout.lanes)};
        tile = vector::TransferWriteOp::create(
                   b, loc, loop.getResult(r * perRow + v), tile, indices,
                   ArrayRef<bool>{true})
                   .getResult();
      }
    }
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, tile, out, offsets, tileSizes,
                                          strides);
    return forall.getResult(0);
  }

  OpBuilder &b;
  Location loc;
  const RowBlockLayout &layout;
  RowBlockKernel &kernel;
  int64_t rank, rowDim;
};

} // namespace

Value mlir::xfmr::buildRowBlocks(OpBuilder &b, Location loc,
                                 const RowBlockLayout &layout, Value dest,
                                 RowBlockKernel &kernel) {
  return RowBlockBuilder(b, loc, layout, kernel).build(dest);
}
