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
#include "mlir/IR/IRMapping.h"
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
/// the output's innermost dim, read contiguously by input `rhs` (the rhs of
/// a matmul), and `m`, the innermost other output dim that the rhs does not
/// read (a matmul's rows; in a weight packed by xfmr-cpu-pack-weights, the
/// output is [.., m, panel, lane] and the rhs reads the panel).
struct RegisterBlockDims {
  unsigned n;
  std::optional<unsigned> m;
  unsigned rhs;
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
  // The rhs must also run along a reduction, as a matmul's [k, n] does. A
  // per-row value broadcast along the reduction (softmax's max in its sum of
  // exponentials) also ends in `n`, but putting lanes on `n` there would
  // read the reduced input across rows, one element per lane.
  AffineExpr nExpr = getAffineDimExpr(*n, op.getContext());
  OpOperand *rhs = nullptr;
  for (OpOperand *operand : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(operand);
    if (map.getNumResults() == 0 || map.getResults().back() != nExpr)
      continue;
    bool alongReduction = llvm::any_of(map.getResults(), [&](AffineExpr expr) {
      auto dim = dyn_cast<AffineDimExpr>(expr);
      return dim && linalg::isReductionIterator(iterators[dim.getPosition()]);
    });
    if (alongReduction) {
      rhs = operand;
      break;
    }
  }
  if (!rhs)
    return std::nullopt;
  RegisterBlockDims block{*n, std::nullopt, rhs->getOperandNumber()};
  AffineMap rhsMap = op.getMatchingIndexingMap(rhs);
  for (AffineExpr expr : llvm::reverse(outMap.getResults().drop_back())) {
    std::optional<unsigned> dim = parallelDim(expr);
    if (dim && !rhsMap.isFunctionOfDim(*dim)) {
      block.m = dim;
      break;
    }
  }
  return block;
}

/// How one op is cut: tile sizes, one per loop dim, all positive (a tile is
/// one vector op), and whether the lanes run along a reduction.
struct TilePlan {
  SmallVector<int64_t> sizes;
  bool lanesOnReduction = false;
  std::optional<RegisterBlockDims> registerBlock;
};

/// The sizes of tiles: `vectorWidth` lanes for elementwise ops and
/// reductions, a block of `registerRows` x `registerCols` for matmul-like
/// ops.
struct TileSizes {
  int64_t vectorWidth;
  int64_t registerRows;
  int64_t registerCols;
  int64_t singleRowCols;
};

/// The rows of the register blocks over `m` rows (ShapedType::kDynamic when
/// unknown): of the counts from two thirds of `registerRows` up to it (fewer
/// would leave too few accumulators to hide the FMA latency), the one that
/// pads `m` the least, the most rows among equals. The last, partial block
/// runs masked, at a fraction of a full block's speed: 128 rows in blocks
/// of 6 (AVX2) leave one block of 2, and blocks of 4 were 7% faster on
/// 128x768x768 (Zen 4); 197 rows (ViT) pad least in blocks of 6.
static int64_t chooseRegisterRows(int64_t m, int64_t registerRows) {
  if (ShapedType::isDynamic(m) || m <= registerRows)
    return registerRows;
  int64_t best = registerRows;
  for (int64_t rows = registerRows; rows >= registerRows - registerRows / 3;
       --rows)
    if (llvm::divideCeil(m, rows) * rows < llvm::divideCeil(m, best) * best)
      best = rows;
  return best;
}

TilePlan planTiles(linalg::LinalgOp op, const TileSizes &tileSizes) {
  int64_t vectorWidth = tileSizes.vectorWidth;
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
      bool singleRow = !block->m || ranges[*block->m] == 1;
      setSize(block->n,
              singleRow ? tileSizes.singleRowCols : tileSizes.registerCols);
      if (block->m)
        setSize(*block->m,
                chooseRegisterRows(ranges[*block->m], tileSizes.registerRows));
      plan.registerBlock = block;
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
void tileOp(RewriterBase &rewriter, linalg::LinalgOp op,
            const TileSizes &tileSizes, bool vectorize) {
  // An empty iteration space has nothing to tile (and no vector of size
  // zero to give it).
  if (llvm::is_contained(op.getStaticLoopRanges(), 0))
    return;
  TilePlan plan = planTiles(op, tileSizes);
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
// Register blocks with their init and epilogue
//===----------------------------------------------------------------------===//

/// The elementwise op that alone reads the result of `op`, over the same
/// iteration space (identity maps on that result and on its own output): a
/// bias, activation or residual add, applied to a register block before it
/// is stored. Null when there is none.
linalg::GenericOp findEpilogue(linalg::LinalgOp op) {
  Value result = op->getResult(0);
  if (!result.hasOneUse())
    return {};
  OpOperand &use = *result.getUses().begin();
  auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!consumer || consumer.getNumReductionLoops() != 0 ||
      consumer.getNumDpsInits() != 1 || consumer.isDpsInit(&use) ||
      !hasByteSizedElements(consumer))
    return {};
  if (!consumer.getMatchingIndexingMap(&use).isIdentity() ||
      !consumer.getIndexingMapMatchingResult(consumer->getResult(0))
           .isIdentity())
    return {};
  return consumer;
}

/// Drops the unit loop dims `dims` of `op` (generalized first if named), so
/// that its tile has the rank of the register block; the operands become
/// rank-reducing slices. Returns the new op, or `op` generalized if the
/// dims cannot be dropped.
FailureOr<linalg::GenericOp> dropUnitLoopDims(RewriterBase &rewriter,
                                              linalg::LinalgOp op,
                                              ArrayRef<unsigned> dims) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, op);
    if (failed(generalized))
      return failure();
    generic = *generalized;
  }
  if (dims.empty())
    return generic;
  linalg::ControlDropUnitDims control;
  control.rankReductionStrategy =
      linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
  SmallVector<unsigned> toDrop(dims);
  control.controlFn = [toDrop](Operation *) { return toDrop; };
  rewriter.setInsertionPoint(generic);
  FailureOr<linalg::DropUnitDimsResult> dropped =
      linalg::dropUnitDims(rewriter, generic, control);
  if (failed(dropped))
    return generic;
  rewriter.replaceOp(generic, dropped->replacements);
  return cast<linalg::GenericOp>(dropped->resultOp.getOperation());
}

/// Tiles a matmul-like `op` into an scf.forall of register blocks, with the
/// fill of its init and its elementwise epilogue (if any) fused into the
/// same loop: each block is initialized, accumulated over k and finished in
/// registers, and stored once. The tiles drop the unit dims that are not
/// the block's own (a batch dim, the panel of a packed weight), so that the
/// contraction and the ops around it are all [rows, cols].
LogicalResult tileRegisterBlock(RewriterBase &rewriter, linalg::LinalgOp op,
                                const TilePlan &plan,
                                const TileSizes &tileSizes) {
  MLIRContext *context = op.getContext();
  RegisterBlockDims block = *plan.registerBlock;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!outMap.isProjectedPermutation())
    return failure();
  linalg::GenericOp epilogue = findEpilogue(op);
  Operation *root = epilogue ? epilogue.getOperation() : op.getOperation();

  // The block's size along each output dim, and the output dims it drops.
  SmallVector<int64_t> outSizes;
  SmallVector<unsigned> droppedOutDims, droppedLoopDims;
  for (unsigned i = 0, e = outMap.getNumResults(); i < e; ++i) {
    unsigned dim = outMap.getDimPosition(i);
    outSizes.push_back(plan.sizes[dim]);
    if (plan.sizes[dim] == 1 && dim != block.n && dim != block.m) {
      droppedOutDims.push_back(i);
      droppedLoopDims.push_back(dim);
    }
  }
  SmallVector<OpFoldResult> rootSizes =
      epilogue ? getAsIndexOpFoldResult(context, outSizes)
               : selectSizes(context, plan.sizes, op.getIteratorTypesArray(),
                             utils::IteratorType::parallel);

  scf::SCFTilingOptions tiling;
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  tiling.setTileSizes(rootSizes);
  // Rows innermost: consecutive blocks read the same columns of the rhs (a
  // panel of a packed weight, K x 32 floats), which stay in L1/L2 while the
  // lhs rows stream from L2. With rows outermost the whole rhs streams from
  // L3 once per block of rows (measured: 128x768x3072 from 7.3 ms to
  // 2.9 ms).
  if (block.m) {
    unsigned rowDim = *block.m;
    if (epilogue)
      rowDim = *outMap.getResultPosition(getAffineDimExpr(rowDim, context));
    SmallVector<int64_t> order;
    for (unsigned d = 0, e = rootSizes.size(); d < e; ++d)
      if (d != rowDim)
        order.push_back(d);
    order.push_back(rowDim);
    tiling.setInterchange(order);
  }
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  Value init = op.getDpsInits()[0];
  options.setFusionControlFn(
      [&](tensor::ExtractSliceOp, OpResult producer,
          bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        Operation *owner = producer.getOwner();
        if (owner == op.getOperation() ||
            (producer == init && isa<linalg::FillOp>(owner)))
          return scf::SCFTileAndFuseOptions::ControlFnResult{};
        return std::nullopt;
      });
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(root), options);
  if (failed(tiled))
    return failure();
  for (OpResult result : root->getResults())
    rewriter.replaceAllUsesWith(result, tiled->replacements.lookup(result));
  rewriter.eraseOp(root);
  if (epilogue && op->use_empty())
    rewriter.eraseOp(op);

  linalg::LinalgOp contraction, fill, tiledEpilogue;
  for (Operation *tile : tiled->tiledAndFusedOps) {
    auto linalgTile = dyn_cast<linalg::LinalgOp>(tile);
    if (!linalgTile)
      continue;
    if (isa<linalg::FillOp>(tile))
      fill = linalgTile;
    else if (linalgTile.getNumReductionLoops() > 0)
      contraction = linalgTile;
    else if (epilogue)
      tiledEpilogue = linalgTile;
  }

  // The ops around the contraction run over its output dims.
  SmallVector<int64_t> keptOutSizes;
  for (auto [i, size] : llvm::enumerate(outSizes))
    if (!llvm::is_contained(droppedOutDims, i))
      keptOutSizes.push_back(size);
  for (linalg::LinalgOp elementwise : {fill, tiledEpilogue}) {
    if (!elementwise)
      continue;
    FailureOr<linalg::GenericOp> dropped =
        dropUnitLoopDims(rewriter, elementwise, droppedOutDims);
    if (failed(dropped))
      continue;
    bool rankReduced = dropped->getNumLoops() == keptOutSizes.size();
    markForVectorization(*dropped, rankReduced ? ArrayRef(keptOutSizes)
                                               : ArrayRef(outSizes));
  }
  if (!contraction)
    return success();
  FailureOr<linalg::GenericOp> dropped =
      dropUnitLoopDims(rewriter, contraction, droppedLoopDims);
  if (failed(dropped))
    return success();
  TilePlan blockPlan = planTiles(*dropped, tileSizes);
  return tileReductions(rewriter, *dropped, blockPlan, /*vectorize=*/true);
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

/// Gives the k loop of a register block whose reads are masked (a block
/// at the end of a dynamic or indivisible number of rows or columns) a copy
/// without masks, taken when the masks are full: in a block of rows that
/// are all there, the masked read of the lhs column at each step (a branch
/// per row) becomes plain loads. The accumulators are values, so the
/// branches yield vectors and bufferization sees no new tensors.
void versionMaskedLoop(RewriterBase &rewriter, scf::ForOp loop) {
  SetVector<vector::CreateMaskOp> masks;
  bool maskedInside = false;
  loop.getBody()->walk([&](vector::TransferReadOp read) {
    Value mask = read.getMask();
    if (!mask)
      return;
    auto createMask = mask.getDefiningOp<vector::CreateMaskOp>();
    if (createMask && !loop->isAncestor(createMask))
      masks.insert(createMask);
    else
      maskedInside = true;
  });
  if (masks.empty() || maskedInside)
    return;

  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  Value full;
  for (vector::CreateMaskOp mask : masks) {
    for (auto [bound, size] :
         llvm::zip_equal(mask.getOperands(), mask.getVectorType().getShape())) {
      Value lanes = arith::ConstantIndexOp::create(rewriter, loc, size);
      Value isFull = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sge, bound, lanes);
      full = full ? arith::AndIOp::create(rewriter, loc, full, isFull) : isFull;
    }
  }
  auto ifOp = scf::IfOp::create(rewriter, loc, loop.getResultTypes(), full,
                                /*withElseRegion=*/true);
  rewriter.replaceAllUsesWith(loop.getResults(), ifOp.getResults());

  IRMapping mapping;
  rewriter.setInsertionPointToStart(ifOp.thenBlock());
  for (vector::CreateMaskOp mask : masks)
    mapping.map(
        mask.getResult(),
        arith::ConstantOp::create(
            rewriter, loc, DenseElementsAttr::get(mask.getVectorType(), true)));
  Operation *unmasked = rewriter.clone(*loop, mapping);
  scf::YieldOp::create(rewriter, loc, unmasked->getResults());

  Block *elseBlock = ifOp.elseBlock();
  loop->moveBefore(elseBlock, elseBlock->end());
  rewriter.setInsertionPointToEnd(elseBlock);
  scf::YieldOp::create(rewriter, loc, loop.getResults());
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct XfmrCPUTileAndVectorizePass
    : xfmr::impl::XfmrCPUTileAndVectorizePassBase<
          XfmrCPUTileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorWidth < 1 || registerRows < 1 || registerCols < 1) {
      getOperation().emitError()
          << "vector-width, register-rows and register-cols must be positive";
      return signalPassFailure();
    }
    MLIRContext *context = &getContext();
    decomposeAggregates();
    TileSizes tileSizes{vectorWidth, registerRows, registerCols,
                        singleRowCols > 0 ? singleRowCols : registerCols};

    IRRewriter rewriter(context);
    auto collect = [&] {
      SmallVector<linalg::LinalgOp> ops;
      getOperation().walk([&](linalg::LinalgOp op) {
        if (op.hasPureTensorSemantics() && op.getNumLoops() > 0 &&
            !op->hasAttr(kVectorSizesAttr))
          ops.push_back(op);
      });
      return ops;
    };
    // Register blocks first: they take their fills and epilogues with them
    // (and leave their tiles marked for vectorization). The blocks are
    // planned before any is tiled: tiling one erases its epilogue.
    if (vectorize) {
      SmallVector<std::pair<linalg::LinalgOp, TilePlan>> blocks;
      for (linalg::LinalgOp op : collect()) {
        if (llvm::is_contained(op.getStaticLoopRanges(), 0) ||
            !hasByteSizedElements(op))
          continue;
        TilePlan plan = planTiles(op, tileSizes);
        if (plan.registerBlock)
          blocks.emplace_back(op, std::move(plan));
      }
      for (auto &[op, plan] : blocks)
        (void)tileRegisterBlock(rewriter, op, plan, tileSizes);
    }
    for (linalg::LinalgOp op : collect())
      tileOp(rewriter, op, tileSizes, vectorize);
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
    SmallVector<scf::ForOp> blockLoops;
    getOperation().walk([&](scf::ForOp loop) {
      if (!loop.getBody()->getOps<vector::ContractionOp>().empty())
        blockLoops.push_back(loop);
    });
    for (scf::ForOp loop : blockLoops)
      versionMaskedLoop(rewriter, loop);
    (void)applyPatternsGreedily(getOperation(), canonicalization);
  }
};

} // namespace
