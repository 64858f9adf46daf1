#!/usr/bin/env python3
"""Runs ONNX's backend node tests for the ops xfmr claims.

The node tests ship with the `onnx` Python package as test case generators
(onnx.backend.test.case.node); this script writes each case's model and its
data set (input_N.pb, output_N.pb) into a scratch folder.

- With --translate, it imports each model with `xfmr-translate --import-onnx`,
  which parses, converts and verifies it. Every case whose ops are all
  claimed must import, except those in EXPECTED_FAILURES, with the reason.
- With --compile and --run (conformance), it compiles each model with
  `xfmr-compile` and runs it with `xfmr-run --test-data`, at the case's own
  tolerances. Every case must pass, except the import failures above and
  those in EXPECTED_RUN_FAILURES, with the reason.

Usage: onnx_node_tests.py --translate build/bin/xfmr-translate --work DIR
                          [--report FILE] [--filter SUBSTRING]
       onnx_node_tests.py --compile build/bin/xfmr-compile
                          --run build/bin/xfmr-run --work DIR
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


# Cases that import but do not compile or run correctly, and why.
_LOW_PRECISION_ATTENTION = ("attention in f16/bf16 accumulates in its element "
                            "type; the reference accumulates in f32")
EXPECTED_RUN_FAILURES = {
    "test_attention_3d_causal_bf16": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_attn_mask_causal_bf16": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_causal_bf16": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_causal_fp16": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_fp16": _LOW_PRECISION_ATTENTION,
    "test_attention_4d_gqa_with_past_and_present_fp16": _LOW_PRECISION_ATTENTION,
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


# Cases whose graph inputs or outputs are unsigned integers, which the
# importer rejects by design (xfmr computes integers as signed); filled by
# write_cases.
UNSIGNED_CASES = set()
UNSIGNED_REASON = "unsigned graph inputs or outputs (xfmr computes integers as signed)"


def has_unsigned_io(graph):
    from onnx import TensorProto
    unsigned = {TensorProto.UINT8, TensorProto.UINT16, TensorProto.UINT32,
                TensorProto.UINT64}
    return any(v.type.tensor_type.elem_type in unsigned
               for v in list(graph.input) + list(graph.output)
               if v.type.HasField("tensor_type"))


def expected_import_failure(name):
    if name in UNSIGNED_CASES:
        return UNSIGNED_REASON
    return EXPECTED_FAILURES.get(name)


def bind_structural_inputs(case):
    """Moves graph inputs that feed STRUCTURAL_INPUTS into initializers;
    returns the indices of the inputs that remain."""
    from onnx import numpy_helper
    graph = case.model.graph
    inputs = list(graph.input)
    structural = {n.input[i] for n in graph.node
                  for i in STRUCTURAL_INPUTS.get(n.op_type, ())
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


def write_data_set(case, kept, folder):
    """Writes the case's first data set as ONNX test data; False when its
    values are not all tensors (sequences, optionals)."""
    import numpy as np
    from onnx import numpy_helper
    if not case.data_sets:
        return False
    inputs, outputs = case.data_sets[0]
    graph = case.model.graph
    values = [inputs[i] for i in kept] + list(outputs)
    # Scalars come as numpy scalars; sequences and optionals as lists/None.
    if not all(isinstance(v, (np.ndarray, np.generic)) for v in values):
        return False
    inputs = [np.asarray(v) for v in values[:len(kept)]]
    outputs = [np.asarray(v) for v in values[len(kept):]]
    data_dir = os.path.join(folder, "test_data_set_0")
    os.makedirs(data_dir, exist_ok=True)
    for kind, values, infos in (("input", inputs, graph.input),
                                ("output", outputs, graph.output)):
        for i, (value, info) in enumerate(zip(values, infos)):
            with open(os.path.join(data_dir, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(value, info.name)
                        .SerializeToString())
    return True


def write_cases(work_dir, name_filter):
    """Writes model.onnx and the data set of every node test case; returns
    {name: (path, ops, rtol, atol)}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case import node
        cases = node.collect_testcases(None)
    written = {}
    for case in cases:
        if name_filter and name_filter not in case.name:
            continue
        ops = {n.op_type for n in case.model.graph.node}
        kept = bind_structural_inputs(case)
        domains = {n.domain for n in case.model.graph.node} - {"", "ai.onnx"}
        if domains or not ops <= CLAIMED_OPS:
            continue
        folder = os.path.join(work_dir, case.name)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "model.onnx")
        with open(path, "wb") as f:
            f.write(case.model.SerializeToString())
        write_data_set(case, kept, folder)
        if has_unsigned_io(case.model.graph):
            UNSIGNED_CASES.add(case.name)
        written[case.name] = (path, ops, case.rtol, case.atol)
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
        for name in sorted(set(EXPECTED_FAILURES) | UNSIGNED_CASES):
            f.write(f"- `{name}`: {expected_import_failure(name)}\n")


def import_case(args, name, case):
    path = case[0]
    result = subprocess.run([args.translate, "--import-onnx", path, "-o",
                             os.devnull],
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stderr.strip()


def first_line(text, fallback):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[0] if lines else fallback


def run_case(args, name, case):
    """Compiles and runs one case: ("passed" | "failed" | "not supported",
    why)."""
    path, _, rtol, atol = case
    folder = os.path.dirname(path)
    library = os.path.join(folder, "model.so")
    compiled = subprocess.run([args.compile, path, "-o", library,
                               f"--mcpu={args.mcpu}"],
                              capture_output=True, text=True, timeout=300)
    if compiled.returncode:
        why = first_line(compiled.stderr, f"xfmr-compile exit {compiled.returncode}")
        why = why.split(": error: ", 1)[-1]
        return "not supported", why
    data = os.path.join(folder, "test_data_set_0")
    if not os.path.isdir(data):
        return "not supported", ("the test data are not plain tensors "
                                 "(sequences, optionals or numpy-less dtypes)")
    ran = subprocess.run([args.run, library, "--test-data", data,
                          "--rtol", repr(rtol), "--atol", repr(atol)],
                         capture_output=True, text=True, timeout=300)
    if ran.returncode:
        output = ran.stderr.strip() or ran.stdout.strip()
        failing = [l for l in output.splitlines() if "FAIL" in l or "error" in l]
        return "failed", (failing[0] if failing else
                          first_line(output, f"xfmr-run exit {ran.returncode}"))
    return "passed", ""


def write_conformance_report(args, path, cases, results):
    per_op = collections.defaultdict(collections.Counter)
    for name, (status, _) in results.items():
        for op in cases[name][1]:
            per_op[op][status] += 1
    totals = collections.Counter(status for status, _ in results.values())
    with open(path, "w") as f:
        f.write("# Conformance: ONNX backend node tests\n\n"
                "Generated by `test/e2e/onnx_node_tests.py` "
                "(`cmake --build build --target check-xfmr-conformance`, part "
                "of `make check`): each of ONNX's backend node tests whose "
                "ops xfmr claims is compiled with `xfmr-compile "
                f"--mcpu={args.mcpu}` and run with `xfmr-run --test-data` at the test's own "
                "tolerances. A case counts for every op in its graph.\n\n"
                f"{totals['passed']} of {len(results)} cases pass, "
                f"{totals['failed']} fail, {totals['not supported']} use "
                "forms xfmr does not support.\n\n")
        f.write("| op | passed | failed | not supported |\n"
                "|---|---:|---:|---:|\n")
        for op in sorted(per_op):
            c = per_op[op]
            f.write(f"| {op} | {c['passed']} | {c['failed']} | "
                    f"{c['not supported']} |\n")
        for status in ("failed", "not supported"):
            names = sorted(n for n, (s, _) in results.items() if s == status)
            if not names:
                continue
            f.write(f"\n## {status.capitalize()}, and why\n\n")
            for name in names:
                why = results[name][1].replace("|", "\\|")
                f.write(f"- `{name}`: {why}\n")


def run_all(args, cases, work):
    results = {}
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        futures = {pool.submit(work, args, name, case): name
                   for name, case in cases.items()}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
    return results


def check_imports(args, cases):
    results = run_all(args, cases, import_case)
    per_op = collections.defaultdict(lambda: [0, 0])
    passed = failed = expected = unexpected_pass = 0
    failures = []
    for name in sorted(results):
        code, err = results[name]
        ok = code == 0
        for op in cases[name][1]:
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
    results = run_all(args, cases, run_case)
    if args.report:
        write_conformance_report(args, args.report, cases, results)
    unexpected = []
    for name in sorted(results):
        status, why = results[name]
        allowed = bool(expected_import_failure(name)) or \
            expected_run_failure(name, why)
        if status == "passed" and allowed:
            unexpected.append((name, "passes now: remove it from the "
                                     "expected failures"))
        elif status != "passed" and not allowed:
            unexpected.append((name, f"{status}: {why}"))
        if args.verbose and status != "passed":
            print(f"{status}: {name}: {why}")
    for name, why in unexpected:
        print(f"FAIL: {name}: {why}")
    passed = sum(1 for status, _ in results.values() if status == "passed")
    print(f"ONNX node tests for claimed ops: {len(results)} cases, "
          f"{passed} passed, {len(results) - passed - len(unexpected)} "
          "expected failures")
    print(f"{passed} passed, {len(unexpected)} failed")
    return 1 if unexpected else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--translate")
    parser.add_argument("--compile")
    parser.add_argument("--run")
    parser.add_argument("--work", required=True)
    parser.add_argument("--report")
    parser.add_argument("--filter", default="")
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
