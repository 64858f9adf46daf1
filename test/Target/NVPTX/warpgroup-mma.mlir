// RUN: xfmr-opt %s --xfmr-nvptx-tensor-core-matmul="precision=bf16 wgmma-chip=sm_90a" | FileCheck %s
// RUN: xfmr-opt %s --xfmr-nvptx-tensor-core-matmul="precision=bf16" | FileCheck %s --check-prefix=NONE

#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (k, n)>
#y = affine_map<(m, n, k) -> (m, n)>
#row = affine_map<(m, n) -> (m, n)>
#col = affine_map<(m, n) -> (n)>

// A linear layer with a dynamic number of rows and a k x n weight, its bias
// fused: the host makes a tensor map per operand (boxes of 64 rows x 32 k,
// in the operand's dim order: 64 x 32 for x, 32 x 64 for the weight) before
// the launch. In the launch, the sm_90a code sits beside the mma.sync code
// under the compiled-for condition: mbarriers initialised by thread 0, the
// first two slices issued (arrive.expect_tx with both slices' 16384 bytes,
// then a bulk copy per operand, coordinates innermost first), then per
// slice a wait on the stage's phase, the rounding to bf16 tiles of core
// matrices, the proxy fence and a barrier, the slice two ahead, and two
// m64n64k16 wgmma on 32 f32 accumulators; 32 guarded stores through the
// bias.
// CHECK-LABEL: func.func @linear_bias
// The maps come right after their buffers (here the arguments), before any
// GPU work the host would otherwise wait for.
// CHECK-NEXT: %[[C32:.*]] = arith.constant 32 : index
// CHECK-NEXT: %[[C64:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[UW:.*]] = memref.cast %arg1 : memref<64x96xf32> to memref<*xf32>
// CHECK-NEXT: %[[MW:.*]] = nvgpu.tma.create.descriptor %[[UW]] box[%[[C32]], %[[C64]]] : memref<*xf32> -> <tensor = memref<32x64xf32, #gpu.address_space<workgroup>>
// CHECK: %[[UX:.*]] = memref.cast %arg0 : memref<?x64xf32> to memref<*xf32>
// CHECK-NEXT: %[[MX:.*]] = nvgpu.tma.create.descriptor %[[UX]] box[%{{.*}}, %{{.*}}] : memref<*xf32> -> <tensor = memref<64x32xf32, #gpu.address_space<workgroup>>, swizzle = none, l2promo = none, oob = zero, interleave = none>
// The block's shared memory is one byte buffer, views of it from its first
// 128-byte-aligned byte (the copy engine's alignment).
// CHECK: gpu.launch
// CHECK-SAME: workgroup({{.*}}, %[[ARENA:.*]] : memref<41088xi8, #gpu.address_space<workgroup>>)
// CHECK: %[[SM90A:.*]] = builtin.unrealized_conversion_cast to i1 {xfmr.nvptx.compiled_for = "sm_90a"}
// CHECK-NEXT: scf.if %[[SM90A]] {
// CHECK: %[[ADDRESS:.*]] = memref.extract_aligned_pointer_as_index %[[ARENA]]
// CHECK: memref.view %[[ARENA]][%{{.*}}][] : memref<41088xi8, #gpu.address_space<workgroup>> to memref<64x32xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[ARENA]][%{{.*}}][] : memref<41088xi8, #gpu.address_space<workgroup>> to memref<8x4x8x8xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
// CHECK-COUNT-2: nvgpu.mbarrier.init %[[BARS]][%{{.*}}], %c1{{.*}}, predicate = %{{.*}}
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%{{.*}}], %c16384
// CHECK: nvgpu.tma.async.load %[[MX]][%{{.*}}, %{{.*}}], %[[BARS]]
// CHECK: nvgpu.tma.async.load %[[MW]][%{{.*}}, %{{.*}}], %[[BARS]]
// CHECK: nvgpu.mbarrier.arrive.expect_tx
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (!llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)>)
// CHECK: nvgpu.mbarrier.try_wait.parity %[[BARS]][%{{.*}}], %{{.*}}, %{{.*}}
// CHECK: vector.load {{.*}} : memref<64x32xf32, #gpu.address_space<workgroup>>, vector<8xf32>
// CHECK: arith.truncf {{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK: vector.store {{.*}} : memref<8x4x8x8xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK-COUNT-8: memref.load {{.*}} : memref<32x64xf32, #gpu.address_space<workgroup>>
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.tma.async.load
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-2: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK-COUNT-32: arith.addf
// CHECK: } else {
// CHECK: nvvm.mma.sync
// Without a wgmma chip, only the mma.sync code.
// NONE-LABEL: func.func @linear_bias
// NONE-NOT: nvgpu.tma
// NONE-NOT: compiled_for
// NONE: nvvm.mma.sync
func.func @linear_bias(%x: memref<?x64xf32>, %w: memref<64x96xf32>, %bias: memref<96xf32>, %y: memref<?x96xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<?x96xf32>)
  linalg.generic {indexing_maps = [#x, #w, #y],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<64x96xf32>) outs(%y : memref<?x96xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %0 = arith.mulf %a, %b : f32
    %1 = arith.addf %c, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#col, #row],
                  iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<96xf32>) outs(%y : memref<?x96xf32>) {
  ^bb0(%b: f32, %c: f32):
    %0 = arith.addf %c, %b : f32
    linalg.yield %0 : f32
  }
  return
}

// An operand whose rows are not 16-byte multiples (6 floats) cannot have a
// tensor map: only the mma.sync code.
// CHECK-LABEL: func.func @unaligned
// CHECK-NOT: nvgpu.tma
// CHECK-NOT: compiled_for
// CHECK: nvvm.mma.sync
func.func @unaligned(%x: memref<10x6xf32>, %w: memref<6x10xf32>, %y: memref<10x10xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<10x6xf32>, memref<6x10xf32>) outs(%y : memref<10x10xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %0 = arith.mulf %a, %b : f32
    %1 = arith.addf %c, %0 : f32
    linalg.yield %1 : f32
  }
  return
}
