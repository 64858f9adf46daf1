"""One model, several Python threads at once (the GIL is released)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

import xfmr
from conftest import add_relu_reference


def test_concurrent_runs(add_relu):
    model = xfmr.compile(add_relu, verbose=False)
    inputs = [np.full((64, 4), i, np.float32) for i in range(32)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda x: model.run({"x": x})["y"], inputs))
    for x, y in zip(inputs, results):
        np.testing.assert_allclose(y, add_relu_reference(x))
