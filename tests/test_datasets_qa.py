"""BABEL-QA / HuMMan-QA loaders, program parsing, n-option standardisation and joining with joints."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from motion_smd.datasets import babel_qa, humman_qa
from motion_smd.datasets.options import read_mc_json, standardise, standardise_question, write_mc_json
from motion_smd.datasets.qa_common import (
    QAQuestion,
    join_with_joints,
    normalise_relation,
    npy_smd_reader,
    parse_program,
    query_type_of,
    relation_type_of,
)
from motion_smd.datasets.records import qa_records
from motion_smd.errors import ConfigError
from motion_smd.options import SMDOptions


def _q(qid: str = "q1", answer: str = "walk", qtype: str = "query_action", sid: str = "s1") -> QAQuestion:
    return QAQuestion(qid, "toy", "test", sid, "What?", (), answer, qtype, "none")


# ---------- program parsing (synthetic) ----------


def test_parse_program_babel_strings() -> None:
    prog = [
        "[0]=scene(motion_seq)",
        "[1]=filter_action([0], take/pick something up)",
        "[2]=relate([1], after)",
        "[3]=filter_direction([0], left)",
        "[4]=relate([3], before)",
        "[5]=intersect([2, 4])",
        "?=query_body_part([5])",
    ]
    steps = parse_program(prog)
    assert [s.function for s in steps] == [
        "scene",
        "filter_action",
        "relate",
        "filter_direction",
        "relate",
        "intersect",
        "query_body_part",
    ]
    assert steps[1].value == "take/pick something up" and steps[1].inputs == (0,)
    assert steps[5].inputs == (2, 4) and steps[5].value is None
    assert query_type_of(steps) == "query_body_part"
    assert relation_type_of(steps) == "in between"
    assert relation_type_of(parse_program([*prog[:3], "?=query_action([2])"])) == "after"
    assert relation_type_of(parse_program([*prog[:2], "?=query_action([1])"])) == "none"


def test_parse_program_rejects_garbage() -> None:
    with pytest.raises(ConfigError, match="not of the form"):
        parse_program(["nonsense"], source="file.json")
    with pytest.raises(ConfigError, match="expected one of"):
        query_type_of(parse_program(["[0]=scene(motion_seq)"]))


def test_normalise_relation() -> None:
    assert normalise_relation("in_between") == "in between"
    assert normalise_relation("no_relation") == "none"
    assert normalise_relation("after") == "after"
    with pytest.raises(ConfigError):
        normalise_relation("during")


# ---------- standardisation (synthetic) ----------


def test_standardise_question_properties() -> None:
    vocab = [f"a{i}" for i in range(30)]
    for k in range(50):
        q = _q(f"q{k}", answer=vocab[k % 30])
        mc = standardise_question(q, vocab, max_options=10, seed=3)
        assert len(mc.options) == 10
        assert mc.options.count(q.answer) == 1
        assert mc.options[mc.answer_index] == q.answer
        assert len(set(mc.options)) == 10 and set(mc.options) <= set(vocab)
    # small vocabulary: all options, shuffled, answer added if outside the vocabulary
    mc = standardise_question(_q(answer="left"), ["forward", "backwards", "right", "left"], 10, 0)
    assert sorted(mc.options) == ["backwards", "forward", "left", "right"]
    mc = standardise_question(_q(answer="up"), ["forward", "left"], 10, 0)
    assert sorted(mc.options) == ["forward", "left", "up"]
    with pytest.raises(ConfigError):
        standardise_question(_q(), vocab, max_options=1)


def test_standardise_deterministic_and_order_independent() -> None:
    vocab = [f"w{i}" for i in range(20)]
    qs = [_q(f"q{k}", answer=vocab[k % 20]) for k in range(40)]
    a = [standardise_question(q, vocab, 10, 7) for q in qs]
    b = [standardise_question(q, vocab, 10, 7) for q in reversed(qs)]
    assert [m.options for m in a] == [m.options for m in reversed(b)]
    c = [standardise_question(q, vocab, 10, 8) for q in qs]
    assert [m.options for m in a] != [m.options for m in c]
    # the answer position is spread over the slots, not always first
    assert len({m.answer_index for m in a}) > 5


# ---------- joining with user joints (synthetic motions) ----------


def test_join_with_joints_reports_missing(tmp_path: Path) -> None:
    from motion_smd.synthetic import squats

    m = squats(n_reps=2)
    # store as BABEL does: Z up, so (x, y, z)_yup = (-x, z, y)_zup  ->  zup = (-x, z, y)
    j = m.joints
    zup = np.stack([-j[..., 0], j[..., 2], j[..., 1]], axis=-1).astype(np.float32)
    np.save(tmp_path / "s1.npy", zup)
    (tmp_path / "bad.npy").write_bytes(b"")
    qs = [_q("q1", sid="s1"), _q("q2", sid="s2"), _q("q3", sid="s1"), _q("q4", sid="bad")]
    calls: list[Path] = []
    reader = npy_smd_reader(SMDOptions(top_k=3), fps=20.0, up="z")

    def counting(p: Path) -> str:
        calls.append(p)
        return reader(p)

    pairs, report = join_with_joints(qs, tmp_path, counting)
    assert [q.id for q, _ in pairs] == ["q1", "q3"]
    assert len(calls) == 2  # s1 described once, bad tried once
    assert report.missing_sequences == ("s2",)
    assert report.missing_questions == ("q2", "q4")
    assert "bad" in report.failed and "empty" in report.failed["bad"]
    assert "2 of 4 questions joined" in report.text(tmp_path)
    # squats seen through the Z-up path read as a squat: knees flex a lot
    assert pairs[0][1].startswith("Motion:") and "Knee" in pairs[0][1]
    with pytest.raises(ConfigError, match="not a directory"):
        join_with_joints(qs, tmp_path / "nope", counting)


def test_qa_records_from_joints(tmp_path: Path) -> None:
    from motion_smd.synthetic import walk_forward

    np.save(tmp_path / "s1.npy", walk_forward(n_steps=4).joints.astype(np.float32))
    vocab = ["walk", "run", "sit", "jump"]
    items = [standardise_question(_q("q1", sid="s1"), vocab, 10, 0), standardise_question(_q("q2", sid="zz"), vocab)]
    opts = SMDOptions(trajectory=False)
    recs, report = qa_records(items, tmp_path, npy_smd_reader(opts, 20.0, "y"), opts.variant)
    assert len(recs) == 1 and report.missing_questions == ("q2",)
    r = recs[0]
    assert r.variant == "all-26+no-trajectory" and r.target == "walk" and r.options == items[0].options
    assert "Global Trajectory" not in r.smd and r.meta["query_type"] == "query_action"


# ---------- real question files ----------


@pytest.fixture(scope="module")
def babel(smd_data_dir: Path) -> object:
    return babel_qa.load_babel_qa(smd_data_dir / "babel_qa")


@pytest.fixture(scope="module")
def humman(smd_data_dir: Path) -> object:
    return humman_qa.load_humman_qa(smd_data_dir / "humman_qa")


def test_babel_counts_match_published(babel: babel_qa.QADataset, smd_data_dir: Path) -> None:
    counts = babel.counts()
    assert {s: c["total"] for s, c in counts.items()} == babel_qa.PUBLISHED_SPLIT_SIZES
    split_ids = json.loads((smd_data_dir / "babel_qa" / "split_question_ids_HumanMotionQA.json").read_text())
    for s in babel_qa.SPLITS:
        assert [q.id for q in babel.split(s)] == split_ids[s]
        c = counts[s]
        assert sum(c.get(t, 0) for t in ("query_action", "query_body_part", "query_direction")) == c["total"]
        assert sum(c.get(r, 0) for r in ("before", "after", "in between", "none")) == c["total"]
    # per-type counts recomputed independently from the raw files and the upstream rule
    for s in babel_qa.SPLITS:
        rows = json.loads((smd_data_dir / "babel_qa" / f"BABELQA_{s}.json").read_text())
        qt = Counter(r[2][-1].split("=")[1].split("(")[0] for r in rows)
        assert {k: counts[s][k] for k in qt} == dict(qt)
    assert {k: len(v) for k, v in babel.vocab.items()} == {
        "query_action": 42,
        "query_body_part": 8,
        "query_direction": 4,
    }


def test_humman_counts_and_labels(humman: humman_qa.QADataset, smd_data_dir: Path) -> None:
    counts = humman.counts()
    assert {s: c["total"] for s, c in counts.items()} == humman_qa.PUBLISHED_SPLIT_SIZES
    labelled = json.loads((smd_data_dir / "humman_qa" / "huMMan_questions.json").read_text())
    qt = Counter(v["query_type"] for v in labelled.values())
    rt = Counter(normalise_relation(v["relation_type"]) for v in labelled.values())
    assert Counter(q.query_type for q in humman.questions) == qt
    assert Counter(q.relation_type for q in humman.questions) == rt
    assert list(humman_qa.sequence_aliases("p000469_a000221_updated_bodypart")) == ["p000469_a000221"]


@pytest.mark.parametrize("which", ["babel", "humman"])
def test_real_standardisation(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    ds = request.getfixturevalue(which)
    items = standardise(ds, max_options=10, seed=0)
    assert len(items) == len(ds.questions)
    for m in items:
        assert 2 <= len(m.options) <= 10
        assert m.options.count(m.question.answer) == 1
        assert len(set(m.options)) == len(m.options)
        assert set(m.options) <= set(ds.vocab[m.question.query_type]) | {m.question.answer}
        if len(ds.vocab[m.question.query_type]) <= 10:
            assert len(m.options) == len(ds.vocab[m.question.query_type])
    p1, p2 = tmp_path / "a.json", tmp_path / "b.json"
    write_mc_json(p1, items, {"seed": 0})
    write_mc_json(p2, standardise(ds, max_options=10, seed=0), {"seed": 0})
    assert p1.read_bytes() == p2.read_bytes()
    back = read_mc_json(p1)
    assert [m.options for m in back] == [m.options for m in items]


def test_cli_qa_options(smd_data_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motion_smd.cli import app

    out1, out2 = tmp_path / "o1.json", tmp_path / "o2.json"
    runner = CliRunner()
    args = ["qa-options", "babel-qa", "--root", str(smd_data_dir / "babel_qa"), "--max-options", "10"]
    r1 = runner.invoke(app, [*args, "-o", str(out1), "--split", "test"])
    r2 = runner.invoke(app, [*args, "-o", str(out2), "--split", "test"])
    assert r1.exit_code == 0, r1.output
    assert r2.exit_code == 0 and out1.read_bytes() == out2.read_bytes()
    doc = json.loads(out1.read_text())
    assert len(doc["questions"]) == 393
    bad = runner.invoke(app, ["qa-options", "babel-qa", "--root", str(tmp_path / "none"), "-o", str(out1)])
    assert bad.exit_code == 2 and "BABEL-QA folder not found" in bad.output
    assert "Traceback" not in bad.output
