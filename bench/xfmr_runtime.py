"""Runs a model compiled by xfmr-compile in this process, through ctypes.

A thin binding of the runtime's C API (include/xfmr/Runtime/xfmr_runtime.h,
libxfmr_runtime.so): load a compiled model, run it on numpy arrays, get numpy
arrays back. The benchmarks time `Model.run` from Python
(bench/engine_worker.py), as they time every peer's Python call, so all pay
the same kind of call overhead.
"""

import ctypes

import numpy as np

# enum xfmr_dtype, in the header's order.
_DTYPES = {1: np.float32, 2: np.float64, 3: np.float16, 4: np.uint16,
           5: np.int8, 6: np.int16, 7: np.int32, 8: np.int64, 9: np.bool_}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items() if k != 4}


class _Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int), ("rank", ctypes.c_int64),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("data", ctypes.c_void_p)]


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int64),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("dim_names", ctypes.POINTER(ctypes.c_char_p))]


def _bind(library):
    lib = ctypes.CDLL(library)
    lib.xfmr_model_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.xfmr_model_load.restype = ctypes.c_void_p
    lib.xfmr_model_free.argtypes = [ctypes.c_void_p]
    for f in (lib.xfmr_model_num_inputs, lib.xfmr_model_num_outputs):
        f.argtypes = [ctypes.c_void_p]
        f.restype = ctypes.c_size_t
    for f in (lib.xfmr_model_input, lib.xfmr_model_output):
        f.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        f.restype = ctypes.POINTER(_TensorInfo)
    lib.xfmr_model_run.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
        ctypes.POINTER(_Tensor), ctypes.POINTER(_Tensor),
        ctypes.POINTER(ctypes.c_void_p)]
    lib.xfmr_model_run.restype = ctypes.c_int
    lib.xfmr_tensor_release.argtypes = [ctypes.POINTER(_Tensor)]
    lib.xfmr_error_free.argtypes = [ctypes.c_void_p]
    return lib


class XfmrError(RuntimeError):
    pass


class Runtime:
    """libxfmr_runtime.so, loaded once."""

    def __init__(self, library):
        self.lib = _bind(library)

    def error(self, pointer):
        text = ctypes.string_at(pointer.value).decode()
        self.lib.xfmr_error_free(pointer)
        return XfmrError(text)

    def load(self, path):
        return Model(self, path)


class Model:
    """A compiled model. `bind(inputs)` prepares the inputs once (in the
    model's order); `run()` runs on them, `outputs()` runs and returns the
    outputs as numpy arrays."""

    def __init__(self, runtime, path):
        self.rt = runtime
        lib = runtime.lib
        error = ctypes.c_void_p()
        self.handle = lib.xfmr_model_load(path.encode(), ctypes.byref(error))
        if not self.handle:
            raise runtime.error(error)
        self.input_names = [lib.xfmr_model_input(self.handle, i).contents.name.decode()
                            for i in range(lib.xfmr_model_num_inputs(self.handle))]
        self.output_names = [lib.xfmr_model_output(self.handle, i).contents.name.decode()
                             for i in range(lib.xfmr_model_num_outputs(self.handle))]
        self._outputs = (_Tensor * len(self.output_names))()
        self._inputs = None

    def bind(self, feed):
        """Keeps `feed` ({name: array}) as the inputs of the next runs."""
        arrays = [np.ascontiguousarray(feed[n]) for n in self.input_names]
        tensors = (_Tensor * len(arrays))()
        shapes = []
        for t, a in zip(tensors, arrays):
            shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
            shapes.append(shape)
            t.dtype = _CODES[a.dtype]
            t.rank = a.ndim
            t.shape = shape
            t.data = a.ctypes.data
        # The arrays and shapes must outlive the tensors that point at them.
        self._inputs = (tensors, arrays, shapes)

    def _run(self):
        tensors = self._inputs[0]
        error = ctypes.c_void_p()
        if self.rt.lib.xfmr_model_run(self.handle, len(tensors), None, tensors,
                                      self._outputs, ctypes.byref(error)):
            raise self.rt.error(error)

    def _release(self):
        for t in self._outputs:
            self.rt.lib.xfmr_tensor_release(ctypes.byref(t))

    def run(self):
        """One run on the bound inputs; the outputs are freed at once."""
        self._run()
        self._release()

    def outputs(self):
        """One run on the bound inputs: {name: array}, copied out."""
        self._run()
        out = {}
        for name, t in zip(self.output_names, self._outputs):
            shape = tuple(t.shape[i] for i in range(t.rank))
            dtype = np.dtype(_DTYPES[t.dtype])
            count = int(np.prod(shape, dtype=np.int64))
            buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(t.data) \
                if count else b""
            out[name] = np.frombuffer(bytes(buffer), dtype=dtype).reshape(shape)
        self._release()
        return out

    def close(self):
        if self.handle:
            self.rt.lib.xfmr_model_free(self.handle)
            self.handle = None
