"""`smd attention`: attention maps over a QA record set, written as an HTML page and a JSON file (the I/O side
of `motion_smd.llm.attention`)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from motion_smd.errors import ConfigError
from motion_smd.files import atomic_write_text, read_jsonl
from motion_smd.llm.attention import AnswerAttention, answer_attention, render_html, section_table
from motion_smd.llm.records import read_records


def run_attention(
    records: Path,
    out: Path,
    model_name: str | None = None,
    adapter: Path | None = None,
    shown_ids: list[str] | None = None,
    limit: int | None = None,
    max_length: int | None = 1024,
    gold: bool = False,
    device: str | None = None,
    predictions: Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Attention of each record's answer over its SMD (`answer_attention`), the section table by query type,
    an HTML page (`out`: the table, then the shaded SMD of `shown_ids`, default the first 3 records) and
    `out` with suffix .json (every record's per-line shares and the table).

    Args:
        records: QA records (JSONL).
        out: the HTML file.
        model_name, adapter, device: as `smd eval` (`motion_smd.llm.models.load_model`).
        shown_ids: records drawn on the page.
        limit: the first N records only.
        max_length: token budget of prompt + answer, as in training and evaluation.
        gold: attend from the gold answer (default: the model's option-likelihood choice).
        predictions: an `smd eval` predictions.jsonl of the same model: attend from its extracted answers
            (skips scoring the options again; a record it lacks, or whose answer is not an option, is scored).

    Returns:
        `section_table` of the results.

    Raises:
        ConfigError: a shown id not among the records, or records without options.
        LLMError: the model or adapter cannot be loaded.
    """
    import torch

    from motion_smd.llm.models import load_model
    from motion_smd.llm.prompts import PromptBuilder

    recs = read_records(records, "qa", limit)
    if any(not r.get("options") for r in recs):
        raise ConfigError(f"{records}: attention maps need QA records with options.")
    shown = shown_ids or [str(r["id"]) for r in recs[:3]]
    missing = sorted(set(shown) - {str(r["id"]) for r in recs})
    if missing:
        raise ConfigError(f"{records}: no record with id {', '.join(missing)} (within --limit); check --ids.")
    dtype = torch.float32 if (device or "cpu") == "cpu" else None
    model, tok = load_model(model_name, device=device or "cpu", dtype=dtype, adapter=adapter, merge=True)
    builder = PromptBuilder(tok, max_length=max_length)
    given = {
        str(row["id"]): str(row.get("extracted", row.get("prediction")))
        for row in (read_jsonl(predictions) if predictions is not None else [])
        if "id" in row
    }

    def answer_of(r: dict[str, Any]) -> str | None:
        if gold:
            return str(r["answer"])
        a = given.get(str(r["id"]))
        return a if a in [str(o) for o in r["options"]] else None

    from rich.progress import track

    results: list[AnswerAttention] = [
        answer_attention(model, builder, r, answer_of(r))
        for r in track(recs, description="attention", transient=True, disable=len(recs) < 2)
    ]
    table = section_table(results)
    by_id = {r.record_id: r for r in results}
    title = f"SMD attention — {records.name}" + (f" — adapter {adapter}" if adapter else " — base model")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, render_html([by_id[i] for i in shown], table, title))
    payload = {"records": str(records), "adapter": str(adapter) if adapter else None, "model": model_name,
               "answer_from": "gold" if gold else str(predictions or "option log-likelihood (sum)"), "table": table,
               "results": [asdict(r) for r in results]}  # fmt: skip
    atomic_write_text(out.with_suffix(".json"), json.dumps(payload, indent=1, sort_keys=True))
    return table
