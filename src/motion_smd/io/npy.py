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


def _check_header(path: Path) -> None:
    """Check the shape and dtype a `.npy` file's header declares, read without loading the data, against the
    file: a header that claims more bytes than the file holds (or garbage) is refused here, before NumPy
    would try to allocate it.

    Raises:
        MotionFormatError: with the cause: not a .npy file (and what it looks like instead), a corrupt header,
            an object (pickled) array, a non-numeric dtype, or a data size that does not match the header.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(6)
        if head != b"\x93NUMPY":
            fh.seek(0)
            start = fh.read(64).lstrip()
            hint = ""
            if start[:9].upper() == b"HIERARCHY":
                hint = " It looks like a BVH file: rename it to .bvh."
            elif start[:2] == b"PK":
                hint = " It looks like a .npz archive: save one motion per .npy file."
            raise MotionFormatError(
                f"{path}: not a NumPy .npy file (it does not start with the .npy magic bytes).{hint}"
            )
        fh.seek(0)
        try:
            version = np.lib.format.read_magic(fh)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _fortran, dtype = reader(fh, max_header_size=10_000)
        except Exception as exc:  # NumPy raises ValueError, SyntaxError or tokenize errors on a bad header
            raise MotionFormatError(
                f"{path}: the .npy header is corrupt ({type(exc).__name__}: {str(exc)[:120]}); re-export the "
                "array with np.save."
            ) from None
        offset = fh.tell()
    if dtype.hasobject:
        raise MotionFormatError(
            f"{path}: holds a pickled object array, which is not loaded for safety; save the joints as a "
            "plain float array with np.save(path, joints.astype(np.float32))."
        )
    if dtype.kind not in "fiu":
        raise MotionFormatError(f"{path}: holds {dtype} values, not numbers; expected a (T, 22, 3) float array.")
    needed = int(np.prod(shape, dtype=np.float64) * dtype.itemsize)
    if needed != size - offset:
        raise MotionFormatError(
            f"{path}: the header declares a {shape} {dtype} array ({needed:,} bytes) but {size - offset:,} "
            "bytes of data follow; the file is truncated or corrupt."
        )


def read_joints_npy(path: Path) -> np.ndarray:
    """Load the raw array of a `.npy` file without pickle, after checking its header (`_check_header`).

    Raises:
        MotionFormatError: empty, not a NumPy file, corrupt header, object (pickled) or non-numeric array,
            data size unlike the header's.
    """
    if path.stat().st_size == 0:
        raise MotionFormatError(f"{path}: the file is empty (0 bytes); expected a (T, 22, 3) .npy array.")
    _check_header(path)
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, EOFError, ValueError) as exc:
        raise MotionFormatError(f"{path}: not a readable .npy file ({exc}).") from None
    return arr  # an ndarray: the header check refused archives and pickles


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
