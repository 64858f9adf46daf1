//===- TensorImport.cpp - ONNX tensors to MLIR attributes -----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Weights become `dense_resource` blobs that own the bytes they were read
// into: a tensor's raw bytes move from the protobuf into the blob, external
// data is memory-mapped and the mapping lives as long as the blob. Small
// tensors (shapes, scalars) become inline `dense` attributes so that folding
// can read them.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;

Type mlir::xfmr::onnx_import::getElementType(MLIRContext *context, int32_t onnxType) {
  Builder b(context);
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  // Integers are signless in MLIR; the ops that care about signedness are
  // the ones that read i1 masks and i64 indices, which are signed in ONNX.
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return b.getI32Type();
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return b.getI64Type();
  // Low-precision types carried through for casts; their packed tensors are
  // rejected by the size check in getTensorBytes.
  case 17: // FLOAT8E4M3FN
    return b.getType<Float8E4M3FNType>();
  case 18: // FLOAT8E4M3FNUZ
    return b.getType<Float8E4M3FNUZType>();
  case 19: // FLOAT8E5M2
    return b.getType<Float8E5M2Type>();
  case 20: // FLOAT8E5M2FNUZ
    return b.getType<Float8E5M2FNUZType>();
  case 21: // UINT4
  case 22: // INT4
    return b.getIntegerType(4);
  case 23: // FLOAT4E2M1
    return b.getType<Float4E2M1FNType>();
  case 24: // FLOAT8E8M0
    return b.getType<Float8E8M0FNUType>();
  case 25: // UINT2
  case 26: // INT2
    return b.getIntegerType(2);
  default:
    return nullptr;
  }
}

std::string mlir::xfmr::onnx_import::getDataTypeName(int32_t onnxType) {
  if (onnx::TensorProto::DataType_IsValid(onnxType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(onnxType));
  return "#" + std::to_string(onnxType);
}

/// Bytes per element as ONNX stores them (bool takes a byte).
static int64_t getStorageBytes(Type type) {
  return std::max<int64_t>(1, type.getIntOrFloatBitWidth() / 8);
}

static std::string sanitizeBlobName(llvm::StringRef name) {
  std::string result;
  for (char c : name)
    result.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (result.empty() || llvm::isDigit(result.front()))
    result.insert(result.begin(), 'w');
  return result;
}

namespace {
/// The bytes of a tensor and who keeps them alive.
struct TensorBytes {
  llvm::ArrayRef<char> data;
  AsmResourceBlob::DeleterFn deleter;
  size_t alignment = 1;
};
} // namespace

/// Reads `location`/`offset`/`length` of an external tensor through a memory
/// map of the file.
static FailureOr<TensorBytes> mapExternalData(const onnx::TensorProto &tensor,
                                              Location loc,
                                              const ExternalDataResolver &ext,
                                              int64_t expectedBytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" || entry.key() == "length") {
      int64_t v;
      if (llvm::StringRef(entry.value()).getAsInteger(10, v) || v < 0)
        return emitError(loc) << "tensor '" << tensor.name() << "' has an invalid "
                              << entry.key() << " '" << entry.value() << "'";
      (entry.key() == "offset" ? offset : length) = v;
    }
  }
  if (location.empty())
    return emitError(loc) << "external tensor '" << tensor.name()
                          << "' has no location";
  llvm::SmallString<256> path(ext.baseDir);
  llvm::sys::path::append(path, location);
  uint64_t fileSize;
  if (llvm::sys::fs::file_size(path, fileSize))
    return emitError(loc) << "external data file '" << path << "' of tensor '"
                          << tensor.name() << "' cannot be read";
  if (length < 0)
    length = static_cast<int64_t>(fileSize) - offset;
  if (length != expectedBytes ||
      static_cast<uint64_t>(offset) + static_cast<uint64_t>(length) > fileSize)
    return emitError(loc) << "external data of tensor '" << tensor.name()
                          << "' does not fit: needs " << expectedBytes
                          << " bytes at offset " << offset << " of '" << path
                          << "' (" << fileSize << " bytes, length " << length
                          << ")";
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer)
    return emitError(loc) << "cannot map '" << path
                          << "': " << buffer.getError().message();
  std::shared_ptr<llvm::MemoryBuffer> owner = std::move(*buffer);
  TensorBytes bytes;
  bytes.data = llvm::ArrayRef<char>(owner->getBufferStart(), owner->getBufferSize());
  bytes.deleter = [owner](void *, size_t, size_t) mutable { owner.reset(); };
  // A slice maps from a page boundary, so its start keeps the offset's
  // alignment within the file.
  bytes.alignment = offset % 8 == 0 ? 8 : 1;
  return bytes;
}

/// Copies the typed fields (float_data, int64_data, ...) into a byte buffer
/// of the storage width of `type`.
template <typename Field>
static std::shared_ptr<std::vector<char>> packField(const Field &field,
                                                    int64_t width) {
  auto buffer = std::make_shared<std::vector<char>>(field.size() * width);
  for (int i = 0; i < field.size(); ++i) {
    auto value = field.Get(i);
    std::memcpy(buffer->data() + i * width, &value, width);
  }
  return buffer;
}

static FailureOr<TensorBytes> getTensorBytes(onnx::TensorProto &tensor,
                                             Type elementType, int64_t count,
                                             Location loc,
                                             const ExternalDataResolver &ext) {
  int64_t width = getStorageBytes(elementType);
  // 4-bit values are packed two per byte, in raw_data as in int32_data.
  bool packedNibbles = elementType.isInteger(4);
  int64_t expected = packedNibbles ? (count + 1) / 2 : count * width;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return mapExternalData(tensor, loc, ext, expected);

  TensorBytes bytes;
  if (tensor.has_raw_data()) {
    // Take the protobuf's string instead of copying the bytes.
    auto owned = std::make_shared<std::string>(
        std::move(*tensor.mutable_raw_data()));
    bytes.data = llvm::ArrayRef<char>(owned->data(), owned->size());
    bytes.deleter = [owned](void *, size_t, size_t) mutable { owned.reset(); };
    bytes.alignment = 8;
  } else {
    std::shared_ptr<std::vector<char>> packed;
    // ONNX stores 8- and 16-bit values, bool and half floats in int32_data.
    if (elementType.isF32())
      packed = packField(tensor.float_data(), 4);
    else if (elementType.isF64())
      packed = packField(tensor.double_data(), 8);
    else if (elementType.isInteger(64) &&
             tensor.data_type() == onnx::TensorProto::UINT64)
      packed = packField(tensor.uint64_data(), 8);
    else if (elementType.isInteger(64))
      packed = packField(tensor.int64_data(), 8);
    else if (elementType.isInteger(32) &&
             tensor.data_type() == onnx::TensorProto::UINT32)
      packed = packField(tensor.uint64_data(), 4);
    else
      packed = packField(tensor.int32_data(), packedNibbles ? 1 : width);
    bytes.data = llvm::ArrayRef<char>(packed->data(), packed->size());
    bytes.deleter = [packed](void *, size_t, size_t) mutable { packed.reset(); };
    bytes.alignment = 8;
  }
  if (static_cast<int64_t>(bytes.data.size()) != expected)
    return emitError(loc) << "tensor '" << tensor.name() << "' holds "
                          << bytes.data.size() << " bytes of data, its type "
                          << "needs " << expected;
  return bytes;
}

FailureOr<ElementsAttr>
mlir::xfmr::onnx_import::importTensor(onnx::TensorProto &tensor, Location loc,
                                const ExternalDataResolver &external,
                                int64_t maxInline) {
  MLIRContext *context = loc.getContext();
  Type elementType = getElementType(context, tensor.data_type());
  if (!elementType)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' has an unsupported data type "
                          << getDataTypeName(tensor.data_type());
  llvm::SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 50) / d))
      return emitError(loc) << "tensor '" << tensor.name()
                            << "' has an invalid dim " << d;
    shape.push_back(d);
    count *= d;
  }
  auto type = RankedTensorType::get(shape, elementType);
  FailureOr<TensorBytes> bytes =
      getTensorBytes(tensor, elementType, count, loc, external);
  if (failed(bytes))
    return failure();

  // INT4 and UINT4 become i8 (sign- or zero-extended), one value a byte:
  // the ops that read them (GatherBlockQuantized, DequantizeLinear) see
  // whole numbers, and the importer keeps UINT4 unsigned like UINT8.
  if (elementType.isInteger(4)) {
    bool isSigned = tensor.data_type() == 22; // INT4, not UINT4 (21)
    auto unpacked = std::make_shared<std::vector<char>>(count);
    for (int64_t i = 0; i < count; ++i) {
      auto byte = static_cast<uint8_t>(bytes->data[i / 2]);
      int nibble = i % 2 ? byte >> 4 : byte & 15;
      (*unpacked)[i] =
          static_cast<char>(isSigned && nibble > 7 ? nibble - 16 : nibble);
    }
    bytes->deleter(nullptr, 0, 0);
    bytes->data = llvm::ArrayRef<char>(unpacked->data(), unpacked->size());
    bytes->deleter = [unpacked](void *, size_t, size_t) mutable {
      unpacked.reset();
    };
    bytes->alignment = 8;
    type = RankedTensorType::get(shape, IntegerType::get(context, 8));
  }

  // Booleans are bit-packed in `dense`; ONNX has a byte each.
  if (elementType.isInteger(1)) {
    llvm::SmallVector<bool> values;
    for (char c : bytes->data)
      values.push_back(c != 0);
    ElementsAttr attr = DenseElementsAttr::get(type, values);
    bytes->deleter(nullptr, 0, 0);
    return attr;
  }
  if (count <= maxInline) {
    ElementsAttr attr = DenseElementsAttr::getFromRawBuffer(type, bytes->data);
    bytes->deleter(nullptr, 0, 0);
    return attr;
  }
  AsmResourceBlob blob(bytes->data, bytes->alignment, std::move(bytes->deleter),
                       /*dataIsMutable=*/false);
  return ElementsAttr(DenseResourceElementsAttr::get(
      type, sanitizeBlobName(tensor.name()), std::move(blob)));
}
