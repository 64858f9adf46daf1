"""Writes the inputs of sequence-positions.test: x, z, and positions
p<N>.npy for each N given."""
import os
import sys

import numpy as np

out = sys.argv[1]
np.save(os.path.join(out, "x.npy"),
        np.arange(12, dtype=np.float32).reshape(2, 6))
np.save(os.path.join(out, "z.npy"), -np.ones((2, 3), dtype=np.float32))
for p in sys.argv[2:]:
    np.save(os.path.join(out, f"p{p}.npy"), np.array(int(p), dtype=np.int64))
