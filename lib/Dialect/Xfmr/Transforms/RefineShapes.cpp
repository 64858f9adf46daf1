//===- RefineShapes.cpp - Propagate static shapes through xfmr ops --------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRREFINESHAPESPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// The most precise type that agrees with both: static dims from either.
/// Returns `current` when the two disagree, which the verifier reports.
static Type meetTypes(Type current, Type inferred) {
  auto a = dyn_cast<RankedTensorType>(current);
  auto b = dyn_cast<RankedTensorType>(inferred);
  if (!a || !b || a.getRank() != b.getRank() ||
      a.getElementType() != b.getElementType())
    return current;
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip_equal(a.getShape(), b.getShape())) {
    if (ShapedType::isDynamic(x))
      shape.push_back(y);
    else if (ShapedType::isDynamic(y) || x == y)
      shape.push_back(x);
    else
      return current;
  }
  return a.clone(shape);
}

struct RefineShapesPass
    : public xfmr::impl::XfmrRefineShapesPassBase<RefineShapesPass> {
  using XfmrRefineShapesPassBase::XfmrRefineShapesPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *context = &getContext();

    // Operands come before their users in a block, so one walk in order
    // propagates refinements along whole chains.
    func.walk([&](Operation *op) {
      if (!isa<XfmrDialect>(op->getDialect()))
        return;
      auto inferOp = dyn_cast<InferTypeOpInterface>(op);
      if (!inferOp)
        return;
      SmallVector<Type> inferred;
      if (failed(inferOp.inferReturnTypes(
              context, op->getLoc(), op->getOperands(),
              op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
              op->getRegions(), inferred)) ||
          inferred.size() != op->getNumResults())
        return;
      for (auto [result, type] : llvm::zip_equal(op->getResults(), inferred))
        refineResult(result, meetTypes(result.getType(), type));
    });
    updateReturns(func);
  }

  /// Gives `result` the type `refined`; users outside the xfmr dialect (other
  /// than the return) keep seeing the old type through a tensor.cast.
  void refineResult(Value result, Type refined) {
    Type old = result.getType();
    if (old == refined)
      return;
    result.setType(refined);
    OpBuilder builder(result.getContext());
    builder.setInsertionPointAfterValue(result);
    Value cast;
    for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
      Operation *user = use.getOwner();
      if (isa<XfmrDialect>(user->getDialect()) || isa<func::ReturnOp>(user))
        continue;
      if (!cast)
        cast = tensor::CastOp::create(builder, result.getLoc(), old, result);
      if (user != cast.getDefiningOp())
        use.set(cast);
    }
  }

  /// Refined values reaching the return either refine the signature or are
  /// cast back to the declared result types.
  void updateReturns(func::FuncOp func) {
    SmallVector<Type> resultTypes(func.getResultTypes());
    func.walk([&](func::ReturnOp ret) {
      OpBuilder builder(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        unsigned i = operand.getOperandNumber();
        Type actual = operand.get().getType();
        if (actual == resultTypes[i])
          continue;
        if (refineSignature) {
          resultTypes[i] = actual;
          continue;
        }
        operand.set(tensor::CastOp::create(builder, ret.getLoc(),
                                           resultTypes[i], operand.get()));
      }
    });
    if (refineSignature)
      func.setType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                     resultTypes));
  }
};

} // namespace
