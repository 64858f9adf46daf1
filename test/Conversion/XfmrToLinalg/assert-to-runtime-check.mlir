// RUN: xfmr-opt %s --convert-xfmr-to-linalg --mlir-print-debuginfo | FileCheck %s

// The importer checks operands a run computes (axes, pads, K) with
// cf.assert; the lowering turns each into a branch to xfmr_check_failed
// whose message names the ONNX node, so that a failed check is the run's
// error instead of an abort. An assert known to hold is dropped.

// CHECK: func.func private @xfmr_check_failed(i64, i64, i64)
// CHECK-LABEL: func.func @axis_in_range
// CHECK-SAME: (%[[AXIS:[^:]*]]: tensor<i64>
// CHECK: %[[LESS:.*]] = linalg.generic
// CHECK:   arith.cmpi slt
// CHECK: %[[OK:.*]] = tensor.extract %[[LESS]][]
// CHECK: %[[BAD:.*]] = arith.xori %[[OK]], %true : i1
// CHECK: scf.if %[[BAD]] {
// CHECK:   func.call @xfmr_check_failed(%{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64) -> () loc(#[[$MSG:[^)]*]])
// CHECK: }
// CHECK-NOT: cf.assert
// CHECK: return %[[AXIS]]

// CHECK-LABEL: func.func @holds
// CHECK-NOT: scf.if
// CHECK-NOT: cf.assert
// CHECK: return

// CHECK: #[[$MSG]] = loc(fused<"CumSum node 'CumSum_0': an axis is out of range for rank 2">
func.func @axis_in_range(%axis: tensor<i64>) -> tensor<i64> {
  %two = xfmr.constant dense<2> : tensor<i64>
  %less = xfmr.less %axis, %two : (tensor<i64>, tensor<i64>) -> tensor<i1>
  %ok = tensor.extract %less[] : tensor<i1>
  cf.assert %ok, "an axis is out of range for rank 2" loc(fused<{onnx_op_type = "CumSum"}>["CumSum_0"])
  return %axis : tensor<i64>
}

func.func @holds(%x: tensor<i64>) -> tensor<i64> {
  %true = arith.constant true
  cf.assert %true, "never fails" loc(fused<{onnx_op_type = "Tile"}>["Tile_0"])
  return %x : tensor<i64>
}
