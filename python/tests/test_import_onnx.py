"""xfmr.import_onnx: the IR as text, the fused IR, the fusion report."""

import pytest

import xfmr
from conftest import model_path


def test_mlir_and_fused(add_relu):
    imported = xfmr.import_onnx(add_relu, dims={"batch": 2})
    assert "func.func @main" in imported.mlir
    assert "xfmr.add" in imported.mlir
    assert "tensor<2x4xf32>" in imported.mlir


def test_report_as_data():
    report = xfmr.import_onnx(model_path("llama.torchscript.onnx")).report()
    assert report.fused["attention"] == 2
    assert report.fused["mlp"] == 2
    assert report.fused["rms_norm"] == 5
    assert set(report.not_fused) == set(report.fused)
    fused = xfmr.import_onnx(model_path("llama.torchscript.onnx")).fused()
    assert fused.mlir.count("xfmr.attention") == 2


def test_import_error_is_a_compile_error():
    with pytest.raises(xfmr.CompileError):
        xfmr.import_onnx(b"garbage").mlir
