"""Temporal metrics against values worked out by hand (ActivityNet Captions tIoU protocol, RepCount MAE/OBO)."""

from __future__ import annotations

import pytest

from motion_smd.metrics.temporal import counting_mae, event_scores, off_by_one_accuracy, temporal_iou


def test_temporal_iou() -> None:
    assert temporal_iou((0.0, 4.0), (2.0, 6.0)) == pytest.approx(2.0 / 6.0)
    assert temporal_iou((0.0, 1.0), (1.0, 2.0)) == 0.0
    assert temporal_iou((1.0, 3.0), (1.0, 3.0)) == 1.0
    assert temporal_iou((2.0, 2.0), (2.0, 2.0)) == 0.0
    with pytest.raises(ValueError, match="start ≤ end"):
        temporal_iou((3.0, 1.0), (0.0, 1.0))


def test_event_scores_by_hand() -> None:
    # video 1: reference [0,4] and [5,9]; predictions [0,4] (tIoU 1) and [6,9] (tIoU 0.75 with [5,9]), [20,21] (0)
    # video 2: reference [0,10]; prediction [0,5] (tIoU 0.5)
    pred = [[(0.0, 4.0), (6.0, 9.0), (20.0, 21.0)], [(0.0, 5.0)]]
    ref = [[(0.0, 4.0), (5.0, 9.0)], [(0.0, 10.0)]]
    s3, s5, s7, s9 = event_scores(pred, ref)
    assert (s3.precision, s3.recall) == pytest.approx(((2 / 3 + 1) / 2, (1 + 1) / 2))
    assert (s5.precision, s5.recall) == pytest.approx(((2 / 3 + 1) / 2, 1.0))
    assert (s7.precision, s7.recall) == pytest.approx(((2 / 3 + 0) / 2, (1 + 0) / 2))
    assert (s9.precision, s9.recall) == pytest.approx(((1 / 3) / 2, (1 / 2) / 2))
    assert s9.f1 == pytest.approx(2 * s9.precision * s9.recall / (s9.precision + s9.recall))
    assert event_scores([[]], [[(0.0, 1.0)]])[0].f1 == 0.0
    with pytest.raises(ValueError, match="videos"):
        event_scores([[]], [])


def test_counting_metrics() -> None:
    assert counting_mae([5, 3, 8], [5, 4, 6]) == pytest.approx((0 + 1 / 4 + 2 / 6) / 3)
    assert off_by_one_accuracy([5, 3, 8], [5, 4, 6]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        counting_mae([1], [0])
