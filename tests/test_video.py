"""Video and pose-track input (issue #16): the MediaPipe → SMPL-22 mapping checked against real mocap seen
through a simulated camera, gaps and track switches, bad input, and the real Sports2D demo video."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from motion_smd.angles import ANGLE_IDS, compute_angles
from motion_smd.errors import MotionFormatError, MotionValueError
from motion_smd.io import load_motion, load_motion_parts
from motion_smd.io.video import load_track, save_track
from motion_smd.pose_map import (
    LANDMARK_NAMES,
    N_LANDMARKS,
    MappedPose,
    PoseTrack,
    body_joints,
    fill_gaps,
    map_track,
    track_breaks,
)
from motion_smd.skeleton import JOINT_INDEX

W, H, HFOV = 1920, 1080, 60.0
CAM = np.array([0.5, 1.2, -5.0])
"""Camera position (Y up, metres), behind the walk's start, looking along +Z (the walk goes away from it)."""
CAM_AXES = np.array([[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]])
"""Rows: the camera's x (image right), y (image down) and z (optical axis) in world coordinates."""
TO_MAPPED = np.diag([1.0, -1.0, -1.0]) @ CAM_AXES
"""World → the axes `map_track` writes (camera axes turned to Y up: x right, y up, z toward the camera)."""


def _landmarks(joints: np.ndarray) -> np.ndarray:
    """(T, 33, 3) Y-up landmark positions made from SMPL-22 joints: same-name joints, ears beside the head
    joint, heel at the ankle and foot index at the foot joint (so the mapping's sole gives back the foot)."""
    T = joints.shape[0]
    out = np.tile(joints[:, JOINT_INDEX["pelvis"]][:, None, :], (1, N_LANDMARKS, 1))
    for name in LANDMARK_NAMES:
        if name in JOINT_INDEX:
            out[:, LANDMARK_NAMES.index(name)] = joints[:, JOINT_INDEX[name]]
    right = joints[:, JOINT_INDEX["right_hip"]] - joints[:, JOINT_INDEX["left_hip"]]
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    head = joints[:, JOINT_INDEX["head"]]
    out[:, LANDMARK_NAMES.index("left_ear")] = head - 0.07 * right
    out[:, LANDMARK_NAMES.index("right_ear")] = head + 0.07 * right
    for side in ("left", "right"):
        out[:, LANDMARK_NAMES.index(f"{side}_heel")] = joints[:, JOINT_INDEX[f"{side}_ankle"]]
        out[:, LANDMARK_NAMES.index(f"{side}_foot_index")] = joints[:, JOINT_INDEX[f"{side}_foot"]]
    assert out.shape == (T, N_LANDMARKS, 3)
    return out


def simulated_track(joints: np.ndarray, fps: float) -> PoseTrack:
    """What an ideal MediaPipe would return for this motion filmed by the camera CAM: world landmarks
    (hip-centred, camera axes) and image landmarks by pinhole projection (hfov HFOV, W × H pixels)."""
    lm = _landmarks(joints)
    cam = (lm - CAM) @ CAM_AXES.T  # camera axes: x right, y down, z away
    mid_hip = (cam[:, 23] + cam[:, 24]) / 2.0
    f = W / (2.0 * np.tan(np.radians(HFOV) / 2.0))
    u = f * cam[..., 0] / cam[..., 2] + W / 2.0
    v = f * cam[..., 1] / cam[..., 2] + H / 2.0
    image = np.stack([u / W, v / H], axis=-1)
    return PoseTrack(cam - mid_hip[:, None], image, np.ones(lm.shape[:2]), fps, W, H, "simulated")


@pytest.fixture(scope="module")
def bandai_walk(smd_data_dir: Path) -> np.ndarray:
    """A real Bandai-Namco walk, canonical joints (T, 22, 3), metres, Y up, at 30 fps."""
    path = smd_data_dir / "bandai_namco" / "dataset-2" / "data" / "dataset-2_walk_active_001.bvh"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return np.asarray(load_motion(path).resample(30.0).joints)


def test_mapping_keeps_limb_angles_of_real_mocap(bandai_walk: np.ndarray) -> None:
    """Knee and elbow flexion (made only of joints MediaPipe has) equal the mocap's through the camera round
    trip: exactly for the mapping itself (`body_joints`), and within the 6 Hz filter's rounding of the fastest
    peaks for the whole of `map_track`; the mocap itself is the reference (its angles never go through the pose
    mapping)."""
    track = simulated_track(bandai_walk, 30.0)
    mapped = map_track(track)
    assert not mapped.breaks.any() and not mapped.missing.any()
    ref = compute_angles(bandai_walk, None, None)
    exact = compute_angles(body_joints(track.world), None, None)
    filtered = compute_angles(mapped.joints, None, None)
    for name, max_deg in (
        ("knee_flexion_r", 5.0),
        ("knee_flexion_l", 5.0),
        ("elbow_flexion_r", 7.0),
        ("elbow_flexion_l", 7.0),
    ):
        k = ANGLE_IDS.index(name)
        assert np.abs(exact[:, k] - ref[:, k]).max() < 1e-6, name
        err = np.abs(filtered[:, k] - ref[:, k])
        assert np.median(err) < 1.0 and err.max() < max_deg, (name, np.median(err), err.max())


def test_mapping_recovers_the_walked_path(bandai_walk: np.ndarray) -> None:
    """The trajectory estimated from the image (depth from segment sizes, position from the hip's pixel)
    follows the mocap's own hip path (filmed from 5 m behind its start as it walks away): within 5 % of the
    distance walked, end to end, and 10 % anywhere."""
    mapped = map_track(simulated_track(bandai_walk, 30.0))
    hips = [JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]]
    ref = bandai_walk[:, hips].mean(axis=1)
    got = mapped.joints[:, hips].mean(axis=1)
    ref = ref @ TO_MAPPED.T  # the mocap's path in map_track's axes
    ref_moved = ref[-1] - ref[0]
    got_moved = got[-1] - got[0]
    walked = float(np.linalg.norm(ref_moved))
    assert walked > 2.0  # the clip really walks
    assert np.linalg.norm(got_moved - ref_moved) < 0.05 * walked, (got_moved, ref_moved)
    path_err = np.linalg.norm((got - got[0]) - (ref - ref[0]), axis=1)
    assert path_err.max() < 0.1 * walked


def test_short_gaps_are_interpolated_long_ones_split() -> None:
    T = 90
    joints = np.zeros((T, 22, 3))
    joints[..., 0] = np.linspace(0.0, 1.0, T)[:, None]
    joints[40:45] = np.nan  # 5 frames at 30 fps: interpolated
    joints[60:80] = np.nan  # 20 frames: a split
    mapped = MappedPose(joints, np.zeros((T, 22), dtype=bool), np.zeros(T, dtype=bool))
    out, report = fill_gaps(mapped, 30.0, max_gap_s=0.5, min_part_s=0.3)
    assert report.parts == ((0, 60), (80, 90))
    assert report.no_pose_frames == 25 and report.interpolated_frames == 5
    np.testing.assert_allclose(out[40:45, 0, 0], np.linspace(0.0, 1.0, T)[40:45])
    assert np.isnan(out[60:80]).all()


def test_a_switch_to_another_person_splits() -> None:
    """A hip jumping across the image in one frame is another person: the track is split there."""
    T = 60
    world = np.zeros((T, N_LANDMARKS, 3))
    world[:, :, 1] = np.linspace(-0.9, 0.9, N_LANDMARKS)  # a body of some height, hip-centred
    image = np.tile(np.stack([np.full(N_LANDMARKS, 0.3), np.linspace(0.2, 0.8, N_LANDMARKS)], -1), (T, 1, 1))
    image[30:, :, 0] += 0.4  # from frame 30 the "person" is 0.4 image widths to the right
    track = PoseTrack(world, image, np.ones((T, N_LANDMARKS)), 30.0, W, H, "test")
    breaks = track_breaks(track)
    assert breaks.tolist() == [i == 30 for i in range(T)]
    _, report = fill_gaps(map_track(track), 30.0, min_part_s=0.3)
    assert report.parts == ((0, 30), (30, 60))


def test_no_person_is_a_clear_error() -> None:
    T = 40
    nan = np.full((T, N_LANDMARKS, 3), np.nan)
    track = PoseTrack(nan, nan[..., :2], np.zeros((T, N_LANDMARKS)), 30.0, W, H, "test")
    with pytest.raises(MotionValueError, match="no person"):
        fill_gaps(map_track(track), 30.0)


def test_pose_track_file_round_trip_and_bad_files(tmp_path: Path, bandai_walk: np.ndarray) -> None:
    track = simulated_track(bandai_walk[:60], 30.0)
    path = save_track(track, tmp_path / "walk.pose.npz", "abc")
    back, strings = load_track(path)
    assert strings["video_sha256"] == "abc" and back.n_frames == 60
    np.testing.assert_allclose(back.world, track.world, atol=1e-6)  # stored as float32
    parts = load_motion_parts(path)
    assert len(parts) == 1 and "pose by MediaPipe" in parts[0].meta["note"]
    wrong = tmp_path / "wrong.pose.npz"
    np.savez(wrong, world=np.zeros((10, 17, 3)), image=np.zeros((10, 17, 2)), visibility=np.zeros((10, 17)),
             fps=30.0, width=W, height=H)  # fmt: skip
    with pytest.raises(MotionFormatError, match=r"wrong\.pose\.npz.*\(T, 33, 3\)"):
        load_motion(wrong)
    junk = tmp_path / "junk.pose.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(MotionFormatError, match=r"junk\.pose\.npz: not a readable pose track"):
        load_motion(junk)


# ------------------------------------------------------------------------------------------------------------
# Real video (needs the [video] extra and the sports2d wheel, which holds the demo video)
# ------------------------------------------------------------------------------------------------------------

HAVE_MEDIAPIPE = importlib.util.find_spec("mediapipe") is not None and importlib.util.find_spec("cv2") is not None


def _demo_video() -> Path:
    spec = importlib.util.find_spec("Sports2D")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the sports2d wheel (pip install --no-deps sports2d) holding Demo/demo.mp4 is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "Demo" / "demo.mp4"
    if not path.is_file():
        pytest.skip(f"{path} not found in the sports2d wheel")
    return path


@pytest.mark.skipif(not HAVE_MEDIAPIPE, reason='mediapipe/OpenCV not installed (pip install ".[video]")')
def test_bad_videos_fail_clearly(tmp_path: Path) -> None:
    import cv2

    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MotionFormatError, match=r"empty\.mp4: the file is empty"):
        load_motion(empty)
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(MotionFormatError, match=r"corrupt\.mp4: (cannot be decoded|no frame could be decoded)"):
        load_motion(corrupt)
    nobody = tmp_path / "nobody.avi"
    writer = cv2.VideoWriter(str(nobody), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    for k in range(20):
        writer.write(np.full((120, 160, 3), 40 + 5 * k, dtype=np.uint8))
    writer.release()
    with pytest.raises(MotionValueError, match=r"nobody\.avi: no person was found"):
        load_motion(nobody)


@pytest.fixture(scope="module")
def demo_parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The Sports2D demo video copied to a temporary folder (its pose cache is written beside it) and the SMD
    text of each part, as `smd describe` prints it."""
    if not HAVE_MEDIAPIPE:
        pytest.skip('mediapipe/OpenCV not installed (pip install ".[video]")')
    src = _demo_video()
    video = tmp_path_factory.mktemp("video") / "demo.mp4"
    video.write_bytes(src.read_bytes())
    from typer.testing import CliRunner

    from motion_smd.cli import app

    res = CliRunner().invoke(app, ["describe", str(video)])
    assert res.exit_code == 0, res.output
    return video, [p.rstrip("\n") for p in res.stdout.split("\n\n") if p.startswith("Motion:")]


def test_demo_video_described_in_parts_with_its_arm_raises(demo_parts: tuple[Path, list[str]]) -> None:
    """The Sports2D demo: a person on a box raises both arms overhead, then jumps down; the model then loses
    them and finds other people (split into parts). Reference for the arm raises: the image landmarks (an
    elbow above its shoulder in the picture while the trunk stands within 20° of the image's vertical), not
    the SMD. Every raise seen in the image is, in the text, a shoulder flexion rise past 90° or an abduction
    past 90° (adduction falling below −90°), or an oscillation reaching them, within 0.2 s; every flexion rise
    to ≥ 150° ending while the trunk is upright has the elbow above the shoulder in the image within 0.2 s, and
    an oscillation up to ≥ 150° of n cycles spans at least n raises seen in the image."""
    video, parts = demo_parts
    assert len(parts) >= 2
    assert all("Input: video, pose by MediaPipe Pose" in p for p in parts)
    assert "part 1 of" in parts[0]
    track, _ = load_track(video.with_name(video.name + ".pose.npz"))
    found = re.search(r"frames (\d+)–(\d+) of", parts[0])
    assert found
    start, last = int(found.group(1)), int(found.group(2))
    px = track.image * np.array([track.width, track.height])
    trunk = (px[:, 11] + px[:, 12]) / 2.0 - (px[:, 23] + px[:, 24]) / 2.0  # mid-hip → mid-shoulder, pixels
    upright = np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1])) < 20.0  # a leaning body is no reference
    for side in ("left", "right"):
        elbow_y = px[:, LANDMARK_NAMES.index(f"{side}_elbow"), 1]
        up = upright & (elbow_y < px[:, LANDMARK_NAMES.index(f"{side}_shoulder"), 1])
        up_times = (np.flatnonzero(up) - start) / track.fps
        name = side.title()
        flexion = _moves(parts[0], f"{name} Shoulder Flexion", "increases")
        abduction = _moves(parts[0], f"{name} Shoulder Adduction", "decreases")
        flex_osc = _oscillations(parts[0], f"{name} Shoulder Flexion")
        abd_osc = _oscillations(parts[0], f"{name} Shoulder Adduction")
        raised = [(s, e) for s, e, v in flexion if v >= 90.0] + [(s, e) for s, e, v in abduction if v <= -90.0]
        raised += [(s, e) for s, e, _n, _lo, hi in flex_osc if hi >= 90.0]
        raised += [(s, e) for s, e, _n, lo, _hi in abd_osc if lo <= -90.0]
        high = [(s, e) for s, e, v in flexion if v >= 150.0 and upright[min(last, start + round(e * track.fps))]]
        for s, e in high:
            assert np.any(np.abs(up_times - e) <= 0.2), (side, s, e)
        episodes = [(a, b) for a, b in _runs_of(up) if b - a >= 3 and start <= a and b <= last + 1]
        assert len(episodes) >= 2
        # an oscillation up to ≥ 150° claims n raises in its span: the image shows at least n there
        for s, e, n, _lo, hi in flex_osc:
            if hi >= 150.0:
                inside = [ep for ep in episodes if s - 0.2 <= (ep[0] - start) / track.fps <= e + 0.2]
                assert len(inside) >= n, (side, s, e, n, inside)
        assert len(high) + sum(n for *_, n, _lo, hi in flex_osc if hi >= 150.0) >= 2, (side, flexion, flex_osc)
        for a, b in episodes:
            t0, t1 = (a - start) / track.fps, (b - 1 - start) / track.fps
            assert any(s - 0.2 <= t1 and e + 0.2 >= t0 for s, e in raised), (side, t0, t1)


def _oscillations(text: str, channel: str) -> list[tuple[float, float, int, float, float]]:
    """(start_s, end_s, cycles, low, high) of the `oscillates` lines of one channel of an SMD text."""
    block = text.split(f"\n{channel} (", 1)[1].split("):\n", 1)[1]
    block = re.split(r"\n(?:\[|[A-Z][^\n]*\):\n)", block)[0]
    pattern = r"oscillates (\d+) cycles between (-?\d+)° and (-?\d+)° \[(\d+\.\d)s–(\d+\.\d)s\]"
    return [
        (float(m.group(4)), float(m.group(5)), int(m.group(1)), float(m.group(2)), float(m.group(3)))
        for m in re.finditer(pattern, block)
    ]


def _moves(text: str, channel: str, kind: str) -> list[tuple[float, float, float]]:
    """(start_s, end_s, end value) of the `kind` ("increases"/"decreases") lines of one channel of an SMD text."""
    block = text.split(f"\n{channel} (", 1)[1].split("):\n", 1)[1]
    block = re.split(r"\n(?:\[|[A-Z][^\n]*\):\n)", block)[0]
    pattern = kind + r": (-?\d+)° → (-?\d+)° \[(\d+\.\d)s–(\d+\.\d)s\]"
    return [(float(m.group(3)), float(m.group(4)), float(m.group(2))) for m in re.finditer(pattern, block)]


def _runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def test_demo_video_pose_is_cached(demo_parts: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """A second describe reads the cached track: the pose model is not run again, the text is identical."""
    video, parts = demo_parts
    from motion_smd.io import video as video_io

    def no_model(*_a: object, **_k: object) -> None:
        raise AssertionError("the pose model ran again")

    monkeypatch.setattr(video_io, "extract_pose_track", no_model)
    again = load_motion_parts(video)
    from motion_smd import describe
    from motion_smd.render import render_smd

    assert [render_smd(describe(m)) for m in again] == parts


def test_demo_video_region_follows_the_walker_who_crouches(tmp_path: Path) -> None:
    """`--roi 0.4,0.25,1,1` keeps the model off the person on the box: it follows the woman who walks across
    the lawn and later a person crouching. Reference: the image landmarks (hip midpoint travel in pixels, the
    image-plane knee angle), not the SMD. Part 1 walks (forward ≥ 2 m, a knee oscillating at a stride period of
    0.8–1.6 s) while the hips cross ≥ 25 % of the image; part 2 prints a knee flexion of ≥ 90° within 0.3 s of
    the image-plane knee bending past 90°."""
    if not HAVE_MEDIAPIPE:
        pytest.skip('mediapipe/OpenCV not installed (pip install ".[video]")')
    video = tmp_path / "demo.mp4"
    video.write_bytes(_demo_video().read_bytes())
    from typer.testing import CliRunner

    from motion_smd.cli import app

    res = CliRunner().invoke(app, ["describe", str(video), "--roi", "0.4,0.25,1,1"])
    assert res.exit_code == 0, res.output
    parts = [p for p in res.stdout.split("\n\n") if p.startswith("Motion:")]
    assert len(parts) >= 2 and "in the frame region 0.4,0.25,1,1" in parts[0]
    track, _ = load_track(video.with_name(video.name + ".pose.npz"))
    spans = []
    for p in parts[:2]:
        found = re.search(r"frames (\d+)–(\d+) of", p)
        assert found
        spans.append((int(found.group(1)), int(found.group(2))))
    px = track.image * np.array([track.width, track.height])
    hip = (px[:, 23] + px[:, 24]) / 2.0
    (a, b), (c, d) = spans
    assert np.ptp(hip[a : b + 1, 0]) >= 0.25 * track.width  # the walker crosses the image
    forward = re.search(r"Forward Position:\nincreases: 0\.00m → (\d+\.\d\d)m", parts[0])
    assert forward and float(forward.group(1)) >= 2.0, parts[0][:600]
    periods = [
        float(x)
        for x in re.findall(r"Knee Flexion \(bending knee\):\noscillates \d+ cycles .*\(period (\d\.\d)s\)", parts[0])
    ]
    assert periods and all(0.8 <= x <= 1.6 for x in periods), periods
    # the crouch: image-plane knee angle (180° − hip-knee-ankle) past 90° on either side
    bend = []
    for hip_i, knee_i, ankle_i in ((23, 25, 27), (24, 26, 28)):
        u, v = px[:, hip_i] - px[:, knee_i], px[:, ankle_i] - px[:, knee_i]
        cos = (u * v).sum(1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
        bend.append(180.0 - np.degrees(np.arccos(np.clip(cos, -1, 1))))
    image_bend = np.nanmax(np.stack(bend), axis=0)
    crouch = np.flatnonzero(image_bend[c : d + 1] > 90.0)
    assert crouch.size, "no crouch in the image"
    t_img = crouch / track.fps
    knees = re.findall(
        r"increases: -?\d+° → (\d+)° \[(\d+\.\d)s–(\d+\.\d)s\]",
        parts[1].split("[Right Knee]")[1].split("[Right Ankle]")[0],
    )
    deep = [float(e) for v, s, e in knees if int(v) >= 90]
    assert deep and any(np.min(np.abs(t_img - e)) <= 0.3 for e in deep), (deep, t_img)


def test_overlay_is_drawn_over_the_demo_video(demo_parts: tuple[Path, list[str]], tmp_path: Path) -> None:
    """`smd render VIDEO --overlay`: a PNG frame and a GIF of every frame, the skeleton drawn (the picture differs
    from the bare frame where the landmarks are), reading the cached track; a motion file is refused."""
    import cv2
    from PIL import Image
    from typer.testing import CliRunner

    from motion_smd.cli import app

    video, _ = demo_parts
    png, gif = tmp_path / "o.png", tmp_path / "o.gif"
    res = CliRunner().invoke(
        app, ["render", str(video), "--overlay", "-o", str(png), "--width", "320", "--at-s", "1.0"]
    )
    assert res.exit_code == 0, res.output
    drawn = np.asarray(Image.open(png).convert("RGB")).astype(int)
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 30)
    ok, frame = cap.read()
    assert ok and drawn.shape[:2] == (180, 320)
    bare = cv2.cvtColor(cv2.resize(frame, (320, 180), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB).astype(int)
    track, _ = load_track(video.with_name(video.name + ".pose.npz"))
    x, y = (track.image[30, 0] * [320, 180]).round().astype(int)  # the nose: a landmark disc is drawn there
    assert np.abs(drawn[y - 1 : y + 2, x - 1 : x + 2] - bare[y - 1 : y + 2, x - 1 : x + 2]).sum() > 100
    res = CliRunner().invoke(app, ["render", str(video), "--overlay", "-o", str(gif), "--width", "160"])
    assert res.exit_code == 0, res.output
    assert Image.open(gif).n_frames == track.n_frames
    res = CliRunner().invoke(app, ["render", str(video), "--overlay", "-o", str(tmp_path / "o.webp")])
    assert res.exit_code != 0 and "written as .gif, .mp4 or .png" in res.output
    npy = tmp_path / "m.npy"
    np.save(npy, np.zeros((10, 22, 3)))
    res = CliRunner().invoke(app, ["render", str(npy), "--overlay", "-o", str(png)])
    assert res.exit_code != 0 and "--overlay draws over a video" in res.output
