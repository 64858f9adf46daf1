#!/usr/bin/env python3
"""Times one engine on one model, in a process of its own.

bench/run_benchmarks.py starts this script once per engine and round, so
that no engine shares a process (or an allocator, a thread pool, a libomp)
with another, and each round starts every engine afresh: a worker loads the
engine and the already-compiled model, runs the warm-up, optionally writes
the outputs of one run for the driver to check, times a block of runs, and
writes a JSON result. Loading is outside the timing, and so is compiling:
the driver compiles each model once beforehand (xfmr's .so, IREE's .vmfb,
OpenVINO's blob in its model cache), so a worker only loads the result.

Usage: engine_worker.py ENGINE JOB RESULT [--outputs FILE.npz]
ENGINE is xfmr, ort, openvino or iree; JOB a JSON file the driver wrote
(the model's files, inputs, thread count, warm-up, time budget); RESULT
where this writes {"times": [s, ...], "load_seconds": s} or {"error": "..."}.
"""

import argparse
import json
import os
import sys
import time
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------
# One class per engine: load() outside the timing, run() the timed call,
# outputs() one run's outputs by ONNX output name (for the check).
# --------------------------------------------------------------------------

class Xfmr:
    """A model compiled by xfmr-compile, through libxfmr_runtime (ctypes).
    Its threads come from OMP_NUM_THREADS, which the driver sets."""

    def __init__(self, job, feed):
        sys.path.insert(0, HERE)
        from xfmr_runtime import Runtime
        self.model = Runtime(job["xfmr_runtime"]).load(job["xfmr_library"])
        self.model.bind(feed)

    def run(self):
        self.model.run()

    def outputs(self):
        return self.model.outputs()


class Ort:
    """ONNX Runtime's CPU provider with every graph optimization, on the
    model as exported (dims symbolic), as its users run it."""

    def __init__(self, job, feed):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.graph_optimization_level = \
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = job["threads"]
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            job["onnx"], options, providers=["CPUExecutionProvider"])
        self.feed = feed
        self.names = [o.name for o in self.session.get_outputs()]

    def run(self):
        self.session.run(None, self.feed)

    def outputs(self):
        return dict(zip(self.names, self.session.run(self.names, self.feed)))


def openvino_config(threads):
    """The CPU plugin's settings: f32 arithmetic (the plugin would
    otherwise use bf16 where the CPU has it), our thread count, one stream
    for the lowest latency. The driver compiles with the same settings to
    fill the model cache, whose key includes them."""
    return {"INFERENCE_PRECISION_HINT": "f32",
            "INFERENCE_NUM_THREADS": str(threads),
            "PERFORMANCE_HINT": "LATENCY"}


class OpenVino:
    """OpenVINO's CPU plugin on the model with static dims. The driver
    compiled it once with CACHE_DIR set, so compile_model here imports the
    cached blob instead of compiling again."""

    def __init__(self, job, feed):
        import openvino as ov
        core = ov.Core()
        core.set_property({"CACHE_DIR": job["openvino_cache"]})
        compiled = core.compile_model(job["static_onnx"], "CPU",
                                      openvino_config(job["threads"]))
        self.request = compiled.create_infer_request()
        self.feed = feed
        # ONNX output names, in the graph's order, to the plugin's ports.
        self.ports = {}
        for port in compiled.outputs:
            for name in port.get_names():
                self.ports[name] = port

    def run(self):
        # Shared inputs and outputs: no copies, as with the other engines.
        self.request.infer(self.feed, share_inputs=True, share_outputs=True)

    def outputs(self):
        self.request.infer(self.feed, share_inputs=True)
        return {name: np.array(self.request.get_tensor(port).data)
                for name, port in self.ports.items()}


class Iree:
    """A .vmfb that iree-compile built for llvm-cpu, on the local-task
    driver with its task topology limited to our thread count. The inputs
    are copied to the device once, outside the timing."""

    def __init__(self, job, feed):
        import iree.runtime as rt
        # Must precede the device's creation.
        rt.flags.parse_flags(
            f"--task_topology_max_group_count={job['threads']}")
        config = rt.Config("local-task")
        self.context = rt.SystemContext(config=config)
        module = rt.VmModule.mmap(config.vm_instance, job["iree_vmfb"])
        self.context.add_vm_module(module)
        # iree-import-onnx names the entry point after the ONNX graph; the
        # module also exports `__init` and a `NAME$async` variant.
        functions = [f for f in module.function_names
                     if not f.startswith("__") and "$" not in f]
        if len(functions) != 1:
            raise RuntimeError(f"expected one entry point, found {functions}")
        self.function = self.context.modules[module.name][functions[0]]
        self.arguments = [rt.asdevicearray(config.device, feed[n])
                          for n in job["input_names"]]
        self.output_names = job["output_names"]

    def run(self):
        # The default (async-internal) calling convention waits for the
        # results before returning, so this times the whole computation.
        self.results = self.function(*self.arguments)

    def outputs(self):
        results = self.function(*self.arguments)
        if not isinstance(results, (tuple, list)):
            results = [results]
        return {name: np.array(r.to_host()) for name, r in
                zip(self.output_names, results)}


ENGINES = {"xfmr": Xfmr, "ort": Ort, "openvino": OpenVino, "iree": Iree}


def time_block(engine, job):
    """Warm-up, then a block of timed runs: as many as fit in the job's
    time budget (estimated from the last warm-up run), within its limits."""
    last = 0.0
    for _ in range(max(job["warmup"], 1)):
        start = time.perf_counter()
        engine.run()
        last = time.perf_counter() - start
    count = int(job["seconds"] / max(last, 1e-6))
    count = max(job["min_runs"], min(job["max_runs"], count))
    times = []
    for _ in range(count):
        start = time.perf_counter()
        engine.run()
        times.append(time.perf_counter() - start)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("job")
    parser.add_argument("result")
    parser.add_argument("--outputs", help="write one run's outputs here "
                        "(.npz, by ONNX output name) before the timing")
    args = parser.parse_args()
    with open(args.job) as f:
        job = json.load(f)
    with np.load(job["inputs"]) as data:
        feed = {n: data[n] for n in job["input_names"]}
    result = {}
    stage = "load"
    try:
        start = time.perf_counter()
        engine = ENGINES[args.engine](job, feed)
        result["load_seconds"] = time.perf_counter() - start
        stage = "run"
        if args.outputs:
            np.savez(args.outputs, **engine.outputs())
        result["times"] = time_block(engine, job)
    except Exception as e:  # reported in the table, not a crash of the suite
        message = str(e).strip().splitlines()
        result["error"] = (f"{stage} failed: {type(e).__name__}: "
                           f"{message[0] if message else ''}")
        result["traceback"] = traceback.format_exc()
    with open(args.result, "w") as f:
        json.dump(result, f)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
