// RUN: xfmr-opt %s --split-input-file --xfmr-nvptx-kernels-per-arch | FileCheck %s

// A kernel with sm_90a code beside the code for all: the module is copied
// for sm_90a, which keeps only the sm_90a branch; the original keeps the
// first target and the other branch. Names and signatures stay.
// CHECK-LABEL: gpu.module @xfmr_kernels [#nvvm.target<chip = "sm_80">]
// CHECK: gpu.func @gemm(%[[A:.*]]: memref<4xf32>, %{{.*}}: memref<4xf32>)
// CHECK-NOT: compiled_for
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK-NOT: memref.store
// CHECK: gpu.return
// CHECK-LABEL: gpu.module @xfmr_kernels__sm_90a [#nvvm.target<chip = "sm_90a">]
// CHECK: gpu.func @gemm(%{{.*}}: memref<4xf32>, %[[B:.*]]: memref<4xf32>)
// CHECK-NOT: compiled_for
// CHECK: memref.store %{{.*}}, %[[B]]
// CHECK-NOT: memref.store
// CHECK: gpu.return
module attributes {gpu.container_module} {
  gpu.module @xfmr_kernels [#nvvm.target<chip = "sm_80">,
                            #nvvm.target<chip = "sm_90a">] {
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

// A module without such code keeps all its targets, and gets no copy.
// CHECK-LABEL: gpu.module @xfmr_kernels [#nvvm.target<chip = "sm_80">, #nvvm.target<chip = "sm_90a">]
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  gpu.module @xfmr_kernels [#nvvm.target<chip = "sm_80">,
                            #nvvm.target<chip = "sm_90a">] {
    gpu.func @k(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// One target: the conditions fold for it, with no copy.
// CHECK-LABEL: gpu.module @xfmr_kernels [#nvvm.target<chip = "sm_90a">]
// CHECK: memref.store %{{.*}}, %arg1
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  gpu.module @xfmr_kernels [#nvvm.target<chip = "sm_90a">] {
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
