"""Segmentation: turning points with hysteresis, holds, cycles (spec/smd_format.md "Segments")."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from motion_smd.segment_kernel import PRINT_EXTREME_SLACK
from motion_smd.segmentation import SegmentParams, local_extrema, segment_series, smooth_series, turning_points

FPS = 20.0
P = SegmentParams(delta=5.0, hold_tol=1.5, min_hold_frames=6)


def test_local_extrema_with_plateau() -> None:
    x = np.array([0, 1, 2, 2, 2, 1, 0, 0, 1], dtype=float)
    assert local_extrema(x).tolist() == [0, 2, 6, 8]


def test_turning_points_hysteresis_ignores_small_wiggles() -> None:
    t = np.arange(200) / FPS
    x = 30 * np.sin(2 * np.pi * t / 4) + 2 * np.sin(2 * np.pi * t * 3)  # wiggles of 4° peak-to-peak < δ
    piv = turning_points(x, 5.0)
    # true extrema near 1 s (peak), 3 s (valley), 5 s, 7 s, 9 s
    assert len(piv) == 7 and piv[0] == 0 and piv[-1] == 199
    assert [round(p / FPS) for p in piv[1:-1]] == [1, 3, 5, 7, 9]
    assert turning_points(np.zeros(50), 5.0) == [0, 49]


def test_hold_rise_hold() -> None:
    x = np.concatenate([np.full(40, 3.0), np.linspace(3, 84, 16), np.full(30, 84.0)])
    segs = segment_series(x, FPS, P)
    assert [s.kind for s in segs] == ["holds", "increases", "holds"]
    assert segs[0].mean_value == pytest.approx(3.0)
    assert segs[1].start_value == pytest.approx(3.0) and segs[1].end_value == pytest.approx(84.0)
    assert segs[0].start_frame == 0 and segs[-1].end_frame == len(x) - 1
    # the rise is printed over the frames that move: 40 → 55 (the ramp), not into the plateaus
    assert (segs[1].start_frame, segs[1].end_frame) == (40, 55)
    for a, b in itertools.pairwise(segs):
        assert a.end_frame == b.start_frame  # the holds reach the move


def test_static_channel_has_no_segments() -> None:
    x = 2.0 * np.sin(np.linspace(0, 20, 300))  # range 4 < δ
    assert segment_series(x, FPS, P) == ()


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_cycles_collapse_with_count(n: int) -> None:
    t = np.arange(int((n * 1.5 + 1.0) * FPS)) / FPS
    u = np.clip((t - 0.5) / 1.5, 0, n)
    x = 50 * (1 - np.cos(2 * np.pi * u)) / 2
    segs = segment_series(x, FPS, P)
    osc = [s for s in segs if s.kind == "oscillates"]
    assert len(osc) == 1
    assert osc[0].cycles == n
    assert osc[0].period_s == pytest.approx(1.5, abs=0.1)
    assert osc[0].min_value == pytest.approx(0, abs=1) and osc[0].max_value == pytest.approx(50, abs=1)


def test_dissimilar_moves_are_not_cycles() -> None:
    x = np.concatenate(
        [np.linspace(0, 60, 20), np.linspace(60, 50, 10), np.linspace(50, 110, 20), np.linspace(110, 0, 40)]
    )
    kinds = [s.kind for s in segment_series(x, FPS, P)]
    assert "oscillates" not in kinds
    assert kinds.count("increases") == 2 and kinds.count("decreases") == 2


def test_cycles_can_be_disabled() -> None:
    x = 20 * np.sin(np.arange(200) / FPS * 2 * np.pi)
    params = SegmentParams(delta=5.0, hold_tol=1.5, min_hold_frames=6, cycles=False)
    assert all(s.kind != "oscillates" for s in segment_series(x, FPS, params))


def test_smoothing_is_light_and_shape_preserving() -> None:
    x = np.random.default_rng(0).normal(size=(100, 3))
    y = smooth_series(x, FPS, 0.05)
    assert y.shape == x.shape and y.std() < x.std()
    assert smooth_series(x, FPS, 0.0) is not None
    np.testing.assert_array_equal(smooth_series(x, FPS, 0.0), x)


def test_no_zero_size_moves_next_to_holds() -> None:
    """A drift smaller than δ before a hold, or after the last one, is never printed as a move."""
    x = np.concatenate([np.linspace(0, 0.5, 18), np.full(10, 0.4), np.linspace(0.4, -9, 5), np.full(8, -9.5)])
    segs = segment_series(x, FPS, P)
    for s in segs:
        if s.kind in ("increases", "decreases"):
            assert abs(s.end_value - s.start_value) >= P.delta, segs
    assert segs[0].kind == "holds" and segs[0].start_frame == 0


def assert_truthful(segs: tuple, x: np.ndarray, params: SegmentParams = P) -> list[tuple[bool, bool]]:
    """What every segment list must satisfy (format version 2): segments in time order without overlap;
    moves change by at least δ and are printed with the raw series' extremes (within the plateau
    tolerance) over a span of which at least 80 % of the frame steps move (speed ≥ 20 % of the move's mean
    speed); holds stay within twice the tolerance; oscillations print the raw extremes of their span."""
    speed = np.abs(np.diff(x)) * FPS  # step t → t + 1
    moves: list[tuple[bool, bool]] = []
    for a, b in itertools.pairwise(segs):
        assert b.start_frame >= a.end_frame, (a, b)
    for s in segs:
        assert s.end_frame > s.start_frame, s
        part = x[s.start_frame : s.end_frame + 1]
        if s.kind in ("increases", "decreases"):
            assert abs(s.end_value - s.start_value) >= params.delta - 1e-9, s
            lo, hi = (s.start_value, s.end_value) if s.kind == "increases" else (s.end_value, s.start_value)
            assert part.min() >= lo - 1e-9 and part.max() <= hi + 1e-9, s  # the values are the extremes
            slack = max(params.hold_tol, PRINT_EXTREME_SLACK * params.delta) + 1e-9  # trimmed ends (kernel)
            assert part.min() - lo <= slack and hi - part.max() <= slack, s
            mean_speed = abs(s.end_value - s.start_value) / ((s.end_frame - s.start_frame) / FPS)
            moving = speed[s.start_frame : s.end_frame] >= 0.2 * mean_speed
            # a move is cut at its slow stretches (2+ steps) while its parts still change by δ: a move with
            # isolated slow steps, or one whose slow middle leaves no such part, stays whole (counted by the
            # caller, large moves apart)
            moves.append((moving.mean() >= 0.8, abs(s.end_value - s.start_value) >= 2 * params.delta))
        elif s.kind == "holds":
            assert np.ptp(part) <= max(2 * params.hold_tol, params.delta) + 1e-9, s
        else:
            assert (s.min_value, s.max_value) == (part.min(), part.max()), s
    return moves


def moving_shares(moves: list[tuple[bool, bool]]) -> tuple[float, float]:
    """Share of all moves, and of the large ones, whose steps move for 80 % of their span."""
    ok = np.array(moves, dtype=bool).reshape(-1, 2)
    return float(ok[:, 0].mean()), float(ok[ok[:, 1], 0].mean())


def test_segments_are_truthful_on_random_signals() -> None:
    rng = np.random.default_rng(7)
    moving: list[tuple[bool, bool]] = []
    for _ in range(300):
        n = int(rng.integers(20, 400))
        x = smooth_series(np.cumsum(rng.normal(size=n)) * rng.uniform(0.5, 8), FPS, 0.1)
        segs = segment_series(x, FPS, P)
        if segs:
            moving += assert_truthful(segs, x)
    every, large = moving_shares(moving)
    assert every >= 0.9 and large >= 0.95, (every, large)  # random walks pause often; real motion: 98 %, 99.9 %


def test_segments_are_truthful_on_real_clips(smd_data_dir: object) -> None:
    from pathlib import Path

    from motion_smd import describe
    from motion_smd.io import load_motion

    root = Path(str(smd_data_dir))
    clips = sorted((root / "bandai_namco").rglob("*.bvh"))[::9] + sorted((root / "cmu").rglob("*.bvh"))
    moving: list[tuple[bool, bool]] = []
    for clip in clips:
        d = describe(load_motion(clip).resample(20))
        for ch in d.angles:
            if ch.segments:
                moving += assert_truthful(ch.segments, ch.values)
    every, large = moving_shares(moving)
    assert every >= 0.95 and large >= 0.99, (every, large)


def test_fast_peaks_are_not_clipped() -> None:
    """The default describer does not smooth: a fast peak is printed at its height (was: 8–12° low on runs)."""
    from motion_smd import SMDOptions

    t = np.arange(60) / FPS
    x = 70 * np.exp(-(((t - 1.5) / 0.08) ** 2))  # a 0.2 s spike to 70°
    assert smooth_series(x, FPS, 0.05).max() < 65  # what the old default smoothing printed
    assert SMDOptions().smooth_s == 0.0
    rise = next(s for s in segment_series(x, FPS, P) if s.kind == "increases")
    assert rise.end_value == pytest.approx(70.0, abs=1e-6)


def test_short_pause_between_moves_is_left_out() -> None:
    """A pause shorter than min_hold between a rise and a fall is neither a hold nor part of the moves."""
    x = np.concatenate([np.linspace(0, 40, 10), np.full(4, 40.0), np.linspace(40, 0, 10)])
    segs = segment_series(x, FPS, P)
    rise, fall = (s for s in segs if s.kind != "holds")
    assert rise.end_frame == 9 and fall.start_frame == 14


@pytest.mark.parametrize("n", [3, 4, 7])
def test_double_hump_cycles_are_counted(n: int) -> None:
    """Knee flexion in gait: a small loading-response peak, then the large swing peak, per cycle."""
    t = np.arange(int(n * 1.1 * FPS) + 1) / FPS
    phase = 2 * np.pi * t / 1.1
    x = 10 + 12 * np.clip(np.sin(phase), 0, None) ** 2 + 55 * np.clip(-np.sin(phase), 0, None) ** 1.5
    segs = segment_series(x, FPS, P)
    osc = [s for s in segs if s.kind == "oscillates"]
    assert len(osc) == 1 and osc[0].cycles in (n - 1, n), segs
    assert osc[0].period_s == pytest.approx(1.1, abs=0.1)
    assert osc[0].max_value == pytest.approx(65, abs=1)


def test_first_move_starts_at_the_clip_start() -> None:
    """A wiggle smaller than δ before the first real move is not a turning point (was: '-9° → -8°' then
    '-8° → -54°' on a real clip)."""
    x = np.concatenate([np.linspace(-9, -8, 3), np.linspace(-8, -54, 8), np.full(10, -54.0)])
    segs = segment_series(x, FPS, P)
    assert segs[0].kind == "decreases" and segs[0].start_frame <= 3
    assert segs[0].start_value == pytest.approx(-8) and segs[0].end_value < -50

