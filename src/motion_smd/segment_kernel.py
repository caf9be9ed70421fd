"""Compiled kernel of the temporal segmentation (spec/smd_format.md, "Segments"): turning points with
hysteresis, holds, rises/falls, cycle collapse and segment statistics of every channel of a clip in one call.

Compiled with numba (see `motion_smd.compiled`). Everything here is integer logic, comparisons and IEEE
additions/divisions in a fixed order, so the compiled and the interpreted code give bit-identical results
(a test compares them on real motion). `motion_smd.segmentation` imports this module lazily.

Kinds are small integers: INCREASES, DECREASES, HOLDS, OSCILLATES (indices into `description.SEGMENT_KINDS`).
The algorithm (turning points, plateaus, raw segments, cycles) is documented in `motion_smd.segmentation`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from motion_smd.compiled import jit

INCREASES, DECREASES, HOLDS, OSCILLATES = 0, 1, 2, 3
"""Segment kind codes: indices into `motion_smd.description.SEGMENT_KINDS`."""

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
def _plateaus(x: FloatArray, piv: IntArray, n: int, tol: float, pa: IntArray, pb: IntArray) -> None:
    """For each turning point p = piv[i]: the frames [pa[i], pb[i]] around p, bounded by the neighbouring
    turning points (0 and T − 1 at the ends), where |x − x[p]| stays ≤ tol (contiguous)."""
    T = x.shape[0]
    for i in range(n):
        p = piv[i]
        ref = x[p]
        lo = piv[i - 1] if i > 0 else 0
        hi = piv[i + 1] if i < n - 1 else T - 1
        a = lo
        t = p - 1
        while t >= lo:
            if abs(x[t] - ref) > tol:
                a = t + 1
                break
            t -= 1
        b = hi
        t = p + 1
        while t <= hi:
            if abs(x[t] - ref) > tol:
                b = t - 1
                break
            t += 1
        pa[i] = a
        pb[i] = b


@jit
def _raw_segments(
    x: FloatArray,
    piv: IntArray,
    n: int,
    pa: IntArray,
    pb: IntArray,
    delta: float,
    min_hold: int,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
) -> int:
    """Holds, rises and falls of one column from its turning points and their plateaus (modifies pa, pb).

    Writes (kind, start_frame, end_frame) into rk, ra, rb and returns their number.
    """
    T = x.shape[0]
    off = 0
    if n >= 2 and abs(x[piv[n - 1]] - x[piv[n - 2]]) < delta:
        # merge the last pivot (clip end) into the final extreme: that stretch never moved by δ
        pb[n - 2] = T - 1
        n -= 1
    if n >= 2 and abs(x[piv[1]] - x[piv[0]]) < delta:
        # likewise merge the clip start into the first extreme when the stretch before it moved by < δ
        pa[1] = 0
        off = 1
        n -= 1
    m = 0
    cursor = 0
    for i in range(n):
        a = pa[off + i]
        b = pb[off + i]
        if b - a >= min_hold:
            if a <= cursor or abs(x[a] - x[cursor]) < delta:
                # the plateau reaches back to (or past) the cursor, or what comes before it changes by less
                # than δ (no move by definition): it joins the previous hold, or starts at the cursor
                if m > 0 and rk[m - 1] == HOLDS:
                    m -= 1
                    a = ra[m]
                else:
                    a = cursor
            else:
                rk[m] = INCREASES if x[a] > x[cursor] else DECREASES
                ra[m] = cursor
                rb[m] = a
                m += 1
            rk[m] = HOLDS
            ra[m] = a
            rb[m] = b
            m += 1
            cursor = b
        elif i > 0:
            p = piv[off + i]
            if p > cursor:
                rk[m] = INCREASES if x[p] > x[cursor] else DECREASES
                ra[m] = cursor
                rb[m] = p
                m += 1
                cursor = p
    if cursor < T - 1:
        if m > 0 and (rk[m - 1] != HOLDS or abs(x[T - 1] - x[cursor]) < delta):
            rb[m - 1] = T - 1  # extend the last move, or the last hold over a tail that moves < δ
        else:
            rk[m] = INCREASES if x[T - 1] > x[cursor] else DECREASES
            ra[m] = cursor
            rb[m] = T - 1
            m += 1
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
    """Median of values[:n] (n ≥ 1), sorting a copy in `work`."""
    for i in range(n):
        _insort(work, i, values[i])
    return _sorted_median(work, n)


@jit
def _compound_cycles(
    x: FloatArray,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    n: int,
    i: int,
    moves: IntArray,
    amps: FloatArray,
    durs_sorted: FloatArray,
    spans: FloatArray,
    work: FloatArray,
) -> tuple[int, int]:
    """Cycles of `COMPOUND_CYCLE_MOVES` moves (two peaks per cycle, e.g. knee flexion in gait: loading
    response, then swing) starting at segment i.

    The chain of moves from i (holds up to HOLD_IN_CYCLE_RATIO × the median move are skipped) is cut into
    cycles of COMPOUND_CYCLE_MOVES moves; a cycle joins the run when each of its moves has an amplitude
    within CYCLE_AMPLITUDE_RATIO of the median amplitude of the moves at the same position in the earlier
    cycles, and its duration is within CYCLE_DURATION_RATIO of their median duration. Moves are gathered
    lazily, so the work stops at the first cycle that does not fit (O(run length)).

    Returns:
        (number of cycles, index of the last move of the last cycle); (0, i) when fewer than two cycles.
    """
    k = COMPOUND_CYCLE_MOVES
    n_moves = 0
    n_spans = 0
    j = i
    while True:
        while n_moves < (n_spans + 1) * k and j < n:
            a = ra[j]
            b = rb[j]
            if rk[j] == HOLDS:
                if (
                    n_moves == 0
                    or j + 1 >= n
                    or rk[j + 1] == HOLDS
                    or b - a > HOLD_IN_CYCLE_RATIO * _sorted_median(durs_sorted, n_moves)
                ):
                    j = n  # the chain ends here
                    break
            else:
                moves[n_moves] = j
                amps[n_moves] = abs(x[b] - x[a])
                _insort(durs_sorted, n_moves, float(max(b - a, 1)))
                n_moves += 1
            j += 1
        c = n_spans * k
        if n_moves < c + k:
            break
        span = float(rb[moves[c + k - 1]] - ra[moves[c]])
        if n_spans > 0:
            med_span = _median_of(spans, n_spans, work)
            if not med_span / CYCLE_DURATION_RATIO <= span <= med_span * CYCLE_DURATION_RATIO:
                break
            same_shape = True
            for p in range(k):
                for q in range(n_spans):
                    _insort(work, q, amps[q * k + p])
                ref = _sorted_median(work, n_spans)
                amp = amps[c + p]
                if not (ref > 0 and ref / CYCLE_AMPLITUDE_RATIO <= amp <= ref * CYCLE_AMPLITUDE_RATIO):
                    same_shape = False
                    break
            if not same_shape:
                break
        spans[n_spans] = span
        n_spans += 1
    if n_spans < MIN_CYCLES:
        return 0, i
    return n_spans, moves[n_spans * k - 1]


@jit
def _collapse_cycles(
    x: FloatArray,
    rk: IntArray,
    ra: IntArray,
    rb: IntArray,
    n: int,
    ok: IntArray,
    oa: IntArray,
    ob: IntArray,
    oc: IntArray,
) -> int:
    """Collapse runs of alternating, similar rises and falls into "oscillates" segments.

    A run is a maximal sequence of moves (increases/decreases; short holds between them are absorbed) in
    which every move's amplitude is within `CYCLE_AMPLITUDE_RATIO` and its duration within
    `CYCLE_DURATION_RATIO` of the run's running medians. Runs with at least `MIN_CYCLES` rise/fall pairs
    become one segment with cycles = number of pairs; an unpaired last move stays separate. Otherwise
    compound cycles (`_compound_cycles`) are tried.

    Writes (kind, start, end, cycles) into ok, oa, ob, oc and returns their number.
    """
    amps = np.empty(n + 1)
    durs = np.empty(n + 1)
    moves = np.empty(n + 1, dtype=np.int64)
    spans = np.empty(n + 1)
    work = np.empty(n + 1)
    m = 0
    i = 0
    while i < n:
        if rk[i] == HOLDS:
            ok[m], oa[m], ob[m], oc[m] = rk[i], ra[i], rb[i], 0
            m += 1
            i += 1
            continue
        n_moves = 1
        pair_end = i
        amps[0] = abs(x[rb[i]] - x[ra[i]])  # amps[:n_moves] and durs[:n_moves] are kept sorted
        durs[0] = float(max(rb[i] - ra[i], 1))
        j = i + 1
        while j < n:
            a = ra[j]
            b = rb[j]
            dur_med = _sorted_median(durs, n_moves)
            if rk[j] == HOLDS:
                # a pause inside a run (at most HOLD_IN_CYCLE_RATIO × the median move) is absorbed when a
                # move follows it; the move itself is then tested for similarity
                if j + 1 < n and rk[j + 1] != HOLDS and b - a <= HOLD_IN_CYCLE_RATIO * dur_med:
                    j += 1
                    continue
                break
            amp_med = _sorted_median(amps, n_moves)
            amp = abs(x[b] - x[a])
            dur = float(max(b - a, 1))
            if not (
                amp_med > 0
                and amp_med / CYCLE_AMPLITUDE_RATIO <= amp <= amp_med * CYCLE_AMPLITUDE_RATIO
                and dur_med / CYCLE_DURATION_RATIO <= dur <= dur_med * CYCLE_DURATION_RATIO
            ):
                break
            _insort(amps, n_moves, amp)
            _insort(durs, n_moves, dur)
            n_moves += 1
            if n_moves & 1 == 0:
                pair_end = j
            j += 1
        pairs = n_moves // 2
        if pairs >= MIN_CYCLES:
            ok[m], oa[m], ob[m], oc[m] = OSCILLATES, ra[i], rb[pair_end], pairs
            m += 1
            i = pair_end + 1
            continue
        cycles, end = _compound_cycles(x, rk, ra, rb, n, i, moves, amps, durs, spans, work)
        if cycles >= MIN_CYCLES:
            ok[m], oa[m], ob[m], oc[m] = OSCILLATES, ra[i], rb[end], cycles
            i = end + 1
        else:
            ok[m], oa[m], ob[m], oc[m] = rk[i], ra[i], rb[i], 0
            i += 1
        m += 1
    return m


@jit
def segment_rows(
    rows: FloatArray, delta: FloatArray, hold_tol: FloatArray, min_hold: IntArray, cycles: NDArray[np.bool_]
) -> tuple[IntArray, IntArray, FloatArray]:
    """Segments of every row of `rows` (one channel per row), with their statistics.

    Args:
        rows: (C, T) float64, C-contiguous, T ≥ 2: each channel's (smoothed) series, channel unit.
        delta: (C,) hysteresis thresholds δ (> 0).
        hold_tol: (C,) hold tolerances (a hold stays within this distance of its turning point).
        min_hold: (C,) int64 shortest hold, frames (≥ 1).
        cycles: (C,) bool, collapse oscillations.

    Returns:
        counts: (C,) int64, segments per row. The N = counts.sum() segments follow row after row, each row
            in time order:
        ints: (4, N) int64 rows kind (code: index into `description.SEGMENT_KINDS`), start_frame, end_frame,
            cycles;
        floats: (5, N) float64 rows start_value, end_value, mean_value, min_value, max_value. The mean is
            taken from prefix sums, (P[b + 1] − P[a]) / (b + 1 − a) with P[t + 1] = P[t] + x[t] (P[1] = x[0]),
            the same additions as `np.cumsum`.
    """
    C, T = rows.shape
    counts = np.zeros(C, dtype=np.int64)
    cap = 4 * C + 16
    ints = np.empty((4, cap), dtype=np.int64)
    floats = np.empty((5, cap))
    cand = np.empty(T + 1, dtype=np.int64)
    piv = np.empty(T + 2, dtype=np.int64)
    pa = np.empty(T + 2, dtype=np.int64)
    pb = np.empty(T + 2, dtype=np.int64)
    rk = np.empty(2 * T + 4, dtype=np.int64)
    ra = np.empty(2 * T + 4, dtype=np.int64)
    rb = np.empty(2 * T + 4, dtype=np.int64)
    ok = np.empty(2 * T + 4, dtype=np.int64)
    oa = np.empty(2 * T + 4, dtype=np.int64)
    ob = np.empty(2 * T + 4, dtype=np.int64)
    oc = np.zeros(2 * T + 4, dtype=np.int64)
    prefix = np.empty(T + 1)
    total = 0
    for c in range(C):
        x = rows[c]
        n_cand = local_extrema_into(x, cand)
        n_piv = turning_points_into(x, cand, n_cand, delta[c], piv)
        _plateaus(x, piv, n_piv, hold_tol[c], pa, pb)
        m = _raw_segments(x, piv, n_piv, pa, pb, delta[c], min_hold[c], rk, ra, rb)
        if cycles[c]:
            m = _collapse_cycles(x, rk, ra, rb, m, ok, oa, ob, oc)
        else:
            ok[:m] = rk[:m]
            oa[:m] = ra[:m]
            ob[:m] = rb[:m]
            oc[:m] = 0
        if total + m > cap:
            cap = 2 * (total + m)
            grown_ints = np.empty((4, cap), dtype=np.int64)
            grown_ints[:, :total] = ints[:, :total]
            ints = grown_ints
            grown_floats = np.empty((5, cap))
            grown_floats[:, :total] = floats[:, :total]
            floats = grown_floats
        prefix[0] = 0.0
        prefix[1] = x[0]
        for t in range(1, T):
            prefix[t + 1] = prefix[t] + x[t]
        for s in range(m):
            a = oa[s]
            b = ob[s]
            o = total + s
            ints[0, o] = ok[s]
            ints[1, o] = a
            ints[2, o] = b
            ints[3, o] = oc[s]
            lo = x[a]
            hi = x[a]
            for t in range(a + 1, b + 1):
                v = x[t]
                if v < lo:
                    lo = v
                if v > hi:
                    hi = v
            floats[0, o] = x[a]
            floats[1, o] = x[b]
            floats[2, o] = (prefix[b + 1] - prefix[a]) / (b + 1 - a)
            floats[3, o] = lo
            floats[4, o] = hi
        counts[c] = m
        total += m
    return counts, ints[:, :total], floats[:, :total]
