//===- FusedEpilogue.cpp - What a contraction kernel absorbs around it ----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// After bufferization a linear layer is three ops on one buffer C: a fill
// of C with zero, the contraction accumulating into C, and the elementwise
// rest (bias, activation, residual) reading C back, mostly in place. As
// three kernels, C makes three round trips through global memory. The
// contraction's kernel takes the fill as its accumulators' initial value
// and evaluates the elementwise op on each accumulator before its one
// store.
//
//===----------------------------------------------------------------------===//

#include "TensorCoreKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlir::xfmr;

/// Whether `value` is `buffer` or a view of it.
static bool isViewOf(Value value, Value buffer) {
  while (value != buffer) {
    auto view = value.getDefiningOp<ViewLikeOpInterface>();
    if (!view)
      return false;
    value = view.getViewSource();
  }
  return true;
}

/// The elementwise op that `op`'s kernel can evaluate before its store: the
/// op right after it, all loops parallel, whose maps are projected
/// permutations, that reads C (the contraction's output) only at the
/// element it writes, and writes C itself or a buffer of its own.
static linalg::GenericOp findEpilogue(linalg::LinalgOp op, AffineMap &cMap) {
  auto epilogue = dyn_cast_or_null<linalg::GenericOp>(op->getNextNode());
  Value c = op.getDpsInitOperand(0)->get();
  if (!epilogue || !epilogue.hasPureBufferSemantics() ||
      epilogue.getNumDpsInits() != 1 ||
      epilogue.getNumParallelLoops() != epilogue.getNumLoops() ||
      epilogue.getNumLoops() != cast<MemRefType>(c.getType()).getRank())
    return nullptr;
  OpOperand &out = *epilogue.getDpsInitOperand(0);
  AffineMap outMap = epilogue.getMatchingIndexingMap(&out);
  if (!outMap.isPermutation())
    return nullptr;
  // A buffer of its own: one that no input of the contraction can be.
  if (out.get() != c && !out.get().getDefiningOp<memref::AllocOp>())
    return nullptr;
  bool readsC = out.get() == c;
  for (OpOperand &operand : epilogue->getOpOperands()) {
    AffineMap map = epilogue.getMatchingIndexingMap(&operand);
    if (!map.isProjectedPermutation())
      return nullptr;
    if (operand.get() == c) {
      if (map != outMap)
        return nullptr;
      readsC = true;
    } else if (isViewOf(operand.get(), c)) {
      return nullptr;
    }
  }
  if (!readsC)
    return nullptr;
  cMap = outMap;
  return epilogue;
}

FusedNeighbours mlir::xfmr::findFusedNeighbours(linalg::LinalgOp op) {
  FusedNeighbours fused;
  Value c = op.getDpsInitOperand(0)->get();
  auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode());
  if (fill && fill.hasPureBufferSemantics() && fill.getOutputs()[0] == c)
    fused.fill = fill;
  fused.epilogue = findEpilogue(op, fused.cMap);
  return fused;
}

Value mlir::xfmr::initialOutputElement(OpBuilder &b, Location loc,
                                       linalg::LinalgOp op,
                                       const FusedNeighbours &fused,
                                       ArrayRef<Value> loopIndices,
                                       Value inBounds, Value zero) {
  if (fused.fill)
    return fused.fill->getOperand(0);
  return loadOrZero(b, loc, op, *op.getDpsInitOperand(0), loopIndices, inBounds,
                    zero);
}

/// Stores `value`, the output element at `loopIndices` (in bounds), or
/// what the epilogue makes of it, where the epilogue writes.
static void storeOutputElement(OpBuilder &b, Location loc, linalg::LinalgOp op,
                               const FusedNeighbours &fused,
                               ArrayRef<Value> loopIndices, Value value) {
  OpOperand &out = *op.getDpsInitOperand(0);
  Value c = out.get();
  linalg::GenericOp epilogue = fused.epilogue;
  OpOperand *epilogueOut = epilogue ? epilogue.getDpsInitOperand(0) : nullptr;
  if (!epilogue || epilogueOut->get() != c)
    memref::StoreOp::create(b, loc, value, c,
                            operandIndices(op, out, loopIndices));
  if (!epilogue)
    return;

  // The epilogue's loop indices: those of C's dims.
  AffineMap outMap = op.getMatchingIndexingMap(&out);
  SmallVector<Value> indices(epilogue.getNumLoops());
  for (unsigned d = 0; d < fused.cMap.getNumResults(); ++d)
    indices[fused.cMap.getDimPosition(d)] =
        loopIndices[outMap.getDimPosition(d)];
  Block &body = epilogue.getRegion().front();
  IRMapping mapping;
  for (OpOperand &operand : epilogue->getOpOperands()) {
    BlockArgument arg = body.getArgument(operand.getOperandNumber());
    if (arg.use_empty())
      continue;
    mapping.map(arg, operand.get() == c
                         ? value
                         : memref::LoadOp::create(
                               b, loc, operand.get(),
                               operandIndices(epilogue, operand, indices))
                               .getResult());
  }
  for (Operation &inner : body.without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      mapping.map(index.getResult(), indices[index.getDim()]);
      continue;
    }
    b.clone(inner, mapping);
  }
  Value result = mapping.lookupOrDefault(body.getTerminator()->getOperand(0));
  memref::StoreOp::create(b, loc, result, epilogueOut->get(),
                          operandIndices(epilogue, *epilogueOut, indices));
}

void mlir::xfmr::storeAccumulators(OpBuilder &b, Location loc,
                                   linalg::LinalgOp op,
                                   const ContractionLoops &loops,
                                   const FusedNeighbours &fused,
                                   SmallVector<Value> &loopIndices,
                                   ArrayRef<std::pair<Value, Value>> positions,
                                   ValueRange tiles, Value m, Value n) {
  auto below = [&](Value value, Value bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, value,
                                 bound)
        .getResult();
  };
  for (auto [i, position] : llvm::enumerate(positions)) {
    auto [row, col] = position;
    Value inBounds =
        arith::AndIOp::create(b, loc, below(row, m), below(col, n));
    auto store = scf::IfOp::create(b, loc, inBounds, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(store.thenBlock());
    Value value = vector::ExtractOp::create(
        b, loc, tiles[i / 4],
        ArrayRef<int64_t>{static_cast<int64_t>(i % 4 / 2),
                          static_cast<int64_t>(i % 2)});
    loopIndices[loops.m] = row;
    loopIndices[loops.n] = col;
    storeOutputElement(b, loc, op, fused, loopIndices, value);
  }
}

void mlir::xfmr::eraseFusedNeighbours(const FusedNeighbours &fused) {
  if (fused.fill)
    fused.fill->erase();
  if (fused.epilogue)
    fused.epilogue->erase();
}
