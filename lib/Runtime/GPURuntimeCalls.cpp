//===- GPURuntimeCalls.cpp - The mgpu* functions CUDA models call ---------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The host code of a CUDA model is MLIR's GPU lowering (gpu-to-llvm and the
// module's load/unload constructors), which calls these C functions by name.
// Their signatures are the ones LLVM 22 emits. They cannot return an error,
// so they record it (see recordError) and the runtime reports it after the
// load or the run.
//
//===----------------------------------------------------------------------===//

#include "CUDADriver.h"
#include "RuntimeImpl.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

using namespace xfmr::runtime::cuda;

#define XFMR_GPU_CALL extern "C" __attribute__((visibility("default")))

//===----------------------------------------------------------------------===//
// The recorded error
//===----------------------------------------------------------------------===//

// Each thread keeps its own first error. The runtime takes, after a load or
// a run, the error of the calls that load or run made on its thread, so that
// models run from several threads at once never take each other's errors (a
// fault of a kernel poisons the context, and so reaches every thread's next
// call). The CUDA runtime's cudaGetLastError is per thread for the same
// reason. A pointer, not a string, so that no thread-local destructor runs
// before the destructors of models, which may still call in at exit.
static thread_local std::string *threadError = nullptr;

void xfmr::runtime::cuda::recordError(const std::string &message) {
  if (!threadError)
    threadError = new std::string(message);
}

std::string xfmr::runtime::cuda::takeError() {
  if (!threadError)
    return "";
  std::string error = std::move(*threadError);
  delete threadError;
  threadError = nullptr;
  return error;
}

/// The driver, with its context current on this thread; nullptr after an
/// error (recorded now or before), when the call must do nothing.
static const Driver *activeDriver() {
  if (threadError)
    return nullptr;
  std::string error;
  const Driver *driver = openDriver(error);
  if (driver)
    error = driver->makeCurrent();
  if (!error.empty()) {
    recordError(error);
    return nullptr;
  }
  return driver;
}

/// The driver for a call that releases something: it runs even after an
/// error, so that a failed run does not leak.
static const Driver *releasingDriver() {
  std::string error;
  const Driver *driver = openDriver(error);
  if (!driver || !driver->makeCurrent().empty())
    return nullptr;
  return driver;
}

/// Records `what` and the driver's reason when `result` is an error.
static bool succeeded(const Driver &driver, CUresult result,
                      const std::string &what) {
  if (result == CUDA_SUCCESS)
    return true;
  recordError(what + ": " + driver.describe(result));
  return false;
}

//===----------------------------------------------------------------------===//
// Modules
//===----------------------------------------------------------------------===//

/// The CUDA release whose driver first loads PTX ISA `major.minor`, as
/// NVIDIA's PTX ISA release history lists them (12080 for 12.8); 0 when the
/// version is newer than this table.
static int driverForPTX(int major, int minor) {
  static const struct {
    int ptx, driver;
  } firstDrivers[] = {
      {60, 9000},  {61, 9010},  {62, 9020},  {63, 10000}, {64, 10010},
      {65, 10020}, {70, 11000}, {71, 11010}, {72, 11020}, {73, 11030},
      {74, 11040}, {75, 11050}, {76, 11060}, {77, 11070}, {78, 11080},
      {80, 12000}, {81, 12010}, {82, 12020}, {83, 12030}, {84, 12040},
      {85, 12050}, {86, 12070}, {87, 12080}, {88, 12090}, {90, 13000},
      {91, 13010},
  };
  for (const auto &entry : firstDrivers)
    if (entry.ptx == major * 10 + minor)
      return entry.driver;
  return 0;
}

/// Whether `image` is PTX text rather than a cubin or fatbin.
static bool isPTX(const char *image, int64_t size) {
  int64_t i = 0;
  while (i < size && (image[i] == ' ' || image[i] == '\t' || image[i] == '\n' ||
                      image[i] == '\r'))
    ++i;
  return i + 1 < size && (image[i] == '.' || image[i] == '/');
}

/// Why the driver may have refused PTX: the driver it needs, from its
/// `.version X.Y` directive, when this one is older. "" otherwise.
static std::string ptxVersionAdvice(const Driver &driver, const char *ptx) {
  const char *directive = std::strstr(ptx, ".version");
  int major = 0, minor = 0;
  if (!directive ||
      std::sscanf(directive, ".version %d.%d", &major, &minor) != 2)
    return "";
  std::string version = std::to_string(major) + "." + std::to_string(minor);
  int needed = driverForPTX(major, minor);
  if (needed == 0)
    return "; the PTX is version " + version +
           ", newer than the CUDA releases this runtime knows, and the "
           "driver is CUDA " +
           formatDriverVersion(driver.version);
  if (needed <= driver.version)
    return "";
  return "; the PTX is version " + version + ", which needs a CUDA " +
         formatDriverVersion(needed) + " driver or newer, and this driver is " +
         formatDriverVersion(driver.version) +
         ": update the NVIDIA driver, or compile the model for this one";
}

/// JIT-compiles PTX text; its error log goes into the recorded message.
static void *loadPTX(const Driver &driver, const char *ptx, int optLevel) {
  static constexpr unsigned logSize = 16384;
  std::string log(logSize, '\0');
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                   CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {log.data(), reinterpret_cast<void *>(uintptr_t(logSize)),
                    reinterpret_cast<void *>(uintptr_t(optLevel))};
  // The driver's levels are 0 to 4; any other is left to its default.
  unsigned numOptions = optLevel >= 0 && optLevel <= 4 ? 3 : 2;
  CUmodule module = nullptr;
  CUresult result =
      driver.cuModuleLoadDataEx(&module, ptx, numOptions, options, values);
  if (result == CUDA_SUCCESS)
    return module;
  log.resize(std::strlen(log.c_str()));
  while (!log.empty() && (log.back() == '\n' || log.back() == ' '))
    log.pop_back();
  recordError("cannot load the model's PTX: " + driver.describe(result) +
              ptxVersionAdvice(driver, ptx) +
              (log.empty() ? "" : "\nPTX JIT log:\n" + log));
  return nullptr;
}

// Set while a model is loaded for its signature only.
static thread_local bool skipModuleLoads = false;

void xfmr::runtime::skipGPUCodeLoading(bool loading) {
  skipModuleLoads = loading;
}

XFMR_GPU_CALL void *mgpuModuleLoadJIT(void *data, int optLevel) {
  if (skipModuleLoads)
    return nullptr;
  const Driver *driver = activeDriver();
  if (!driver)
    return nullptr;
  if (!data) {
    recordError("cannot load the model's PTX: there is none");
    return nullptr;
  }
  return loadPTX(*driver, static_cast<const char *>(data), optLevel);
}

XFMR_GPU_CALL void *mgpuModuleLoad(void *data, int64_t size) {
  if (skipModuleLoads)
    return nullptr;
  const Driver *driver = activeDriver();
  if (!driver)
    return nullptr;
  if (!data || size <= 0) {
    recordError("cannot load the model's GPU code: there is none");
    return nullptr;
  }
  if (isPTX(static_cast<const char *>(data), size))
    return loadPTX(*driver, static_cast<const char *>(data), -1);
  CUmodule module = nullptr;
  CUresult result = driver->cuModuleLoadData(&module, data);
  if (result == CUDA_SUCCESS)
    return module;
  recordError("cannot load the model's GPU code on '" + driver->deviceName +
              "' (sm_" + std::to_string(driver->computeMajor) +
              std::to_string(driver->computeMinor) +
              "): " + driver->describe(result));
  return nullptr;
}

XFMR_GPU_CALL void mgpuModuleUnload(void *module) {
  if (!module)
    return;
  const Driver *driver = releasingDriver();
  if (driver)
    succeeded(*driver, driver->cuModuleUnload(static_cast<CUmodule>(module)),
              "cannot unload the model's GPU code");
}

XFMR_GPU_CALL void *mgpuModuleGetFunction(void *module, const char *name) {
  const Driver *driver = activeDriver();
  if (!driver)
    return nullptr;
  std::string what = std::string("kernel '") + (name ? name : "(null)") + "'";
  if (!module || !name) {
    recordError(what + ": the model's GPU code is not loaded (the library's "
                       "constructor, which loads it, did not run)");
    return nullptr;
  }
  CUfunction function = nullptr;
  if (!succeeded(*driver,
                 driver->cuModuleGetFunction(
                     &function, static_cast<CUmodule>(module), name),
                 "cannot find " + what + " in the model's GPU code"))
    return nullptr;
  return function;
}

//===----------------------------------------------------------------------===//
// Launches
//===----------------------------------------------------------------------===//

/// Whether every size fits the driver's unsigned ints; records it if not.
static bool fitLaunchSizes(std::initializer_list<intptr_t> sizes) {
  for (intptr_t size : sizes)
    if (size < 0 || uint64_t(size) > UINT32_MAX) {
      recordError("a kernel launch has a grid or block size of " +
                  std::to_string(size));
      return false;
    }
  return true;
}

/// Kernels may use more than 48 KiB of dynamic shared memory only after
/// asking for it.
static bool allowSharedMemory(const Driver &driver, CUfunction function,
                              int32_t bytes) {
  if (bytes <= 48 * 1024)
    return true;
  return succeeded(
      driver,
      driver.cuFuncSetAttribute(
          function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
      "a kernel asks for " + std::to_string(bytes) +
          " bytes of dynamic shared memory");
}

XFMR_GPU_CALL void mgpuLaunchKernel(void *function, intptr_t gridX,
                                    intptr_t gridY, intptr_t gridZ,
                                    intptr_t blockX, intptr_t blockY,
                                    intptr_t blockZ, int32_t sharedMemBytes,
                                    void *stream, void **params, void **extra,
                                    size_t /*paramsCount*/) {
  const Driver *driver = activeDriver();
  if (!driver)
    return;
  if (!function) {
    recordError("a kernel launch names no kernel");
    return;
  }
  auto *kernel = static_cast<CUfunction>(function);
  if (!fitLaunchSizes({gridX, gridY, gridZ, blockX, blockY, blockZ}) ||
      !allowSharedMemory(*driver, kernel, sharedMemBytes))
    return;
  succeeded(*driver,
            driver->cuLaunchKernel(
                kernel, gridX, gridY, gridZ, blockX, blockY, blockZ,
                sharedMemBytes, static_cast<CUstream>(stream), params, extra),
            "cannot launch a kernel on grid " + std::to_string(gridX) + "x" +
                std::to_string(gridY) + "x" + std::to_string(gridZ) +
                ", blocks " + std::to_string(blockX) + "x" +
                std::to_string(blockY) + "x" + std::to_string(blockZ));
}

XFMR_GPU_CALL void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                                           intptr_t clusterY, intptr_t clusterZ,
                                           intptr_t gridX, intptr_t gridY,
                                           intptr_t gridZ, intptr_t blockX,
                                           intptr_t blockY, intptr_t blockZ,
                                           int32_t sharedMemBytes, void *stream,
                                           void **params, void **extra) {
  const Driver *driver = activeDriver();
  if (!driver)
    return;
  if (!driver->cuLaunchKernelEx) {
    recordError("the model launches thread block clusters, which need a "
                "CUDA 12.0 driver or newer; this one is " +
                formatDriverVersion(driver->version));
    return;
  }
  if (!function) {
    recordError("a kernel launch names no kernel");
    return;
  }
  auto *kernel = static_cast<CUfunction>(function);
  if (!fitLaunchSizes({clusterX, clusterY, clusterZ, gridX, gridY, gridZ,
                       blockX, blockY, blockZ}) ||
      !allowSharedMemory(*driver, kernel, sharedMemBytes))
    return;
  // Clusters of more than 8 blocks are allowed only on request.
  if (clusterX * clusterY * clusterZ > 8 &&
      !succeeded(
          *driver,
          driver->cuFuncSetAttribute(
              kernel, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1),
          "a kernel asks for clusters of " +
              std::to_string(clusterX * clusterY * clusterZ) + " blocks"))
    return;
  CUlaunchAttribute cluster = {};
  cluster.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  cluster.value.clusterDim = {unsigned(clusterX), unsigned(clusterY),
                              unsigned(clusterZ)};
  CUlaunchConfig config = {unsigned(gridX),
                           unsigned(gridY),
                           unsigned(gridZ),
                           unsigned(blockX),
                           unsigned(blockY),
                           unsigned(blockZ),
                           unsigned(sharedMemBytes),
                           static_cast<CUstream>(stream),
                           &cluster,
                           1};
  succeeded(*driver, driver->cuLaunchKernelEx(&config, kernel, params, extra),
            "cannot launch a kernel with clusters of " +
                std::to_string(clusterX) + "x" + std::to_string(clusterY) +
                "x" + std::to_string(clusterZ));
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

// A run's work goes on one stream: the stream it asks for each time is the
// run's, which the runtime takes from its pool and synchronises once, at the
// end of the run.
static thread_local RunContext *runInProgress = nullptr;

RunContext *xfmr::runtime::cuda::currentRun() { return runInProgress; }

void xfmr::runtime::cuda::setCurrentRun(RunContext *run) {
  runInProgress = run;
}

XFMR_GPU_CALL void *mgpuStreamCreate() {
  if (runInProgress)
    return runInProgress->stream;
  const Driver *driver = activeDriver();
  CUstream stream = nullptr;
  if (driver)
    succeeded(*driver, driver->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING),
              "cannot create a CUDA stream");
  return stream;
}

XFMR_GPU_CALL void mgpuStreamSynchronize(void *stream) {
  // A stream's kernels report their faults here.
  if (const Driver *driver = activeDriver())
    succeeded(*driver,
              driver->cuStreamSynchronize(static_cast<CUstream>(stream)),
              "the model's GPU work failed");
}

XFMR_GPU_CALL void mgpuStreamDestroy(void *stream) {
  if (runInProgress && stream == runInProgress->stream)
    return;
  const Driver *driver = releasingDriver();
  if (driver && stream)
    succeeded(*driver, driver->cuStreamDestroy(static_cast<CUstream>(stream)),
              "cannot destroy a CUDA stream");
}

XFMR_GPU_CALL void mgpuStreamWaitEvent(void *stream, void *event) {
  if (const Driver *driver = activeDriver())
    succeeded(*driver,
              driver->cuStreamWaitEvent(static_cast<CUstream>(stream),
                                        static_cast<CUevent>(event), 0),
              "a CUDA stream cannot wait for an event");
}

XFMR_GPU_CALL void *mgpuEventCreate() {
  const Driver *driver = activeDriver();
  CUevent event = nullptr;
  if (driver)
    succeeded(*driver, driver->cuEventCreate(&event, CU_EVENT_DISABLE_TIMING),
              "cannot create a CUDA event");
  return event;
}

XFMR_GPU_CALL void mgpuEventDestroy(void *event) {
  const Driver *driver = releasingDriver();
  if (driver && event)
    succeeded(*driver, driver->cuEventDestroy(static_cast<CUevent>(event)),
              "cannot destroy a CUDA event");
}

XFMR_GPU_CALL void mgpuEventSynchronize(void *event) {
  if (const Driver *driver = activeDriver())
    succeeded(*driver, driver->cuEventSynchronize(static_cast<CUevent>(event)),
              "the model's GPU work failed");
}

XFMR_GPU_CALL void mgpuEventRecord(void *event, void *stream) {
  if (const Driver *driver = activeDriver())
    succeeded(*driver,
              driver->cuEventRecord(static_cast<CUevent>(event),
                                    static_cast<CUstream>(stream)),
              "cannot record a CUDA event");
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

// Host code does not check what mgpuMemAlloc returns, and may write into
// managed memory itself. After an error, or when the driver has no memory
// left, it gets zeroed host memory instead of a null pointer to crash on;
// the error is recorded, so the run fails all the same.
static std::mutex &placeholderMutex = *new std::mutex();
static std::set<void *> &placeholders = *new std::set<void *>();

static void *placeholder(uint64_t bytes) {
  void *memory = std::calloc(1, bytes);
  if (memory) {
    std::lock_guard<std::mutex> lock(placeholderMutex);
    placeholders.insert(memory);
  }
  return memory;
}

bool xfmr::runtime::cuda::releasePlaceholder(void *memory) {
  {
    std::lock_guard<std::mutex> lock(placeholderMutex);
    if (!placeholders.erase(memory))
      return false;
  }
  std::free(memory);
  return true;
}

XFMR_GPU_CALL void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/,
                                 bool isHostShared) {
  if (sizeBytes == 0)
    return nullptr;
  const Driver *driver = activeDriver();
  if (!driver)
    return placeholder(sizeBytes);
  CUdeviceptr pointer = 0;
  CUresult result =
      isHostShared
          ? driver->cuMemAllocManaged(&pointer, sizeBytes, CU_MEM_ATTACH_GLOBAL)
          : driver->cuMemAlloc(&pointer, sizeBytes);
  if (!succeeded(*driver, result,
                 "cannot allocate " + std::to_string(sizeBytes) + " bytes of " +
                     (isHostShared ? "managed" : "GPU") + " memory"))
    return placeholder(sizeBytes);
  return reinterpret_cast<void *>(pointer);
}

void xfmr::runtime::cuda::freeNow(void *memory) {
  if (releasePlaceholder(memory))
    return;
  const Driver *driver = releasingDriver();
  if (driver && memory)
    succeeded(*driver, driver->cuMemFree(devicePointer(memory)),
              "cannot free GPU memory");
}

XFMR_GPU_CALL void mgpuMemFree(void *ptr, void * /*stream*/) {
  // Kernels of the run still queued may use it: it goes when they are done.
  if (runInProgress && ptr) {
    runInProgress->deferredFrees.push_back(ptr);
    return;
  }
  freeNow(ptr);
}

XFMR_GPU_CALL void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                              void *stream) {
  if (const Driver *driver = activeDriver())
    succeeded(*driver,
              driver->cuMemcpyAsync(devicePointer(dst), devicePointer(src),
                                    sizeBytes, static_cast<CUstream>(stream)),
              "cannot copy " + std::to_string(sizeBytes) + " bytes");
}

XFMR_GPU_CALL void mgpuMemset32(void *dst, unsigned int value, size_t count,
                                void *stream) {
  if (const Driver *driver = activeDriver())
    succeeded(*driver,
              driver->cuMemsetD32Async(devicePointer(dst), value, count,
                                       static_cast<CUstream>(stream)),
              "cannot set " + std::to_string(count) + " 32-bit words");
}

XFMR_GPU_CALL void mgpuMemset16(void *dst, unsigned short value, size_t count,
                                void *stream) {
  if (const Driver *driver = activeDriver())
    succeeded(*driver,
              driver->cuMemsetD16Async(devicePointer(dst), value, count,
                                       static_cast<CUstream>(stream)),
              "cannot set " + std::to_string(count) + " 16-bit words");
}

namespace {
/// The head of a ranked memref descriptor; sizes then strides follow.
struct MemRefHead {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[];
};
} // namespace

/// The bytes a memref spans from its first element; 0 when it is empty.
static uint64_t spannedBytes(int64_t rank, const MemRefHead *memref,
                             int64_t elementSize) {
  const int64_t *sizes = memref->sizesAndStrides;
  const int64_t *strides = sizes + rank;
  int64_t lastElement = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (sizes[d] <= 0)
      return 0;
    lastElement += (sizes[d] - 1) * strides[d];
  }
  return uint64_t(lastElement + 1) * uint64_t(elementSize);
}

static char *firstElement(const MemRefHead *memref, int64_t elementSize) {
  return memref->aligned + memref->offset * elementSize;
}

XFMR_GPU_CALL void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                             int64_t elementSizeBytes) {
  const Driver *driver = activeDriver();
  if (!driver || !descriptor)
    return;
  auto *memref = static_cast<const MemRefHead *>(descriptor);
  uint64_t bytes = spannedBytes(rank, memref, elementSizeBytes);
  if (bytes > 0)
    succeeded(*driver,
              driver->cuMemHostRegister(firstElement(memref, elementSizeBytes),
                                        bytes, CU_MEMHOSTREGISTER_PORTABLE),
              "cannot register " + std::to_string(bytes) +
                  " bytes of host memory with the GPU");
}

XFMR_GPU_CALL void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                               int64_t elementSizeBytes) {
  const Driver *driver = releasingDriver();
  if (!driver || !descriptor)
    return;
  auto *memref = static_cast<const MemRefHead *>(descriptor);
  if (spannedBytes(rank, memref, elementSizeBytes) > 0)
    succeeded(
        *driver,
        driver->cuMemHostUnregister(firstElement(memref, elementSizeBytes)),
        "cannot unregister host memory from the GPU");
}

//===----------------------------------------------------------------------===//
// Devices and tensor maps
//===----------------------------------------------------------------------===//

XFMR_GPU_CALL void mgpuSetDefaultDevice(int32_t device) {
  const Driver *driver = activeDriver();
  // The runtime runs every model on one device, chosen when the driver is
  // opened.
  if (driver && device != driver->ordinal)
    recordError("the model asks for CUDA device " + std::to_string(device) +
                " but the runtime uses device " +
                std::to_string(driver->ordinal) +
                "; set XFMR_CUDA_DEVICE to choose another");
}

/// Bytes per element of the driver's CUtensorMapDataType values 0 to 12.
static int64_t tensorMapElementSize(int64_t dataType) {
  static const int64_t sizes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  return dataType >= 0 && dataType < 13 ? sizes[dataType] : 0;
}

/// The run's next tensor-map slot holding `map`, in GPU memory where kernels
/// read it; 0 after recording an error. A slot holding the same map from
/// the stream's previous run is not copied again.
static CUdeviceptr tensorMapInRun(const Driver &driver, RunContext &run,
                                  const CUtensorMap &map) {
  std::deque<TensorMapSlot> &slots = run.pooled->tensorMaps;
  if (run.tensorMapsUsed == slots.size()) {
    CUdeviceptr device = 0;
    if (!succeeded(driver, driver.cuMemAlloc(&device, sizeof(map)),
                   "cannot allocate a tensor map"))
      return 0;
    slots.emplace_back().device = device;
  }
  TensorMapSlot &slot = slots[run.tensorMapsUsed++];
  if (slot.written && !std::memcmp(&slot.host, &map, sizeof(map)))
    return slot.device;
  slot.host = map;
  slot.written =
      succeeded(driver,
                driver.cuMemcpyAsync(slot.device, devicePointer(&slot.host),
                                     sizeof(map), run.stream),
                "cannot copy a tensor map to the GPU");
  return slot.written ? slot.device : 0;
}

/// A copy of `map` in GPU memory made outside a model's run (by host code
/// called on its own); 0 after recording an error. Each distinct map is
/// copied once and kept for the life of the process.
static CUdeviceptr tensorMapOnDevice(const Driver &driver,
                                     const CUtensorMap &map) {
  if (runInProgress && runInProgress->pooled)
    return tensorMapInRun(driver, *runInProgress, map);
  static std::mutex &cacheMutex = *new std::mutex();
  static auto &copies = *new std::map<std::array<uint64_t, 16>, CUdeviceptr>();
  std::array<uint64_t, 16> key;
  std::memcpy(key.data(), map.opaque, sizeof(map.opaque));
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto found = copies.find(key);
  if (found != copies.end())
    return found->second;
  CUdeviceptr onDevice = 0;
  if (!succeeded(driver, driver.cuMemAlloc(&onDevice, sizeof(map)),
                 "cannot allocate a tensor map"))
    return 0;
  if (!succeeded(driver,
                 driver.cuMemcpy(onDevice, devicePointer(&map), sizeof(map)),
                 "cannot copy a tensor map to the GPU")) {
    driver.cuMemFree(onDevice);
    return 0;
  }
  copies.emplace(key, onDevice);
  return onDevice;
}

XFMR_GPU_CALL void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *descriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims) {
  const Driver *driver = activeDriver();
  if (!driver)
    return nullptr;
  if (!driver->cuTensorMapEncodeTiled) {
    recordError("the model uses tensor maps (TMA), which need a CUDA 12.0 "
                "driver or newer; this one is " +
                formatDriverVersion(driver->version));
    return nullptr;
  }
  int64_t elementSize = tensorMapElementSize(dataType);
  if (!descriptor || !boxDims || rank < 1 || rank > 5 || elementSize == 0) {
    recordError("a tensor map of rank " + std::to_string(rank) +
                " and data type " + std::to_string(dataType) +
                " cannot be made");
    return nullptr;
  }
  // The driver counts dims from the innermost one, memrefs from the
  // outermost; strides are in bytes and the innermost one is implied.
  auto *memref = static_cast<const MemRefHead *>(descriptor);
  const int64_t *sizes = memref->sizesAndStrides;
  const int64_t *strides = sizes + rank;
  uint64_t dims[5], byteStrides[4];
  unsigned box[5], elementStrides[5];
  for (int64_t d = 0; d < rank; ++d) {
    dims[d] = uint64_t(sizes[rank - 1 - d]);
    box[d] = unsigned(boxDims[rank - 1 - d]);
    elementStrides[d] = 1;
    if (d + 1 < rank)
      byteStrides[d] = uint64_t(strides[rank - 2 - d] * elementSize);
  }
  CUtensorMap map = {};
  if (!succeeded(*driver,
                 driver->cuTensorMapEncodeTiled(
                     &map, int(dataType), unsigned(rank),
                     firstElement(memref, elementSize), dims, byteStrides, box,
                     elementStrides, int(interleave), int(swizzle),
                     int(l2Promotion), int(oobFill)),
                 "cannot make a tensor map of rank " + std::to_string(rank)))
    return nullptr;
  return reinterpret_cast<void *>(tensorMapOnDevice(*driver, map));
}
