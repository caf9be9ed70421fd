"""The LoRA throughput benchmark runs on CPU with the tiny shape and reports consistent numbers."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("peft")

ROOT = Path(__file__).resolve().parents[1]


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("llm_throughput", ROOT / "benchmarks" / "llm_throughput.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_tiny_shape_on_cpu(tmp_path: Path) -> None:
    bench = _bench()
    out = tmp_path / "bench.jsonl"
    args = ["--shape", "tiny", "--device", "cpu", "--steps", "2", "--warmup", "1", "--seq-len", "64", "--threads", "1"]
    res = bench.main([*args, "--batch-size", "2", "--out", str(out)])  # type: ignore[attr-defined]
    assert res["tokens_per_s"] == pytest.approx(2 * 64 / res["s_per_step_median"])
    assert 0 < res["params_trainable"] < res["params_total"]
    assert json.loads(out.read_text().splitlines()[-1]) == res


def test_7b_shape_is_the_published_one() -> None:
    s = _bench().SHAPES["qwen2.5-7b"]  # type: ignore[attr-defined]
    assert (s["hidden_size"], s["num_hidden_layers"], s["num_key_value_heads"], s["vocab_size"]) == (
        3584, 28, 4, 152064,
    )  # fmt: skip
