// RUN: xfmr-opt %s --allow-unregistered-dialect --split-input-file \
// RUN:   --xfmr-nvptx-place-buffers | FileCheck %s

// Host buffers become managed ones that kernels can reach; a weight is
// copied out of the library's read-only data into one, freed at the end.
memref.global "private" constant @weight : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// CHECK-LABEL: func.func @model
// CHECK: %[[W:.*]] = memref.get_global @weight
// CHECK: %[[WD:.*]] = gpu.alloc  host_shared () : memref<4xf32>
// CHECK: memref.copy %[[W]], %[[WD]]
// CHECK: %[[T:.*]] = gpu.alloc  host_shared () : memref<4xf32>
// CHECK: %[[S:.*]] = gpu.alloc  host_shared () : memref<2xf32>
// CHECK: gpu.launch
// CHECK: memref.load %[[WD]]
// CHECK: memref.store {{.*}}, %[[T]]
// CHECK: gpu.terminator
// CHECK: %[[W1:.*]] = gpu.wait async
// CHECK: %[[F1:.*]] = gpu.dealloc async [%[[W1]]] %[[WD]]
// CHECK: gpu.wait [%[[F1]]]
// CHECK: %[[W2:.*]] = gpu.wait async
// CHECK: gpu.dealloc async [%[[W2]]] %[[S]]
// CHECK: return %[[T]]
// CHECK-NOT: memref.alloc
func.func @model(%x: memref<4xf32>) -> memref<4xf32> {
  %w = memref.get_global @weight : memref<4xf32>
  %t = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
  %s = memref.alloca() : memref<2xf32>
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = memref.load %w[%tx] : memref<4xf32>
    %u = memref.load %x[%tx] : memref<4xf32>
    %r = arith.addf %v, %u : f32
    memref.store %r, %t[%tx] : memref<4xf32>
    memref.store %r, %s[%tx] : memref<2xf32>
    gpu.terminator
  }
  return %t : memref<4xf32>
}

// -----

// The buffers a run uses and drops share one arena, each at its offset (a
// multiple of 256 bytes, the largest first), freed once at the end; a buffer sized at run time
// and the result handed to the caller are allocations of their own.
// CHECK-LABEL: func.func @arena
// CHECK:      %[[ARENA:.*]] = gpu.alloc  host_shared () : memref<768xi8>
// CHECK:      %[[C512:.*]] = arith.constant 512 : index
// CHECK-NEXT: %[[A:.*]] = memref.view %[[ARENA]][%[[C512]]][] : memref<768xi8> to memref<2x8xf32>
// CHECK:      %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[B:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<768xi8> to memref<100xf32>
// CHECK:      %[[D:.*]] = gpu.alloc  host_shared (%{{.*}}) : memref<?xf32>
// CHECK:      %[[R:.*]] = gpu.alloc  host_shared () : memref<4xf32>
// CHECK:      gpu.dealloc async [%{{.*}}] %[[D]]
// CHECK:      gpu.dealloc async [%{{.*}}] %[[ARENA]]
// CHECK-NOT:  memref.dealloc
// CHECK:      return %[[R]]
func.func @arena(%n: index) -> memref<4xf32> {
  %a = memref.alloc() {alignment = 64 : i64} : memref<2x8xf32>
  %b = memref.alloc() : memref<100xf32>
  %d = memref.alloc(%n) : memref<?xf32>
  %r = memref.alloc() : memref<4xf32>
  "test.use"(%a, %b, %d, %r) : (memref<2x8xf32>, memref<100xf32>, memref<?xf32>, memref<4xf32>) -> ()
  memref.dealloc %a : memref<2x8xf32>
  memref.dealloc %b : memref<100xf32>
  memref.dealloc %d : memref<?xf32>
  return %r : memref<4xf32>
}

// -----

// Buffers whose lives do not overlap share bytes. A buffer lives until the
// last use of it or of a view of it, not until its free (the deallocation
// pipeline frees at the end of the block): %b is last used before %c is
// allocated, so %c reuses %b's offset, while %a, alive throughout, keeps its
// own. The arena is 1536 bytes, not the 2560 of the three side by side.
// CHECK-LABEL: func.func @reuse
// CHECK:      %[[ARENA:.*]] = gpu.alloc  host_shared () : memref<1536xi8>
// CHECK:      %[[C1024:.*]] = arith.constant 1024 : index
// CHECK-NEXT: %[[A:.*]] = memref.view %[[ARENA]][%[[C1024]]][] : memref<1536xi8> to memref<100xf32>
// CHECK:      %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[B:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<1536xi8> to memref<256xf32>
// CHECK:      "test.use"(%[[A]], %[[B]])
// CHECK:      %[[C0B:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[C:.*]] = memref.view %[[ARENA]][%[[C0B]]][] : memref<1536xi8> to memref<64xf32>
// CHECK:      "test.use"(%[[A]], %[[C]])
// CHECK-NOT:  memref.dealloc
// CHECK:      gpu.dealloc async [%{{.*}}] %[[ARENA]]
func.func @reuse() {
  %a = memref.alloc() : memref<100xf32>
  %b = memref.alloc() : memref<256xf32>
  "test.use"(%a, %b) : (memref<100xf32>, memref<256xf32>) -> ()
  %c = memref.alloc() : memref<64xf32>
  "test.use"(%a, %c) : (memref<100xf32>, memref<64xf32>) -> ()
  memref.dealloc %b : memref<256xf32>
  memref.dealloc %c : memref<64xf32>
  memref.dealloc %a : memref<100xf32>
  return
}

// -----

// A view keeps its buffer alive: %d is read through %v after %e is
// allocated, so the two do not share bytes.
// CHECK-LABEL: func.func @alias
// CHECK:      %[[ARENA:.*]] = gpu.alloc  host_shared () : memref<512xi8>
// CHECK:      %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[D:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<512xi8> to memref<16xf32>
// CHECK:      %[[V:.*]] = memref.subview %[[D]]
// CHECK:      %[[C256:.*]] = arith.constant 256 : index
// CHECK-NEXT: %[[E:.*]] = memref.view %[[ARENA]][%[[C256]]][] : memref<512xi8> to memref<16xf32>
// CHECK:      "test.use"(%[[V]], %[[E]])
func.func @alias() {
  %d = memref.alloc() : memref<16xf32>
  %v = memref.subview %d[4] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 4>>
  %e = memref.alloc() : memref<16xf32>
  "test.use"(%v, %e) : (memref<8xf32, strided<[1], offset: 4>>, memref<16xf32>) -> ()
  memref.dealloc %d : memref<16xf32>
  memref.dealloc %e : memref<16xf32>
  return
}
