"""Compiled kernel of the temporal segmentation (spec/smd_format.md, "Segments"): turning points with
hysteresis, holds, rises/falls and segment statistics of every channel of a clip in one call; the cycle
collapse is `motion_smd.cycle_kernel`.

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

from motion_smd.compiled import jit, jit_noalloc
from motion_smd.cycle_kernel import (
    COLLAPSE_FLOAT_ROWS,
    COLLAPSE_INT_ROWS,
    DECREASES,
    HOLDS,
    INCREASES,
    OSCILLATES,
    FloatArray,
    IntArray,
    _collapse_cycles,
    _range_of,
    turning_points_into,
)

__all__ = ["DECREASES", "HOLDS", "INCREASES", "OSCILLATES", "local_extrema_into", "segment_rows", "turning_points_into"]

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


@jit_noalloc
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


@jit_noalloc
def _emit(
    kind: int,
    a: int,
    b: int,
    va: int,
    vb: int,
    seg: IntArray,
    m: int,
) -> int:
    """Append one segment (kind, frames a..b, printed-value frames va, vb) to the rows of `seg`; returns the new
    count."""
    seg[0, m], seg[1, m], seg[2, m], seg[3, m], seg[4, m] = kind, a, b, va, vb
    return m + 1


@jit_noalloc
def _emit_hold(
    r: FloatArray,
    a: int,
    b: int,
    band: float,
    seg: IntArray,
    m: int,
) -> int:
    """Append a hold over a..b, merged into the previous segment when that is a hold ending where this one
    begins and the two together stay within `band` (max − min ≤ band = HOLD_BAND_RATIO × δ)."""
    if m > 0 and seg[0, m - 1] == HOLDS and seg[2, m - 1] >= a - 1 and _range_of(r, seg[1, m - 1], b) <= band:
        seg[2, m - 1] = b
        seg[4, m - 1] = b
        return m
    return _emit(HOLDS, a, b, a, b, seg, m)


@jit_noalloc
def _emit_pause(
    r: FloatArray,
    a: int,
    b: int,
    band: float,
    min_hold: int,
    seg: IntArray,
    m: int,
) -> int:
    """A stretch a..b that changes by less than δ: a hold when it lasts at least `min_hold` frames and stays
    within `band` (max − min ≤ band = HOLD_BAND_RATIO × δ), else left out of the text."""
    if b - a >= min_hold and _range_of(r, a, b) <= band:
        return _emit_hold(r, a, b, band, seg, m)
    return m


@jit_noalloc
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


@jit_noalloc
def _next_slow_run(r: FloatArray, t: int, end: int, sign: float, thr: float) -> tuple[int, int]:
    """The next run of slow steps from frame t on (a step s → s + 1, s < end, is slow when it does not go in
    direction `sign` by at least thr): (its first frame, the frame after its last step); (end, end) when
    there is none."""
    while t < end and sign * (r[t + 1] - r[t]) >= thr:
        t += 1
    u = t
    while t < end and sign * (r[t + 1] - r[t]) < thr:
        t += 1
    return u, t


@jit_noalloc
def _longest_slow_run(r: FloatArray, a: int, b: int, sign: float, thr: float) -> tuple[int, int, int]:
    """(number of slow steps, start, end) of a..b, where a step t → t + 1 is slow when it does not go in
    direction `sign` by at least thr; start..end is the longest run of consecutive slow steps (end = start
    when there is none)."""
    n_slow = 0
    best_u = a
    best_t = a
    t = a
    while t < b:
        u, t = _next_slow_run(r, t, b, sign, thr)
        n_slow += t - u
        if t - u > best_t - best_u:
            best_u = u
            best_t = t
    return n_slow, best_u, best_t


@jit_noalloc
def _moves_throughout(r: FloatArray, a: int, b: int, sign: float, change: float) -> bool:
    """Whether no frame step of a..b (b > a) is slow: each goes direction `sign` by at least SLOW_STEP_RATIO ×
    the move's mean step, max(change, the span's range) / (b − a). One pass (the range and the least step
    together), left early at a step that is slow whatever the range."""
    floor = SLOW_STEP_RATIO * change / (b - a)  # the threshold is at least this
    lo = r[a]
    hi = r[a]
    least = math.inf
    for t in range(a, b):
        v = r[t + 1]
        d = sign * (v - r[t])
        if d < floor:
            return False
        if d < least:
            least = d
        if v < lo:
            lo = v
        if v > hi:
            hi = v
    return least >= SLOW_STEP_RATIO * max(change, hi - lo) / (b - a)


@jit_noalloc
def _emit_piece(
    r: FloatArray,
    kind: int,
    a: int,
    b: int,
    va: int,
    vb: int,
    delta: float,
    min_hold: int,
    seg: IntArray,
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
                m = _emit_pause(r, x0, x1, HOLD_BAND_RATIO * delta, min_hold, seg, m)
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
            m = _emit(move_kind, a2, b2, v0, v1, seg, m)
            if b2 < x1:  # the slow tail
                kinds[n], ta[n], tb[n] = 0, b2, x1
                n += 1
    return m


@jit_noalloc
def _emit_rest(
    r: FloatArray,
    a: int,
    b: int,
    delta: float,
    min_hold: int,
    seg: IntArray,
    m: int,
    tasks: IntArray,
) -> int:
    """A stretch a..b cut from a move: a move of its own (`_emit_piece`) when it changes by δ, else
    `_emit_pause`."""
    if b <= a:
        return m
    if abs(r[b] - r[a]) >= delta:
        kind = INCREASES if r[b] > r[a] else DECREASES
        return _emit_piece(r, kind, a, b, a, b, delta, min_hold, seg, m, tasks)
    return _emit_pause(r, a, b, HOLD_BAND_RATIO * delta, min_hold, seg, m)


@jit_noalloc
def _emit_move(
    r: FloatArray,
    p: int,
    q: int,
    a: int,
    b: int,
    delta: float,
    min_hold: int,
    seg: IntArray,
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
    # fast path, the common case: no step of the span is slow even against the largest threshold the steps
    # below apply (the move's change or its span's range, per step), so nothing is trimmed or cut
    if b > a and _moves_throughout(r, a, b, sign, abs(r[q] - r[p])):
        return _emit(kind, a, b, p, q, seg, m)
    s0, s1 = _trim_slow(r, a, b, p if a == a0 else a, q if b == b0 else b, sign, delta)
    m = _emit_rest(r, a0, s0, delta, min_hold, seg, m, tasks)
    start = s0
    v_start = p if s0 == a0 or abs(r[p] - r[s0]) <= PRINT_EXTREME_SLACK * delta else s0
    v_end = q if s1 == b0 or abs(r[q] - r[s1]) <= PRINT_EXTREME_SLACK * delta else s1
    if s1 > s0:
        thr = SLOW_STEP_RATIO * abs(r[v_end] - r[v_start]) / (s1 - s0)
        t = s0
        while t < s1:
            u, t = _next_slow_run(r, t, s1, sign, thr)
            if t - u < min_hold:
                continue
            left = abs(r[u] - r[v_start]) >= delta
            right = abs(r[v_end] - r[t]) >= delta
            if left and right:  # a rise, a pause, a rise
                m = _emit_piece(r, kind, start, u, v_start, u, delta, min_hold, seg, m, tasks)
                m = _emit_rest(r, u, t, delta, min_hold, seg, m, tasks)
                start = t
                v_start = t
            elif right:  # what comes before the pause moves by less than δ: the move starts after it
                m = _emit_rest(r, start, t, delta, min_hold, seg, m, tasks)
                start = t
                v_start = t
            elif left:  # … or after it: the move ends where the pause begins, the rest is a pause
                m = _emit_piece(r, kind, start, u, v_start, u, delta, min_hold, seg, m, tasks)
                return _emit_rest(r, u, b0, delta, min_hold, seg, m, tasks)
    m = _emit_piece(r, kind, start, s1, v_start, v_end, delta, min_hold, seg, m, tasks)
    return _emit_rest(r, s1, b0, delta, min_hold, seg, m, tasks)


@jit_noalloc
def _fine_segments(
    r: FloatArray,
    piv: IntArray,
    n: int,
    delta: float,
    tol: float,
    min_hold: int,
    seg: IntArray,
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
    into the rows of `seg` (5, ≥ 2T + 4) int64 and returns their number.
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
            m = _emit_hold(r, cursor, a, HOLD_BAND_RATIO * delta, seg, m)
        m = _emit_move(r, p, q, a, b, delta, min_hold, seg, m, tasks)
        cursor = b
    if T - 1 - cursor >= min_hold and _range_of(r, cursor, T - 1) <= HOLD_BAND_RATIO * delta:
        m = _emit_hold(r, cursor, T - 1, HOLD_BAND_RATIO * delta, seg, m)
    return m


@jit_noalloc
def _write_segments(
    r: FloatArray,
    offset: int,
    out: IntArray,
    operiod: FloatArray,
    n: int,
    ints: IntArray,
    floats: FloatArray,
    o: int,
) -> None:
    """Write the n segments of one defined stretch r (starting at frame `offset` of its channel) with their
    statistics into columns o … o + n − 1 of `ints` and `floats` (the layout of `segment_rows`).

    out: (6, ≥ n) int64 rows kind, start, end, cycles, frame of the start value, frame of the end value
    (frames within r); operiod: (≥ n,) period in frames of each oscillation.
    """
    for k in range(n):
        kind = out[0, k]
        a = out[1, k]
        b = out[2, k]
        ints[0, o] = kind
        ints[1, o] = a + offset
        ints[2, o] = b + offset
        ints[3, o] = out[3, k]
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
        if kind == INCREASES:  # the extremes: of the turning points, or of the span where it is cut
            floats[0, o] = min(r[out[4, k]], lo)
            floats[1, o] = max(r[out[5, k]], hi)
        elif kind == DECREASES:
            floats[0, o] = max(r[out[4, k]], hi)
            floats[1, o] = min(r[out[5, k]], lo)
        else:
            floats[0, o] = r[a]
            floats[1, o] = r[b]
        floats[2, o] = acc / (b + 1 - a)
        floats[5, o] = operiod[k] if kind == OSCILLATES else 0.0
        floats[3, o] = lo
        floats[4, o] = hi
        o += 1


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

    Every work array is allocated here, once per call; the helpers allocate nothing (`jit_noalloc`).
    """
    C, T = rows.shape
    counts = np.zeros(C, dtype=np.int64)
    cap = 4 * C + 16
    ints = np.empty((4, cap), dtype=np.int64)
    floats = np.empty((6, cap))
    cand = np.empty(T + 1, dtype=np.int64)
    piv = np.empty(T + 2, dtype=np.int64)
    n_buf = 2 * T + 4
    seg = np.empty((5, n_buf), dtype=np.int64)  # a channel's moves and holds: kind, a, b, va, vb
    # … after the cycle collapse: kind, a, b, cycles, va, vb; and the period of each oscillation (every entry
    # read is written first: by the cycle collapse, or by the copy below)
    out = np.empty((6, n_buf), dtype=np.int64)
    operiod = np.empty(n_buf)
    tasks = np.empty((5, n_buf), dtype=np.int64)
    iwork = np.empty((COLLAPSE_INT_ROWS, n_buf + 2), dtype=np.int64)
    for k in range(n_buf + 2):
        iwork[8, k] = k
    fwork = np.empty((COLLAPSE_FLOAT_ROWS, n_buf + 2))
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
                n_fine = _fine_segments(r, piv, n_piv, delta[c], hold_tol[c], min_hold[c], seg, tasks)
                if cycles[c]:
                    n_fine = _collapse_cycles(r, delta[c], seg, n_fine, out, operiod, iwork, fwork)
                else:
                    out[0, :n_fine] = seg[0, :n_fine]
                    out[1, :n_fine] = seg[1, :n_fine]
                    out[2, :n_fine] = seg[2, :n_fine]
                    out[3, :n_fine] = 0
                    out[4, :n_fine] = seg[3, :n_fine]
                    out[5, :n_fine] = seg[4, :n_fine]
                    operiod[:n_fine] = 0.0
                if total + m + n_fine > cap:
                    cap = 2 * (total + m + n_fine)
                    grown_ints = np.empty((4, cap), dtype=np.int64)
                    grown_ints[:, : total + m] = ints[:, : total + m]
                    ints = grown_ints
                    grown_floats = np.empty((6, cap))
                    grown_floats[:, : total + m] = floats[:, : total + m]
                    floats = grown_floats
                _write_segments(r, s, out, operiod, n_fine, ints, floats, total + m)
                m += n_fine
            s = e
        counts[c] = m
        total += m
    return counts, ints[:, :total], floats[:, :total]
