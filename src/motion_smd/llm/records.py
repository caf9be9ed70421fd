"""Reading the JSONL training/evaluation records of the LLM layer.

The records are written by `motion_smd.datasets.records` (one JSON object per line, keys sorted):
``{"id", "task", "dataset", "split", "variant", "smd", "question", "options", "answer", "references",
"target", "meta"}``. This reader is deliberately independent of that module so that the LLM layer works on
any file in the agreed schema; records stay plain dicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from motion_smd.files import iter_jsonl, write_jsonl
from motion_smd.llm import LLMError

__all__ = ["REQUIRED_KEYS", "TASKS", "RecordDict", "Task", "read_records", "write_jsonl"]

Task = Literal["qa", "caption", "temporal"]
TASKS: tuple[str, ...] = get_args(Task)
"""The record tasks: qa (multiple choice), caption, temporal (open questions about time: bandai-dense)."""
RecordDict = dict[str, Any]
"""A record in its JSON-object form: the LLM layer reads records as plain dicts in the schema of the one
record type, `motion_smd.datasets.records.Record` (written by `Record.to_dict`)."""

REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "qa": ("id", "smd", "question", "options", "answer"),
    "caption": ("id", "smd"),
    "temporal": ("id", "smd", "question", "answer"),
}


def read_records(path: str | Path, task: Task | None = None, limit: int | None = None) -> list[RecordDict]:
    """Read records from a JSONL file (or every ``*.jsonl`` file of a directory, sorted by name).

    Args:
        path: a ``.jsonl`` file or a directory of them.
        task: when given, keep only records of this task and check the keys it needs.
        limit: keep at most this many records (the first ones, file order), None = all.

    Returns:
        The records as dicts, in file order. Missing optional keys are filled: ``meta`` = {}, ``target`` =
        answer (QA) or first reference (caption).

    Raises:
        LLMError: the path does not exist, a line is not a JSON object, a required key is missing or
            no record of `task` is found.
    """
    p = Path(path)
    if not p.exists():
        raise LLMError(f"{p}: no such records file. Build records with `smd records` or `smd bandai-qa`.")
    files = sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
    if not files:
        raise LLMError(f"{p}: the directory holds no .jsonl records; pass a records file.")
    out: list[RecordDict] = []
    for f in files:
        for lineno, rec in iter_jsonl(f, LLMError):
            rec_task = rec.get("task") or task or ("qa" if rec.get("question") else "caption")
            if task is not None and rec_task != task:
                continue
            rec["task"] = rec_task
            _complete(rec, f, lineno)
            out.append(rec)
            if limit is not None and len(out) >= limit:
                return out
    if not out:
        raise LLMError(f"{p}: no {task or ''} records found; check --task and the file.")
    return out


def _complete(rec: RecordDict, f: Path, lineno: int) -> None:
    """Check the keys the record's task needs and fill the optional ones in place."""
    task = rec["task"]
    if task not in REQUIRED_KEYS:
        raise LLMError(f"{f}:{lineno}: unknown task {task!r}; expected one of {sorted(REQUIRED_KEYS)}.")
    missing = [k for k in REQUIRED_KEYS[task] if rec.get(k) in (None, "")]
    if task == "caption" and not rec.get("references") and not rec.get("target"):
        missing.append("references/target")
    if missing:
        raise LLMError(f"{f}:{lineno}: {task} record lacks {', '.join(missing)}; rebuild the records file.")
    rec.setdefault("meta", {})
    if rec["meta"] is None:
        rec["meta"] = {}
    if not rec.get("target"):
        rec["target"] = rec["references"][0] if task == "caption" else rec["answer"]
    if task == "caption" and not rec.get("references"):
        rec["references"] = [rec["target"]]
