//===- Npy.cpp - Reading and writing numpy .npy files ---------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A .npy file is a magic string, a version, a header length, a header that
// is a Python dict literal ({'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), }) padded with spaces, then the raw data.
//
//===----------------------------------------------------------------------===//

#include "xfmr/TensorIO/Npy.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <optional>

using namespace llvm;
using namespace xfmr::io;

static constexpr char npyMagic[] = "\x93NUMPY";
static constexpr size_t npyMagicSize = 6;

//===----------------------------------------------------------------------===//
// The header
//===----------------------------------------------------------------------===//

namespace {
/// What the header says.
struct NpyHeader {
  std::optional<std::string> descr;
  std::optional<bool> fortranOrder;
  std::optional<SmallVector<int64_t>> shape;
};

/// Reads the dict literal of a header. Only what numpy writes is accepted:
/// string keys, and string, boolean or integer-tuple values.
class HeaderParser {
public:
  explicit HeaderParser(StringRef text) : text(text) {}

  /// Returns "" on success, otherwise what is wrong.
  std::string parse(NpyHeader &header) {
    if (!consume('{'))
      return "the header is not a dict";
    while (!consume('}')) {
      std::string key;
      if (!parseString(key) || !consume(':'))
        return "the header is not a dict of named fields";
      std::string error = parseValue(key, header);
      if (!error.empty())
        return error;
      if (!consume(',') && !peek('}'))
        return "expected ',' or '}' after '" + key + "'";
    }
    return "";
  }

private:
  void skipSpace() { text = text.ltrim(" \t\r\n"); }
  bool peek(char c) {
    skipSpace();
    return text.starts_with(StringRef(&c, 1));
  }
  bool consume(char c) {
    if (!peek(c))
      return false;
    text = text.drop_front();
    return true;
  }
  bool consumeWord(StringRef word) {
    skipSpace();
    return text.consume_front(word);
  }

  bool parseString(std::string &value) {
    skipSpace();
    if (text.empty() || (text[0] != '\'' && text[0] != '"'))
      return false;
    size_t end = text.find(text[0], 1);
    if (end == StringRef::npos)
      return false;
    value = text.substr(1, end - 1).str();
    text = text.drop_front(end + 1);
    return true;
  }

  bool parseShape(SmallVector<int64_t> &shape) {
    if (!consume('('))
      return false;
    while (!consume(')')) {
      skipSpace();
      size_t digits = text.find_first_not_of("0123456789");
      int64_t dim;
      if (digits == 0 || text.take_front(digits).getAsInteger(10, dim))
        return false;
      text = text.drop_front(digits);
      consume('L'); // Python 2 longs.
      shape.push_back(dim);
      if (!consume(',') && !peek(')'))
        return false;
    }
    return true;
  }

  std::string parseValue(const std::string &key, NpyHeader &header) {
    if (key == "descr") {
      if (peek('['))
        return "structured arrays (a list 'descr') are not supported";
      std::string descr;
      if (!parseString(descr))
        return "'descr' is not a string";
      header.descr = descr;
    } else if (key == "fortran_order") {
      if (consumeWord("True"))
        header.fortranOrder = true;
      else if (consumeWord("False"))
        header.fortranOrder = false;
      else
        return "'fortran_order' is not True or False";
    } else if (key == "shape") {
      SmallVector<int64_t> shape;
      if (!parseShape(shape))
        return "'shape' is not a tuple of sizes";
      header.shape = shape;
    } else {
      return "unknown header field '" + key + "'";
    }
    return "";
  }

  StringRef text;
};
} // namespace

/// The dtype of a descr such as '<f4'.
static Expected<xfmr_dtype> dtypeOfDescr(StringRef path, StringRef descr,
                                         xfmr_dtype expected) {
  auto fail = [&](const Twine &why) {
    return createStringError(path + ": " + why);
  };
  if (descr.size() < 2)
    return fail("unknown npy dtype '" + descr + "'");
  char order = descr[0];
  StringRef code = descr.drop_front();
  if (order == '>' && code != "i1" && code != "u1" && code != "b1")
    return fail("big-endian data ('" + descr +
                "') is not supported; save the array as little-endian ('<" +
                code + "')");
  if (order != '<' && order != '|' && order != '=' && order != '>')
    return fail("unknown npy dtype '" + descr + "'");
  static const std::pair<const char *, xfmr_dtype> codes[] = {
      {"f4", XFMR_DTYPE_F32}, {"f8", XFMR_DTYPE_F64},  {"f2", XFMR_DTYPE_F16},
      {"i1", XFMR_DTYPE_I8},  {"i2", XFMR_DTYPE_I16},  {"i4", XFMR_DTYPE_I32},
      {"i8", XFMR_DTYPE_I64}, {"b1", XFMR_DTYPE_BOOL}, {"u4", XFMR_DTYPE_U32},
      {"u8", XFMR_DTYPE_U64}};
  for (auto [name, dtype] : codes)
    if (code == name)
      return dtype;
  // uint16 data may also be the bits of a bf16 tensor and uint8 data a
  // bool tensor (numpy has neither bf16 nor a one-byte bool in every tool).
  if (code == "u2")
    return expected == XFMR_DTYPE_BF16 ? XFMR_DTYPE_BF16 : XFMR_DTYPE_U16;
  if (code == "u1")
    return expected == XFMR_DTYPE_BOOL ? XFMR_DTYPE_BOOL : XFMR_DTYPE_U8;
  return fail("npy dtype '" + descr +
              "' is not supported (f2, f4, f8, i1, i2, i4, i8, u1, u2, u4, "
              "u8, b1 are)");
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

Expected<Tensor> xfmr::io::readNpy(StringRef path, xfmr_dtype expected) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return createStringError("cannot read '" + path +
                             "': " + file.getError().message());
  return parseNpy((*file)->getBuffer(), path, expected);
}

Expected<Tensor> xfmr::io::parseNpy(StringRef bytes, StringRef path,
                                    xfmr_dtype expected) {
  auto fail = [&](const Twine &why) {
    return createStringError(path + ": " + why);
  };
  if (bytes.size() < 10 ||
      !bytes.starts_with(StringRef(npyMagic, npyMagicSize)))
    return fail("not a .npy file");
  unsigned major = uint8_t(bytes[6]), minor = uint8_t(bytes[7]);
  size_t headerStart, headerSize;
  if (major == 1) {
    headerStart = 10;
    headerSize = support::endian::read16le(bytes.data() + 8);
  } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
    headerStart = 12;
    headerSize = support::endian::read32le(bytes.data() + 8);
  } else {
    return fail("unsupported .npy version " + Twine(major) + "." +
                Twine(minor));
  }
  if (headerSize > bytes.size() - headerStart)
    return fail("truncated header");

  NpyHeader header;
  std::string headerError =
      HeaderParser(bytes.substr(headerStart, headerSize)).parse(header);
  if (headerError.empty() && (!header.descr || !header.shape))
    headerError = "the header has no 'descr' or no 'shape'";
  if (!headerError.empty())
    return fail("bad header: " + headerError);
  if (header.fortranOrder.value_or(false))
    return fail("Fortran-order arrays are not supported; save a C-order "
                "array (numpy.ascontiguousarray)");
  Expected<xfmr_dtype> dtype = dtypeOfDescr(path, *header.descr, expected);
  if (!dtype)
    return dtype.takeError();

  // The size is checked before anything is allocated for it.
  Expected<size_t> bytesNeeded = denseByteSize(*dtype, *header.shape, path);
  if (!bytesNeeded)
    return bytesNeeded.takeError();
  StringRef data = bytes.drop_front(headerStart + headerSize);
  if (data.size() != *bytesNeeded)
    return fail("holds " + Twine(data.size()) + " bytes of data but shape " +
                formatShape(*header.shape) + " of '" + *header.descr +
                "' needs " + Twine(*bytesNeeded));
  Expected<Tensor> tensor = Tensor::allocate(*dtype, *header.shape, path);
  if (!tensor)
    return tensor.takeError();
  std::memcpy(tensor->getData(), data.data(), data.size());
  if (*dtype == XFMR_DTYPE_BOOL)
    for (size_t i = 0; i < data.size(); ++i)
      tensor->getData()[i] = tensor->getData()[i] != 0;
  return tensor;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

static const char *descrOf(xfmr_dtype dtype) {
  switch (dtype) {
  case XFMR_DTYPE_F32:
    return "<f4";
  case XFMR_DTYPE_F64:
    return "<f8";
  case XFMR_DTYPE_F16:
    return "<f2";
  case XFMR_DTYPE_BF16:
    return "<u2";
  case XFMR_DTYPE_I8:
    return "|i1";
  case XFMR_DTYPE_I16:
    return "<i2";
  case XFMR_DTYPE_I32:
    return "<i4";
  case XFMR_DTYPE_I64:
    return "<i8";
  case XFMR_DTYPE_BOOL:
    return "|b1";
  case XFMR_DTYPE_U8:
    return "|u1";
  case XFMR_DTYPE_U16:
    return "<u2";
  case XFMR_DTYPE_U32:
    return "<u4";
  case XFMR_DTYPE_U64:
    return "<u8";
  case XFMR_DTYPE_INVALID:
    break;
  }
  return nullptr;
}

Error xfmr::io::writeNpy(StringRef path, const xfmr_tensor &tensor) {
  const char *descr = descrOf(tensor.dtype);
  if (!descr)
    return createStringError(path + ": cannot write a tensor of an invalid "
                                    "dtype");
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (";
  for (int64_t dim : shapeOf(tensor))
    header += std::to_string(dim) + ", ";
  if (tensor.rank > 0) {
    header.pop_back();
    header.pop_back();
    if (tensor.rank == 1)
      header += ",";
  }
  header += "), }";
  // Data starts at a multiple of 64 bytes; the header ends with a newline.
  bool wide = npyMagicSize + 4 + header.size() + 1 > 0xffff;
  size_t prefix = npyMagicSize + 2 + (wide ? 4 : 2);
  size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';

  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return createStringError("cannot write '" + path + "': " + ec.message());
  os.write(npyMagic, npyMagicSize);
  os << char(wide ? 2 : 1) << char(0);
  char length[4];
  if (wide) {
    support::endian::write32le(length, header.size());
    os.write(length, 4);
  } else {
    support::endian::write16le(length, header.size());
    os.write(length, 2);
  }
  os << header;
  os.write(static_cast<const char *>(tensor.data),
           numElements(tensor) * xfmr_dtype_size(tensor.dtype));
  os.close();
  if (os.has_error()) {
    Error error = createStringError("cannot write '" + path +
                                    "': " + os.error().message());
    os.clear_error();
    return error;
  }
  return Error::success();
}
