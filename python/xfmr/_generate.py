"""``xfmr.generate``: greedy or sampled decoding with a KV cache, for decoder
models exported with past/present key-values."""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Sequence

import numpy as np

from ._errors import InputError
from ._model import Model, compile

# The prefill and step models of the file generate ran last.
_LOADED: Dict[tuple, tuple] = {}


def generate(model: Any, input_ids: Any, *, max_new_tokens: int = 20,
             eos_token_id: Optional[int] = None, do_sample: bool = False,
             top_k: int = 0, top_p: float = 1.0, temperature: float = 1.0,
             seed: Optional[int] = None, **compile_options: Any
             ) -> np.ndarray:
    """Generates up to ``max_new_tokens`` tokens after ``input_ids``
    ([batch, prompt] or [prompt]) and returns the prompt with them.

    ``model`` is a decoder exported with ``past_key_values.*`` inputs and
    ``present.*`` outputs: a path, bytes or ``onnx.ModelProto`` (compiled
    with ``compile_options``), an ``xfmr.Model``, or any session with ONNX
    Runtime's ``run(None, feeds)`` (so the same loop runs on
    ``onnxruntime.InferenceSession``). A file is compiled twice, shapes
    static but for the cache's length: a prefill for this prompt's length
    and a step for one token (both cached on disk). One prefill runs the
    prompt, then one step per token; each step's present key/values are the next step's past
    as they are, without a copy. Greedy unless ``do_sample``, which samples
    from the ``temperature``-scaled distribution cut to the ``top_k`` most
    likely tokens and the ``top_p`` probability mass, with ``seed``.
    Sequences that produced ``eos_token_id`` are padded with it; the loop
    stops when every sequence has.
    """
    ids = np.asarray(input_ids, dtype=np.int64)
    if ids.ndim == 1:
        ids = ids[None, :]
    if ids.ndim != 2 or ids.shape[1] == 0:
        raise InputError("input_ids: expected [batch, prompt] token ids with "
                         f"a prompt of at least one token, given shape "
                         f"{list(ids.shape)}")
    if max_new_tokens < 0:
        raise ValueError("max_new_tokens must be >= 0")
    prefill, step, input_names, output_names, past_shapes = _runners(
        model, ids.shape, compile_options)
    pasts = [n for n in input_names if "past" in n]
    presents = [n for n in output_names if "present" in n]
    present_index = [output_names.index(n) for n in presents]

    batch = ids.shape[0]
    rng = np.random.default_rng(seed)
    feeds = {name: np.zeros(_empty_past(shape, batch), np.float32)
             for name, shape in zip(pasts, past_shapes)}
    step_ids = ids
    tokens = [ids]
    finished = np.zeros(batch, dtype=bool)
    total = ids.shape[1]
    for _ in range(max_new_tokens):
        feeds["input_ids"] = step_ids
        if "attention_mask" in input_names:
            feeds["attention_mask"] = np.ones((batch, total), np.int64)
        outputs = (prefill if total == ids.shape[1] else step)(feeds)
        logits = outputs[0][:, -1, :]
        token = (_sample(logits, top_k, top_p, temperature, rng)
                 if do_sample else np.argmax(logits, axis=-1))
        if eos_token_id is not None:
            token = np.where(finished, eos_token_id, token)
            finished |= token == eos_token_id
        step_ids = token.astype(np.int64)[:, None]
        tokens.append(step_ids)
        total += 1
        for name, index in zip(pasts, present_index):
            feeds[name] = outputs[index]
        if finished.all():
            break
    return np.concatenate(tokens, axis=1)


def _runners(model: Any, shape: Sequence[int], compile_options: dict):
    """Functions feeds -> outputs (in the model's order) for the prefill and
    for the steps, the input and output names, and the past inputs' shapes.

    A model given as a file is compiled twice, both times with every shape
    static but the cache's length: the prefill for this prompt over an empty
    cache, the step for one token over a cache of any length. Static shapes
    make faster code, and compile much faster than a model whose every
    length is dynamic."""
    if isinstance(model, (str, os.PathLike)):
        # A file named again (same size and time) reuses the models this
        # process loaded, without hashing the file again for the disk cache.
        stat = os.stat(model)
        key = (os.path.abspath(model), stat.st_size, stat.st_mtime_ns,
               tuple(shape), repr(sorted(compile_options.items())))
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = _compile_pair(model, shape, compile_options)
        return _LOADED[key]
    if isinstance(model, bytes) or hasattr(model, "SerializeToString"):
        return _compile_pair(model, shape, compile_options)
    if isinstance(model, Model):
        _check_decoder(model.inputs, model.outputs)
        return (model._run_list, model._run_list,
                [i.name for i in model.inputs],
                [o.name for o in model.outputs],
                [i.shape for i in model.inputs if "past" in i.name])
    if hasattr(model, "get_inputs") and hasattr(model, "run"):
        inputs, outputs = model.get_inputs(), model.get_outputs()
        _check_decoder(inputs, outputs)

        def run(feeds):
            return model.run(None, feeds)

        return (run, run, [i.name for i in inputs], [o.name for o in outputs],
                [tuple(d if isinstance(d, int) else -1 for d in i.shape)
                 for i in inputs if "past" in i.name])
    raise TypeError("model is a path, bytes, onnx.ModelProto, xfmr.Model or "
                    f"a session with run(None, feeds), not "
                    f"{type(model).__name__}")


def _compile_pair(model: Any, shape: Sequence[int], compile_options: dict):
    batch, prompt = shape
    options = dict(compile_options)
    user_shapes = dict(options.pop("input_shapes", None) or {})
    step_shapes = {"input_ids": [batch, 1], **user_shapes}
    step = compile(model, input_shapes=step_shapes, **options)
    _check_decoder(step.inputs, step.outputs)
    prefill_shapes = {"input_ids": [batch, prompt], **user_shapes}
    for info in step.inputs:
        if "past" in info.name:
            prefill_shapes[info.name] = [batch, info.shape[1], 0,
                                         info.shape[3]]
        elif info.name == "attention_mask":
            prefill_shapes[info.name] = [batch, prompt]
    prefill = compile(model, input_shapes=prefill_shapes, **options)
    return (prefill._run_list, step._run_list,
            [i.name for i in step.inputs], [o.name for o in step.outputs],
            [i.shape for i in step.inputs if "past" in i.name])


def _check_decoder(inputs: Sequence[Any], outputs: Sequence[Any]) -> None:
    input_names = [i.name for i in inputs]
    output_names = [o.name for o in outputs]
    pasts = [n for n in input_names if "past" in n]
    presents = [n for n in output_names if "present" in n]
    if not pasts or len(pasts) != len(presents) or \
            "input_ids" not in input_names or output_names[0] != "logits":
        raise InputError(
            "generate needs a decoder with inputs input_ids and past_* "
            "and outputs logits and present_* (one per past); this model "
            f"has inputs {input_names} and outputs {output_names}")


def _empty_past(shape: Sequence[int], batch: int) -> tuple:
    """The shape of an empty cache: [batch, heads, 0, head_dim]."""
    if len(shape) != 4:
        raise InputError(f"a past key/value of shape {list(shape)}: expected "
                         "[batch, heads, past_sequence, head_dim]")
    return (batch, shape[1], 0, shape[3])


def _sample(logits: np.ndarray, top_k: int, top_p: float, temperature: float,
            rng: np.random.Generator) -> np.ndarray:
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    scores = logits.astype(np.float64) / temperature
    if top_k > 0:
        kth = np.sort(scores, axis=-1)[:, -min(top_k, scores.shape[-1])]
        scores = np.where(scores < kth[:, None], -np.inf, scores)
    probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    if top_p < 1.0:
        order = np.argsort(-probs, axis=-1)
        sorted_probs = np.take_along_axis(probs, order, axis=-1)
        # Keep the smallest prefix whose mass reaches top_p (at least one).
        drop = np.cumsum(sorted_probs, axis=-1) - sorted_probs >= top_p
        sorted_probs[drop] = 0
        probs = np.zeros_like(probs)
        np.put_along_axis(probs, order, sorted_probs, axis=-1)
        probs /= probs.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(probs.shape[-1], p=p) for p in probs])
