// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s

// Layer norm: sum over the normalised dims, mean, sum of squares around the
// mean, 1 / sqrt(var + epsilon) per row, then one elementwise pass applying
// scale and bias.

// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$ROW2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$PARAM:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x768xf32>, %[[G:.*]]: tensor<768xf32>, %[[B:.*]]: tensor<768xf32>)
// CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK-DAG: %[[N:.*]] = arith.constant 7.680000e+02 : f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$ROW]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<?x?x768xf32>)
// CHECK: arith.addf
// CHECK: %[[MEAN:.*]] = linalg.generic {indexing_maps = [#[[$ROW2]], #[[$ROW2]]], iterator_types = ["parallel", "parallel"]} ins(%[[SUM]] : tensor<?x?xf32>)
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$ROW]], #[[$ROW]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<?x?x768xf32>, tensor<?x?xf32>)
// CHECK: %[[D:.*]] = arith.subf
// CHECK: arith.mulf %[[D]], %[[D]]
// CHECK: %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<?x?xf32>)
// CHECK: %[[VAR:.*]] = arith.divf %{{.*}}, %[[N]]
// CHECK: %[[VE:.*]] = arith.addf %[[VAR]], %[[EPS]]
// CHECK: math.rsqrt %[[VE]]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$ROW]], #[[$PARAM]], #[[$ROW]], #[[$PARAM]], #[[$X]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[RSTD]], %[[G]], %[[MEAN]], %[[B]] :
// CHECK: ^bb0(%[[XV:.*]]: f32, %[[RV:.*]]: f32, %[[GV:.*]]: f32, %[[MV:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[C:.*]] = arith.subf %[[XV]], %[[MV]]
// CHECK: %[[NORM:.*]] = arith.mulf %[[C]], %[[RV]]
// CHECK: %[[SC:.*]] = arith.mulf %[[NORM]], %[[GV]]
// CHECK: %[[OUT:.*]] = arith.addf %[[SC]], %[[BV]]
// CHECK: linalg.yield %[[OUT]]
// CHECK: return %[[Y]]
func.func @layer_norm(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %0 = xfmr.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// RMS norm after a residual add, f16: statistics in f32, the count of a
// dynamic normalised dim read at run time.
// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$PARAM:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @rms_norm_residual
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x?xf16>, %[[G:.*]]: tensor<?xf16>, %[[H:.*]]: tensor<2x4x?xf16>)
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[H]] : tensor<2x4x?xf16>, tensor<2x4x?xf16>)
// CHECK: arith.addf %{{.*}}, %{{.*}} : f16
// CHECK: %[[D:.*]] = tensor.dim %[[S]], %c2
// CHECK: %[[DI:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: %[[N:.*]] = arith.sitofp %[[DI]] : i64 to f32
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$ROW]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[S]] : tensor<2x4x?xf16>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[W:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: arith.mulf %[[W]], %[[W]] : f32
// CHECK: %[[RSTD:.*]] = linalg.generic
// CHECK: arith.divf %{{.*}}, %[[N]] : f32
// CHECK: math.rsqrt
// CHECK: linalg.generic {indexing_maps = [#[[$X]], #[[$ROW]], #[[$PARAM]], #[[$X]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[S]], %[[RSTD]], %[[G]] : tensor<2x4x?xf16>, tensor<2x4xf32>, tensor<?xf16>)
// CHECK-NOT: arith.subf
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @rms_norm_residual(%x: tensor<2x4x?xf16>, %g: tensor<?xf16>, %h: tensor<2x4x?xf16>) -> tensor<2x4x?xf16> {
  %0 = xfmr.rms_norm %x, %g residual %h {epsilon = 1.0e-06 : f32} : (tensor<2x4x?xf16>, tensor<?xf16>, tensor<2x4x?xf16>) -> tensor<2x4x?xf16>
  return %0 : tensor<2x4x?xf16>
}

// -----

// A norm over several trailing dims divides by their product; the result
// type may be more static than the input.
// CHECK-DAG: #[[$PARAM2:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$ROW1:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-LABEL: func.func @layer_norm_two_axes
// CHECK: %[[N:.*]] = arith.constant 2.400000e+01 : f32
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$ROW1]]], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[$ROW1]], #[[$PARAM2]], #[[$ROW1]], #{{.*}}]
// CHECK: %[[C:.*]] = tensor.cast %[[Y]] : tensor<?x3x8xf32> to tensor<5x3x8xf32>
// CHECK: return %[[C]]
func.func @layer_norm_two_axes(%x: tensor<?x3x8xf32>, %g: tensor<3x8xf32>) -> tensor<5x3x8xf32> {
  %0 = xfmr.layer_norm %x, %g {axis = 1 : i64} : (tensor<?x3x8xf32>, tensor<3x8xf32>) -> tensor<5x3x8xf32>
  return %0 : tensor<5x3x8xf32>
}
