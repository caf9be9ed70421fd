"""`describe`: Motion → Description (angles, trajectory, segments). Pure and deterministic.

Source: DESIGN.md ("What the system does") and spec/smd_format.md.
"""

from __future__ import annotations

import math

import numpy as np

from motion_smd.angles import ANGLES, compute_angles
from motion_smd.description import Channel, Description, TrajectorySummary
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions
from motion_smd.segmentation import SegmentParams, segment_series, smooth_series
from motion_smd.skeleton import PELVIS
from motion_smd.trajectory import PATH_SMOOTH_S, TRAJECTORY_CHANNELS, path_length_m, trajectory_series


def _params(delta: float, options: SMDOptions, fps: float) -> SegmentParams:
    return SegmentParams(
        delta=delta,
        hold_tol=options.hold_tolerance * delta,
        min_hold_frames=max(1, math.ceil(options.min_hold_s * fps - 1e-9)),
        cycles=options.cycles,
    )


def summarize_trajectory(motion: Motion, delta_m: float) -> TrajectorySummary:
    """Whole-clip trajectory numbers of a canonical motion (spec/smd_format.md, section 2).

    Args:
        motion: canonical Motion.
        delta_m: position threshold; the body "travels" when its smoothed path is at least 2·delta_m long.
    """
    pelvis = motion.joints[:, PELVIS]
    xz = pelvis[:, [0, 2]]
    path = path_length_m(smooth_series(xz, motion.fps, PATH_SMOOTH_S))
    return TrajectorySummary(
        displacement_m=float(np.hypot(*(xz[-1] - xz[0]))),
        height_change_m=float(pelvis[-1, 1] - pelvis[0, 1]),
        avg_height_m=float(pelvis[:, 1].mean()),
        path_length_m=path,
        mean_speed_m_s=path / motion.duration_s,
        travels=path >= 2.0 * delta_m,
    )


def describe(motion: Motion, options: SMDOptions | None = None) -> Description:
    """Describe a canonical motion.

    Args:
        motion: a canonical Motion (see `Motion.canonicalize`); (T, 22, 3) metres, Y up.
        options: describer options (default `SMDOptions()`, the all-26 variant).

    Returns:
        A Description holding all 26 angle channels and the 4 trajectory channels with their segments
        (top-K and no-trajectory are applied by the renderer, so one Description serves every variant
        with the same thresholds).

    Raises:
        DegenerateSkeletonError: a frame without a defined body or thorax frame.
    """
    opts = options or SMDOptions()
    fps = motion.fps
    angles = compute_angles(motion.joints, motion.source)  # (T, 26)
    traj = trajectory_series(motion.joints, motion.source)  # (T, 4)
    smoothed = smooth_series(np.concatenate([angles, traj], axis=1), fps, opts.smooth_s)
    ang_params = _params(opts.delta_deg, opts, fps)
    angle_channels = []
    for c, spec in enumerate(ANGLES):
        x = np.ascontiguousarray(smoothed[:, c])
        segs = segment_series(x, fps, ang_params)
        rng = float(x.max() - x.min())
        angle_channels.append(Channel(spec.id, spec.group, spec.name, spec.gloss, "deg", x, segs, not segs, rng))
    traj_channels = []
    for k, tspec in enumerate(TRAJECTORY_CHANNELS):
        x = np.ascontiguousarray(smoothed[:, len(ANGLES) + k])
        delta = opts.delta_heading_deg if tspec.unit == "deg" else opts.delta_m
        segs = segment_series(x, fps, _params(delta, opts, fps))
        rng = float(x.max() - x.min())
        traj_channels.append(
            Channel(tspec.id, "Global Trajectory", tspec.name, tspec.gloss, tspec.unit, x, segs, not segs, rng)  # type: ignore[arg-type]
        )
    return Description(
        source=motion.source,
        n_frames=motion.n_frames,
        fps=fps,
        options=opts,
        summary=summarize_trajectory(motion, opts.delta_m),
        trajectory=tuple(traj_channels),
        angles=tuple(angle_channels),
    )
