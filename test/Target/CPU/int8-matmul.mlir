// RUN: xfmr-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(xfmr-cpu-int8-matmul,xfmr-cpu-int8-matmul-intrinsics))' | FileCheck %s
// RUN: xfmr-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(xfmr-cpu-int8-matmul{vector-bits=256 vnni=false register-rows=6},xfmr-cpu-int8-matmul-intrinsics))' | FileCheck %s --check-prefix=AVX2

// x [9, 6] u8 times a constant int8 W [6, 3] (K not a multiple of 4, N
// narrower than a panel). VNNI: W packed as [1, 2, 128] (one panel of 32
// columns, two groups of 4 rows, each column's 4 bytes side by side, zeros
// past K and N), x padded to 8 columns; rows in one block of 8 and one of 1,
// two vpdpbusd per row and step; the [9, 32] result sliced back to [9, 3].

// CHECK-LABEL: func.func @matmul
// CHECK:         %[[FLAT:.*]] = arith.constant dense<"0x0104070A0205080B0306090C00000000{{0*}}0D1000000E1100000F120000{{0*}}"> : tensor<256xi8>
// CHECK:         %[[W:.*]] = tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1, 2]] output_shape [1, 2, 128]
// CHECK:         %[[X:.*]] = tensor.pad %{{.*}} low[0, 0] high[0, 2]
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (1, %{{.*}})
// CHECK:           scf.for
// CHECK-COUNT-2:     vector.transfer_read %[[W]]
// CHECK:             vector.transfer_read %[[X]]{{.*}} : tensor<9x8xi8>, vector<4xi8>
// CHECK:             vector.bitcast %{{.*}} : vector<4xi8> to vector<1xi32>
// CHECK-COUNT-16:    llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK:         scf.forall
// CHECK-COUNT-2:   llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT:       llvm.call_intrinsic
// CHECK:         tensor.extract_slice %{{.*}}[0, 0] [9, 3] [1, 1] : tensor<9x32xi32> to tensor<9x3xi32>

// Without VNNI, on 9 rows (bound by the multiply pipes): the weight widened
// to i16 pairs [1, 3, 32], x zero-extended to i16; blocks of 6 rows, then
// rows one at a time; vpmaddwd and an add per vector.

// AVX2-LABEL: func.func @matmul
// AVX2:         arith.constant dense<[1, 4, 2, 5, 3, 6, 0, 0, {{(0, )*}}7, 10, 8, 11, 9, 12, 0, 0,
// AVX2-SAME:      : tensor<96xi16>
// AVX2:         tensor.expand_shape %{{.*}} output_shape [1, 3, 32]
// AVX2:         arith.extui %{{.*}} : i8 to i16
// AVX2:         scf.for
// AVX2-COUNT-12: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2-NOT:     vpdpbusd
func.func @matmul(%x: tensor<9x6xi8>) -> tensor<9x3xi32> {
  %w = arith.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13, 14, 15], [16, 17, 18]]> : tensor<6x3xi8>
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<9x3xi32>
  %fill = linalg.fill ins(%zero : i32) outs(%empty : tensor<9x3xi32>) -> tensor<9x3xi32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<9x6xi8>, tensor<6x3xi8>) outs(%fill : tensor<9x3xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = arith.extui %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<9x3xi32>
  return %y : tensor<9x3xi32>
}

// -----

// Without VNNI (256 bits), on 3 rows (bound by reading the weights) of a W
// without -128: W packed as for VNNI ([1, 2, 64] at 16 columns), x shifted
// to x - 128 and its magnitude, once; the accumulators start at
// 128 * colsum(W) (128 * 51 = 6528, ...); one block of 3 rows; per row and
// vector vpsignb, vpmaddubsw, vpmaddwd by ones and an add.

// CHECK-LABEL: func.func @few_rows
// AVX2-LABEL: func.func @few_rows
// AVX2:         %[[FLAT:.*]] = arith.constant dense<"0x0104070A0205080B0306090C{{0*}}0D1000000E1100000F12{{0*}}"> : tensor<128xi8>
// AVX2:         %[[W:.*]] = tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1, 2]] output_shape [1, 2, 64]
// AVX2:         %[[SUMS:.*]] = arith.constant dense<[6528, 7296, 8064, 0, {{(0, )*}}0]> : tensor<16xi32>
// AVX2:         linalg.generic
// AVX2:           %[[C:.*]] = arith.xori %{{.*}}, %c-128_i8 : i8
// AVX2:           %[[NEG:.*]] = arith.subi %{{.*}}, %[[C]] : i8
// AVX2:           %[[LT:.*]] = arith.cmpi slt, %[[C]]
// AVX2:           %[[ABS:.*]] = arith.select %[[LT]], %[[NEG]], %[[C]] : i8
// AVX2:           linalg.yield %[[C]], %[[ABS]] : i8, i8
// AVX2:         scf.forall
// AVX2:           vector.transfer_read %[[SUMS]]
// AVX2:           vector.transfer_read %[[SUMS]]
// AVX2:           scf.for
// AVX2-COUNT-2:     vector.transfer_read %[[W]]
// AVX2:             llvm.call_intrinsic "llvm.x86.avx2.psign.b"(%{{.*}}, %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<32xi8>
// AVX2:             llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%{{.*}}, %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2:             llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2-COUNT-5:     llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// AVX2-NOT:         llvm.call_intrinsic
// AVX2:           scf.yield
// AVX2-NOT:     scf.forall (

func.func @few_rows(%x: tensor<3x6xi8>) -> tensor<3x3xi32> {
  %w = arith.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13, 14, 15], [16, 17, 18]]> : tensor<6x3xi8>
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<3x3xi32>
  %fill = linalg.fill ins(%zero : i32) outs(%empty : tensor<3x3xi32>) -> tensor<3x3xi32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<3x6xi8>, tensor<6x3xi8>) outs(%fill : tensor<3x3xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = arith.extui %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<3x3xi32>
  return %y : tensor<3x3xi32>
}

// -----

// A signed activation (extsi) is not the u8 x s8 product: left alone.

// CHECK-LABEL: func.func @signed_activation
// CHECK:         linalg.generic
// CHECK-NOT:     llvm.call_intrinsic
func.func @signed_activation(%x: tensor<4x8xi8>) -> tensor<4x3xi32> {
  %w = arith.constant dense<1> : tensor<8x3xi8>
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<4x3xi32>
  %fill = linalg.fill ins(%zero : i32) outs(%empty : tensor<4x3xi32>) -> tensor<4x3xi32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<4x8xi8>, tensor<8x3xi8>) outs(%fill : tensor<4x3xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<4x3xi32>
  return %y : tensor<4x3xi32>
}

// -----

// A -128 in W, whose sign vpsignb cannot flip: without VNNI even 3 rows
// get the weight widened to i16 pairs ([1, 4, 32]), x zero-extended to
// i16, vpmaddwd and an add per vector.

// CHECK-LABEL: func.func @int8_min_weight
// AVX2-LABEL: func.func @int8_min_weight
// AVX2:         arith.constant dense<"0x80FF01000100{{.*}}"> : tensor<128xi16>
// AVX2:         tensor.expand_shape %{{.*}} output_shape [1, 4, 32]
// AVX2:         arith.extui %{{.*}} : i8 to i16
// AVX2:         scf.for
// AVX2-COUNT-6: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2-NOT:     psign
func.func @int8_min_weight(%x: tensor<3x8xi8>) -> tensor<3x3xi32> {
  %w = arith.constant dense<[[-128, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]]> : tensor<8x3xi8>
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<3x3xi32>
  %fill = linalg.fill ins(%zero : i32) outs(%empty : tensor<3x3xi32>) -> tensor<3x3xi32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<3x8xi8>, tensor<8x3xi8>) outs(%fill : tensor<3x3xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = arith.extui %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<3x3xi32>
  return %y : tensor<3x3xi32>
}

// -----

// Rows of a symbolic count: full blocks of 8, then the rows left (fewer
// than 8) as blocks of 4, 2 and 1 rows, each run once or not at all
// (bit 2, 1 and 0 of the count left), so that 1 to 7 rows read each
// weight once per block rather than once per row.

// CHECK-LABEL: func.func @symbolic_rows
// CHECK:         %[[M:.*]] = tensor.dim %{{.*}} : tensor<?x3xi32>
// CHECK:         %[[FULL:.*]] = arith.divui %[[M]], %c8{{(_[0-9]+)?}}
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (1, %[[FULL]])
// CHECK-COUNT-16:  llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK:         %[[DONE:.*]] = arith.muli %[[FULL]], %c8{{(_[0-9]+)?}}
// CHECK:         %[[LEFT:.*]] = arith.subi %[[M]], %[[DONE]]
// CHECK:         %[[Q4:.*]] = arith.divui %[[LEFT]], %c4{{(_[0-9]+)?}}
// CHECK:         %[[N4:.*]] = arith.remui %[[Q4]], %c2{{(_[0-9]+)?}}
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (1, %[[N4]])
// CHECK-COUNT-8:   llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK:         %[[Q2:.*]] = arith.divui %[[LEFT]], %c2{{(_[0-9]+)?}}
// CHECK:         %[[N2:.*]] = arith.remui %[[Q2]], %c2{{(_[0-9]+)?}}
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (1, %[[N2]])
// CHECK-COUNT-4:   llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK:         %[[Q1:.*]] = arith.divui %[[LEFT]], %c1{{(_[0-9]+)?}}
// CHECK:         %[[N1:.*]] = arith.remui %[[Q1]], %c2{{(_[0-9]+)?}}
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (1, %[[N1]])
// CHECK-COUNT-2:   llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT:     scf.forall (
func.func @symbolic_rows(%x: tensor<?x8xi8>) -> tensor<?x3xi32> {
  %w = arith.constant dense<1> : tensor<8x3xi8>
  %zero = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x8xi8>
  %empty = tensor.empty(%m) : tensor<?x3xi32>
  %fill = linalg.fill ins(%zero : i32) outs(%empty : tensor<?x3xi32>) -> tensor<?x3xi32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<?x8xi8>, tensor<8x3xi8>) outs(%fill : tensor<?x3xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = arith.extui %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<?x3xi32>
  return %y : tensor<?x3xi32>
}
