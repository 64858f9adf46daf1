"""Compiled models: compile (with the on-disk cache), load, run, save."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from typing import (Any, Dict, List, Mapping, NamedTuple, Optional, Sequence,
                    Tuple)

import numpy as np

from . import _options, _xfmr
from ._errors import CompileError, InputError, RunError
from ._source import ModelFile, ModelSource, node_op_type
from ._version import __version__

# bf16 has no numpy dtype: bf16 tensors travel as their bits in uint16.
_DTYPES = {
    "f32": np.dtype(np.float32), "f64": np.dtype(np.float64),
    "f16": np.dtype(np.float16), "bf16": np.dtype(np.uint16),
    "i8": np.dtype(np.int8), "i16": np.dtype(np.int16),
    "i32": np.dtype(np.int32), "i64": np.dtype(np.int64),
    "bool": np.dtype(np.bool_), "u8": np.dtype(np.uint8),
    "u16": np.dtype(np.uint16), "u32": np.dtype(np.uint32),
    "u64": np.dtype(np.uint64),
}


class TensorInfo(NamedTuple):
    """An input or output of a compiled model. ``shape`` has -1 for a
    dynamic dim; ``dim_names`` names the symbolic ones ("" otherwise);
    ``xfmr_dtype`` is the model's own name ("f32", "bf16", ...)."""

    name: str
    dtype: np.dtype
    shape: Tuple[int, ...]
    dim_names: Tuple[str, ...] = ()
    xfmr_dtype: str = ""


def _info(record: Tuple[str, str, List[int], List[str]]) -> TensorInfo:
    name, dtype, shape, dim_names = record
    return TensorInfo(name, _DTYPES[dtype], tuple(shape), tuple(dim_names),
                      dtype)


class Model:
    """A compiled model, loaded and ready to run. ``run`` may be called from
    several threads at once; the GIL is released while the model runs."""

    def __init__(self, path: str, _tempdir: Optional[Any] = None):
        self._path = os.fspath(path)
        self._tempdir = _tempdir
        try:
            self._model = _xfmr.LoadedModel(self._path)
        except RuntimeError as e:
            raise RunError(str(e)) from None
        self.inputs: List[TensorInfo] = [_info(r) for r in self._model.inputs]
        self.outputs: List[TensorInfo] = [
            _info(r) for r in self._model.outputs]
        self._input_by_name = {i.name: i for i in self.inputs}
        self._output_names = [o.name for o in self.outputs]

    @property
    def path(self) -> str:
        """The shared library this model was loaded from."""
        return self._path

    def run(self, feeds: Mapping[str, Any]) -> Dict[str, np.ndarray]:
        """Runs the model on ``feeds`` (input name -> array) and returns
        output name -> array. C-contiguous arrays of the model's dtype are
        passed without a copy; outputs are handed over without one."""
        return dict(zip(self._output_names, self._run_list(feeds)))

    def _run_list(self, feeds: Mapping[str, Any]) -> List[np.ndarray]:
        if not isinstance(feeds, Mapping):
            raise TypeError("feeds must be a dict of input name -> array, "
                            f"not {type(feeds).__name__}")
        names = list(feeds)
        arrays = [self._prepare(name, feeds[name]) for name in names]
        try:
            return self._model.run(names, arrays)
        except ValueError as e:
            given = ", ".join(f"'{n}': {a.dtype} {_shape(a.shape)}"
                              for n, a in zip(names, arrays))
            raise InputError(f"{e}; given {given}") from None
        except RuntimeError as e:
            raise RunError(str(e)) from None

    def _prepare(self, name: str, value: Any) -> np.ndarray:
        info = self._input_by_name.get(name)
        if info is None:
            raise InputError(
                f"the model has no input '{name}'; its inputs are "
                + ", ".join(f"'{i.name}'" for i in self.inputs))
        if not isinstance(value, np.ndarray):
            value = np.asarray(value, dtype=info.dtype)
        if value.dtype != info.dtype:
            raise InputError(
                f"input '{name}': expected {info.dtype} {_shape(info.shape)}, "
                f"given {value.dtype} {_shape(value.shape)}")
        return np.ascontiguousarray(value)

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Writes the compiled model (a shared library) to ``path``, for
        ``xfmr.load`` or any program that links libxfmr_runtime."""
        shutil.copyfile(self._path, os.fspath(path))

    def __repr__(self) -> str:
        return (f"xfmr.Model({self._path!r}, inputs={len(self.inputs)}, "
                f"outputs={len(self.outputs)})")


def _shape(shape: Sequence[int]) -> str:
    return "[" + ",".join("?" if d == -1 else str(d) for d in shape) + "]"


def load(path: "str | os.PathLike[str]") -> Model:
    """Loads a model compiled by ``xfmr.compile`` (``Model.save``) or by
    ``xfmr-compile``."""
    return Model(os.fspath(path))


def compile(model: ModelSource, *, dims: Optional[Mapping[str, int]] = None,
            input_shapes: Optional[Mapping[str, Sequence[int]]] = None,
            target: str = "cpu", precision: str = "f32", cpu: str = "native",
            opt_level: int = 3, fuse: bool = True,
            fusion_report: bool = False, verbose: bool = True,
            cache: bool = True, quantize: Optional[str] = None) -> Model:
    """Compiles an ONNX model (a path, bytes or an ``onnx.ModelProto``; a
    path may also be ``.onnxtext`` or xfmr ``.mlir``) and loads it.

    ``dims`` binds symbolic dims by name, ``input_shapes`` gives whole input
    shapes (-1 or None keeps a dim dynamic): static shapes compile to faster
    code. ``precision="bf16"`` runs matmuls with constant weights in bf16.
    ``quantize="int4"`` or ``"int8"`` quantizes the matmuls' constant
    weights at compile time (as ``xfmr-compile --quantize``).
    ``fusion_report`` prints what was fused to stderr. Compiles that take
    over a second show their progress on stderr unless ``verbose=False``.
    Compiled models are kept in ``XFMR_CACHE_DIR`` (default
    ``~/.cache/xfmr``), keyed by the model's hash, the options and the xfmr
    version, so compiling the same model again is instant; ``cache=False``
    skips the cache. Raises ``CompileError`` naming the ONNX node at fault.
    """
    request = _options.make_request(
        dims=dims, input_shapes=input_shapes, target=target,
        precision=precision, cpu=cpu, opt_level=opt_level, fuse=fuse,
        fusion_report=fusion_report, quantize=quantize, verbose=verbose)
    with ModelFile(model) as source:
        cache_dir = _cache_dir() if cache and not fusion_report else None
        if cache_dir is None:
            tempdir = tempfile.TemporaryDirectory(prefix="xfmr-")
            output = os.path.join(tempdir.name, "model.so")
            _compile_file(source, request, output)
            return Model(output, _tempdir=tempdir)
        output = os.path.join(cache_dir, _cache_key(source, request) + ".so")
        if not os.path.exists(output):
            os.makedirs(cache_dir, exist_ok=True)
            # Written under another name, then renamed: another process
            # never loads half a file.
            fd, partial = tempfile.mkstemp(suffix=".so.partial",
                                           dir=cache_dir)
            os.close(fd)
            try:
                _compile_file(source, request, partial)
                os.replace(partial, output)
            finally:
                if os.path.exists(partial):
                    os.remove(partial)
        return Model(output)


def _cache_dir() -> Optional[str]:
    path = os.environ.get("XFMR_CACHE_DIR")
    if path:
        return path
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "xfmr", "models")


def _cache_key(source: ModelFile, request: _xfmr.CompileRequest) -> str:
    # The extension's identity stands for the compiler's: a rebuilt
    # compiler with the same version number compiles again.
    ext = os.stat(_xfmr.__file__)
    fields = {"model": source.digest, "suffix": source.suffix,
              "options": _options.cache_fields(request),
              "version": __version__,
              "compiler": [ext.st_size, ext.st_mtime_ns]}
    text = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _compile_file(source: ModelFile, request: _xfmr.CompileRequest,
                  output: str) -> None:
    errors = _xfmr.compile_model(source.path, request, output)
    if errors:
        raise_compile_error(source, errors)


def raise_compile_error(source: ModelFile, errors: List[Tuple[str, str]]):
    message = "\n".join(m for m, _ in errors)
    node = next((n for _, n in errors if n), None)
    op = node_op_type(source.path, node) if node else None
    raise CompileError(f"cannot compile {source.name}: {message}", node=node,
                       op=op, errors=errors)
