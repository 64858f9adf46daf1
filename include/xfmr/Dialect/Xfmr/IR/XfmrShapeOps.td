//===- XfmrShapeOps.td - Shape and data movement ops ------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Shape ops keep ONNX's conventions where exporters rely on them: shapes,
// starts and ends are 1-D `i64` tensors (so they can be computed at run
// time), and a constant one lets type inference give static dims.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMRSHAPEOPS_TD
#define XFMR_DIALECT_XFMR_IR_XFMRSHAPEOPS_TD

def Xfmr_ReshapeOp : Xfmr_ShapedOp<"reshape"> {
  let summary = "reshape to a shape given as a tensor";
  let description = [{
    Reshapes `input` to `shape` (ONNX Reshape): a `0` copies the input's dim
    at that position (unless `allowzero`), one `-1` takes whatever size keeps
    the element count. With a constant `shape` the result type is static
    where the input allows; the element counts must agree when both are
    known.

    ```mlir
    %s = xfmr.constant dense<[0, 0, 12, 64]> : tensor<4xi64>
    %h = xfmr.reshape %x, %s
        : (tensor<?x?x768xf32>, tensor<4xi64>) -> tensor<?x?x12x64xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, Xfmr_ShapeTensor:$shape,
                       DefaultValuedAttr<BoolAttr, "false">:$allowzero);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat =
      "$input `,` $shape attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Xfmr_TransposeOp : Xfmr_ShapedOp<"transpose"> {
  let summary = "permutes the dims of a tensor";
  let description = [{
    Result dim `i` is input dim `permutation[i]` (ONNX Transpose); the
    permutation must name every dim once.

    ```mlir
    %t = xfmr.transpose %q {permutation = array<i64: 0, 2, 1, 3>}
        : (tensor<?x?x12x64xf32>) -> tensor<?x12x?x64xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Xfmr_ConcatOp : Xfmr_ShapedOp<"concat"> {
  let summary = "concatenates tensors along one axis";
  let description = [{
    Joins `inputs` along `axis` (ONNX Concat); all other dims must agree and
    all inputs share an element type. Past key/value caches grow this way.

    ```mlir
    %k = xfmr.concat %past, %new {axis = 2 : i64}
        : (tensor<1x12x?x64xf32>, tensor<1x12x1x64xf32>) -> tensor<1x12x?x64xf32>
    ```
  }];
  let arguments = (ins Variadic<Xfmr_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Xfmr_SplitOp : Xfmr_ShapedOp<"split"> {
  let summary = "splits a tensor into pieces along one axis";
  let description = [{
    Cuts `input` along `axis` into one result per entry of `sizes` (ONNX
    Split with its sizes known); the sizes must add up to the axis' size when
    that is static. A fused QKV projection is split this way.

    ```mlir
    %q, %k, %v = xfmr.split %qkv {axis = -1 : i64, sizes = array<i64: 768, 768, 768>}
        : (tensor<?x?x2304xf32>)
        -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>)
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Xfmr_Tensor>:$outputs);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Xfmr_SliceOp : Xfmr_ShapedOp<"slice", [AttrSizedOperandSegments]> {
  let summary = "strided slice with starts/ends/axes/steps as tensors";
  let description = [{
    ONNX Slice: for each `axes[i]` (all dims when absent) takes
    `starts[i]:ends[i]:steps[i]` (steps default to 1), with negative indices
    counting from the back and out-of-range indices clamped. `starts`,
    `ends`, `axes` and `steps` have one entry each.

    ```mlir
    %c = xfmr.slice %mask, %zero, %len, %axis
        : (tensor<1x1x1024x1024xi1>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>)
        -> tensor<1x1x?x1024xi1>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, Xfmr_ShapeTensor:$starts,
                       Xfmr_ShapeTensor:$ends,
                       Optional<Xfmr_ShapeTensor>:$axes,
                       Optional<Xfmr_ShapeTensor>:$steps);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $starts `,` $ends (`,` $axes^ (`,` $steps^)?)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Xfmr_GatherOp : Xfmr_ShapedOp<"gather"> {
  let summary = "gathers slices along an axis by index";
  let description = [{
    ONNX Gather: the result's shape is `input.shape[:axis] + indices.shape +
    input.shape[axis+1:]`; negative indices count from the back. Embedding
    lookups and `Shape -> Gather` dim reads are written this way.

    ```mlir
    %e = xfmr.gather %table, %ids {axis = 0 : i64}
        : (tensor<30522x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, Xfmr_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat =
      "$input `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Xfmr_GatherElementsOp : Xfmr_ShapedOp<"gather_elements"> {
  let summary = "gathers single elements along an axis by index";
  let description = [{
    ONNX GatherElements: the result has the shape of `indices`, and
    `result[i][j][k] = input[indices[i][j][k]][j][k]` for `axis = 0` (and so
    on for other axes); negative indices count from the back. Both operands
    have the same rank, and `indices` is no larger than `input` outside the
    axis.

    ```mlir
    %t = xfmr.gather_elements %types, %ids {axis = 1 : i64}
        : (tensor<1x128xi64>, tensor<1x?xi64>) -> tensor<1x?xi64>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, Xfmr_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat =
      "$input `,` $indices attr-dict `:` functional-type(operands, results)";
}

def Xfmr_GatherNdOp : Xfmr_ShapedOp<"gather_nd"> {
  let summary = "gathers slices addressed by index tuples";
  let description = [{
    ONNX GatherND: the last dim of `indices` (static, `q`) holds a tuple of
    indices into the dims of `input` after the first `batch_dims` (which
    `input` and `indices` share). The result is
    `indices.shape[:-1] + input.shape[batch_dims + q:]`.

    ```mlir
    %r = xfmr.gather_nd %x, %idx : (tensor<4x5x6xf32>, tensor<3x2xi64>) -> tensor<3x6xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, Xfmr_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat =
      "$input `,` $indices attr-dict `:` functional-type(operands, results)";
}

def Xfmr_ExpandOp : Xfmr_ShapedOp<"expand"> {
  let summary = "broadcasts a tensor to a shape given as a tensor";
  let description = [{
    ONNX Expand: broadcasts `input` and `shape` together with numpy rules
    (so a `1` in `shape` keeps the input's dim). Grouped-query attention
    repeats key/value heads this way.

    ```mlir
    %e = xfmr.expand %kv, %s
        : (tensor<1x4x1x?x64xf32>, tensor<5xi64>) -> tensor<1x4x3x?x64xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, Xfmr_ShapeTensor:$shape);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat =
      "$input `,` $shape attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Xfmr_SqueezeOp : Xfmr_ShapedOp<"squeeze"> {
  let summary = "removes size-1 dims";
  let description = [{
    Removes the dims listed in `axes` (ONNX Squeeze), which must have size 1
    when static; with no axes, removes every static size-1 dim.

    ```mlir
    %s = xfmr.squeeze %x {axes = array<i64: 1>}
        : (tensor<?x1x768xf32>) -> tensor<?x768xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$axes);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Xfmr_UnsqueezeOp : Xfmr_ShapedOp<"unsqueeze"> {
  let summary = "inserts size-1 dims";
  let description = [{
    Inserts a size-1 dim at each of `axes`, which index the result (ONNX
    Unsqueeze).

    ```mlir
    %m = xfmr.unsqueeze %mask {axes = array<i64: 1, 2>}
        : (tensor<?x?xi64>) -> tensor<?x1x1x?xi64>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Xfmr_RangeOp : Xfmr_ShapedOp<"range"> {
  let summary = "1-D sequence start, start + delta, ... below limit";
  let description = [{
    ONNX Range over scalar (0-D) operands of one type: the result has
    `max(ceil((limit - start) / delta), 0)` elements. Position ids and causal
    masks are built from it.

    ```mlir
    %pos = xfmr.range %zero, %len, %one
        : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
    ```
  }];
  let arguments = (ins Xfmr_ScalarTensor:$start, Xfmr_ScalarTensor:$limit,
                       Xfmr_ScalarTensor:$delta);
  let results = (outs Xfmr_NumericTensor:$output);
  let assemblyFormat = [{
    $start `,` $limit `,` $delta attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Xfmr_TriluOp : Xfmr_SameShapeOp<"trilu"> {
  let summary = "keeps the upper or lower triangle of the last two dims";
  let description = [{
    ONNX Trilu: keeps the elements on and above (`upper`) or on and below the
    `k`-th diagonal of the last two dims and zeroes the rest. `k` is an
    optional scalar tensor (default 0). Causal masks are built from it.

    ```mlir
    %c = xfmr.trilu %ones {upper = false} : (tensor<?x?xf32>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, Optional<Xfmr_IndexTensor>:$k,
                       DefaultValuedAttr<BoolAttr, "true">:$upper);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = [{
    $input (`,` $k^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Xfmr_CumSumOp : Xfmr_SameShapeOp<"cumsum"> {
  let summary = "cumulative sum along one axis";
  let description = [{
    ONNX CumSum: element `i` along `axis` is the sum of elements `0..i`
    (`0..i-1` with `exclusive`; from the end with `reverse`). Position ids
    are computed from attention masks this way.

    ```mlir
    %pos = xfmr.cumsum %mask {axis = 1 : i64} : tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Xfmr_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$exclusive, UnitAttr:$reverse);
  let results = (outs Xfmr_NumericTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Xfmr_CumProdOp : Xfmr_SameShapeOp<"cumprod"> {
  let summary = "cumulative product along one axis";
  let description = [{
    ONNX CumProd: element `i` along `axis` is the product of elements `0..i`
    (`0..i-1` with `exclusive`; from the end with `reverse`).

    ```mlir
    %p = xfmr.cumprod %x {axis = 0 : i64} : tensor<5xf32>
    ```
  }];
  let arguments = (ins Xfmr_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$exclusive, UnitAttr:$reverse);
  let results = (outs Xfmr_NumericTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Xfmr_ScatterElementsOp : Xfmr_SameShapeOp<"scatter_elements"> {
  let summary = "writes single elements along an axis by index";
  let description = [{
    ONNX ScatterElements: a copy of `input` where, for `axis = 0`,
    `result[indices[i][j]][j] = updates[i][j]` (and so on for other axes);
    `indices` and `updates` have the same shape and the input's rank, and
    negative indices count from the back. `reduction` (`none`, `add`, `mul`,
    `max`, `min`) combines an update with the element already there; updates
    apply in order, so with `none` the last write to an element wins.

    ```mlir
    %r = xfmr.scatter_elements %x, %idx, %upd {axis = 1 : i64, reduction = "add"}
        : (tensor<4x8xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, Xfmr_IndexTensor:$indices,
                       Xfmr_Tensor:$updates,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $indices `,` $updates attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Xfmr_ScatterNdOp : Xfmr_SameShapeOp<"scatter_nd"> {
  let summary = "writes slices addressed by index tuples";
  let description = [{
    ONNX ScatterND: a copy of `input` where the slice addressed by each
    tuple in the last dim (static, `q`) of `indices` is replaced by (or,
    with `reduction` `add`, `mul`, `max` or `min`, combined with) the
    matching slice of `updates`, whose shape is
    `indices.shape[:-1] + input.shape[q:]`. Exported decoders write their KV
    cache this way.

    ```mlir
    %c = xfmr.scatter_nd %cache, %pos, %kv
        : (tensor<8x4x16xf32>, tensor<2x1xi64>, tensor<2x4x16xf32>) -> tensor<8x4x16xf32>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, Xfmr_IndexTensor:$indices,
                       Xfmr_Tensor:$updates,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $indices `,` $updates attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Xfmr_ShapeOp : Xfmr_ShapedOp<"shape"> {
  let summary = "the shape of a tensor as a 1-D i64 tensor";
  let description = [{
    ONNX Shape (opset 15): the dims `[start, end)` of `input`'s shape, with
    negative bounds counting from the back and both clamped to the rank.
    Folds to a constant when those dims are static.

    ```mlir
    %s = xfmr.shape %x : (tensor<?x128x768xf32>) -> tensor<3xi64>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input, OptionalAttr<I64Attr>:$start,
                       OptionalAttr<I64Attr>:$end);
  let results = (outs Xfmr_ShapeTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Xfmr_SizeOp : Xfmr_ShapedOp<"size"> {
  let summary = "the number of elements of a tensor";
  let description = [{
    ONNX Size: a 0-D `i64` tensor; folds when the input is static.

    ```mlir
    %n = xfmr.size %x : (tensor<?x768xf32>) -> tensor<i64>
    ```
  }];
  let arguments = (ins Xfmr_Tensor:$input);
  let results = (outs 0DTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Xfmr_ConstantOfShapeOp : Xfmr_ShapedOp<"constant_of_shape"> {
  let summary = "a tensor of a given shape filled with one value";
  let description = [{
    ONNX ConstantOfShape: `shape` gives the dims, `value` (a scalar typed
    attribute) the fill and the element type.

    ```mlir
    %z = xfmr.constant_of_shape %s {value = 0.0 : f32}
        : (tensor<2xi64>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Xfmr_ShapeTensor:$shape,
                       TypedAttrInterface:$value);
  let results = (outs Xfmr_Tensor:$output);
  let assemblyFormat = "$shape attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

#endif // XFMR_DIALECT_XFMR_IR_XFMRSHAPEOPS_TD
