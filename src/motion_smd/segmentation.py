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
from itertools import chain

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

COMPOUND_CYCLE_MOVES = 4
"""Moves per cycle of a compound oscillation (two peaks per cycle), tried when simple rise/fall cycles
are not similar enough."""

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


def turning_points(x: FloatArray, delta: float) -> list[int]:
    """Frames of confirmed peaks and valleys (hysteresis δ), plus 0 and the last extreme/frame.

    Args:
        x: (T,) series.
        delta: hysteresis threshold δ.

    Returns:
        Increasing frame indices starting at 0 and ending at T − 1. Consecutive entries differ by at
        least δ in value, except possibly the last pair (the tail after the final extreme, < δ).
        A series whose range is below δ gives [0, T − 1].
    """
    idx = local_extrema(x).tolist()
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
    """`segment_series` of every column of a (T, C) array (one SegmentParams per column).

    The per-frame work (ranges, local extrema, plateau extents, segment statistics) runs vectorised over
    all columns at once; only the per-turning-point decisions run in Python.
    """
    T, C = X.shape
    out: list[tuple[Segment, ...]] = [() for _ in range(C)]
    if T < 2:
        return out
    ranges = (X.max(axis=0) - X.min(axis=0)).tolist()
    active = [c for c in range(C) if ranges[c] >= params[c].delta]
    if not active:
        return out
    sub = np.ascontiguousarray(X[:, active])
    cols = sub.T.tolist()
    cands = local_extrema_columns(sub)
    pivots = [
        _turning_points([cols[k][i] for i in cands[k]], cands[k], params[c].delta, T) for k, c in enumerate(active)
    ]
    plateaus = _plateau_extents(sub, pivots, [params[c].hold_tol for c in active])
    raws = [_raw_segments(cols[k], pivots[k], plateaus[k], params[c]) for k, c in enumerate(active)]
    for k, segs in enumerate(_with_statistics(sub, raws, fps)):
        out[active[k]] = segs
    return out


def _flat_windows(starts: NDArray[np.intp], lengths: NDArray[np.intp]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Concatenated index ranges [starts[i], starts[i] + lengths[i]) and the window id of each entry."""
    ids = np.repeat(np.arange(lengths.shape[0]), lengths)
    first = np.cumsum(lengths) - lengths
    t = np.arange(int(lengths.sum())) - np.repeat(first - starts, lengths)
    return t, ids


def _plateau_extents(sub: FloatArray, pivots: list[list[int]], tols: list[float]) -> list[list[tuple[int, int]]]:
    """For every turning point p of every column: the frames [a, b] around p, bounded by its neighbouring
    turning points, where |x − x[p]| stays ≤ the column's hold tolerance (contiguous).

    Vectorised over all columns: the windows between neighbouring turning points tile each column, so the
    work is O(T · C).
    """
    T = sub.shape[0]
    counts = [len(p) for p in pivots]
    col = np.repeat(np.arange(len(pivots)), counts)
    p = np.fromiter(chain.from_iterable(pivots), dtype=np.intp, count=int(col.shape[0]))
    ends = np.cumsum(counts)
    lo = np.empty_like(p)
    lo[1:] = p[:-1]
    lo[ends[:-1]] = 0
    lo[0] = 0
    hi = np.empty_like(p)
    hi[:-1] = p[1:]
    hi[ends - 1] = T - 1
    ref = sub[p, col]
    tol = np.asarray(tols)[col]

    def far(t: NDArray[np.intp], w: NDArray[np.intp]) -> NDArray[np.bool_]:
        return np.asarray(np.abs(sub[t, col[w]] - ref[w]) > tol[w])

    a = lo.copy()
    n_left = p - lo
    t, w = _flat_windows(lo, n_left)
    if t.size:
        last_far = np.where(far(t, w), t, -1)
        nonempty = n_left > 0
        found = np.maximum.reduceat(last_far, (np.cumsum(n_left) - n_left)[nonempty])
        a[nonempty] = np.where(found >= 0, found + 1, lo[nonempty])
    b = hi.copy()
    n_right = hi - p
    t, w = _flat_windows(p + 1, n_right)
    if t.size:
        first_far = np.where(far(t, w), t, T + 1)
        nonempty = n_right > 0
        found = np.minimum.reduceat(first_far, (np.cumsum(n_right) - n_right)[nonempty])
        b[nonempty] = np.where(found <= T, found - 1, hi[nonempty])
    pairs = list(zip(a.tolist(), b.tolist()))
    bounds = np.cumsum([0, *counts]).tolist()
    return [pairs[bounds[k] : bounds[k + 1]] for k in range(len(pivots))]


_Raw = tuple[str, int, int, int]
"""A segment before statistics: (kind, start_frame, end_frame, cycles)."""


def _raw_segments(x: list[float], piv: list[int], plateaus: list[tuple[int, int]], params: SegmentParams) -> list[_Raw]:
    """Holds, rises and falls (then cycles) of one column from its turning points and their plateaus."""
    T = len(x)
    n = len(piv)
    if n >= 2 and abs(x[piv[-1]] - x[piv[-2]]) < params.delta:
        # merge the last pivot (clip end) into the final extreme: that stretch never moved by δ
        plateaus = [*plateaus[:-2], (plateaus[-2][0], T - 1)]
        piv = piv[:-1]
        n -= 1
    if n >= 2 and abs(x[piv[1]] - x[piv[0]]) < params.delta:
        # likewise merge the clip start into the first extreme when the stretch before it moved by < δ
        plateaus = [(0, plateaus[1][1]), *plateaus[2:]]
        piv = piv[1:]
        n -= 1
    raw: list[_Raw] = []
    cursor = 0
    min_hold = params.min_hold_frames
    for i in range(n):
        a, b = plateaus[i]
        if (b - a) >= min_hold:
            if a <= cursor or abs(x[a] - x[cursor]) < params.delta:
                # the plateau reaches back to (or past) the cursor, or what comes before it changes by less
                # than δ (no move by definition): it joins the previous hold, or starts at the cursor
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
        if raw and (raw[-1][0] != "holds" or abs(x[T - 1] - x[cursor]) < params.delta):
            kind, a0, _, _ = raw.pop()  # extend the last move, or the last hold over a tail that moves < δ
            raw.append((kind, a0, T - 1, 0))
        else:
            raw.append(("increases" if x[T - 1] > x[cursor] else "decreases", cursor, T - 1, 0))
    return _collapse_raw(raw, x) if params.cycles else raw


def _with_statistics(sub: FloatArray, raws: list[list[_Raw]], fps: float) -> list[tuple[Segment, ...]]:
    """Turn raw segments of every column into Segments, computing values, means (prefix sums), minima and
    maxima for all segments of all columns in one vectorised pass."""
    counts = [len(r) for r in raws]
    flat = [s for r in raws for s in r]
    col = np.repeat(np.arange(len(raws)), counts)
    a = np.array([s[1] for s in flat], dtype=np.intp)
    b = np.array([s[2] for s in flat], dtype=np.intp)
    prefix = np.vstack([np.zeros((1, sub.shape[1])), np.cumsum(sub, axis=0)])
    mean = (prefix[b + 1, col] - prefix[a, col]) / (b + 1 - a)
    length = b + 1 - a
    t, w = _flat_windows(a, length)
    vals = sub[t, col[w]]
    first = np.cumsum(length) - length
    mins = np.minimum.reduceat(vals, first).tolist()
    maxs = np.maximum.reduceat(vals, first).tolist()
    start_v = sub[a, col].tolist()
    end_v = sub[b, col].tolist()
    a_l, b_l, mean_l = a.tolist(), b.tolist(), mean.tolist()
    segs = [
        Segment(
            kind,  # type: ignore[arg-type]
            a_l[i],
            b_l[i],
            a_l[i] / fps,
            b_l[i] / fps,
            start_v[i],
            end_v[i],
            mean_l[i],
            mins[i],
            maxs[i],
            cycles,
            (b_l[i] - a_l[i]) / fps / cycles if cycles else 0.0,
        )
        for i, (kind, _, _, cycles) in enumerate(flat)
    ]
    bounds = np.cumsum([0, *counts]).tolist()
    return [tuple(segs[bounds[k] : bounds[k + 1]]) for k in range(len(raws))]


def _collapse_raw(segs: list[_Raw], x: list[float]) -> list[_Raw]:
    """Collapse runs of alternating, similar rises and falls into "oscillates" segments.

    A run is a maximal sequence of moves (increases/decreases; short holds between them are absorbed) in
    which every move's amplitude is within `CYCLE_AMPLITUDE_RATIO` and its duration within
    `CYCLE_DURATION_RATIO` of the run's running medians. Runs with at least `MIN_CYCLES` rise/fall pairs
    become one segment with cycles = number of pairs; an unpaired last move stays separate.
    The medians are kept with sorted lists (bisect.insort) and the tests are inlined: this is the hot loop.
    """
    out: list[_Raw] = []
    i = 0
    n = len(segs)
    amp_hi, dur_hi = CYCLE_AMPLITUDE_RATIO, CYCLE_DURATION_RATIO
    while i < n:
        si = segs[i]
        if si[0] == "holds":
            out.append(si)
            i += 1
            continue
        n_moves = 1
        pair_end = i
        amps = [abs(x[si[2]] - x[si[1]])]  # kept sorted
        durs = [float(max(si[2] - si[1], 1))]  # kept sorted
        j = i + 1
        while j < n:
            kind, a, b, _ = segs[j]
            m = len(durs)
            h = m >> 1
            dur_med = durs[h] if m & 1 else (durs[h - 1] + durs[h]) / 2
            if kind == "holds":
                # a pause inside a run (at most HOLD_IN_CYCLE_RATIO × the median move) is absorbed when a
                # move follows it; the move itself is then tested for similarity
                if j + 1 < n and segs[j + 1][0] != "holds" and b - a <= HOLD_IN_CYCLE_RATIO * dur_med:
                    j += 1
                    continue
                break
            amp_med = amps[h] if m & 1 else (amps[h - 1] + amps[h]) / 2
            amp = abs(x[b] - x[a])
            dur = float(max(b - a, 1))
            if not (
                amp_med > 0
                and amp_med / amp_hi <= amp <= amp_med * amp_hi
                and dur_med / dur_hi <= dur <= dur_med * dur_hi
            ):
                break
            n_moves += 1
            if n_moves & 1 == 0:
                pair_end = j
            insort(amps, amp)
            insort(durs, dur)
            j += 1
        pairs = n_moves // 2
        if pairs >= MIN_CYCLES:
            out.append(("oscillates", si[1], segs[pair_end][2], pairs))
            i = pair_end + 1
            continue
        cycles, end = _compound_cycles(segs, i, x)
        if cycles >= MIN_CYCLES:
            out.append(("oscillates", si[1], segs[end][2], cycles))
            i = end + 1
        else:
            out.append(si)
            i += 1
    return out


def _median(v: list[float]) -> float:
    s = sorted(v)
    h = len(s) // 2
    return s[h] if len(s) % 2 else (s[h - 1] + s[h]) / 2


def _compound_cycles(segs: list[_Raw], i: int, x: list[float]) -> tuple[int, int]:
    """Cycles of `COMPOUND_CYCLE_MOVES` moves (two peaks per cycle, e.g. knee flexion in gait: loading
    response, then swing) starting at segs[i].

    The chain of moves from i (holds up to HOLD_IN_CYCLE_RATIO × the median move are skipped) is cut into
    cycles of COMPOUND_CYCLE_MOVES moves; a cycle joins the run when each of its moves has an amplitude
    within CYCLE_AMPLITUDE_RATIO of the median amplitude of the moves at the same position in the earlier
    cycles, and its duration is within CYCLE_DURATION_RATIO of their median duration.

    Returns:
        (number of cycles, index in `segs` of the last move of the last cycle); (0, i) when fewer than two
        cycles are found.
    """
    k = COMPOUND_CYCLE_MOVES
    moves: list[int] = []  # indices in segs of the moves gathered so far
    amps: list[float] = []
    durs: list[float] = []
    spans: list[float] = []  # duration of each accepted cycle, frames
    j = i
    n = len(segs)
    while True:
        # gather the next cycle's moves (work stops at the first cycle that does not fit: O(run length))
        while len(moves) < (len(spans) + 1) * k and j < n:
            kind, a, b, _ = segs[j]
            if kind == "holds":
                if not durs or j + 1 >= n or segs[j + 1][0] == "holds" or b - a > HOLD_IN_CYCLE_RATIO * _median(durs):
                    j = n  # the chain ends here
                    break
            else:
                moves.append(j)
                amps.append(abs(x[b] - x[a]))
                durs.append(float(max(b - a, 1)))
            j += 1
        c = len(spans) * k
        if len(moves) < c + k:
            break
        span = float(segs[moves[c + k - 1]][2] - segs[moves[c]][1])
        if spans:
            med_span = _median(spans)
            if not med_span / CYCLE_DURATION_RATIO <= span <= med_span * CYCLE_DURATION_RATIO:
                break
            q_n = len(spans)
            same_shape = all(
                (ref := _median([amps[q * k + p] for q in range(q_n)])) > 0
                and ref / CYCLE_AMPLITUDE_RATIO <= amps[c + p] <= ref * CYCLE_AMPLITUDE_RATIO
                for p in range(k)
            )
            if not same_shape:
                break
        spans.append(span)
    n_cycles = len(spans)
    if n_cycles < MIN_CYCLES:
        return 0, i
    return n_cycles, moves[n_cycles * k - 1]
