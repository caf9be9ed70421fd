"""The 2-D SMD (issue #16, item 2): the description of 2-D keypoints, image-plane angles and trajectory.

Same text format, segmentation and options as the 3-D SMD (`motion_smd.describer.describe_series`), with the
angles of `motion_smd.keypoints2d.ANGLES_2D` (each named "(2-D)") and two trajectory channels in the image
plane, and an `Input:` header line that says it is 2-D, which way the person faces and where the metres come
from. Keypoints below CONFIDENCE_MIN are missing; gaps up to MAX_GAP_S are interpolated, longer ones leave the
angles undefined there (the text says in how many frames).
"""

from __future__ import annotations

import numpy as np

from motion_smd.describer import describe_series
from motion_smd.description import Description, TrajectorySummary, Unit
from motion_smd.errors import MotionValueError
from motion_smd.keypoints2d import (
    ANGLES_2D,
    BODY_HEIGHT_M,
    Keypoints2D,
    facing_sign,
    hip_path,
    image_angles,
    metres_per_unit,
)
from motion_smd.options import SMDOptions
from motion_smd.pose_map import fill_short_gaps
from motion_smd.render import fmt_s, render_smd
from motion_smd.segmentation import smooth_series
from motion_smd.smoothing import BUTTER_CUTOFF_HZ, butterworth_low_pass, runs
from motion_smd.trajectory import PATH_SMOOTH_S, path_length_m

CONFIDENCE_MIN = 0.3
"""A keypoint with a lower detector confidence is treated as missing (OpenPose's and MMPose's usual cut)."""

MAX_GAP_S = 0.5
"""Missing stretches of a keypoint up to this long are interpolated."""


TRAJECTORY_2D: tuple[tuple[str, str, str, str, Unit], ...] = (
    ("height", "Global Trajectory", "Vertical Position (image plane, above the lowest ankle)", "rising", "m"),
    ("forward", "Global Trajectory", "Horizontal Position (image plane, + = facing direction)", "moving forward", "m"),
)  # fmt: skip
"""(id, group, name, gloss, unit) of the 2-D trajectory channels."""


def clean_keypoints(kp: Keypoints2D) -> tuple[Keypoints2D, int]:
    """Keypoints below CONFIDENCE_MIN set missing, missing stretches of at most MAX_GAP_S between seen frames
    interpolated, and the result low-pass filtered (BUTTER_CUTOFF_HZ), per keypoint.

    Returns:
        The cleaned keypoints (xy (T, K, 2) float64, image units) and the number of (frame, keypoint) values
        still missing."""
    xy = kp.xy.copy()
    xy[~(kp.confidence >= CONFIDENCE_MIN)] = np.nan
    max_gap = round(MAX_GAP_S * kp.fps)
    for k in range(xy.shape[1]):
        unseen = np.asarray(~np.isfinite(xy[:, k]).all(axis=1))
        xy[:, k] = butterworth_low_pass(fill_short_gaps(xy[:, k], unseen, max_gap), kp.fps)
    missing = int((~np.isfinite(xy).all(axis=2)).sum())
    return Keypoints2D(xy, kp.confidence, kp.layout, kp.fps), missing


def describe_keypoints(
    kp: Keypoints2D,
    options: SMDOptions | None = None,
    m_per_unit: float | None = None,
    source: str | None = None,
) -> Description:
    """The 2-D Description of one person's keypoints.

    Args:
        kp: the keypoints (image units: pixels or normalised coordinates).
        options: describer options (the 3-D ones; δ in degrees and metres).
        m_per_unit: metres per image unit; None = from the person's size and an assumed BODY_HEIGHT_M
            (`keypoints2d.metres_per_unit`).
        source: file path or id.

    Raises:
        MotionValueError: a layout without the limbs, no frame showing the person's size, or hips and ankles
            seen in fewer than 2 frames.
    """
    return _describe_cleaned(kp, clean_keypoints(kp), options, m_per_unit, source)


def _describe_cleaned(
    kp: Keypoints2D,
    cleaned: tuple[Keypoints2D, int],
    options: SMDOptions | None,
    m_per_unit: float | None,
    source: str | None,
) -> Description:
    """`describe_keypoints` of keypoints already through `clean_keypoints` (`cleaned`: its result)."""
    opts = options or SMDOptions()
    clean, missing = cleaned
    angles, ids = image_angles(clean)
    scale = m_per_unit if m_per_unit is not None else metres_per_unit(clean)
    path = hip_path(clean) * scale  # (T, 2) metres: x the way the person faces, y up
    ankles = np.stack([-clean.point(f"{s}_ankle")[:, 1] for s in ("left", "right")])  # type: ignore[index]
    seen = np.flatnonzero(np.isfinite(path).all(axis=1))
    if seen.size < 2 or not np.isfinite(ankles).any():
        raise MotionValueError(
            f"the hips and ankles are seen in {seen.size} of {kp.xy.shape[0]} frames; a 2-D description needs them "
            "in at least 2 frames."
        )
    floor = float(np.nanmin(ankles)) * scale
    forward = path[:, 0] - path[seen[0], 0]
    height = path[:, 1] - floor
    labels: list[tuple[str, str, str, str, Unit]] = [(*a, "deg") for a in ANGLES_2D if a[0] in ids]
    raw = np.column_stack([angles, height, forward])
    fps = kp.fps
    ok = np.isfinite(path).all(axis=1)
    xs = forward[ok]
    moved = float(abs(xs[-1] - xs[0])) if xs.size else 0.0
    length = max(path_length_m(smooth_series(np.column_stack([xs, np.zeros_like(xs)]), fps, PATH_SMOOTH_S)), moved)
    summary = TrajectorySummary(
        displacement_m=moved,
        height_change_m=float(height[ok][-1] - height[ok][0]) if ok.any() else 0.0,
        avg_height_m=float(np.mean(height[ok])) if ok.any() else 0.0,
        path_length_m=length,
        mean_speed_m_s=length / (kp.xy.shape[0] / fps),
        travels=length >= 2.0 * opts.delta_m,
    )
    facing = "right" if facing_sign(clean) > 0 else "left"
    where = (
        f"{scale:.4g} m per image unit (given)"
        if m_per_unit is not None
        else f"metres from the person's size in the image, assuming a {BODY_HEIGHT_M:.2f} m tall person"
    )
    note = (
        f"2-D keypoints ({kp.layout}), angles in the image plane (true only for motion parallel to the image: a "
        f"side view shows flexion), the person facing image-{facing}; trajectory in the image plane, {where}; "
        f"keypoints low-pass filtered at {BUTTER_CUTOFF_HZ:g} Hz; {missing} of {kp.xy.shape[0] * kp.xy.shape[1]} "
        f"keypoint values missing after interpolating gaps up to {MAX_GAP_S:g}s"
    )
    return describe_series(raw, [*labels, *TRAJECTORY_2D], len(labels), fps, opts, summary, source, note)


def describe_people_2d(
    people: list[Keypoints2D], options: SMDOptions | None = None, m_per_unit: float | None = None, source: str = ""
) -> str:
    """Several people's 2-D keypoints on one timeline (issue #16, item 3): each person's 2-D SMD under
    `[Person k]`, then an `Interaction (image plane):` section per pair — the distance between their hip
    midpoints, each one's approach along the line to the other (metres: `m_per_unit`, else the mean of the
    people's own size-based scales, `keypoints2d.metres_per_unit`; people at different depths make it
    approximate, and the header says so), and the stretches where keypoints of the two overlap in the image
    (within `together.CONTACT_M`; depth is unknown, so an overlap is not a contact).

    Raises:
        MotionValueError: a person whose size cannot be measured (when no scale is given).
    """
    from motion_smd.together import CONTACT_M, distance_and_approach, series_lines

    opts = options or SMDOptions()
    cleaned_all = [clean_keypoints(kp) for kp in people]
    cleaned = [c for c, _ in cleaned_all]
    scale = m_per_unit if m_per_unit is not None else float(np.mean([metres_per_unit(kp) for kp in cleaned]))
    fps = people[0].fps
    how = (
        "given"
        if m_per_unit is not None
        else "the mean of the people's size-based scales: approximate at different depths"
    )
    head = (
        f"People: {len(people)} people (2-D keypoints, {people[0].layout}), {people[0].xy.shape[0]} frames at "
        f"{fps:g} fps; interaction in the image plane at {scale:.4g} m per image unit ({how})"
    )
    lines = [head]
    for k, kp in enumerate(people, start=1):
        desc = _describe_cleaned(kp, cleaned_all[k - 1], opts, m_per_unit, source)
        lines += [f"[Person {k}] {source}".rstrip(), render_smd(desc)]
    lines.append("Interaction (image plane):")
    hips = [(kp.point("left_hip") + kp.point("right_hip")) / 2.0 * scale for kp in cleaned]  # type: ignore[operator]
    for i in range(len(people)):
        for j in range(i + 1, len(people)):
            p, q = f"Person {i + 1}", f"Person {j + 1}"
            series = distance_and_approach(hips[i], hips[j])
            labels: list[tuple[str, str, str, str, Unit]] = [
                ("distance", "Interaction", f"Distance {p}–{q} (hip midpoints, image plane)", "moving apart", "m"),
                ("approach_ab", "Interaction", f"{p} Approach to {q} (image plane)", "moving toward", "m"),
                ("approach_ba", "Interaction", f"{q} Approach to {p} (image plane)", "moving toward", "m"),
            ]
            lines += series_lines(series, labels, fps, opts)
            gap = np.linalg.norm(cleaned[i].xy[:, :, None, :] - cleaned[j].xy[:, None, :, :], axis=3) * scale
            near = np.nanmin(np.where(np.isfinite(gap), gap, np.inf), axis=(1, 2)) < CONTACT_M
            spans = [f"[{fmt_s(s / fps)}–{fmt_s((e - 1) / fps)}]" for s, e in runs(near)]  # as every SMD time
            lines.append(
                f"image overlap (keypoints within {CONTACT_M:.2f}m in the image plane; depth unknown): "
                + (", ".join(spans) if spans else "never")
            )
    return "\n".join(lines)
