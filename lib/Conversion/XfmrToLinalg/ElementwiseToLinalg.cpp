//===- ElementwiseToLinalg.cpp - Elementwise xfmr ops to linalg.generic ---===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each elementwise op becomes one linalg.generic: the numpy broadcasting is in
// the indexing maps (a static size-1 operand dim reads index 0), the result
// is a tensor.empty sized by the op's shape reification, and the body is the
// op's scalar computation in arith/math. Keeping every op a separate generic
// leaves fusion to linalg's elementwise fusion.
//
//===----------------------------------------------------------------------===//

#include "IndexMath.h"
#include "LoweringUtils.h"

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Conversion/XfmrToLinalg/XfmrToLinalg.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// `x / d` for integers, where x86's division would trap: a divisor of
/// zero (the op's run-time check reports it; here it divides by one) and
/// the minimum divided by -1 (the negation, wrapped).
static Value divideSigned(OpBuilder &b, Location loc, Value x, Value d) {
  auto constant = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(d.getType(), v));
  };
  Value isZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, constant(0));
  Value isMinusOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, constant(-1));
  Value trapping = arith::OrIOp::create(b, loc, isZero, isMinusOne);
  Value divisor = arith::SelectOp::create(b, loc, trapping, constant(1), d);
  Value quotient = arith::DivSIOp::create(b, loc, x, divisor);
  Value negated = arith::SubIOp::create(b, loc, constant(0), x);
  return arith::SelectOp::create(b, loc, isMinusOne, negated, quotient);
}

/// `x` shifted by `amount` with ShiftOp, where an amount outside
/// [0, bit width) shifts every bit out: arith's shifts are poison there.
/// An arithmetic right shift (`fillsSign`) then shifts by width - 1.
template <typename ShiftOp>
static Value shift(OpBuilder &b, Location loc, Value x, Value amount,
                   bool fillsSign) {
  Type type = x.getType();
  auto constant = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
  };
  int64_t width = type.getIntOrFloatBitWidth();
  // Unsigned, a negative amount is out of range too.
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        amount, constant(width));
  if (fillsSign)
    return ShiftOp::create(
        b, loc, x,
        arith::SelectOp::create(b, loc, inRange, amount, constant(width - 1)));
  Value shifted = ShiftOp::create(
      b, loc, x, arith::SelectOp::create(b, loc, inRange, amount, constant(0)));
  return arith::SelectOp::create(b, loc, inRange, shifted, constant(0));
}

/// The scalar computation of `op` on `args`, or null if `op` is not an
/// elementwise op this file lowers.
/// Whether `v` is an xfmr.clip whose bounds keep it well within i32's range
/// (2^30: a bound near 2^31 would round up to it in f32).
static bool isClippedToI32(Value v) {
  auto clip = v.getDefiningOp<ClipOp>();
  if (!clip || !clip.getMin() || !clip.getMax())
    return false;
  auto within = [](const APFloat &bound) {
    return std::abs(bound.convertToDouble()) <= static_cast<double>(1 << 30);
  };
  return within(*clip.getMin()) && within(*clip.getMax());
}

static Value emitScalar(ScalarBuilder &scalar, Operation *op, ValueRange args,
                        Type resultType) {
  OpBuilder &b = scalar.b;
  Location loc = scalar.loc;
  auto constant = [&](Type type, double value) {
    return scalar.constant(type, value);
  };
  auto isFloat = [&](Value v) { return scalar.isFloat(v); };
  auto unaryF = [&](auto tag) -> Value {
    using MathOp = decltype(tag);
    return MathOp::create(b, loc, args[0]);
  };
  auto binary = [&](auto floatTag, auto intTag) -> Value {
    using FloatOp = decltype(floatTag);
    using IntOp = decltype(intTag);
    if (isFloat(args[0]))
      return FloatOp::create(b, loc, args[0], args[1]);
    return IntOp::create(b, loc, args[0], args[1]);
  };
  auto compare = [&](arith::CmpFPredicate f, arith::CmpIPredicate i) -> Value {
    if (isFloat(args[0]))
      return arith::CmpFOp::create(b, loc, f, args[0], args[1]);
    return arith::CmpIOp::create(b, loc, i, args[0], args[1]);
  };
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](NegOp) -> Value {
        if (isFloat(args[0]))
          return arith::NegFOp::create(b, loc, args[0]);
        return arith::SubIOp::create(b, loc, constant(resultType, 0), args[0]);
      })
      .Case([&](AbsOp) -> Value {
        if (isFloat(args[0]))
          return math::AbsFOp::create(b, loc, args[0]);
        return math::AbsIOp::create(b, loc, args[0]);
      })
      .Case([&](ExpOp) { return unaryF(math::ExpOp()); })
      .Case([&](LogOp) { return unaryF(math::LogOp()); })
      .Case([&](SqrtOp) { return unaryF(math::SqrtOp()); })
      .Case([&](RsqrtOp) { return unaryF(math::RsqrtOp()); })
      .Case([&](TanhOp) { return unaryF(math::TanhOp()); })
      .Case([&](ErfOp) { return unaryF(math::ErfOp()); })
      .Case([&](SinOp) { return unaryF(math::SinOp()); })
      .Case([&](CosOp) { return unaryF(math::CosOp()); })
      .Case([&](FloorOp) { return unaryF(math::FloorOp()); })
      .Case([&](CeilOp) { return unaryF(math::CeilOp()); })
      .Case([&](RoundOp) { return unaryF(math::RoundEvenOp()); })
      .Case([&](ReciprocalOp) -> Value {
        return arith::DivFOp::create(b, loc, constant(resultType, 1.0),
                                     args[0]);
      })
      .Case([&](SigmoidOp) { return scalar.sigmoid(args[0]); })
      .Case([&](SiluOp) { return scalar.silu(args[0]); })
      .Case([&](ReluOp) { return scalar.relu(args[0]); })
      .Case([&](LeakyReluOp leaky) -> Value {
        Value zero = constant(resultType, 0);
        Value scaled = arith::MulFOp::create(
            b, loc, args[0],
            constant(resultType, leaky.getAlpha().convertToDouble()));
        Value positive = arith::CmpFOp::create(
            b, loc, arith::CmpFPredicate::OGE, args[0], zero);
        return arith::SelectOp::create(b, loc, positive, args[0], scaled);
      })
      .Case([&](ClipOp clip) -> Value {
        Value x = args[0];
        if (std::optional<APFloat> lo = clip.getMin())
          x = isFloat(x) ? Value(arith::MaximumFOp::create(
                               b, loc, x,
                               constant(resultType, lo->convertToDouble())))
                         : Value(arith::MaxSIOp::create(
                               b, loc, x,
                               constant(resultType, lo->convertToDouble())));
        if (std::optional<APFloat> hi = clip.getMax())
          x = isFloat(x) ? Value(arith::MinimumFOp::create(
                               b, loc, x,
                               constant(resultType, hi->convertToDouble())))
                         : Value(arith::MinSIOp::create(
                               b, loc, x,
                               constant(resultType, hi->convertToDouble())));
        return x;
      })
      .Case([&](GeluOp gelu) {
        return scalar.gelu(args[0], gelu.getApproximate());
      })
      .Case([&](AsinOp) { return unaryF(math::AsinOp()); })
      .Case([&](AcosOp) { return unaryF(math::AcosOp()); })
      .Case([&](AtanOp) { return unaryF(math::AtanOp()); })
      .Case([&](NotOp) -> Value {
        return arith::XOrIOp::create(
            b, loc, args[0],
            arith::ConstantOp::create(b, loc,
                                      b.getIntegerAttr(resultType, -1)));
      })
      .Case([&](AddOp) { return binary(arith::AddFOp(), arith::AddIOp()); })
      .Case([&](SubOp) { return binary(arith::SubFOp(), arith::SubIOp()); })
      .Case([&](MulOp) { return binary(arith::MulFOp(), arith::MulIOp()); })
      .Case([&](DivOp) -> Value {
        if (isFloat(args[0]))
          return arith::DivFOp::create(b, loc, args[0], args[1]);
        return divideSigned(b, loc, args[0], args[1]);
      })
      .Case(
          [&](MaxOp) { return binary(arith::MaximumFOp(), arith::MaxSIOp()); })
      .Case(
          [&](MinOp) { return binary(arith::MinimumFOp(), arith::MinSIOp()); })
      .Case([&](PowOp) -> Value {
        if (isFloat(args[0]))
          return math::PowFOp::create(b, loc, args[0], args[1]);
        return math::IPowIOp::create(b, loc, args[0], args[1]);
      })
      .Case([&](EqualOp) {
        return compare(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq);
      })
      .Case([&](LessOp) {
        return compare(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
      })
      .Case([&](LessEqualOp) {
        return compare(arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle);
      })
      .Case([&](GreaterOp) {
        return compare(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt);
      })
      .Case([&](GreaterEqualOp) {
        return compare(arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge);
      })
      .Case([&](AndOp) -> Value {
        return arith::AndIOp::create(b, loc, args[0], args[1]);
      })
      .Case([&](OrOp) -> Value {
        return arith::OrIOp::create(b, loc, args[0], args[1]);
      })
      .Case([&](XorOp) -> Value {
        return arith::XOrIOp::create(b, loc, args[0], args[1]);
      })
      .Case([&](ShiftLeftOp) {
        return shift<arith::ShLIOp>(b, loc, args[0], args[1], false);
      })
      .Case([&](ShiftRightSignedOp) {
        return shift<arith::ShRSIOp>(b, loc, args[0], args[1], true);
      })
      .Case([&](ShiftRightUnsignedOp) {
        return shift<arith::ShRUIOp>(b, loc, args[0], args[1], false);
      })
      .Case([&](WhereOp) -> Value {
        return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
      })
      .Case([&](BitcastOp) -> Value {
        return arith::BitcastOp::create(b, loc, resultType, args[0]);
      })
      .Case([&](CastOp cast) -> Value {
        // A float clipped to within i32's range (a quantization's last step
        // before its narrowing, which the importer writes through i64)
        // converts through i32: the same integer, and a vector conversion
        // on AVX2, which has none from float to i64.
        if (auto wide = dyn_cast<IntegerType>(resultType);
            wide && wide.getWidth() > 32 && isFloat(args[0]) &&
            isClippedToI32(cast.getInput())) {
          Value narrow = scalar.cast(args[0], b.getI32Type());
          return arith::ExtSIOp::create(b, loc, resultType, narrow);
        }
        return scalar.cast(args[0], resultType);
      })
      .Default([](Operation *) { return Value(); });
}

/// The indexing map of an operand broadcast to `resultType`: trailing dims
/// align, and a static size-1 dim where the result's is not 1 reads index 0.
static AffineMap broadcastMap(RankedTensorType operandType,
                              RankedTensorType resultType) {
  MLIRContext *context = operandType.getContext();
  int64_t rank = resultType.getRank();
  int64_t offset = rank - operandType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < operandType.getRank(); ++d) {
    int64_t r = d + offset;
    bool broadcast = operandType.getDimSize(d) == 1 &&
                     resultType.getDimSize(r) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, context)
                              : getAffineDimExpr(r, context));
  }
  return AffineMap::get(rank, 0, exprs, context);
}

/// Whether a dynamic dim of `operands[index]` may be 1 at run time while
/// another operand's dim there is not: numpy broadcasting then decides per
/// run, which no indexing map can express. A dim that no other operand has
/// (or only as a static 1) sizes the result and never broadcasts.
bool mayBroadcastAtRunTime(ValueRange operands, unsigned index,
                           RankedTensorType resultType) {
  int64_t resultRank = resultType.getRank();
  auto dimOf = [&](unsigned which, int64_t resultDim) -> int64_t {
    auto type = cast<RankedTensorType>(operands[which].getType());
    int64_t i = resultDim - (resultRank - type.getRank());
    return i < 0 ? 1 : type.getDimSize(i);
  };
  for (int64_t d = 0; d < resultRank; ++d) {
    if (!ShapedType::isDynamic(dimOf(index, d)) ||
        resultType.getDimSize(d) == 1)
      continue;
    for (unsigned other = 0; other < operands.size(); ++other)
      if (other != index && operands[other] != operands[index] &&
          dimOf(other, d) != 1)
        return true;
  }
  return false;
}

/// `operand` broadcast to the shape of `like` (of the op's result) by an
/// xfmr.expand, whose lowering decides per dim at run time.
Value expandToResult(PatternRewriter &rewriter, Location loc, Value operand,
                     Value like) {
  auto likeType = cast<RankedTensorType>(like.getType());
  SmallVector<Value> dims;
  for (int64_t i = 0; i < likeType.getRank(); ++i)
    dims.push_back(rewriter.createOrFold<tensor::DimOp>(loc, like, i));
  Value shape = indicesToTensor(
      rewriter, loc, dims,
      RankedTensorType::get({likeType.getRank()}, rewriter.getI64Type()));
  auto type = RankedTensorType::get(
      likeType.getShape(),
      cast<RankedTensorType>(operand.getType()).getElementType());
  return ExpandOp::create(rewriter, loc, type, operand, shape);
}

/// The ONNX op type an elementwise op stands for, for messages.
static std::string onnxOpType(Operation *op) {
  StringRef name = op->getName().stripDialect();
  if (name == "less_equal")
    return "LessOrEqual";
  if (name == "greater_equal")
    return "GreaterOrEqual";
  return convertToCamelFromSnakeCase(name, /*capitalizeFirst=*/true);
}

/// Checks at run time that each dynamic dim of `operand` broadcasts to the
/// result's (`init`'s) dim it aligns with.
static void emitBroadcastChecks(OpBuilder &b, Location loc, Value operand,
                                Value init, StringRef what) {
  auto type = cast<RankedTensorType>(operand.getType());
  int64_t offset =
      cast<RankedTensorType>(init.getType()).getRank() - type.getRank();
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    emitBroadcastableCheck(b, loc, tensor::DimOp::create(b, loc, operand, d),
                           b.createOrFold<tensor::DimOp>(loc, init, d + offset),
                           d + offset, what);
  }
}

struct ElementwiseToGeneric : RewritePattern {
  ElementwiseToGeneric(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, EqualOp, LessOp,
             LessEqualOp, GreaterOp, GreaterEqualOp, AndOp, OrOp, XorOp,
             ShiftLeftOp, ShiftRightSignedOp, ShiftRightUnsignedOp, WhereOp,
             CastOp, BitcastOp, NegOp, AbsOp, ExpOp, LogOp, SqrtOp, RsqrtOp,
             ReciprocalOp, TanhOp, ErfOp, SigmoidOp, ReluOp, SiluOp, SinOp,
             CosOp, AsinOp, AcosOp, AtanOp, FloorOp, CeilOp, RoundOp, NotOp,
             LeakyReluOp, ClipOp, GeluOp>(op))
      return failure();
    Location loc = op->getLoc();
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());

    FailureOr<Value> init = createEmptyResult(rewriter, op);
    if (failed(init))
      return rewriter.notifyMatchFailure(op, "cannot reify the result shape");

    SmallVector<Value> operands;
    for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
      if (!mayBroadcastAtRunTime(op->getOperands(), i, resultType)) {
        operands.push_back(operand);
        continue;
      }
      // Checked here to name this op; the expand checks (and reads safely)
      // too.
      emitBroadcastChecks(rewriter, loc, operand, *init,
                          describeONNXNode(op, onnxOpType(op)));
      operands.push_back(expandToResult(rewriter, loc, operand, *init));
    }
    if (isa<DivOp>(op) && !isa<FloatType>(resultType.getElementType()))
      emitNonZeroDivisorCheck(rewriter, loc, op->getOperand(1),
                              describeONNXNode(op, "Div"));
    SmallVector<AffineMap> maps;
    for (Value operand : operands)
      maps.push_back(
          broadcastMap(cast<RankedTensorType>(operand.getType()), resultType));
    maps.push_back(rewriter.getMultiDimIdentityMap(resultType.getRank()));
    SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                               utils::IteratorType::parallel);

    bool emitted = true;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, operands, ValueRange{*init},
        maps, iterators,
        [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
          ScalarBuilder scalar{b, bodyLoc};
          Value result = emitScalar(scalar, op, args.drop_back(),
                                    resultType.getElementType());
          if (!result) {
            emitted = false;
            result = args.back();
          }
          linalg::YieldOp::create(b, bodyLoc, result);
        });
    if (!emitted) {
      rewriter.eraseOp(generic);
      return rewriter.notifyMatchFailure(op, "no scalar lowering");
    }
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// Constants keep their attribute: small ones inline, weights as blobs.
struct ConstantToArith : OpRewritePattern<ConstantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConstantOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, cast<TypedAttr>(op.getValue()));
    return success();
  }
};

} // namespace

void mlir::xfmr::populateXfmrElementwiseToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ElementwiseToGeneric, ConstantToArith>(patterns.getContext());
}
