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

// A row reduction (out[i] folded with a value per k) runs one warp per
// row, 8 rows per block of 256, the rows counted on the host: each lane
// folds every 32nd element from the identity, five xor shuffles combine the
// lanes, and lane 0 folds the result into the output.
// CHECK-LABEL: func.func @row_sums
// CHECK: %[[N:.*]] = memref.dim
// CHECK: %[[GRID:.*]] = arith.ceildivui %[[N]], %c8
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[GRID]], {{.*}} threads({{.*}}) in (%{{.*}} = %c256,
// CHECK: %[[WARP:.*]] = arith.divui %{{.*}}, %c32
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK: scf.if
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PART:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32)
// CHECK: memref.load %arg0
// CHECK: arith.addf %[[ACC]]
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[LANE]]
// CHECK: scf.if %[[FIRST]]
// CHECK: %[[OLD:.*]] = memref.load %arg1
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]]
// CHECK: memref.store %[[NEW]], %arg1
// The identity of a max is -inf.
// CHECK-LABEL: func.func @row_max
// CHECK: arith.constant 0xFF800000 : f32
// CHECK-COUNT-5: gpu.shuffle  xor
// A loop that also writes elsewhere is one thread per row; a small loop
// gets a block of a warp.
// CHECK-LABEL: func.func @not_a_reduction
// CHECK-NOT: gpu.shuffle
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
func.func @row_max(%a: memref<?x64xf32>, %b: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %a, %c0 : memref<?x64xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c64 step %c1 {
      %x = memref.load %a[%i, %k] : memref<?x64xf32>
      %s = memref.load %b[%i] : memref<?xf32>
      %t = arith.maximumf %s, %x : f32
      memref.store %t, %b[%i] : memref<?xf32>
    }
  }
  return
}
func.func @not_a_reduction(%a: memref<?x64xf32>, %b: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %a, %c0 : memref<?x64xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c64 step %c1 {
      %x = memref.load %a[%i, %k] : memref<?x64xf32>
      %s = memref.load %b[%i] : memref<?xf32>
      %t = arith.addf %s, %x : f32
      memref.store %t, %a[%i, %k] : memref<?x64xf32>
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
