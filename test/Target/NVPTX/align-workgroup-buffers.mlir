// RUN: xfmr-opt %s --pass-pipeline='builtin.module(gpu.module(gpu.func(xfmr-nvptx-align-workgroup-buffers)))' | FileCheck %s

// A workgroup buffer without an alignment gets 16 bytes; one with its own
// keeps it.
// CHECK-LABEL: gpu.func @tiles
// CHECK-SAME: workgroup(%{{.*}} : memref<64x72xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64})
gpu.module @kernels {
  gpu.func @tiles() workgroup(%a : memref<64x72xbf16, #gpu.address_space<workgroup>>, %b : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64}) kernel {
    gpu.return
  }
}
