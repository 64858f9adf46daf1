#!/usr/bin/env python3
"""Export a small model with data-dependent control flow to ONNX.

A TorchScript-scripted module keeps Python's `for` and `if` as graph ops:
torch.onnx.export (dynamo=False, opset 17) writes them as ONNX Loop and If
with their subgraphs, the form generation loops take. The module runs a
step `steps` times (a graph input): a linear layer and tanh, then a branch
on the sign of the state's sum, and grows a tensor of every step's state
by concatenation (a loop-carried value whose first dim changes).

Regenerate (torch, onnx and onnxruntime are needed only here):

    python test/models/export_control_flow.py --out test/models

The export is run with ONNX Runtime and compared against PyTorch.
"""

import argparse
import json
import os

import numpy as np
import onnx
import onnxruntime
import torch

HIDDEN = 8


class StepLoop(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(HIDDEN, HIDDEN)

    def forward(self, x: torch.Tensor, steps: torch.Tensor):
        h = x
        states = torch.zeros(0, x.shape[0], x.shape[1])
        for _ in range(int(steps)):
            h = torch.tanh(self.proj(h))
            if h.sum() > 0:
                h = h * 2.0
            else:
                h = h - 1.0
            states = torch.cat([states, h.unsqueeze(0)], 0)
        return h, states


SPEC = {
    "model": "control-flow.torchscript.onnx",
    "description": "a scripted step loop (Loop) with a data-dependent "
                   "branch (If), growing a tensor of the states",
    "exporter": "torchscript",
    "opset": {"ai.onnx": 17},
    "example_dims": {"batch": 3},
    "inputs": [
        {"name": "x", "dtype": "float32", "shape": ["batch", HIDDEN],
         "range": {"kind": "normal", "mean": 0.0, "std": 1.0,
                   "text": "standard normal floats"},
         "example_shape": [3, HIDDEN], "onnx_shape": ["batch", HIDDEN]},
        {"name": "steps", "dtype": "int64", "shape": [],
         "range": {"kind": "integer_uniform", "low": 3, "high": 8,
                   "text": "integers in [3, 8)"},
         "example_shape": [], "onnx_shape": []},
    ],
    "outputs": [
        {"name": "h", "dtype": "float32", "shape": ["batch", HIDDEN]},
        {"name": "states", "dtype": "float32",
         "shape": ["steps", "batch", HIDDEN]},
    ],
    "tolerance": 0.0001,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(__file__))
    args = parser.parse_args()
    torch.manual_seed(0)
    module = torch.jit.script(StepLoop().eval())
    x = torch.randn(3, HIDDEN)
    steps = torch.tensor(5)
    path = os.path.join(args.out, SPEC["model"])
    torch.onnx.export(module, (x, steps), path, dynamo=False,
                      opset_version=17, input_names=["x", "steps"],
                      output_names=["h", "states"],
                      dynamic_axes={"x": {0: "batch"}, "h": {0: "batch"},
                                    "states": {0: "steps", 1: "batch"}})
    model = onnx.load(path)
    onnx.checker.check_model(model)
    ops = {node.op_type for node in model.graph.node}
    assert {"Loop"} <= ops, ops
    SPEC["producer"] = f"pytorch {torch.__version__}"
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump(SPEC, f, indent=2)
        f.write("\n")

    session = onnxruntime.InferenceSession(
        path, providers=["CPUExecutionProvider"])
    for n in (0, 1, 6):
        got = session.run(None, {"x": x.numpy(), "steps": np.array(n)})
        want = module(x, torch.tensor(n))
        for a, b in zip(got, want):
            assert a.shape == tuple(b.shape), (n, a.shape, b.shape)
            assert np.abs(a - b.detach().numpy()).max(initial=0) < 1e-5
    print(f"wrote {path}: ops {sorted(ops)}")


if __name__ == "__main__":
    main()
