"""Writes the files that the xfmr-run tests feed to the hand-made models of
test/Runtime/Inputs.

    make_arrays.py add DIR        inputs, expected outputs and a test data set
                                  of add_model.c
    make_arrays.py echo DIR       inputs of echo_model.c, of every dtype
    make_arrays.py malformed DIR  broken .npy and .pb files
    make_arrays.py shapes DIR     test data sets of checked-shape-ops.onnxtext:
                                  DIR/good, and one set per bad input
    make_arrays.py operands DIR   test data sets of run-time-operands.onnxtext:
                                  DIR/good, and one set per bad input
    make_arrays.py sizes DIR      test data sets of run-time-sizes.onnxtext:
                                  DIR/good, and one set per bad input
    make_arrays.py cache DIR      test data sets of external-cache.onnxtext:
                                  DIR/good, and one set per bad input
    make_arrays.py show DIR       prints each .npy in DIR: dtype, shape, values
"""

import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def save(directory, name, array):
    os.makedirs(directory, exist_ok=True)
    np.save(os.path.join(directory, name), array.copy(order="C"),
            allow_pickle=False)


def save_proto(directory, name, proto):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(proto.SerializeToString())


def add(out):
    x = (np.arange(6, dtype=np.float32) / 4).reshape(2, 3)
    x[1, 2] = np.nan
    y = np.full((2, 3), 0.5, np.float32)
    total = x + y
    n = np.array(3, np.int64)
    save(out, "x.npy", x)
    save(out, "y.npy", y)
    save(out, "x_f64.npy", x.astype(np.float64))
    save(out, "x_rank1.npy", x.reshape(6))
    save(out, "x_3x3.npy", np.zeros((3, 3), np.float32))
    save(out, "y_2x4.npy", np.zeros((2, 4), np.float32))

    expected = os.path.join(out, "expected")
    save(expected, "sum.npy", total)
    save(expected, "sum_t.npy", total.T)
    save(expected, "n.npy", n)

    # One element off by 1e-3: outside the default tolerances, inside
    # --atol 1e-2.
    close = os.path.join(out, "close")
    off = total.copy()
    off[0, 1] += 1e-3
    save(close, "sum.npy", off)
    save(close, "sum_t.npy", total.T)
    save(close, "n.npy", np.array(4, np.int64))

    shape = os.path.join(out, "wrong_shape")
    save(shape, "sum.npy", np.zeros((2, 4), np.float32))
    save(shape, "sum_t.npy", total.T.astype(np.float64))
    save(shape, "n.npy", n)

    # A test data set: named and unnamed tensors, raw_data and typed fields.
    data = os.path.join(out, "test_data_set_0")
    save_proto(data, "input_0.pb", numpy_helper.from_array(x, "x"))
    save_proto(data, "input_1.pb", helper.make_tensor(
        "", TensorProto.FLOAT, [2, 3], y.flatten().tolist()))
    save_proto(data, "output_0.pb", numpy_helper.from_array(total, "sum"))
    save_proto(data, "output_1.pb", numpy_helper.from_array(total.T, ""))
    save_proto(data, "output_2.pb", helper.make_tensor(
        "n", TensorProto.INT64, [], [3]))

    bad = os.path.join(out, "test_data_bad")
    save_proto(bad, "input_0.pb", numpy_helper.from_array(x, "x"))
    save_proto(bad, "input_1.pb", numpy_helper.from_array(y, "y"))
    save_proto(bad, "output_0.pb", numpy_helper.from_array(total + 1, "sum"))

    unknown = os.path.join(out, "test_data_unknown")
    save_proto(unknown, "input_0.pb", numpy_helper.from_array(x, "q"))


def echo(out):
    ids = np.array([[1, 2, 3], [4, 5, 6]], np.int64)
    save(out, "ids.npy", ids)
    save(out, "mask_2x4.npy", np.ones((2, 4), np.int64))
    h = np.array([[1.0, -2.0, 0.5, 3.0]] * 3, np.float32)
    # bf16 has no numpy dtype: its bits, the high half of an f32's.
    save(out, "h_bits.npy", (h.view(np.uint32) >> 16).astype(np.uint16))
    save(out, "scale.npy", np.array([0.25, -1.5], np.float16))
    save(out, "flag.npy", np.array(True))
    save(out, "flag_u1.npy", np.array(7, np.uint8))
    save_proto(out, "h.pb", helper.make_tensor(
        "h", TensorProto.BFLOAT16, [3, 4], h.flatten().tolist()))
    save_proto(out, "scale.pb", helper.make_tensor(
        "scale", TensorProto.FLOAT16, [2], [0.25, -1.5]))


def malformed(out):
    os.makedirs(out, exist_ok=True)
    good = os.path.join(out, "good.npy")
    np.save(good, np.zeros((2, 3), np.float32))
    with open(good, "rb") as f:
        data = f.read()

    def write(name, payload):
        with open(os.path.join(out, name), "wb") as f:
            f.write(payload)

    write("truncated.npy", data[:-5])
    write("trailing.npy", data + b"\0\0\0\0")
    write("short.npy", data[:8])
    write("not_npy.npy", b"just some text, not an array\n")
    write("header_cut.npy", data[:40])
    write("bad_header.npy", data.replace(b"'shape'", b"'shap3'"))
    write("bad_version.npy", data[:6] + b"\x07\x00" + data[8:])
    np.save(os.path.join(out, "fortran.npy"),
            np.asfortranarray(np.zeros((2, 3), np.float32)))
    np.save(os.path.join(out, "big_endian.npy"), np.zeros((2, 3), ">f4"))
    np.save(os.path.join(out, "complex.npy"), np.zeros((2, 3), np.complex64))
    np.save(os.path.join(out, "uint16.npy"), np.zeros((2, 3), np.uint16))
    np.save(os.path.join(out, "structured.npy"),
            np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
    write("garbage.pb", b"\xff\xff\xff\xff garbage")
    save_proto(out, "strings.pb", helper.make_tensor(
        "x", TensorProto.STRING, [1], [b"a"]))
    short = helper.make_tensor("x", TensorProto.FLOAT, [2, 3], [1.0] * 6)
    del short.float_data[5]
    save_proto(out, "short_typed.pb", short)
    raw = numpy_helper.from_array(np.zeros((2, 3), np.float32), "x")
    raw.raw_data = raw.raw_data[:-4]
    save_proto(out, "short_raw.pb", raw)


def shapes(out):
    i64 = lambda *v: np.array(v, np.int64)
    f32 = lambda v: np.array(v, np.float32)
    good = {
        "start": i64(2), "limit": i64(11), "delta": i64(3),
        "data": f32(range(6)), "shape": i64(3, -1),
        "column": f32([1, 2, 3]), "target": i64(2, 3),
        "u": f32([1, 2, 3, 4]), "v": f32([10]),
        "seq": f32(range(5)), "step": i64(2),
        "halves": f32(range(10)).reshape(2, 5),
    }
    bad = {
        "delta0": {"delta": i64(0)},
        "limit_huge": {"limit": i64(1 << 40)},
        "range_overflow": {"start": i64(-(1 << 63)),
                           "limit": i64((1 << 63) - 1)},
        "shape_bad": {"shape": i64(4, -1)},
        "shape_negative": {"shape": i64(-2, 3)},
        "shape_two_inferred": {"shape": i64(-1, -1)},
        "shape_wraps": {"shape": i64(1 << 62, 1 << 62)},
        "target_bad": {"target": i64(2, 4)},
        "v_bad": {"v": f32([1, 2, 3])},
        "step0": {"step": i64(0)},
        "halves_bad": {"halves": f32(range(8)).reshape(2, 4)},
    }
    write_sets(out, good, bad)


def sizes(out):
    i64 = lambda *v: np.array(v, np.int64)
    good = {
        "x": np.arange(12, dtype=np.float32).reshape(3, 4), "crop": i64(1, 6),
        "p": np.array([[[[5, 7]]]], np.float32),
        "pi": np.array([[[[1, 3]]]], np.int64), "unpooled": i64(1, 1, 3, 4),
        "theta": np.array([[[1, 0, 0], [0, 1, 0]]], np.float32),
        "grid": i64(1, 1, 2, 3),
        "cols": np.arange(16, dtype=np.float32).reshape(1, 4, 4),
        "image": i64(3, 3), "block": i64(2, 2),
    }
    bad = {
        "crop_negative": {"crop": i64(1, -1)},
        "unpool_small": {"unpooled": i64(1, 1, 1, 3)},
        "grid_empty": {"grid": i64(1, 1, 0, 3)},
        "grid_batch": {"grid": i64(2, 1, 2, 3)},
        "block_zero": {"block": i64(0, 2)},
        "block_large": {"block": i64(4, 4)},
        "image_other": {"image": i64(3, 4)},
    }
    write_sets(out, good, bad)


def cache(out):
    rng = np.random.default_rng(0)
    good = {
        "q": rng.standard_normal((2, 2, 3, 8)).astype(np.float32),
        "k": rng.standard_normal((2, 2, 6, 8)).astype(np.float32),
        "lens": np.array([6, 4], np.int64),
        "token": np.ones((2, 2, 1, 8), np.float32),
        "at": np.array([5, 0], np.int64),
    }
    bad = {
        "lens_long": {"lens": np.array([7, 4], np.int64)},
        "lens_negative": {"lens": np.array([6, -1], np.int64)},
        "at_past_end": {"at": np.array([6, 0], np.int64)},
    }
    write_sets(out, good, bad)


def write_sets(out, good, bad):
    """DIR/good holds the inputs `good`; each DIR/<case> of `bad` the same
    with the case's changes."""
    for case, changes in [("good", {})] + list(bad.items()):
        for i, (name, array) in enumerate({**good, **changes}.items()):
            save_proto(os.path.join(out, case), f"input_{i}.pb",
                       numpy_helper.from_array(array, name))


def operands(out):
    i64 = lambda *v: np.array(v, np.int64)
    good = {
        "x": np.arange(6, dtype=np.float32).reshape(2, 3),
        "pads": i64(1, -1), "axis": np.array(-1, np.int64), "k": i64(2),
        "axes": i64(0), "sq": i64(0),
    }
    bad = {
        "axis_high": {"axis": np.array(2, np.int64)},
        "axis_low": {"axis": np.array(-3, np.int64)},
        "pad_beyond": {"pads": i64(-2, -2)},
        "k_high": {"k": i64(4)},
        "k_negative": {"k": i64(-1)},
        "axes_high": {"axes": i64(3)},
        "squeeze_not_one": {"sq": i64(1)},
    }
    write_sets(out, good, bad)


def attention_dims(out):
    """Query [2, 2, 3, 4], keys and values [2, 2, 5, 4], and keys and values
    with one dim they share with another input off."""
    shapes = {
        "q": (2, 2, 3, 4), "k": (2, 2, 5, 4), "v": (2, 2, 5, 4),
        "k_b1": (1, 2, 5, 4), "k_b0": (0, 2, 5, 4), "k_d2": (2, 2, 5, 2),
        "v_b1": (1, 2, 5, 4), "v_h1": (2, 1, 5, 4), "v_t3": (2, 2, 3, 4),
    }
    for name, shape in shapes.items():
        save(out, name + ".npy", np.ones(shape, np.float32))


def show(directory):
    for name in sorted(os.listdir(directory)):
        array = np.load(os.path.join(directory, name))
        values = " ".join(str(v) for v in array.flatten().tolist())
        print(f"{name}: {array.dtype.str} {list(array.shape)} {values}")


if __name__ == "__main__":
    {"add": add, "echo": echo, "malformed": malformed, "shapes": shapes,
     "operands": operands, "sizes": sizes, "cache": cache, "attention-dims": attention_dims,
     "show": show}[
        sys.argv[1]](sys.argv[2])
