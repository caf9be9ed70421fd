"""Segmentation: turning points with hysteresis, holds, cycles (spec/smd_format.md "Segments")."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

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
    for a, b in itertools.pairwise(segs):
        assert a.end_frame == b.start_frame  # contiguous, no gaps


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
    """A drift smaller than the hold band before a hold, or after the last one, is part of that hold."""
    x = np.concatenate([np.linspace(0, 0.5, 18), np.full(10, 0.4), np.linspace(0.4, -9, 5), np.full(8, -9.5)])
    segs = segment_series(x, FPS, P)
    for s in segs:
        if s.kind in ("increases", "decreases"):
            assert abs(s.end_value - s.start_value) >= P.delta, segs
    assert segs[0].kind == "holds" and segs[0].start_frame == 0


def assert_tiles(segs: tuple, n_frames: int, delta: float | None = None) -> None:
    """Segments start at 0, end at the last frame, and each starts where the previous one ended; with
    `delta`, no move next to a hold changes by less than that."""
    assert segs[0].start_frame == 0 and segs[-1].end_frame == n_frames - 1
    for a, b in itertools.pairwise(segs):
        assert b.start_frame == a.end_frame, (a, b)
        assert a.end_frame > a.start_frame
        if delta is not None:
            for move, other in ((a, b), (b, a)):
                if move.kind in ("increases", "decreases") and other.kind == "holds":
                    assert abs(move.end_value - move.start_value) >= delta - 1e-9, (move, other)


def test_segments_tile_random_signals() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(20, 400))
        x = smooth_series(np.cumsum(rng.normal(size=n)) * rng.uniform(0.5, 8), FPS, 0.1)
        segs = segment_series(x, FPS, P)
        if segs:
            assert_tiles(segs, n, P.delta - P.hold_tol)


def test_segments_tile_real_clips(smd_data_dir: object) -> None:
    from pathlib import Path

    from motion_smd import describe
    from motion_smd.io import load_motion

    root = Path(str(smd_data_dir))
    clips = sorted((root / "bandai_namco").rglob("*.bvh"))[::9] + sorted((root / "cmu").rglob("*.bvh"))
    for clip in clips:
        d = describe(load_motion(clip).resample(20))
        for ch in (*d.angles, *d.trajectory):
            if ch.segments:
                assert_tiles(ch.segments, d.n_frames)


@pytest.mark.parametrize("n", [2, 4, 7])
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
    assert segs[0].kind == "decreases" and segs[0].start_frame == 0
    assert segs[0].start_value == pytest.approx(-9) and segs[0].end_value < -50

