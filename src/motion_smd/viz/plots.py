"""Angle-and-segment plots of a Description: one panel per body part, trajectory channels apart.

Each channel is drawn over time (seconds) from the series SMD segmented (`Channel.values`), with the SMD
segments on top: segment boundaries (dotted verticals), holds (bands ±hold tolerance around the hold's
mean), oscillations (shaded spans labelled with their cycle count). matplotlib (Agg) is imported inside
the functions only.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from motion_smd.angles import BODY_PARTS
from motion_smd.description import Channel, Description
from motion_smd.errors import ConfigError
from motion_smd.viz.scene import ensure_output_folder

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PLOT_FORMATS = ("png", "svg", "pdf")
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def _draw_channel(ax: Axes, desc: Description, ch: Channel, colour: str) -> None:
    t = np.arange(desc.n_frames) / desc.fps
    ax.plot(t, ch.values, color=colour, lw=1.6, label=ch.name)
    tol = ch.hold_tolerance
    for seg in ch.segments:
        ax.axvline(seg.start_s, color=colour, ls=":", lw=0.8, alpha=0.6)
        if seg.kind == "holds":
            ax.fill_between(
                [seg.start_s, seg.end_s], seg.mean_value - tol, seg.mean_value + tol, color=colour, alpha=0.18, lw=0
            )
        elif seg.kind == "oscillates":
            ax.axvspan(seg.start_s, seg.end_s, color=colour, alpha=0.07, lw=0)
            ax.text(
                (seg.start_s + seg.end_s) / 2,
                seg.max_value,
                f"{seg.cycles}×",
                color=colour,
                ha="center",
                va="bottom",
                fontsize=8,
            )


def _panels(desc: Description, angle_ids: list[str] | None) -> list[tuple[str, list[Channel]]]:
    if angle_ids:
        unknown = [a for a in angle_ids if a not in {c.id for c in desc.angles}]
        if unknown:
            raise ConfigError(
                f"unknown angle id(s) {', '.join(unknown)}; choose from: {', '.join(c.id for c in desc.angles)}."
            )
        chosen = [c for c in desc.angles if c.id in angle_ids]
    else:
        chosen = list(desc.selected_angles())
    panels = [(part, [c for c in chosen if c.group == part]) for part in BODY_PARTS]
    out = [(title, chans) for title, chans in panels if chans]
    if desc.options.trajectory:
        out += [(f"{c.name} ({'deg' if c.unit == 'deg' else 'm'})", [c]) for c in desc.trajectory]
    return out


def plot_figure(desc: Description, angle_ids: list[str] | None = None) -> Figure:
    """Build the figure (not saved): panels for the chosen angles grouped by body part, then trajectory.

    Args:
        desc: the Description (its options decide top-K and whether trajectory panels are drawn).
        angle_ids: explicit angle ids to plot (overrides top-K), e.g. ["knee_flexion_r", "hip_flexion_r"].

    Raises:
        ConfigError: an unknown angle id.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    panels = _panels(desc, angle_ids)
    ncols = 2 if len(panels) > 5 else 1
    nrows = math.ceil(len(panels) / ncols)
    fig = Figure(figsize=(7.0 * ncols, 2.1 * nrows + 0.9), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    for k, (title, channels) in enumerate(panels):
        ax = axes[k // ncols][k % ncols]
        for i, ch in enumerate(channels):
            _draw_channel(ax, desc, ch, _COLOURS[i % len(_COLOURS)])
        is_traj = channels[0].group == "Global Trajectory"
        # a panel spans at least 2·δ so that a still channel looks still, not like magnified noise
        defined = [c.values[~np.isnan(c.values)] for c in channels]  # rotations: NaN where undefined
        lo = min((float(v.min()) for v in defined if v.size), default=0.0)
        hi = max((float(v.max()) for v in defined if v.size), default=0.0)
        min_span = 2 * max(c.delta for c in channels)
        if hi - lo < min_span:
            mid = (hi + lo) / 2
            ax.set_ylim(mid - min_span / 2, mid + min_span / 2)
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_ylabel("m" if channels[0].unit == "m" else "degrees", fontsize=8)
        ax.grid(alpha=0.3)
        if not is_traj and len(channels) > 1:
            ax.legend(fontsize=7, loc="upper right")
        elif not is_traj:
            ax.text(0.99, 0.95, channels[0].name, transform=ax.transAxes, ha="right", va="top", fontsize=7)
    for k in range(len(panels), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    key = [
        Line2D([], [], color="0.4", ls=":", label="segment boundary"),
        Patch(color="0.4", alpha=0.25, label="hold (± hold tolerance)"),
        Patch(color="0.4", alpha=0.1, label="oscillation (n× = cycles)"),
    ]
    name = Path(desc.source or "motion").name
    fig.suptitle(f"{name}: {desc.n_frames} frames at {desc.fps:g} fps, SMD {desc.options.variant}", fontsize=11)
    fig.legend(handles=key, loc="outside lower center", ncols=3, fontsize=8)
    return fig


def plot_description(desc: Description, path: str | Path, angle_ids: list[str] | None = None, dpi: int = 110) -> Path:
    """Save the angle-and-segment figure as PNG, SVG or PDF (by suffix).

    Raises:
        ConfigError: unknown suffix, unknown angle id, or a missing output folder.
    """
    out = Path(path)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in PLOT_FORMATS:
        raise ConfigError(f"{out}: plots are written as .png, .svg or .pdf, not '{out.suffix or 'no suffix'}'.")
    ensure_output_folder(out)
    fig = plot_figure(desc, angle_ids)
    # fixed metadata keeps SVG/PDF output byte-stable from run to run
    metadata = {"Date": None} if fmt in ("svg", "pdf") else {"Software": None}
    fig.savefig(out, dpi=dpi, format=fmt, metadata=metadata)
    return out
