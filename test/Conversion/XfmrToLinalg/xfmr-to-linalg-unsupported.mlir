// RUN: xfmr-opt %s -convert-xfmr-to-linalg -verify-diagnostics

// Ops without a lowering yet are reported where they are.
func.func @not_lowered(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{no lowering to linalg for 'xfmr.attention' yet}}
  %0 = xfmr.attention %q, %q, %q : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

