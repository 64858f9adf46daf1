// A 4-bit weight-only decode step (one row, blocks of 32 values) compiles
// to vector code that dequantizes whole registers: the bytes widened to
// 32-bit lanes (vpmovzxbd), the low nibbles masked (vpand) and the high
// ones shifted out (vpsrld), converted (vcvtdq2ps) and dequantized and
// accumulated by FMAs, on zmm registers for AVX-512 (znver4) and on ymm
// registers for AVX2 (x86-64-v3).
//
// RUN: xfmr-compile %s --emit=asm --mcpu=znver4 -o - | FileCheck %s --check-prefix=AVX512
// AVX512: vpmovzxbd {{.*}}%zmm
// AVX512: vpsrld $4, %zmm
// AVX512: vcvtdq2ps %zmm
// AVX512: vfmadd{{.*}}%zmm
//
// RUN: xfmr-compile %s --emit=asm --mcpu=x86-64-v3 -o - | FileCheck %s --check-prefix=AVX2
// AVX2-NOT: %zmm
// AVX2: vpmovzxbd {{.*}}%ymm
// AVX2: vpsrld $4, %ymm
// AVX2: vcvtdq2ps %ymm
// AVX2: vfmadd{{.*}}%ymm
// AVX2-NOT: %zmm

func.func @main(%x: tensor<1x256xf32>, %w: tensor<64x8x16xi8>, %s: tensor<64x8xf32>, %zp: tensor<64x8xf32>) -> tensor<1x64xf32> {
  %y = xfmr.linear %x, %w weight_quant(%s, %zp) {block_size = 32 : i64, transpose_weight} : (tensor<1x256xf32>, tensor<64x8x16xi8>, tensor<64x8xf32>, tensor<64x8xf32>) -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
