"""Answer extractor and QA accuracy per query/relation type on toy predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motion_smd.errors import ConfigError
from motion_smd.metrics.qa import QAItem, extract_answer, load_qa_items, normalise_text, score_qa

OPTS = ("walk", "right hand", "right", "take/pick something up", "jumping jacks")


@pytest.mark.parametrize(
    ("pred", "answer", "method"),
    [
        ("walk", "walk", "exact"),
        ("  Walk. ", "walk", "normalised"),
        ("Answer: The right hand", "right hand", "normalised"),
        ("(B) right hand", "right hand", "normalised"),
        ("B", "right hand", "letter"),
        ("(C)", "right", "letter"),
        ("The answer is D.", "take/pick something up", "letter"),
        ("I think the person uses their right hand here.", "right hand", "substring"),  # "right" is inside
        ("They do jumping jacks after sitting", "jumping jacks", "substring"),
        ("jumpin jacks", "jumping jacks", "fuzzy"),
        ("", None, "unparseable"),
        ("walk or right hand", None, "unparseable"),  # two options named
        ("Z", None, "unparseable"),  # letter out of range
        ("something completely different", None, "unparseable"),
        ("a", None, "unparseable"),  # lower-case article is not option A
    ],
)
def test_extractor_rules(pred: str, answer: str | None, method: str) -> None:
    e = extract_answer(pred, OPTS)
    assert (e.answer, e.method) == (answer, method)


def test_normalise_text() -> None:
    assert normalise_text("Final answer: (A) The Walk!") == "walk"
    assert normalise_text("take/pick something up") == "take/pick something up"


def test_accuracy_per_type_exact(tmp_path: Path) -> None:
    # toy: 6 questions; correct = q1 (exact), q2 (letter), q4 (substring); wrong = q3, q5 (unparseable), q6
    opts = ["walk", "run", "left", "right"]
    rows = [
        ("q1", "walk", "walk", "query_action", "before"),
        ("q2", "D", "right", "query_direction", "after"),
        ("q3", "run", "walk", "query_action", "before"),
        ("q4", "they move left", "left", "query_direction", "none"),
        ("q5", "no idea", "run", "query_action", "in between"),
        ("q6", "left", "right", "query_direction", "after"),
    ]
    recs = tmp_path / "records.jsonl"
    preds = tmp_path / "preds.jsonl"
    with recs.open("w") as fr, preds.open("w") as fp:
        for qid, pred, ans, qt, rt in rows:
            fr.write(
                json.dumps(
                    {
                        "id": qid,
                        "task": "qa",
                        "options": opts,
                        "answer": ans,
                        "meta": {"query_type": qt, "relation_type": rt},
                    }
                )
                + "\n"
            )
            fp.write(json.dumps({"id": qid, "prediction": pred}) + "\n")
    rep = score_qa(load_qa_items(preds, recs))
    assert (rep.overall.correct, rep.overall.total) == (3, 6)
    assert rep.overall.accuracy == 0.5
    pq = {k: (v.correct, v.total) for k, v in rep.per_query_type.items()}
    assert pq == {"query_action": (1, 3), "query_direction": (2, 3)}
    pr = {k: (v.correct, v.total) for k, v in rep.per_relation_type.items()}
    assert pr == {"after": (1, 2), "before": (1, 2), "in between": (0, 1), "none": (1, 1)}
    assert rep.unparseable == ("q5",)
    assert rep.methods["exact"] == 3 and rep.methods["letter"] == 1 and rep.methods["unparseable"] == 1
    assert rep.per_item["q6"] == ("left", False)

    # the CLI prints the same numbers and writes JSON
    from typer.testing import CliRunner

    from motion_smd.cli import app

    out = tmp_path / "rep.json"
    res = CliRunner().invoke(app, ["metrics", "qa", str(preds), "--records", str(recs), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "3/6" in res.output and "50.00%" in res.output and "1 unparseable" in res.output
    d = json.loads(out.read_text())
    assert d["per_query_type"]["query_direction"]["accuracy"] == pytest.approx(2 / 3)


def test_load_errors(tmp_path: Path) -> None:
    p = tmp_path / "p.jsonl"
    p.write_text('{"id": "x", "prediction": "walk"}\n')
    with pytest.raises(ConfigError, match="pass --records"):
        load_qa_items(p)
    r = tmp_path / "r.jsonl"
    r.write_text('{"id": "y", "options": ["a"], "answer": "a"}\n')
    with pytest.raises(ConfigError, match="not a QA record"):
        load_qa_items(p, r)
    with pytest.raises(ConfigError, match="duplicate"):
        score_qa([QAItem("a", "x", ("x",), "x"), QAItem("a", "x", ("x",), "x")])
