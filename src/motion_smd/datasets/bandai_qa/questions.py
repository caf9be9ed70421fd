"""bandai-qa questions in the BABEL-QA program style over one sequence of clip labels
(docs/datasets.md, step 4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from motion_smd.datasets.bandai_qa.labels import ClipLabel

MAX_QUESTIONS_PER_SEQUENCE = 4

_ACTION_VERB = {
    "walk": "walk",
    "run": "run",
    "turn": "turn",
    "wave": "wave",
    "raise hand": "raise a hand",
    "bow": "bow",
}

_FILTER_FN = {"action": "filter_action", "direction": "filter_direction", "body_part": "filter_body_part"}
_QUERY_ATTR = {"query_action": "action", "query_direction": "direction", "query_body_part": "body_part"}
_QUERY_TEXT = {
    "query_action": "What action does the person do",
    "query_body_part": "What body part does the person use",
    "query_direction": "What direction does the person move",
}


def _attr(label: ClipLabel, kind: str) -> str | None:
    return {"action": label.action, "direction": label.direction, "body_part": label.body_part}[kind]


def _filter_phrase(kind: str, value: str) -> str:
    if kind == "action":
        return f"they {_ACTION_VERB[value]}"
    if kind == "direction":
        return f"they move {value}"
    return f"they use their {value}"


def _unique_filters(labels: Sequence[ClipLabel], i: int) -> list[tuple[str, str]]:
    """(kind, value) filters that pick clip i and no other clip of the sequence."""
    out = []
    for kind in ("action", "direction", "body_part"):
        v = _attr(labels[i], kind)
        if v is not None and sum(_attr(lb, kind) == v for lb in labels) == 1:
            out.append((kind, v))
    return out


@dataclass(frozen=True)
class QuestionDraft:
    """A generated question before ids and splits: text, program, answer, types."""

    question: str
    program: tuple[str, ...]
    answer: str
    query_type: str
    relation_type: str


def _program(filters: Sequence[tuple[str, str, str | None]], query: str) -> tuple[str, ...]:
    """Program strings in BABEL-QA form for filters [(kind, value, relation or None)] and a query."""
    steps = ["[0]=scene(motion_seq)"]
    heads = []
    for kind, value, rel in filters:
        k = len(steps)
        steps.append(f"[{k}]={_FILTER_FN[kind]}([0], {value})")
        if rel is not None:
            steps.append(f"[{k + 1}]=relate([{k}], {rel})")
            heads.append(k + 1)
        else:
            heads.append(k)
    if len(heads) == 2:
        k = len(steps)
        steps.append(f"[{k}]=intersect([{heads[0]}, {heads[1]}])")
        heads = [k]
    steps.append(f"?={query}([{heads[0]}])")
    return tuple(steps)


def _while_questions(labels: Sequence[ClipLabel], query: str, attr: str) -> list[QuestionDraft]:
    """Relation none: filter and query on the same clip (different attribute kinds)."""
    out = []
    for i, label in enumerate(labels):
        ans = _attr(label, attr)
        if ans is None:
            continue
        for kind, val in _unique_filters(labels, i):
            if kind != attr:
                text = f"{_QUERY_TEXT[query]} while {_filter_phrase(kind, val)}?"
                out.append(QuestionDraft(text, _program([(kind, val, None)], query), ans, query, "none"))
    return out


def _before_after_questions(labels: Sequence[ClipLabel], query: str, attr: str) -> list[QuestionDraft]:
    """Relations before/after: the queried attribute is carried by exactly one clip on that side."""
    n = len(labels)
    out = []
    for f in range(n):
        for rel, side in (("before", range(0, f)), ("after", range(f + 1, n))):
            values = [v for v in (_attr(labels[t], attr) for t in side) if v is not None]
            if len(values) != 1:
                continue
            for kind, val in _unique_filters(labels, f):
                if not (kind == attr and val == values[0]):
                    text = f"{_QUERY_TEXT[query]} {rel} {_filter_phrase(kind, val)}?"
                    out.append(QuestionDraft(text, _program([(kind, val, rel)], query), values[0], query, rel))
    return out


def _in_between_questions(
    labels: Sequence[ClipLabel], query: str, attr: str, rng: np.random.Generator
) -> list[QuestionDraft]:
    """Relation in between (3 clips only): query the middle clip, filter the first with "after" and the last
    with "before", the two clauses in an order drawn from `rng`."""
    ans = _attr(labels[1], attr) if len(labels) == 3 else None
    if ans is None:
        return []
    out = []
    for k0, v0 in _unique_filters(labels, 0):
        for k2, v2 in _unique_filters(labels, 2):
            a = (k0, v0, "after")
            b = (k2, v2, "before")
            first, second = (a, b) if rng.random() < 0.5 else (b, a)
            text = (
                f"{_QUERY_TEXT[query]} {first[2]} {_filter_phrase(first[0], first[1])} and "
                f"{second[2]} {_filter_phrase(second[0], second[1])}?"
            )
            out.append(QuestionDraft(text, _program([first, second], query), ans, query, "in between"))
    return out


def generate_questions(labels: Sequence[ClipLabel], rng: np.random.Generator) -> list[QuestionDraft]:
    """All answerable questions about one sequence of clip labels (order is deterministic).

    Per query type, in this order: relation none (filter and query on the same clip, different attribute
    kinds), before/after (the queried attribute is carried by exactly one clip on that side of the
    filtered clip), in between (3 clips: query the middle one, filter the first with "after" and the last
    with "before"). `rng` only picks the order of the two clauses of in-between questions. A question
    text generated twice is kept once (the first).
    """
    drafts: list[QuestionDraft] = []
    for query, attr in _QUERY_ATTR.items():
        drafts += _while_questions(labels, query, attr)
        drafts += _before_after_questions(labels, query, attr)
        drafts += _in_between_questions(labels, query, attr, rng)
    unique: dict[str, QuestionDraft] = {}
    for d in drafts:
        unique.setdefault(d.question, d)
    return list(unique.values())


def select_questions(drafts: Sequence[QuestionDraft], k: int, rng: np.random.Generator) -> list[QuestionDraft]:
    """Up to k drafts, round-robin over query types (rarer types first), shuffled within each type."""
    by_type: dict[str, list[QuestionDraft]] = {}
    for d in drafts:
        by_type.setdefault(d.query_type, []).append(d)
    pools = []
    for qt in ("query_direction", "query_body_part", "query_action"):
        pool = by_type.get(qt, [])
        order = rng.permutation(len(pool))
        pools.append([pool[int(i)] for i in order])
    out: list[QuestionDraft] = []
    while len(out) < k and any(pools):
        for pool in pools:
            if pool and len(out) < k:
                out.append(pool.pop(0))
    return out
