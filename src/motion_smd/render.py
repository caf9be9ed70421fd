"""Text renderer of a Description: SMD format version 1 (spec/smd_format.md).

Deterministic: fixed section order, fixed rounding (whole degrees, centimetres for segment positions,
millimetres for static positions, 0.1 s for times), no locale dependence.
"""

from __future__ import annotations

import math
from functools import lru_cache

from motion_smd.angles import BODY_PARTS
from motion_smd.description import Channel, Description, Segment


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


def _span(seg: Segment) -> str:
    return _span_s(seg.start_s, seg.end_s)


@lru_cache(maxsize=8192)
def _span_s(start_s: float, end_s: float) -> str:
    """ "[t0s–t1s] (dur)" with the duration computed from the rounded ends (memoised: spans repeat)."""
    t0, t1 = _round_half_up(start_s, 1), _round_half_up(end_s, 1)
    return f"[{fmt_s(t0)}–{fmt_s(t1)}] ({fmt_s(t1 - t0)})"


def segment_line(ch: Channel, seg: Segment) -> str:
    """One segment as a text line (spec/smd_format.md, "Segments")."""
    f = fmt_deg if ch.unit == "deg" else fmt_m
    kind = seg.kind
    if kind == "holds":
        return f"holds at {f(seg.mean_value)} {_span_s(seg.start_s, seg.end_s)}"
    if kind == "oscillates":
        return (
            f"oscillates {seg.cycles} cycles between {f(seg.min_value)} and {f(seg.max_value)} "
            f"[{fmt_s(seg.start_s)}–{fmt_s(seg.end_s)}] (period {fmt_s(seg.period_s)})"
        )
    if ch.id == "heading":
        turn = _round_half_up(seg.end_value) - _round_half_up(seg.start_value)  # consistent with the shown ends
        way = "left" if seg.end_value > seg.start_value else "right"
        return f"turns {way} {fmt_deg(abs(turn))}: {f(seg.start_value)} → {f(seg.end_value)} {_span(seg)}"
    return f"{kind}: {f(seg.start_value)} → {f(seg.end_value)} {_span_s(seg.start_s, seg.end_s)}"


def channel_lines(ch: Channel) -> list[str]:
    """Segment lines of a channel; a static channel gives one "holds at … throughout" line."""
    if ch.static:
        return [f"holds at {_fmt_value(ch, ch.mean_value)} throughout"]
    return [segment_line(ch, s) for s in ch.segments]


def _trajectory_label(ch: Channel) -> str:
    if ch.id == "lateral":
        return "Lateral Position (+ = left)"
    if ch.id == "heading":
        return "Heading (+ = turned left)"
    return ch.name


def render_trajectory(desc: Description) -> list[str]:
    """The "Trajectory:" summary line and the "Global Trajectory:" block."""
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
            value = fmt_deg(ch.mean_value) if ch.unit == "deg" else fmt_m(ch.mean_value, 3)
            out.append(f"{label}: static at {value} throughout")
        else:
            out.append(f"{label}:")
            out.extend(segment_line(ch, seg) for seg in ch.segments)
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
    if desc.options.trajectory:
        lines.extend(render_trajectory(desc))
    lines.append("Joint Angles:")
    chosen = desc.selected_angles()
    for part in BODY_PARTS:
        group = [ch for ch in chosen if ch.group == part]
        if not group:
            continue
        lines.append(f"[{part}]")
        for ch in group:
            lines.append(f"{ch.name} ({ch.gloss}):")
            lines.extend(channel_lines(ch))
    return "\n".join(lines)
