"""xfmr: compile ONNX transformer models to native code, run them with numpy.

    import xfmr
    model = xfmr.compile("model.onnx", dims={"batch": 1})
    outputs = model.run({"input_ids": ids})          # dict name -> ndarray

``xfmr.InferenceSession`` is a drop-in for ONNX Runtime's session;
``xfmr.import_onnx`` shows the IR and the fusion report. See python/README.md.
"""

from ._errors import CompileError, Error, InputError, RunError
from ._generate import generate
from ._ir import FusionMiss, FusionReport, ImportedModel, import_onnx
from ._model import Model, TensorInfo, compile, load
from ._session import InferenceSession, NodeArg
from ._version import __version__

__all__ = [
    "CompileError",
    "Error",
    "FusionMiss",
    "FusionReport",
    "ImportedModel",
    "InferenceSession",
    "InputError",
    "Model",
    "NodeArg",
    "RunError",
    "TensorInfo",
    "__version__",
    "compile",
    "generate",
    "import_onnx",
    "load",
]
