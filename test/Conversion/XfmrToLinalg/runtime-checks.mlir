// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file --mlir-print-debuginfo | FileCheck %s

// The run-time checks of the lowerings: one reduction over the indices (or
// divisors) before the op, one branch to xfmr_check_failed, whose call
// carries the message naming the ONNX node; the op itself reads clamped
// positions, so that a run that failed its check reads nothing outside the
// table before it returns.

// CHECK: func.func private @xfmr_check_failed(i64, i64, i64)
// CHECK-LABEL: func.func @gather_embedding
// CHECK-SAME: (%[[T:[^:]*]]: tensor<1000x64xf32>{{.*}}, %[[IDS:[^:]*]]: tensor<?x?xi64>
// CHECK-DAG: %[[LO:.*]] = arith.constant -1000 : i64
// CHECK-DAG: %[[LAST:.*]] = arith.constant 999 : i64
// CHECK-DAG: %[[HI:.*]] = arith.constant 1000 : i64
// CHECK: %[[BOUNDS:.*]]:2 = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[IDS]] : tensor<?x?xi64>)
// CHECK:   arith.minsi
// CHECK:   arith.maxsi
// CHECK: %[[MIN:.*]] = tensor.extract %[[BOUNDS]]#0[]
// CHECK: %[[MAX:.*]] = tensor.extract %[[BOUNDS]]#1[]
// CHECK: %[[LOW:.*]] = arith.cmpi slt, %[[MIN]], %[[LO]] : i64
// CHECK: %[[HIGH:.*]] = arith.cmpi sge, %[[MAX]], %[[HI]] : i64
// CHECK: %[[BAD:.*]] = arith.ori %[[LOW]], %[[HIGH]] : i1
// CHECK: %[[IDX:.*]] = arith.select %[[LOW]], %[[MIN]], %[[MAX]] : i64
// CHECK: scf.if %[[BAD]] {
// CHECK:   func.call @xfmr_check_failed(%[[IDX]], %[[LO]], %[[LAST]]) : (i64, i64, i64) -> () loc(#[[GATHER_MSG:.*]])
// CHECK: linalg.generic {{.*}} ins(%[[IDS]] : tensor<?x?xi64>)
// CHECK:   arith.select
// CHECK:   %[[ROW0:.*]] = arith.maxsi %{{.*}}, %c0 : index
// CHECK:   %[[ROW:.*]] = arith.minsi %[[ROW0]], %c999 : index
// CHECK:   tensor.extract %[[T]][%[[ROW]], %{{.*}}] : tensor<1000x64xf32>
// CHECK: #[[GATHER_MSG]] = loc(fused<"Gather node '/model/embeddings/word_embeddings/Gather': indices element out of data bounds, idx={0} must be within the inclusive range [{1},{2}]">
func.func @gather_embedding(%t: tensor<1000x64xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x64xf32> {
  %0 = xfmr.gather %t, %ids {axis = 0 : i64} : (tensor<1000x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32> loc("/model/embeddings/word_embeddings/Gather")
  return %0 : tensor<?x?x64xf32>
}

// -----

// The axis' size is read at run time when it is dynamic.
// CHECK-LABEL: func.func @gather_elements_dynamic_axis
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x?xf32>{{.*}}, %[[IDX:[^:]*]]: tensor<2x3xi32>
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c1
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[IDX]] : tensor<2x3xi32>)
// CHECK:   arith.extsi %{{.*}} : i32 to i64
// CHECK: %[[SIZE:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: arith.subi %{{.*}}, %[[SIZE]] : i64
// CHECK: scf.if
// CHECK:   func.call @xfmr_check_failed({{.*}}) loc(#[[MSG:.*]])
// CHECK: #[[MSG]] = loc(fused<"GatherElements node 'ge': indices element out of data bounds, idx={0} must be within the inclusive range [{1},{2}]">
func.func @gather_elements_dynamic_axis(%x: tensor<2x?xf32>, %idx: tensor<2x3xi32>) -> tensor<2x3xf32> {
  %0 = xfmr.gather_elements %x, %idx {axis = 1 : i64} : (tensor<2x?xf32>, tensor<2x3xi32>) -> tensor<2x3xf32> loc("ge")
  return %0 : tensor<2x3xf32>
}

// -----

// GatherND: one bound per element of the index tuples, from a reduction
// that keeps the tuples' dim.
// CHECK-LABEL: func.func @gather_nd
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%{{.*}} : tensor<3x2xi64>) outs(%{{.*}}, %{{.*}} : tensor<2xi64>, tensor<2xi64>)
// CHECK: scf.if
// CHECK:   func.call @xfmr_check_failed({{.*}}) loc(#[[MSG0:[^)]*]])
// CHECK: scf.if
// CHECK:   func.call @xfmr_check_failed({{.*}}) loc(#[[MSG1:[^)]*]])
// CHECK: #[[MSG0]] = loc(fused<"GatherND node 'gnd': {{.*}} (element 0 of an index tuple)">
// CHECK: #[[MSG1]] = loc(fused<"GatherND node 'gnd': {{.*}} (element 1 of an index tuple)">
func.func @gather_nd(%x: tensor<4x5x6xf32>, %idx: tensor<3x2xi64>) -> tensor<3x6xf32> {
  %0 = xfmr.gather_nd %x, %idx : (tensor<4x5x6xf32>, tensor<3x2xi64>) -> tensor<3x6xf32> loc("gnd")
  return %0 : tensor<3x6xf32>
}

// -----

// Integer division: a divisor of zero is reported, and neither it nor the
// minimum divided by -1 reaches the trapping division.
// CHECK-LABEL: func.func @div_int
// CHECK: %[[ANY:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]}
// CHECK:   arith.cmpi eq, %{{.*}}, %c0_i32 : i32
// CHECK:   arith.ori
// CHECK: %[[ZERO:.*]] = tensor.extract %[[ANY]][] : tensor<i1>
// CHECK: scf.if %[[ZERO]] {
// CHECK:   func.call @xfmr_check_failed({{.*}}) loc(#[[MSG:.*]])
// CHECK: linalg.generic
// CHECK:   %[[IS0:.*]] = arith.cmpi eq, %[[D:.*]], %c0_i32 : i32
// CHECK:   %[[ISM1:.*]] = arith.cmpi eq, %[[D]], %c-1_i32 : i32
// CHECK:   %[[TRAP:.*]] = arith.ori %[[IS0]], %[[ISM1]] : i1
// CHECK:   %[[SAFE:.*]] = arith.select %[[TRAP]], %c1_i32, %[[D]] : i32
// CHECK:   %[[Q:.*]] = arith.divsi %[[X:.*]], %[[SAFE]] : i32
// CHECK:   %[[NEG:.*]] = arith.subi %c0_i32, %[[X]] : i32
// CHECK:   arith.select %[[ISM1]], %[[NEG]], %[[Q]] : i32
// CHECK: #[[MSG]] = loc(fused<"Div node 'd': integer division by zero">
func.func @div_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = xfmr.div %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32> loc("d")
  return %0 : tensor<4xi32>
}

// -----

// Float division has nothing to check.
// CHECK-LABEL: func.func @div_float
// CHECK-NOT: xfmr_check_failed
// CHECK: arith.divf
func.func @div_float(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = xfmr.div %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Rotary position ids index the caches' rows from the front only.
// CHECK-LABEL: func.func @rotary_positions
// CHECK: %[[ROWS:.*]] = arith.constant 2048 : i64
// CHECK: arith.cmpi slt, %{{.*}}, %c0_i64 : i64
// CHECK: arith.cmpi sge, %{{.*}}, %[[ROWS]] : i64
// CHECK: scf.if
// CHECK:   func.call @xfmr_check_failed({{.*}}) loc(#[[MSG:.*]])
// CHECK: linalg.generic
// CHECK:   arith.minsi %{{.*}}, %c2047 : index
// CHECK: #[[MSG]] = loc(fused<"RotaryEmbedding node 'rope': position id out of data bounds, idx={0} must be within the inclusive range [{1},{2}]">
func.func @rotary_positions(%q: tensor<1x8x?x64xf32>, %cos: tensor<2048x32xf32>, %sin: tensor<2048x32xf32>, %pos: tensor<1x?xi64>) -> tensor<1x8x?x64xf32> {
  %0 = xfmr.rotary_embedding %q, %cos, %sin, %pos : (tensor<1x8x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>, tensor<1x?xi64>) -> tensor<1x8x?x64xf32> loc("rope")
  return %0 : tensor<1x8x?x64xf32>
}
