"""Options shared by the `smd` commands that read motion files, and one-line error reporting."""

from __future__ import annotations

from typing import Annotated, Literal, cast

import typer

from motion_smd.errors import ConfigError
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one clear error line to stderr (no traceback) and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


FpsOpt = Annotated[
    float | None,
    typer.Option(help="Frame rate of files that store none (.npy: default 20); for BVH: resample to it."),
]
UpOpt = Annotated[str | None, typer.Option(help="Up axis of the stored joints: y (default) or z (BABEL).")]
UnitOpt = Annotated[str | None, typer.Option(help="Length unit m|cm|mm (default: detect).")]
SkipOpt = Annotated[
    int | None, typer.Option("--skip-frames", min=0, help="Drop leading frames (default: rig default).")
]
RigOpt = Annotated[str | None, typer.Option(help="Built-in rig mapping for BVH (default: detect).")]
MappingOpt = Annotated[str | None, typer.Option(help="Rig mapping file (JSON/YAML).")]
InputFormatOpt = Annotated[
    str | None, typer.Option("--input-format", help="Input format, overriding suffix detection (see `smd formats`).")
]
TopKOpt = Annotated[int | None, typer.Option("--top-k", help="SMD variant: keep the K angles with the largest range.")]
NoTrajectoryOpt = Annotated[bool, typer.Option("--no-trajectory", help="SMD variant: omit the trajectory sections.")]
DeltaOpt = Annotated[float, typer.Option("--delta", help="SMD variant: segmentation threshold δ of angles, degrees.")]
DeltaMOpt = Annotated[float, typer.Option("--delta-m", help="Segmentation threshold of positions, metres.")]
DeltaHeadingOpt = Annotated[
    float, typer.Option("--delta-heading", help="Segmentation threshold of the heading, degrees.")
]


def smd_options(
    top_k: int | None, no_trajectory: bool, delta: float, delta_m: float = 0.05, delta_heading: float = 10.0
) -> SMDOptions:
    """`motion_smd.options.SMDOptions` from the shared SMD-variant options (validated there).

    Raises:
        ConfigError: a value out of range.
    """
    return SMDOptions(
        top_k=top_k,
        trajectory=not no_trajectory,
        delta_deg=delta,
        delta_m=delta_m,
        delta_heading_deg=delta_heading,
    )


def read_options(
    fps: float | None,
    up: str | None,
    unit: str | None,
    skip_frames: int | None,
    rig: str | None,
    mapping: str | None,
    resample: float | None = None,
) -> ReadOptions:
    """`motion_smd.io.ReadOptions` from the shared command-line options.

    Raises:
        ConfigError: --up or --unit out of their choices.
    """
    if up not in (None, "y", "z"):
        raise ConfigError(f"--up must be y or z, got {up!r}.")
    if unit not in (None, "m", "cm", "mm"):
        raise ConfigError(f"--unit must be m, cm or mm, got {unit!r}.")
    return ReadOptions(
        fps=fps,
        up=cast(Literal["y", "z"] | None, up),
        target_fps=resample,
        unit=cast(Literal["m", "cm", "mm"] | None, unit),
        skip_frames=skip_frames,
        rig=rig,
        mapping=mapping,
    )
