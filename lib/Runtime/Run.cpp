//===- Run.cpp - Checking inputs and running a model ----------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Inputs become strided memref descriptors, the model's results become dense
// xfmr_tensors. Everything a run needs lives on its own stack, so runs of one
// model may overlap.
//
//===----------------------------------------------------------------------===//

#include "RuntimeImpl.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

using namespace xfmr::runtime;

static_assert(sizeof(void *) == sizeof(int64_t),
              "memref descriptors are made of 8-byte words");

//===----------------------------------------------------------------------===//
// Checking inputs
//===----------------------------------------------------------------------===//

namespace {
/// Where a named dynamic dim got its size.
struct DimBinding {
  int64_t size;
  const std::string *input;
};
} // namespace

static std::string quotedList(const std::vector<TensorDecl> &decls) {
  std::string text;
  for (const TensorDecl &decl : decls)
    text += (text.empty() ? "'" : ", '") + decl.name + "'";
  return text.empty() ? "none" : text;
}

/// Product of `shape`, or -1 when it does not fit an int64_t.
static int64_t numElements(const int64_t *shape, int64_t rank) {
  int64_t count = 1;
  for (int64_t i = 0; i < rank; ++i)
    if (__builtin_mul_overflow(count, shape[i], &count))
      return -1;
  return count;
}

/// Finds, for each model input, which of the given tensors it is: `order[i]`
/// is the index in `inputs` of model input i.
static std::string orderInputs(const xfmr_model &model, size_t numInputs,
                               const char *const *names,
                               std::vector<size_t> &order) {
  const std::vector<TensorDecl> &decls = model.signature.inputs;
  if (!names) {
    if (numInputs != decls.size())
      return "the model takes " + std::to_string(decls.size()) + " inputs (" +
             quotedList(decls) + ") but " + std::to_string(numInputs) +
             " were given";
    for (size_t i = 0; i < numInputs; ++i)
      order.push_back(i);
    return "";
  }
  const size_t unset = numInputs;
  order.assign(decls.size(), unset);
  for (size_t k = 0; k < numInputs; ++k) {
    if (!names[k])
      return "the name of input #" + std::to_string(k) + " is NULL";
    auto it = std::find_if(decls.begin(), decls.end(), [&](const auto &decl) {
      return decl.name == names[k];
    });
    if (it == decls.end())
      return std::string("unknown input '") + names[k] +
             "'; the model's inputs are " + quotedList(decls);
    size_t index = it - decls.begin();
    if (order[index] != unset)
      return std::string("input '") + names[k] + "' is given twice";
    order[index] = k;
  }
  std::vector<TensorDecl> missing;
  for (size_t i = 0; i < decls.size(); ++i)
    if (order[i] == unset)
      missing.push_back(decls[i]);
  if (!missing.empty())
    return std::string(missing.size() == 1 ? "missing input " : "missing inputs ") +
           quotedList(missing);
  return "";
}

/// Checks one tensor against its declaration and binds its named dims.
static std::string checkInput(const TensorDecl &decl, const xfmr_tensor &tensor,
                              std::map<std::string, DimBinding> &bindings) {
  std::string what = "input '" + decl.name + "': ";
  if (tensor.dtype != decl.dtype)
    return what + "dtype is " + dtypeName(tensor.dtype) +
           " here but the model expects " + dtypeName(decl.dtype);
  int64_t rank = static_cast<int64_t>(decl.shape.size());
  if (tensor.rank != rank)
    return what + "rank is " + std::to_string(tensor.rank) +
           " here but the model expects " + std::to_string(rank) + " (" +
           formatDeclShape(decl) + ")";
  if (rank > 0 && !tensor.shape)
    return what + "shape is NULL";
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = tensor.shape[d];
    std::string dim = "dim " + std::to_string(d);
    if (size < 0)
      return what + dim + " is " + std::to_string(size) + ", not a size";
    if (decl.shape[d] >= 0 && size != decl.shape[d])
      return what + dim + " is " + std::to_string(size) +
             " here but the model expects " + std::to_string(decl.shape[d]) +
             " (" + formatDeclShape(decl) + ")";
    const std::string &name = decl.dimNames[d];
    if (name.empty())
      continue;
    auto [it, inserted] = bindings.insert({name, {size, &decl.name}});
    if (!inserted && it->second.size != size)
      return what + dim + " ('" + name + "') is " + std::to_string(size) +
             " here but " + std::to_string(it->second.size) + " in '" +
             *it->second.input + "'";
  }
  int64_t count = numElements(tensor.shape, rank);
  if (count < 0 || __builtin_mul_overflow(count, int64_t(8), &count))
    return what + "shape " + formatShape(tensor.shape, rank) +
           " has too many elements";
  if (count > 0 && !tensor.data)
    return what + "data is NULL";
  return "";
}

static std::string checkInputs(const xfmr_model *model, size_t numInputs,
                               const char *const *names,
                               const xfmr_tensor *inputs,
                               std::vector<size_t> &order) {
  if (!model)
    return "no model given";
  if (numInputs > 0 && !inputs)
    return "inputs is NULL";
  std::string error = orderInputs(*model, numInputs, names, order);
  if (!error.empty())
    return error;
  std::map<std::string, DimBinding> bindings;
  for (size_t i = 0; i < order.size(); ++i) {
    error = checkInput(model->signature.inputs[i], inputs[order[i]], bindings);
    if (!error.empty())
      return error;
  }
  return "";
}

extern "C" int xfmr_model_check_inputs(const xfmr_model *model,
                                       size_t numInputs,
                                       const char *const *names,
                                       const xfmr_tensor *inputs,
                                       char **error) {
  if (error)
    *error = nullptr;
  return guarded(error, [&] {
    std::vector<size_t> order;
    std::string message = checkInputs(model, numInputs, names, inputs, order);
    if (message.empty())
      return 0;
    setError(error, message);
    return 1;
  });
}

//===----------------------------------------------------------------------===//
// Results
//===----------------------------------------------------------------------===//

ResultView xfmr::runtime::viewResult(const int64_t *words, int64_t rank) {
  ResultView view;
  std::memcpy(&view.allocated, &words[0], sizeof(void *));
  std::memcpy(&view.aligned, &words[1], sizeof(void *));
  view.offset = words[2];
  view.sizes = words + 3;
  view.strides = words + 3 + rank;
  view.rank = rank;
  return view;
}

static bool isDense(const ResultView &view) {
  int64_t expected = 1;
  for (int64_t d = view.rank - 1; d >= 0; --d) {
    if (view.sizes[d] != 1 && view.strides[d] != expected)
      return false;
    expected *= view.sizes[d];
  }
  return true;
}

/// Copies the elements `view` describes, in row-major order, to `dst`.
static void copyStrided(const ResultView &view, size_t elementSize,
                        char *dst) {
  const char *base = view.aligned + view.offset * int64_t(elementSize);
  if (view.rank == 0) {
    std::memcpy(dst, base, elementSize);
    return;
  }
  int64_t inner = view.sizes[view.rank - 1];
  int64_t innerStride = view.strides[view.rank - 1];
  std::vector<int64_t> index(view.rank - 1, 0);
  while (true) {
    int64_t start = 0;
    for (int64_t d = 0; d + 1 < view.rank; ++d)
      start += index[d] * view.strides[d];
    const char *src = base + start * int64_t(elementSize);
    if (innerStride == 1) {
      std::memcpy(dst, src, inner * elementSize);
      dst += inner * elementSize;
    } else {
      for (int64_t j = 0; j < inner; ++j, dst += elementSize)
        std::memcpy(dst, src + j * innerStride * int64_t(elementSize),
                    elementSize);
    }
    int64_t d = view.rank - 2;
    for (; d >= 0; --d) {
      if (++index[d] < view.sizes[d])
        break;
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}

static std::string checkResult(const TensorDecl &decl,
                               const ResultView &view) {
  for (int64_t d = 0; d < view.rank; ++d) {
    int64_t size = view.sizes[d];
    if (size < 0 || (decl.shape[d] >= 0 && size != decl.shape[d]))
      return "the model returned output '" + decl.name + "' with shape " +
             formatShape(view.sizes, view.rank) + " but declares " +
             formatDeclShape(decl);
  }
  int64_t count = numElements(view.sizes, view.rank);
  if (count < 0 || __builtin_mul_overflow(count, int64_t(8), &count))
    return "the model returned output '" + decl.name + "' with shape " +
           formatShape(view.sizes, view.rank) + ", too large";
  if (count > 0 && !view.aligned)
    return "the model returned output '" + decl.name + "' without data";
  return "";
}

/// Turns the result descriptors into `outputs`. A dense result whose buffer
/// starts at `allocated` is handed over as it is; any other is copied. Every
/// buffer the model allocated is either handed over or freed, once, even when
/// several results share it; a buffer that is one of the inputs (which the
/// ABI forbids) is never freed.
static std::string collectResults(const xfmr_model &model,
                                  const int64_t *words,
                                  const std::vector<const void *> &inputData,
                                  xfmr_tensor *outputs) {
  const std::vector<TensorDecl> &decls = model.signature.outputs;
  std::vector<ResultView> views;
  std::vector<void *> buffers;
  for (const TensorDecl &decl : decls) {
    int64_t rank = static_cast<int64_t>(decl.shape.size());
    views.push_back(viewResult(words, rank));
    words += 3 + 2 * rank;
    void *allocated = views.back().allocated;
    if (allocated &&
        std::find(buffers.begin(), buffers.end(), allocated) == buffers.end() &&
        std::find(inputData.begin(), inputData.end(), allocated) ==
            inputData.end())
      buffers.push_back(allocated);
  }

  std::string error;
  for (size_t i = 0; i < decls.size() && error.empty(); ++i)
    error = checkResult(decls[i], views[i]);

  for (size_t i = 0; i < decls.size() && error.empty(); ++i) {
    const ResultView &view = views[i];
    xfmr_tensor &out = outputs[i];
    size_t elementSize = xfmr_dtype_size(decls[i].dtype);
    size_t bytes = numElements(view.sizes, view.rank) * elementSize;
    out.dtype = decls[i].dtype;
    out.rank = view.rank;
    out.shape = static_cast<int64_t *>(
        std::malloc(std::max<size_t>(1, view.rank * sizeof(int64_t))));
    if (out.shape)
      std::memcpy(out.shape, view.sizes, view.rank * sizeof(int64_t));
    auto owned = std::find(buffers.begin(), buffers.end(), view.allocated);
    if (bytes > 0 && owned != buffers.end() && view.offset == 0 &&
        view.aligned == view.allocated && isDense(view)) {
      out.data = view.allocated;
      buffers.erase(owned);
    } else {
      out.data = std::malloc(std::max<size_t>(1, bytes));
      if (out.data && bytes > 0)
        copyStrided(view, elementSize, static_cast<char *>(out.data));
    }
    if (!out.shape || !out.data)
      error = "out of memory for output '" + decls[i].name + "'";
  }

  for (void *buffer : buffers)
    std::free(buffer);
  if (!error.empty())
    for (size_t i = 0; i < decls.size(); ++i)
      xfmr_tensor_release(&outputs[i]);
  return error;
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

/// The message of a failed check, with its values in place of `{0}`, `{1}`
/// and `{2}`.
static std::string formatModelError(const xfmr_model_error &record) {
  std::string message;
  for (const char *c = record.message; *c; ++c) {
    if (c[0] == '{' && c[1] >= '0' && c[1] <= '2' && c[2] == '}') {
      message += std::to_string(record.values[c[1] - '0']);
      c += 2;
      continue;
    }
    message.push_back(*c);
  }
  return message;
}

/// Appends the descriptor of a dense row-major tensor to `words`.
static void appendDescriptor(const xfmr_tensor &tensor,
                             std::vector<int64_t> &words) {
  int64_t pointer;
  std::memcpy(&pointer, &tensor.data, sizeof(void *));
  words.push_back(pointer);
  words.push_back(pointer);
  words.push_back(0);
  words.insert(words.end(), tensor.shape, tensor.shape + tensor.rank);
  size_t stridesAt = words.size();
  words.resize(stridesAt + tensor.rank);
  int64_t stride = 1;
  for (int64_t d = tensor.rank - 1; d >= 0; --d) {
    words[stridesAt + d] = stride;
    stride *= tensor.shape[d];
  }
}

static int runModel(const xfmr_model *model, size_t numInputs,
                    const char *const *names, const xfmr_tensor *inputs,
                    xfmr_tensor *outputs, char **error) {
  if (model && !model->runnable) {
    setError(error, "the model was loaded for its signature only "
                    "(xfmr_model_load_signature); load it with "
                    "xfmr_model_load to run it");
    return 1;
  }
  std::vector<size_t> order;
  std::string message = checkInputs(model, numInputs, names, inputs, order);
  if (message.empty() && !outputs && !model->signature.outputs.empty())
    message = "outputs is NULL";
  if (!message.empty()) {
    setError(error, message);
    return 1;
  }
  for (size_t i = 0; i < model->signature.outputs.size(); ++i)
    outputs[i] = {XFMR_DTYPE_INVALID, 0, nullptr, nullptr};

  std::vector<int64_t> inputWords;
  std::vector<size_t> inputStarts;
  std::vector<const void *> inputData;
  for (size_t index : order) {
    inputStarts.push_back(inputWords.size());
    appendDescriptor(inputs[index], inputWords);
    inputData.push_back(inputs[index].data);
  }
  size_t resultWords = 0;
  for (const TensorDecl &decl : model->signature.outputs)
    resultWords += 3 + 2 * decl.shape.size();
  std::vector<int64_t> results(std::max<size_t>(1, resultWords), 0);

  xfmr_model_error record = {nullptr, {0, 0, 0}};
  std::vector<void *> args;
  args.push_back(results.data());
  for (size_t start : inputStarts)
    args.push_back(inputWords.data() + start);

  // A GPU model reads its inputs from, and writes its results to, memory
  // the GPU can reach.
  std::optional<GPURun> gpuRun;
  if (model->signature.targetKind == "cuda") {
    gpuRun.emplace();
    std::vector<size_t> bytes;
    for (size_t index : order)
      bytes.push_back(numElements(inputs[index].shape, inputs[index].rank) *
                      xfmr_dtype_size(inputs[index].dtype));
    std::vector<int64_t *> descriptors;
    for (size_t i = 1; i < args.size(); ++i)
      descriptors.push_back(static_cast<int64_t *>(args[i]));
    message = gpuRun->stageInputs(inputData, bytes, descriptors);
    if (!message.empty()) {
      setError(error, message);
      return 1;
    }
  }
  // The mapped weights (or their copy on the GPU), as a 1-D memref of bytes.
  int64_t weightsWords[5];
  if (void *weights = model->gpuWeights ? model->gpuWeights : model->weights) {
    std::memcpy(&weightsWords[0], &weights, sizeof(void *));
    weightsWords[1] = weightsWords[0];
    weightsWords[2] = 0;
    weightsWords[3] = static_cast<int64_t>(model->signature.weightsSize);
    weightsWords[4] = 1;
    args.push_back(weightsWords);
  }
  args.push_back(&record);
  // The blocktime is a setting of the thread that starts parallel loops.
  if (model->setBlocktime)
    model->setBlocktime(0);
  model->run(args.data());
  if (gpuRun) {
    message = gpuRun->fetchResults(model->signature, results.data());
    if (!message.empty()) {
      setError(error, message);
      return 1;
    }
  }

  // Collected even after a failed check: that frees what the run allocated.
  message = collectResults(*model, results.data(), inputData, outputs);
  if (message.empty() && record.message) {
    for (size_t i = 0; i < model->signature.outputs.size(); ++i)
      xfmr_tensor_release(&outputs[i]);
    message = formatModelError(record);
  }
  if (!message.empty()) {
    setError(error, message);
    return 1;
  }
  return 0;
}

extern "C" int xfmr_model_run(const xfmr_model *model, size_t numInputs,
                              const char *const *names,
                              const xfmr_tensor *inputs, xfmr_tensor *outputs,
                              char **error) {
  if (error)
    *error = nullptr;
  return guarded(error, [&] {
    return runModel(model, numInputs, names, inputs, outputs, error);
  });
}

extern "C" void xfmr_tensor_release(xfmr_tensor *tensor) {
  if (!tensor)
    return;
  std::free(tensor->shape);
  std::free(tensor->data);
  tensor->shape = nullptr;
  tensor->data = nullptr;
}
