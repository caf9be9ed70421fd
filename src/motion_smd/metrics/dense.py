"""Scoring of the temporal tasks (issue #15; bandai-dense records, `meta.query_type`): dense captioning
("dense"), temporal localisation ("localise") and repetition counting ("count").

Answers are text, read by three parsers: `parse_timeline` ("[0.0–4.1 s] walk forward; [4.4–7.9 s] bow", also
the timeline's own "[0.5s–2.5s] turns left 90°"), `parse_span` ("4.4–7.9 s") and `parse_count` ("3", "three").
An answer the parser cannot read scores as wrong (an empty timeline, a zero-length span, no count) and is
counted in `unparseable`.

Protocols:
- Dense captioning: precision/recall/F1 of predicted events at tIoU 0.3/0.5/0.7/0.9 and their caption metrics,
  as the ActivityNet Captions dense-captioning evaluation (Krishna et al., ICCV 2017; `densevid_eval`): at each
  threshold every (prediction, reference) pair with tIoU ≥ θ is scored as a caption pair, the caption metrics
  (pycocoevalcap BLEU@4, METEOR, CIDEr) are averaged over the thresholds. Per action (the reference event's
  caption): recall = found references of that action; precision = predictions whose best-overlapping
  reference is of that action and overlaps with tIoU ≥ θ. SODA (Fujita et al., ECCV 2020) has no maintained
  installable implementation (the PyPI name `soda` is an unrelated placeholder), so it is not reported.
- Localisation: mean tIoU and R@1 at tIoU 0.3/0.5/0.7 (the "R@1, IoU=m" of temporal sentence grounding,
  Gao et al., "TALL: Temporal Activity Localization via Language Query", ICCV 2017).
- Counting: exact accuracy, MAE normalised by the true count and off-by-one accuracy (RepCount,
  `motion_smd.metrics.temporal`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from motion_smd.metrics.temporal import THRESHOLDS, Span, counting_mae, event_scores, off_by_one_accuracy, temporal_iou

QUERY_TYPES = ("dense", "localise", "count")
"""The `meta.query_type` values of temporal records."""

LOCALISATION_THRESHOLDS = (0.3, 0.5, 0.7)
"""The R@1 tIoU thresholds of temporal grounding (TALL / Charades-STA)."""

_NUM = r"(\d+(?:\.\d+)?)"
_SPAN = rf"{_NUM}\s*s?\s*(?:[-–—]|to)\s*{_NUM}\s*s?"
_TIMED = re.compile(rf"\[\s*{_SPAN}\s*\]\s*([^;\n\[]*)")
_SPAN_RE = re.compile(_SPAN)
_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
)  # fmt: skip
_COUNT_RE = re.compile(r"\b(\d+|" + "|".join(_WORDS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class TimedCaption:
    """One event of a timeline: span in seconds and its caption (lower case, stripped of trailing dots)."""

    start_s: float
    end_s: float
    caption: str

    @property
    def span(self) -> Span:
        """(start_s, end_s)."""
        return (self.start_s, self.end_s)


def format_timeline(events: Sequence[TimedCaption]) -> str:
    """Events as one line: "[0.0–4.1 s] walk forward; [4.4–7.9 s] bow" (tenths of a second)."""
    return "; ".join(f"[{e.start_s:.1f}–{e.end_s:.1f} s] {e.caption}" for e in events)


def format_span(span: Span) -> str:
    """A span as "4.4–7.9 s" (tenths of a second)."""
    return f"{span[0]:.1f}–{span[1]:.1f} s"


def parse_timeline(text: str) -> list[TimedCaption]:
    """Every "[start–end s] caption" of a text, in order (spans with end < start are swapped)."""
    out = []
    for m in _TIMED.finditer(text):
        a, b = sorted((float(m.group(1)), float(m.group(2))))
        out.append(TimedCaption(a, b, m.group(3).strip().rstrip(".,").strip().lower()))
    return out


def parse_span(text: str) -> Span | None:
    """The first "start–end" span of a text (seconds; "s" and "to" allowed), None when there is none."""
    m = _SPAN_RE.search(text)
    if m is None:
        return None
    a, b = sorted((float(m.group(1)), float(m.group(2))))
    return (a, b)


def parse_count(text: str) -> int | None:
    """The first whole number of a text, in digits or words up to twenty; None when there is none."""
    m = _COUNT_RE.search(text)
    if m is None:
        return None
    word = m.group(1).lower()
    return int(word) if word.isdigit() else _WORDS.index(word)


@dataclass
class DenseReport:
    """Dense-captioning scores (module docstring).

    Attributes:
        n: timelines scored; unparseable: ids whose prediction holds no "[a–b s] caption".
        scores: threshold → {"precision", "recall", "f1"} over all timelines (boundaries only, any caption).
        labelled: the same, counting a match only when the prediction's caption equals the reference's (the
            action named right as well as placed right).
        per_action: action → threshold → {"precision", "recall", "f1", "references"}.
        captions: caption metrics of matched pairs averaged over thresholds ({} when not computed), with
            "pairs" = mean matched pairs per threshold.
    """

    n: int
    unparseable: list[str]
    scores: dict[float, dict[str, float]]
    labelled: dict[float, dict[str, float]]
    per_action: dict[str, dict[float, dict[str, float]]]
    captions: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (thresholds as strings)."""
        return {
            "n": self.n,
            "unparseable": list(self.unparseable),
            "scores": {str(t): v for t, v in self.scores.items()},
            "labelled": {str(t): v for t, v in self.labelled.items()},
            "per_action": {a: {str(t): v for t, v in d.items()} for a, d in self.per_action.items()},
            "captions": dict(self.captions),
        }


def _per_action(
    preds: Sequence[Sequence[TimedCaption]], refs: Sequence[Sequence[TimedCaption]], theta: float
) -> dict[str, dict[str, float]]:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    assigned: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for pred, ref in zip(preds, refs, strict=True):
        for r in ref:
            total[r.caption] += 1
            found[r.caption] += any(temporal_iou(p.span, r.span) >= theta for p in pred)
        for p in pred:
            if not ref:
                continue
            best = max(ref, key=lambda r: temporal_iou(p.span, r.span))
            assigned[best.caption] += 1
            correct[best.caption] += temporal_iou(p.span, best.span) >= theta
    out = {}
    for action in sorted(total):
        prec = correct[action] / assigned[action] if assigned[action] else 0.0
        rec = found[action] / total[action]
        f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
        out[action] = {"precision": prec, "recall": rec, "f1": f1, "references": float(total[action])}
    return out


def dense_scores(
    predictions: Mapping[str, str],
    references: Mapping[str, str],
    thresholds: Sequence[float] = THRESHOLDS,
    captions: bool = False,
    meteor: bool | None = None,
) -> DenseReport:
    """Score predicted timelines against reference timelines (module docstring).

    Args:
        predictions: id → predicted timeline text (missing ids score as empty timelines).
        references: id → reference timeline text ("[a–b s] action; …").
        thresholds: tIoU thresholds.
        captions: also compute the caption metrics of matched pairs (pycocoevalcap; extra `metrics`).
        meteor: passed to `motion_smd.metrics.captions.caption_metrics` (None = when Java is present).

    Returns:
        The DenseReport.

    Raises:
        ValueError: no references.
    """
    ids = sorted(references)
    if not ids:
        raise ValueError("no reference timelines to score.")
    refs = [parse_timeline(references[i]) for i in ids]
    preds = [parse_timeline(predictions.get(i, "")) for i in ids]
    unparseable = [i for i, p in zip(ids, preds, strict=True) if not p]
    spans_p = [[e.span for e in p] for p in preds]
    spans_r = [[e.span for e in r] for r in refs]
    scores = {
        s.threshold: {"precision": s.precision, "recall": s.recall, "f1": s.f1}
        for s in event_scores(spans_p, spans_r, thresholds)
    }
    labelled = {
        s.threshold: {"precision": s.precision, "recall": s.recall, "f1": s.f1}
        for s in event_scores(spans_p, spans_r, thresholds, [[e.caption for e in p] for p in preds],
                              [[e.caption for e in r] for r in refs])
    }  # fmt: skip
    per: dict[str, dict[float, dict[str, float]]] = {}
    for theta in thresholds:
        for action, d in _per_action(preds, refs, theta).items():
            per.setdefault(action, {})[theta] = d
    report = DenseReport(len(ids), unparseable, scores, labelled, per)
    if captions:
        report.captions = matched_caption_metrics(preds, refs, thresholds, meteor)
    return report


def matched_caption_metrics(
    preds: Sequence[Sequence[TimedCaption]],
    refs: Sequence[Sequence[TimedCaption]],
    thresholds: Sequence[float] = THRESHOLDS,
    meteor: bool | None = None,
) -> dict[str, float]:
    """Caption metrics of the (prediction, reference) pairs with tIoU ≥ θ, averaged over θ (densevid_eval).
    A threshold without any pair scores 0.

    Returns:
        {"BLEU@4", "METEOR" (when run), "CIDEr", "pairs"}, pycocoevalcap's scale (0–1, CIDEr 0–10).
    """
    from motion_smd.metrics.captions import caption_metrics

    sums: dict[str, float] = {}
    for theta in thresholds:
        hyps: dict[str, str] = {}
        gts: dict[str, list[str]] = {}
        for v, (pred, ref) in enumerate(zip(preds, refs, strict=True)):
            for k, p in enumerate(pred):
                matched = [r.caption for r in ref if temporal_iou(p.span, r.span) >= theta]
                if matched and p.caption:
                    hyps[f"{v}_{k}"] = p.caption
                    gts[f"{v}_{k}"] = matched
        sums["pairs"] = sums.get("pairs", 0.0) + len(hyps)
        if not hyps:
            continue
        scores = caption_metrics(hyps, gts, meteor=meteor).scores
        for key in ("BLEU@4", "METEOR", "CIDEr"):
            if key in scores:
                sums[key] = sums.get(key, 0.0) + scores[key]
    return {k: v / len(thresholds) for k, v in sorted(sums.items())}


def localisation_scores(
    predictions: Mapping[str, str], references: Mapping[str, str], thresholds: Sequence[float] = LOCALISATION_THRESHOLDS
) -> dict[str, Any]:
    """Mean tIoU and R@1 at each threshold of predicted spans (module docstring).

    Returns:
        {"n", "mean_tiou", "r_at_1": {θ: fraction}, "unparseable": [ids]}.

    Raises:
        ValueError: no references, or a reference without a span.
    """
    ids = sorted(references)
    if not ids:
        raise ValueError("no reference spans to score.")
    ious, unparseable = [], []
    for i in ids:
        ref = parse_span(references[i])
        if ref is None:
            raise ValueError(f"reference {i}: {references[i]!r} holds no span.")
        pred = parse_span(predictions.get(i, ""))
        if pred is None:
            unparseable.append(i)
        ious.append(temporal_iou(pred, ref) if pred is not None else 0.0)
    return {
        "n": len(ids),
        "mean_tiou": sum(ious) / len(ious),
        "r_at_1": {str(t): sum(v >= t for v in ious) / len(ious) for t in thresholds},
        "unparseable": unparseable,
    }


def count_scores(predictions: Mapping[str, str], references: Mapping[str, str]) -> dict[str, Any]:
    """Exact accuracy, MAE (÷ true count) and OBO of predicted counts; an unreadable prediction counts as 0.

    Returns:
        {"n", "exact", "mae", "obo", "unparseable": [ids], "per_count": {true: {"n", "exact", "obo"}}}.

    Raises:
        ValueError: no references, or a reference that is not a count ≥ 1.
    """
    ids = sorted(references)
    true, pred, unparseable = [], [], []
    for i in ids:
        t = parse_count(references[i])
        if t is None or t < 1:
            raise ValueError(f"reference {i}: {references[i]!r} is not a count ≥ 1.")
        p = parse_count(predictions.get(i, ""))
        if p is None:
            unparseable.append(i)
        true.append(t)
        pred.append(p if p is not None else 0)
    per: dict[str, dict[str, float]] = {}
    for k in sorted(set(true)):
        rows = [(p, t) for p, t in zip(pred, true, strict=True) if t == k]
        per[str(k)] = {
            "n": len(rows),
            "exact": sum(p == t for p, t in rows) / len(rows),
            "obo": sum(abs(p - t) <= 1 for p, t in rows) / len(rows),
        }
    return {
        "n": len(ids),
        "exact": sum(p == t for p, t in zip(pred, true, strict=True)) / len(ids),
        "mae": counting_mae(pred, true),
        "obo": off_by_one_accuracy(pred, true),
        "unparseable": unparseable,
        "per_count": per,
    }


def query_type(record: Mapping[str, Any]) -> str:
    """The temporal query type of a record (`meta.query_type`, one of QUERY_TYPES).

    Raises:
        ValueError: another or no query type (the message names the record and how to build such records).
    """
    qt = (record.get("meta") or {}).get("query_type")
    if qt not in QUERY_TYPES:
        raise ValueError(
            f"record {record.get('id')}: query_type {qt!r} is not one of {QUERY_TYPES}; build temporal records "
            "with `smd bandai-dense`."
        )
    return str(qt)


def temporal_report(
    records: Sequence[Mapping[str, Any]], predictions: Mapping[str, str], captions: bool = False
) -> dict[str, Any]:
    """Score temporal records by their `meta.query_type` (dense, localise, count).

    Args:
        records: temporal records (id, answer, meta.query_type).
        predictions: id → model output.
        captions: compute the caption metrics of matched dense events.

    Returns:
        {query type: its report dict} for the query types present.

    Raises:
        ValueError: a record of another query type.
    """
    by_type: dict[str, dict[str, str]] = {}
    for r in records:
        by_type.setdefault(query_type(r), {})[str(r["id"])] = str(r["answer"])
    out: dict[str, Any] = {}
    if "dense" in by_type:
        out["dense"] = dense_scores(predictions, by_type["dense"], captions=captions).to_dict()
    if "localise" in by_type:
        out["localise"] = localisation_scores(predictions, by_type["localise"])
    if "count" in by_type:
        out["count"] = count_scores(predictions, by_type["count"])
    return out
