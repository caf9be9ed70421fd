"""The `smd` command builds only what a command line needs (issue #19): one sub-module's commands per call, and
`smd describe FILE` without options neither builds the typer application nor imports numba for a short file.
Each shortcut must print exactly what the full command prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer.main
from typer.testing import CliRunner

from motion_smd import synthetic
from motion_smd.cli import COMMAND_MODULES, app, build_app
from motion_smd.compiled import INTERPRET_MAX_FRAMES


def _commands(application: typer.Typer) -> set[str]:
    return set(typer.main.get_group(application).commands)


def test_every_command_is_mapped_to_the_module_that_registers_it() -> None:
    assert _commands(app) == set(COMMAND_MODULES)
    for module in set(COMMAND_MODULES.values()):
        expected = {c for c, m in COMMAND_MODULES.items() if m == module}
        assert _commands(build_app((module,))) == expected, module


def _smd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "motion_smd.cli", *args], capture_output=True, text=True
    )


def _imported(run: subprocess.CompletedProcess[str]) -> set[str]:
    return {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in run.stderr.splitlines()
        if line.startswith("import time")
    }


def _full_command_text(path: Path) -> str:
    res = CliRunner().invoke(app, ["describe", str(path)])
    assert res.exit_code == 0, res.output
    return res.stdout


def _short_clips(smd_data_dir: Path) -> list[Path]:
    clips = sorted((smd_data_dir / "humanml3d").rglob("*.npy"))[:1] + sorted((smd_data_dir / "cmu").rglob("*.bvh"))[:1]
    clips += sorted((smd_data_dir / "bandai_namco").rglob("*.bvh"))[:1]
    if len(clips) < 3:
        pytest.skip(f"HumanML3D, CMU and Bandai clips not all found under {smd_data_dir}")
    return clips


def test_one_file_shortcut_prints_the_full_commands_text_on_real_clips(smd_data_dir: Path) -> None:
    for path in _short_clips(smd_data_dir):
        run = _smd("describe", str(path))
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout == _full_command_text(path), path
        modules = _imported(run)
        assert "typer" not in modules and "click" not in modules, path  # the typer application was not built


def test_short_file_runs_the_kernels_without_numba_and_a_long_one_compiles(tmp_path: Path) -> None:
    short = tmp_path / "short.npy"
    np.save(short, synthetic.walk_forward(n_steps=20).joints[:200].astype(np.float32))
    long_motion = synthetic.walk_forward(n_steps=int(INTERPRET_MAX_FRAMES / 10))
    assert long_motion.n_frames > INTERPRET_MAX_FRAMES
    long = tmp_path / "long.npy"
    np.save(long, long_motion.joints.astype(np.float32))
    for path, numba_expected in ((short, False), (long, True)):
        run = _smd("describe", str(path))
        assert run.returncode == 0, run.stderr[-2000:]
        assert ("numba" in _imported(run)) is numba_expected, path
        assert ("scipy" in _imported(run)) is numba_expected, path  # Gaussian filter: NumPy when interpreting
        assert run.stdout == _full_command_text(path)


def test_a_file_that_fails_falls_back_to_the_full_commands_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((10, 5), dtype=np.float32))
    run = subprocess.run([sys.executable, "-m", "motion_smd.cli", "describe", str(bad)], capture_output=True, text=True)
    assert run.returncode == 1 and run.stdout == ""
    assert str(bad) in run.stderr and "error:" in run.stderr


def test_one_file_shortcut_leaves_a_stdout_it_cannot_encode_to_the_full_command(tmp_path: Path) -> None:
    """With an ASCII standard output the text ("→", "°") goes through click's writer, as without the shortcut."""
    path = tmp_path / "walk.npy"
    np.save(path, synthetic.walk_forward(n_steps=6).joints.astype(np.float32))
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    outputs = [
        subprocess.run(
            [sys.executable, "-m", "motion_smd.cli", "describe", str(path), *extra], capture_output=True, env=env
        )
        for extra in ([], ["--top-k", "26"])  # an option: the full typer command
    ]
    assert [o.returncode for o in outputs] == [0, 0], outputs[0].stderr[-2000:]
    assert outputs[0].stdout == outputs[1].stdout and "→".encode() in outputs[0].stdout
