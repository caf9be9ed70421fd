"""3-D joints seen by a simulated camera as 2-D detector keypoints (issue #16, item 2: how FiGMo builds its 2-D
benchmark inputs: project mocap through a pinhole camera, add detector-like noise and dropped joints).

Pure functions; `benchmarks/validity_2d.py` compares the 2-D description of the projection with the 3-D
description of the motion itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from motion_smd.keypoints2d import LAYOUTS, Keypoints2D
from motion_smd.skeleton import JOINT_INDEX

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Camera:
    """A level pinhole camera looking horizontally at a point.

    Attributes:
        view: "side" (on the subject's right at frame 0: the camera sees the sagittal plane) or "front"
            (in front of the subject at frame 0: it sees the frontal plane).
        distance_m: from the clip's mean pelvis position.
        height_m: the camera's height above the floor.
        hfov_deg: horizontal field of view.
        width, height: image size, pixels.
    """

    view: str = "side"
    distance_m: float = 6.0
    height_m: float = 1.0
    hfov_deg: float = 60.0
    width: int = 1920
    height: int = 1080


def keypoint_positions(joints: FloatArray, layout: str = "body25") -> FloatArray:
    """(T, K, 3) 3-D positions of a layout's keypoints made from SMPL-22 joints (Y up, faces +Z at frame 0):
    same-name joints; BODY-25's neck = SMPL neck, mid hip = midpoint of the hips; nose 0.1 m ahead of the head
    joint, eyes and ears beside it; big toe = SMPL's foot joint (toe base), small toe the same; heels are not
    made (NaN: the 2-D foot is then ankle → toe, like the 3-D one).
    """
    T = joints.shape[0]
    right = joints[:, JOINT_INDEX["right_hip"]] - joints[:, JOINT_INDEX["left_hip"]]
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    up = np.array([0.0, 1.0, 0.0])
    forward = np.cross(up, right)  # Y up, right-handed: up × right points ahead
    head = joints[:, JOINT_INDEX["head"]]
    made = {
        "nose": head + 0.10 * forward,
        "left_eye": head + 0.08 * forward - 0.03 * right,
        "right_eye": head + 0.08 * forward + 0.03 * right,
        "left_ear": head - 0.07 * right,
        "right_ear": head + 0.07 * right,
        "neck": joints[:, JOINT_INDEX["neck"]],
        "mid_hip": (joints[:, JOINT_INDEX["left_hip"]] + joints[:, JOINT_INDEX["right_hip"]]) / 2.0,
        "pelvis": joints[:, JOINT_INDEX["pelvis"]],
        "spine": joints[:, JOINT_INDEX["spine2"]],
        "thorax": joints[:, JOINT_INDEX["spine3"]],
        "head": head,
    }
    for side in ("left", "right"):
        made[f"{side}_big_toe"] = made[f"{side}_small_toe"] = joints[:, JOINT_INDEX[f"{side}_foot"]]
    out = np.full((T, len(LAYOUTS[layout]), 3), np.nan)
    for k, name in enumerate(LAYOUTS[layout]):
        if name in JOINT_INDEX:
            out[:, k] = joints[:, JOINT_INDEX[name]]
        elif name in made:
            out[:, k] = made[name]
    return out


def project(
    joints: FloatArray, fps: float, camera: Camera, layout: str = "body25", look_at: FloatArray | None = None
) -> Keypoints2D:
    """The keypoints a perfect detector would give for this motion filmed by `camera` (pixels, y down).

    Args:
        joints: (T, 22, 3) canonical SMPL-22 joints (metres, Y up, facing +Z at frame 0).
        fps: frame rate.
        camera: the camera.
        layout: a key of `keypoints2d.LAYOUTS`.
        look_at: (3,) the point the camera aims at, `distance_m` away (default: the clip's mean pelvis; give
            one point to film several people with one camera).

    Returns:
        Keypoints with confidence 1 (0 and NaN where the layout's point is not made, e.g. heels).
    """
    pts = keypoint_positions(joints, layout)
    centre = joints[:, JOINT_INDEX["pelvis"]].mean(axis=0) if look_at is None else np.asarray(look_at, dtype=float)
    if camera.view == "side":  # on the subject's right (−X), looking along +X
        pos = np.array([centre[0] - camera.distance_m, camera.height_m, centre[2]])
        axes = np.array([[0.0, 0.0, -1.0], [0.0, -1.0, 0.0], [1.0, 0.0, 0.0]])  # rows: image x, image y, optical axis
    elif camera.view == "front":  # ahead (+Z), looking along −Z
        pos = np.array([centre[0], camera.height_m, centre[2] + camera.distance_m])
        axes = np.array([[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
    else:
        raise ValueError(f"camera view must be 'side' or 'front', got {camera.view!r}")
    cam = (pts - pos) @ axes.T
    f = camera.width / (2.0 * np.tan(np.radians(camera.hfov_deg) / 2.0))
    xy = np.stack(
        [f * cam[..., 0] / cam[..., 2] + camera.width / 2, f * cam[..., 1] / cam[..., 2] + camera.height / 2], -1
    )
    conf = np.where(np.isfinite(xy).all(axis=2), 1.0, 0.0)
    return Keypoints2D(xy, conf, layout, fps)


def add_detector_noise(
    kp: Keypoints2D, rng: np.random.Generator, sigma_frac: float = 0.01, drop_frac: float = 0.05, burst_s: float = 0.3
) -> Keypoints2D:
    """Detector-like errors: Gaussian jitter of σ = sigma_frac × the person's median image height on every
    keypoint, drop_frac of the keypoint values dropped at random (confidence 0), and one burst of burst_s during
    which one wrist is dropped (an occlusion).

    Args:
        kp: clean keypoints (pixels).
        rng: the random generator (seeded by the caller: results are reproducible).
        sigma_frac, drop_frac, burst_s: the error sizes.
    """
    ys = kp.xy[..., 1]
    size = float(np.nanmedian(np.nanmax(ys, axis=1) - np.nanmin(ys, axis=1)))
    xy = kp.xy + rng.normal(0.0, sigma_frac * size, kp.xy.shape)
    conf = kp.confidence.copy()
    conf[rng.random(conf.shape) < drop_frac] = 0.0
    T = xy.shape[0]
    n = max(1, round(burst_s * kp.fps))
    if n + 2 < T:
        start = int(rng.integers(1, T - n - 1))
        wrist = LAYOUTS[kp.layout].index(str(rng.choice(["left_wrist", "right_wrist"])))
        conf[start : start + n, wrist] = 0.0
    return Keypoints2D(xy, conf, kp.layout, kp.fps)
