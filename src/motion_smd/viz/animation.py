"""Skeleton animations of a canonical `Motion`: a fixed camera, a floor grid and the root path.

Writers:
- GIF through matplotlib's Agg canvas and Pillow (the `viz` extra);
- MP4 (H.264) through imageio + imageio-ffmpeg (the `mp4` extra);
- self-contained interactive HTML: see `motion_smd.viz.html` (no dependency at all).

The camera, floor grid, colours and frame-rate choice shared with the HTML player live in
`motion_smd.viz.scene` (re-exported here).

The projection is a plain orthographic camera computed with NumPy for all frames at once, and the
frames are drawn by updating a handful of 2-D matplotlib artists (`set_data`), which keeps a 10 s clip
at a few seconds of rendering. matplotlib is imported inside the functions only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError
from motion_smd.motion import Motion
from motion_smd.skeleton import SMPL22_BONES, SMPL22_JOINTS
from motion_smd.viz.html import write_player_html
from motion_smd.viz.scene import (
    ANIMATION_FORMATS,
    BACKGROUND,
    DEFAULT_FPS,
    DEFAULT_SIZE,
    FLOOR_COLOUR,
    PATH_COLOUR,
    SIDE_COLOURS,
    Camera,
    RenderResult,
    SceneGeometry,
    animation_format,
    bone_sides,
    choose_camera,
    ensure_output_folder,
    floor_grid,
    frames_at,
    polyline,
    scene_geometry,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
        xlim, ylim = self.geometry.limits(0)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        self._ax = ax
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
            "left = blue, right = red, green = pelvis path on the floor"
            + ("; the view follows the subject" if self.geometry.tracking else ""),
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
        if g.tracking:
            xlim, ylim = g.limits(t)
            self._ax.set_xlim(*xlim)
            self._ax.set_ylim(*ylim)
        pts = g.joints_2d[t]
        for side, line in self._bones.items():
            line.set_data(*polyline(pts, self._groups[side]))
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
