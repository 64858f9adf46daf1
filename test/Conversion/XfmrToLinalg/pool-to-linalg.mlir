// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s

// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[$WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2, d3) -> (d2)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>

// An average over padded 3x3 windows: a sum over the zero-padded input,
// then a division by the count of input elements each window covers (2 at
// the borders, 3 inside, per dim).
// CHECK-LABEL: func.func @avg_pool
// CHECK-DAG: %[[COUNTS:.*]] = arith.constant dense<[2.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:   tensor.yield %[[ZERO]]
// CHECK: } : tensor<?x2x5x5xf32> to tensor<?x2x7x7xf32>
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$WIN]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[PAD]], %[[WINDOW]] : tensor<?x2x7x7xf32>, tensor<3x3xf32>)
// CHECK:   arith.addf
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$ROW]], #[[$COL]], #{{.*}}], {{.*}} ins(%[[SUM]], %[[COUNTS]], %[[COUNTS]] :
// CHECK:   arith.mulf
// CHECK:   arith.divf
func.func @avg_pool(%x: tensor<?x2x5x5xf32>) -> tensor<?x2x3x3xf32> {
  %0 = xfmr.pool %x {kind = "avg", kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x2x5x5xf32>) -> tensor<?x2x3x3xf32>
  return %0 : tensor<?x2x3x3xf32>
}

// -----

// ceil_mode lets the last window hang one past the end: the input is
// padded there with -inf, which never wins the maximum.
// CHECK-LABEL: func.func @max_pool_ceil
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %arg0 low[0, 0, 0] high[0, 0, 1]
// CHECK:   tensor.yield %[[NEGINF]]
// CHECK: linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: linalg.generic
// CHECK:   arith.maximumf
// CHECK-NOT: arith.divf
func.func @max_pool_ceil(%x: tensor<1x1x4xf32>) -> tensor<1x1x2xf32> {
  %0 = xfmr.pool %x {kind = "max", kernel_shape = array<i64: 3>, strides = array<i64: 2>, ceil_mode} : (tensor<1x1x4xf32>) -> tensor<1x1x2xf32>
  return %0 : tensor<1x1x2xf32>
}

// -----

// Lp pooling with p = 2 sums squares, then takes the square root; windows
// that all hold the same count need no division.
// CHECK-LABEL: func.func @lp_pool
// CHECK-NOT: tensor.pad
// CHECK: linalg.generic
// CHECK:   %[[SQ:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:   arith.addf %{{.*}}, %[[SQ]] : f32
// CHECK: linalg.generic
// CHECK:   math.sqrt
func.func @lp_pool(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x3x3xf32> {
  %0 = xfmr.pool %x {kind = "lp", kernel_shape = array<i64: 2, 2>} : (tensor<1x3x4x4xf32>) -> tensor<1x3x3x3xf32>
  return %0 : tensor<1x3x3x3xf32>
}
