// RUN: xfmr-opt %s --xfmr-nvptx-stream-host-work | FileCheck %s

// Launches, copies and frees queue on one token; the host waits only before
// it reads memory itself, and a loop's body chains its own work.
module attributes {gpu.container_module} {
  gpu.module @xfmr_kernels {
    gpu.func @k(%a: memref<8xf32>) kernel {
      gpu.return
    }
    gpu.func @w(%a: memref<64x32xf32>) kernel {
      gpu.return
    }
    gpu.func @gemm(%map: !llvm.ptr) kernel {
      gpu.return
    }
  }

  // CHECK-LABEL: func.func @model
  // CHECK:      %[[T0:.*]] = gpu.wait async
  // CHECK-NEXT: %[[T1:.*]] = gpu.launch_func async [%[[T0]]] @xfmr_kernels::@k
  // CHECK-NEXT: %[[T2:.*]] = gpu.memcpy async [%[[T1]]] %[[B:.*]], %[[A:.*]] : memref<8xf32>, memref<8xf32>
  // CHECK-NEXT: %[[T3:.*]] = gpu.launch_func async [%[[T2]]] @xfmr_kernels::@k
  // CHECK-NEXT: %[[T4:.*]] = gpu.dealloc async [%[[T3]]] %[[A]]
  // CHECK-NEXT: gpu.wait [%[[T4]]]
  // CHECK-NEXT: memref.load %[[B]]
  // CHECK:      scf.for
  // CHECK-NEXT:   %[[L0:.*]] = gpu.wait async
  // CHECK-NEXT:   gpu.launch_func async [%[[L0]]] @xfmr_kernels::@k
  // CHECK:      %[[T5:.*]] = gpu.wait async
  // CHECK-NEXT: gpu.launch_func async [%[[T5]]] @xfmr_kernels::@k
  // CHECK-NEXT: return
  // CHECK-NOT:  gpu.wait [
  func.func @model(%n: index) -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %a = gpu.alloc host_shared () : memref<8xf32>
    %b = gpu.alloc host_shared () : memref<8xf32>
    gpu.launch_func @xfmr_kernels::@k blocks in (%c1, %c1, %c1)
        threads in (%c1, %c1, %c1) args(%a : memref<8xf32>)
    memref.copy %a, %b : memref<8xf32> to memref<8xf32>
    gpu.launch_func @xfmr_kernels::@k blocks in (%c1, %c1, %c1)
        threads in (%c1, %c1, %c1) args(%b : memref<8xf32>)
    %w = gpu.wait async
    %f = gpu.dealloc async [%w] %a : memref<8xf32>
    gpu.wait [%f]
    %v = memref.load %b[%c0] : memref<8xf32>
    scf.for %i = %c0 to %n step %c1 {
      gpu.launch_func @xfmr_kernels::@k blocks in (%c1, %c1, %c1)
          threads in (%c1, %c1, %c1) args(%b : memref<8xf32>)
    }
    gpu.launch_func @xfmr_kernels::@k blocks in (%c1, %c1, %c1)
        threads in (%c1, %c1, %c1) args(%b : memref<8xf32>)
    return %v : f32
  }

  // Making a tensor map reads the buffer's address and shape, not its
  // elements: the encoding call and the stores of its box do not wait for
  // the kernel that writes the buffer, and the GEMM queues behind it.
  // CHECK-LABEL: func.func @tensor_map
  // CHECK:      %[[M0:.*]] = gpu.wait async
  // CHECK-NEXT: %[[M1:.*]] = gpu.launch_func async [%[[M0]]] @xfmr_kernels::@w
  // CHECK:      llvm.alloca
  // CHECK:      llvm.store
  // CHECK:      llvm.store
  // CHECK:      %[[MAP:.*]] = llvm.call @mgpuTensorMapEncodeTiledMemref
  // CHECK-NEXT: gpu.launch_func async [%[[M1]]] @xfmr_kernels::@gemm
  // CHECK-SAME: args(%[[MAP]] : !llvm.ptr
  // CHECK-NEXT: return
  func.func @tensor_map(%a: memref<64x32xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @xfmr_kernels::@w blocks in (%c1, %c1, %c1)
        threads in (%c1, %c1, %c1) args(%a : memref<64x32xf32>)
    %n = llvm.mlir.constant(2 : i64) : i64
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %box = llvm.alloca %n x i64 : (i64) -> !llvm.ptr
    %rows = llvm.mlir.constant(64 : i64) : i64
    llvm.store %rows, %box : i64, !llvm.ptr
    %at1 = llvm.getelementptr %box[1] : (!llvm.ptr) -> !llvm.ptr, i64
    %k = llvm.mlir.constant(32 : i64) : i64
    llvm.store %k, %at1 : i64, !llvm.ptr
    %cast = memref.cast %a : memref<64x32xf32> to memref<*xf32>
    %d = builtin.unrealized_conversion_cast %cast : memref<*xf32> to !llvm.struct<(i64, ptr)>
    %rank = llvm.extractvalue %d[0] : !llvm.struct<(i64, ptr)>
    %desc = llvm.extractvalue %d[1] : !llvm.struct<(i64, ptr)>
    %f32 = llvm.mlir.constant(7 : i64) : i64
    %map = llvm.call @mgpuTensorMapEncodeTiledMemref(%rank, %desc, %f32, %c0, %c0, %c0, %c0, %box) : (i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
    gpu.launch_func @xfmr_kernels::@gemm blocks in (%c1, %c1, %c1)
        threads in (%c1, %c1, %c1) args(%map : !llvm.ptr)
    return
  }

  // A slot the host also reads is host memory like any other: it waits.
  // CHECK-LABEL: func.func @slot_read
  // CHECK:      gpu.launch_func async
  // CHECK:      gpu.wait [
  // CHECK-NEXT: llvm.alloca
  func.func @slot_read(%a: memref<64x32xf32>) -> i64 {
    %c1 = arith.constant 1 : index
    gpu.launch_func @xfmr_kernels::@w blocks in (%c1, %c1, %c1)
        threads in (%c1, %c1, %c1) args(%a : memref<64x32xf32>)
    %n = llvm.mlir.constant(2 : i64) : i64
    %box = llvm.alloca %n x i64 : (i64) -> !llvm.ptr
    llvm.store %n, %box : i64, !llvm.ptr
    %cast = memref.cast %a : memref<64x32xf32> to memref<*xf32>
    %d = builtin.unrealized_conversion_cast %cast : memref<*xf32> to !llvm.struct<(i64, ptr)>
    %rank = llvm.extractvalue %d[0] : !llvm.struct<(i64, ptr)>
    %desc = llvm.extractvalue %d[1] : !llvm.struct<(i64, ptr)>
    %map = llvm.call @mgpuTensorMapEncodeTiledMemref(%rank, %desc, %n, %n, %n, %n, %n, %box) : (i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
    %v = llvm.load %box : !llvm.ptr -> i64
    return %v : i64
  }
  llvm.func @mgpuTensorMapEncodeTiledMemref(i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
}
