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

After the exports, quantize_models.py derives the quantized forms of the
BERT model (int8 dynamic, QDQ and int4) with ONNX Runtime's own tools.

--extra also exports llama-decode (LLaMA with a GQA KV cache), left out by
default to keep the checked-in files small.

--bench exports the benchmark models instead (`make bench` runs them; see
the README's Benchmarks section): BERT-base, GPT-2 small (prefill and
one decode step), a LLaMA-style model of 100M parameters and ViT-base/16,
at their published sizes with random weights, TorchScript exporter only by
default, to build/bench/models (out of git).  Their JSON files give the
benchmark dims (batch 1, sequence 128; the decode step: sequence 1 over a
128-token cache) as example_dims.  The weights stay inside each .onnx (the
largest, GPT-2 small, is about 0.65 GB, under protobuf's 2 GB limit).
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
    BloomConfig,
    BloomForCausalLM,
    CLIPVisionConfig,
    CLIPVisionModel,
    DynamicCache,
    GPTNeoXConfig,
    GPTNeoXForCausalLM,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    Phi3Config,
    Phi3ForCausalLM,
    Qwen2Config,
    Qwen2ForCausalLM,
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
# The largest value of a dynamic dim the dynamo exporter is told about.
MAX_DIM = 128

# The benchmark models (--bench): the dims they are checked and benchmarked
# with, and the tolerance of the check against PyTorch, looser than the tiny
# models' since their outputs are sums over 768 to 3072 products.
BENCH_DIMS = {"batch": 1, "sequence": 128}
BENCH_DECODE_DIMS = {"batch": 1, "sequence": 1, "past_sequence": 128}
BENCH_TOLERANCE = 1e-3
BENCH_MAX_DIM = 512

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


# The architectures whose blocks fuse differently from the four above:
# CLIP's quick-GELU (x * sigmoid(1.702 x)), GPT-NeoX's parallel residual
# (attention and MLP both read the layer's input, each through its own
# LayerNorm), Phi-3's gate and up projections in one matmul split by a chunk,
# BLOOM's ALiBi attention and tanh-GELU spelling, and a Qwen2 decode step
# (GQA over a KV cache).

def clip_config():
    return CLIPVisionConfig(
        image_size=32, patch_size=8, num_channels=3, hidden_size=64,
        num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
        hidden_act="quick_gelu", attn_implementation=ATTN)


def gptneox_config():
    return GPTNeoXConfig(
        vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=128, hidden_act="gelu",
        max_position_embeddings=128, use_parallel_residual=True,
        tie_word_embeddings=False, attn_implementation=ATTN)


def phi3_config():
    return Phi3Config(
        vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, intermediate_size=128,
        max_position_embeddings=128, pad_token_id=0, bos_token_id=1,
        eos_token_id=2, tie_word_embeddings=False, attn_implementation=ATTN)


def bloom_config():
    return BloomConfig(
        vocab_size=VOCAB, hidden_size=64, n_layer=2, n_head=4,
        attn_implementation="eager")


def qwen2_config():
    return Qwen2Config(
        vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, intermediate_size=128,
        max_position_embeddings=128, tie_word_embeddings=False,
        attn_implementation=ATTN)


# BERT-base, GPT-2 small and ViT-base/16 as published (vocab, positions,
# layers, heads, FFN); the LLaMA-style model is scaled down to about 100M
# parameters: 12 layers of hidden 768, 12 query and 4 key/value heads (GQA),
# SwiGLU FFN 2048, vocab 32000, the output projection tied to the embedding.

def bench_bert_config():
    return BertConfig(
        vocab_size=30522, hidden_size=768, num_hidden_layers=12,
        num_attention_heads=12, intermediate_size=3072,
        max_position_embeddings=512, attn_implementation=ATTN)


def bench_gpt2_config():
    return GPT2Config(
        vocab_size=50257, n_embd=768, n_layer=12, n_head=12, n_positions=1024,
        attn_implementation=ATTN)


def bench_llama_config():
    return LlamaConfig(
        vocab_size=32000, hidden_size=768, num_hidden_layers=12,
        num_attention_heads=12, num_key_value_heads=4, intermediate_size=2048,
        hidden_act="silu", max_position_embeddings=2048, rms_norm_eps=1e-6,
        tie_word_embeddings=True, attn_implementation=ATTN)


def bench_vit_config():
    return ViTConfig(
        image_size=224, patch_size=16, num_channels=3, hidden_size=768,
        num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
        attn_implementation=ATTN)


def build(model_cls, config):
    torch.manual_seed(0)
    model = model_cls(config)
    model.eval()
    return model


def build_with_random_norms(model_cls, config):
    """build(), then norm scales and shifts drawn at random: freshly
    initialised norms are all ones and zeros, so two norms over the same
    input (GPT-NeoX's parallel residual) would be one and the same to a
    compiler, which real models, trained, never are."""
    model = build(model_cls, config)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for module in model.modules():
            if not (isinstance(module, torch.nn.LayerNorm) or
                    type(module).__name__.endswith("RMSNorm")):
                continue
            for name, param in module.named_parameters(recurse=False):
                noise = 0.1 * torch.randn(param.shape, generator=generator)
                param.copy_(noise + (1.0 if name == "weight" else 0.0))
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

def ids_spec(vocab=VOCAB):
    return {"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence"],
            "range": {"kind": "integer_uniform", "low": 0, "high": vocab,
                      "text": f"integers in [0, {vocab})"}}


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


def pixel_spec(image=32):
    return {"name": "pixel_values", "dtype": "float32",
            "shape": ["batch", 3, image, image],
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
                 blocks, grouped_inputs=None, extra=False, dims=None,
                 tolerance=TOLERANCE, max_dim=MAX_DIM, not_fused_yet=None,
                 export_dims=None, exporters=None, modes=None):
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
        # Blocks of `blocks` that xfmr does not fuse yet (by kind): the model
        # tests check that the fusion report names each of them as a miss.
        self.not_fused_yet = not_fused_yet or {}
        # Extra models are exported only with --extra (size: see README).
        self.extra = extra
        # The dims the export is checked with and the JSON's example dims,
        # the check's tolerance, and the dynamo exporter's largest dim.
        self.dims = dims or CHECK_DIMS
        self.tolerance = tolerance
        self.max_dim = max_dim
        # The dims the model is traced with, and the exporters that give it
        # (default: all); a model whose graph depends on the traced dims
        # names them.
        self.export_dims = export_dims or EXPORT_DIMS
        self.exporters = exporters
        # The model tests' compile modes, where not all of them (the JSON's
        # "modes"; see test/e2e/model_tests.py).
        self.modes = modes

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


# The names of the benchmark models (--bench), by the tiny model's name.
BENCH_NAMES = {"bert": "bert-base", "gpt2": "gpt2-small", "llama": "llama-100m",
               "vit": "vit-base"}


def entries(bench=False):
    """The tiny test models, or with `bench` the benchmark models: the same
    wrappers, inputs and descriptions over the other configs."""
    if bench:
        bert, gpt2 = bench_bert_config(), bench_gpt2_config()
        llama, vit = bench_llama_config(), bench_vit_config()
        common = dict(dims=BENCH_DIMS, tolerance=BENCH_TOLERANCE,
                      max_dim=BENCH_MAX_DIM)
        decode = dict(common, dims=BENCH_DECODE_DIMS)
        names = BENCH_NAMES
    else:
        bert, gpt2 = bert_config(), gpt2_config()
        llama, vit = llama_config(), vit_config()
        common, decode = {}, {}
        names = {k: k for k in BENCH_NAMES}

    out = []
    out.append(Entry(
        names["bert"],
        f"BertModel: {bert.num_hidden_layers} layers, hidden {bert.hidden_size}, "
        f"{bert.num_attention_heads} heads, FFN {bert.intermediate_size}, "
        f"vocab {bert.vocab_size}",
        lambda: EncoderWrapper(build(BertModel, bert)),
        [ids_spec(bert.vocab_size), mask_spec()],
        [("last_hidden_state", TEXT_AXES), ("pooler_output", {0: "batch"})],
        layer_blocks(bert.num_hidden_layers, "layer_norm", embedding_norm=True),
        **common))

    out.append(Entry(
        names["gpt2"],
        f"GPT2LMHeadModel, prefill: {gpt2.n_layer} layers, n_embd {gpt2.n_embd}, "
        f"{gpt2.n_head} heads, vocab {gpt2.vocab_size}",
        lambda: CausalLMPrefill(build(GPT2LMHeadModel, gpt2)),
        [ids_spec(gpt2.vocab_size), mask_spec()], [("logits", TEXT_AXES)],
        layer_blocks(gpt2.n_layer, "layer_norm", final_norm=True), **common))
    n, heads, hd = gpt2.n_layer, gpt2.n_head, gpt2.n_embd // gpt2.n_head
    specs = [ids_spec(gpt2.vocab_size), mask_spec(with_past=True)] + \
        past_specs(n, heads, hd)
    out.append(Entry(
        names["gpt2"] + "-decode",
        "GPT2LMHeadModel with past key/values in, present key/values out",
        lambda: CausalLMDecode(build(GPT2LMHeadModel, gpt2), n),
        specs,
        [("logits", TEXT_AXES)] + present_outputs(n),
        layer_blocks(n, "layer_norm", final_norm=True),
        grouped_inputs=[0, 1, tuple(range(2, len(specs)))], **decode))

    n, kvh = llama.num_hidden_layers, llama.num_key_value_heads
    out.append(Entry(
        names["llama"],
        f"LlamaForCausalLM, prefill: {n} layers, hidden {llama.hidden_size}, "
        f"{llama.num_attention_heads} query heads, "
        f"{kvh} key/value heads (GQA), SwiGLU FFN {llama.intermediate_size}, "
        f"RMSNorm, RoPE, vocab {llama.vocab_size}" +
        (", tied embeddings" if llama.tie_word_embeddings else ""),
        lambda: CausalLMPrefill(build(LlamaForCausalLM, llama)),
        [ids_spec(llama.vocab_size), mask_spec()], [("logits", TEXT_AXES)],
        layer_blocks(n, "rms_norm", final_norm=True, rotary=True), **common))
    hd = llama.hidden_size // llama.num_attention_heads
    specs = [ids_spec(llama.vocab_size), mask_spec(with_past=True)] + \
        past_specs(n, kvh, hd)
    out.append(Entry(
        names["llama"] + "-decode",
        f"LlamaForCausalLM with past key/values ({kvh} key/value heads) in, "
        "present key/values out",
        lambda: CausalLMDecode(build(LlamaForCausalLM, llama), n),
        specs,
        [("logits", TEXT_AXES)] + present_outputs(n),
        layer_blocks(n, "rms_norm", final_norm=True, rotary=True),
        grouped_inputs=[0, 1, tuple(range(2, len(specs)))], extra=True,
        **decode))

    out.append(Entry(
        names["vit"],
        f"ViTModel: {vit.image_size}x{vit.image_size} RGB images, patch "
        f"{vit.patch_size}, hidden {vit.hidden_size}, {vit.num_hidden_layers} "
        f"layers, {vit.num_attention_heads} heads, FFN {vit.intermediate_size}",
        lambda: VisionWrapper(build(ViTModel, vit)),
        [pixel_spec(vit.image_size)],
        [("last_hidden_state", {0: "batch"}), ("pooler_output", {0: "batch"})],
        layer_blocks(vit.num_hidden_layers, "layer_norm", final_norm=True),
        **common))
    if not bench:
        out += family_entries()
    return out


def family_entries():
    """The tiny models of the architectures whose blocks fuse in forms of
    their own (see clip_config and below), with random norm weights."""
    out = []
    clip = clip_config()
    n = clip.num_hidden_layers
    out.append(Entry(
        "clip",
        f"CLIPVisionModel: {clip.image_size}x{clip.image_size} RGB images, "
        f"patch {clip.patch_size}, hidden {clip.hidden_size}, {n} layers, "
        f"{clip.num_attention_heads} heads, quick-GELU FFN "
        f"{clip.intermediate_size}, pre- and post-LayerNorm",
        lambda: VisionWrapper(build_with_random_norms(CLIPVisionModel, clip)),
        [pixel_spec(clip.image_size)],
        [("last_hidden_state", {0: "batch"}), ("pooler_output", {0: "batch"})],
        layer_blocks(n, "layer_norm", embedding_norm=True, final_norm=True)))

    # The causal LMs in prefill: (name, class, config, number of layers,
    # description, norm kind, rotary, embedding norm, blocks not fused yet).
    neox, phi3, bloom = gptneox_config(), phi3_config(), bloom_config()
    prefill = [
        ("gptneox", GPTNeoXForCausalLM, neox, neox.num_hidden_layers,
         f"GPTNeoXForCausalLM, prefill: hidden {neox.hidden_size}, "
         f"{neox.num_attention_heads} heads, parallel residual (attention and "
         "MLP read the same input through their own LayerNorms), partial "
         f"RoPE, GELU FFN {neox.intermediate_size}",
         "layer_norm", True, False, None),
        ("phi3", Phi3ForCausalLM, phi3, phi3.num_hidden_layers,
         f"Phi3ForCausalLM, prefill: hidden {phi3.hidden_size}, "
         f"{phi3.num_attention_heads} heads, SwiGLU FFN "
         f"{phi3.intermediate_size} with gate and up in one projection split "
         "by a chunk, RMSNorm, RoPE",
         "rms_norm", True, False, None),
        ("bloom", BloomForCausalLM, bloom, bloom.n_layer,
         f"BloomForCausalLM, prefill: hidden {bloom.hidden_size}, "
         f"{bloom.n_head} heads, ALiBi attention (eager), tanh-GELU FFN "
         f"{4 * bloom.hidden_size}, embedding LayerNorm",
         # ALiBi: the scores are a baddbmm of the bias and q kᵀ over batch
         # and heads merged into one dim.
         "layer_norm", False, True, {"attention": bloom.n_layer}),
    ]
    for (name, cls, config, n, description, norm, rotary, embedding_norm,
         not_fused_yet) in prefill:
        out.append(Entry(
            name, f"{description}, {n} layers, vocab {config.vocab_size}",
            lambda cls=cls, config=config: CausalLMPrefill(
                build_with_random_norms(cls, config)),
            [ids_spec(config.vocab_size), mask_spec()],
            [("logits", TEXT_AXES)],
            layer_blocks(n, norm, embedding_norm=embedding_norm,
                         final_norm=True, rotary=rotary),
            not_fused_yet=not_fused_yet))

    qwen2 = qwen2_config()
    n, kvh = qwen2.num_hidden_layers, qwen2.num_key_value_heads
    hd = qwen2.hidden_size // qwen2.num_attention_heads
    specs = [ids_spec(qwen2.vocab_size), mask_spec(with_past=True)] + \
        past_specs(n, kvh, hd)
    # The module, inputs, outputs and blocks of both Qwen2 decode models.
    qwen2_decode = (
        lambda: CausalLMDecode(build_with_random_norms(Qwen2ForCausalLM, qwen2), n),
        specs, [("logits", TEXT_AXES)] + present_outputs(n),
        layer_blocks(n, "rms_norm", final_norm=True, rotary=True))
    decode_step = dict(grouped_inputs=[0, 1, tuple(range(2, len(specs)))],
                       dims=dict(CHECK_DIMS, sequence=1))
    out.append(Entry(
        "qwen2-decode",
        f"Qwen2ForCausalLM, one decode step: {n} layers, hidden "
        f"{qwen2.hidden_size}, {qwen2.num_attention_heads} query heads, "
        f"{kvh} key/value heads (GQA) with past key/values in and present "
        f"key/values out, SwiGLU FFN {qwen2.intermediate_size}, RMSNorm, "
        f"RoPE, vocab {qwen2.vocab_size}", *qwen2_decode, **decode_step))

    # Traced with batch 1 and one new token, transformers' SDPA attention
    # passes the un-repeated key/value heads to scaled_dot_product_attention
    # with enable_gqa, which the TorchScript exporter writes as the query
    # heads of each key/value head folded into the query's rows: scores
    # [B, Hkv, Hq / Hkv, past + 1], the product split back to [B, Hq, 1, D].
    # The dynamo exporter cannot trace that path (torch.export: "is_causal
    # must be bool, not SymBool"); its decode step is qwen2-decode's. Not in
    # the ort-opt mode: ONNX Runtime's optimizer moves the key's transpose
    # onto the key's cos/sin tables, a rotary form xfmr does not match yet.
    out.append(Entry(
        "qwen2-decode-gqa",
        f"Qwen2ForCausalLM, one decode step traced at batch 1: as "
        f"qwen2-decode, with the {qwen2.num_attention_heads // kvh} query "
        f"heads of each key/value head folded into the scores' rows",
        *qwen2_decode, **decode_step,
        export_dims=dict(EXPORT_DIMS, batch=1, sequence=1),
        exporters=["torchscript"],
        modes=["static", "dynamic", "bf16", "avx2"]))
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
            dims[name] = torch.export.Dim(name, min=1, max=entry.max_dim)
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

def parameters(module):
    """The number of distinct parameters (tied weights counted once)."""
    return sum(p.numel() for p in module.parameters())


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


def write_json(entry, exporter, path, model, parameters=None):
    graph_inputs = {v.name: v for v in model.graph.input}
    inputs = []
    for spec in entry.specs:
        d = dict(spec)
        d["example_shape"] = concrete(spec["shape"], entry.dims)
        if spec["name"] in graph_inputs:
            d["onnx_shape"] = value_info(graph_inputs[spec["name"]])["shape"]
        inputs.append(d)
    info = {
        "model": os.path.basename(path),
        "description": entry.description,
        "exporter": exporter,
        "opset": opset_of(model),
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "example_dims": {k: v for k, v in entry.dims.items()
                         if any(k in str(s["shape"]) for s in entry.specs)},
        "inputs": inputs,
        "outputs": [value_info(v) for v in model.graph.output],
        "tolerance": entry.tolerance,
    }
    if parameters is not None:
        info["parameters"] = parameters
    if "past_sequence" in info["example_dims"]:
        info["note"] = ("attention_mask covers the past and the new tokens; "
                        "position ids are past_sequence .. past_sequence + "
                        "sequence - 1, derived inside the graph")
    # Last, after the note, as in the checked-in files.
    info["fused_blocks"] = entry.blocks
    if entry.not_fused_yet:
        info["not_fused_yet"] = entry.not_fused_yet
    if entry.modes:
        info["modes"] = entry.modes
    with open(path[:-len(".onnx")] + ".json", "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="output folder (default: test/models, "
                        "with --bench build/bench/models)")
    parser.add_argument("--only", nargs="*", help="model names to export")
    parser.add_argument("--exporters", nargs="*",
                        help="default: both, with --bench torchscript")
    parser.add_argument("--extra", action="store_true",
                        help="also export the extra models (llama-decode)")
    parser.add_argument("--bench", action="store_true",
                        help="export the benchmark models instead")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    if args.out is None:
        args.out = os.path.join(here, "..", "..", "build", "bench", "models") \
            if args.bench else here
    if args.exporters is None:
        args.exporters = ["torchscript"] if args.bench else list(EXPORTERS)
    os.makedirs(args.out, exist_ok=True)
    if not args.verbose:
        warnings.filterwarnings("ignore")
        transformers.logging.set_verbosity_error()

    print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"onnx {onnx.__version__}, onnxruntime {ort.__version__}")
    results = []
    for entry in entries(args.bench):
        if args.only and entry.name not in args.only:
            continue
        if entry.extra and not (args.extra or args.only):
            continue
        for exporter in args.exporters:
            if entry.exporters and exporter not in entry.exporters:
                continue
            fname = f"{entry.name}.{exporter}.onnx"
            path = os.path.join(args.out, fname)
            row = {"file": fname, "model": entry.name, "exporter": exporter}
            results.append(row)
            module = entry.make_module()
            export_args = entry.module_args(
                make_inputs(entry.specs, entry.export_dims, 1))
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
                write_json(entry, exporter, path, model,
                           parameters(module) if args.bench else None)
                errs = [compare(module, path, entry, entry.dims, 2)]
                if "past_sequence" in str(entry.specs):
                    # A decode step proper: one new token.
                    errs.append(compare(module, path, entry,
                                        dict(entry.dims, sequence=1), 3))
                if any(s["name"] == "attention_mask" for s in entry.specs):
                    errs.append(compare(module, path, entry, entry.dims, 4,
                                        mask_zeros=True))
                row["max_abs_err"] = max(errs)
                if not row["max_abs_err"] < entry.tolerance:
                    raise RuntimeError(f"max abs error {row['max_abs_err']:.3g} "
                                       f">= {entry.tolerance}")
            except Exception as e:
                row["error"] = f"check failed: {type(e).__name__}: {e}"
                print(f"FAIL  {fname:32s} {row['error']}")
                if args.verbose:
                    traceback.print_exc()
                continue
            print(f"OK    {fname:32s} opset {row['opset'].get('ai.onnx')}  "
                  f"{row['size'] / 1024:7.1f} KiB  {sum(row['ops'].values()):4d} nodes  "
                  f"max abs err {row['max_abs_err']:.2e}")

    if not args.bench and any(r["file"] == "bert.dynamo.onnx" and
                              "error" not in r for r in results):
        # The quantized forms of the BERT model, by ONNX Runtime's tools.
        from quantize_models import quantize_all
        for line in quantize_all(args.out):
            print(line)

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
