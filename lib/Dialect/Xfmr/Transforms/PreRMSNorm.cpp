//===- PreRMSNorm.cpp - Pre-LN transformers with RMSNorms -----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Jiang et al., "Pre-RMSNorm and Pre-CRMSNorm Transformers: Equivalent and
// Efficient Pre-LN Transformers" (2023). A LayerNorm does not see a constant
// added to a row, so in a Pre-LN transformer, where only LayerNorms read the
// residual stream, the mean of each row of the stream is dead weight. If
// every write into the stream is a linear map whose weights are recentred
// (their mean over the output axis removed), the stream is zero-mean and each
// LayerNorm computes exactly what an RMSNorm with the same scale, bias and
// epsilon does.
//
// The pass collects, from every LayerNorm over the last axis, the values it
// reads: sums (xfmr.add) and row-preserving reshapes of writes, each write a
// linear map with constant weights. LayerNorms that share a value share a
// stream. A stream is rewritten only when all its writes can be recentred,
// every use of every value in it is a LayerNorm over the hidden axis or part
// of the stream, and a LayerNorm reads the stream before a residual add
// (which Post-LN models such as BERT never do).
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/FusionReport.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/EquivalenceClasses.h"

#include <cstring>

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRPRERMSNORMPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

namespace {

//===----------------------------------------------------------------------===//
// Recentring constants
//===----------------------------------------------------------------------===//

/// `attr` with the mean over `axis` subtracted (a rank-0 constant becomes
/// zero). Stored like the original: inline, or as a new resource blob.
ElementsAttr recentre(ElementsAttr attr, int64_t axis,
                      ArrayRef<float> values) {
  auto type = cast<RankedTensorType>(attr.getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t outer = 1, count = 1, inner = 1;
  if (type.getRank() > 0) {
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    count = shape[axis];
    for (int64_t d = axis + 1; d < type.getRank(); ++d)
      inner *= shape[d];
  }
  SmallVector<float> result(values);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      double sum = 0;
      for (int64_t k = 0; k < count; ++k)
        sum += values[(o * count + k) * inner + i];
      double mean = count ? sum / static_cast<double>(count) : 0.0;
      for (int64_t k = 0; k < count; ++k) {
        int64_t at = (o * count + k) * inner + i;
        result[at] = static_cast<float>(values[at] - mean);
      }
    }
  }
  WeightWriter writer(attr, result.size() * sizeof(float));
  std::memcpy(writer.getData().data(), result.data(),
              result.size() * sizeof(float));
  return writer.finish(type, "recentred");
}

//===----------------------------------------------------------------------===//
// The residual stream
//===----------------------------------------------------------------------===//

/// A constant operand of a write, and the axis its mean is taken over.
struct Recentring {
  OpOperand *operand;
  int64_t axis;
};

/// What the LayerNorms of a function read, grouped into streams.
class StreamAnalysis {
public:
  explicit StreamAnalysis(func::FuncOp func) {
    func.walk([&](LayerNormOp norm) {
      if (isHiddenAxisNorm(norm))
        norms.push_back(norm);
    });
    for (unsigned i = 0; i < norms.size(); ++i) {
      classes.insert(i);
      failures.emplace_back();
      visitNorm(i);
    }
    checkStreams();
  }

  /// The LayerNorms of each stream, in program order.
  SmallVector<SmallVector<unsigned>> getStreams() const {
    SmallVector<SmallVector<unsigned>> streams;
    DenseMap<unsigned, unsigned> index;
    for (unsigned i = 0; i < norms.size(); ++i) {
      unsigned leader = classes.getLeaderValue(i);
      auto [it, inserted] = index.try_emplace(leader, streams.size());
      if (inserted)
        streams.emplace_back();
      streams[it->second].push_back(i);
    }
    return streams;
  }

  /// Why the LayerNorm `i` cannot become an RMSNorm; empty when it can.
  const FusionMiss &getFailure(unsigned i) const {
    return failures[classes.getLeaderValue(i)];
  }

  LayerNormOp getNorm(unsigned i) const { return norms[i]; }

  /// The constants to recentre for the stream of LayerNorm `i`.
  SmallVector<Recentring> getRecentrings(unsigned i) const {
    unsigned leader = classes.getLeaderValue(i);
    SmallVector<Recentring> result;
    for (const auto &[norm, recentring] : recentrings)
      if (classes.getLeaderValue(norm) == leader)
        result.push_back(recentring);
    return result;
  }

private:
  static bool isHiddenAxisNorm(LayerNormOp norm) {
    int64_t rank = norm.getInput().getType().getRank();
    return rank > 0 && normalizeAxis(norm.getAxis(), rank) == rank - 1;
  }

  void fail(unsigned norm, const Twine &reason, Operation *culprit) {
    FusionMiss &failure = failures[norm];
    if (failure.reason.empty())
      (void)failure.fail(reason, culprit);
  }

  void visitNorm(unsigned i) {
    LayerNormOp norm = norms[i];
    int64_t hidden = norm.getInput().getType().getShape().back();
    if (ShapedType::isDynamic(hidden))
      return fail(i, "the hidden size is dynamic", norm);
    visit(i, norm.getInputMutable(), hidden);
    if (!norm.getResidualMutable().empty())
      visit(i, norm.getResidualMutable()[0], hidden);
  }

  /// Records the constant `operand` of a write, recentred over `axis`.
  bool addConstant(unsigned norm, OpOperand &operand, int64_t axis) {
    ElementsAttr attr;
    if (!matchPattern(operand.get(), m_Constant(&attr)))
      return false;
    if (!readF32Weight(attr)) {
      fail(norm, "a weight written into the residual stream is not a "
                 "readable f32 constant",
           operand.getOwner());
      return true;
    }
    recentrings.push_back({norm, {&operand, axis}});
    return true;
  }

  /// Collects the value read through `use`: a sum, a reshape or a write.
  void visit(unsigned norm, OpOperand &use, int64_t hidden) {
    Value value = use.get();
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type)
      return fail(norm, "the residual stream is not a ranked tensor",
                  use.getOwner());
    // A constant added into the stream: its mean over the last axis goes,
    // whether it spans the hidden axis or broadcasts along it.
    if (matchPattern(value, m_Constant())) {
      int64_t last = type.getRank() - 1;
      if (type.getRank() > 0 && type.getDimSize(last) != hidden &&
          type.getDimSize(last) != 1)
        return fail(norm, "a constant added to the residual stream does not "
                          "have the hidden size",
                    use.getOwner());
      addConstant(norm, use, std::max<int64_t>(last, 0));
      return;
    }
    if (type.getRank() == 0 || type.getShape().back() != hidden)
      return fail(norm,
                  "a value added to the residual stream does not have the "
                  "hidden size as its last dim",
                  value.getDefiningOp() ? value.getDefiningOp()
                                        : use.getOwner());
    auto [it, inserted] = owner.try_emplace(value, norm);
    if (!inserted) {
      classes.unionSets(norm, it->second);
      return;
    }
    Operation *def = value.getDefiningOp();
    if (!def)
      return fail(norm,
                  "the residual stream reads a function argument, whose mean "
                  "cannot be removed",
                  use.getOwner());
    if (auto add = dyn_cast<AddOp>(def)) {
      combiners.insert(add);
      visit(norm, add.getLhsMutable(), hidden);
      visit(norm, add.getRhsMutable(), hidden);
      return;
    }
    // A reshape that keeps the last dim keeps every row.
    if (auto reshape = dyn_cast<ReshapeOp>(def)) {
      auto inputType = cast<RankedTensorType>(reshape.getInput().getType());
      if (inputType.getRank() == 0 || inputType.getShape().back() != hidden)
        return fail(norm, "a reshape in the residual stream moves the hidden "
                          "axis",
                    reshape);
      combiners.insert(reshape);
      visit(norm, reshape.getInputMutable(), hidden);
      return;
    }
    visitWrite(norm, def);
  }

  /// A write into the stream: a linear map whose weights can be recentred.
  void visitWrite(unsigned norm, Operation *def) {
    auto notConstant = [&](StringRef what) {
      fail(norm,
           "the " + what + " of a write into the residual stream is not a "
                           "constant",
           def);
    };
    if (auto matmul = dyn_cast<MatMulOp>(def)) {
      int64_t rank = matmul.getRhs().getType().getRank();
      if (rank < 2)
        return fail(norm, "a matmul into the residual stream has a 1-D "
                          "weight",
                    def);
      if (!addConstant(norm, matmul.getRhsMutable(), rank - 1))
        notConstant("weight");
      return;
    }
    if (auto linear = dyn_cast<LinearOp>(def)) {
      if (linear.getActivation() != Activation::none)
        return fail(norm, "a linear layer into the residual stream has an "
                          "activation",
                    def);
      if (linear.isQuantized())
        return fail(norm,
                    "a linear layer into the residual stream is "
                    "quantized",
                    def);
      if (linear.getWeight().getType().getRank() != 2)
        return fail(norm, "a linear layer into the residual stream has a "
                          "weight that is not 2-D",
                    def);
      if (!addConstant(norm, linear.getWeightMutable(),
                       linear.getTransposeWeight() ? 0 : 1))
        return notConstant("weight");
      if (!linear.getBiasMutable().empty() &&
          !addConstant(norm, linear.getBiasMutable()[0], 0))
        notConstant("bias");
      return;
    }
    if (auto mlp = dyn_cast<MlpOp>(def)) {
      if (mlp.getDown().getType().getRank() != 2)
        return fail(norm, "an MLP's down projection into the residual stream "
                          "is not 2-D",
                    def);
      if (!addConstant(norm, mlp.getDownMutable(), 1))
        return notConstant("down projection");
      if (!mlp.getDownBiasMutable().empty() &&
          !addConstant(norm, mlp.getDownBiasMutable()[0], 0))
        notConstant("down projection's bias");
      return;
    }
    if (auto gather = dyn_cast<GatherOp>(def)) {
      auto tableType = cast<RankedTensorType>(gather.getInput().getType());
      std::optional<int64_t> axis =
          normalizeAxis(gather.getAxis(), tableType.getRank());
      if (!axis || *axis == tableType.getRank() - 1)
        return fail(norm, "a gather into the residual stream picks along the "
                          "hidden axis",
                    def);
      if (!addConstant(norm, gather.getInputMutable(), tableType.getRank() - 1))
        notConstant("table");
      return;
    }
    fail(norm,
         "a write into the residual stream ('" +
             def->getName().getStringRef() +
             "') is not a linear map with constant weights",
         def);
  }

  /// Every use of a stream value must be part of the stream or a LayerNorm
  /// over the hidden axis, and a LayerNorm must read the stream before a
  /// residual add.
  void checkStreams() {
    DenseSet<Operation *> readers;
    for (LayerNormOp norm : norms)
      readers.insert(norm);
    DenseMap<unsigned, bool> preLN;
    for (const auto &[value, norm] : owner) {
      unsigned leader = classes.getLeaderValue(norm);
      for (OpOperand &use : value.getUses()) {
        Operation *user = use.getOwner();
        if (combiners.contains(user))
          continue;
        // Reads of the shape alone do not see the values.
        if (readers.contains(user) || isa<ShapeOp, SizeOp>(user))
          continue;
        if (isa<LayerNormOp>(user))
          fail(leader,
               "a LayerNorm over more than the hidden axis reads the "
               "residual stream",
               user);
        else
          fail(leader,
               "the residual stream is read by '" +
                   user->getName().getStringRef() +
                   "', not only by LayerNorms",
               user);
      }
    }
    // Pre-LN: some value is read by a LayerNorm and also continues into a
    // residual add (an xfmr.add, or a LayerNorm's residual input).
    for (const auto &[value, norm] : owner) {
      bool readByNorm = false, continues = false;
      for (OpOperand &use : value.getUses()) {
        auto ln = dyn_cast<LayerNormOp>(use.getOwner());
        if (ln && !ln.getResidual())
          readByNorm = true;
        else if (ln || isa<AddOp>(use.getOwner()))
          continues = true;
      }
      if (readByNorm && continues)
        preLN[classes.getLeaderValue(norm)] = true;
    }
    for (unsigned i = 0; i < norms.size(); ++i) {
      unsigned leader = classes.getLeaderValue(i);
      if (!failures[i].reason.empty())
        fail(leader, failures[i].reason, failures[i].culprit);
      if (!preLN.lookup(leader))
        fail(leader,
             "no LayerNorm reads the residual stream before a residual add: "
             "not a Pre-LN transformer",
             norms[i]);
    }
  }

  SmallVector<LayerNormOp> norms;
  SmallVector<FusionMiss> failures;
  llvm::EquivalenceClasses<unsigned> classes;
  /// The values of the streams, with the first LayerNorm that read them.
  llvm::MapVector<Value, unsigned> owner;
  /// The adds and reshapes that make the streams.
  DenseSet<Operation *> combiners;
  SmallVector<std::pair<unsigned, Recentring>> recentrings;
};

struct PreRMSNormPass
    : public xfmr::impl::XfmrPreRMSNormPassBase<PreRMSNormPass> {
  using XfmrPreRMSNormPassBase::XfmrPreRMSNormPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    StreamAnalysis analysis(func);
    OpBuilder builder(&getContext());
    for (ArrayRef<unsigned> stream : analysis.getStreams()) {
      const FusionMiss &miss = analysis.getFailure(stream.front());
      if (!miss.reason.empty()) {
        if (explain)
          for (unsigned i : stream)
            miss.note(analysis.getNorm(i), "rms_norm");
        continue;
      }
      rewriteStream(builder, analysis, stream);
    }
  }

  void rewriteStream(OpBuilder &builder, const StreamAnalysis &analysis,
                     ArrayRef<unsigned> stream) {
    // One recentred copy per constant and axis; the originals may have
    // other users.
    DenseMap<std::pair<Value, int64_t>, Value> recentred;
    SmallVector<Operation *> originals;
    for (Recentring r : analysis.getRecentrings(stream.front())) {
      Value old = r.operand->get();
      Value &copy = recentred[{old, r.axis}];
      if (!copy) {
        ElementsAttr attr;
        (void)matchPattern(old, m_Constant(&attr));
        Operation *def = old.getDefiningOp();
        builder.setInsertionPointAfter(def);
        copy = ConstantOp::create(builder, def->getLoc(),
                                  recentre(attr, r.axis, *readF32Weight(attr)));
        originals.push_back(def);
      }
      r.operand->set(copy);
    }
    for (unsigned i : stream) {
      LayerNormOp norm = analysis.getNorm(i);
      builder.setInsertionPoint(norm);
      auto rms = RmsNormOp::create(
          builder, norm.getLoc(), norm.getType(), norm.getInput(),
          norm.getScale(), norm.getBias(), norm.getResidual(),
          norm.getAxisAttr(), norm.getEpsilonAttr());
      norm.getResult().replaceAllUsesWith(rms.getResult());
      norm.erase();
    }
    for (Operation *def : originals)
      if (def->use_empty())
        def->erase();
  }
};

} // namespace
