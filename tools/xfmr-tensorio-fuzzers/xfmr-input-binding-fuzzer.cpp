//===- xfmr-input-binding-fuzzer.cpp - libFuzzer target for input binding -===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What xfmr-run does with the tensors it reads before a model runs: it binds
// their named dims and hands them to the runtime, which checks names,
// dtypes and shapes against the model's signature.
//
// The input is a signature's text, a NUL, then records of one byte (which
// of the signature's inputs the tensor is for; past the last one, a name the
// model does not have), a 32-bit little-endian length and that many bytes
// of a .npy file. Without a NUL the whole input is a signature and no
// tensor is given.
//
//===----------------------------------------------------------------------===//

#include "../../lib/Runtime/RuntimeImpl.h"
#include "../xfmr-run/Inputs.h"

#include "xfmr/TensorIO/Npy.h"

#include "llvm/Support/Endian.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace xfmr;

/// The xfmr_tensor_info of `decl`, pointing into `decl` and `dimNames`.
static xfmr_tensor_info infoOf(const runtime::TensorDecl &decl,
                               std::vector<const char *> &dimNames) {
  for (const std::string &name : decl.dimNames)
    dimNames.push_back(name.c_str());
  return {decl.name.c_str(), decl.dtype,
          static_cast<int64_t>(decl.shape.size()), decl.shape.data(),
          dimNames.data()};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  auto [signatureText, records] = bytes.split('\0');
  xfmr_model model;
  if (!runtime::parseSignature(signatureText.str().c_str(), model.signature)
           .empty())
    return 0;
  const std::vector<runtime::TensorDecl> &decls = model.signature.inputs;

  std::vector<io::Tensor> tensors;
  std::vector<const char *> names;
  llvm::StringMap<int64_t> dimSizes;
  while (records.size() >= 5) {
    size_t which = uint8_t(records[0]);
    uint32_t length = llvm::support::endian::read32le(records.data() + 1);
    records = records.drop_front(5);
    llvm::StringRef npy = records.take_front(length);
    records = records.drop_front(npy.size());
    bool known = which < decls.size();
    llvm::Expected<io::Tensor> tensor = io::parseNpy(
        npy, "input.npy", known ? decls[which].dtype : XFMR_DTYPE_F32);
    if (!tensor) {
      llvm::consumeError(tensor.takeError());
      continue;
    }
    if (known) {
      std::vector<const char *> dimNames;
      run::bindNamedDims(infoOf(decls[which], dimNames), tensor->getShape(),
                         dimSizes);
    }
    names.push_back(known ? decls[which].name.c_str() : "not-an-input");
    tensors.push_back(std::move(*tensor));
  }

  std::vector<xfmr_tensor> views;
  for (const io::Tensor &tensor : tensors)
    views.push_back(tensor.view());
  // By name, as xfmr-run binds them, and by position.
  const char *const *byName = names.data();
  for (const char *const *order : {byName, (const char *const *)nullptr}) {
    char *error = nullptr;
    xfmr_model_check_inputs(&model, views.size(), order, views.data(), &error);
    xfmr_error_free(error);
  }
  return 0;
}
