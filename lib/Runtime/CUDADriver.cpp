//===- CUDADriver.cpp - Opening libcuda and choosing the device -----------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "CUDADriver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

using namespace xfmr::runtime::cuda;

std::string xfmr::runtime::cuda::formatDriverVersion(int version) {
  return std::to_string(version / 1000) + "." +
         std::to_string(version % 1000 / 10);
}

std::string Driver::describe(CUresult result) const {
  const char *name = nullptr;
  const char *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    return "CUDA error " + std::to_string(result);
  std::string message = name;
  if (cuGetErrorString(result, &text) == CUDA_SUCCESS && text)
    message += std::string(" (") + text + ")";
  return message;
}

std::string Driver::makeCurrent() const {
  CUresult result = cuCtxSetCurrent(context);
  if (result == CUDA_SUCCESS)
    return "";
  return "cannot make the CUDA context current: " + describe(result);
}

/// Looks `name` up in the driver; returns false when it is not there.
template <typename Function>
static bool lookUp(void *library, const char *name, Function &function) {
  function = reinterpret_cast<Function>(dlsym(library, name));
  return function != nullptr;
}

/// Fills the entry points of `driver`. Returns "" or the first one missing.
/// The versioned names are the ones cuda.h maps the plain names to.
static std::string lookUpEntryPoints(void *library, Driver &driver) {
#define XFMR_ENTRY(field, symbol)                                              \
  if (!lookUp(library, symbol, driver.field))                                  \
    return symbol;
  XFMR_ENTRY(cuInit, "cuInit")
  XFMR_ENTRY(cuDriverGetVersion, "cuDriverGetVersion")
  XFMR_ENTRY(cuGetErrorName, "cuGetErrorName")
  XFMR_ENTRY(cuGetErrorString, "cuGetErrorString")
  XFMR_ENTRY(cuDeviceGetCount, "cuDeviceGetCount")
  XFMR_ENTRY(cuDeviceGet, "cuDeviceGet")
  XFMR_ENTRY(cuDeviceGetName, "cuDeviceGetName")
  XFMR_ENTRY(cuDeviceGetAttribute, "cuDeviceGetAttribute")
  XFMR_ENTRY(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
  XFMR_ENTRY(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2")
  XFMR_ENTRY(cuCtxSetCurrent, "cuCtxSetCurrent")
  XFMR_ENTRY(cuCtxSynchronize, "cuCtxSynchronize")
  XFMR_ENTRY(cuModuleLoadData, "cuModuleLoadData")
  XFMR_ENTRY(cuModuleLoadDataEx, "cuModuleLoadDataEx")
  XFMR_ENTRY(cuModuleUnload, "cuModuleUnload")
  XFMR_ENTRY(cuModuleGetFunction, "cuModuleGetFunction")
  XFMR_ENTRY(cuFuncSetAttribute, "cuFuncSetAttribute")
  XFMR_ENTRY(cuLaunchKernel, "cuLaunchKernel")
  XFMR_ENTRY(cuStreamCreate, "cuStreamCreate")
  XFMR_ENTRY(cuStreamDestroy, "cuStreamDestroy_v2")
  XFMR_ENTRY(cuStreamSynchronize, "cuStreamSynchronize")
  XFMR_ENTRY(cuStreamWaitEvent, "cuStreamWaitEvent")
  XFMR_ENTRY(cuEventCreate, "cuEventCreate")
  XFMR_ENTRY(cuEventDestroy, "cuEventDestroy_v2")
  XFMR_ENTRY(cuEventRecord, "cuEventRecord")
  XFMR_ENTRY(cuEventSynchronize, "cuEventSynchronize")
  XFMR_ENTRY(cuMemAlloc, "cuMemAlloc_v2")
  XFMR_ENTRY(cuMemAllocManaged, "cuMemAllocManaged")
  XFMR_ENTRY(cuMemFree, "cuMemFree_v2")
  XFMR_ENTRY(cuMemcpy, "cuMemcpy")
  XFMR_ENTRY(cuMemcpyAsync, "cuMemcpyAsync")
  XFMR_ENTRY(cuMemsetD32Async, "cuMemsetD32Async")
  XFMR_ENTRY(cuMemsetD16Async, "cuMemsetD16Async")
  XFMR_ENTRY(cuMemHostRegister, "cuMemHostRegister_v2")
  XFMR_ENTRY(cuMemHostUnregister, "cuMemHostUnregister")
  XFMR_ENTRY(cuPointerGetAttribute, "cuPointerGetAttribute")
#undef XFMR_ENTRY
  // Newer than the oldest driver this runtime runs on; the calls that need
  // them say so when they are missing.
  lookUp(library, "cuLaunchKernelEx", driver.cuLaunchKernelEx);
  lookUp(library, "cuTensorMapEncodeTiled", driver.cuTensorMapEncodeTiled);
  return "";
}

/// The device XFMR_CUDA_DEVICE names, or 0. Returns "" or why it is bad.
static std::string chooseDevice(const Driver &driver, int &ordinal) {
  int count = 0;
  CUresult result = driver.cuDeviceGetCount(&count);
  if (result != CUDA_SUCCESS)
    return "cannot count CUDA devices: " + driver.describe(result);
  if (count == 0)
    return "no CUDA device";
  ordinal = 0;
  if (const char *wanted = std::getenv("XFMR_CUDA_DEVICE")) {
    char *end = nullptr;
    long value = std::strtol(wanted, &end, 10);
    if (!*wanted || *end || value < 0 || value >= count)
      return std::string("XFMR_CUDA_DEVICE is '") + wanted +
             "' but this machine has CUDA devices 0 to " +
             std::to_string(count - 1);
    ordinal = static_cast<int>(value);
  }
  return "";
}

/// Initialises the driver and retains the primary context of the chosen
/// device. Returns "" or why the GPU cannot be used.
static std::string initialise(void *library, Driver &driver) {
  std::string missing = lookUpEntryPoints(library, driver);
  if (!missing.empty())
    return "the CUDA driver (libcuda.so.1) lacks '" + missing +
           "'; it is too old";
  CUresult result = driver.cuInit(0);
  if (result != CUDA_SUCCESS)
    return "cannot initialise the CUDA driver: " + driver.describe(result);
  result = driver.cuDriverGetVersion(&driver.version);
  if (result != CUDA_SUCCESS)
    return "cannot read the CUDA driver's version: " + driver.describe(result);
  std::string error = chooseDevice(driver, driver.ordinal);
  if (!error.empty())
    return error;
  std::string where = "CUDA device " + std::to_string(driver.ordinal) + ": ";
  result = driver.cuDeviceGet(&driver.device, driver.ordinal);
  if (result != CUDA_SUCCESS)
    return where + driver.describe(result);
  char name[256] = {};
  if (driver.cuDeviceGetName(name, sizeof(name) - 1, driver.device) ==
      CUDA_SUCCESS)
    driver.deviceName = name;
  int managed = 0;
  if ((result = driver.cuDeviceGetAttribute(
           &driver.computeMajor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
           driver.device)) != CUDA_SUCCESS ||
      (result = driver.cuDeviceGetAttribute(
           &driver.computeMinor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
           driver.device)) != CUDA_SUCCESS ||
      (result = driver.cuDeviceGetAttribute(&managed,
                                            CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY,
                                            driver.device)) != CUDA_SUCCESS)
    return where + "cannot read its attributes: " + driver.describe(result);
  // Models exchange their inputs and outputs in managed memory.
  if (!managed)
    return where + "'" + driver.deviceName +
           "' cannot allocate managed memory on this system";
  result = driver.cuDevicePrimaryCtxRetain(&driver.context, driver.device);
  if (result != CUDA_SUCCESS)
    return where + "cannot create its context: " + driver.describe(result);
  error = driver.makeCurrent();
  if (!error.empty()) {
    driver.cuDevicePrimaryCtxRelease(driver.device);
    driver.context = nullptr;
    return where + error;
  }
  return "";
}

const Driver *xfmr::runtime::cuda::openDriver(std::string &error) {
  // Never destroyed: models unload their kernels from destructors that may
  // run after this library's static destructors, at exit.
  static Driver &driver = *new Driver();
  static std::string &failure = *new std::string();
  static std::once_flag once;
  std::call_once(once, [] {
    // XFMR_CUDA_DRIVER picks another driver library (a compatibility
    // package's, or a test's).
    const char *path = std::getenv("XFMR_CUDA_DRIVER");
    if (!path || !*path)
      path = "libcuda.so.1";
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      const char *reason = dlerror();
      failure = std::string("no CUDA driver (") +
                (reason ? reason : "it cannot be opened") + ")";
      return;
    }
    // The driver stays open for the life of the process: models unload
    // their kernels from destructors that may run at exit.
    failure = initialise(library, driver);
  });
  if (!failure.empty()) {
    error = failure;
    return nullptr;
  }
  return &driver;
}
