"""The one majority/random baseline definition (motion_smd.metrics.qa.qa_baselines) and its users."""

from __future__ import annotations

from typing import Any

import pytest

from motion_smd.metrics.qa import majority_answer, qa_baselines


def _rec(i: int, answer: str, options: list[str], qt: str | None = "query_action") -> dict[str, Any]:
    return {"id": f"q{i}", "answer": answer, "options": options, "meta": {"query_type": qt, "relation_type": "none"}}


def test_majority_is_per_query_type_and_restricted_to_the_options() -> None:
    train = [
        _rec(0, "walk", ["walk", "run"]),
        _rec(1, "walk", ["walk", "run"]),
        _rec(2, "run", ["walk", "run"]),
        _rec(3, "left", ["left", "right"], "query_direction"),
    ]
    test = [
        _rec(10, "walk", ["run", "walk"]),  # majority walk → right
        _rec(11, "bow", ["bow", "run"]),  # walk not offered → run (the most frequent offered) → wrong
        _rec(12, "left", ["right", "left"], "query_direction"),  # per-type prior: left → right
    ]
    b = qa_baselines(test, train, seed=0)
    assert b.majority.per_item == {"q10": ("walk", True), "q11": ("run", False), "q12": ("left", True)}
    assert b.majority.overall.correct == 2 and b.prior_from == "train"
    assert b.random_expected == pytest.approx(0.5)


def test_majority_ties_and_unseen_types_go_to_the_alphabetically_first_option() -> None:
    assert majority_answer(["b", "a", "c"], {"b": 2, "c": 2}) == "b"
    assert majority_answer(["b", "a", "c"], {}) == "a"


def test_random_is_seeded_and_scored_like_predictions() -> None:
    test = [_rec(i, "a", ["a", "b", "c", "d"]) for i in range(400)]
    b0, b1 = qa_baselines(test, None, seed=0), qa_baselines(test, None, seed=1)
    assert b0.to_dict() == qa_baselines(test, None, seed=0).to_dict()
    assert b0.random.per_item != b1.random.per_item
    assert abs(b0.random.overall.accuracy - 0.25) < 0.06
    assert b0.prior_from == "test (optimistic)" and b0.majority.overall.accuracy == 1.0


def test_eval_and_text_probe_use_the_same_definition() -> None:
    from motion_smd.llm.evaluate import qa_baselines as eval_baselines

    train = [_rec(i, "walk" if i % 3 else "run", ["walk", "run", "bow"]) for i in range(9)]
    test = [_rec(100 + i, ["walk", "run", "bow"][i % 3], ["bow", "run", "walk"]) for i in range(30)]
    shared = qa_baselines(test, train, seed=3)
    d = eval_baselines(test, train, seed=3)
    assert d["majority"]["correct"] == shared.majority.overall.correct == 10
    assert d["random"]["correct"] == shared.random.overall.correct
    pytest.importorskip("sklearn")
    from motion_smd.metrics.text_probe import text_probe

    for r in [*train, *test]:
        r.update(question="What action?", smd=f"motion {r['id']}")
    assert text_probe(train, test).overall.majority_correct == shared.majority.overall.correct
