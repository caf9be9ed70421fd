"""`describe`: Motion → Description (angles, trajectory, segments). Pure and deterministic.

Source: DESIGN.md ("What the system does") and spec/smd_format.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from motion_smd.angles import ANGLES, compute_angles
from motion_smd.description import Channel, Description, TrajectorySummary, Unit
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions
from motion_smd.segmentation import SegmentParams, segment_table, smooth_series
from motion_smd.skeleton import PELVIS
from motion_smd.trajectory import PATH_SMOOTH_S, TRAJECTORY_CHANNELS, path_length_m, trajectory_series

FloatArray = NDArray[np.float64]

_CHANNEL_LABELS: tuple[tuple[str, str, str, str, Unit], ...] = (
    *((a.id, a.group, a.name, a.gloss, "deg") for a in ANGLES),
    *((t.id, "Global Trajectory", t.name, t.gloss, "deg" if t.unit == "deg" else "m") for t in TRAJECTORY_CHANNELS),
)
"""(id, group, name, gloss, unit) of the 26 angle and 4 trajectory channels, in the column order of `describe`."""


def _params(delta: float, options: SMDOptions, fps: float) -> SegmentParams:
    return SegmentParams(
        delta=delta,
        hold_tol=options.hold_tolerance * delta,
        min_hold_frames=max(1, math.ceil(options.min_hold_s * fps - 1e-9)),
        cycles=options.cycles,
    )


def _channel_stats(columns: FloatArray) -> tuple[list[float], list[float], list[float], list[int]]:
    """Per row of (C, T), over its defined (non-NaN) values: max − min, mean, the middle of the band
    (min + max) / 2, and the number of undefined frames. NaN statistics for a row without any defined value
    (the axial rotations are undefined while the knee/elbow is straight)."""
    lo = np.fmin.reduce(columns, axis=1)  # fmin/fmax skip NaN, and give NaN only for an all-NaN row
    hi = np.fmax.reduce(columns, axis=1)
    nan = np.isnan(columns)
    undefined = nan.sum(axis=1)
    if not undefined.any():
        means = columns.mean(axis=1)
    else:  # rows with NaN summed without them (0 in their place); each row's sum is its own (pairwise) sum
        sums = columns.sum(axis=1)
        partial = np.flatnonzero(undefined)
        sums[partial] = np.where(nan[partial], 0.0, columns[partial]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums / (columns.shape[1] - undefined)
    return (hi - lo).tolist(), means.tolist(), ((lo + hi) / 2.0).tolist(), undefined.tolist()


def summarize_trajectory(motion: Motion, delta_m: float) -> TrajectorySummary:
    """Whole-clip trajectory numbers of a canonical motion (spec/smd_format.md, section 2).

    Args:
        motion: canonical Motion.
        delta_m: position threshold; the body "travels" when its smoothed path is at least 2·delta_m long.
    """
    pelvis = motion.joints[:, PELVIS]
    xz = pelvis[:, [0, 2]]
    displacement = float(np.hypot(*(xz[-1] - xz[0])))
    # smoothing pulls the clip ends inward, so the smoothed path may undercut the straight-line distance
    path = max(path_length_m(smooth_series(xz, motion.fps, PATH_SMOOTH_S)), displacement)
    return TrajectorySummary(
        displacement_m=displacement,
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
    return describe_variants(motion, [options or SMDOptions()])[0]


RENDER_ONLY_FIELDS = ("top_k", "trajectory", "timeline", "joint_angles")
"""`SMDOptions` fields that only the renderer reads: variants differing in these share one segmentation."""


@lru_cache(maxsize=64)
def _segmentation_key(options: SMDOptions) -> tuple[object, ...]:
    return tuple(v for k, v in options.to_dict().items() if k not in RENDER_ONLY_FIELDS)


def describe_variants(motion: Motion, variants: Sequence[SMDOptions]) -> list[Description]:
    """Describe one motion under several option sets in one pass (issue #19): the angles and the trajectory
    series are computed once, the segmentation once per distinct set of segmentation options (variants that
    differ only in `RENDER_ONLY_FIELDS`, e.g. all-26, top-3 and no-trajectory, share it).

    Args:
        motion: a canonical Motion; (T, 22, 3) metres, Y up.
        variants: the option sets, e.g. `parse_variants("all-26,top-3,delta-10")`.

    Returns:
        One Description per option set, in order; `render_smd` of each equals `render_smd(describe(motion,
        options))` byte for byte.

    Raises:
        DegenerateSkeletonError: a frame without a defined body or thorax frame.
    """
    fps = motion.fps
    angles = compute_angles(motion.joints, motion.source, motion.meta.get("rig"))  # (T, 26)
    traj = trajectory_series(motion.joints, fps)  # (T, 4)
    raw = np.concatenate([angles, traj], axis=1)
    summaries: dict[float, TrajectorySummary] = {}
    shared: dict[tuple[object, ...], Description] = {}
    out = []
    for opts in variants:
        key = _segmentation_key(opts)
        if key not in shared:
            if opts.delta_m not in summaries:
                summaries[opts.delta_m] = summarize_trajectory(motion, opts.delta_m)
            shared[key] = _segmented(motion, raw, opts, summaries[opts.delta_m])
        out.append(shared[key] if shared[key].options == opts else replace(shared[key], options=opts))
    return out


def _segmented(motion: Motion, raw: FloatArray, opts: SMDOptions, summary: TrajectorySummary) -> Description:
    """The Description of the (T, 30) angle + trajectory series `raw` under `opts`."""
    return describe_series(
        raw, _CHANNEL_LABELS, len(ANGLES), motion.fps, opts, summary, motion.source, motion.meta.get("note", "")
    )


def describe_series(
    raw: FloatArray,
    labels: Sequence[tuple[str, str, str, str, Unit]],
    n_angles: int,
    fps: float,
    opts: SMDOptions,
    summary: TrajectorySummary,
    source: str | None,
    note: str = "",
) -> Description:
    """The Description of any set of channels: angles first, then trajectory channels (the 3-D describer's 26 +
    4, or the 2-D keypoint describer's own set, `motion_smd.describe2d`).

    Args:
        raw: (T, C) float64 series, channel units (degrees; metres for "m" trajectory channels); NaN where
            undefined.
        labels: C (id, group, name, gloss, unit); group must be one of `angle_table.BODY_PARTS` for angles.
        n_angles: the first n_angles columns are angles (δ = `delta_deg`); the rest are trajectory channels
            (δ = `delta_heading_deg` for degrees, `delta_m` for metres).
        fps: frame rate.
        opts: describer options.
        summary: the whole-clip trajectory numbers.
        source: motion id or path.
        note: the text's "Input:" line ("" for none).
    """
    series = smooth_series(raw, fps, opts.smooth_s)  # unsmoothed by default
    ang_params = _params(opts.delta_deg, opts, fps)
    params = [ang_params] * n_angles + [
        _params(opts.delta_heading_deg if unit == "deg" else opts.delta_m, opts, fps) for *_, unit in labels[n_angles:]
    ]
    columns = np.ascontiguousarray(series.T)  # (C, T): each channel's series is a contiguous row
    ranges, means, levels, undefined = _channel_stats(columns)
    table, rows = segment_table(columns, fps, params, ranges)
    channels = [
        Channel(
            *label,
            columns[c],
            ranges[c],
            means[c],
            table,
            rows[c],
            params[c].delta,
            params[c].hold_tol,
            levels[c],
            undefined[c],
        )
        for c, label in enumerate(labels)
    ]
    return Description(
        source=source,
        n_frames=raw.shape[0],
        fps=fps,
        options=opts,
        summary=summary,
        trajectory=tuple(channels[n_angles:]),
        angles=tuple(channels[:n_angles]),
        note=note,
    )
