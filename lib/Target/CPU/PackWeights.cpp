//===- PackWeights.cpp - Constant weights packed in panels of columns -----===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A matmul's register block reads, at each step of k, `panel-width`
// consecutive columns of the right-hand side. In a [K, N] weight those
// columns are contiguous, but consecutive steps are 4N bytes apart: the
// block's weights are K short pieces of K different pages, which the
// prefetchers and the TLB follow badly; x·Wᵀ ([N, K]) is worse, a column
// is one float per row. Rewritten at compile time as [ceil(N/NR), K, NR]
// panels, the weights a block reads are one sequential stream (measured on
// Zen 5: 128x768x768 from 107 to about 235 GFLOP/s with the register block
// of xfmr-cpu-tile-and-vectorize).
//
// The contraction then runs over [..., M, N/NR, NR] (n split into a panel
// dim j and a lane dim r), which is [..., M, N] in memory: a collapse_shape
// gives the original result back, and is moved below the elementwise
// consumers (bias, activation, residual), so that those run over the same
// tiles as the contraction and can be fused into its loops.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Target/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cstring>

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRCPUPACKWEIGHTSPASS
#include "xfmr/Target/CPU/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Finding the constant behind an operand
//===----------------------------------------------------------------------===//

/// A constant matrix behind a tensor value: element `i` of the value is
/// element `indices(i)` of `constant`.
struct ConstantSource {
  arith::ConstantOp constant;
  AffineMap indices;
};

/// The elements of a constant that packing can read: dense or
/// dense_resource, of a type of whole bytes.
bool isPackable(ElementsAttr value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() != 2 || !type.hasStaticShape() ||
      !type.getElementType().isIntOrFloat() ||
      type.getElementTypeBitWidth() % 8 != 0)
    return false;
  return isa<DenseElementsAttr, DenseResourceElementsAttr>(value);
}

/// Follows `value` back through the ops that only move a constant's
/// elements (a transpose, a broadcast over batch dims, a generic that
/// copies its input) to the constant.
std::optional<ConstantSource> traceConstant(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return std::nullopt;
  MLIRContext *context = value.getContext();
  int64_t rank = type.getRank();
  Operation *def = value.getDefiningOp();
  if (auto constant = dyn_cast_or_null<arith::ConstantOp>(def)) {
    auto elements = dyn_cast<ElementsAttr>(constant.getValue());
    if (!elements || !isPackable(elements))
      return std::nullopt;
    return ConstantSource{constant,
                          AffineMap::getMultiDimIdentityMap(rank, context)};
  }
  // The indices of the producer's input as a function of its result's.
  Value input;
  AffineMap toInput;
  if (auto transpose = dyn_cast_or_null<linalg::TransposeOp>(def)) {
    input = transpose.getInput();
    toInput = inversePermutation(
        AffineMap::getPermutationMap(transpose.getPermutation(), context));
  } else if (auto broadcast = dyn_cast_or_null<linalg::BroadcastOp>(def)) {
    input = broadcast.getInput();
    SmallVector<AffineExpr> kept;
    for (int64_t d = 0; d < rank; ++d)
      if (!llvm::is_contained(broadcast.getDimensions(), d))
        kept.push_back(getAffineDimExpr(d, context));
    toInput = AffineMap::get(rank, 0, kept, context);
  } else if (auto generic = dyn_cast_or_null<linalg::GenericOp>(def)) {
    if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        generic.getNumReductionLoops() != 0)
      return std::nullopt;
    Block *body = generic.getBody();
    if (body->getOperations().size() != 1 ||
        body->getTerminator()->getOperand(0) != body->getArgument(0))
      return std::nullopt;
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    if (!maps[1].isPermutation())
      return std::nullopt;
    input = generic.getDpsInputs()[0];
    toInput = maps[0].compose(inversePermutation(maps[1]));
  } else {
    return std::nullopt;
  }
  std::optional<ConstantSource> source = traceConstant(input);
  if (!source)
    return std::nullopt;
  source->indices = source->indices.compose(toInput);
  return source;
}

//===----------------------------------------------------------------------===//
// Which contractions to pack
//===----------------------------------------------------------------------===//

/// A contraction whose input `rhs` reads a constant matrix at [k, n] (or
/// [n, k] when `transposed`), with `n` the innermost dim of the output.
struct PackPlan {
  unsigned rhs;
  unsigned n, k;
  bool transposed;
  ConstantSource source;
};

/// Whether `op` computes one row: its output (static) has no more elements
/// than its innermost dim, as a matrix-vector product's.
bool isSingleRow(linalg::LinalgOp op) {
  auto out = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  return out && out.hasStaticShape() && out.getRank() > 0 &&
         out.getNumElements() == out.getShape().back();
}

std::optional<PackPlan> planPacking(linalg::LinalgOp op, int64_t panelWidth) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op) ||
      !op.getBlock()->getOps<linalg::IndexOp>().empty())
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  AffineMap outMap = maps[2];
  if (outMap.getNumResults() == 0 || !outMap.isProjectedPermutation())
    return std::nullopt;
  unsigned n = cast<AffineDimExpr>(outMap.getResults().back()).getPosition();
  if (!linalg::isParallelIterator(iterators[n]))
    return std::nullopt;
  for (unsigned rhs : {1u, 0u}) {
    std::optional<ConstantSource> source =
        traceConstant(op.getDpsInputs()[rhs]);
    if (!source)
      continue;
    AffineMap lhsMap = maps[1 - rhs];
    AffineMap constantMap = source->indices.compose(maps[rhs]);
    if (lhsMap.isFunctionOfDim(n) || constantMap.getNumResults() != 2)
      continue;
    auto rows = dyn_cast<AffineDimExpr>(constantMap.getResult(0));
    auto cols = dyn_cast<AffineDimExpr>(constantMap.getResult(1));
    if (!rows || !cols)
      continue;
    bool transposed = rows.getPosition() == n;
    unsigned k = transposed ? cols.getPosition() : rows.getPosition();
    if ((transposed ? rows : cols).getPosition() != n || k == n ||
        !linalg::isReductionIterator(iterators[k]) ||
        !lhsMap.isFunctionOfDim(k))
      continue;
    // Narrower than a panel, a weight would be mostly padding.
    auto type = cast<RankedTensorType>(source->constant.getType());
    if (type.getDimSize(transposed ? 0 : 1) < panelWidth)
      continue;
    return PackPlan{rhs, n, k, transposed, *source};
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Packing the data
//===----------------------------------------------------------------------===//

/// The type of a weight of type `type` ([K, N], or [N, K] when
/// `transposed`) packed in panels of `nr` columns: [ceil(N/nr), K, nr].
RankedTensorType packedWeightType(Type type, bool transposed, int64_t nr) {
  auto matrix = cast<RankedTensorType>(type);
  int64_t k = matrix.getDimSize(transposed ? 1 : 0);
  int64_t n = matrix.getDimSize(transposed ? 0 : 1);
  return RankedTensorType::get(
      {static_cast<int64_t>(llvm::divideCeil(n, nr)), k, nr},
      matrix.getElementType());
}

/// The elements of `value` ([K, N], or [N, K] when `transposed`) as
/// [ceil(N/nr), K, nr], zero past column N. A resource's packed copy is
/// flat, [ceil(N/nr) * K * nr], to be reshaped where it is used: LLVM IR
/// makes one constant per row of the innermost dim, and rows of nr elements
/// would cost more memory and compile time than the data itself (BERT-base:
/// 0.7 GB and 7 s more).
ElementsAttr packElements(ElementsAttr value, bool transposed, int64_t nr) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t k = type.getDimSize(transposed ? 1 : 0);
  int64_t n = type.getDimSize(transposed ? 0 : 1);
  int64_t panels = llvm::divideCeil(n, nr);
  RankedTensorType packedType = packedWeightType(type, transposed, nr);
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (dense && dense.isSplat() && n % nr == 0)
    return DenseElementsAttr::get(packedType, dense.getSplatValue<Attribute>());

  std::optional<ArrayRef<char>> read = xfmr::getWeightBytes(value);
  if (!read)
    return {};
  ArrayRef<char> source = *read;
  size_t width = type.getElementTypeBitWidth() / 8;
  bool splat = dense && dense.isSplat();
  if (!splat && source.size() != static_cast<size_t>(k * n) * width)
    return {};

  size_t bytes = static_cast<size_t>(panels * k * nr) * width;
  xfmr::WeightWriter writer(value, bytes);
  MutableArrayRef<char> data = writer.getData();
  // Panel by panel, so that the destination is written in order; for [N, K]
  // the panel's nr source rows are read in step.
  for (int64_t p = 0; p < panels; ++p) {
    int64_t lanes = std::min(nr, n - p * nr);
    for (int64_t row = 0; row < k; ++row) {
      char *to = data.data() + ((p * k + row) * nr) * width;
      if (splat) {
        for (int64_t r = 0; r < lanes; ++r)
          std::memcpy(to + r * width, source.data(), width);
      } else if (!transposed) {
        std::memcpy(to, source.data() + (row * n + p * nr) * width,
                    lanes * width);
      } else {
        for (int64_t r = 0; r < lanes; ++r)
          std::memcpy(to + r * width,
                      source.data() + ((p * nr + r) * k + row) * width, width);
      }
    }
  }
  if (writer.isInline())
    return writer.finish(packedType, "panels");
  auto flatType = RankedTensorType::get({packedType.getNumElements()},
                                        packedType.getElementType());
  return writer.finish(flatType, "panels");
}

//===----------------------------------------------------------------------===//
// Rewriting the contraction
//===----------------------------------------------------------------------===//

/// The reassociation that merges the last two of `rank + 1` dims.
SmallVector<ReassociationIndices> mergeLastTwo(int64_t rank) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d + 1 < rank; ++d)
    groups.push_back({d});
  groups.push_back({rank - 1, rank});
  return groups;
}

/// The init of the packed contraction, [..., ceil(N/nr), nr]: the original
/// init split in two, padded with zeros first when nr does not divide N. A
/// fill stays the last op, so that tiling can fuse it into the contraction's
/// loop.
Value packInit(RewriterBase &rewriter, Location loc, Value init, int64_t n,
               int64_t nr) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    Value expanded = packInit(rewriter, loc, fill.getOutputs()[0], n, nr);
    return linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], expanded)
        .getResult(0);
  }
  auto type = cast<RankedTensorType>(init.getType());
  int64_t rank = type.getRank();
  int64_t panels = llvm::divideCeil(n, nr);
  Type element = type.getElementType();
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = panels;
  shape.push_back(nr);
  auto packedType = RankedTensorType::get(shape, element);
  if (auto empty = init.getDefiningOp<tensor::EmptyOp>())
    return tensor::EmptyOp::create(rewriter, loc, packedType,
                                   empty.getDynamicSizes());
  if (n % nr != 0) {
    SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> high = low;
    high.back() = rewriter.getIndexAttr(panels * nr - n);
    Value zero =
        arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));
    SmallVector<int64_t> paddedShape(type.getShape());
    paddedShape.back() = panels * nr;
    init = tensor::PadOp::create(rewriter, loc,
                                 RankedTensorType::get(paddedShape, element),
                                 init, low, high, zero);
  }
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, init);
  sizes.back() = rewriter.getIndexAttr(panels);
  sizes.push_back(rewriter.getIndexAttr(nr));
  return tensor::ExpandShapeOp::create(rewriter, loc, packedType, init,
                                       mergeLastTwo(rank), sizes);
}

/// Rewrites `op` to read `packed` ([N/nr, K, nr]) instead of its constant,
/// over loop dims where n becomes j (the panel) followed by r (the lane).
/// Returns the packed contraction's result.
Value rewriteContraction(RewriterBase &rewriter, linalg::LinalgOp op,
                         const PackPlan &plan, Value packed, int64_t nr) {
  MLIRContext *context = op.getContext();
  Location loc = op.getLoc();
  unsigned numLoops = op.getNumLoops();
  SmallVector<AffineExpr> renumbered;
  for (unsigned d = 0; d < numLoops; ++d)
    renumbered.push_back(getAffineDimExpr(d > plan.n ? d + 1 : d, context));
  auto renumber = [&](AffineMap map) {
    return map.replaceDimsAndSymbols(renumbered, {}, numLoops + 1, 0);
  };
  AffineExpr j = getAffineDimExpr(plan.n, context);
  AffineExpr r = getAffineDimExpr(plan.n + 1, context);
  AffineExpr k = renumbered[plan.k];

  SmallVector<AffineMap> oldMaps = op.getIndexingMapsArray();
  SmallVector<AffineMap> maps(3);
  maps[1 - plan.rhs] = renumber(oldMaps[1 - plan.rhs]);
  maps[plan.rhs] = AffineMap::get(numLoops + 1, 0, {j, k, r}, context);
  SmallVector<AffineExpr> outExprs(renumber(oldMaps[2]).getResults());
  outExprs.push_back(r);
  maps[2] = AffineMap::get(numLoops + 1, 0, outExprs, context);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators.insert(iterators.begin() + plan.n + 1,
                   utils::IteratorType::parallel);

  Value init = op.getDpsInits()[0];
  auto resultType = cast<RankedTensorType>(init.getType());
  int64_t n = resultType.getShape().back();
  Value packedInit = packInit(rewriter, loc, init, n, nr);
  SmallVector<Value> inputs(op.getDpsInputs());
  inputs[plan.rhs] = packed;
  auto generic =
      linalg::GenericOp::create(rewriter, loc, TypeRange{packedInit.getType()},
                                inputs, packedInit, maps, iterators);
  rewriter.cloneRegionBefore(op->getRegion(0), generic.getRegion(),
                             generic.getRegion().end());

  int64_t rank = resultType.getRank();
  Value result = tensor::CollapseShapeOp::create(
      rewriter, loc, generic.getResult(0), mergeLastTwo(rank));
  if (n % nr != 0) {
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    result = tensor::ExtractSliceOp::create(
        rewriter, loc, resultType, result, offsets,
        tensor::getMixedSizes(rewriter, loc, init), strides);
  }
  return result;
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct XfmrCPUPackWeightsPass
    : xfmr::impl::XfmrCPUPackWeightsPassBase<XfmrCPUPackWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (panelWidth < 1) {
      getOperation().emitError() << "panel-width must be positive";
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::LinalgOp, PackPlan>> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<PackPlan> plan = planPacking(op, panelWidth))
        candidates.emplace_back(op, *plan);
    });

    // Weights that only one-row contractions read get wider panels.
    llvm::DenseMap<Attribute, bool> onlySingleRow;
    for (auto &[op, plan] : candidates) {
      auto [it, inserted] =
          onlySingleRow.try_emplace(plan.source.constant.getValue(), true);
      it->second = it->second && isSingleRow(op);
    }
    auto widthOf = [&](PackPlan plan) -> int64_t {
      arith::ConstantOp constant = plan.source.constant;
      int64_t n = cast<RankedTensorType>(constant.getType())
                      .getDimSize(plan.transposed ? 0 : 1);
      if (singleRowPanelWidth > 0 && n >= singleRowPanelWidth &&
          onlySingleRow.lookup(constant.getValue()))
        return singleRowPanelWidth;
      return panelWidth;
    };

    IRRewriter rewriter(&getContext());
    // One packed copy per weight and layout, however many ops read it.
    llvm::DenseMap<std::pair<Attribute, unsigned>, Value> packedConstants;
    llvm::DenseSet<Value> packedResults;
    for (auto &[op, plan] : candidates) {
      arith::ConstantOp constant = plan.source.constant;
      int64_t width = widthOf(plan);
      Value &packed =
          packedConstants[{constant.getValue(), plan.transposed ? 1u : 0u}];
      if (!packed) {
        ElementsAttr elements = packElements(
            cast<ElementsAttr>(constant.getValue()), plan.transposed, width);
        if (!elements)
          continue;
        rewriter.setInsertionPoint(constant);
        packed = arith::ConstantOp::create(rewriter, constant.getLoc(),
                                           elements.getType(), elements);
        if (elements.getShapedType().getRank() == 1)
          packed = tensor::ExpandShapeOp::create(
              rewriter, constant.getLoc(),
              packedWeightType(constant.getType(), plan.transposed, width),
              packed, ArrayRef<ReassociationIndices>{{0, 1, 2}});
      }
      rewriter.setInsertionPoint(op);
      Value result = rewriteContraction(rewriter, op, plan, packed, width);
      if (auto collapse = result.getDefiningOp<tensor::CollapseShapeOp>())
        packedResults.insert(collapse.getResult());
      rewriter.replaceOp(op, result);
    }
    if (packedResults.empty())
      return;

    // The collapse moves below elementwise consumers, which then run over
    // the packed contraction's [..., N/nr, nr] iteration space.
    RewritePatternSet patterns(&getContext());
    linalg::populateFoldReshapeOpsByExpansionPatterns(
        patterns, [&](OpOperand *operand) {
          if (!packedResults.contains(operand->get()))
            return false;
          auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
          return consumer && consumer.getNumReductionLoops() == 0 &&
                 consumer.getNumDpsInits() == 1;
        });
    // Not converging within the driver's limit leaves valid IR behind.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace
