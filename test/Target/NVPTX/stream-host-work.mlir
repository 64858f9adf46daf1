// RUN: xfmr-opt %s --xfmr-nvptx-stream-host-work | FileCheck %s

// Launches, copies and frees queue on one token; the host waits only before
// it reads memory itself, and a loop's body chains its own work.
module attributes {gpu.container_module} {
  gpu.module @xfmr_kernels {
    gpu.func @k(%a: memref<8xf32>) kernel {
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
}
