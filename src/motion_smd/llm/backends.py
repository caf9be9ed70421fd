"""Inference backends behind one interface: local transformers (default), any OpenAI-compatible server
(vLLM, llama.cpp server, Ollama, …), and vLLM in-process when it is installed.

Every backend answers `generate(messages_batch, max_new_tokens) -> list[str]` with greedy decoding
(temperature 0), so zero-shot and fine-tuned results are deterministic.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from motion_smd.llm import LLMError
from motion_smd.llm.prompts import Message, render_chat
from motion_smd.llm.redact import redact_text, redact_url, url_secrets

API_KEY_ENV = ("SMD_API_KEY", "OPENAI_API_KEY")
"""Environment variables read (in this order) for the API key of an OpenAI-compatible server."""


@runtime_checkable
class Backend(Protocol):
    """What the evaluator needs from a model.

    Attributes:
        name: a short description for logs and metrics files.
        tokenizer: a transformers tokenizer when the backend has one (used to fit prompts to a token
            budget), else None.
    """

    name: str
    tokenizer: Any

    def generate(self, batch: Sequence[list[Message]], max_new_tokens: int = 32) -> list[str]:
        """Greedy completions of chat conversations, one string per conversation, in input order."""
        ...


class TransformersBackend:
    """Local transformers model: batched greedy decoding with left padding, batches sorted by length.

    Args:
        model: a causal LM (optionally a peft model) already on its device.
        tokenizer: its tokenizer.
        batch_size: conversations per forward pass.
        name: label for logs (default: the model's name_or_path).
    """

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 8, name: str | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.name = name or str(getattr(model.config, "_name_or_path", "transformers"))

    @classmethod
    def load(
        cls,
        model: str | None,
        adapter: str | Path | None = None,
        device: str | None = None,
        batch_size: int = 8,
    ) -> TransformersBackend:
        """Load a model by path/name (see `motion_smd.llm.models.load_model`), with an optional LoRA adapter
        merged in for speed."""
        from motion_smd.llm.models import load_model

        m, tok = load_model(model, device=device, adapter=adapter, merge=adapter is not None)
        label = f"{model or 'smollm2-135m'}" + (f" + {adapter}" if adapter else "")
        return cls(m, tok, batch_size=batch_size, name=label)

    def generate(self, batch: Sequence[list[Message]], max_new_tokens: int = 32) -> list[str]:
        """Greedy completions (special tokens removed, whitespace stripped); see `Backend.generate`."""
        import torch

        from motion_smd.llm.prompts import PromptBuilder

        builder = PromptBuilder(self.tokenizer)
        encoded = [builder.encode(render_chat(self.tokenizer, msgs, add_generation_prompt=True)) for msgs in batch]
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
        out: list[str] = [""] * len(encoded)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        device = next(self.model.parameters()).device
        eos = _stop_ids(self.tokenizer, self.model)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            width = max(len(encoded[i]) for i in idx)
            ids = torch.full((len(idx), width), pad, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for row, i in enumerate(idx):  # left padding
                n = len(encoded[i])
                ids[row, width - n :] = torch.tensor(encoded[i])
                mask[row, width - n :] = 1
            with torch.inference_mode():
                gen = self.model.generate(
                    input_ids=ids.to(device),
                    attention_mask=mask.to(device),
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=pad,
                    eos_token_id=eos,
                )
            for row, i in enumerate(idx):
                out[i] = self.tokenizer.decode(gen[row, width:], skip_special_tokens=True).strip()
        return out


def _stop_ids(tokenizer: Any, model: Any) -> list[int]:
    """Token ids that end a turn: the tokenizer's EOS, the model's generation-config EOS, and common
    end-of-turn tokens present in the vocabulary (<|im_end|>, <|eot_id|>, <end_of_turn>, <|endoftext|>)."""
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if isinstance(gen_eos, int):
        ids.add(gen_eos)
    elif isinstance(gen_eos, list):
        ids.update(int(x) for x in gen_eos)
    vocab = tokenizer.get_vocab()
    for t in ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|endoftext|>", "<|end|>"):
        if t in vocab:
            ids.add(int(vocab[t]))
    return sorted(ids)


class OpenAICompatBackend:
    """Any server speaking the OpenAI chat-completions API (vLLM `serve`, llama.cpp `llama-server`,
    Ollama, …), called with httpx: POST {base_url}/chat/completions, temperature 0.

    Args:
        base_url: e.g. "http://127.0.0.1:8000/v1" (with or without the trailing "/v1" path the server uses).
        model: model name the server expects.
        api_key: bearer token; None = $SMD_API_KEY, then $OPENAI_API_KEY, else no Authorization header.
        timeout_s: per-request timeout, seconds.
        concurrency: requests in flight at once.
    """

    tokenizer: Any = None

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        concurrency: int = 4,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key or next((os.environ[k] for k in API_KEY_ENV if os.environ.get(k)), None)
        self.timeout_s = timeout_s
        self.concurrency = max(1, concurrency)
        self._secrets = [self.api_key, *url_secrets(self.base_url)]
        self.name = f"{model} @ {redact_url(self.base_url)}"  # the name goes into messages and metrics files

    def _one(self, client: Any, messages: list[Message], max_new_tokens: int) -> str:
        import httpx

        url = f"{self.base_url}/chat/completions"
        shown = redact_url(url)  # what messages show: no password, no secret query values
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": 0.0,
            "max_tokens": max_new_tokens,
            "seed": 0,
        }
        try:
            r = client.post(url, json=body)
        except httpx.HTTPError as exc:
            raise LLMError(
                f"{shown}: the server did not answer ({redact_text(str(exc), self._secrets)}); check --base-url "
                "and that it is running."
            ) from None
        if r.status_code != 200:
            raise LLMError(
                f"{shown}: HTTP {r.status_code} ({redact_text(r.text, self._secrets)[:200]}); check --base-url, "
                f"the model name and the API key (${API_KEY_ENV[0]} or ${API_KEY_ENV[1]})."
            )
        try:
            return str(r.json()["choices"][0]["message"]["content"] or "").strip()
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(
                f"{shown}: the reply is not an OpenAI chat completion ({redact_text(r.text, self._secrets)[:200]})."
            ) from None

    def generate(self, batch: Sequence[list[Message]], max_new_tokens: int = 32) -> list[str]:
        """Completions of each conversation (requests run `concurrency` at a time); see `Backend.generate`.

        Raises:
            LLMError: the server is unreachable, returns an HTTP error, or a malformed reply.
        """
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        with httpx.Client(timeout=self.timeout_s, headers=headers) as client:
            if self.concurrency == 1:
                return [self._one(client, m, max_new_tokens) for m in batch]
            with ThreadPoolExecutor(self.concurrency) as pool:
                return list(pool.map(lambda m: self._one(client, m, max_new_tokens), batch))


class VLLMBackend:
    """vLLM in-process (only when `vllm` is importable): `LLM.chat` with greedy sampling; a LoRA adapter
    is served through `LoRARequest`.

    Raises (on construction):
        LLMError: vllm is not installed.
    """

    def __init__(self, model: str, adapter: str | Path | None = None, max_model_len: int | None = None) -> None:
        if importlib_find("vllm") is None:
            raise LLMError("vllm: not installed; `pip install vllm` on a GPU machine, or use --backend transformers.")
        from vllm import LLM

        self.llm = LLM(model=model, enable_lora=adapter is not None, max_model_len=max_model_len, seed=0)
        self.tokenizer = self.llm.get_tokenizer()
        self.adapter = str(adapter) if adapter else None
        self.name = f"vllm:{model}" + (f" + {adapter}" if adapter else "")

    def generate(self, batch: Sequence[list[Message]], max_new_tokens: int = 32) -> list[str]:
        """Greedy completions; see `Backend.generate`."""
        from vllm import SamplingParams
        from vllm.lora.request import LoRARequest

        params = SamplingParams(temperature=0.0, max_tokens=max_new_tokens)
        lora = LoRARequest("smd", 1, self.adapter) if self.adapter else None
        outs = self.llm.chat(list(batch), params, lora_request=lora, use_tqdm=False)
        return [o.outputs[0].text.strip() for o in outs]


def importlib_find(name: str) -> Any:
    """`importlib.util.find_spec(name)` without importing the package (None when absent)."""
    import importlib.util

    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def make_backend(
    backend: str = "transformers",
    model: str | None = None,
    adapter: str | Path | None = None,
    base_url: str | None = None,
    device: str | None = None,
    batch_size: int = 8,
) -> Backend:
    """Create a backend by name.

    Args:
        backend: "transformers" (default), "openai" (needs `base_url`) or "vllm".
        model: model path/name (the server's model name for "openai").
        adapter: LoRA adapter directory (transformers, vllm).
        base_url: OpenAI-compatible server URL; giving it selects the "openai" backend.
        device: torch device for "transformers".
        batch_size: batch size for "transformers".

    Raises:
        LLMError / ConfigError: unknown backend, missing base URL, adapter with a server backend.
    """
    if base_url or backend == "openai":
        if not base_url:
            raise LLMError("--backend openai needs --base-url (e.g. http://127.0.0.1:8000/v1).")
        if adapter:
            raise LLMError(
                f"{adapter}: an adapter cannot be sent to a server; load it in the server "
                "(e.g. `vllm serve --enable-lora --lora-modules`) and pass its name as --model."
            )
        return OpenAICompatBackend(base_url, model or "default")
    if backend == "vllm":
        return VLLMBackend(model or str(_default_dir()), adapter)
    if backend == "transformers":
        return TransformersBackend.load(model, adapter=adapter, device=device, batch_size=batch_size)
    raise LLMError(f"unknown backend {backend!r}; choose transformers, openai or vllm.")


def _default_dir() -> Path:
    from motion_smd.llm.models import ensure_default_model

    return ensure_default_model()
