// RUN: rm -rf %t && mkdir -p %t
// RUN: not xfmr-compile %s -o %t/model.so 2>&1 | FileCheck %s
// RUN: not xfmr-run %s --random-inputs 2>&1 | FileCheck %s --check-prefix=INPROCESS

// Errors raised after import, by passes that know nothing of ONNX (here
// the LLVM translation), name the ONNX node of the op's location and the
// model's file, not the file's line 0; in xfmr-compile and in xfmr-run's
// in-process compile alike.
// CHECK: model.onnx: error: ONNX node '/model/Cast_3': LLVM Translation failed for operation: builtin.unrealized_conversion_cast
// CHECK-NEXT: model.onnx: note: see current operation:
// CHECK-NOT: model.onnx:0:0
// INPROCESS-NOT: model.onnx:0:0
// INPROCESS: model.onnx: error: ONNX node '/model/Cast_3': LLVM Translation failed

// A note that prints an op with a large body is cut after 2000 bytes.
// RUN: not xfmr-compile %S/Inputs/no-outputs.mlir -o %t/model.so 2>&1 | FileCheck %s --check-prefix=LONG
// LONG: model.onnx: error: ONNX node '/model/graph': a compiled model needs at least one output
// LONG-NEXT: model.onnx: note: see current operation:
// LONG: ... ({{[0-9]+}} more bytes)
// LONG-NOT: %59
func.func @main(%x: tensor<4xi32> {xfmr.name = "x"}) -> (tensor<4xf32> {xfmr.name = "y"}) {
  %c0 = arith.constant 0 : index
  %e = tensor.extract %x[%c0] : tensor<4xi32>
  %f = builtin.unrealized_conversion_cast %e : i32 to f32 loc("/model/Cast_3"("model.onnx":0:0))
  %y = tensor.splat %f : tensor<4xf32>
  return %y : tensor<4xf32>
}
