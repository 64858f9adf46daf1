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
// The run-time checks of the lowerings call xfmr_check_failed from
// anywhere in the model. The entry keeps the run's error record (the last
// of `args`) in a thread-local slot for the length of the call, so that
// runs on several threads at once each get their own; a failed check
// records its message and values there, the first one only.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Conversion/XfmrToLinalg/RuntimeChecks.h"
#include "xfmr/Target/Common/Passes.h"

#include "llvm/ADT/StringExtras.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMREMITMODELABIPASS
#include "xfmr/Target/Common/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

namespace {

constexpr StringLiteral kCWrapperPrefix = "_mlir_ciface_";

/// Defines what a failed check does and points every call of
/// xfmr_check_failed at it, with the call's message as a string constant.
/// Returns the thread-local slot that holds the run's error record (as an
/// integer), or null when the model has no checks.
static FailureOr<LLVM::GlobalOp> defineCheckFailure(ModuleOp module,
                                                    OpBuilder &b) {
  auto declaration =
      module.lookupSymbol<LLVM::LLVMFuncOp>(kCheckFailedFunctionName);
  if (!declaration)
    return LLVM::GlobalOp();
  MLIRContext *ctx = module.getContext();
  Location loc = module.getLoc();
  Type i64 = b.getI64Type();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());

  auto slot = LLVM::GlobalOp::create(
      b, loc, i64, /*isConstant=*/false, LLVM::Linkage::Internal,
      "xfmr_run_error", b.getI64IntegerAttr(0), /*alignment=*/8,
      /*addrSpace=*/0, /*dsoLocal=*/true, /*thread_local_=*/true);

  // void record(ptr message, i64 v0, i64 v1, i64 v2): the record is
  // { ptr message; i64 values[3] }, NULL when the run gave none.
  SmallVector<Type> argTypes{ptrType};
  argTypes.append(kCheckFailedNumValues, i64);
  auto record = LLVM::LLVMFuncOp::create(
      b, loc, "xfmr_record_check_failure",
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), argTypes));
  record.setLinkage(LLVM::Linkage::Internal);
  {
    Block *entry = record.addEntryBlock(b);
    Block *store = record.addBlock();
    Block *done = record.addBlock();
    b.setInsertionPointToStart(entry);
    Value slotAddress = LLVM::AddressOfOp::create(b, loc, slot);
    Value recordWord = LLVM::LoadOp::create(b, loc, i64, slotAddress);
    Value recordPtr = LLVM::IntToPtrOp::create(b, loc, ptrType, recordWord);
    Value zero = LLVM::ConstantOp::create(b, loc, i64, 0);
    Value noRecord =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, recordWord, zero);
    Value null = LLVM::ZeroOp::create(b, loc, ptrType);
    // The record's message is loaded only when there is a record.
    Block *check = record.addBlock();
    LLVM::CondBrOp::create(b, loc, noRecord, done, check);
    b.setInsertionPointToStart(check);
    Value previous = LLVM::LoadOp::create(b, loc, ptrType, recordPtr);
    Value first =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, previous, null);
    LLVM::CondBrOp::create(b, loc, first, store, done);
    b.setInsertionPointToStart(store);
    LLVM::StoreOp::create(b, loc, entry->getArgument(0), recordPtr);
    for (unsigned i = 0; i < kCheckFailedNumValues; ++i) {
      Value field = LLVM::GEPOp::create(b, loc, ptrType, i64, recordPtr,
                                        ArrayRef<LLVM::GEPArg>{int32_t(1 + i)});
      LLVM::StoreOp::create(b, loc, entry->getArgument(1 + i), field);
    }
    LLVM::BrOp::create(b, loc, done);
    b.setInsertionPointToStart(done);
    LLVM::ReturnOp::create(b, loc, ValueRange());
  }

  // One string constant per distinct message.
  llvm::StringMap<LLVM::GlobalOp> messages;
  SmallVector<LLVM::CallOp> calls;
  module.walk([&](LLVM::CallOp call) {
    if (call.getCallee() == kCheckFailedFunctionName)
      calls.push_back(call);
  });
  for (LLVM::CallOp call : calls) {
    std::optional<StringRef> message = getCheckMessage(call.getLoc());
    if (!message) {
      call.emitError() << "a call of " << kCheckFailedFunctionName
                       << " without its message";
      return failure();
    }
    LLVM::GlobalOp &text = messages[*message];
    if (!text) {
      b.setInsertionPointToEnd(module.getBody());
      std::string bytes = message->str();
      bytes.push_back('\0');
      text = LLVM::GlobalOp::create(
          b, loc, LLVM::LLVMArrayType::get(b.getI8Type(), bytes.size()),
          /*isConstant=*/true, LLVM::Linkage::Internal,
          "xfmr_check_message_" + std::to_string(messages.size() - 1),
          b.getStringAttr(bytes));
    }
    b.setInsertionPoint(call);
    SmallVector<Value> args{LLVM::AddressOfOp::create(b, call.getLoc(), text)};
    llvm::append_range(args, call.getArgOperands());
    LLVM::CallOp::create(b, call.getLoc(), record, args);
    call.erase();
  }
  declaration.erase();
  return slot;
}

struct EmitModelABIPass
    : public mlir::xfmr::impl::XfmrEmitModelABIPassBase<EmitModelABIPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto signature = module->getAttrOfType<StringAttr>(kSignatureAttrName);
    if (!signature) {
      module.emitError() << "no '" << kSignatureAttrName
                         << "' attribute: run xfmr-prepare-entry on the "
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
    auto signatureFunc =
        LLVM::LLVMFuncOp::create(b, loc, "xfmr_model_signature",
                                 LLVM::LLVMFunctionType::get(ptrType, {}));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(signatureFunc.addEntryBlock(b));
      Value address = LLVM::AddressOfOp::create(b, loc, textGlobal);
      LLVM::ReturnOp::create(b, loc, address);
    }

    FailureOr<LLVM::GlobalOp> errorSlot = defineCheckFailure(module, b);
    if (failed(errorSlot))
      return signalPassFailure();

    // void xfmr_model_entry(void **args): args[i] is the wrapper's i-th
    // pointer (the results first, then one per input), and the last the
    // run's error record.
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
      Value slot =
          LLVM::GEPOp::create(b, loc, ptrType, ptrType, body->getArgument(0),
                              ArrayRef<LLVM::GEPArg>{int32_t(i)});
      args.push_back(LLVM::LoadOp::create(b, loc, ptrType, slot));
    }
    Value slotAddress;
    if (*errorSlot) {
      Value slot =
          LLVM::GEPOp::create(b, loc, ptrType, ptrType, body->getArgument(0),
                              ArrayRef<LLVM::GEPArg>{int32_t(numArgs)});
      Value record = LLVM::LoadOp::create(b, loc, ptrType, slot);
      slotAddress = LLVM::AddressOfOp::create(b, loc, *errorSlot);
      LLVM::StoreOp::create(
          b, loc, LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), record),
          slotAddress);
    }
    LLVM::CallOp::create(b, loc, wrapper, args);
    if (slotAddress)
      LLVM::StoreOp::create(b, loc,
                            LLVM::ConstantOp::create(b, loc, b.getI64Type(), 0),
                            slotAddress);
    LLVM::ReturnOp::create(b, loc, ValueRange());
  }
};

} // namespace
