"""Temporal metrics (issue #15): temporal IoU, precision/recall/F1 of predicted events at tIoU thresholds, and
repetition-counting MAE and off-by-one accuracy.

Sources:
- tIoU and event precision/recall at tIoU thresholds 0.3, 0.5, 0.7, 0.9: the ActivityNet Captions
  dense-captioning evaluation (Krishna et al., "Dense-Captioning Events in Videos", ICCV 2017; the official
  `densevid_eval` script): a predicted event is correct at threshold θ when some reference event overlaps it
  with tIoU ≥ θ (precision), a reference event is found when some prediction overlaps it with tIoU ≥ θ (recall);
  both are computed per video and averaged over videos. F1 is their harmonic mean.
- Counting: MAE normalised by the true count and OBO (off-by-one) accuracy, as RepCount reports them (Hu et al.,
  "TransRAC: Encoding Multi-scale Temporal Correlation with Transformers for Repetitive Action Counting",
  CVPR 2022): MAE = mean |ĉ − c| / c, OBO = fraction with |ĉ − c| ≤ 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Span = tuple[float, float]
"""(start_s, end_s), seconds, start ≤ end."""

THRESHOLDS = (0.3, 0.5, 0.7, 0.9)
"""The ActivityNet Captions tIoU thresholds."""


def temporal_iou(a: Span, b: Span) -> float:
    """Intersection over union of two time spans (0 when they do not overlap or both are empty).

    Raises:
        ValueError: a span whose end precedes its start.
    """
    if a[1] < a[0] or b[1] < b[0]:
        raise ValueError(f"spans must have start ≤ end, got {a} and {b}.")
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class EventScore:
    """Precision, recall and F1 of predicted events at one tIoU threshold, averaged over videos."""

    threshold: float
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0 when both are 0)."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total > 0 else 0.0


def event_scores(
    predicted: Sequence[Sequence[Span]],
    reference: Sequence[Sequence[Span]],
    thresholds: Sequence[float] = THRESHOLDS,
    predicted_labels: Sequence[Sequence[str]] | None = None,
    reference_labels: Sequence[Sequence[str]] | None = None,
) -> list[EventScore]:
    """Per-threshold precision/recall/F1 of predicted event spans against reference spans, one list per video
    (ActivityNet Captions protocol, module docstring). A video without predictions has precision 0, one
    without references recall 0 (unless it has no predictions either: then both count as 1). With labels
    (one per span), a pair matches only when the labels are equal too.

    Raises:
        ValueError: the two sequences cover different numbers of videos, or labels are given for one side.
    """
    if len(predicted) != len(reference):
        raise ValueError(f"{len(predicted)} predicted videos but {len(reference)} reference videos.")
    if (predicted_labels is None) != (reference_labels is None):
        raise ValueError("give labels for both the predicted and the reference events, or for neither.")
    p_lab = predicted_labels or [[""] * len(p) for p in predicted]
    r_lab = reference_labels or [[""] * len(r) for r in reference]
    out = []
    for theta in thresholds:
        precisions, recalls = [], []
        for pred, ref, pl, rl in zip(predicted, reference, p_lab, r_lab, strict=True):
            if not pred and not ref:
                precisions.append(1.0)
                recalls.append(1.0)
                continue
            hit_pred = sum(
                any(temporal_iou(p, r) >= theta and a == b for r, b in zip(ref, rl, strict=True))
                for p, a in zip(pred, pl, strict=True)
            )
            hit_ref = sum(
                any(temporal_iou(p, r) >= theta and a == b for p, a in zip(pred, pl, strict=True))
                for r, b in zip(ref, rl, strict=True)
            )
            precisions.append(hit_pred / len(pred) if pred else 0.0)
            recalls.append(hit_ref / len(ref) if ref else 0.0)
        n = max(len(precisions), 1)
        out.append(EventScore(theta, sum(precisions) / n, sum(recalls) / n))
    return out


def counting_mae(predicted: Sequence[int], true: Sequence[int]) -> float:
    """Mean of |predicted − true| / true (RepCount's MAE).

    Raises:
        ValueError: different lengths, no items, or a true count < 1.
    """
    _check_counts(predicted, true)
    return sum(abs(p - t) / t for p, t in zip(predicted, true)) / len(true)


def off_by_one_accuracy(predicted: Sequence[int], true: Sequence[int]) -> float:
    """Fraction of items whose predicted count is within one of the true count (RepCount's OBO).

    Raises:
        ValueError: different lengths, no items, or a true count < 1.
    """
    _check_counts(predicted, true)
    return sum(abs(p - t) <= 1 for p, t in zip(predicted, true)) / len(true)


def _check_counts(predicted: Sequence[int], true: Sequence[int]) -> None:
    if len(predicted) != len(true) or not true:
        raise ValueError(f"need equal, non-empty lists of counts, got {len(predicted)} and {len(true)}.")
    if min(true) < 1:
        raise ValueError("true counts must be ≥ 1.")
