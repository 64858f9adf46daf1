// RUN: xfmr-opt %s --convert-xfmr-to-linalg --split-input-file | FileCheck %s
// RUN: xfmr-opt %s --convert-xfmr-to-linalg="attention-q-block=16 attention-kv-block=8" --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: xfmr-opt %s --convert-xfmr-to-linalg="flash-attention=false" --split-input-file | FileCheck %s --check-prefix=WHOLE
// RUN: not xfmr-opt %s --convert-xfmr-to-linalg="attention-kv-block=0" --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: attention-q-block and attention-kv-block must be positive, mlp-row-block positive or 0

// GQA, causal, with a past. The keys are transposed once; an scf.forall
// over (batch, query head, block of 32 query rows) runs an scf.for over
// blocks of 128 keys that ends at the block's last visible key
// (min(T, i0 + rows + P)), carrying the row maximum, the row sum and the
// unnormalised output. The key/value head is the query head floordiv G.
// CHECK-DAG: #[[$QSIZE:.*]] = affine_map<(d0)[s0] -> (32, -d0 + s0)>
// CHECK-DAG: #[[$KVHEAD:.*]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-DAG: #[[$END:.*]] = affine_map<(d0, d1)[s0, s1] -> (s0, d0 + d1 + s1)>
// CHECK-DAG: #[[$KSIZE:.*]] = affine_map<(d0)[s0] -> (128, -d0 + s0)>
// CHECK-DAG: #[[$LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$RHS:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$DIAG:.*]] = affine_map<(d0, d1)[s0] -> (d0 - d1 + s0)>
// CHECK-DAG: #[[$TILE:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[$VEC:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @gqa_causal_past
// CHECK-SAME: (%[[Q:.*]]: tensor<1x32x?x64xf32>{{( \{[^}]*\})?}}, %[[K:.*]]: tensor<1x8x?x64xf32>{{( \{[^}]*\})?}}, %[[V:.*]]: tensor<1x8x?x64xf32>{{( \{[^}]*\})?}}, %[[PK:.*]]: tensor<1x8x?x64xf32>{{( \{[^}]*\})?}}, %[[PV:.*]]: tensor<1x8x?x64xf32>{{( \{[^}]*\})?}})
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
// CHECK: %[[P:.*]] = tensor.dim %[[PK]], %c2
// CHECK: %[[KEYS:.*]] = tensor.insert_slice %[[K]] into
// CHECK: %[[VALUES:.*]] = tensor.insert_slice %[[V]] into
// CHECK: %[[SQ:.*]] = tensor.dim %[[Q]], %c2
// CHECK: %[[T:.*]] = tensor.dim %[[KEYS]], %c2
// CHECK: %[[KT:.*]] = linalg.generic {{.*}} ins(%[[KEYS]] : tensor<1x8x?x64xf32>) outs(%{{.*}} : tensor<1x8x64x?xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty(%[[SQ]]) : tensor<1x32x?x64xf32>
// CHECK: %[[OUTPUT:.*]] = scf.forall (%[[B:.*]], %[[H:.*]], %[[I0:.*]]) = (0, 0, 0) to (1, 32, %[[SQ]]) step (1, 1, 32) shared_outs(%[[SHARED:.*]] = %[[INIT]]) -> (tensor<1x32x?x64xf32>) {
// CHECK: %[[QS:.*]] = affine.min #[[$QSIZE]](%[[I0]])[%[[SQ]]]
// CHECK: %[[ROWS:.*]] = tensor.extract_slice %[[SHARED]][%[[B]], %[[H]], %[[I0]], 0] [1, 1, %[[QS]], 64] [1, 1, 1, 1] : tensor<1x32x?x64xf32> to tensor<?x64xf32>
// CHECK: %[[HKV:.*]] = affine.apply #[[$KVHEAD]](%[[H]])
// CHECK: %[[QT:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[I0]], 0] [1, 1, %[[QS]], 64] [1, 1, 1, 1] : tensor<1x32x?x64xf32> to tensor<?x64xf32>
// CHECK: %[[END:.*]] = affine.min #[[$END]](%[[I0]], %[[QS]])[%[[T]], %[[P]]]
// CHECK: %[[M0:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[L0:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[O0:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<?x64xf32>)
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[J0:.*]] = %[[C0]] to %[[END]] step %[[C128]] iter_args(%[[M:.*]] = %[[M0]], %[[L:.*]] = %[[L0]], %[[O:.*]] = %[[O0]]) -> (tensor<?xf32>, tensor<?xf32>, tensor<?x64xf32>) {
// CHECK: %[[KS:.*]] = affine.min #[[$KSIZE]](%[[J0]])[%[[END]]]
// CHECK: %[[KTILE:.*]] = tensor.extract_slice %[[KT]][%[[B]], %[[HKV]], 0, %[[J0]]] [1, 1, 64, %[[KS]]] [1, 1, 1, 1] : tensor<1x8x64x?xf32> to tensor<64x?xf32>
// CHECK: %[[VTILE:.*]] = tensor.extract_slice %[[VALUES]][%[[B]], %[[HKV]], %[[J0]], 0] [1, 1, %[[KS]], 64] [1, 1, 1, 1] : tensor<1x8x?x64xf32> to tensor<?x64xf32>
// The only score-sized tensors are [rows, keys] tiles.
// CHECK: %[[SINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[QT]], %[[KTILE]] : tensor<?x64xf32>, tensor<64x?xf32>) outs(%[[SINIT]] : tensor<?x?xf32>)
// CHECK: %[[DIAG:.*]] = affine.apply #[[$DIAG]](%[[I0]], %[[J0]])[%[[P]]]
// CHECK: %[[MASKED:.*]] = linalg.generic {indexing_maps = [#[[$TILE]], #[[$TILE]]], iterator_types = ["parallel", "parallel"]} ins(%[[S]] : tensor<?x?xf32>)
// CHECK: ^bb0(%[[SV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SCALED:.*]] = arith.mulf %[[SV]], %[[SCALE]]
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[FRONTIER:.*]] = arith.addi %[[I]], %[[DIAG]]
// CHECK: %[[HIDDEN:.*]] = arith.cmpi sgt, %[[J]], %[[FRONTIER]]
// CHECK: arith.select %[[HIDDEN]], %[[NEGINF]], %[[SCALED]]
// CHECK: %[[RMAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: %[[RMAX:.*]] = linalg.generic {indexing_maps = [#[[$TILE]], #[[$ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[MASKED]] : tensor<?x?xf32>) outs(%[[RMAXINIT]] : tensor<?xf32>)
// CHECK: arith.maximumf
// CHECK: %[[FACTOR:.*]] = linalg.generic {indexing_maps = [#[[$VEC]], #[[$VEC]], #[[$VEC]]], iterator_types = ["parallel"]} ins(%[[M]], %[[RMAX]] : tensor<?xf32>, tensor<?xf32>)
// CHECK: ^bb0(%[[MOLD:.*]]: f32, %[[MBLK:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[MNEWV:.*]] = arith.maximumf %[[MOLD]], %[[MBLK]]
// CHECK: %[[ALLMASKED:.*]] = arith.cmpf oeq, %[[MNEWV]], %[[NEGINF]]
// CHECK: %[[SHIFT:.*]] = arith.select %[[ALLMASKED]], %[[ZERO]], %[[MNEWV]]
// CHECK: %[[DIFF:.*]] = arith.subf %[[MOLD]], %[[SHIFT]]
// CHECK: math.exp %[[DIFF]]
// The new maximum overwrites the carried one after its last read.
// CHECK: %[[MNEW:.*]] = linalg.generic {{.*}} ins(%[[RMAX]] : tensor<?xf32>) outs(%[[M]] : tensor<?xf32>)
// CHECK: %[[PROBS:.*]] = linalg.generic {indexing_maps = [#[[$TILE]], #[[$ROW]], #[[$TILE]]], iterator_types = ["parallel", "parallel"]} ins(%[[MASKED]], %[[MNEW]] : tensor<?x?xf32>, tensor<?xf32>)
// CHECK: math.exp
// CHECK: %[[LSCALED:.*]] = linalg.generic {{.*}} ins(%[[FACTOR]] : tensor<?xf32>) outs(%[[L]] : tensor<?xf32>)
// CHECK: arith.mulf
// CHECK: %[[LNEW:.*]] = linalg.generic {indexing_maps = [#[[$TILE]], #[[$ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[PROBS]] : tensor<?x?xf32>) outs(%[[LSCALED]] : tensor<?xf32>)
// CHECK: arith.addf
// CHECK: %[[OSCALED:.*]] = linalg.generic {indexing_maps = [#[[$ROW]], #[[$TILE]]], iterator_types = ["parallel", "parallel"]} ins(%[[FACTOR]] : tensor<?xf32>) outs(%[[O]] : tensor<?x64xf32>)
// CHECK: %[[ONEW:.*]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[PROBS]], %[[VTILE]] : tensor<?x?xf32>, tensor<?x64xf32>) outs(%[[OSCALED]] : tensor<?x64xf32>)
// CHECK: scf.yield %[[MNEW]], %[[LNEW]], %[[ONEW]]
// CHECK: %[[NORM:.*]] = linalg.generic {{.*}} ins(%[[LOOP]]#2, %[[LOOP]]#1 : tensor<?x64xf32>, tensor<?xf32>) outs(%[[ROWS]] : tensor<?x64xf32>)
// CHECK: ^bb0(%[[ACC:.*]]: f32, %[[SUM:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[EMPTY:.*]] = arith.cmpf oeq, %[[SUM]], %[[ZERO]]
// CHECK: %[[DIVISOR:.*]] = arith.select %[[EMPTY]], %[[ONE]], %[[SUM]]
// CHECK: arith.divf %[[ACC]], %[[DIVISOR]]
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[NORM]] into %[[SHARED]][%[[B]], %[[H]], %[[I0]], 0] [1, 1, %[[QS]], 64] [1, 1, 1, 1] : tensor<?x64xf32> into tensor<1x32x?x64xf32>
// CHECK: return %[[OUTPUT]], %[[KEYS]], %[[VALUES]]

// The tile sizes are options.
// SMALL-LABEL: func.func @gqa_causal_past
// SMALL: scf.forall ({{.*}}) = (0, 0, 0) to (1, 32, %{{.*}}) step (1, 1, 16)
// SMALL: scf.for {{.*}} step %c8

// The whole-matrix lowering stays behind flash-attention=false.
// WHOLE-LABEL: func.func @gqa_causal_past
// WHOLE-NOT: scf.for
// WHOLE: linalg.fill {{.*}} -> tensor<1x8x4x?x?xf32>
// WHOLE-NOT: scf.for
// WHOLE: return
func.func @gqa_causal_past(%q: tensor<1x32x?x64xf32>, %k: tensor<1x8x?x64xf32> {xfmr.dims = ["", "", "t", ""]}, %v: tensor<1x8x?x64xf32> {xfmr.dims = ["", "", "t", ""]}, %pk: tensor<1x8x?x64xf32> {xfmr.dims = ["", "", "p", ""]}, %pv: tensor<1x8x?x64xf32> {xfmr.dims = ["", "", "p", ""]}) -> (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) {
  %o, %k2, %v2 = xfmr.attention %q, %k, %v past %pk, %pv {is_causal} : (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
  return %o, %k2, %v2 : tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>
}

// -----

// Without is_causal the key loop runs over all keys. Static lengths that
// the blocks divide give static tiles; a static length smaller than a
// block is one block of its own size. A 2-D keep-mask is read through its
// [rows, keys] tile.
// CHECK-LABEL: func.func @static_bool_mask
// CHECK-SAME: %[[M:[^:]*]]: tensor<64x40xi1>)
// CHECK-DAG: %[[C40:.*]] = arith.constant 40 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %[[I0:.*]]) = (0, 0, 0) to (2, 4, 64) step (1, 1, 32)
// CHECK-NOT: affine.min
// CHECK: tensor.extract_slice %{{.*}}[%[[B]], %[[H]], %[[I0]], 0] [1, 1, 32, 16] [1, 1, 1, 1] : tensor<2x4x64x16xf32> to tensor<32x16xf32>
// CHECK: scf.for %[[J0:.*]] = %[[C0]] to %[[C40]] step %[[C40]]
// CHECK-NOT: affine.min
// CHECK: tensor.extract_slice %{{.*}}[%[[B]], %[[H]], 0, %[[J0]]] [1, 1, 16, 40] [1, 1, 1, 1] : tensor<2x4x16x40xf32> to tensor<16x40xf32>
// CHECK: %[[MTILE:.*]] = tensor.extract_slice %[[M]][%[[I0]], %[[J0]]] [32, 40] [1, 1] : tensor<64x40xi1> to tensor<32x40xi1>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[MTILE]] : tensor<32x40xf32>, tensor<32x40xi1>)
// CHECK: ^bb0(%[[S:.*]]: f32, %[[KEEP:.*]]: i1, %{{.*}}: f32):
// CHECK: %[[SS:.*]] = arith.mulf %[[S]], %{{.*}}
// CHECK: arith.select %[[KEEP]], %[[SS]], %{{.*}}
// CHECK-NOT: linalg.index
// CHECK: linalg.yield
func.func @static_bool_mask(%q: tensor<2x4x64x16xf32>, %k: tensor<2x4x40x16xf32>, %v: tensor<2x4x40x16xf32>, %m: tensor<64x40xi1>) -> tensor<2x4x64x16xf32> {
  %0 = xfmr.attention %q, %k, %v mask %m : (tensor<2x4x64x16xf32>, tensor<2x4x40x16xf32>, tensor<2x4x40x16xf32>, tensor<64x40xi1>) -> tensor<2x4x64x16xf32>
  return %0 : tensor<2x4x64x16xf32>
}

// -----

// An additive mask broadcast along the query dim, with a head dim: its tile
// is the [keys] row of the query head. Dynamic key/value heads and group
// give the key/value head by a division at run time, by a group of at
// least 1; the head counts are checked (Hkv > 0 divides Hq), and a failed
// run's key loop is empty, so that it reads no key/value head.
// CHECK-DAG: #[[$KEYS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @per_head_mask_dynamic_heads
// CHECK-SAME: (%[[Q:.*]]: tensor<1x?x?x8xf32>{{( \{[^}]*\})?}}, %[[K:.*]]: tensor<1x?x?x8xf32>{{( \{[^}]*\})?}}, %{{.*}}: tensor<1x?x?x8xf32>{{( \{[^}]*\})?}}, %[[M:[^:]*]]: tensor<1x?x1x?xf32>{{( \{[^}]*\})?}})
// CHECK: %[[HQ:.*]] = tensor.dim %[[Q]], %c1
// CHECK: %[[HKV:.*]] = tensor.dim %[[K]], %c1
// CHECK: %[[DIVISOR:.*]] = arith.maxsi %[[HKV]], %c1
// CHECK: %[[REM:.*]] = arith.remui %[[HQ]], %[[DIVISOR]]
// CHECK: %[[NOKV:.*]] = arith.cmpi eq, %[[HKV]], %c0
// CHECK: %[[INEXACT:.*]] = arith.cmpi ne, %[[REM]], %c0
// CHECK: %[[FAILED:.*]] = arith.ori %[[NOKV]], %[[INEXACT]]
// CHECK: scf.if %[[FAILED]] {
// CHECK-NEXT: func.call @xfmr_check_failed
// CHECK: %[[QUOTIENT:.*]] = arith.divui %[[HQ]], %[[DIVISOR]]
// CHECK: %[[G:.*]] = arith.maxsi %[[QUOTIENT]], %c1
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %[[I0:.*]]) = (0, 0, 0) to (1, %[[HQ]], %{{.*}}) step (1, 1, 32)
// CHECK: arith.divui %[[H]], %[[G]]
// CHECK: %[[END:.*]] = arith.select %[[FAILED]], %c0, %{{.*}}
// CHECK: scf.for %[[J0:[^ ]*]] = %c0 to %[[END]]
// CHECK: %[[KS:.*]] = affine.min
// CHECK: %[[MTILE:.*]] = tensor.extract_slice %[[M]][0, %[[H]], 0, %[[J0]]] [1, 1, 1, %[[KS]]] [1, 1, 1, 1] : tensor<1x?x1x?xf32> to tensor<?xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$KEYS]], #{{.*}}], {{.*}} ins(%{{.*}}, %[[MTILE]] : tensor<?x?xf32>, tensor<?xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @per_head_mask_dynamic_heads(%q: tensor<1x?x?x8xf32> {xfmr.dims = ["", "h", "s", ""]}, %k: tensor<1x?x?x8xf32> {xfmr.dims = ["", "g", "t", ""]}, %v: tensor<1x?x?x8xf32> {xfmr.dims = ["", "g", "t", ""]}, %m: tensor<1x?x1x?xf32> {xfmr.dims = ["", "h", "", "t"]}) -> tensor<1x?x?x8xf32> {
  %0 = xfmr.attention %q, %k, %v mask %m : (tensor<1x?x?x8xf32>, tensor<1x?x?x8xf32>, tensor<1x?x?x8xf32>, tensor<1x?x1x?xf32>) -> tensor<1x?x?x8xf32>
  return %0 : tensor<1x?x?x8xf32>
}


// -----

// ALiBi: per key block, the positions' tile [keys] of the batch and the
// query head's slope; the score gets slope * position after the scale,
// before the mask. No bias tensor larger than a tile.
// CHECK-DAG: #[[$TILE:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$KEYS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @alibi
// CHECK-SAME: (%{{.*}}: tensor<?x4x?x16xf32>{{( \{[^}]*\})?}}, %{{.*}}: tensor<?x4x?x16xf32>{{( \{[^}]*\})?}}, %{{.*}}: tensor<?x4x?x16xf32>{{( \{[^}]*\})?}}, %[[MASK:.*]]: tensor<?x1x?x?xf32>{{( \{[^}]*\})?}}, %[[SLOPES:.*]]: tensor<4xf32>{{( \{[^}]*\})?}}, %[[POS:.*]]: tensor<?x?xf32>{{( \{[^}]*\})?}})
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %[[I0:.*]]) =
// CHECK: scf.for %[[J0:[^ ]*]] =
// CHECK: %[[KS:.*]] = affine.min
// CHECK: %[[MTILE:.*]] = tensor.extract_slice %[[MASK]][%[[B]], 0, %[[I0]], %[[J0]]]
// CHECK: %[[PTILE:.*]] = tensor.extract_slice %[[POS]][%[[B]], %[[J0]]] [1, %[[KS]]] [1, 1] : tensor<?x?xf32> to tensor<?xf32>
// CHECK: %[[SLOPE:.*]] = tensor.extract %[[SLOPES]][%[[H]]] : tensor<4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$TILE]], #[[$TILE]], #[[$KEYS]], #[[$TILE]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[MTILE]], %[[PTILE]] : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>)
// CHECK: ^bb0(%[[S:.*]]: f32, %[[M:.*]]: f32, %[[P:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SCALED:.*]] = arith.mulf %[[S]], %{{.*}} : f32
// CHECK: %[[BIAS:.*]] = arith.mulf %[[SLOPE]], %[[P]] : f32
// CHECK: %[[BIASED:.*]] = arith.addf %[[SCALED]], %[[BIAS]] : f32
// CHECK: arith.addf %[[BIASED]], %[[M]] : f32
// The whole-matrix lowering reads the slopes split like the query heads
// ([Hkv, G]) and the positions by (batch, key).
// WHOLE-DAG: #[[$SLOPEMAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2)>
// WHOLE-DAG: #[[$POSMAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4)>
// WHOLE-LABEL: func.func @alibi
// WHOLE: %[[SPLIT:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
// WHOLE: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[$SLOPEMAP]], #[[$POSMAP]], #{{.*}}], {{.*}} ins(%{{.*}}, %{{.*}}, %[[SPLIT]], %{{.*}} : tensor<?x4x1x?x?xf32>, tensor<?x1x?x?xf32>, tensor<4x1xf32>, tensor<?x?xf32>)
// WHOLE: ^bb0(%[[S:.*]]: f32, %[[M:.*]]: f32, %[[SL:.*]]: f32, %[[P:.*]]: f32, %{{.*}}: f32):
// WHOLE: %[[SCALED:.*]] = arith.mulf %[[S]], %{{.*}} : f32
// WHOLE: %[[BIAS:.*]] = arith.mulf %[[SL]], %[[P]] : f32
// WHOLE: %[[BIASED:.*]] = arith.addf %[[SCALED]], %[[BIAS]] : f32
// WHOLE: arith.addf %[[BIASED]], %[[M]] : f32
func.func @alibi(%q: tensor<?x4x?x16xf32> {xfmr.dims = ["b", "", "s", ""]}, %k: tensor<?x4x?x16xf32> {xfmr.dims = ["b", "", "t", ""]}, %v: tensor<?x4x?x16xf32> {xfmr.dims = ["b", "", "t", ""]}, %mask: tensor<?x1x?x?xf32> {xfmr.dims = ["b", "", "s", "t"]}, %slopes: tensor<4xf32>, %pos: tensor<?x?xf32> {xfmr.dims = ["b", "t"]}) -> tensor<?x4x?x16xf32> {
  %o = xfmr.attention %q, %k, %v mask %mask alibi %slopes, %pos {scale = 2.500000e-01 : f32} : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x1x?x?xf32>, tensor<4xf32>, tensor<?x?xf32>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Query, keys and values whose batch sizes nothing in the graph ties
// together: the keys' and the values' are checked against the query's at
// run time, before any read, and a failed run reads zeros of the query's
// batch instead of either.
// CHECK-LABEL: func.func @unrelated_batches
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x2x4x8xf32>, %[[K:[^:]*]]: tensor<?x2x6x8xf32>, %[[V:[^:]*]]: tensor<?x2x6x8xf32>)
// CHECK-DAG: %[[QB:.*]] = tensor.dim %[[Q]], %c0
// CHECK-DAG: %[[KB:.*]] = tensor.dim %[[K]], %c0
// CHECK-DAG: %[[VB:.*]] = tensor.dim %[[V]], %c0
// CHECK: %[[KDIFF:.*]] = arith.cmpi ne, %[[KB]], %[[QB]]
// CHECK: scf.if %[[KDIFF]] {
// CHECK-NEXT: func.call @xfmr_check_failed(
// CHECK: %[[VDIFF:.*]] = arith.cmpi ne, %[[VB]], %[[QB]]
// CHECK: scf.if %[[VDIFF]] {
// CHECK-NEXT: func.call @xfmr_check_failed(
// CHECK: %[[FAILED:.*]] = arith.ori %[[KDIFF]], %[[VDIFF]]
// CHECK-NOT: scf.if %[[FAILED]] -> (tensor<?x2x4x8xf32>)
// CHECK: %[[KC:.*]] = scf.if %[[FAILED]] -> (tensor<?x2x6x8xf32>)
// CHECK: tensor.empty(%[[QB]])
// CHECK: scf.yield %[[K]]
// CHECK: %[[VC:.*]] = scf.if %[[FAILED]] -> (tensor<?x2x6x8xf32>)
// CHECK: scf.yield %[[V]]
// CHECK: linalg.generic {{.*}} ins(%[[KC]] :
// CHECK: scf.forall
// CHECK: tensor.extract_slice %[[VC]]
func.func @unrelated_batches(%q: tensor<?x2x4x8xf32>, %k: tensor<?x2x6x8xf32>, %v: tensor<?x2x6x8xf32>) -> tensor<?x2x4x8xf32> {
  %0 = xfmr.attention %q, %k, %v : (tensor<?x2x4x8xf32>, tensor<?x2x6x8xf32>, tensor<?x2x6x8xf32>) -> tensor<?x2x4x8xf32>
  return %0 : tensor<?x2x4x8xf32>
}

// -----

// A softcap bends the scaled scores through tanh before the mask is added;
// a sliding window hides the keys more than `left_window` before or
// `right_window` after the query's own position, in both lowerings.
// CHECK-LABEL: func.func @softcap_window
// CHECK: scf.forall
// CHECK: linalg.generic
// CHECK: %[[S:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: %[[Y:.*]] = arith.divf %[[S]], %[[CAP:.*]] : f32
// CHECK: %[[T:.*]] = math.tanh %[[Y]] : f32
// CHECK: %[[C:.*]] = arith.mulf %[[T]], %[[CAP]] : f32
// CHECK: %[[M:.*]] = arith.addf %[[C]], %{{.*}} : f32
// CHECK: %[[POS:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[AHEAD:.*]] = arith.subi %[[J:.*]], %[[POS]] : index
// CHECK: %[[RIGHT:.*]] = arith.cmpi sgt, %[[AHEAD]], %c1 : index
// CHECK: %[[BEHIND:.*]] = arith.subi %[[POS]], %[[J]] : index
// CHECK: %[[LEFT:.*]] = arith.cmpi sgt, %[[BEHIND]], %c2 : index
// CHECK: %[[HIDDEN:.*]] = arith.ori %[[RIGHT]], %[[LEFT]] : i1
// CHECK: arith.select %[[HIDDEN]], %{{.*}}, %[[M]] : f32
// WHOLE-LABEL: func.func @softcap_window
// WHOLE: math.tanh
// WHOLE: arith.cmpi sgt
// WHOLE: arith.cmpi sgt
// WHOLE: arith.ori
func.func @softcap_window(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %m: tensor<8x8xf32>) -> tensor<1x2x8x16xf32> {
  %0 = xfmr.attention %q, %k, %k mask %m {softcap = 3.000000e+01 : f32, left_window = 2 : i64, right_window = 1 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}
