// RUN: xfmr-opt %s --xfmr-codegen=cpu=x86-64-v4 | FileCheck %s
// RUN: xfmr-opt %s --xfmr-codegen=cpu=x86-64-v3 | FileCheck %s --check-prefix=AVX2
// RUN: not xfmr-opt %s --xfmr-codegen=cpu=pentium-z 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// The whole CPU pipeline on a linalg function: only the model ABI is
// exported, the entry's C wrapper is called with the results' and the
// inputs' descriptors from xfmr_model_entry's pointer array. The signature
// names the CPU and the ISA extensions the code may use, which the runtime
// checks before it runs the model.

// CHECK: llvm.func internal @main(
// CHECK: vector<16xf32>
// CHECK: llvm.call @aligned_alloc
// CHECK: llvm.func internal @_mlir_ciface_main(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK: llvm.mlir.global internal constant @xfmr_signature_text("xfmr-model\092\0Ainput\09x\09f32\09[?n]\0Aoutput\09y\09f32\09[?]\0Atarget\09cpu\09x86-64-v4\09{{.*}}avx2,fma,{{.*}},avx512f,{{.*}}\0A\00")
// CHECK: llvm.func @xfmr_model_signature() -> !llvm.ptr
// CHECK-NEXT: llvm.mlir.addressof @xfmr_signature_text
// CHECK: llvm.func @xfmr_model_entry(%[[ARGS:.*]]: !llvm.ptr)
// CHECK: %[[RES:.*]] = llvm.load %[[ARGS]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[SLOT:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[IN:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @_mlir_ciface_main(%[[RES]], %[[IN]])
// The erf polynomial on 512-bit vectors with AVX-512, 256-bit ones with AVX2.
// AVX2: llvm.func internal @main(
// AVX2-NOT: vector<16xf32>
// AVX2: vector<8xf32>
// AVX2-NOT: vector<16xf32>
// AVX2: @xfmr_signature_text("{{.*}}target\09cpu\09x86-64-v3\09{{.*}}avx2,fma,{{.*}}\0A\00")
// AVX2-NOT: avx512

// UNKNOWN: unknown CPU 'pentium-z'

#map = affine_map<(d0) -> (d0)>
func.func @main(%x: tensor<?xf32> {xfmr.name = "x", xfmr.dims = ["n"]})
    -> (tensor<?xf32> {xfmr.name = "y"}) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf32>
  %init = tensor.empty(%n) : tensor<?xf32>
  %0 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%x : tensor<?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.erf %in : f32
    linalg.yield %e : f32
  } -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
