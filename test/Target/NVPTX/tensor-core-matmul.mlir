// RUN: xfmr-opt %s --xfmr-nvptx-tensor-core-matmul | FileCheck %s
// RUN: xfmr-opt %s --xfmr-nvptx-tensor-core-matmul=precision=tf32 | FileCheck %s --check-prefix=TF32
// RUN: xfmr-opt %s --xfmr-nvptx-tensor-core-matmul=precision=bf16 | FileCheck %s --check-prefix=BF16
// RUN: not xfmr-opt %s --xfmr-nvptx-tensor-core-matmul=precision=f8 2>&1 | FileCheck %s --check-prefix=BAD

#a = affine_map<(b, m, n, k) -> (b, m, k)>
#bt = affine_map<(b, m, n, k) -> (n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>

// A batched projection with a transposed, broadcast weight: a block of four
// warps per 64x64 tile (grid 1 x 1 x 2 for n = 20, m = 30, batch = 2). Both
// operands have k innermost, contiguous, 16-byte aligned: their 64x32 slices
// go to shared memory [stage][row][32 + 8] by cp.async, four chunks of 4 floats
// per thread and operand, the next slice in flight while this one is
// multiplied. A warp's 2 x 4 m16n8 tiles accumulate in registers across k
// (8 vector<2x2xf32>), from C's initial values.
// CHECK-LABEL: func.func @projection
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c1{{(_[0-9]+)?}}, %{{.*}} = %c1{{(_[0-9]+)?}}, %{{.*}} = %c2{{(_[0-9]+)?}}) threads({{.*}}) in (%{{.*}} = %c128, {{.*}} module(@xfmr_kernels) workgroup(%[[SA:.*]] : memref<2x64x40xf32, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<2x64x40xf32, #gpu.address_space<workgroup>>)
// CHECK: memref.load %arg2
// CHECK-COUNT-4: nvgpu.device_async_copy %arg0[{{.*}}], %[[SA]][%c0{{(_[0-9]+)?}}, {{.*}}], 4, %{{.*}} {bypassL1}
// CHECK-COUNT-4: nvgpu.device_async_copy %arg1[{{.*}}], %[[SB]][%c0{{(_[0-9]+)?}}, {{.*}}], 4, %{{.*}} {bypassL1}
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK-COUNT-8: nvgpu.device_async_copy
// CHECK: %[[GROUP:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %[[GROUP]] {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: vector.load %[[SA]][{{.*}}] {alignment = 8 : i64} : memref<2x64x40xf32, #gpu.address_space<workgroup>>, vector<2xf32>
// CHECK-NEXT: arith.truncf {{.*}} : vector<2xf32> to vector<2xf16>
// CHECK: vector.load %[[SB]]
// CHECK-COUNT-16: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32)
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-COUNT-32: memref.store {{.*}}, %arg2
// CHECK-NOT: linalg.generic
// tf32: a warp per 16x8 tile.
// TF32-LABEL: func.func @projection
// TF32: threads({{.*}}) in (%{{.*}} = %c32,
// TF32: scf.for {{.*}} step %c8
// TF32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// bf16 pairs are the i32 registers of nvvm.mma.sync, the first element in
// the low half.
// BF16-LABEL: func.func @projection
// BF16: %[[PAIR:.*]] = arith.truncf {{.*}} : vector<2xf32> to vector<2xbf16>
// BF16-NEXT: %[[WORD:.*]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xi32>
// BF16-NEXT: vector.extract %[[WORD]][0] : i32 from vector<1xi32>
// BF16: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// BAD: tensor cores take f16, bf16 or tf32 operands, not 'f8'
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

// A weight stored [k][n] (x times W): its slices are staged with n innermost,
// [stage][k][64 + 4], chunks of 4 along n, and a B register is two loads, k
// and k + 1 of one column. A dynamic m: the grid's y is its ceiling over 64
// and chunks past it read nothing (src-size 0).
// CHECK-LABEL: func.func @weight_k_by_n
// CHECK: %[[M:.*]] = memref.dim %arg0
// CHECK: %[[ROWS:.*]] = arith.ceildivui %[[M]], %c64{{(_[0-9]+)?}}
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c2, %{{.*}} = %[[ROWS]], {{.*}} workgroup(%[[SA:.*]] : memref<2x64x40xf32, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<2x32x68xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[COUNT:.*]] = arith.select %{{.*}}, %c4{{(_[0-9]+)?}}, %c0
// CHECK: nvgpu.device_async_copy %arg0[{{.*}}], %[[SA]][{{.*}}], 4, %[[COUNT]] {bypassL1}
// CHECK: nvgpu.device_async_copy %arg1[{{.*}}], %[[SB]][{{.*}}], 4, %{{.*}} {bypassL1} : memref<64x96xf32> to memref<2x32x68xf32, #gpu.address_space<workgroup>>
// CHECK: scf.for
// CHECK: %[[K0:.*]] = memref.load %[[SB]][%{{.*}}, %[[KA:.*]], %[[COL:.*]]] : memref<2x32x68xf32
// CHECK-NEXT: %[[K1:.*]] = memref.load %[[SB]][%{{.*}}, %{{.*}}, %[[COL]]] : memref<2x32x68xf32
// CHECK-NEXT: vector.from_elements %[[K0]], %[[K1]] : vector<2xf32>
func.func @weight_k_by_n(%x: memref<?x64xf32>, %w: memref<64x96xf32>, %y: memref<?x96xf32>) {
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x96xf32>) outs(%y : memref<?x96xf32>)
  return
}

// k = 6 and n = 10 are no multiples of 4: no aligned chunks, so the slices are staged by
// plain loads (zero past the edges) and stores, and nothing waits for copies.
// CHECK-LABEL: func.func @unaligned
// CHECK-NOT: nvgpu.device_async
// CHECK: scf.for
// CHECK: memref.load %arg0
// CHECK: memref.store {{.*}} : memref<2x64x40xf32, #gpu.address_space<workgroup>>
// CHECK-NOT: nvgpu.device_async
// CHECK: gpu.barrier
// CHECK: nvvm.mma.sync
func.func @unaligned(%x: memref<10x6xf32>, %w: memref<6x10xf32>, %y: memref<10x10xf32>) {
  linalg.matmul ins(%x, %w : memref<10x6xf32>, memref<6x10xf32>) outs(%y : memref<10x10xf32>)
  return
}

// A linear layer as bufferization leaves it: the fill of C, the contraction
// into C, and the bias and ReLU in place on C. The kernel absorbs both: the
// accumulators start from the fill's value (C is not read), and each one
// goes through the bias and ReLU before its single store.
// CHECK-LABEL: func.func @linear_epilogue
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch
// CHECK-NOT: memref.load %arg3
// CHECK: %[[INIT:.*]] = vector.from_elements %cst, %cst, %cst, %cst : vector<2x2xf32>
// CHECK: scf.for
// CHECK: nvvm.mma.sync
// CHECK: scf.if
// CHECK-NEXT: %[[ACC:.*]] = vector.extract
// CHECK-NEXT: %[[BIAS:.*]] = memref.load %arg2[%{{.*}}] : memref<96xf32>
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[BIAS]] : f32
// CHECK-NEXT: %[[RELU:.*]] = arith.maximumf %[[SUM]], %cst
// CHECK-NEXT: memref.store %[[RELU]], %arg3
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @linear_epilogue(%x: memref<?x64xf32>, %w: memref<64x96xf32>, %bias: memref<96xf32>, %y: memref<?x96xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<?x96xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x96xf32>) outs(%y : memref<?x96xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%y, %bias : memref<?x96xf32>, memref<96xf32>) outs(%y : memref<?x96xf32>) {
  ^bb0(%c: f32, %b: f32, %out: f32):
    %s = arith.addf %c, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// The elementwise op after the contraction reads C transposed: another
// element than the one a lane holds, so it stays a kernel of its own, and
// so does the fill of a buffer the contraction does not write.
// CHECK-LABEL: func.func @no_epilogue
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg3
// CHECK: gpu.launch
// CHECK: memref.load %arg2
// CHECK: gpu.terminator
// CHECK: linalg.generic
func.func @no_epilogue(%x: memref<64x64xf32>, %w: memref<64x64xf32>, %y: memref<64x64xf32>, %other: memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%other : memref<64x64xf32>)
  linalg.matmul ins(%x, %w : memref<64x64xf32>, memref<64x64xf32>) outs(%y : memref<64x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%y : memref<64x64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%c: f32, %out: f32):
    %s = arith.addf %c, %out : f32
    linalg.yield %s : f32
  }
  return
}
