// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s

// shape and size read the dims: static ones as constants, dynamic ones with
// tensor.dim.

// CHECK-LABEL: func.func @shape_and_size
// CHECK-SAME: (%[[X:.*]]: tensor<?x8x?xf32>)
// CHECK-DAG: %[[SLICE:.*]] = arith.constant dense<8> : tensor<1xi64>
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : i64
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[D2:.*]] = tensor.dim %[[X]], %c2
// CHECK-DAG: %[[I0:.*]] = arith.index_cast %[[D0]] : index to i64
// CHECK-DAG: %[[I2:.*]] = arith.index_cast %[[D2]] : index to i64
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %[[I0]], %[[C8]], %[[I2]] : tensor<3xi64>
// CHECK: %[[M:.*]] = arith.muli %{{.*}}, %c8 : index
// CHECK: %[[N:.*]] = arith.muli %[[M]], %{{.*}} : index
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: %[[SIZE:.*]] = tensor.from_elements %[[NI]] : tensor<i64>
// CHECK: return %[[SHAPE]], %[[SLICE]], %[[SIZE]]
func.func @shape_and_size(%x: tensor<?x8x?xf32>) -> (tensor<3xi64>, tensor<1xi64>, tensor<i64>) {
  %0 = xfmr.shape %x : (tensor<?x8x?xf32>) -> tensor<3xi64>
  %1 = xfmr.shape %x {start = 1 : i64, end = -1 : i64} : (tensor<?x8x?xf32>) -> tensor<1xi64>
  %2 = xfmr.size %x : (tensor<?x8x?xf32>) -> tensor<i64>
  return %0, %1, %2 : tensor<3xi64>, tensor<1xi64>, tensor<i64>
}

// -----

// CHECK-LABEL: func.func @static_size
// CHECK: %[[N:.*]] = arith.constant dense<24> : tensor<i64>
// CHECK: return %[[N]]
func.func @static_size(%x: tensor<2x3x4xf32>) -> tensor<i64> {
  %0 = xfmr.size %x : (tensor<2x3x4xf32>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// A run-time shape is read with tensor.extract to size the tensor.empty.
// CHECK-LABEL: func.func @constant_of_shape
// CHECK-SAME: (%[[S:.*]]: tensor<2xi64>)
// CHECK-DAG: %[[V:.*]] = arith.constant 1.500000e+00 : f32
// CHECK-DAG: %[[E0:.*]] = tensor.extract %[[S]][%c0] : tensor<2xi64>
// CHECK-DAG: %[[I0:.*]] = arith.index_cast %[[E0]] : i64 to index
// CHECK-DAG: %[[E1:.*]] = tensor.extract %[[S]][%c1] : tensor<2xi64>
// CHECK-DAG: %[[I1:.*]] = arith.index_cast %[[E1]] : i64 to index
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[I0]], %[[I1]]) : tensor<?x?xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[V]] : f32) outs(%[[EMPTY]] : tensor<?x?xf32>)
// CHECK: return %[[F]]
func.func @constant_of_shape(%s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = xfmr.constant_of_shape %s {value = 1.5 : f32} : (tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A constant shape gives a static fill, which folds to a constant.
// CHECK-LABEL: func.func @constant_of_static_shape
// CHECK: %[[C:.*]] = arith.constant dense<true> : tensor<2x3xi1>
// CHECK: return %[[C]]
func.func @constant_of_static_shape() -> tensor<2x3xi1> {
  %s = xfmr.constant dense<[2, 3]> : tensor<2xi64>
  %0 = xfmr.constant_of_shape %s {value = true} : (tensor<2xi64>) -> tensor<2x3xi1>
  return %0 : tensor<2x3xi1>
}

// -----

// Range: start + i * delta over linalg.index. A range sized at run time,
// max(ceildiv(limit - start, delta), 0), fails its checks and is empty when
// delta is 0 or the size is past 2^31 - 1 (an overflowing limit - start
// too), and never divides by 0.
// CHECK-DAG: #[[$ID1:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @range_int
// CHECK-SAME: (%[[A:.*]]: tensor<i64>, %[[B:.*]]: tensor<i64>, %[[C:.*]]: tensor<i64>)
// CHECK-DAG: %[[START:.*]] = tensor.extract %[[A]][] : tensor<i64>
// CHECK-DAG: %[[DELTA:.*]] = tensor.extract %[[C]][] : tensor<i64>
// CHECK: %[[ZERO_DELTA:.*]] = arith.cmpi eq, %[[DELTA]], %c0_i64
// CHECK: scf.if %[[ZERO_DELTA]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[DIFF:.*]] = arith.subi
// CHECK: %[[OVERFLOWS:.*]] = arith.ori
// CHECK: %[[NO_DIVISOR:.*]] = arith.ori %[[ZERO_DELTA]], %[[OVERFLOWS]]
// CHECK: %[[DIVISOR:.*]] = arith.select %[[NO_DIVISOR]], %c1_i64, %[[DELTA]]
// CHECK: %[[Q:.*]] = arith.ceildivsi %[[DIFF]], %[[DIVISOR]]
// CHECK: %[[N:.*]] = arith.maxsi %[[Q]], %c0_i64
// CHECK: %[[BIG:.*]] = arith.cmpi sgt, %[[N]], %c2147483647_i64
// CHECK: %[[TOO_LARGE:.*]] = arith.ori %[[OVERFLOWS]], %[[BIG]]
// CHECK: scf.if %[[TOO_LARGE]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[FAILED:.*]] = arith.ori %[[ZERO_DELTA]], %[[TOO_LARGE]]
// CHECK: %[[SAFE:.*]] = arith.select %[[FAILED]], %c0_i64, %[[N]]
// CHECK: %[[SIZE:.*]] = arith.index_cast %[[SAFE]] : i64 to index
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[SIZE]]) : tensor<?xi64>
// CHECK: linalg.generic {indexing_maps = [#[[$ID1]]], iterator_types = ["parallel"]} outs(%[[EMPTY]] : tensor<?xi64>)
// CHECK:   %[[I:.*]] = linalg.index 0 : index
// CHECK:   %[[II:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK:   %[[STEP:.*]] = arith.muli %[[II]], %[[DELTA]] : i64
// CHECK:   %[[V:.*]] = arith.addi %[[START]], %[[STEP]] : i64
// CHECK:   linalg.yield %[[V]] : i64
func.func @range_int(%a: tensor<i64>, %b: tensor<i64>, %c: tensor<i64>) -> tensor<?xi64> {
  %0 = xfmr.range %a, %b, %c : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// A float range: ceil((limit - start) / delta), checked the same way (NaN
// bounds fail too).
// CHECK-LABEL: func.func @range_float
// CHECK: %[[ZERO_DELTA:.*]] = arith.cmpf oeq
// CHECK: scf.if %[[ZERO_DELTA]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[D:.*]] = arith.subf
// CHECK: %[[Q:.*]] = arith.divf %[[D]]
// CHECK: %[[CEIL:.*]] = math.ceil %[[Q]] : f32
// CHECK: %[[FITS:.*]] = arith.cmpf ole, %[[CEIL]]
// CHECK: scf.if
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[POSITIVE:.*]] = arith.maximumf %[[CEIL]], %[[ZERO:.*]] : f32
// CHECK: %[[SAFE:.*]] = arith.select %[[FITS]], %[[POSITIVE]], %[[ZERO]]
// CHECK: %[[I:.*]] = arith.fptosi %[[SAFE]] : f32 to i64
// CHECK: %[[N:.*]] = arith.index_cast %[[I]] : i64 to index
// CHECK: tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK: linalg.generic
// CHECK:   arith.sitofp
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: %[[S:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: linalg.generic {{.*}} outs(%[[S]] : tensor<4xf32>)
func.func @range_float(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<f32>) -> (tensor<?xf32>, tensor<4xf32>) {
  %0 = xfmr.range %a, %b, %c : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  %s = xfmr.constant dense<1.0> : tensor<f32>
  %l = xfmr.constant dense<3.0> : tensor<f32>
  %d = xfmr.constant dense<0.5> : tensor<f32>
  %1 = xfmr.range %s, %l, %d : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  return %0, %1 : tensor<?xf32>, tensor<4xf32>
}

// -----

// A constant shape that splits or merges dims gives expand/collapse; a 0
// copies the input's dynamic dim.
// CHECK-LABEL: func.func @reshape_split_heads
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x768xf32>)
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[E:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1], [2, 3]] output_shape [%[[D0]], %[[D1]], 12, 64] : tensor<?x?x768xf32> into tensor<?x?x12x64xf32>
// CHECK: return %[[E]]
func.func @reshape_split_heads(%x: tensor<?x?x768xf32>) -> tensor<?x?x12x64xf32> {
  %s = xfmr.constant dense<[0, 0, 12, 64]> : tensor<4xi64>
  %0 = xfmr.reshape %x, %s : (tensor<?x?x768xf32>, tensor<4xi64>) -> tensor<?x?x12x64xf32>
  return %0 : tensor<?x?x12x64xf32>
}

// -----

// A shape that reads the input's own dims (as exporters write the split of
// the heads) pairs them with the input's dynamic dims: a view as well.
// CHECK-LABEL: func.func @reshape_by_own_dims
// CHECK: %[[E:.*]] = tensor.expand_shape %arg0 {{\[}}[0], [1], [2, 3]] output_shape [{{.*}}, {{.*}}, 12, 64] : tensor<?x?x768xf32> into tensor<?x?x12x64xf32>
// CHECK: return %[[E]]
func.func @reshape_by_own_dims(%x: tensor<?x?x768xf32>) -> tensor<?x?x12x64xf32> {
  %shape = xfmr.shape %x : (tensor<?x?x768xf32>) -> tensor<3xi64>
  %i0 = xfmr.constant dense<[0, 1]> : tensor<2xi64>
  %dims = xfmr.gather %shape, %i0 : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %heads = xfmr.constant dense<[12, 64]> : tensor<2xi64>
  %s = xfmr.concat %dims, %heads {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  %0 = xfmr.reshape %x, %s : (tensor<?x?x768xf32>, tensor<4xi64>) -> tensor<?x?x12x64xf32>
  return %0 : tensor<?x?x12x64xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_merge_heads
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : tensor<?x?x12x64xf32> into tensor<?x?x768xf32>
// CHECK: return %[[C]]
func.func @reshape_merge_heads(%x: tensor<?x?x12x64xf32>) -> tensor<?x?x768xf32> {
  %s = xfmr.constant dense<[0, 0, -1]> : tensor<3xi64>
  %0 = xfmr.reshape %x, %s : (tensor<?x?x12x64xf32>, tensor<3xi64>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// A -1 takes the dims left between those matched from the front and back;
// here it merges the two dynamic dims.
// CHECK-LABEL: func.func @reshape_flatten_tokens
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<?x?x768xf32> into tensor<?x768xf32>
// CHECK: return %[[C]]
func.func @reshape_flatten_tokens(%x: tensor<?x?x768xf32>) -> tensor<?x768xf32> {
  %s = xfmr.constant dense<[-1, 768]> : tensor<2xi64>
  %0 = xfmr.reshape %x, %s : (tensor<?x?x768xf32>, tensor<2xi64>) -> tensor<?x768xf32>
  return %0 : tensor<?x768xf32>
}

// -----

// Merging some dims and splitting others: collapse, then expand.
// CHECK-LABEL: func.func @reshape_collapse_then_expand
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<?x?x768xf32> into tensor<?x768xf32>
// CHECK: %[[D:.*]] = tensor.dim %[[C]], %c0
// CHECK: %[[E:.*]] = tensor.expand_shape %[[C]] {{\[}}[0], [1, 2]] output_shape [%[[D]], 12, 64] : tensor<?x768xf32> into tensor<?x12x64xf32>
// CHECK: return %[[E]]
func.func @reshape_collapse_then_expand(%x: tensor<?x?x768xf32>) -> tensor<?x12x64xf32> {
  %s = xfmr.constant dense<[-1, 12, 64]> : tensor<3xi64>
  %0 = xfmr.reshape %x, %s : (tensor<?x?x768xf32>, tensor<3xi64>) -> tensor<?x12x64xf32>
  return %0 : tensor<?x12x64xf32>
}

// -----

// Static dims that share no boundary go through one merged dim.
// CHECK-LABEL: func.func @reshape_static
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: %[[E:.*]] = tensor.expand_shape %[[C]] {{\[}}[0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
// CHECK: %[[R:.*]] = tensor.collapse_shape %arg1 [] : tensor<1x1xf32> into tensor<f32>
// CHECK: return %[[E]], %[[R]]
func.func @reshape_static(%x: tensor<2x3x4xf32>, %y: tensor<1x1xf32>) -> (tensor<4x6xf32>, tensor<f32>) {
  %s = xfmr.constant dense<[4, 6]> : tensor<2xi64>
  %0 = xfmr.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  %e = xfmr.constant dense<> : tensor<0xi64>
  %1 = xfmr.reshape %y, %e : (tensor<1x1xf32>, tensor<0xi64>) -> tensor<f32>
  return %0, %1 : tensor<4x6xf32>, tensor<f32>
}

// -----

// A run-time shape gives tensor.reshape with dims resolved and checked: 0
// copies the input's dim, -1 is the element count over the other dims; a
// dim below -1, two -1s or a count other than the input's fail, and the
// failed reshape gives zeros of dims 0 rather than a view past the input.
// CHECK-LABEL: func.func @reshape_runtime
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %[[S:.*]]: tensor<2xi64>)
// CHECK: %[[E0:.*]] = tensor.extract %[[S]][%c0] : tensor<2xi64>
// CHECK: %[[I0:.*]] = arith.index_cast %[[E0]] : i64 to index
// CHECK: %[[Z0:.*]] = arith.cmpi eq, %[[I0]], %c0 : index
// CHECK: %[[R0:.*]] = arith.select %[[Z0]], %c2, %[[I0]] : index
// CHECK: %[[BELOW0:.*]] = arith.cmpi slt, %[[R0]], %c-1 : index
// CHECK: scf.if %[[BELOW0]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[INFERRED:.*]] = arith.divui %c24
// CHECK: %[[MISMATCH:.*]] = arith.cmpi ne, %{{.*}}, %c24 : index
// CHECK: scf.if %[[MISMATCH]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %{{.*}}, %{{.*}} : tensor<2xi64>
// CHECK: %[[R:.*]] = scf.if %[[FAILED:.*]] -> (tensor<?x?xf32>) {
// CHECK:   linalg.fill
// CHECK: } else {
// CHECK:   %[[V:.*]] = tensor.reshape %[[X]](%[[SHAPE]]) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK:   scf.yield %[[V]]
// CHECK: return %[[R]]
func.func @reshape_runtime(%x: tensor<2x3x4xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = xfmr.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A constant shape whose dims cannot be matched (a 0 copies a static dim
// where the input's is dynamic) also takes tensor.reshape.
// CHECK-LABEL: func.func @reshape_unmatched
// CHECK: %[[SHAPE:.*]] = arith.constant dense<[1, 768, 1, 768]> : tensor<4xi64>
// CHECK: tensor.reshape %arg0(%[[SHAPE]]) : (tensor<?x768xf32>, tensor<4xi64>) -> tensor<1x768x1x768xf32>
func.func @reshape_unmatched(%x: tensor<?x768xf32>) -> tensor<1x768x1x768xf32> {
  %s = xfmr.constant dense<[1, 0, 1, 768]> : tensor<4xi64>
  %0 = xfmr.reshape %x, %s : (tensor<?x768xf32>, tensor<4xi64>) -> tensor<1x768x1x768xf32>
  return %0 : tensor<1x768x1x768xf32>
}

// -----

// Squeezed dims join a neighbour's group; a dynamic one is checked to be 1
// at run time (a failed squeeze reads a zero stand-in) and cast to 1.
// CHECK-LABEL: func.func @squeeze
// CHECK-SAME: (%[[X:.*]]: tensor<?x1x768xf32>, %[[Y:.*]]: tensor<?x?xf32>)
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<?x1x768xf32> into tensor<?x768xf32>
// CHECK: %[[D0:.*]] = tensor.dim %[[Y]], %c0
// CHECK: %[[NOT1:.*]] = arith.cmpi ne, %[[D0]], %c1
// CHECK: scf.if %[[NOT1]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[Y1:.*]] = scf.if %[[NOT1]] -> (tensor<?x?xf32>) {
// CHECK: linalg.fill
// CHECK: } else {
// CHECK-NEXT: scf.yield %[[Y]]
// CHECK: %[[C:.*]] = tensor.cast %[[Y1]] : tensor<?x?xf32> to tensor<1x?xf32>
// CHECK: %[[B:.*]] = tensor.collapse_shape %[[C]] {{\[}}[0, 1]] : tensor<1x?xf32> into tensor<?xf32>
// CHECK: return %[[A]], %[[B]]
func.func @squeeze(%x: tensor<?x1x768xf32>, %y: tensor<?x?xf32>) -> (tensor<?x768xf32>, tensor<?xf32>) {
  %0 = xfmr.squeeze %x {axes = array<i64: 1>} : (tensor<?x1x768xf32>) -> tensor<?x768xf32>
  %1 = xfmr.squeeze %y {axes = array<i64: 0>} : (tensor<?x?xf32>) -> tensor<?xf32>
  return %0, %1 : tensor<?x768xf32>, tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @unsqueeze
// CHECK-SAME: (%[[Y:.*]]: tensor<?x?xi64>, %[[Z:.*]]: tensor<f32>)
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[Y]], %c0
// CHECK-DAG: %[[D1:.*]] = tensor.dim %[[Y]], %c1
// CHECK: %[[A:.*]] = tensor.expand_shape %[[Y]] {{\[}}[0], [1, 2, 3]] output_shape [%[[D0]], 1, 1, %[[D1]]] : tensor<?x?xi64> into tensor<?x1x1x?xi64>
// CHECK: %[[B:.*]] = tensor.expand_shape %[[Z]] [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
// CHECK: return %[[A]], %[[B]]
func.func @unsqueeze(%y: tensor<?x?xi64>, %z: tensor<f32>) -> (tensor<?x1x1x?xi64>, tensor<1x1xf32>) {
  %0 = xfmr.unsqueeze %y {axes = array<i64: 1, 2>} : (tensor<?x?xi64>) -> tensor<?x1x1x?xi64>
  %1 = xfmr.unsqueeze %z {axes = array<i64: 0, 1>} : (tensor<f32>) -> tensor<1x1xf32>
  return %0, %1 : tensor<?x1x1x?xi64>, tensor<1x1xf32>
}

// -----

// Expand broadcasts in the indexing map: a static 1 reads index 0.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, 0, d3, d4)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @expand_kv_heads
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x1x?x64xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c3
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<1x4x3x?x64xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[X]] : tensor<1x4x1x?x64xf32>) outs(%[[E]] : tensor<1x4x3x?x64xf32>)
// CHECK:   ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK:   linalg.yield %[[IN]] : f32
// CHECK: return %[[G]]
func.func @expand_kv_heads(%x: tensor<1x4x1x?x64xf32>) -> tensor<1x4x3x?x64xf32> {
  %s = xfmr.constant dense<[1, 4, 3, 1, 64]> : tensor<5xi64>
  %0 = xfmr.expand %x, %s : (tensor<1x4x1x?x64xf32>, tensor<5xi64>) -> tensor<1x4x3x?x64xf32>
  return %0 : tensor<1x4x3x?x64xf32>
}

// -----

// A new leading dim, and a dynamic dim whose target is 1 (kept as is).
// CHECK-DAG: #[[$TAIL:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @expand_rank
// CHECK: linalg.generic {indexing_maps = [#[[$TAIL]], #{{.*}}]{{.*}} ins(%arg0 : tensor<?x4xf32>) outs(%{{.*}} : tensor<2x?x4xf32>)
func.func @expand_rank(%y: tensor<?x4xf32>) -> tensor<2x?x4xf32> {
  %s = xfmr.constant dense<[2, 1, 4]> : tensor<3xi64>
  %0 = xfmr.expand %y, %s : (tensor<?x4xf32>, tensor<3xi64>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// -----

// A dynamic input dim may be 1 at run time: it is read at index 0 then. It
// must be 1 or its target at run time; when it is neither, the check fails
// and the reads stay below its size.
// CHECK-LABEL: func.func @expand_runtime
// CHECK-SAME: (%[[Y:.*]]: tensor<?x4xf32>, %[[S:.*]]: tensor<2xi64>)
// CHECK: %[[T:.*]] = tensor.extract %[[S]][%c0] : tensor<2xi64>
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x4xf32>
// CHECK: %[[DC:.*]] = tensor.dim %[[Y]], %c0
// CHECK: %[[DIFFERS:.*]] = arith.cmpi ne, %[[DC]], %{{.*}} : index
// CHECK: scf.if %{{.*}} {
// CHECK-NEXT: func.call @xfmr_check_failed
// The static dim 4 is checked against its run-time target too.
// CHECK: scf.if %{{.*}} {
// CHECK-NEXT: func.call @xfmr_check_failed(%c4_i64
// CHECK: %[[D:.*]] = tensor.dim %[[Y]], %c0
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[D]], %c1 : index
// CHECK: %[[LAST:.*]] = arith.subi %[[D]], %c1 : index
// CHECK: linalg.generic {{.*}} outs(%[[E]] : tensor<?x4xf32>)
// CHECK:   %[[I:.*]] = linalg.index 0 : index
// CHECK:   %[[J:.*]] = linalg.index 1 : index
// CHECK:   %[[IN:.*]] = arith.minsi %[[I]], %[[LAST]] : index
// CHECK:   %[[R:.*]] = arith.select %[[ONE]], %c0, %[[IN]] : index
// CHECK:   %[[V:.*]] = tensor.extract %[[Y]][%[[R]], %[[J]]] : tensor<?x4xf32>
// CHECK:   linalg.yield %[[V]] : f32
func.func @expand_runtime(%y: tensor<?x4xf32>, %s: tensor<2xi64>) -> tensor<?x4xf32> {
  %0 = xfmr.expand %y, %s : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
