// RUN: xfmr-opt %s --xfmr-cpu-parallelize-loops=min-work=4096 --cse --split-input-file | FileCheck %s

// A loop with enough work: its dims collapse into one worksharing loop with
// a static schedule (16 x 48 tiles; 48 alone would split unevenly) and the
// tile's offsets are recovered from the collapsed index.

// CHECK-LABEL: func.func @collapsed
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C768:.*]] = arith.constant 768 : index
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop nowait schedule(static) {
// CHECK-NEXT: omp.loop_nest (%[[I:.*]]) : index = (%[[C0]]) to (%[[C768]]) step (%[[C1]]) {
// CHECK-NEXT: %[[IJ:.*]]:2 = affine.delinearize_index %[[I]] into (16, 48)
// CHECK: math.exp
// CHECK: omp.yield
// CHECK: omp.terminator
// CHECK-NOT: scf.
func.func @collapsed(%a: memref<128x768xf32>, %b: memref<128x768xf32>) {
  %cst = arith.constant 0.0 : f32
  scf.forall (%i, %j) = (0, 0) to (128, 768) step (8, 16) {
    %v = vector.transfer_read %a[%i, %j], %cst {in_bounds = [true, true]}
        : memref<128x768xf32>, vector<8x16xf32>
    %e = math.exp %v : vector<8x16xf32>
    vector.transfer_write %e, %b[%i, %j] {in_bounds = [true, true]}
        : vector<8x16xf32>, memref<128x768xf32>
  }
  return
}

// -----

// Dims collapse only as far as needed for an even split: 128 rows are
// enough, and each thread runs whole rows of 48 tiles.

// CHECK-LABEL: func.func @rows
// CHECK: omp.loop_nest (%[[I:.*]]) : index = (%{{.*}}) to (%{{.*}}) step
// CHECK-NOT: affine.delinearize_index
// CHECK: scf.parallel (%[[J:.*]]) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK: vector.transfer_read %{{.*}}[%[[I]], %[[J]]]
// CHECK: omp.yield
func.func @rows(%a: memref<128x768xf32>, %b: memref<128x768xf32>) {
  %cst = arith.constant 0.0 : f32
  scf.forall (%i, %j) = (0, 0) to (128, 768) step (1, 16) {
    %v = vector.transfer_read %a[%i, %j], %cst {in_bounds = [true]}
        : memref<128x768xf32>, vector<16xf32>
    %e = math.tanh %v : vector<16xf32>
    vector.transfer_write %e, %b[%i, %j] {in_bounds = [true]}
        : vector<16xf32>, memref<128x768xf32>
  }
  return
}

// -----

// Too little work for a fork and join (768 floats): the loop stays
// sequential.

// CHECK-LABEL: func.func @small
// CHECK-NOT: omp.
// CHECK: scf.parallel
func.func @small(%a: memref<768xf32>, %b: memref<768xf32>) {
  %cst = arith.constant 0.0 : f32
  scf.forall (%i) = (0) to (768) step (16) {
    %v = vector.transfer_read %a[%i], %cst {in_bounds = [true]}
        : memref<768xf32>, vector<16xf32>
    %e = arith.addf %v, %v : vector<16xf32>
    vector.transfer_write %e, %b[%i] {in_bounds = [true]}
        : vector<16xf32>, memref<768xf32>
  }
  return
}

// -----

// Only the outermost loop runs on threads (as flash attention's loop over
// heads and query blocks); the per-op loops inside it, under a sequential
// loop too, stay parallel loops, which are lowered sequentially.

// CHECK-LABEL: func.func @nested
// CHECK: omp.parallel {
// CHECK: omp.loop_nest
// CHECK: affine.delinearize_index %{{.*}} into (4, 4)
// CHECK: scf.for
// CHECK: scf.parallel
// CHECK-NOT: omp.parallel
// CHECK: omp.yield
func.func @nested(%a: memref<4x128x64xf32>, %b: memref<4x128x64xf32>) {
  %cst = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.forall (%h, %q) = (0, 0) to (4, 128) step (1, 32) {
    scf.for %k = %c0 to %c8 step %c1 {
      scf.forall (%r, %d) = (0, 0) to (32, 64) step (1, 16) {
        %row = arith.addi %q, %r : index
        %v = vector.transfer_read %a[%h, %row, %d], %cst {in_bounds = [true]}
            : memref<4x128x64xf32>, vector<16xf32>
        %e = math.exp %v : vector<16xf32>
        vector.transfer_write %e, %b[%h, %row, %d] {in_bounds = [true]}
            : vector<16xf32>, memref<4x128x64xf32>
      }
    }
  }
  return
}

// -----

// A loop of one iteration is not the one to parallelize: the loop inside
// it is.

// CHECK-LABEL: func.func @single_outer
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK: omp.parallel
// CHECK: omp.loop_nest
func.func @single_outer(%a: memref<1x128x768xf32>, %b: memref<1x128x768xf32>) {
  %cst = arith.constant 0.0 : f32
  scf.forall (%n) in (1) {
    scf.forall (%i, %j) = (0, 0) to (128, 768) step (8, 16) {
      %v = vector.transfer_read %a[%n, %i, %j], %cst {in_bounds = [true, true]}
          : memref<1x128x768xf32>, vector<8x16xf32>
      %e = math.exp %v : vector<8x16xf32>
      vector.transfer_write %e, %b[%n, %i, %j] {in_bounds = [true, true]}
          : vector<8x16xf32>, memref<1x128x768xf32>
    }
  }
  return
}

// -----

// A dynamic trip count: the work is compared with the minimum at run time
// (768 / 16 tiles of 2 instructions a row: 43 rows make 4096), and the
// region runs on one thread below it.

// CHECK-LABEL: func.func @dynamic
// CHECK: %[[N:.*]] = memref.dim
// CHECK: %[[TRIPS:.*]] = arith.maxsi %[[N]], %[[C0:.*]] : index
// CHECK: %[[C43:.*]] = arith.constant 43 : index
// CHECK: %[[ENOUGH:.*]] = arith.cmpi uge, %[[TRIPS]], %[[C43]] : index
// CHECK: omp.parallel if(%[[ENOUGH]]) {
// CHECK: omp.loop_nest (%{{.*}}) : index = (%[[C0]]) to (%[[TRIPS]])
func.func @dynamic(%a: memref<?x768xf32>, %b: memref<?x768xf32>) {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?x768xf32>
  scf.forall (%i, %j) = (0, 0) to (%n, 768) step (1, 16) {
    %v = vector.transfer_read %a[%i, %j], %cst {in_bounds = [true]}
        : memref<?x768xf32>, vector<16xf32>
    vector.transfer_write %v, %b[%i, %j] {in_bounds = [true]}
        : vector<16xf32>, memref<?x768xf32>
  }
  return
}

// -----

// A dynamic loop that would need more iterations than it is expected to run
// (4096 / 2 per row > max-dynamic-trip-count) stays sequential, with no
// run-time check.

// CHECK-LABEL: func.func @dynamic_narrow
// CHECK-NOT: omp.
// CHECK: scf.parallel
func.func @dynamic_narrow(%a: memref<?x16xf32>, %b: memref<?x16xf32>) {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?x16xf32>
  scf.forall (%i) = (0) to (%n) step (1) {
    %v = vector.transfer_read %a[%i, %c0], %cst {in_bounds = [true]}
        : memref<?x16xf32>, vector<16xf32>
    vector.transfer_write %v, %b[%i, %c0] {in_bounds = [true]}
        : vector<16xf32>, memref<?x16xf32>
  }
  return
}

// -----

// Loops with reductions across iterations are left alone.

// CHECK-LABEL: func.func @reduction
// CHECK-NOT: omp.
// CHECK: scf.parallel
// CHECK: scf.reduce
func.func @reduction(%a: memref<65536xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c65536 = arith.constant 65536 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%c65536) step (%c1) init (%zero) -> f32 {
    %x = memref.load %a[%i] : memref<65536xf32>
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %s = arith.addf %l, %r : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
