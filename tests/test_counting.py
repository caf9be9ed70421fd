"""Repetition counting (issue #15): exact on synthetic motions with known counts, and on real clips repeated
k times (true count k), through the API and `smd count`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from motion_smd import count_repetitions, describe, synthetic
from motion_smd.datasets.bandai_qa.joining import FPS, join_clips
from motion_smd.io import ReadOptions, load_motion
from motion_smd.motion import Motion


@pytest.mark.parametrize(
    ("motion", "count"),
    [
        (synthetic.squats(n_reps=5), 5),
        (synthetic.squats(n_reps=3), 3),
        (synthetic.jumping_jacks(n_reps=5), 5),
        (synthetic.jumping_jacks(n_reps=8), 8),
        (synthetic.walk_forward(n_steps=6), 3),  # 6 steps = 3 strides (gait cycles)
        (synthetic.walk_forward(n_steps=10), 5),
    ],
    ids=["squats-5", "squats-3", "jacks-5", "jacks-8", "walk-6-steps", "walk-10-steps"],
)
def test_synthetic_counts_are_exact(motion: Motion, count: int) -> None:
    main = count_repetitions(motion)[0]
    assert main.count == count, main.text()


def test_what_repeats_where_and_how_fast() -> None:
    main = count_repetitions(synthetic.squats(n_reps=5, rep_s=2.0))[0]
    assert abs(main.period_s - 2.0) < 0.1 and main.start_s < 1.0 and main.end_s > 10.0
    assert {"Right Knee", "Left Knee", "Right Hip", "Left Hip"} <= set(main.body_parts)
    assert main.text().startswith("5 repetitions [") and "strides" not in main.text()
    walk = count_repetitions(synthetic.walk_forward(n_steps=10))[0]
    assert walk.text().startswith("5 strides") and walk.travel_m > 4.0
    knees = count_repetitions(describe(synthetic.squats()), part="knee")
    assert [r.channels for r in knees] == [("knee_flexion_r", "knee_flexion_l")]
    assert count_repetitions(synthetic.standing()) == []
    with pytest.raises(KeyError, match="choose one of"):
        count_repetitions(synthetic.squats(), part="nose")


CLIPS = [
    "bandai_namco/dataset-1/data/dataset-1_bow_proud_001.bvh",
    "bandai_namco/dataset-2/data/dataset-2_raise-up-left-hand_normal_001.bvh",
    "bandai_namco/dataset-2/data/dataset-2_raise-up-both-hands_active_001.bvh",
]


@pytest.mark.parametrize("name", CLIPS, ids=[Path(c).stem for c in CLIPS])
def test_a_real_clip_repeated_k_times_counts_k(name: str, smd_data_dir: Path) -> None:
    path = smd_data_dir / name
    if not path.exists():
        pytest.skip(f"{path} absent")
    clip = load_motion(path, options=ReadOptions(target_fps=FPS))
    assert count_repetitions(clip) == []  # the single performance does not repeat
    counts = []
    for k in range(2, 7):
        joints, _ = join_clips([clip] * k)
        reps = count_repetitions(Motion(joints, FPS))
        counts.append(reps[0].count if reps else 1)
    assert counts == [2, 3, 4, 5, 6]


def test_smd_count_command(tmp_path: Path) -> None:
    path = tmp_path / "squats.npy"
    np.save(path, synthetic.squats(n_reps=4).joints.astype(np.float32))
    run = [sys.executable, "-m", "motion_smd.cli", "count", str(path)]
    res = subprocess.run([*run, "--part", "knee"], capture_output=True, text=True, check=False)
    assert res.returncode == 0 and res.stdout.startswith("4 repetitions ["), res.stdout + res.stderr
    res = subprocess.run([*run, "--part", "nose"], capture_output=True, text=True, check=False)
    assert res.returncode != 0 and "choose one of" in res.stderr
