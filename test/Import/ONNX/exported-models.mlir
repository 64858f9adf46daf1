// Models made by real exporters (test/models, see its README): each imports
// and verifies with its dims dynamic, and with the dims bound the graph
// clean-up folds every shape computation so that all types are static.

// RUN: xfmr-translate --import-onnx %S/../../models/bert.torchscript.onnx | FileCheck %s --check-prefix=BERT
// RUN: xfmr-translate --import-onnx %S/../../models/bert.dynamo.onnx | FileCheck %s --check-prefix=BERT
// BERT: func.func @main(%arg0: tensor<?x?xi64> {xfmr.dims = ["batch", "sequence"], xfmr.name = "input_ids"}, %arg1: tensor<?x?xi64> {xfmr.dims = ["batch", "sequence"], xfmr.name = "attention_mask"}) -> (tensor<?x?x64xf32> {xfmr.dims = ["batch", "sequence", ""], xfmr.name = "last_hidden_state"}, tensor<?x64xf32> {xfmr.dims = ["batch", ""], xfmr.name = "pooler_output"})
// BERT-COUNT-5: xfmr.layer_norm
// BERT-NOT: xfmr.layer_norm

// RUN: xfmr-translate --import-onnx %S/../../models/gpt2.torchscript.onnx | FileCheck %s --check-prefix=GPT2
// RUN: xfmr-translate --import-onnx %S/../../models/gpt2.dynamo.onnx | FileCheck %s --check-prefix=GPT2
// GPT2: -> (tensor<?x?x1000xf32> {xfmr.dims = ["batch", "sequence", ""], xfmr.name = "logits"})

// RUN: xfmr-translate --import-onnx %S/../../models/gpt2-decode.torchscript.onnx | FileCheck %s --check-prefix=DECODE
// RUN: xfmr-translate --import-onnx %S/../../models/gpt2-decode.dynamo.onnx | FileCheck %s --check-prefix=DECODE
// DECODE: %arg2: tensor<?x4x?x16xf32> {xfmr.dims = ["batch", "", "past_sequence", ""], xfmr.name = "past_key_values.0.key"}
// DECODE-SAME: {xfmr.dims = ["batch", "", "{{total_sequence|past_sequence \+ sequence}}", ""], xfmr.name = "present.1.value"}

// RUN: xfmr-translate --import-onnx %S/../../models/llama.torchscript.onnx | FileCheck %s --check-prefix=LLAMA
// RUN: xfmr-translate --import-onnx %S/../../models/llama.dynamo.onnx | FileCheck %s --check-prefix=LLAMA
// LLAMA: -> (tensor<?x?x1000xf32> {xfmr.dims = ["batch", "sequence", ""], xfmr.name = "logits"})
// LLAMA-DAG: xfmr.sin
// LLAMA-DAG: xfmr.cos

// RUN: xfmr-translate --import-onnx %S/../../models/vit.torchscript.onnx | FileCheck %s --check-prefix=VIT
// RUN: xfmr-translate --import-onnx %S/../../models/vit.dynamo.onnx | FileCheck %s --check-prefix=VIT
// VIT: func.func @main(%arg0: tensor<?x3x32x32xf32> {xfmr.dims = ["batch", "", "", ""], xfmr.name = "pixel_values"}) -> (tensor<?x17x64xf32> {xfmr.dims = ["batch", {{.*}}], xfmr.name = "last_hidden_state"}, tensor<?x64xf32> {xfmr.dims = ["batch", ""], xfmr.name = "pooler_output"})
// VIT: xfmr.conv %arg0, {{.*}}strides = array<i64: 8, 8>} : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>{{.*}}) -> tensor<?x64x4x4xf32>

// With the dims bound, no dynamic dim and no shape computation is left.
// RUN: xfmr-translate --import-onnx %S/../../models/bert.torchscript.onnx --dim=batch=2 --dim=sequence=16 | xfmr-opt --xfmr-graph-cleanup | FileCheck %s --check-prefix=STATIC-BERT
// STATIC-BERT: func.func @main(%arg0: tensor<2x16xi64> {{.*}}, %arg1: tensor<2x16xi64> {{.*}}) -> (tensor<2x16x64xf32> {{{.*}}xfmr.name = "last_hidden_state"}, tensor<2x64xf32> {{{.*}}xfmr.name = "pooler_output"})
// STATIC-BERT-NOT: ?x
// STATIC-BERT-NOT: xfmr.shape
// RUN: xfmr-translate --import-onnx %S/../../models/gpt2-decode.dynamo.onnx --dim=batch=1 --dim=sequence=1 --dim=past_sequence=127 --dim=total_sequence=128 | xfmr-opt --xfmr-graph-cleanup | FileCheck %s --check-prefix=STATIC-DECODE
// STATIC-DECODE: -> (tensor<1x1x1000xf32> {{{.*}}xfmr.name = "logits"}, tensor<1x4x128x16xf32> {{{.*}}xfmr.name = "present.0.key"}
// STATIC-DECODE-NOT: ?x
// RUN: xfmr-translate --import-onnx %S/../../models/llama.dynamo.onnx --dim=batch=1 --dim=sequence=128 | xfmr-opt --xfmr-graph-cleanup | FileCheck %s --check-prefix=STATIC-LLAMA
// STATIC-LLAMA: -> (tensor<1x128x1000xf32> {{{.*}}xfmr.name = "logits"})
// STATIC-LLAMA-NOT: ?x
