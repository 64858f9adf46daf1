//===- PrepareEntry.cpp - The model function as a compiled entry ----------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The signature is taken while the function still has tensor types and the
// importer's names; after lowering only descriptors remain.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Runtime/xfmr_runtime.h"
#include "xfmr/Target/Common/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRPREPAREENTRYPASS
#include "xfmr/Target/Common/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

namespace {

/// The runtime's name of an element type, or "" for one it cannot carry.
/// Integers are signless inside; the importer marks the unsigned ones of the
/// model's signature with `xfmr.unsigned`.
StringRef getDTypeName(Type type, bool isUnsigned) {
  if (isUnsigned && type.isInteger() && !type.isInteger(1)) {
    switch (type.getIntOrFloatBitWidth()) {
    case 8:
      return "u8";
    case 16:
      return "u16";
    case 32:
      return "u32";
    case 64:
      return "u64";
    default:
      return "";
    }
  }
  if (type.isF32())
    return "f32";
  if (type.isF64())
    return "f64";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isInteger(1))
    return "bool";
  if (type.isInteger(8))
    return "i8";
  if (type.isInteger(16))
    return "i16";
  if (type.isInteger(32))
    return "i32";
  if (type.isInteger(64))
    return "i64";
  return "";
}

struct SignatureWriter {
  explicit SignatureWriter(func::FuncOp func) : func(func) {}

  func::FuncOp func;
  std::string text;
  llvm::raw_string_ostream os{text};

  /// Appends one record; fails (with a diagnostic) on what the ABI's text
  /// cannot express.
  LogicalResult addRecord(StringRef kind, unsigned index, Type type,
                          DictionaryAttr attrs) {
    std::string fallback = (kind + "_" + Twine(index)).str();
    StringRef name = fallback;
    if (auto nameAttr = attrs ? attrs.getAs<StringAttr>("xfmr.name") : nullptr)
      name = nameAttr.getValue();
    if (name.empty() || name.find_first_of("\t\n") != StringRef::npos)
      return func.emitError()
             << kind << " " << index
             << " has a name the model ABI cannot carry ('" << name << "')";
    auto tensorType = dyn_cast<RankedTensorType>(type);
    bool isUnsigned = attrs && attrs.get("xfmr.unsigned");
    StringRef dtype =
        tensorType ? getDTypeName(tensorType.getElementType(), isUnsigned)
                   : StringRef();
    if (dtype.empty())
      return func.emitError()
             << kind << " '" << name << "' has type " << type
             << ", which a compiled model cannot take or "
                "return (supported: ranked tensors of f32, "
                "f64, f16, bf16, i1, i8, i16, i32, i64 and their unsigned "
                "forms)";
    ArrayAttr dimNames =
        attrs ? attrs.getAs<ArrayAttr>("xfmr.dims") : ArrayAttr();
    os << kind << '\t' << name << '\t' << dtype << "\t[";
    for (auto [i, size] : llvm::enumerate(tensorType.getShape())) {
      if (i)
        os << ',';
      if (!ShapedType::isDynamic(size)) {
        os << size;
        continue;
      }
      os << '?';
      if (dimNames && i < dimNames.size())
        if (auto dimName = dyn_cast<StringAttr>(dimNames[i]))
          if (dimName.getValue().find_first_of(",]\t\n") == StringRef::npos)
            os << dimName.getValue();
    }
    os << "]\n";
    return success();
  }
};

struct PrepareEntryPass
    : public mlir::xfmr::impl::XfmrPrepareEntryPassBase<PrepareEntryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        entries.push_back(func);
    if (entries.size() != 1) {
      module.emitError() << "a compiled model needs exactly one public "
                            "function, its entry; found "
                         << entries.size();
      return signalPassFailure();
    }
    func::FuncOp entry = entries.front();

    SignatureWriter writer(entry);
    writer.os << "xfmr-model\t" << XFMR_MODEL_ABI_VERSION << "\n";
    FunctionType type = entry.getFunctionType();
    for (auto [i, input] : llvm::enumerate(type.getInputs()))
      if (failed(writer.addRecord("input", i, input, entry.getArgAttrDict(i))))
        return signalPassFailure();
    for (auto [i, result] : llvm::enumerate(type.getResults()))
      if (failed(writer.addRecord("output", i, result,
                                  entry.getResultAttrDict(i))))
        return signalPassFailure();
    if (type.getNumResults() == 0) {
      entry.emitError("a compiled model needs at least one output");
      return signalPassFailure();
    }
    module->setAttr(kSignatureAttrName,
                    StringAttr::get(&getContext(), writer.text));

    // The names now live in the signature; LLVM has no use for them.
    for (unsigned i = 0, e = entry.getNumArguments(); i < e; ++i) {
      entry.removeArgAttr(i, "xfmr.name");
      entry.removeArgAttr(i, "xfmr.dims");
      entry.removeArgAttr(i, "xfmr.unsigned");
    }
    for (unsigned i = 0, e = entry.getNumResults(); i < e; ++i) {
      entry.removeResultAttr(i, StringAttr::get(&getContext(), "xfmr.name"));
      entry.removeResultAttr(i, StringAttr::get(&getContext(), "xfmr.dims"));
      entry.removeResultAttr(i,
                             StringAttr::get(&getContext(), "xfmr.unsigned"));
    }

    // The inputs belong to the caller: bufferization must copy rather than
    // write into them.
    for (unsigned i = 0, e = entry.getNumArguments(); i < e; ++i)
      entry.setArgAttr(i,
                       bufferization::BufferizationDialect::kWritableAttrName,
                       BoolAttr::get(&getContext(), false));
    entry->setAttr("llvm.emit_c_interface", UnitAttr::get(&getContext()));
  }
};

} // namespace
