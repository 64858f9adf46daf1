"""The one place where Python arguments become the compiler's options."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence

from . import _xfmr


def make_request(*, dims: Optional[Mapping[str, int]] = None,
                 input_shapes: Optional[Mapping[str, Sequence[int]]] = None,
                 target: str = "cpu", precision: str = "f32",
                 cpu: str = "native", opt_level: int = 3, fuse: bool = True,
                 fusion_report: bool = False, emit: str = "so",
                 quantize: Optional[str] = None,
                 verbose: bool = True) -> _xfmr.CompileRequest:
    """A compile request from ``xfmr.compile``'s keyword arguments. The
    target is passed through as it is: the compiler says which exist."""
    request = _xfmr.CompileRequest()
    request.target = _string("target", target)
    request.precision = _string("precision", precision)
    request.cpu = _string("cpu", cpu)
    if not isinstance(opt_level, int) or not 0 <= opt_level <= 3:
        raise ValueError(f"opt_level must be 0 to 3, not {opt_level!r}")
    request.opt_level = opt_level
    request.fuse = bool(fuse)
    request.fusion_report = bool(fusion_report)
    request.quantize = _string("quantize", quantize or "")
    request.emit = emit
    request.verbose = bool(verbose)
    request.dims = [(_string("dim name", name), _size(name, value))
                    for name, value in (dims or {}).items()]
    request.input_shapes = [
        (_string("input name", name),
         [-1 if d is None or d == -1 else _size(name, d) for d in shape])
        for name, shape in (input_shapes or {}).items()]
    return request


def cache_fields(request: _xfmr.CompileRequest) -> Dict[str, Any]:
    """Everything in a request that changes the compiled code."""
    return {
        "target": request.target, "precision": request.precision,
        "cpu": request.cpu, "opt_level": request.opt_level,
        "fuse": request.fuse, "emit": request.emit,
        "quantize": request.quantize,
        "dims": sorted(request.dims),
        "input_shapes": sorted((n, list(s)) for n, s in request.input_shapes),
    }


def _string(what: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {value!r}")
    return value


def _size(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"the size given for {name!r} must be an int >= 0, "
                         f"not {value!r}")
    return value
