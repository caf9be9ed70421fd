"""Compiled kernel of the temporal segmentation (spec/smd_format.md, "Segments"): turning points with
hysteresis, holds, rises/falls, cycle collapse and segment statistics of every channel of a clip in one call.

Compiled with numba (see `motion_smd.compiled`). Everything here is integer logic, comparisons and IEEE
additions/divisions in a fixed order, so the compiled and the interpreted code give bit-identical results
(a test compares them on real motion). `motion_smd.segmentation` imports this module lazily.

Kinds are small integers: INCREASES, DECREASES, HOLDS, OSCILLATES (indices into `description.SEGMENT_KINDS`).
The algorithm (turning points, refinement, holds and moves, cycles) is documented in
`motion_smd.segmentation`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from motion_smd.compiled import jit

INCREASES, DECREASES, HOLDS, OSCILLATES = 0, 1, 2, 3
"""Segment kind codes: indices into `motion_smd.description.SEGMENT_KINDS`."""

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

MIN_MOVING_FRACTION = 0.8
"""A printed move is cut (at its longest slow run) until at least this fraction of its frame steps move."""

PRINT_EXTREME_SLACK = 0.4
"""A move whose slow ends were trimmed still prints its turning points' values (the whole change) while
they differ from its span's ends by at most this × δ: within δ/2 of the span's extremes once rounded."""

HOLD_BAND_RATIO = 0.8
"""A hold's values stay within this × δ (max − min): printed at the middle of its band, rounded, it is then
within δ/2 of every value it holds (0.4·δ + half a unit of rounding; δ = 5° → 2.5°)."""

MIN_SPLIT_STEPS = 2
"""A move is cut at a slow run of at least this many frame steps (one slow step is a wobble, not a pause)."""

SLOW_STEP_RATIO = 0.2
"""A frame step of a move slower than this fraction of the move's mean step is not movement: slow ends are
trimmed from the printed span, and long slow stretches inside split it (spans print where the channel moves)."""

CYCLE_START_WINDOW = 2
"""A run of cycles is searched from each of this many consecutive major turning points; the one covering
the most moves wins."""

MIN_CYCLES = 2
"""A run is collapsed into "oscillates" only with at least this many cycles."""

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@jit
def local_extrema_into(x: FloatArray, out: IntArray) -> int:
    """Write 0, every strict local extremum of x (plateaus: their first frame) and T − 1 into `out`.

    Args:
        x: (T,) float64, T ≥ 2.
        out: int64 buffer of at least T entries.

    Returns:
        The number of indices written (increasing).
    """
    T = x.shape[0]
    n = 1
    out[0] = 0
    last = -1  # row of the last non-zero first difference
    last_sign = 0
    for r in range(T - 1):
        d = x[r + 1] - x[r]
        s = 1 if d > 0 else (-1 if d < 0 else 0)
        if s != 0:
            if last >= 0 and s != last_sign:
                out[n] = last + 1  # the frame after the previous trend's last non-zero difference
                n += 1
            last = r
            last_sign = s
    out[n] = T - 1
    return n + 1


@jit
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


@jit
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


@jit
def _emit(
    kind: int,
    a: int,
    b: int,
    va: int,
    vb: int,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    rp: IntArray,
    rq: IntArray,
    m: int,
) -> int:
    """Append one segment (kind, frames a..b, printed-value frames va, vb); returns the new count."""
    rk[m], ra[m], rb[m], rp[m], rq[m] = kind, a, b, va, vb
    return m + 1


@jit
def _emit_hold(
    r: FloatArray,
    a: int,
    b: int,
    band: float,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    rp: IntArray,
    rq: IntArray,
    m: int,
) -> int:
    """Append a hold over a..b, merged into the previous segment when that is a hold ending where this one
    begins and the two together stay within `band` (max − min ≤ band = HOLD_BAND_RATIO × δ)."""
    if m > 0 and rk[m - 1] == HOLDS and rb[m - 1] >= a - 1 and _range_of(r, ra[m - 1], b) <= band:
        rb[m - 1] = b
        rq[m - 1] = b
        return m
    return _emit(HOLDS, a, b, a, b, rk, ra, rb, rp, rq, m)


@jit
def _emit_pause(
    r: FloatArray,
    a: int,
    b: int,
    band: float,
    min_hold: int,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    rp: IntArray,
    rq: IntArray,
    m: int,
) -> int:
    """A stretch a..b that changes by less than δ: a hold when it lasts at least `min_hold` frames and stays
    within `band` (max − min ≤ band = HOLD_BAND_RATIO × δ), else left out of the text."""
    if b - a >= min_hold and _range_of(r, a, b) <= band:
        return _emit_hold(r, a, b, band, rk, ra, rb, rp, rq, m)
    return m


@jit
def _trim_slow(r: FloatArray, a: int, b: int, va: int, vb: int, sign: float, delta: float) -> tuple[int, int]:
    """The span a..b of a move in direction `sign` (+1 rise, −1 fall) without its slow ends: frame steps that
    do not go the move's way by at least SLOW_STEP_RATIO × its mean step (its printed change — the extremes
    of frames va, vb while the span reaches them and of the span — per step) are cut from either end,
    repeatedly (the mean step of the shorter span grows); the span is kept whole when what remains would
    change by less than δ."""
    a0 = a
    b0 = b
    for _ in range(4):
        if b - a < 1:
            break
        amp = max(abs(r[vb if b == b0 else b] - r[va if a == a0 else a]), _range_of(r, a, b))
        thr = SLOW_STEP_RATIO * amp / (b - a)
        n0 = a
        n1 = b
        while n0 < n1 and sign * (r[n0 + 1] - r[n0]) < thr:
            n0 += 1
        while n1 > n0 and sign * (r[n1] - r[n1 - 1]) < thr:
            n1 -= 1
        if n1 - n0 < 1 or abs(r[n1] - r[n0]) < delta or (n0 == a and n1 == b):
            break
        a = n0
        b = n1
    return a, b


@jit
def _longest_slow_run(r: FloatArray, a: int, b: int, sign: float, thr: float) -> tuple[int, int, int]:
    """(number of slow steps, start, end) of a..b, where a step t → t + 1 is slow when it does not go in
    direction `sign` by at least thr; start..end is the longest run of consecutive slow steps (end = start
    when there is none)."""
    n_slow = 0
    best_u = a
    best_t = a
    t = a
    while t < b:
        if sign * (r[t + 1] - r[t]) >= thr:
            t += 1
            continue
        u = t
        while t < b and sign * (r[t + 1] - r[t]) < thr:
            t += 1
        n_slow += t - u
        if t - u > best_t - best_u:
            best_u = u
            best_t = t
    return n_slow, best_u, best_t


@jit
def _emit_piece(
    r: FloatArray,
    kind: int,
    a: int,
    b: int,
    va: int,
    vb: int,
    delta: float,
    tol: float,
    min_hold: int,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    rp: IntArray,
    rq: IntArray,
    m: int,
    tasks: IntArray,
) -> int:
    """A move over a..b (printed values from frames va, vb) printed where it moves: its slow ends are cut
    off (`_trim_slow`), and while more than 1 − MIN_MOVING_FRACTION of its steps are slow it is cut at its
    longest slow run, keeping the parts that still change by δ. A part cut off that changes by δ is a move
    of its own, treated the same way; a smaller one goes through `_emit_pause`. A work list instead of
    recursion: tasks (move or rest, a, b, va, vb), done in time order, kept in the caller's `tasks`."""
    kinds = tasks[0]  # the work list (5, ≥ 2(b − a + 2)): kinds, a, b, va, vb
    ta = tasks[1]
    tb = tasks[2]
    tva = tasks[3]
    tvb = tasks[4]
    n = 1
    kinds[0], ta[0], tb[0], tva[0], tvb[0] = 1, a, b, va, vb
    while n > 0:
        n -= 1
        x0, x1, v0, v1 = ta[n], tb[n], tva[n], tvb[n]
        if kinds[n] == 0:
            if x1 <= x0:
                continue
            if abs(r[x1] - r[x0]) < delta:
                m = _emit_pause(r, x0, x1, HOLD_BAND_RATIO * delta, min_hold, rk, ra, rb, rp, rq, m)
                continue
            # a stretch cut off that still changes by δ is a move of its own (either way)
            v0 = x0
            v1 = x1
            move_kind = INCREASES if r[x1] > r[x0] else DECREASES
        else:
            move_kind = kind
        this_sign = 1.0 if move_kind == INCREASES else -1.0
        a2, b2 = _trim_slow(r, x0, x1, v0, v1, this_sign, delta)
        if a2 > x0:  # the slow lead, done before this move
            kinds[n], ta[n], tb[n], tva[n], tvb[n] = 1, a2, x1, a2, v1
            kinds[n + 1], ta[n + 1], tb[n + 1] = 0, x0, a2
            n += 2
            continue
        # the printed values stay the move's turning points while its trimmed ends change them by ≤ 0.4·δ
        v0 = v0 if a2 == x0 or abs(r[v0] - r[a2]) <= PRINT_EXTREME_SLACK * delta else a2
        v1 = v1 if b2 == x1 or abs(r[v1] - r[b2]) <= PRINT_EXTREME_SLACK * delta else b2
        split = False
        if b2 - a2 >= 2:
            # the printed change: the move's extremes (its turning points' values or its span's range)
            amp = max(abs(r[v1] - r[v0]), _range_of(r, a2, b2))
            n_slow, u, t = _longest_slow_run(r, a2, b2, this_sign, SLOW_STEP_RATIO * amp / (b2 - a2))
            if n_slow > (1.0 - MIN_MOVING_FRACTION) * (b2 - a2) and t - u >= MIN_SPLIT_STEPS:
                left = abs(r[u] - r[a2]) >= delta
                right = abs(r[b2] - r[t]) >= delta
                # tasks pushed in reverse time order: the tail after b2, then the parts
                kinds[n], ta[n], tb[n] = 0, b2, x1
                n += 1
                if left and right:
                    kinds[n], ta[n], tb[n], tva[n], tvb[n] = 1, t, b2, t, v1
                    kinds[n + 1], ta[n + 1], tb[n + 1] = 0, u, t
                    kinds[n + 2], ta[n + 2], tb[n + 2], tva[n + 2], tvb[n + 2] = 1, a2, u, v0, u
                    n += 3
                    split = True
                elif left:
                    kinds[n], ta[n], tb[n] = 0, u, b2
                    kinds[n + 1], ta[n + 1], tb[n + 1], tva[n + 1], tvb[n + 1] = 1, a2, u, v0, u
                    n += 2
                    split = True
                elif right:
                    kinds[n], ta[n], tb[n], tva[n], tvb[n] = 1, t, b2, t, v1
                    kinds[n + 1], ta[n + 1], tb[n + 1] = 0, a2, t
                    n += 2
                    split = True
                else:
                    n -= 1  # neither part changes by δ alone: the move stays whole
        if not split:
            m = _emit(move_kind, a2, b2, v0, v1, rk, ra, rb, rp, rq, m)
            if b2 < x1:  # the slow tail
                kinds[n], ta[n], tb[n] = 0, b2, x1
                n += 1
    return m


@jit
def _emit_rest(
    r: FloatArray,
    a: int,
    b: int,
    delta: float,
    tol: float,
    min_hold: int,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    rp: IntArray,
    rq: IntArray,
    m: int,
    tasks: IntArray,
) -> int:
    """A stretch a..b cut from a move: a move of its own (`_emit_piece`) when it changes by δ, else
    `_emit_pause`."""
    if b <= a:
        return m
    if abs(r[b] - r[a]) >= delta:
        kind = INCREASES if r[b] > r[a] else DECREASES
        return _emit_piece(r, kind, a, b, a, b, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)
    return _emit_pause(r, a, b, HOLD_BAND_RATIO * delta, min_hold, rk, ra, rb, rp, rq, m)


@jit
def _emit_move(
    r: FloatArray,
    p: int,
    q: int,
    a: int,
    b: int,
    delta: float,
    tol: float,
    min_hold: int,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    rp: IntArray,
    rq: IntArray,
    m: int,
    tasks: IntArray,
) -> int:
    """The move from turning point p to q over its plateau-trimmed span a..b, printed where it moves.

    The span first loses its slow ends (`_trim_slow`: frame steps that do not go the move's way by
    SLOW_STEP_RATIO × its mean step, e.g. a creep that settles next to a plateau). A
    run of at least `min_hold` slow steps inside splits the move in two when both parts still change by δ
    (a rise, a pause, a rise), or ends (starts) it there when only the part before (after) the pause does.
    Every part is trimmed again with its own mean step (`_emit_piece`); what is cut off goes through
    `_emit_rest`. A move's printed values are its turning points' values where its span reaches their
    plateau, else the values at its span's ends.
    """
    a0 = a
    b0 = b
    kind = INCREASES if r[q] > r[p] else DECREASES
    sign = 1.0 if kind == INCREASES else -1.0
    if b > a:
        # fast path, the common case: no step of the span is slow even against the largest threshold the
        # steps below apply (the move's change or its span's range, per step), so nothing is trimmed or cut
        amp = max(abs(r[q] - r[p]), _range_of(r, a, b))
        n_slow, _, _ = _longest_slow_run(r, a, b, sign, SLOW_STEP_RATIO * amp / (b - a))
        if n_slow == 0:
            return _emit(kind, a, b, p, q, rk, ra, rb, rp, rq, m)
    s0, s1 = _trim_slow(r, a, b, p if a == a0 else a, q if b == b0 else b, sign, delta)
    m = _emit_rest(r, a0, s0, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)
    start = s0
    v_start = p if s0 == a0 or abs(r[p] - r[s0]) <= PRINT_EXTREME_SLACK * delta else s0
    v_end = q if s1 == b0 or abs(r[q] - r[s1]) <= PRINT_EXTREME_SLACK * delta else s1
    if s1 > s0:
        thr = SLOW_STEP_RATIO * abs(r[v_end] - r[v_start]) / (s1 - s0)
        t = s0
        while t < s1:
            if sign * (r[t + 1] - r[t]) >= thr:
                t += 1
                continue
            u = t
            while t < s1 and sign * (r[t + 1] - r[t]) < thr:
                t += 1
            if t - u < min_hold:
                continue
            left = abs(r[u] - r[v_start]) >= delta
            right = abs(r[v_end] - r[t]) >= delta
            if left and right:  # a rise, a pause, a rise
                m = _emit_piece(r, kind, start, u, v_start, u, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)
                m = _emit_rest(r, u, t, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)
                start = t
                v_start = t
            elif right:  # what comes before the pause moves by less than δ: the move starts after it
                m = _emit_rest(r, start, t, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)
                start = t
                v_start = t
            elif left:  # … or after it: the move ends where the pause begins, the rest is a pause
                m = _emit_piece(r, kind, start, u, v_start, u, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)
                return _emit_rest(r, u, b0, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)
    m = _emit_piece(r, kind, start, s1, v_start, v_end, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)
    return _emit_rest(r, s1, b0, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)


@jit
def _fine_segments(
    r: FloatArray,
    piv: IntArray,
    n: int,
    delta: float,
    tol: float,
    min_hold: int,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    rp: IntArray,
    rq: IntArray,
    tasks: IntArray,
) -> int:
    """Moves between consecutive turning points (|Δ| ≥ δ) and the holds between them (`tasks`: the work
    list of `_emit_piece`, (5, ≥ 2T + 4) int64).

    A move's printed span is trimmed to where the raw series r has left the start turning point's value by
    more than `tol` and not yet come within `tol` of the end turning point's value (the plateaus around a
    turning point are not movement). The frames between two moves (a plateau around a turning point, all
    within `tol` of it) become a hold when they last at least `min_hold` frames; so do the clip's lead-in
    and tail, and the pauses cut out of moves, when they stay within HOLD_BAND_RATIO × δ. Shorter or wider
    stretches are left out of the text (its times show them). Each move goes through `_emit_move` (slow
    ends trimmed, long pauses split out).
    Writes (kind, start_frame, end_frame, frame of the printed start value, frame of the printed end value)
    into rk, ra, rb, rp, rq and returns their number.
    """
    T = r.shape[0]
    m = 0
    cursor = 0  # first frame not yet attributed
    for k in range(n - 1):
        p = piv[k]
        q = piv[k + 1]
        if abs(r[q] - r[p]) < delta:
            continue
        a = p
        while a < q and abs(r[a + 1] - r[p]) <= tol:
            a += 1
        b = q
        while b > a and abs(r[b - 1] - r[q]) <= tol:
            b -= 1
        if a - cursor >= min_hold and _range_of(r, cursor, a) <= HOLD_BAND_RATIO * delta:
            # the stretch before this move is a hold when it is long and flat enough
            m = _emit_hold(r, cursor, a, HOLD_BAND_RATIO * delta, rk, ra, rb, rp, rq, m)
        m = _emit_move(r, p, q, a, b, delta, tol, min_hold, rk, ra, rb, rp, rq, m, tasks)
        cursor = b
    if T - 1 - cursor >= min_hold and _range_of(r, cursor, T - 1) <= HOLD_BAND_RATIO * delta:
        m = _emit_hold(r, cursor, T - 1, HOLD_BAND_RATIO * delta, rk, ra, rb, rp, rq, m)
    return m


@jit
def _insort(arr: FloatArray, n: int, v: float) -> None:
    """Insert v into the sorted arr[:n] (arr has room for n + 1), right of equal values."""
    i = n
    while i > 0 and arr[i - 1] > v:
        arr[i] = arr[i - 1]
        i -= 1
    arr[i] = v


@jit
def _sorted_median(arr: FloatArray, n: int) -> float:
    """Median of the sorted arr[:n] (n ≥ 1): the middle value, or the mean of the two middle values."""
    h = n >> 1
    return arr[h] if n & 1 else (arr[h - 1] + arr[h]) / 2


@jit
def _median_of(values: FloatArray, n: int, work: FloatArray) -> float:
    """Median of values[:n] (n ≥ 1): a few values are insertion-sorted into `work` (no allocation), many go
    through np.median (O(n))."""
    if n > 32:
        return float(np.median(values[:n]))
    for i in range(n):
        _insort(work, i, values[i])
    return _sorted_median(work, n)


@jit
def _major_pivots(vals: FloatArray, n: int, delta: float, out: IntArray) -> int:
    """Hysteresis δ over a sequence of turning-point values vals[:n] (alternating extremes): the positions of
    the extremes that remain when swings smaller than δ are ignored, plus the first and last position.
    Returns their number."""
    k = 1
    out[0] = 0
    trend = 0
    hi = 0
    lo = 0
    ext = 0
    for i in range(1, n):
        v = vals[i]
        if trend == 0:
            if v > vals[hi]:
                hi = i
            if v < vals[lo]:
                lo = i
            if vals[hi] - vals[lo] >= delta:
                first = lo if hi > lo else hi
                if first != 0:
                    out[k] = first
                    k += 1
                trend = 1 if hi > lo else -1
                ext = hi if hi > lo else lo
        elif trend == 1:
            if v >= vals[ext]:
                ext = i
            elif vals[ext] - v >= delta:
                out[k] = ext
                k += 1
                trend = -1
                ext = i
        else:
            if v <= vals[ext]:
                ext = i
            elif v - vals[ext] >= delta:
                out[k] = ext
                k += 1
                trend = 1
                ext = i
    if trend != 0 and ext != out[k - 1]:
        out[k] = ext
        k += 1
    if out[k - 1] != n - 1:
        out[k] = n - 1
        k += 1
    return k


@jit
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


@jit
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
    return not at_p > PERIOD_MATCH_RATIO * at_2p + PERIOD_MATCH_SLACK * _range_of(r, a, b)


@jit
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


@jit
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


@jit
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
) -> tuple[int, int]:
    """Greedy runs of cycles over the major turning points mv/mf (values, frames): from each position, the
    run starting there or at one of the next CYCLE_START_WINDOW − 1 pivots that covers the most moves (on a
    tie the fewer pairs per cycle) is taken; none → move on by one pivot. Records (start pivot, pairs per
    cycle, cycles) of each run; returns (number of runs, frames covered by them)."""
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
                    nc = _cycle_run(r, mv, mf, n_major, start, mm, delta, work, buf, durs, amps, vals)
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


@jit
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


@jit
def _collapse_cycles(
    r: FloatArray,
    delta: float,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    rp: IntArray,
    rq: IntArray,
    n: int,
    ok: IntArray,
    oa: IntArray,
    ob: IntArray,
    oc: IntArray,
    op: IntArray,
    oq: IntArray,
    operiod: FloatArray,
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

    Writes (kind, start, end, cycles, start pivot, end pivot, period in frames) into ok, oa, ob, oc, op, oq,
    operiod; returns the count.
    """
    work = np.empty(n + 2)
    buf = np.empty(n + 2)
    vals = np.empty(n + 2)
    frames = np.empty(n + 2, dtype=np.int64)
    seg_of = np.empty(n + 2, dtype=np.int64)  # chain pivot j → index of the move that starts at it
    major = np.empty(n + 2, dtype=np.int64)
    mv = np.empty(n + 2)
    mf = np.empty(n + 2, dtype=np.int64)
    run_start = np.empty(n + 2, dtype=np.int64)
    run_m = np.empty(n + 2, dtype=np.int64)
    run_n = np.empty(n + 2, dtype=np.int64)
    cand_major = np.empty(n + 2, dtype=np.int64)  # the same, for the scale being tried
    cand_start = np.empty(n + 2, dtype=np.int64)
    cand_m = np.empty(n + 2, dtype=np.int64)
    cand_n = np.empty(n + 2, dtype=np.int64)
    thresholds = np.empty(3)
    cyc_durs = np.empty(n + 2)  # work arrays of `_cycle_run`
    cyc_amps = np.empty((2 * MAX_MOVES_PER_CYCLE, n + 2))
    cyc_vals = np.empty((2 * MAX_MOVES_PER_CYCLE, n + 2))
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
        work[:n_amp] = np.sort(buf[:n_amp])  # the amplitudes, sorted
        upper = work[n_amp // 2 : n_amp]
        # candidate scales of a cycle's swings: every swing ≥ δ, the large group of a two-group chain, and
        # swings of at least half the typical large swing; the one whose runs cover the longest time wins
        thresholds[0] = delta
        thresholds[1] = _natural_break(work, n_amp, delta)
        thresholds[2] = max(delta, MAJOR_SWING_RATIO * _median_of(upper, upper.shape[0], buf))
        best_cover = -1
        n_major = 0
        n_runs = 0
        last_n = -1
        for k in range(3):
            n_cand = _major_pivots(vals, n_piv, thresholds[k], cand_major)
            if n_cand == last_n:  # the same reduction as the previous scale (the scales only remove pivots)
                continue
            last_n = n_cand
            for s in range(n_cand):
                mv[s] = vals[cand_major[s]]
                mf[s] = frames[cand_major[s]]
            n_cand_runs, cover = _plan_runs(
                r, mv, mf, n_cand, delta, work, buf, cyc_durs, cyc_amps, cyc_vals, cand_start, cand_m, cand_n
            )
            if cover > best_cover:
                best_cover = cover
                n_major = n_cand
                n_runs = n_cand_runs
                major[:n_major] = cand_major[:n_major]
                run_start[:n_runs] = cand_start[:n_runs]
                run_m[:n_runs] = cand_m[:n_runs]
                run_n[:n_runs] = cand_n[:n_runs]
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


@jit
def segment_rows(
    rows: FloatArray,
    delta: FloatArray,
    hold_tol: FloatArray,
    min_hold: IntArray,
    cycles: NDArray[np.bool_],
) -> tuple[IntArray, IntArray, FloatArray]:
    """Segments of every row of `rows` (one channel per row), with their statistics.

    Args:
        rows: (C, T) float64, C-contiguous, T ≥ 2: each channel's series, channel unit; NaN where the
            channel is undefined (each defined stretch is segmented on its own).
        delta: (C,) hysteresis thresholds δ (> 0).
        hold_tol: (C,) plateau tolerance: frames within this of a turning point's value are not movement.
        min_hold: (C,) int64 shortest hold, frames (≥ 1).
        cycles: (C,) bool, collapse oscillations.

    Returns:
        counts: (C,) int64, segments per row. The N = counts.sum() segments follow row after row, each row
            in time order:
        ints: (4, N) int64 rows kind (code: index into `description.SEGMENT_KINDS`), start_frame, end_frame,
            cycles;
        floats: (6, N) float64 rows start_value, end_value, mean_value, min_value, max_value, period: a
            move's start/end values are its extremes (those of its turning points, which may lie up to
            `hold_tol` outside its trimmed span, or of the span where a pause cut it), a hold's or
            oscillation's those of its first/last frame; mean/min/max over the segment's frames; an
            oscillation's period in frames (between same-phase turning points inside it; 0 otherwise).
    """
    C, T = rows.shape
    counts = np.zeros(C, dtype=np.int64)
    cap = 4 * C + 16
    ints = np.empty((4, cap), dtype=np.int64)
    floats = np.empty((6, cap))
    cand = np.empty(T + 1, dtype=np.int64)
    piv = np.empty(T + 2, dtype=np.int64)
    n_buf = 2 * T + 4
    rk = np.empty(n_buf, dtype=np.int64)
    ra = np.empty(n_buf, dtype=np.int64)
    rb = np.empty(n_buf, dtype=np.int64)
    rp = np.empty(n_buf, dtype=np.int64)
    rq = np.empty(n_buf, dtype=np.int64)
    ok = np.empty(n_buf, dtype=np.int64)
    oa = np.empty(n_buf, dtype=np.int64)
    ob = np.empty(n_buf, dtype=np.int64)
    oc = np.zeros(n_buf, dtype=np.int64)
    operiod = np.zeros(n_buf)
    tasks = np.empty((5, n_buf), dtype=np.int64)
    op = np.empty(n_buf, dtype=np.int64)
    oq = np.empty(n_buf, dtype=np.int64)
    total = 0
    for c in range(C):
        row = rows[c]
        m = 0
        s = 0
        while s < T:  # each stretch of defined (finite) values is segmented on its own
            if math.isnan(row[s]):
                s += 1
                continue
            e = s
            while e < T and not math.isnan(row[e]):
                e += 1
            if e - s >= 2:
                r = row[s:e]
                n_cand = local_extrema_into(r, cand)
                n_piv = turning_points_into(r, cand, n_cand, delta[c], piv)
                n_fine = _fine_segments(
                    r, piv, n_piv, delta[c], hold_tol[c], min_hold[c], rk, ra, rb, rp, rq, tasks
                )
                if cycles[c]:
                    n_fine = _collapse_cycles(
                        r, delta[c], rk, ra, rb, rp, rq, n_fine, ok, oa, ob, oc, op, oq, operiod
                    )
                else:
                    ok[:n_fine] = rk[:n_fine]
                    oa[:n_fine] = ra[:n_fine]
                    ob[:n_fine] = rb[:n_fine]
                    oc[:n_fine] = 0
                    operiod[:n_fine] = 0.0
                    op[:n_fine] = rp[:n_fine]
                    oq[:n_fine] = rq[:n_fine]
                if total + m + n_fine > cap:
                    cap = 2 * (total + m + n_fine)
                    grown_ints = np.empty((4, cap), dtype=np.int64)
                    grown_ints[:, : total + m] = ints[:, : total + m]
                    ints = grown_ints
                    grown_floats = np.empty((6, cap))
                    grown_floats[:, : total + m] = floats[:, : total + m]
                    floats = grown_floats
                for k in range(n_fine):
                    a = oa[k]
                    b = ob[k]
                    o = total + m
                    ints[0, o] = ok[k]
                    ints[1, o] = a + s
                    ints[2, o] = b + s
                    ints[3, o] = oc[k]
                    lo = r[a]
                    hi = r[a]
                    acc = 0.0
                    for t in range(a, b + 1):
                        v = r[t]
                        acc += v
                        if v < lo:
                            lo = v
                        if v > hi:
                            hi = v
                    if ok[k] == INCREASES:  # the extremes: of the turning points, or of the span where it is cut
                        floats[0, o] = min(r[op[k]], lo)
                        floats[1, o] = max(r[oq[k]], hi)
                    elif ok[k] == DECREASES:
                        floats[0, o] = max(r[op[k]], hi)
                        floats[1, o] = min(r[oq[k]], lo)
                    else:
                        floats[0, o] = r[a]
                        floats[1, o] = r[b]
                    floats[2, o] = acc / (b + 1 - a)
                    floats[5, o] = operiod[k] if ok[k] == OSCILLATES else 0.0
                    floats[3, o] = lo
                    floats[4, o] = hi
                    m += 1
            s = e
        counts[c] = m
        total += m
    return counts, ints[:, :total], floats[:, :total]
