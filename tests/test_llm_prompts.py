"""Prompts and records: lettered options, answer-only labels, SMD truncation, template fallbacks, reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llm_tiny import build_tiny_model, synthetic_records, write_records
from motion_smd.llm import LLMError
from motion_smd.llm.prompts import (
    TRUNCATION_MARK,
    PromptBuilder,
    build_messages,
    option_lines,
    render_chat,
    user_message,
)
from motion_smd.llm.records import read_records


@pytest.fixture(scope="module")
def tok(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("transformers")
    from motion_smd.llm.models import load_tokenizer

    return load_tokenizer(str(build_tiny_model(tmp_path_factory.mktemp("tiny"))))


def test_option_lines_lettered() -> None:
    assert option_lines(["walk", "run", "turn left"]) == "A. walk\nB. run\nC. turn left"
    with pytest.raises(ValueError):
        option_lines([str(i) for i in range(27)])


def test_user_message_qa_and_caption() -> None:
    rec = synthetic_records(1, "x")[0]
    msg = user_message(rec)
    assert msg.startswith("Motion description (SMD):\n" + rec["smd"])
    assert f"Question: {rec['question']}" in msg and option_lines(rec["options"]) in msg
    cap = {"task": "caption", "smd": "Motion: 1.0s", "references": ["a man walks"]}
    assert "Question" not in user_message(cap) and "Describe the motion" in user_message(cap)
    msgs = build_messages(rec)
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert [m["role"] for m in build_messages(rec, system=None)] == ["user"]


def test_features_label_only_the_answer(tok: Any) -> None:
    rec = synthetic_records(3, "x")[2]
    f = PromptBuilder(tok, max_length=512).features(rec)
    assert len(f["input_ids"]) == len(f["labels"]) == len(f["attention_mask"])
    answer_ids = [i for i, lab in zip(f["input_ids"], f["labels"], strict=True) if lab != -100]
    assert tok.decode(answer_ids) == rec["answer"] + "<|im_end|>\n"
    first = f["labels"].index(answer_ids[0])
    assert all(lab == -100 for lab in f["labels"][:first])
    assert tok.decode(f["input_ids"][:first]).endswith("<|im_start|>assistant\n")


def test_long_smd_is_cut_at_lines_to_fit(tok: Any) -> None:
    rec = synthetic_records(1, "x")[0]
    rec["smd"] = "\n".join(f"Line {i}: holds at {i}° [0.0s–1.0s] (1.0s)" for i in range(300))
    b = PromptBuilder(tok, max_length=400)
    f = b.features(rec)
    assert len(f["input_ids"]) <= 400
    text = tok.decode(f["input_ids"])
    assert TRUNCATION_MARK in text and "Line 0:" in text and "Line 299:" not in text
    assert "Question: What does the person do?" in text and "E. " in text  # question and options kept
    answer_ids = [i for i, lab in zip(f["input_ids"], f["labels"], strict=True) if lab != -100]
    assert tok.decode(answer_ids).startswith(rec["answer"])
    kept = b.fit_smd(rec, reserve=16).split("\n")
    assert kept[-1] == TRUNCATION_MARK and kept[:-1] == rec["smd"].split("\n")[: len(kept) - 1]
    short = synthetic_records(1, "x")[0]
    assert b.fit_smd(short, reserve=16) == short["smd"]  # fits: untouched
    assert len(b.prompt_ids(rec)) <= 400 - b.max_target_tokens


def test_template_fallbacks() -> None:
    class NoSystem:
        chat_template = "x"

        def apply_chat_template(self, msgs: list[dict[str, str]], tokenize: bool, add_generation_prompt: bool) -> str:
            if any(m["role"] == "system" for m in msgs):
                raise ValueError("System role not supported")
            return "|".join(m["content"] for m in msgs) + ("<gen>" if add_generation_prompt else "")

    msgs = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    assert render_chat(NoSystem(), msgs, True) == "S\n\nU<gen>"

    class NoTemplate:
        chat_template = None

    assert render_chat(NoTemplate(), msgs, True) == "System: S\nUser: U\nAssistant: "


def test_read_records_fills_and_validates(tmp_path: Path) -> None:
    recs = synthetic_records(4, "x")
    for r in recs:
        del r["target"]
    path = write_records(tmp_path / "r.jsonl", recs)
    got = read_records(path, "qa")
    assert [r["target"] for r in got] == [r["answer"] for r in recs]
    assert len(read_records(path, "qa", limit=2)) == 2
    with pytest.raises(LLMError, match="no caption records"):
        read_records(path, "caption")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "1", "task": "qa", "smd": "s", "question": "q"}) + "\n")
    with pytest.raises(LLMError, match=r"bad.jsonl:1: qa record lacks options, answer"):
        read_records(bad)
    bad.write_text("{not json\n")
    with pytest.raises(LLMError, match="not valid JSON"):
        read_records(bad)
    with pytest.raises(LLMError, match="no such records file"):
        read_records(tmp_path / "nope.jsonl")


def _same_motion(n: int) -> list[dict[str, Any]]:
    recs = synthetic_records(n, "x")
    for r in recs:
        r["smd"] = recs[0]["smd"]
    return recs


def test_shared_prefix_pack_holds_each_record_once(tok: Any) -> None:
    recs = _same_motion(3)
    b = PromptBuilder(tok, max_length=1024)
    (pack,) = b.shared_prefix_features(recs)
    singles = [b.features(r) for r in recs]
    seg, pos, ids = pack["segment_ids"], pack["position_ids"], pack["input_ids"]
    assert len(ids) == len(pack["labels"]) == len(seg) == len(pos) == len(pack["attention_mask"])
    n0 = seg.count(0)
    assert tok.decode(ids[:n0]).count("Motion description (SMD):") == 1  # (same questions: the prefix runs on)
    for k, single in enumerate(singles, start=1):
        branch = [j for j, g in enumerate(seg) if g == k]
        # prefix + branch k is exactly record k's own example, at the same positions
        assert ids[:n0] + [ids[j] for j in branch] == single["input_ids"]
        assert [-100] * n0 + [pack["labels"][j] for j in branch] == single["labels"]
        assert list(range(n0)) + [pos[j] for j in branch] == list(range(len(single["input_ids"])))
    assert len(ids) < sum(len(f["input_ids"]) for f in singles)


def test_shared_prefix_splits_at_the_budget_and_rejects_mixed_motions(tok: Any) -> None:
    recs = _same_motion(4)
    (whole,) = PromptBuilder(tok, max_length=4096).shared_prefix_features(recs)
    tight = PromptBuilder(tok, max_length=len(whole["input_ids"]) // 2 + 40)
    parts = tight.shared_prefix_features(recs)
    assert len(parts) >= 2 and all(len(p["input_ids"]) <= tight.max_length for p in parts)
    assert sum(max(p["segment_ids"]) for p in parts) == 4  # every record kept exactly once
    with pytest.raises(ValueError, match="same SMD"):
        tight.shared_prefix_features(synthetic_records(2, "x"))
    assert tight.shared_prefix_features([]) == []
