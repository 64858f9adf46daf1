// RUN: xfmr-opt %s --xfmr-cpu-expand-bf16 --split-input-file | FileCheck %s

// Arithmetic on bf16 is done in f32, then rounded back; the conversions
// become integer code: truncf adds 0x7fff plus the lowest kept bit (ties to
// even) and shifts, extf shifts.

// CHECK-LABEL: func @add
// CHECK-SAME: (%[[A:.*]]: vector<8xbf16>, %[[B:.*]]: vector<8xbf16>)
// CHECK-NOT: arith.extf
// CHECK-NOT: arith.truncf
// CHECK: arith.bitcast %[[A]] : vector<8xbf16> to vector<8xi16>
// CHECK: arith.extui {{.*}} : vector<8xi16> to vector<8xi32>
// CHECK: arith.shli
// CHECK: arith.bitcast {{.*}} : vector<8xi32> to vector<8xf32>
// CHECK: %[[SUM:.*]] = arith.addf {{.*}} : vector<8xf32>
// CHECK: arith.bitcast %[[SUM]] : vector<8xf32> to vector<8xi32>
// CHECK: arith.shrui
// CHECK: arith.trunci {{.*}} : vector<8xi32> to vector<8xi16>
// CHECK: %[[R:.*]] = arith.bitcast {{.*}} : vector<8xi16> to vector<8xbf16>
// CHECK: return %[[R]]
func.func @add(%a: vector<8xbf16>, %b: vector<8xbf16>) -> vector<8xbf16> {
  %s = arith.addf %a, %b : vector<8xbf16>
  return %s : vector<8xbf16>
}

// -----

// Math on bf16 is computed in f32 too; f16, f32 and f64 are left alone.

// CHECK-LABEL: func @ceil
// CHECK: math.ceil {{.*}} : f32
// CHECK-NOT: math.ceil {{.*}} : bf16
// CHECK: math.ceil {{.*}} : f16
// CHECK: math.exp {{.*}} : vector<2xf64>
func.func @ceil(%a: bf16, %h: f16, %x: vector<2xf64>) -> (bf16, f16, vector<2xf64>) {
  %c = math.ceil %a : bf16
  %d = math.ceil %h : f16
  %e = math.exp %x : vector<2xf64>
  return %c, %d, %e : bf16, f16, vector<2xf64>
}
