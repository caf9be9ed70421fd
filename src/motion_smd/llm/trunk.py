"""Frozen-trunk caching for LoRA on the last layers only (`smd train --lora-layers N --cache-trunk`).

With LoRA on the last N of a model's L decoder layers, the first L − N layers (the "trunk") never change
during training: their output for a given input is the same in every epoch. So it is computed once per
training example (`trunk_states`, one forward pass up to layer L − N, no gradient) and the model is then
trained with those layers replaced by pass-throughs (`skip_trunk`), fed the cached states as
`inputs_embeds`. Each step then runs N layers forward and backward instead of L forward and N backward:
on SmolLM2-135M (30 layers) with N = 8, 8 + 2·8 = 24 layer-passes per step instead of 30 + 2·8 = 46.

Exact, not an approximation: the trunk is deterministic (no dropout in its attention or MLP in Llama-family
models with `attention_dropout = 0`), the cached state is the very tensor layer L − N receives, and the
layers keep their indices, so the adapter's weights are named as in an ordinary run
(`…layers.{L−N…L−1}…`) and load into the full model with `motion_smd.llm.models.attach_adapter` unchanged.
Checked in tests/test_llm_training.py (same loss and same gradients as the full model).

Cost: the cached states take (tokens × hidden size × 4) bytes per example (SmolLM2-135M: 2.3 KiB per
token, ≈ 0.5 GiB for bandai-qa's 220 training packs).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

TRUNK_KEY = "inputs_embeds"
"""Feature key of a cached trunk state: (T, hidden) float tensor, one row per token of the feature."""


class _StopForwardError(Exception):
    """Raised by the capture hook to end a forward pass at the first trainable layer."""


def decoder_layers(model: Any) -> Any:
    """The decoder layer list (`torch.nn.ModuleList`) of a causal LM or its PEFT wrapper.

    Raises:
        ValueError: the model has no `model.layers` list (not a Llama/Qwen/Gemma-style decoder).
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    inner = getattr(base, "model", None)
    layers = getattr(inner, "layers", None)
    if layers is None:
        raise ValueError(f"{type(base).__name__} has no model.layers: trunk caching needs a decoder-only model")
    return layers


def trunk_states(
    model: Any, features: list[dict[str, Any]], first_trainable: int, collate: Callable[[list[Any]], dict[str, Any]]
) -> list[Any]:
    """The input of layer `first_trainable` for each feature, computed by the model in eval mode.

    Args:
        model: causal LM (not yet wrapped by PEFT), on CPU or GPU.
        features: token features (`PromptBuilder.features` / `shared_prefix_features`).
        first_trainable: index of the first layer that gets LoRA (≥ 1).
        collate: `pad_collate` with the run's settings; each feature is collated alone (no padding), so the
            mask and position ids are those training uses.

    Returns:
        One (T, hidden) float32 CPU tensor per feature, T = len(feature["input_ids"]).
    """
    import torch

    layer = decoder_layers(model)[first_trainable]
    captured: list[Any] = []

    def hook(_module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        captured.append(args[0] if args else kwargs["hidden_states"])
        raise _StopForwardError

    handle = layer.register_forward_pre_hook(hook, with_kwargs=True)
    was_training = model.training
    model.eval()
    out = []
    try:
        with torch.no_grad():
            for f in features:
                batch = {k: v for k, v in collate([f]).items() if k not in ("labels", "logits_to_keep")}
                batch = {k: v.to(model.device) if hasattr(v, "to") else v for k, v in batch.items()}
                captured.clear()
                with contextlib.suppress(_StopForwardError):
                    model(**batch, use_cache=False)
                n = len(f["input_ids"])
                out.append(captured[0][0, -n:].detach().to("cpu", torch.float32).clone())
    finally:
        handle.remove()
        model.train(was_training)
    return out


def _pass_through_layer() -> Any:
    """A parameter-free stand-in for a cached decoder layer: returns its input hidden states unchanged."""
    import torch

    class PassThrough(torch.nn.Module):
        def forward(self, hidden_states: Any, *args: Any, **kwargs: Any) -> Any:
            return hidden_states

    return PassThrough()


def skip_trunk(model: Any, first_trainable: int) -> None:
    """Replace decoder layers 0 … first_trainable − 1 by pass-throughs, in place (their weights are freed);
    the model must then be fed `trunk_states` as `inputs_embeds`."""
    layers = decoder_layers(model)
    for i in range(first_trainable):
        layers[i] = _pass_through_layer()
