// RUN: xfmr-opt %s -split-input-file -convert-xfmr-to-linalg | FileCheck %s

// Reductions: a generic with reduction iterators into a filled init;
// keepdims re-inserts the size-1 dims with tensor.expand_shape.

// CHECK-DAG: #[[$IN3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$KEEP01:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @reduce_mean_keepdims
// CHECK-SAME: (%[[X:.*]]: tensor<?x8x16xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[N:.*]] = arith.constant 1.600000e+01 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$IN3]], #[[$KEEP01]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<?x8x16xf32>) outs(%[[INIT]] : tensor<?x8xf32>)
// CHECK: arith.addf
// CHECK: %[[MEAN:.*]] = linalg.generic
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: %[[E:.*]] = tensor.expand_shape %[[MEAN]] {{\[}}[0], [1, 2]] output_shape [%{{.*}}, 8, 1] : tensor<?x8xf32> into tensor<?x8x1xf32>
// CHECK: return %[[E]]
func.func @reduce_mean_keepdims(%x: tensor<?x8x16xf32>) -> tensor<?x8x1xf32> {
  %0 = xfmr.reduce_mean %x {axes = array<i64: -1>} : (tensor<?x8x16xf32>) -> tensor<?x8x1xf32>
  return %0 : tensor<?x8x1xf32>
}

// -----

// A mean over a dynamic dim divides by its size read at run time.
// CHECK-LABEL: func.func @reduce_mean_dynamic
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[I:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: %[[F:.*]] = arith.sitofp %[[I]] : i64 to f32
// CHECK: arith.divf %{{.*}}, %[[F]]
func.func @reduce_mean_dynamic(%x: tensor<?x4xf32>) -> tensor<4xf32> {
  %0 = xfmr.reduce_mean %x {axes = array<i64: 0>, keepdims = false} : (tensor<?x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_all_max_and_int_min
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[IMAX:.*]] = arith.constant 9223372036854775807 : i64
// CHECK: linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: iterator_types = ["reduction", "reduction"]
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape %{{.*}} [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
// CHECK: linalg.fill ins(%[[IMAX]] : i64)
// CHECK: arith.minsi
func.func @reduce_all_max_and_int_min(%x: tensor<3x4xf32>, %i: tensor<3x4xi64>) -> (tensor<1x1xf32>, tensor<3xi64>) {
  %0 = xfmr.reduce_max %x : (tensor<3x4xf32>) -> tensor<1x1xf32>
  %1 = xfmr.reduce_min %i {axes = array<i64: 1>, keepdims = false} : (tensor<3x4xi64>) -> tensor<3xi64>
  return %0, %1 : tensor<1x1xf32>, tensor<3xi64>
}

// -----

// The range of a tensor (DynamicQuantizeLinear's reduce_max and reduce_min,
// in either order, keepdims or not): one generic with both accumulators, so
// the tensor is read once. Over all dims of a tensor of rows it is taken per
// row first (parallel rows: threads share them, and each row's accumulators
// are independent of the others'), then over the rows. A min over other
// axes stays its own reduction.
// CHECK-LABEL: func.func @min_and_max_one_pass
// CHECK-SAME:    (%[[X:.*]]: tensor<?x64xf32>)
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[POSINF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-DAG: %[[LO:.*]] = linalg.fill ins(%[[POSINF]] : f32) outs(%{{.*}} : tensor<?xf32>)
// CHECK-DAG: %[[HI:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[P:.*]]:2 = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x64xf32>) outs(%[[HI]], %[[LO]] : tensor<?xf32>, tensor<?xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[MAX:.*]]: f32, %[[MIN:.*]]: f32):
// CHECK-NEXT:   %[[A:.*]] = arith.maximumf %[[MAX]], %[[IN]] : f32
// CHECK-NEXT:   %[[B:.*]] = arith.minimumf %[[MIN]], %[[IN]] : f32
// CHECK-NEXT:   linalg.yield %[[A]], %[[B]] : f32, f32
// CHECK: %[[R:.*]]:2 = linalg.generic {{{.*}}iterator_types = ["reduction"]} ins(%[[P]]#0, %[[P]]#1 : tensor<?xf32>, tensor<?xf32>) outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>)
// CHECK-NEXT: ^bb0(%[[PMAX:.*]]: f32, %[[PMIN:.*]]: f32, %[[MAX2:.*]]: f32, %[[MIN2:.*]]: f32):
// CHECK-NEXT:   %[[C:.*]] = arith.maximumf %[[MAX2]], %[[PMAX]] : f32
// CHECK-NEXT:   %[[D:.*]] = arith.minimumf %[[MIN2]], %[[PMIN]] : f32
// CHECK-NEXT:   linalg.yield %[[C]], %[[D]] : f32, f32
// CHECK: %[[ROWS:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]}
// CHECK: arith.minimumf
// CHECK: return %[[R]]#1, %[[R]]#0, %[[ROWS]]
func.func @min_and_max_one_pass(%x: tensor<?x64xf32>) -> (tensor<f32>, tensor<f32>, tensor<?xf32>) {
  %0 = xfmr.reduce_min %x {keepdims = false} : (tensor<?x64xf32>) -> tensor<f32>
  %1 = xfmr.reduce_max %x {keepdims = false} : (tensor<?x64xf32>) -> tensor<f32>
  %2 = xfmr.reduce_min %x {axes = array<i64: 1>, keepdims = false} : (tensor<?x64xf32>) -> tensor<?xf32>
  return %0, %1, %2 : tensor<f32>, tensor<f32>, tensor<?xf32>
}

// -----

// A 1-D range is one reduction; a 3-D one per row of the last dim, then over
// the [2, 8] rows, keepdims re-adding the size-1 dims.
// CHECK-LABEL: func.func @range_of_vector_and_of_3d
// CHECK: linalg.generic {{{.*}}iterator_types = ["reduction"]} ins(%{{.*}} : tensor<64xf32>) outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>)
// CHECK: %[[P:.*]]:2 = linalg.generic {{{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<2x8x16xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<2x8xf32>)
// CHECK: %[[R:.*]]:2 = linalg.generic {{{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[P]]#0, %[[P]]#1 : tensor<2x8xf32>, tensor<2x8xf32>) outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>)
// CHECK-DAG: tensor.expand_shape %[[R]]#0 [] output_shape [1, 1, 1] : tensor<f32> into tensor<1x1x1xf32>
// CHECK-DAG: tensor.expand_shape %[[R]]#1 [] output_shape [1, 1, 1] : tensor<f32> into tensor<1x1x1xf32>
func.func @range_of_vector_and_of_3d(%v: tensor<64xf32>, %x: tensor<2x8x16xf32>) -> (tensor<f32>, tensor<f32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) {
  %0 = xfmr.reduce_max %v {keepdims = false} : (tensor<64xf32>) -> tensor<f32>
  %1 = xfmr.reduce_min %v {keepdims = false} : (tensor<64xf32>) -> tensor<f32>
  %2 = xfmr.reduce_max %x : (tensor<2x8x16xf32>) -> tensor<1x1x1xf32>
  %3 = xfmr.reduce_min %x : (tensor<2x8x16xf32>) -> tensor<1x1x1xf32>
  return %0, %1, %2, %3 : tensor<f32>, tensor<f32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>
}

// -----

// softmax: max, sum of exp(x - max), then exp(x - max) / sum.
// CHECK-LABEL: func.func @softmaxes
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: arith.divf
// log_softmax: the same reductions, then x - max - log(sum).
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.log
func.func @softmaxes(%x: tensor<?x8x16xf32>) -> (tensor<?x8x16xf32>, tensor<?x8x16xf32>) {
  %0 = xfmr.softmax %x : tensor<?x8x16xf32>
  %1 = xfmr.log_softmax %x {axis = 1 : i64} : tensor<?x8x16xf32>
  return %0, %1 : tensor<?x8x16xf32>, tensor<?x8x16xf32>
}

// -----

// argmax carries the running maximum and its index through one generic; a
// tie goes to the smaller index, so any combination order gives the first.
// CHECK-DAG: #[[$ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @argmax_first
// CHECK-SAME: (%[[X:.*]]: tensor<?x50xf32>)
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[MAX:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[IDX:.*]] = linalg.fill ins(%[[ZERO]] : i64) outs(%{{.*}} : tensor<?xi64>)
// CHECK: %[[R:.*]]:2 = linalg.generic {indexing_maps = [#[[$ID2]], #[[$ROW]], #[[$ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x50xf32>) outs(%[[MAX]], %[[IDX]] : tensor<?xf32>, tensor<?xi64>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[BEST:.*]]: f32, %[[BESTI:.*]]: i64):
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[I64:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %[[IN]], %[[BEST]]
// CHECK: %[[EQ:.*]] = arith.cmpf oeq, %[[IN]], %[[BEST]]
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[I64]], %[[BESTI]]
// CHECK: %[[TIE:.*]] = arith.andi %[[EQ]], %[[LT]]
// CHECK: %[[TAKE:.*]] = arith.ori %[[GT]], %[[TIE]]
// CHECK: %[[V:.*]] = arith.select %[[TAKE]], %[[IN]], %[[BEST]]
// CHECK: %[[VI:.*]] = arith.select %[[TAKE]], %[[I64]], %[[BESTI]]
// CHECK: linalg.yield %[[V]], %[[VI]]
// CHECK: return %[[R]]#1 : tensor<?xi64>
func.func @argmax_first(%x: tensor<?x50xf32>) -> tensor<?xi64> {
  %0 = xfmr.argmax %x {axis = -1 : i64, keepdims = false} : (tensor<?x50xf32>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// select_last_index prefers the larger index on a tie; keepdims re-adds the
// reduced dim; integer inputs start from the smallest value.
// CHECK-LABEL: func.func @argmax_last_keepdims
// CHECK: %[[MIN:.*]] = arith.constant -2147483648 : i32
// CHECK: linalg.fill ins(%[[MIN]] : i32)
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: linalg.index 1 : index
// CHECK: arith.cmpi sgt, %{{.*}}, %{{.*}} : i32
// CHECK: arith.cmpi eq, %{{.*}}, %{{.*}} : i32
// CHECK: arith.cmpi sgt, %{{.*}}, %{{.*}} : i64
// CHECK: tensor.expand_shape %{{.*}}#1 {{\[}}[0], [1, 2]] output_shape [2, 1, 4] : tensor<2x4xi64> into tensor<2x1x4xi64>
func.func @argmax_last_keepdims(%x: tensor<2x3x4xi32>) -> tensor<2x1x4xi64> {
  %0 = xfmr.argmax %x {axis = 1 : i64, select_last_index = true} : (tensor<2x3x4xi32>) -> tensor<2x1x4xi64>
  return %0 : tensor<2x1x4xi64>
}

// -----

// reduce_prod starts from 1 and multiplies.
// CHECK-LABEL: func.func @reduce_prod
// CHECK: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ONE]] : i32)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<3x4xi32>) outs(%[[INIT]] : tensor<3xi32>)
// CHECK:   arith.muli
func.func @reduce_prod(%x: tensor<3x4xi32>) -> tensor<3xi32> {
  %0 = xfmr.reduce_prod %x {axes = array<i64: 1>, keepdims = false} : (tensor<3x4xi32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}
