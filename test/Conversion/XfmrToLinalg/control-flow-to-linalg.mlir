// RUN: xfmr-opt %s -convert-xfmr-to-linalg | FileCheck %s

// Imported control flow stays scf: the xfmr ops inside its regions are
// lowered like any others, and the regions' yields keep their types.

// CHECK-LABEL: func.func @loop
// CHECK-SAME: (%[[N:.*]]: index, %[[X:.*]]: tensor<2xf32>, %[[C:.*]]: i1)
// CHECK: %[[R:.*]]:2 = scf.for %[[I:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[A:.*]] = %[[X]], %[[ACC:.*]] = %{{.*}}) -> (tensor<2xf32>, tensor<?x2xf32>) {
// CHECK:   %[[S:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[A]] : tensor<2xf32>, tensor<2xf32>)
// CHECK:     arith.addf
// CHECK:   %[[T:.*]] = scf.if %[[C]] -> (tensor<2xf32>) {
// CHECK:     %[[E:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<2xf32>)
// CHECK:       math.exp
// CHECK:     scf.yield %[[E]] : tensor<2xf32>
// CHECK:   } else {
// CHECK:     scf.yield %[[S]] : tensor<2xf32>
// CHECK:   }
// CHECK:   %[[ROW:.*]] = tensor.insert_slice %[[T]] into %[[ACC]][%[[I]], 0]
// CHECK:   scf.yield %[[T]], %[[ROW]] : tensor<2xf32>, tensor<?x2xf32>
// CHECK: }
// CHECK-NOT: xfmr.
func.func @loop(%n: index, %x: tensor<2xf32>, %c: i1) -> (tensor<2xf32>, tensor<?x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %empty = tensor.empty(%n) : tensor<?x2xf32>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%a = %x, %acc = %empty) -> (tensor<2xf32>, tensor<?x2xf32>) {
    %s = xfmr.add %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    %t = scf.if %c -> (tensor<2xf32>) {
      %e = xfmr.exp %s : tensor<2xf32>
      scf.yield %e : tensor<2xf32>
    } else {
      scf.yield %s : tensor<2xf32>
    }
    %row = tensor.insert_slice %t into %acc[%i, 0] [1, 2] [1, 1] : tensor<2xf32> into tensor<?x2xf32>
    scf.yield %t, %row : tensor<2xf32>, tensor<?x2xf32>
  }
  return %r#0, %r#1 : tensor<2xf32>, tensor<?x2xf32>
}
