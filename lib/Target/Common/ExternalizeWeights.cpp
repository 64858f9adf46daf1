//===- ExternalizeWeights.cpp - Large constant buffers to a weights file --===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A weight kept in the library goes through LLVM IR (a copy), the object
// file (another) and the library's .rodata, where x86-64's 32-bit
// relocations stop at 2 GiB. Written to a file of its own as soon as it is
// a buffer, it is copied once, and each global's blob can be released as
// soon as it is written.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/WeightBlob.h"
#include "xfmr/Runtime/xfmr_runtime.h"
#include "xfmr/Target/Common/Passes.h"
#include "xfmr/Target/Target.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMREXTERNALIZEWEIGHTSPASS
#include "xfmr/Target/Common/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

namespace {

constexpr uint64_t kWeightsAlignment = 64;

/// The bytes of a constant global's value in memory order, or nothing for a
/// value this pass does not move (an opaque or elided one). Splats are
/// written out element by element, as the library would hold them.
static std::optional<ArrayRef<char>> getRawBytes(ElementsAttr value,
                                                 std::string &splatStorage) {
  if (isa<DenseResourceElementsAttr>(value))
    return getWeightBytes(value);
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense || dense.getElementType().isInteger(1))
    return std::nullopt;
  if (!dense.isSplat())
    return dense.getRawData();
  ArrayRef<char> element = dense.getRawData();
  splatStorage.reserve(element.size() * dense.getNumElements());
  for (int64_t i = 0, e = dense.getNumElements(); i < e; ++i)
    splatStorage.append(element.begin(), element.end());
  return ArrayRef<char>(splatStorage.data(), splatStorage.size());
}

struct ExternalizeWeightsPass
    : public mlir::xfmr::impl::XfmrExternalizeWeightsPassBase<
          ExternalizeWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string path = weightsFile;
    if (path.empty())
      if (auto named = module->getAttrOfType<StringAttr>(kWeightsFileAttrName))
        path = named.str();
    if (path.empty())
      return;
    auto signature = module->getAttrOfType<StringAttr>(kSignatureAttrName);
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        entries.push_back(func);
    if (!signature || entries.size() != 1) {
      module.emitError() << "externalizing weights needs the model's entry "
                            "and signature: run xfmr-prepare-entry first";
      return signalPassFailure();
    }
    func::FuncOp entry = entries.front();

    // The globals to move: large constants that only the entry reads.
    SmallVector<memref::GlobalOp> globals;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      auto value = dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr());
      if (!global.getConstant() || !value)
        continue;
      MemRefType type = global.getType();
      int64_t bytes =
          type.getNumElements() * int64_t(type.getElementTypeBitWidth() / 8);
      if (!type.getLayout().isIdentity() || bytes < threshold ||
          type.getElementTypeBitWidth() % 8 != 0)
        continue;
      std::optional<SymbolTable::UseRange> uses =
          SymbolTable::getSymbolUses(global, module);
      bool onlyEntry =
          uses && llvm::all_of(*uses, [&](SymbolTable::SymbolUse use) {
            return isa<memref::GetGlobalOp>(use.getUser()) &&
                   use.getUser()->getParentOfType<func::FuncOp>() == entry;
          });
      if (onlyEntry)
        globals.push_back(global);
    }
    if (globals.empty())
      return;

    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec) {
      module.emitError() << "cannot write the weights file '" << path
                         << "': " << ec.message();
      return signalPassFailure();
    }

    // The entry's new last argument: the mapped file.
    MLIRContext *ctx = &getContext();
    Type bytesType =
        MemRefType::get({ShapedType::kDynamic}, IntegerType::get(ctx, 8));
    unsigned weightsArg = entry.getNumArguments();
    if (failed(entry.insertArgument(weightsArg, bytesType, nullptr,
                                    entry.getLoc()))) {
      entry.emitError("cannot add the weights argument to the entry");
      return signalPassFailure();
    }
    Value weights = entry.getArgument(weightsArg);

    uint64_t offset = 0;
    uint64_t hash = XFMR_WEIGHTS_HASH_INIT;
    const char zeros[kWeightsAlignment] = {};
    for (memref::GlobalOp global : globals) {
      std::string splat;
      std::optional<ArrayRef<char>> bytes =
          getRawBytes(cast<ElementsAttr>(global.getInitialValueAttr()), splat);
      if (!bytes)
        continue;
      os.write(bytes->data(), bytes->size());
      hash = xfmr_weights_hash(hash, bytes->data(), bytes->size() & ~7ull);
      // The tail and the padding hash as one word run, as the runtime reads
      // them.
      uint64_t padded = llvm::alignTo(bytes->size(), kWeightsAlignment);
      char tail[kWeightsAlignment + 8] = {};
      size_t tailStart = bytes->size() & ~7ull;
      std::memcpy(tail, bytes->data() + tailStart, bytes->size() - tailStart);
      hash = xfmr_weights_hash(hash, tail, padded - tailStart);
      os.write(zeros, padded - bytes->size());

      SmallVector<memref::GetGlobalOp> reads;
      entry.walk([&](memref::GetGlobalOp read) {
        if (read.getName() == global.getSymName())
          reads.push_back(read);
      });
      for (memref::GetGlobalOp read : reads) {
        OpBuilder b(read);
        Value at = arith::ConstantIndexOp::create(b, read.getLoc(), offset);
        Value view = memref::ViewOp::create(b, read.getLoc(), read.getType(),
                                            weights, at, ValueRange());
        read.replaceAllUsesWith(view);
        read.erase();
      }
      // The global was the blob's only holder (one global per constant):
      // its memory goes now rather than when the context does.
      if (auto resource =
              dyn_cast<DenseResourceElementsAttr>(global.getInitialValueAttr()))
        resource.getRawHandle().getResource()->setBlob(AsmResourceBlob());
      global.erase();
      offset += padded;
    }
    os.close();
    if (os.has_error()) {
      module.emitError() << "cannot write the weights file '" << path
                         << "': " << os.error().message();
      os.clear_error();
      return signalPassFailure();
    }
    std::string record = "weights\t" + llvm::sys::path::filename(path).str() +
                         "\t" + std::to_string(offset) + "\t" +
                         llvm::utohexstr(hash, /*LowerCase=*/true) + "\n";
    module->setAttr(kSignatureAttrName,
                    StringAttr::get(ctx, signature.getValue() + record));
  }
};

} // namespace
