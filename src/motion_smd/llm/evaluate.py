"""Evaluation of a backend on SMD records: batched greedy predictions, metrics, per-type breakdown and
the majority-answer / random baselines.

Outputs in OUT: ``predictions.jsonl`` (one line per record: id, prediction, and for QA the extracted option,
whether it is correct and, with likelihood scoring, the options' summed log-likelihoods ``option_logliks``: None
for records resumed from an earlier run) and ``metrics.json``. An interrupted evaluation resumes: ids already in
predictions.jsonl are not asked again.

QA scoring is `motion_smd.metrics.qa.score_qa` (answer extractor exact → normalised → option letter →
substring → fuzzy; unparseable answers count as wrong). Caption scoring is `motion_smd.metrics.captions`
(BLEU@1/4, ROUGE-L, CIDEr, …) when that module and its extra are installed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from motion_smd.files import atomic_write_text, read_jsonl, write_jsonl
from motion_smd.llm import LLMError
from motion_smd.llm.backends import Backend
from motion_smd.llm.prompts import PromptBuilder
from motion_smd.llm.records import RecordDict, Task


def predict(
    backend: Backend,
    records: Sequence[RecordDict],
    max_new_tokens: int = 32,
    max_length: int | None = None,
    chunk: int = 32,
    on_chunk: Any = None,
) -> list[str]:
    """Greedy predictions of `backend` for each record, in record order.

    Args:
        backend: any `Backend`.
        records: QA or caption records.
        max_new_tokens: generation budget.
        max_length: token budget of the prompt + answer; the SMD text is cut at line boundaries to fit
            (needs a backend with a tokenizer; ignored otherwise).
        chunk: records per `backend.generate` call (progress and incremental saving granularity).
        on_chunk: optional callback `(start_index, predictions_of_chunk)` after each chunk.

    Returns:
        One stripped output string per record.
    """
    builder = PromptBuilder(backend.tokenizer, max_length=max_length, max_target_tokens=max_new_tokens)
    preds: list[str] = []
    for start in range(0, len(records), chunk):
        part = records[start : start + chunk]
        out = backend.generate([builder.messages(r) for r in part], max_new_tokens=max_new_tokens)
        if len(out) != len(part):
            raise LLMError(f"{backend.name}: returned {len(out)} outputs for {len(part)} prompts.")
        preds.extend(out)
        if on_chunk is not None:
            on_chunk(start, out)
    return preds


SCORINGS = ("generate", "loglik", "loglik-char")
"""How multiple-choice answers are produced: generated and extracted (the original protocol), or the option of
the highest log-likelihood, summed or per character (`motion_smd.llm.scoring`)."""


def predict_by_likelihood(
    backend: Backend,
    records: Sequence[RecordDict],
    scoring: str,
    max_length: int | None = None,
    chunk: int = 32,
    on_chunk: Any = None,
) -> tuple[list[str], list[list[float]]]:
    """The best option of each QA record by log-likelihood (`motion_smd.llm.scoring`).

    Args:
        backend: a local transformers backend (it exposes `model` and `tokenizer`).
        records: QA records with options.
        scoring: "loglik" (sum over the answer tokens) or "loglik-char" (per character of the option).
        max_length: token budget of prompt + answer (the SMD text is cut to fit).
        chunk, on_chunk: progress and incremental saving, as `predict`.

    Returns:
        (chosen option per record, the options' summed log-likelihoods per record).

    Raises:
        LLMError: a backend without a local model (a server), or an unknown scoring.
    """
    from motion_smd.llm.scoring import OptionScore, choose, option_scores_many

    model = getattr(backend, "model", None)
    if model is None or getattr(backend, "tokenizer", None) is None:
        raise LLMError(
            f"--scoring {scoring} needs a local model (--backend transformers): {backend.name} gives text only."
        )
    if scoring not in SCORINGS[1:]:
        raise LLMError(f"--scoring must be one of {SCORINGS}, got {scoring!r}.")
    builder = PromptBuilder(backend.tokenizer, max_length=max_length)
    model.eval()
    chosen: list[str] = []
    logliks: list[list[float]] = []
    for start in range(0, len(records), chunk):
        part = records[start : start + chunk]
        by_motion: dict[str, list[int]] = {}  # the questions of one motion share one encoding of its SMD
        for i, r in enumerate(part):
            by_motion.setdefault(str(r["smd"]), []).append(i)
        scores: list[list[OptionScore]] = [[] for _ in part]
        for idx in by_motion.values():
            for i, sc in zip(idx, option_scores_many(model, builder, [part[i] for i in idx]), strict=True):
                scores[i] = sc
        picked = [choose(sc, "sum" if scoring == "loglik" else "char") for sc in scores]
        chosen.extend(picked)
        logliks.extend([[round(x.logprob, 4) for x in sc] for sc in scores])
        if on_chunk is not None:
            on_chunk(start, picked)
    return chosen, logliks


def qa_metrics(records: Sequence[RecordDict], predictions: Sequence[str]) -> dict[str, Any]:
    """QA accuracy overall, per query type and per relation type, with extraction statistics.

    Args:
        records: QA records (options, answer, meta.query_type / meta.relation_type).
        predictions: raw model outputs, aligned with `records`.

    Returns:
        `motion_smd.metrics.qa.QAReport.to_dict()` plus "per_item": {id: [extracted, correct]}.
    """
    from motion_smd.metrics.qa import qa_item, score_qa

    items = [qa_item(r, p) for r, p in zip(records, predictions, strict=True)]
    report = score_qa(items)
    d = report.to_dict()
    d["per_item"] = {k: [a, ok] for k, (a, ok) in report.per_item.items()}
    return d


def qa_baselines(
    test: Sequence[RecordDict], train: Sequence[RecordDict] | None = None, seed: int = 0
) -> dict[str, Any]:
    """Majority-answer and random baselines of multiple-choice QA: `motion_smd.metrics.qa.qa_baselines`
    (the one definition, shared with `smd bandai-qa`'s summary and the text probe).

    Returns:
        {"majority": {"accuracy", "correct", "total", "answer_prior_from"},
         "random": {"accuracy", "correct", "total", "seed", "expected_accuracy"}}.
    """
    from motion_smd.metrics import qa

    return qa.qa_baselines(test, train, seed).to_dict()


def caption_metrics(records: Sequence[RecordDict], predictions: Sequence[str]) -> dict[str, Any]:
    """Caption metrics through `motion_smd.metrics.captions` (multi-reference, whole set at once).

    Returns:
        The metrics dict of that module, or {"error": reason} when it (or its extra) is unavailable.
    """
    refs = {str(r["id"]): [str(x) for x in (r.get("references") or [r["target"]])] for r in records}
    hyps = {str(r["id"]): p for r, p in zip(records, predictions, strict=True)}
    try:
        from motion_smd.metrics import captions
    except ImportError as exc:
        return {"error": f"motion_smd.metrics.captions unavailable ({exc}); pip install 'motion-smd[metrics]'"}
    try:
        res = captions.caption_metrics(predictions=hyps, references=refs)
    except Exception as exc:  # metric back-ends (pycocoevalcap, Java) may be missing
        return {"error": f"{type(exc).__name__}: {exc}"}
    out: dict[str, Any] = res.to_dict()
    return out


def evaluate(
    task: Task,
    backend: Backend,
    records: Sequence[RecordDict],
    out_dir: str | Path,
    max_new_tokens: int | None = None,
    max_length: int | None = None,
    train_records: Sequence[RecordDict] | None = None,
    chunk: int = 32,
    resume: bool = True,
    scoring: str = "generate",
) -> dict[str, Any]:
    """Predict every record, score, and write predictions.jsonl and metrics.json into `out_dir`.

    Args:
        task: "qa", "caption" or "temporal" (scored by `motion_smd.metrics.dense.temporal_report`).
        backend: the model.
        records: evaluation records.
        out_dir: output directory.
        max_new_tokens: None = 24 (QA), 64 (caption) or 96 (temporal: a timeline of up to 5 actions).
        max_length: prompt token budget (see `predict`).
        train_records: QA only: records whose answer distribution defines the majority baseline.
        chunk: records per generate call.
        resume: reuse predictions already in OUT/predictions.jsonl (same ids).
        scoring: QA only: "generate" (generation + answer extraction), or "loglik" / "loglik-char" (the option of
            the highest log-likelihood, `predict_by_likelihood`; a local transformers model only).

    Returns:
        The metrics dict written to metrics.json: {"task", "model", "n", "wall_s", "metrics", "baselines"}.
    """
    t0 = time.time()
    if scoring not in SCORINGS or (scoring != "generate" and task != "qa"):
        raise LLMError(f"--scoring {scoring}: one of {SCORINGS}; option likelihood needs --task qa (options).")
    if task == "temporal":  # fail before generating, not after
        from motion_smd.metrics.dense import query_type

        try:
            for r in records:
                query_type(r)
        except ValueError as exc:
            raise LLMError(str(exc)) from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pred_path = out / "predictions.jsonl"
    max_new = max_new_tokens or {"qa": 24, "caption": 64, "temporal": 96}[task]
    done: dict[str, str] = {}
    if resume and pred_path.is_file():
        done.update(_predictions(pred_path))
    todo = [r for r in records if str(r["id"]) not in done]
    partial = out / "predictions.partial.jsonl"

    def save_chunk(start: int, preds: list[str]) -> None:
        with open(partial, "a", encoding="utf-8") as fh:
            for r, p in zip(todo[start : start + len(preds)], preds, strict=True):
                fh.write(json.dumps({"id": str(r["id"]), "prediction": p}, ensure_ascii=False) + "\n")

    if partial.is_file() and resume:
        done.update(_predictions(partial))
        todo = [r for r in records if str(r["id"]) not in done]
    elif partial.is_file():
        partial.unlink()
    logliks: dict[str, list[float]] = {}  # id → the options' summed log-likelihoods (likelihood scoring)
    if scoring == "generate":
        new = predict(backend, todo, max_new, max_length, chunk=chunk, on_chunk=save_chunk)
    else:
        new, lls = predict_by_likelihood(backend, todo, scoring, max_length, chunk=chunk, on_chunk=save_chunk)
        logliks = {str(r["id"]): v for r, v in zip(todo, lls, strict=True)}
    done.update({str(r["id"]): p for r, p in zip(todo, new, strict=True)})
    preds = [done[str(r["id"])] for r in records]

    result: dict[str, Any] = {
        "task": task,
        "scoring": scoring,
        "model": backend.name,
        "n": len(records),
        "max_new_tokens": max_new,
        "max_length": max_length,
    }
    rows: list[dict[str, Any]] = []
    if task == "qa":
        m = qa_metrics(records, preds)
        per_item = m.pop("per_item")
        result["metrics"] = m
        result["accuracy"] = m["overall"]["accuracy"]
        result["baselines"] = qa_baselines(records, train_records)
        for r, p in zip(records, preds, strict=True):
            ext, ok = per_item[str(r["id"])]
            rows.append(
                {
                    "id": str(r["id"]),
                    "prediction": p,
                    "extracted": ext,
                    "answer": r["answer"],
                    "correct": ok,
                    "query_type": (r.get("meta") or {}).get("query_type"),
                    "relation_type": (r.get("meta") or {}).get("relation_type"),
                    **({"option_logliks": logliks.get(str(r["id"]))} if scoring != "generate" else {}),
                }
            )
    elif task == "temporal":
        from motion_smd.metrics.dense import temporal_report

        result["metrics"] = temporal_report(records, {str(r["id"]): p for r, p in zip(records, preds, strict=True)})
        rows = [
            {"id": str(r["id"]), "prediction": p, "answer": r["answer"], "query_type": r["meta"].get("query_type")}
            for r, p in zip(records, preds, strict=True)
        ]
    else:
        result["metrics"] = caption_metrics(records, preds)
        rows = [
            {"id": str(r["id"]), "prediction": p, "references": r.get("references")}
            for r, p in zip(records, preds, strict=True)
        ]
    result["wall_s"] = time.time() - t0
    write_jsonl(pred_path, rows)
    if partial.is_file():
        partial.unlink()
    atomic_write_text(out / "metrics.json", json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False))
    return result


def _predictions(path: Path) -> dict[str, str]:
    """id → prediction of a predictions JSONL file (for resuming)."""
    return {str(d["id"]): str(d["prediction"]) for d in read_jsonl(path, LLMError)}
