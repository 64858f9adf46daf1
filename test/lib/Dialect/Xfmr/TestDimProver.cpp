//===- TestDimProver.cpp - Shows what the dim prover proves ---------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Annotates every op with what DimProver proves about its first result:
// `xfmr.test.dims` for each dim of a ranked tensor and, for a scalar or 1-D
// integer tensor of static length, `xfmr.test.entries` for each entry. A
// size reads as a constant, `name[d]` (dim d of the value defined at
// loc("name"), or of function argument `argN`), `min(name[d], c)` for a
// slice `[0:n]` of an axis of size c, or `?` when nothing is proven.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/DimProver.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::xfmr;

namespace {

std::string describeValue(Value value) {
  if (auto arg = dyn_cast<BlockArgument>(value))
    return "arg" + std::to_string(arg.getArgNumber());
  Operation *op = value.getDefiningOp();
  std::string name = op->getName().getStringRef().str();
  if (auto named = dyn_cast<NameLoc>(op->getLoc()))
    name = named.getName().str();
  if (op->getNumResults() > 1)
    name += "#" + std::to_string(cast<OpResult>(value).getResultNumber());
  return name;
}

std::string describeSize(const ProvenSize &size) {
  if (size.constant)
    return std::to_string(*size.constant);
  if (!size.value)
    return "?";
  std::string dim =
      describeValue(size.value) + "[" + std::to_string(size.dim) + "]";
  if (size.clampedAt)
    return "min(" + dim + ", " + std::to_string(*size.clampedAt) + ")";
  return dim;
}

struct TestDimProverPass : PassWrapper<TestDimProverPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestDimProverPass)

  TestDimProverPass() = default;
  TestDimProverPass(const TestDimProverPass &other) : PassWrapper(other) {}

  Option<bool> lastFirst{
      *this, "last-first",
      llvm::cl::desc("Ask about the ops from the last to the first, so that "
                     "each question comes before those it depends on")};

  StringRef getArgument() const final { return "xfmr-test-dim-prover"; }
  StringRef getDescription() const final {
    return "Annotate ops with the sizes DimProver proves for their result";
  }

  void runOnOperation() override {
    DimProver prover;
    Builder builder(&getContext());
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) { ops.push_back(op); });
    if (lastFirst)
      std::reverse(ops.begin(), ops.end());
    for (Operation *op : ops)
      annotate(prover, builder, op);
  }

  void annotate(DimProver &prover, Builder &builder, Operation *op) {
    if (op->getNumResults() == 0)
      return;
    Value result = op->getResult(0);
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type)
      return;
    SmallVector<std::string> dims;
    for (int64_t d = 0; d < type.getRank(); ++d)
      dims.push_back(describeSize(prover.dim(result, d)));
    op->setAttr("xfmr.test.dims",
                builder.getStrArrayAttr(
                    SmallVector<StringRef>(dims.begin(), dims.end())));
    if (!type.getElementType().isInteger() ||
        type.getElementType().isInteger(1))
      return;
    std::optional<SmallVector<ProvenSize>> entries = prover.elements(result);
    if (!entries)
      return;
    SmallVector<std::string> described;
    for (const ProvenSize &entry : *entries)
      described.push_back(describeSize(entry));
    op->setAttr("xfmr.test.entries",
                builder.getStrArrayAttr(SmallVector<StringRef>(
                    described.begin(), described.end())));
  }
};

} // namespace

namespace mlir::xfmr {
void registerTestDimProverPass() { PassRegistration<TestDimProverPass>(); }
} // namespace mlir::xfmr
