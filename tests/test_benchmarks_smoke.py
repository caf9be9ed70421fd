"""Smoke tests of the benchmark scripts (benchmarks/): they import, run their core function on two tiny
synthetic clips with one repeat, and print tables with the expected columns. No timing assertions."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> Iterator[tuple[ModuleType, ModuleType]]:
    """(bench_describer, bench_batch), imported from benchmarks/ (not a package)."""
    sys.path.insert(0, str(BENCH_DIR))
    try:
        yield importlib.import_module("bench_describer"), importlib.import_module("bench_batch")
    finally:
        sys.path.remove(str(BENCH_DIR))


def _header(table: str) -> list[str]:
    first = table.splitlines()[0]
    return [c.strip() for c in first.strip("|").split("|")]


def _rows(table: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:]]


def test_generated_joints_are_continuous_and_exact_length(bench: tuple[ModuleType, ModuleType]) -> None:
    bd, _ = bench
    joints = bd.generated_joints(450, start_block=1)
    assert joints.shape == (450, 22, 3)
    step = np.linalg.norm(np.diff(joints, axis=0), axis=-1).max(axis=1)  # (T-1,) largest joint move per frame
    # Block joins carry position and heading over: no frame-to-frame jump beyond the fastest synthetic move (0.3 m).
    assert step.max() < 0.35
    # The pelvis travels (the walk block), so the position offsets were applied.
    assert np.hypot(*(joints[-1, 0, [0, 2]] - joints[0, 0, [0, 2]])) > 0.5
    # Different start blocks give different clips.
    assert not np.allclose(bd.generated_joints(100, 0), bd.generated_joints(100, 1))


def test_describer_benchmark_prints_expected_columns(
    bench: tuple[ModuleType, ModuleType], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bd, _ = bench
    clips = bd.write_generated_clips(tmp_path, n_frames=60, n_clips=2)
    assert len(clips.paths) == 2 and all(p.suffix == ".npy" for p in clips.paths)

    class WordCounter:
        name = "words"

        def count(self, text: str) -> int:
            return len(text.split())

    results, report = bd.run([clips], repeats=1, warmup=0, counters=[WordCounter], log=print)
    assert "timing synthetic-60" in capsys.readouterr().out
    (res,) = results
    assert res.n_clips == 2 and res.mean_frames == 60
    assert set(res.stage_ms) == set(bd.STAGES) and all(v >= 0 for v in res.stage_ms.values())
    assert set(res.variant_ms) == set(bd.VARIANTS) and all(v > 0 for v in res.variant_ms.values())
    assert set(res.variant_cpu_ms) == set(bd.VARIANTS) and all(v > 0 for v in res.variant_cpu_ms.values())
    assert res.chars["top-3"] < res.chars["all-26"] and res.tokens["words"]["all-26"] > 0

    tables = [block for block in report.split("\n\n") if block.startswith("|")]
    throughput, stages = tables
    assert _header(throughput) == [*bd.THROUGHPUT_COLUMNS, "tokens/clip (words)"]
    assert [r[:2] for r in _rows(throughput)] == [["synthetic-60", v] for v in bd.VARIANTS]
    assert _header(stages) == list(bd.STAGE_COLUMNS)
    assert [r[0] for r in _rows(stages)] == ["synthetic-60"]


def test_describer_benchmark_main_without_real_data(
    bench: tuple[ModuleType, ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    bd, _ = bench
    rc = bd.main(["--no-real", "--lengths", "40", "--gen-clips", "2", "--repeats", "1", "--no-tokens", "--cpu", "-1"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "| synthetic-40 | all-26 | 2 | 40 |" in out
    assert "numpy" in out and "nproc" in out


def test_describer_benchmark_rejects_bad_options(bench: tuple[ModuleType, ModuleType]) -> None:
    bd, _ = bench
    assert bd.main(["--no-real", "--lengths", "x", "--no-tokens", "--cpu", "-1"]) == 2
    assert bd.main(["--no-real", "--sources", "video", "--no-tokens", "--cpu", "-1"]) == 2
    assert bd.main(["--no-real", "--no-tokens", "--cpu", "100000"]) == 2
    with pytest.raises(bd.ConfigError, match="no such tokenizer"):
        bd.path_counter("/nonexistent/tokenizer.json")


def test_batch_windows_are_deterministic_and_perturbed(bench: tuple[ModuleType, ModuleType]) -> None:
    bd, bb = bench
    stream = bd.generated_joints(300)
    a = list(bb.windows(stream, 3, 50, seed=1))
    b = list(bb.windows(stream, 3, 50, seed=1))
    assert all(x.shape == (50, 22, 3) and x.dtype == np.float32 for x in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert all(x[..., 1].min() >= 0.0 for x in a)
    # Each window is moved so its pelvis starts above the origin (up to the 0.5 mm noise).
    assert all(np.hypot(x[0, 0, 0], x[0, 0, 2]) < 0.005 for x in a)
    # Another seed gives another yaw/scale/noise for the same window.
    c = next(bb.windows(stream, 3, 50, seed=2))
    assert not np.allclose(a[0], c, atol=1e-3)


def test_batch_benchmark_runs_smd_describe(bench: tuple[ModuleType, ModuleType], tmp_path: Path) -> None:
    _, bb = bench
    result, table = bb.run_batch(n_clips=2, n_frames=40, jobs=1, source="synthetic", keep=tmp_path)
    assert result.described == 2 and result.source == "synthetic"
    assert result.cpu_s > 0 and result.wall_s > 0 and result.largest_rss_mib > 0
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sorted(r["id"] for r in records) == ["clip-000000", "clip-000001"]
    assert all(r["smd"].startswith("Motion: 2.0s (40 frames at 20 FPS)") for r in records)
    assert _header(table) == list(bb.BATCH_COLUMNS)
    (row,) = _rows(table)
    assert row[:4] == ["synthetic", "2", "40", "1"]


def test_window_clips_are_spread_over_the_stream(bench: tuple[ModuleType, ModuleType], tmp_path: Path) -> None:
    bd, _ = bench
    stream = bd.generated_joints(500)
    clips = bd.write_window_clips(tmp_path, stream, "real", n_frames=100, n_clips=3)
    assert clips.name == "real-100"
    loaded = [np.load(p) for p in clips.paths]
    for arr, start in zip(loaded, (0, 200, 400)):  # starts at round(k · (500 − 100) / 2)
        np.testing.assert_allclose(arr, stream[start : start + 100], atol=1e-6)
    with pytest.raises(bd.ConfigError, match="fewer than"):
        bd.write_window_clips(tmp_path, stream, "real", n_frames=600, n_clips=1)


def test_real_stream_joins_real_clips(bench: tuple[ModuleType, ModuleType], smd_data_dir: Path) -> None:
    bd, _ = bench
    paths = bd.real_clip_paths(smd_data_dir, max_clips=3)
    if not paths:
        pytest.skip(f"no real BVH clips under {smd_data_dir}")
    stream = bd.real_stream(smd_data_dir, max_clips=3)
    lengths = [bd.load_motion(p).resample(bd.FPS).n_frames for p in paths]
    assert stream.shape == (sum(lengths), 22, 3)
    # The second clip starts where the first one's pelvis ended (horizontal position carried over).
    end_first = stream[lengths[0] - 1, 0, [0, 2]]
    start_second = stream[lengths[0], 0, [0, 2]]
    np.testing.assert_allclose(start_second, end_first, atol=1e-9)


@pytest.mark.llm
def test_smollm2_counter_matches_the_gguf_tokenizer(bench: tuple[ModuleType, ModuleType], tmp_path: Path) -> None:
    """The cached tokenizer.json counts exactly like transformers' tokenizer read from the GGUF itself."""
    bd, _ = bench
    pytest.importorskip("transformers")
    pytest.importorskip("tokenizers")
    from transformers import AutoTokenizer

    from motion_smd import smd_text, synthetic
    from motion_smd.errors import MotionSMDError

    try:
        gguf = bd.smollm2_gguf()
    except MotionSMDError as exc:
        pytest.skip(str(exc))

    text = smd_text(synthetic.squats(n_reps=2))
    mp = pytest.MonkeyPatch()
    mp.setenv("SMD_CACHE_DIR", str(tmp_path))
    try:
        first = bd.smollm2_counter()  # converts the GGUF and writes the cache
        assert (tmp_path / "tokenizers" / "SmolLM2-135M-Instruct" / "tokenizer.json").is_file()
        cached = bd.smollm2_counter()  # reads the cache
    finally:
        mp.undo()
    reference = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    expected = len(reference(text, add_special_tokens=False)["input_ids"])
    assert first.count(text) == cached.count(text) == expected
    assert expected > len(text) / 6  # SMD text is dense in digits and symbols
