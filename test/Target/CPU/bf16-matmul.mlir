// RUN: xfmr-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(xfmr-cpu-bf16-matmul))' | FileCheck %s

// x [1, 9, 3] times weight panels [1, 3, 16] (one panel of 16 columns, K
// odd). The weights become bf16 pairs [1, 2, 32]: rows k and k+1 of each
// column side by side, a zero row past K, rounded to nearest even (1 + 2^-8
// to 1.0, 1 + 3 * 2^-8 to 1.015625). The activations are rounded to bf16 once
// and padded to an even K. Rows run in one block of 8 and one of 1.

// CHECK-LABEL: func.func @matmul
// CHECK-DAG:   %[[FLAT:.*]] = arith.constant dense<[1.000000e+00, 1.700000e+01, 1.015630e+00, 1.800000e+01, 3.000000e+00, 1.900000e+01,
// CHECK-SAME:    3.300000e+01, 0.000000e+00, 3.400000e+01, 0.000000e+00,
// CHECK-SAME:    : tensor<64xbf16>
// CHECK-DAG:   %[[W:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1, 2]] output_shape [1, 2, 32] : tensor<64xbf16> into tensor<1x2x32xbf16>
// CHECK:       %[[X16:.*]] = linalg.generic
// CHECK-SAME:    ins(%{{.*}} : tensor<1x9x3xf32>) outs(%{{.*}} : tensor<1x9x3xbf16>)
// CHECK:         arith.truncf %{{.*}} : f32 to bf16
// CHECK:       %[[XP:.*]] = tensor.pad %[[X16]] low[0, 0, 0] high[0, 0, 1]
// CHECK:       tensor<1x9x3xbf16> to tensor<1x9x4xbf16>
// CHECK:       %[[BLOCKS:.*]] = scf.forall (%[[B:.*]], %[[J:.*]], %[[I:.*]]) in (1, 1, %{{.*}}) shared_outs(%[[O:.*]] = %{{.*}}) -> (tensor<1x9x1x16xf32>)
// CHECK:         %[[ACC:.*]] = scf.for %[[P:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:           %[[WP:.*]] = vector.transfer_read %[[W]][%[[J]], %[[P]], %{{.*}}], %{{.*}} {{{in_bounds = \[true\]}}} : tensor<1x2x32xbf16>, vector<32xbf16>
// CHECK:           %[[XV:.*]] = vector.transfer_read %[[XP]]{{.*}} : tensor<1x9x4xbf16>, vector<2xbf16>
// CHECK:           %[[XW:.*]] = vector.bitcast %[[XV]] : vector<2xbf16> to vector<1xi32>
// CHECK:           %[[XS:.*]] = vector.extract %[[XW]][0] : i32 from vector<1xi32>
// CHECK:           %[[XB:.*]] = vector.broadcast %[[XS]] : i32 to vector<16xi32>
// CHECK:           %[[XX:.*]] = vector.bitcast %[[XB]] : vector<16xi32> to vector<32xbf16>
// CHECK:           x86vector.avx512.dot %{{.*}}, %[[XX]], %[[WP]] : vector<32xbf16> -> vector<16xf32>
// CHECK-COUNT-7:   x86vector.avx512.dot
// CHECK:           scf.yield
// CHECK:         %[[TILE:.*]] = tensor.extract_slice %[[O]]{{.*}} [1, 8, 1, 16] [1, 1, 1, 1] : tensor<1x9x1x16xf32> to tensor<8x16xf32>
// CHECK-COUNT-8: vector.transfer_write
// CHECK:         tensor.parallel_insert_slice %{{.*}} into %[[O]]{{.*}} [1, 8, 1, 16] [1, 1, 1, 1] : tensor<8x16xf32> into tensor<1x9x1x16xf32>
// CHECK:       %[[REST:.*]] = scf.forall ({{.*}}) in (1, 1, %{{.*}}) shared_outs(%{{.*}} = %[[BLOCKS]])
// CHECK:         scf.for
// CHECK-COUNT-1:   x86vector.avx512.dot
// CHECK:           scf.yield
// CHECK:         tensor.parallel_insert_slice %{{.*}} into %{{.*}} [1, 1, 1, 16] [1, 1, 1, 1] : tensor<1x16xf32> into tensor<1x9x1x16xf32>
// CHECK:       return %[[REST]]
func.func @matmul(%x: tensor<1x9x3xf32>) -> tensor<1x9x1x16xf32> {
  %w = arith.constant dense<[[[1.00390625, 1.01171875, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0], [17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0], [33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0]]]> : tensor<1x3x16xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x9x1x16xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x9x1x16xf32>) -> tensor<1x9x1x16xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(b, m, j, r, k) -> (b, m, k)>,
                       affine_map<(b, m, j, r, k) -> (j, k, r)>,
                       affine_map<(b, m, j, r, k) -> (b, m, j, r)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x9x3xf32>, tensor<1x3x16xf32>) outs(%fill : tensor<1x9x1x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x9x1x16xf32>
  return %0 : tensor<1x9x1x16xf32>
}

// -----

// A dynamic M and an init that is not a fill: the accumulators start from
// the init's values; all rows past the last full block of 8 run one by one.

// CHECK-LABEL: func.func @dynamic_rows_accumulate
// CHECK:       tensor.expand_shape {{.*}} : tensor<32xbf16> into tensor<1x1x32xbf16>
// CHECK:       %[[M:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x1x16xf32>
// CHECK:       %[[FULL:.*]] = arith.divui %[[M]], %{{.*}} : index
// CHECK:       scf.forall ({{.*}}) in (1, %[[FULL]])
// CHECK-COUNT-8: vector.transfer_read %{{.*}} {{{in_bounds = \[true\]}}} : tensor<?x1x16xf32>, vector<16xf32>
// CHECK:         scf.for
// CHECK-COUNT-8:   x86vector.avx512.dot
// CHECK:       scf.forall
// CHECK:         vector.transfer_read %{{.*}} {{{in_bounds = \[true\]}}} : tensor<?x1x16xf32>, vector<16xf32>
// CHECK:         scf.for
// CHECK-NOT:       linalg.generic
func.func @dynamic_rows_accumulate(%x: tensor<?x2xf32>, %init: tensor<?x1x16xf32>) -> tensor<?x1x16xf32> {
  %w = arith.constant dense<0.5> : tensor<1x2x16xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(m, j, r, k) -> (m, k)>,
                       affine_map<(m, j, r, k) -> (j, k, r)>,
                       affine_map<(m, j, r, k) -> (m, j, r)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x2xf32>, tensor<1x2x16xf32>) outs(%init : tensor<?x1x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x1x16xf32>
  return %0 : tensor<?x1x16xf32>
}

// -----

// Not rewritten: a weight that is not a constant, and panels narrower than
// a vector of 16 lanes.

// CHECK-LABEL: func.func @not_rewritten
// CHECK-NOT:   x86vector.avx512.dot
// CHECK:       linalg.generic
// CHECK:       linalg.generic
// CHECK-NOT:   x86vector.avx512.dot
func.func @not_rewritten(%x: tensor<4x2xf32>, %w: tensor<1x2x16xf32>, %init: tensor<4x1x16xf32>, %init8: tensor<4x1x8xf32>) -> (tensor<4x1x16xf32>, tensor<4x1x8xf32>) {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(m, j, r, k) -> (m, k)>,
                       affine_map<(m, j, r, k) -> (j, k, r)>,
                       affine_map<(m, j, r, k) -> (m, j, r)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4x2xf32>, tensor<1x2x16xf32>) outs(%init : tensor<4x1x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x1x16xf32>
  %w8 = arith.constant dense<0.5> : tensor<1x2x8xf32>
  %1 = linalg.generic {
      indexing_maps = [affine_map<(m, j, r, k) -> (m, k)>,
                       affine_map<(m, j, r, k) -> (j, k, r)>,
                       affine_map<(m, j, r, k) -> (m, j, r)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w8 : tensor<4x2xf32>, tensor<1x2x8xf32>) outs(%init8 : tensor<4x1x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x1x8xf32>
  return %0, %1 : tensor<4x1x16xf32>, tensor<4x1x8xf32>
}
