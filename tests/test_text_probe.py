"""Text-probe baseline: reads answers that are in the SMD text, falls to the prior when they are not,
restricts picks to each record's options; on real bandai-qa it beats the majority answer."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from llm_tiny import ACTIONS, synthetic_records

pytest.importorskip("sklearn")

from motion_smd.errors import ConfigError
from motion_smd.metrics.text_probe import text_probe


def test_reads_answers_present_in_the_text() -> None:
    rep = text_probe(synthetic_records(60, "train"), synthetic_records(25, "test", seed=3))
    assert rep.overall.accuracy == 1.0 and rep.overall.total == 25
    assert set(rep.per_type) == {"query_action"}


def test_no_signal_gives_no_better_than_chance_and_respects_options() -> None:
    rng = random.Random(0)

    def noisy(n: int, split: str) -> list[dict[str, Any]]:
        recs = synthetic_records(n, split)
        for r in recs:  # the SMD text no longer depends on the answer
            r["smd"] = f"Motion: 6.0s (120 frames at 20 FPS)\nnoise {rng.randint(0, 9)}"
        return recs

    test = noisy(200, "test")
    for r in test[:50]:
        r["options"] = [r["answer"]]  # a single option must be picked whatever the probabilities
    rep = text_probe(noisy(300, "train"), test)
    assert all(rep.predictions[r["id"]] == r["answer"] for r in test[:50])
    rest = test[50:]
    acc_rest = sum(rep.predictions[r["id"]] == r["answer"] for r in rest) / len(rest)
    assert acc_rest < 2 / len(ACTIONS)  # chance is 1/5; nothing to read


def test_errors_are_clear() -> None:
    with pytest.raises(ConfigError, match="training records"):
        text_probe([], synthetic_records(2, "test"))
    other = synthetic_records(3, "test")
    for r in other:
        r["meta"]["query_type"] = "query_direction"
    with pytest.raises(ConfigError, match="query_direction"):
        text_probe(synthetic_records(10, "train"), other)


def test_bandai_qa_text_carries_the_answers(bandai_qa_built: tuple[Path, object, float]) -> None:
    """The all-26 SMD of real joined Bandai-Namco sequences lets a linear probe beat the majority answer."""
    out = bandai_qa_built[0]
    load = lambda s: [json.loads(x) for x in (out / f"records_{s}.jsonl").read_text().splitlines()]  # noqa: E731
    rep = text_probe(load("train"), load("test"))
    assert rep.overall.total >= 150
    assert rep.overall.accuracy >= rep.overall.majority_accuracy + 0.08, rep.to_dict()
    assert rep.per_type["query_action"].accuracy >= rep.per_type["query_action"].majority_accuracy + 0.15
