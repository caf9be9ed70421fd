"""Temporal segmentation of one channel: turning points with hysteresis, holds, and cycles.

Source: spec/smd_format.md, "Segments". Pure functions of a 1-D series.

Algorithm (format version 2; the series is the angle itself, unsmoothed by default, so fast peaks are
reported at their real height):
1. Turning points (peak–valley detection with hysteresis δ): a peak is confirmed when the signal falls δ
   below the running maximum, a valley when it rises δ above the running minimum. Only local extrema are
   candidates. Between two consecutive turning points the series stays between their values, so a move's
   printed values are the extremes of what it spans.
2. Moves and holds: between consecutive turning points the channel "increases"/"decreases" (by ≥ δ). A
   move's span is trimmed to where the raw series is more than the hold tolerance away from both turning
   points' values, so the printed span is movement. The plateau around a turning point (all within the
   tolerance of it) is a "hold" when it lasts at least `min_hold_s` (its values stay within 2 × tolerance);
   so is a pause cut out of a move, or the clip's lead-in or tail, that lasts as long and stays within
   0.8·δ (max − min). A hold is printed at the middle of its band. Shorter or wider stretches are not printed
   (the times show the gap).
3. Cycles: a chain of moves (pauses up to twice the channel's rhythm) is reduced to its major turning
   points at three swing scales (small swings can be sub-structure of a cycle, e.g. the knee's
   loading-response bump in gait) and the scale whose runs cover the longest time wins; a run of at least
   two similar cycles of one or two rise/fall pairs (amplitudes, turning-point values and durations within
   the ratios of `cycle_kernel`; checked against the series' own repetition at the claimed period)
   becomes one "oscillates n cycles" segment; its period is the mean time between its same-phase turning
   points inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from motion_smd.description import Segment, SegmentTable
from motion_smd.smoothing import gaussian_smooth

if TYPE_CHECKING:
    from types import ModuleType

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SegmentParams:
    """Thresholds for one channel.

    Attributes:
        delta: hysteresis threshold δ, in the channel unit (> 0).
        hold_tol: plateau tolerance: frames within this distance of a turning point's value are not
            movement (a hold stays within it), channel unit.
        min_hold_frames: shortest hold, frames (≥ 1).
        cycles: collapse oscillations.
    """

    delta: float
    hold_tol: float
    min_hold_frames: int
    cycles: bool = True


def smooth_series(values: FloatArray, fps: float, smooth_s: float) -> FloatArray:
    """Light Gaussian smoothing along time (axis 0), edges held (`smoothing.gaussian_smooth`).

    Args:
        values: (T,) or (T, C) float64.
        fps: frame rate.
        smooth_s: Gaussian standard deviation in seconds; below a third of a frame nothing is done.

    Returns:
        Array of the same shape, float64.
    """
    sigma = smooth_s * fps
    if sigma < 1.0 / 3.0:
        return np.asarray(values, dtype=np.float64)
    return gaussian_smooth(values, sigma)


def _kernel() -> ModuleType:
    """The compiled segmentation kernel, imported on first use (numba's import costs ≈ 0.2 s)."""
    from motion_smd import segment_kernel

    return segment_kernel


def local_extrema(x: FloatArray) -> NDArray[np.intp]:
    """Indices of 0, every strict local extremum (plateaus: their first frame), and T − 1.

    Args:
        x: (T,) float series, T ≥ 2.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(x.shape[0] + 1, dtype=np.int64)
    n = _kernel().local_extrema_into(x, out)
    return np.asarray(out[:n], dtype=np.intp)


def turning_points(x: FloatArray, delta: float) -> list[int]:
    """Frames of confirmed peaks and valleys (hysteresis δ), plus 0 and the last extreme/frame.

    Args:
        x: (T,) series, T ≥ 2.
        delta: hysteresis threshold δ.

    Returns:
        Increasing frame indices starting at 0 and ending at T − 1. Consecutive entries differ by at
        least δ in value, except possibly the last pair (the tail after the final extreme, < δ).
        A series whose range is below δ gives [0, T − 1].
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    cand = local_extrema(x).astype(np.int64)
    out = np.empty(x.shape[0] + 2, dtype=np.int64)
    n = _kernel().turning_points_into(x, cand, cand.shape[0], float(delta), out)
    return [int(v) for v in out[:n]]


def segment_series(x: FloatArray, fps: float, params: SegmentParams) -> tuple[Segment, ...]:
    """Segments of one series.

    Args:
        x: (T,) float64 series, channel unit.
        fps: frame rate (frames → seconds).
        params: thresholds.

    Returns:
        Segments in time order, not overlapping (pauses shorter than a hold are left out); empty when the
        whole range is below δ (the channel is "static"; the renderer says "holds at <mean> throughout").

    Source: spec/smd_format.md, "Segments"; this module's docstring.
    """
    table, rows = segment_table(np.asarray(x, dtype=np.float64)[None, :], fps, [params])
    return table.segments(*rows[0])


def segment_table(
    columns: FloatArray, fps: float, params: list[SegmentParams], ranges: list[float] | None = None
) -> tuple[SegmentTable, list[tuple[int, int]]]:
    """Segments of every row of a (C, T) array (one channel per row, one SegmentParams each), as one table.

    Channels whose range is below their δ are static (no segments). The others go through the compiled
    kernel (`motion_smd.segment_kernel.segment_rows`) in one call: turning points, holds and moves, cycle
    collapse and the segment statistics.

    Args:
        columns: (C, T) float64 series, one channel per row (C-contiguous rows avoid a copy); NaN where a
            channel is undefined.
        fps: frame rate.
        params: C thresholds.
        ranges: max − min of each channel, if already computed.

    Returns:
        The table, and for each channel its (start, stop) rows in it (start == stop for a static channel).

    Source: spec/smd_format.md, "Segments".
    """
    C, T = columns.shape
    if T < 2:
        ranges = [0.0] * C
    elif ranges is None:  # fmax/fmin skip NaN; a channel never defined gets NaN
        ranges = (np.fmax.reduce(columns, axis=1) - np.fmin.reduce(columns, axis=1)).tolist()
    active = [c for c in range(C) if ranges[c] >= params[c].delta]  # False for NaN (never defined)
    if not active:
        return SegmentTable.empty(fps), [(0, 0)] * C
    chosen = [params[c] for c in active]
    counts, ints, floats = _kernel().segment_rows(
        np.ascontiguousarray(columns if len(active) == C else columns[active]),
        np.array([p.delta for p in chosen], dtype=np.float64),
        np.array([p.hold_tol for p in chosen], dtype=np.float64),
        np.array([p.min_hold_frames for p in chosen], dtype=np.int64),
        np.array([p.cycles for p in chosen], dtype=np.bool_),
    )
    bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
    rows = [(0, 0)] * C
    for k, c in enumerate(active):
        rows[c] = (bounds[k], bounds[k + 1])
    return SegmentTable(ints[0], ints[1:], floats[:5], float(fps), floats[5]), rows
