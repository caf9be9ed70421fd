"""`smd pose`: a video's MediaPipe pose track, exported alone (issue #16)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from motion_smd.cli.common import fail
from motion_smd.errors import MotionSMDError


def register(app: typer.Typer) -> None:
    """Add `pose` to the `smd` app."""

    @app.command()
    def pose(
        video: Annotated[Path, typer.Argument(help="Video file (.mp4, .mov, .avi, …).")],
        out: Annotated[
            Path | None, typer.Option("-o", "--out", help="Track file (default: the cache, <video>.pose.npz).")
        ] = None,
        no_cache: Annotated[
            bool, typer.Option("--no-cache", help="Run the pose model even if a cached track exists.")
        ] = False,
        roi: Annotated[
            str | None,
            typer.Option(help="Follow the person inside this region of the frame: X0,Y0,X1,Y1 fractions."),
        ] = None,
    ) -> None:
        """Run MediaPipe Pose over a video and save the pose track (.pose.npz: landmarks, visibility, fps, model,
        version); `smd describe TRACK.pose.npz` describes it without the model."""
        from motion_smd.io.video import parse_region, pose_track, save_track

        if not video.is_file():
            raise fail(f"{video}: no such file; give a video file (.mp4, .mov, .avi, …).")
        try:
            track, cached, sha = pose_track(video, not no_cache, parse_region(roi))
            path = save_track(track, out, sha) if out is not None else None
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        found = int(track.detected.sum())
        where = path or "the cache beside the video"
        typer.echo(
            f"{video}: a pose in {found} of {track.n_frames} frames at {track.fps:g} fps"
            f"{' (cached track)' if cached else ''} → {where}",
            err=True,
        )
