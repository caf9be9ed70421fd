"""2-D keypoint files (issue #16, item 2): `.kp2d.npy` / `.kp2d.json`, or `--input-format keypoints2d`.

- `.npy`: (T, K, 3) x, y, confidence per frame and keypoint, or (T, K, 2) without confidence (then 1); image
  coordinates, y down (pixels or normalised); NaN for a missing keypoint. (T, P, K, 3): P tracked people
  (`describe2d.describe_people_2d`: one 2-D SMD each and an image-plane interaction section).
- `.json`: {"layout": "coco17", "fps": 30, "keypoints": [[[x, y, c], …], …]}, or an OpenPose-style list of
  frames [{"people": [{"pose_keypoints_2d": [x, y, c, …]}]}, …] (the first person of each frame; a frame
  without people is missing).

The layout is `--layout` (ReadOptions.layout), else the "layout" of a JSON file, else from the keypoint count
(`keypoints2d.LAYOUT_BY_COUNT`: 17 is read as COCO-17; pass `--layout h36m17` for Human3.6M). The frame rate is
`--input-fps`, else the JSON's "fps", else 30. These files are described by the 2-D describer
(`motion_smd.describe2d`), not turned into 3-D joints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from motion_smd.errors import MotionFormatError, MotionValueError
from motion_smd.io.npy import read_joints_npy
from motion_smd.io.registry import ReadOptions, register_reader
from motion_smd.keypoints2d import LAYOUT_BY_COUNT, LAYOUTS, Keypoints2D
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions

DEFAULT_FPS = 30.0
"""Frame rate of 2-D keypoint files that store none (video keypoints are usually 30 fps)."""


def _layout(path: Path, k: int, asked: str | None) -> str:
    """The layout name for K keypoints (see the module docstring).

    Raises:
        MotionFormatError: an unknown layout name, or a keypoint count that matches the asked layout or none.
    """
    if asked is not None:
        if asked not in LAYOUTS:
            raise MotionFormatError(f"{path}: unknown keypoint layout {asked!r}; choose one of {', '.join(LAYOUTS)}.")
        if len(LAYOUTS[asked]) != k:
            raise MotionFormatError(
                f"{path}: {k} keypoints per frame, but the {asked} layout has {len(LAYOUTS[asked])}; pass the layout "
                f"the detector wrote ({', '.join(f'{n}: {len(v)}' for n, v in LAYOUTS.items())})."
            )
        return asked
    if k not in LAYOUT_BY_COUNT:
        raise MotionFormatError(
            f"{path}: {k} keypoints per frame matches no known layout ("
            f"{', '.join(f'{n}: {len(v)}' for n, v in LAYOUTS.items())}); export one of these, or pass --layout."
        )
    return LAYOUT_BY_COUNT[k]


def _from_array(path: Path, arr: np.ndarray, layout: str | None, fps: float) -> Keypoints2D:
    """Keypoints2D of a (T, K, 2|3) array.

    Raises:
        MotionFormatError: another shape, fewer than 2 frames, or non-numbers.
    """
    if arr.ndim != 3 or arr.shape[2] not in (2, 3) or arr.shape[0] < 2:
        raise MotionFormatError(
            f"{path}: a keypoint array of shape {arr.shape}; expected (T, K, 3) x, y, confidence (or (T, K, 2)) "
            "with at least 2 frames."
        )
    arr = np.asarray(arr, dtype=np.float64)
    name = _layout(path, arr.shape[1], layout)
    conf = arr[..., 2] if arr.shape[2] == 3 else np.ones(arr.shape[:2])
    xy = arr[..., :2].copy()
    xy[~np.isfinite(conf)] = np.nan
    return Keypoints2D(xy, np.nan_to_num(conf, nan=0.0), name, fps)


def read_keypoints(path: Path, options: ReadOptions) -> Keypoints2D:
    """Read a 2-D keypoint file of one person (module docstring; the first person of a multi-person file).

    Raises:
        MotionFormatError: unreadable, a wrong shape or keypoint count (with the expected ones).
    """
    return read_people(path, options)[0]


def read_people(path: Path, options: ReadOptions) -> list[Keypoints2D]:
    """Read a 2-D keypoint file: one person per entry ((T, K, C) arrays hold one person, (T, P, K, C) arrays P
    people already tracked, person p in column p of every frame).

    Raises:
        MotionFormatError: unreadable, a wrong shape or keypoint count (with the expected ones).
    """
    fps = options.source_fps
    layout = options.layout
    if path.name.lower().endswith(".json"):
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MotionFormatError(f"{path}: not a readable JSON file ({exc}).") from None
        if isinstance(data, dict) and "keypoints" in data:
            layout = layout or data.get("layout")
            fps = fps or data.get("fps")
            arr = np.array(data["keypoints"], dtype=np.float64)
        elif isinstance(data, list) and all(isinstance(f, dict) and "people" in f for f in data):
            arr = _openpose_frames(path, data)
        else:
            raise MotionFormatError(
                f'{path}: expected {{"layout", "fps", "keypoints": [[[x, y, c], …], …]}} or a list of OpenPose frames '
                '[{"people": [{"pose_keypoints_2d": […]}]}, …].'
            )
    else:
        arr = read_joints_npy(path)
    rate = float(fps or DEFAULT_FPS)
    if arr.ndim == 4:  # (T, P, K, C): several tracked people
        return [_from_array(path, arr[:, p], layout, rate) for p in range(arr.shape[1])]
    return [_from_array(path, arr, layout, rate)]


def _openpose_frames(path: Path, frames: list[dict[str, Any]]) -> np.ndarray:
    """(T, K, 3) of the first person of each OpenPose frame (NaN where a frame has nobody)."""
    flat = [f["people"][0].get("pose_keypoints_2d", []) if f["people"] else None for f in frames]
    sizes = {len(v) for v in flat if v is not None}
    if len(sizes) != 1 or next(iter(sizes)) % 3:
        raise MotionFormatError(f"{path}: pose_keypoints_2d lists of different or non-triplet lengths {sorted(sizes)}.")
    k = next(iter(sizes)) // 3
    out = np.full((len(frames), k, 3), np.nan)
    for t, v in enumerate(flat):
        if v is not None:
            out[t] = np.asarray(v, dtype=np.float64).reshape(k, 3)
    return out


def describe_keypoints_file(path: Path, options: ReadOptions, smd_options: SMDOptions) -> str:
    """The 2-D SMD text of a keypoint file (`describe2d.describe_keypoints`)."""
    from motion_smd.describe2d import describe_keypoints
    from motion_smd.render import render_smd

    people = read_people(path, options)
    try:
        if len(people) > 1:
            from motion_smd.describe2d import describe_people_2d

            return describe_people_2d(people, smd_options, options.m_per_px, str(path))
        return render_smd(describe_keypoints(people[0], smd_options, options.m_per_px, str(path)))
    except MotionValueError as exc:
        raise MotionValueError(f"{path}: {exc} Check the layout (--layout) and the confidence column.") from None


def _not_3d(path: Path, options: ReadOptions) -> Motion:
    raise MotionFormatError(
        f"{path}: 2-D keypoints are not 3-D joints; `smd describe` writes their 2-D SMD, other commands need 3-D "
        "motion (BVH, .npy joints, or a video, whose pose model gives 3-D)."
    )


register_reader(
    "keypoints2d",
    (".kp2d.npy", ".kp2d.json"),
    _not_3d,
    "2-D keypoints (COCO-17, BODY-25, Human3.6M-17, MediaPipe-33): the 2-D SMD",
    describe_text=describe_keypoints_file,
)
