"""The reader registry of `motion_smd.io`: the options every reader takes, the table of readers by format
name, and the steps shared after reading. Reader modules (`bvh`, `npy`, `humanml3d_vecs`) import this module
and register themselves; `motion_smd.io` imports them on first use, so nothing here imports a reader.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from motion_smd.errors import ConfigError
from motion_smd.motion import Motion

if TYPE_CHECKING:
    from motion_smd.options import SMDOptions

FPS_RANGE = (1.0 / 60.0, 10_000.0)
"""Accepted frame rates, fps (the reciprocal of the BVH reader's accepted frame times): a rate outside it is a
mistake, and resampling to it would make no sense or exhaust memory."""


@dataclass(frozen=True)
class ReadOptions:
    """Options shared by the readers; each field's meaning is its `metadata["help"]` (the command-line help
    of `smd describe` and the other commands is generated from it, `motion_smd.cli.fields`), and
    `metadata["flag"]` its command-line spelling where that is not `--field-name`.

    Frame rates: `source_fps` is the rate of files that store none (`.npy`, HumanML3D vectors; formats that
    store their own, BVH, ignore it); `target_fps` resamples after reading, whatever the format.

    Raises (on construction):
        ConfigError: `up` or `unit` outside their choices; `source_fps` or `target_fps` not a number in
            FPS_RANGE (0, NaN and 1e6 are refused instead of silently meaning 20 fps or gigabytes of frames).
    """

    source_fps: float | None = field(
        default=None,
        metadata={
            "help": "Frame rate of input files that store none (.npy: default 20; BABEL-QA joints: 30); "
            "BVH files store their own.",
            "flag": "--input-fps",
        },
    )
    up: Literal["y", "z"] | None = field(
        default=None, metadata={"help": "Up axis of the stored joints: y (default) or z (BABEL)."}
    )
    target_fps: float | None = field(
        default=None,
        metadata={
            "help": "Resample every motion to this frame rate after reading (default: keep).",
            "flag": "--resample-fps",
        },
    )
    unit: Literal["m", "cm", "mm"] | None = field(
        default=None, metadata={"help": "Length unit of the file: m, cm or mm (default: detect from body size)."}
    )
    skip_frames: int | None = field(
        default=None,
        metadata={"help": "Drop this many leading frames (default: the rig's; CMU CC_Base drops its T-pose)."},
    )
    rig: str | None = field(default=None, metadata={"help": "Built-in rig mapping for BVH (default: detect)."})
    mapping: str | None = field(default=None, metadata={"help": "Rig mapping file (JSON/YAML), overriding --rig."})
    roi: str | None = field(
        default=None,
        metadata={
            "help": "Video: follow the person inside this region of the frame, X0,Y0,X1,Y1 as fractions of its width "
            "and height, e.g. 0.4,0.25,1,1 (default: the whole frame; the pose model follows one person)."
        },
    )
    layout: str | None = field(
        default=None,
        metadata={
            "help": "2-D keypoints: the layout, coco17, body25, h36m17 or mediapipe33 (default: from the count)."
        },
    )
    m_per_px: float | None = field(
        default=None,
        metadata={
            "help": "2-D keypoints: metres per image unit for the trajectory (default: from the person's size, "
            "assuming 1.70 m tall).",
            "flag": "--m-per-px",
        },
    )
    canonicalize: bool = field(
        default=True, metadata={"help": "Bring the motion to the canonical HumanML3D frame (DESIGN.md)."}
    )

    def __post_init__(self) -> None:
        low, high = FPS_RANGE
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_fps") and value is not None and not (math.isfinite(value) and low <= value <= high):
                raise ConfigError(
                    f"{f.name} ({f.metadata['flag']}) must be a frame rate between {low:g} and {high:g} fps, got "
                    f"{value!r}; pass the file's real rate (HumanML3D 20, BABEL-QA 30)."
                )
        if self.up not in (None, "y", "z"):
            raise ConfigError(f"up axis must be y or z, got {self.up!r}.")
        if self.unit not in (None, "m", "cm", "mm"):
            raise ConfigError(f"unit must be m, cm or mm, got {self.unit!r}.")


Reader = Callable[[Path, ReadOptions], Motion]
PartsReader = Callable[[Path, ReadOptions], list[Motion]]
TextDescriber = Callable[[Path, ReadOptions, "SMDOptions"], str]


@dataclass(frozen=True)
class ReaderSpec:
    """A registered reader: its format name, the suffixes it claims, and the function; `read_parts`, for formats
    whose file may hold several motions in time order (a video split at long gaps without a pose), returns
    them all (`read` returns the first); `describe_text`, for formats that are not 3-D joints (2-D keypoints),
    writes their SMD text itself (`read` then refuses with a message)."""

    name: str
    suffixes: tuple[str, ...]
    read: Reader
    description: str
    read_parts: PartsReader | None = None
    describe_text: TextDescriber | None = None


_READERS: dict[str, ReaderSpec] = {}


def register_reader(
    name: str,
    suffixes: tuple[str, ...],
    read: Reader,
    description: str,
    read_parts: PartsReader | None = None,
    describe_text: TextDescriber | None = None,
) -> None:
    """Register `read` as the reader of format `name` for files ending in one of `suffixes` (`read_parts`,
    `describe_text`: see `ReaderSpec`)."""
    _READERS[name] = ReaderSpec(name, tuple(s.lower() for s in suffixes), read, description, read_parts, describe_text)


def postprocess(motion: Motion, options: ReadOptions) -> Motion:
    """Apply the shared steps after a reader: canonicalise, then resample to `target_fps`."""
    if options.canonicalize:
        motion = motion.canonicalize()
    if options.target_fps is not None:
        motion = motion.resample(options.target_fps)
    return motion
