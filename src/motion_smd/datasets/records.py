"""Training/evaluation records (JSONL): the input of the LLM layer.

One JSON object per line, keys sorted, UTF-8, with exactly these keys (schema agreed with the LLM layer):

    {"id": str, "task": "qa" | "caption" | "temporal", "dataset": str, "split": str, "variant": str,
     "smd": str, "question": str | null, "options": [str] | null, "answer": str | null,
     "references": [str] | null, "target": str, "meta": {"query_type": str | null,
     "relation_type": str | null, ...}}

`variant` is `SMDOptions.variant`; `target` is the answer (QA, temporal) or the first reference (caption).
A "temporal" record is an open question about time (bandai-dense: a timeline to write, a span to find or a
count to give; `meta.query_type` says which): question and answer, no options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from motion_smd.datasets.options import MCQuestion
from motion_smd.datasets.qa_common import MissingMotionReport, join_with_joints
from motion_smd.errors import ConfigError
from motion_smd.files import iter_jsonl, jsonl_line, write_jsonl

TASKS = ("qa", "caption", "temporal")
RECORD_KEYS = (
    "answer",
    "dataset",
    "id",
    "meta",
    "options",
    "question",
    "references",
    "smd",
    "split",
    "target",
    "task",
    "variant",
)
"""The keys of a record line, sorted."""


@dataclass(frozen=True)
class Record:
    """One training/evaluation example (see the module docstring for the JSON schema).

    Raises (on construction):
        ConfigError: unknown task, a QA record without question/options/answer (or whose answer is not
            among its options), a caption record without references, or a target that disagrees.
    """

    id: str
    task: str
    dataset: str
    split: str
    variant: str
    smd: str
    target: str
    question: str | None = None
    options: tuple[str, ...] | None = None
    answer: str | None = None
    references: tuple[str, ...] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ConfigError(f"record {self.id}: task must be one of {TASKS}, got {self.task!r}.")
        if self.task in ("qa", "temporal"):
            if self.question is None or self.answer is None:
                raise ConfigError(f"record {self.id}: a {self.task} record needs a question and an answer.")
            if self.task == "temporal" and self.options is not None:
                raise ConfigError(f"record {self.id}: a temporal record is open (no options).")
            if self.options is not None and self.options.count(self.answer) != 1:
                raise ConfigError(f"record {self.id}: the answer {self.answer!r} must appear once in options.")
            if self.target != self.answer:
                raise ConfigError(f"record {self.id}: target must equal the answer for {self.task} records.")
        else:
            if not self.references:
                raise ConfigError(f"record {self.id}: a caption record needs at least one reference.")
            if self.target != self.references[0]:
                raise ConfigError(f"record {self.id}: target must be the first reference for caption records.")
        meta = dict(self.meta)
        meta.setdefault("query_type", None)
        meta.setdefault("relation_type", None)
        object.__setattr__(self, "meta", meta)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the record (exactly RECORD_KEYS)."""
        return {
            "answer": self.answer,
            "dataset": self.dataset,
            "id": self.id,
            "meta": dict(self.meta),
            "options": list(self.options) if self.options is not None else None,
            "question": self.question,
            "references": list(self.references) if self.references is not None else None,
            "smd": self.smd,
            "split": self.split,
            "target": self.target,
            "task": self.task,
            "variant": self.variant,
        }

    @staticmethod
    def from_dict(d: dict[str, Any], source: str = "") -> Record:
        """Build a record from its JSON object.

        Raises:
            ConfigError: missing or extra keys, or an invalid record.
        """
        keys = set(d)
        if keys != set(RECORD_KEYS):
            missing = sorted(set(RECORD_KEYS) - keys)
            extra = sorted(keys - set(RECORD_KEYS))
            raise ConfigError(
                f"{source}: record keys differ from the schema (missing {missing}, extra {extra}); "
                "regenerate the file with `smd records`."
            )
        return Record(
            id=str(d["id"]),
            task=str(d["task"]),
            dataset=str(d["dataset"]),
            split=str(d["split"]),
            variant=str(d["variant"]),
            smd=str(d["smd"]),
            target=str(d["target"]),
            question=d["question"],
            options=tuple(d["options"]) if d["options"] is not None else None,
            answer=d["answer"],
            references=tuple(d["references"]) if d["references"] is not None else None,
            meta=dict(d["meta"] or {}),
        )


def record_line(record: Record) -> str:
    """The JSONL line of a record (no trailing newline): keys sorted, UTF-8 characters kept."""
    return jsonl_line(record.to_dict())


def write_records(path: Path | str, records: Iterable[Record]) -> int:
    """Write records as JSONL atomically (temporary file, then os.replace).

    Returns:
        The number of records written.

    Raises:
        ConfigError: duplicate ids, or the folder cannot be written.
    """
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in records:
        if r.id in seen:
            raise ConfigError(f"{path}: duplicate record id {r.id!r}; ids must be unique within a file.")
        seen.add(r.id)
        rows.append(r.to_dict())
    return write_jsonl(path, rows)


def read_records(path: Path | str) -> list[Record]:
    """Read a JSONL records file.

    Raises:
        ConfigError: missing file, a line that is not JSON, or a record that breaks the schema
            (the message names the line).
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such records file; build one with `smd records` or `smd bandai-qa`.")
    return [Record.from_dict(d, source=f"{p}:{n}") for n, d in iter_jsonl(p)]


def qa_record(mc: MCQuestion, smd: str, variant: str, extra_meta: dict[str, Any] | None = None) -> Record:
    """A QA record from a standardised question and the SMD text of its motion.

    The meta holds query_type, relation_type, sequence_id, program and answer_index (+ extra_meta).
    """
    q = mc.question
    meta: dict[str, Any] = {
        "query_type": q.query_type,
        "relation_type": q.relation_type,
        "sequence_id": q.sequence_id,
        "program": list(q.program),
        "answer_index": mc.answer_index,
    }
    meta.update(q.meta)
    meta.update(extra_meta or {})
    return Record(
        id=q.id,
        task="qa",
        dataset=q.dataset,
        split=q.split,
        variant=variant,
        smd=smd,
        target=q.answer,
        question=q.question,
        options=mc.options,
        answer=q.answer,
        meta=meta,
    )


def caption_record(
    record_id: str,
    dataset: str,
    split: str,
    smd: str,
    variant: str,
    references: Sequence[str],
    extra_meta: dict[str, Any] | None = None,
) -> Record:
    """A caption record: target = the first reference.

    Raises:
        ConfigError: no references.
    """
    meta: dict[str, Any] = {"query_type": None, "relation_type": None}
    meta.update(extra_meta or {})
    refs = tuple(references)
    if not refs:
        raise ConfigError(f"record {record_id}: a caption record needs at least one reference.")
    return Record(
        id=record_id,
        task="caption",
        dataset=dataset,
        split=split,
        variant=variant,
        smd=smd,
        target=refs[0],
        references=refs,
        meta=meta,
    )


def qa_records(
    items: Sequence[MCQuestion],
    joints_dir: Path | str,
    smd_for_file: Callable[[Path], str],
    variant: str,
    aliases: Callable[[str], Iterable[str]] = lambda sid: (),
) -> tuple[list[Record], MissingMotionReport]:
    """QA records for standardised questions whose sequence has a joints file in `joints_dir`.

    Args:
        items: standardised questions.
        joints_dir: folder of `<sequence_id>.npy`, (T, 22, 3) each.
        smd_for_file: path → SMD text (e.g. `qa_common.npy_smd_reader(options, fps, up)`).
        variant: `SMDOptions.variant` of that reader.
        aliases: other file stems to try per sequence id.

    Returns:
        (records in item order, report of the questions whose motion is missing or unreadable).

    Raises:
        ConfigError: `joints_dir` is not a directory.
    """
    by_id = {m.question.id: m for m in items}
    pairs, report = join_with_joints([m.question for m in items], Path(joints_dir), smd_for_file, aliases)
    return [qa_record(by_id[q.id], smd, variant) for q, smd in pairs], report
