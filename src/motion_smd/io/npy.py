"""Reader for HumanML3D `new_joints` `.npy` files: (T, 22, 3) float, metres.

HumanML3D: Y up, 20 fps (Guo et al. 2022). BABEL-QA joints: Z up, 30 fps (pass source_fps=30, up="z").
Loading uses `allow_pickle=False` so a file cannot execute code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from motion_smd.errors import MotionFormatError
from motion_smd.io.registry import ReadOptions, postprocess, register_reader
from motion_smd.motion import Motion, z_up_to_y_up

HUMANML3D_FPS = 20.0

_UNIT_SCALE = {"m": 1.0, "cm": 0.01, "mm": 0.001}


def read_joints_npy(path: Path) -> np.ndarray:
    """Load the raw array of a `.npy` file without pickle.

    Raises:
        MotionFormatError: empty, not a NumPy file, or an object (pickled) array.
    """
    if path.stat().st_size == 0:
        raise MotionFormatError(f"{path}: the file is empty (0 bytes); expected a (T, 22, 3) .npy array.")
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise MotionFormatError(
            f"{path}: holds a pickled object array, which is not loaded for safety; save the joints as a "
            f"plain float array with np.save(path, joints.astype(np.float32)). ({exc})"
        ) from None
    except (OSError, EOFError) as exc:
        raise MotionFormatError(f"{path}: not a readable .npy file ({exc}).") from None
    if not isinstance(arr, np.ndarray):
        raise MotionFormatError(f"{path}: expected one array, found an archive; use a .npy file per motion.")
    return arr


def read_npy(path: Path, options: ReadOptions) -> Motion:
    """Read a (T, 22, 3) joint array and return a canonical Motion (see module docstring)."""
    arr = read_joints_npy(path)
    if options.skip_frames:
        arr = arr[options.skip_frames :]
    if options.unit is not None and arr.size:
        arr = arr * _UNIT_SCALE[options.unit]
    up = options.up or "y"
    source = str(path)
    if up == "z" and arr.ndim == 3 and arr.shape[-1] == 3:
        arr = z_up_to_y_up(arr)
    # HumanML3D / AMASS joints are SMPL joint centres: angles are calibrated to SMPL's neutral stance
    motion = Motion(arr, options.source_fps or HUMANML3D_FPS, source=source, meta={"format": "npy", "rig": "smpl"})
    return postprocess(motion, options)


register_reader("npy", (".npy",), read_npy, "HumanML3D new_joints (T, 22, 3), metres; Y up, 20 fps by default")
