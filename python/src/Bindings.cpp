//===- Bindings.cpp - The _xfmr extension module --------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The low-level layer under the `xfmr` package: the compiler (through
// CompilerBridge.h) and the runtime's C API. Everything users see (options,
// caching, exceptions, InferenceSession) is Python, in python/xfmr.
//
//===----------------------------------------------------------------------===//

#include "CompilerBridge.h"

#include "xfmr/Runtime/xfmr_runtime.h"
#include "xfmr/TensorIO/Tensor.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <stdexcept>

namespace nb = nanobind;
using namespace xfmr::python;

namespace {

using Array = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;

/// bf16 has no numpy dtype: it travels as its bits, in uint16 arrays (as in
/// xfmr-run's .npy files).
xfmr_dtype dtypeOfArray(nb::dlpack::dtype dtype) {
  using Code = nb::dlpack::dtype_code;
  auto code = static_cast<Code>(dtype.code);
  if (dtype.lanes != 1)
    return XFMR_DTYPE_INVALID;
  switch (code) {
  case Code::Float:
    return dtype.bits == 32   ? XFMR_DTYPE_F32
           : dtype.bits == 64 ? XFMR_DTYPE_F64
           : dtype.bits == 16 ? XFMR_DTYPE_F16
                              : XFMR_DTYPE_INVALID;
  case Code::Int:
    return dtype.bits == 8    ? XFMR_DTYPE_I8
           : dtype.bits == 16 ? XFMR_DTYPE_I16
           : dtype.bits == 32 ? XFMR_DTYPE_I32
           : dtype.bits == 64 ? XFMR_DTYPE_I64
                              : XFMR_DTYPE_INVALID;
  case Code::UInt:
    return dtype.bits == 8    ? XFMR_DTYPE_U8
           : dtype.bits == 16 ? XFMR_DTYPE_U16
           : dtype.bits == 32 ? XFMR_DTYPE_U32
           : dtype.bits == 64 ? XFMR_DTYPE_U64
                              : XFMR_DTYPE_INVALID;
  case Code::Bool:
    return XFMR_DTYPE_BOOL;
  default:
    return XFMR_DTYPE_INVALID;
  }
}

nb::dlpack::dtype arrayDtypeOf(xfmr_dtype dtype) {
  using Code = nb::dlpack::dtype_code;
  auto make = [](Code code, unsigned bits) {
    nb::dlpack::dtype result;
    result.code = static_cast<uint8_t>(code);
    result.bits = static_cast<uint8_t>(bits);
    result.lanes = 1;
    return result;
  };
  switch (dtype) {
  case XFMR_DTYPE_F32:
    return make(Code::Float, 32);
  case XFMR_DTYPE_F64:
    return make(Code::Float, 64);
  case XFMR_DTYPE_F16:
    return make(Code::Float, 16);
  case XFMR_DTYPE_BF16:
    return make(Code::UInt, 16);
  case XFMR_DTYPE_I8:
    return make(Code::Int, 8);
  case XFMR_DTYPE_I16:
    return make(Code::Int, 16);
  case XFMR_DTYPE_I32:
    return make(Code::Int, 32);
  case XFMR_DTYPE_I64:
    return make(Code::Int, 64);
  case XFMR_DTYPE_BOOL:
    return make(Code::Bool, 8);
  case XFMR_DTYPE_U8:
    return make(Code::UInt, 8);
  case XFMR_DTYPE_U16:
    return make(Code::UInt, 16);
  case XFMR_DTYPE_U32:
    return make(Code::UInt, 32);
  case XFMR_DTYPE_U64:
    return make(Code::UInt, 64);
  case XFMR_DTYPE_INVALID:
    break;
  }
  throw std::runtime_error("a model output has no dtype");
}

/// Releases a C API message when it goes out of scope.
struct ErrorMessage {
  char *text = nullptr;
  ~ErrorMessage() { xfmr_error_free(text); }
  std::string str() const { return text ? text : "unknown error"; }
};

/// (name, dtype name, shape with -1 for dynamic dims, dim names).
using InfoTuple = std::tuple<std::string, std::string, std::vector<int64_t>,
                             std::vector<std::string>>;

InfoTuple describe(const xfmr_tensor_info &info) {
  std::vector<int64_t> shape(info.shape, info.shape + info.rank);
  std::vector<std::string> dimNames(info.dim_names, info.dim_names + info.rank);
  return {info.name, xfmr_dtype_name(info.dtype), shape, dimNames};
}

/// A compiled model loaded through the runtime.
class LoadedModel {
public:
  explicit LoadedModel(const std::string &path) {
    ErrorMessage error;
    model = xfmr_model_load(path.c_str(), &error.text);
    if (!model)
      throw std::runtime_error(error.str());
  }
  LoadedModel(const LoadedModel &) = delete;
  LoadedModel &operator=(const LoadedModel &) = delete;
  ~LoadedModel() { xfmr_model_free(model); }

  std::vector<InfoTuple> inputs() const {
    std::vector<InfoTuple> result;
    for (size_t i = 0, e = xfmr_model_num_inputs(model); i < e; ++i)
      result.push_back(describe(*xfmr_model_input(model, i)));
    return result;
  }
  std::vector<InfoTuple> outputs() const {
    std::vector<InfoTuple> result;
    for (size_t i = 0, e = xfmr_model_num_outputs(model); i < e; ++i)
      result.push_back(describe(*xfmr_model_output(model, i)));
    return result;
  }

  /// The dtype the model declares for input `name`, or INVALID.
  xfmr_dtype inputDtype(const std::string &name) const {
    for (size_t i = 0, e = xfmr_model_num_inputs(model); i < e; ++i) {
      const xfmr_tensor_info *info = xfmr_model_input(model, i);
      if (info && name == info->name)
        return info->dtype;
    }
    return XFMR_DTYPE_INVALID;
  }

  /// Runs on `arrays`, named by `names`, without copying them; the outputs
  /// become numpy arrays over the runtime's buffers. An input that does not
  /// fit raises ValueError, a failed run RuntimeError.
  std::vector<nb::object> run(const std::vector<std::string> &names,
                              const std::vector<Array> &arrays) const {
    if (names.size() != arrays.size())
      throw std::invalid_argument("one name per input array");
    std::vector<std::vector<int64_t>> shapes(arrays.size());
    std::vector<xfmr_tensor> inputs(arrays.size());
    std::vector<const char *> namePointers(names.size());
    for (size_t i = 0; i < arrays.size(); ++i) {
      const Array &array = arrays[i];
      xfmr_dtype dtype = dtypeOfArray(array.dtype());
      // bf16 tensors travel as their bits in uint16 arrays.
      if (dtype == XFMR_DTYPE_U16 && inputDtype(names[i]) == XFMR_DTYPE_BF16)
        dtype = XFMR_DTYPE_BF16;
      if (dtype == XFMR_DTYPE_INVALID)
        throw std::invalid_argument("input '" + names[i] +
                                    "' has a dtype xfmr does not take");
      shapes[i].assign(array.shape_ptr(), array.shape_ptr() + array.ndim());
      inputs[i] = {dtype, static_cast<int64_t>(array.ndim()), shapes[i].data(),
                   const_cast<void *>(array.data())};
      namePointers[i] = names[i].c_str();
    }

    ErrorMessage error;
    if (xfmr_model_check_inputs(model, inputs.size(), namePointers.data(),
                                inputs.data(), &error.text))
      throw std::invalid_argument(error.str());

    xfmr::io::RunOutputs outputs(xfmr_model_num_outputs(model));
    int status;
    {
      nb::gil_scoped_release release;
      status = xfmr_model_run(model, inputs.size(), namePointers.data(),
                              inputs.data(), outputs.data(), &error.text);
    }
    if (status)
      throw std::runtime_error(error.str());

    std::vector<nb::object> results;
    for (size_t i = 0, e = xfmr_model_num_outputs(model); i < e; ++i)
      results.push_back(toNumpy(outputs.take(i)));
    return results;
  }

private:
  /// A numpy array that owns `tensor`'s buffers.
  static nb::object toNumpy(xfmr_tensor tensor) {
    auto owned = std::make_unique<xfmr_tensor>(tensor);
    std::vector<size_t> shape(tensor.shape, tensor.shape + tensor.rank);
    nb::capsule owner(owned.get(), [](void *pointer) noexcept {
      auto *released = static_cast<xfmr_tensor *>(pointer);
      xfmr_tensor_release(released);
      delete released;
    });
    owned.release();
    nb::ndarray<nb::numpy> array(tensor.data, shape.size(), shape.data(), owner,
                                 nullptr, arrayDtypeOf(tensor.dtype));
    return nb::cast(array, nb::rv_policy::reference);
  }

  xfmr_model *model = nullptr;
};

using DiagnosticTuple = std::pair<std::string, std::string>;

std::vector<DiagnosticTuple>
toTuples(const std::vector<CompileDiagnostic> &diagnostics) {
  std::vector<DiagnosticTuple> result;
  for (const CompileDiagnostic &diagnostic : diagnostics)
    result.emplace_back(diagnostic.message, diagnostic.node);
  return result;
}

} // namespace

NB_MODULE(_xfmr, m) {
  m.doc() = "xfmr's compiler and runtime; use the `xfmr` package instead";
  registerEverything();

  nb::class_<CompileRequest>(m, "CompileRequest")
      .def(nb::init<>())
      .def_rw("target", &CompileRequest::target)
      .def_rw("precision", &CompileRequest::precision)
      .def_rw("cpu", &CompileRequest::cpu)
      .def_rw("gpu_archs", &CompileRequest::gpuArchs)
      .def_rw("opt_level", &CompileRequest::optLevel)
      .def_rw("fuse", &CompileRequest::fuse)
      .def_rw("fusion_report", &CompileRequest::fusionReport)
      .def_rw("quantize", &CompileRequest::quantize)
      .def_rw("emit", &CompileRequest::emit)
      .def_rw("dims", &CompileRequest::dims)
      .def_rw("input_shapes", &CompileRequest::inputShapes)
      .def_rw("verbose", &CompileRequest::verbose);

  m.def(
      "compile_model",
      [](const std::string &modelPath, const CompileRequest &request,
         const std::string &outputPath) {
        std::vector<CompileDiagnostic> errors;
        {
          nb::gil_scoped_release release;
          errors = compileModelFile(modelPath, request, outputPath);
        }
        return toTuples(errors);
      },
      nb::arg("model_path"), nb::arg("request"), nb::arg("output_path"),
      "Compiles a model file; returns the errors as (message, node) pairs.");

  m.def(
      "fusion_report",
      [](const std::string &modelPath, const CompileRequest &request) {
        FusionReportData report;
        std::vector<CompileDiagnostic> errors;
        {
          nb::gil_scoped_release release;
          errors = collectFusionReport(modelPath, request, report);
        }
        std::vector<std::tuple<std::string, unsigned, unsigned>> counts;
        for (const FusionCount &count : report.counts)
          counts.emplace_back(count.kind, count.fused, count.missed);
        std::vector<std::tuple<std::string, std::string, std::string>> missed;
        for (const FusionMissRecord &miss : report.missed)
          missed.emplace_back(miss.kind, miss.node, miss.reason);
        return std::make_tuple(toTuples(errors), counts, missed);
      },
      nb::arg("model_path"), nb::arg("request"),
      "Imports and fuses a model; returns (errors, counts, missed).");

  nb::class_<LoadedModel>(m, "LoadedModel")
      .def(nb::init<const std::string &>(), nb::arg("path"))
      .def_prop_ro("inputs", &LoadedModel::inputs)
      .def_prop_ro("outputs", &LoadedModel::outputs)
      .def("run", &LoadedModel::run, nb::arg("names"), nb::arg("arrays"));
}
