# Writes the inputs and expected outputs of compile-and-run.onnxtext.
import os
import sys

import numpy as np

out = sys.argv[1]
x = np.array([[1, -2, 3, -4], [-0.5, 0.25, 8, 0]], dtype=np.float32)
bias = np.array([0.5, 1, -1, 2], dtype=np.float32)
y = np.maximum(x + bias, 0)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "bias.npy"), bias)
np.save(os.path.join(out, "xi.npy"), x.astype(np.int64))
os.makedirs(os.path.join(out, "expected"), exist_ok=True)
np.save(os.path.join(out, "expected", "y.npy"), y)
np.save(os.path.join(out, "expected", "total.npy"), y.sum(axis=1))
