"""Writes the inputs of Inputs/unsigned-order.onnxtext and numpy's results."""

import os
import sys

import numpy as np

out = sys.argv[1]
a = np.array([[200, 7, 130, 255], [0, 127, 128, 90]], np.uint8)
b = np.array([[3_000_000_000, 5, 2_147_483_648, 4_294_967_295],
              [0, 2_147_483_647, 1_500_000_000, 3_900_000_000]], np.uint32)
np.save(os.path.join(out, "in", "a.npy"), a)
np.save(os.path.join(out, "in", "b.npy"), b)


def results(x, lo, hi):
    order = np.argsort(-x.astype(np.int64), axis=1, kind="stable")[:, :2]
    return {
        "max": x.max(axis=1), "min": x.min(axis=1),
        "argmax": x.argmax(axis=1).astype(np.int64),
        "argmin": x.argmin(axis=1).astype(np.int64),
        "top": np.take_along_axis(x, order, axis=1),
        "topi": order.astype(np.int64),
        "cumsum": np.cumsum(x, axis=1, dtype=x.dtype),
        "clip": np.clip(x, x.dtype.type(lo), x.dtype.type(hi)),
    }


for prefix, x, lo, hi in (("a", a, 100, 220),
                          ("b", b, 1_000_000_000, 3_500_000_000)):
    for name, value in results(x, lo, hi).items():
        np.save(os.path.join(out, "expected", f"{prefix}_{name}.npy"), value)
