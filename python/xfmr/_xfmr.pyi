"""Type stubs of the extension module (python/src/Bindings.cpp)."""

from typing import List, Sequence, Tuple

import numpy as np

class CompileRequest:
    target: str
    precision: str
    cpu: str
    gpu_archs: List[str]
    opt_level: int
    fuse: bool
    fusion_report: bool
    emit: str
    dims: List[Tuple[str, int]]
    input_shapes: List[Tuple[str, List[int]]]
    verbose: bool
    def __init__(self) -> None: ...

def compile_model(model_path: str, request: CompileRequest,
                  output_path: str) -> List[Tuple[str, str]]: ...

def fusion_report(
    model_path: str, request: CompileRequest
) -> Tuple[List[Tuple[str, str]], List[Tuple[str, int, int]],
           List[Tuple[str, str, str]]]: ...

class LoadedModel:
    def __init__(self, path: str) -> None: ...
    @property
    def inputs(self) -> List[Tuple[str, str, List[int], List[str]]]: ...
    @property
    def outputs(self) -> List[Tuple[str, str, List[int], List[str]]]: ...
    def run(self, names: Sequence[str],
            arrays: Sequence[np.ndarray]) -> List[np.ndarray]: ...
