//===- QuantizeWeights.cpp - Compile-time quantization of weights ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Quantizes the constant f32 weights of matmuls when the user asks for it
// (`xfmr-compile --quantize=int4|int8`), in the two forms ONNX Runtime's
// tools write, so that a model quantized here runs through the same ops as
// one quantized there:
//
// - int4: MatMulNBits' blocks of 32 along K, asymmetric (each block's range,
//   zero included so that zero stays exact, mapped onto 0..15), packed two
//   values a byte into an xfmr.linear with a 4-bit weight;
// - int8: DynamicQuantizeMatMul's arithmetic from xfmr's own ops: int8
//   weights per column, the input quantized to uint8 per tensor at run
//   time, an i32 matmul, the product of the scales.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/Debug.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#define DEBUG_TYPE "xfmr-quantize-weights"

namespace mlir {
namespace xfmr {
#define GEN_PASS_DEF_XFMRQUANTIZEWEIGHTSPASS
#include "xfmr/Dialect/Xfmr/Transforms/Passes.h.inc"
} // namespace xfmr
} // namespace mlir

using namespace mlir;
using namespace mlir::xfmr;

/// MatMulNBits' block size, the one its model builders use most.
static constexpr int64_t kBlockSize = 32;

/// A new weight of `type` holding `values`, stored like `source` (inline
/// or as a resource blob named after it).
template <typename T>
static ElementsAttr makeWeight(ElementsAttr source, ShapedType type,
                               ArrayRef<T> values, StringRef suffix) {
  WeightWriter writer(source, values.size() * sizeof(T));
  std::memcpy(writer.getData().data(), values.data(),
              values.size() * sizeof(T));
  return writer.finish(type, suffix);
}

static Value constant(OpBuilder &b, Location loc, ElementsAttr value) {
  return ConstantOp::create(b, loc, value.getType(), value);
}

static Value scalar(OpBuilder &b, Location loc, float value) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return constant(b, loc, DenseElementsAttr::get(type, value));
}

//===----------------------------------------------------------------------===//
// int4, weight-only
//===----------------------------------------------------------------------===//

/// `input · w` with `w` ([K, N], row-major) as a 4-bit xfmr.linear: the
/// packed bytes [N, blocks, 16], scales and zero points [N, blocks].
static Value quantizeInt4(OpBuilder &b, Location loc, Value input,
                          ElementsAttr source, ArrayRef<float> w, int64_t k,
                          int64_t n) {
  int64_t blocks = (k + kBlockSize - 1) / kBlockSize;
  SmallVector<uint8_t> packed(n * blocks * kBlockSize / 2, 0);
  SmallVector<float> scales(n * blocks), zeroPoints(n * blocks);
  for (int64_t col = 0; col < n; ++col) {
    for (int64_t blk = 0; blk < blocks; ++blk) {
      int64_t begin = blk * kBlockSize, end = std::min(k, begin + kBlockSize);
      float lo = 0, hi = 0;
      for (int64_t row = begin; row < end; ++row) {
        lo = std::min(lo, w[row * n + col]);
        hi = std::max(hi, w[row * n + col]);
      }
      float scale = hi > lo ? (hi - lo) / 15 : 1;
      // + 0 turns a -0 (lo = 0) into 0.
      float zp = std::clamp(std::nearbyint(-lo / scale), 0.0f, 15.0f) + 0.0f;
      scales[col * blocks + blk] = scale;
      zeroPoints[col * blocks + blk] = zp;
      uint8_t *bytes = &packed[(col * blocks + blk) * kBlockSize / 2];
      for (int64_t row = begin; row < end; ++row) {
        float q = std::clamp(std::nearbyint(w[row * n + col] / scale) + zp,
                             0.0f, 15.0f);
        int64_t i = row - begin;
        bytes[i / 2] |= static_cast<uint8_t>(q) << (i % 2 ? 4 : 0);
      }
    }
  }
  Type f32 = b.getF32Type();
  auto paramType = RankedTensorType::get({n, blocks}, f32);
  auto weightType =
      RankedTensorType::get({n, blocks, kBlockSize / 2}, b.getI8Type());
  Value weight =
      constant(b, loc, makeWeight<uint8_t>(source, weightType, packed, "int4"));
  Value scale = constant(
      b, loc, makeWeight<float>(source, paramType, scales, "int4_scales"));
  Value zeroPoint = constant(
      b, loc, makeWeight<float>(source, paramType, zeroPoints, "int4_zp"));
  return LinearOp::create(b, loc, input, weight, /*bias=*/Value(), Value(),
                          Value(), scale, zeroPoint,
                          /*transpose_weight=*/true, Activation::none, false,
                          false, b.getI64IntegerAttr(kBlockSize));
}

//===----------------------------------------------------------------------===//
// int8, dynamic
//===----------------------------------------------------------------------===//

/// round(x) as floor(x + 1/2): the input's quantization (ties are rare and
/// either neighbour is within the step).
static Value roundToNearest(OpBuilder &b, Location loc, Value x) {
  return FloorOp::create(b, loc, AddOp::create(b, loc, x, scalar(b, loc, 0.5)));
}

/// A 0-D integer constant.
static Value scalarOfType(OpBuilder &b, Location loc, Type elementType,
                          int64_t value) {
  auto type = RankedTensorType::get({}, elementType);
  return constant(
      b, loc,
      DenseElementsAttr::get(type, b.getIntegerAttr(elementType, value)));
}

/// A whole number in [0, 255] held in f32 as the importer holds a uint8:
/// its bits in an i8, read back as add(cast<i32>(add(x, -128)), 128).
static Value widenUnsigned(OpBuilder &b, Location loc, Value wholeNumber) {
  auto type = cast<RankedTensorType>(wholeNumber.getType());
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  Value bits = CastOp::create(
      b, loc, type.clone(i8),
      CastOp::create(b, loc, type.clone(b.getI64Type()), wholeNumber));
  Value flipped = AddOp::create(b, loc, bits, scalarOfType(b, loc, i8, -128));
  return AddOp::create(b, loc, CastOp::create(b, loc, type.clone(i32), flipped),
                       scalarOfType(b, loc, i32, 128));
}

/// x ([..., K], f32) times `w` ([K, N]) with w as int8 per column and x as
/// uint8 per tensor, quantized at run time.
static Value quantizeInt8(OpBuilder &b, Location loc, Value input,
                          ElementsAttr source, ArrayRef<float> w, int64_t k,
                          int64_t n) {
  // The weight: symmetric per column, so its zero point is 0.
  SmallVector<int8_t> q(k * n);
  SmallVector<float> scales(n);
  for (int64_t col = 0; col < n; ++col) {
    float largest = 0;
    for (int64_t row = 0; row < k; ++row)
      largest = std::max(largest, std::fabs(w[row * n + col]));
    float scale = largest > 0 ? largest / 127 : 1;
    scales[col] = scale;
    for (int64_t row = 0; row < k; ++row)
      q[row * n + col] = static_cast<int8_t>(std::clamp(
          std::nearbyint(w[row * n + col] / scale), -127.0f, 127.0f));
  }
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  Value weight = constant(
      b, loc,
      makeWeight<int8_t>(source, RankedTensorType::get({k, n}, b.getI8Type()),
                         q, "int8"));
  Value weightScale =
      constant(b, loc,
               makeWeight<float>(source, RankedTensorType::get({n}, f32),
                                 scales, "int8_scales"));

  // The input: [min(x, 0), max(x, 0)] onto [0, 255].
  auto all = b.getDenseI64ArrayAttr({});
  Value zero = scalar(b, loc, 0);
  Value hi = MaxOp::create(
      b, loc, ReduceMaxOp::create(b, loc, input, all, b.getBoolAttr(false)),
      zero);
  Value lo = MinOp::create(
      b, loc, ReduceMinOp::create(b, loc, input, all, b.getBoolAttr(false)),
      zero);
  // An all-zero input keeps a positive scale (its values quantize to 0).
  Value scale = MaxOp::create(
      b, loc,
      DivOp::create(b, loc, SubOp::create(b, loc, hi, lo), scalar(b, loc, 255)),
      scalar(b, loc, 1e-30f));
  Value zeroPoint = roundToNearest(
      b, loc,
      ClipOp::create(b, loc,
                     NegOp::create(b, loc, DivOp::create(b, loc, lo, scale)),
                     b.getF64FloatAttr(0), b.getF64FloatAttr(255)));
  Value quantized = ClipOp::create(
      b, loc,
      AddOp::create(b, loc,
                    roundToNearest(b, loc, DivOp::create(b, loc, input, scale)),
                    zeroPoint),
      b.getF64FloatAttr(0), b.getF64FloatAttr(255));
  // The uint8 input and zero point in the form the importer gives
  // DynamicQuantizeLinear's outputs (an i8 holding the uint8's bits, zero
  // extended to i32), so that fusion makes the same quantized layer of this
  // product as of an imported MatMulInteger, and it runs on the int8 kernel.
  Value centered = SubOp::create(b, loc, widenUnsigned(b, loc, quantized),
                                 widenUnsigned(b, loc, zeroPoint));
  Value weight32 =
      CastOp::create(b, loc, RankedTensorType::get({k, n}, i32), weight);
  Value product = MatMulOp::create(b, loc, centered, weight32);
  auto productType = cast<RankedTensorType>(product.getType());
  return MulOp::create(b, loc,
                       CastOp::create(b, loc, productType.clone(f32), product),
                       MulOp::create(b, loc, scale, weightScale));
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {

struct XfmrQuantizeWeightsPass
    : public xfmr::impl::XfmrQuantizeWeightsPassBase<XfmrQuantizeWeightsPass> {
  using XfmrQuantizeWeightsPassBase::XfmrQuantizeWeightsPassBase;

  LogicalResult initialize(MLIRContext *context) override {
    if (mode != "int4" && mode != "int8")
      return emitError(UnknownLoc::get(context))
             << "xfmr-quantize-weights: mode must be int4 or int8, got '"
             << mode << "'";
    return success();
  }

  void runOnOperation() override {
    SmallVector<MatMulOp> candidates;
    getOperation().walk([&](MatMulOp op) { candidates.push_back(op); });
    for (MatMulOp op : candidates) {
      ElementsAttr weight;
      auto inputType = cast<RankedTensorType>(op.getLhs().getType());
      if (!matchPattern(op.getRhs(), m_Constant(&weight)) ||
          !inputType.getElementType().isF32())
        continue;
      auto weightType = cast<RankedTensorType>(weight.getType());
      if (weightType.getRank() != 2 || !weightType.getElementType().isF32() ||
          weightType.getNumElements() < minElements)
        continue;
      std::optional<SmallVector<float>> values = readF32Weight(weight);
      if (!values)
        continue;
      int64_t k = weightType.getDimSize(0), n = weightType.getDimSize(1);
      OpBuilder b(op);
      Value result = mode == "int4" ? quantizeInt4(b, op.getLoc(), op.getLhs(),
                                                   weight, *values, k, n)
                                    : quantizeInt8(b, op.getLoc(), op.getLhs(),
                                                   weight, *values, k, n);
      LLVM_DEBUG(llvm::dbgs() << "quantized " << weightType << " to " << mode
                              << " at " << op.getLoc() << "\n");
      if (result.getType() != op.getType()) {
        // A shape inferred less precisely than the matmul's: keep the f32.
        result.getDefiningOp()->erase();
        continue;
      }
      Operation *weightOp = op.getRhs().getDefiningOp();
      op.replaceAllUsesWith(result);
      op.erase();
      if (weightOp->use_empty())
        weightOp->erase();
    }
  }
};

} // namespace
