"""Text renderer of a Description: SMD format version 1 (spec/smd_format.md).

Deterministic: fixed section order, fixed rounding (whole degrees, centimetres for segment positions,
millimetres for static positions, 0.1 s for times), no locale dependence.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from motion_smd.angles import BODY_PARTS
from motion_smd.description import SEGMENT_KINDS, Channel, Description, SegmentTable

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


def _half_away(v: NDArray[np.float64], scale: float) -> list[list[int]]:
    """Signed integers floor(|v|·scale + 0.5) with the sign of v: `_round_half_up(v, digits) · 10^digits`
    (the same floating-point operations), element-wise."""
    k = np.floor(np.abs(v) * scale + 0.5)
    out: list[list[int]] = np.where(v < 0, -k, k).astype(np.int64).tolist()
    return out


def _deg_text(k: int) -> str:
    """Whole degrees as `fmt_deg` writes them, e.g. -12 → "-12°"."""
    return f"{k}°"


def _cm_text(k: int) -> str:
    """Hundredths of a metre as `fmt_m` writes them, e.g. -95 → "-0.95m"."""
    return f"-{-k // 100}.{-k % 100:02d}m" if k < 0 else f"{k // 100}.{k % 100:02d}m"


def _tenths_text(rows: list[list[int]]) -> dict[int, str]:
    """Each (non-negative) k in `rows` as `fmt_s` writes k tenths of a second, e.g. 34 → "3.4s"."""
    return {k: f"{k // 10}.{k % 10}s" for k in set().union(*rows)}


class _TableText:
    """The numbers of a segment table rounded as the text shows them, for all rows in one vectorised pass:
    values in whole degrees and in centimetres (the table's five value rows and a hold's level), times in
    tenths of a second (start, end, period, and the duration between the rounded ends)."""

    def __init__(self, table: SegmentTable) -> None:
        self.kind: list[int] = table.kind.tolist()
        self.cycles: list[int] = table.frames[2].tolist()
        # rows start, end, mean, min, max of the table, and the level a hold is printed at: the middle of
        # its band, (min + max) / 2, within half its range of every value it holds
        self.values = np.vstack([table.values, (table.values[3] + table.values[4]) / 2.0])
        self.deg = _half_away(self.values, 1.0)
        tenths = np.floor(table.times_s * 10.0 + 0.5)  # times are ≥ 0
        duration = np.floor(np.abs(tenths[1] / 10.0 - tenths[0] / 10.0) * 10.0 + 0.5)
        rows: list[list[int]] = np.vstack([tenths, duration]).astype(np.int64).tolist()
        text = _tenths_text(rows)
        self.start, self.end, self.period, self.duration = ([text[k] for k in row] for row in rows)

    def cm(self, start: int, stop: int) -> list[list[int]]:
        """Values of rows start:stop in signed centimetres (for the metre channels), indexed from `start`."""
        return _half_away(self.values[:, start:stop], 100.0)


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
        return [f"holds at {_fmt_value(ch, ch.level_value)} throughout"]
    return _segment_lines(ch, text)


UNDEFINED_WHILE = {"hip_rotation": "the knee is nearly straight", "shoulder_rotation": "the elbow is nearly straight"}
"""Why an angle is undefined in some frames, by angle id without its side (the axial rotations)."""


def _partly_undefined_lines(ch: Channel, text: _TableText | None) -> list[str]:
    """Lines of a channel that is undefined (NaN) in some frames: its segments over the defined stretches,
    then one line saying where it is undefined; or one line when it is never defined."""
    why = UNDEFINED_WHILE.get(ch.id.removesuffix("_r").removesuffix("_l"), "it is not measurable")
    if ch.undefined_frames == len(ch.values):
        return [f"undefined throughout ({why})"]
    if not ch.static:
        out = _segment_lines(ch, text)
    elif ch.range_value < ch.delta:
        out = [f"holds at {_fmt_value(ch, ch.level_value)} whenever defined"]
    else:  # defined only in stretches too short to segment
        lo, hi = np.nanmin(ch.values), np.nanmax(ch.values)
        out = [f"between {_fmt_value(ch, lo)} and {_fmt_value(ch, hi)} in brief defined moments"]
    return [*out, f"undefined in {ch.undefined_frames} of {len(ch.values)} frames ({why})"]


def _segment_lines(ch: Channel, text: _TableText | None) -> list[str]:
    """The segment lines of a channel with segments (see `channel_lines`)."""
    t = text or _TableText(ch.table)
    kind, start, end, dur, cycles, period = t.kind, t.start, t.end, t.duration, t.cycles, t.period
    v0, v1, _, lo, hi, level = t.deg
    out = []
    if ch.unit == "deg" and ch.id != "heading":
        for i in range(*ch.rows):  # the bulk of the text: written inline
            k = kind[i]
            if k == HOLDS:
                out.append(f"holds at {level[i]}° [{start[i]}–{end[i]}] ({dur[i]})")
            elif k == OSCILLATES:
                out.append(
                    f"oscillates {cycles[i]} cycles between {lo[i]}° and {hi[i]}° [{start[i]}–{end[i]}] "
                    f"(period {period[i]})"
                )
            else:
                out.append(f"{SEGMENT_KINDS[k]}: {v0[i]}° → {v1[i]}° [{start[i]}–{end[i]}] ({dur[i]})")
        return out
    a = ch.rows[0] if ch.unit == "m" else 0  # `num` holds the channel's rows only, for a metre channel
    num = t.cm(*ch.rows) if ch.unit == "m" else t.deg
    f = _cm_text if ch.unit == "m" else _deg_text
    for i in range(*ch.rows):
        k = kind[i]
        span = f"[{start[i]}–{end[i]}] ({dur[i]})"
        if k == HOLDS:
            out.append(f"holds at {f(num[5][i - a])} {span}")
        elif k == OSCILLATES:
            out.append(
                f"oscillates {cycles[i]} cycles between {f(num[3][i - a])} and {f(num[4][i - a])} "
                f"[{start[i]}–{end[i]}] (period {period[i]})"
            )
        elif ch.id == "heading":  # the turn is the difference of the ends as shown, in whole degrees
            way = "left" if ch.table.values[1, i] > ch.table.values[0, i] else "right"
            out.append(f"turns {way} {abs(v1[i] - v0[i])}°: {f(num[0][i - a])} → {f(num[1][i - a])} {span}")
        else:
            out.append(f"{SEGMENT_KINDS[k]}: {f(num[0][i - a])} → {f(num[1][i - a])} {span}")
    return out


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
            out.append(f"{label}: static at {value} throughout")
        else:
            out.append(f"{label}:")
            out.extend(channel_lines(ch, text))
    return out


def _fmt_fps(fps: float) -> str:
    return f"{fps:.0f}" if abs(fps - round(fps)) < 1e-9 else f"{fps:.2f}".rstrip("0")


def render_smd(desc: Description) -> str:
    """Render a Description as SMD text (format version 1).

    Variants come from `desc.options`: `top_k` keeps the K angles with the largest range of motion
    (groups in the fixed body-part order), `trajectory=False` drops both trajectory sections.

    Returns:
        The text, lines joined with "\\n", no trailing newline.
    """
    lines = [f"Motion: {fmt_s(desc.duration_s)} ({desc.n_frames} frames at {_fmt_fps(desc.fps)} FPS)"]
    text = _TableText(desc.angles[0].table)  # every channel of a Description shares one table
    if desc.options.trajectory:
        lines.extend(render_trajectory(desc, text))
    lines.append("Joint Angles:")
    groups: dict[str, list[Channel]] = {}
    for ch in desc.selected_angles():
        groups.setdefault(ch.group, []).append(ch)
    for part in BODY_PARTS:
        if part not in groups:
            continue
        lines.append(f"[{part}]")
        for ch in groups[part]:
            lines.append(f"{ch.name} ({ch.gloss}):")
            lines.extend(channel_lines(ch, text))
    return "\n".join(lines)
