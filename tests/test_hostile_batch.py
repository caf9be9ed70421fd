"""The hostile batch in CI (issue #14), small: 40 generated good files and the 20 hostile ones through the real
`smd describe` command: the hostile files are listed with their reasons, the good records are byte-identical to
a clean run, and a run killed twice (Ctrl-C, then SIGKILL) and resumed gives the same bytes. The 1,000-file run
with five kills is `benchmarks/hostile_batch.py` (its numbers are in docs/reliability.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(os.name != "posix", reason="process groups and signals (POSIX)")
def test_a_small_hostile_batch_killed_and_resumed_gives_the_clean_records() -> None:
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "hostile_batch.py"), "--n-good", "40", "--kills", "2",
         "--no-real", "--seed", "3"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "exactly the 20 hostile files listed" in res.stdout and "all checks hold" in res.stdout
