"""Motion readers, one per format, chosen by file suffix or an explicit format name.

Readers are registered in a table keyed by format name (DESIGN.md: "Keep readers pluggable"; the table, the
reader options and the shared post-processing live in `motion_smd.io.registry`, which the reader modules
import, so they never import this package's `__init__` for it).
Each reader takes a path and `ReadOptions` and returns a canonical `Motion`.
"""

from __future__ import annotations

from pathlib import Path

from motion_smd.errors import MotionFormatError
from motion_smd.io.registry import _READERS, Reader, ReaderSpec, ReadOptions, postprocess, register_reader
from motion_smd.motion import Motion

__all__ = [
    "ReadOptions",
    "Reader",
    "ReaderSpec",
    "detect_format",
    "formats",
    "load_motion",
    "load_motion_parts",
    "postprocess",
    "read_parts",
    "reader_spec",
    "register_reader",
    "supported_formats_text",
]


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
    claims = [(len(s), spec.name) for spec in _READERS.values() for s in spec.suffixes if name.endswith(s)]
    if claims:  # the longest suffix wins: ".kp2d.npy" is 2-D keypoints, ".npy" joints
        return max(claims)[1]
    raise MotionFormatError(
        f"{path}: unknown motion format '{path.suffix or path.name}'. Supported: {supported_formats_text()}. "
        "Pass --input-format NAME to choose a reader explicitly."
    )


def supported_formats_text() -> str:
    """One line listing the format names and suffixes."""
    _ensure_builtin()
    return "; ".join(f"{s.name} ({', '.join(s.suffixes) or '--input-format only'})" for s in _READERS.values())


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
    return reader_spec(path, format).read(Path(path), options or ReadOptions())


def reader_spec(path: str | Path, format: str | None = None) -> ReaderSpec:
    """The registered reader of an existing file: `format` if given, else the one its suffix names.

    Raises:
        MotionFormatError: a missing file, a folder, or an unknown format name or suffix.
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
    return _READERS[name]


def read_parts(spec: ReaderSpec, path: str | Path, options: ReadOptions | None = None) -> list[Motion]:
    """Every motion `spec`'s reader finds in a file, in time order: `read_parts` where the format has it (a video
    split at long gaps without a pose gives one per part), else the one motion `read` returns."""
    opts = options or ReadOptions()
    return spec.read_parts(Path(path), opts) if spec.read_parts is not None else [spec.read(Path(path), opts)]


def load_motion_parts(path: str | Path, format: str | None = None, options: ReadOptions | None = None) -> list[Motion]:
    """Every motion of a file, in time order (`read_parts` of its reader, `reader_spec`).

    Raises:
        MotionFormatError, MotionValueError: as `load_motion`.
    """
    return read_parts(reader_spec(path, format), path, options)


_builtin_loaded = False


def _ensure_builtin() -> None:
    global _builtin_loaded
    if _builtin_loaded:
        return
    _builtin_loaded = True
    # each reader module registers itself on import
    from motion_smd.io import bvh, humanml3d_vecs, keypoints2d, npy, video  # noqa: F401
