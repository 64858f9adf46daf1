# Writes the inputs and expected outputs of threads.onnxtext.
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.standard_normal((128, 256)).astype(np.float32)
w = (rng.standard_normal((256, 256)) / 16).astype(np.float32)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "w.npy"), w)
os.makedirs(os.path.join(out, "expected"), exist_ok=True)
np.save(os.path.join(out, "expected", "y.npy"),
        (x.astype(np.float64) @ w.astype(np.float64)).astype(np.float32))
np.save(os.path.join(out, "expected", "z.npy"), x + np.float32(1))
