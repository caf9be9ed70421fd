"""Video reader (issue #16): a person's pose from a video file with MediaPipe Pose, as SMPL-22 joints.

`smd describe clip.mp4` runs the pose model once per video (extra `[video]`: mediapipe 0.10.14, whose wheel
ships the pose models, and OpenCV, which decodes the frames), keeps the pose track in a cache file
(`<video>.pose.npz` beside the video, or in `~/.cache/motion-smd/pose/` when that folder is not writable;
`cache_path`) so a re-run skips the model, maps the 33 landmarks to SMPL-22 and estimates the trajectory
(`motion_smd.pose_map`), interpolates short gaps and splits the motion at long ones (`pose_map.fill_gaps`).
Each part is a canonical Motion whose `meta["note"]` becomes the SMD header's "Input:" line.

Pose track files (`.pose.npz`, written by `smd pose` and the cache): arrays `world` (T, 33, 3) float32,
`image` (T, 33, 2) float32, `visibility` (T, 33) float32, scalars `fps`, `width`, `height`, strings `model`,
`mediapipe_version`, `track_version`, `video_sha256`; NaN landmarks in frames without a pose.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from motion_smd.errors import ConfigError, MotionFormatError, MotionSMDError, MotionValueError
from motion_smd.files import atomic_open_binary, file_sha256
from motion_smd.io.registry import ReadOptions, postprocess, register_reader
from motion_smd.motion import Motion
from motion_smd.pose_map import N_LANDMARKS, VISIBILITY_MIN, PoseTrack, fill_gaps, map_track

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v")
"""Suffixes the video reader claims."""

TRACK_VERSION = "1"
"""Version of the pose track file layout and of the model settings it was made with."""

MODEL = "mediapipe-pose-full (BlazePose GHUM, model_complexity=1, smooth_landmarks=True)"
"""The pose model and its settings, stored in every track."""

MAX_GAP_S = 0.5
"""Gaps without a pose up to this long are interpolated; longer ones split the motion."""

INSTALL_HINT = 'install the video extra: pip install "motion-smd[video]" (mediapipe 0.10.14 ships the pose models)'


def _mediapipe() -> Any:
    """The mediapipe module.

    Raises:
        ConfigError: mediapipe or OpenCV is not installed (with the install command).
    """
    try:
        import cv2  # noqa: F401
        import mediapipe
    except ImportError as exc:
        raise ConfigError(
            f"reading video needs mediapipe and OpenCV ({exc.name} is missing): {INSTALL_HINT}."
        ) from None
    return mediapipe


Region = tuple[float, float, float, float]
"""A region of the frame (x0, y0, x1, y1) as fractions of its width and height."""


def parse_region(text: str | None) -> Region | None:
    """The `--roi` option: "X0,Y0,X1,Y1" fractions with 0 ≤ X0 < X1 ≤ 1 and 0 ≤ Y0 < Y1 ≤ 1; None for none.

    Raises:
        ConfigError: not four such numbers.
    """
    if text is None:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in text.split(","))
    except ValueError:
        raise ConfigError(f"--roi {text!r}: expected X0,Y0,X1,Y1 fractions of the frame, e.g. 0.4,0.25,1,1.") from None
    if not (0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0):
        raise ConfigError(f"--roi {text!r}: needs 0 ≤ X0 < X1 ≤ 1 and 0 ≤ Y0 < Y1 ≤ 1 (fractions of the frame).")
    return (x0, y0, x1, y1)


def model_name(region: Region | None) -> str:
    """MODEL, with the region the model looked in (stored in the track: a cache of another region is not reused)."""
    return MODEL if region is None else f"{MODEL}; region {','.join(f'{v:g}' for v in region)}"


def extract_pose_track(
    path: Path, on_frame: Callable[[int, int], None] | None = None, region: Region | None = None
) -> PoseTrack:
    """Run MediaPipe Pose over every frame of a video (one person: the model tracks the most prominent one,
    inside `region` when given; image landmarks are given in the whole frame's coordinates either way).

    Args:
        path: the video file.
        on_frame: called with (frames done, frames expected) after each frame (a progress bar).
        region: the part of the frame the model looks at (`parse_region`); None = all of it.

    Returns:
        The pose track (NaN landmarks in frames without a pose).

    Raises:
        ConfigError: mediapipe/OpenCV missing.
        MotionFormatError: the file is empty, cannot be decoded as video, or has no frame.
    """
    mp = _mediapipe()
    import cv2

    if path.stat().st_size == 0:
        raise MotionFormatError(f"{path}: the file is empty (0 bytes); expected a video (.mp4, .mov, .avi, …).")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise MotionFormatError(
            f"{path}: cannot be decoded as video (OpenCV/FFmpeg cannot open it); check that it plays, or re-encode "
            "it: ffmpeg -i IN -c:v libx264 OUT.mp4."
        )
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    expected = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    world: list[np.ndarray] = []
    image: list[np.ndarray] = []
    vis: list[np.ndarray] = []
    width = height = 0
    nan3 = np.full((N_LANDMARKS, 3), np.nan, dtype=np.float32)
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1, smooth_landmarks=True) as pose:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            height, width = frame.shape[:2]
            x0, y0, x1, y1 = region or (0.0, 0.0, 1.0, 1.0)
            a, b = round(x0 * width), round(y0 * height)
            crop = frame[b : round(y1 * height), a : round(x1 * width)]
            res = pose.process(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
            ch, cw = crop.shape[:2]
            if res.pose_world_landmarks is None or res.pose_landmarks is None:
                world.append(nan3)
                image.append(nan3[:, :2])
                vis.append(np.zeros(N_LANDMARKS, dtype=np.float32))
            else:
                wl = res.pose_world_landmarks.landmark
                il = res.pose_landmarks.landmark
                world.append(np.array([(p.x, p.y, p.z) for p in wl], dtype=np.float32))
                image.append(
                    np.array([((a + p.x * cw) / width, (b + p.y * ch) / height) for p in il], dtype=np.float32)
                )
                vis.append(np.array([p.visibility for p in il], dtype=np.float32))
            if on_frame is not None:
                on_frame(len(world), max(expected, len(world)))
    cap.release()
    if not world:
        raise MotionFormatError(
            f"{path}: no frame could be decoded; the file is corrupt or not a video. Check that it plays, or "
            "re-encode it: ffmpeg -i IN -c:v libx264 OUT.mp4."
        )
    if not (np.isfinite(fps) and fps > 0):
        raise MotionFormatError(f"{path}: the video stores no frame rate; re-encode it with one (ffmpeg -r 30).")
    return PoseTrack(
        np.stack(world).astype(np.float64),
        np.stack(image).astype(np.float64),
        np.stack(vis).astype(np.float64),
        fps,
        int(width),
        int(height),
        model_name(region),
    )


def save_track(track: PoseTrack, path: Path, video_sha256: str = "") -> Path:
    """Write a pose track file atomically (layout: module docstring). Returns the path.

    Raises:
        ConfigError: the folder is not writable.
    """
    import importlib.metadata

    try:
        mp_version = importlib.metadata.version("mediapipe")
    except importlib.metadata.PackageNotFoundError:
        mp_version = ""
    with atomic_open_binary(path) as fh:
        np.savez_compressed(
            fh,
            world=track.world.astype(np.float32),
            image=track.image.astype(np.float32),
            visibility=track.visibility.astype(np.float32),
            fps=np.float64(track.fps),
            width=np.int64(track.width),
            height=np.int64(track.height),
            model=np.str_(track.model),
            mediapipe_version=np.str_(mp_version),
            track_version=np.str_(TRACK_VERSION),
            video_sha256=np.str_(video_sha256),
        )
    return path


def load_track(path: Path) -> tuple[PoseTrack, dict[str, str]]:
    """Read a pose track file (`save_track`).

    Returns:
        The track and its string fields (model, mediapipe_version, track_version, video_sha256).

    Raises:
        MotionFormatError: not a readable .npz, a missing array, or arrays of the wrong shape (with what was
            expected: (T, 33, 3) world landmarks, MediaPipe's 33).
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError) as exc:
        raise MotionFormatError(
            f"{path}: not a readable pose track (.npz) ({type(exc).__name__}: {str(exc)[:120]}); make one with "
            "`smd pose VIDEO -o TRACK.pose.npz`."
        ) from None
    needed = ("world", "image", "visibility", "fps", "width", "height")
    missing = [k for k in needed if k not in data]
    if missing:
        raise MotionFormatError(
            f"{path}: a pose track needs the arrays {', '.join(needed)}; missing {', '.join(missing)}."
        )
    world = np.asarray(data["world"], dtype=np.float64)
    if world.ndim != 3 or world.shape[1:] != (N_LANDMARKS, 3) or world.shape[0] < 1:
        raise MotionFormatError(
            f"{path}: world landmarks of shape {world.shape}; expected (T, {N_LANDMARKS}, 3), MediaPipe Pose's 33 "
            "landmarks per frame. Other keypoint layouts are not pose tracks."
        )
    T = world.shape[0]
    image = np.asarray(data["image"], dtype=np.float64)
    vis = np.asarray(data["visibility"], dtype=np.float64)
    if image.shape != (T, N_LANDMARKS, 2) or vis.shape != (T, N_LANDMARKS):
        raise MotionFormatError(
            f"{path}: image landmarks {image.shape} and visibility {vis.shape} do not match the world landmarks' "
            f"{T} frames; expected ({T}, {N_LANDMARKS}, 2) and ({T}, {N_LANDMARKS})."
        )
    strings = {k: str(data[k]) for k in ("model", "mediapipe_version", "track_version", "video_sha256") if k in data}
    track = PoseTrack(
        world, image, vis, float(data["fps"]), int(data["width"]), int(data["height"]), strings.get("model", "")
    )
    return track, strings


def cache_path(video: Path) -> Path:
    """Where the pose track of `video` is cached: `<video>.pose.npz` beside it when that folder is writable,
    else `$XDG_CACHE_HOME/motion-smd/pose/<name>.pose.npz` (default `~/.cache`)."""
    beside = video.with_name(video.name + ".pose.npz")
    if os.access(video.parent if str(video.parent) else Path("."), os.W_OK):
        return beside
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "motion-smd" / "pose" / beside.name


class CachedTrack(NamedTuple):
    """What `pose_track` returns: the track, whether it came from the cache, and the video's SHA-256."""

    track: PoseTrack
    from_cache: bool
    video_sha256: str


def pose_track(video: Path, use_cache: bool = True, region: Region | None = None) -> CachedTrack:
    """The pose track of a video: read from its cache file when that was made from the same video bytes with
    the same model, region and layout (`cache_path`), else extracted (`extract_pose_track`, with a progress bar
    on standard error: standard output is the SMD's) and cached.

    Raises:
        ConfigError, MotionFormatError: see `extract_pose_track`.
    """
    sha = file_sha256(video)
    cached = cache_path(video)
    if use_cache and cached.is_file():
        try:
            track, strings = load_track(cached)
            if (
                strings.get("video_sha256") == sha
                and strings.get("track_version") == TRACK_VERSION
                and strings.get("model") == model_name(region)
            ):
                return CachedTrack(track, True, sha)
        except MotionFormatError:
            pass  # a damaged cache file is made again
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"pose: {video.name}", total=None)
        track = extract_pose_track(
            video, lambda done, total: progress.update(task, completed=done, total=total), region
        )
    if use_cache:
        with contextlib.suppress(MotionSMDError):  # an unwritable cache only costs the next run the model again
            save_track(track, cached, sha)
    return CachedTrack(track, False, sha)


def track_parts(track: PoseTrack, source: str, options: ReadOptions) -> list[Motion]:
    """The motions of a pose track: SMPL-22 joints (`pose_map.map_track`), short gaps interpolated, one Motion per
    part between long gaps (`pose_map.fill_gaps`), each canonical (per `options`) with its header note.

    Raises:
        MotionValueError: no part long enough (no person in the video).
    """
    joints, report = fill_gaps(map_track(track), track.fps, MAX_GAP_S)
    n = len(report.parts)
    low = ", ".join(f"{name.replace('_', ' ')} {frames}" for name, frames in sorted(report.low_visibility.items()))
    where = track.model.split("; region ")[1] if "; region " in track.model else ""
    head = (
        f"video, pose by MediaPipe Pose{f' in the frame region {where}' if where else ''} (33 landmarks mapped to "
        "SMPL-22; pelvis, spine, neck, collars, head and feet built from them; trajectory estimated from the image)"
    )
    motions = []
    for k, (a, b) in enumerate(report.parts):
        note = f"{head}; frames {a}–{b - 1} of {track.n_frames} ({a / track.fps:.1f}s–{(b - 1) / track.fps:.1f}s)"
        if n > 1:
            note += (
                f", part {k + 1} of {n} (split where the pose was lost for more than {MAX_GAP_S:g}s or switched to "
                "another person)"
            )
        note += f"; {report.no_pose_frames} frames without a pose"
        if report.interpolated_frames:
            note += f" ({report.interpolated_frames} inside parts interpolated)"
        if low:
            note += f"; frames (all parts) with a joint below visibility {VISIBILITY_MIN:g}: {low}"
        motion = Motion(
            joints[a:b], track.fps, source=source, meta={"format": "video", "rig": "mediapipe", "note": note}
        )
        motions.append(postprocess(motion, options))
    return motions


def read_video_parts(path: Path, options: ReadOptions) -> list[Motion]:
    """`track_parts` of a video file's (cached) pose track (`pose_track`).

    Raises:
        ConfigError: mediapipe/OpenCV missing.
        MotionFormatError: empty or undecodable video.
        MotionValueError: no person found long enough.
    """
    return _parts_or_error(path, pose_track(path, region=parse_region(options.roi)).track, options)


def _parts_or_error(path: Path, track: PoseTrack, options: ReadOptions) -> list[Motion]:
    try:
        return track_parts(track, str(path), options)
    except MotionValueError as exc:
        raise MotionValueError(
            f"{path}: {exc} Is a person fully in view? MediaPipe Pose needs the whole body visible."
        ) from None


def read_video(path: Path, options: ReadOptions) -> Motion:
    """The first part of a video's motion (`read_video_parts`; `smd describe` describes every part)."""
    return read_video_parts(path, options)[0]


def read_pose_track(path: Path, options: ReadOptions) -> Motion:
    """The first part of the motion in a pose track file (`.pose.npz`, see `load_track`)."""
    return read_pose_track_parts(path, options)[0]


def read_pose_track_parts(path: Path, options: ReadOptions) -> list[Motion]:
    """Every part of the motion in a pose track file (`.pose.npz`)."""
    track, _ = load_track(path)
    return _parts_or_error(path, track, options)


register_reader(
    "video", VIDEO_SUFFIXES, read_video, "video; one person's pose by MediaPipe Pose (extra [video])", read_video_parts
)
register_reader(
    "pose-track", (".pose.npz",), read_pose_track, "MediaPipe pose track made by `smd pose`", read_pose_track_parts
)
