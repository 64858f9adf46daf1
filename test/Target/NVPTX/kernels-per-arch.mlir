// RUN: xfmr-opt %s --split-input-file --xfmr-nvptx-kernels-per-arch=chips=sm_80,sm_90a | FileCheck %s
// RUN: xfmr-opt %s --split-input-file --xfmr-nvptx-kernels-per-arch=chips=sm_90a | FileCheck %s --check-prefix=ONE

// A kernel with sm_90a code beside the code for all: the module is copied
// for sm_90a, which keeps only the sm_90a branch; the original keeps the
// other branch, for sm_80. Names and signatures stay; the host's copy of a
// shared-memory global goes.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK-NOT: memref.global
// CHECK-LABEL: gpu.module @xfmr_kernels {
// CHECK: gpu.func @gemm(%[[A:.*]]: memref<4xf32>, %{{.*}}: memref<4xf32>)
// CHECK-NOT: compiled_for
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK-NOT: memref.store
// CHECK: gpu.return
// CHECK-LABEL: gpu.module @xfmr_kernels__sm_90a {
// CHECK: gpu.func @gemm(%{{.*}}: memref<4xf32>, %[[B:.*]]: memref<4xf32>)
// CHECK-NOT: compiled_for
// CHECK: memref.store %{{.*}}, %[[B]]
// CHECK-NOT: memref.store
// CHECK: gpu.return
// ONE-LABEL: gpu.module @xfmr_kernels {
// ONE: memref.store %{{.*}}, %arg1
// ONE-NOT: gpu.module @xfmr_kernels__
module attributes {gpu.container_module} {
  memref.global "private" @bars : memref<2xi64, 3> = uninitialized
  gpu.module @xfmr_kernels {
    memref.global "private" @bars : memref<2xi64, 3> = uninitialized
    gpu.func @gemm(%a: memref<4xf32>, %b: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %one = arith.constant 1.0 : f32
      %sm90a = builtin.unrealized_conversion_cast to i1 {xfmr.nvptx.compiled_for = "sm_90a"}
      scf.if %sm90a {
        memref.store %one, %b[%c0] : memref<4xf32>
      } else {
        memref.store %one, %a[%c0] : memref<4xf32>
      }
      gpu.return
    }
  }
}

// -----

// A module without such code gets no copy.
// CHECK-LABEL: gpu.module @xfmr_kernels {
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  gpu.module @xfmr_kernels {
    gpu.func @k(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}
