"""``xfmr.import_onnx``: the model as xfmr IR, fused IR and the fusion
report as data."""

from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence

from . import _options, _xfmr
from ._model import raise_compile_error
from ._source import ModelFile, ModelSource


class FusionMiss(NamedTuple):
    """A candidate block that was not fused: its kind ("attention", ...),
    the ONNX node where the check failed and why."""

    kind: str
    node: str
    reason: str


class FusionReport(NamedTuple):
    """What fusion did: per kind of block, how many were fused and how many
    candidates were not; and why each of those was not."""

    fused: Dict[str, int]
    not_fused: Dict[str, int]
    missed: List[FusionMiss]


class ImportedModel:
    """A model imported into the xfmr dialect. ``mlir`` is its IR as text
    (shapes refined, shape arithmetic folded)."""

    def __init__(self, model: ModelSource, stage: str,
                 options: Dict[str, Any]):
        self._model = model
        self._stage = stage
        self._options = options
        self._text: Optional[str] = None

    @property
    def mlir(self) -> str:
        if self._text is None:
            self._text = self._emit()
        return self._text

    def fused(self) -> "ImportedModel":
        """The same model after the fusion passes."""
        return ImportedModel(self._model, "fused", self._options)

    def report(self) -> FusionReport:
        """The fusion report (what ``fusion_report=True`` prints) as data."""
        request = _options.make_request(verbose=False, **self._options)
        with ModelFile(self._model) as source:
            errors, counts, missed = _xfmr.fusion_report(source.path, request)
            if errors:
                raise_compile_error(source, errors)
        return FusionReport({k: f for k, f, _ in counts},
                            {k: m for k, _, m in counts},
                            [FusionMiss(*m) for m in missed])

    def _emit(self) -> str:
        request = _options.make_request(emit=self._stage, verbose=False,
                                        fuse=self._stage == "fused",
                                        **self._options)
        with ModelFile(self._model) as source, \
                tempfile.TemporaryDirectory(prefix="xfmr-") as tmp:
            output = os.path.join(tmp, "model.mlir")
            errors = _xfmr.compile_model(source.path, request, output)
            if errors:
                raise_compile_error(source, errors)
            with open(output, encoding="utf-8") as f:
                return f.read()

    def __str__(self) -> str:
        return self.mlir


def import_onnx(model: ModelSource, *,
                dims: Optional[Mapping[str, int]] = None,
                input_shapes: Optional[Mapping[str, Sequence[int]]] = None
                ) -> ImportedModel:
    """Imports an ONNX model (path, bytes or ``onnx.ModelProto``) into the
    xfmr dialect. The work is done when ``.mlir`` or ``.report()`` is read;
    errors raise ``CompileError`` naming the ONNX node."""
    return ImportedModel(model, "xfmr",
                         {"dims": dims, "input_shapes": input_shapes})
