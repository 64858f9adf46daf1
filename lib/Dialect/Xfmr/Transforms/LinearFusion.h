//===- LinearFusion.h - Shared by the linear and MLP fusions ----*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_DIALECT_XFMR_TRANSFORMS_LINEARFUSION_H
#define XFMR_LIB_DIALECT_XFMR_TRANSFORMS_LINEARFUSION_H

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <optional>

namespace mlir::xfmr {

/// The epilogue activation of xfmr.linear and xfmr.mlp that `op` computes,
/// when it is one of the activation ops they can absorb.
inline std::optional<Activation> getEpilogueActivation(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<Activation>>(op)
      .Case([](GeluOp gelu) {
        switch (gelu.getApproximate()) {
        case GeluApproximation::none:
          return Activation::gelu;
        case GeluApproximation::tanh:
          return Activation::gelu_tanh;
        case GeluApproximation::quick:
          return Activation::gelu_quick;
        }
        llvm_unreachable("unknown GELU approximation");
      })
      .Case([](SiluOp) { return Activation::silu; })
      .Case([](ReluOp) { return Activation::relu; })
      .Case([](SigmoidOp) { return Activation::sigmoid; })
      .Case([](TanhOp) { return Activation::tanh; })
      .Default([](Operation *) { return std::nullopt; });
}

/// An 8-bit integer tensor that a wider operand was widened from, and
/// whether the widening was unsigned.
struct Widened {
  Value narrow;
  bool isUnsigned = false;
};

/// Whether `v` is a tensor of 8-bit integers.
bool isInt8Tensor(Value v);

/// `v` as the widening of an 8-bit integer: cast(x), or the importer's zero
/// extension add(cast(add(x, -128)), 128) in either operand order
/// (FuseQuantizedLinear.cpp).
std::optional<Widened> matchWidened(Value v);

/// `value` with the static shape `shape` and the same elements: a constant
/// is reshaped in place (a resource keeps its blob), anything else gets an
/// xfmr.reshape (FuseLinear.cpp).
Value reshapeLayerParam(PatternRewriter &rewriter, Location loc, Value value,
                        ArrayRef<int64_t> shape);

/// The pattern that turns an i32 matmul of widened 8-bit operands, scaled
/// to float, into a quantized xfmr.linear (FuseQuantizedLinear.cpp).
void populateFuseQuantizedLinearPatterns(RewritePatternSet &patterns);

/// Notes why the scaled integer product `op` did not become a quantized
/// layer, when it looks like one.
void noteMissedQuantizedLayer(MulOp op);

/// The pattern that turns a float layer over dequantized 8-bit operands
/// (DequantizeLinear of the input and of a constant weight, as ONNX's QDQ
/// format writes them) into a quantized xfmr.linear (FuseQdqLinear.cpp).
void populateFuseQdqLinearPatterns(RewritePatternSet &patterns);

/// Notes why the float layer `op` over dequantized operands did not become
/// a quantized layer, when it has such operands.
void noteMissedQdqLayer(LinearOp op);

/// The pattern that turns a float layer over a constant 4-bit weight
/// dequantized in blocks along K (DequantizeLinear with `block_size`, as
/// MatMulNBitsQuantizer's QDQ format writes it) into a 4-bit xfmr.linear,
/// the weight repacked into MatMulNBits' layout (FuseInt4QdqLinear.cpp).
void populateFuseInt4QdqLinearPatterns(RewritePatternSet &patterns);

/// Notes why the float layer `op` over a weight dequantized in blocks did
/// not become a 4-bit layer; false when its weight is not such a candidate.
bool noteMissedInt4QdqLayer(LinearOp op);

/// An 8-bit tensor as DequantizeLinear turns it into floats.
struct Dequantized {
  Widened q;
  Value scale;
  /// Null when DequantizeLinear had no zero point.
  Value zeroPoint;
};

/// float(widen(q)): a cast to float of an 8-bit tensor, or of the importer's
/// zero extension of one (FuseQdqLinear.cpp).
std::optional<Widened> matchWidenedToFloat(Value v);

/// mul(sub(float(widen(q)), zp), scale) or mul(float(widen(q)), scale),
/// either order at the mul (FuseQdqLinear.cpp).
std::optional<Dequantized> matchDequantized(Value v);

/// The pattern that folds QuantizeLinear -> (data movement) ->
/// DequantizeLinear into float ops where no quantized layer reads the 8-bit
/// tensor (FoldQdqRoundTrip.cpp).
void populateFoldQdqRoundTripPatterns(RewritePatternSet &patterns);

/// The pattern that gathers before an elementwise op whose other operands
/// are the same for every gathered slice, so that a quantized embedding
/// table is dequantized only in the rows read (GatherBeforeElementwise.cpp).
void populateGatherBeforeElementwisePatterns(RewritePatternSet &patterns);

} // namespace mlir::xfmr

#endif // XFMR_LIB_DIALECT_XFMR_TRANSFORMS_LINEARFUSION_H
