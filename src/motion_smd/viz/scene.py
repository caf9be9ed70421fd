"""What every skeleton animation shares: the camera, the floor grid and root path, the frame-rate choice,
bone colours and the result record. `motion_smd.viz.animation` (GIF, MP4) and `motion_smd.viz.html` (the
interactive player) both build on it, so neither imports the other for these."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError
from motion_smd.motion import Motion
from motion_smd.skeleton import PELVIS, SMPL22_BONES, SMPL22_JOINTS

FloatArray = NDArray[np.float64]

DEFAULT_FPS = 20.0
"""Default frame rate of rendered clips (the HumanML3D rate; 50 ms per GIF frame exactly)."""

DEFAULT_SIZE = (640, 480)
"""Default frame size in pixels (width, height); both multiples of 16 as H.264 prefers."""

SIDE_COLOURS: dict[str, str] = {"left": "#1f5fbf", "right": "#d62728", "centre": "#303030"}
"""Bone colours by body side (subject's left blue, right red, midline dark grey); the HTML player uses
the same colours."""

BACKGROUND = "#ffffff"
FLOOR_COLOUR = "#c8c8c8"
PATH_COLOUR = "#2ca02c"

AnimationFormat = Literal["gif", "mp4", "html"]
ANIMATION_FORMATS: tuple[str, ...] = ("gif", "mp4", "html")


def bone_sides() -> tuple[str, ...]:
    """Side of each bone in `SMPL22_BONES` order: "left", "right" or "centre" (by the child joint name).

    Returns:
        21 strings, one per (parent, child) bone.
    """
    out = []
    for _parent, child in SMPL22_BONES:
        name = SMPL22_JOINTS[child]
        out.append("left" if name.startswith("left_") else "right" if name.startswith("right_") else "centre")
    return tuple(out)


@dataclass(frozen=True)
class Camera:
    """A fixed orthographic camera looking at the scene from a direction given by two angles.

    Attributes:
        azimuth_deg: direction of the camera around the vertical (Y) axis, degrees; 0 = the camera stands
            on +Z (in front of a canonical subject, who faces +Z in frame 0), 90 = on +X (the subject's
            left side).
        elevation_deg: height of the camera above the horizon, degrees (0 = level, 90 = top view).

    Conventions: image right = view_forward × world_up, image up = right × view_forward, where
    view_forward points from the camera into the scene; so seen from the front (azimuth 0) the subject's
    left (+X) appears on the image's right, as in a mirror.
    """

    azimuth_deg: float = 30.0
    elevation_deg: float = 15.0

    def basis(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Image axes in world coordinates.

        Returns:
            (right, up, toward_camera): three (3,) float64 unit vectors (world frame, Y up).
        """
        a, e = math.radians(self.azimuth_deg), math.radians(self.elevation_deg)
        toward = np.array([math.cos(e) * math.sin(a), math.sin(e), math.cos(e) * math.cos(a)])
        forward = -toward
        right = np.cross(forward, np.array([0.0, 1.0, 0.0]))
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        return right, up, toward

    def project(self, points: np.ndarray) -> FloatArray:
        """Orthographic projection of world points onto the image plane.

        Args:
            points: (..., 3) float array, metres, world frame (Y up).

        Returns:
            (..., 2) float64 array of image coordinates in metres (x right, y up).
        """
        right, up, _ = self.basis()
        p = np.asarray(points, dtype=np.float64)
        return np.stack([p @ right, p @ up], axis=-1)


def choose_camera(motion: Motion) -> Camera:
    """A camera that shows the motion well: the body's front three-quarters, the travel across the image.

    When the pelvis travels (horizontal extent of its path over 0.5 m), the camera looks at the main
    travel direction (first principal axis of the pelvis XZ path, oriented start → end) from 60° to its
    side, so steps sweep across the image while the front of a forward-walking subject stays visible.
    Otherwise it stands 30° to the subject's left of the initial facing (+Z for a canonical motion).
    Elevation 15° in both cases, enough to see the floor grid without flattening the body.

    Args:
        motion: a Motion (canonical frame expected: Y up, metres).

    Returns:
        The chosen `Camera` (deterministic for a given motion).
    """
    path = motion.joints[:, PELVIS][:, [0, 2]]  # (T, 2): x, z
    centred = path - path.mean(axis=0)
    extent = float(np.ptp(path, axis=0).max())
    if extent <= 0.5:
        return Camera(azimuth_deg=30.0, elevation_deg=15.0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axis = vt[0]
    if float(np.dot(path[-1] - path[0], axis)) < 0:
        axis = -axis
    travel_deg = math.degrees(math.atan2(axis[0], axis[1]))  # azimuth of the travel direction
    return Camera(azimuth_deg=round(travel_deg + 60.0, 6), elevation_deg=15.0)


def frames_at(motion: Motion, fps: float | None) -> Motion:
    """The motion resampled to the frame rate of a rendered clip.

    Args:
        motion: the source motion.
        fps: wanted frames per second; None or a value at or above the native rate keeps every frame
            (clips are never upsampled).

    Returns:
        A Motion with `min(fps, motion.fps)` frames per second (linear interpolation,
        `Motion.resample`), T' = floor((T − 1)·fps/native) + 1 frames.

    Raises:
        ConfigError: fps not positive.
    """
    if fps is None:
        return motion
    if not (math.isfinite(fps) and fps > 0):
        raise ConfigError(f"--fps must be a positive number of frames per second, got {fps!r}.")
    if fps >= motion.fps:
        return motion
    return motion.resample(fps)


@dataclass(frozen=True)
class SceneGeometry:
    """Everything a renderer needs, projected once for all frames.

    Attributes:
        joints_2d: (T, 22, 2) float64 image coordinates of the joints (metres).
        floor_lines: (L, 2, 2) float64 image coordinates of the floor grid lines (start, end).
        path_2d: (T, 2) float64 image coordinates of the pelvis projected onto the floor (y = 0).
        centres: (T, 2) float64 centre of the view at each frame (image coordinates, metres).
        half_size: (half width, half height) of the view, metres; width / height = the image's aspect.
        tracking: True when the view follows the subject (`centres` vary), False when one view holds the
            whole clip (`centres` all equal).
        fps: frame rate of the frames.
    """

    joints_2d: FloatArray
    floor_lines: FloatArray
    path_2d: FloatArray
    centres: FloatArray
    half_size: tuple[float, float]
    tracking: bool
    fps: float

    def limits(self, t: int) -> tuple[tuple[float, float], tuple[float, float]]:
        """(xlim, ylim) of the view at frame `t` (0-based), metres."""
        (cx, cy), (hw, hh) = self.centres[t], self.half_size
        return (float(cx - hw), float(cx + hw)), (float(cy - hh), float(cy + hh))


def floor_grid(joints: np.ndarray, spacing_m: float = 0.5, margin_m: float = 1.0) -> FloatArray:
    """Floor grid lines (y = 0) covering the horizontal extent of the motion plus a margin.

    Args:
        joints: (T, J, 3) float array, metres, Y up, floor at y = 0.
        spacing_m: grid spacing, metres.
        margin_m: extra floor around the motion's bounding box, metres.

    Returns:
        (L, 2, 3) float64 array: L line segments (start, end) in world coordinates, lines at multiples
        of `spacing_m` so that the grid does not move with the subject.
    """
    xz = np.asarray(joints, dtype=np.float64)[..., [0, 2]].reshape(-1, 2)
    lo = np.floor((xz.min(axis=0) - margin_m) / spacing_m) * spacing_m
    hi = np.ceil((xz.max(axis=0) + margin_m) / spacing_m) * spacing_m
    xs = np.arange(lo[0], hi[0] + spacing_m / 2, spacing_m)
    zs = np.arange(lo[1], hi[1] + spacing_m / 2, spacing_m)
    along_z = np.stack(
        [
            np.stack([xs, np.zeros_like(xs), np.full_like(xs, lo[1])], -1),
            np.stack([xs, np.zeros_like(xs), np.full_like(xs, hi[1])], -1),
        ],
        axis=1,
    )
    along_x = np.stack(
        [
            np.stack([np.full_like(zs, lo[0]), np.zeros_like(zs), zs], -1),
            np.stack([np.full_like(zs, hi[0]), np.zeros_like(zs), zs], -1),
        ],
        axis=1,
    )
    return np.concatenate([along_z, along_x], axis=0)


TRACK_RATIO = 1.5
"""The view follows the subject when a view of the whole clip would be more than this many times the height of
a view that holds the body alone (a walk across a room would otherwise draw the body a few dozen pixels tall)."""

MARGIN_M = 0.25
"""Margin around the action in the view, metres."""


def _window(half: FloatArray, aspect: float) -> tuple[float, float]:
    half_w = max(float(half[0]) + MARGIN_M, (float(half[1]) + MARGIN_M) * aspect)
    return half_w, half_w / aspect


def scene_geometry(motion: Motion, camera: Camera, aspect: float) -> SceneGeometry:
    """Project a motion, its floor grid and its root path with a camera, and choose the view at each frame.

    The view holds the whole clip (skeleton and pelvis path, with a `MARGIN_M` margin) unless that view would
    be more than `TRACK_RATIO` times taller than one that holds the body alone at its largest; then the view
    has the body's size and follows the subject: its centre is the centre of the skeleton's bounding box,
    smoothed over one second (moving average) and kept inside the whole clip's view.

    Args:
        motion: the (already resampled) motion; joints (T, 22, 3), metres, Y up.
        camera: the fixed camera.
        aspect: image width / height, so that metres keep equal scale on both axes.

    Returns:
        The projected `SceneGeometry`.
    """
    from scipy.ndimage import uniform_filter1d

    joints = motion.joints
    j2 = camera.project(joints)
    ground = joints[:, PELVIS].copy()
    ground[:, 1] = 0.0
    path2 = camera.project(ground)
    floor = camera.project(floor_grid(joints))
    pts = np.concatenate([j2.reshape(-1, 2), path2], axis=0)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    whole = _window((hi - lo) / 2, aspect)
    frame_lo = np.minimum(j2.min(axis=1), path2)  # (T, 2): each frame's skeleton and its floor point
    frame_hi = np.maximum(j2.max(axis=1), path2)
    body = _window(((frame_hi - frame_lo) / 2).max(axis=0), aspect)
    n = len(j2)
    if whole[1] <= TRACK_RATIO * body[1]:
        centres = np.repeat(((lo + hi) / 2)[None], n, axis=0)
        return SceneGeometry(j2, floor, path2, centres, whole, False, motion.fps)
    size = max(1, round(motion.fps))
    centres = uniform_filter1d((frame_lo + frame_hi) / 2, size=size, axis=0, mode="nearest")
    margin = np.array([MARGIN_M, MARGIN_M])
    low, high = lo - margin + np.array(body), hi + margin - np.array(body)
    centres = np.clip(centres, np.minimum(low, high), np.maximum(low, high))
    return SceneGeometry(j2, floor, path2, centres, body, True, motion.fps)


def polyline(points: FloatArray, bones: list[tuple[int, int]]) -> tuple[FloatArray, FloatArray]:
    """NaN-separated polyline of some bones for one frame: (3·B,) x and y arrays."""
    if not bones:
        return np.empty(0), np.empty(0)
    idx = np.array(bones)  # (B, 2)
    seg = points[idx]  # (B, 2, 2)
    seg = np.concatenate([seg, np.full((len(bones), 1, 2), np.nan)], axis=1).reshape(-1, 2)
    return seg[:, 0], seg[:, 1]


@dataclass(frozen=True)
class RenderResult:
    """What a renderer wrote.

    Attributes:
        path: the output file.
        format: "gif", "mp4" or "html".
        n_frames: number of animation frames written.
        fps: frames per second of the written clip.
        size: (width, height) in pixels (GIF/MP4; the canvas size for HTML).
        camera: the camera used.
    """

    path: Path
    format: str
    n_frames: int
    fps: float
    size: tuple[int, int]
    camera: Camera


def animation_format(path: str | Path, format: str | None = None) -> str:
    """The animation format of an output path: `format` if given, else from the suffix.

    Raises:
        ConfigError: unknown format or suffix (the message lists gif, mp4, html).
    """
    name = (format or Path(path).suffix.lstrip(".")).lower()
    if name == "htm":
        name = "html"
    if name not in ANIMATION_FORMATS:
        raise ConfigError(
            f"{path}: cannot tell the animation format from '{name or 'no suffix'}'; "
            "name the output .gif, .mp4 or .html."
        )
    return name


def ensure_output_folder(path: Path) -> None:
    """Raise ConfigError (naming the folder and the fix) when the output file's folder does not exist."""
    if not path.parent.exists():
        raise ConfigError(f"{path}: the folder {path.parent} does not exist; create it or choose another -o.")
