// RUN: xfmr-opt %s --pass-pipeline='builtin.module(gpu.module(xfmr-nvptx-register-budget))' | FileCheck %s
// RUN: xfmr-opt %s --pass-pipeline='builtin.module(gpu.module(xfmr-nvptx-register-budget{registers=200}))' | FileCheck %s --check-prefix=R200

// A kernel holding mma.sync accumulators gets a register budget; one that
// has its own keeps it, and one without mma.sync gets none.
// CHECK-LABEL: gpu.func @mma
// CHECK-SAME: nvvm.maxnreg = 255 : i32
// CHECK-LABEL: gpu.func @own_budget
// CHECK-SAME: nvvm.maxnreg = 64 : i32
// CHECK-LABEL: gpu.func @elementwise
// CHECK-NOT: nvvm.maxnreg
// R200-LABEL: gpu.func @mma
// R200-SAME: nvvm.maxnreg = 200 : i32
module attributes {gpu.container_module} {
  gpu.module @xfmr_kernels {
    gpu.func @mma(%a: i32, %b: i32, %c: f32) kernel {
      %d = nvvm.mma.sync A[%a, %a, %a, %a] B[%b, %b] C[%c, %c, %c, %c] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      gpu.return
    }
    gpu.func @own_budget(%a: i32, %b: i32, %c: f32) kernel attributes {nvvm.maxnreg = 64 : i32} {
      %d = nvvm.mma.sync A[%a, %a, %a, %a] B[%b, %b] C[%c, %c, %c, %c] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      gpu.return
    }
    gpu.func @elementwise(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
}
