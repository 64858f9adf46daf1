"""The exceptions xfmr raises: every failure is one of these, never a crash."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple


class Error(Exception):
    """Base class of xfmr's exceptions."""


class CompileError(Error):
    """The model could not be imported or compiled.

    ``node`` and ``op`` name the ONNX node of the first error (None when the
    error is about the whole model); ``errors`` holds every
    ``(message, node)`` the compiler reported.
    """

    def __init__(self, message: str, node: Optional[str] = None,
                 op: Optional[str] = None,
                 errors: Sequence[Tuple[str, str]] = ()):
        super().__init__(message)
        self.node = node
        self.op = op
        self.errors = list(errors)


class InputError(Error, ValueError):
    """An input does not fit the model: a missing or unknown name, or a dtype
    or shape other than the model's (the message gives both)."""


class RunError(Error):
    """The model failed while running (e.g. an index out of range), or a
    compiled model could not be loaded."""
