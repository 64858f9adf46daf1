// RUN: xfmr-opt %s --xfmr-fusion-report 2>&1 >/dev/null | FileCheck %s --check-prefix=REPORT
// RUN: xfmr-opt %s --xfmr-fusion-report 2>/dev/null | FileCheck %s --check-prefix=IR

// The table counts the fused ops of each kind and the notes left by the
// fusion passes; the notes are listed with their ONNX node and removed.

// REPORT-LABEL: fusion report for @block
// REPORT-NEXT:   block               fused  not fused
// REPORT-NEXT:   attention               0          1
// REPORT-NEXT:   mlp                     0          0
// REPORT-NEXT:   linear                  0          1
// REPORT-NEXT:   layer_norm              2          0  (1 with the residual add)
// REPORT-NEXT:   rms_norm                0          0
// REPORT-NEXT:   gelu                    1          0
// REPORT-NEXT:   silu                    0          0
// REPORT-NEXT:   rotary_embedding        0          0
// REPORT-NEXT: not fused:
// REPORT-NEXT:   attention at '/attn/Where': the mask is not a constant
// REPORT-NEXT:   linear at '/fc/MatMul': the weight is not 2-D
// REPORT-LABEL: fusion report for @empty
// REPORT-NOT: not fused:

// IR-NOT: xfmr.fusion_missed
func.func @block(%x: tensor<2x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>,
                 %s: tensor<8x8xf32>) -> tensor<2x8xf32> {
  %0 = xfmr.layer_norm %x, %g, %b : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %1 = xfmr.layer_norm %0, %g, %b residual %x : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = xfmr.gelu %1 : tensor<2x8xf32>
  %3 = xfmr.softmax %2 {xfmr.fusion_missed = {attention = ["the mask is not a constant", "/attn/Where"]}} : tensor<2x8xf32>
  %4 = xfmr.matmul %3, %s {xfmr.fusion_missed = {linear = ["the weight is not 2-D", "/fc/MatMul"]}} : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

func.func @empty() {
  return
}
