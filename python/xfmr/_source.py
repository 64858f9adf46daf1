"""Models given as a path, bytes or an ``onnx.ModelProto``, as files the
compiler reads, and the ONNX node behind an error."""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Any, Optional, Union

ModelSource = Union[str, "os.PathLike[str]", bytes, Any]


class ModelFile:
    """A model as a file on disk, with its hash. Models given in memory are
    written to a temporary file that lives as long as this object."""

    def __init__(self, model: ModelSource):
        self._tempdir: Optional[tempfile.TemporaryDirectory] = None
        if isinstance(model, (str, os.PathLike)):
            self.path = os.fspath(model)
            if not os.path.isfile(self.path):
                raise FileNotFoundError(f"no model file {self.path!r}")
            self.name = os.path.basename(self.path)
            with open(self.path, "rb") as f:
                data = f.read()
        else:
            if isinstance(model, (bytes, bytearray, memoryview)):
                data = bytes(model)
            elif hasattr(model, "SerializeToString"):
                data = model.SerializeToString()
            else:
                raise TypeError("a model is a path, bytes or an "
                                f"onnx.ModelProto, not {type(model).__name__}")
            self._tempdir = tempfile.TemporaryDirectory(prefix="xfmr-")
            self.name = "model.onnx"
            self.path = os.path.join(self._tempdir.name, self.name)
            with open(self.path, "wb") as f:
                f.write(data)
        self.digest = hashlib.sha256(data).hexdigest()
        # The extension tells ONNX text from binary ONNX and MLIR.
        self.suffix = os.path.splitext(self.path)[1]

    def close(self) -> None:
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> "ModelFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def node_op_type(path: str, node: str) -> Optional[str]:
    """The op type of the ONNX node named `node` (the importer names unnamed
    nodes OPTYPE_INDEX), or None when it cannot be found."""
    try:
        import onnx
        if path.endswith((".onnxtext", ".txt")):
            with open(path, encoding="utf-8") as f:
                proto = onnx.parser.parse_model(f.read())
        else:
            proto = onnx.load(path, load_external_data=False)
    except Exception:  # the op type is a courtesy: no onnx, or not ONNX
        return None
    for index, n in enumerate(proto.graph.node):
        if (n.name or f"{n.op_type}_{index}") == node:
            return n.op_type
    return None
