"""Plots, animations and reports: synthetic motions, real clips (walk, wave, jump), headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from motion_smd import SMDOptions, describe, synthetic
from motion_smd.cli import app
from motion_smd.errors import ConfigError
from motion_smd.io import load_motion
from motion_smd.motion import Motion
from motion_smd.viz import plot_description, render_animation, write_report

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def clip_frames(motion: Motion, fps: float) -> int:
    """Frames of a clip rendered at `fps` (never upsampled): floor((T − 1)·fps/native) + 1."""
    if fps >= motion.fps:
        return motion.n_frames
    return int(np.floor((motion.n_frames - 1) * fps / motion.fps + 1e-9)) + 1


def test_import_does_not_load_matplotlib() -> None:
    code = "import motion_smd.viz, motion_smd.cli, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_gif_frames_and_size(tmp_path: Path) -> None:
    m = synthetic.squats(n_reps=2)
    res = render_animation(m, tmp_path / "s.gif", fps=10, size=(320, 240))
    im = Image.open(res.path)
    assert (im.n_frames, im.size) == (clip_frames(m, 10), (320, 240)) == (res.n_frames, res.size)
    frames = []
    for k in (0, im.n_frames // 4):  # a squat changes the picture
        im.seek(k)
        frames.append(np.asarray(im.convert("RGB"), dtype=np.int16))
    assert np.abs(frames[0] - frames[1]).sum() > 1000


def test_plot_formats_and_errors(tmp_path: Path) -> None:
    desc = describe(synthetic.walk_forward(), SMDOptions(top_k=4))
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")):
        p = plot_description(desc, tmp_path / f"f.{fmt}")
        assert p.read_bytes()[:5].startswith(magic)
    svg = (tmp_path / "f.svg").read_text()
    assert "time (s)" in svg and "Right Hip" in svg
    with pytest.raises(ConfigError, match=r"\.png, \.svg or \.pdf"):
        plot_description(desc, tmp_path / "f.jpg")
    with pytest.raises(ConfigError, match="unknown angle id"):
        plot_description(desc, tmp_path / "g.png", ["elbow_flex"])
    with pytest.raises(ConfigError, match=r"\.gif, \.mp4 or \.html"):
        render_animation(synthetic.standing(), tmp_path / "x.avi")


def test_mp4_when_extra_installed(tmp_path: Path) -> None:
    pytest.importorskip("imageio_ffmpeg", reason="the mp4 extra (imageio-ffmpeg) is not installed")
    res = render_animation(synthetic.squats(n_reps=1), tmp_path / "s.mp4", fps=10)
    assert res.path.stat().st_size > 1000 and res.n_frames == clip_frames(synthetic.squats(n_reps=1), 10)


REAL = {
    "walk": "bandai_namco/dataset-2/data/dataset-2_walk_normal_001.bvh",
    "wave": "bandai_namco/dataset-2/data/dataset-2_wave-left-hand_normal_001.bvh",
    "jump": "cmu/bvh/002_04.bvh",
}


@pytest.fixture(scope="module")
def real_clips(smd_data_dir: Path) -> dict[str, Path]:
    paths = {k: smd_data_dir / v for k, v in REAL.items()}
    missing = [str(p) for p in paths.values() if not p.exists()]
    if missing:
        pytest.skip(f"real clips absent: {missing}")
    return paths


@pytest.mark.parametrize("name", list(REAL))
def test_real_clip_gif_html_plot_report(name: str, real_clips: dict[str, Path], tmp_path: Path) -> None:
    src = real_clips[name]
    m = load_motion(src)
    gif, html, png, report = (tmp_path / f"{name}.{s}" for s in ("gif", "html", "png", "report.html"))
    res = runner.invoke(
        app, ["render", str(src), "-o", str(gif), "--clip-fps", "10", "--width", "320", "--height", "240"]
    )
    assert res.exit_code == 0, res.output
    im = Image.open(gif)
    assert (im.n_frames, im.size) == (clip_frames(m, 10), (320, 240))
    assert runner.invoke(app, ["render", str(src), "-o", str(html)]).exit_code == 0
    data = re.search(r'<script type="application/json" id="smd-player-data">(.*?)</script>', html.read_text(), re.S)
    assert data is not None
    frames = json.loads(data.group(1))["frames"]
    assert len(frames) == clip_frames(m, 20) and len(frames[0]) == 22
    assert runner.invoke(app, ["plot", str(src), "-o", str(png), "--top-k", "4"]).exit_code == 0
    assert Image.open(png).size[0] > 600
    assert runner.invoke(app, ["report", str(src), "-o", str(report), "--top-k", "3"]).exit_code == 0
    page = report.read_text()
    assert "Motion: " in page and "data:image/png;base64," in page and "smd-player-canvas" in page
    assert "http://" not in page and "https://" not in page  # self-contained: opens offline


def chromium_screenshot(page: Path, png: Path, tmp: Path) -> list[str]:
    """Open a page in headless Chromium, save a screenshot, return the console messages it logged."""
    assert CHROMIUM is not None
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,1000",
        "--virtual-time-budget=1500",
        f"--screenshot={png}",
        page.as_uri(),
    ]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    return [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_console_errors_are_detected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    assert any("undefinedFunction" in ln for ln in chromium_screenshot(bad, tmp_path / "bad.png", tmp_path))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("name", ["walk", "jump"])
def test_report_opens_in_chromium_and_shows_skeleton(name: str, real_clips: dict[str, Path], tmp_path: Path) -> None:
    page = write_report(load_motion(real_clips[name]), tmp_path / "r.html", SMDOptions(top_k=3))
    png = tmp_path / "r.png"
    console = chromium_screenshot(page, png, tmp_path)
    assert console == [], console
    rgb = np.asarray(Image.open(png).convert("RGB"), dtype=np.int16)
    canvas = rgb[80:560, 16:660]  # the player's canvas at the top left of the page
    blue = (np.abs(canvas - np.array([0x1F, 0x5F, 0xBF])).sum(axis=-1) < 60).sum()
    red = (np.abs(canvas - np.array([0xD6, 0x27, 0x28])).sum(axis=-1) < 60).sum()
    assert blue > 50 and red > 50, (blue, red)  # left (blue) and right (red) limbs are drawn (blank: 0)


def test_missing_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    m = synthetic.standing(1.0)
    missing = tmp_path / "nope"
    for call in (
        lambda: render_animation(m, missing / "a.gif"),
        lambda: render_animation(m, missing / "a.html"),
        lambda: plot_description(describe(m), missing / "a.png"),
        lambda: write_report(m, missing / "a.html"),
    ):
        with pytest.raises(ConfigError, match="does not exist; create it"):
            call()


def test_a_walk_across_the_room_is_drawn_large_and_whole(real_clips: dict[str, Path], tmp_path: Path) -> None:
    """Issue #14: the GIF of a real walk drew the skeleton about 85 px tall in a 640×480 frame (the view held the
    whole path). The view now follows the subject: measured on the GIF's pixels (limb colours), the body is
    at least 200 px tall in the median frame and never touches the frame's edge."""
    from motion_smd.viz.animation import write_gif

    res = write_gif(load_motion(real_clips["walk"]), tmp_path / "walk.gif", fps=5, size=(640, 480))
    im = Image.open(res.path)
    heights = []
    for k in range(im.n_frames):
        im.seek(k)
        r, g, b = np.moveaxis(np.asarray(im.convert("RGB")).astype(np.int16), -1, 0)
        limb = (np.maximum(r, b) - g > 50) & (np.abs(r - b) > 50)  # the red and blue limbs, not the green path
        rows, cols = np.nonzero(limb[:440])  # above the legend line at the bottom
        assert rows.size > 0, f"frame {k}: no limb drawn"
        assert rows.min() > 2 and rows.max() < 437 and cols.min() > 2 and cols.max() < 637, f"frame {k} cut"
        heights.append(rows.max() - rows.min())
    assert np.median(heights) >= 200, heights
