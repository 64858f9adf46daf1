// RUN: xfmr-opt %s --xfmr-cpu-tile-and-vectorize | FileCheck %s
// RUN: xfmr-opt %s --xfmr-cpu-tile-and-vectorize="vector-width=8 register-rows=6 register-cols=16 single-row-cols=32" | FileCheck %s --check-prefix=AVX2

#id1 = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// A static elementwise op: 16 lanes on the innermost dim; 40 = 2 x 16 + 8,
// so the last tile is masked.

// CHECK-LABEL: func.func @elementwise_static
// CHECK:       scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (4, 40) step (1, 16)
// CHECK:         %[[W:.*]] = affine.min #{{.*}}(%[[J]])
// CHECK:         %[[A:.*]] = tensor.extract_slice %{{.*}}[%[[I]], %[[J]]] [1, %[[W]]]
// CHECK:         %[[MASK:.*]] = vector.create_mask %[[W]] : vector<16xi1>
// CHECK:         %[[X:.*]] = vector.transfer_read %[[A]][%c0, %c0], %{{.*}}, %[[MASK]] {{.*}} : tensor<1x?xf32>, vector<16xf32>
// CHECK:         %[[Y:.*]] = vector.transfer_read {{.*}}, %[[MASK]] {{.*}} : tensor<1x?xf32>, vector<16xf32>
// CHECK:         %[[SUM:.*]] = arith.addf %[[X]], %[[Y]] : vector<16xf32>
// CHECK:         %[[EXP:.*]] = math.exp %[[SUM]] : vector<16xf32>
// CHECK:         vector.transfer_write %[[EXP]], %{{.*}}, %[[MASK]]
// CHECK:         tensor.parallel_insert_slice
func.func @elementwise_static(%a: tensor<4x40xf32>, %b: tensor<4x40xf32>)
    -> tensor<4x40xf32> {
  %init = tensor.empty() : tensor<4x40xf32>
  %0 = linalg.generic {indexing_maps = [#id2, #id2, #id2],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<4x40xf32>, tensor<4x40xf32>)
      outs(%init : tensor<4x40xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %e = math.exp %s : f32
    linalg.yield %e : f32
  } -> tensor<4x40xf32>
  return %0 : tensor<4x40xf32>
}

// A dim smaller than the vector width is one tile of its own size: no mask.

// CHECK-LABEL: func.func @elementwise_narrow
// CHECK:       scf.forall (%{{.*}}) in (64)
// CHECK-NOT:     vector.create_mask
// CHECK:         vector.transfer_read {{.*}} : tensor<64x8xf32>, vector<8xf32>
// CHECK:         arith.negf {{.*}} : vector<8xf32>
func.func @elementwise_narrow(%a: tensor<64x8xf32>) -> tensor<64x8xf32> {
  %init = tensor.empty() : tensor<64x8xf32>
  %0 = linalg.generic {indexing_maps = [#id2, #id2],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<64x8xf32>) outs(%init : tensor<64x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<64x8xf32>
  return %0 : tensor<64x8xf32>
}

// Dynamic dims: every tile is masked by what is left of the row.

// CHECK-LABEL: func.func @elementwise_dynamic
// CHECK:       scf.forall (%{{.*}}, %[[J:.*]]) = (0, 0) to (%{{.*}}, %[[N:.*]]) step (1, 16)
// CHECK:         %[[W:.*]] = affine.min #{{.*}}(%[[J]])[%[[N]]]
// CHECK:         %[[MASK:.*]] = vector.create_mask %[[W]] : vector<16xi1>
// CHECK:         vector.transfer_read {{.*}}, %[[MASK]] {{.*}} : tensor<1x?xf32>, vector<16xf32>
// CHECK:         math.tanh {{.*}} : vector<16xf32>
// CHECK:         vector.transfer_write {{.*}}, %[[MASK]]
func.func @elementwise_dynamic(%a: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %n = tensor.dim %a, %c1 : tensor<?x?xf32>
  %init = tensor.empty(%m, %n) : tensor<?x?xf32>
  %0 = linalg.generic {indexing_maps = [#id2, #id2],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<?x?xf32>) outs(%init : tensor<?x?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.tanh %x : f32
    linalg.yield %e : f32
  } -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// A reduction over the innermost dim: rows in parallel; along a row, 16
// lane-wise partial sums in a vector carried by the loop (one add per step),
// the partial step peeled off with masks, and one reduction across the
// lanes at the end.

// CHECK-LABEL: func.func @row_sum
// CHECK-DAG:   %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK-DAG:   %[[N:.*]] = tensor.dim %{{.*}}, %c1
// CHECK:       scf.forall (%[[I:.*]]) in (%{{.*}})
// CHECK:         %[[FULL:.*]] = affine.apply #{{.*}}()[%[[N]]]
// CHECK:         %[[PARTS:.*]] = scf.for %[[K:.*]] = %c0 to %[[FULL]] step %c16 iter_args(%[[P:.*]] = %[[ZERO]]) -> (vector<16xf32>)
// CHECK:           %[[X:.*]] = vector.transfer_read %{{.*}}[%[[I]], %[[K]]]{{.*}} : tensor<?x?xf32>, vector<16xf32>
// CHECK:           %[[S:.*]] = arith.addf %[[X]], %[[P]] : vector<16xf32>
// CHECK:           scf.yield %[[S]] : vector<16xf32>
// CHECK:         %[[REST:.*]] = scf.for %{{.*}} = %[[FULL]] to %[[N]] step %c16
// CHECK:           vector.create_mask %{{.*}} : vector<16xi1>
// CHECK:         vector.multi_reduction <add>, %{{.*}}, %{{.*}} [1] : vector<1x16xf32> to vector<1xf32>
func.func @row_sum(%a: tensor<?x?xf32>, %init: tensor<?xf32>) -> tensor<?xf32> {
  %0 = linalg.generic {indexing_maps = [#id2, #row],
                       iterator_types = ["parallel", "reduction"]}
      ins(%a : tensor<?x?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// A matmul-like generic [b, m, n, k] (rhs broadcast over the batch): a
// block of 8 rows x 32 lanes of accumulators carried through the k loop,
// one rank-1 update (vector.contract of 8x1 by 1x32) per step. Blocks of
// the same columns are consecutive (rows innermost), and the batch dim is
// dropped from the block.

// CHECK-LABEL: func.func @batch_matmul
// CHECK:       scf.forall (%[[B:.*]], %[[N:.*]], %[[M:.*]]) = (0, 0, 0) to (2, 64, 64) step (1, 32, 8)
// CHECK:         %[[INIT:.*]] = vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:         %[[ACC:.*]] = scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args(%[[A:.*]] = %[[INIT]]) -> (vector<8x32xf32>)
// CHECK:           %[[L:.*]] = vector.transfer_read %{{.*}}[%[[B]], %[[M]], %[[K]]]{{.*}} vector<8x1xf32>
// CHECK:           %[[R:.*]] = vector.transfer_read %{{.*}}[%[[K]], %[[N]]]{{.*}} vector<32xf32>
// CHECK:           %[[RB:.*]] = vector.broadcast %[[R]] : vector<32xf32> to vector<1x32xf32>
// CHECK:           %[[C:.*]] = vector.contract {{.*}} %[[L]], %[[RB]], %[[A]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:           scf.yield %[[C]]
// CHECK:         vector.transfer_write %[[ACC]]
func.func @batch_matmul(%a: tensor<2x64x32xf32>, %b: tensor<32x64xf32>,
                        %init: tensor<2x64x64xf32>) -> tensor<2x64x64xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                       affine_map<(b, m, n, k) -> (k, n)>,
                       affine_map<(b, m, n, k) -> (b, m, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<2x64x32xf32>, tensor<32x64xf32>)
      outs(%init : tensor<2x64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x64x64xf32>
  return %0 : tensor<2x64x64xf32>
}

// Dynamic m and n: the reads and writes of partial register blocks are
// masked, the contraction is not (its k step is always full). The k loop
// has a copy without masks for the blocks that are full.

// CHECK-LABEL: func.func @matmul_dynamic
// CHECK:       scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (%{{.*}}, %{{.*}}) step (32, 8)
// CHECK:         %[[COLS:.*]] = affine.min
// CHECK:         %[[ROWS:.*]] = affine.min
// CHECK:         %[[LHSMASK:.*]] = vector.create_mask %[[ROWS]], %c1 : vector<8x1xi1>
// CHECK:         %[[MASK:.*]] = vector.create_mask %{{.*}}, %{{.*}} : vector<8x32xi1>
// CHECK:         %[[INIT:.*]] = vector.transfer_read {{.*}}, %[[MASK]] {{.*}} : tensor<?x?xf32>, vector<8x32xf32>
// CHECK:         %[[FULLROWS:.*]] = arith.cmpi sge, %[[ROWS]], %c8
// CHECK:         %[[FULLCOLS:.*]] = arith.cmpi sge, %[[COLS]], %c32
// CHECK:         %[[FULL:.*]] = arith.andi %[[FULLROWS]], %[[FULLCOLS]]
// CHECK:         %[[ACC:.*]] = scf.if %[[FULL]] -> (vector<8x32xf32>)
// CHECK:           scf.for {{.*}} iter_args(%[[A:.*]] = %[[INIT]]) -> (vector<8x32xf32>)
// CHECK-NOT:         vector.mask
// CHECK:             %[[L:.*]] = vector.transfer_read {{.*}} {in_bounds = [true, true]} : tensor<?x1xf32>, vector<8x1xf32>
// CHECK:             %[[C:.*]] = vector.contract {{.*}} %[[L]], %{{.*}}, %[[A]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:             scf.yield %[[C]]
// CHECK:         } else {
// CHECK:           scf.for {{.*}} iter_args(%[[A:.*]] = %[[INIT]]) -> (vector<8x32xf32>)
// CHECK-NOT:         vector.mask
// CHECK:             vector.transfer_read {{.*}}, %[[LHSMASK]] {{.*}} : tensor<?x1xf32>, vector<8x1xf32>
// CHECK:             %[[C:.*]] = vector.contract {{.*}}, %[[A]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:             scf.yield %[[C]]
// CHECK:         vector.transfer_write %[[ACC]], {{.*}}, %[[MASK]]
func.func @matmul_dynamic(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>,
                          %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x?xf32>)
                     outs(%init : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// linalg.softmax is decomposed into structured ops, each tiled and
// vectorized.

// CHECK-LABEL: func.func @softmax
// CHECK-NOT:   linalg.softmax
// CHECK:       scf.forall
// CHECK:         math.exp {{.*}} : vector<16xf32>
// CHECK:       scf.forall
// CHECK:         arith.divf {{.*}} : vector<16xf32>
func.func @softmax(%a: tensor<8x100xf32>) -> tensor<8x100xf32> {
  %init = tensor.empty() : tensor<8x100xf32>
  %0 = linalg.softmax dimension(1) ins(%a : tensor<8x100xf32>)
                                    outs(%init : tensor<8x100xf32>)
                                    -> tensor<8x100xf32>
  return %0 : tensor<8x100xf32>
}

// A gather the vectorizer does not take (the index is loaded from a tensor
// inside the body) stays a scalar op inside its tile loops.

// CHECK-LABEL: func.func @gather
// CHECK:       scf.forall
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%{{.*}} : tensor<1x?xi64>) outs(%{{.*}} : tensor<1x?xf32>)
// CHECK:           tensor.extract
func.func @gather(%table: tensor<100x?xf32>, %ids: tensor<?x?xi64>,
                  %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = linalg.generic {indexing_maps = [#id2, #id2],
                       iterator_types = ["parallel", "parallel"]}
      ins(%ids : tensor<?x?xi64>) outs(%init : tensor<?x?xf32>) {
  ^bb0(%id: i64, %o: f32):
    %r = arith.index_cast %id : i64 to index
    %c = linalg.index 1 : index
    %v = tensor.extract %table[%r, %c] : tensor<100x?xf32>
    linalg.yield %v : f32
  } -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// A reduction whose body reads its indices (a gather) keeps one accumulator
// rather than lane-wise partial results, and reads at the loop's index.
// CHECK-LABEL: func.func @gather_sum
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}}[%[[I]], %{{.*}}] : tensor<3x5xf32>
func.func @gather_sum(%x: tensor<3x5xf32>, %t: tensor<3x2xindex>) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<f32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<f32>) -> tensor<f32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%t : tensor<3x2xindex>) outs(%acc : tensor<f32>) {
  ^bb0(%j: index, %out: f32):
    %i = linalg.index 0 : index
    %v = tensor.extract %x[%i, %j] : tensor<3x5xf32>
    %s = arith.addf %out, %v : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// A row value broadcast along the reduction (softmax's max in its sum of
// exponentials) ends in the output's innermost dim, like a matmul's rhs,
// but runs along no reduction: the lanes stay on the reduction, reading
// each row contiguously, and are summed once per row.
// CHECK-LABEL: func.func @sum_of_shifted_exponentials
// CHECK:       scf.forall (%[[R:.*]], %[[C:.*]]) in (12, 128)
// CHECK:         %[[MAX:.*]] = vector.transfer_read {{.*}} : tensor<12x128xf32>, vector<16xf32>
// CHECK:         scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<16xf32>)
// CHECK:           vector.transfer_read %{{.*}}[%[[R]], %[[C]], %[[K]]]{{.*}} : tensor<12x128x128xf32>, vector<16xf32>
// CHECK:           math.exp %{{.*}} : vector<16xf32>
// CHECK:         vector.multi_reduction <add>
func.func @sum_of_shifted_exponentials(%x: tensor<12x128x128xf32>,
                                       %max: tensor<12x128xf32>)
    -> tensor<12x128xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<12x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<12x128xf32>)
      -> tensor<12x128xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                                        affine_map<(d0, d1, d2) -> (d0, d1)>,
                                        affine_map<(d0, d1, d2) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %max : tensor<12x128x128xf32>, tensor<12x128xf32>)
      outs(%acc : tensor<12x128xf32>) {
  ^bb0(%v: f32, %m: f32, %out: f32):
    %d = arith.subf %v, %m : f32
    %e = math.exp %d : f32
    %s = arith.addf %out, %e : f32
    linalg.yield %s : f32
  } -> tensor<12x128xf32>
  return %0 : tensor<12x128xf32>
}

// A contraction over a packed weight ([panel, k, lane], from
// xfmr-cpu-pack-weights) with its zero fill and a bias + ReLU epilogue: one
// loop of 8x32 blocks (the unit panel dim dropped), each initialized to
// zero, accumulated over k and finished in registers before its only store.

// CHECK-LABEL: func.func @packed_matmul_epilogue
// CHECK-DAG:   %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK:       scf.forall (%[[J:.*]], %[[M:.*]]) = (0, 0) to (2, 16) step (1, 8)
// CHECK-NOT:     scf.forall
// CHECK:         %[[ACC:.*]] = scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args(%[[A:.*]] = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK:           vector.transfer_read %{{.*}}[%[[M]], %[[K]]]{{.*}} : tensor<16x32xf32>, vector<8x1xf32>
// CHECK:           vector.transfer_read %{{.*}}[%[[J]], %[[K]], %c0]{{.*}} : tensor<2x32x32xf32>, vector<32xf32>
// CHECK:           vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:         %[[BIAS:.*]] = vector.transfer_read %{{.*}}[%[[J]], %c0]{{.*}} : tensor<2x32xf32>, vector<8x32xf32>
// CHECK:         %[[SUM:.*]] = arith.addf %[[ACC]], %[[BIAS]] : vector<8x32xf32>
// CHECK:         %[[RELU:.*]] = arith.maximumf %[[SUM]], %{{.*}} : vector<8x32xf32>
// CHECK:         vector.transfer_write %[[RELU]]
// CHECK-NOT:     vector.transfer_write
// CHECK:         scf.forall.in_parallel
func.func @packed_matmul_epilogue(%x: tensor<16x32xf32>, %w: tensor<2x32x32xf32>,
                                  %bias: tensor<2x32xf32>) -> tensor<16x2x32xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<16x2x32xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<16x2x32xf32>) -> tensor<16x2x32xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(m, j, r, k) -> (m, k)>,
                       affine_map<(m, j, r, k) -> (j, k, r)>,
                       affine_map<(m, j, r, k) -> (m, j, r)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<16x32xf32>, tensor<2x32x32xf32>)
      outs(%fill : tensor<16x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x2x32xf32>
  %out = tensor.empty() : tensor<16x2x32xf32>
  %1 = linalg.generic {
      indexing_maps = [affine_map<(m, j, r) -> (m, j, r)>,
                       affine_map<(m, j, r) -> (j, r)>,
                       affine_map<(m, j, r) -> (m, j, r)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%0, %bias : tensor<16x2x32xf32>, tensor<2x32xf32>)
      outs(%out : tensor<16x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<16x2x32xf32>
  return %1 : tensor<16x2x32xf32>
}

// The rows of a register block pad a static m the least: with blocks of up
// to 6 rows (AVX2), 128 rows are 32 blocks of 4, not 21 of 6 and a masked
// block of 2; 197 rows are 33 blocks of 6 (198). With 8 (AVX-512), 128
// rows are blocks of 8 and 197 blocks of 6.

// CHECK-LABEL: func.func @matmul_rows
// CHECK:       scf.forall ({{.*}}) = (0) to (128) step (8)
// CHECK:       scf.forall ({{.*}}) = (0) to (197) step (6)
// AVX2-LABEL:  func.func @matmul_rows
// AVX2:        scf.forall ({{.*}}) = (0) to (128) step (4)
// AVX2:          vector.contract {{.*}} : vector<4x1xf32>, vector<1x16xf32> into vector<4x16xf32>
// AVX2:        scf.forall ({{.*}}) = (0) to (197) step (6)
// AVX2:          vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
func.func @matmul_rows(%a: tensor<128x8xf32>, %b: tensor<8x16xf32>,
                       %c: tensor<128x16xf32>, %d: tensor<197x8xf32>,
                       %e: tensor<197x16xf32>)
    -> (tensor<128x16xf32>, tensor<197x16xf32>) {
  %0 = linalg.matmul ins(%a, %b : tensor<128x8xf32>, tensor<8x16xf32>)
      outs(%c : tensor<128x16xf32>) -> tensor<128x16xf32>
  %1 = linalg.matmul ins(%d, %b : tensor<197x8xf32>, tensor<8x16xf32>)
      outs(%e : tensor<197x16xf32>) -> tensor<197x16xf32>
  return %0, %1 : tensor<128x16xf32>, tensor<197x16xf32>
}

// One row (a matrix-vector product) gets a block of single-row-cols: four
// vectors of columns with AVX2, four independent FMA chains rather than
// two (the default of single-row-cols is register-cols).

// CHECK-LABEL: func.func @single_row
// CHECK:       scf.forall ({{.*}}) = (0) to (64) step (32)
// CHECK:         vector.contract {{.*}} : vector<1xf32>, vector<1x32xf32> into vector<32xf32>
// AVX2-LABEL:  func.func @single_row
// AVX2:        scf.forall ({{.*}}) = (0) to (64) step (32)
// AVX2:          vector.contract {{.*}} : vector<1xf32>, vector<1x32xf32> into vector<32xf32>
func.func @single_row(%a: tensor<1x8xf32>, %b: tensor<8x64xf32>,
                      %c: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<1x8xf32>, tensor<8x64xf32>)
      outs(%c : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}
