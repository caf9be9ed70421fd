"""Skeleton animations of a canonical `Motion`: a fixed camera, a floor grid and the root path.

Writers:
- GIF through matplotlib's Agg canvas and Pillow (the `viz` extra);
- MP4 (H.264) through imageio + imageio-ffmpeg (the `mp4` extra);
- self-contained interactive HTML: see `motion_smd.viz.html` (no dependency at all).

The projection is a plain orthographic camera computed with NumPy for all frames at once, and the
frames are drawn by updating a handful of 2-D matplotlib artists (`set_data`), which keeps a 10 s clip
at a few seconds of rendering. matplotlib is imported inside the functions only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError
from motion_smd.motion import Motion
from motion_smd.skeleton import PELVIS, SMPL22_BONES, SMPL22_JOINTS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
        xlim, ylim: fixed image limits (metres) that hold the skeleton over the whole clip with a margin.
        fps: frame rate of the frames.
    """

    joints_2d: FloatArray
    floor_lines: FloatArray
    path_2d: FloatArray
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    fps: float


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


def scene_geometry(motion: Motion, camera: Camera, aspect: float) -> SceneGeometry:
    """Project a motion, its floor grid and its root path with a camera, and fix the image limits.

    Args:
        motion: the (already resampled) motion; joints (T, 22, 3), metres, Y up.
        camera: the fixed camera.
        aspect: image width / height, so that metres keep equal scale on both axes.

    Returns:
        The projected `SceneGeometry`.
    """
    joints = motion.joints
    j2 = camera.project(joints)
    ground = joints[:, PELVIS].copy()
    ground[:, 1] = 0.0
    path2 = camera.project(ground)
    floor = camera.project(floor_grid(joints))
    pts = np.concatenate([j2.reshape(-1, 2), path2], axis=0)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2
    half = (hi - lo) / 2 + 0.25  # 25 cm margin around the action
    half_w = max(half[0], half[1] * aspect)
    half_h = half_w / aspect
    return SceneGeometry(
        joints_2d=j2,
        floor_lines=floor,
        path_2d=path2,
        xlim=(float(centre[0] - half_w), float(centre[0] + half_w)),
        ylim=(float(centre[1] - half_h), float(centre[1] + half_h)),
        fps=motion.fps,
    )


def _polyline(points: FloatArray, bones: list[tuple[int, int]]) -> tuple[FloatArray, FloatArray]:
    """NaN-separated polyline of some bones for one frame: (3·B,) x and y arrays."""
    if not bones:
        return np.empty(0), np.empty(0)
    idx = np.array(bones)  # (B, 2)
    seg = points[idx]  # (B, 2, 2)
    seg = np.concatenate([seg, np.full((len(bones), 1, 2), np.nan)], axis=1).reshape(-1, 2)
    return seg[:, 0], seg[:, 1]


class SkeletonFrames:
    """Draws the frames of a skeleton animation on one reused matplotlib figure (Agg, no pyplot).

    Iterate over `rgb_frames()` to get (H, W, 3) uint8 arrays, one per frame.

    Args:
        motion: the motion, already at the clip's frame rate (see `frames_at`).
        size: (width, height) in pixels.
        camera: fixed camera; None = `choose_camera(motion)`.
        title: text at the top left (e.g. the file name); None = the motion's source name.
    """

    def __init__(
        self,
        motion: Motion,
        size: tuple[int, int] = DEFAULT_SIZE,
        camera: Camera | None = None,
        title: str | None = None,
    ) -> None:
        width, height = size
        if width < 64 or height < 64:
            raise ConfigError(f"frame size {width}x{height} is too small; use at least 64x64 pixels.")
        self.motion = motion
        self.size = (int(width), int(height))
        self.camera = camera or choose_camera(motion)
        self.geometry = scene_geometry(motion, self.camera, width / height)
        self.title = title if title is not None else (Path(motion.source).name if motion.source else "motion")
        sides = bone_sides()
        self._groups = {s: [b for b, side in zip(SMPL22_BONES, sides, strict=True) if side == s] for s in SIDE_COLOURS}
        self._joint_groups = {
            s: [
                i
                for i, n in enumerate(SMPL22_JOINTS)
                if (s == "left" and n.startswith("left_"))
                or (s == "right" and n.startswith("right_"))
                or (s == "centre" and not n.startswith(("left_", "right_")))
            ]
            for s in SIDE_COLOURS
        }
        self.fig: Figure
        self._build()

    @property
    def n_frames(self) -> int:
        """Number of frames of the clip."""
        return self.motion.n_frames

    def _build(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.collections import LineCollection
        from matplotlib.figure import Figure

        dpi = 100
        w, h = self.size
        fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi, facecolor=BACKGROUND)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_facecolor(BACKGROUND)
        ax.set_xlim(*self.geometry.xlim)
        ax.set_ylim(*self.geometry.ylim)
        ax.set_aspect("equal", adjustable="box")
        ax.axis("off")
        g = self.geometry
        ax.add_collection(LineCollection(list(g.floor_lines), colors=FLOOR_COLOUR, linewidths=0.8, zorder=1))
        ax.plot(g.path_2d[:, 0], g.path_2d[:, 1], color=PATH_COLOUR, lw=1.0, ls="--", alpha=0.45, zorder=2)
        (self._trail,) = ax.plot([], [], color=PATH_COLOUR, lw=2.0, zorder=3)
        (self._shadow,) = ax.plot([], [], "o", color=PATH_COLOUR, ms=5, zorder=3)
        self._bones = {
            s: ax.plot([], [], color=c, lw=3.0, solid_capstyle="round", zorder=5)[0] for s, c in SIDE_COLOURS.items()
        }
        self._dots = {s: ax.plot([], [], "o", color=c, ms=3.5, zorder=6)[0] for s, c in SIDE_COLOURS.items()}
        fs = max(7.0, min(11.0, h / 45))
        ax.text(0.015, 0.985, self.title, transform=ax.transAxes, ha="left", va="top", fontsize=fs, color="#202020")
        ax.text(
            0.015,
            0.02,
            "left = blue, right = red, green = pelvis path on the floor",
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize=fs * 0.8,
            color="#606060",
        )
        self._time = ax.text(
            0.985,
            0.985,
            "",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=fs,
            family="monospace",
            color="#202020",
        )
        (self._progress,) = ax.plot(
            [], [], color="#808080", lw=3, transform=ax.transAxes, zorder=7, solid_capstyle="butt"
        )
        self.fig = fig
        self._canvas = fig.canvas

    def draw_frame(self, t: int) -> None:
        """Update the artists to frame `t` (0-based) and redraw the canvas."""
        g = self.geometry
        pts = g.joints_2d[t]
        for side, line in self._bones.items():
            line.set_data(*_polyline(pts, self._groups[side]))
            idx = self._joint_groups[side]
            self._dots[side].set_data(pts[idx, 0], pts[idx, 1])
        self._trail.set_data(g.path_2d[: t + 1, 0], g.path_2d[: t + 1, 1])
        self._shadow.set_data(g.path_2d[t : t + 1, 0], g.path_2d[t : t + 1, 1])
        n = self.n_frames
        self._time.set_text(f"t = {t / g.fps:5.2f} s  frame {t + 1}/{n}")
        frac = (t + 1) / n
        self._progress.set_data([0.0, frac], [0.003, 0.003])
        self._canvas.draw()

    def rgb(self) -> NDArray[np.uint8]:
        """The current canvas as an (H, W, 3) uint8 array."""
        buf = np.asarray(self._canvas.buffer_rgba())  # type: ignore[attr-defined]
        return np.array(buf[..., :3], dtype=np.uint8)

    def rgb_frames(self) -> Iterator[NDArray[np.uint8]]:
        """Yield every frame as an (H, W, 3) uint8 RGB array (H, W = size[1], size[0])."""
        for t in range(self.n_frames):
            self.draw_frame(t)
            yield self.rgb()

    def close(self) -> None:
        """Release the figure's memory."""
        self.fig.clear()


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


def write_gif(
    motion: Motion,
    path: str | Path,
    fps: float | None = DEFAULT_FPS,
    size: tuple[int, int] = DEFAULT_SIZE,
    camera: Camera | None = None,
    title: str | None = None,
) -> RenderResult:
    """Write a looping GIF skeleton animation (matplotlib Agg + Pillow).

    Args:
        motion: canonical Motion, joints (T, 22, 3) metres, Y up.
        path: output .gif file.
        fps: clip frame rate (≤ the motion's; None = native). GIF stores frame delays in 1/100 s, so the
            played rate is 100 / round(100 / fps) (20 fps is exact).
        size: (width, height) pixels.
        camera: fixed camera; None = `choose_camera`.
        title: caption in the frame; None = the source file name.

    Returns:
        `RenderResult` with the frame count T' (see `frames_at`). Every frame is kept (the time stamp in
        each frame makes consecutive frames differ, so Pillow merges none).

    Raises:
        ConfigError: bad fps or size, or a missing output folder.
    """
    from PIL import Image

    out = Path(path)
    ensure_output_folder(out)
    clip = frames_at(motion, fps)
    frames = SkeletonFrames(clip, size, camera, title)
    try:
        images = [Image.fromarray(rgb) for rgb in frames.rgb_frames()]
    finally:
        frames.close()
    # One shared adaptive palette keeps colours stable across frames. It is built from the first and the
    # last frame side by side: the last one holds the whole travelled (green) path, which the first lacks,
    # so a palette of the first frame alone would draw the path in grey.
    first, last = images[0], images[-1]
    sample = Image.new("RGB", (first.width * 2, first.height))
    sample.paste(first, (0, 0))
    sample.paste(last, (first.width, 0))
    palette_src = sample.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    paletted = [im.quantize(palette=palette_src, dither=Image.Dither.NONE) for im in images]
    duration_ms = round(1000.0 / clip.fps)
    paletted[0].save(
        out, save_all=True, append_images=paletted[1:], duration=duration_ms, loop=0, optimize=False, disposal=1
    )
    return RenderResult(out, "gif", clip.n_frames, clip.fps, frames.size, frames.camera)


def write_mp4(
    motion: Motion,
    path: str | Path,
    fps: float | None = DEFAULT_FPS,
    size: tuple[int, int] = DEFAULT_SIZE,
    camera: Camera | None = None,
    title: str | None = None,
) -> RenderResult:
    """Write an H.264 MP4 skeleton animation through imageio-ffmpeg (the `mp4` extra).

    Args: as `write_gif`; width and height should be multiples of 16 (the default 640x480 is).

    Returns:
        `RenderResult` with the frame count T'.

    Raises:
        ConfigError: imageio / imageio-ffmpeg not installed (install `motion-smd[mp4]`), bad fps or size,
            or a missing output folder.
    """
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"{path}: MP4 output needs imageio and imageio-ffmpeg ({exc.name} is missing); "
            "run `pip install motion-smd[mp4]` or write a .gif or .html instead."
        ) from exc
    out = Path(path)
    ensure_output_folder(out)
    clip = frames_at(motion, fps)
    frames = SkeletonFrames(clip, size, camera, title)
    writer: Any = imageio.get_writer(
        str(out),
        format="FFMPEG",
        mode="I",
        fps=clip.fps,
        codec="libx264",
        quality=7,
        macro_block_size=16,
        pixelformat="yuv420p",
        output_params=["-movflags", "+faststart"],
    )
    try:
        for rgb in frames.rgb_frames():
            writer.append_data(rgb)
    finally:
        writer.close()
        frames.close()
    return RenderResult(out, "mp4", clip.n_frames, clip.fps, frames.size, frames.camera)


def render_animation(
    motion: Motion,
    path: str | Path,
    fps: float | None = DEFAULT_FPS,
    size: tuple[int, int] = DEFAULT_SIZE,
    camera: Camera | None = None,
    title: str | None = None,
    format: str | None = None,
) -> RenderResult:
    """Write a skeleton animation; the format comes from `format` or the suffix (.gif, .mp4, .html).

    Args: as `write_gif`; for HTML, `size` is the canvas size of the interactive player.

    Raises:
        ConfigError: unknown format, missing `mp4` extra, bad fps/size, missing output folder.
    """
    kind = animation_format(path, format)
    if kind == "gif":
        return write_gif(motion, path, fps, size, camera, title)
    if kind == "mp4":
        return write_mp4(motion, path, fps, size, camera, title)
    from motion_smd.viz.html import write_player_html

    return write_player_html(motion, path, fps, size, camera, title)


__all__ = [
    "ANIMATION_FORMATS",
    "DEFAULT_FPS",
    "DEFAULT_SIZE",
    "SIDE_COLOURS",
    "Camera",
    "RenderResult",
    "SceneGeometry",
    "SkeletonFrames",
    "animation_format",
    "bone_sides",
    "choose_camera",
    "floor_grid",
    "frames_at",
    "render_animation",
    "scene_geometry",
    "write_gif",
    "write_mp4",
]
