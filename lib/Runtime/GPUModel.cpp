//===- GPUModel.cpp - Loading and running models compiled for CUDA --------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A cuda model is a shared library like any other; its constructor loads its
// kernels through mgpuModuleLoad. What differs is around it: the load fails
// when there is no GPU or the kernels did not load, and copies the weights
// to the GPU once; a run's work goes on one stream, its inputs to managed
// memory, its results come back from GPU memory after one synchronisation,
// and the errors the mgpu* calls recorded fail it.
//
//===----------------------------------------------------------------------===//

#include "CUDADriver.h"
#include "RuntimeImpl.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>

using namespace xfmr::runtime;
using namespace xfmr::runtime::cuda;

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

/// Whether code for `arch` ("sm_80", "sm_90a", "sm_100f") runs on a device
/// of compute capability major.minor: the same major and no lower minor; an
/// arch-specific one ('a') only on its own device.
static bool runsOn(const std::string &arch, int major, int minor) {
  if (arch.rfind("sm_", 0) != 0)
    return false;
  size_t end = 3;
  while (end < arch.size() && arch[end] >= '0' && arch[end] <= '9')
    ++end;
  if (end == 3 || end - 3 > 4)
    return false;
  int number = std::atoi(arch.substr(3, end - 3).c_str());
  int archMajor = number / 10, archMinor = number % 10;
  std::string suffix = arch.substr(end);
  if (suffix == "a")
    return archMajor == major && archMinor == minor;
  return (suffix.empty() || suffix == "f") && archMajor == major &&
         archMinor <= minor;
}

/// Says why the model's code may not load on this device: none of its
/// architectures runs here. "" when one does.
static std::string archAdvice(const Driver &driver,
                              const std::vector<std::string> &archs) {
  for (const std::string &arch : archs)
    if (runsOn(arch, driver.computeMajor, driver.computeMinor))
      return "";
  std::string list;
  for (const std::string &arch : archs)
    list += (list.empty() ? "" : ", ") + arch;
  std::string device = "sm_" + std::to_string(driver.computeMajor) +
                       std::to_string(driver.computeMinor);
  return "; the model carries code for " + list +
         ", none of which runs on this GPU ('" + driver.deviceName + "', " +
         device + "): compile it for " + device;
}

void xfmr::runtime::exposeGPUCalls() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info self;
    if (!dladdr(reinterpret_cast<void *>(&xfmr_model_load), &self) ||
        !self.dli_fname)
      return;
    // Promotes this library, already loaded, to the global scope; the
    // reference it takes keeps it loaded, as models may need it until exit.
    dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  });
}

std::string xfmr::runtime::checkGPUModel(const Signature &signature) {
  std::string error;
  const Driver *driver = openDriver(error);
  // What the model's constructor met loading its kernels belongs to this
  // load; taking it also leaves no stale error for later calls.
  std::string loadError = takeError();
  if (!driver)
    return error;
  if (loadError.empty())
    return "";
  return loadError + archAdvice(*driver, signature.gpuArchs);
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

/// The driver with its context current here, or why there is none.
static const Driver *currentDriver(std::string &error) {
  const Driver *driver = openDriver(error);
  if (driver)
    error = driver->makeCurrent();
  return error.empty() ? driver : nullptr;
}

// Streams outlive runs: a run takes one from the pool, or creates one when
// the pool is empty (as many as runs ever ran at once), and gives it back
// with its tensor-map slots.
static std::mutex &streamPoolMutex = *new std::mutex();
static std::vector<PooledStream *> &streamPool =
    *new std::vector<PooledStream *>();

GPURun::GPURun() : context(new RunContext()) {}

GPURun::~GPURun() {
  if (currentRun() == context)
    setCurrentRun(nullptr);
  std::string error;
  if (const Driver *driver = currentDriver(error)) {
    // A run that stopped early may have work queued on what it frees.
    if (context->stream && !synchronised)
      driver->cuStreamSynchronize(context->stream);
    for (void *buffer : staged)
      driver->cuMemFree(devicePointer(buffer));
    for (void *buffer : context->deferredFrees)
      freeNow(buffer);
    if (context->pooled) {
      std::lock_guard<std::mutex> lock(streamPoolMutex);
      streamPool.push_back(context->pooled);
    }
  }
  delete context;
}

std::string GPURun::stageInputs(const std::vector<const void *> &data,
                                const std::vector<size_t> &bytes,
                                const std::vector<int64_t *> &descriptors) {
  std::string error;
  const Driver *driver = currentDriver(error);
  if (!driver)
    return error;
  {
    std::lock_guard<std::mutex> lock(streamPoolMutex);
    if (!streamPool.empty()) {
      context->pooled = streamPool.back();
      streamPool.pop_back();
    }
  }
  if (!context->pooled) {
    CUstream stream = nullptr;
    CUresult result = driver->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING);
    if (result != CUDA_SUCCESS)
      return "cannot create a CUDA stream: " + driver->describe(result);
    context->pooled = new PooledStream();
    context->pooled->stream = stream;
  }
  context->stream = context->pooled->stream;
  for (size_t i = 0; i < data.size(); ++i) {
    if (bytes[i] == 0)
      continue;
    CUdeviceptr buffer = 0;
    CUresult result =
        driver->cuMemAllocManaged(&buffer, bytes[i], CU_MEM_ATTACH_GLOBAL);
    if (result != CUDA_SUCCESS)
      return "cannot allocate " + std::to_string(bytes[i]) +
             " bytes of managed memory for input #" + std::to_string(i) + ": " +
             driver->describe(result);
    staged.push_back(reinterpret_cast<void *>(buffer));
    result = driver->cuMemcpyAsync(buffer, devicePointer(data[i]), bytes[i],
                                   context->stream);
    if (result != CUDA_SUCCESS)
      return "cannot copy input #" + std::to_string(i) +
             " to managed memory: " + driver->describe(result);
    // The descriptor's allocated and aligned pointers.
    descriptors[i][0] = descriptors[i][1] = static_cast<int64_t>(buffer);
  }
  setCurrentRun(context);
  return "";
}

std::string xfmr::runtime::uploadGPUWeights(const void *host, uint64_t bytes,
                                            void **device) {
  std::string error;
  const Driver *driver = currentDriver(error);
  if (!driver)
    return error;
  // Managed, as host code between kernels may read a weight too.
  CUdeviceptr buffer = 0;
  CUresult result =
      driver->cuMemAllocManaged(&buffer, bytes, CU_MEM_ATTACH_GLOBAL);
  if (result != CUDA_SUCCESS)
    return "cannot allocate " + std::to_string(bytes) +
           " bytes of GPU memory for the weights: " + driver->describe(result);
  result = driver->cuMemcpy(buffer, devicePointer(host), bytes);
  if (result != CUDA_SUCCESS) {
    driver->cuMemFree(buffer);
    return "cannot copy the weights to the GPU: " + driver->describe(result);
  }
  *device = reinterpret_cast<void *>(buffer);
  return "";
}

void xfmr::runtime::freeGPUWeights(void *device) {
  std::string error;
  if (const Driver *driver = currentDriver(error))
    driver->cuMemFree(devicePointer(device));
}

/// Whether `pointer` is memory the driver allocated (device or managed),
/// rather than host memory from malloc.
static bool isGPUMemory(const Driver &driver, const void *pointer) {
  if (!pointer)
    return false;
  int managed = 0;
  unsigned type = 0;
  if (driver.cuPointerGetAttribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED,
                                   devicePointer(pointer)) == CUDA_SUCCESS &&
      managed)
    return true;
  return driver.cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                      devicePointer(pointer)) == CUDA_SUCCESS &&
         type == CU_MEMORYTYPE_DEVICE;
}

/// The bytes from the first element of `view` to its last; false when a
/// size is negative or the span does not fit.
static bool spanOf(const ResultView &view, size_t elementSize,
                   uint64_t &bytes) {
  int64_t last = 0;
  for (int64_t d = 0; d < view.rank; ++d) {
    if (view.sizes[d] < 0 || view.strides[d] < 0)
      return false;
    if (view.sizes[d] == 0) {
      bytes = 0;
      return true;
    }
    int64_t reach;
    if (__builtin_mul_overflow(view.sizes[d] - 1, view.strides[d], &reach) ||
        __builtin_add_overflow(last, reach, &last))
      return false;
  }
  return !__builtin_mul_overflow(uint64_t(last) + 1, uint64_t(elementSize),
                                 &bytes);
}

template <typename T> static void addOnce(std::vector<T> &list, T value) {
  if (value && std::find(list.begin(), list.end(), value) == list.end())
    list.push_back(value);
}

std::string GPURun::fetchResults(const Signature &signature, int64_t *words) {
  std::string error;
  const Driver *driver = currentDriver(error);
  if (!driver)
    return error;
  // The run's one synchronisation: a kernel's fault shows there; the first
  // error any mgpu* call recorded came before it.
  if (currentRun() == context)
    setCurrentRun(nullptr);
  CUresult result = context->stream
                        ? driver->cuStreamSynchronize(context->stream)
                        : driver->cuCtxSynchronize();
  synchronised = true;
  std::string recorded = takeError();
  if (!recorded.empty())
    error = recorded;
  else if (result != CUDA_SUCCESS)
    error = "the model's GPU work failed: " + driver->describe(result);

  std::vector<void *> gpuBuffers, hostBuffers;
  for (const TensorDecl &decl : signature.outputs) {
    int64_t rank = static_cast<int64_t>(decl.shape.size());
    int64_t *descriptor = words;
    words += 3 + 2 * rank;
    ResultView view = viewResult(descriptor, rank);
    if (!isGPUMemory(*driver, view.allocated)) {
      addOnce(hostBuffers, view.allocated);
      continue;
    }
    if (std::find(staged.begin(), staged.end(), view.allocated) == staged.end())
      addOnce(gpuBuffers, view.allocated);
    if (!error.empty())
      continue;
    size_t elementSize = xfmr_dtype_size(decl.dtype);
    uint64_t bytes = 0;
    if (!spanOf(view, elementSize, bytes)) {
      error = "the model returned output '" + decl.name + "' with shape " +
              formatShape(view.sizes, rank) + " and strides " +
              formatShape(view.strides, rank);
      continue;
    }
    // The host copy keeps the sizes and strides; the offset is in the span.
    void *copy = bytes ? std::malloc(bytes) : nullptr;
    if (bytes && !copy) {
      error = "out of memory for output '" + decl.name + "'";
      continue;
    }
    hostBuffers.push_back(copy);
    const char *first = view.aligned + view.offset * int64_t(elementSize);
    result = bytes ? driver->cuMemcpy(devicePointer(copy), devicePointer(first),
                                      bytes)
                   : CUDA_SUCCESS;
    if (result != CUDA_SUCCESS)
      error = "cannot copy output '" + decl.name +
              "' from the GPU: " + driver->describe(result);
    int64_t pointer = static_cast<int64_t>(devicePointer(copy));
    descriptor[0] = descriptor[1] = pointer;
    descriptor[2] = 0;
  }
  for (void *buffer : gpuBuffers)
    driver->cuMemFree(devicePointer(buffer));
  if (!error.empty())
    for (void *buffer : hostBuffers)
      if (!releasePlaceholder(buffer))
        std::free(buffer);
  return error;
}

//===----------------------------------------------------------------------===//
// The C API
//===----------------------------------------------------------------------===//

/// Copies `text` into `buffer`, cut to `size` bytes with its NUL.
static void copyOut(const std::string &text, char *buffer, size_t size) {
  if (!buffer || size == 0)
    return;
  size_t length = std::min(text.size(), size - 1);
  std::memcpy(buffer, text.data(), length);
  buffer[length] = '\0';
}

extern "C" int xfmr_cuda_device_info(char *buffer, size_t size) {
  return guarded(nullptr, [&] {
    std::string error;
    const Driver *driver = openDriver(error);
    if (!driver) {
      copyOut(error, buffer, size);
      return 1;
    }
    copyOut("CUDA driver " + formatDriverVersion(driver->version) +
                ", device " + std::to_string(driver->ordinal) + ": " +
                driver->deviceName + " (sm_" +
                std::to_string(driver->computeMajor) +
                std::to_string(driver->computeMinor) + ")",
            buffer, size);
    return 0;
  });
}

extern "C" int xfmr_cuda_take_error(char **error) {
  if (error)
    *error = nullptr;
  return guarded(error, [&] {
    std::string message = takeError();
    if (message.empty())
      return 0;
    setError(error, message);
    return 1;
  });
}
