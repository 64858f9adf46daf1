//===- TensorProtoIO.cpp - Reading ONNX TensorProto files -----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/TensorIO/TensorProtoIO.h"

#include "llvm/Support/MemoryBuffer.h"

#include "onnx/onnx_pb.h"

#include <cstring>

using namespace llvm;
using namespace xfmr::io;

static xfmr_dtype dtypeOf(int dataType) {
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return XFMR_DTYPE_F32;
  case onnx::TensorProto::DOUBLE:
    return XFMR_DTYPE_F64;
  case onnx::TensorProto::FLOAT16:
    return XFMR_DTYPE_F16;
  case onnx::TensorProto::BFLOAT16:
    return XFMR_DTYPE_BF16;
  case onnx::TensorProto::INT8:
    return XFMR_DTYPE_I8;
  case onnx::TensorProto::INT16:
    return XFMR_DTYPE_I16;
  case onnx::TensorProto::INT32:
    return XFMR_DTYPE_I32;
  case onnx::TensorProto::INT64:
    return XFMR_DTYPE_I64;
  case onnx::TensorProto::BOOL:
    return XFMR_DTYPE_BOOL;
  case onnx::TensorProto::UINT8:
    return XFMR_DTYPE_U8;
  case onnx::TensorProto::UINT16:
    return XFMR_DTYPE_U16;
  case onnx::TensorProto::UINT32:
    return XFMR_DTYPE_U32;
  case onnx::TensorProto::UINT64:
    return XFMR_DTYPE_U64;
  default:
    return XFMR_DTYPE_INVALID;
  }
}

/// Stores `value` as a T at element `i` of `data`.
template <typename T, typename V>
static void storeAs(char *data, int i, V value) {
  T element = static_cast<T>(value);
  std::memcpy(data + sizeof(T) * i, &element, sizeof(T));
}

/// Copies typed values into `tensor`, each cast to its dtype. Integers are
/// cast as integers (wrapping, as numpy's astype does; a double would lose
/// int64 digits), f16 and bf16 values are their bits, held in int32_data.
template <typename Values>
static void copyValues(const Values &values, const xfmr_tensor &tensor) {
  char *data = static_cast<char *>(tensor.data);
  for (int i = 0; i < values.size(); ++i) {
    auto value = values.Get(i);
    switch (tensor.dtype) {
    case XFMR_DTYPE_F16:
    case XFMR_DTYPE_BF16:
      storeAs<uint16_t>(data, i, value);
      break;
    case XFMR_DTYPE_I8:
      storeAs<int8_t>(data, i, value);
      break;
    case XFMR_DTYPE_I16:
      storeAs<int16_t>(data, i, value);
      break;
    case XFMR_DTYPE_I32:
      storeAs<int32_t>(data, i, value);
      break;
    case XFMR_DTYPE_I64:
      storeAs<int64_t>(data, i, value);
      break;
    case XFMR_DTYPE_U8:
      storeAs<uint8_t>(data, i, value);
      break;
    case XFMR_DTYPE_U16:
      storeAs<uint16_t>(data, i, value);
      break;
    case XFMR_DTYPE_U32:
      storeAs<uint32_t>(data, i, value);
      break;
    case XFMR_DTYPE_U64:
      storeAs<uint64_t>(data, i, value);
      break;
    case XFMR_DTYPE_BOOL:
      storeAs<uint8_t>(data, i, value != 0);
      break;
    default:
      storeElement(tensor, i, static_cast<double>(value));
    }
  }
}

/// The typed field that holds values of `dtype` when there is no raw_data.
template <typename Fn>
static auto withTypedField(const onnx::TensorProto &proto, xfmr_dtype dtype,
                           Fn &&fn) {
  switch (dtype) {
  case XFMR_DTYPE_F32:
    return fn(proto.float_data(), "float_data");
  case XFMR_DTYPE_F64:
    return fn(proto.double_data(), "double_data");
  case XFMR_DTYPE_I64:
    return fn(proto.int64_data(), "int64_data");
  // ONNX keeps uint32 and uint64 values in uint64_data.
  case XFMR_DTYPE_U32:
  case XFMR_DTYPE_U64:
    return fn(proto.uint64_data(), "uint64_data");
  default:
    return fn(proto.int32_data(), "int32_data");
  }
}

/// Checks that the data holds `bytes` bytes (the dense size of `dtype` and
/// `shape`) before anything is allocated for it.
static Error checkDataSize(const onnx::TensorProto &proto, xfmr_dtype dtype,
                           ArrayRef<int64_t> shape, size_t bytes,
                           StringRef path) {
  std::string type = std::string(dtypeName(dtype)) + " " + formatShape(shape);
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() == bytes)
      return Error::success();
    return createStringError(path + ": raw_data holds " +
                             Twine(proto.raw_data().size()) + " bytes but " +
                             type + " needs " + Twine(bytes));
  }
  size_t count = bytes / xfmr_dtype_size(dtype);
  return withTypedField(
      proto, dtype, [&](const auto &values, StringRef field) -> Error {
        if (size_t(values.size()) == count)
          return Error::success();
        return createStringError(path + ": " + field + " holds " +
                                 Twine(values.size()) + " values but " + type +
                                 " has " + Twine(count));
      });
}

/// Copies the data, whose size is checked, into `tensor`.
static void fillTensor(const onnx::TensorProto &proto, const Tensor &tensor) {
  xfmr_tensor view = tensor.view();
  if (!proto.has_raw_data()) {
    withTypedField(proto, view.dtype, [&](const auto &values, StringRef) {
      copyValues(values, view);
    });
    return;
  }
  const std::string &raw = proto.raw_data();
  std::memcpy(tensor.getData(), raw.data(), raw.size());
  if (view.dtype == XFMR_DTYPE_BOOL)
    for (size_t i = 0; i < raw.size(); ++i)
      tensor.getData()[i] = tensor.getData()[i] != 0;
}

Expected<NamedTensor> xfmr::io::readTensorProto(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return createStringError("cannot read '" + path +
                             "': " + file.getError().message());
  return parseTensorProto((*file)->getBuffer(), path);
}

Expected<NamedTensor> xfmr::io::parseTensorProto(StringRef contents,
                                                 StringRef path) {
  auto fail = [&](const Twine &why) {
    return createStringError(path + ": " + why);
  };
  onnx::TensorProto proto;
  if (contents.size() > INT32_MAX ||
      !proto.ParseFromArray(contents.data(), static_cast<int>(contents.size())))
    return fail("not a serialized ONNX TensorProto");
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return fail("tensors with external data are not supported");
  if (proto.has_segment())
    return fail("segmented tensors are not supported");
  xfmr_dtype dtype = dtypeOf(proto.data_type());
  if (dtype == XFMR_DTYPE_INVALID)
    return fail("TensorProto data type " +
                onnx::TensorProto::DataType_Name(
                    onnx::TensorProto::DataType(proto.data_type())) +
                " (" + Twine(proto.data_type()) + ") is not supported");

  SmallVector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  Expected<size_t> bytes = denseByteSize(dtype, shape, path);
  if (!bytes)
    return bytes.takeError();
  if (Error error = checkDataSize(proto, dtype, shape, *bytes, path))
    return std::move(error);
  Expected<Tensor> tensor = Tensor::allocate(dtype, shape, path);
  if (!tensor)
    return tensor.takeError();
  fillTensor(proto, *tensor);
  return NamedTensor{proto.name(), std::move(*tensor)};
}
