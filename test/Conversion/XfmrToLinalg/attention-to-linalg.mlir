// RUN: xfmr-opt %s --convert-xfmr-to-linalg="flash-attention=false" --split-input-file | FileCheck %s

// GQA, causal, with a past: the past and new keys/values are concatenated
// (and returned as present), the query heads split into [Hkv, G], then
// q·kᵀ, scale + causal frontier, max, exp, sum, exp·v, divide, and the head
// dims merged back.

// CHECK-DAG: #[[$Q:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d5)>
// CHECK-DAG: #[[$K:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d5)>
// CHECK-DAG: #[[$S:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[$V:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d4)>
// CHECK-DAG: #[[$ID5:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @gqa_causal_past
// CHECK-SAME: (%[[Q:.*]]: tensor<1x32x?x64xf32>{{( \{[^}]*\})?}}, %[[K:.*]]: tensor<1x8x?x64xf32>{{( \{[^}]*\})?}}, %[[V:.*]]: tensor<1x8x?x64xf32>{{( \{[^}]*\})?}}, %[[PK:.*]]: tensor<1x8x?x64xf32>{{( \{[^}]*\})?}}, %[[PV:.*]]: tensor<1x8x?x64xf32>{{( \{[^}]*\})?}})
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[P:.*]] = tensor.dim %[[PK]], %c2
// CHECK: %[[KE:.*]] = tensor.empty(%{{.*}}) : tensor<1x8x?x64xf32>
// CHECK: %[[K0:.*]] = tensor.insert_slice %[[PK]] into %[[KE]][0, 0, 0, 0]
// CHECK: %[[KEYS:.*]] = tensor.insert_slice %[[K]] into %[[K0]][0, 0, %{{.*}}, 0]
// CHECK: %[[V0:.*]] = tensor.insert_slice %[[PV]] into
// CHECK: %[[VALUES:.*]] = tensor.insert_slice %[[V]] into %[[V0]]
// CHECK: %[[Q5:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 8, 4, %{{.*}}, 64] : tensor<1x32x?x64xf32> into tensor<1x8x4x?x64xf32>
// CHECK: %[[SINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x8x4x?x?xf32>)
// CHECK: %[[SCORES:.*]] = linalg.generic {indexing_maps = [#[[$Q]], #[[$K]], #[[$S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[Q5]], %[[KEYS]] : tensor<1x8x4x?x64xf32>, tensor<1x8x?x64xf32>) outs(%[[SINIT]] : tensor<1x8x4x?x?xf32>)
// CHECK: %[[MASKED:.*]] = linalg.generic {indexing_maps = [#[[$ID5]], #[[$ID5]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[SCORES]] :
// CHECK: ^bb0(%[[SV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SS:.*]] = arith.mulf %[[SV]], %[[SCALE]]
// CHECK: %[[I:.*]] = linalg.index 3 : index
// CHECK: %[[J:.*]] = linalg.index 4 : index
// CHECK: %[[FRONT:.*]] = arith.addi %[[I]], %[[P]] : index
// CHECK: %[[HIDDEN:.*]] = arith.cmpi sgt, %[[J]], %[[FRONT]] : index
// CHECK: arith.select %[[HIDDEN]], %[[NEGINF]], %[[SS]]
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<1x8x4x?xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[$ID5]], #[[$ROW]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[MASKED]] : {{.*}}) outs(%[[MAXINIT]] :
// CHECK: arith.maximumf
// CHECK: %[[EXP:.*]] = linalg.generic {indexing_maps = [#[[$ID5]], #[[$ROW]], #[[$ID5]]], {{.*}} ins(%[[MASKED]], %[[MAX]] :
// CHECK: ^bb0(%[[X:.*]]: f32, %[[M:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ALL:.*]] = arith.cmpf oeq, %[[M]], %[[NEGINF]]
// CHECK: %[[SHIFT:.*]] = arith.select %[[ALL]], %[[ZERO]], %[[M]]
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[SHIFT]]
// CHECK: math.exp %[[D]]
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$ID5]], #[[$ROW]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[EXP]] :
// CHECK: arith.addf
// CHECK: %[[PV_:.*]] = linalg.generic {indexing_maps = [#[[$Q]], #[[$V]], #[[$S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[EXP]], %[[VALUES]] : tensor<1x8x4x?x?xf32>, tensor<1x8x?x64xf32>) outs(%{{.*}} : tensor<1x8x4x?x64xf32>)
// CHECK: %[[OUT:.*]] = linalg.generic {indexing_maps = [#[[$ID5]], #[[$ROW]], #[[$ID5]]], {{.*}} ins(%[[PV_]], %[[SUM]] :
// CHECK: ^bb0(%[[O:.*]]: f32, %[[L:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[EMPTYROW:.*]] = arith.cmpf oeq, %[[L]], %[[ZERO]]
// CHECK: %[[DEN:.*]] = arith.select %[[EMPTYROW]], %[[ONE]], %[[L]]
// CHECK: arith.divf %[[O]], %[[DEN]]
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[OUT]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x8x4x?x64xf32> into tensor<1x32x?x64xf32>
// CHECK: return %[[R]], %[[KEYS]], %[[VALUES]]
func.func @gqa_causal_past(%q: tensor<1x32x?x64xf32>, %k: tensor<1x8x?x64xf32> {xfmr.dims = ["", "", "t", ""]}, %v: tensor<1x8x?x64xf32> {xfmr.dims = ["", "", "t", ""]}, %pk: tensor<1x8x?x64xf32> {xfmr.dims = ["", "", "p", ""]}, %pv: tensor<1x8x?x64xf32> {xfmr.dims = ["", "", "p", ""]}) -> (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) {
  %0:3 = xfmr.attention %q, %k, %v past %pk, %pv {is_causal} : (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> (tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
  return %0#0, %0#1, %0#2 : tensor<1x32x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>
}

// -----

// A 2-D boolean keep-mask broadcasts over batch and heads; the default
// scale of a dynamic head dim is computed at run time.
// CHECK-DAG: #[[$MASK:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d3, d4)>
// CHECK-LABEL: func.func @bool_mask_dynamic_head_dim
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x?x?xf32>{{( \{[^}]*\})?}}, %{{.*}}: tensor<2x4x?x?xf32>{{( \{[^}]*\})?}}, %{{.*}}: tensor<2x4x?x?xf32>{{( \{[^}]*\})?}}, %[[M:.*]]: tensor<?x?xi1>{{( \{[^}]*\})?}})
// CHECK: %[[D:.*]] = tensor.dim %[[Q]], %c3
// CHECK: %[[DI:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: %[[DF:.*]] = arith.sitofp %[[DI]] : i64 to f32
// CHECK: %[[SCALE:.*]] = math.rsqrt %[[DF]] : f32
// CHECK: tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [2, 4, 1, %{{.*}}, %{{.*}}]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$MASK]], #{{.*}}], {{.*}} ins(%{{.*}}, %[[M]] : tensor<2x4x1x?x?xf32>, tensor<?x?xi1>)
// CHECK: ^bb0(%[[S:.*]]: f32, %[[KEEP:.*]]: i1, %{{.*}}: f32):
// CHECK: %[[SS:.*]] = arith.mulf %[[S]], %[[SCALE]]
// CHECK: arith.select %[[KEEP]], %[[SS]], %{{.*}}
// CHECK-NOT: linalg.index
// CHECK: linalg.yield
func.func @bool_mask_dynamic_head_dim(%q: tensor<2x4x?x?xf32> {xfmr.dims = ["", "", "s", "d"]}, %k: tensor<2x4x?x?xf32> {xfmr.dims = ["", "", "t", "d"]}, %v: tensor<2x4x?x?xf32> {xfmr.dims = ["", "", "t", "e"]}, %m: tensor<?x?xi1> {xfmr.dims = ["s", "t"]}) -> tensor<2x4x?x?xf32> {
  %0 = xfmr.attention %q, %k, %v mask %m : (tensor<2x4x?x?xf32>, tensor<2x4x?x?xf32>, tensor<2x4x?x?xf32>, tensor<?x?xi1>) -> tensor<2x4x?x?xf32>
  return %0 : tensor<2x4x?x?xf32>
}

// -----

// An additive mask with a head dim is split like the query heads; its
// size-1 dims read index 0. An explicit scale is used as given.
// CHECK-DAG: #[[$MASK:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, d2, 0, d4)>
// CHECK-LABEL: func.func @additive_mask_per_head
// CHECK-SAME: %[[M:[^:]*]]: tensor<1x12x1x?xf32>
// CHECK: %[[SCALE:.*]] = arith.constant 5.000000e-01 : f32
// The mask's key dim is checked against the past's length plus the new
// keys' at run time; a failed run reads zeros of the size it expects.
// CHECK: %[[T:.*]] = arith.addi %{{.*}}, %c1 : index
// CHECK: %[[MT:.*]] = tensor.dim %[[M]], %c3
// CHECK: %[[BAD:.*]] = arith.cmpi ne, %[[MT]], %[[T]]
// CHECK: scf.if %[[BAD]] {
// CHECK-NEXT: func.call @xfmr_check_failed(
// CHECK: %[[MC:.*]] = scf.if %[[BAD]] -> (tensor<1x12x1x?xf32>)
// CHECK: scf.yield %[[M]]
// CHECK: %[[M5:.*]] = tensor.expand_shape %[[MC]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 4, 3, 1, %{{.*}}] : tensor<1x12x1x?xf32> into tensor<1x4x3x1x?xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$MASK]], #{{.*}}], {{.*}} ins(%{{.*}}, %[[M5]] :
// CHECK: %[[SS:.*]] = arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: arith.addf %[[SS]], %{{.*}}
func.func @additive_mask_per_head(%q: tensor<1x12x1x64xf32>, %k: tensor<1x4x1x64xf32>, %v: tensor<1x4x1x64xf32>, %m: tensor<1x12x1x?xf32>, %pk: tensor<1x4x?x64xf32> {xfmr.dims = ["", "", "p", ""]}, %pv: tensor<1x4x?x64xf32> {xfmr.dims = ["", "", "p", ""]}) -> (tensor<1x12x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) {
  %0:3 = xfmr.attention %q, %k, %v mask %m past %pk, %pv {scale = 0.5 : f32} : (tensor<1x12x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x12x1x?xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> (tensor<1x12x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
  return %0#0, %0#1, %0#2 : tensor<1x12x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>
}

// -----

// With both head counts dynamic the group size is unknown on both sides of
// the split, so keys and values are repeated per query head instead. The
// head counts are checked at run time (Hkv > 0 divides Hq); a failed run
// repeats a zero head, and no index passes the last key/value head.
// CHECK-LABEL: func.func @dynamic_heads
// CHECK-SAME: (%[[Q:.*]]: tensor<1x?x8x16xf32>{{( \{[^}]*\})?}}, %[[K:.*]]: tensor<1x?x8x16xf32>{{( \{[^}]*\})?}}, %[[V:.*]]: tensor<1x?x8x16xf32>{{( \{[^}]*\})?}})
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
// CHECK: %[[KS:.*]] = scf.if %[[FAILED]] -> (tensor<1x?x8x16xf32>) {
// CHECK: linalg.fill
// CHECK: } else {
// CHECK-NEXT: scf.yield %[[K]]
// CHECK: %[[KSHEADS:.*]] = tensor.dim %[[KS]], %c1
// CHECK: %[[LAST:.*]] = arith.subi %[[KSHEADS]], %c1
// CHECK: %[[KR:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x?x8x16xf32>)
// CHECK: %[[H:.*]] = linalg.index 1 : index
// CHECK: %[[KVH:.*]] = arith.divui %[[H]], %[[G]] : index
// CHECK: %[[CLAMPED:.*]] = arith.minui %[[KVH]], %[[LAST]] : index
// CHECK: tensor.extract %[[KS]][%{{.*}}, %[[CLAMPED]], %{{.*}}, %{{.*}}] : tensor<1x?x8x16xf32>
// CHECK: %[[VS:.*]] = scf.if %[[FAILED]]
// CHECK: %[[VR:.*]] = linalg.generic
// CHECK: tensor.extract %[[VS]]
// CHECK: tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, %{{.*}}, 1, 8, 16] : tensor<1x?x8x16xf32> into tensor<1x?x1x8x16xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[KR]] : tensor<1x?x1x8x16xf32>, tensor<1x?x8x16xf32>)
func.func @dynamic_heads(%q: tensor<1x?x8x16xf32> {xfmr.dims = ["", "h", "", ""]}, %k: tensor<1x?x8x16xf32> {xfmr.dims = ["", "g", "", ""]}, %v: tensor<1x?x8x16xf32> {xfmr.dims = ["", "g", "", ""]}) -> tensor<1x?x8x16xf32> {
  %0 = xfmr.attention %q, %k, %v : (tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>) -> tensor<1x?x8x16xf32>
  return %0 : tensor<1x?x8x16xf32>
}
