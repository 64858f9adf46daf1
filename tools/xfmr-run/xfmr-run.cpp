//===- xfmr-run.cpp - Run a compiled xfmr model ---------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// xfmr-run MODEL [--input NAME=FILE]... [--random-inputs [--seed N]]
//                [--test-data DIR] [--expected DIR] [--rtol R] [--atol A]
//                [--output-dir DIR] [--benchmark N] [--print] [--info]
// xfmr-run --devices                     (the GPU that cuda models run on)
//
// Loads a compiled model (a shared library) through libxfmr_runtime, gives
// it inputs from .npy or TensorProto files or random ones, runs it, and
// writes, prints or checks its outputs. Exit status 1 on any error or
// mismatch, with the reason on stderr.
//
//===----------------------------------------------------------------------===//

#include "Inputs.h"
#include "xfmr/TensorIO/Compare.h"
#include "xfmr/TensorIO/Npy.h"
#include "xfmr/TensorIO/TensorProtoIO.h"

#include "xfmr/Compiler/Compiler.h"
#include "xfmr/Compiler/ONNXNodeDiagnostics.h"
#include "xfmr/InitAll.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <optional>

using namespace llvm;
using namespace xfmr::io;
using namespace xfmr::run;

static cl::OptionCategory runCategory("xfmr-run options");

static cl::opt<std::string>
    modelPath(cl::Positional, cl::cat(runCategory),
              cl::desc("<model: a compiled .so, or .onnx/.onnxtext/.mlir>"));
static cl::list<std::string>
    inputFiles("input", cl::cat(runCategory), cl::value_desc("name=file"),
               cl::desc("An input from a .npy or ONNX TensorProto .pb file"));
static cl::opt<bool> randomInputs(
    "random-inputs", cl::cat(runCategory),
    cl::desc("Random values for every input not given: floats in [-1,1), "
             "integers in [0,16), bools 0/1, inputs named *mask* all 1s"));
static cl::opt<uint64_t> seed("seed", cl::cat(runCategory), cl::init(0),
                              cl::desc("Seed of --random-inputs"));
static cl::list<std::string> inputShapes(
    "input-shape", cl::cat(runCategory), cl::value_desc("name:shape"),
    cl::desc("Shape of an input, NAME:D0xD1..., for random inputs and for "
             "compiling"));
static cl::list<std::string>
    dimValues("dim", cl::cat(runCategory), cl::value_desc("name=size"),
              cl::desc("Size of a named dynamic dim"));
static cl::opt<std::string>
    testDataDir("test-data", cl::cat(runCategory), cl::value_desc("dir"),
                cl::desc("An ONNX test data set: input_N.pb in, output_N.pb "
                         "expected"));
static cl::opt<std::string>
    expectedDir("expected", cl::cat(runCategory), cl::value_desc("dir"),
                cl::desc("Compare each output with NAME.npy in this folder"));
static cl::opt<double> relTolerance("rtol", cl::cat(runCategory), cl::init(1e-4),
                            cl::desc("Relative tolerance of comparisons"));
static cl::opt<double> absTolerance("atol", cl::cat(runCategory), cl::init(1e-5),
                            cl::desc("Absolute tolerance of comparisons"));
static cl::opt<std::string>
    outputDir("output-dir", cl::cat(runCategory), cl::value_desc("dir"),
              cl::desc("Write each output to NAME.npy in this folder"));
static cl::opt<unsigned> benchmarkRuns(
    "benchmark", cl::cat(runCategory), cl::init(0), cl::value_desc("n"),
    cl::desc("Time N runs after one warm-up run"));
static cl::opt<bool> printOutputs("print", cl::cat(runCategory),
                                  cl::desc("Print the outputs' values"));
static cl::opt<bool> printInfo("info", cl::cat(runCategory),
                               cl::desc("Print the model's target and "
                                        "signature"));
static cl::opt<bool> printDevices(
    "devices", cl::cat(runCategory),
    cl::desc("Print the GPU that cuda models run on (no model needed)"));

//===----------------------------------------------------------------------===//
// Compiling in-process
//===----------------------------------------------------------------------===//

/// Compiles the model in `path` (.onnx, .onnxtext or .mlir) into a shared
/// library in a temporary file and returns that file's path, which the caller
/// deletes. `options` specialise shapes as xfmr-compile's --input-shape and
/// --dim do.
static Expected<std::string>
compileToTemporarySharedLibrary(StringRef path, const ShapeOptions &options) {
  SmallString<128> libraryPath;
  int fd;
  if (std::error_code ec = sys::fs::createTemporaryFile("xfmr-run", "so", fd,
                                                        libraryPath))
    return createStringError("cannot create a temporary file: " +
                             ec.message());
  sys::Process::SafelyCloseFileDescriptor(fd);

  mlir::DialectRegistry registry;
  mlir::xfmr::registerAllXfmrDialects(registry);
  mlir::MLIRContext context(registry);
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  mlir::xfmr::ONNXNodeDiagnosticHandler nodeHandler(&context);
  mlir::xfmr::CompileOptions compileOptions;
  // An MLIR model's types are its own; the sizes then only shape the
  // random inputs.
  if (!path.ends_with(".mlir") && !path.ends_with(".mlirbc"))
    compileOptions.import = options;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::xfmr::loadModel(path, &context, compileOptions.import);
  if (!module ||
      failed(mlir::xfmr::compileModule(*module, compileOptions, libraryPath))) {
    sys::fs::remove(libraryPath);
    // The diagnostics are already on stderr.
    return createStringError("cannot compile '" + path + "'");
  }
  return std::string(libraryPath);
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

namespace {
struct ModelDeleter {
  void operator()(xfmr_model *model) const { xfmr_model_free(model); }
};
using ModelPtr = std::unique_ptr<xfmr_model, ModelDeleter>;

/// The model's inputs or outputs.
struct TensorList {
  const xfmr_model *model;
  bool inputs;

  size_t size() const {
    return inputs ? xfmr_model_num_inputs(model)
                  : xfmr_model_num_outputs(model);
  }
  const xfmr_tensor_info &operator[](size_t i) const {
    return inputs ? *xfmr_model_input(model, i) : *xfmr_model_output(model, i);
  }
  const char *kind() const { return inputs ? "input" : "output"; }

  /// The index of the tensor called `name`; the error lists the names.
  Expected<size_t> find(StringRef name, const Twine &source) const {
    std::string names;
    for (size_t i = 0; i < size(); ++i) {
      if (name == (*this)[i].name)
        return i;
      names += (i ? ", '" : "'") + std::string((*this)[i].name) + "'";
    }
    return createStringError(source + ": unknown " + kind() + " '" + name +
                             "'; the model's " + kind() + "s are " +
                             (names.empty() ? "none" : names));
  }
};

/// Tensors for each input or each output of the model, and where each came
/// from.
struct TensorSet {
  explicit TensorSet(TensorList list)
      : list(list), tensors(list.size()), sources(list.size()) {}

  /// Sets tensor `i`, read from `source`, once.
  Error set(size_t i, Tensor tensor, StringRef source) {
    const xfmr_tensor_info &info = list[i];
    if (tensors[i])
      return createStringError(Twine(list.kind()) + " '" + info.name +
                               "' is given twice: by " + sources[i] +
                               " and by " + source);
    if (tensor.getDtype() != info.dtype)
      return createStringError(source + ": holds " +
                               dtypeName(tensor.getDtype()) + " data but " +
                               list.kind() + " '" + info.name + "' is " +
                               dtypeName(info.dtype));
    tensors[i] = std::move(tensor);
    sources[i] = source.str();
    return Error::success();
  }

  TensorList list;
  std::vector<std::optional<Tensor>> tensors;
  std::vector<std::string> sources;
};
} // namespace

static Error takeRuntimeError(char *message) {
  Error error = createStringError(message ? message : "unknown error");
  xfmr_error_free(message);
  return error;
}

/// A file name for a tensor name, which may hold '/'.
static std::string fileNameFor(StringRef name) {
  std::string file = name.str();
  std::replace(file.begin(), file.end(), '/', '_');
  if (file == "." || file == "..")
    file = "_";
  return file + ".npy";
}

static void printSignature(const xfmr_model *model) {
  const xfmr_target_info *target = xfmr_model_target(model);
  if (*target->kind) {
    outs() << "target: " << target->kind << " " << target->arch;
    if (*target->features)
      outs() << " (" << target->features << ")";
    outs() << "\n";
  }
  for (bool inputs : {true, false}) {
    TensorList list{model, inputs};
    outs() << list.kind() << "s:\n";
    for (size_t i = 0; i < list.size(); ++i)
      outs() << "  " << list[i].name << ": " << dtypeName(list[i].dtype) << " "
             << formatDeclShape(list[i]) << "\n";
  }
}

//===----------------------------------------------------------------------===//
// Inputs and expected outputs
//===----------------------------------------------------------------------===//

/// Reads a .npy or .pb file meant for `info`.
static Expected<Tensor> readTensorFile(StringRef path,
                                       const xfmr_tensor_info &info) {
  if (path.ends_with(".npy"))
    return readNpy(path, info.dtype);
  if (path.ends_with(".pb")) {
    Expected<NamedTensor> named = readTensorProto(path);
    if (!named)
      return named.takeError();
    return std::move(named->tensor);
  }
  return createStringError(path + ": not a .npy or .pb file");
}

/// Reads `DIR/<prefix>_N.pb` for N = 0, 1, ... into `set`: by the name each
/// file gives, or by position when it gives none. Returns how many there were.
static Expected<size_t> readTestDataFiles(StringRef dir, StringRef prefix,
                                          TensorSet &set) {
  size_t n = 0;
  for (;; ++n) {
    std::string path = (dir + "/" + prefix + "_" + Twine(n) + ".pb").str();
    if (!sys::fs::exists(path))
      return n;
    Expected<NamedTensor> named = readTensorProto(path);
    if (!named)
      return named.takeError();
    Expected<size_t> index = named->name.empty()
                                 ? Expected<size_t>(n)
                                 : set.list.find(named->name, path);
    if (!index)
      return index.takeError();
    if (*index >= set.list.size())
      return createStringError(path + ": the model has only " +
                               Twine(set.list.size()) + " " + set.list.kind() +
                               "s");
    if (Error error = set.set(*index, std::move(named->tensor), path))
      return std::move(error);
  }
}

static Error readTestData(StringRef dir, TensorSet &inputs,
                          TensorSet &expected) {
  if (!sys::fs::is_directory(dir))
    return createStringError("--test-data: '" + dir + "' is not a folder");
  Expected<size_t> numInputs = readTestDataFiles(dir, "input", inputs);
  if (!numInputs)
    return numInputs.takeError();
  Expected<size_t> numOutputs = readTestDataFiles(dir, "output", expected);
  if (!numOutputs)
    return numOutputs.takeError();
  if (*numInputs + *numOutputs == 0)
    return createStringError("--test-data: '" + dir +
                             "' holds no input_0.pb or output_0.pb");
  return Error::success();
}

static Error readInputs(const ShapeOptions &shapes, TensorSet &inputs) {
  for (StringRef spec : inputFiles) {
    auto [name, path] = spec.split('=');
    if (name.empty() || path.empty())
      return createStringError("--input wants NAME=FILE, got '" + spec + "'");
    Expected<size_t> index = inputs.list.find(name, "--input " + spec);
    if (!index)
      return index.takeError();
    Expected<Tensor> tensor = readTensorFile(path, inputs.list[*index]);
    if (!tensor)
      return tensor.takeError();
    if (Error error = inputs.set(*index, std::move(*tensor), path))
      return error;
  }

  // Named dims take their sizes from --dim, then from the inputs given.
  StringMap<int64_t> dimSizes = shapes.dimValues;
  for (size_t i = 0; i < inputs.list.size(); ++i)
    if (inputs.tensors[i])
      bindNamedDims(inputs.list[i], inputs.tensors[i]->getShape(), dimSizes);
  for (size_t i = 0; i < inputs.list.size(); ++i) {
    if (inputs.tensors[i])
      continue;
    const char *name = inputs.list[i].name;
    if (!randomInputs)
      return createStringError("missing input '" + Twine(name) +
                               "': give it with --input " + name +
                               "=FILE or --test-data, or use --random-inputs");
    Expected<Tensor> tensor =
        makeRandomInput(inputs.list[i], shapes, dimSizes, seed, i);
    if (!tensor)
      return tensor.takeError();
    inputs.tensors[i] = std::move(*tensor);
  }
  return Error::success();
}

static Error readExpected(StringRef dir, TensorSet &expected) {
  for (size_t i = 0; i < expected.list.size(); ++i) {
    SmallString<256> path(dir);
    sys::path::append(path, fileNameFor(expected.list[i].name));
    Expected<Tensor> tensor = readNpy(path, expected.list[i].dtype);
    if (!tensor)
      return tensor.takeError();
    expected.tensors[i] = std::move(*tensor);
    expected.sources[i] = path.str().str();
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

namespace {
/// The arguments of xfmr_model_run, in the model's order.
struct RunArgs {
  explicit RunArgs(const TensorSet &inputs) {
    for (size_t i = 0; i < inputs.list.size(); ++i)
      views.push_back(inputs.tensors[i]->view());
  }
  Error run(const xfmr_model *model, RunOutputs &outputs) const {
    char *message = nullptr;
    if (xfmr_model_run(model, views.size(), nullptr, views.data(),
                       outputs.data(), &message))
      return takeRuntimeError(message);
    return Error::success();
  }
  std::vector<xfmr_tensor> views;
};
} // namespace

static void printValues(const xfmr_tensor &tensor) {
  constexpr int64_t maxShown = 64;
  int64_t count = numElements(tensor);
  outs() << " ";
  for (int64_t i = 0; i < std::min(count, maxShown); ++i)
    outs() << " " << format("%g", elementAsDouble(tensor, i));
  if (count > maxShown)
    outs() << " ... (" << count << " elements)";
  outs() << "\n";
}

/// Writes, prints or compares the outputs; false when one does not match.
static Expected<bool> reportOutputs(const TensorList &list,
                                    const RunOutputs &outputs,
                                    const TensorSet &expected) {
  if (!outputDir.empty())
    if (std::error_code ec = sys::fs::create_directories(outputDir))
      return createStringError("cannot create '" + outputDir +
                               "': " + ec.message());
  Tolerance tolerance{relTolerance, absTolerance};
  bool passed = true;
  for (size_t i = 0; i < list.size(); ++i) {
    const char *name = list[i].name;
    if (!outputDir.empty()) {
      SmallString<256> path(outputDir);
      sys::path::append(path, fileNameFor(name));
      if (Error error = writeNpy(path, outputs[i]))
        return std::move(error);
    }
    if (expected.tensors[i]) {
      xfmr_tensor view = expected.tensors[i]->view();
      Comparison comparison = compareTensors(outputs[i], view, tolerance);
      outs() << formatComparison(name, outputs[i], view, comparison) << "\n";
      passed &= comparison.passed();
    } else {
      outs() << name << ": " << formatType(outputs[i]) << "\n";
    }
    if (printOutputs)
      printValues(outputs[i]);
  }
  return passed;
}

static Error benchmark(const xfmr_model *model, const RunArgs &args,
                       unsigned runs) {
  std::vector<double> times;
  for (unsigned i = 0; i < runs; ++i) {
    RunOutputs outputs(xfmr_model_num_outputs(model));
    auto start = std::chrono::steady_clock::now();
    Error error = args.run(model, outputs);
    auto end = std::chrono::steady_clock::now();
    if (error)
      return error;
    times.push_back(std::chrono::duration<double, std::milli>(end - start)
                        .count());
  }
  std::sort(times.begin(), times.end());
  double mean = 0;
  for (double time : times)
    mean += time / runs;
  double median = runs % 2 ? times[runs / 2]
                           : (times[runs / 2 - 1] + times[runs / 2]) / 2;
  outs() << "runs: " << runs << "\n"
         << "min: " << format("%.3f", times.front()) << " ms\n"
         << "mean: " << format("%.3f", mean) << " ms\n"
         << "median: " << format("%.3f", median) << " ms\n";
  return Error::success();
}

/// Everything after the options: returns whether all outputs matched.
static Expected<bool> runTool() {
  if (printDevices) {
    char info[512];
    if (xfmr_cuda_device_info(info, sizeof(info)) != 0)
      return createStringError(Twine("no GPU for cuda models: ") + info);
    outs() << info << "\n";
    if (modelPath.empty())
      return true;
  }
  if (modelPath.empty())
    return createStringError("no model given; see --help");
  ShapeOptions shapes;
  std::string shapeError;
  if (!mlir::xfmr::parseONNXShapeOptions(inputShapes, dimValues, shapes,
                                         shapeError))
    return createStringError(shapeError);
  if (!(relTolerance >= 0) || !(absTolerance >= 0))
    return createStringError("--rtol and --atol must not be negative");
  if (!expectedDir.empty() && !testDataDir.empty())
    return createStringError(
        "--expected and --test-data both give expected outputs; use one");

  std::string libraryPath = modelPath;
  std::optional<FileRemover> temporary, temporaryWeights;
  if (!StringRef(modelPath).ends_with(".so")) {
    Expected<std::string> compiled =
        compileToTemporarySharedLibrary(modelPath, shapes);
    if (!compiled)
      return compiled.takeError();
    libraryPath = *compiled;
    temporary.emplace(libraryPath);
    temporaryWeights.emplace(mlir::xfmr::getWeightsPath(libraryPath));
  }
  char *message = nullptr;
  // The signature needs no GPU: --info reads a cuda model's without one.
  ModelPtr model(printInfo
                     ? xfmr_model_load_signature(libraryPath.c_str(), &message)
                     : xfmr_model_load(libraryPath.c_str(), &message));
  if (!model)
    return takeRuntimeError(message);
  if (printInfo) {
    printSignature(model.get());
    return true;
  }

  TensorSet inputs(TensorList{model.get(), true});
  TensorSet expected(TensorList{model.get(), false});
  if (!testDataDir.empty())
    if (Error error = readTestData(testDataDir, inputs, expected))
      return std::move(error);
  if (!expectedDir.empty())
    if (Error error = readExpected(expectedDir, expected))
      return std::move(error);
  if (Error error = readInputs(shapes, inputs))
    return std::move(error);

  RunArgs args(inputs);
  RunOutputs outputs(expected.list.size());
  if (Error error = args.run(model.get(), outputs))
    return std::move(error);
  Expected<bool> passed = reportOutputs(expected.list, outputs, expected);
  if (!passed)
    return passed.takeError();
  if (benchmarkRuns > 0)
    if (Error error = benchmark(model.get(), args, benchmarkRuns))
      return std::move(error);
  return *passed;
}

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "xfmr-run: run a compiled xfmr model\n");
  Expected<bool> passed = runTool();
  if (!passed) {
    errs() << "error: " << toString(passed.takeError()) << "\n";
    return 1;
  }
  return *passed ? 0 : 1;
}
