// RUN: xfmr-opt %s --xfmr-fuse-elementwise --split-input-file | FileCheck %s

#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (k, n)>
#y = affine_map<(m, n, k) -> (m, n)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// The head split after a projection stays a reshape of the matmul's
// result: the contraction keeps its three loops and its [K, N] weight.

// CHECK-LABEL: func.func @head_split_after_projection
// CHECK:       %[[MM:.*]] = linalg.generic
// CHECK-SAME:    iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:    ins(%{{.*}}, %{{.*}} : tensor<16x32xf32>, tensor<32x32xf32>)
// CHECK:       %[[SPLIT:.*]] = tensor.expand_shape %[[MM]] {{\[}}[0], [1, 2]]
// CHECK-SAME:    tensor<16x32xf32> into tensor<16x4x8xf32>
// CHECK:       return %[[SPLIT]]
func.func @head_split_after_projection(%x: tensor<16x32xf32>,
                                       %w: tensor<32x32xf32>)
    -> tensor<16x4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<16x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<16x32xf32>)
      -> tensor<16x32xf32>
  %mm = linalg.generic {indexing_maps = [#x, #w, #y],
                        iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<16x32xf32>, tensor<32x32xf32>)
      outs(%init : tensor<16x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x32xf32>
  %split = tensor.expand_shape %mm [[0], [1, 2]] output_shape [16, 4, 8]
      : tensor<16x32xf32> into tensor<16x4x8xf32>
  return %split : tensor<16x4x8xf32>
}

// -----

#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (k, n)>
#y = affine_map<(m, n, k) -> (m, n)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>

// An activation in front of a matmul is not fused into its lhs, where it
// would run once per output column.

// CHECK-LABEL: func.func @activation_before_matmul
// CHECK:       %[[ACT:.*]] = linalg.generic
// CHECK-SAME:    iterator_types = ["parallel", "parallel"]
// CHECK:         math.tanh
// CHECK:       linalg.generic
// CHECK-SAME:    iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:    ins(%[[ACT]], %{{.*}} :
// CHECK-NOT:     math.tanh
func.func @activation_before_matmul(%x: tensor<16x32xf32>,
                                    %w: tensor<32x8xf32>)
    -> tensor<16x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<16x32xf32>
  %act = linalg.generic {indexing_maps = [#id2, #id2],
                         iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<16x32xf32>) outs(%e0 : tensor<16x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<16x32xf32>
  %e1 = tensor.empty() : tensor<16x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16x8xf32>)
      -> tensor<16x8xf32>
  %mm = linalg.generic {indexing_maps = [#x, #w, #y],
                        iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%act, %w : tensor<16x32xf32>, tensor<32x8xf32>)
      outs(%init : tensor<16x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  return %mm : tensor<16x8xf32>
}

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// Elementwise chains still fuse into one op, and reshapes still move
// through them: the collapse is folded into the fused op's loops.

// CHECK-LABEL: func.func @elementwise_chain
// CHECK-NOT:   tensor.collapse_shape
// CHECK:       %[[FUSED:.*]] = linalg.generic
// CHECK-SAME:    iterator_types = ["parallel", "parallel", "parallel"]
// CHECK:         arith.addf
// CHECK:         math.exp
// CHECK:       } -> tensor<4x8x16xf32>
// CHECK-NOT:   linalg.generic
// CHECK:       tensor.collapse_shape %[[FUSED]]
func.func @elementwise_chain(%a: tensor<4x8x16xf32>, %b: tensor<32x16xf32>)
    -> tensor<32x16xf32> {
  %flat = tensor.collapse_shape %a [[0, 1], [2]]
      : tensor<4x8x16xf32> into tensor<32x16xf32>
  %e0 = tensor.empty() : tensor<32x16xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #id2, #id2],
                         iterator_types = ["parallel", "parallel"]}
      ins(%flat, %b : tensor<32x16xf32>, tensor<32x16xf32>)
      outs(%e0 : tensor<32x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<32x16xf32>
  %e1 = tensor.empty() : tensor<32x16xf32>
  %exp = linalg.generic {indexing_maps = [#id2, #id2],
                         iterator_types = ["parallel", "parallel"]}
      ins(%sum : tensor<32x16xf32>) outs(%e1 : tensor<32x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  } -> tensor<32x16xf32>
  return %exp : tensor<32x16xf32>
}
