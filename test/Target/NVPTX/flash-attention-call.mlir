// RUN: xfmr-opt %s --split-input-file --convert-xfmr-to-linalg --xfmr-nvptx-flash-attention-call 2>/dev/null | FileCheck %s
// RUN: xfmr-opt %s --split-input-file --convert-xfmr-to-linalg --xfmr-nvptx-flash-attention-call 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK
// RUN: xfmr-opt %s --split-input-file --convert-xfmr-to-linalg --xfmr-nvptx-flash-attention-call=precision=tf32 2>/dev/null | FileCheck %s --check-prefix=TF32
// RUN: not xfmr-opt %s --split-input-file --convert-xfmr-to-linalg --xfmr-nvptx-flash-attention-call=precision=f32 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: the attention kernel takes f16, bf16 or tf32 operands, not 'f32'

// Causal GQA on bf16: the loop nest becomes a call on the buffers of the
// bf16 operands (the widening to f32 is looked through) and of an f32
// output, which the lowering's rounding to bf16 then reads.
// CHECK-LABEL: func.func @causal_gqa
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<2x8x?x64xbf16>, %[[K:[^:]*]]: tensor<2x2x?x64xbf16>
// CHECK-NOT: scf.forall
// CHECK: %[[QB:.*]] = bufferization.to_buffer %[[Q]] read_only : tensor<2x8x?x64xbf16> to memref<2x8x?x64xbf16>
// CHECK: %[[KB:.*]] = bufferization.to_buffer %[[K]] read_only : tensor<2x2x?x64xbf16> to memref<2x2x?x64xbf16>
// CHECK: %[[VB:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<2x2x?x64xbf16> to memref<2x2x?x64xbf16>
// CHECK: %[[OB:.*]] = memref.alloc(%{{.*}}) : memref<2x8x?x64xf32>
// CHECK: call @[[KERNEL:.*]](%[[QB]], %[[KB]], %[[VB]], %[[OB]])
// CHECK: %[[O:.*]] = bufferization.to_tensor %[[OB]] restrict writable
// CHECK: linalg.generic {{.*}} ins(%[[O]] : tensor<2x8x?x64xf32>)
// CHECK: arith.truncf
// CHECK: func.func private @[[KERNEL]](memref<2x8x?x64xbf16>, memref<2x2x?x64xbf16>, memref<2x2x?x64xbf16>, memref<2x8x?x64xf32>) attributes {xfmr.flash_attention_kernel = {causal = true, causal_offset = 0 : i64, mask = false, scale = 1.250000e-01 : f64}}
func.func @causal_gqa(%q: tensor<2x8x?x64xbf16>, %k: tensor<2x2x?x64xbf16>, %v: tensor<2x2x?x64xbf16>) -> tensor<2x8x?x64xbf16> {
  %o = xfmr.attention %q, %k, %v {is_causal} : (tensor<2x8x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x64xbf16>) -> tensor<2x8x?x64xbf16>
  return %o : tensor<2x8x?x64xbf16>
}

// -----

// A boolean mask [Sq, T] goes to the kernel as a fifth buffer.
// CHECK-LABEL: func.func @masked
// CHECK: %[[MB:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x?xi1> to memref<?x?xi1>
// CHECK: call @[[KERNEL:.*]](%{{.*}}, %{{.*}}, %{{.*}}, %[[MB]], %{{.*}}) : (memref<1x4x?x64xf32>, memref<1x4x?x64xf32>, memref<1x4x?x64xf32>, memref<?x?xi1>, memref<1x4x?x64xf32>) -> ()
// CHECK: func.func private @[[KERNEL]]({{.*}}) attributes {xfmr.flash_attention_kernel = {causal = false, causal_offset = 0 : i64, mask = true,
func.func @masked(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>, %v: tensor<1x4x?x64xf32>, %m: tensor<?x?xi1>) -> tensor<1x4x?x64xf32> {
  %o = xfmr.attention %q, %k, %v mask %m : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<?x?xi1>) -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// -----

// A softcap, or a head size the kernel does not take: the loop nest
// stays, with a remark.
// REMARK-NOT: remark
// REMARK: :[[# @LINE + 15]]:8: remark: attention stays on the generic loops: a softcap
// REMARK: :[[# @LINE + 18]]:8: remark: attention stays on the generic loops: a head size that is not a multiple of 16 up to 128
// CHECK-LABEL: func.func @softcap
// CHECK: scf.forall
// CHECK-NOT: call
// CHECK-LABEL: func.func @odd_head
// CHECK: scf.forall
// CHECK-NOT: call
// With tf32 (m16n8k8) a head size that is a multiple of 8 is enough.
// TF32-LABEL: func.func @softcap
// TF32: scf.forall
// TF32-LABEL: func.func @odd_head
// TF32-NOT: scf.forall
// TF32: call @{{.*}}(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<1x4x?x40xf32>, memref<1x4x?x40xf32>, memref<1x4x?x40xf32>, memref<1x4x?x40xf32>) -> ()
func.func @softcap(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>, %v: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %o = xfmr.attention %q, %k, %v {softcap = 3.000000e+01 : f32} : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}
func.func @odd_head(%q: tensor<1x4x?x40xf32>, %k: tensor<1x4x?x40xf32>, %v: tensor<1x4x?x40xf32>) -> tensor<1x4x?x40xf32> {
  %o = xfmr.attention %q, %k, %v : (tensor<1x4x?x40xf32>, tensor<1x4x?x40xf32>, tensor<1x4x?x40xf32>) -> tensor<1x4x?x40xf32>
  return %o : tensor<1x4x?x40xf32>
}
