// RUN: xfmr-opt %s --convert-xfmr-to-linalg --canonicalize --xfmr-cpu-int4-matmul --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --convert-xfmr-to-linalg --canonicalize --xfmr-cpu-int4-matmul="vector-bits=256 decode-cols=4 register-rows=2" --split-input-file | FileCheck %s --check-prefix=AVX2

// One row (a decode step): blocks of 8 columns (96 / 8 = 12 of them), a
// loop over the weight's 2 blocks, each column's 16 bytes widened, both
// nibbles unpacked over the whole vector, dequantized by one FMA with the
// block's scale and -zp * scale, then two FMAs with the even and odd
// inputs; the lanes are summed once at the end. With 256-bit vectors, 4
// columns and vectors of 8 (two per block).

// CHECK-LABEL: func.func @decode
// CHECK: scf.forall (%[[J:.*]], %[[I:.*]]) in (12, 1)
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: %[[S:.*]] = tensor.extract %{{.*}}[%{{.*}}, %[[B]]] : tensor<96x2xf32>
// CHECK: %[[SV:.*]] = vector.broadcast %[[S]] : f32 to vector<16xf32>
// CHECK: %[[ZP:.*]] = tensor.extract %{{.*}}[%{{.*}}, %[[B]]] : tensor<96x2xf32>
// CHECK: %[[ZS:.*]] = arith.mulf %[[ZP]], %[[S]]
// CHECK: %[[OFF:.*]] = arith.negf %[[ZS]]
// CHECK: %[[OV:.*]] = vector.broadcast %[[OFF]] : f32 to vector<16xf32>
// CHECK: %[[XE:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %[[B]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x2x16xf32>, vector<16xf32>
// CHECK: %[[XO:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %[[B]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x2x16xf32>, vector<16xf32>
// CHECK: %[[BYTES:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %[[B]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<96x2x16xi8>, vector<16xi8>
// CHECK: %[[WORDS:.*]] = arith.extui %[[BYTES]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[LO:.*]] = arith.andi %[[WORDS]], %{{.*}} : vector<16xi32>
// CHECK: %[[LOF:.*]] = arith.sitofp %[[LO]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[WLO:.*]] = math.fma %[[LOF]], %[[SV]], %[[OV]] : vector<16xf32>
// CHECK: %[[HI:.*]] = arith.shrui %[[WORDS]], %{{.*}} : vector<16xi32>
// CHECK: %[[HIF:.*]] = arith.sitofp %[[HI]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[WHI:.*]] = math.fma %[[HIF]], %[[SV]], %[[OV]] : vector<16xf32>
// CHECK: %[[A:.*]] = math.fma %[[XE]], %[[WLO]], %{{.*}} : vector<16xf32>
// CHECK: math.fma %[[XO]], %[[WHI]], %[[A]] : vector<16xf32>
// CHECK: vector.reduction <add>, %{{.*}} : vector<16xf32> into f32
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

// 37 rows by 7 columns, constant scales and zero points: blocks of 4 x 4
// (9 of rows, then the 37th row alone), the 3 columns left one at a time;
// -zp * scale is one constant, computed at compile time. Blocks of 16
// values make vectors of 8 lanes.

// CHECK-LABEL: func.func @rows
// CHECK-DAG: %[[OFFSETS:.*]] = arith.constant dense<{{\[\[}}-1.000000e+00, -2.000000e+00], [-3.000000e+00, -4.000000e+00]{{.*}}]> : tensor<7x2xf32>
// CHECK: scf.forall ({{.*}}) in (1, 9)
// CHECK: tensor.extract %[[OFFSETS]]
// CHECK-NOT: arith.negf
// CHECK: vector<8xi8>
// CHECK-COUNT-8: math.fma %{{.*}} : vector<8xf32>
// CHECK: tensor.parallel_insert_slice %{{.*}} [4, 4] [1, 1] : tensor<4x4xf32> into tensor<37x7xf32>
// CHECK: scf.forall ({{.*}}) in (1, 1)
// CHECK: tensor.parallel_insert_slice %{{.*}} [1, 4] [1, 1] : tensor<1x4xf32> into tensor<37x7xf32>
// CHECK: scf.forall ({{.*}}) in (3, 37)
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

// Not the contraction of a matmul_nbits: an f32 matmul stays a generic.

// CHECK-LABEL: func.func @float_matmul
// CHECK: linalg.generic
// CHECK-NOT: scf.forall
func.func @float_matmul(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %y = xfmr.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
