"""`smd count` (repetition counting) and `smd events` (the event timeline) (issue #15)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from motion_smd.cli.common import InputFormatOpt, fail, read_option_set, smd_option_set
from motion_smd.description import Description
from motion_smd.errors import MotionSMDError
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions

PART_HELP = "Only this body part: arm, leg, shoulder, elbow, hip, knee, ankle, trunk, pelvis, head or body."


def _described(path: Path, input_format: str | None, read_opts: ReadOptions, smd_opts: SMDOptions) -> Description:
    """The description of one motion file; a project error becomes the command's one-line failure."""
    from motion_smd import describe
    from motion_smd.io import load_motion

    try:
        return describe(load_motion(path, input_format, read_opts), smd_opts)
    except MotionSMDError as exc:
        raise fail(str(exc)) from None


def register(app: typer.Typer) -> None:
    """Add `count` and `events` to the `smd` app."""

    @app.command()
    @smd_option_set
    @read_option_set
    def count(
        smd_opts: SMDOptions,
        read_opts: ReadOptions,
        motion: Annotated[Path, typer.Argument(help="Motion file (any format `smd formats` lists).")],
        input_format: InputFormatOpt = None,
        part: Annotated[str | None, typer.Option(help=PART_HELP)] = None,
    ) -> None:
        """Count repetitions: each repeating stretch with its count, time span, period and body parts."""
        from motion_smd.counting import PARTS, count_repetitions

        if part is not None and part not in PARTS:
            raise fail(f"--part {part!r}: choose one of {', '.join(PARTS)}.")
        reps = count_repetitions(_described(motion, input_format, read_opts, smd_opts), part)
        if not reps:
            typer.echo("no repetition found (no oscillation of 2 or more cycles)")
        for rep in reps:
            typer.echo(rep.text())

    @app.command()
    @smd_option_set
    @read_option_set
    def events(
        smd_opts: SMDOptions,
        read_opts: ReadOptions,
        motion: Annotated[Path, typer.Argument(help="Motion file (any format `smd formats` lists).")],
        input_format: InputFormatOpt = None,
    ) -> None:
        """The motion's events in time order: repetitions, travel, turns, height changes, arm raises."""
        from motion_smd.events import motion_events

        found = motion_events(_described(motion, input_format, read_opts, smd_opts))
        if not found:
            typer.echo("no events (no repetition, travel, turn, height change or arm raise above the thresholds)")
        for event in found:
            typer.echo(event.line())

    del count, events
