#!/usr/bin/env python3
"""Imports ONNX's backend node tests for the ops xfmr claims.

The node tests ship with the `onnx` Python package as test case generators
(onnx.backend.test.case.node); this script writes each case's model into a
scratch folder and imports it with `xfmr-translate --import-onnx`, which
parses, converts and verifies it. Every case whose ops are all claimed must
import, except those listed in EXPECTED_FAILURES with the reason.

Usage: onnx_node_tests.py --translate build/bin/xfmr-translate --work DIR
                          [--report FILE] [--filter SUBSTRING]
"""

import argparse
import collections
import concurrent.futures
import os
import subprocess
import sys
import warnings

# Default-domain ops the importer claims (opsets 13 to 23).
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
}

# Inputs that fix the structure of the result (axes, split sizes) must be
# constants for xfmr, which compiles for a fixed graph. Node tests pass some
# of them as graph inputs; like onnx-mlir's test runner, this one turns those
# into initializers holding the test's own values.
STRUCTURAL_INPUTS = {
    "ReduceSum": {1}, "ReduceMean": {1}, "ReduceMax": {1}, "ReduceMin": {1},
    "Squeeze": {1}, "Unsqueeze": {1}, "Split": {1}, "CumSum": {1},
}

# Cases that use a claimed op in a form xfmr does not import, and why (the
# importer's own message).
EXPECTED_FAILURES = {
    "test_attention_23_fullymasked_qk_matmul_output_mode3_zero": "Attention: the qk_matmul_output output",
    "test_attention_24_fullymasked_qk_matmul_output_mode3_zero": "Attention: the qk_matmul_output output",
    "test_attention_24_qk_matmul_output_mode3_softmax_precision": "Attention: the qk_matmul_output output",
    "test_attention_3d_diff_heads_sizes_softcap": "Attention: softcap",
    "test_attention_3d_gqa_softcap": "Attention: softcap",
    "test_attention_3d_local_window": "Attention: sliding windows (opset 25)",
    "test_attention_3d_softcap": "Attention: softcap",
    "test_attention_3d_with_past_and_present_qk_matmul": "Attention: the qk_matmul_output output",
    "test_attention_3d_with_past_and_present_qk_matmul_bias": "Attention: the qk_matmul_output output",
    "test_attention_3d_with_past_and_present_qk_matmul_softcap": "Attention: softcap",
    "test_attention_3d_with_past_and_present_qk_matmul_softmax": "Attention: the qk_matmul_output output",
    "test_attention_4d_causal_nonpad_attn_mask_composition": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_4d_causal_nonpad_batch_prefill": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_4d_causal_nonpad_continued_prefill": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_4d_causal_nonpad_negative_offset_structural_empty": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_4d_causal_padded_kv_bf16": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_4d_diff_heads_mask4d_padded_kv": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_4d_diff_heads_sizes_softcap": "Attention: softcap",
    "test_attention_4d_gqa_causal_nonpad_decode": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_4d_gqa_causal_nonpad_decode_fp16": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_4d_gqa_softcap": "Attention: softcap",
    "test_attention_4d_padded_kv_bf16": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_4d_softcap": "Attention: softcap",
    "test_attention_4d_softcap_neginf_mask": "Attention: softcap",
    "test_attention_4d_softcap_neginf_mask_poison": "Attention: softcap",
    "test_attention_4d_with_past_and_present_qk_matmul": "Attention: the qk_matmul_output output",
    "test_attention_4d_with_past_and_present_qk_matmul_bias": "Attention: the qk_matmul_output output",
    "test_attention_4d_with_past_and_present_qk_matmul_bias_3d_mask": "Attention: the qk_matmul_output output",
    "test_attention_4d_with_past_and_present_qk_matmul_bias_3d_mask_causal": "Attention: the qk_matmul_output output",
    "test_attention_4d_with_past_and_present_qk_matmul_bias_4d_mask": "Attention: the qk_matmul_output output",
    "test_attention_4d_with_past_and_present_qk_matmul_bias_4d_mask_causal": "Attention: the qk_matmul_output output",
    "test_attention_4d_with_qk_matmul": "Attention: the qk_matmul_output output",
    "test_attention_4d_with_qk_matmul_bias": "Attention: the qk_matmul_output output",
    "test_attention_4d_with_qk_matmul_softcap": "Attention: softcap",
    "test_attention_4d_with_qk_matmul_softmax": "Attention: the qk_matmul_output output",
    "test_attention_bidirectional_window": "Attention: sliding windows (opset 25)",
    "test_attention_local_window": "Attention: sliding windows (opset 25)",
    "test_attention_local_window_ext_cache_float16_mask": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_local_window_ext_cache_rank2_mask": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_local_window_ext_cache_rank3_head_mask": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_local_window_ext_cache_rank4_batch_mask": "Attention: nonpad_kv_seqlen (opset 24)",
    "test_attention_local_window_gqa_rank4_mask": "Attention: softcap",
    "test_attention_local_window_rank1_boolean_mask": "Attention: sliding windows (opset 25)",
    "test_attention_local_window_with_past": "Attention: sliding windows (opset 25)",
    "test_einsum_batch_diagonal": "Einsum equation '...ii->...i' (ellipsis)",
    "test_equal_string": "graph input 'x' has an unsupported element type STRING",
    "test_equal_string_broadcast": "graph input 'x' has an unsupported element type STRING",
    "test_identity_opt": "graph input 'opt_in' is not a tensor; xfmr imports tensors only",
    "test_identity_sequence": "graph input 'x' is not a tensor; xfmr imports tensors only",
    "test_training_dropout": "training mode (xfmr compiles for inference)",
    "test_training_dropout_default": "training mode (xfmr compiles for inference)",
    "test_training_dropout_default_mask": "training mode (xfmr compiles for inference)",
    "test_training_dropout_mask": "training mode (xfmr compiles for inference)",
    "test_training_dropout_zero_ratio": "training mode (xfmr compiles for inference)",
    "test_training_dropout_zero_ratio_mask": "training mode (xfmr compiles for inference)",
}


def bind_structural_inputs(case):
    """Moves graph inputs that feed STRUCTURAL_INPUTS into initializers."""
    from onnx import numpy_helper
    graph = case.model.graph
    structural = {n.input[i] for n in graph.node
                  for i in STRUCTURAL_INPUTS.get(n.op_type, ())
                  if i < len(n.input) and n.input[i]}
    if not structural or not case.data_sets:
        return False
    inputs = list(graph.input)
    values = case.data_sets[0][0]
    bound = False
    for index, info in enumerate(inputs):
        if info.name in structural:
            graph.initializer.append(
                numpy_helper.from_array(values[index], info.name))
            graph.input.remove(info)
            bound = True
    return bound


def write_cases(work_dir, name_filter):
    """Writes model.onnx of every node test case; returns {name: (path, ops)}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case import node
        cases = node.collect_testcases(None)
    written = {}
    for case in cases:
        if name_filter and name_filter not in case.name:
            continue
        ops = {n.op_type for n in case.model.graph.node}
        bind_structural_inputs(case)
        domains = {n.domain for n in case.model.graph.node} - {"", "ai.onnx"}
        if domains or not ops <= CLAIMED_OPS:
            continue
        folder = os.path.join(work_dir, case.name)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "model.onnx")
        with open(path, "wb") as f:
            f.write(case.model.SerializeToString())
        written[case.name] = (path, ops)
    return written


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
        f.write("| op | imported | not imported |\n|---|---:|---:|\n")
        for op in sorted(per_op):
            f.write(f"| {op} | {per_op[op][0]} | {per_op[op][1]} |\n")
        f.write("\n## Not imported, and why\n\n")
        for name in sorted(EXPECTED_FAILURES):
            f.write(f"- `{name}`: {EXPECTED_FAILURES[name]}\n")


def import_case(translate, path):
    result = subprocess.run([translate, "--import-onnx", path, "-o", os.devnull],
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stderr.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--translate", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--report")
    parser.add_argument("--filter", default="")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    cases = write_cases(args.work, args.filter)
    results = {}
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        futures = {pool.submit(import_case, args.translate, path): name
                   for name, (path, _) in cases.items()}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()

    per_op = collections.defaultdict(lambda: [0, 0])
    passed = failed = expected = unexpected_pass = 0
    failures = []
    for name in sorted(results):
        code, err = results[name]
        ok = code == 0
        for op in cases[name][1]:
            per_op[op][0 if ok else 1] += 1
        if name in EXPECTED_FAILURES:
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


if __name__ == "__main__":
    sys.exit(main())
