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

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/CSE.h"
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
  // The input must also run along a reduction, as a matmul's rhs [k, n]
  // does. A per-row value broadcast along the reduction (softmax's max in
  // its sum of exponentials) also ends in `n`, but putting lanes on `n`
  // there would read the reduced input across rows, one element per lane.
  bool contiguousInput = llvm::any_of(
      op.getDpsInputOperands(), [&](OpOperand *operand) {
        AffineMap map = op.getMatchingIndexingMap(operand);
        if (map.getNumResults() == 0 ||
            map.getResults().back() != getAffineDimExpr(*n, op.getContext()))
          return false;
        return llvm::any_of(map.getResults(), [&](AffineExpr expr) {
          auto dim = dyn_cast<AffineDimExpr>(expr);
          return dim &&
                 linalg::isReductionIterator(iterators[dim.getPosition()]);
        });
      });
  if (!contiguousInput)
    return std::nullopt;
  RegisterBlockDims block{*n, std::nullopt};
  if (outMap.getNumResults() > 1)
    block.m = parallelDim(outMap.getResults().drop_back().back());
  return block;
}

/// How one op is cut: tile sizes, one per loop dim, all positive (a tile is
/// one vector op), and whether the lanes run along a reduction.
struct TilePlan {
  SmallVector<int64_t> sizes;
  bool lanesOnReduction = false;
};

TilePlan planTiles(linalg::LinalgOp op, int64_t vectorWidth,
                   int64_t registerRows) {
  unsigned numLoops = op.getNumLoops();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  TilePlan plan;
  plan.sizes.assign(numLoops, 1);
  // A static dim smaller than a tile is one tile of its own size, so that
  // it needs no mask.
  auto setSize = [&](unsigned dim, int64_t size) {
    if (!ShapedType::isDynamic(ranges[dim]))
      size = std::min(size, std::max<int64_t>(ranges[dim], 1));
    plan.sizes[dim] = std::max<int64_t>(size, 1);
  };
  unsigned inner = numLoops - 1;
  if (linalg::isReductionIterator(op.getIteratorTypesArray()[inner])) {
    if (std::optional<RegisterBlockDims> block = findRegisterBlock(op)) {
      setSize(block->n, vectorWidth);
      if (block->m)
        setSize(*block->m, registerRows);
      return plan;
    }
    plan.lanesOnReduction = true;
  }
  setSize(inner, vectorWidth);
  return plan;
}

//===----------------------------------------------------------------------===//
// Tiling
//===----------------------------------------------------------------------===//

/// Marks an op to vectorize after tiling, with its vector sizes (none: its
/// static shape). Vectorization waits for the canonicalization that follows
/// tiling, which makes the tiles of peeled loops static.
constexpr StringLiteral kVectorSizesAttr = "__xfmr_vector_sizes__";

void markForVectorization(Operation *op, ArrayRef<int64_t> sizes) {
  op->setAttr(kVectorSizesAttr,
              DenseI64ArrayAttr::get(op->getContext(), sizes));
}

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

/// Tiles `op` and replaces it with the loops.
FailureOr<scf::SCFTilingResult> tile(RewriterBase &rewriter,
                                     linalg::LinalgOp op,
                                     const scf::SCFTilingOptions &options) {
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (succeeded(tiled))
    rewriter.replaceOp(op, tiled->replacements);
  return tiled;
}

/// Whether tiling the reductions of `op` can keep partial results per lane:
/// each result must be a reduction by one combiner with a neutral element
/// (the initial value of the partial results). Bodies that read their
/// iteration indices are excluded: partial-reduction tiling gives them the
/// tile's local indices, not the loop's (a gather would read the wrong
/// elements).
bool hasLaneWiseReductions(linalg::LinalgOp op) {
  if (!op.getBlock()->getOps<linalg::IndexOp>().empty())
    return false;
  for (unsigned i = 0, e = op.getNumDpsInits(); i < e; ++i) {
    SmallVector<Operation *> combiners;
    if (!matchReduction(op.getRegionOutputArgs(), i, combiners) ||
        combiners.size() != 1 || !arith::getNeutralElement(combiners.front()))
      return false;
  }
  return true;
}

/// Tiles the reductions of `op` (a tile of its parallel dims) with scf.for.
/// Lanes along a reduction accumulate lane-wise partial results (one add
/// per lane and step, one reduction across lanes at the end) instead of
/// reducing across lanes at every step. Marks the tiles to vectorize when
/// `vectorize`.
LogicalResult tileReductions(RewriterBase &rewriter, linalg::LinalgOp op,
                             const TilePlan &plan, bool vectorize) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  scf::SCFTilingOptions options;
  options.setTileSizes(selectSizes(op.getContext(), plan.sizes, iterators,
                                   utils::IteratorType::reduction));
  if (plan.lanesOnReduction && hasLaneWiseReductions(op)) {
    SmallVector<unsigned> reductionDims;
    op.getReductionDims(reductionDims);
    options.setReductionTilingStrategy(
        ReductionTilingStrategy::PartialReductionOuterReduction);
    options.setReductionDims(reductionDims);
  }
  FailureOr<scf::SCFTilingResult> tiled = tile(rewriter, op, options);
  if (failed(tiled))
    return failure();
  if (!vectorize)
    return success();
  // Marked before peeling, which copies the tile into the last step.
  markForVectorization(tiled->tiledOps.back(), plan.sizes);
  // The partial results' initial values and their merge have static shapes.
  for (Value init : tiled->initialValues)
    if (Operation *producer = init.getDefiningOp<linalg::LinalgOp>())
      markForVectorization(producer, {});
  for (Operation *merge : tiled->mergeOps)
    if (isa<linalg::LinalgOp>(merge))
      markForVectorization(merge, {});
  // The last step of a reduction loop is peeled off when partial, so that
  // the others are full tiles without masks.
  for (LoopLikeOpInterface loop : tiled->loops) {
    auto forOp = dyn_cast<scf::ForOp>(loop.getOperation());
    scf::ForOp partial;
    if (forOp)
      (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial);
  }
  return success();
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
/// scf.for inside, and marks the tiles to vectorize at the planned sizes.
void tileOp(RewriterBase &rewriter, linalg::LinalgOp op, int64_t vectorWidth,
            int64_t registerRows, bool vectorize) {
  // An empty iteration space has nothing to tile (and no vector of size
  // zero to give it).
  if (llvm::is_contained(op.getStaticLoopRanges(), 0))
    return;
  TilePlan plan = planTiles(op, vectorWidth, registerRows);
  vectorize = vectorize && hasByteSizedElements(op);
  plan.lanesOnReduction = plan.lanesOnReduction && vectorize;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  Operation *tileOp = op;
  if (llvm::is_contained(iterators, utils::IteratorType::parallel)) {
    scf::SCFTilingOptions options;
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    options.setTileSizes(selectSizes(op.getContext(), plan.sizes, iterators,
                                     utils::IteratorType::parallel));
    FailureOr<scf::SCFTilingResult> tiled = tile(rewriter, op, options);
    if (failed(tiled))
      return;
    tileOp = tiled->tiledOps.back();
  }
  if (llvm::is_contained(iterators, utils::IteratorType::reduction)) {
    (void)tileReductions(rewriter, cast<linalg::LinalgOp>(tileOp), plan,
                         vectorize);
    return;
  }
  if (vectorize)
    markForVectorization(tileOp, plan.sizes);
}

//===----------------------------------------------------------------------===//
// Vectorization
//===----------------------------------------------------------------------===//

/// Rewrites a floating-point multiply-accumulate generic into the
/// equivalent linalg.contract, which the vectorizer turns into one
/// vector.contract of the operands as they are read (m x k, k x n); built
/// from a multi-reduction instead, the contraction would depend on folding
/// broadcasts and transposes back into it. Returns null if `op` is not one.
linalg::LinalgOp convertToContract(RewriterBase &rewriter,
                                   linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || !linalg::isaContractionOpInterface(op) ||
      generic.getNumResults() != 1)
    return nullptr;
  Type element = getElementTypeOrSelf(generic.getResult(0).getType());
  if (!isa<FloatType>(element) ||
      llvm::any_of(generic->getOperandTypes(), [&](Type type) {
        return getElementTypeOrSelf(type) != element;
      }))
    return nullptr;
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (body.getOperations().size() != 3 || !add ||
      !llvm::is_contained(add->getOperands(), body.getArgument(2)))
    return nullptr;
  auto mul = dyn_cast<arith::MulFOp>(&body.front());
  if (!mul || !llvm::is_contained(add->getOperands(), mul.getResult()) ||
      add.getFastmath() != arith::FastMathFlags::none ||
      mul.getFastmath() != arith::FastMathFlags::none)
    return nullptr;
  rewriter.setInsertionPoint(generic);
  auto contract = linalg::ContractOp::create(
      rewriter, generic.getLoc(), generic.getResultTypes(),
      generic.getDpsInputs(), generic.getDpsInits(),
      generic.getIndexingMaps());
  rewriter.replaceOp(generic, contract->getResults());
  return contract;
}

/// Vectorizes an op marked by tiling; leaves it scalar when the vectorizer
/// rejects it.
void vectorizeMarked(RewriterBase &rewriter, linalg::LinalgOp op) {
  auto sizesAttr = op->getAttrOfType<DenseI64ArrayAttr>(kVectorSizesAttr);
  op->removeAttr(kVectorSizesAttr);
  SmallVector<int64_t> sizes(sizesAttr.asArrayRef());
  if (sizes.empty()) {
    sizes = op.getStaticLoopRanges();
    if (llvm::any_of(sizes, ShapedType::isDynamic))
      return;
  }
  // Without explicit scalable flags the vectorizer reads past the sizes.
  SmallVector<bool> scalable(sizes.size(), false);
  // A register block of a contraction lowers to one broadcast-FMA per row.
  bool contraction = false;
  if (findRegisterBlock(op)) {
    if (linalg::LinalgOp contract = convertToContract(rewriter, op))
      op = contract;
    contraction = isa<linalg::ContractionOpInterface>(op.getOperation());
  }
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, op, sizes, scalable, /*vectorizeNDExtract=*/false,
      /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/contraction);
  if (failed(vectorized))
    return;
  if (op->getNumResults() == 0)
    rewriter.eraseOp(op);
  else
    rewriter.replaceOp(op, vectorized->replacements);
}

//===----------------------------------------------------------------------===//
// Clean-up of the vectors
//===----------------------------------------------------------------------===//

/// Drops the mask of a vector.contract whose reduction dims are all
/// unmasked (a register block's k step of 1). Its masked-out lanes are then
/// lanes past the end of the output, which are read with padding, never
/// written, and only ever combined with themselves; without the mask the
/// contraction lowers to plain broadcast-FMAs and its accumulator can be
/// hoisted out of the k loop.
struct DropParallelContractMask : OpRewritePattern<vector::MaskOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MaskOp maskOp,
                                PatternRewriter &rewriter) const override {
    auto contract =
        dyn_cast_or_null<vector::ContractionOp>(maskOp.getMaskableOp());
    auto createMask = maskOp.getMask().getDefiningOp<vector::CreateMaskOp>();
    if (!contract || !createMask || maskOp.hasPassthru())
      return failure();
    VectorType maskType = createMask.getVectorType();
    for (auto [dim, iterator] :
         llvm::enumerate(contract.getIteratorTypesArray())) {
      if (iterator != vector::IteratorType::reduction)
        continue;
      std::optional<int64_t> bound =
          getConstantIntValue(createMask.getOperand(dim));
      if (!bound || *bound < maskType.getDimSize(dim))
        return rewriter.notifyMatchFailure(maskOp, "a reduction is masked");
    }
    rewriter.setInsertionPoint(maskOp);
    Operation *unmasked = rewriter.clone(*contract);
    rewriter.replaceOp(maskOp, unmasked->getResults());
    return success();
  }
};

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
    MLIRContext *context = &getContext();
    decomposeAggregates();

    IRRewriter rewriter(context);
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumLoops() > 0)
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops)
      tileOp(rewriter, op, vectorWidth, registerRows, vectorize);
    if (!vectorize)
      return;

    FrozenRewritePatternSet canonicalization = getCanonicalization();
    // Not converging within the driver's limit leaves valid IR behind.
    (void)applyPatternsGreedily(getOperation(), canonicalization);
    SmallVector<linalg::LinalgOp> marked;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(kVectorSizesAttr))
        marked.push_back(op);
    });
    for (linalg::LinalgOp op : marked)
      vectorizeMarked(rewriter, op);
    cleanUpVectors(canonicalization);
  }

  /// The canonicalizer's patterns, and the folding of dims of loop values.
  void addCanonicalization(RewritePatternSet &patterns) {
    MLIRContext *context = &getContext();
    scf::populateSCFForLoopCanonicalizationPatterns(patterns);
    for (Dialect *dialect : context->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName op : context->getRegisteredOperations())
      op.getCanonicalizationPatterns(patterns, context);
  }

  FrozenRewritePatternSet getCanonicalization() {
    RewritePatternSet patterns(&getContext());
    addCanonicalization(patterns);
    return FrozenRewritePatternSet(std::move(patterns));
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

  /// Folds the tiles' slices into the vector transfers, turns multiply-
  /// reductions into vector.contract, and hoists loop-invariant transfer
  /// pairs, so that a reduction's accumulator is carried in registers.
  void cleanUpVectors(const FrozenRewritePatternSet &canonicalization) {
    MLIRContext *context = &getContext();
    // Masks move into the transfers first: the patterns below rewrite
    // transfers but not the vector.mask regions around them.
    RewritePatternSet maskPatterns(context);
    vector::populateVectorMaskLoweringPatternsForSideEffectingOps(
        maskPatterns);
    (void)applyPatternsGreedily(getOperation(), std::move(maskPatterns));

    RewritePatternSet patterns(context);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    patterns.add<DropParallelContractMask>(context);
    addCanonicalization(patterns);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));

    // The accumulator's transfers (and their masks, for partial tiles) must
    // be loop-invariant and unique to be hoisted as a pair.
    IRRewriter rewriter(context);
    DominanceInfo dominance(getOperation());
    eliminateCommonSubExpressions(rewriter, dominance, getOperation());
    getOperation().walk([&](scf::ForOp loop) {
      moveLoopInvariantCode(cast<LoopLikeOpInterface>(loop.getOperation()));
      (void)hoistLoopInvariantSubsets(rewriter, loop);
    });
    (void)applyPatternsGreedily(getOperation(), canonicalization);
  }
};

} // namespace
