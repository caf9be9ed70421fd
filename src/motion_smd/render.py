"""Text renderer of a Description: SMD format version 2 (spec/smd_format.md).

Deterministic: fixed section order, fixed rounding (whole degrees, centimetres for segment positions,
millimetres for static positions, 0.1 s for times), no locale dependence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
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

    def cover(self, lo: int, hi: int) -> bool:
        """Grow the table to cover the values lo … hi; False (table unchanged) when that range would be wider
        than MAX_TABLE."""
        first, texts = self.table
        if first <= lo and hi < first + len(texts):
            return True
        if len(texts):
            lo, hi = min(lo, first), max(hi, first + len(texts) - 1)
        if hi - lo >= self.MAX_TABLE:
            return False
        # one assignment: a concurrent reader sees the old or the new table (which covers the old one's range)
        self.table = (lo, np.array([self.write(k) for k in range(lo, hi + 1)], dtype=object))
        return True

    def __call__(self, codes: NDArray[np.int64], covered: bool = False) -> list[str]:
        """`codes` (1-D int64) as a list of their texts; `covered`: the caller has made the table `cover`
        every code (no range check here)."""
        if codes.size == 0:
            return []
        if not covered and not self.cover(int(codes.min()), int(codes.max())):
            return [self.write(k) for k in codes.tolist()]
        first, texts = self.table
        out: list[str] = texts[codes - first].tolist()
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
    """The numbers of a segment table as the text shows them: values in whole degrees (or centimetres for the
    metre channels) and times in tenths of a second, rounded for all rows in one vectorised pass (`deg_codes`,
    `tenths`) and written as text for the rows a caller selects (`deg`, `cm`, `times`)."""

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
        # the text tables made to cover every number of the table at once (one range check per table)
        self._deg_covered = n > 0 and _DEGREES.cover(int(self.deg_codes.min()), int(self.deg_codes.max()))
        self._tenths_covered = n > 0 and _TENTHS.cover(int(self.tenths.min()), int(self.tenths.max()))
        self.lines: dict[int, list[str]] = {}
        """Segment lines made ahead by `prepare`, by the channel's first row."""

    def deg(self, row: int, sel: NDArray[np.intp] | slice) -> list[str]:
        """Values of `row` (START … LEVEL) at the table rows `sel`, in whole degrees ("-12°")."""
        return _DEGREES(self.deg_codes[row, sel], self._deg_covered)

    def cm(self, row: int, sel: NDArray[np.intp] | slice) -> list[str]:
        """Values of `row` at the table rows `sel`, in metres with two decimals ("-0.95m")."""
        return _CENTIMETRES(_half_away(self.values[row, sel], 100.0))

    def times(self, row: int, sel: NDArray[np.intp] | slice) -> list[str]:
        """Times of `row` (T_START … T_DURATION) at the table rows `sel`, as "3.4s"."""
        return _TENTHS(self.tenths[row, sel], self._tenths_covered)

    def prepare(self, channels: Sequence[Channel]) -> None:
        """Make the segment lines of all `channels` (with segments, not the heading) in one pass, one sentence
        function mapped over each segment kind's rows (`_rows_lines`), and keep them for `_segment_lines`."""
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


_DECREASES, _INCREASES = SEGMENT_KINDS.index("decreases"), SEGMENT_KINDS.index("increases")


def _kind_lines(t: _TableText, kind: int, sel: NDArray[np.intp], metre: bool) -> Iterator[str]:
    """The lines of the table rows `sel`, all segments of one kind (increases/decreases written as moves) and of
    one unit (`metre`: centimetre values, else degrees); only the numbers the sentence prints are written."""
    value = t.cm if metre else t.deg
    cols: tuple[list[Any], ...]
    if kind == HOLDS:
        cols = (value(LEVEL, sel), t.times(T_START, sel), t.times(T_END, sel), t.times(T_DURATION, sel))
    elif kind == OSCILLATES:
        cols = (
            t.cycle_counts[sel].tolist(),
            value(MIN, sel),
            value(MAX, sel),
            t.times(T_START, sel),
            t.times(T_END, sel),
            t.times(T_PERIOD, sel),
        )
    else:
        cols = (
            value(START, sel),
            value(END, sel),
            t.times(T_START, sel),
            t.times(T_END, sel),
            t.times(T_DURATION, sel),
        )
    return map(SAY[SEGMENT_KINDS[kind]], *cols)


def _rows_lines(t: _TableText, channels: Sequence[Channel]) -> list[list[str]]:
    """The segment lines of each channel (with segments; increases/decreases written as moves, so not the
    heading): each segment kind's sentence is mapped over all the channels' rows of that kind and unit at once
    (`_kind_lines`), and the lines are put back in row order."""
    if not channels:
        return []
    sizes = [ch.rows[1] - ch.rows[0] for ch in channels]
    firsts = np.array([ch.rows[0] for ch in channels], dtype=np.int64)
    # the channels' row ranges one after another: position p of channel c is row firsts[c] + (p − its offset)
    offsets = np.cumsum(sizes) - sizes
    rows = np.arange(offsets[-1] + sizes[-1], dtype=np.int64) + np.repeat(firsts - offsets, sizes)
    kinds = t.kind_codes[rows]
    metre_at = np.repeat(np.array([ch.unit != "deg" for ch in channels]), sizes)
    positions: list[NDArray[np.intp]] = []
    made: list[str] = []
    for metre in (False, True) if metre_at.any() else (False,):
        of_unit = metre_at if metre else ~metre_at
        for k in (HOLDS, OSCILLATES, _INCREASES, _DECREASES):
            where = np.flatnonzero((kinds == k) & of_unit)
            if where.size:
                made += _kind_lines(t, k, rows[where], metre)
                positions.append(where)
    ordered = made if len(positions) == 1 else [made[i] for i in np.argsort(np.concatenate(positions)).tolist()]
    out, i = [], 0
    for n in sizes:
        out.append(ordered[i : i + n])
        i += n
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
    v0, v1, lo, hi, level = (t.deg(row, sl) for row in (START, END, MIN, MAX, LEVEL))
    start, end, dur, period = (t.times(row, sl) for row in (T_START, T_END, T_DURATION, T_PERIOD))
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
    the text's end).

    Returns:
        The text, lines joined with "\\n", no trailing newline.
    """
    lines = [f"Motion: {fmt_s(desc.duration_s)} ({desc.n_frames} frames at {_fmt_fps(desc.fps)} FPS)"]
    if desc.note:
        lines.append(f"Input: {desc.note}")
    text = _TableText(desc.angles[0].table)  # every channel of a Description shares one table
    shown = desc.selected_angles()
    text.prepare([*(desc.trajectory if desc.options.trajectory else ()), *shown])
    if desc.options.timeline:
        lines.extend(render_timeline(desc))
    if desc.options.trajectory:
        lines.extend(render_trajectory(desc, text))
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
