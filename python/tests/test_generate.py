"""xfmr.generate on the GPT-2 decode export, against the same loop on
ONNX Runtime."""

import re
import time

import numpy as np
import pytest

import xfmr
from conftest import model_path

ort = pytest.importorskip("onnxruntime")
GPT2_DECODE = model_path("gpt2-decode.torchscript.onnx")
# generate compiles a prefill and a step model; the tests share them
# through the compile cache (prompts of one length).


def test_greedy_matches_onnxruntime(capfd):
    prompt = np.array([[5, 17, 42, 7]], np.int64)
    start = time.perf_counter()
    ours = xfmr.generate(GPT2_DECODE, prompt, max_new_tokens=8)
    # The first call compiles; a compile over a second says so on stderr.
    if time.perf_counter() - start > 2:
        assert re.search(r"xfmr: compiled .*gpt2-decode.* in [0-9.]+ s",
                         capfd.readouterr().err)
    session = ort.InferenceSession(GPT2_DECODE,
                                   providers=["CPUExecutionProvider"])
    theirs = xfmr.generate(session, prompt, max_new_tokens=8)
    assert ours.shape == (1, 12)
    np.testing.assert_array_equal(ours[:, :4], prompt)
    np.testing.assert_array_equal(ours, theirs)


def test_eos_and_sampling():
    def generate(**options):
        return xfmr.generate(GPT2_DECODE, [5, 17, 42, 7], verbose=False,
                             **options)

    greedy = generate(max_new_tokens=4)
    eos = int(greedy[0, 4])
    stopped = generate(max_new_tokens=4, eos_token_id=eos)
    np.testing.assert_array_equal(stopped, greedy[:, :5])
    a = generate(max_new_tokens=6, do_sample=True, top_k=50, top_p=0.9,
                 seed=3)
    b = generate(max_new_tokens=6, do_sample=True, top_k=50, top_p=0.9,
                 seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (1, 10)


def test_not_a_decoder(add_relu):
    # As a file, the model fails to compile for one token at a time; as a
    # model, the check of its inputs says what is missing.
    with pytest.raises(xfmr.CompileError, match="input_ids"):
        xfmr.generate(add_relu, [1, 2], verbose=False)
    model = xfmr.compile(add_relu, verbose=False)
    with pytest.raises(xfmr.InputError, match="past"):
        xfmr.generate(model, [1, 2])
