"""motion-smd: Structured Motion Description — motion as text any LLM can read.

Public API (DESIGN.md):
    load_motion(path, format=None, options=None) -> Motion    read a motion file (canonical)
    describe(motion, options=None) -> Description             angles, trajectory, segments
    render_smd(description) -> str                            SMD text (format version 2)
    smd_text(motion, options=None) -> str                     describe + render
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from motion_smd.counting import Repetition, count_repetitions
    from motion_smd.describer import describe
    from motion_smd.description import Channel, Description, Segment
    from motion_smd.errors import MotionFormatError, MotionSMDError, MotionValueError
    from motion_smd.io import ReadOptions, load_motion
    from motion_smd.motion import Motion, as_motion
    from motion_smd.options import SMDOptions
    from motion_smd.render import render_smd

__version__ = "0.1.0"

_LAZY = {
    "Repetition": "motion_smd.counting",
    "count_repetitions": "motion_smd.counting",
    "describe": "motion_smd.describer",
    "Channel": "motion_smd.description",
    "Description": "motion_smd.description",
    "Segment": "motion_smd.description",
    "MotionFormatError": "motion_smd.errors",
    "MotionSMDError": "motion_smd.errors",
    "MotionValueError": "motion_smd.errors",
    "ReadOptions": "motion_smd.io",
    "load_motion": "motion_smd.io",
    "Motion": "motion_smd.motion",
    "as_motion": "motion_smd.motion",
    "SMDOptions": "motion_smd.options",
    "render_smd": "motion_smd.render",
}
"""Public name → its module, imported on first use (PEP 562), so `import motion_smd` and `smd --help` do not
pay for NumPy's, SciPy's and numba's start-up until a name that needs them is used."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'motion_smd' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


def smd_text(motion: Motion, options: SMDOptions | None = None) -> str:
    """SMD text of a canonical motion: `render_smd(describe(motion, options))`."""
    from motion_smd.describer import describe
    from motion_smd.render import render_smd

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
