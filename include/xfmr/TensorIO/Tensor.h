//===- Tensor.h - Dense tensors: read, made, compared -----------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Dense tensors owned by their reader (inputs, expected outputs), the outputs
// a run returns, and element access shared by the file readers, the
// comparison and xfmr-run's random inputs. Every tensor is seen through an
// `xfmr_tensor`, the runtime's view type. xfmr-run and the Python package
// both use this library.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_TENSORIO_TENSOR_H
#define XFMR_TENSORIO_TENSOR_H

#include "xfmr/Runtime/xfmr_runtime.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace xfmr::io {

/// A dense row-major tensor that owns its data.
class Tensor {
public:
  Tensor() = default;

  /// A zeroed tensor; fails with a message naming `what` when the shape is
  /// too large or the memory cannot be had.
  static llvm::Expected<Tensor> allocate(xfmr_dtype dtype,
                                         llvm::ArrayRef<int64_t> shape,
                                         const llvm::Twine &what);

  xfmr_dtype getDtype() const { return dtype; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  char *getData() const { return data.get(); }
  size_t getNumBytes() const { return numBytes; }

  /// A view for the runtime API, valid while this tensor lives.
  xfmr_tensor view() const {
    return {dtype, static_cast<int64_t>(shape.size()),
            const_cast<int64_t *>(shape.data()), data.get()};
  }

private:
  struct FreeDeleter {
    void operator()(char *p) const { std::free(p); }
  };
  xfmr_dtype dtype = XFMR_DTYPE_INVALID;
  llvm::SmallVector<int64_t> shape;
  size_t numBytes = 0;
  std::unique_ptr<char, FreeDeleter> data;
};

/// The bytes a dense tensor of `dtype` and `shape` takes; fails, naming
/// `what`, on a negative dim or a size too large to hold.
llvm::Expected<size_t> denseByteSize(xfmr_dtype dtype,
                                     llvm::ArrayRef<int64_t> shape,
                                     const llvm::Twine &what);

/// The outputs of one run, released when this goes away.
class RunOutputs {
public:
  explicit RunOutputs(size_t count) : tensors(count) {}
  RunOutputs(const RunOutputs &) = delete;
  RunOutputs &operator=(const RunOutputs &) = delete;
  ~RunOutputs() {
    for (xfmr_tensor &tensor : tensors)
      xfmr_tensor_release(&tensor);
  }
  xfmr_tensor *data() { return tensors.data(); }
  const xfmr_tensor &operator[](size_t i) const { return tensors[i]; }
  /// Hands output `i` over to the caller, who releases it; this object then
  /// holds an empty tensor in its place.
  xfmr_tensor take(size_t i) {
    xfmr_tensor taken = tensors[i];
    tensors[i].shape = nullptr;
    tensors[i].data = nullptr;
    return taken;
  }

private:
  std::vector<xfmr_tensor> tensors;
};

/// The product of the dims of `tensor`.
int64_t numElements(const xfmr_tensor &tensor);
llvm::ArrayRef<int64_t> shapeOf(const xfmr_tensor &tensor);

/// Element `i` of `tensor` as a double (f16 and bf16 widened exactly).
double elementAsDouble(const xfmr_tensor &tensor, int64_t i);
/// Stores `value` in element `i` of a floating-point or integer tensor.
void storeElement(const xfmr_tensor &tensor, int64_t i, double value);

bool isFloatingPoint(xfmr_dtype dtype);

/// `[2,3]`; `[]` for a scalar.
std::string formatShape(llvm::ArrayRef<int64_t> shape);
/// A declared shape as the signature writes it: `[2,?n,?]`.
std::string formatDeclShape(const xfmr_tensor_info &info);
/// `f32 [2,3]`.
std::string formatType(const xfmr_tensor &tensor);

/// The dtype name, never NULL.
const char *dtypeName(xfmr_dtype dtype);

} // namespace xfmr::io

#endif // XFMR_TENSORIO_TENSOR_H
