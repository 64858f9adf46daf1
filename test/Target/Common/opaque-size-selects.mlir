// RUN: xfmr-opt %s --xfmr-opaque-size-selects --split-input-file | FileCheck %s

// A broadcast dim chosen at run time: the select moves to i64, its users see
// an index cast.
// CHECK-LABEL: func.func @broadcast_dim
// CHECK-SAME:    (%[[A:.*]]: index, %[[B:.*]]: index)
// CHECK:         %[[ONE:.*]] = arith.cmpi eq, %[[A]], %c1
// CHECK:         %[[BI:.*]] = arith.index_cast %[[B]] : index to i64
// CHECK:         %[[AI:.*]] = arith.index_cast %[[A]] : index to i64
// CHECK:         %[[SEL:.*]] = arith.select %[[ONE]], %[[BI]], %[[AI]] : i64
// CHECK:         %[[DIM:.*]] = arith.index_cast %[[SEL]] : i64 to index
// CHECK-NOT:     arith.select {{.*}} : index
// CHECK:         tensor.empty(%[[DIM]])
func.func @broadcast_dim(%a: index, %b: index) -> tensor<?xf32> {
  %c1 = arith.constant 1 : index
  %one = arith.cmpi eq, %a, %c1 : index
  %dim = arith.select %one, %b, %a : index
  %e = tensor.empty(%dim) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// Element addressing inside a linalg body is left alone, and so are selects
// of other types.
// CHECK-LABEL: func.func @inside_body
// CHECK:         arith.select %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK:         linalg.generic
// CHECK:           arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK-NOT:       arith.index_cast {{.*}} : i64 to index
// CHECK:           linalg.yield
func.func @inside_body(%t: tensor<8xf32>, %c: i1, %x: i32, %y: i32)
    -> (tensor<8xf32>, i32) {
  %s = arith.select %c, %x, %y : i32
  %c0 = arith.constant 0 : index
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} outs(%t : tensor<8xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %clamped = arith.select %c, %c0, %i : index
    %v = tensor.extract %t[%clamped] : tensor<8xf32>
    linalg.yield %v : f32
  } -> tensor<8xf32>
  return %r, %s : tensor<8xf32>, i32
}
