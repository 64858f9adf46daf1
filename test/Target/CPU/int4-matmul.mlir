// RUN: xfmr-opt %s --convert-xfmr-to-linalg --canonicalize --xfmr-cpu-int4-matmul --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --convert-xfmr-to-linalg --canonicalize --xfmr-cpu-int4-matmul="vector-bits=256 decode-cols=4 register-rows=2" --split-input-file | FileCheck %s --check-prefix=AVX2

// One row (a decode step): blocks of 8 columns (96 / 8 = 12 of them), a
// loop over the weight's 2 blocks two at a time, each column's 16 bytes
// widened, both nibbles unpacked over the whole vector and converted, their
// dot product with the even and odd inputs (a multiply and an FMA) scaled
// by the block's scale into one accumulator per column and unrolled block;
// the zero points come out of the loop: the input's sum over each block
// (a reduction before the blocks) times scale and zero point, summed per
// column over vectors of blocks and subtracted from the lanes' sum. With
// 256-bit vectors, 4 columns and vectors of 8 (two per block).

// CHECK-LABEL: func.func @decode
// CHECK: %[[XSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: -> tensor<1x2xf32>
// CHECK: scf.forall (%[[J:.*]], %[[I:.*]]) in (12, 1)
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step %[[C2:.*]] iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: %[[BYTES:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %[[B0:.*]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<96x2x16xi8>, vector<16xi8>
// CHECK: %[[WORDS:.*]] = arith.extui %[[BYTES]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[LO:.*]] = arith.andi %[[WORDS]], %{{.*}} : vector<16xi32>
// CHECK: %[[HI:.*]] = arith.shrui %[[WORDS]], %{{.*}} : vector<16xi32>
// CHECK: %[[LOF:.*]] = arith.sitofp %[[LO]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[HIF:.*]] = arith.sitofp %[[HI]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[XE:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %[[B0]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x2x16xf32>, vector<16xf32>
// CHECK: %[[XO:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %[[B0]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x2x16xf32>, vector<16xf32>
// CHECK: %[[P:.*]] = arith.mulf %[[XE]], %[[LOF]] : vector<16xf32>
// CHECK: %[[DOT:.*]] = math.fma %[[XO]], %[[HIF]], %[[P]] : vector<16xf32>
// CHECK: %[[S:.*]] = tensor.extract %{{.*}}[%{{.*}}, %[[B0]]] : tensor<96x2xf32>
// CHECK: %[[SV:.*]] = vector.broadcast %[[S]] : f32 to vector<16xf32>
// CHECK: math.fma %[[DOT]], %[[SV]], %{{.*}} : vector<16xf32>
// CHECK-NOT: arith.negf
// CHECK: scf.yield
// CHECK: scf.for %{{.*}} iter_args(%[[ZACC:.*]] = %{{.*}}) -> (vector<2xf32>)
// CHECK: %[[SS:.*]] = vector.transfer_read %{{.*}} : tensor<96x2xf32>, vector<2xf32>
// CHECK: %[[XS:.*]] = vector.transfer_read %[[XSUM]]{{.*}} : tensor<1x2xf32>, vector<2xf32>
// CHECK: %[[SX:.*]] = arith.mulf %[[SS]], %[[XS]]
// CHECK: %[[ZPV:.*]] = vector.transfer_read %{{.*}} : tensor<96x2xf32>, vector<2xf32>
// CHECK: %[[SXZ:.*]] = arith.mulf %[[SX]], %[[ZPV]]
// CHECK: arith.addf %[[ZACC]], %[[SXZ]]
// CHECK-DAG: %[[ZPS:.*]] = vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<2xf32> into f32
// CHECK-DAG: %[[DOTS:.*]] = vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<16xf32> into f32
// CHECK: arith.subf %[[DOTS]], %[[ZPS]]
// CHECK: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<1x96xf32>
// CHECK-NOT: linalg.generic {{.*}}"reduction"

// AVX2-LABEL: func.func @decode
// AVX2: scf.forall ({{.*}}) in (24, 1)
// AVX2-COUNT-2: vector.transfer_read %{{.*}} : tensor<96x2x16xi8>, vector<8xi8>
func.func @decode(%x: tensor<1x64xf32>, %w: tensor<96x2x16xi8>, %s: tensor<96x2xf32>, %zp: tensor<96x2xf32>) -> tensor<1x96xf32> {
  %y = xfmr.linear %x, %w weight_quant(%s, %zp) {block_size = 32 : i64, transpose_weight} : (tensor<1x64xf32>, tensor<96x2x16xi8>, tensor<96x2xf32>, tensor<96x2xf32>) -> tensor<1x96xf32>
  return %y : tensor<1x96xf32>
}

// -----

// One row with constant zero points, whole numbers: they are read as bytes
// (a constant [N, blocks] of i8), widened and converted per vector of
// blocks; 5 blocks (odd) are not unrolled and their zero points are read
// one block at a time.

// CHECK-LABEL: func.func @decode_byte_zero_points
// CHECK-DAG: %[[ZP:.*]] = arith.constant dense<{{\[\[}}1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15]]> : tensor<3x5xi8>
// CHECK: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: scf.for {{.*}} -> (vector<1xf32>)
// CHECK: vector.transfer_read %[[ZP]]{{.*}} : tensor<3x5xi8>, vector<1xi8>
// CHECK: arith.uitofp %{{.*}} : vector<1xi8> to vector<1xf32>

// AVX2-LABEL: func.func @decode_byte_zero_points
// AVX2: tensor<3x5xi8>, vector<1xi8>
func.func @decode_byte_zero_points(%x: tensor<1x80xf32>, %w: tensor<3x5x8xi8>, %s: tensor<3x5xf32>) -> tensor<1x3xf32> {
  %zp = xfmr.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0], [11.0, 12.0, 13.0, 14.0, 15.0]]> : tensor<3x5xf32>
  %y = xfmr.linear %x, %w weight_quant(%s, %zp) {block_size = 16 : i64, transpose_weight} : (tensor<1x80xf32>, tensor<3x5x8xi8>, tensor<3x5xf32>, tensor<3x5xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

// 37 rows by 7 columns, constant scales and zero points: blocks of 4 x 4
// (9 of rows, then the 37th row alone), the 3 columns left one at a time;
// -zp * scale is one constant, computed at compile time. Blocks of 16
// values make vectors of 8 lanes. The blocks of one row (the 37th row, and
// the columns left) take the decode form, the zero points as bytes.

// CHECK-LABEL: func.func @rows
// CHECK-DAG: %[[OFFSETS:.*]] = arith.constant dense<{{\[\[}}-1.000000e+00, -2.000000e+00], [-3.000000e+00, -4.000000e+00]{{.*}}]> : tensor<7x2xf32>
// CHECK-DAG: %[[BYTES:.*]] = arith.constant dense<{{\[\[}}1, 2], [3, 4]{{.*}}]> : tensor<7x2xi8>
// CHECK-DAG: %[[XSUM:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<37x2xf32>)
// CHECK: scf.forall ({{.*}}) in (1, 9)
// CHECK: tensor.extract %[[OFFSETS]]
// CHECK-NOT: arith.negf
// CHECK: vector<8xi8>
// CHECK-COUNT-8: math.fma %{{.*}} : vector<8xf32>
// CHECK: tensor.parallel_insert_slice %{{.*}} [4, 4] [1, 1] : tensor<4x4xf32> into tensor<37x7xf32>
// CHECK: scf.forall ({{.*}}) in (1, 1)
// CHECK: vector.transfer_read %[[XSUM]]
// CHECK: vector.transfer_read %[[BYTES]]
// CHECK: tensor.parallel_insert_slice %{{.*}} [1, 4] [1, 1] : tensor<1x4xf32> into tensor<37x7xf32>
// CHECK: scf.forall ({{.*}}) in (3, 37)
// CHECK: vector.transfer_read %[[BYTES]]
// CHECK: tensor.parallel_insert_slice %{{.*}} [1, 1] [1, 1] : tensor<1x1xf32> into tensor<37x7xf32>

// AVX2-LABEL: func.func @rows
// AVX2: scf.forall ({{.*}}) in (1, 18)
func.func @rows(%x: tensor<37x32xf32>, %w: tensor<7x2x8xi8>) -> tensor<37x7xf32> {
  %s = xfmr.constant dense<1.0> : tensor<7x2xf32>
  %zp = xfmr.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 10.0], [11.0, 12.0], [13.0, 14.0]]> : tensor<7x2xf32>
  %y = xfmr.linear %x, %w weight_quant(%s, %zp) {block_size = 16 : i64, transpose_weight} : (tensor<37x32xf32>, tensor<7x2x8xi8>, tensor<7x2xf32>, tensor<7x2xf32>) -> tensor<37x7xf32>
  return %y : tensor<37x7xf32>
}

// -----

// Not the contraction of a 4-bit layer: an f32 matmul stays a generic.

// CHECK-LABEL: func.func @float_matmul
// CHECK: linalg.generic
// CHECK-NOT: scf.forall
func.func @float_matmul(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %y = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
