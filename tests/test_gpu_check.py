"""benchmarks/gpu_check.sh runs end to end on CPU with tiny shapes (GPU_CHECK_TINY=1) and writes its one JSON file:
the training-throughput, inference (unpacked / per-question / per-motion) and bandai-qa parts, with a tiny local
model and synthetic records in place of SmolLM2 and the real records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("peft")
pytestmark = pytest.mark.llm

from llm_tiny import build_tiny_model, synthetic_records, write_records  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_script_on_cpu(tmp_path: Path) -> None:
    model = build_tiny_model(tmp_path / "model")
    rec = tmp_path / "records"
    rec.mkdir()
    for split, n in (("train", 16), ("val", 8), ("test", 8)):
        write_records(rec / f"records_{split}.jsonl", synthetic_records(n, split))
    smd = Path(sys.executable).parent / "smd"
    env = {**os.environ, "GPU_CHECK_TINY": "1", "GPU_CHECK_MODEL": str(model), "PYTHON": sys.executable,
           "SMD": str(smd), "OMP_NUM_THREADS": "1"}  # fmt: skip
    out = tmp_path / "gpu.json"
    proc = subprocess.run(["bash", str(ROOT / "benchmarks/gpu_check.sh"), str(out), str(rec)], env=env,
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["failed_steps"] == {}, res["failed_steps"]
    assert [s["step"] for s in res["steps"]] == [
        "train_throughput", "inference_7b", "inference_real", "bandai_train", "bandai_eval_loglik",
        "bandai_eval_generate",
    ]  # fmt: skip
    (train,) = res["train_throughput"]
    assert train["effective_batch"] == 8 and train["tokens_per_s"] > 0
    modes = [r["mode"] for r in res["inference"]]
    assert modes == ["unpacked", "per-question", "per-motion"] * 2
    by_mode = {r["mode"]: r for r in res["inference"][:3]}
    assert (
        by_mode["per-motion"]["tokens_run"] < by_mode["per-question"]["tokens_run"] < by_mode["unpacked"]["tokens_run"]
    )
    assert res["bandai_qa"]["train_summary"]["global_step"] == 2
    for scoring in ("loglik", "generate"):
        assert res["bandai_qa"][f"eval_{scoring}"]["n"] == 8
