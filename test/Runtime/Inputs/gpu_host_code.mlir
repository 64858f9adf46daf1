// Host code of a GPU program as MLIR's GPU lowering writes it: a stream,
// device memory, copies both ways, a kernel launch and the module's
// load/unload constructors. The test lowers it with LLVM 22's mlir-opt and
// mlir-translate and links it against libxfmr_runtime, so that the mgpu*
// functions are called with the exact signatures upstream emits.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @scale(%data: memref<?xf32>) kernel {
      gpu.return
    }
  }
  func.func @run(%host: memref<?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = memref.dim %host, %c0 : memref<?xf32>
    %t0 = gpu.wait async
    %data, %t1 = gpu.alloc async [%t0] (%n) : memref<?xf32>
    %t2 = gpu.memcpy async [%t1] %data, %host : memref<?xf32>, memref<?xf32>
    %t3 = gpu.launch_func async [%t2] @kernels::@scale
        blocks in (%c1, %c1, %c1) threads in (%n, %c1, %c1)
        args(%data : memref<?xf32>)
    %t4 = gpu.memcpy async [%t3] %host, %data : memref<?xf32>, memref<?xf32>
    %t5 = gpu.dealloc async [%t4] %data : memref<?xf32>
    gpu.wait [%t5]
    return
  }
}
