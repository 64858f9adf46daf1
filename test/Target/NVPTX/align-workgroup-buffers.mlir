// RUN: xfmr-opt %s --pass-pipeline='builtin.module(gpu.module(xfmr-nvptx-align-workgroup-buffers))' | FileCheck %s
// RUN: xfmr-opt %s --pass-pipeline='builtin.module(gpu.module(xfmr-nvptx-align-workgroup-buffers{alignment=32}))' | FileCheck %s --check-prefix=A32

// Every workgroup buffer gets at least 16 bytes of alignment; one that asks
// for more keeps it. Private buffers are left alone.
// CHECK-LABEL: gpu.func @kernel
// CHECK-SAME: workgroup(%{{.*}} : memref<64x40xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64})
// CHECK-SAME: private(%{{.*}} : memref<4xf32, #gpu.address_space<private>>)
// A32: workgroup(%{{.*}} : memref<64x40xf32, #gpu.address_space<workgroup>> {llvm.align = 32 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64})
module attributes {gpu.container_module} {
  gpu.module @xfmr_kernels {
    gpu.func @kernel() workgroup(%a : memref<64x40xf32, #gpu.address_space<workgroup>>, %b : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64}) private(%p : memref<4xf32, #gpu.address_space<private>>) kernel {
      gpu.return
    }
  }
}
