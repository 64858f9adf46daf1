//===- TileAndVectorize.cpp - Vector-sized tiles of linalg ops ------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each linalg op on tensors becomes a nest of loops whose body is one
// vector operation of a fixed size, so that the vectors the code generator
// sees never grow with the problem. Tiling stays on tensors (scf.forall for
// the parallel dims, scf.for for the reductions), where subsets are values:
// the accumulator of a reduction loop becomes a loop-carried vector by
// hoisting its matching read and write out of the loop, without the alias
// questions that the same hoisting would raise on buffers.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRCPUTILEANDVECTORIZEPASS
#include "xfmr/Target/CPU/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

namespace {

//===----------------------------------------------------------------------===//
// Tile sizes
//===----------------------------------------------------------------------===//

/// The loop dims of a matmul-like op that a broadcast-FMA block spans: `n`,
/// the output's innermost dim, read contiguously by some input (the rhs of
/// a matmul), and `m`, the output's next dim, if it is a loop dim too.
struct RegisterBlockDims {
  unsigned n;
  std::optional<unsigned> m;
};

/// Returns the register block of an op whose innermost loop is a reduction
/// but whose lanes are better put on an output dim: a matmul's k is
/// contiguous in the lhs only, and reducing 16 of them at a time would need
/// a horizontal sum per step, while its n is contiguous in the rhs and the
/// output, so a step over k is a broadcast of lhs values times a rhs row.
std::optional<RegisterBlockDims> findRegisterBlock(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() == 0)
    return std::nullopt;
  auto parallelDim = [&](AffineExpr expr) -> std::optional<unsigned> {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim || !linalg::isParallelIterator(iterators[dim.getPosition()]))
      return std::nullopt;
    return dim.getPosition();
  };
  std::optional<unsigned> n = parallelDim(outMap.getResults().back());
  if (!n)
    return std::nullopt;
  bool contiguousInput = llvm::any_of(
      op.getDpsInputOperands(), [&](OpOperand *operand) {
        AffineMap map = op.getMatchingIndexingMap(operand);
        return map.getNumResults() > 0 &&
               map.getResults().back() == getAffineDimExpr(*n, op.getContext());
      });
  if (!contiguousInput)
    return std::nullopt;
  RegisterBlockDims block{*n, std::nullopt};
  if (outMap.getNumResults() > 1)
    block.m = parallelDim(outMap.getResults().drop_back().back());
  return block;
}

/// Tile sizes, one per loop dim, all positive: a tile is one vector op.
SmallVector<int64_t> planTileSizes(linalg::LinalgOp op, int64_t vectorWidth,
                                   int64_t registerRows) {
  unsigned numLoops = op.getNumLoops();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<int64_t> sizes(numLoops, 1);
  // A static dim smaller than a tile is one tile of its own size, so that
  // it needs no mask.
  auto setSize = [&](unsigned dim, int64_t size) {
    if (!ShapedType::isDynamic(ranges[dim]))
      size = std::min(size, std::max<int64_t>(ranges[dim], 1));
    sizes[dim] = std::max<int64_t>(size, 1);
  };
  unsigned inner = numLoops - 1;
  if (linalg::isReductionIterator(op.getIteratorTypesArray()[inner])) {
    if (std::optional<RegisterBlockDims> block = findRegisterBlock(op)) {
      setSize(block->n, vectorWidth);
      if (block->m)
        setSize(*block->m, registerRows);
      return sizes;
    }
  }
  setSize(inner, vectorWidth);
  return sizes;
}

//===----------------------------------------------------------------------===//
// Tiling and vectorization of one op
//===----------------------------------------------------------------------===//

SmallVector<OpFoldResult> selectSizes(MLIRContext *context,
                                      ArrayRef<int64_t> sizes,
                                      ArrayRef<utils::IteratorType> iterators,
                                      utils::IteratorType kind) {
  Builder b(context);
  SmallVector<OpFoldResult> selected;
  for (auto [size, iterator] : llvm::zip_equal(sizes, iterators))
    selected.push_back(b.getIndexAttr(iterator == kind ? size : 0));
  return selected;
}

/// Tiles `op` with `sizes` on the dims of kind `kind` (the others untiled)
/// and replaces it; returns the tiled op, or `op` itself when no dim of
/// that kind exists.
FailureOr<Operation *> tileDims(RewriterBase &rewriter, linalg::LinalgOp op,
                                ArrayRef<int64_t> sizes,
                                utils::IteratorType kind,
                                scf::SCFTilingOptions::LoopType loopType) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (!llvm::is_contained(iterators, kind))
    return op.getOperation();
  scf::SCFTilingOptions options;
  options.setLoopType(loopType);
  options.setTileSizes(
      selectSizes(op.getContext(), sizes, iterators, kind));
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  return tiled->tiledOps.back();
}

/// Whether every operand's elements are whole bytes in memory. A vector of
/// i1 is a bit mask once lowered to LLVM, while a buffer of i1 holds a byte
/// per element, so ops reading or writing i1 tensors stay scalar.
bool hasByteSizedElements(linalg::LinalgOp op) {
  return llvm::all_of(op->getOperands(), [](Value operand) {
    auto type = dyn_cast<ShapedType>(operand.getType());
    if (!type)
      return true;
    Type element = type.getElementType();
    if (element.isIndex())
      return true;
    return element.isIntOrFloat() &&
           element.getIntOrFloatBitWidth() % 8 == 0;
  });
}

/// Tiles the parallel dims of `op` with scf.forall and its reductions with
/// scf.for inside, then vectorizes the tile at the planned sizes. A tile
/// the vectorizer rejects stays scalar.
void tileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op,
                      int64_t vectorWidth, int64_t registerRows,
                      bool vectorize) {
  // An empty iteration space has nothing to tile (and no vector of size
  // zero to give it).
  if (llvm::is_contained(op.getStaticLoopRanges(), 0))
    return;
  SmallVector<int64_t> sizes = planTileSizes(op, vectorWidth, registerRows);
  bool vectorizeTile = vectorize && hasByteSizedElements(op);
  FailureOr<Operation *> tile =
      tileDims(rewriter, op, sizes, utils::IteratorType::parallel,
               scf::SCFTilingOptions::LoopType::ForallOp);
  if (failed(tile))
    return;
  tile = tileDims(rewriter, cast<linalg::LinalgOp>(*tile), sizes,
                  utils::IteratorType::reduction,
                  scf::SCFTilingOptions::LoopType::ForOp);
  if (failed(tile) || !vectorizeTile)
    return;
  rewriter.setInsertionPoint(*tile);
  SmallVector<bool> scalable(sizes.size(), false);
  FailureOr<linalg::VectorizationResult> vectorized =
      linalg::vectorize(rewriter, *tile, sizes, scalable);
  if (failed(vectorized))
    return;
  if ((*tile)->getNumResults() == 0)
    rewriter.eraseOp(*tile);
  else
    rewriter.replaceOp(*tile, vectorized->replacements);
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct XfmrCPUTileAndVectorizePass
    : xfmr::impl::XfmrCPUTileAndVectorizePassBase<
          XfmrCPUTileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorWidth < 1 || registerRows < 1) {
      getOperation().emitError()
          << "vector-width and register-rows must be positive";
      return signalPassFailure();
    }
    decomposeAggregates();
    tileAll();
    if (vectorize)
      cleanUpVectors();
  }

  /// linalg.softmax and its kind are not structured ops; their parts are.
  void decomposeAggregates() {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::AggregatedOpInterface> aggregates;
    getOperation().walk([&](linalg::AggregatedOpInterface op) {
      if (!isa<linalg::LinalgOp>(op.getOperation()) &&
          op->getNumResults() > 0)
        aggregates.push_back(op);
    });
    for (linalg::AggregatedOpInterface op : aggregates) {
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> parts = op.decomposeOperation(rewriter);
      if (succeeded(parts))
        rewriter.replaceOp(op, *parts);
    }
  }

  void tileAll() {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumLoops() > 0)
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops)
      tileAndVectorize(rewriter, op, vectorWidth, registerRows, vectorize);
  }

  /// Folds the tiles' slices into the vector transfers, turns multiply-
  /// reductions into vector.contract, and hoists loop-invariant transfer
  /// pairs, so that a reduction's accumulator is carried in registers.
  void cleanUpVectors() {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    scf::populateSCFForLoopCanonicalizationPatterns(patterns);
    for (Dialect *dialect : context->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName op : context->getRegisteredOperations())
      op.getCanonicalizationPatterns(patterns, context);
    FrozenRewritePatternSet frozen(std::move(patterns));
    // Not converging within the driver's limit leaves valid IR behind.
    (void)applyPatternsGreedily(getOperation(), frozen);

    IRRewriter rewriter(context);
    getOperation().walk([&](scf::ForOp loop) {
      (void)hoistLoopInvariantSubsets(rewriter, loop);
    });
    (void)applyPatternsGreedily(getOperation(), frozen);
  }
};

} // namespace
