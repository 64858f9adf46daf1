"""Models given as a path, bytes or an ``onnx.ModelProto``, as files the
compiler reads, and the ONNX node behind an error."""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

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
        # The extension tells ONNX text from binary ONNX and MLIR.
        self.suffix = os.path.splitext(self.path)[1]
        digest = hashlib.sha256(data)
        # Weights in external data files are part of the model: a file
        # rewritten in place must not hit the compile cache.
        if self._tempdir is None and self.suffix not in _TEXT_SUFFIXES:
            folder = os.path.dirname(os.path.abspath(self.path))
            for location in external_data_locations(data):
                digest.update(location.encode() + b"\0")
                digest.update(_file_digest(os.path.join(folder, location)))
        self.digest = digest.hexdigest()

    def close(self) -> None:
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> "ModelFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_TEXT_SUFFIXES = (".onnxtext", ".txt", ".mlir")


def _file_digest(path: str) -> bytes:
    """The SHA-256 of a file's contents (read in blocks: weights files are
    large), or a marker for a file that cannot be read (the compiler reports
    it)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 24), b""):
                digest.update(block)
    except OSError:
        return b"unreadable"
    return digest.digest()


def _varint(data: memoryview, pos: int) -> Tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(data: memoryview) -> Iterator[Tuple[int, Any]]:
    """The fields of a protobuf message as (number, value): an int for a
    varint, a memoryview for a length-delimited field, None otherwise."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: Any = None
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value = data[pos:pos + length]
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            raise ValueError(f"protobuf wire type {wire}")
        yield number, value


# Field numbers of onnx.proto: ModelProto.graph; GraphProto.node,
# .initializer, .sparse_initializer; NodeProto.attribute; AttributeProto.t,
# .g, .tensors, .graphs; SparseTensorProto.values, .indices;
# TensorProto.external_data; StringStringEntryProto.key, .value.
_MODEL_GRAPH = 7
_GRAPH_NODE, _GRAPH_INITIALIZER, _GRAPH_SPARSE_INITIALIZER = 1, 5, 15
_NODE_ATTRIBUTE = 5
_ATTRIBUTE_T, _ATTRIBUTE_G, _ATTRIBUTE_TENSORS, _ATTRIBUTE_GRAPHS = 5, 6, 10, 11
_SPARSE_VALUES, _SPARSE_INDICES = 1, 2
_TENSOR_EXTERNAL_DATA = 13
_ENTRY_KEY, _ENTRY_VALUE = 1, 2


def external_data_locations(data: bytes) -> List[str]:
    """The external data files (paths relative to the model) that the
    tensors of a binary ONNX model name, in order and without repeats; an
    empty list for data that is not a ModelProto. Reads the protobuf wire
    format, so that the package does not need `onnx`."""
    locations: Dict[str, None] = {}

    def tensor(message: memoryview) -> None:
        for number, value in _fields(message):
            if number != _TENSOR_EXTERNAL_DATA:
                continue
            entry = dict(_fields(value))
            if bytes(entry.get(_ENTRY_KEY, b"")) == b"location":
                locations[bytes(entry.get(_ENTRY_VALUE, b"")).decode()] = None

    def graph(message: memoryview) -> None:
        for number, value in _fields(message):
            if number == _GRAPH_INITIALIZER:
                tensor(value)
            elif number == _GRAPH_SPARSE_INITIALIZER:
                for part, inner in _fields(value):
                    if part in (_SPARSE_VALUES, _SPARSE_INDICES):
                        tensor(inner)
            elif number == _GRAPH_NODE:
                for part, attribute in _fields(value):
                    if part == _NODE_ATTRIBUTE:
                        for kind, inner in _fields(attribute):
                            if kind in (_ATTRIBUTE_T, _ATTRIBUTE_TENSORS):
                                tensor(inner)
                            elif kind in (_ATTRIBUTE_G, _ATTRIBUTE_GRAPHS):
                                graph(inner)

    try:
        for number, value in _fields(memoryview(data)):
            if number == _MODEL_GRAPH and isinstance(value, memoryview):
                graph(value)
    except (IndexError, ValueError, TypeError, UnicodeDecodeError):
        return []
    return list(locations)


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
