//===- LinearMlpToLinalg.cpp - linear and mlp to linalg -------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every projection is a contraction generic over [rows..., n, k] into a
// zero-filled init, reading a transposed weight through its indexing map
// rather than a copy; bias, activation and the gate product follow in one
// elementwise epilogue generic, the shape that tile-and-fuse pulls into the
// contraction's loops.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xfmr;

/// `x · w` over the last dim of `x`: [..., K] with [K, N] (or [N, K] when
/// `transposed`) gives [..., N].
static Value project(OpBuilder &b, Location loc, Value x, Value w,
                     bool transposed) {
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t rows = xType.getRank() - 1;
  // Loop dims: rows..., n, k.
  int64_t n = rows, k = rows + 1, numLoops = rows + 2;
  SmallVector<int64_t> xDims, outDims;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rows; ++d) {
    xDims.push_back(d);
    outDims.push_back(d);
    sizes.push_back(getDimSize(b, loc, x, d));
  }
  xDims.push_back(k);
  outDims.push_back(n);
  sizes.push_back(getDimSize(b, loc, w, transposed ? 0 : 1));
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps = {
      dimsMap(context, numLoops, xDims),
      dimsMap(context, numLoops,
              transposed ? ArrayRef<int64_t>{n, k} : ArrayRef<int64_t>{k, n}),
      dimsMap(context, numLoops, outDims)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(numLoops);
  iterators.back() = utils::IteratorType::reduction;
  Type elementType = xType.getElementType();
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
  return buildContraction(b, loc, x, w, createFilled(b, loc, sizes, zero),
                          maps, iterators);
}

/// `activation(acc + bias) * factor`, each part optional; `acc` itself when
/// there is nothing to apply.
static Value epilogue(OpBuilder &b, Location loc, Value acc, Value bias,
                      Activation activation, Value factor = {}) {
  if (!bias && activation == Activation::none && !factor)
    return acc;
  auto type = cast<RankedTensorType>(acc.getType());
  int64_t rank = type.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<Value> inputs = {acc};
  SmallVector<AffineMap> maps = {identity};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(dimsMap(b.getContext(), rank, {rank - 1}));
  }
  if (factor) {
    inputs.push_back(factor);
    maps.push_back(identity);
  }
  return buildParallelGeneric(
      b, loc, inputs, maps,
      createEmptyLike(b, loc, acc, type.getElementType()),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value v = args[0];
        if (bias)
          v = arith::AddFOp::create(nb, l, v, args[1]);
        v = ScalarBuilder{nb, l}.activation(v, activation);
        if (factor)
          v = arith::MulFOp::create(nb, l, v, args[bias ? 2 : 1]);
        return v;
      });
}

namespace {

struct LinearToGeneric : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value acc = project(rewriter, loc, op.getInput(), op.getWeight(),
                        op.getTransposeWeight());
    Value result =
        epilogue(rewriter, loc, acc, op.getBias(), op.getActivation());
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }
};

/// Plain: down(act(x · up + b)). Gated: the activation goes to the gate
/// projection, whose result scales the up projection in its epilogue.
struct MlpToGeneric : OpRewritePattern<MlpOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MlpOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    Value up = project(rewriter, loc, x, op.getUp(), /*transposed=*/false);
    Value hidden;
    if (Value gate = op.getGate()) {
      Value gated = epilogue(
          rewriter, loc, project(rewriter, loc, x, gate, /*transposed=*/false),
          op.getGateBias(), op.getActivation());
      hidden = epilogue(rewriter, loc, up, op.getUpBias(), Activation::none,
                        gated);
    } else {
      hidden = epilogue(rewriter, loc, up, op.getUpBias(), op.getActivation());
    }
    Value down =
        project(rewriter, loc, hidden, op.getDown(), /*transposed=*/false);
    Value result =
        epilogue(rewriter, loc, down, op.getDownBias(), Activation::none);
    rewriter.replaceOp(op,
                       castToResultType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrLinearMlpToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LinearToGeneric, MlpToGeneric>(patterns.getContext());
}
