"""Multiple-choice motion-QA scoring: the answer extractor and accuracy per query and relation type.

Answer extraction (first rule that fires wins; see docs/metrics.md):

1. **exact**: the stripped prediction equals an option.
2. **normalised**: equal after normalisation (lower case, Unicode NFKC, "answer:"/"the answer is"
   prefixes, a leading option letter such as "B." or "(B)", leading articles, punctuation other than
   "/" and surrounding whitespace removed; inner whitespace collapsed).
3. **option letter**: a bare letter ("B", "(B)", "B.", "B)") or "answer/option (is) B" naming a valid
   option (A = first option, case-sensitive capital letter so the article "a" is not read as option A).
4. **substring**: exactly one option occurs as a whole-word phrase in the normalised prediction
   (options contained in a longer matching option, e.g. "right" in "right hand", are dropped first).
5. **fuzzy**: the option most similar to the normalised prediction by `difflib.SequenceMatcher`
   ratio, if that ratio is at least 0.8 and at least 0.05 above the runner-up.

Anything else (empty, several options named, no match) is **unparseable**: scored wrong, counted and
listed in the report.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from motion_smd import files
from motion_smd.errors import ConfigError

METHODS = ("exact", "normalised", "letter", "substring", "fuzzy")
"""Extraction rules, in the order they are tried."""

FUZZY_MIN_RATIO = 0.8
FUZZY_MARGIN = 0.05
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_PREFIX_RE = re.compile(
    r"^\s*(?:final\s+answer|answer|the\s+answer\s+is|the\s+correct\s+answer\s+is|correct\s+answer)\s*[:\-]?\s*",
    re.IGNORECASE,
)
_LEAD_LETTER_RE = re.compile(r"^\s*\(?([A-Z])\s*[).:]\s+(?=\S)")
_BARE_LETTER_RE = re.compile(r"^\W*\(?([A-Z])\)?\W*$")
_NAMED_LETTER_RE = re.compile(r"\b(?:[Aa]nswer|[Oo]ption|[Cc]hoice)\s*(?:is|:)?\s*[:\-]?\s*\(?([A-Z])\)?(?![A-Za-z])")
_PUNCT_RE = re.compile(r"[^\w\s/]+")
_ARTICLE_RE = re.compile(r"^(?:the|a|an)\s+")


def normalise_text(text: str) -> str:
    """Normalise an answer or option for comparison (rule 2 of the module docstring)."""
    t = unicodedata.normalize("NFKC", text).strip()
    for _ in range(2):
        t = _PREFIX_RE.sub("", t)
        t = _LEAD_LETTER_RE.sub("", t)
    t = t.lower()
    t = _PUNCT_RE.sub(" ", t.replace("_", " "))
    t = " ".join(t.split())
    t = _ARTICLE_RE.sub("", t)
    return t


@dataclass(frozen=True)
class Extraction:
    """Result of answer extraction.

    Attributes:
        answer: the chosen option (verbatim), or None when unparseable.
        method: the rule that fired (one of METHODS) or "unparseable".
    """

    answer: str | None
    method: str


def extract_answer(prediction: str, options: Sequence[str]) -> Extraction:
    """Map a free-text model output onto one of the options (module docstring rules 1–5).

    Args:
        prediction: the model's raw output.
        options: the question's options in prompt order (option letter A = options[0]).

    Returns:
        The Extraction (answer None and method "unparseable" when no rule gives a single option).
    """
    pred = prediction.strip()
    if not pred or not options:
        return Extraction(None, "unparseable")
    # 1. exact
    if pred in options:
        return Extraction(pred, "exact")
    # 2. normalised
    npred = normalise_text(pred)
    norm = [normalise_text(o) for o in options]
    hits = [o for o, n in zip(options, norm, strict=True) if n == npred]
    if len(hits) == 1:
        return Extraction(hits[0], "normalised")
    # 3. option letter
    letter = None
    m = _BARE_LETTER_RE.match(pred)
    if m is not None:
        letter = m.group(1)
    else:
        named = _NAMED_LETTER_RE.findall(pred)
        if named and len(set(named)) == 1:
            letter = named[0]
    if letter is not None and LETTERS.index(letter) < len(options):
        return Extraction(options[LETTERS.index(letter)], "letter")
    # 4. substring (whole words, longest options win over options they contain)
    if npred:
        found = [
            (o, n)
            for o, n in zip(options, norm, strict=True)
            if n and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", npred)
        ]
        found = [(o, n) for o, n in found if not any(n != n2 and n in n2 for _, n2 in found)]
        if len(found) == 1:
            return Extraction(found[0][0], "substring")
        if len(found) > 1:
            return Extraction(None, "unparseable")
    # 5. fuzzy
    if npred:
        ratios = sorted(
            ((difflib.SequenceMatcher(None, npred, n).ratio(), i) for i, n in enumerate(norm)), reverse=True
        )
        best, idx = ratios[0]
        runner = ratios[1][0] if len(ratios) > 1 else 0.0
        if best >= FUZZY_MIN_RATIO and best - runner >= FUZZY_MARGIN:
            return Extraction(options[idx], "fuzzy")
    return Extraction(None, "unparseable")


@dataclass(frozen=True)
class QAItem:
    """One scored question.

    Attributes:
        id: question id.
        prediction: raw model output.
        options: options in prompt order.
        answer: the correct option.
        query_type, relation_type: labels for the breakdown (None = unknown).
    """

    id: str
    prediction: str
    options: tuple[str, ...]
    answer: str
    query_type: str | None = None
    relation_type: str | None = None


@dataclass(frozen=True)
class Score:
    """Correct / total for one group; accuracy = correct / total (0.0 for an empty group)."""

    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        """correct / total in [0, 1]."""
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """{"correct", "total", "accuracy"}."""
        return {"correct": self.correct, "total": self.total, "accuracy": self.accuracy}


@dataclass(frozen=True)
class QAReport:
    """Accuracy overall and per group, with the extraction statistics.

    Attributes:
        overall: all questions.
        per_query_type, per_relation_type: by label (sorted keys).
        methods: how many answers each extraction rule produced (plus "unparseable").
        unparseable: ids of predictions that mapped to no single option (counted wrong).
        per_item: id → (extracted answer or None, correct).
    """

    overall: Score
    per_query_type: dict[str, Score]
    per_relation_type: dict[str, Score]
    methods: dict[str, int]
    unparseable: tuple[str, ...]
    per_item: dict[str, tuple[str | None, bool]] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (per-item results omitted)."""
        return {
            "overall": self.overall.to_dict(),
            "per_query_type": {k: v.to_dict() for k, v in self.per_query_type.items()},
            "per_relation_type": {k: v.to_dict() for k, v in self.per_relation_type.items()},
            "extraction": dict(self.methods),
            "unparseable": list(self.unparseable),
        }


def _group(items: Sequence[QAItem], correct: Sequence[bool], key: str) -> dict[str, Score]:
    acc: dict[str, list[int]] = {}
    for it, ok in zip(items, correct, strict=True):
        label = getattr(it, key)
        k = "unknown" if label is None else str(label)
        c = acc.setdefault(k, [0, 0])
        c[0] += int(ok)
        c[1] += 1
    return {k: Score(v[0], v[1]) for k, v in sorted(acc.items())}


def score_qa(items: Sequence[QAItem]) -> QAReport:
    """Score predictions: extraction, then exact match of the extracted option with the answer.

    Raises:
        ConfigError: duplicate ids.
    """
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ConfigError(f"duplicate prediction id {dup!r}; each question must be scored once.")
    extracted = [extract_answer(it.prediction, it.options) for it in items]
    correct = [e.answer is not None and e.answer == it.answer for e, it in zip(extracted, items, strict=True)]
    methods = {m: 0 for m in (*METHODS, "unparseable")}
    for e in extracted:
        methods[e.method] += 1
    return QAReport(
        overall=Score(sum(correct), len(items)),
        per_query_type=_group(items, correct, "query_type"),
        per_relation_type=_group(items, correct, "relation_type"),
        methods=methods,
        unparseable=tuple(it.id for it, e in zip(items, extracted, strict=True) if e.answer is None),
        per_item={it.id: (e.answer, ok) for it, e, ok in zip(items, extracted, correct, strict=True)},
    )


PREDICTION_KEYS = ("prediction", "output", "response", "text")
"""Keys read, in this order, for the model output in a predictions line."""


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file (`motion_smd.files.read_jsonl`; ConfigError on a bad line)."""
    return files.read_jsonl(path)


def prediction_text(d: Mapping[str, Any], source: str = "") -> str:
    """The model output of a predictions line (first of PREDICTION_KEYS present; None → "").

    Raises:
        ConfigError: none of the keys is present.
    """
    for k in PREDICTION_KEYS:
        if k in d:
            return "" if d[k] is None else str(d[k])
    raise ConfigError(f"{source}: the line has none of the keys {PREDICTION_KEYS}; which one holds the output?")


def load_qa_items(predictions: Path | str, records: Path | str | None = None) -> list[QAItem]:
    """Join a predictions JSONL (id + model output) with QA records (options, answer, labels).

    Without `records`, each predictions line must itself carry "options" and "answer" (and optionally
    "meta" with query_type/relation_type, or those keys at top level).

    Raises:
        ConfigError: unreadable files, a prediction whose id is not in the records, or missing fields.
    """
    preds = read_jsonl(Path(predictions))
    truth: dict[str, Mapping[str, Any]] = {}
    if records is not None:
        truth = {str(r["id"]): r for r in read_jsonl(Path(records)) if r.get("task", "qa") == "qa"}
    items: list[QAItem] = []
    for n, d in enumerate(preds, start=1):
        src = f"{predictions}:{n}"
        if "id" not in d:
            raise ConfigError(f"{src}: prediction line without an 'id'.")
        qid = str(d["id"])
        ref: Mapping[str, Any] = d
        if records is not None:
            if qid not in truth:
                raise ConfigError(f"{src}: id {qid!r} is not a QA record of {records}; wrong records file?")
            ref = truth[qid]
        if not ref.get("options") or ref.get("answer") is None:
            raise ConfigError(f"{src}: no options/answer for {qid!r}; pass --records with the QA records file.")
        items.append(qa_item(ref, prediction_text(d, src), qid))
    return items


def qa_item(record: Mapping[str, Any], prediction: str = "", item_id: str | None = None) -> QAItem:
    """The QAItem of a QA record (keys id, options, answer; query_type / relation_type read from
    "meta", else from the top level) and a model output.

    Args:
        record: the record (a JSON object of `motion_smd.datasets.records`, or a predictions line that
            carries options and answer).
        prediction: the model output ("" for a baseline that only needs the truth).
        item_id: id to use instead of `record["id"]`.
    """
    meta = record.get("meta") or {}
    return QAItem(
        id=str(record["id"]) if item_id is None else item_id,
        prediction=prediction,
        options=tuple(str(o) for o in record["options"]),
        answer=str(record["answer"]),
        query_type=meta.get("query_type", record.get("query_type")),
        relation_type=meta.get("relation_type", record.get("relation_type")),
    )


@dataclass(frozen=True)
class Baselines:
    """The answer-prior baselines of multiple-choice QA, scored like model predictions (`score_qa`).

    Attributes:
        majority: every question answered with the option that is the most frequent answer of its query
            type in the prior records (ties and unseen types: alphabetically first option).
        random: a uniformly random option per question from `numpy.random.default_rng(seed)`, drawn in
            question order.
        random_expected: expected accuracy of the random baseline, mean(1 / n_options) (0.0 when empty).
        prior_from: "train", or "test (optimistic)" when the prior came from the scored records.
        seed: seed of the random baseline.
    """

    majority: QAReport
    random: QAReport
    random_expected: float
    prior_from: str
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """{"majority": {"accuracy", "correct", "total", "answer_prior_from"},
        "random": {"accuracy", "correct", "total", "seed", "expected_accuracy"}}."""
        return {
            "majority": {
                **self.majority.overall.to_dict(),
                "answer_prior_from": self.prior_from,
            },
            "random": {
                **self.random.overall.to_dict(),
                "seed": self.seed,
                "expected_accuracy": self.random_expected,
            },
        }


def answer_priors(records: Iterable[Mapping[str, Any]]) -> dict[str | None, Counter[str]]:
    """Answer counts per query type (`meta.query_type`, None when absent) of QA records."""
    priors: dict[str | None, Counter[str]] = {}
    for r in records:
        it = qa_item(r)
        priors.setdefault(it.query_type, Counter())[it.answer] += 1
    return priors


def majority_answer(options: Sequence[str], prior: Mapping[str, int]) -> str:
    """The option with the highest prior count; ties (and an empty prior) go to the alphabetically first."""
    return min(options, key=lambda o: (-prior.get(o, 0), o))


def qa_baselines(
    test: Sequence[Mapping[str, Any]], train: Sequence[Mapping[str, Any]] | None = None, seed: int = 0
) -> Baselines:
    """Majority-answer and random baselines of `test` QA records (see `Baselines`).

    Args:
        test: the scored QA records (id, options, answer, meta.query_type / meta.relation_type).
        train: records whose answers define the majority prior; None or empty = `test` itself (an
            optimistic bound, labelled so).
        seed: seed of the random baseline.
    """
    import numpy as np

    priors = answer_priors(train if train else test)
    rng = np.random.default_rng(seed)
    maj_items, rnd_items = [], []
    for r in test:
        it = qa_item(r)
        guess = majority_answer(it.options, priors.get(it.query_type, Counter()))
        maj_items.append(replace(it, prediction=guess))
        rnd_items.append(replace(it, prediction=it.options[int(rng.integers(len(it.options)))]))
    expected = float(np.mean([1.0 / len(it.options) for it in maj_items])) if maj_items else 0.0
    return Baselines(
        majority=score_qa(maj_items),
        random=score_qa(rnd_items),
        random_expected=expected,
        prior_from="train" if train else "test (optimistic)",
        seed=seed,
    )


def report_table(report: QAReport) -> list[tuple[str, str, int, int, float]]:
    """Rows (group kind, label, correct, total, accuracy) for printing: overall, query types, relations."""
    rows: list[tuple[str, str, int, int, float]] = [
        ("overall", "all", report.overall.correct, report.overall.total, report.overall.accuracy)
    ]
    groups: Iterable[tuple[str, dict[str, Score]]] = (
        ("query_type", report.per_query_type),
        ("relation_type", report.per_relation_type),
    )
    for kind, g in groups:
        rows.extend((kind, k, s.correct, s.total, s.accuracy) for k, s in g.items())
    return rows
