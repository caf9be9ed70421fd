"""One self-contained HTML page per motion: the skeleton player, the angle/segment plot and the SMD text
side by side (`smd report`)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from motion_smd.describer import describe
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions
from motion_smd.render import render_smd
from motion_smd.viz.html import page, player_fragment
from motion_smd.viz.plots import plot_figure
from motion_smd.viz.scene import DEFAULT_FPS, ensure_output_folder

_STYLE = """.smd-report{display:grid;grid-template-columns:minmax(660px,auto) minmax(360px,1fr);
gap:16px;align-items:start}
.smd-text{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px;background:#f6f6f6;
padding:8px;border:1px solid #ddd;max-height:90vh;overflow:auto}
.smd-plot{max-width:100%}"""


def report_html(
    motion: Motion,
    options: SMDOptions | None = None,
    angle_ids: list[str] | None = None,
    fps: float | None = DEFAULT_FPS,
) -> str:
    """The report page as a string.

    Args:
        motion: canonical Motion.
        options: SMD options for the text and the plot (top-K, trajectory, δ).
        angle_ids: angles to plot (default: those the text shows).
        fps: player frame rate (≤ the motion's).
    """
    opts = options or SMDOptions()
    desc = describe(motion, opts)
    text = render_smd(desc)
    fig = plot_figure(desc, angle_ids)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    player, _, _ = player_fragment(motion, "smd-player", fps)
    name = Path(motion.source or "motion").name
    body = f"""<h2>{html.escape(name)}</h2>
<div class="smd-report">
<div>{player}
<img class="smd-plot" alt="angles and segments" src="data:image/png;base64,{png}"></div>
<div><h3>SMD ({html.escape(opts.variant)})</h3><pre class="smd-text">{html.escape(text)}</pre></div>
</div>"""
    return page(f"motion-smd report: {name}", body, _STYLE)


def write_report(
    motion: Motion,
    path: str | Path,
    options: SMDOptions | None = None,
    angle_ids: list[str] | None = None,
    fps: float | None = DEFAULT_FPS,
) -> Path:
    """Write the report page (see `report_html`).

    Raises:
        ConfigError: a missing output folder or an unknown angle id.
    """
    out = Path(path)
    ensure_output_folder(out)
    out.write_text(report_html(motion, options, angle_ids, fps), encoding="utf-8")
    return out
