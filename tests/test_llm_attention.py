"""Attention maps (issue #20, item 3): sections of real SMD text, attention shares on a tiny local model, and the
`smd attention` command's page and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.llm

from llm_tiny import build_tiny_model, synthetic_records, write_records  # noqa: E402
from motion_smd import SMDOptions, smd_text, synthetic  # noqa: E402
from motion_smd.llm.attention import line_sections  # noqa: E402


def test_line_sections_of_a_rendered_smd() -> None:
    text = smd_text(synthetic.walk_forward().canonicalize(), SMDOptions(top_k=3))
    lines = text.split("\n")
    sections = line_sections([*lines, "[... SMD truncated ...]"])
    by_line = dict(zip(lines, sections, strict=False))
    assert sections[0] == "header" and sections[-1] == "truncated"
    assert by_line["Global Trajectory:"] == "trajectory summary"
    assert any(s == "Forward Position" for s in sections) and any(s == "Heading" for s in sections)
    for i, line in enumerate(lines):  # every line after a "[Part]" header belongs to that part
        if line.startswith("[") and line.endswith("]"):
            assert sections[i] == line[1:-1]
            assert i + 1 < len(lines) and sections[i + 1] == line[1:-1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny_att")
    return {"model": build_tiny_model(root / "model"),
            "recs": write_records(root / "r.jsonl", synthetic_records(4, "test"))}  # fmt: skip


def test_answer_attention_shares(tiny: dict[str, Path]) -> None:
    import torch

    from motion_smd.llm.attention import answer_attention
    from motion_smd.llm.models import load_model
    from motion_smd.llm.prompts import PromptBuilder

    model, tok = load_model(str(tiny["model"]), device="cpu", dtype=torch.float32)
    builder = PromptBuilder(tok, max_length=512)
    rec = synthetic_records(4, "test")[1]
    res = answer_attention(model, builder, rec)
    assert res.answer in rec["options"]
    assert res.lines == rec["smd"].split("\n")
    assert abs(sum(res.line_mass) - 1.0) < 1e-9 and min(res.line_mass) >= 0.0
    assert 0.0 < res.smd_share < 1.0
    smd_tokens = len(tok(rec["smd"], add_special_tokens=False)["input_ids"])
    assert abs(sum(res.line_tokens) - smd_tokens) <= 2  # tokens may merge across the SMD's two ends
    assert all(n > 0 for n in res.line_tokens)
    assert abs(sum(res.section_mass.values()) - 1.0) < 1e-9
    # a direct computation of one line's share from the attentions of a plain forward pass
    again = answer_attention(model, builder, rec, answer=res.answer)
    assert again.line_mass == res.line_mass


def test_attention_command_writes_page_and_json(tiny: dict[str, Path], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motion_smd.cli import build_app

    out = tmp_path / "heat.html"
    args = ["attention", "--records", str(tiny["recs"]), "--model", str(tiny["model"]), "-o", str(out),
            "--ids", "test-0,test-2", "--threads", "1"]  # fmt: skip
    res = CliRunner().invoke(build_app(("llm",)), args)
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert "test-0" in page and "test-2" in page and "test-1 —" not in page and "query_action" in page
    data = json.loads(out.with_suffix(".json").read_text())
    assert len(data["results"]) == 4 and data["table"]["query_action"]["n"] == 4
    bad = CliRunner().invoke(build_app(("llm",)), [*args[:-4], "--ids", "nope"])
    assert bad.exit_code != 0 and "nope" in bad.output


def test_attention_from_given_predictions(tiny: dict[str, Path], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motion_smd.cli import build_app

    recs = synthetic_records(4, "test")
    preds = tmp_path / "predictions.jsonl"
    chosen = {r["id"]: r["options"][-1] for r in recs}
    chosen["test-3"] = "not an option"  # scored by the model instead
    preds.write_text("".join(json.dumps({"id": i, "prediction": a, "extracted": a}) + "\n" for i, a in chosen.items()))
    out = tmp_path / "p.html"
    args = ["attention", "--records", str(tiny["recs"]), "--model", str(tiny["model"]), "-o", str(out),
            "--predictions", str(preds), "--threads", "1"]  # fmt: skip
    res = CliRunner().invoke(build_app(("llm",)), args)
    assert res.exit_code == 0, res.output
    answers = {r["record_id"]: r["answer"] for r in json.loads(out.with_suffix(".json").read_text())["results"]}
    assert all(answers[i] == chosen[i] for i in ("test-0", "test-1", "test-2"))
    assert answers["test-3"] in recs[3]["options"]
