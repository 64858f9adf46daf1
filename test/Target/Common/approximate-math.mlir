// RUN: xfmr-opt %s --xfmr-approximate-math | FileCheck %s

// exp, tanh and erf on vectors become arithmetic on the same vectors: no
// math call is left for LLVM to split into one libm call per lane.

// CHECK-LABEL: func.func @vector_functions
// CHECK-NOT:   math.exp
// CHECK-NOT:   math.tanh
// CHECK-NOT:   math.erf
// CHECK:       math.fma {{.*}} : vector<16xf32>
// CHECK:       return
func.func @vector_functions(%x: vector<16xf32>)
    -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
  %e = math.exp %x : vector<16xf32>
  %t = math.tanh %x : vector<16xf32>
  %r = math.erf %x : vector<16xf32>
  return %e, %t, %r : vector<16xf32>, vector<16xf32>, vector<16xf32>
}

// Scalars (the tail of a scalar op) are approximated too; log as well.

// CHECK-LABEL: func.func @scalar_log
// CHECK-NOT:   math.log
// CHECK:       return
func.func @scalar_log(%x: f32) -> f32 {
  %l = math.log %x : f32
  return %l : f32
}

// sin and cos stay libm calls: rotary tables evaluate them at arguments in
// the thousands.

// CHECK-LABEL: func.func @trigonometry_is_left
// CHECK:       math.sin %{{.*}} : vector<16xf32>
// CHECK:       math.cos %{{.*}} : vector<16xf32>
func.func @trigonometry_is_left(%x: vector<16xf32>)
    -> (vector<16xf32>, vector<16xf32>) {
  %s = math.sin %x : vector<16xf32>
  %c = math.cos %x : vector<16xf32>
  return %s, %c : vector<16xf32>, vector<16xf32>
}

// Half precision is computed in f32, where the approximation is.

// CHECK-LABEL: func.func @half_exp
// CHECK:       arith.extf %{{.*}} : vector<16xf16> to vector<16xf32>
// CHECK-NOT:   math.exp
// CHECK:       arith.truncf %{{.*}} : vector<16xf32> to vector<16xf16>
func.func @half_exp(%x: vector<16xf16>) -> vector<16xf16> {
  %e = math.exp %x : vector<16xf16>
  return %e : vector<16xf16>
}
