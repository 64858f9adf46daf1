// RUN: xfmr-opt %s -split-input-file -convert-xfmr-to-linalg | FileCheck %s

// Matmul: one generic over [batch..., m, n, k], broadcasting in the maps.
// Batch dims that are dynamic in both operands must be the result's at run
// time or 1, then broadcast by a copy made only then (a 1 read as it is
// would be read past); a failed check multiplies zeros.

// CHECK-DAG: #[[$LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @attention_scores
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[LHS_UNIT:.*]] = arith.cmpi eq, %[[LHS_BATCH:.*]], %c1 : index
// CHECK: %[[LHS_NE:.*]] = arith.cmpi ne, %[[LHS_BATCH]], %[[BATCH:.*]] : index
// CHECK: %[[LHS_NOT1:.*]] = arith.cmpi ne, %[[LHS_BATCH]], %c1 : index
// CHECK: %[[LHS_DIFFERS:.*]] = arith.andi %[[LHS_NE]], %[[LHS_NOT1]]
// CHECK: scf.if %[[LHS_DIFFERS]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[RHS_UNIT:.*]] = arith.cmpi eq, %[[RHS_BATCH:.*]], %c1 : index
// CHECK: %[[RHS_NE:.*]] = arith.cmpi ne, %[[RHS_BATCH]], %[[BATCH]] : index
// CHECK: %[[RHS_DIFFERS:.*]] = arith.andi
// CHECK: scf.if %[[RHS_DIFFERS]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[FAILED:.*]] = arith.ori %[[LHS_DIFFERS]], %[[RHS_DIFFERS]]
// CHECK: %[[OK:.*]] = arith.xori %[[FAILED]], %true
// CHECK: %[[LHS_BROADCASTS:.*]] = arith.andi %[[LHS_UNIT]], %[[OK]]
// CHECK: %[[LB:.*]] = scf.if %[[LHS_BROADCASTS]] -> (tensor<?x12x?x64xf32>) {
// CHECK: %[[B0:.*]] = arith.select %[[LHS_UNIT]], %c0, %{{.*}} : index
// CHECK: tensor.extract %arg0[%[[B0]],
// CHECK: } else {
// CHECK:   scf.yield %arg0
// CHECK: %[[RB:.*]] = scf.if
// CHECK: %[[L:.*]] = scf.if %[[FAILED]] -> (tensor<?x12x?x64xf32>) {
// CHECK:   linalg.fill
// CHECK: } else {
// CHECK:   scf.yield %[[LB]]
// CHECK: %[[R:.*]] = scf.if %[[FAILED]] -> (tensor<?x12x64x?xf32>) {
// CHECK: } else {
// CHECK:   scf.yield %[[RB]]
// CHECK: linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[L]], %[[R]] : tensor<?x12x?x64xf32>, tensor<?x12x64x?xf32>) outs(%[[INIT]] : tensor<?x12x?x?xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @attention_scores(%q: tensor<?x12x?x64xf32>, %kt: tensor<?x12x64x?xf32>) -> tensor<?x12x?x?xf32> {
  %0 = xfmr.matmul %q, %kt : (tensor<?x12x?x64xf32>, tensor<?x12x64x?xf32>) -> tensor<?x12x?x?xf32>
  return %0 : tensor<?x12x?x?xf32>
}

// -----

// A 2-D weight broadcasts over the activations' batch without a copy.
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-LABEL: func.func @projection
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$W]], #{{.*}}]
// CHECK-SAME: outs(%{{.*}} : tensor<?x128x3072xf32>)
func.func @projection(%x: tensor<?x128x768xf32>, %w: tensor<768x3072xf32>) -> tensor<?x128x3072xf32> {
  %0 = xfmr.matmul %x, %w : (tensor<?x128x768xf32>, tensor<768x3072xf32>) -> tensor<?x128x3072xf32>
  return %0 : tensor<?x128x3072xf32>
}

// -----

// A static size-1 batch dim broadcasts by reading index 0.
// CHECK-DAG: #[[$B1:.*]] = affine_map<(d0, d1, d2, d3) -> (0, d1, d3)>
// CHECK-LABEL: func.func @batch_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[$B1]],
func.func @batch_broadcast(%a: tensor<1x4x8xf32>, %b: tensor<3x8x2xf32>) -> tensor<3x4x2xf32> {
  %0 = xfmr.matmul %a, %b : (tensor<1x4x8xf32>, tensor<3x8x2xf32>) -> tensor<3x4x2xf32>
  return %0 : tensor<3x4x2xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[D]], %{{.*}}) : tensor<?x64x12x?xf32>
// CHECK: linalg.transpose ins(%arg0 : tensor<?x12x64x?xf32>) outs(%[[E]] : tensor<?x64x12x?xf32>) permutation = [0, 2, 1, 3]
func.func @transpose(%x: tensor<?x12x64x?xf32>) -> tensor<?x64x12x?xf32> {
  %0 = xfmr.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x12x64x?xf32>) -> tensor<?x64x12x?xf32>
  return %0 : tensor<?x64x12x?xf32>
}

// -----

// A 1-D lhs is read as it is: the loop dims lose m (numpy's added row is
// removed again), and the batch dims of the rhs stay.
// CHECK-DAG: #[[$V:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[$M:.*]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[$O:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @vector_matrix
// CHECK: %[[D:.*]] = tensor.dim %arg1, %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x4xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x4xf32>)
// The rhs's batch dim is checked against the result's, the same dim read
// twice here (CSE folds the check away later).
// CHECK: linalg.generic {indexing_maps = [#[[$V]], #[[$M]], #[[$O]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<8xf32>, tensor<?x8x4xf32>) outs(%[[INIT]] : tensor<?x4xf32>)
func.func @vector_matrix(%a: tensor<8xf32>, %b: tensor<?x8x4xf32>) -> tensor<?x4xf32> {
  %0 = xfmr.matmul %a, %b : (tensor<8xf32>, tensor<?x8x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A 1-D rhs loses n; two vectors give a 0-D dot product (their lengths
// are checked to be equal).
// CHECK-DAG: #[[$A:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$Y:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[$DOT:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @matrix_vector_and_dot
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$X]], #[[$Y]]], iterator_types = ["parallel", "reduction"]} ins(%arg0, %arg1 : tensor<3x8xf32>, tensor<8xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$DOT]], #[[$DOT]], #[[$SCALAR]]], iterator_types = ["reduction"]} ins(%{{.*}}, %{{.*}} : tensor<?xi32>, tensor<?xi32>) outs(%{{.*}} : tensor<i32>)
// CHECK: arith.muli
// CHECK: arith.addi
func.func @matrix_vector_and_dot(%a: tensor<3x8xf32>, %x: tensor<8xf32>, %v: tensor<?xi32>) -> (tensor<3xf32>, tensor<i32>) {
  %0 = xfmr.matmul %a, %x : (tensor<3x8xf32>, tensor<8xf32>) -> tensor<3xf32>
  %1 = xfmr.matmul %v, %v : (tensor<?xi32>, tensor<?xi32>) -> tensor<i32>
  return %0, %1 : tensor<3xf32>, tensor<i32>
}
