// RUN: xfmr-opt %s --xfmr-codegen="precision=bf16 cpu=sapphirerapids" | FileCheck %s
// RUN: xfmr-opt %s --xfmr-codegen=cpu=x86-64-v4 | FileCheck %s --check-prefix=F32
// RUN: not xfmr-opt %s --xfmr-codegen="precision=bf16 cpu=x86-64-v3" 2>&1 | FileCheck %s --check-prefix=NOBF16

// The CPU pipeline with precision=bf16: the constant weight is packed into
// bf16 pairs, the activations are rounded to bf16 (fptrunc), and a block of
// 4 rows by one panel of 32 columns is 8 dot products per pair of k. The
// default precision keeps f32.

// CHECK: llvm.mlir.global private constant @{{.*}}(dense<2.500000e-01> : tensor<1x32x64xbf16>)
// CHECK: llvm.func internal @main(
// CHECK: llvm.fptrunc %{{.*}} : vector<16xf32> to vector<16xbf16>
// CHECK-COUNT-8: llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>
// CHECK-NOT: llvm.x86.avx512bf16.dpbf16ps

// F32-NOT: bf16

// NOBF16: --precision=bf16 needs a CPU with AVX512-BF16 (avx512bf16); CPU 'x86-64-v3' does not have it
func.func @main(%x: tensor<4x64xf32> {xfmr.name = "x"}) -> (tensor<4x32xf32> {xfmr.name = "y"}) {
  %w = arith.constant dense<0.25> : tensor<64x32xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<4x32xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x32xf32>) outs(%fill : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
