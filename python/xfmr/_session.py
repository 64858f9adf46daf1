"""``xfmr.InferenceSession``: the part of ONNX Runtime's session API that
users call, so that switching is a one-line change."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from ._errors import InputError
from ._model import Model, TensorInfo, compile
from ._source import ModelSource

# ONNX Runtime's type strings, by xfmr dtype.
_ORT_TYPES = {
    "f32": "tensor(float)", "f64": "tensor(double)",
    "f16": "tensor(float16)", "bf16": "tensor(bfloat16)",
    "i8": "tensor(int8)", "i16": "tensor(int16)", "i32": "tensor(int32)",
    "i64": "tensor(int64)", "bool": "tensor(bool)", "u8": "tensor(uint8)",
    "u16": "tensor(uint16)", "u32": "tensor(uint32)", "u64": "tensor(uint64)",
}


class NodeArg:
    """An input or output as ONNX Runtime describes it: ``shape`` holds ints
    for static dims and the dim's name (or None) for dynamic ones."""

    def __init__(self, info: TensorInfo):
        self.name = info.name
        self.type = _ORT_TYPES[info.xfmr_dtype]
        self.shape: List[Union[int, str, None]] = [
            d if d != -1 else (n or None)
            for d, n in zip(info.shape, info.dim_names or
                            ("",) * len(info.shape))]

    def __repr__(self) -> str:
        return (f"NodeArg(name={self.name!r}, type={self.type!r}, "
                f"shape={self.shape!r})")


class InferenceSession:
    """Compiles ``model`` (a path, bytes or ``onnx.ModelProto``) and runs it
    the way ``onnxruntime.InferenceSession`` does. ``providers`` and
    ``sess_options`` are accepted and ignored (xfmr runs the CPU code it
    compiled); keyword arguments go to ``xfmr.compile`` (``dims``,
    ``precision``, ...)."""

    def __init__(self, model: ModelSource, sess_options: Any = None,
                 providers: Optional[Sequence[Any]] = None,
                 provider_options: Any = None, **compile_options: Any):
        self._model: Model = compile(model, **compile_options)
        self._inputs = [NodeArg(i) for i in self._model.inputs]
        self._outputs = [NodeArg(o) for o in self._model.outputs]
        self._output_index = {o.name: i for i, o in enumerate(self._outputs)}

    @property
    def model(self) -> Model:
        """The compiled ``xfmr.Model`` underneath."""
        return self._model

    def get_inputs(self) -> List[NodeArg]:
        return list(self._inputs)

    def get_outputs(self) -> List[NodeArg]:
        return list(self._outputs)

    def get_providers(self) -> List[str]:
        return ["XfmrCPUExecutionProvider"]

    def run(self, output_names: Optional[Sequence[str]],
            input_feed: Mapping[str, Any],
            run_options: Any = None) -> List[np.ndarray]:
        """The outputs named by ``output_names`` (all of them for None or
        an empty list), in that order."""
        outputs = self._model._run_list(input_feed)
        if not output_names:
            return outputs
        selected = []
        for name in output_names:
            if name not in self._output_index:
                raise InputError(
                    f"the model has no output '{name}'; its outputs are "
                    + ", ".join(f"'{o.name}'" for o in self._outputs))
            selected.append(outputs[self._output_index[name]])
        return selected

    def __repr__(self) -> str:
        return f"xfmr.InferenceSession({self._model!r})"
