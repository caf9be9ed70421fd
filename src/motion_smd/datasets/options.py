"""n-option standardisation of motion QA (the 10-option multiple-choice protocol).

For each question the options are the correct answer plus distractors drawn without replacement from
the same query type's answer vocabulary (all of it when the vocabulary has at most `max_options`
words), in a shuffled order. The random draw for a question depends only on (seed, dataset, question
id), through a SHA-256-derived NumPy generator, so the result is identical across runs, platforms and
input orders, and adding or removing other questions does not change it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from motion_smd.datasets.qa_common import QADataset, QAQuestion
from motion_smd.errors import ConfigError
from motion_smd.files import atomic_write_text

OPTION_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Letters naming the options in prompts (A = first option)."""


@dataclass(frozen=True)
class MCQuestion:
    """A question with its standardised options.

    Attributes:
        question: the underlying question.
        options: the options, shuffled; contains `question.answer` exactly once.
        answer_index: position of the answer in `options` (0-based; letter OPTION_LETTERS[answer_index]).
    """

    question: QAQuestion
    options: tuple[str, ...]
    answer_index: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the question's fields plus "options", "answer_index", "answer_letter"."""
        d = self.question.to_dict()
        d["options"] = list(self.options)
        d["answer_index"] = self.answer_index
        d["answer_letter"] = OPTION_LETTERS[self.answer_index]
        return d


def question_rng(seed: int, dataset: str, question_id: str) -> np.random.Generator:
    """A NumPy generator seeded from SHA-256 of "seed|dataset|question_id" (order-independent)."""
    digest = hashlib.sha256(f"{seed}|{dataset}|{question_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def standardise_question(
    question: QAQuestion, vocabulary: Sequence[str], max_options: int = 10, seed: int = 0
) -> MCQuestion:
    """Build the options of one question.

    Args:
        question: the question (its answer is always one option).
        vocabulary: answer words of the question's query type (duplicates ignored; order kept).
        max_options: most options per question (>= 2).
        seed: global seed.

    Returns:
        The MCQuestion: min(max_options, |vocabulary ∪ {answer}|) options, the answer exactly once.

    Raises:
        ConfigError: max_options < 2.
    """
    if max_options < 2:
        raise ConfigError(f"--max-options must be at least 2, got {max_options}.")
    pool = list(dict.fromkeys(v for v in vocabulary if v != question.answer))
    rng = question_rng(seed, question.dataset, question.id)
    k = min(max_options - 1, len(pool))
    picks = rng.choice(len(pool), size=k, replace=False) if k else np.zeros(0, dtype=np.int64)
    opts = [question.answer] + [pool[int(i)] for i in np.sort(picks)]
    order = rng.permutation(len(opts))
    options = tuple(opts[int(i)] for i in order)
    return MCQuestion(question=question, options=options, answer_index=int(np.flatnonzero(order == 0)[0]))


def standardise(
    dataset: QADataset,
    max_options: int = 10,
    seed: int = 0,
    splits: Iterable[str] | None = None,
) -> list[MCQuestion]:
    """Standardise every question of a dataset (optionally only some splits), in dataset order.

    Raises:
        ConfigError: max_options < 2, or a query type without a vocabulary.
    """
    wanted = set(splits) if splits is not None else None
    out: list[MCQuestion] = []
    for q in dataset.questions:
        if wanted is not None and q.split not in wanted:
            continue
        if q.query_type not in dataset.vocab:
            raise ConfigError(f"{dataset.name}: no answer vocabulary for query type {q.query_type!r}.")
        out.append(standardise_question(q, dataset.vocab[q.query_type], max_options, seed))
    return out


def write_mc_json(path: Path | str, items: Sequence[MCQuestion], meta: dict[str, Any]) -> None:
    """Write standardised questions as JSON {"meta": ..., "questions": [...]}, atomically, keys sorted.

    Raises:
        ConfigError: the folder cannot be written.
    """
    p = Path(path)
    doc = {"meta": meta, "questions": [m.to_dict() for m in items]}
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    atomic_write_text(p, text)


def read_mc_json(path: Path | str) -> list[MCQuestion]:
    """Read a file written by `write_mc_json`.

    Raises:
        ConfigError: missing/malformed file or an inconsistent answer index.
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such file; create it with `smd qa-options`.") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}: not valid JSON ({exc}).") from None
    out: list[MCQuestion] = []
    for d in doc.get("questions", []):
        q = QAQuestion.from_dict(d)
        opts = tuple(str(o) for o in d["options"])
        idx = int(d["answer_index"])
        if not 0 <= idx < len(opts) or opts[idx] != q.answer:
            raise ConfigError(f"{p}: question {q.id} answer_index {idx} does not point at its answer.")
        out.append(MCQuestion(question=q, options=opts, answer_index=idx))
    return out
