//===- XfmrElementwiseOps.td - Elementwise xfmr ops -------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Unary math, binary math with numpy broadcasting, comparisons, bitwise
// logic and shifts, `where`, `cast` and `bitcast`.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMRELEMENTWISEOPS_TD
#define XFMR_DIALECT_XFMR_IR_XFMRELEMENTWISEOPS_TD

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

class Xfmr_UnaryOp<string mnemonic, string formula,
                   Type tensorType = Xfmr_FloatTensor, list<Trait> traits = []>
    : Xfmr_SameShapeOp<mnemonic,
        !listconcat(traits, [Elementwise])> {
  let summary = "elementwise " # formula;
  let description = [{
    Computes `}] # formula # [{` for every element of `input`; the result has
    the type of the input.

    Example:

    ```mlir
    %y = xfmr.}] # mnemonic # [{ %x : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Xfmr_NegOp : Xfmr_UnaryOp<"neg", "-x", Xfmr_NumericTensor> {
  let hasFolder = 1;
}
def Xfmr_AbsOp : Xfmr_UnaryOp<"abs", "|x|", Xfmr_NumericTensor>;
def Xfmr_ExpOp : Xfmr_UnaryOp<"exp", "exp(x)">;
def Xfmr_LogOp : Xfmr_UnaryOp<"log", "log(x)">;
def Xfmr_SqrtOp : Xfmr_UnaryOp<"sqrt", "sqrt(x)">;
def Xfmr_RsqrtOp : Xfmr_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def Xfmr_ReciprocalOp : Xfmr_UnaryOp<"reciprocal", "1 / x">;
def Xfmr_TanhOp : Xfmr_UnaryOp<"tanh", "tanh(x)">;
def Xfmr_ErfOp : Xfmr_UnaryOp<"erf", "erf(x)">;
def Xfmr_SigmoidOp : Xfmr_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Xfmr_ReluOp : Xfmr_UnaryOp<"relu", "max(x, 0)", Xfmr_NumericTensor>;
def Xfmr_SiluOp : Xfmr_UnaryOp<"silu", "x * sigmoid(x)">;
def Xfmr_SinOp : Xfmr_UnaryOp<"sin", "sin(x)">;
def Xfmr_CosOp : Xfmr_UnaryOp<"cos", "cos(x)">;
def Xfmr_FloorOp : Xfmr_UnaryOp<"floor", "floor(x)">;
def Xfmr_CeilOp : Xfmr_UnaryOp<"ceil", "ceil(x)">;
// Halves to even (ONNX Round, QuantizeLinear's rounding): one instruction
// on CPUs and GPUs, where a formula of floor and comparisons is a dozen.
def Xfmr_RoundOp : Xfmr_UnaryOp<"round", "round_half_to_even(x)">;
def Xfmr_AsinOp : Xfmr_UnaryOp<"asin", "asin(x)">;
def Xfmr_AcosOp : Xfmr_UnaryOp<"acos", "acos(x)">;
def Xfmr_AtanOp : Xfmr_UnaryOp<"atan", "atan(x)">;
// On i1 the logical negation (ONNX Not), on wider integers the bitwise one
// (ONNX BitwiseNot).
def Xfmr_NotOp : Xfmr_UnaryOp<"not", "~x", Xfmr_IntTensor>;

def Xfmr_LeakyReluOp : Xfmr_SameShapeOp<"leaky_relu",
    [Elementwise]> {
  let summary = "elementwise leaky ReLU";
  let description = [{
    Computes `x >= 0 ? x : alpha * x` elementwise (ONNX LeakyRelu).

    ```mlir
    %y = xfmr.leaky_relu %x {alpha = 0.1 : f32} : tensor<4x?xf32>
    ```
  }];
  let arguments = (ins Xfmr_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.01">:$alpha);
  let results = (outs Xfmr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Xfmr_ClipOp : Xfmr_SameShapeOp<"clip",
    [Elementwise]> {
  let summary = "elementwise clamp to [min, max]";
  let description = [{
    Clamps every element to `[min, max]` (ONNX Clip); a missing bound is
    unbounded. The verifier rejects `min > max`.

    ```mlir
    %y = xfmr.clip %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Xfmr_NumericTensor:$input,
                       OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let results = (outs Xfmr_NumericTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Binary ops with numpy broadcasting
//===----------------------------------------------------------------------===//

class Xfmr_BroadcastOp<string mnemonic, list<Trait> traits = []>
    : Xfmr_ShapedOp<mnemonic, traits> {
  let reifyBody = [{
    {
      return ::mlir::xfmr::reifyBroadcastShape(builder, getOperation(),
                                               reifiedReturnShapes);
    }
  }];
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

class Xfmr_ArithOp<string mnemonic, string formula, list<Trait> traits = []>
    : Xfmr_BroadcastOp<mnemonic, traits> {
  let summary = "elementwise " # formula # " with numpy broadcasting";
  let description = [{
    Computes `}] # formula # [{` elementwise after broadcasting `lhs` and
    `rhs` to a common shape with numpy rules: shapes are aligned at their
    trailing dims, and a dim of size 1 stretches to the other. Both operands
    have the same element type, which the result keeps.

    ```mlir
    %y = xfmr.}] # mnemonic # [{ %a, %b
        : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xf32>
    ```
  }];
  let arguments = (ins Xfmr_NumericTensor:$lhs, Xfmr_NumericTensor:$rhs);
  let results = (outs Xfmr_NumericTensor:$output);
  let inferBody = [{
    {
      return ::mlir::xfmr::inferBroadcastResult(
          location, getOperationName(), adaptor.getLhs(), adaptor.getRhs(),
          /*resultElementType=*/nullptr, inferred);
    }
  }];
  let hasFolder = 1;
}

def Xfmr_AddOp : Xfmr_ArithOp<"add", "lhs + rhs", [Commutative]>;
def Xfmr_SubOp : Xfmr_ArithOp<"sub", "lhs - rhs">;
def Xfmr_MulOp : Xfmr_ArithOp<"mul", "lhs * rhs", [Commutative]>;
def Xfmr_DivOp : Xfmr_ArithOp<"div", "lhs / rhs">;
def Xfmr_PowOp : Xfmr_ArithOp<"pow", "lhs ^ rhs">;
def Xfmr_MaxOp : Xfmr_ArithOp<"max", "max(lhs, rhs)", [Commutative]>;
def Xfmr_MinOp : Xfmr_ArithOp<"min", "min(lhs, rhs)", [Commutative]>;

class Xfmr_CompareOp<string mnemonic, string formula,
                     Type operandType = Xfmr_NumericTensor,
                     list<Trait> traits = []>
    : Xfmr_BroadcastOp<mnemonic, traits> {
  let summary = "elementwise " # formula # " with numpy broadcasting";
  let description = [{
    Computes `}] # formula # [{` elementwise after numpy broadcasting; the
    result is a tensor of `i1`. Floating-point comparisons are ordered, as
    in ONNX: a comparison involving NaN is false (so `IsNaN(x)` imports as
    `not(equal(x, x))`).

    ```mlir
    %m = xfmr.}] # mnemonic # [{ %a, %b
        : (tensor<1x1x?x?xi64>, tensor<?xi64>) -> tensor<1x1x?x?xi1>
    ```
  }];
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs Xfmr_BoolTensor:$output);
  let inferBody = [{
    {
      return ::mlir::xfmr::inferBroadcastResult(
          location, getOperationName(), adaptor.getLhs(), adaptor.getRhs(),
          ::mlir::IntegerType::get(context, 1), inferred);
    }
  }];
  let hasFolder = 1;
}

def Xfmr_EqualOp : Xfmr_CompareOp<"equal", "lhs == rhs", Xfmr_Tensor,
                                  [Commutative]>;
def Xfmr_LessOp : Xfmr_CompareOp<"less", "lhs < rhs">;
def Xfmr_LessEqualOp : Xfmr_CompareOp<"less_equal", "lhs <= rhs">;
def Xfmr_GreaterOp : Xfmr_CompareOp<"greater", "lhs > rhs">;
def Xfmr_GreaterEqualOp : Xfmr_CompareOp<"greater_equal", "lhs >= rhs">;

//===----------------------------------------------------------------------===//
// Bitwise ops with numpy broadcasting
//===----------------------------------------------------------------------===//

class Xfmr_BitwiseOp<string mnemonic, string formula, string notes,
                     list<Trait> traits = []>
    : Xfmr_BroadcastOp<mnemonic, traits> {
  let summary = "elementwise " # formula # " with numpy broadcasting";
  let description = [{
    Computes `}] # formula # [{` elementwise on the bits of two integer
    tensors of one element type, after numpy broadcasting; the result keeps
    that type. }] # notes # [{

    ```mlir
    %m = xfmr.}] # mnemonic # [{ %a, %b
        : (tensor<?x8xi32>, tensor<8xi32>) -> tensor<?x8xi32>
    ```
  }];
  let arguments = (ins Xfmr_IntTensor:$lhs, Xfmr_IntTensor:$rhs);
  let results = (outs Xfmr_IntTensor:$output);
  let inferBody = [{
    {
      return ::mlir::xfmr::inferBroadcastResult(
          location, getOperationName(), adaptor.getLhs(), adaptor.getRhs(),
          /*resultElementType=*/nullptr, inferred);
    }
  }];
}

def Xfmr_AndOp : Xfmr_BitwiseOp<"and", "lhs & rhs",
    "On `i1` it is ONNX's logical And, on wider integers BitwiseAnd.",
    [Commutative]> {
  let hasFolder = 1;
}
def Xfmr_OrOp : Xfmr_BitwiseOp<"or", "lhs | rhs",
    "On `i1` it is ONNX's logical Or, on wider integers BitwiseOr.",
    [Commutative]> {
  let hasFolder = 1;
}
def Xfmr_XorOp : Xfmr_BitwiseOp<"xor", "lhs ^ rhs",
    "On `i1` it is ONNX's logical Xor, on wider integers BitwiseXor.",
    [Commutative]> {
  let hasFolder = 1;
}
def Xfmr_ShiftLeftOp : Xfmr_BitwiseOp<"shift_left", "lhs << rhs",
    "A shift by a negative amount or by the bit width or more gives 0 (ONNX "
    "BitShift)."
>;
def Xfmr_ShiftRightSignedOp : Xfmr_BitwiseOp<"shift_right_signed",
    "lhs >> rhs",
    "The shift is arithmetic: the sign bit fills in, and a shift by a "
    "negative amount or by the bit width or more gives 0 or -1 by the sign "
    "of `lhs` (ONNX BitShift on signed integers)."
>;
def Xfmr_ShiftRightUnsignedOp : Xfmr_BitwiseOp<"shift_right_unsigned",
    "lhs >> rhs",
    "The shift is logical: zeros fill in, and a shift by a negative amount "
    "or by the bit width or more gives 0 (ONNX BitShift on unsigned "
    "integers)."
>;

def Xfmr_WhereOp : Xfmr_ShapedOp<"where"> {
  let summary = "elementwise select with numpy broadcasting";
  let description = [{
    Picks `on_true` where `condition` holds and `on_false` elsewhere, after
    broadcasting all three operands together (ONNX Where). Attention masks
    are often written this way.

    ```mlir
    %s = xfmr.where %causal, %scores, %neg_inf
        : (tensor<1x1x?x?xi1>, tensor<?x12x?x?xf32>, tensor<f32>)
        -> tensor<?x12x?x?xf32>
    ```
  }];
  let arguments = (ins Xfmr_BoolTensor:$condition, Xfmr_Tensor:$on_true,
                       Xfmr_Tensor:$on_false);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:`
    functional-type(operands, results)
  }];
  let reifyBody = [{
    {
      return ::mlir::xfmr::reifyBroadcastShape(builder, getOperation(),
                                               reifiedReturnShapes);
    }
  }];
  let hasFolder = 1;
}

def Xfmr_CastOp : Xfmr_Op<"cast", [Pure, Elementwise,
    DeclareOpInterfaceMethods<CastOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
                              ["reifyResultShapes"]>]> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    Converts every element to the result's element type (ONNX Cast): floats
    round to nearest even, float to integer truncates toward zero, any
    non-zero value becomes `true` in `i1`. The shapes of operand and result
    must be compatible; a cast to the same type folds away.

    ```mlir
    %m = xfmr.cast %mask : tensor<?x?xi64> to tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasFolder = 1;
}

def Xfmr_BitcastOp : Xfmr_Op<"bitcast", [Pure, Elementwise,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
                              ["reifyResultShapes"]>]> {
  let summary = "elementwise reinterpretation of bits as another type";
  let description = [{
    Reads the bits of every element as the result's element type, which must
    have the same bit width (ONNX BitCast); the shape is the input's.

    ```mlir
    %i = xfmr.bitcast %x : tensor<?x4xf32> to tensor<?x4xi32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
}

#endif // XFMR_DIALECT_XFMR_IR_XFMRELEMENTWISEOPS_TD
