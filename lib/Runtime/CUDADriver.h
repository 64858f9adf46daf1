//===- CUDADriver.h - The CUDA driver API, opened at run time ---*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Private to libxfmr_runtime. The driver (libcuda.so.1) is opened with dlopen
// the first time a CUDA model needs it, so that the runtime builds and runs
// on machines without the CUDA toolkit or a GPU. The few types and constants
// below are the driver's ABI, declared here instead of including cuda.h.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_RUNTIME_CUDADRIVER_H
#define XFMR_LIB_RUNTIME_CUDADRIVER_H

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace xfmr::runtime::cuda {

//===----------------------------------------------------------------------===//
// The driver's types and constants
//===----------------------------------------------------------------------===//

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;

constexpr CUresult CUDA_SUCCESS = 0;

/// The driver's name for a pointer in the unified address space.
inline CUdeviceptr devicePointer(const void *pointer) {
  return reinterpret_cast<CUdeviceptr>(pointer);
}

// CUjit_option
constexpr int CU_JIT_INFO_LOG_BUFFER = 3;
constexpr int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr int CU_JIT_OPTIMIZATION_LEVEL = 7;

// CUdevice_attribute
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY = 83;

// CUfunction_attribute
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED = 14;

// CUpointer_attribute and CUmemorytype
constexpr int CU_POINTER_ATTRIBUTE_MEMORY_TYPE = 2;
constexpr int CU_POINTER_ATTRIBUTE_IS_MANAGED = 8;
constexpr unsigned CU_MEMORYTYPE_DEVICE = 2;

// Flags
constexpr unsigned CU_MEM_ATTACH_GLOBAL = 1;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
constexpr unsigned CU_EVENT_DISABLE_TIMING = 2;
constexpr unsigned CU_MEMHOSTREGISTER_PORTABLE = 1;

// Launch attributes (cuLaunchKernelEx); the layout of cuda.h's structs.
constexpr int CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION = 4;
struct CUlaunchAttribute {
  int id;
  char pad[4];
  union {
    char bytes[64];
    struct {
      unsigned x, y, z;
    } clusterDim;
  } value;
};
struct CUlaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream hStream;
  CUlaunchAttribute *attrs;
  unsigned numAttrs;
};

// Tensor maps (cuTensorMapEncodeTiled): 128 opaque bytes, 64-byte aligned.
struct alignas(64) CUtensorMap {
  uint64_t opaque[16];
};

//===----------------------------------------------------------------------===//
// The driver
//===----------------------------------------------------------------------===//

/// The entry points of libcuda.so.1 this runtime calls, and the device it
/// runs on. Every pointer is set once the driver has been opened, except
/// the few that older drivers lack (marked optional).
struct Driver {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDriverGetVersion)(int *version);
  CUresult (*cuGetErrorName)(CUresult error, const char **name);
  CUresult (*cuGetErrorString)(CUresult error, const char **text);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetName)(char *name, int length, CUdevice device);
  CUresult (*cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadData)(CUmodule *module, const void *image);
  CUresult (*cuModuleLoadDataEx)(CUmodule *module, const void *image,
                                 unsigned numOptions, int *options,
                                 void **values);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module,
                                  const char *name);
  CUresult (*cuFuncSetAttribute)(CUfunction function, int attribute, int value);
  CUresult (*cuLaunchKernel)(CUfunction function, unsigned gridX,
                             unsigned gridY, unsigned gridZ, unsigned blockX,
                             unsigned blockY, unsigned blockZ,
                             unsigned sharedMemBytes, CUstream stream,
                             void **params, void **extra);
  /// Optional (CUDA 12.0): launches with thread block clusters.
  CUresult (*cuLaunchKernelEx)(const CUlaunchConfig *config,
                               CUfunction function, void **params,
                               void **extra);
  CUresult (*cuStreamCreate)(CUstream *stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuStreamWaitEvent)(CUstream stream, CUevent event, unsigned flags);
  CUresult (*cuEventCreate)(CUevent *event, unsigned flags);
  CUresult (*cuEventDestroy)(CUevent event);
  CUresult (*cuEventRecord)(CUevent event, CUstream stream);
  CUresult (*cuEventSynchronize)(CUevent event);
  CUresult (*cuMemAlloc)(CUdeviceptr *pointer, size_t bytes);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *pointer, size_t bytes,
                                unsigned flags);
  CUresult (*cuMemFree)(CUdeviceptr pointer);
  CUresult (*cuMemcpy)(CUdeviceptr dst, CUdeviceptr src, size_t bytes);
  CUresult (*cuMemcpyAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                            CUstream stream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr dst, unsigned value, size_t count,
                               CUstream stream);
  CUresult (*cuMemsetD16Async)(CUdeviceptr dst, unsigned short value,
                               size_t count, CUstream stream);
  CUresult (*cuMemHostRegister)(void *pointer, size_t bytes, unsigned flags);
  CUresult (*cuMemHostUnregister)(void *pointer);
  CUresult (*cuPointerGetAttribute)(void *value, int attribute,
                                    CUdeviceptr pointer);
  /// Optional (CUDA 12.0): describes a tensor for the TMA unit.
  CUresult (*cuTensorMapEncodeTiled)(
      CUtensorMap *map, int dataType, unsigned rank, void *address,
      const uint64_t *dims, const uint64_t *strides, const unsigned *box,
      const unsigned *elementStrides, int interleave, int swizzle,
      int l2Promotion, int oobFill);

  /// cuDriverGetVersion: 12080 for CUDA 12.8.
  int version = 0;
  CUdevice device = 0;
  /// The ordinal the device was chosen by.
  int ordinal = 0;
  /// The device's primary context, retained for the life of the process.
  CUcontext context = nullptr;
  std::string deviceName;
  int computeMajor = 0, computeMinor = 0;

  /// "CUDA_ERROR_X (what it means)" for `result`.
  std::string describe(CUresult result) const;
  /// Makes the primary context current on the calling thread; "" or why not.
  std::string makeCurrent() const;
};

/// The driver, opened and initialised on the first call: libcuda.so.1, or
/// the library XFMR_CUDA_DRIVER names; device 0, or the one XFMR_CUDA_DEVICE
/// names. Returns nullptr, with `error` saying why
/// ("no CUDA driver (...)", "no CUDA device", ...), when there is none; the
/// answer does not change for the life of the process.
const Driver *openDriver(std::string &error);

/// "12.8" for cuDriverGetVersion's 12080.
std::string formatDriverVersion(int version);

//===----------------------------------------------------------------------===//
// Errors of the mgpu* functions
//===----------------------------------------------------------------------===//

// The mgpu* functions that compiled models call return no status. The first
// error one of them meets on a thread is kept for that thread, and makes the
// later ones there (but those that release something) do nothing until it
// is taken.

/// Keeps `message` unless this thread already keeps an error.
void recordError(const std::string &message);

/// This thread's kept error, which is then cleared; "" when there is none.
std::string takeError();

/// Frees `memory` if it is host memory that mgpuMemAlloc handed out in place
/// of GPU memory (after an error); returns whether it was.
bool releasePlaceholder(void *memory);

//===----------------------------------------------------------------------===//
// The run in progress
//===----------------------------------------------------------------------===//

/// A tensor map in GPU memory, where kernels read it, and the bytes it was
/// last copied from, which stay put until the copy is done.
struct TensorMapSlot {
  CUdeviceptr device = 0;
  CUtensorMap host = {};
  bool written = false;
};

/// A stream of the runtime's pool, kept with the tensor-map slots of the
/// runs that take it. Host code makes its maps again on every run; the run
/// fills the slots in order, each by a copy queued on the stream (so after
/// the previous run's kernels read it), and they outlive the run: GPU
/// memory for maps grows with the maps one run makes, not with runs.
struct PooledStream {
  CUstream stream = nullptr;
  /// A deque: a slot's host bytes do not move while later slots are added.
  std::deque<TensorMapSlot> tensorMaps;
};

/// What the mgpu* calls of a model's run share: every stream it asks for is
/// this one, and what it frees is freed once its work is done.
struct RunContext {
  CUstream stream = nullptr;
  /// The pooled stream `stream` is, with its tensor-map slots.
  PooledStream *pooled = nullptr;
  /// How many of its slots the run has filled.
  size_t tensorMapsUsed = 0;
  /// What the run freed while its work may still use it.
  std::vector<void *> deferredFrees;
};

/// The run in progress on this thread, or nullptr.
RunContext *currentRun();

/// Makes `run` (or no run, with nullptr) the one in progress on this thread.
void setCurrentRun(RunContext *run);

/// Frees memory from mgpuMemAlloc now (or a placeholder of it).
void freeNow(void *memory);

} // namespace xfmr::runtime::cuda

#endif // XFMR_LIB_RUNTIME_CUDADRIVER_H
