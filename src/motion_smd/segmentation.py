"""Temporal segmentation of one channel: turning points with hysteresis, holds, and cycles.

Source: spec/smd_format.md, "Segments". Pure functions of a 1-D series.

Algorithm:
1. Turning points (peak–valley detection with hysteresis δ): a peak is confirmed when the signal falls δ
   below the running maximum, a valley when it rises δ above the running minimum. Only local extrema of
   the series can be turning points, so the scan runs over those candidates, not over every frame.
2. Holds: around every turning point (and the clip ends) the plateau is the stretch that stays within the
   hold tolerance of the turning-point value; plateaus lasting at least `min_hold_s` become "holds".
   The stretches between holds/turning points are "increases" / "decreases".
3. Cycles: runs of at least two full alternations (rise + fall) with similar amplitude and duration are
   collapsed into one "oscillates n cycles" segment (n = number of rise/fall pairs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter1d

from motion_smd.description import Segment

FloatArray = NDArray[np.float64]

CYCLE_AMPLITUDE_RATIO = 2.0
"""Moves join a cycle run when their amplitude is within this factor of the run's median amplitude."""

CYCLE_DURATION_RATIO = 2.5
"""… and their duration within this factor of the run's median duration."""

HOLD_IN_CYCLE_RATIO = 2.0
"""Holds up to this multiple of the run's median move duration are absorbed into an oscillation."""

MIN_CYCLES = 2
"""A run is collapsed into "oscillates" only with at least this many rise/fall pairs."""


@dataclass(frozen=True)
class SegmentParams:
    """Thresholds for one channel.

    Attributes:
        delta: hysteresis threshold δ, in the channel unit (> 0).
        hold_tol: a hold stays within this distance of its turning point, channel unit.
        min_hold_frames: shortest hold, frames (≥ 1).
        cycles: collapse oscillations.
    """

    delta: float
    hold_tol: float
    min_hold_frames: int
    cycles: bool = True


def smooth_series(values: FloatArray, fps: float, smooth_s: float) -> FloatArray:
    """Light Gaussian smoothing along time (axis 0), edges held (`mode="nearest"`).

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
    return np.asarray(gaussian_filter1d(values, sigma, axis=0, mode="nearest"), dtype=np.float64)


def local_extrema(x: FloatArray) -> NDArray[np.intp]:
    """Indices of 0, every strict local extremum (plateaus: their first frame), and T − 1."""
    d = np.sign(np.diff(x))
    nz = np.flatnonzero(d)
    if nz.size == 0:
        return np.array([0, x.shape[0] - 1], dtype=np.intp)
    ds = d[nz]
    # the extremum is where a trend ends: the frame after the last nonzero diff before a sign change
    ext = nz[:-1][ds[1:] != ds[:-1]] + 1
    return np.concatenate(([0], ext, [x.shape[0] - 1])).astype(np.intp)


def turning_points(x: FloatArray, delta: float) -> list[int]:
    """Frames of confirmed peaks and valleys (hysteresis δ), plus 0 and the last extreme/frame.

    Returns:
        Increasing frame indices starting at 0 and ending at T − 1. Consecutive entries differ by at
        least δ in value, except possibly the last pair (the tail after the final extreme, < δ).
        A series whose range is below δ gives [0, T − 1].
    """
    cand = local_extrema(x)
    v = x[cand].tolist()
    idx = cand.tolist()
    pivots = [0]
    trend = 0
    hi = lo = 0  # positions (in cand) of the running max / min since the last pivot
    ext = 0
    for k in range(1, len(v)):
        val = v[k]
        if trend == 0:
            if val > v[hi]:
                hi = k
            if val < v[lo]:
                lo = k
            if v[hi] - v[lo] >= delta:
                if hi > lo:  # rose from the min: the min is a valley (kept only if it is not the start)
                    if lo != 0:
                        pivots.append(idx[lo])
                    trend, ext = 1, hi
                else:
                    if hi != 0:
                        pivots.append(idx[hi])
                    trend, ext = -1, lo
        elif trend == 1:
            if val >= v[ext]:
                ext = k
            elif v[ext] - val >= delta:
                pivots.append(idx[ext])
                trend, ext = -1, k
        else:
            if val <= v[ext]:
                ext = k
            elif val - v[ext] >= delta:
                pivots.append(idx[ext])
                trend, ext = 1, k
    if trend != 0 and idx[ext] != pivots[-1]:
        pivots.append(idx[ext])
    last = x.shape[0] - 1
    if pivots[-1] != last:
        pivots.append(last)
    return pivots


def _plateau(x: FloatArray, p: int, lo: int, hi: int, tol: float) -> tuple[int, int]:
    """Frames [a, b] around p, within [lo, hi], where |x − x[p]| stays ≤ tol (contiguous)."""
    ref = x[p]
    left = np.flatnonzero(np.abs(x[lo:p] - ref) > tol)
    a = lo + int(left[-1]) + 1 if left.size else lo
    right = np.flatnonzero(np.abs(x[p + 1 : hi + 1] - ref) > tol)
    b = p + int(right[0]) if right.size else hi
    return a, b


def _seg(kind: str, x: FloatArray, a: int, b: int, fps: float) -> Segment:
    part = x[a : b + 1]
    return Segment(
        kind=kind,  # type: ignore[arg-type]
        start_frame=a,
        end_frame=b,
        start_s=a / fps,
        end_s=b / fps,
        start_value=float(x[a]),
        end_value=float(x[b]),
        mean_value=float(part.mean()),
        min_value=float(part.min()),
        max_value=float(part.max()),
    )


def segment_series(x: FloatArray, fps: float, params: SegmentParams) -> tuple[Segment, ...]:
    """Segments of one (already smoothed) series.

    Args:
        x: (T,) float64 series, channel unit.
        fps: frame rate (frames → seconds).
        params: thresholds.

    Returns:
        Segments covering [0, T − 1] in time order; empty when the whole range is below δ (the channel is
        "static"; the renderer says "holds at <mean> throughout").

    Source: spec/smd_format.md, "Segments".
    """
    T = x.shape[0]
    if T < 2 or float(x.max() - x.min()) < params.delta:
        return ()
    piv = turning_points(x, params.delta)
    n = len(piv)
    # Plateau around each pivot, bounded by its neighbours. The final tail (< δ by construction) is
    # always absorbed into the last pivot's plateau.
    plateaus: list[tuple[int, int]] = []
    for i, p in enumerate(piv):
        lo = piv[i - 1] if i > 0 else 0
        hi = piv[i + 1] if i + 1 < n else T - 1
        tol = params.hold_tol
        a, b = _plateau(x, p, lo, hi, tol)
        plateaus.append((a, b))
    tail_is_small = abs(float(x[piv[-1]] - x[piv[-2]])) < params.delta
    if tail_is_small and n >= 2:
        # merge the last pivot (clip end) into the final extreme: that stretch never moved by δ
        a, _ = plateaus[-2]
        plateaus = [*plateaus[:-2], (a, T - 1)]
        piv = [*piv[:-2], piv[-2]]
        n -= 1
    segs: list[Segment] = []
    cursor = 0
    for i in range(n):
        a, b = plateaus[i]
        is_hold = (b - a) >= params.min_hold_frames
        if is_hold:
            if a > cursor:
                kind = "increases" if x[a] > x[cursor] else "decreases"
                segs.append(_seg(kind, x, cursor, a, fps))
            segs.append(_seg("holds", x, a, b, fps))
            cursor = b
        elif i > 0:
            p = piv[i]
            if p > cursor:
                kind = "increases" if x[p] > x[cursor] else "decreases"
                segs.append(_seg(kind, x, cursor, p, fps))
                cursor = p
    if cursor < T - 1:
        if segs and segs[-1].kind != "holds":
            last = segs.pop()
            segs.append(_seg(last.kind, x, last.start_frame, T - 1, fps))
        else:
            kind = "increases" if x[T - 1] > x[cursor] else "decreases"
            segs.append(_seg(kind, x, cursor, T - 1, fps))
    if params.cycles:
        segs = collapse_cycles(segs, x, fps)
    return tuple(segs)


def _similar(value: float, ref: float, ratio: float) -> bool:
    return ref > 0 and ref / ratio <= value <= ref * ratio


def collapse_cycles(segs: list[Segment], x: FloatArray, fps: float) -> list[Segment]:
    """Collapse runs of alternating, similar rises and falls into "oscillates" segments.

    A run is a maximal sequence of moves (increases/decreases; holds between them are absorbed) in which
    every move's amplitude is within `CYCLE_AMPLITUDE_RATIO` and its duration within
    `CYCLE_DURATION_RATIO` of the run's running medians. Runs with at least `MIN_CYCLES` rise/fall pairs
    become one segment with cycles = number of pairs; an unpaired last move stays separate.
    """
    out: list[Segment] = []
    i = 0
    n = len(segs)
    while i < n:
        if segs[i].kind == "holds":
            out.append(segs[i])
            i += 1
            continue
        moves = [i]
        amps = [abs(segs[i].end_value - segs[i].start_value)]
        durs = [max(segs[i].end_frame - segs[i].start_frame, 1)]
        j = i + 1
        while j < n:
            s = segs[j]
            if s.kind == "holds":
                # a pause inside a run (at most HOLD_IN_CYCLE_RATIO × the median move) is absorbed when a
                # move follows it; the move itself is then tested for similarity
                hold_ok = s.end_frame - s.start_frame <= HOLD_IN_CYCLE_RATIO * float(np.median(durs))
                if j + 1 < n and segs[j + 1].kind != "holds" and hold_ok:
                    j += 1
                    continue
                break
            amp = abs(s.end_value - s.start_value)
            dur = max(s.end_frame - s.start_frame, 1)
            if not (
                _similar(amp, float(np.median(amps)), CYCLE_AMPLITUDE_RATIO)
                and _similar(dur, float(np.median(durs)), CYCLE_DURATION_RATIO)
            ):
                break
            moves.append(j)
            amps.append(amp)
            durs.append(dur)
            j += 1
        pairs = len(moves) // 2
        if pairs >= MIN_CYCLES:
            first, last_move = moves[0], moves[2 * pairs - 1]
            a, b = segs[first].start_frame, segs[last_move].end_frame
            part = x[a : b + 1]
            out.append(
                Segment(
                    kind="oscillates",
                    start_frame=a,
                    end_frame=b,
                    start_s=a / fps,
                    end_s=b / fps,
                    start_value=float(x[a]),
                    end_value=float(x[b]),
                    mean_value=float(part.mean()),
                    min_value=float(part.min()),
                    max_value=float(part.max()),
                    cycles=pairs,
                    period_s=(b - a) / fps / pairs,
                )
            )
            i = last_move + 1
        else:
            out.append(segs[i])
            i += 1
    return out
