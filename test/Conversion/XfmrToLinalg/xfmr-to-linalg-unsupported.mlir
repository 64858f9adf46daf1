// RUN: xfmr-opt %s -convert-xfmr-to-linalg -verify-diagnostics

// Op forms without a lowering are reported where they are. With
// rotary_embedding_dim = 0 ONNX rotates the whole head (64 channels here),
// which needs 32 angles per position; caches of 16 cannot serve that.
func.func @not_lowered(%x: tensor<1x8x4x64xf32>, %cos: tensor<128x16xf32>, %pos: tensor<1x4xi64>) -> tensor<1x8x4x64xf32> {
  // expected-error @+1 {{no lowering to linalg for 'xfmr.rotary_embedding' yet}}
  %0 = xfmr.rotary_embedding %x, %cos, %cos, %pos : (tensor<1x8x4x64xf32>, tensor<128x16xf32>, tensor<128x16xf32>, tensor<1x4xi64>) -> tensor<1x8x4x64xf32>
  return %0 : tensor<1x8x4x64xf32>
}
