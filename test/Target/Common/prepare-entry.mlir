// RUN: xfmr-opt %s --xfmr-prepare-entry --split-input-file --verify-diagnostics | FileCheck %s

// The signature records names, dtypes and dims (named where the model names
// them); the inputs become read-only and the names move into the signature.

// CHECK: module attributes {xfmr.signature = "xfmr-model\092\0Ainput\09input_ids\09i64\09[1,?seq]\0Ainput\09mask\09bool\09[?,?seq]\0Aoutput\09logits\09f32\09[1,?seq,8]\0Aoutput\09output_1\09bf16\09[]\0A"}
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%{{.*}}: tensor<1x?xi64> {bufferization.writable = false}, %{{.*}}: tensor<?x?xi1> {bufferization.writable = false})
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK-NOT: xfmr.name
// CHECK-NOT: xfmr.dims
func.func @main(%ids: tensor<1x?xi64> {xfmr.name = "input_ids", xfmr.dims = ["", "seq"]},
                %mask: tensor<?x?xi1> {xfmr.name = "mask", xfmr.dims = ["", "seq"]})
    -> (tensor<1x?x8xf32> {xfmr.name = "logits", xfmr.dims = ["", "seq", ""]}, tensor<bf16>) {
  %c = arith.constant 3 : index
  %0 = tensor.empty(%c) : tensor<1x?x8xf32>
  %1 = arith.constant dense<1.0> : tensor<bf16>
  return %0, %1 : tensor<1x?x8xf32>, tensor<bf16>
}

// -----

// A private helper is not an entry.
// CHECK: xfmr.signature = "xfmr-model\092\0Ainput\09input_0\09f32\09[4]\0Aoutput\09output_0\09f32\09[4]\0A"
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @model(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = func.call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{a compiled model needs exactly one public function, its entry; found 2}}
module {
  func.func @a(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  func.func @b(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

// expected-error @+1 {{input 'x' has type 'tensor<4xf8E4M3FN>', which a compiled model cannot take or return}}
func.func @main(%x: tensor<4xf8E4M3FN> {xfmr.name = "x"}) -> tensor<4xf32> {
  %0 = arith.constant dense<1.0> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{a compiled model needs at least one output}}
func.func @main(%x: tensor<4xf32>) {
  return
}

// -----

// expected-error @+1 {{input 0 has a name the model ABI cannot carry}}
func.func @main(%x: tensor<4xf32> {xfmr.name = "a\tb"}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
