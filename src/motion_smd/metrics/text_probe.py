"""Text-probe baseline for multiple-choice motion QA: how much of the answers a linear classifier reads from
the question and the SMD text alone.

Method (a diagnostic, not a motion-understanding model): per query type, binary bag of word/number
n-grams (n = 1…`ngram_max`, tokens `TOKEN_PATTERN`, n-grams seen in at least 2 training records) of
"question || SMD text", and a multinomial logistic regression (scikit-learn, L2, C = `c`, lbfgs) fitted on
the training records; a test record gets the option with the highest predicted probability among its own
options (options never seen in training score 0).

It sits between the answer-prior baselines (majority, random) and an LLM: when the probe beats the majority
answer, the SMD text carries answer information, and an LLM that stays at the majority level underfits
rather than lacks input (docs/performance-llm.md). The probe sees word co-occurrence only (no order beyond
n-grams, no alignment of times), so it bounds nothing from above.

Needs scikit-learn (extra `metrics`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from motion_smd.errors import ConfigError
from motion_smd.metrics.qa import majority_answer

TOKEN_PATTERN = r"[A-Za-z]+|[-+]?\d+|[^\sA-Za-z\d]"
"""Words, signed integers (so "1.25m" gives "1", ".", "25", "m") and single punctuation marks."""


@dataclass(frozen=True)
class ProbeScore:
    """Correct answers out of `total` for one query type (or overall), the probe beside the majority answer.

    Attributes:
        correct: probe answers equal to the record's answer.
        majority_correct: records answered right by the majority baseline (`motion_smd.metrics.qa.majority_answer`:
            the record's option that is the most frequent training answer of the type).
        total: test records.
    """

    correct: int
    majority_correct: int
    total: int

    @property
    def accuracy(self) -> float:
        """correct / total (0.0 when empty)."""
        return self.correct / self.total if self.total else 0.0

    @property
    def majority_accuracy(self) -> float:
        """majority_correct / total (0.0 when empty)."""
        return self.majority_correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class ProbeReport:
    """Text-probe accuracy overall and per query type.

    Attributes:
        overall: all test records.
        per_type: query type (`meta.query_type`, "all" when absent) → score.
        predictions: record id → probe answer.
    """

    overall: ProbeScore
    per_type: dict[str, ProbeScore]
    predictions: dict[str, str] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (accuracies as fractions)."""

        def one(s: ProbeScore) -> dict[str, Any]:
            return {
                "correct": s.correct,
                "total": s.total,
                "accuracy": s.accuracy,
                "majority_accuracy": s.majority_accuracy,
            }

        return {"overall": one(self.overall), "per_type": {k: one(v) for k, v in self.per_type.items()}}


def _query_type(record: Mapping[str, Any]) -> str:
    meta = record.get("meta") or {}
    return str(meta.get("query_type") or "all")


def _text(record: Mapping[str, Any]) -> str:
    return f"{record['question']} || {record['smd']}"


def text_probe(
    train: Sequence[Mapping[str, Any]],
    test: Sequence[Mapping[str, Any]],
    ngram_max: int = 3,
    c: float = 1.0,
) -> ProbeReport:
    """Fit the text probe on `train` QA records and score it on `test` (see the module docstring).

    Args:
        train, test: QA records (keys id, smd, question, options, answer; `meta.query_type` groups them).
        ngram_max: longest n-gram, tokens.
        c: inverse L2 regularisation strength of the logistic regression.

    Returns:
        ProbeReport. Deterministic for given records (lbfgs, no sampling).

    Raises:
        ConfigError: scikit-learn missing, no training records, or a test query type absent from training.
    """
    try:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise ConfigError(
            "the text probe needs scikit-learn: pip install 'motion-smd[metrics]' (or pip install scikit-learn)."
        ) from None
    if not train:
        raise ConfigError("the text probe needs training records (none given).")
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for r in train:
        by_type.setdefault(_query_type(r), []).append(r)
    predictions: dict[str, str] = {}
    per_type: dict[str, ProbeScore] = {}
    for qt in sorted({_query_type(r) for r in test}):
        fit_recs = by_type.get(qt)
        if not fit_recs:
            raise ConfigError(f"query type {qt!r} is in the test records but not in the training records.")
        eval_recs = [r for r in test if _query_type(r) == qt]
        answers = [str(r["answer"]) for r in fit_recs]
        prior = Counter(answers)
        if len(set(answers)) == 1:
            probs = [{answers[0]: 1.0} for _ in eval_recs]
        else:
            vec = CountVectorizer(
                token_pattern=TOKEN_PATTERN, ngram_range=(1, ngram_max), min_df=2, binary=True, lowercase=False
            )
            clf = LogisticRegression(C=c, max_iter=5000)
            clf.fit(vec.fit_transform([_text(r) for r in fit_recs]), answers)
            p = clf.predict_proba(vec.transform([_text(r) for r in eval_recs]))
            probs = [dict(zip(clf.classes_.tolist(), row.tolist(), strict=True)) for row in p]
        correct = maj = 0
        for r, pr in zip(eval_recs, probs, strict=True):
            options = [str(o) for o in (r.get("options") or pr)]
            pick = max(options, key=lambda o: (pr.get(o, 0.0), -options.index(o)))
            predictions[str(r["id"])] = pick
            correct += pick == str(r["answer"])
            maj += majority_answer(options, prior) == str(r["answer"])
        per_type[qt] = ProbeScore(correct, maj, len(eval_recs))
    overall = ProbeScore(
        sum(s.correct for s in per_type.values()),
        sum(s.majority_correct for s in per_type.values()),
        sum(s.total for s in per_type.values()),
    )
    return ProbeReport(overall, per_type, predictions)
