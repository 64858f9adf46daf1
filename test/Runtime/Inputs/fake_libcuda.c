/* A stand-in for the CUDA driver (libcuda.so.1), built into a library by the
 * tests, so that the runtime's path through dlopen and dlsym, its error
 * messages and its handling of models can be exercised without a GPU.
 *
 * "GPU memory" is host memory from malloc, kept in a table so that
 * cuPointerGetAttribute can tell it from other memory; a "module" must start
 * with "FAKEBIN", be PTX text or a fatbin (what xfmr-compile --target=cuda
 * embeds; none of its kernels runs); its kernel "add" adds two float vectors
 * on the host and faults (like a GPU would, at the next synchronisation)
 * when its pointers are not memory of this driver; "missing" is not found;
 * any other kernel does nothing.
 *
 * FAKE_CUDA_MODE picks a failure: init-fails, no-device, no-managed,
 * old-driver (12.4, refuses PTX), no-binary, launch-fails, fault;
 * FAKE_CUDA_CC the device's compute capability (default 90). Every call
 * that matters prints a line "fake-cuda: ..." on stderr (copies with their
 * direction, streams created, destroyed and synchronised), and at exit the
 * number of allocations still live. Built with -DTOO_OLD it lacks
 * cuMemAllocManaged; with -DNO_CUDA12 it is CUDA 11.8, without
 * cuLaunchKernelEx and cuTensorMapEncodeTiled.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
enum {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  NO_DEVICE = 100,
  INVALID_IMAGE = 200,
  NO_BINARY_FOR_GPU = 209,
  UNSUPPORTED_PTX_VERSION = 222,
  INVALID_HANDLE = 400,
  NOT_FOUND = 500,
  ILLEGAL_ADDRESS = 700,
  LAUNCH_OUT_OF_RESOURCES = 701,
};

static const char *mode(void) {
  const char *value = getenv("FAKE_CUDA_MODE");
  return value ? value : "";
}

static int is(const char *name) { return strcmp(mode(), name) == 0; }

/* A fault of a kernel, reported by the next synchronisation. */
static CUresult pendingFault = SUCCESS;

CUresult cuGetErrorName(CUresult error, const char **name) {
  switch (error) {
  case SUCCESS: *name = "CUDA_SUCCESS"; return SUCCESS;
  case INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; return SUCCESS;
  case NO_DEVICE: *name = "CUDA_ERROR_NO_DEVICE"; return SUCCESS;
  case INVALID_IMAGE: *name = "CUDA_ERROR_INVALID_IMAGE"; return SUCCESS;
  case NO_BINARY_FOR_GPU: *name = "CUDA_ERROR_NO_BINARY_FOR_GPU"; return SUCCESS;
  case UNSUPPORTED_PTX_VERSION:
    *name = "CUDA_ERROR_UNSUPPORTED_PTX_VERSION";
    return SUCCESS;
  case INVALID_HANDLE: *name = "CUDA_ERROR_INVALID_HANDLE"; return SUCCESS;
  case NOT_FOUND: *name = "CUDA_ERROR_NOT_FOUND"; return SUCCESS;
  case ILLEGAL_ADDRESS: *name = "CUDA_ERROR_ILLEGAL_ADDRESS"; return SUCCESS;
  case LAUNCH_OUT_OF_RESOURCES:
    *name = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
    return SUCCESS;
  }
  *name = NULL;
  return INVALID_VALUE;
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  switch (error) {
  case NO_DEVICE: *text = "no CUDA-capable device is detected"; return SUCCESS;
  case NO_BINARY_FOR_GPU:
    *text = "no kernel image is available for execution on the device";
    return SUCCESS;
  case UNSUPPORTED_PTX_VERSION:
    *text = "the provided PTX was compiled with an unsupported toolchain.";
    return SUCCESS;
  case ILLEGAL_ADDRESS:
    *text = "an illegal memory access was encountered";
    return SUCCESS;
  case LAUNCH_OUT_OF_RESOURCES:
    *text = "too many resources requested for launch";
    return SUCCESS;
  }
  *text = "fake error";
  return SUCCESS;
}

CUresult cuInit(unsigned flags) {
  fprintf(stderr, "fake-cuda: cuInit\n");
  return is("init-fails") ? NO_DEVICE : SUCCESS;
}

CUresult cuDriverGetVersion(int *version) {
#ifdef NO_CUDA12
  *version = 11080;
#else
  *version = is("old-driver") ? 12040 : 12080;
#endif
  return SUCCESS;
}

CUresult cuDeviceGetCount(int *count) {
  *count = is("no-device") ? 0 : 1;
  return SUCCESS;
}

CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return ordinal == 0 ? SUCCESS : INVALID_VALUE;
}

CUresult cuDeviceGetName(char *name, int length, int device) {
  snprintf(name, (size_t)length, "Fake GPU");
  return SUCCESS;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  const char *capability = getenv("FAKE_CUDA_CC");
  int number = capability ? atoi(capability) : 90;
  switch (attribute) {
  case 75: *value = number / 10; return SUCCESS; /* compute capability */
  case 76: *value = number % 10; return SUCCESS;
  case 83: *value = !is("no-managed"); return SUCCESS; /* managed memory */
  }
  return INVALID_VALUE;
}

static int context;

CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  fprintf(stderr, "fake-cuda: cuDevicePrimaryCtxRetain %d\n", device);
  *ctx = &context;
  return SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(int device) { return SUCCESS; }

CUresult cuCtxSetCurrent(void *ctx) {
  return ctx == &context ? SUCCESS : INVALID_VALUE;
}

CUresult cuCtxSynchronize(void) {
  CUresult fault = pendingFault;
  pendingFault = SUCCESS;
  return fault;
}

/* Memory */

enum { MAX_ALLOCATIONS = 256 };
static struct {
  void *pointer;
  size_t bytes;
  int managed;
} allocations[MAX_ALLOCATIONS];

static int findAllocation(const void *pointer) {
  for (int i = 0; i < MAX_ALLOCATIONS; ++i)
    if (allocations[i].pointer && (const char *)pointer >=
                                      (const char *)allocations[i].pointer &&
        (const char *)pointer <
            (const char *)allocations[i].pointer + allocations[i].bytes)
      return i;
  return -1;
}

static CUresult allocate(uint64_t *pointer, size_t bytes, int managed) {
  for (int i = 0; i < MAX_ALLOCATIONS; ++i)
    if (!allocations[i].pointer) {
      allocations[i].pointer = calloc(1, bytes);
      allocations[i].bytes = bytes;
      allocations[i].managed = managed;
      *pointer = (uint64_t)(uintptr_t)allocations[i].pointer;
      fprintf(stderr, "fake-cuda: %s %zu bytes\n",
              managed ? "cuMemAllocManaged" : "cuMemAlloc", bytes);
      return SUCCESS;
    }
  return 2;
}

CUresult cuMemAlloc_v2(uint64_t *pointer, size_t bytes) {
  return allocate(pointer, bytes, 0);
}

#ifndef TOO_OLD
CUresult cuMemAllocManaged(uint64_t *pointer, size_t bytes, unsigned flags) {
  return allocate(pointer, bytes, 1);
}
#endif

CUresult cuMemFree_v2(uint64_t pointer) {
  int i = findAllocation((void *)(uintptr_t)pointer);
  if (i < 0 || allocations[i].pointer != (void *)(uintptr_t)pointer) {
    fprintf(stderr, "fake-cuda: cuMemFree of unknown memory\n");
    return INVALID_VALUE;
  }
  free(allocations[i].pointer);
  allocations[i].pointer = NULL;
  return SUCCESS;
}

CUresult cuPointerGetAttribute(void *value, int attribute, uint64_t pointer) {
  int i = findAllocation((void *)(uintptr_t)pointer);
  if (i < 0)
    return INVALID_VALUE;
  if (attribute == 8) /* is managed */
    *(int *)value = allocations[i].managed;
  else if (attribute == 2) /* memory type: device */
    *(unsigned *)value = 2;
  else
    return INVALID_VALUE;
  return SUCCESS;
}

/* Says which way a copy goes: "host" is memory this driver did not
 * allocate. */
static void copy(const char *call, uint64_t dst, uint64_t src, size_t bytes) {
  int toDevice = findAllocation((void *)(uintptr_t)dst) >= 0;
  int fromDevice = findAllocation((void *)(uintptr_t)src) >= 0;
  fprintf(stderr, "fake-cuda: %s %s-to-%s %zu bytes\n", call,
          fromDevice ? "device" : "host", toDevice ? "device" : "host", bytes);
  memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
}

CUresult cuMemcpy(uint64_t dst, uint64_t src, size_t bytes) {
  copy("cuMemcpy", dst, src, bytes);
  return SUCCESS;
}

CUresult cuMemcpyAsync(uint64_t dst, uint64_t src, size_t bytes,
                       void *stream) {
  copy("cuMemcpyAsync", dst, src, bytes);
  return SUCCESS;
}

CUresult cuMemsetD32Async(uint64_t dst, unsigned value, size_t count,
                          void *stream) {
  for (size_t i = 0; i < count; ++i)
    ((unsigned *)(uintptr_t)dst)[i] = value;
  return SUCCESS;
}

CUresult cuMemsetD16Async(uint64_t dst, unsigned short value, size_t count,
                          void *stream) {
  for (size_t i = 0; i < count; ++i)
    ((unsigned short *)(uintptr_t)dst)[i] = value;
  return SUCCESS;
}

CUresult cuMemHostRegister_v2(void *pointer, size_t bytes, unsigned flags) {
  fprintf(stderr, "fake-cuda: cuMemHostRegister %zu bytes\n", bytes);
  return SUCCESS;
}

CUresult cuMemHostUnregister(void *pointer) { return SUCCESS; }

/* Modules and kernels */

static int module;
static int addKernel;
/* Any other kernel but "missing": launched, it does nothing. */
static int otherKernel;
static char otherName[64];

CUresult cuModuleLoadData(void **result, const void *image) {
  fprintf(stderr, "fake-cuda: cuModuleLoadData\n");
  if (is("no-binary"))
    return NO_BINARY_FOR_GPU;
  static const unsigned char fatbinMagic[4] = {0x50, 0xed, 0x55, 0xba};
  if (memcmp(image, "FAKEBIN", 7) != 0 && memcmp(image, fatbinMagic, 4) != 0)
    return INVALID_IMAGE;
  *result = &module;
  return SUCCESS;
}

CUresult cuModuleLoadDataEx(void **result, const void *image,
                            unsigned numOptions, int *options, void **values) {
  fprintf(stderr, "fake-cuda: cuModuleLoadDataEx with %u options\n",
          numOptions);
  if (!is("old-driver")) {
    *result = &module;
    return SUCCESS;
  }
  for (unsigned i = 0; i < numOptions; ++i)
    if (options[i] == 5) /* the error log buffer */
      snprintf((char *)values[i], 200,
               "ptxas application ptx input, line 1; fatal   : Unsupported "
               ".version 8.7; current version is '8.4'\n");
  return UNSUPPORTED_PTX_VERSION;
}

CUresult cuModuleUnload(void *handle) {
  fprintf(stderr, "fake-cuda: cuModuleUnload\n");
  return handle == &module ? SUCCESS : INVALID_HANDLE;
}

CUresult cuModuleGetFunction(void **function, void *handle, const char *name) {
  if (handle != &module)
    return INVALID_HANDLE;
  if (strcmp(name, "missing") == 0)
    return NOT_FOUND;
  if (strcmp(name, "add") == 0) {
    *function = &addKernel;
    return SUCCESS;
  }
  snprintf(otherName, sizeof(otherName), "%s", name);
  *function = &otherKernel;
  return SUCCESS;
}

CUresult cuFuncSetAttribute(void *function, int attribute, int value) {
  fprintf(stderr, "fake-cuda: cuFuncSetAttribute %d %d\n", attribute, value);
  return SUCCESS;
}

/* add(const float *x, const float *y, float *sum, uint32_t count), as
 * vector_add.ptx declares it. */
static void runAdd(void **params) {
  const float *x = *(const float **)params[0];
  const float *y = *(const float **)params[1];
  float *sum = *(float **)params[2];
  uint32_t count = *(const uint32_t *)params[3];
  if (count > 0 &&
      (findAllocation(x) < 0 || findAllocation(y) < 0 || findAllocation(sum) < 0)) {
    pendingFault = ILLEGAL_ADDRESS;
    return;
  }
  for (uint32_t i = 0; i < count; ++i)
    sum[i] = x[i] + y[i];
}

CUresult cuLaunchKernel(void *function, unsigned gridX, unsigned gridY,
                        unsigned gridZ, unsigned blockX, unsigned blockY,
                        unsigned blockZ, unsigned sharedMemBytes, void *stream,
                        void **params, void **extra) {
  fprintf(stderr, "fake-cuda: cuLaunchKernel %ux%ux%u %ux%ux%u %u\n", gridX,
          gridY, gridZ, blockX, blockY, blockZ, sharedMemBytes);
  if (function == &otherKernel) {
    fprintf(stderr, "fake-cuda: kernel '%s' does nothing\n", otherName);
    return SUCCESS;
  }
  if (function != &addKernel)
    return INVALID_HANDLE;
  if (is("launch-fails"))
    return LAUNCH_OUT_OF_RESOURCES;
  if (is("fault"))
    pendingFault = ILLEGAL_ADDRESS;
  else
    runAdd(params);
  return SUCCESS;
}

typedef struct {
  int id;
  char pad[4];
  union {
    char bytes[64];
    struct {
      unsigned x, y, z;
    } clusterDim;
  } value;
} LaunchAttribute;

typedef struct {
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  void *hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
} LaunchConfig;

#ifndef NO_CUDA12
CUresult cuLaunchKernelEx(const LaunchConfig *config, void *function,
                          void **params, void **extra) {
  for (unsigned i = 0; i < config->numAttrs; ++i)
    if (config->attrs[i].id == 4)
      fprintf(stderr, "fake-cuda: cuLaunchKernelEx clusters %ux%ux%u\n",
              config->attrs[i].value.clusterDim.x,
              config->attrs[i].value.clusterDim.y,
              config->attrs[i].value.clusterDim.z);
  return cuLaunchKernel(function, config->gridDimX, config->gridDimY,
                        config->gridDimZ, config->blockDimX, config->blockDimY,
                        config->blockDimZ, config->sharedMemBytes,
                        config->hStream, params, extra);
}

/* Prints what it was asked; the map holds a mark and the address. */
CUresult cuTensorMapEncodeTiled(uint64_t *map, int dataType, unsigned rank,
                                void *address, const uint64_t *dims,
                                const uint64_t *strides, const unsigned *box,
                                const unsigned *elementStrides, int interleave,
                                int swizzle, int l2Promotion, int oobFill) {
  fprintf(stderr, "fake-cuda: cuTensorMapEncodeTiled type %d rank %u", dataType,
          rank);
  for (unsigned d = 0; d < rank; ++d)
    fprintf(stderr, " dim %llu box %u step %u", (unsigned long long)dims[d],
            box[d], elementStrides[d]);
  for (unsigned d = 0; d + 1 < rank; ++d)
    fprintf(stderr, " stride %llu", (unsigned long long)strides[d]);
  fprintf(stderr, " swizzle %d\n", swizzle);
  memset(map, 0, 128);
  map[0] = 0x7e45;
  map[1] = (uint64_t)(uintptr_t)address;
  return SUCCESS;
}
#endif

/* Streams and events: nothing runs asynchronously here. */

static int stream, event;

CUresult cuStreamCreate(void **result, unsigned flags) {
  fprintf(stderr, "fake-cuda: cuStreamCreate\n");
  *result = &stream;
  return SUCCESS;
}
CUresult cuStreamDestroy_v2(void *handle) {
  fprintf(stderr, "fake-cuda: cuStreamDestroy\n");
  return SUCCESS;
}
CUresult cuStreamSynchronize(void *handle) {
  fprintf(stderr, "fake-cuda: cuStreamSynchronize\n");
  return cuCtxSynchronize();
}
CUresult cuStreamWaitEvent(void *handle, void *what, unsigned flags) {
  return SUCCESS;
}
CUresult cuEventCreate(void **result, unsigned flags) {
  *result = &event;
  return SUCCESS;
}
CUresult cuEventDestroy_v2(void *handle) { return SUCCESS; }
CUresult cuEventRecord(void *handle, void *on) { return SUCCESS; }
CUresult cuEventSynchronize(void *handle) { return cuCtxSynchronize(); }

__attribute__((destructor)) static void reportLiveAllocations(void) {
  int live = 0;
  for (int i = 0; i < MAX_ALLOCATIONS; ++i)
    live += allocations[i].pointer != NULL;
  fprintf(stderr, "fake-cuda: %d allocations live at exit\n", live);
}
