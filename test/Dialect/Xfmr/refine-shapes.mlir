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

// -----

// The exporters' Expand shape where(shape == -1, 1, shape): the entries of
// the shape that are known stay known through equal and where, so a mask
// expanded over a dynamic key length keeps its static dims, and so does the
// attention that adds it (nothing after it depends on the cache's length).
// CHECK-LABEL: func.func @expand_where_shape
// CHECK: xfmr.expand %{{.*}} -> tensor<1x1x1x?xi1>
// CHECK: xfmr.add %{{.*}} -> tensor<1x4x1x?xf32>
func.func @expand_where_shape(%mask: tensor<1x1x1x?xi1>, %scores: tensor<1x4x1x?xf32>, %len: tensor<i64>) -> tensor<?x?x?x?xf32> {
  %one = xfmr.constant dense<1> : tensor<1xi64>
  %minus_one = xfmr.constant dense<-1> : tensor<1xi64>
  %minus_ones = xfmr.constant dense<-1> : tensor<4xi64>
  %ones = xfmr.constant dense<1> : tensor<4xi64>
  %l = xfmr.unsqueeze %len {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %s = xfmr.concat %one, %minus_one, %one, %l {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %unset = xfmr.equal %s, %minus_ones : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  %shape = xfmr.where %unset, %ones, %s : (tensor<4xi1>, tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %m = xfmr.expand %mask, %shape : (tensor<1x1x1x?xi1>, tensor<4xi64>) -> tensor<?x?x?x?xi1>
  %zero = xfmr.constant dense<0.0> : tensor<f32>
  %neg = xfmr.constant dense<-1.0e+4> : tensor<f32>
  %bias = xfmr.where %m, %zero, %neg : (tensor<?x?x?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?x?x?xf32>
  %sum = xfmr.add %scores, %bias : (tensor<1x4x1x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  return %sum : tensor<?x?x?x?xf32>
}

// -----

// An entry whose condition is unknown stays unknown unless both choices
// agree: here the second entry is 8 either way, the first is not known.
// CHECK-LABEL: func.func @where_unknown_condition
// CHECK: xfmr.reshape %{{.*}} -> tensor<?x8xf32>
func.func @where_unknown_condition(%x: tensor<?xf32>, %c: tensor<2xi1>, %n: tensor<1xi64>) -> tensor<?x?xf32> {
  %eight = xfmr.constant dense<8> : tensor<1xi64>
  %a = xfmr.concat %n, %eight {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %b = xfmr.constant dense<[4, 8]> : tensor<2xi64>
  %shape = xfmr.where %c, %a, %b : (tensor<2xi1>, tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %r = xfmr.reshape %x, %shape : (tensor<?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// Inside a loop's body the refinement stops at the yield, whose operand
// keeps the carried type through a cast (the region's types are fixed by the
// loop). With refine-signature, a loop's result is not refined either.
// CHECK-LABEL: func.func @loop_body
// CHECK: scf.for
// CHECK:   %[[R:.*]] = xfmr.reshape %{{.*}} -> tensor<2x4xf32>
// CHECK:   %[[E:.*]] = xfmr.exp %[[R]] : tensor<2x4xf32>
// CHECK:   %[[C:.*]] = tensor.cast %[[E]] : tensor<2x4xf32> to tensor<?x?xf32>
// CHECK:   scf.yield %[[C]] : tensor<?x?xf32>
// SIG-LABEL: func.func @loop_body
// SIG-SAME: -> tensor<?x?xf32>
func.func @loop_body(%x: tensor<8xf32>, %init: tensor<?x?xf32>, %n: index) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (tensor<?x?xf32>) {
    %s = xfmr.constant dense<[2, 4]> : tensor<2xi64>
    %0 = xfmr.reshape %x, %s : (tensor<8xf32>, tensor<2xi64>) -> tensor<?x?xf32>
    %1 = xfmr.exp %0 : tensor<?x?xf32>
    scf.yield %1 : tensor<?x?xf32>
  }
  return %r : tensor<?x?xf32>
}
