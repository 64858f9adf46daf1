//===- ExpandBF16.cpp - bf16 conversions without bf16 instructions --------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Without AVX512-BF16, LLVM turns an f32 -> bf16 truncation into a call of
// compiler-rt's __truncsfbf2 per element, and arithmetic on bf16 into f32
// arithmetic followed by that call: slow, and a symbol the model would have
// to link. Here the arithmetic is done in f32 explicitly (what LLVM would
// do, so results are unchanged), and the conversions become integer code
// that vectorizes.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRCPUEXPANDBF16PASS
#include "xfmr/Target/CPU/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;

namespace {

struct ExpandBF16Pass : xfmr::impl::XfmrCPUExpandBF16PassBase<ExpandBF16Pass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    Type bf16 = BFloat16Type::get(context);
    Type f32 = Float32Type::get(context);

    // Arithmetic and math on bf16 (scalars and vectors) between an extf to
    // f32 and a truncf back. f16 is left to LLVM, which has F16C wherever
    // there is AVX.
    TypeConverter arithConverter;
    arith::populateEmulateUnsupportedFloatsConversions(arithConverter, {bf16},
                                                       f32);
    ConversionTarget arithTarget(*context);
    arith::populateEmulateUnsupportedFloatsLegality(arithTarget,
                                                    arithConverter);
    RewritePatternSet arithPatterns(context);
    arith::populateEmulateUnsupportedFloatsPatterns(arithPatterns,
                                                    arithConverter);
    if (failed(applyPartialConversion(getOperation(), arithTarget,
                                      std::move(arithPatterns))))
      return signalPassFailure();

    TypeConverter mathConverter;
    SetVector<Type> supported;
    supported.insert(Float16Type::get(context));
    supported.insert(f32);
    supported.insert(Float64Type::get(context));
    math::populateExtendToSupportedTypesTypeConverter(mathConverter, supported,
                                                      f32);
    ConversionTarget mathTarget(*context);
    math::populateExtendToSupportedTypesConversionTarget(mathTarget,
                                                         mathConverter);
    RewritePatternSet mathPatterns(context);
    math::populateExtendToSupportedTypesPatterns(mathPatterns, mathConverter);
    if (failed(applyPartialConversion(getOperation(), mathTarget,
                                      std::move(mathPatterns))))
      return signalPassFailure();

    // The conversions themselves as integer code.
    RewritePatternSet expansion(context);
    arith::populateExpandBFloat16Patterns(expansion);
    if (failed(applyPatternsGreedily(getOperation(), std::move(expansion))))
      return signalPassFailure();
  }
};

} // namespace
