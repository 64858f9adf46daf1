// RUN: xfmr-opt %s --xfmr-nvptx-tensor-core-matmul | FileCheck %s
// RUN: xfmr-opt %s --xfmr-nvptx-tensor-core-matmul=precision=tf32 | FileCheck %s --check-prefix=TF32
// RUN: not xfmr-opt %s --xfmr-nvptx-tensor-core-matmul=precision=bf16 2>&1 | FileCheck %s --check-prefix=BAD

#a = affine_map<(b, m, n, k) -> (b, m, k)>
#bt = affine_map<(b, m, n, k) -> (n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>

// A batched projection with a transposed, broadcast weight: one warp per
// 16x8 tile (grid 3 x 2 x 2 for n = 20, m = 30, batch = 2), f16 fragments
// read through the indexing maps, C accumulated from its initial values.
// CHECK-LABEL: func.func @projection
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c3, %{{.*}} = %c2{{(_[0-9]+)?}}, %{{.*}} = %c2{{(_[0-9]+)?}}) threads({{.*}}) in (%{{.*}} = %c32, {{.*}} module(@xfmr_kernels)
// CHECK: memref.load %arg2
// CHECK: %[[ACC:.*]] = vector.from_elements {{.*}} : vector<2x2xf32>
// CHECK: scf.for {{.*}} step %c16{{.*}} iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<2x2xf32>)
// CHECK: memref.load %arg0
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: memref.load %arg1
// CHECK: %[[AF:.*]] = vector.from_elements {{.*}} : vector<4x2xf16>
// CHECK: %[[BF:.*]] = vector.from_elements {{.*}} : vector<2x2xf16>
// CHECK: nvgpu.mma.sync(%[[AF]], %[[BF]], %[[A]]) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-COUNT-4: memref.store {{.*}}, %arg2
// CHECK-NOT: linalg.generic
// TF32-LABEL: func.func @projection
// TF32: scf.for {{.*}} step %c8
// TF32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// BAD: tensor cores take f16 or tf32 operands, not 'bf16'
func.func @projection(%x: memref<2x30x40xf32>, %w: memref<20x40xf32>, %y: memref<2x30x20xf32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<2x30x40xf32>, memref<20x40xf32>) outs(%y : memref<2x30x20xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// Not a contraction (a product without a sum): left alone.
// CHECK-LABEL: func.func @not_a_contraction
// CHECK: linalg.generic
// CHECK-NOT: nvgpu.mma.sync
func.func @not_a_contraction(%x: memref<4x4xf32>, %y: memref<4x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x4xf32>) outs(%y : memref<4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}
