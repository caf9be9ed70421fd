"""BABEL-QA loader (Endo et al., "Motion Question Answering via Modular Motion Programs", ICML 2023).

Files (the format redistributed by IMoRe, in `<data>/babel_qa/`):
- `BABELQA_{train,val,test}.json`: lists of `[question_id, question, program, babel_sid, answer]`;
- `BABELQA_{action,body_part,direction}_answer_vocab.json`: `{answer: index}` per query type;
- `babel_qa_enriched.json` (optional): adds `amass_path` and HumanML3D clip ids per question.

Published split sizes: train 1,800 / val 384 / test 393 (2,577 questions).
Motions are not distributed (AMASS terms): the user supplies one `(T, 22, 3)` `.npy` per BABEL sequence
id, SMPL-22 joints in metres, **Z up at 30 fps** (BABEL/AMASS convention), which the loader maps to the
canonical Y-up frame with (x, y, z) → (−x, z, y) (DESIGN.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from motion_smd.datasets.qa_common import (
    QADataset,
    QAQuestion,
    default_data_dir,
    parse_program,
    query_type_of,
    read_json,
    read_vocab,
    relation_type_of,
)
from motion_smd.errors import ConfigError

NAME = "babel-qa"
SPLITS = ("train", "val", "test")
PUBLISHED_SPLIT_SIZES = {"train": 1800, "val": 384, "test": 393}
"""Split sizes published with BABEL-QA (Endo et al. 2023)."""

FPS = 30.0
"""Frame rate of BABEL-QA joints (AMASS resampled as in the NSPose preprocessing)."""
UP = "z"
"""Up axis of BABEL-QA joints."""

VOCAB_FILES = {
    "query_action": "BABELQA_action_answer_vocab.json",
    "query_body_part": "BABELQA_body_part_answer_vocab.json",
    "query_direction": "BABELQA_direction_answer_vocab.json",
}


def _question_from_row(row: Any, split: str, path: Path, enriched: dict[str, dict[str, Any]]) -> QAQuestion:
    if not (isinstance(row, list) and len(row) == 5):
        raise ConfigError(
            f"{path}: expected rows [question_id, question, program, babel_sid, answer], got {str(row)[:80]!r}."
        )
    qid, text, program, sid, answer = row
    steps = parse_program(program, source=f"{path} question {qid}")
    extra = enriched.get(str(qid), {})
    meta: dict[str, Any] = {k: extra[k] for k in ("amass_path", "humanml3d_clips", "cmu_description") if k in extra}
    return QAQuestion(
        id=str(qid),
        dataset=NAME,
        split=split,
        sequence_id=str(sid),
        question=str(text),
        program=tuple(str(p) for p in program),
        answer=str(answer),
        query_type=query_type_of(steps, source=f"{path} question {qid}"),
        relation_type=relation_type_of(steps),
        meta=meta,
    )


def load_babel_qa(root: Path | str | None = None) -> QADataset:
    """Read the BABEL-QA questions and answer vocabularies.

    Args:
        root: the `babel_qa` folder; None = `<SMD_DATA_DIR>/babel_qa`.

    Returns:
        A QADataset with splits train/val/test in file order and vocabularies for the three query types.

    Raises:
        ConfigError: a missing or malformed file, or an answer outside its query type's vocabulary.
    """
    base = Path(root) if root is not None else default_data_dir() / "babel_qa"
    if not base.is_dir():
        raise ConfigError(
            f"{base}: BABEL-QA folder not found; pass its path or set SMD_DATA_DIR to the folder holding babel_qa/."
        )
    vocab = {qt: read_vocab(base / fn) for qt, fn in VOCAB_FILES.items()}
    enriched_path = base / "babel_qa_enriched.json"
    enriched: dict[str, dict[str, Any]] = {}
    if enriched_path.exists():
        enriched = {str(e["question_id"]): e for e in read_json(enriched_path)}
    questions: list[QAQuestion] = []
    for split in SPLITS:
        path = base / f"BABELQA_{split}.json"
        rows = read_json(path)
        if not isinstance(rows, list):
            raise ConfigError(f"{path}: expected a JSON list of questions.")
        for row in rows:
            q = _question_from_row(row, split, path, enriched)
            if q.answer not in vocab[q.query_type]:
                raise ConfigError(
                    f"{path}: question {q.id} answer {q.answer!r} is not in the {q.query_type} vocabulary "
                    f"{VOCAB_FILES[q.query_type]}; the files are from different releases."
                )
            questions.append(q)
    return QADataset(name=NAME, questions=tuple(questions), vocab=vocab)
