// RUN: xfmr-opt %S/../../docs/examples/attention-shapes.mlir --xfmr-graph-cleanup | FileCheck %s
// RUN: xfmr-opt %S/../../docs/examples/attention-shapes.mlir --xfmr-graph-cleanup=refine-signature=false | FileCheck %s --check-prefix=KEEP

// The example of the README and `make demo`: the exporter's shape subgraph
// folds into a constant and every type becomes static.

// CHECK-LABEL: func.func @split_heads
// CHECK-SAME: -> tensor<1x12x128x64xf32>
// CHECK: %[[S:.*]] = xfmr.constant dense<[1, 128, 12, 64]> : tensor<4xi64>
// CHECK: %[[Q:.*]] = xfmr.matmul {{.*}} -> tensor<1x128x768xf32>
// CHECK: %[[R:.*]] = xfmr.reshape %[[Q]], %[[S]] : (tensor<1x128x768xf32>, tensor<4xi64>) -> tensor<1x128x12x64xf32>
// CHECK: %[[T:.*]] = xfmr.transpose %[[R]] {{.*}} -> tensor<1x12x128x64xf32>
// CHECK-NEXT: return %[[T]]
// CHECK-NOT: xfmr.shape

// KEEP-LABEL: func.func @split_heads
// KEEP-SAME: -> tensor<?x?x?x?xf32>
// KEEP: %[[T:.*]] = xfmr.transpose {{.*}} -> tensor<1x12x128x64xf32>
// KEEP: %[[C:.*]] = tensor.cast %[[T]] : tensor<1x12x128x64xf32> to tensor<?x?x?x?xf32>
// KEEP: return %[[C]]
