"""HuMMan-QA loader (IMoRe, ICCV 2025; questions generated with the NSPose method on HuMMan-MoGen).

Files (in `<data>/humman_qa/`):
- `HuMMan_{train,val,test}.json`: lists of `[question_id, question, program, sequence_id, answer]`;
- `huMMan_questions.json`: qid → {program, question, answer, query_type, relation_type, babel_id};
  its query/relation types are checked against the ones derived from the program;
- `HuMMan_{action,body_part,direction}_answer_vocab.json`: `{answer: index}` per query type;
- `huMMan_motion_concepts.json`: sequence → segments {start_f, end_f, attributes}.

Published split sizes: train 2,066 / val 524 / test 533 (3,123 questions, 1,311 sequences).
Motions (HuMMan-MoGen SMPL) are not distributed: the user supplies one `(T, 22, 3)` `.npy` per sequence
id. Files may be named with the full id (`p000469_a000221_updated_bodypart.npy`) or without the
`_updated_bodypart` suffix. The frame rate and up axis of the user's export are options (default
30 fps, Y up); say what you used when reporting results.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from motion_smd.datasets.qa_common import (
    QADataset,
    QAQuestion,
    default_data_dir,
    normalise_relation,
    parse_program,
    query_type_of,
    read_json,
    read_vocab,
    relation_type_of,
)
from motion_smd.errors import ConfigError

NAME = "humman-qa"
SPLITS = ("train", "val", "test")
PUBLISHED_SPLIT_SIZES = {"train": 2066, "val": 524, "test": 533}
"""Split sizes in the HuMMan-QA README."""

FPS = 30.0
"""Default frame rate assumed for user-supplied HuMMan-QA joints."""
UP = "y"
"""Default up axis assumed for user-supplied HuMMan-QA joints."""

VOCAB_FILES = {
    "query_action": "HuMMan_action_answer_vocab.json",
    "query_body_part": "HuMMan_body_part_answer_vocab.json",
    "query_direction": "HuMMan_direction_answer_vocab.json",
}

_SUFFIX = "_updated_bodypart"


def sequence_aliases(sequence_id: str) -> Iterable[str]:
    """Other file stems accepted for a HuMMan sequence id (the id without `_updated_bodypart`)."""
    if sequence_id.endswith(_SUFFIX):
        yield sequence_id[: -len(_SUFFIX)]


def load_humman_qa(root: Path | str | None = None) -> QADataset:
    """Read the HuMMan-QA questions and vocabularies.

    Args:
        root: the `humman_qa` folder; None = `<SMD_DATA_DIR>/humman_qa`.

    Returns:
        A QADataset (train/val/test in file order). When `huMMan_questions.json` is present its
        `relation_type` (normalised to before/after/in between/none) is used and checked against the
        program-derived one.

    Raises:
        ConfigError: missing/malformed files, an answer outside its vocabulary, or a labelled query or
            relation type that contradicts the program.
    """
    base = Path(root) if root is not None else default_data_dir() / "humman_qa"
    if not base.is_dir():
        raise ConfigError(
            f"{base}: HuMMan-QA folder not found; pass its path or set SMD_DATA_DIR to the folder holding humman_qa/."
        )
    vocab = {qt: read_vocab(base / fn) for qt, fn in VOCAB_FILES.items()}
    labelled: dict[str, dict[str, Any]] = {}
    if (base / "huMMan_questions.json").exists():
        labelled = read_json(base / "huMMan_questions.json")
    questions: list[QAQuestion] = []
    for split in SPLITS:
        path = base / f"HuMMan_{split}.json"
        rows = read_json(path)
        if not isinstance(rows, list):
            raise ConfigError(f"{path}: expected a JSON list of questions.")
        for row in rows:
            if not (isinstance(row, list) and len(row) == 5):
                raise ConfigError(f"{path}: expected rows [question_id, question, program, sequence_id, answer].")
            qid, text, program, sid, answer = (str(row[0]), str(row[1]), row[2], str(row[3]), str(row[4]))
            src = f"{path} question {qid}"
            steps = parse_program(program, source=src)
            qtype = query_type_of(steps, source=src)
            rtype = relation_type_of(steps)
            lab = labelled.get(qid)
            if lab is not None and (
                lab.get("query_type", qtype) != qtype or normalise_relation(lab["relation_type"]) != rtype
            ):
                raise ConfigError(
                    f"{src}: huMMan_questions.json says "
                    f"{lab.get('query_type')}/{lab.get('relation_type')} but the program gives "
                    f"{qtype}/{rtype}; the files are from different releases."
                )
            if answer not in vocab[qtype]:
                raise ConfigError(f"{src}: answer {answer!r} is not in the {qtype} vocabulary {VOCAB_FILES[qtype]}.")
            questions.append(
                QAQuestion(
                    id=qid,
                    dataset=NAME,
                    split=split,
                    sequence_id=sid,
                    question=text,
                    program=tuple(str(p) for p in program),
                    answer=answer,
                    query_type=qtype,
                    relation_type=rtype,
                )
            )
    return QADataset(name=NAME, questions=tuple(questions), vocab=vocab)


def load_motion_concepts(root: Path | str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per-sequence segment labels of HuMMan-QA: sequence → [{start_f, end_f, attributes}, ...].

    Raises:
        ConfigError: missing or malformed file.
    """
    base = Path(root) if root is not None else default_data_dir() / "humman_qa"
    data = read_json(base / "huMMan_motion_concepts.json")
    if not isinstance(data, dict):
        raise ConfigError(f"{base / 'huMMan_motion_concepts.json'}: expected an object sequence → segments.")
    return data
