"""Byte-identical SMD text on real clips: the hashes in tests/golden/smd_sha256.json must not change
unless the format version changes (regenerate with tests/golden/make_golden.py after an intended change)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


def test_real_clips_match_golden_hashes(smd_data_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    expected = json.loads((GOLDEN / "smd_sha256.json").read_text())
    if not (smd_data_dir / "bandai_namco").is_dir():
        pytest.skip("Bandai-Namco clips absent")
    got = mod.hashes(smd_data_dir)
    assert set(got) == set(expected)
    changed = [(clip, v) for clip in expected for v in expected[clip] if got[clip][v] != expected[clip][v]]
    assert not changed, f"SMD text changed for {len(changed)} clip/variant pairs, e.g. {changed[:3]}"
