"""Pictures of motion and of its SMD: angle/segment plots, skeleton animations (GIF, MP4, HTML), reports.

matplotlib/Pillow (the `viz` extra) are imported only inside the drawing functions.

    plot_description(desc, "fig.png")          # motion_smd.viz.plots
    render_animation(motion, "clip.gif")       # motion_smd.viz.animation (.gif, .mp4, .html)
    write_report(motion, "report.html")        # motion_smd.viz.report
"""

from __future__ import annotations

from motion_smd.viz.animation import Camera, RenderResult, choose_camera, render_animation
from motion_smd.viz.plots import plot_description, plot_figure
from motion_smd.viz.report import report_html, write_report

__all__ = [
    "Camera",
    "RenderResult",
    "choose_camera",
    "plot_description",
    "plot_figure",
    "render_animation",
    "report_html",
    "write_report",
]
