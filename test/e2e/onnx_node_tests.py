#!/usr/bin/env python3
"""Runs ONNX's backend node tests.

The node tests ship with the `onnx` Python package as test case generators
(onnx.backend.test.case.node); this script writes each case's model and its
data set (input_N.pb, output_N.pb) into a scratch folder.

- With --translate, it imports each case whose ops xfmr claims with
  `xfmr-translate --import-onnx`, which parses, converts and verifies it.
  Every such case must import, except those in EXPECTED_FAILURES, with the
  reason.
- With --compile and --run (conformance), it takes every node test case.
  Cases outside what xfmr compiles by design (float8/float6/float4/int4/int2
  and string element types, training mode) are left out, with the reason;
  every other case is compiled with `xfmr-compile` and run with `xfmr-run
  --test-data`, at the case's own tolerances. A case with an op the importer
  does not know fails at import (a few milliseconds) with the importer's
  message. Every case whose ops are all claimed must pass, except the import
  failures above and those in EXPECTED_RUN_FAILURES, with the reason; the
  others are reported, not checked. The report lists every case.

Usage: onnx_node_tests.py --translate build/bin/xfmr-translate --work DIR
                          [--report FILE] [--filter SUBSTRINGS]
       onnx_node_tests.py --compile build/bin/xfmr-compile
                          --run build/bin/xfmr-run --work DIR
                          [--report FILE] [--filter SUBSTRINGS]
"""

import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import time
import sys
import warnings

# Default-domain ops the importer claims (opsets 13 to 24).
CLAIMED_OPS = {
    "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Reciprocal", "Neg", "Abs",
    "Exp", "Log", "Erf", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Gelu", "Sin",
    "Cos", "Floor", "Ceil", "Max", "Min", "Clip", "Equal", "Less",
    "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And", "Or", "Xor",
    "Where", "Cast", "CastLike", "Softmax", "LogSoftmax", "MatMul", "Gemm",
    "Einsum", "Conv", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin",
    "ArgMax", "LayerNormalization", "RMSNormalization", "Attention",
    "RotaryEmbedding", "Reshape", "Transpose", "Concat", "Split", "Slice",
    "Gather", "GatherElements", "GatherND", "IsNaN", "CumSum", "Expand",
    "Squeeze", "Unsqueeze", "Flatten", "Shape", "Size",
    "Constant", "ConstantOfShape", "Range", "Trilu", "Identity", "Dropout",
    "Mod", "Sum", "Mean", "Sign", "IsInf", "Elu", "Selu", "Celu",
    "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Mish", "Swish",
    "ThresholdedRelu", "PRelu", "Shrink", "ReduceSumSquare", "ReduceL1",
    "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ArgMin", "Pad", "Tile",
    "DepthToSpace", "SpaceToDepth", "BatchNormalization",
    "InstanceNormalization", "GroupNormalization", "LpNormalization",
    "MeanVarianceNormalization", "GlobalAveragePool", "GlobalMaxPool", "Tan",
    "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Round", "Hardmax", "OneHot",
    "TopK", "ScatterND", "ScatterElements", "Scatter", "ReduceProd", "CumProd",
    "MaxPool", "AveragePool", "LpPool", "Resize", "Upsample",
    "ConvTranspose", "CenterCropPad", "Col2Im", "AffineGrid",
    "EyeLike", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
    "MatMulInteger", "QLinearMatMul", "ConvInteger", "QLinearConv", "If",
    "Loop", "Scan",
    "NegativeLogLikelihoodLoss",
    "SoftmaxCrossEntropyLoss", "BitShift", "BitwiseAnd", "BitwiseOr",
    "BitwiseXor", "BitwiseNot", "BitCast", "Acos", "Asin", "Atan",
    "HannWindow", "HammingWindow", "BlackmanWindow", "SwiGLU", "Det", "LRN",
    "ReverseSequence", "MaxUnpool", "NonZero", "Compress", "Unique",
    "GridSample", "RNN", "GRU", "LSTM", "STFT", "MelWeightMatrix",
    "CausalConvWithState", "TensorScatter", "SequenceEmpty", "SequenceAt",
    "SequenceInsert", "SequenceErase", "SequenceLength", "SplitToSequence",
    "ConcatFromSequence", "SequenceMap", "OptionalHasElement",
    "OptionalGetElement",
}

# Inputs that the runner binds to the case's own values (as initializers),
# because they decide how many values a sequence holds, which a compiled
# model must know at import (a 1-D split of run-time sizes is imported too).
# Every other input, Resize's scales and sizes, DFT's and STFT's lengths,
# axes, pads, split sizes, repeats, k and shapes included, is fed at run time.
STRUCTURAL_INPUTS = {"SplitToSequence": {1}}
# A Loop that carries a sequence is unrolled at import, so that the
# sequence's length is known: its trip count and condition are bound too.
SEQUENCE_LOOP_INPUTS = {0, 1}


def is_sequence_type(type_proto):
    """Whether a TypeProto is a sequence or an optional (of anything)."""
    return type_proto.WhichOneof("value") in ("sequence_type",
                                              "optional_type")


def structural_inputs(node):
    """The indices of a node's inputs that the runner binds to the case's
    values (see STRUCTURAL_INPUTS)."""
    if node.op_type == "Loop":
        body = next((a.g for a in node.attribute if a.name == "body"), None)
        if body is not None and any(is_sequence_type(i.type)
                                    for i in body.input[2:]):
            return SEQUENCE_LOOP_INPUTS
    return STRUCTURAL_INPUTS.get(node.op_type, ())

# Cases that use a claimed op in a form xfmr does not import, and why (the
# importer's own message).
EXPECTED_FAILURES = {
    "test_affine_grid_2d_align_corners_expanded": "Range: limits given as 1-element 1-D tensors (an expansion's Split of a shape); the importer takes 0-D ones",
    "test_affine_grid_2d_expanded": "Range: limits given as 1-element 1-D tensors (an expansion's Split of a shape); the importer takes 0-D ones",
    "test_affine_grid_3d_align_corners_expanded": "If: branches that yield a scalar and a 1-element tensor (results of different ranks)",
    "test_affine_grid_3d_expanded": "Range: limits given as 1-element 1-D tensors (an expansion's Split of a shape); the importer takes 0-D ones",
    "test_if_opt": "If: an empty optional in then_branch, a sequence in else_branch, on a condition known only at run time; which optionals hold a value must be known at import",
    "test_scan_sum": "Scan (domain 'ai.onnx', opset 8): opset 8's Scan, with a batch dim and sequence lengths, is not imported",
}


# Cases that import but do not compile or run correctly, and why.
_LOW_PRECISION_ATTENTION = ("attention in bf16/f16 computes in f32 and rounds "
                            "once; the reference rounds the scaled Q and K, "
                            "the scores and the probabilities to bf16/f16 at "
                            "each step (the expanded graphs too), so outputs "
                            "differ by one bf16/f16 ulp (up to 0.8%), beyond "
                            "the case's rtol 1e-3: only a bit-exact "
                            "emulation of each rounding would pass")
EXPECTED_RUN_FAILURES = {
    "test_attention_3d_causal_bf16": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_attn_mask_causal_bf16": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_causal_bf16": _LOW_PRECISION_ATTENTION,
    "test_attention_3d_causal_bf16_expanded": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_attn_mask_causal_bf16_expanded": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_causal_bf16_expanded": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_causal_fp16_expanded": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_causal_padded_kv_bf16": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_causal_padded_kv_bf16_expanded": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_fp16_expanded": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_gqa_causal_nonpad_decode_fp16_expanded": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_gqa_with_past_and_present_fp16_expanded": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_padded_kv_bf16": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_padded_kv_bf16_expanded": _LOW_PRECISION_ATTENTION,
    "test_causal_conv_with_state_silu_fp16_expanded":
        "f16 conv accumulates in its element type; the reference in f32",
}

# Compile-time messages that put a case outside what xfmr supports by
# design: element types the model ABI does not carry (f8, f4, i4, i2), and
# data sets that are not plain tensors.
EXPECTED_RUN_FAILURE_MESSAGES = (
    "which a compiled model cannot take or return",
    "the test data are not plain tensors",
)


def expected_run_failure(name, why):
    return name in EXPECTED_RUN_FAILURES or any(
        message in why for message in EXPECTED_RUN_FAILURE_MESSAGES)


def expected_import_failure(name):
    return EXPECTED_FAILURES.get(name)


def bind_structural_inputs(case):
    """Moves graph inputs that feed STRUCTURAL_INPUTS into initializers;
    returns the indices of the inputs that remain."""
    from onnx import numpy_helper
    graph = case.model.graph
    inputs = list(graph.input)
    structural = {n.input[i] for n in graph.node
                  for i in structural_inputs(n)
                  if i < len(n.input) and n.input[i]}
    if not structural or not case.data_sets:
        return list(range(len(inputs)))
    values = case.data_sets[0][0]
    kept = []
    for index, info in enumerate(inputs):
        if info.name in structural:
            graph.initializer.append(
                numpy_helper.from_array(values[index], info.name))
            graph.input.remove(info)
        else:
            kept.append(index)
    return kept


def as_tensor_proto(value, name):
    """A data set value as a named TensorProto, or None when it is not a
    tensor (sequences, optionals). Values come as numpy arrays or scalars,
    or (bf16, f16 and f64 casts) as TensorProtos already."""
    import numpy as np
    from onnx import TensorProto, numpy_helper
    if isinstance(value, TensorProto):
        tensor = TensorProto()
        tensor.CopyFrom(value)
        tensor.name = name
        return tensor
    if isinstance(value, (np.ndarray, np.generic)):
        return numpy_helper.from_array(np.asarray(value), name)
    return None


def as_tensor_protos(value, name):
    """A data set value as named TensorProtos: one for a tensor, one per
    element for a sequence (`NAME.0`, `NAME.1`, ..., as a compiled model
    takes and returns them); None when it is neither (an empty optional)."""
    if isinstance(value, list):
        elements = [as_tensor_proto(v, f"{name}.{i}")
                    for i, v in enumerate(value)]
        return None if any(t is None for t in elements) else elements
    tensor = as_tensor_proto(value, name)
    return None if tensor is None else [tensor]


def compile_flags(case, kept):
    """xfmr-compile flags that fix what the case's inputs hold: the length
    and element shapes of a sequence, and optionals that hold nothing."""
    if not case.data_sets:
        return []
    inputs = case.data_sets[0][0]
    flags = []
    for n, i in enumerate(kept):
        info = case.model.graph.input[n]
        if not is_sequence_type(info.type):
            continue
        value = inputs[i]
        if value is None:
            flags.append(f"--absent-optional={info.name}")
        elif isinstance(value, list):
            flags.append(f"--sequence-length={info.name}={len(value)}")
            flags += [f"--input-shape={info.name}.{k}:" +
                      "x".join(str(d) for d in getattr(v, "shape", ()))
                      for k, v in enumerate(value)]
    return flags


def write_data_set(case, kept, folder):
    """Writes the case's first data set as ONNX test data, a sequence as its
    elements; False when a value is not a tensor or a sequence of them (an
    empty optional output)."""
    if not case.data_sets:
        return False
    inputs, outputs = case.data_sets[0]
    graph = case.model.graph
    groups = [as_tensor_protos(inputs[i], graph.input[n].name)
              for n, i in enumerate(kept) if inputs[i] is not None]
    output_groups = [as_tensor_protos(v, info.name)
                     for v, info in zip(outputs, graph.output)]
    if any(g is None for g in groups + output_groups):
        return False
    data_dir = os.path.join(folder, "test_data_set_0")
    os.makedirs(data_dir, exist_ok=True)
    for kind, tensors in (("input", [t for g in groups for t in g]),
                          ("output", [t for g in output_groups for t in g])):
        for i, tensor in enumerate(tensors):
            with open(os.path.join(data_dir, f"{kind}_{i}.pb"), "wb") as f:
                f.write(tensor.SerializeToString())
    return True


# Element types a compiled model does not carry, by design.
LEFT_OUT_TYPES = ("FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
                  "FLOAT8E5M2FNUZ", "FLOAT8E8M0", "FLOAT6E2M3", "FLOAT6E3M2",
                  "FLOAT4E2M1", "INT4", "UINT4", "INT2", "UINT2", "STRING")
# Attributes whose integer value is an element type.
TYPE_ATTRIBUTES = {"to", "dtype", "output_dtype"}
TRAINING_DOMAIN = "ai.onnx.preview.training"

Case = collections.namedtuple(
    "Case", "path ops tested rtol atol claimed left_out flags")


def left_out_types():
    from onnx import TensorProto
    return {getattr(TensorProto, n): n for n in LEFT_OUT_TYPES
            if hasattr(TensorProto, n)}


def type_elements(type_proto):
    """The element types a TypeProto holds (through sequences, optionals)."""
    kind = type_proto.WhichOneof("value")
    if kind in ("tensor_type", "sparse_tensor_type"):
        return [getattr(type_proto, kind).elem_type]
    if kind in ("sequence_type", "optional_type"):
        return type_elements(getattr(type_proto, kind).elem_type)
    if kind == "map_type":
        return ([type_proto.map_type.key_type] +
                type_elements(type_proto.map_type.value_type))
    return []


def graph_element_types(graph):
    """Every element type a graph (and its subgraphs) mentions."""
    from onnx import AttributeProto
    types = [t for v in list(graph.input) + list(graph.output) +
             list(graph.value_info) for t in type_elements(v.type)]
    types += [t.data_type for t in graph.initializer]
    for n in graph.node:
        for a in n.attribute:
            if a.type == AttributeProto.INT and a.name in TYPE_ATTRIBUTES:
                types.append(a.i)
            elif a.type == AttributeProto.TENSOR:
                types.append(a.t.data_type)
            elif a.type == AttributeProto.GRAPH:
                types += graph_element_types(a.g)
            elif a.type == AttributeProto.GRAPHS:
                for g in a.graphs:
                    types += graph_element_types(g)
    return types


def left_out_reason(case):
    """Why a case is outside what xfmr compiles by design, or None."""
    graph = case.model.graph
    names = left_out_types()
    types = sorted({names[t] for t in graph_element_types(graph)
                    if t in names})
    if types:
        return f"{', '.join(types)} element type (not carried by the model ABI)"
    training = any(n.domain == TRAINING_DOMAIN for n in graph.node) or any(
        a.name == "training_mode" and a.i for n in graph.node
        for a in n.attribute) or case.name.startswith("test_training_")
    if training:
        return "training mode (xfmr compiles for inference)"
    return None


EXPANDED_SUFFIX = re.compile(r"_expanded(_ver\d+)?$")


def tested_ops(graph_ops):
    """The op types a case tests: those of its nodes but Constant (unless
    that is all it has); write_cases gives an expanded case those of the
    case it expands."""
    return graph_ops - {"Constant"} or graph_ops


def write_cases(work_dir, name_filter):
    """Writes model.onnx and the data set of every node test case; returns
    {name: Case}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case import node
        cases = node.collect_testcases(None)
    written = {}
    for case in cases:
        if name_filter and not any(f in case.name
                                   for f in name_filter.split(",")):
            continue
        ops = {n.op_type for n in case.model.graph.node}
        domains = {n.domain for n in case.model.graph.node} - {"", "ai.onnx"}
        claimed = not domains and ops <= CLAIMED_OPS
        left_out = left_out_reason(case)
        kept = bind_structural_inputs(case)
        folder = os.path.join(work_dir, case.name)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "model.onnx")
        with open(path, "wb") as f:
            f.write(case.model.SerializeToString())
        if not left_out:
            write_data_set(case, kept, folder)
        written[case.name] = Case(path, ops, tested_ops(ops), case.rtol,
                                  case.atol, claimed, left_out,
                                  compile_flags(case, kept))
    # An expanded case tests the op of the case it expands.
    for name, case in written.items():
        base = EXPANDED_SUFFIX.sub("", name)
        if base != name and base in written:
            written[name] = case._replace(tested=written[base].tested)
    return written


UNSIGNED_NOTE = (
    "## Unsigned integers\n\n"
    "xfmr's integers are signless, as in `arith` and `linalg`, and the "
    "integer ops whose results depend on the sign (division, remainder, "
    "comparisons, min/max, extension, casts to and from float) compute as "
    "signed, the common case in transformer graphs (indices, masks, shapes). "
    "The importer keeps ONNX's signedness per value (graph inputs, "
    "initializers, casts, quantization results, and ops that keep their "
    "input's type) and builds those few ops on unsigned values from signed "
    "ones: order compares with the top bit flipped (x + 2^(N-1), wrapping), "
    "as do the max/min reductions, ArgMax/ArgMin, TopK and Clip (min/max and "
    "the values chosen flip back), a right shift is logical rather than "
    "arithmetic, unsigned division divides half the dividend and "
    "corrects the quotient by one, zero extension is sign extension of the "
    "flipped value plus 2^(N-1), and unsigned-to-float goes through i64 "
    "(through halves for uint64). Addition, subtraction, multiplication and "
    "equality are the same bits either way. Unsigned types or an unsigned "
    "flag on every op would give every lowering, folder and fusion pattern "
    "a second case for values that are rare inside transformer graphs. At "
    "the boundary the signature says it: an argument or result marked "
    "`xfmr.unsigned` is `u8`/`u16`/`u32`/`u64` in the compiled model's "
    "metadata, in `xfmr-run`'s `.npy`/`.pb` files and in the Python "
    "package's numpy dtypes.\n\n")


CONTROL_FLOW_NOTE = (
    "## Control flow\n\n"
    "If, Loop and Scan are imported as `scf` ops in the graph-level IR, "
    "not as xfmr ops with regions: `scf.if`, `scf.for` and `scf.while` "
    "already mean what the ONNX ops mean (regions that read the enclosing "
    "graph's values, loop-carried values, yields), the xfmr passes and the "
    "lowering to linalg rewrite the ops inside their regions as anywhere "
    "else, and One-Shot Bufferize knows them; the xfmr dialect stays a set "
    "of tensor-level ops. A condition or trip count is read with "
    "`tensor.extract`; a body's iteration number and condition are "
    "`tensor.from_elements`. If becomes an `scf.if`, whose results get "
    "dynamic dims where the branches' shapes differ. An If whose condition "
    "is known at import (a check on a static shape) is replaced by the "
    "branch it takes. Loop becomes an `scf.for` when it has a trip count, "
    "a condition that stays true (the form of exported `for` loops) and no "
    "loop-carried value that changes shape, an `scf.while` otherwise (a "
    "body that recomputes its condition, a sequence grown by a token per "
    "step): a carried value whose shape changes gets dynamic dims, and the "
    "body is imported again with them. Scan outputs of a loop whose trip "
    "count is known on entry (that `scf.for`, and Scan's loop over its "
    "scanned axis) are written in place with `tensor.insert_slice` into a "
    "tensor of one row per iteration; those of an `scf.while` grow by "
    "`xfmr.concat`. A Loop that carries a sequence or an optional is "
    "unrolled at import (see below). Not imported: opset 8's Scan (a batch "
    "dim and sequence lengths), and Scan states or outputs whose shape "
    "changes.\n\n"
)


SEQUENCE_NOTE = (
    "## Sequences and optionals\n\n"
    "The dialect has no sequence or optional type. A sequence whose length "
    "is known at import is, inside the importer, the list of its elements' "
    "SSA values: SequenceConstruct lists its inputs, SequenceEmpty is the "
    "empty list, SplitToSequence is an `xfmr.split` (a constant split, or "
    "a 1-D split of run-time sizes through slices with a run-time check; "
    "without split, pieces of 1 along a static dim), SequenceInsert and "
    "SequenceErase edit the list, SequenceLength is a constant, "
    "ConcatFromSequence an `xfmr.concat` of the elements (unsqueezed first "
    "for new_axis), SequenceMap imports its body once per element, and "
    "Identity passes the list on. A position known only at run time "
    "(SequenceAt, SequenceInsert, SequenceErase) is checked when the model "
    "runs (an out-of-range one fails the run with a message naming the "
    "node) and picks elements with a chain of `scf.if`, whose results get "
    "dynamic dims where the elements' shapes differ. An If whose branches "
    "yield sequences of one length yields their elements. A Loop that "
    "carries a sequence or an optional, with a trip count known at import "
    "and a condition that stays true, is unrolled: its body is imported "
    "once per iteration. An optional is decided at import: one that holds "
    "a value is that value, an empty one is no value, and "
    "OptionalHasElement is a constant (an If on it takes its branch at "
    "import). A compiled model takes and returns tensors: a sequence graph "
    "input of length N (`--sequence-length=NAME=N`) is the N inputs "
    "`NAME.0` ... `NAME.<N-1>`, a sequence output is one output per "
    "element, and an optional input holds a value unless "
    "`--absent-optional=NAME` says it is empty; the node tests' runner "
    "passes these from each case's data. Not imported: a sequence whose "
    "length only a run knows (a split of a dynamic dim or by a run-time "
    "scalar size, a Loop carrying a sequence over a run-time trip count or "
    "condition), an If whose branches differ in which optionals hold a "
    "value or in a sequence's length, and empty optional graph outputs; "
    "each is an import error naming the node. The runner binds a "
    "SplitToSequence's split and a sequence-carrying Loop's trip count and "
    "condition to the case's values.\n\n"
)


SIGNAL_NOTE = (
    "## Sampling, recurrent and spectral ops\n\n"
    "GridSample reads X at positions that the grid holds: per spatial dim "
    "the importer computes the source coordinate, its taps (1 nearest, 2 "
    "linear, 4 cubic) and their weights as xfmr elementwise ops, clamps "
    "every tap's index into X (zeros padding then replaces what an outside "
    "tap read by 0), and reads all taps of all outputs with one "
    "`xfmr.gather_nd` over X as [N, H*W, C]; spatial dims must be static. "
    "RNN, GRU and LSTM become one `scf.for` over time per direction: the "
    "input projection of every step is one matmul before the loop, and the "
    "loop carries the hidden (and cell) state and writes its output row "
    "with `tensor.insert_slice`; sequence_lens is supported for the forward "
    "direction (entries past their length keep their state and output "
    "zeros). DFT and STFT are a direct O(N^2) DFT, matmuls with cos/sin "
    "tables: computed at import when DFT's dft_length, STFT's frame_step "
    "and frame_length are constants, and by the model from its dynamic "
    "dims otherwise; a DFT axis given at run time transforms along each "
    "axis it could name and the run picks one. MelWeightMatrix's table is "
    "likewise built at import or at run time. Resize's and Upsample's "
    "index and weight tables are constants for constant scales and sizes "
    "and computed by the model for run-time ones (every mode, antialias "
    "included).\n\n"
)


def write_report(path, per_op, results, passed):
    """Writes the per-op import table and the reasons for what fails."""
    with open(path, "w") as f:
        f.write("# ONNX node tests: import\n\n"
                "Generated by `test/e2e/onnx_node_tests.py` "
                "(`cmake --build build --target check-xfmr-onnx-nodes`): each "
                "of ONNX's backend node tests whose ops xfmr claims is "
                "imported with `xfmr-translate --import-onnx` and verified. "
                f"{passed} of {len(results)} cases import; the others use "
                "forms listed below.\n\n")
        f.write(UNSIGNED_NOTE)
        f.write(CONTROL_FLOW_NOTE)
        f.write(SEQUENCE_NOTE)
        f.write(SIGNAL_NOTE)
        f.write("| op | imported | not imported |\n|---|---:|---:|\n")
        for op in sorted(per_op):
            f.write(f"| {op} | {per_op[op][0]} | {per_op[op][1]} |\n")
        f.write("\n## Not imported, and why\n\n")
        for name in sorted(EXPECTED_FAILURES):
            if name in results:
                f.write(f"- `{name}`: {expected_import_failure(name)}\n")


def import_case(args, name, case):
    result = subprocess.run([args.translate, "--import-onnx", case.path, "-o",
                             os.devnull] + case.flags,
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stderr.strip()


def first_line(text, fallback):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[0] if lines else fallback


def compile_error(text, fallback):
    """The compiler's first error, with the lines that continue it (the list
    of unsupported ops), on one line."""
    lines = [l for l in text.strip().splitlines() if l.strip()]
    if not lines:
        return fallback
    why = lines[0].split(": error: ", 1)[-1]
    for line in lines[1:]:
        if not line.startswith("  "):
            break
        why += " " + line.strip()
    return why


def run_case(args, name, case):
    """Compiles and runs one case: ("passed" | "failed" | "not supported" |
    "left out", why)."""
    if case.left_out:
        return "left out", case.left_out
    folder = os.path.dirname(case.path)
    library = os.path.join(folder, "model.so")
    compiled = subprocess.run([args.compile, case.path, "-o", library,
                               f"--mcpu={args.mcpu}"] + case.flags,
                              capture_output=True, text=True, timeout=300)
    if compiled.returncode:
        return "not supported", compile_error(
            compiled.stderr, f"xfmr-compile exit {compiled.returncode}")
    data = os.path.join(folder, "test_data_set_0")
    if not os.path.isdir(data):
        return "not supported", ("the test data are not plain tensors "
                                 "(sequences, optionals or numpy-less dtypes)")
    ran = subprocess.run([args.run, library, "--test-data", data,
                          "--rtol", repr(case.rtol), "--atol", repr(case.atol)],
                         capture_output=True, text=True, timeout=300)
    if ran.returncode:
        output = ran.stderr.strip() or ran.stdout.strip()
        failing = [l for l in output.splitlines() if "FAIL" in l or "error" in l]
        return "failed", (failing[0] if failing else
                          first_line(output, f"xfmr-run exit {ran.returncode}"))
    return "passed", ""


STATUSES = ("passed", "failed", "not supported", "left out")


def conformance_summary(cases, results):
    """Totals, the per-op counts (by the ops each case tests) and the op
    types that pass every case that counts."""
    totals = collections.Counter(status for status, _ in results.values())
    per_op = collections.defaultdict(collections.Counter)
    for name, (status, _) in results.items():
        for op in cases[name].tested:
            per_op[op][status] += 1
    passing_ops = sorted(op for op, c in per_op.items()
                         if c["passed"] and c["passed"] == sum(
                             c[s] for s in STATUSES if s != "left out"))
    return totals, per_op, passing_ops


UNSUPPORTED_OP = re.compile(r"(\w+) \(domain '([\w.]*)', opset \d+\) at")


def missing_op_types(results):
    """{op type: cases} for the op types the importer does not know."""
    missing = collections.Counter()
    for status, why in results.values():
        if status == "not supported":
            for op, domain in UNSUPPORTED_OP.findall(why):
                missing[op if domain in ("", "ai.onnx") else
                        f"{domain}.{op}"] += 1
    return missing


def write_conformance_report(args, path, cases, results, seconds):
    totals, per_op, passing_ops = conformance_summary(cases, results)
    counted = len(results) - totals["left out"]
    share = 100.0 * totals["passed"] / counted if counted else 0.0
    with open(path, "w") as f:
        f.write("# Conformance: ONNX backend node tests\n\n"
                "Generated by `test/e2e/onnx_node_tests.py` "
                "(`cmake --build build --target check-xfmr-conformance`, part "
                "of `make check`): every one of ONNX's backend node tests "
                f"(onnx {onnx_version()}) is compiled with `xfmr-compile "
                f"--mcpu={args.mcpu}` and run with `xfmr-run --test-data` at "
                "the test's own tolerances, except those left out by design "
                "(float8/float6/float4/int4/int2 and string element types, "
                "training mode). A case whose op xfmr does not import is not "
                "supported, with the importer's message. A sequence is "
                "taken and returned as its elements, its length and an "
                "optional's presence given at compile time from the case's "
                "data (see docs/onnx-import.md). A case counts for "
                "the ops it tests: the op types of its nodes, or for an "
                "`_expanded` case those of the case it expands.\n\n"
                f"- {len(results)} cases: {totals['passed']} pass, "
                f"{totals['failed']} fail, {totals['not supported']} are not "
                f"supported, {totals['left out']} are left out;\n"
                f"- {totals['passed']} of the {counted} cases that count "
                f"pass ({share:.1f}%);\n"
                f"- {len(passing_ops)} of {len(per_op)} op types pass every "
                "case that counts;\n"
                f"- the run took {seconds:.0f} s.\n\n")
        f.write("| op | cases | passed | failed | not supported | left out "
                "| all pass |\n|---|---:|---:|---:|---:|---:|:---:|\n")
        for op in sorted(per_op):
            c = per_op[op]
            f.write(f"| {op} | {sum(c.values())} | " +
                    " | ".join(str(c[s]) for s in STATUSES) +
                    f" | {'yes' if op in passing_ops else ''} |\n")
        f.write("\n## Op types the importer does not know, by cases\n\n"
                "| op | cases |\n|---|---:|\n")
        for op, count in sorted(missing_op_types(results).items(),
                                key=lambda item: (-item[1], item[0])):
            f.write(f"| {op} | {count} |\n")
        f.write("\n## Every case\n\n| case | status | why |\n|---|---|---|\n")
        for name in sorted(results):
            status, why = results[name]
            why = why.replace("|", "\\|")
            f.write(f"| `{name}` | {status} | {why} |\n")


def onnx_version():
    import onnx
    return onnx.__version__


def run_all(args, cases, work):
    results = {}
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        futures = {pool.submit(work, args, name, case): name
                   for name, case in cases.items()}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
    return results


def check_imports(args, cases):
    cases = {name: case for name, case in cases.items()
             if case.claimed and not case.left_out}
    results = run_all(args, cases, import_case)
    per_op = collections.defaultdict(lambda: [0, 0])
    passed = failed = expected = unexpected_pass = 0
    failures = []
    for name in sorted(results):
        code, err = results[name]
        ok = code == 0
        for op in cases[name].ops:
            per_op[op][0 if ok else 1] += 1
        if expected_import_failure(name):
            if ok:
                unexpected_pass += 1
                failures.append((name, "imports now: remove it from EXPECTED_FAILURES"))
            else:
                expected += 1
            continue
        if ok:
            passed += 1
        else:
            failed += 1
            failures.append((name, err.splitlines()[0] if err else f"exit {code}"))

    for name, why in failures:
        print(f"FAIL: {name}: {why}")
    if args.report:
        write_report(args.report, per_op, results, passed)
    print(f"ONNX node tests for claimed ops: {len(results)} cases, "
          f"{passed} imported, {expected} expected failures")
    print(f"{passed} passed, {failed + unexpected_pass} failed")
    return 1 if failed or unexpected_pass else 0


def check_conformance(args, cases):
    start = time.monotonic()
    results = run_all(args, cases, run_case)
    seconds = time.monotonic() - start
    if args.report:
        write_conformance_report(args, args.report, cases, results, seconds)
    unexpected = []
    newly_passing = collections.Counter()
    for name in sorted(results):
        status, why = results[name]
        if args.verbose and status not in ("passed", "left out"):
            print(f"{status}: {name}: {why}")
        if status == "left out":
            continue
        if not cases[name].claimed:
            # Not checked; a pass says an op is ready to be claimed.
            if status == "passed":
                newly_passing.update(cases[name].ops - CLAIMED_OPS)
            continue
        allowed = bool(expected_import_failure(name)) or \
            expected_run_failure(name, why)
        if status == "passed" and allowed:
            unexpected.append((name, "passes now: remove it from the "
                                     "expected failures"))
        elif status != "passed" and not allowed:
            unexpected.append((name, f"{status}: {why}"))
    for name, why in unexpected:
        print(f"FAIL: {name}: {why}")
    if newly_passing:
        print("note: cases with unclaimed ops pass: " +
              ", ".join(sorted(newly_passing)))
    totals, per_op, passing_ops = conformance_summary(cases, results)
    claimed = [n for n, c in cases.items() if c.claimed and not c.left_out]
    claimed_passed = sum(1 for n in claimed if results[n][0] == "passed")
    print(f"ONNX node tests: {len(results)} cases, " +
          ", ".join(f"{totals[s]} {s}" for s in STATUSES) +
          f"; {len(passing_ops)} op types pass every case; {seconds:.0f} s")
    print(f"claimed ops: {len(claimed)} cases, {claimed_passed} passed, "
          f"{len(claimed) - claimed_passed - len(unexpected)} expected "
          "failures")
    print(f"{claimed_passed} passed, {len(unexpected)} failed")
    return 1 if unexpected else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--translate")
    parser.add_argument("--compile")
    parser.add_argument("--run")
    parser.add_argument("--work", required=True)
    parser.add_argument("--report")
    parser.add_argument("--filter", default="",
                        help="only the cases whose names contain one of these "
                             "comma-separated substrings")
    parser.add_argument("--mcpu", default="native",
                        help="the CPU to compile for (xfmr-compile --mcpu)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if bool(args.compile) != bool(args.run) or \
            bool(args.translate) == bool(args.compile):
        parser.error("give --translate, or --compile and --run")

    cases = write_cases(args.work, args.filter)
    if args.translate:
        return check_imports(args, cases)
    return check_conformance(args, cases)


if __name__ == "__main__":
    sys.exit(main())
