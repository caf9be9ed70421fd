"""Several people on one timeline (issue #16, item 3): two real Bandai-Namco walks placed 12 m apart, walking
toward each other; distances, facing and approach checked against the joints themselves."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from motion_smd.errors import ConfigError
from motion_smd.io import load_motion
from motion_smd.motion import Motion
from motion_smd.together import Placement, describe_together, place

GAP_M = 12.0


@pytest.fixture(scope="module")
def walkers(smd_data_dir: Path) -> tuple[Path, Path]:
    base = smd_data_dir / "bandai_namco" / "dataset-2" / "data"
    a, b = base / "dataset-2_walk_active_001.bvh", base / "dataset-2_walk_normal_001.bvh"
    if not (a.is_file() and b.is_file()):
        pytest.skip("Bandai-Namco walk clips not found")
    return a, b


def _lines(text: str, header: str) -> list[str]:
    block = text.split(header + "\n", 1)[1]
    return re.split(r"\n(?=[A-Z][^\n]*:\n|contact range)", block)[0].split("\n")


def test_two_walkers_meet(walkers: tuple[Path, Path]) -> None:
    a_path, b_path = walkers
    a, b = load_motion(a_path), load_motion(b_path)
    text = describe_together([place(a, Placement()), place(b, Placement(0.0, GAP_M, 180.0))])
    # the reference: the canonical clips' own pelvis paths, person 2 turned by 180° by hand (x, z → −x, 12 − z)
    fps = a.fps
    n = min(a.n_frames, b.resample(fps).n_frames)
    pa = np.asarray(a.canonicalize().joints)[:n, 0][:, [0, 2]]
    pb = np.asarray(b.canonicalize().resample(fps).joints)[:n, 0][:, [0, 2]] * np.array([-1.0, -1.0]) + [0.0, GAP_M]
    dist = np.linalg.norm(pb - pa, axis=1)
    k = int(np.argmin(dist))
    assert text.startswith("People: 2 people")
    assert "[Person 1] " in text and "[Person 2] " in text
    lines = _lines(text, "Distance Person 1–Person 2 (pelvis to pelvis, horizontal):")
    first = re.match(r"decreases: (\d+\.\d\d)m → (\d+\.\d\d)m \[(\d+\.\d)s–(\d+\.\d)s\]", lines[0])
    assert first, lines
    assert float(first.group(1)) == pytest.approx(GAP_M, abs=0.005)
    assert float(first.group(2)) == pytest.approx(dist[k], abs=0.006)  # the closest approach, as printed
    assert float(first.group(4)) == pytest.approx(k / fps, abs=0.15)
    # both face each other at the start (within 10°), and each walked toward the other until they met
    for who, other in (("Person 1", "Person 2"), ("Person 2", "Person 1")):
        facing = _lines(text, f"{who} Facing {other} (0° = facing them, 180° = back turned):")
        start = re.search(r"(?:at|:) (-?\d+)°", facing[0])
        assert start and int(start.group(1)) <= 10, facing
    approach = _lines(text, "Person 1 Approach to Person 2 (distance walked toward them):")
    walked = re.match(r"increases: 0\.00m → (\d+\.\d\d)m", approach[0])
    # reference: person 1's steps projected on the line to person 2, summed up to the closest approach
    line = (pb - pa) / dist[:, None]
    toward = float(sum(np.dot(pa[t + 1] - pa[t], line[t]) for t in range(k)))
    assert walked and float(walked.group(1)) == pytest.approx(toward, abs=0.01)
    assert toward > 0.8 * (pa[k, 1] - pa[0, 1])  # most of the walk went toward the other
    assert "contact range: never" in text


def test_contact_range_is_found() -> None:
    """Two bodies 0.1 m apart are in contact range the whole time, with the closest joints named."""
    from motion_smd.synthetic import DEMOS

    m = DEMOS["squat"]()
    moved = Motion(np.asarray(m.joints) + np.array([0.1, 0.0, 0.0]), m.fps, source="copy")
    text = describe_together([m, moved])
    line = next(x for x in text.split("\n") if x.startswith("contact range"))
    assert re.match(r"contact range: \w[\w ]* of Person 1 – \w[\w ]* of Person 2, closest 0\.\d\dm \[0\.0s–", line)


def test_bad_requests(walkers: tuple[Path, Path], tmp_path: Path) -> None:
    from motion_smd.cli import app

    with pytest.raises(ConfigError, match="at least two"):
        describe_together([load_motion(walkers[0])])
    res = CliRunner().invoke(app, ["describe", str(walkers[0]), str(walkers[1]), "--place", "0,0,0"])
    assert res.exit_code != 0 and "--place was given 1 times for 2 files" in res.output
    res = CliRunner().invoke(app, ["describe", *map(str, walkers), "--place", "0,0", "--place", "0,1,0"])
    assert res.exit_code != 0 and "expected X,Z,YAW" in res.output
    out = tmp_path / "both.txt"
    res = CliRunner().invoke(app, ["describe", *map(str, walkers), "--together", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("People: 2 people")


def test_two_walkers_as_2d_keypoints(walkers: tuple[Path, Path], tmp_path: Path) -> None:
    """The same scene filmed from the side by one camera, saved as a (T, 2, 25, 3) BODY-25 array: one 2-D SMD per
    person and an image-plane interaction whose distances match the joints (the camera's metres per pixel at the
    people's depth given)."""
    from motion_smd.projection import Camera, project

    a, b = (load_motion(p) for p in walkers)
    pa, pb = place(a, Placement()), place(b.resample(a.fps), Placement(0.0, GAP_M, 180.0))
    n = min(pa.n_frames, pb.n_frames)
    ja, jb = np.asarray(pa.joints)[:n], np.asarray(pb.joints)[:n]
    cam = Camera(view="side")
    centre = np.array([0.0, 0.9, GAP_M / 2])
    people = [project(j, a.fps, cam, "body25", look_at=centre) for j in (ja, jb)]
    arr = np.stack([np.concatenate([kp.xy, kp.confidence[..., None]], -1) for kp in people], axis=1)
    path = tmp_path / "two.kp2d.npy"
    np.save(path, arr)
    m_per_px = cam.distance_m * 2.0 * np.tan(np.radians(cam.hfov_deg) / 2.0) / cam.width  # at the depth aimed at
    from motion_smd.cli import app

    res = CliRunner().invoke(app, ["describe", str(path), "--m-per-px", repr(float(m_per_px))])
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert text.startswith("People: 2 people (2-D keypoints, body25)")
    assert "[Person 2]" in text and "Right Knee Flexion (2-D)" in text
    # reference: the hip midpoints' separation across the optical axis (z and y), from the joints
    hips = [(j[:, 1] + j[:, 2]) / 2.0 for j in (ja, jb)]
    sep = np.linalg.norm((hips[1] - hips[0])[:, 1:], axis=1)
    lines = _lines(text, "Distance Person 1–Person 2 (hip midpoints, image plane):")
    first = re.match(r"decreases: (\d+\.\d\d)m → (\d+\.\d\d)m", lines[0])
    assert first, lines
    assert float(first.group(1)) == pytest.approx(sep[0], abs=0.05)
    assert float(first.group(2)) == pytest.approx(sep.min(), abs=0.05)
