// RUN: xfmr-opt %s --split-input-file --xfmr-nvptx-flash-attention-kernel | FileCheck %s
// RUN: xfmr-opt %s --split-input-file --xfmr-nvptx-flash-attention-kernel=precision=f16 | FileCheck %s --check-prefix=F16
// RUN: xfmr-opt %s --split-input-file --xfmr-nvptx-flash-attention-kernel=precision=tf32 | FileCheck %s --check-prefix=TF32
// RUN: not xfmr-opt %s --split-input-file --xfmr-nvptx-flash-attention-kernel=precision=f32 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: the attention kernel takes f16, bf16 or tf32 operands, not 'f32'

// Causal GQA (8 query heads over 2 key/value heads), D = 64, sequence
// lengths known at run time. One block of 128 threads per 64 query rows,
// head and batch; Ks [64][64 + 8] and Vs [64][64 + 8] in shared memory.
// CHECK-LABEL: func.func @causal_gqa
// CHECK-SAME: (%[[Q:.*]]: memref<2x8x?x64xbf16>, %[[K:.*]]: memref<2x2x?x64xbf16>, %[[V:.*]]: memref<2x2x?x64xbf16>, %[[O:.*]]: memref<2x8x?x64xf32>)
// CHECK-NOT: call @xfmr_flash_attention
// CHECK: %[[SQ:.*]] = memref.dim %[[Q]], %{{.*}}
// CHECK: %[[T:.*]] = memref.dim %[[K]], %{{.*}}
// CHECK: %[[BLOCKS:.*]] = arith.ceildivui %[[SQ]], %c64
// CHECK: gpu.launch blocks(%{{.*}}, %[[HEAD:.*]], %[[BATCH:.*]]) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %c8, %{{.*}} = %c2) threads(%[[TID:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c128, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) module(@xfmr_kernels)
// CHECK-SAME: workgroup(%[[KS:.*]] : memref<64x72xbf16, #gpu.address_space<workgroup>>, %[[VS:.*]] : memref<64x72xbf16, #gpu.address_space<workgroup>>)
// Lane l: group g = l / 4, position t = l % 4; key/value head
// min(h / 4, Hkv - 1).
// CHECK: %[[LANE:.*]] = arith.remui %[[TID]], %c32
// CHECK: %[[G:.*]] = arith.divui %[[LANE]], %c4
// CHECK: %[[GH:.*]] = arith.divui %[[HEAD]], %c4
// CHECK: %[[KVH:.*]] = arith.minui %[[GH]], %c1
// Q's A fragments, once, as bf16 pairs; rows past the end read zeros.
// CHECK: scf.if %{{.*}} -> (vector<2xbf16>)
// CHECK: vector.load %[[Q]][%[[BATCH]], %[[HEAD]], %{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<2x8x?x64xbf16>, vector<2xbf16>
// The causal skip: the key loop ends at min(T, i0 + 64 + 0).
// CHECK: %[[LAST:.*]] = arith.addi %{{.*}}, %c64
// CHECK: %[[END:.*]] = arith.minui %[[T]], %[[LAST]]
// CHECK: %{{.*}}:36 = scf.for %[[J0:.*]] = %{{.*}} to %[[END]] step %{{.*}} iter_args(%[[M0:.*]] = %[[NEGINF:.*]], %[[M1:.*]] = %[[NEGINF]], %{{.*}} = %[[ZERO:.*]], %{{.*}} = %[[ZERO]], {{.*}}) -> (f32, f32, f32, f32,
// Barrier, 16-byte tile loads of K and V (zeros past the end), barrier.
// CHECK-NEXT: gpu.barrier
// CHECK: scf.for
// CHECK: %[[KEY:.*]] = arith.addi %[[J0]], %{{.*}}
// CHECK: arith.cmpi ult, %[[KEY]], %[[T]]
// CHECK: vector.load %[[K]][%[[BATCH]], %[[KVH]], %[[KEY]], %{{.*}}] {alignment = 16 : i64} : memref<2x2x?x64xbf16>, vector<8xbf16>
// CHECK: vector.store %{{.*}}, %[[KS]][%{{.*}}, %{{.*}}] {alignment = 16 : i64}
// CHECK: vector.load %[[V]][%[[BATCH]], %[[KVH]], %[[KEY]], %{{.*}}] {alignment = 16 : i64}
// CHECK: vector.store %{{.*}}, %[[VS]][%{{.*}}, %{{.*}}] {alignment = 16 : i64}
// CHECK: gpu.barrier
// S = Q Kᵀ: the B pairs of two k-steps (Ks rows 8n + l % 8, cols
// 8 (l / 8)) by one ldmatrix.x4, then m16n8k16 on bf16.
// CHECK: nvgpu.ldmatrix %[[KS]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<64x72xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK: llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>{{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 16>
// Only a tile that crosses the diagonal or the end of the keys is masked.
// CHECK: %[[NEEDS:.*]] = arith.ori
// CHECK: scf.if %[[NEEDS]] -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: arith.cmpi ule
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: } else {
// The row maximum across the four lanes of a row, exp2 of the shifted scores.
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32{{.*}}, %c32_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32{{.*}}, %c32_i32
// CHECK: llvm.inline_asm "ex2.approx.ftz.f32 $0, $1;", "=f,f"
// O += P V: P's pairs rounded to bf16, the B pairs of two n-tiles from Vs
// by one ldmatrix.x4.trans.
// CHECK: arith.truncf %{{.*}} : vector<2xf32> to vector<2xbf16>
// CHECK: nvgpu.ldmatrix %[[VS]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK: nvvm.mma.sync
// CHECK: scf.yield
// The row sums across the lanes, then rows inside Sq stored as f32 pairs.
// CHECK: gpu.shuffle  xor
// CHECK: gpu.shuffle  xor
// CHECK: arith.divf
// CHECK: scf.if
// CHECK: vector.store %{{.*}}, %[[O]][%[[BATCH]], %[[HEAD]], %{{.*}}, %{{.*}}] {alignment = 8 : i64} : memref<2x8x?x64xf32>, vector<2xf32>
// The declaration goes with its last call.
// CHECK-NOT: func.func private @xfmr_flash_attention

// F16: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32)

// tf32: the same kernel on m16n8k8, tiles of f32 in shared memory; bf16
// operands are exact in tf32 (widened, not rounded), P is rounded by
// cvt.rna before P V.
// TF32-LABEL: func.func @causal_gqa
// TF32: workgroup(%{{.*}} : memref<64x72xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x72xf32, #gpu.address_space<workgroup>>)
// TF32: vector.load %{{.*}} {alignment = 4 : i64} : memref<2x8x?x64xbf16>, vector<2xbf16>
// TF32-NEXT: arith.extf %{{.*}} : vector<2xbf16> to vector<2xf32>
// TF32-NOT: nvvm.convert.float.to.tf32
// TF32: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<tf32>, multiplicandBPtxType = #nvvm.mma_type<tf32>, shape = #nvvm.shape<m = 16, n = 8, k = 8>} : (i32, i32, f32)
// TF32: llvm.inline_asm "ex2.approx.ftz.f32 $0, $1;"
// TF32: nvvm.convert.float.to.tf32 %{{.*}} {rnd = #nvvm.fp_rnd_mode<rna>}
// TF32: nvvm.mma.sync {{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 8>}
func.func private @xfmr_flash_attention(memref<2x8x?x64xbf16>, memref<2x2x?x64xbf16>, memref<2x2x?x64xbf16>, memref<2x8x?x64xf32>) attributes {xfmr.flash_attention_kernel = {causal = true, mask = false, causal_offset = 0 : i64, scale = 1.250000e-01 : f64}}
func.func @causal_gqa(%q: memref<2x8x?x64xbf16>, %k: memref<2x2x?x64xbf16>, %v: memref<2x2x?x64xbf16>, %o: memref<2x8x?x64xf32>) {
  call @xfmr_flash_attention(%q, %k, %v, %o) : (memref<2x8x?x64xbf16>, memref<2x2x?x64xbf16>, memref<2x2x?x64xbf16>, memref<2x8x?x64xf32>) -> ()
  return
}

// -----

// Not causal, f32 operands rounded to bf16 as they are loaded, D = 128:
// the key loop runs to T, and only the last, partial tile is masked.
// CHECK-LABEL: func.func @full_f32
// CHECK-SAME: (%[[Q:[^:]*]]: memref<1x4x?x128xf32>, %[[K:[^:]*]]: memref<1x4x?x128xf32>
// CHECK: %[[T:.*]] = memref.dim %[[K]], %{{.*}}
// CHECK: workgroup(%{{.*}} : memref<64x136xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x136xbf16, #gpu.address_space<workgroup>>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[T]] step
// CHECK: vector.load %[[K]]{{.*}} {alignment = 16 : i64} : memref<1x4x?x128xf32>, vector<8xf32>
// CHECK-NEXT: arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK-NOT: arith.ori
// CHECK: scf.if %{{.*}} -> (f32, f32,
// CHECK-NOT: arith.cmpi ule
// CHECK: } else {

// tf32, D = 128: 64 keys of f32 would not fit in 48 KB, so steps of 32
// keys, Ks [32][128 + 8] and Vt [128][32 + 8]. Q, K and V are rounded to
// tf32 once, as they are loaded; the fragments are pairs of neighbouring
// f32 (8-byte shared loads), element 0 of each at k = t, element 1 at
// k = t + 4; 4 key n-tiles x 16 k-steps of S, 4 k-steps x 16 n-tiles of O.
// TF32-LABEL: func.func @full_f32
// TF32: workgroup(%[[KS:.*]] : memref<32x136xf32, #gpu.address_space<workgroup>>, %[[VT:.*]] : memref<128x40xf32, #gpu.address_space<workgroup>>)
// TF32: vector.load %{{.*}} {alignment = 8 : i64} : memref<1x4x?x128xf32>, vector<2xf32>
// TF32-NEXT: vector.extract %{{.*}}[0]
// TF32-NEXT: nvvm.convert.float.to.tf32 %{{.*}} {rnd = #nvvm.fp_rnd_mode<rna>}
// TF32: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c32
// TF32: gpu.barrier
// TF32: vector.load %{{.*}} {alignment = 16 : i64} : memref<1x4x?x128xf32>, vector<8xf32>
// TF32-COUNT-8: nvvm.convert.float.to.tf32
// TF32: vector.store %{{.*}}, %[[KS]][%{{.*}}, %{{.*}}] {alignment = 16 : i64}
// TF32: memref.store %{{.*}}, %[[VT]]
// TF32: gpu.barrier
// TF32: %[[PAIR:.*]] = vector.load %[[KS]][%{{.*}}, %{{.*}}] {alignment = 8 : i64} : memref<32x136xf32, #gpu.address_space<workgroup>>, vector<2xf32>
// TF32: %[[B0:.*]] = vector.extract %[[PAIR]][0]
// TF32: %[[B0I:.*]] = arith.bitcast %[[B0]] : f32 to i32
// TF32: %[[B1:.*]] = vector.extract %[[PAIR]][1]
// TF32: %[[B1I:.*]] = arith.bitcast %[[B1]] : f32 to i32
// TF32: nvvm.mma.sync A[{{.*}}] B[%[[B0I]], %[[B1I]]] {{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 8>
// TF32-COUNT-63: nvvm.mma.sync
// TF32: vector.load %[[VT]]{{.*}} vector<2xf32>
// TF32-COUNT-64: nvvm.mma.sync
// TF32-NOT: nvvm.mma.sync
// TF32: scf.yield
func.func private @xfmr_flash_attention(memref<1x4x?x128xf32>, memref<1x4x?x128xf32>, memref<1x4x?x128xf32>, memref<1x4x?x128xf32>) attributes {xfmr.flash_attention_kernel = {causal = false, mask = false, causal_offset = 0 : i64, scale = 0.088388347648318433 : f64}}
func.func @full_f32(%q: memref<1x4x?x128xf32>, %k: memref<1x4x?x128xf32>, %v: memref<1x4x?x128xf32>, %o: memref<1x4x?x128xf32>) {
  call @xfmr_flash_attention(%q, %k, %v, %o) : (memref<1x4x?x128xf32>, memref<1x4x?x128xf32>, memref<1x4x?x128xf32>, memref<1x4x?x128xf32>) -> ()
  return
}

// -----

// An additive f16 mask [B, 1, Sq, T] (its head dim broadcast): every tile
// adds the mask's element, read at the row and key clamped to the last
// ones, to the scores, which stay in the natural domain (exp2 of
// (s - m) log2(e)); the key loop runs to T.
// CHECK-LABEL: func.func @masked
// CHECK-SAME: %[[M:[^:]*]]: memref<1x1x?x?xf16>
// CHECK: %[[LASTROW:.*]] = arith.subi %{{.*}}, %c1
// CHECK: %[[ROW0:.*]] = arith.minui %{{.*}}, %[[LASTROW]]
// CHECK: %[[LASTKEY:.*]] = arith.subi %{{.*}}, %c1
// CHECK-NOT: arith.minui %{{.*}}, %{{.*}} : index
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK: nvvm.mma.sync
// CHECK-NOT: scf.if %{{.*}} -> (f32, f32,
// CHECK: %[[KEY:.*]] = arith.minui %{{.*}}, %[[LASTKEY]]
// CHECK: %[[E:.*]] = memref.load %[[M]][%c0{{.*}}, %c0{{.*}}, %[[ROW0]], %[[KEY]]] : memref<1x1x?x?xf16>
// CHECK: %[[EF:.*]] = arith.extf %[[E]] : f16 to f32
// CHECK: arith.addf %{{.*}}, %[[EF]] : f32
// CHECK: arith.mulf %{{.*}}, %cst{{.*}} : f32
// CHECK: llvm.inline_asm "ex2.approx.ftz.f32 $0, $1;"
func.func private @xfmr_flash_attention(memref<1x4x?x64xf16>, memref<1x4x?x64xf16>, memref<1x4x?x64xf16>, memref<1x1x?x?xf16>, memref<1x4x?x64xf32>) attributes {xfmr.flash_attention_kernel = {causal = false, mask = true, causal_offset = 0 : i64, scale = 1.250000e-01 : f64}}
func.func @masked(%q: memref<1x4x?x64xf16>, %k: memref<1x4x?x64xf16>, %v: memref<1x4x?x64xf16>, %m: memref<1x1x?x?xf16>, %o: memref<1x4x?x64xf32>) {
  call @xfmr_flash_attention(%q, %k, %v, %m, %o) : (memref<1x4x?x64xf16>, memref<1x4x?x64xf16>, memref<1x4x?x64xf16>, memref<1x1x?x?xf16>, memref<1x4x?x64xf32>) -> ()
  return
}
