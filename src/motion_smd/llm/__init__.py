"""The LLM layer: prompts, model loading, LoRA training, inference backends and evaluation.

SMD text plus a question (QA) or nothing (captioning) goes to any Hugging Face causal LM, zero-shot or
LoRA fine-tuned (DESIGN.md, "LLM layer"). torch, transformers and peft are imported lazily inside
the functions that need them, so `import motion_smd.llm` stays light and `smd describe` never loads torch.

Modules:
    records   read the JSONL records written by `motion_smd.datasets.records` (tolerant reader).
    prompts   chat messages and token features built with the tokenizer's own chat template.
    models    loading by path or hub name; the offline SmolLM2-135M default (GGUF → safetensors).
    training  LoRA fine-tuning (peft + transformers Trainer) with answer-only loss, resume, best adapter.
    backends  inference backends behind one `Backend` protocol: transformers, OpenAI-compatible HTTP, vLLM.
    evaluate  batched evaluation: predictions JSONL, metrics, per-type breakdown, baselines.
"""

from __future__ import annotations

from motion_smd.errors import MotionSMDError


class LLMError(MotionSMDError):
    """A failure of the LLM layer: a model that cannot load, a server that does not answer, bad records."""


__all__ = ["LLMError"]
