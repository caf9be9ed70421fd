"""One exception family for motion-smd (DESIGN.md, "Conventions").

Every message says which file (when there is one), what is wrong and what to do.
The command-line tool prints these without a traceback.
"""

from __future__ import annotations


class MotionSMDError(Exception):
    """Base class of every error motion-smd raises on purpose."""


class MotionFormatError(MotionSMDError):
    """A file cannot be read as motion: unknown format, wrong shape, empty, corrupt."""


class MotionValueError(MotionSMDError):
    """Motion data has the right shape but bad values: NaN/inf, implausible scale, too few frames."""


class DegenerateSkeletonError(MotionValueError):
    """A bone has (near) zero length, so an angle or body frame is undefined."""


class ConfigError(MotionSMDError):
    """Bad options or configuration (mapping files, CLI options, dataset paths)."""


def where(source: str | None) -> str:
    """Prefix naming the source of the data in an error message ("" when unknown)."""
    return f"{source}: " if source else ""
