// The head split of a BERT attention block as ONNX exporters write it: the
// new shape is computed from the input's shape at run time
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape). With the batch and
// sequence bound to 1x128, canonicalization and shape refinement fold it to
// a static reshape, and every result type becomes static.
func.func @split_heads(%x: tensor<1x128x768xf32>, %w: tensor<768x768xf32>) -> tensor<?x?x?x?xf32> {
  %q = xfmr.matmul %x, %w : (tensor<1x128x768xf32>, tensor<768x768xf32>) -> tensor<?x?x?xf32>
  %shape = xfmr.shape %q : (tensor<?x?x?xf32>) -> tensor<3xi64>
  %i0 = xfmr.constant dense<0> : tensor<i64>
  %i1 = xfmr.constant dense<1> : tensor<i64>
  %b = xfmr.gather %shape, %i0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %s = xfmr.gather %shape, %i1 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %b1 = xfmr.unsqueeze %b {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %s1 = xfmr.unsqueeze %s {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %heads = xfmr.constant dense<[12, 64]> : tensor<2xi64>
  %new = xfmr.concat %b1, %s1, %heads {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  %r = xfmr.reshape %q, %new : (tensor<?x?x?xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %t = xfmr.transpose %r {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  return %t : tensor<?x?x?x?xf32>
}
