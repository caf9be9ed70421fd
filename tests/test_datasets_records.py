"""JSONL records (schema, atomic write, round trip) and the HumanML3D caption loader on a toy folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from motion_smd.datasets.humanml3d import (
    caption_motion,
    caption_records,
    load_humanml3d_captions,
    parse_caption_line,
)
from motion_smd.datasets.options import standardise_question
from motion_smd.datasets.qa_common import QAQuestion
from motion_smd.datasets.records import RECORD_KEYS, Record, caption_record, qa_record, read_records, write_records
from motion_smd.errors import ConfigError
from motion_smd.options import SMDOptions


def _qa_rec(qid: str = "q1") -> Record:
    q = QAQuestion(
        qid,
        "toy",
        "test",
        "s1",
        "What action does the person do?",
        ("?=query_action([0])",),
        "wave",
        "query_action",
        "none",
    )
    mc = standardise_question(q, ["walk", "wave", "run"], 10, 0)
    return qa_record(mc, "Motion: 1.0s (20 frames at 20 FPS)\nÜmlaut–dash", "all-26")


def test_record_schema_and_round_trip(tmp_path: Path) -> None:
    recs = [_qa_rec("q1"), caption_record("m1", "humanml3d", "test", "SMD", "top-3", ["a person waves.", "waving"])]
    path = tmp_path / "r.jsonl"
    assert write_records(path, recs) == 2
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        d = json.loads(line)
        assert tuple(d) == RECORD_KEYS  # exactly the agreed keys, sorted
        assert line == json.dumps(d, ensure_ascii=False, sort_keys=True)
    assert "Ümlaut–dash" in lines[0]  # UTF-8 kept, not escaped
    qa, cap = (json.loads(x) for x in lines)
    assert qa["task"] == "qa" and qa["target"] == "wave" and qa["references"] is None
    assert qa["meta"]["query_type"] == "query_action" and qa["meta"]["relation_type"] == "none"
    assert cap["task"] == "caption" and cap["target"] == "a person waves." and cap["options"] is None
    assert cap["meta"] == {"query_type": None, "relation_type": None}
    back = read_records(path)
    assert back == recs
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind


def test_record_validation(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="duplicate"):
        write_records(tmp_path / "d.jsonl", [_qa_rec("x"), _qa_rec("x")])
    with pytest.raises(ConfigError, match="task"):
        Record(id="a", task="chat", dataset="d", split="s", variant="v", smd="", target="t")
    with pytest.raises(ConfigError, match="once in options"):
        Record(
            id="a",
            task="qa",
            dataset="d",
            split="s",
            variant="v",
            smd="",
            target="x",
            question="?",
            options=("y", "z"),
            answer="x",
        )
    with pytest.raises(ConfigError, match="first reference"):
        Record(id="a", task="caption", dataset="d", split="s", variant="v", smd="", target="b", references=("a",))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.jsonl:1: record keys differ"):
        read_records(bad)
    # a failed write leaves the previous file intact
    good = tmp_path / "good.jsonl"
    write_records(good, [_qa_rec("k")])
    before = good.read_bytes()
    with pytest.raises(ConfigError):
        write_records(good, [_qa_rec("k"), _qa_rec("k")])
    assert good.read_bytes() == before


def test_parse_caption_line() -> None:
    c = parse_caption_line("a man kicks something.#a/DET man/NOUN kick/VERB something/PRON#0.0#0.0")
    assert c.text == "a man kicks something." and c.whole and c.tokens[1] == "man/NOUN"
    c = parse_caption_line("he walks#he/PRON walk/VERB#1.5#4.0")
    assert (c.start_s, c.end_s, c.whole) == (1.5, 4.0, False)
    assert parse_caption_line("x#t#nan#nan").whole
    with pytest.raises(ConfigError, match="caption#tokens#from#to"):
        parse_caption_line("no fields here")


def _toy_humanml3d(root: Path) -> None:
    from motion_smd.synthetic import arm_raise, walk_forward

    (root / "texts").mkdir(parents=True)
    (root / "new_joints").mkdir()
    np.save(root / "new_joints" / "000001.npy", walk_forward(n_steps=6).joints.astype(np.float32))
    np.save(root / "new_joints" / "000002.npy", arm_raise("right").joints.astype(np.float32))
    (root / "texts" / "000001.txt").write_text(
        "a person walks forward.#a/DET person/NOUN walk/VERB forward/ADV#0.0#0.0\n"
        "someone walks straight ahead#someone/PRON walk/VERB straight/ADV ahead/ADV#0.0#0.0\n"
        "the person takes steps#the/DET person/NOUN take/VERB step/NOUN#0.5#2.0\n",
        encoding="utf-8",
    )
    (root / "texts" / "000002.txt").write_text(
        "a person raises the right arm.#a/DET person/NOUN raise/VERB the/DET right/ADJ arm/NOUN#0.0#0.0\n",
        encoding="utf-8",
    )
    (root / "test.txt").write_text("000001\n000002\n000003\n", encoding="utf-8")


def test_humanml3d_captions_and_records(tmp_path: Path) -> None:
    _toy_humanml3d(tmp_path)
    cs = load_humanml3d_captions(tmp_path, "test")
    assert [i.id for i in cs.items] == ["000001", "000002"]
    assert cs.items[0].references == ("a person walks forward.", "someone walks straight ahead")
    assert cs.missing_texts == ("000003",)
    seg = load_humanml3d_captions(tmp_path, "test", include_segments=True)
    assert [i.id for i in seg.items] == ["000001", "000001#0.5-2", "000002"]
    sub = seg.items[1]
    assert sub.frame_range() == (10, 40)
    m = caption_motion(sub, tmp_path / "new_joints")
    assert m.n_frames == 30 and abs(float(m.joints[0, 0, 0])) < 1e-9  # cropped, then canonicalised
    opts = SMDOptions(top_k=3)
    recs, skipped = caption_records(seg, tmp_path / "new_joints", opts)
    assert [r.id for r in recs] == ["000001", "000001#0.5-2", "000002"]
    assert skipped == {"000003": "no caption file"}
    assert recs[0].target == "a person walks forward." and recs[0].variant == "top-3"
    assert recs[1].meta["start_s"] == 0.5 and recs[0].meta["motion_id"] == "000001"
    assert recs[2].smd.startswith("Motion: 5.0s")
    with pytest.raises(ConfigError, match="split file not found"):
        load_humanml3d_captions(tmp_path, "train")


def test_cli_records_humanml3d(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motion_smd.cli import app

    _toy_humanml3d(tmp_path / "h")
    out = tmp_path / "r.jsonl"
    res = CliRunner().invoke(
        app, ["records", "humanml3d", "--root", str(tmp_path / "h"), "-o", str(out), "--top-k", "5", "--delta", "10"]
    )
    assert res.exit_code == 0, res.output
    recs = read_records(out)
    assert [r.variant for r in recs] == ["top-5+delta-10"] * 2
    assert all(r.task == "caption" for r in recs)
