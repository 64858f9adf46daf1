// An error on an op printed with a large body: the note that prints it is
// cut (see onnx-node-diagnostics.mlir).
func.func private @sink(tensor<400xf32>)
func.func @main(%x: tensor<400xf32> {xfmr.name = "x"}) {
  %y0 = arith.addf %x, %x : tensor<400xf32>
  %y1 = arith.mulf %y0, %x : tensor<400xf32>
  %y2 = arith.mulf %y1, %x : tensor<400xf32>
  %y3 = arith.mulf %y2, %x : tensor<400xf32>
  %y4 = arith.mulf %y3, %x : tensor<400xf32>
  %y5 = arith.mulf %y4, %x : tensor<400xf32>
  %y6 = arith.mulf %y5, %x : tensor<400xf32>
  %y7 = arith.mulf %y6, %x : tensor<400xf32>
  %y8 = arith.mulf %y7, %x : tensor<400xf32>
  %y9 = arith.mulf %y8, %x : tensor<400xf32>
  %y10 = arith.mulf %y9, %x : tensor<400xf32>
  %y11 = arith.mulf %y10, %x : tensor<400xf32>
  %y12 = arith.mulf %y11, %x : tensor<400xf32>
  %y13 = arith.mulf %y12, %x : tensor<400xf32>
  %y14 = arith.mulf %y13, %x : tensor<400xf32>
  %y15 = arith.mulf %y14, %x : tensor<400xf32>
  %y16 = arith.mulf %y15, %x : tensor<400xf32>
  %y17 = arith.mulf %y16, %x : tensor<400xf32>
  %y18 = arith.mulf %y17, %x : tensor<400xf32>
  %y19 = arith.mulf %y18, %x : tensor<400xf32>
  %y20 = arith.mulf %y19, %x : tensor<400xf32>
  %y21 = arith.mulf %y20, %x : tensor<400xf32>
  %y22 = arith.mulf %y21, %x : tensor<400xf32>
  %y23 = arith.mulf %y22, %x : tensor<400xf32>
  %y24 = arith.mulf %y23, %x : tensor<400xf32>
  %y25 = arith.mulf %y24, %x : tensor<400xf32>
  %y26 = arith.mulf %y25, %x : tensor<400xf32>
  %y27 = arith.mulf %y26, %x : tensor<400xf32>
  %y28 = arith.mulf %y27, %x : tensor<400xf32>
  %y29 = arith.mulf %y28, %x : tensor<400xf32>
  %y30 = arith.mulf %y29, %x : tensor<400xf32>
  %y31 = arith.mulf %y30, %x : tensor<400xf32>
  %y32 = arith.mulf %y31, %x : tensor<400xf32>
  %y33 = arith.mulf %y32, %x : tensor<400xf32>
  %y34 = arith.mulf %y33, %x : tensor<400xf32>
  %y35 = arith.mulf %y34, %x : tensor<400xf32>
  %y36 = arith.mulf %y35, %x : tensor<400xf32>
  %y37 = arith.mulf %y36, %x : tensor<400xf32>
  %y38 = arith.mulf %y37, %x : tensor<400xf32>
  %y39 = arith.mulf %y38, %x : tensor<400xf32>
  %y40 = arith.mulf %y39, %x : tensor<400xf32>
  %y41 = arith.mulf %y40, %x : tensor<400xf32>
  %y42 = arith.mulf %y41, %x : tensor<400xf32>
  %y43 = arith.mulf %y42, %x : tensor<400xf32>
  %y44 = arith.mulf %y43, %x : tensor<400xf32>
  %y45 = arith.mulf %y44, %x : tensor<400xf32>
  %y46 = arith.mulf %y45, %x : tensor<400xf32>
  %y47 = arith.mulf %y46, %x : tensor<400xf32>
  %y48 = arith.mulf %y47, %x : tensor<400xf32>
  %y49 = arith.mulf %y48, %x : tensor<400xf32>
  %y50 = arith.mulf %y49, %x : tensor<400xf32>
  %y51 = arith.mulf %y50, %x : tensor<400xf32>
  %y52 = arith.mulf %y51, %x : tensor<400xf32>
  %y53 = arith.mulf %y52, %x : tensor<400xf32>
  %y54 = arith.mulf %y53, %x : tensor<400xf32>
  %y55 = arith.mulf %y54, %x : tensor<400xf32>
  %y56 = arith.mulf %y55, %x : tensor<400xf32>
  %y57 = arith.mulf %y56, %x : tensor<400xf32>
  %y58 = arith.mulf %y57, %x : tensor<400xf32>
  %y59 = arith.mulf %y58, %x : tensor<400xf32>
  func.call @sink(%y59) : (tensor<400xf32>) -> ()
  return
} loc("/model/graph"("model.onnx":0:0))
