//===- RuntimeImpl.h - What a loaded xfmr model holds -----------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Private to libxfmr_runtime: the parsed signature of a model, the loaded
// model, and the helpers that turn failures into C error strings. The
// library uses no LLVM or MLIR code, so that programs can link it alone.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_RUNTIME_RUNTIMEIMPL_H
#define XFMR_LIB_RUNTIME_RUNTIMEIMPL_H

// The library is built with hidden visibility; its C API is what it exports.
#pragma GCC visibility push(default)
#include "xfmr/Runtime/xfmr_runtime.h"
#pragma GCC visibility pop

#include <exception>
#include <new>
#include <string>
#include <vector>

namespace xfmr::runtime {

/// One input or output as the signature declares it.
struct TensorDecl {
  std::string name;
  xfmr_dtype dtype = XFMR_DTYPE_INVALID;
  /// -1 for a dynamic dim.
  std::vector<int64_t> shape;
  /// "" for an unnamed dim.
  std::vector<std::string> dimNames;
};

/// The inputs and outputs of a model, in its order.
struct Signature {
  std::vector<TensorDecl> inputs;
  std::vector<TensorDecl> outputs;
  /// "cpu", "cuda", or "" for a model without a `target` record.
  std::string targetKind;
  /// The CPU the model was compiled for and the ISA extensions its code may
  /// execute (LLVM's names); empty for a model without a `target` record.
  std::string cpu;
  std::vector<std::string> cpuFeatures;
  /// For cuda: the GPU architectures it carries code for ("sm_90a").
  std::vector<std::string> gpuArchs;
  /// The weights file beside the library (a name, no folder), its size and
  /// its xfmr_weights_hash; an empty name for a model without one.
  std::string weightsFile;
  uint64_t weightsSize = 0;
  uint64_t weightsHash = 0;
};

/// The extensions of `required` (LLVM's names: "avx2", "avx512f", ...) that
/// the CPU running this process lacks, or that its OS has not enabled.
std::vector<std::string>
missingCPUFeatures(const std::vector<std::string> &required);

/// Checks the ELF headers of a model file of `size` bytes, of which the
/// first `available` are at `data`: a 64-bit x86-64 shared library whose
/// program headers lie in those bytes and whose loadable segments and
/// section headers lie inside the file. Returns "" or what is wrong.
std::string checkModelHeaders(const unsigned char *data, size_t available,
                              uint64_t size);

/// Reads the start of the file at `path` and checks its headers as above.
/// Returns "" or what is wrong.
std::string checkModelFile(const char *path);

/// Maps the weights file `path` read-only and checks its size and hash
/// against `signature`. Returns "" and sets `*data`, or what is wrong.
std::string mapWeightsFile(const std::string &path, const Signature &signature,
                           void **data);

/// Parses the text `xfmr_model_signature` returns. Returns "" on success,
/// otherwise what is wrong with it.
std::string parseSignature(const char *text, Signature &signature);

/// Formats a declared shape the way the signature writes it: `[2,?n,?]`.
std::string formatDeclShape(const TensorDecl &decl);

/// Formats a concrete shape: `[2,3]`.
std::string formatShape(const int64_t *shape, int64_t rank);

/// The name of a dtype, or a description of an invalid one.
std::string dtypeName(xfmr_dtype dtype);

/// A result descriptor as the model wrote it.
struct ResultView {
  void *allocated;
  char *aligned;
  int64_t offset;
  const int64_t *sizes;
  const int64_t *strides;
  int64_t rank;
};

/// Reads the descriptor of rank `rank` at `words`.
ResultView viewResult(const int64_t *words, int64_t rank);

/// While `loading` is true, the cuda models loaded on this thread do not
/// load their GPU code: their constructors' mgpuModuleLoad touches no
/// driver and gives no module.
void skipGPUCodeLoading(bool loading);

/// Makes the mgpu* functions of this library visible to the models it loads
/// next, also when the program opened it with RTLD_LOCAL (as Python's ctypes
/// does): the host code of a cuda model calls them by name.
void exposeGPUCalls();

/// For a model whose target is cuda, reached only through the CUDA driver.
/// Why a cuda model cannot run here ("" when it can): no driver, no device,
/// or the error its constructor met loading its GPU code.
std::string checkGPUModel(const Signature &signature);

namespace cuda {
struct RunContext;
} // namespace cuda

/// One run of a cuda model: one stream from the runtime's pool that all its
/// work goes on, its inputs in managed memory for the time of the run, its
/// results brought back to host memory after one synchronisation.
class GPURun {
public:
  GPURun();
  GPURun(const GPURun &) = delete;
  GPURun &operator=(const GPURun &) = delete;
  /// Ends the run: frees the inputs' managed memory and what the run freed,
  /// and gives its stream back to the pool.
  ~GPURun();
  /// Takes a stream, copies each input (dense, row-major, `bytes[i]` long)
  /// into managed memory, points its descriptor (at `descriptors[i]`)
  /// there, and makes this the run in progress on the calling thread.
  std::string stageInputs(const std::vector<const void *> &data,
                          const std::vector<size_t> &bytes,
                          const std::vector<int64_t *> &descriptors);
  /// Waits for the run's stream, reports any error the model's GPU calls
  /// recorded, and replaces every result in GPU memory by a host copy,
  /// freeing the GPU buffers. On an error, every result buffer is freed.
  std::string fetchResults(const Signature &signature, int64_t *words);

private:
  std::vector<void *> staged;
  cuda::RunContext *context;
  /// Whether the run's stream was waited for after its last work.
  bool synchronised = false;
};

/// Copies a cuda model's weights (`bytes` at `host`) into GPU memory, where
/// they stay until freeGPUWeights. Returns "" and sets `*device`, or why not.
std::string uploadGPUWeights(const void *host, uint64_t bytes, void **device);

/// Frees what uploadGPUWeights allocated.
void freeGPUWeights(void *device);

/// Stores a malloc'd copy of `message` in `*error` when `error` is not NULL.
void setError(char **error, const std::string &message);

/// Runs `body` (which returns 0 or 1 and reports through `error`) so that no
/// C++ exception leaves the C API.
template <typename Body> int guarded(char **error, Body &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    setError(error, "out of memory");
  } catch (const std::exception &e) {
    setError(error, std::string("internal error: ") + e.what());
  } catch (...) {
    setError(error, "internal error");
  }
  return 1;
}

} // namespace xfmr::runtime

/// A model loaded with xfmr_model_load. Immutable once loaded, so that it can
/// be run from several threads at once.
struct xfmr_model {
  void *handle = nullptr;
  /// The mapped weights file (signature.weightsSize bytes), or NULL.
  void *weights = nullptr;
  /// For cuda: the weights in GPU memory, copied there once at load; NULL
  /// for a model without a weights file.
  void *gpuWeights = nullptr;
  void (*run)(void **args) = nullptr;
  /// libomp's kmp_set_blocktime, when the model's threads should sleep as
  /// soon as a parallel loop ends (the machine was oversubscribed at load);
  /// NULL to keep libomp's policy.
  void (*setBlocktime)(int milliseconds) = nullptr;
  /// False for a model loaded for its signature only.
  bool runnable = true;
  xfmr::runtime::Signature signature;
  /// What xfmr_model_input/xfmr_model_output hand out; they point into
  /// `signature` and `dimNamePointers`.
  std::vector<xfmr_tensor_info> inputInfos;
  std::vector<xfmr_tensor_info> outputInfos;
  std::vector<std::vector<const char *>> dimNamePointers;
  /// What xfmr_model_target hands out, pointing into `targetText`.
  xfmr_target_info targetInfo = {"", "", ""};
  std::string targetText[2];
};

#endif // XFMR_LIB_RUNTIME_RUNTIMEIMPL_H
