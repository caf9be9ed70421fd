"""Length units of motion files: detection from body size and conversion to metres.

Motion capture formats rarely state their unit (BVH never does). SMD works in metres, so readers
detect the unit from the size of the skeleton (`motion_smd.motion.chain_height_m`: leg plus
pelvis-to-head chain, about 1.3–1.6 m for an adult, 0.8–1.0 m for a small child) unless the user
names it (`ReadOptions.unit`, `--unit`).
"""

from __future__ import annotations

from typing import Final, Literal, cast

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError, MotionValueError, where
from motion_smd.motion import PLAUSIBLE_CHAIN_HEIGHT_M, chain_height_m

Unit = Literal["m", "cm", "mm"]

UNIT_SCALE: Final[dict[str, float]] = {"m": 1.0, "cm": 0.01, "mm": 0.001}
"""Metres per unit."""


def detect_unit(joints: NDArray[np.floating], source: str | None = None) -> Unit:
    """Guess the length unit of SMPL-22 joint positions from the body size.

    The chain height (leg + pelvis-to-head, `chain_height_m`) of a human lies in
    `PLAUSIBLE_CHAIN_HEIGHT_M` = 0.3–3.0 m. The first of m, cm, mm that brings the measured chain
    into that range is returned. The ranges are disjoint (0.3–3, 30–300, 300–3000 units), so the guess
    is unambiguous for any human-sized skeleton.

    Args:
        joints: (T, 22, 3) float array in SMPL-22 order, unknown unit.
        source: file named in error messages.

    Returns:
        "m", "cm" or "mm".

    Raises:
        MotionValueError: the size fits no unit (e.g. a chain of 10 units), so the user must say which
            unit the file uses.
    """
    height = chain_height_m(np.asarray(joints, dtype=np.float64))
    lo, hi = PLAUSIBLE_CHAIN_HEIGHT_M
    for unit in ("m", "cm", "mm"):
        h_m = height * UNIT_SCALE[unit]
        if lo <= h_m <= hi:
            return cast(Unit, unit)
    raise MotionValueError(
        f"{where(source)}cannot detect the length unit: the leg+trunk chain measures {height:.4g} units, "
        f"which is no human size in m, cm or mm ({lo}–{hi} m). Pass --unit m|cm|mm, or check the rig "
        "mapping (a wrong joint mapping also gives odd sizes)."
    )


def to_metres(
    joints: NDArray[np.floating], unit: str | None, source: str | None = None
) -> tuple[NDArray[np.float64], Unit]:
    """Convert joint positions to metres.

    Args:
        joints: (T, 22, 3) float array, SMPL-22 order, in `unit`.
        unit: "m", "cm", "mm", or None to detect it with `detect_unit`.
        source: file named in error messages.

    Returns:
        ((T, 22, 3) float64 array in metres, the unit used).

    Raises:
        ConfigError: an unknown unit name.
        MotionValueError: `unit` is None and detection fails (see `detect_unit`).
    """
    if unit is None:
        unit = detect_unit(joints, source)
    if unit not in UNIT_SCALE:
        raise ConfigError(f"{where(source)}unknown length unit '{unit}'; use one of m, cm, mm.")
    scaled = np.asarray(joints, dtype=np.float64) * UNIT_SCALE[unit]
    return scaled, cast(Unit, unit)
