// RUN: xfmr-opt %s -split-input-file -convert-xfmr-to-linalg | FileCheck %s

// Elementwise ops: one linalg.generic each, broadcasting in the maps.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @add_bias
// CHECK-SAME: (%[[X:.*]]: tensor<?x128x768xf32>, %[[B:.*]]: tensor<768xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]]) : tensor<?x128x768xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$LAST]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[B]] : tensor<?x128x768xf32>, tensor<768xf32>) outs(%[[E]] : tensor<?x128x768xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[S:.*]] = arith.addf %[[A]], %[[Y]] : f32
// CHECK:   linalg.yield %[[S]] : f32
// CHECK: return %[[G]]
func.func @add_bias(%x: tensor<?x128x768xf32>, %b: tensor<768xf32>) -> tensor<?x128x768xf32> {
  %0 = xfmr.add %x, %b : (tensor<?x128x768xf32>, tensor<768xf32>) -> tensor<?x128x768xf32>
  return %0 : tensor<?x128x768xf32>
}

// -----

// A static size-1 dim broadcasts by reading index 0.
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @outer_compare
// CHECK: linalg.generic {indexing_maps = [#[[$ROW]], #[[$COL]], #{{.*}}]
// CHECK: arith.cmpi sle
// CHECK: -> tensor<8x8xi1>
func.func @outer_compare(%a: tensor<8x1xi64>, %b: tensor<1x8xi64>) -> tensor<8x8xi1> {
  %0 = xfmr.less_equal %a, %b : (tensor<8x1xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
  return %0 : tensor<8x8xi1>
}

// -----

// CHECK-LABEL: func.func @activations
// CHECK: math.erf
// CHECK: math.tanh
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: arith.minimumf
func.func @activations(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = xfmr.gelu %x : tensor<4xf32>
  %1 = xfmr.gelu %0 {approximate = #xfmr<gelu_approximation tanh>} : tensor<4xf32>
  %2 = xfmr.silu %1 : tensor<4xf32>
  %3 = xfmr.leaky_relu %2 {alpha = 0.1 : f32} : tensor<4xf32>
  %4 = xfmr.clip %3 {min = 0.0 : f64, max = 6.0 : f64} : tensor<4xf32>
  return %4 : tensor<4xf32>
}

// -----

// Round half to even: one math.roundeven (one instruction on x86-64 with
// SSE4.1 and later, and on NVIDIA GPUs).
// CHECK-LABEL: func.func @round_half_to_even
// CHECK: linalg.generic
// CHECK: math.roundeven %{{.*}} : f32
func.func @round_half_to_even(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = xfmr.round %x : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Quick GELU: x * sigmoid(1.702 x), the sigmoid as 1 / (1 + exp(-z)).
// CHECK-LABEL: func.func @gelu_quick
// CHECK: %[[A:.*]] = arith.constant 1.702{{0*}}e+00 : f32
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[Z:.*]] = arith.mulf %[[X]], %[[A]] : f32
// CHECK: arith.negf %[[Z]]
// CHECK: math.exp
// CHECK: %[[S:.*]] = arith.divf
// CHECK: %[[Y:.*]] = arith.mulf %[[X]], %[[S]] : f32
// CHECK: linalg.yield %[[Y]]
func.func @gelu_quick(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = xfmr.gelu %x {approximate = #xfmr<gelu_approximation quick>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Cast follows ONNX: float to bool is "non-zero", bool to float is 0 or 1.
// CHECK-LABEL: func.func @casts
// CHECK: arith.cmpf une
// CHECK: arith.uitofp
// CHECK: arith.fptosi
// CHECK: arith.select
func.func @casts(%x: tensor<4xf32>, %c: tensor<4xi1>) -> (tensor<4xf32>, tensor<4xi64>) {
  %0 = xfmr.cast %x : tensor<4xf32> to tensor<4xi1>
  %1 = xfmr.cast %0 : tensor<4xi1> to tensor<4xf32>
  %2 = xfmr.cast %x : tensor<4xf32> to tensor<4xi64>
  %3 = xfmr.where %c, %1, %x : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %3, %2 : tensor<4xf32>, tensor<4xi64>
}

// -----

// A float clipped to 8-bit bounds (the end of a quantization) converts to
// i64 through i32 (the same integers; AVX2 converts floats to i32 in vectors,
// to i64 one lane at a time). Unclipped, or clipped beyond 2^30, it converts
// directly.
// CHECK-LABEL: func.func @clipped_cast_through_i32
// CHECK: linalg.generic
// CHECK: %[[N:.*]] = arith.fptosi %{{.*}} : f32 to i32
// CHECK-NEXT: %[[W:.*]] = arith.extsi %[[N]] : i32 to i64
// CHECK-NEXT: linalg.yield %[[W]] : i64
// CHECK: linalg.generic
// CHECK: %[[D:.*]] = arith.fptosi %{{.*}} : f32 to i64
// CHECK-NEXT: linalg.yield %[[D]] : i64
// CHECK: linalg.generic
// CHECK: %[[B:.*]] = arith.fptosi %{{.*}} : f32 to i64
// CHECK-NEXT: linalg.yield %[[B]] : i64
func.func @clipped_cast_through_i32(%x: tensor<4xf32>) -> (tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) {
  %c = xfmr.clip %x {min = 0.0 : f64, max = 255.0 : f64} : tensor<4xf32>
  %0 = xfmr.cast %c : tensor<4xf32> to tensor<4xi64>
  %1 = xfmr.cast %x : tensor<4xf32> to tensor<4xi64>
  %w = xfmr.clip %x {min = 0.0 : f64, max = 2147483647.0 : f64} : tensor<4xf32>
  %2 = xfmr.cast %w : tensor<4xf32> to tensor<4xi64>
  return %0, %1, %2 : tensor<4xi64>, tensor<4xi64>, tensor<4xi64>
}

// -----

// Constants become arith.constant; weights stay blobs.
// CHECK-LABEL: func.func @constants
// CHECK: arith.constant dense_resource<w> : tensor<2x2xf32>
// CHECK: arith.constant dense<2.000000e+00> : tensor<f32>
func.func @constants() -> (tensor<2x2xf32>, tensor<f32>) {
  %0 = xfmr.constant dense_resource<w> : tensor<2x2xf32>
  %1 = xfmr.constant dense<2.0> : tensor<f32>
  return %0, %1 : tensor<2x2xf32>, tensor<f32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000004000004040000080C0"
    }
  }
#-}

// -----

// Two dynamic dims that meet: either may be 1 at run time, so each operand
// is first broadcast by a generic that picks index 0 or i per run; a dim
// only one operand has (the 8) needs no such read.
// CHECK-LABEL: func.func @runtime_broadcast
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: tensor.extract
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: tensor.extract
// CHECK: arith.addf
func.func @runtime_broadcast(%x: tensor<?x8xf32>, %y: tensor<?x1xf32>) -> tensor<?x8xf32> {
  %0 = xfmr.add %x, %y : (tensor<?x8xf32>, tensor<?x1xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Bitwise ops on integers; shifts by an amount outside [0, width) shift
// every bit out (a signed right shift by width - 1 keeps the sign).
// CHECK-LABEL: func.func @bits
// CHECK-DAG: %[[LAST:.*]] = arith.constant 7 : i8
// CHECK-DAG: %[[Z:.*]] = arith.constant 0 : i8
// CHECK-DAG: %[[W:.*]] = arith.constant 8 : i8
// CHECK-DAG: %[[ONES:.*]] = arith.constant -1 : i8
// CHECK: arith.andi %{{.*}}, %{{.*}} : i8
// CHECK: arith.xori %{{.*}}, %[[ONES]] : i8
// CHECK: ^bb0(%[[X1:.*]]: i8, %[[S1:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[IN1:.*]] = arith.cmpi ult, %[[S1]], %[[W]] : i8
// CHECK-NEXT: %[[AMT1:.*]] = arith.select %[[IN1]], %[[S1]], %[[Z]] : i8
// CHECK-NEXT: %[[SHL:.*]] = arith.shli %[[X1]], %[[AMT1]] : i8
// CHECK-NEXT: arith.select %[[IN1]], %[[SHL]], %[[Z]] : i8
// CHECK: ^bb0(%[[X2:.*]]: i8, %[[S2:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[IN2:.*]] = arith.cmpi ult, %[[S2]], %[[W]] : i8
// CHECK-NEXT: %[[AMT2:.*]] = arith.select %[[IN2]], %[[S2]], %[[LAST]] : i8
// CHECK-NEXT: arith.shrsi %[[X2]], %[[AMT2]] : i8
// CHECK-NEXT: linalg.yield
// CHECK: ^bb0(%[[X3:.*]]: i8, %[[S3:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[IN3:.*]] = arith.cmpi ult, %[[S3]], %[[W]] : i8
// CHECK-NEXT: %[[AMT3:.*]] = arith.select %[[IN3]], %[[S3]], %[[Z]] : i8
// CHECK-NEXT: %[[SHR:.*]] = arith.shrui %[[X3]], %[[AMT3]] : i8
// CHECK-NEXT: arith.select %[[IN3]], %[[SHR]], %[[Z]] : i8
// CHECK: arith.bitcast %{{.*}} : i32 to f32
// CHECK: math.atan
func.func @bits(%a: tensor<4xi8>, %b: tensor<4xi8>, %c: tensor<4xi32>, %x: tensor<4xf32>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xf32>, tensor<4xf32>) {
  %0 = xfmr.and %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %1 = xfmr.not %a : tensor<4xi8>
  %2 = xfmr.shift_left %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %3 = xfmr.shift_right_signed %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %4 = xfmr.shift_right_unsigned %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %5 = xfmr.bitcast %c : tensor<4xi32> to tensor<4xf32>
  %6 = xfmr.atan %x : tensor<4xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xf32>, tensor<4xf32>
}
