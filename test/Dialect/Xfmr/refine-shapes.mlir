// RUN: xfmr-opt %s -split-input-file -xfmr-refine-shapes | FileCheck %s
// RUN: xfmr-opt %s -split-input-file -xfmr-refine-shapes=refine-signature | FileCheck %s --check-prefix=SIG

// A constant shape makes a reshape static, and the refinement flows on
// through the ops that use it; the signature keeps its type via a cast.
// CHECK-LABEL: func.func @chain
// CHECK: %[[R:.*]] = xfmr.reshape %{{.*}} -> tensor<2x4xf32>
// CHECK: %[[E:.*]] = xfmr.exp %[[R]] : tensor<2x4xf32>
// CHECK: %[[A:.*]] = xfmr.add %[[E]], %{{.*}} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[A]] : tensor<2x4xf32> to tensor<?x?xf32>
// CHECK: return %[[C]]
// SIG-LABEL: func.func @chain
// SIG-SAME: -> tensor<2x4xf32>
// SIG-NOT: tensor.cast
// SIG: return %{{.*}} : tensor<2x4xf32>
func.func @chain(%x: tensor<8xf32>, %b: tensor<4xf32>) -> tensor<?x?xf32> {
  %s = xfmr.constant dense<[2, 4]> : tensor<2xi64>
  %0 = xfmr.reshape %x, %s : (tensor<8xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = xfmr.exp %0 : tensor<?x?xf32>
  %2 = xfmr.add %1, %b : (tensor<?x?xf32>, tensor<4xf32>) -> tensor<?x?xf32>
  return %2 : tensor<?x?xf32>
}

// -----

// Users outside the dialect keep the type they were written against.
// CHECK-LABEL: func.func @foreign_user
// CHECK: %[[T:.*]] = xfmr.transpose %{{.*}} -> tensor<3x2xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[T]] : tensor<3x2xf32> to tensor<?x?xf32>
// CHECK: tensor.dim %[[C]]
func.func @foreign_user(%x: tensor<2x3xf32>) -> index {
  %0 = xfmr.transpose %x {permutation = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<?x?xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %0, %c0 : tensor<?x?xf32>
  return %d : index
}

// -----

// Dynamic dims stay dynamic; static ones that inference proves are filled in.
// CHECK-LABEL: func.func @partially_dynamic
// CHECK: xfmr.matmul %{{.*}} -> tensor<?x128x3072xf32>
func.func @partially_dynamic(%x: tensor<?x128x768xf32>, %w: tensor<768x3072xf32>) -> tensor<?x?x?xf32> {
  %0 = xfmr.matmul %x, %w : (tensor<?x128x768xf32>, tensor<768x3072xf32>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}
