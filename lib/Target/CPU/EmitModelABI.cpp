//===- EmitModelABI.cpp - The entry points every compiled model exports ---===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A model's C wrapper takes one pointer per descriptor, so its arity depends
// on the model; `xfmr_model_entry(void **args)` gives the runtime one fixed
// signature to call, whatever the model.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/CPU/Passes.h"

#include "llvm/ADT/StringExtras.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRCPUEMITMODELABIPASS
#include "xfmr/Target/CPU/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

namespace {

constexpr StringLiteral kCWrapperPrefix = "_mlir_ciface_";

struct EmitModelABIPass
    : public mlir::xfmr::impl::XfmrCPUEmitModelABIPassBase<EmitModelABIPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto signature = module->getAttrOfType<StringAttr>(kSignatureAttrName);
    if (!signature) {
      module.emitError() << "no '" << kSignatureAttrName
                         << "' attribute: run xfmr-cpu-prepare-entry on the "
                            "tensor-level module first";
      return signalPassFailure();
    }
    SmallVector<LLVM::LLVMFuncOp> wrappers;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func.getName().starts_with(kCWrapperPrefix) && !func.isExternal())
        wrappers.push_back(func);
    if (wrappers.size() != 1) {
      module.emitError() << "expected the C wrapper of exactly one entry "
                            "function, found "
                         << wrappers.size();
      return signalPassFailure();
    }
    LLVM::LLVMFuncOp wrapper = wrappers.front();

    // Nothing but the ABI is exported: the rest may be inlined and dropped.
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (!func.isExternal())
        func.setLinkage(LLVM::Linkage::Internal);

    MLIRContext *ctx = &getContext();
    Location loc = module.getLoc();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto ptrType = LLVM::LLVMPointerType::get(ctx);

    // const char *xfmr_model_signature(void)
    std::string text = signature.getValue().str();
    if (!cpu.empty())
      text += "target\t" + runtimeKind + "\t" + cpu + "\t" +
              llvm::join(requiredFeatures, ",") + "\n";
    text.push_back('\0');
    auto textType = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
    auto textGlobal = LLVM::GlobalOp::create(
        b, loc, textType, /*isConstant=*/true, LLVM::Linkage::Internal,
        "xfmr_signature_text", b.getStringAttr(text));
    auto signatureFunc = LLVM::LLVMFuncOp::create(
        b, loc, "xfmr_model_signature", LLVM::LLVMFunctionType::get(ptrType, {}));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(signatureFunc.addEntryBlock(b));
      Value address = LLVM::AddressOfOp::create(b, loc, textGlobal);
      LLVM::ReturnOp::create(b, loc, address);
    }

    // void xfmr_model_entry(void **args): args[i] is the wrapper's i-th
    // pointer (the results first, then one per input).
    unsigned numArgs = wrapper.getNumArguments();
    for (Type argType : wrapper.getArgumentTypes())
      if (!isa<LLVM::LLVMPointerType>(argType)) {
        wrapper.emitError("the entry's C wrapper takes a non-pointer "
                          "argument; the model ABI passes descriptors only");
        return signalPassFailure();
      }
    auto runFunc = LLVM::LLVMFuncOp::create(
        b, loc, "xfmr_model_entry",
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptrType}));
    OpBuilder::InsertionGuard guard(b);
    Block *body = runFunc.addEntryBlock(b);
    b.setInsertionPointToStart(body);
    SmallVector<Value> args;
    for (unsigned i = 0; i < numArgs; ++i) {
      Value slot = LLVM::GEPOp::create(b, loc, ptrType, ptrType,
                                       body->getArgument(0),
                                       ArrayRef<LLVM::GEPArg>{int32_t(i)});
      args.push_back(LLVM::LoadOp::create(b, loc, ptrType, slot));
    }
    LLVM::CallOp::create(b, loc, wrapper, args);
    LLVM::ReturnOp::create(b, loc, ValueRange());
  }
};

} // namespace
