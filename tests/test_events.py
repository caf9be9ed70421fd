"""The event timeline (issue #15): synthetic motions with known events, and real turns and walks checked against
references computed here from the joints (not through the SMD code)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from motion_smd import synthetic
from motion_smd.events import motion_events
from motion_smd.io import load_motion


def _number(text: str) -> float:
    return float(re.findall(r"-?[\d.]+", text)[-1])


def test_synthetic_events() -> None:
    (turn,) = motion_events(synthetic.turn_in_place(90.0))
    assert turn.kind == "turn" and turn.text.startswith("turns left") and abs(_number(turn.text) - 90) <= 5
    assert abs(turn.start_s - 0.5) <= 0.2 and abs(turn.end_s - 2.5) <= 0.2
    (turn,) = motion_events(synthetic.turn_in_place(-120.0))
    assert turn.text.startswith("turns right") and abs(_number(turn.text) - 120) <= 5
    walk = motion_events(synthetic.walk_forward(n_steps=6))
    assert [e.kind for e in walk] == ["repetition", "travel"]
    assert walk[0].text.startswith("takes 3 strides")
    assert walk[1].text.startswith("travels forward") and abs(float(walk[1].text.split()[2][:-1]) - 6 * 0.65) <= 0.2
    raise_, lower = motion_events(synthetic.arm_raise("right", 150.0))
    assert raise_.text == "raises the right arm forward to 150°" and lower.text.startswith("lowers the right arm")
    (squats,) = motion_events(synthetic.squats(n_reps=5))  # height and knees are inside the repetition
    assert squats.text.startswith("repeats 5 times")
    assert motion_events(synthetic.standing()) == []


def _reference_yaw_deg(joints: np.ndarray) -> np.ndarray:
    """Body yaw from the hips and shoulders (+ = turned left), unwrapped, degrees: computed here directly."""
    across = (joints[:, 2] - joints[:, 1]) + (joints[:, 17] - joints[:, 16])  # right − left
    return np.degrees(np.unwrap(np.arctan2(-across[:, 2], across[:, 0])))


def test_real_turns_have_the_body_yaw_direction_and_size(smd_data_dir: Path) -> None:
    """Measured 2026-12-02: all 28 walk-turn clips give one turn event of the reference's direction; 27 are
    within 20° of the reference's yaw change (median of the last 0.5 s minus the first), the other within 22°."""
    clips = sorted((smd_data_dir / "bandai_namco").rglob("*walk-turn-*.bvh"))
    if not clips:
        pytest.skip("no Bandai-Namco walk-turn clips")
    errors = []
    for path in clips:
        motion = load_motion(path)
        yaw = _reference_yaw_deg(np.asarray(motion.joints))
        k = max(1, int(0.5 * motion.fps))
        reference = float(np.median(yaw[-k:]) - np.median(yaw[:k]))
        turns = [e for e in motion_events(motion) if e.kind == "turn"]
        assert len(turns) == 1, (path.name, turns)
        signed = _number(turns[0].text) * (1 if "left" in turns[0].text else -1)
        assert np.sign(signed) == np.sign(reference), path.name
        errors.append(abs(signed - reference))
    assert np.mean(np.array(errors) <= 20.0) >= 0.9 and max(errors) <= 25.0, errors


def test_real_straight_walks_travel_forward_the_pelvis_distance(smd_data_dir: Path) -> None:
    clips = sorted((smd_data_dir / "bandai_namco").rglob("*_walk_*.bvh"))
    if not clips:
        pytest.skip("no Bandai-Namco walk clips")
    ratios = []
    for path in clips:
        motion = load_motion(path)
        pelvis = np.asarray(motion.joints)[:, 0, [0, 2]]
        reference = float(np.hypot(*(pelvis[-1] - pelvis[0])))
        travel = [e for e in motion_events(motion) if e.kind == "travel"]
        assert travel and all(e.text.startswith("travels forward") for e in travel), (path.name, travel)
        ratios.append(sum(float(e.text.split()[2][:-1]) for e in travel) / reference)
    assert min(ratios) >= 0.95 and max(ratios) <= 1.05, ratios  # measured 2026-12-02: 0.985–1.015 on 44 walks


def test_smd_events_command(tmp_path: Path) -> None:
    path = tmp_path / "turn.npy"
    np.save(path, synthetic.turn_in_place(90.0).joints.astype(np.float32))
    res = subprocess.run([sys.executable, "-m", "motion_smd.cli", "events", str(path)], capture_output=True, text=True)
    assert res.returncode == 0 and re.fullmatch(r"\[0\.\ds–2\.\ds\] turns left \d+°\n", res.stdout), res.stdout


def _reference_lean_deg(joints: np.ndarray) -> np.ndarray:
    """Forward lean of the pelvis→neck line from the vertical, degrees (+ = toward the facing), computed here."""
    across = (joints[:, 2] - joints[:, 1]) + (joints[:, 17] - joints[:, 16])  # right − left
    facing = np.stack([across[:, 2], np.zeros(len(across)), -across[:, 0]], axis=1)  # up × across, horizontal
    facing /= np.linalg.norm(facing, axis=1, keepdims=True)
    trunk = joints[:, 12] - joints[:, 0]
    return np.degrees(np.arctan2(np.sum(trunk * facing, axis=1), trunk[:, 1]))


def test_real_bows_bend_forward_and_walks_do_not(smd_data_dir: Path) -> None:
    """Measured 2026-12-02: all 11 of the 15 Bandai-Namco bows whose pelvis→neck line leans ≥ 35° forward
    (reference from the joints) give a "bends forward" event (of the 4 shallower bows, 1 does); no straight walk
    gives a trunk event."""
    root = smd_data_dir / "bandai_namco"
    bows, walks = sorted(root.rglob("*_bow_*.bvh")), sorted(root.rglob("*_walk_*.bvh"))
    if not bows or not walks:
        pytest.skip("no Bandai-Namco bow or walk clips")
    deep = 0
    for path in bows:
        motion = load_motion(path)
        if _reference_lean_deg(np.asarray(motion.joints)).max() < 35.0:
            continue
        deep += 1
        bends = [e for e in motion_events(motion) if e.kind == "trunk" and e.direction == "down"]
        assert bends and bends[0].text.startswith("bends forward to"), path.name
    assert deep >= 10
    for path in walks:
        assert not [e for e in motion_events(load_motion(path)) if e.kind == "trunk"], path.name
