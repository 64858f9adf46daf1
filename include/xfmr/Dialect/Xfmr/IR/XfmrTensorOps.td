//===- XfmrTensorOps.td - Constants, reductions, matmul ---*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMRTENSOROPS_TD
#define XFMR_DIALECT_XFMR_IR_XFMRTENSOROPS_TD

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Xfmr_ConstantOp : Xfmr_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "output"]>]> {
  let summary = "a constant tensor: weights, shapes, scalars";
  let description = [{
    A tensor constant. Weights are `dense_resource` blobs, so the op prints a
    handle and the bytes live once in the module's resource section (or are
    elided when printing with `--mlir-elide-resource-strings-if-larger`);
    small constants such as shapes and scalars are inline `dense` values.

    ```mlir
    %shape = xfmr.constant dense<[0, -1, 12, 64]> : tensor<4xi64>
    %w = xfmr.constant dense_resource<encoder.w_q> : tensor<768x768xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Xfmr_ReduceOp<string mnemonic, string what>
    : Xfmr_ShapedOp<mnemonic> {
  let summary = "reduces a tensor to its " # what # " over `axes`";
  let description = [{
    Reduces `input` to its }] # what # [{ over `axes` (negative axes count
    from the back; no axes means every axis). With `keepdims` the reduced
    dims stay as size 1, otherwise they are removed. Axes must be in range
    and unique.

    ```mlir
    %m = xfmr.}] # mnemonic # [{ %x {axes = array<i64: -1>, keepdims = true}
        : (tensor<?x128x768xf32>) -> tensor<?x128x1xf32>
    ```
  }];
  let arguments = (ins Xfmr_NumericTensor:$input,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs Xfmr_NumericTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let inferBody = [{
    {
      return ::mlir::xfmr::inferReduceResult(
          location, getOperationName(), adaptor.getInput(), adaptor.getAxes(),
          adaptor.getKeepdims(), /*resultElementType=*/nullptr, inferred);
    }
  }];
  let reifyBody = [{
    {
      return ::mlir::xfmr::reifyReduceShape(builder, getInput(), getAxes(),
                                            getKeepdims(), reifiedReturnShapes);
    }
  }];
}

def Xfmr_ReduceSumOp : Xfmr_ReduceOp<"reduce_sum", "sum">;
def Xfmr_ReduceMeanOp : Xfmr_ReduceOp<"reduce_mean", "mean">;
def Xfmr_ReduceMaxOp : Xfmr_ReduceOp<"reduce_max", "maximum">;
def Xfmr_ReduceMinOp : Xfmr_ReduceOp<"reduce_min", "minimum">;
def Xfmr_ReduceProdOp : Xfmr_ReduceOp<"reduce_prod", "product">;

def Xfmr_ArgMaxOp : Xfmr_ShapedOp<"argmax"> {
  let summary = "index of the largest element along an axis";
  let description = [{
    The `i64` index of the largest element along `axis` (ONNX ArgMax); ties
    pick the first index, or the last with `select_last_index`.

    ```mlir
    %ids = xfmr.argmax %logits {axis = -1 : i64, keepdims = false}
        : (tensor<1x?x50257xf32>) -> tensor<1x?xi64>
    ```
  }];
  let arguments = (ins Xfmr_NumericTensor:$input,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let inferBody = [{
    {
      int64_t axis = adaptor.getAxis();
      return ::mlir::xfmr::inferReduceResult(
          location, getOperationName(), adaptor.getInput(),
          ::llvm::ArrayRef<int64_t>(axis), adaptor.getKeepdims(),
          ::mlir::IntegerType::get(context, 64), inferred);
    }
  }];
  let reifyBody = [{
    {
      int64_t axis = getAxis();
      return ::mlir::xfmr::reifyReduceShape(builder, getInput(),
          ::llvm::ArrayRef<int64_t>(axis), getKeepdims(), reifiedReturnShapes);
    }
  }];
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

class Xfmr_SoftmaxBaseOp<string mnemonic, string formula>
    : Xfmr_SameShapeOp<mnemonic> {
  let summary = formula # " along one axis";
  let description = [{
    Computes `}] # formula # [{` along `axis` (ONNX opset 13 semantics: one
    axis, negative counts from the back). The importer rewrites the older
    "flatten from axis" form into this one.

    ```mlir
    %p = xfmr.}] # mnemonic # [{ %scores {axis = -1 : i64} : tensor<?x12x?x?xf32>
    ```
  }];
  let arguments = (ins Xfmr_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Xfmr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Xfmr_SoftmaxOp : Xfmr_SoftmaxBaseOp<"softmax", "exp(x) / sum(exp(x))">;
def Xfmr_LogSoftmaxOp
    : Xfmr_SoftmaxBaseOp<"log_softmax", "x - log(sum(exp(x)))">;

//===----------------------------------------------------------------------===//
// Matmul and conv
//===----------------------------------------------------------------------===//

def Xfmr_MatMulOp : Xfmr_ShapedOp<"matmul"> {
  let summary = "batched matrix product with numpy semantics";
  let description = [{
    Matrix product with the semantics of ONNX MatMul (numpy `matmul`): the
    last two dims multiply (`[..., M, K] x [..., K, N] -> [..., M, N]`), the
    leading batch dims broadcast, and a 1-D operand is promoted to a matrix
    (a row for `lhs`, a column for `rhs`) whose added dim is then dropped.
    The contraction sizes must agree.

    ```mlir
    %y = xfmr.matmul %x, %w
        : (tensor<?x128x768xf32>, tensor<768x3072xf32>) -> tensor<?x128x3072xf32>
    ```
  }];
  let arguments = (ins Xfmr_NumericTensor:$lhs, Xfmr_NumericTensor:$rhs);
  let results = (outs Xfmr_NumericTensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Xfmr_ConvOp : Xfmr_ShapedOp<"conv"> {
  let summary = "1-D or 2-D grouped convolution, NC[H]W layout";
  let description = [{
    Convolution with ONNX Conv semantics: `input` is `[N, C, W]`,
    `[N, C, H, W]` or `[N, C, D, H, W]`, `weight` is `[M, C / group, kW]`,
    `[M, C / group, kH, kW]` or `[M, C / group, kD, kH, kW]`, the optional
    `bias` is `[M]`. `pads` holds the
    begin pads of every spatial dim, then the end pads; `strides` and
    `dilations` one value per spatial dim (empty means all 1, no pads). Vision
    and audio front ends (ViT's patch embedding, Whisper's stem) use it.
    Integer operands (i32, as the quantized convolutions are imported)
    accumulate in their own type.

    ```mlir
    %p = xfmr.conv %img, %w, %b {strides = array<i64: 16, 16>}
        : (tensor<?x3x224x224xf32>, tensor<768x3x16x16xf32>, tensor<768xf32>)
        -> tensor<?x768x14x14xf32>
    ```
  }];
  let arguments = (ins Xfmr_NumericTensor:$input, Xfmr_NumericTensor:$weight,
                       Optional<Xfmr_NumericTensor>:$bias,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$pads,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Xfmr_NumericTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def Xfmr_PoolOp : Xfmr_ShapedOp<"pool"> {
  let summary = "max, average or Lp pooling over the spatial dims, NC... layout";
  let description = [{
    ONNX MaxPool, AveragePool and LpPool (`kind` is `max`, `avg` or `lp`):
    `input` is `[N, C, spatial...]` with static spatial dims. `pads` holds
    the begin pads of every spatial dim, then the end pads; `strides` and
    `dilations` one value per spatial dim (empty means all 1). With
    `ceil_mode` the output size rounds up, but a window never starts in the
    end padding. Padding never wins a maximum; an average divides by the
    window's elements inside the input, or with `count_include_pad` inside
    the padded input. Lp pooling computes `sum(|x|^p)^(1/p)`.

    ```mlir
    %y = xfmr.pool %x {kind = "max", kernel_shape = array<i64: 3, 3>,
                       strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<?x64x112x112xf32>) -> tensor<?x64x56x56xf32>
    ```
  }];
  let arguments = (ins Xfmr_FloatTensor:$input, StrAttr:$kind,
                       DenseI64ArrayAttr:$kernel_shape,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$pads,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$dilations,
                       UnitAttr:$ceil_mode, UnitAttr:$count_include_pad,
                       DefaultValuedAttr<I64Attr, "2">:$p);
  let results = (outs Xfmr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

#endif // XFMR_DIALECT_XFMR_IR_XFMRTENSOROPS_TD
