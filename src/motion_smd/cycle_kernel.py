"""Compiled kernel of the cycle collapse (docs/format.md, "Segmentation", step 4): chains of moves reduced to
their major turning points, runs of similar cycles planned and checked against the series' own repetition,
and written as "oscillates" segments. `motion_smd.segment_kernel` calls `_collapse_cycles` once per defined
stretch of a channel, after its moves and holds are found. Compiled with numba (see `motion_smd.compiled`).

Segment kinds are small integers: INCREASES, DECREASES, HOLDS, OSCILLATES (indices into
`motion_smd.description.SEGMENT_KINDS`); they and the small helpers both kernels use are declared here.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from motion_smd.compiled import jit_noalloc

INCREASES, DECREASES, HOLDS, OSCILLATES = 0, 1, 2, 3
"""Segment kind codes: indices into `motion_smd.description.SEGMENT_KINDS`."""

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

CYCLE_AMPLITUDE_RATIO = 2.0
"""A cycle joins a run when each of its moves has an amplitude within this factor of the median amplitude
of the moves at the same position in the run's earlier cycles."""

CYCLE_DURATION_RATIO = 1.4
"""… its duration is within this factor of the run's median cycle duration …"""

CYCLE_VALUE_TOLERANCE = 0.3
"""… and each of its turning points lies within max(δ, this × the median amplitude at that position) of
the median value of the earlier cycles' turning points at the same position (same peaks, same valleys)."""

HOLD_IN_CYCLE_RATIO = 2.0
"""Pauses up to this multiple of the channel's rhythm (median time between consecutive moves' turning
points) do not break a chain of moves."""

MAJOR_SWING_RATIO = 0.5
"""Within a chain of moves, swings smaller than this fraction of the chain's typical large swing (median of
the upper half of its move amplitudes) are sub-structure of a cycle (e.g. the loading-response bump of knee
flexion in gait), not cycles of their own."""

MAJOR_BREAK_RATIO = 1.5
"""Move amplitudes of a chain fall in two groups (small sub-structure, large cycle swings) where sorted
neighbours differ by at least this ratio."""

ALTERNATION_RATIO = 0.2
"""A run whose peaks (or valleys) alternate high/low by more than max(δ, this × its median swing) is a run of
double cycles (`_alternates`)."""

REPEAT_SAMPLES = 256
"""`_repeat_error` compares at most about this many evenly spaced frames of a run (a long run's mean
difference does not need all of them)."""

PERIOD_MATCH_RATIO = 1.5
PERIOD_MATCH_SLACK = 0.05
"""The period check of a run (`_repeats_at_period`): the series repeats "as well" after another lag when
its mean difference is within PERIOD_MATCH_RATIO × (plus PERIOD_MATCH_SLACK × the run's range) of the one
at the claimed period."""

MAX_MOVES_PER_CYCLE = 2
"""Cycles are searched with 1 or up to this many rise/fall pairs per cycle (two peaks per cycle)."""

CYCLE_START_WINDOW = 2
"""A run of cycles is searched from each of this many consecutive major turning points; the one covering
the most moves wins."""

MIN_CYCLES = 2
"""A run is collapsed into "oscillates" only with at least this many cycles."""


@jit_noalloc
def _range_of(r: FloatArray, a: int, b: int) -> float:
    """max − min of r[a : b + 1]."""
    lo = r[a]
    hi = r[a]
    for t in range(a + 1, b + 1):
        v = r[t]
        if v < lo:
            lo = v
        if v > hi:
            hi = v
    return hi - lo


@jit_noalloc
def _insort(arr: FloatArray, n: int, v: float) -> None:
    """Insert v into the sorted arr[:n] (arr has room for n + 1), right of equal values."""
    i = n
    while i > 0 and arr[i - 1] > v:
        arr[i] = arr[i - 1]
        i -= 1
    arr[i] = v


@jit_noalloc
def _sorted_median(arr: FloatArray, n: int) -> float:
    """Median of the sorted arr[:n] (n ≥ 1): the middle value, or the mean of the two middle values."""
    h = n >> 1
    return arr[h] if n & 1 else (arr[h - 1] + arr[h]) / 2


@jit_noalloc
def _sift_down(a: FloatArray, root: int, end: int) -> None:
    """Restore the max-heap a[root … end − 1] below `root` (heapsort's sift)."""
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and a[child] < a[child + 1]:
            child += 1
        if not a[root] < a[child]:
            return
        a[root], a[child] = a[child], a[root]
        root = child


@jit_noalloc
def _sorted_into(values: FloatArray, n: int, work: FloatArray) -> None:
    """values[:n] (no NaN) sorted ascending into work[:n] (another array): a few by insertion, many by heapsort
    in place (no allocation, so no reference counting either; any correct sort gives the same values)."""
    if n <= 32:
        for i in range(n):
            _insort(work, i, values[i])
        return
    for i in range(n):
        work[i] = values[i]
    for root in range(n // 2 - 1, -1, -1):
        _sift_down(work, root, n)
    for end in range(n - 1, 0, -1):
        work[0], work[end] = work[end], work[0]
        _sift_down(work, 0, end)


@jit_noalloc
def _select(a: FloatArray, n: int, k: int) -> None:
    """Reorder a[:n] (no NaN) in place so that a[k] holds its k-th smallest value (0-based), with no larger
    value before it and no smaller one after it (Hoare's quickselect, median-of-three pivots)."""
    lo = 0
    hi = n - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        # median of three at mid, the smallest at lo and the largest at hi (sentinels for the scans)
        if a[mid] < a[lo]:
            a[mid], a[lo] = a[lo], a[mid]
        if a[hi] < a[lo]:
            a[hi], a[lo] = a[lo], a[hi]
        if a[hi] < a[mid]:
            a[hi], a[mid] = a[mid], a[hi]
        pivot = a[mid]
        i = lo
        j = hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while pivot < a[j]:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return


@jit_noalloc
def _median_of(values: FloatArray, n: int, work: FloatArray) -> float:
    """Median of values[:n] (n ≥ 1, no NaN): the middle value, or the mean of the two middle values, as
    `_sorted_median` of the sorted values gives it; selected in `work` (another array, ≥ n) without sorting."""
    if n <= 32:
        _sorted_into(values, n, work)
        return _sorted_median(work, n)
    for i in range(n):
        work[i] = values[i]
    h = n >> 1
    _select(work, n, h)
    if n & 1:
        return work[h]
    below = work[0]  # the largest value before the middle one: the lower middle value
    for i in range(1, h):
        if work[i] > below:
            below = work[i]
    return (below + work[h]) / 2


@jit_noalloc
def turning_points_into(x: FloatArray, cand: IntArray, n_cand: int, delta: float, out: IntArray) -> int:
    """Peak–valley detection with hysteresis δ over the candidate frames `cand[:n_cand]` (local extrema).

    A peak is confirmed when the signal falls δ below the running maximum, a valley when it rises δ above
    the running minimum. Writes 0, the confirmed turning points, the last extreme and T − 1 into `out`.

    Returns:
        The number of frames written (increasing; consecutive ones differ by ≥ δ in value except possibly
        the last pair).
    """
    T = x.shape[0]
    n = 1
    out[0] = 0
    trend = 0
    hi = 0  # positions (in the candidates) of the running max / min since the last pivot
    lo = 0
    ext = 0
    for k in range(1, n_cand):
        val = x[cand[k]]
        if trend == 0:
            if val > x[cand[hi]]:
                hi = k
            if val < x[cand[lo]]:
                lo = k
            if x[cand[hi]] - x[cand[lo]] >= delta:
                if hi > lo:  # rose from the min: the min is a valley (kept only if it is not the start)
                    if lo != 0:
                        out[n] = cand[lo]
                        n += 1
                    trend = 1
                    ext = hi
                else:
                    if hi != 0:
                        out[n] = cand[hi]
                        n += 1
                    trend = -1
                    ext = lo
        elif trend == 1:
            if val >= x[cand[ext]]:
                ext = k
            elif x[cand[ext]] - val >= delta:
                out[n] = cand[ext]
                n += 1
                trend = -1
                ext = k
        else:
            if val <= x[cand[ext]]:
                ext = k
            elif val - x[cand[ext]] >= delta:
                out[n] = cand[ext]
                n += 1
                trend = 1
                ext = k
    if trend != 0 and cand[ext] != out[n - 1]:
        out[n] = cand[ext]
        n += 1
    if out[n - 1] != T - 1:
        out[n] = T - 1
        n += 1
    return n


@jit_noalloc
def _major_pivots(vals: FloatArray, n: int, delta: float, ident: IntArray, out: IntArray) -> int:
    """Hysteresis δ over a sequence of turning-point values vals[:n] (`turning_points_into` with every
    position a candidate; `ident` holds 0, 1, 2, …): the positions of the extremes that remain when swings
    smaller than δ are ignored, plus the first and last position. Returns their number."""
    return turning_points_into(vals[:n], ident, n, delta, out)


@jit_noalloc
def _repeat_error(r: FloatArray, a: int, b: int, lag: int) -> float:
    """Mean |r[t] − r[t + lag]| over t in a … b − lag (the series against itself one lag later); inf when
    the span is shorter than the lag."""
    if lag < 1 or b - lag < a:
        return math.inf
    count = b - lag + 1 - a
    step = max(1, count // REPEAT_SAMPLES)  # a long run is compared on REPEAT_SAMPLES evenly spaced frames
    acc = 0.0
    n = 0
    for t in range(a, b - lag + 1, step):
        acc += abs(r[t] - r[t + lag])
        n += 1
    return acc / n


@jit_noalloc
def _repeats_at_period(r: FloatArray, a: int, b: int, n: int, m: int) -> bool:
    """Whether the series over a..b repeats with its claimed period P = (b − a) / n rather than with half
    or twice it (the claim of a run of n cycles of m rise/fall pairs). With m = 2 it must not repeat as well
    after P / 2 (then its cycles are single pairs); with m = 1 it must not repeat far better after 2·P (then
    every other pair differs: a small and a large peak)."""
    period = (b - a) / n
    at_p = _repeat_error(r, a, b, round(period))
    if m > 1:
        return not _repeat_error(r, a, b, round(period / 2)) <= PERIOD_MATCH_RATIO * at_p
    if b - a < 3 * period:  # too short to compare the series with itself two periods later
        return True
    at_2p = _repeat_error(r, a, b, round(2 * period))
    if at_p <= PERIOD_MATCH_RATIO * at_2p:  # within the ratio alone: the slack (≥ 0) is not needed
        return True
    return not at_p > PERIOD_MATCH_RATIO * at_2p + PERIOD_MATCH_SLACK * _range_of(r, a, b)


@jit_noalloc
def _alternates(mv: FloatArray, i: int, n: int, delta: float, work: FloatArray, buf: FloatArray) -> bool:
    """Whether a run of n single-pair cycles from major pivot i is really a run of double cycles: its peaks
    (or its valleys) alternate high, low, high, … by more than max(δ, ALTERNATION_RATIO × the median swing)
    (a gait with a large loading-response flexion: two knee peaks per stride of different heights)."""
    for c in range(2 * n):
        buf[c] = abs(mv[i + c + 1] - mv[i + c])
    amp = _median_of(buf, 2 * n, work)
    limit = max(delta, ALTERNATION_RATIO * amp)
    for q in range(2):  # the run's pivots of one phase: i + q, i + q + 2, …
        count = n + 1 - q
        if count < 3:
            continue
        steady = True
        sign = 0.0
        for c in range(count - 1):
            d = mv[i + q + 2 * (c + 1)] - mv[i + q + 2 * c]
            if abs(d) <= limit or (c > 0 and d * sign >= 0):
                steady = False
                break
            sign = d
        if steady:
            return True
    return False


@jit_noalloc
def _cycle_run(
    r: FloatArray,
    mv: FloatArray,
    mf: IntArray,
    n_major: int,
    i: int,
    m: int,
    delta: float,
    work: FloatArray,
    buf: FloatArray,
    durs: FloatArray,
    amps: FloatArray,
    vals: FloatArray,
) -> int:
    """Number of consecutive similar cycles of 2·m moves starting at major pivot i (see the module constants).
    durs (≥ n_major), amps and vals (≥ 2·MAX_MOVES_PER_CYCLE × n_major) are work arrays.

    mv, mf: values and frames of the major pivots (n_major of them); a cycle c spans pivots
    i + 2mc … i + 2m(c + 1).
    """
    k = 2 * m
    # the accepted cycles' durations, and per position q their amplitudes and values, each kept sorted
    # (insertion), so every median is read in O(1)
    n = 0
    while i + k * (n + 1) < n_major:
        s = i + k * n
        dur = float(mf[s + k] - mf[s])
        if n >= 1:
            med = _sorted_median(durs, n)
            if not med / CYCLE_DURATION_RATIO <= dur <= med * CYCLE_DURATION_RATIO:
                break
            ok = True
            for q in range(k):
                amp_med = _sorted_median(amps[q], n)
                amp = abs(mv[s + q + 1] - mv[s + q])
                if not (amp_med > 0 and amp_med / CYCLE_AMPLITUDE_RATIO <= amp <= amp_med * CYCLE_AMPLITUDE_RATIO):
                    ok = False
                    break
                if abs(mv[s + q + 1] - _sorted_median(vals[q], n)) > max(delta, CYCLE_VALUE_TOLERANCE * amp_med):
                    ok = False
                    break
            if not ok:
                break
        _insort(durs, n, dur)
        for q in range(k):
            _insort(amps[q], n, abs(mv[s + q + 1] - mv[s + q]))
            _insort(vals[q], n, mv[s + q + 1])
        n += 1
    if n >= MIN_CYCLES and not _repeats_at_period(r, mf[i], mf[i + k * n], n, m):
        return 0
    if m == 1 and n >= 2 and _alternates(mv, i, n, delta, work, buf):
        return 0
    if m > 1 and n >= MIN_CYCLES:
        # several rise/fall pairs per cycle only when they differ (a small and a large peak): pairs that
        # repeat each other are cycles of one pair, whatever their timing noise
        for c in range(n):
            s = i + k * c
            diff = 0.0
            amp = 0.0
            for q in range(2, k + 1):
                diff = max(diff, abs(mv[s + q] - mv[s + q - 2]))
            for q in range(k):
                amp += abs(mv[s + q + 1] - mv[s + q]) / k
            buf[c] = diff - max(delta, CYCLE_VALUE_TOLERANCE * amp)
        if _median_of(buf, n, work) <= 0.0:
            return 0
    return n


@jit_noalloc
def _plan_runs(
    r: FloatArray,
    mv: FloatArray,
    mf: IntArray,
    n_major: int,
    delta: float,
    work: FloatArray,
    buf: FloatArray,
    durs: FloatArray,
    amps: FloatArray,
    vals: FloatArray,
    run_start: IntArray,
    run_m: IntArray,
    run_n: IntArray,
    memo: IntArray,
) -> tuple[int, int]:
    """Greedy runs of cycles over the major turning points mv/mf (values, frames): from each position, the
    run starting there or at one of the next CYCLE_START_WINDOW − 1 pivots that covers the most moves (on a
    tie the fewer pairs per cycle) is taken; none → move on by one pivot. Records (start pivot, pairs per
    cycle, cycles) of each run; returns (number of runs, frames covered by them).

    memo: (MAX_MOVES_PER_CYCLE, ≥ n_major) int64 work array: each `_cycle_run` result, kept while the search
    moves on by one pivot (the windows of neighbouring positions overlap)."""
    for mm in range(MAX_MOVES_PER_CYCLE):
        for s in range(n_major):
            memo[mm, s] = -1
    n_runs = 0
    covered = 0
    mp = 0
    while mp < n_major - 1:
        # runs may start here or at one of the next major pivots: the other kind of extreme may be the
        # steadier boundary (a flat-topped hip-flexion peak wanders, its sharp valley does not)
        best_m = 0
        best_n = 0
        best_start = mp
        for start in range(mp, min(mp + CYCLE_START_WINDOW, n_major)):
            if n_major - start > 2 * MIN_CYCLES:
                for mm in range(1, MAX_MOVES_PER_CYCLE + 1):
                    nc = memo[mm - 1, start]
                    if nc < 0:
                        nc = _cycle_run(r, mv, mf, n_major, start, mm, delta, work, buf, durs, amps, vals)
                        memo[mm - 1, start] = nc
                    # the most moves covered; on a tie the fewer pairs per cycle (the shorter period)
                    better = mm * nc > best_m * best_n or (mm * nc == best_m * best_n and mm < best_m)
                    if nc >= MIN_CYCLES and better:
                        best_m = mm
                        best_n = nc
                        best_start = start
            if best_m == 1 and best_start + 2 * best_n >= n_major - 2:
                break  # a single-pair run reaching the chain's end: a later start cannot do better
        if best_n:
            run_start[n_runs], run_m[n_runs], run_n[n_runs] = best_start, best_m, best_n
            n_runs += 1
            end = best_start + 2 * best_m * best_n
            covered += mf[end] - mf[best_start]
            mp = end
        else:
            mp += 1
    return n_runs, covered


@jit_noalloc
def _natural_break(sorted_amps: FloatArray, n: int, delta: float) -> float:
    """The threshold between the small and the large swings of a chain whose sorted move amplitudes fall in
    two groups (a ratio of at least MAJOR_BREAK_RATIO between neighbours above δ): their geometric mean;
    δ when there is no such gap."""
    best = 0.0
    out = delta
    for k in range(n - 1):
        lo = sorted_amps[k]
        hi = sorted_amps[k + 1]
        if lo >= delta and hi >= MAJOR_BREAK_RATIO * lo and hi / lo > best:
            best = hi / lo
            out = math.sqrt(lo * hi)
    return out


COLLAPSE_INT_ROWS = 12 + MAX_MOVES_PER_CYCLE
COLLAPSE_FLOAT_ROWS = 5 + 4 * MAX_MOVES_PER_CYCLE
"""Rows of the int64 and float64 work arrays of `_collapse_cycles` (allocated once by its caller)."""


@jit_noalloc
def _collapse_cycles(
    r: FloatArray,
    delta: float,
    seg: IntArray,
    n: int,
    out: IntArray,
    operiod: FloatArray,
    iwork: IntArray,
    fwork: FloatArray,
) -> int:
    """Collapse repeating stretches of moves into "oscillates" segments.

    A chain is a maximal run of moves whose pauses (gaps or holds) last at most HOLD_IN_CYCLE_RATIO × the
    channel's rhythm (the median time between the turning points of consecutive moves); cycles are timed
    at the turning points (midway between a move's arrival and the next one's departure). Its turning
    points are reduced to the major ones (`_major_pivots`) at three candidate scales — δ, the natural
    break between small and large swings (`_natural_break`), and MAJOR_SWING_RATIO × the median of the
    upper half of the chain's move amplitudes — and the scale whose runs of cycles (`_plan_runs`,
    `_cycle_run`) cover the longest time is used: each run of at least MIN_CYCLES similar cycles of
    1 … MAX_MOVES_PER_CYCLE rise/fall pairs becomes one segment spanning its first to last major turning
    point, cycles = the run's length, period = the mean time between its same-phase turning points
    inside it. Everything else is copied.

    Args:
        r: (T,) the series.
        delta: the channel's δ.
        seg: (5, ≥ n) int64 rows kind, start frame, end frame, frame of the start value, frame of the end
            value of the n moves and holds (in time order).
        n: number of moves and holds.
        out: (6, ≥ n) int64, written: rows kind, start, end, cycles, start pivot, end pivot.
        operiod: (≥ n,) float64, written: period in frames (oscillations).
        iwork: (COLLAPSE_INT_ROWS, ≥ n + 2) int64 work array whose row 8 holds 0, 1, 2, ….
        fwork: (COLLAPSE_FLOAT_ROWS, ≥ n + 2) float64 work array.

    Returns:
        The number of segments written.
    """
    rk, ra, rb, rp, rq = seg[0], seg[1], seg[2], seg[3], seg[4]
    ok, oa, ob, oc, op, oq = out[0], out[1], out[2], out[3], out[4], out[5]
    frames, seg_of, major, mf = iwork[0], iwork[1], iwork[2], iwork[3]  # seg_of: chain pivot → its move
    run_start, run_m, run_n = iwork[4], iwork[5], iwork[6]
    cand_major = iwork[7]  # the major pivots at the scale being tried, and its runs:
    ident = iwork[8]  # 0, 1, 2, …: every position a candidate turning point (`_major_pivots`)
    cand_start, cand_m, cand_n = iwork[9], iwork[10], iwork[11]
    memo = iwork[12 : 12 + MAX_MOVES_PER_CYCLE]  # `_plan_runs`' results of `_cycle_run`
    work, buf, vals, mv, cyc_durs = fwork[0], fwork[1], fwork[2], fwork[3], fwork[4]
    cyc_amps = fwork[5 : 5 + 2 * MAX_MOVES_PER_CYCLE]  # work arrays of `_cycle_run`
    cyc_vals = fwork[5 + 2 * MAX_MOVES_PER_CYCLE : 5 + 4 * MAX_MOVES_PER_CYCLE]
    # the channel's rhythm: the median time from one move's turning point to the next move's
    n_moves = 0
    prev = -1
    for i in range(n):
        if rk[i] != HOLDS:
            if prev >= 0:
                buf[n_moves] = float(rp[i] - rp[prev])
                n_moves += 1
            prev = i
    max_pause = HOLD_IN_CYCLE_RATIO * _median_of(buf, n_moves, work) if n_moves else 0.0
    m = 0
    i = 0
    while i < n:
        if rk[i] == HOLDS:
            ok[m], oa[m], ob[m], oc[m], op[m], oq[m] = rk[i], ra[i], rb[i], 0, rp[i], rq[i]
            m += 1
            i += 1
            continue
        # the chain of moves starting at segment i
        j = i
        last_move = i
        while j + 1 < n:
            nxt = j + 1
            if rk[nxt] == HOLDS:
                if nxt + 1 < n and rk[nxt + 1] != HOLDS and rb[nxt] - ra[nxt] <= max_pause:
                    nxt += 1
                else:
                    break
            if ra[nxt] - rb[last_move] > max_pause:
                break
            last_move = nxt
            j = nxt
        # chain pivots: the start of each move and the end of the last one
        n_piv = 0
        arrival = -1
        for s in range(i, last_move + 1):
            if rk[s] != HOLDS:
                vals[n_piv] = r[rp[s]]
                # a turning point is timed midway between the arrival of the move before and the departure
                # of the move after it (the middle of a plateau; the extreme itself when sharp)
                frames[n_piv] = ra[s] if arrival < 0 else (arrival + ra[s]) // 2
                seg_of[n_piv] = s
                n_piv += 1
                arrival = rb[s]
        vals[n_piv] = r[rq[last_move]]
        frames[n_piv] = rb[last_move]
        seg_of[n_piv] = last_move + 1
        n_piv += 1
        if n_piv < 2 * MIN_CYCLES + 1:  # too few moves for a run: copy them
            for s in range(i, last_move + 1):
                ok[m], oa[m], ob[m], oc[m], op[m], oq[m] = rk[s], ra[s], rb[s], 0, rp[s], rq[s]
                m += 1
            i = last_move + 1
            continue
        n_amp = n_piv - 1
        for s in range(n_amp):
            buf[s] = abs(vals[s + 1] - vals[s])
        _sorted_into(buf, n_amp, work)  # the amplitudes, sorted
        upper = work[n_amp // 2 : n_amp]
        # candidate scales of a cycle's swings: every swing ≥ δ, the large group of a two-group chain, and
        # swings of at least half the typical large swing; the one whose runs cover the longest time wins
        thresholds = (
            delta,
            _natural_break(work, n_amp, delta),
            max(delta, MAJOR_SWING_RATIO * _sorted_median(upper, upper.shape[0])),  # `upper` is sorted
        )
        best_cover = -1
        n_major = 0
        n_runs = 0
        last_n = -1
        for k in range(3):
            n_cand = _major_pivots(vals, n_piv, thresholds[k], ident, cand_major)
            if n_cand == last_n:  # the same reduction as the previous scale (the scales only remove pivots)
                continue
            last_n = n_cand
            for s in range(n_cand):
                mv[s] = vals[cand_major[s]]
                mf[s] = frames[cand_major[s]]
            n_cand_runs, cover = _plan_runs(
                r, mv, mf, n_cand, delta, work, buf, cyc_durs, cyc_amps, cyc_vals, cand_start, cand_m, cand_n, memo
            )
            if cover > best_cover:
                best_cover = cover
                n_major = n_cand
                n_runs = n_cand_runs
                for s in range(n_major):
                    major[s] = cand_major[s]
                for s in range(n_runs):
                    run_start[s], run_m[s], run_n[s] = cand_start[s], cand_m[s], cand_n[s]
        for s in range(n_major):
            mv[s] = vals[major[s]]
            mf[s] = frames[major[s]]
        mp = 0  # current major pivot
        for q in range(n_runs + 1):
            upto = run_start[q] if q < n_runs else n_major - 1
            for s in range(seg_of[major[mp]], seg_of[major[upto]]):  # loose moves before the run
                ok[m], oa[m], ob[m], oc[m], op[m], oq[m] = rk[s], ra[s], rb[s], 0, rp[s], rq[s]
                m += 1
            if q == n_runs:
                break
            end = run_start[q] + 2 * run_m[q] * run_n[q]
            s0 = seg_of[major[run_start[q]]]
            s1 = seg_of[major[end] - 1]  # the move that ends at the run's last major pivot
            ok[m], oa[m], ob[m], oc[m], op[m], oq[m] = OSCILLATES, ra[s0], rb[s1], run_n[q], rp[s0], rq[s1]
            # the period: between the run's first and last turning points of one phase inside it (the
            # run's ends sit at the edge of a start or stop and would shorten it), frames per cycle
            k = 2 * run_m[q]
            first = run_start[q] + 1
            operiod[m] = float(mf[first + k * (run_n[q] - 1)] - mf[first]) / (run_n[q] - 1)
            m += 1
            mp = end
        i = last_move + 1
    return m
