"""motion-smd: Structured Motion Description — motion as text any LLM can read.

Public API (DESIGN.md):
    load_motion(path, format=None, options=None) -> Motion    read a motion file (canonical)
    describe(motion, options=None) -> Description             angles, trajectory, segments
    render_smd(description) -> str                            SMD text (format version 1)
    smd_text(motion, options=None) -> str                     describe + render
"""

from __future__ import annotations

from motion_smd.counting import Repetition, count_repetitions
from motion_smd.describer import describe
from motion_smd.description import Channel, Description, Segment
from motion_smd.errors import MotionFormatError, MotionSMDError, MotionValueError
from motion_smd.io import ReadOptions, load_motion
from motion_smd.motion import Motion, as_motion
from motion_smd.options import SMDOptions
from motion_smd.render import render_smd

__version__ = "0.1.0"


def smd_text(motion: Motion, options: SMDOptions | None = None) -> str:
    """SMD text of a canonical motion: `render_smd(describe(motion, options))`."""
    return render_smd(describe(motion, options))


__all__ = [
    "Channel",
    "Description",
    "Motion",
    "MotionFormatError",
    "MotionSMDError",
    "MotionValueError",
    "ReadOptions",
    "Repetition",
    "SMDOptions",
    "Segment",
    "__version__",
    "as_motion",
    "count_repetitions",
    "describe",
    "load_motion",
    "render_smd",
    "smd_text",
]
