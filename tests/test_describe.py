"""describe() + render_smd() on synthetic motions with known ground truth, variants and determinism."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from motion_smd import SMDOptions, describe, render_smd, smd_text, synthetic
from motion_smd.angles import BODY_PARTS
from motion_smd.errors import ConfigError


def block(text: str, header: str) -> list[str]:
    """The segment lines under a channel header line that starts with `header`."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(header))
    out = []
    for ln in lines[start + 1 :]:
        if ln.endswith(":") or ln.startswith("[") or ln.startswith(("Height", "Forward", "Lateral", "Heading")):
            break
        out.append(ln)
    return out


def test_squat_knee_oscillates_five_cycles() -> None:
    text = smd_text(synthetic.squats(n_reps=5))
    for side in ("Right", "Left"):
        lines = block(text, f"{side} Knee Flexion")
        osc = [ln for ln in lines if ln.startswith("oscillates")]
        assert len(osc) == 1, lines
        assert osc[0].startswith("oscillates 5 cycles between")
        lo, hi = map(int, re.findall(r"between (-?\d+)° and (-?\d+)°", osc[0])[0])
        assert lo <= 5 and 90 <= hi <= 105


@pytest.mark.parametrize("n_steps", [4, 6, 10])
def test_walk_forward_distance(n_steps: int) -> None:
    motion = synthetic.walk_forward(n_steps=n_steps, step_length_m=0.6)
    text = smd_text(motion)
    lines = block(text, "Forward Position")
    ups = [ln for ln in lines if ln.startswith("increases")]
    assert len(ups) == 1, lines
    a, b = map(float, re.findall(r"(-?\d+\.\d+)m → (-?\d+\.\d+)m", ups[0])[0])
    holds = [float(v) for ln in lines for v in re.findall(r"holds at (-?\d+\.\d+)m", ln)]
    total = max([b, *holds]) - min([a, *holds])
    assert total == pytest.approx(0.6 * n_steps, rel=0.10)
    d = describe(motion)
    assert d.summary.travels and d.summary.displacement_m == pytest.approx(0.6 * n_steps, rel=0.10)
    assert "Heading (+ = turned left): static at 0° throughout" in text


@pytest.mark.parametrize("angle", [90.0, -90.0, 180.0])
def test_turn_heading(angle: float) -> None:
    text = smd_text(synthetic.turn_in_place(angle))
    way = "left" if angle > 0 else "right"
    turns = [ln for ln in block(text, "Heading") if ln.startswith("turns")]
    assert len(turns) == 1 and turns[0].startswith(f"turns {way} ")
    amount = int(re.match(r"turns \w+ (\d+)°", turns[0]).group(1))  # type: ignore[union-attr]
    assert amount == pytest.approx(abs(angle), abs=10)
    hold_vals = [int(v) for v in re.findall(r"holds at (-?\d+)°", "\n".join(block(text, "Heading")))]
    assert hold_vals[-1] == pytest.approx(angle, abs=2)


def test_arm_raise_is_one_sided() -> None:
    d = describe(synthetic.arm_raise("right", peak_deg=150))
    assert d.angle("shoulder_flexion_r").range_value == pytest.approx(150, abs=3)
    assert d.angle("shoulder_flexion_l").static
    kinds = [s.kind for s in d.angle("shoulder_flexion_r").segments]
    assert kinds == ["holds", "increases", "holds", "decreases", "holds"]


def test_jumping_jacks_count() -> None:
    d = describe(synthetic.jumping_jacks(n_reps=4))
    for name in ("hip_adduction_r", "hip_adduction_l", "shoulder_flexion_r"):
        osc = [s for s in d.angle(name).segments if s.kind == "oscillates"]
        assert [s.cycles for s in osc] == [4], name


def test_standing_is_static() -> None:
    d = describe(synthetic.standing())
    assert all(ch.static for ch in (*d.angles, *d.trajectory))
    assert not d.summary.travels


def test_full_text_structure() -> None:
    motion = synthetic.walk_forward()
    text = smd_text(motion)
    lines = text.splitlines()
    assert lines[0] == f"Motion: 4.3s ({motion.n_frames} frames at 20 FPS)"
    assert lines[1].startswith("Trajectory: displacement ") and lines[2] == "Global Trajectory:"
    headers = [ln[1:-1] for ln in lines if ln.startswith("[")]
    assert headers == list(BODY_PARTS)
    angle_lines = [ln for ln in lines if re.match(r"^[A-Z][A-Za-z ]+ \(.*\):$", ln)]
    assert len(angle_lines) == 26


def test_top_k_and_no_trajectory_variants() -> None:
    motion = synthetic.squats()
    full = smd_text(motion)
    top3 = smd_text(motion, SMDOptions(top_k=3))
    assert len([ln for ln in top3.splitlines() if re.match(r"^[A-Z][A-Za-z ]+ \(.*\):$", ln)]) == 3
    assert len(full) >= 3 * len(top3)
    d = describe(motion, SMDOptions(top_k=3))
    kept = {c.id for c in d.selected_angles()}
    ranges = sorted((c.range_value for c in d.angles), reverse=True)
    assert all(d.angle(i).range_value >= ranges[2] - 1e-9 for i in kept)
    no_traj = smd_text(motion, SMDOptions(trajectory=False))
    assert "Trajectory" not in no_traj and no_traj.splitlines()[1] == "Joint Angles:"


def test_delta_variant_changes_detail() -> None:
    motion = synthetic.walk_forward()
    fine = smd_text(motion, SMDOptions(delta_deg=3))
    coarse = smd_text(motion, SMDOptions(delta_deg=15))
    assert len(coarse) < len(fine)


def test_options_validation() -> None:
    with pytest.raises(ConfigError):
        SMDOptions(top_k=0)
    with pytest.raises(ConfigError):
        SMDOptions(delta_deg=-1)
    with pytest.raises(ConfigError):
        SMDOptions(format_version=99)
    assert SMDOptions(top_k=3, trajectory=False).variant == "top-3+no-trajectory"


def test_description_is_json_serialisable() -> None:
    d = describe(synthetic.squats(n_reps=2))
    blob = json.dumps(d.to_dict(include_series=True))
    back = json.loads(blob)
    assert back["n_frames"] == d.n_frames and len(back["angles"]) == 26
    assert len(back["angles"][0]["values"]) == d.n_frames


def test_byte_identical_across_runs_and_processes() -> None:
    motion = synthetic.jumping_jacks()
    a = render_smd(describe(motion))
    assert a == render_smd(describe(motion))
    code = (
        "from motion_smd import smd_text, synthetic; import sys; sys.stdout.write(smd_text(synthetic.jumping_jacks()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == a


def test_whole_degree_formatting_rounds_half_away_from_zero() -> None:
    from motion_smd.render import _round_half_up, fmt_deg

    edge = [0.0, -0.0, 0.5, -0.5, -0.4, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, 179.5, -179.5, 1e9 + 0.5]
    assert [fmt_deg(v) for v in edge[:9]] == ["0°", "0°", "1°", "-1°", "0°", "2°", "-2°", "3°", "-3°"]
    rng = np.random.default_rng(0)
    values = [*edge, *rng.normal(0, 90, 20_000).tolist(), *(rng.integers(-400, 400, 2_000) + 0.5).tolist()]
    assert [fmt_deg(v) for v in values] == [f"{int(_round_half_up(v))}°" for v in values]


def test_vectorised_rounding_equals_python_round() -> None:
    from motion_smd.description import round_like_python

    rng = np.random.default_rng(1)
    halves = (rng.integers(-(10**6), 10**6, 50_000) + 0.5) / 10**4  # decimal ties, mostly inexact in binary
    values = np.concatenate(
        [
            rng.normal(0, 100, 50_000),
            rng.normal(0, 1e-3, 10_000),
            halves,
            np.nextafter(halves, np.inf),
            np.nextafter(halves, -np.inf),
            [0.0, -0.0, 0.03125, -0.03125, 1e-5, -1e-5, 2.0**53, 1e300, np.inf, -np.inf],
        ]
    )
    got = round_like_python(values, 4)
    want = [round(v, 4) for v in values.tolist()]
    assert [repr(v) for v in got] == [repr(v) for v in want]  # repr: also tells -0.0 from 0.0
    assert [repr(v) for v in round_like_python(halves * 10, 2)] == [repr(round(v, 2)) for v in (halves * 10).tolist()]


def test_vectorised_segment_numbers_are_written_like_the_scalar_formatters() -> None:
    """The renderer rounds a description's numbers in one vectorised pass; each must read exactly as the
    scalar formatters (fmt_deg, fmt_m, fmt_s) write it."""
    from motion_smd.render import _CENTIMETRES, _DEGREES, _TENTHS, _half_away, fmt_deg, fmt_m, fmt_s

    rng = np.random.default_rng(2)
    v = np.concatenate([rng.normal(0, 3, 20_000), (rng.integers(-999, 999, 2_000) + 0.5) / 100, [0.0, -0.0, -0.004]])
    assert _DEGREES(_half_away(v, 1.0)) == [fmt_deg(x) for x in v.tolist()]
    assert _CENTIMETRES(_half_away(v, 100.0)) == [fmt_m(x) for x in v.tolist()]
    t = np.abs(v) * 10
    tenths = np.floor(t * 10.0 + 0.5).astype(np.int64)
    assert _TENTHS(tenths) == [fmt_s(x) for x in t.tolist()]
    # the lookup tables grow with the values seen; 2-D input gives one list per row
    assert _DEGREES(np.array([[5000, -5000], [0, 1]])) == [["5000°", "-5000°"], ["0°", "1°"]]
