// RUN: xfmr-opt %s --xfmr-nvptx-map-parallel-loops --split-input-file | FileCheck %s
// RUN: not xfmr-opt %s --xfmr-nvptx-map-parallel-loops=block-size=100 --split-input-file 2>&1 | FileCheck %s --check-prefix=BLOCK

// One thread per iteration of the flattened 2x768 space: 6 blocks of 256,
// the innermost dim fastest, threads past the end idle.
// CHECK-LABEL: func.func @elementwise
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C1536:.*]] = arith.constant 1536 : index
// CHECK-DAG: %[[C768:.*]] = arith.constant 768 : index
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C6]], {{.*}} threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256]], {{.*}} module(@xfmr_kernels)
// CHECK: %[[BASE:.*]] = arith.muli %[[BX]], %[[C256]]
// CHECK: %[[L:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[L]], %[[C1536]]
// CHECK: scf.if %[[IN]]
// CHECK: %[[J:.*]] = arith.remui %[[L]], %[[C768]]
// CHECK: %[[I:.*]] = arith.divui %[[L]], %[[C768]]
// CHECK: memref.load %{{.*}}[%[[I]], %[[J]]]
// CHECK: math.exp
// CHECK: gpu.terminator
// CHECK-NOT: scf.parallel
func.func @elementwise(%a: memref<2x768xf32>, %b: memref<2x768xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c768 = arith.constant 768 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c768) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<2x768xf32>
    %y = math.exp %x : f32
    memref.store %y, %b[%i, %j] : memref<2x768xf32>
  }
  return
}

// -----

// A dynamic trip count is counted on the host; a reduction stays a
// sequential loop in the thread; a small loop gets a block of a warp.
// CHECK-LABEL: func.func @row_sums
// CHECK: %[[N:.*]] = memref.dim
// CHECK: %[[GRID:.*]] = arith.ceildivui %{{.*}}, %{{.*}}
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[GRID]],
// CHECK: scf.if
// CHECK: scf.for
// CHECK-LABEL: func.func @small
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C32]],
func.func @row_sums(%a: memref<?x64xf32>, %b: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %a, %c0 : memref<?x64xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c64 step %c1 {
      %x = memref.load %a[%i, %k] : memref<?x64xf32>
      %s = memref.load %b[%i] : memref<?xf32>
      %t = arith.addf %s, %x : f32
      memref.store %t, %b[%i] : memref<?xf32>
    }
  }
  return
}
func.func @small(%b: memref<5xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c5) step (%c1) {
    memref.store %zero, %b[%i] : memref<5xf32>
  }
  return
}

// BLOCK: block-size must be a multiple of 32 from 32 to 1024, not 100
