#!/usr/bin/env python3
"""Export tiny, randomly initialised Hugging Face transformers to ONNX.

The models under test/models/ are produced by this script with the two
exporters that ship with PyTorch:

  * the TorchScript exporter: torch.onnx.export(..., dynamo=False,
    opset_version=17, dynamic_axes=...)
  * the dynamo (torch.export) exporter: torch.onnx.export(..., dynamo=True,
    dynamic_shapes=...), opset 18, the default of torch 2.x's torchlib.

No pretrained weights or configs are downloaded: every model is built from a
config object with random weights after torch.manual_seed(0).  The weights are
stored inside each .onnx file (no external data).

Beside each model a JSON file describes its graph inputs (name, dtype,
symbolic shape, a concrete example shape, the value range to draw test inputs
from) and outputs.  Every model is checked with onnx.checker, then run with
onnxruntime on random inputs that follow the JSON and compared against
PyTorch.

Regenerate (torch, transformers, onnx, onnxscript and onnxruntime are needed
only here, never by the tests):

    HF_HUB_OFFLINE=1 python test/models/export_models.py --out test/models

Exporter failures: none with torch 2.15.0 / transformers 5.23.0 / onnxscript
0.7.2 (all 10 exports, and the 2 --extra ones, pass with max abs error
< 2e-6).  An export that raises is reported in the summary (exit status 1)
and the script goes on with the others; record such a failure here and in the
README table.  Notes on how each model is made exportable are in the comments
of the wrappers below.

--extra also exports llama-decode (LLaMA with a GQA KV cache), left out by
default to keep the checked-in files small.
"""

import argparse
import collections
import json
import os
import sys
import traceback
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import (  # noqa: E402
    BertConfig,
    BertModel,
    DynamicCache,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    ViTConfig,
    ViTModel,
)

TORCHSCRIPT_OPSET = 17
DYNAMO_OPSET = 18
TOLERANCE = 1e-4
VOCAB = 1000

# Shapes the models are traced / exported with.  They differ from the shapes
# the check runs with (CHECK_DIMS), so a size baked into the graph by tracing
# shows up as a failure instead of passing by chance.  All values are
# distinct, so torch.export cannot unify two dynamic dims by "duck sizing".
EXPORT_DIMS = {"batch": 3, "sequence": 7, "past_sequence": 5}
CHECK_DIMS = {"batch": 2, "sequence": 16, "past_sequence": 8}

# attn_implementation: "sdpa" is the transformers default; it exports with
# both exporters (scaled_dot_product_attention is decomposed into
# MatMul/Softmax by both), so the models look like what users export.
ATTN = "sdpa"


# --------------------------------------------------------------------------
# Model configs.
# --------------------------------------------------------------------------

def bert_config():
    return BertConfig(
        vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=128,
        max_position_embeddings=128, attn_implementation=ATTN)


def gpt2_config():
    return GPT2Config(
        vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4, n_positions=128,
        attn_implementation=ATTN)


def llama_config():
    return LlamaConfig(
        vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, intermediate_size=128,
        hidden_act="silu", max_position_embeddings=128, rms_norm_eps=1e-6,
        tie_word_embeddings=False, attn_implementation=ATTN)


def vit_config():
    return ViTConfig(
        image_size=32, patch_size=8, num_channels=3, hidden_size=64,
        num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
        attn_implementation=ATTN)


def build(model_cls, config):
    torch.manual_seed(0)
    model = model_cls(config)
    model.eval()
    return model


def inference(wrapper):
    # The wrapper must be in eval mode too: the TorchScript exporter switches
    # the module it is given to eval for the export and afterwards restores
    # that module's own mode *recursively*, so a wrapper left in training mode
    # turns dropout back on inside the model (BERT, GPT-2 and ViT have
    # dropout 0.1) and PyTorch's reference outputs become random.
    return wrapper.eval()


# --------------------------------------------------------------------------
# Wrappers: flat tensor inputs, a tuple of tensors out.  Model outputs in
# transformers are ModelOutput dicts and the KV cache is a DynamicCache
# object; the wrappers give both exporters plain tensors to work with, so the
# ONNX graphs have flat inputs and outputs with predictable names.
# --------------------------------------------------------------------------

class EncoderWrapper(torch.nn.Module):
    """BertModel: (input_ids, attention_mask) -> (last_hidden_state, pooler_output)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                         return_dict=True)
        return out.last_hidden_state, out.pooler_output


class VisionWrapper(torch.nn.Module):
    """ViTModel: pixel_values -> (last_hidden_state, pooler_output)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        out = self.model(pixel_values=pixel_values, return_dict=True)
        return out.last_hidden_state, out.pooler_output


class CausalLMPrefill(torch.nn.Module):
    """(input_ids, attention_mask) -> logits, no cache."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                         use_cache=False, return_dict=True)
        return out.logits


class CausalLMDecode(torch.nn.Module):
    """(input_ids, attention_mask, past k/v...) -> (logits, present k/v...).

    transformers 5.x takes the cache only as a Cache object, so the wrapper
    builds a DynamicCache from the flat past tensors (key0, value0, key1,
    value1, ...) and flattens the updated cache back into tensors.  The
    attention mask covers past and new tokens: [batch, past_sequence +
    sequence].  Position ids are derived by the model from the cache length.
    """

    def __init__(self, model, num_layers):
        super().__init__()
        self.model = model
        self.num_layers = num_layers

    def forward(self, input_ids, attention_mask, past):
        cache = DynamicCache(
            [(past[2 * i], past[2 * i + 1]) for i in range(self.num_layers)])
        out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                         past_key_values=cache, use_cache=True,
                         return_dict=True)
        present = []
        for layer in out.past_key_values.layers:
            present += [layer.keys, layer.values]
        return (out.logits, *present)


# --------------------------------------------------------------------------
# Input specs: one entry per graph input, written to the JSON files and used
# to draw the check inputs.
# --------------------------------------------------------------------------

def ids_spec():
    return {"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence"],
            "range": {"kind": "integer_uniform", "low": 0, "high": VOCAB,
                      "text": f"integers in [0, {VOCAB})"}}


def mask_spec(with_past=False):
    dim = "past_sequence + sequence" if with_past else "sequence"
    return {"name": "attention_mask", "dtype": "int64", "shape": ["batch", dim],
            "range": {"kind": "ones", "values": [0, 1],
                      "text": "values in {0, 1} (1 = attend); the examples are all ones"}}


def past_specs(num_layers, kv_heads, head_dim):
    specs = []
    for i in range(num_layers):
        for kind in ("key", "value"):
            specs.append({
                "name": f"past_key_values.{i}.{kind}", "dtype": "float32",
                "shape": ["batch", kv_heads, "past_sequence", head_dim],
                "range": {"kind": "normal", "mean": 0.0, "std": 1.0,
                          "text": "standard normal floats"}})
    return specs


def pixel_spec():
    return {"name": "pixel_values", "dtype": "float32",
            "shape": ["batch", 3, 32, 32],
            "range": {"kind": "uniform", "low": -1.0, "high": 1.0,
                      "text": "uniform floats in [-1, 1)"}}


def concrete(shape, dims):
    out = []
    for d in shape:
        if isinstance(d, int):
            out.append(d)
        elif d == "past_sequence + sequence":
            out.append(dims["past_sequence"] + dims["sequence"])
        else:
            out.append(dims[d])
    return out


def make_inputs(specs, dims, seed):
    rng = np.random.default_rng(seed)
    arrays = []
    for spec in specs:
        shape = concrete(spec["shape"], dims)
        r = spec["range"]
        if r["kind"] == "integer_uniform":
            a = rng.integers(r["low"], r["high"], size=shape, dtype=np.int64)
        elif r["kind"] == "ones":
            a = np.ones(shape, dtype=np.int64)
        elif r["kind"] == "uniform":
            a = rng.uniform(r["low"], r["high"], size=shape).astype(np.float32)
        elif r["kind"] == "normal":
            a = rng.normal(r["mean"], r["std"], size=shape).astype(np.float32)
        else:
            raise ValueError(r["kind"])
        arrays.append(a)
    return arrays


def symbolic_dims(specs):
    """{input index: {axis: dim name}} for the symbolic axes of each input."""
    out = []
    for spec in specs:
        axes = {}
        for axis, d in enumerate(spec["shape"]):
            if isinstance(d, str):
                axes[axis] = "total_sequence" if "+" in d else d
        out.append(axes)
    return out


# --------------------------------------------------------------------------
# The model list.
# --------------------------------------------------------------------------

class Entry:
    def __init__(self, name, description, make_module, specs, outputs,
                 blocks, grouped_inputs=None, extra=False):
        self.name = name
        self.description = description
        self._make_module = make_module
        self.specs = specs
        # outputs: [(name, {axis: dim name})]; the axes name the symbolic
        # output dims of the TorchScript export (dynamo names them itself).
        self.output_names = [n for n, _ in outputs]
        self.output_axes = dict(outputs)
        # Module arguments as passed to forward: a list of (index) or
        # (tuple of indices) into specs; the default is one argument per input.
        self.grouped_inputs = grouped_inputs or list(range(len(specs)))
        # The transformer blocks of the model, by the kind of fused op each
        # must become: the model tests check the fusion report against it.
        self.blocks = blocks
        # Extra models are exported only with --extra (size: see README).
        self.extra = extra

    def make_module(self):
        return inference(self._make_module())

    def module_args(self, arrays):
        args = []
        for g in self.grouped_inputs:
            if isinstance(g, tuple):
                args.append(tuple(torch.from_numpy(arrays[i]) for i in g))
            else:
                args.append(torch.from_numpy(arrays[g]))
        return tuple(args)


TEXT_AXES = {0: "batch", 1: "sequence"}


def present_outputs(num_layers):
    return [(f"present.{i}.{k}", {0: "batch", 2: "total_sequence"})
            for i in range(num_layers) for k in ("key", "value")]


def layer_blocks(layers, norm, embedding_norm=False, final_norm=False,
                 rotary=False):
    """The fused blocks of a model of `layers` transformer layers: one
    attention and one MLP per layer, two norms per layer plus an embedding
    or final norm, and rotary embeddings on q and k."""
    blocks = {"attention": layers, "mlp": layers,
              norm: 2 * layers + embedding_norm + final_norm}
    if rotary:
        blocks["rotary_embedding"] = 2 * layers
    return blocks


def entries():
    out = []
    bert = bert_config()
    out.append(Entry(
        "bert",
        "BertModel: 2 layers, hidden 64, 4 heads, FFN 128, vocab 1000",
        lambda: EncoderWrapper(build(BertModel, bert)),
        [ids_spec(), mask_spec()],
        [("last_hidden_state", TEXT_AXES), ("pooler_output", {0: "batch"})],
        layer_blocks(bert.num_hidden_layers, "layer_norm", embedding_norm=True)))

    gpt2 = gpt2_config()
    out.append(Entry(
        "gpt2",
        "GPT2LMHeadModel, prefill: 2 layers, n_embd 64, 4 heads, vocab 1000",
        lambda: CausalLMPrefill(build(GPT2LMHeadModel, gpt2)),
        [ids_spec(), mask_spec()], [("logits", TEXT_AXES)],
        layer_blocks(gpt2.n_layer, "layer_norm", final_norm=True)))
    n, heads, hd = gpt2.n_layer, gpt2.n_head, gpt2.n_embd // gpt2.n_head
    specs = [ids_spec(), mask_spec(with_past=True)] + past_specs(n, heads, hd)
    out.append(Entry(
        "gpt2-decode",
        "GPT2LMHeadModel with past key/values in, present key/values out",
        lambda: CausalLMDecode(build(GPT2LMHeadModel, gpt2), n),
        specs,
        [("logits", TEXT_AXES)] + present_outputs(n),
        layer_blocks(n, "layer_norm", final_norm=True),
        grouped_inputs=[0, 1, tuple(range(2, len(specs)))]))

    llama = llama_config()
    out.append(Entry(
        "llama",
        "LlamaForCausalLM, prefill: 2 layers, hidden 64, 4 query heads, "
        "2 key/value heads (GQA), SwiGLU FFN 128, RMSNorm, RoPE, vocab 1000",
        lambda: CausalLMPrefill(build(LlamaForCausalLM, llama)),
        [ids_spec(), mask_spec()], [("logits", TEXT_AXES)],
        layer_blocks(llama.num_hidden_layers, "rms_norm", final_norm=True,
                     rotary=True)))
    n, kvh = llama.num_hidden_layers, llama.num_key_value_heads
    hd = llama.hidden_size // llama.num_attention_heads
    specs = [ids_spec(), mask_spec(with_past=True)] + past_specs(n, kvh, hd)
    out.append(Entry(
        "llama-decode",
        "LlamaForCausalLM with past key/values (2 key/value heads) in, "
        "present key/values out",
        lambda: CausalLMDecode(build(LlamaForCausalLM, llama), n),
        specs,
        [("logits", TEXT_AXES)] + present_outputs(n),
        layer_blocks(n, "rms_norm", final_norm=True, rotary=True),
        grouped_inputs=[0, 1, tuple(range(2, len(specs)))], extra=True))

    vit = vit_config()
    out.append(Entry(
        "vit",
        "ViTModel: 32x32 RGB images, patch 8, hidden 64, 2 layers, 4 heads, FFN 128",
        lambda: VisionWrapper(build(ViTModel, vit)),
        [pixel_spec()],
        [("last_hidden_state", {0: "batch"}), ("pooler_output", {0: "batch"})],
        layer_blocks(vit.num_hidden_layers, "layer_norm", final_norm=True)))
    return out


# --------------------------------------------------------------------------
# Export.
# --------------------------------------------------------------------------

def export_torchscript(entry, module, args, path):
    input_names = [s["name"] for s in entry.specs]
    dynamic_axes = {}
    for spec, axes in zip(entry.specs, symbolic_dims(entry.specs)):
        if axes:
            dynamic_axes[spec["name"]] = axes
    dynamic_axes.update(entry.output_axes)
    torch.onnx.export(
        module, args, path, dynamo=False, opset_version=TORCHSCRIPT_OPSET,
        input_names=input_names, output_names=entry.output_names,
        dynamic_axes=dynamic_axes, do_constant_folding=True)


def export_dynamo(entry, module, args, path):
    input_names = [s["name"] for s in entry.specs]
    axes = symbolic_dims(entry.specs)
    dims = {}

    def dim(name):
        # The attention mask of a decode step is past + new tokens long;
        # torch.export cannot declare a Dim as the sum of two others, so it
        # is a Dim of its own, "total_sequence" (the model only slices it, so
        # export adds no guard tying it to past_sequence + sequence).
        if name not in dims:
            dims[name] = torch.export.Dim(name, min=1, max=128)
        return dims[name]

    per_input = [{a: dim(n) for a, n in ax.items()} for ax in axes]
    dynamic_shapes = []
    for g in entry.grouped_inputs:
        if isinstance(g, tuple):
            dynamic_shapes.append(tuple(per_input[i] for i in g))
        else:
            dynamic_shapes.append(per_input[g])
    program = torch.onnx.export(
        module, args, dynamo=True, opset_version=DYNAMO_OPSET,
        input_names=input_names, output_names=entry.output_names,
        dynamic_shapes=tuple(dynamic_shapes), external_data=False,
        optimize=True)
    program.save(path, external_data=False)
    # The dynamo exporter annotates every node with metadata_props: the FX
    # node, module class hierarchy, name scopes and the Python stack trace.
    # The stack traces hold absolute paths of the machine that exported (and
    # are ~15% of the file); drop them so the files are reproducible and
    # smaller.  The other annotations are kept as the exporter wrote them.
    model = onnx.load(path)
    for node in model.graph.node:
        kept = [p for p in node.metadata_props if p.key != STACK_TRACE_KEY]
        del node.metadata_props[:]
        node.metadata_props.extend(kept)
    onnx.save(model, path, save_as_external_data=False)


STACK_TRACE_KEY = "pkg.torch.onnx.stack_trace"

EXPORTERS = {"torchscript": export_torchscript, "dynamo": export_dynamo}


# --------------------------------------------------------------------------
# Checks.
# --------------------------------------------------------------------------

def torch_outputs(module, args):
    with torch.no_grad():
        out = module(*args)
    if isinstance(out, torch.Tensor):
        out = (out,)
    return [o.numpy() for o in out]


def ort_outputs(path, entry, arrays):
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    feed = {s["name"]: a for s, a in zip(entry.specs, arrays)}
    names = [o.name for o in sess.get_outputs()]
    return names, sess.run(None, feed)


def compare(module, path, entry, dims, seed, mask_zeros=False):
    arrays = make_inputs(entry.specs, dims, seed)
    if mask_zeros:
        # Right padding: the last quarter of row 1 is masked out.
        for s, a in zip(entry.specs, arrays):
            if s["name"] == "attention_mask":
                a[-1, -max(1, a.shape[1] // 4):] = 0
    expected = torch_outputs(module, entry.module_args(arrays))
    names, got = ort_outputs(path, entry, arrays)
    if names != entry.output_names:
        raise RuntimeError(f"output names {names} != {entry.output_names}")
    if len(expected) != len(got):
        raise RuntimeError(f"{len(got)} outputs, PyTorch has {len(expected)}")
    err = 0.0
    for e, g in zip(expected, got):
        if tuple(e.shape) != tuple(g.shape):
            raise RuntimeError(f"shape {g.shape} != PyTorch {e.shape}")
        err = max(err, float(np.max(np.abs(e.astype(np.float64) - g))))
    return err


def dim_repr(d):
    if d.HasField("dim_value"):
        return d.dim_value
    if d.HasField("dim_param"):
        return d.dim_param
    return None


def value_info(v):
    t = v.type.tensor_type
    return {"name": v.name,
            "dtype": onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).name,
            "shape": [dim_repr(d) for d in t.shape.dim]}


def ops_of(model):
    ops = collections.Counter()

    def walk(graph):
        for node in graph.node:
            ops[(node.domain or "ai.onnx", node.op_type)] += 1
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    walk(attr.g)
                for g in attr.graphs:
                    walk(g)

    walk(model.graph)
    for f in model.functions:
        for node in f.node:
            ops[(node.domain or "ai.onnx", node.op_type)] += 1
    return ops


def opset_of(model):
    return {(o.domain or "ai.onnx"): o.version for o in model.opset_import}


def write_json(entry, exporter, path, model):
    graph_inputs = {v.name: v for v in model.graph.input}
    inputs = []
    for spec in entry.specs:
        d = dict(spec)
        d["example_shape"] = concrete(spec["shape"], CHECK_DIMS)
        if spec["name"] in graph_inputs:
            d["onnx_shape"] = value_info(graph_inputs[spec["name"]])["shape"]
        inputs.append(d)
    info = {
        "model": os.path.basename(path),
        "description": entry.description,
        "exporter": exporter,
        "opset": opset_of(model),
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "example_dims": {k: v for k, v in CHECK_DIMS.items()
                         if any(k in str(s["shape"]) for s in entry.specs)},
        "inputs": inputs,
        "outputs": [value_info(v) for v in model.graph.output],
        "tolerance": TOLERANCE,
        "fused_blocks": entry.blocks,
    }
    if "past_sequence" in info["example_dims"]:
        info["note"] = ("attention_mask covers the past and the new tokens; "
                        "position ids are past_sequence .. past_sequence + "
                        "sequence - 1, derived inside the graph")
    with open(path[:-len(".onnx")] + ".json", "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--only", nargs="*", help="model names to export")
    parser.add_argument("--exporters", nargs="*", default=list(EXPORTERS))
    parser.add_argument("--extra", action="store_true",
                        help="also export the extra models (llama-decode)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if not args.verbose:
        warnings.filterwarnings("ignore")
        transformers.logging.set_verbosity_error()

    print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"onnx {onnx.__version__}, onnxruntime {ort.__version__}")
    results = []
    for entry in entries():
        if args.only and entry.name not in args.only:
            continue
        if entry.extra and not (args.extra or args.only):
            continue
        for exporter in args.exporters:
            fname = f"{entry.name}.{exporter}.onnx"
            path = os.path.join(args.out, fname)
            row = {"file": fname, "model": entry.name, "exporter": exporter}
            results.append(row)
            module = entry.make_module()
            export_args = entry.module_args(make_inputs(entry.specs, EXPORT_DIMS, 1))
            try:
                EXPORTERS[exporter](entry, module, export_args, path)
            except Exception as e:  # keep going with the other exports
                msg = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
                row["error"] = f"export failed: {msg}"
                print(f"FAIL  {fname:32s} {row['error']}")
                if args.verbose:
                    traceback.print_exc()
                if os.path.exists(path):
                    os.remove(path)
                continue
            try:
                model = onnx.load(path)
                if any(t.data_location == onnx.TensorProto.EXTERNAL
                       for t in model.graph.initializer):
                    raise RuntimeError("weights stored as external data")
                onnx.checker.check_model(model, full_check=True)
                row["opset"] = opset_of(model)
                row["size"] = os.path.getsize(path)
                row["inputs"] = [v.name for v in model.graph.input]
                row["ops"] = ops_of(model)
                write_json(entry, exporter, path, model)
                errs = [compare(module, path, entry, CHECK_DIMS, 2)]
                if "past_sequence" in str(entry.specs):
                    # A decode step proper: one new token.
                    errs.append(compare(module, path, entry,
                                        dict(CHECK_DIMS, sequence=1), 3))
                if any(s["name"] == "attention_mask" for s in entry.specs):
                    errs.append(compare(module, path, entry, CHECK_DIMS, 4,
                                        mask_zeros=True))
                row["max_abs_err"] = max(errs)
                if not row["max_abs_err"] < TOLERANCE:
                    raise RuntimeError(f"max abs error {row['max_abs_err']:.3g} "
                                       f">= {TOLERANCE}")
            except Exception as e:
                row["error"] = f"check failed: {type(e).__name__}: {e}"
                print(f"FAIL  {fname:32s} {row['error']}")
                if args.verbose:
                    traceback.print_exc()
                continue
            print(f"OK    {fname:32s} opset {row['opset'].get('ai.onnx')}  "
                  f"{row['size'] / 1024:7.1f} KiB  {sum(row['ops'].values()):4d} nodes  "
                  f"max abs err {row['max_abs_err']:.2e}")

    print("\nSummary")
    ok = [r for r in results if "error" not in r]
    for r in results:
        status = "ok" if "error" not in r else r["error"]
        print(f"  {r['file']:32s} {status}")
    total = sum(r["size"] for r in ok)
    print(f"{len(ok)}/{len(results)} exports passed; {total / 1024:.1f} KiB of .onnx in all")
    return 0 if len(ok) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
