"""Scoring of the temporal tasks (issue #15): parsers, dense-captioning F1 at tIoU thresholds (boundaries and
named actions), localisation R@1, counting, checked on small cases worked out by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from motion_smd.datasets.records import Record
from motion_smd.errors import ConfigError
from motion_smd.metrics.dense import (
    TimedCaption,
    count_scores,
    dense_scores,
    format_span,
    format_timeline,
    localisation_scores,
    parse_count,
    parse_span,
    parse_timeline,
    temporal_report,
)

REF = "[0.0–4.0 s] walk forward; [4.0–8.0 s] wave the right hand"


def test_parsers_read_both_timeline_spellings() -> None:
    assert parse_timeline(REF) == [
        TimedCaption(0.0, 4.0, "walk forward"),
        TimedCaption(4.0, 8.0, "wave the right hand"),
    ]
    assert parse_timeline("[0.5s–2.5s] turns left 90°\n[3-1 s] Bow.") == [
        TimedCaption(0.5, 2.5, "turns left 90°"),
        TimedCaption(1.0, 3.0, "bow"),
    ]
    assert parse_timeline("the person walks") == []
    assert parse_span("From 4.4 s to 7.9 s.") == (4.4, 7.9) and parse_span("4.4–7.9 s") == (4.4, 7.9)
    assert parse_span("never") is None
    assert parse_count("3") == 3 and parse_count("Three times.") == 3 and parse_count("none") is None
    events = parse_timeline(REF)
    assert parse_timeline(format_timeline(events)) == events
    assert parse_span(format_span((1.25, 2.0))) == (1.2, 2.0)


def test_dense_scores_worked_example() -> None:
    # prediction 1 overlaps ref 1 with tIoU 3/4 (right action), prediction 2 overlaps ref 2 with tIoU 2/4.5
    # (wrong action): at 0.5 one of two predictions and one of two references match
    pred = "[0.0–3.0 s] walk forward; [3.5–6.0 s] walk forward"
    rep = dense_scores({"a": pred, "b": ""}, {"a": REF, "b": REF})
    assert rep.scores[0.3] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}  # b scores 0, a scores 1
    assert rep.scores[0.5]["precision"] == pytest.approx(0.25) and rep.scores[0.5]["recall"] == pytest.approx(0.25)
    assert rep.labelled[0.3]["precision"] == pytest.approx(0.25)  # the second prediction names the wrong action
    assert rep.unparseable == ["b"]
    walk = rep.per_action["walk forward"][0.5]
    assert walk["recall"] == 0.5 and walk["precision"] == 1.0 and walk["references"] == 2
    perfect = dense_scores({"a": REF}, {"a": REF})
    assert all(v["f1"] == 1.0 for v in perfect.scores.values())
    assert all(v["f1"] == 1.0 for v in perfect.labelled.values())


def test_localisation_and_count_scores() -> None:
    loc = localisation_scores({"a": "0.0–4.0 s", "b": "2–6 s", "c": "?"}, {"a": "0–4 s", "b": "0–4 s", "c": "0–4 s"})
    assert loc["mean_tiou"] == pytest.approx((1.0 + 2 / 6) / 3)
    assert loc["r_at_1"] == {"0.3": pytest.approx(2 / 3), "0.5": pytest.approx(1 / 3), "0.7": pytest.approx(1 / 3)}
    assert loc["unparseable"] == ["c"]
    c = count_scores({"a": "3", "b": "five", "c": "many"}, {"a": "3", "b": "4", "c": "2"})
    assert c["exact"] == pytest.approx(1 / 3) and c["obo"] == pytest.approx(2 / 3)
    assert c["mae"] == pytest.approx((0 + 1 / 4 + 1) / 3) and c["unparseable"] == ["c"]
    with pytest.raises(ValueError, match="not a count"):
        count_scores({}, {"a": "zero"})


def test_temporal_report_dispatches_by_query_type() -> None:
    records = [
        {"id": "d", "answer": REF, "meta": {"query_type": "dense"}},
        {"id": "l", "answer": "4.0–8.0 s", "meta": {"query_type": "localise"}},
        {"id": "c", "answer": "2", "meta": {"query_type": "count"}},
    ]
    rep = temporal_report(records, {"d": REF, "l": "4–8 s", "c": "2"})
    assert rep["dense"]["scores"]["0.9"]["f1"] == 1.0
    assert rep["localise"]["mean_tiou"] == 1.0 and rep["count"]["exact"] == 1.0
    with pytest.raises(ValueError, match="query_type"):
        temporal_report([{"id": "x", "answer": "a", "meta": {"query_type": "caption"}}], {})


def test_temporal_records_are_open_questions() -> None:
    kw = {"id": "x", "task": "temporal", "dataset": "d", "split": "test", "variant": "all-26", "smd": "s"}
    r = Record(**kw, target="3", question="How many?", answer="3", meta={"query_type": "count"})
    assert Record.from_dict(r.to_dict()) == r
    with pytest.raises(ConfigError, match="no options"):
        Record(**kw, target="3", question="How many?", answer="3", options=("3", "4"))


def test_metrics_cli(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    rows = [
        Record("d", "temporal", "d", "test", "v", "s", REF, question="q", answer=REF, meta={"query_type": "dense"}),
        Record("c", "temporal", "d", "test", "v", "s", "4", question="q", answer="4", meta={"query_type": "count"}),
    ]
    records.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in rows), encoding="utf-8")
    preds = tmp_path / "preds.jsonl"
    preds.write_text(
        json.dumps({"id": "d", "prediction": REF}) + "\n" + json.dumps({"id": "c", "prediction": "5"}) + "\n"
    )
    smd = [sys.executable, "-m", "motion_smd.cli"]
    out = subprocess.run([*smd, "metrics", "dense", str(preds), "--records", str(records), "--no-captions"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "tIoU 0.5: precision 1.000 recall 1.000 F1 1.000" in out and "wave the right hand" in out
    out = subprocess.run([*smd, "metrics", "count", str(preds), "--records", str(records)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "exact 0.000, MAE 0.250, OBO 1.000" in out
    bad = subprocess.run(
        [*smd, "metrics", "count", str(preds), "--records", str(preds)], capture_output=True, text=True
    )
    assert bad.returncode != 0 and "no count records" in bad.stderr and "smd bandai-dense" in bad.stderr
    no_id = tmp_path / "no_id.jsonl"
    no_id.write_text('{"prediction": "3"}\n', encoding="utf-8")
    bad = subprocess.run(
        [*smd, "metrics", "count", str(no_id), "--records", str(records)], capture_output=True, text=True
    )
    assert bad.returncode == 2 and f'{no_id}:1: the line has no "id"' in bad.stderr and "Traceback" not in bad.stderr
