"""`smd plot`, `smd render` and `smd report`: pictures of a motion and of its SMD."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from motion_smd.cli.common import InputFormatOpt, fail, read_option_set, smd_option_set
from motion_smd.errors import MotionSMDError
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions

MotionArg = Annotated[Path, typer.Argument(help="Motion file (.npy, .bvh, …).")]
OutOpt = Annotated[Path, typer.Option("-o", "--out", help="Output file.")]


def _render_overlay(video: Path, out: Path, width: int, at_s: float | None, roi: str | None) -> None:
    """`smd render VIDEO --overlay -o OUT`: the (cached) pose track drawn over the video."""
    from motion_smd.io.video import VIDEO_SUFFIXES, parse_region, pose_track
    from motion_smd.viz.video_overlay import render_overlay

    if not video.name.lower().endswith(VIDEO_SUFFIXES):
        raise fail(
            f"{video}: --overlay draws over a video ({', '.join(VIDEO_SUFFIXES)}); render motion files without it."
        )
    try:
        track = pose_track(video, region=parse_region(roi)).track
        res = render_overlay(video, track, out, width, at_s)
    except MotionSMDError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {res.path}: {res.n_frames} frames, {res.size[0]}x{res.size[1]}", err=True)


def register(app: typer.Typer) -> None:
    """Add plot, render and report to the `smd` app."""

    @app.command()
    @smd_option_set
    @read_option_set
    def plot(
        smd_opts: SMDOptions,
        read_opts: ReadOptions,
        motion: MotionArg,
        out: OutOpt,
        angles: Annotated[
            str | None, typer.Option(help="Comma-separated angle ids, e.g. knee_flexion_r,hip_flexion_r.")
        ] = None,
        input_format: InputFormatOpt = None,
    ) -> None:
        """Plot angles over time with their SMD segments (PNG, SVG or PDF by suffix)."""
        from motion_smd import describe, load_motion
        from motion_smd.viz.plots import plot_description

        try:
            m = load_motion(motion, input_format, read_opts)
            desc = describe(m, smd_opts)
            ids = [a.strip() for a in angles.split(",") if a.strip()] if angles else None
            path = plot_description(desc, out, ids)
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        typer.echo(f"wrote {path}", err=True)

    @app.command()
    @read_option_set
    def render(
        read_opts: ReadOptions,
        motion: MotionArg,
        out: OutOpt,
        clip_fps: Annotated[
            float, typer.Option("--clip-fps", help="Frames per second of the clip (never above the motion's).")
        ] = 20.0,
        width: Annotated[int, typer.Option(min=64, help="Width in pixels.")] = 640,
        height: Annotated[int, typer.Option(min=64, help="Height in pixels.")] = 480,
        input_format: InputFormatOpt = None,
        overlay: Annotated[
            bool,
            typer.Option(
                "--overlay",
                help="Video input: draw the pose skeleton over the video itself (.gif, .mp4, or .png for one frame).",
            ),
        ] = False,
        at_s: Annotated[
            float | None,
            typer.Option("--at-s", help="With --overlay and .png: the frame's time (default: mid part 1)."),
        ] = None,
    ) -> None:
        """Skeleton animation with a floor grid and the root path: .gif, .mp4 (extra `mp4`) or .html; with
        --overlay, a video with its pose drawn over it."""
        from motion_smd import load_motion
        from motion_smd.viz.animation import render_animation

        if overlay:
            _render_overlay(motion, out, width, at_s, read_opts.roi)
            return
        try:
            m = load_motion(motion, input_format, read_opts)
            res = render_animation(m, out, clip_fps, (width, height))
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        typer.echo(f"wrote {res.path}: {res.n_frames} frames at {res.fps:g} fps, {res.size[0]}x{res.size[1]}", err=True)

    @app.command()
    @smd_option_set
    @read_option_set
    def report(
        smd_opts: SMDOptions,
        read_opts: ReadOptions,
        motion: MotionArg,
        out: OutOpt,
        input_format: InputFormatOpt = None,
    ) -> None:
        """One HTML page: skeleton player, angle/segment plot and SMD text side by side."""
        from motion_smd import load_motion
        from motion_smd.viz.report import write_report

        try:
            m = load_motion(motion, input_format, read_opts)
            path = write_report(m, out, smd_opts)
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        typer.echo(f"wrote {path}", err=True)

    del plot, render, report
