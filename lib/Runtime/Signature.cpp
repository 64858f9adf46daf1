//===- Signature.cpp - Dtypes and the model signature text ----------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "RuntimeImpl.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

using namespace xfmr::runtime;

//===----------------------------------------------------------------------===//
// Dtypes
//===----------------------------------------------------------------------===//

namespace {
struct DtypeEntry {
  xfmr_dtype dtype;
  const char *name;
  size_t size;
};
} // namespace

static const DtypeEntry dtypeTable[] = {
    {XFMR_DTYPE_F32, "f32", 4},   {XFMR_DTYPE_F64, "f64", 8},
    {XFMR_DTYPE_F16, "f16", 2},   {XFMR_DTYPE_BF16, "bf16", 2},
    {XFMR_DTYPE_I8, "i8", 1},     {XFMR_DTYPE_I16, "i16", 2},
    {XFMR_DTYPE_I32, "i32", 4},   {XFMR_DTYPE_I64, "i64", 8},
    {XFMR_DTYPE_BOOL, "bool", 1}, {XFMR_DTYPE_U8, "u8", 1},
    {XFMR_DTYPE_U16, "u16", 2},   {XFMR_DTYPE_U32, "u32", 4},
    {XFMR_DTYPE_U64, "u64", 8},
};

static const DtypeEntry *findDtype(xfmr_dtype dtype) {
  for (const DtypeEntry &entry : dtypeTable)
    if (entry.dtype == dtype)
      return &entry;
  return nullptr;
}

extern "C" const char *xfmr_dtype_name(xfmr_dtype dtype) {
  const DtypeEntry *entry = findDtype(dtype);
  return entry ? entry->name : nullptr;
}

extern "C" xfmr_dtype xfmr_dtype_from_name(const char *name) {
  if (!name)
    return XFMR_DTYPE_INVALID;
  for (const DtypeEntry &entry : dtypeTable)
    if (std::strcmp(entry.name, name) == 0)
      return entry.dtype;
  return XFMR_DTYPE_INVALID;
}

extern "C" size_t xfmr_dtype_size(xfmr_dtype dtype) {
  const DtypeEntry *entry = findDtype(dtype);
  return entry ? entry->size : 0;
}

std::string xfmr::runtime::dtypeName(xfmr_dtype dtype) {
  if (const char *name = xfmr_dtype_name(dtype))
    return name;
  return "an invalid dtype (" + std::to_string(static_cast<int>(dtype)) + ")";
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

std::string xfmr::runtime::formatDeclShape(const TensorDecl &decl) {
  std::string text = "[";
  for (size_t i = 0; i < decl.shape.size(); ++i) {
    if (i)
      text += ',';
    if (decl.shape[i] < 0)
      text += "?" + decl.dimNames[i];
    else
      text += std::to_string(decl.shape[i]);
  }
  return text + "]";
}

std::string xfmr::runtime::formatShape(const int64_t *shape, int64_t rank) {
  std::string text = "[";
  for (int64_t i = 0; i < rank; ++i) {
    if (i)
      text += ',';
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

static std::vector<std::string> split(const std::string &text, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos)
      return parts;
    start = end + 1;
  }
}

/// Parses a non-negative decimal number that fits an int64_t.
static bool parseSize(const std::string &text, int64_t &value) {
  if (text.empty() || text.size() > 18)
    return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

/// Parses `[2,?,?seq]` into `decl`.
static std::string parseDims(const std::string &text, TensorDecl &decl) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']')
    return "dims '" + text + "' are not in brackets";
  std::string inner = text.substr(1, text.size() - 2);
  if (inner.empty())
    return "";
  for (const std::string &dim : split(inner, ',')) {
    int64_t size;
    if (!dim.empty() && dim[0] == '?') {
      decl.shape.push_back(-1);
      decl.dimNames.push_back(dim.substr(1));
    } else if (parseSize(dim, size)) {
      decl.shape.push_back(size);
      decl.dimNames.emplace_back();
    } else {
      return "dim '" + dim + "' in " + text + " is neither a size nor '?'";
    }
  }
  return "";
}

static std::string parseRecord(const std::vector<std::string> &fields,
                               Signature &signature) {
  if (fields.size() != 4)
    return "expected 4 tab-separated fields, found " +
           std::to_string(fields.size());
  if (fields[0] == "target") {
    // target<TAB>cpu<TAB>CPU<TAB>FEATURE,FEATURE,...
    // target<TAB>cuda<TAB>ARCH,ARCH,...<TAB>
    if (fields[1] != "cpu" && fields[1] != "cuda")
      return "the model is for target '" + fields[1] +
             "', which this runtime does not run";
    if (!signature.targetKind.empty())
      return "the target is declared twice";
    signature.targetKind = fields[1];
    bool onCPU = fields[1] == "cpu";
    if (fields[2].empty())
      return onCPU ? "the target names no CPU"
                   : "the target names no GPU architecture";
    if (onCPU)
      signature.cpu = fields[2];
    std::vector<std::string> &names =
        onCPU ? signature.cpuFeatures : signature.gpuArchs;
    for (std::string &name : split(onCPU ? fields[3] : fields[2], ','))
      if (!name.empty())
        names.push_back(std::move(name));
    return "";
  }
  if (fields[0] == "weights") {
    // weights<TAB>FILE<TAB>SIZE<TAB>HASH, FILE beside the library.
    if (!signature.weightsFile.empty())
      return "the weights are declared twice";
    if (fields[1].empty() || fields[1].find('/') != std::string::npos ||
        fields[1] == "." || fields[1] == "..")
      return "the weights file '" + fields[1] +
             "' is not a file name beside the model";
    int64_t size;
    if (!parseSize(fields[2], size) || size == 0 || size % 64 != 0)
      return "the weights' size '" + fields[2] +
             "' is not a positive multiple of 64";
    if (fields[3].empty() || fields[3].size() > 16 ||
        fields[3].find_first_not_of("0123456789abcdef") != std::string::npos)
      return "the weights' hash '" + fields[3] + "' is not hexadecimal";
    signature.weightsFile = fields[1];
    signature.weightsSize = static_cast<uint64_t>(size);
    signature.weightsHash = std::stoull(fields[3], nullptr, 16);
    return "";
  }
  std::vector<TensorDecl> *decls;
  if (fields[0] == "input")
    decls = &signature.inputs;
  else if (fields[0] == "output")
    decls = &signature.outputs;
  else
    return "unknown record '" + fields[0] + "'";
  TensorDecl decl;
  decl.name = fields[1];
  if (decl.name.empty())
    return "an " + fields[0] + " has an empty name";
  for (const TensorDecl &other : *decls)
    if (other.name == decl.name)
      return fields[0] + " '" + decl.name + "' is declared twice";
  decl.dtype = xfmr_dtype_from_name(fields[2].c_str());
  if (decl.dtype == XFMR_DTYPE_INVALID)
    return fields[0] + " '" + decl.name + "' has unknown dtype '" + fields[2] +
           "'";
  std::string dimsError = parseDims(fields[3], decl);
  if (!dimsError.empty())
    return fields[0] + " '" + decl.name + "': " + dimsError;
  decls->push_back(std::move(decl));
  return "";
}

std::string xfmr::runtime::parseSignature(const char *text,
                                          Signature &signature) {
  if (!text)
    return "the signature is NULL";
  std::vector<std::string> lines = split(text, '\n');
  bool sawHeader = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      continue;
    std::vector<std::string> fields = split(line, '\t');
    std::string where = "line " + std::to_string(i + 1) + ": ";
    if (!sawHeader) {
      if (fields[0] != "xfmr-model" || fields.size() != 2)
        return where + "expected 'xfmr-model<TAB>VERSION', found '" + line +
               "'";
      int64_t version;
      if (!parseSize(fields[1], version))
        return where + "version '" + fields[1] + "' is not a number";
      if (version != XFMR_MODEL_ABI_VERSION)
        return "the model has ABI version " + fields[1] +
               " but this runtime reads version " +
               std::to_string(XFMR_MODEL_ABI_VERSION) +
               "; compile the model again";
      sawHeader = true;
      continue;
    }
    std::string recordError = parseRecord(fields, signature);
    if (!recordError.empty())
      return where + recordError;
  }
  if (!sawHeader)
    return "the signature is empty";
  return "";
}
