"""all-MiniLM-L6-v2 (real weights) against ONNX Runtime, in f32 and bf16.

The model is exported by `make demo` (python/demo/minilm_demo.py) into
BUILD_DIR/demo; without it these tests are skipped.
"""

import os

import numpy as np
import pytest

import xfmr

ort = pytest.importorskip("onnxruntime")
BUILD_DIR = os.environ.get("XFMR_BUILD_DIR", "")
MINILM = os.path.join(BUILD_DIR, "demo", "all-MiniLM-L6-v2.onnx")


def has_avx512_bf16():
    try:
        with open("/proc/cpuinfo") as f:
            return "avx512_bf16" in f.read()
    except OSError:
        return False


# Relative to the outputs' largest magnitude, as check-xfmr-models-vs-ort.
@pytest.mark.skipif(not os.path.exists(MINILM),
                    reason="no MiniLM export (make demo writes it)")
@pytest.mark.parametrize("precision,tolerance", [
    ("f32", 1e-4),
    pytest.param("bf16", 2e-2, marks=pytest.mark.skipif(
        not has_avx512_bf16(), reason="the CPU has no AVX512-BF16")),
])
def test_minilm_matches_onnxruntime(precision, tolerance):
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 30000, (2, 16), dtype=np.int64)
    ids[:, 0], ids[:, -1] = 101, 102  # [CLS] ... [SEP]
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids),
             "token_type_ids": np.zeros_like(ids)}
    model = xfmr.compile(MINILM, dims={"batch": 2, "sequence": 16},
                         precision=precision, verbose=False)
    ours = model.run(feeds)["last_hidden_state"]
    theirs = ort.InferenceSession(
        MINILM, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    error = np.abs(ours - theirs).max() / np.abs(theirs).max()
    assert error <= tolerance
