"""Shared fixtures: the real-data folder (SMD_DATA_DIR, default ../shared/data) and synthetic motions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The real-data folder: $SMD_DATA_DIR or ../shared/data beside the project root."""
    env = os.environ.get("SMD_DATA_DIR")
    return Path(env) if env else (PROJECT_ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def smd_data_dir() -> Path:
    """Skip when the real data is absent (it is licensed for use, never copied into the repo)."""
    d = data_dir()
    if not d.is_dir():
        pytest.skip(f"real motion data not found at {d} (set SMD_DATA_DIR to the shared/data folder)")
    return d


@pytest.fixture(scope="session")
def bandai_qa_built(smd_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, float]:
    """bandai-qa built once per session (default all-26 records, seed 0): (folder, BuildSummary, seconds)."""
    import time

    from motion_smd.datasets.bandai_qa import build_bandai_qa

    out = tmp_path_factory.mktemp("bandai_qa")
    t0 = time.perf_counter()
    summary = build_bandai_qa(out, data_dir=smd_data_dir, seed=0)
    return out, summary, time.perf_counter() - t0
