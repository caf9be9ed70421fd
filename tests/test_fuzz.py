"""Fuzzing in CI (issue #14): the regression corpus of inputs that once crashed or hung a reader, and a short,
bounded run of `benchmarks/fuzz.py` (mutated generated BVH and .npy files) that must end with no crash and no
hang. The long run (100,000 executions and more) is on demand; its numbers are in docs/reliability.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from motion_smd import describe, render_smd
from motion_smd.errors import MotionSMDError
from motion_smd.io import load_motion

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted(p for p in (ROOT / "tests" / "fuzz_corpus").iterdir() if p.name.endswith((".bvh.txt", ".npy")))
"""The corpus; BVH inputs are stored as `.bvh.txt` (generated, not licensed motion data, which is never
committed: the project's checks flag any tracked `.bvh`) and tested under their `.bvh` name."""


@pytest.mark.parametrize("stored", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_input_is_refused_with_a_clear_error(stored: Path, tmp_path: Path) -> None:
    path = tmp_path / stored.name.removesuffix(".txt")
    path.write_bytes(stored.read_bytes())
    with pytest.raises(MotionSMDError) as info:
        render_smd(describe(load_motion(path)))
    assert str(path) in str(info.value)


def test_a_short_fuzz_run_finds_no_crash_and_no_hang() -> None:
    res = subprocess.run(
        [sys.executable, "-W", "ignore", str(ROOT / "benchmarks" / "fuzz.py"), "--executions", "3000", "--no-real",
         "--jobs", "1", "--seed", "7", "--timeout-s", "10"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    counts = [ln.split() for ln in res.stdout.splitlines() if ln.startswith("  ")]
    lines = {words[0]: words[1] for words in counts if len(words) == 2}
    assert lines.get("crash") == "0" and lines.get("hang") == "0", res.stdout
    assert int(lines["loaded"].replace(",", "")) + int(lines["refused"].replace(",", "")) == 3000
