"""xfmr.generate on the GPT-2 decode export, against the same loop on
ONNX Runtime."""

import numpy as np
import pytest

import xfmr
from conftest import model_path

ort = pytest.importorskip("onnxruntime")
GPT2_DECODE = model_path("gpt2-decode.torchscript.onnx")
# The sequence dims stay dynamic (the cache grows); batch 1 keeps the
# compile short, and both tests share it through the compile cache.
DIMS = {"batch": 1}


def test_greedy_matches_onnxruntime():
    prompt = np.array([[5, 17, 42, 7]], np.int64)
    ours = xfmr.generate(GPT2_DECODE, prompt, max_new_tokens=8, dims=DIMS,
                         verbose=False)
    session = ort.InferenceSession(GPT2_DECODE,
                                   providers=["CPUExecutionProvider"])
    theirs = xfmr.generate(session, prompt, max_new_tokens=8)
    assert ours.shape == (1, 12)
    np.testing.assert_array_equal(ours[:, :4], prompt)
    np.testing.assert_array_equal(ours, theirs)


def test_eos_and_sampling():
    model = xfmr.compile(GPT2_DECODE, dims=DIMS, verbose=False)
    greedy = xfmr.generate(model, [5, 17], max_new_tokens=4)
    eos = int(greedy[0, 2])
    stopped = xfmr.generate(model, [5, 17], max_new_tokens=4,
                            eos_token_id=eos)
    assert stopped.shape == (1, 3)
    a = xfmr.generate(model, [5, 17], max_new_tokens=6, do_sample=True,
                      top_k=50, top_p=0.9, seed=3)
    b = xfmr.generate(model, [5, 17], max_new_tokens=6, do_sample=True,
                      top_k=50, top_p=0.9, seed=3)
    np.testing.assert_array_equal(a, b)


def test_not_a_decoder(add_relu):
    with pytest.raises(xfmr.InputError, match="past"):
        xfmr.generate(add_relu, [1, 2], verbose=False)
