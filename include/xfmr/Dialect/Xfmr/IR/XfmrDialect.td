//===- XfmrDialect.td - The xfmr dialect definition -------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMRDIALECT_TD
#define XFMR_DIALECT_XFMR_IR_XFMRDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def Xfmr_Dialect : Dialect {
  let name = "xfmr";
  let cppNamespace = "::mlir::xfmr";
  let summary = "Tensor-level operations of transformer graphs";
  let description = [{
    The `xfmr` dialect holds transformer graphs at tensor level, with value
    semantics. It has two layers:

    * primitives that mirror ONNX closely (elementwise math with numpy
      broadcasting, reductions, softmax, matmul, conv and shape ops), so that
      an imported graph stays close to its source;
    * transformer ops (`xfmr.attention`, `xfmr.mlp`, `xfmr.linear`,
      `xfmr.layer_norm`, `xfmr.rms_norm`, `xfmr.gelu`,
      `xfmr.rotary_embedding`) that fusion passes produce and that backends
      tile.

    Every op infers its result type from its operands (dynamic dims
    included) and reifies dynamic result dims in terms of its operands.
    Result types written in the IR may be more static than the inferred ones
    (a refinement), never contradictory.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Xfmr_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "approximation used by GELU", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"tanh", 1>,
      I32EnumAttrCase<"quick", 2>]> {
  let cppNamespace = "::mlir::xfmr";
  let genSpecializedAttr = 0;
}
def Xfmr_GeluApproximationAttr
    : EnumAttr<Xfmr_Dialect, Xfmr_GeluApproximation, "gelu_approximation">;

def Xfmr_Activation : I32EnumAttr<"Activation",
    "activation applied in the epilogue of a linear or MLP block", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"relu", 1>,
      I32EnumAttrCase<"gelu", 2>,
      I32EnumAttrCase<"gelu_tanh", 3>,
      I32EnumAttrCase<"silu", 4>,
      I32EnumAttrCase<"sigmoid", 5>,
      I32EnumAttrCase<"tanh", 6>,
      I32EnumAttrCase<"gelu_quick", 7>]> {
  let cppNamespace = "::mlir::xfmr";
  let genSpecializedAttr = 0;
}
def Xfmr_ActivationAttr
    : EnumAttr<Xfmr_Dialect, Xfmr_Activation, "activation">;

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Xfmr_Tensor : RankedTensorOf<[AnyType]>;
def Xfmr_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Xfmr_NumericTensor : RankedTensorOf<[AnyFloat, AnySignlessInteger]>;
def Xfmr_IntTensor : RankedTensorOf<[AnySignlessInteger]>;
def Xfmr_BoolTensor : RankedTensorOf<[I1]>;
def Xfmr_IndexTensor : RankedTensorOf<[I32, I64]>;
// A 1-D tensor of i64 holding a shape, axes, starts, ... (ONNX convention).
def Xfmr_ShapeTensor : 1DTensorOf<[I64]>;
// A 0-D or 1-element tensor holding a scalar (ONNX often uses either).
def Xfmr_ScalarTensor : RankedTensorOf<[AnyFloat, AnySignlessInteger]>;

#endif // XFMR_DIALECT_XFMR_IR_XFMRDIALECT_TD
