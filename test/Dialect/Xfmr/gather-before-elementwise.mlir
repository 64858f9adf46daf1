// RUN: xfmr-opt %s -split-input-file -xfmr-fuse-linear | FileCheck %s

// An embedding table quantized per tensor (DequantizeLinear as the importer
// writes it, then Gather): the rows are gathered from the 8-bit table and
// only they are dequantized.

// CHECK-LABEL: func.func @per_tensor
// CHECK-SAME:    (%[[T:.*]]: tensor<100x8xi8>, %[[IDS:.*]]: tensor<?x?xi64>)
// CHECK:         %[[ROWS:.*]] = xfmr.gather %[[T]], %[[IDS]] : (tensor<100x8xi8>, tensor<?x?xi64>) -> tensor<?x?x8xi8>
// CHECK:         %[[F:.*]] = xfmr.cast %[[ROWS]] : tensor<?x?x8xi8> to tensor<?x?x8xf32>
// CHECK:         %[[C:.*]] = xfmr.sub %[[F]], %{{.*}} : (tensor<?x?x8xf32>, tensor<f32>) -> tensor<?x?x8xf32>
// CHECK:         %[[D:.*]] = xfmr.mul %[[C]], %{{.*}} : (tensor<?x?x8xf32>, tensor<f32>) -> tensor<?x?x8xf32>
// CHECK-NOT:     xfmr.gather
// CHECK:         return %[[D]]
func.func @per_tensor(%t: tensor<100x8xi8>, %ids: tensor<?x?xi64>) -> tensor<?x?x8xf32> {
  %zp = xfmr.constant dense<3.0> : tensor<f32>
  %s = xfmr.constant dense<5.0e-02> : tensor<f32>
  %0 = xfmr.cast %t : tensor<100x8xi8> to tensor<100x8xf32>
  %1 = xfmr.sub %0, %zp : (tensor<100x8xf32>, tensor<f32>) -> tensor<100x8xf32>
  %2 = xfmr.mul %1, %s : (tensor<100x8xf32>, tensor<f32>) -> tensor<100x8xf32>
  %3 = xfmr.gather %2, %ids {axis = 0 : i64} : (tensor<100x8xf32>, tensor<?x?xi64>) -> tensor<?x?x8xf32>
  return %3 : tensor<?x?x8xf32>
}

// -----

// Per axis along the columns (a scale per column, [8]), the rows gathered:
// the scale is the same for every row, so the gather moves to the table.

// CHECK-LABEL: func.func @per_column
// CHECK-SAME:    (%[[T:.*]]: tensor<100x8xi8>, %[[IDS:.*]]: tensor<16xi64>)
// CHECK:         %[[ROWS:.*]] = xfmr.gather %[[T]], %[[IDS]] : (tensor<100x8xi8>, tensor<16xi64>) -> tensor<16x8xi8>
// CHECK:         %[[F:.*]] = xfmr.cast %[[ROWS]] : tensor<16x8xi8> to tensor<16x8xf32>
// CHECK:         %[[D:.*]] = xfmr.mul %[[F]], %{{.*}} : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
// CHECK:         return %[[D]]
func.func @per_column(%t: tensor<100x8xi8>, %ids: tensor<16xi64>) -> tensor<16x8xf32> {
  %s = xfmr.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %0 = xfmr.cast %t : tensor<100x8xi8> to tensor<100x8xf32>
  %1 = xfmr.mul %0, %s : (tensor<100x8xf32>, tensor<8xf32>) -> tensor<100x8xf32>
  %2 = xfmr.gather %1, %ids {axis = 0 : i64} : (tensor<100x8xf32>, tensor<16xi64>) -> tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}

// -----

// Per axis along the gathered axis (a scale per row, [100, 1]): each row
// has its own scale, so the table is dequantized before the gather.

// CHECK-LABEL: func.func @per_row
// CHECK:         %[[F:.*]] = xfmr.cast %{{.*}} : tensor<100x8xi8> to tensor<100x8xf32>
// CHECK:         %[[D:.*]] = xfmr.mul %[[F]], %{{.*}} : (tensor<100x8xf32>, tensor<100x1xf32>) -> tensor<100x8xf32>
// CHECK:         xfmr.gather %[[D]]
func.func @per_row(%t: tensor<100x8xi8>, %s: tensor<100x1xf32>, %ids: tensor<16xi64>) -> tensor<16x8xf32> {
  %0 = xfmr.cast %t : tensor<100x8xi8> to tensor<100x8xf32>
  %1 = xfmr.mul %0, %s : (tensor<100x8xf32>, tensor<100x1xf32>) -> tensor<100x8xf32>
  %2 = xfmr.gather %1, %ids {axis = 0 : i64} : (tensor<100x8xf32>, tensor<16xi64>) -> tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}

// -----

// Gathering columns (axis 1) of a table scaled per column: the scale varies
// along the gathered axis, nothing moves.

// CHECK-LABEL: func.func @per_column_gathered
// CHECK:         %[[D:.*]] = xfmr.mul %{{.*}}, %{{.*}} : (tensor<100x8xf32>, tensor<8xf32>) -> tensor<100x8xf32>
// CHECK:         xfmr.gather %[[D]]
func.func @per_column_gathered(%t: tensor<100x8xi8>, %s: tensor<8xf32>, %ids: tensor<4xi64>) -> tensor<100x4xf32> {
  %0 = xfmr.cast %t : tensor<100x8xi8> to tensor<100x8xf32>
  %1 = xfmr.mul %0, %s : (tensor<100x8xf32>, tensor<8xf32>) -> tensor<100x8xf32>
  %2 = xfmr.gather %1, %ids {axis = 1 : i64} : (tensor<100x8xf32>, tensor<4xi64>) -> tensor<100x4xf32>
  return %2 : tensor<100x4xf32>
}

// -----

// The dequantized table is also used whole: gathering first would compute
// the rows twice, so the gather stays.

// CHECK-LABEL: func.func @other_use
// CHECK:         %[[D:.*]] = xfmr.mul
// CHECK:         xfmr.gather %[[D]]
func.func @other_use(%t: tensor<100x8xi8>, %ids: tensor<16xi64>) -> (tensor<16x8xf32>, tensor<100x8xf32>) {
  %s = xfmr.constant dense<5.0e-02> : tensor<f32>
  %0 = xfmr.cast %t : tensor<100x8xi8> to tensor<100x8xf32>
  %1 = xfmr.mul %0, %s : (tensor<100x8xf32>, tensor<f32>) -> tensor<100x8xf32>
  %2 = xfmr.gather %1, %ids {axis = 0 : i64} : (tensor<100x8xf32>, tensor<16xi64>) -> tensor<16x8xf32>
  return %2, %1 : tensor<16x8xf32>, tensor<100x8xf32>
}

// -----

// A gather that repeats rows (a scale per block expanded to the block's
// elements) would make the elementwise op compute more: it stays after it.

// CHECK-LABEL: func.func @expanding
// CHECK:         %[[D:.*]] = xfmr.mul
// CHECK:         xfmr.gather %[[D]]
func.func @expanding(%t: tensor<4x8xi8>) -> tensor<16x8xf32> {
  %s = xfmr.constant dense<5.0e-02> : tensor<f32>
  %ids = xfmr.constant dense<[0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]> : tensor<16xi64>
  %0 = xfmr.cast %t : tensor<4x8xi8> to tensor<4x8xf32>
  %1 = xfmr.mul %0, %s : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %2 = xfmr.gather %1, %ids : (tensor<4x8xf32>, tensor<16xi64>) -> tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}
