// RUN: xfmr-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(xfmr-cpu-pack-weights{panel-width=2}))' | FileCheck %s
// RUN: xfmr-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(xfmr-cpu-pack-weights{panel-width=2 single-row-panel-width=4}))' | FileCheck %s --check-prefix=ROW

// x [1, M, K] times a constant W [K, N] (the importer's MatMul, broadcast
// over the batch): W is packed into [N/2, K, 2] panels and the contraction
// runs over (b, m, panel, lane, k) into [1, M, N/2, 2], collapsed back.

// CHECK-DAG:   #[[$X:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>
// CHECK-DAG:   #[[$W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>
// CHECK-DAG:   #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul
// CHECK:       %[[PACKED:.*]] = arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 2.000000e+00], [5.000000e+00, 6.000000e+00]], {{\[}}[3.000000e+00, 4.000000e+00], [7.000000e+00, 8.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK:       %[[EMPTY:.*]] = tensor.empty() : tensor<1x3x2x2xf32>
// CHECK:       %[[FILL:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<1x3x2x2xf32>)
// CHECK:       %[[MM:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$W]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:    ins(%{{.*}}, %[[PACKED]] : tensor<1x3x2xf32>, tensor<2x2x2xf32>) outs(%[[FILL]] : tensor<1x3x2x2xf32>)
// CHECK:         arith.mulf
// CHECK:         arith.addf
// CHECK:       %[[Y:.*]] = tensor.collapse_shape %[[MM]] {{\[}}[0], [1], [2, 3]] : tensor<1x3x2x2xf32> into tensor<1x3x4xf32>
// CHECK:       return %[[Y]]
func.func @matmul(%x: tensor<1x3x2xf32>) -> tensor<1x3x4xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x3x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                       affine_map<(b, m, n, k) -> (k, n)>,
                       affine_map<(b, m, n, k) -> (b, m, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x3x2xf32>, tensor<2x4xf32>) outs(%fill : tensor<1x3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

// x · Wᵀ with W [N, K] read through the indexing map (xfmr.linear's
// lowering): panel p, row k, lane r holds W[2p + r, k].

// CHECK-LABEL: func.func @matmul_transposed
// CHECK:       arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]], {{\[}}[5.000000e+00, 7.000000e+00], [6.000000e+00, 8.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK:       linalg.generic
// CHECK-SAME:    outs(%{{.*}} : tensor<3x2x2xf32>)
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<3x2x2xf32> into tensor<3x4xf32>
func.func @matmul_transposed(%x: tensor<3x2xf32>, %init: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<3x2xf32>, tensor<4x2xf32>) outs(%init : tensor<3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A linalg.transpose of a constant, read by linalg.matmul: the same panels
// as reading W [N, K] transposed. The init (not a fill) is split in two.

// CHECK-LABEL: func.func @matmul_of_transpose
// CHECK:       %[[PACKED:.*]] = arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]], {{\[}}[5.000000e+00, 7.000000e+00], [6.000000e+00, 8.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK-NOT:   linalg.transpose
// CHECK:       %[[INIT:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [3, 2, 2] : tensor<3x4xf32> into tensor<3x2x2xf32>
// CHECK:       linalg.generic
// CHECK-SAME:    ins(%{{.*}}, %[[PACKED]] : tensor<3x2xf32>, tensor<2x2x2xf32>) outs(%[[INIT]] : tensor<3x2x2xf32>)
func.func @matmul_of_transpose(%x: tensor<3x2xf32>, %init: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %empty = tensor.empty() : tensor<2x4xf32>
  %wt = linalg.transpose ins(%w : tensor<4x2xf32>) outs(%empty : tensor<2x4xf32>) permutation = [1, 0]
  %0 = linalg.matmul ins(%x, %wt : tensor<3x2xf32>, tensor<2x4xf32>)
                     outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A constant copied transposed by a generic, then broadcast over a batch
// dim, read by a batch matmul: the panels hold W [N, K] transposed, and
// the packed weight is read by every batch.

// CHECK-LABEL: func.func @batch_matmul_of_broadcast
// CHECK:       %[[PACKED:.*]] = arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]], {{\[}}[5.000000e+00, 7.000000e+00], [6.000000e+00, 8.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK-NOT:   linalg.broadcast
// CHECK:       linalg.generic
// CHECK-SAME:    ins(%{{.*}}, %[[PACKED]] : tensor<2x3x2xf32>, tensor<2x2x2xf32>) outs(%{{.*}} : tensor<2x3x2x2xf32>)
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<2x3x2x2xf32> into tensor<2x3x4xf32>
func.func @batch_matmul_of_broadcast(%x: tensor<2x3x2xf32>, %init: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %empty = tensor.empty() : tensor<2x4xf32>
  %wt = linalg.generic {
      indexing_maps = [affine_map<(k, n) -> (n, k)>, affine_map<(k, n) -> (k, n)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<4x2xf32>) outs(%empty : tensor<2x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<2x4xf32>
  %bempty = tensor.empty() : tensor<2x2x4xf32>
  %wb = linalg.broadcast ins(%wt : tensor<2x4xf32>) outs(%bempty : tensor<2x2x4xf32>) dimensions = [0]
  %0 = linalg.batch_matmul ins(%x, %wb : tensor<2x3x2xf32>, tensor<2x2x4xf32>)
                           outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// N = 3 is not a multiple of the panel width: the last panel is padded with
// zeros, the fill covers the padded shape, and a slice drops the padding.

// CHECK-LABEL: func.func @padded
// CHECK:       arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 2.000000e+00], [4.000000e+00, 5.000000e+00]], {{\[}}[3.000000e+00, 0.000000e+00], [6.000000e+00, 0.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK:       %[[EMPTY:.*]] = tensor.empty() : tensor<5x2x2xf32>
// CHECK:       %[[FILL:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<5x2x2xf32>)
// CHECK:       %[[MM:.*]] = linalg.generic
// CHECK-SAME:    outs(%[[FILL]] : tensor<5x2x2xf32>)
// CHECK:       %[[FLAT:.*]] = tensor.collapse_shape %[[MM]] {{\[}}[0], [1, 2]] : tensor<5x2x2xf32> into tensor<5x4xf32>
// CHECK:       %[[Y:.*]] = tensor.extract_slice %[[FLAT]][0, 0] [5, 3] [1, 1] : tensor<5x4xf32> to tensor<5x3xf32>
// CHECK:       return %[[Y]]
func.func @padded(%x: tensor<5x2xf32>) -> tensor<5x3xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<5x3xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<5x3xf32>) -> tensor<5x3xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<5x2xf32>, tensor<2x3xf32>)
                     outs(%fill : tensor<5x3xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

// A bias and activation epilogue moves above the collapse: it runs over
// [M, N/2, 2] like the contraction, with its bias split in two as well.

// CHECK-LABEL: func.func @epilogue
// CHECK:       %[[MM:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x2x2xf32>)
// CHECK:       %[[BIAS:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
// CHECK:       %[[EPI:.*]] = linalg.generic {{.*}} ins(%[[MM]], %[[BIAS]] : tensor<?x2x2xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<?x2x2xf32>)
// CHECK:         arith.addf
// CHECK:         math.tanh
// CHECK:       %[[Y:.*]] = tensor.collapse_shape %[[EPI]] {{\[}}[0], [1, 2]] : tensor<?x2x2xf32> into tensor<?x4xf32>
// CHECK:       return %[[Y]]
func.func @epilogue(%x: tensor<?x2xf32>, %bias: tensor<4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x2xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty(%m) : tensor<?x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x4xf32>) -> tensor<?x4xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<?x2xf32>, tensor<2x4xf32>)
                     outs(%fill : tensor<?x4xf32>) -> tensor<?x4xf32>
  %1 = linalg.generic {
      indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (n)>,
                       affine_map<(m, n) -> (m, n)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%0, %bias : tensor<?x4xf32>, tensor<4xf32>) outs(%empty : tensor<?x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  } -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// One weight read by two contractions is packed once; a dense_resource
// weight gets a new blob named after its own, flat (LLVM IR makes a
// constant per innermost row) and reshaped into panels.

// CHECK-LABEL: func.func @shared_resource
// CHECK:       %[[FLAT:.*]] = arith.constant dense_resource<w.panels> : tensor<8xf32>
// CHECK:       %[[PACKED:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1, 2]] output_shape [2, 2, 2] : tensor<8xf32> into tensor<2x2x2xf32>
// CHECK-NOT:   arith.constant dense_resource
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %[[PACKED]] :
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %[[PACKED]] :
// CHECK:       w.panels: "0x40000000
func.func @shared_resource(%x: tensor<3x2xf32>, %y: tensor<5x2xf32>,
                           %i: tensor<3x4xf32>, %j: tensor<5x4xf32>)
    -> (tensor<3x4xf32>, tensor<5x4xf32>) {
  %w = arith.constant dense_resource<w> : tensor<2x4xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x4xf32>)
                     outs(%i : tensor<3x4xf32>) -> tensor<3x4xf32>
  %1 = linalg.matmul ins(%y, %w : tensor<5x2xf32>, tensor<2x4xf32>)
                     outs(%j : tensor<5x4xf32>) -> tensor<5x4xf32>
  return %0, %1 : tensor<3x4xf32>, tensor<5x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000004000004040000080400000A0400000C0400000E04000000041"
    }
  }
#-}

// -----

// Left alone: a right-hand side that is not a constant, and a constant
// narrower than a panel.

// CHECK-LABEL: func.func @not_packed
// CHECK-NOT:   tensor.collapse_shape
// CHECK:       linalg.matmul
// CHECK:       linalg.matmul
func.func @not_packed(%x: tensor<3x2xf32>, %w: tensor<2x4xf32>, %i: tensor<3x4xf32>,
                      %j: tensor<3x1xf32>) -> (tensor<3x4xf32>, tensor<3x1xf32>) {
  %narrow = arith.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x4xf32>)
                     outs(%i : tensor<3x4xf32>) -> tensor<3x4xf32>
  %1 = linalg.matmul ins(%x, %narrow : tensor<3x2xf32>, tensor<2x1xf32>)
                     outs(%j : tensor<3x1xf32>) -> tensor<3x1xf32>
  return %0, %1 : tensor<3x4xf32>, tensor<3x1xf32>
}

// -----

// A weight that only one-row contractions read (a decode step's
// matrix-vector products) is packed in the wider panels of one-row
// register blocks; one that a contraction of several rows also reads keeps
// the panels of the block of several rows.

// ROW-LABEL: func.func @single_row
// ROW:       arith.constant {{.*}} : tensor<2x2x4xf32>
// ROW:       linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x2x4xf32>)
// ROW:       tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<1x1x2x4xf32> into tensor<1x1x8xf32>
func.func @single_row(%x: tensor<1x1x2xf32>) -> tensor<1x1x8xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]]> : tensor<2x8xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x1x8xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                       affine_map<(b, m, n, k) -> (k, n)>,
                       affine_map<(b, m, n, k) -> (b, m, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x1x2xf32>, tensor<2x8xf32>) outs(%fill : tensor<1x1x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x1x8xf32>
  return %0 : tensor<1x1x8xf32>
}

// -----

// ROW-LABEL: func.func @mixed_rows
// ROW:       arith.constant {{.*}} : tensor<4x2x2xf32>
// ROW-NOT:   tensor<2x2x4xf32>
func.func @mixed_rows(%x: tensor<1x1x2xf32>, %y: tensor<1x3x2xf32>) -> (tensor<1x1x8xf32>, tensor<1x3x8xf32>) {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]]> : tensor<2x8xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x1x8xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                       affine_map<(b, m, n, k) -> (k, n)>,
                       affine_map<(b, m, n, k) -> (b, m, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x1x2xf32>, tensor<2x8xf32>) outs(%f1 : tensor<1x1x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x1x8xf32>
  %e3 = tensor.empty() : tensor<1x3x8xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x3x8xf32>) -> tensor<1x3x8xf32>
  %1 = linalg.generic {
      indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                       affine_map<(b, m, n, k) -> (k, n)>,
                       affine_map<(b, m, n, k) -> (b, m, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%y, %w : tensor<1x3x2xf32>, tensor<2x8xf32>) outs(%f3 : tensor<1x3x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x3x8xf32>
  return %0, %1 : tensor<1x1x8xf32>, tensor<1x3x8xf32>
}
