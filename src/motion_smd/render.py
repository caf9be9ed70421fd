"""Text renderer of a Description: SMD format version 2 (spec/smd_format.md).

Deterministic: fixed section order, fixed rounding (whole degrees, centimetres for segment positions,
millimetres for static positions, 0.1 s for times), no locale dependence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motion_smd.angles import BODY_PARTS
from motion_smd.description import SEGMENT_KINDS, Channel, Description, SegmentTable
from motion_smd.sentences import SAY

HOLDS, OSCILLATES = SEGMENT_KINDS.index("holds"), SEGMENT_KINDS.index("oscillates")


def _round_half_up(v: float, digits: int = 0) -> float:
    """Round half away from zero at `digits` decimals; never returns −0."""
    scale = 10.0**digits
    r = math.floor(abs(v) * scale + 0.5) / scale
    r = math.copysign(r, v)
    return 0.0 if r == 0 else r


def fmt_deg(v: float) -> str:
    """Whole degrees rounded half away from zero, e.g. "-12°" (never "-0°"); `int(_round_half_up(v))`
    written out, as this is the renderer's most frequent call."""
    r = math.floor(abs(v) + 0.5)
    return f"-{r}°" if v < 0 and r else f"{r}°"


def fmt_m(v: float, digits: int = 2) -> str:
    """Metres with `digits` decimals, e.g. "0.95m"."""
    return f"{_round_half_up(v, digits):.{digits}f}m"


@lru_cache(maxsize=8192)
def fmt_s(v: float) -> str:
    """Seconds with one decimal, e.g. "3.4s"."""
    return f"{_round_half_up(v, 1):.1f}s"


def _fmt_value(ch: Channel, v: float) -> str:
    return fmt_deg(v) if ch.unit == "deg" else fmt_m(v)


def _half_away(v: NDArray[np.float64], scale: float) -> NDArray[np.int64]:
    """Signed integers floor(|v|·scale + 0.5) with the sign of v: `_round_half_up(v, digits) · 10^digits`
    (the same floating-point operations), element-wise."""
    k = np.floor(np.abs(v) * scale + 0.5)
    return np.where(v < 0, -k, k).astype(np.int64)


def _deg_text(k: int) -> str:
    """Whole degrees as `fmt_deg` writes them, e.g. -12 → "-12°"."""
    return f"{k}°"


def _cm_text(k: int) -> str:
    """Hundredths of a metre as `fmt_m` writes them, e.g. -95 → "-0.95m"."""
    return f"-{-k // 100}.{-k % 100:02d}m" if k < 0 else f"{k // 100}.{k % 100:02d}m"


def _tenths_text(k: int) -> str:
    """k (≥ 0) tenths of a second as `fmt_s` writes them, e.g. 34 → "3.4s"."""
    return f"{k // 10}.{k % 10}s"


class _IntTexts:
    """Integers written as text by `write`, each value once per process: a lookup table over the range of
    values seen so far, grown on demand (degrees and times repeat across a clip's thousands of segments)."""

    MAX_TABLE = 200_000
    """Ranges wider than this are written value by value instead of tabled."""

    def __init__(self, write: Callable[[int], str]) -> None:
        self.write = write
        self.table: tuple[int, NDArray[np.object_]] = (0, np.empty(0, dtype=object))  # (first value, texts)

    def __call__(self, codes: NDArray[np.int64]) -> list[Any]:
        """`codes` (any shape, int64) as nested lists of their texts."""
        if codes.size == 0:
            return [] if codes.ndim == 1 else [[] for _ in range(codes.shape[0])]
        lo, hi = int(codes.min()), int(codes.max())
        first, texts = self.table
        if lo < first or hi >= first + len(texts):
            if len(texts):
                lo, hi = min(lo, first), max(hi, first + len(texts) - 1)
            if hi - lo >= self.MAX_TABLE:
                return (
                    [[self.write(k) for k in row] for row in codes.tolist()]
                    if codes.ndim == 2
                    else [self.write(k) for k in codes.tolist()]
                )
            texts = np.array([self.write(k) for k in range(lo, hi + 1)], dtype=object)
            first = lo
            self.table = (first, texts)  # one assignment: a concurrent reader sees the old or the new table
        out: list[Any] = texts[codes - first].tolist()
        return out


_DEGREES = _IntTexts(_deg_text)
_CENTIMETRES = _IntTexts(_cm_text)
_TENTHS = _IntTexts(_tenths_text)

START, END, MIN, MAX, LEVEL = 0, 1, 3, 4, 5
"""Rows of `_TableText.values` a line prints: start, end, min, max and the hold level (row 2, the mean, is not
printed)."""

T_START, T_END, T_PERIOD, T_DURATION = 0, 1, 2, 3
"""Rows of `_TableText.tenths`: start, end, period, and the duration between the rounded ends."""


class _TableText:
    """The numbers of a segment table rounded as the text shows them, for all rows in one vectorised pass:
    values in whole degrees (`deg_codes`: start, end, mean, min, max and a hold's level), times in tenths of a
    second (`tenths`: start, end, period, and the duration between the rounded ends); written as text for
    the rows a line needs (`_rows_lines`, `_segment_lines`)."""

    def __init__(self, table: SegmentTable) -> None:
        self.kind_codes = table.kind
        self.cycle_counts = table.frames[2]
        # rows start, end, mean, min, max of the table, and the level a hold is printed at: the middle of
        # its band, (min + max) / 2, within half its range of every value it holds
        n = table.kind.shape[0]
        self.values = np.empty((6, n))
        self.values[:5] = table.values
        np.add(table.values[3], table.values[4], out=self.values[5])
        self.values[5] /= 2.0
        self.deg_codes = _half_away(self.values, 1.0)
        codes = np.empty((4, n))
        np.floor(table.times_s * 10.0 + 0.5, out=codes[:3])  # times are ≥ 0
        np.floor(np.abs(codes[1] / 10.0 - codes[0] / 10.0) * 10.0 + 0.5, out=codes[3])  # duration
        self.tenths = codes.astype(np.int64)
        self.lines: dict[int, list[str]] = {}
        """Segment lines made ahead by `prepare`, by the channel's first row."""

    def prepare(self, channels: Sequence[Channel]) -> None:
        """Make the segment lines of all `channels` (with segments, not the heading) in one pass (`_rows_lines`)
        and keep them for `_segment_lines`."""
        chans = [ch for ch in channels if not ch.static and ch.id != "heading"]
        for ch, lines in zip(chans, _rows_lines(self, chans), strict=True):
            self.lines[ch.rows[0]] = lines


def channel_lines(ch: Channel, text: _TableText | None = None) -> list[str]:
    """Segment lines of a channel (spec/smd_format.md, "Segments"); a static channel gives one
    "holds at … throughout" line.

    Args:
        ch: the channel.
        text: `_TableText(ch.table)` when several channels of one table are rendered (made here if None).
    """
    if ch.undefined_frames:
        return _partly_undefined_lines(ch, text)
    if ch.static:
        return [SAY["static"](_fmt_value(ch, ch.level_value))]
    return _segment_lines(ch, text)


UNDEFINED_WHILE = {"hip_rotation": "the knee is nearly straight", "shoulder_rotation": "the elbow is nearly straight"}
"""Why an angle is undefined in some frames, by angle id without its side (the axial rotations)."""


def _partly_undefined_lines(ch: Channel, text: _TableText | None) -> list[str]:
    """Lines of a channel that is undefined (NaN) in some frames: its segments over the defined stretches,
    then one line saying where it is undefined; or one line when it is never defined."""
    why = UNDEFINED_WHILE.get(ch.id.removesuffix("_r").removesuffix("_l"), "it is not measurable")
    if ch.undefined_frames == len(ch.values):
        return [SAY["undefined_throughout"](why)]
    if not ch.static:
        out = _segment_lines(ch, text)
    elif ch.range_value < ch.delta:
        out = [SAY["static_where_defined"](_fmt_value(ch, ch.level_value))]
    else:  # defined only in stretches too short to segment
        lo, hi = np.nanmin(ch.values), np.nanmax(ch.values)
        out = [SAY["brief_where_defined"](_fmt_value(ch, lo), _fmt_value(ch, hi))]
    return [*out, SAY["undefined_in"](ch.undefined_frames, len(ch.values), why)]


_N_KINDS = len(SEGMENT_KINDS)


def _rows_lines(t: _TableText, channels: Sequence[Channel]) -> list[list[str]]:
    """The segment lines of each channel (with segments; increases/decreases written as moves, so not the
    heading), in one pass over all their rows: the rows are grouped by segment kind and unit (degrees, then
    metres), each number a line prints is written as text once for all rows (a hold's level, an oscillation's
    min and max, a move's start and end value; start, end, and period or duration), each group's sentence
    is mapped over its slice, and the lines are put back in row order (C-level `itemgetter`)."""
    if not channels:
        return []
    sizes = [ch.rows[1] - ch.rows[0] for ch in channels]
    firsts = np.array([ch.rows[0] for ch in channels], dtype=np.int64)
    # the channels' row ranges one after another: position p of channel c is row firsts[c] + (p − its offset)
    offsets = np.cumsum(sizes) - sizes
    n = int(offsets[-1]) + sizes[-1]
    rows = np.arange(n, dtype=np.int64) + np.repeat(firsts - offsets, sizes)
    metre = np.repeat(np.array([ch.unit != "deg" for ch in channels]), sizes)
    group = t.kind_codes[rows] + _N_KINDS * metre  # kind, degrees first
    order = np.argsort(group, kind="stable")
    sel, kind = rows[order], group[order] % _N_KINDS
    counts = np.bincount(group, minlength=2 * _N_KINDS).tolist()
    n_deg = sum(counts[:_N_KINDS])
    # the two values a line prints (rows of `values`), and its times: start, end, and period or duration
    osc = kind == OSCILLATES
    value_rows = np.stack((np.where(kind == HOLDS, LEVEL, np.where(osc, MIN, START)), np.where(osc, MAX, END)))
    value_a, value_b = _DEGREES(t.deg_codes[value_rows[:, :n_deg], sel[:n_deg]])
    if n_deg < n:  # the metre channels' values in centimetres
        cm_a, cm_b = _CENTIMETRES(_half_away(t.values[value_rows[:, n_deg:], sel[n_deg:]], 100.0))
        value_a += cm_a
        value_b += cm_b
    times = t.tenths[:, sel]
    times[T_DURATION] = np.where(osc, times[T_PERIOD], times[T_DURATION])  # (a copy of the table's times)
    start, end, last = _TENTHS(times[[T_START, T_END, T_DURATION]])
    cycles: list[int] = t.cycle_counts[sel].tolist()
    made: list[str] = []
    i = 0
    for g, count in enumerate(counts):
        if not count:
            continue
        j = i + count
        k = g % _N_KINDS
        say = SAY[SEGMENT_KINDS[k]]
        if k == HOLDS:
            made += map(say, value_a[i:j], start[i:j], end[i:j], last[i:j])
        elif k == OSCILLATES:
            made += map(say, cycles[i:j], value_a[i:j], value_b[i:j], start[i:j], end[i:j], last[i:j])
        else:
            made += map(say, value_a[i:j], value_b[i:j], start[i:j], end[i:j], last[i:j])
        i = j
    # back to row order: position p's line is made[rank[p]]
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n)
    ordered: Sequence[str] = itemgetter(*rank.tolist())(made) if n > 1 else made
    out, i = [], 0
    for size in sizes:
        out.append(list(ordered[i : i + size]))
        i += size
    return out


def _segment_lines(ch: Channel, text: _TableText | None) -> list[str]:
    """The segment lines of a channel with segments (see `channel_lines`): one sentence of
    `motion_smd.sentences` per segment (made ahead by `_TableText.prepare` when it was called)."""
    t = text or _TableText(ch.table)
    a, b = ch.rows
    if a in t.lines:
        return t.lines[a]
    if ch.id != "heading":
        return _rows_lines(t, [ch])[0]
    # a heading move is a turn: which way by its sign (+ = left), how far as printed
    sl = slice(a, b)
    v0, v1, lo, hi, level = _DEGREES(t.deg_codes[[START, END, MIN, MAX, LEVEL], sl])
    start, end, period, dur = _TENTHS(t.tenths[:, sl])
    kind, cycles = t.kind_codes[sl].tolist(), t.cycle_counts[sl].tolist()
    holds, oscillates, turns = SAY["holds"], SAY["oscillates"], SAY["turns"]
    rising = (ch.table.values[1, sl] > ch.table.values[0, sl]).tolist()
    turned = np.abs(t.deg_codes[END, sl] - t.deg_codes[START, sl]).tolist()
    return [
        holds(level[i], start[i], end[i], dur[i])
        if kind[i] == HOLDS
        else oscillates(cycles[i], lo[i], hi[i], start[i], end[i], period[i])
        if kind[i] == OSCILLATES
        else turns("left" if rising[i] else "right", _deg_text(turned[i]), v0[i], v1[i], start[i], end[i], dur[i])
        for i in range(b - a)
    ]


def _trajectory_label(ch: Channel) -> str:
    if ch.id == "lateral":
        return "Lateral Position (+ = left)"
    if ch.id == "heading":
        return "Heading (+ = turned left)"
    return ch.name


def render_trajectory(desc: Description, text: _TableText | None = None) -> list[str]:
    """The "Trajectory:" summary line and the "Global Trajectory:" block (`text`: see `channel_lines`)."""
    text = text or _TableText(desc.trajectory[0].table)
    s = desc.summary
    line = (
        f"Trajectory: displacement {fmt_m(s.displacement_m)}, height change "
        f"{'+' if _round_half_up(s.height_change_m, 2) >= 0 else ''}{fmt_m(s.height_change_m)}, "
        f"avg height {fmt_m(s.avg_height_m)}"
    )
    if s.travels:
        line += f", path length {fmt_m(s.path_length_m)}, mean speed {_round_half_up(s.mean_speed_m_s, 2):.2f}m/s"
    out = [line, "Global Trajectory:"]
    for ch in desc.trajectory:
        label = _trajectory_label(ch)
        if ch.static:
            value = fmt_deg(ch.level_value) if ch.unit == "deg" else fmt_m(ch.level_value, 3)
            out.append(SAY["static_trajectory"](label, value))
        else:
            out.append(f"{label}:")
            out.extend(channel_lines(ch, text))
    return out


def render_timeline(desc: Description) -> list[str]:
    """The "Timeline:" section: one line per event of `motion_smd.events.motion_events` ("[0.5s–2.5s] turns
    left 90°"), or "Timeline: no body-level events"."""
    from motion_smd.events import motion_events  # here: events needs the describer, rendering alone does not

    events = motion_events(desc)
    if not events:
        return ["Timeline: no body-level events"]
    return ["Timeline:", *(e.line() for e in events)]


def _fmt_fps(fps: float) -> str:
    return f"{fps:.0f}" if abs(fps - round(fps)) < 1e-9 else f"{fps:.2f}".rstrip("0")


def render_smd(desc: Description) -> str:
    """Render a Description as SMD text (format version 2).

    Variants come from `desc.options`: `top_k` keeps the K angles with the largest range of motion
    (groups in the fixed body-part order), `trajectory=False` drops both trajectory sections, `timeline=True`
    adds the "Timeline:" section after the header (a summary first: it survives a prompt budget that cuts
    the text's end), `joint_angles=False` drops the "Joint Angles:" section.

    Returns:
        The text, lines joined with "\\n", no trailing newline.
    """
    lines = [f"Motion: {fmt_s(desc.duration_s)} ({desc.n_frames} frames at {_fmt_fps(desc.fps)} FPS)"]
    if desc.note:
        lines.append(f"Input: {desc.note}")
    text = _TableText(desc.angles[0].table)  # every channel of a Description shares one table
    shown = desc.selected_angles()
    text.prepare([*(desc.trajectory if desc.options.trajectory else ()), *(shown if desc.options.joint_angles else ())])
    if desc.options.timeline:
        lines.extend(render_timeline(desc))
    if desc.options.trajectory:
        lines.extend(render_trajectory(desc, text))
    if not desc.options.joint_angles:
        return "\n".join(lines)
    lines.append("Joint Angles:")
    groups: dict[str, list[Channel]] = {}
    for ch in shown:
        groups.setdefault(ch.group, []).append(ch)
    for part in BODY_PARTS:
        if part not in groups:
            continue
        lines.append(f"[{part}]")
        for ch in groups[part]:
            lines.append(f"{ch.name} ({ch.gloss}):")
            lines.extend(channel_lines(ch, text))
    return "\n".join(lines)
