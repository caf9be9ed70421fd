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

from bisect import insort
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter1d

from motion_smd.description import Segment, SegmentKind

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
    return np.asarray(local_extrema_columns(x[:, None])[0], dtype=np.intp)


def local_extrema_columns(X: FloatArray) -> list[list[int]]:
    """`local_extrema` of every column of a (T, C) array in one vectorised pass.

    Returns:
        C lists of increasing frame indices, each starting at 0 and ending at T − 1.
    """
    T, C = X.shape
    d = np.sign(np.diff(X, axis=0))  # (T-1, C)
    rows = np.arange(T - 1)[:, None]
    last_nz = np.maximum.accumulate(np.where(d != 0, rows, -1), axis=0)  # last nonzero diff at or before row
    prev = np.vstack([np.full((1, C), -1), last_nz[:-1]])  # … strictly before the row
    prev_sign = np.where(prev >= 0, np.take_along_axis(d, np.maximum(prev, 0), axis=0), 0)
    change = (d != 0) & (prev_sign != 0) & (d != prev_sign)
    col, row = np.nonzero(change.T)  # sorted by column, then row
    ext = prev[row, col] + 1  # the extremum: the frame after the previous trend's last nonzero diff
    bounds = np.searchsorted(col, np.arange(C + 1))
    ext_list = ext.tolist()
    return [[0, *ext_list[bounds[c] : bounds[c + 1]], T - 1] for c in range(C)]


def turning_points(x: FloatArray, delta: float, candidates: list[int] | None = None) -> list[int]:
    """Frames of confirmed peaks and valleys (hysteresis δ), plus 0 and the last extreme/frame.

    Args:
        x: (T,) series.
        delta: hysteresis threshold δ.
        candidates: `local_extrema(x)` if already known.

    Returns:
        Increasing frame indices starting at 0 and ending at T − 1. Consecutive entries differ by at
        least δ in value, except possibly the last pair (the tail after the final extreme, < δ).
        A series whose range is below δ gives [0, T − 1].
    """
    idx = candidates if candidates is not None else local_extrema(x).tolist()
    return _turning_points(x[idx].tolist(), idx, delta, x.shape[0])


def _turning_points(v: list[float], idx: list[int], delta: float, T: int) -> list[int]:
    pivots = [0]
    trend = 0
    hi = lo = 0  # positions (in the candidates) of the running max / min since the last pivot
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
    if pivots[-1] != T - 1:
        pivots.append(T - 1)
    return pivots


class _Series:
    """A channel as Python floats with prefix sums: O(1) means, cheap slices (the hot path)."""

    __slots__ = ("fps", "prefix", "x")

    def __init__(self, x: list[float], prefix: list[float], fps: float) -> None:
        self.x = x
        self.prefix = prefix  # prefix[i] = sum(x[:i])
        self.fps = fps

    def plateau(self, p: int, lo: int, hi: int, tol: float) -> tuple[int, int]:
        """Frames [a, b] around p, within [lo, hi], where |x − x[p]| stays ≤ tol (contiguous)."""
        x = self.x
        ref = x[p]
        a = p
        while a > lo and abs(x[a - 1] - ref) <= tol:
            a -= 1
        b = p
        while b < hi and abs(x[b + 1] - ref) <= tol:
            b += 1
        return a, b

    def seg(self, kind: SegmentKind, a: int, b: int, cycles: int = 0) -> Segment:
        x = self.x
        part = x[a : b + 1]
        fps = self.fps
        return Segment(
            kind,
            a,
            b,
            a / fps,
            b / fps,
            x[a],
            x[b],
            (self.prefix[b + 1] - self.prefix[a]) / (b + 1 - a),
            min(part),
            max(part),
            cycles,
            (b - a) / fps / cycles if cycles else 0.0,
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
    return segment_columns(np.asarray(x, dtype=np.float64)[:, None], fps, [params])[0]


def segment_columns(X: FloatArray, fps: float, params: list[SegmentParams]) -> list[tuple[Segment, ...]]:
    """`segment_series` of every column of a (T, C) array (one SegmentParams per column), sharing the
    vectorised work (range, local extrema, prefix sums) across columns."""
    T, C = X.shape
    if T < 2:
        return [() for _ in range(C)]
    ranges = (X.max(axis=0) - X.min(axis=0)).tolist()
    active = [c for c in range(C) if ranges[c] >= params[c].delta]
    out: list[tuple[Segment, ...]] = [() for _ in range(C)]
    if not active:
        return out
    sub = X[:, active]
    cands = local_extrema_columns(sub)
    prefix = np.vstack([np.zeros((1, len(active))), np.cumsum(sub, axis=0)]).T.tolist()
    cols = sub.T.tolist()
    for k, c in enumerate(active):
        series = _Series(cols[k], prefix[k], fps)
        idx = cands[k]
        piv = _turning_points([cols[k][i] for i in idx], idx, params[c].delta, T)
        out[c] = _segments(series, piv, params[c])
    return out


_Raw = tuple[str, int, int, int]
"""A segment before statistics: (kind, start_frame, end_frame, cycles)."""


def _segments(series: _Series, piv: list[int], params: SegmentParams) -> tuple[Segment, ...]:
    x = series.x
    T = len(x)
    n = len(piv)
    # Plateau around each pivot, bounded by its neighbours. The final tail (< δ by construction) is
    # always absorbed into the last pivot's plateau.
    plateaus = [
        series.plateau(p, piv[i - 1] if i > 0 else 0, piv[i + 1] if i + 1 < n else T - 1, params.hold_tol)
        for i, p in enumerate(piv)
    ]
    if n >= 2 and abs(x[piv[-1]] - x[piv[-2]]) < params.delta:
        # merge the last pivot (clip end) into the final extreme: that stretch never moved by δ
        plateaus = [*plateaus[:-2], (plateaus[-2][0], T - 1)]
        piv = piv[:-1]
        n -= 1
    raw: list[_Raw] = []
    cursor = 0
    min_hold = params.min_hold_frames
    for i in range(n):
        a, b = plateaus[i]
        if (b - a) >= min_hold:
            if a > cursor:
                if abs(x[a] - x[cursor]) < params.hold_tol:  # no real move before the hold: the hold starts earlier
                    a = raw.pop()[1] if raw and raw[-1][0] == "holds" else cursor
                else:
                    raw.append(("increases" if x[a] > x[cursor] else "decreases", cursor, a, 0))
            raw.append(("holds", a, b, 0))
            cursor = b
        elif i > 0:
            p = piv[i]
            if p > cursor:
                raw.append(("increases" if x[p] > x[cursor] else "decreases", cursor, p, 0))
                cursor = p
    if cursor < T - 1:
        if raw and (raw[-1][0] != "holds" or abs(x[T - 1] - x[cursor]) < params.hold_tol):
            kind, a0, _, _ = raw.pop()  # extend the last move, or the last hold over a tail that does not move
            raw.append((kind, a0, T - 1, 0))
        else:
            raw.append(("increases" if x[T - 1] > x[cursor] else "decreases", cursor, T - 1, 0))
    if params.cycles:
        raw = _collapse_raw(raw, x)
    return tuple(series.seg(kind, a, b, cycles) for kind, a, b, cycles in raw)  # type: ignore[arg-type]


def collapse_cycles(segs: list[Segment], x: FloatArray, fps: float) -> list[Segment]:
    """Collapse runs of alternating, similar rises and falls into "oscillates" segments.

    A run is a maximal sequence of moves (increases/decreases; short holds between them are absorbed) in
    which every move's amplitude is within `CYCLE_AMPLITUDE_RATIO` and its duration within
    `CYCLE_DURATION_RATIO` of the run's running medians. Runs with at least `MIN_CYCLES` rise/fall pairs
    become one segment with cycles = number of pairs; an unpaired last move stays separate.
    """
    xs = np.asarray(x, dtype=np.float64)
    prefix = np.concatenate([[0.0], np.cumsum(xs)]).tolist()
    series = _Series(xs.tolist(), prefix, fps)
    raw = _collapse_raw([(sg.kind, sg.start_frame, sg.end_frame, sg.cycles) for sg in segs], series.x)
    return [series.seg(kind, a, b, cycles) for kind, a, b, cycles in raw]  # type: ignore[arg-type]


def _similar(value: float, ref: float, ratio: float) -> bool:
    return ref > 0 and ref / ratio <= value <= ref * ratio


def _median_sorted(v: list[float]) -> float:
    """Median of an already sorted list (same value as statistics.median)."""
    n = len(v)
    h = n // 2
    return v[h] if n % 2 else (v[h - 1] + v[h]) / 2


def _collapse_raw(segs: list[_Raw], x: list[float]) -> list[_Raw]:
    out: list[_Raw] = []
    i = 0
    n = len(segs)
    while i < n:
        si = segs[i]
        if si[0] == "holds":
            out.append(si)
            i += 1
            continue
        moves = [i]
        amps = [abs(x[si[2]] - x[si[1]])]  # kept sorted
        durs = [float(max(si[2] - si[1], 1))]  # kept sorted
        j = i + 1
        while j < n:
            kind, a, b, _ = segs[j]
            if kind == "holds":
                # a pause inside a run (at most HOLD_IN_CYCLE_RATIO × the median move) is absorbed when a
                # move follows it; the move itself is then tested for similarity
                hold_ok = b - a <= HOLD_IN_CYCLE_RATIO * _median_sorted(durs)
                if j + 1 < n and segs[j + 1][0] != "holds" and hold_ok:
                    j += 1
                    continue
                break
            amp = abs(x[b] - x[a])
            dur = float(max(b - a, 1))
            if not (
                _similar(amp, _median_sorted(amps), CYCLE_AMPLITUDE_RATIO)
                and _similar(dur, _median_sorted(durs), CYCLE_DURATION_RATIO)
            ):
                break
            moves.append(j)
            insort(amps, amp)
            insort(durs, dur)
            j += 1
        pairs = len(moves) // 2
        if pairs >= MIN_CYCLES:
            last_move = moves[2 * pairs - 1]
            out.append(("oscillates", si[1], segs[last_move][2], pairs))
            i = last_move + 1
        else:
            out.append(si)
            i += 1
    return out
