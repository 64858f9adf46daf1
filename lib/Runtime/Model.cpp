//===- Model.cpp - Loading a compiled model and reading its metadata ------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "RuntimeImpl.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <malloc.h>
#include <memory>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

using namespace xfmr::runtime;

void xfmr::runtime::setError(char **error, const std::string &message) {
  if (!error)
    return;
  *error = static_cast<char *>(std::malloc(message.size() + 1));
  if (*error)
    std::memcpy(*error, message.c_str(), message.size() + 1);
}

extern "C" void xfmr_error_free(char *error) { std::free(error); }

/// Fills the C views of the signature. Done once the signature no longer
/// changes, since they point into it.
static void buildInfos(xfmr_model &model) {
  auto build = [&](const std::vector<TensorDecl> &decls,
                   std::vector<xfmr_tensor_info> &infos) {
    for (const TensorDecl &decl : decls) {
      std::vector<const char *> &names = model.dimNamePointers.emplace_back();
      for (const std::string &name : decl.dimNames)
        names.push_back(name.c_str());
      infos.push_back({decl.name.c_str(), decl.dtype,
                       static_cast<int64_t>(decl.shape.size()),
                       decl.shape.data(), names.data()});
    }
  };
  model.dimNamePointers.reserve(model.signature.inputs.size() +
                                model.signature.outputs.size());
  build(model.signature.inputs, model.inputInfos);
  build(model.signature.outputs, model.outputInfos);

  const Signature &signature = model.signature;
  auto join = [](const std::vector<std::string> &names) {
    std::string text;
    for (const std::string &name : names)
      text += (text.empty() ? "" : ",") + name;
    return text;
  };
  bool onGPU = signature.targetKind == "cuda";
  model.targetText[0] = onGPU ? join(signature.gpuArchs) : signature.cpu;
  model.targetText[1] = onGPU ? "" : join(signature.cpuFeatures);
  model.targetInfo = {signature.targetKind.c_str(), model.targetText[0].c_str(),
                      model.targetText[1].c_str()};
}

/// Loads the library and reads its signature; `model.handle` is set as soon
/// as the library is open, so that the caller can close it on failure. With
/// `signatureOnly`, a cuda model's GPU code and weights stay off the GPU.
static int loadModel(const char *path, xfmr_model &model, char **error,
                     bool signatureOnly) {
  if (!path) {
    setError(error, "no model path given");
    return 1;
  }
  // dlopen searches the library path for a name without a slash; a model is
  // always a file.
  std::string file = std::strchr(path, '/') ? path : std::string("./") + path;
  std::string fileError = checkModelFile(file.c_str());
  if (!fileError.empty()) {
    setError(error,
             std::string("cannot load model '") + path + "': " + fileError);
    return 1;
  }
  exposeGPUCalls();
  dlerror();
  // A cuda model's constructor loads its GPU code.
  skipGPUCodeLoading(signatureOnly);
  model.handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  skipGPUCodeLoading(false);
  if (!model.handle) {
    const char *reason = dlerror();
    setError(error, std::string("cannot load model '") + path +
                        "': " + (reason ? reason : "unknown reason"));
    return 1;
  }
  auto *signature = reinterpret_cast<const char *(*)()>(
      dlsym(model.handle, "xfmr_model_signature"));
  model.run =
      reinterpret_cast<void (*)(void **)>(dlsym(model.handle, "xfmr_model_entry"));
  const char *missing = !signature   ? "xfmr_model_signature"
                        : !model.run ? "xfmr_model_entry"
                                     : nullptr;
  if (missing) {
    setError(error, std::string("'") + path +
                        "' is not an xfmr model: it does not export '" +
                        missing + "'");
    return 1;
  }
  std::string signatureError = parseSignature(signature(), model.signature);
  if (!signatureError.empty()) {
    setError(error, std::string("model '") + path +
                        "' has a bad signature: " + signatureError);
    return 1;
  }
  // Before anything of the model runs: its code may use instructions this
  // CPU does not have.
  std::vector<std::string> lacking =
      missingCPUFeatures(model.signature.cpuFeatures);
  if (!lacking.empty()) {
    std::string names;
    for (const std::string &name : lacking)
      names += (names.empty() ? "" : ", ") + name;
    setError(error, std::string("model '") + path + "' was compiled for CPU '" +
                        model.signature.cpu + "' and uses " + names +
                        ", which this CPU does not have; compile it again "
                        "with --mcpu=native (or a CPU this one can run, "
                        "e.g. --mcpu=x86-64-v3 for AVX2)");
    return 1;
  }
  model.runnable = !signatureOnly;
  if (model.signature.targetKind == "cuda" && model.runnable) {
    std::string gpuError = checkGPUModel(model.signature);
    if (!gpuError.empty()) {
      setError(error, std::string("model '") + path +
                          "' runs on an NVIDIA GPU: " + gpuError);
      return 1;
    }
  }
  if (!model.signature.weightsFile.empty()) {
    std::string folder = file.substr(0, file.rfind('/') + 1);
    std::string weightsError = mapWeightsFile(
        folder + model.signature.weightsFile, model.signature, &model.weights);
    // A cuda model's weights go to the GPU once, for every run.
    if (weightsError.empty() && model.signature.targetKind == "cuda" &&
        model.runnable) {
      weightsError = uploadGPUWeights(
          model.weights, model.signature.weightsSize, &model.gpuWeights);
      munmap(model.weights, model.signature.weightsSize);
      model.weights = nullptr;
    }
    if (!weightsError.empty()) {
      setError(error, std::string("model '") + path + "': " + weightsError);
      return 1;
    }
  }
  buildInfos(model);
  return 0;
}

/// A model frees its intermediate buffers at the end of each run and
/// allocates them again at the next. With glibc's defaults, a buffer above
/// the mmap threshold is a fresh mapping every time, and each of its pages
/// costs a page fault: a third of a small model's run time. Raising the
/// thresholds keeps such buffers in the heap between runs.
static void keepBuffersBetweenRuns() {
#ifdef M_MMAP_THRESHOLD
  static std::once_flag once;
  std::call_once(once, [] {
    const char *keep = std::getenv("XFMR_KEEP_MALLOC");
    if (keep && std::strcmp(keep, "0") != 0)
      return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
#endif
}

/// libomp's threads spin for KMP_BLOCKTIME (200 ms) after each parallel
/// loop before they sleep, and a decode step is a few hundred parallel
/// loops. On a machine whose cores other processes keep busy, a spinning
/// thread holds the core its partner needs: two-thread runs were 4x to 20x
/// slower there than with a blocktime of 0 (LLaMA-100M's int4 decode step,
/// Zen 4, load average 15 on 2 cores). On free cores spinning is the
/// faster policy (no wake-up per loop). So when the load average exceeds
/// the cores by at least one at load, the model's threads sleep at once;
/// KMP_BLOCKTIME or OMP_WAIT_POLICY in the environment, and
/// XFMR_PASSIVE_WAIT=0|1, override the guess.
static void chooseWaitPolicy(xfmr_model &model) {
  if (model.signature.targetKind == "cuda" || std::getenv("KMP_BLOCKTIME") ||
      std::getenv("OMP_WAIT_POLICY"))
    return;
  bool passive;
  if (const char *forced = std::getenv("XFMR_PASSIVE_WAIT")) {
    passive = std::strcmp(forced, "0") != 0;
  } else {
    double load = 0;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    passive = getloadavg(&load, 1) == 1 && cores > 0 && load >= cores + 1;
  }
  if (passive)
    model.setBlocktime = reinterpret_cast<void (*)(int)>(
        dlsym(model.handle, "kmp_set_blocktime"));
}

static xfmr_model *load(const char *path, char **error, bool signatureOnly) {
  if (error)
    *error = nullptr;
  std::unique_ptr<xfmr_model> model;
  int failed = guarded(error, [&] {
    model = std::make_unique<xfmr_model>();
    return loadModel(path, *model, error, signatureOnly);
  });
  if (!failed) {
    keepBuffersBetweenRuns();
    chooseWaitPolicy(*model);
    return model.release();
  }
  xfmr_model_free(model.release());
  return nullptr;
}

extern "C" xfmr_model *xfmr_model_load(const char *path, char **error) {
  return load(path, error, /*signatureOnly=*/false);
}

extern "C" xfmr_model *xfmr_model_load_signature(const char *path,
                                                 char **error) {
  return load(path, error, /*signatureOnly=*/true);
}

extern "C" void xfmr_model_free(xfmr_model *model) {
  if (!model)
    return;
  if (model->weights)
    munmap(model->weights, model->signature.weightsSize);
  if (model->gpuWeights)
    freeGPUWeights(model->gpuWeights);
  if (model->handle)
    dlclose(model->handle);
  delete model;
}

extern "C" size_t xfmr_model_num_inputs(const xfmr_model *model) {
  return model ? model->inputInfos.size() : 0;
}

extern "C" size_t xfmr_model_num_outputs(const xfmr_model *model) {
  return model ? model->outputInfos.size() : 0;
}

extern "C" const xfmr_tensor_info *xfmr_model_input(const xfmr_model *model,
                                                    size_t i) {
  return model && i < model->inputInfos.size() ? &model->inputInfos[i]
                                               : nullptr;
}

extern "C" const xfmr_tensor_info *xfmr_model_output(const xfmr_model *model,
                                                     size_t i) {
  return model && i < model->outputInfos.size() ? &model->outputInfos[i]
                                                : nullptr;
}

extern "C" const xfmr_target_info *xfmr_model_target(const xfmr_model *model) {
  return model ? &model->targetInfo : nullptr;
}
