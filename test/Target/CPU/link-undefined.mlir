// RUN: not xfmr-compile %s -o %t.so 2>&1 | FileCheck %s

// A model that calls a function none of its libraries defines does not
// link (-z defs), rather than fail to load later on some machines; the
// error names the function once and prints no IR.

// CHECK: error: the model calls functions that no library it links defines (libm, libc, the dynamic loader, libomp, compiler-rt's builtins): xfmr_missing_helper
// CHECK-NOT: see current operation
// CHECK-NOT: llvm.func
func.func private @xfmr_missing_helper(f32) -> f32
func.func @main(%x: tensor<4xf32> {xfmr.name = "x"}) -> (tensor<4xf32> {xfmr.name = "y"}) {
  %c0 = arith.constant 0 : index
  %e = tensor.extract %x[%c0] : tensor<4xf32>
  %r = func.call @xfmr_missing_helper(%e) : (f32) -> f32
  %y = tensor.insert %r into %x[%c0] : tensor<4xf32>
  return %y : tensor<4xf32>
}
