"""`smd describe` / `smd demo`: batches, failures, output formats, atomic + resumable output, real clips."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from motion_smd import synthetic
from motion_smd.cli import app

runner = CliRunner()


def smd(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a subprocess (what a user runs)."""
    return subprocess.run([sys.executable, "-m", "motion_smd.cli", *args], capture_output=True, text=True)


@pytest.fixture()
def batch_dir(tmp_path: Path) -> Path:
    d = tmp_path / "motions"
    d.mkdir()
    np.save(d / "walk.npy", synthetic.walk_forward().joints.astype(np.float32))
    np.save(d / "squat.npy", synthetic.squats().joints.astype(np.float32))
    bad = synthetic.squats().joints.copy()
    bad[:] = np.nan
    np.save(d / "nan.npy", bad)
    np.save(d / "joints21.npy", np.zeros((30, 21, 3), np.float32))
    (d / "empty.npy").write_bytes(b"")
    return d


def test_batch_failures_are_reported_and_the_rest_succeed(batch_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    res = smd("describe", str(batch_dir), "--format", "jsonl", "-o", str(out), "--jobs", "2")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    for name, problem in (("nan.npy", "NaN"), ("joints21.npy", r"shape \(30, 21, 3\)"), ("empty.npy", "empty")):
        assert re.search(rf"{re.escape(str(batch_dir / name))}: .*{problem}", res.stderr), res.stderr
    recs = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert sorted(r["id"] for r in recs) == ["squat", "walk"]
    assert all(r["smd"].startswith("Motion: ") and r["description"]["n_frames"] > 0 for r in recs)
    assert not out.with_name("out.jsonl.partial").exists()


def test_json_maps_id_to_text_and_matches_text_output(batch_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "smd.json"
    files = [str(batch_dir / "walk.npy"), str(batch_dir / "squat.npy")]
    res = runner.invoke(app, ["describe", *files, "--format", "json", "-o", str(out), "--top-k", "3"])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert set(data) == {"walk", "squat"}
    single = runner.invoke(app, ["describe", files[0], "--top-k", "3"])
    assert single.output.rstrip("\n") == data["walk"]


def test_resume_skips_finished_ids(batch_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    part = out.with_name("r.jsonl.partial")
    rec = {"id": "walk", "smd": "KEEP-ME", "source": "x", "variant": "all-26", "description": None}
    part.write_text(json.dumps(rec) + "\n" + '{"id": "squ')  # interrupted mid-line
    files = [str(batch_dir / "walk.npy"), str(batch_dir / "squat.npy")]
    res = runner.invoke(app, ["describe", *files, "--format", "jsonl", "-o", str(out), "--resume"])
    assert res.exit_code == 0, res.output
    recs = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert [r["id"] for r in recs] == ["walk", "squat"]
    assert recs[0]["smd"] == "KEEP-ME"  # not recomputed


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_resume_adds_new_files_to_a_finished_output(batch_dir: Path, tmp_path: Path, fmt: str) -> None:
    """A finished run resumed with more files describes only the new ones (it used to redo everything)."""
    from motion_smd import batch

    out = tmp_path / f"r.{fmt}"
    walk, squat = str(batch_dir / "walk.npy"), str(batch_dir / "squat.npy")
    assert runner.invoke(app, ["describe", walk, "--format", fmt, "-o", str(out)]).exit_code == 0
    assert batch.finished_settings_path(out).exists() and not batch.settings_path(out).exists()
    text = out.read_text()
    marked = text.replace("Motion:", "Motion (kept):", 1)  # a mark that only a record not recomputed keeps
    assert marked != text
    out.write_text(marked)
    res = runner.invoke(app, ["describe", walk, squat, "--format", fmt, "-o", str(out), "--resume"])
    assert res.exit_code == 0, res.output
    assert "described 1 of 1 motions" in res.output
    if fmt == "jsonl":
        texts = {r["id"]: r["smd"] for r in map(json.loads, out.read_text().splitlines())}
    else:
        texts = json.loads(out.read_text())
    assert list(texts) == ["walk", "squat"]
    assert "Motion (kept):" in texts["walk"] and "Motion (kept):" not in texts["squat"]
    assert not batch.partial_path(out).exists() and batch.finished_settings_path(out).exists()


def test_resume_on_a_finished_output_refuses_what_it_cannot_add_to(batch_dir: Path, tmp_path: Path) -> None:
    from motion_smd import batch

    walk, squat = str(batch_dir / "walk.npy"), str(batch_dir / "squat.npy")
    out = tmp_path / "r.jsonl"
    assert runner.invoke(app, ["describe", walk, "--format", "jsonl", "-o", str(out)]).exit_code == 0
    before = out.read_bytes()
    res = runner.invoke(app, ["describe", walk, squat, "--format", "jsonl", "-o", str(out), "--top-k", "3", "--resume"])
    assert res.exit_code != 0 and "other settings" in res.output and "top_k" in res.output
    batch.finished_settings_path(out).unlink()
    res = runner.invoke(app, ["describe", walk, squat, "--format", "jsonl", "-o", str(out), "--resume"])
    assert res.exit_code != 0 and "settings it was written with are unknown" in res.output
    assert out.read_bytes() == before and not batch.partial_path(out).exists()
    text_out = tmp_path / "r.txt"
    assert runner.invoke(app, ["describe", walk, "--format", "text", "-o", str(text_out)]).exit_code == 0
    res = runner.invoke(app, ["describe", walk, squat, "--format", "text", "-o", str(text_out), "--resume"])
    assert res.exit_code != 0 and "cannot be read back" in res.output
    assert text_out.exists() and not batch.partial_path(text_out).exists()


def test_bad_options_give_one_line_errors(batch_dir: Path) -> None:
    res = smd("describe", str(batch_dir / "walk.npy"), "--format", "xml")
    assert res.returncode == 2 and "error: --format 'xml'" in res.stderr and "Traceback" not in res.stderr
    res = smd("describe", str(batch_dir / "nope*.npy"))
    assert res.returncode == 2 and "no such file" in res.stderr
    res = smd("demo", "moonwalk")
    assert res.returncode == 2 and "unknown demo" in res.stderr


def test_demo_prints_smd() -> None:
    res = runner.invoke(app, ["demo", "squat"])
    assert res.exit_code == 0
    assert res.output.startswith("Motion: 11.0s (220 frames at 20 FPS)")
    assert "oscillates 5 cycles" in res.output


def test_z_up_30fps_babel_style(tmp_path: Path) -> None:
    j = synthetic.walk_forward().joints
    z_up = np.stack([-j[..., 0], j[..., 2], j[..., 1]], axis=-1)
    p = tmp_path / "babel.npy"
    np.save(p, z_up)
    res = runner.invoke(app, ["describe", str(p), "--up", "z", "--input-fps", "30"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"Motion: {len(j) / 30:.1f}s ({len(j)} frames at 30 FPS)")


def test_real_clips_as_humanml3d_npy(smd_data_dir: Path, tmp_path: Path) -> None:
    """Real Bandai-Namco mocap written as HumanML3D new_joints (20 fps, Y up, metres) and described."""
    from motion_smd.io import load_motion

    clips = sorted((smd_data_dir / "bandai_namco").rglob("*.bvh"))[:12:3]
    if not clips:
        pytest.skip("no Bandai-Namco BVH clips in the data folder")
    for c in clips:
        m = load_motion(c).resample(20)
        np.save(tmp_path / f"{c.stem}.npy", m.joints.astype(np.float32))
    res = runner.invoke(app, ["describe", str(tmp_path), "--format", "json", "-o", str(tmp_path / "o.json")])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "o.json").read_text())
    assert len(data) == len(clips)
    for stem, text in data.items():
        n = np.load(tmp_path / f"{stem}.npy").shape[0]
        assert text.splitlines()[0].endswith(f"({n} frames at 20 FPS)")
        assert "Global Trajectory:" in text and "Forward Position" in text
        assert len(re.findall(r"^\[.*\]$", text, flags=re.M)) == 13
        assert len(re.findall(r"^[A-Z][A-Za-z ]+ \(.*\):$", text, flags=re.M)) == 26
        top3 = runner.invoke(app, ["describe", str(tmp_path / f"{stem}.npy"), "--top-k", "3"]).output
        assert len(re.findall(r"^[A-Z][A-Za-z ]+ \(.*\):$", top3, flags=re.M)) == 3
        assert len(text) >= 3 * len(top3)


def test_trajectory_thresholds_reach_the_describer(batch_dir: Path) -> None:
    from motion_smd import load_motion, smd_text
    from motion_smd.options import SMDOptions

    walk = batch_dir / "walk.npy"
    coarse = ["--delta", "20", "--delta-m", "0.5", "--delta-heading", "45"]
    res = runner.invoke(app, ["describe", str(walk), *coarse])
    assert res.exit_code == 0, res.output
    expected = smd_text(load_motion(walk), SMDOptions(delta_deg=20, delta_m=0.5, delta_heading_deg=45))
    assert res.output == expected + "\n"
    assert res.output != runner.invoke(app, ["describe", str(walk), "--delta", "20"]).output
    bad = smd("describe", str(walk), "--delta-m", "0")
    assert bad.returncode == 2 and "must be positive" in bad.stderr


def test_jsonl_record_round_trips_the_description(smd_data_dir: Path) -> None:
    """A JSONL record (orjson) parses back to exactly the description and text it was written from."""
    from motion_smd import describe, load_motion, render_smd
    from motion_smd.batch import record_line

    clips = (
        sorted((smd_data_dir / "bandai_namco").rglob("*walk*.bvh"))[:2]
        + sorted((smd_data_dir / "cmu").rglob("*.bvh"))[:1]
    )
    if not clips:
        pytest.skip("no real BVH clips in the data folder")
    for c in clips:
        d = describe(load_motion(c))
        desc, text, source = d.to_dict(include_series=True), render_smd(d), f"{c} — “ü” \u2028 \x7f"
        line = record_line(c.stem, source, "all-26", text, desc)
        assert "\n" not in line and '"id":' in line and '": ' not in line  # one line, compact separators
        rec = json.loads(line)
        assert rec == {"id": c.stem, "source": source, "variant": "all-26", "smd": text, "description": desc}
        assert list(rec) == sorted(rec)


def test_parallel_batch_writes_the_same_file_as_one_process(smd_data_dir: Path, tmp_path: Path) -> None:
    """`--jobs 2` (forked workers sharing the parent's warmed-up kernels) and `--jobs 1` write identical
    JSONL, in input order, on real clips saved as HumanML3D-style .npy."""
    from motion_smd.io import load_motion

    clips = sorted((smd_data_dir / "bandai_namco").rglob("*.bvh"))[::40][:6]
    if len(clips) < 3:
        pytest.skip("too few Bandai-Namco BVH clips in the data folder")
    src = tmp_path / "npy"
    src.mkdir()
    for c in clips:
        np.save(src / f"{c.stem}.npy", load_motion(c).resample(20).joints.astype(np.float32))
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        res = smd("describe", str(src), "--format", "jsonl", "-o", str(out), "--jobs", jobs)
        assert res.returncode == 0, res.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert [json.loads(line)["id"] for line in outs[0].splitlines()] == sorted(c.stem for c in clips)


def test_a_batch_job_turns_any_failure_into_an_error_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #14: only the project's own errors used to be caught; any other exception aborted the batch."""
    from motion_smd import batch
    from motion_smd.io import ReadOptions
    from motion_smd.options import SMDOptions

    path = tmp_path / "walk.npy"
    np.save(path, synthetic.walk_forward().joints.astype(np.float32))
    job = batch.Job(str(path), "walk", None, ReadOptions(), SMDOptions(), False, False)
    assert batch.run_job(job).error is None

    def explode(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(batch, "describe", explode)
    result = batch.run_job(job)
    assert result.error is not None and "RecursionError" in result.error and str(path) in result.error


def test_version() -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.startswith("smd (motion-smd) ") and "format version 2" in res.output


def test_an_unusable_output_path_fails_before_any_work(batch_dir: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["describe", str(batch_dir), "-o", str(tmp_path)])
    assert res.exit_code != 0 and "is a folder" in res.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(app, ["describe", str(batch_dir), "-o", str(blocker / "out.jsonl")])
    assert res.exit_code != 0 and "cannot be created" in res.output


def test_json_to_standard_output_is_one_object(batch_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "smd.json"
    files = [str(batch_dir / "walk.npy"), str(batch_dir / "squat.npy")]
    res = runner.invoke(app, ["describe", *files, "--format", "json"])
    assert res.exit_code == 0
    printed = json.loads(res.stdout)
    assert sorted(printed) == ["squat", "walk"] and printed["walk"].startswith("Motion: ")
    assert runner.invoke(app, ["describe", *files, "--format", "json", "-o", str(out)]).exit_code == 0
    assert out.read_text() == res.stdout  # the same bytes as the -o file


def test_ids_are_unique_per_file_when_stems_collide(tmp_path: Path) -> None:
    from motion_smd.batch import motion_ids

    a, b = tmp_path / "a", tmp_path / "b"
    paths = [a / "walk.npy", a / "walk.bvh", b / "walk.npy", a / "run.npy"]
    assert motion_ids(paths) == ["a/walk.npy", "a/walk.bvh", "b/walk", "a/run"]
    assert motion_ids([a / "walk.npy", a / "run.npy"]) == ["walk", "run"]


def _interrupt_after(n_results: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `smd describe` see Ctrl-C after `n_results` results (batch.run_jobs raises KeyboardInterrupt)."""
    from motion_smd import batch

    real_run_jobs = batch.run_jobs

    def interrupted(jobs, n_jobs=1, chunksize=32, budget=None):  # type: ignore[no-untyped-def]
        for k, res in enumerate(real_run_jobs(jobs, n_jobs, chunksize, budget)):
            if k == n_results:
                raise KeyboardInterrupt
            yield res

    monkeypatch.setattr(batch, "run_jobs", interrupted)


def test_ctrl_c_keeps_what_is_finished_and_prints_the_resume_command(
    batch_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_after(2, monkeypatch)
    out = tmp_path / "smd.jsonl"
    res = runner.invoke(app, ["describe", str(batch_dir), "-o", str(out)])
    assert res.exit_code == 130
    assert "interrupted" in res.output and "--resume" in res.output and "smd.jsonl.partial" in res.output
    assert not out.exists() and (tmp_path / "smd.jsonl.partial").exists()


def test_resume_refuses_other_settings(batch_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #14: resuming with other options used to mix variants in one output (top-3 and all-26 records)."""
    from motion_smd import batch

    out = tmp_path / "smd.jsonl"
    files = [str(batch_dir / "walk.npy"), str(batch_dir / "squat.npy")]
    _interrupt_after(1, monkeypatch)
    first = runner.invoke(app, ["describe", *files, "--format", "jsonl", "-o", str(out), "--top-k", "3"])
    assert first.exit_code == 130
    monkeypatch.undo()
    res = runner.invoke(app, ["describe", *files, "--format", "jsonl", "-o", str(out), "--resume"])
    assert res.exit_code != 0 and "other settings" in res.output and "top_k" in res.output
    assert not out.exists()
    res = runner.invoke(app, ["describe", *files, "--format", "jsonl", "-o", str(out), "--top-k", "3", "--resume"])
    assert res.exit_code == 0, res.output
    recs = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert [r["id"] for r in recs] == ["walk", "squat"] and {r["variant"] for r in recs} == {"top-3"}
    assert not batch.settings_path(out).exists() and not batch.partial_path(out).exists()


def test_format_is_the_output_and_input_format_the_reader(batch_dir: Path) -> None:
    """Issue #14: one meaning per option name; --format used to take output and input formats alike."""
    walk = str(batch_dir / "walk.npy")
    res = smd("describe", walk, "--format", "npy")
    assert res.returncode != 0 and "use --input-format npy" in res.stderr and "Traceback" not in res.stderr
    assert smd("describe", walk, "--input-format", "npy").stdout == smd("describe", walk).stdout


def test_an_unreadable_subfolder_is_reported_not_skipped_silently(
    batch_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #14: unreadable subfolders were skipped without a word. (Permissions cannot be denied to root, so
    the folder listing fails by a stand-in for os.scandir.)"""
    import os

    locked = batch_dir / "locked"
    locked.mkdir()
    np.save(locked / "hidden.npy", synthetic.squats().joints.astype(np.float32))
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "smd.jsonl"
    res = runner.invoke(app, ["describe", str(batch_dir), "--format", "jsonl", "-o", str(out)])
    warning = f"warning: {locked}: folder cannot be read (Permission denied); the motion files in it are skipped."
    assert warning in res.output
    assert "hidden" not in out.read_text() and '"id":"squat"' in out.read_text()
