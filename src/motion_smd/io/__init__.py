"""Motion readers, one per format, chosen by file suffix or an explicit format name.

Readers are registered in a table keyed by format name (DESIGN.md: "Keep readers pluggable").
Each reader takes a path and `ReadOptions` and returns a canonical `Motion`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from motion_smd.errors import ConfigError, MotionFormatError
from motion_smd.motion import Motion


@dataclass(frozen=True)
class ReadOptions:
    """Options shared by the readers; each field's meaning is its `metadata["help"]` (the command-line help
    of `smd describe` and the other commands is generated from it, `motion_smd.cli.fields`).

    Frame rates: `fps` is the rate of files that store none (`.npy`, HumanML3D vectors); `target_fps`
    resamples after reading. For BVH, which stores its frame time, a given `fps` is still read as a
    resampling rate (deprecated: pass `target_fps`).

    Raises (on construction):
        ConfigError: `up` or `unit` outside their choices.
    """

    fps: float | None = field(
        default=None,
        metadata={"help": "Frame rate of input files that store none (.npy: default 20; BABEL-QA joints: 30)."},
    )
    up: Literal["y", "z"] | None = field(
        default=None, metadata={"help": "Up axis of the stored joints: y (default) or z (BABEL)."}
    )
    target_fps: float | None = field(
        default=None, metadata={"help": "Resample every motion to this frame rate after reading (default: keep)."}
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
    canonicalize: bool = field(
        default=True, metadata={"help": "Bring the motion to the canonical HumanML3D frame (DESIGN.md)."}
    )

    def __post_init__(self) -> None:
        if self.up not in (None, "y", "z"):
            raise ConfigError(f"up axis must be y or z, got {self.up!r}.")
        if self.unit not in (None, "m", "cm", "mm"):
            raise ConfigError(f"unit must be m, cm or mm, got {self.unit!r}.")


Reader = Callable[[Path, ReadOptions], Motion]


@dataclass(frozen=True)
class ReaderSpec:
    """A registered reader: its format name, the suffixes it claims, and the function."""

    name: str
    suffixes: tuple[str, ...]
    read: Reader
    description: str


_READERS: dict[str, ReaderSpec] = {}


def register_reader(name: str, suffixes: tuple[str, ...], read: Reader, description: str) -> None:
    """Register `read` as the reader of format `name` for files ending in one of `suffixes`."""
    _READERS[name] = ReaderSpec(name, tuple(s.lower() for s in suffixes), read, description)


def formats() -> dict[str, ReaderSpec]:
    """The registered readers by format name (a copy)."""
    _ensure_builtin()
    return dict(_READERS)


def detect_format(path: Path) -> str:
    """Format name for `path` from its suffix.

    Raises:
        MotionFormatError: no reader claims the suffix (the message lists the supported formats).
    """
    _ensure_builtin()
    name = path.name.lower()
    for spec in _READERS.values():
        if any(name.endswith(s) for s in spec.suffixes):
            return spec.name
    raise MotionFormatError(
        f"{path}: unknown motion format '{path.suffix or path.name}'. Supported: {supported_formats_text()}. "
        "Pass --format NAME to choose a reader explicitly."
    )


def supported_formats_text() -> str:
    """One line listing the format names and suffixes."""
    _ensure_builtin()
    return "; ".join(f"{s.name} ({', '.join(s.suffixes) or '--format only'})" for s in _READERS.values())


def postprocess(motion: Motion, options: ReadOptions) -> Motion:
    """Apply the shared steps after a reader: canonicalise, then resample to `target_fps`."""
    if options.canonicalize:
        motion = motion.canonicalize()
    if options.target_fps is not None:
        motion = motion.resample(options.target_fps)
    return motion


def load_motion(path: str | Path, format: str | None = None, options: ReadOptions | None = None) -> Motion:
    """Read a motion file into a canonical `Motion`.

    Args:
        path: the file.
        format: a registered format name; None = detect from the suffix.
        options: reader options (defaults: format defaults, canonicalised).

    Raises:
        MotionFormatError: missing file, unknown format or unreadable content.
        MotionValueError: bad values (see `motion_smd.motion.validate_joints`).
    """
    _ensure_builtin()
    p = Path(path)
    if not p.exists():
        raise MotionFormatError(f"{p}: no such file.")
    if p.is_dir():
        raise MotionFormatError(f"{p}: is a directory; pass motion files (or use `smd describe DIR`).")
    name = format or detect_format(p)
    if name not in _READERS:
        raise MotionFormatError(f"{p}: unknown format '{name}'. Supported: {supported_formats_text()}.")
    return _READERS[name].read(p, options or ReadOptions())


_builtin_loaded = False


def _ensure_builtin() -> None:
    global _builtin_loaded
    if _builtin_loaded:
        return
    _builtin_loaded = True
    # each reader module registers itself on import
    from motion_smd.io import bvh, humanml3d_vecs, npy  # noqa: F401
