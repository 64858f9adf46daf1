// RUN: xfmr-opt %s --split-input-file --verify-diagnostics --xfmr-emit-model-abi | FileCheck %s

// A model with run-time checks: every call of xfmr_check_failed becomes a
// call of the model's own recorder with the message its location carried;
// the entry keeps the run's error record (the pointer after the inputs') in
// a thread-local slot while the model runs.

// CHECK-LABEL: llvm.func internal @_mlir_ciface_main
// CHECK: %[[MSG:.*]] = llvm.mlir.addressof @xfmr_check_message_0 : !llvm.ptr
// CHECK: llvm.call @xfmr_record_check_failure(%[[MSG]], %{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, i64, i64, i64) -> ()
// CHECK-NOT: xfmr_check_failed
// CHECK: llvm.mlir.global internal thread_local @xfmr_run_error(0 : i64)
// CHECK-LABEL: llvm.func internal @xfmr_record_check_failure
// CHECK-SAME: (%[[TEXT:.*]]: !llvm.ptr, %[[V0:.*]]: i64, %[[V1:.*]]: i64, %[[V2:.*]]: i64)
// CHECK: %[[SLOT:.*]] = llvm.mlir.addressof @xfmr_run_error
// CHECK: %[[WORD:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> i64
// CHECK: %[[RECORD:.*]] = llvm.inttoptr %[[WORD]] : i64 to !llvm.ptr
// CHECK: llvm.cond_br %{{.*}}, ^[[DONE:.*]], ^[[CHECK:.*]]
// CHECK: ^[[STORE:.*]]:
// CHECK: llvm.store %[[TEXT]], %[[RECORD]]
// CHECK: %[[F0:.*]] = llvm.getelementptr %[[RECORD]][1] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK: llvm.store %[[V0]], %[[F0]]
// CHECK: %[[F2:.*]] = llvm.getelementptr %[[RECORD]][3] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK: llvm.store %[[V2]], %[[F2]]
// CHECK: ^[[CHECK]]:
// CHECK: %[[PREVIOUS:.*]] = llvm.load %[[RECORD]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.icmp "eq" %[[PREVIOUS]]
// CHECK: llvm.mlir.global internal constant @xfmr_check_message_0("Gather node 'g': idx={0}\00")
// CHECK-LABEL: llvm.func @xfmr_model_entry
// CHECK-SAME: (%[[ARGS:.*]]: !llvm.ptr)
// CHECK: %[[ERRP:.*]] = llvm.getelementptr %[[ARGS]][2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[ERR:.*]] = llvm.load %[[ERRP]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[SLOT:.*]] = llvm.mlir.addressof @xfmr_run_error
// CHECK: %[[ERRWORD:.*]] = llvm.ptrtoint %[[ERR]] : !llvm.ptr to i64
// CHECK: llvm.store %[[ERRWORD]], %[[SLOT]]
// CHECK: llvm.call @_mlir_ciface_main
// CHECK: llvm.store %{{.*}}, %[[SLOT]]
// CHECK: llvm.return
module attributes {xfmr.signature = "xfmr-model\092\0Ainput\09x\09i64\09[4]\0Aoutput\09y\09i64\09[4]\0A"} {
  llvm.func @xfmr_check_failed(i64, i64, i64)
  llvm.func @_mlir_ciface_main(%out: !llvm.ptr, %x: !llvm.ptr) {
    %c = llvm.mlir.constant(5 : i64) : i64
    llvm.call @xfmr_check_failed(%c, %c, %c) : (i64, i64, i64) -> () loc(fused<"Gather node 'g': idx={0}">["g"])
    llvm.return
  }
}

// -----

// Without checks, no slot: the record is passed and never written.
// CHECK-NOT: thread_local
// CHECK-LABEL: llvm.func @xfmr_model_entry
// CHECK-NOT: xfmr_run_error
// CHECK: llvm.call @_mlir_ciface_main
module attributes {xfmr.signature = "xfmr-model\092\0Ainput\09x\09i64\09[4]\0Aoutput\09y\09i64\09[4]\0A"} {
  llvm.func @_mlir_ciface_main(%out: !llvm.ptr, %x: !llvm.ptr) {
    llvm.return
  }
}

// -----

// A call that lost its message is a compiler error, not a silent model.
// CHECK-NOT: xfmr_model_entry
module attributes {xfmr.signature = "xfmr-model\092\0Ainput\09x\09i64\09[4]\0Aoutput\09y\09i64\09[4]\0A"} {
  llvm.func @xfmr_check_failed(i64, i64, i64)
  llvm.func @_mlir_ciface_main(%out: !llvm.ptr, %x: !llvm.ptr) {
    %c = llvm.mlir.constant(5 : i64) : i64
    // expected-error @+1 {{a call of xfmr_check_failed without its message}}
    llvm.call @xfmr_check_failed(%c, %c, %c) : (i64, i64, i64) -> ()
    llvm.return
  }
}
