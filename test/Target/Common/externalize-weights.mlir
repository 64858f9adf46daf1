// RUN: xfmr-opt %s --xfmr-externalize-weights="weights-file=%t.weights threshold=128" | FileCheck %s
// RUN: %python -c "import sys; d = open(sys.argv[1], 'rb').read(); \
// RUN:   print(len(d), d[:4].hex(), d[128:132].hex(), d[256:260].hex(), d[260:320].count(0))" %t.weights \
// RUN:   | FileCheck %s --check-prefix=FILE
// RUN: xfmr-opt %s --xfmr-externalize-weights | FileCheck %s --check-prefix=OFF

// Constant buffers of at least `threshold` bytes move to the file, each at a
// multiple of 64 bytes (the 4-byte splat's 33 elements take 132 bytes, padded
// to 192); the entry reads them through views of a new last argument, and
// the signature names the file, its size and its hash. Smaller constants
// stay.

// CHECK: xfmr.signature = "xfmr-model\092\0Ainput\09x\09f32\09[32]\0Aoutput\09y\09f32\09[32]\0Aweights\09externalize-weights.mlir.tmp.weights\09320\09{{[0-9a-f]+}}\0A"
// CHECK-NOT: memref.global "private" constant @big
// CHECK-NOT: memref.global "private" constant @splat
// CHECK: memref.global "private" constant @small
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<32xf32>, %[[W:.*]]: memref<?xi8>)
// CHECK: %[[AT0:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[W]][%[[AT0]]][] : memref<?xi8> to memref<32xf32>
// CHECK: %[[AT128:.*]] = arith.constant 128 : index
// CHECK: memref.view %[[W]][%[[AT128]]][] : memref<?xi8> to memref<33xi32>
// CHECK: memref.get_global @small

// FILE: 320 0000803f 07000000 07000000 60

// Without a file named, nothing moves.
// OFF: memref.global "private" constant @big
// OFF: func.func @main(%{{.*}}: memref<32xf32>) -> memref<32xf32>
module attributes {xfmr.signature = "xfmr-model\092\0Ainput\09x\09f32\09[32]\0Aoutput\09y\09f32\09[32]\0A"} {
  memref.global "private" constant @big : memref<32xf32> = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0]> {alignment = 64 : i64}
  memref.global "private" constant @splat : memref<33xi32> = dense<7> {alignment = 64 : i64}
  memref.global "private" constant @small : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]> {alignment = 64 : i64}
  func.func @main(%x: memref<32xf32>) -> memref<32xf32> {
    %big = memref.get_global @big : memref<32xf32>
    %splat = memref.get_global @splat : memref<33xi32>
    %small = memref.get_global @small : memref<4xf32>
    %c0 = arith.constant 0 : index
    %v = memref.load %big[%c0] : memref<32xf32>
    %i = memref.load %splat[%c0] : memref<33xi32>
    %s = memref.load %small[%c0] : memref<4xf32>
    %f = arith.sitofp %i : i32 to f32
    %a = arith.addf %v, %f : f32
    %b = arith.addf %a, %s : f32
    %out = memref.alloc() : memref<32xf32>
    memref.store %b, %out[%c0] : memref<32xf32>
    return %out : memref<32xf32>
  }
}
