"""The Ray Data engine (`smd describe --engine ray`, issue #19): the same records as the local engine, error rows
for bad files, on a real Ray cluster of two nodes started on 127.0.0.1 (a head and a worker node process)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from motion_smd.batch import Job, expand_paths, motion_ids, run_job
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions, parse_variants
from motion_smd.windows import WindowOptions

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'motion-smd[ray]')")
from motion_smd.ray_engine import _remote_ids, describe_batch, list_sources, read_records  # noqa: E402

RAY_ENV = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
"""A cluster on this machine only: no token authentication, no usage reports."""


def _smd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "motion_smd.cli", *args], capture_output=True, text=True, env=RAY_ENV)


def _ray_cli() -> str:
    found = Path(sys.executable).with_name("ray")
    if not found.exists():
        pytest.skip(f"the `ray` command is not beside {sys.executable}")
    return str(found)


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """A two-node Ray cluster on 127.0.0.1 (`ray start --head`, then `ray start --address` for a worker node,
    one CPU each); stopped afterwards (`ray stop --force`, which stops every Ray node on this machine)."""
    cli = _ray_cli()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"127.0.0.1:{port}"
    temp_dir = tempfile.mkdtemp(prefix="smdray", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats"]
    head = [cli, "start", "--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp_dir}"]
    try:
        for cmd in (head + common, [cli, "start", f"--address={address}", *common]):
            run = subprocess.run(cmd, capture_output=True, text=True, env=RAY_ENV, timeout=180)
            assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-1500:]
        yield address
    finally:
        subprocess.run([cli, "stop", "--force"], capture_output=True, env=RAY_ENV, timeout=120)
        shutil.rmtree(temp_dir, ignore_errors=True)


def _lines(folder: Path) -> list[str]:
    lines = [line for f in sorted(folder.glob("*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines()]
    return sorted(lines, key=lambda line: (json.loads(line)["id"], json.loads(line)["variant"]))


def test_cluster_records_equal_the_local_engines_on_the_shared_clips(
    ray_cluster: str, smd_data_dir: Path, tmp_path: Path
) -> None:
    code = f"import ray; ray.init(address={ray_cluster!r}); print(sum(n['Alive'] for n in ray.nodes()))"
    nodes = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=RAY_ENV, timeout=120)
    assert nodes.stdout.strip().splitlines()[-1] == "2", nodes.stderr[-1500:]
    variants = ["--variants", "all-26,top-3,delta-10", "--format", "jsonl"]
    on_ray = _smd(
        "describe",
        str(smd_data_dir),
        "--engine",
        "ray",
        "--address",
        ray_cluster,
        "-o",
        str(tmp_path / "ray"),
        *variants,
    )
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    local = _smd("describe", str(smd_data_dir), "--jobs", "2", "-o", str(tmp_path / "local.jsonl"), *variants)
    assert local.returncode == 0, local.stderr[-3000:]
    expected = sorted(
        (tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines(),
        key=lambda line: (json.loads(line)["id"], json.loads(line)["variant"]),
    )
    n_files = len(expand_paths([str(smd_data_dir)]))
    assert len(expected) == 3 * n_files and n_files >= 300
    assert _lines(tmp_path / "ray") == expected  # byte-identical records
    assert f"described {n_files} of {n_files} motions" in on_ray.stderr


def _mixed_folder(smd_data_dir: Path, root: Path) -> Path:
    """Two real clips with the same name in two folders, a HumanML3D clip, a wrong-shaped .npy, a truncated BVH."""
    bvh = sorted((smd_data_dir / "cmu").rglob("*.bvh"))[:2]
    npy = sorted((smd_data_dir / "humanml3d").rglob("*.npy"))[:1]
    if len(bvh) < 2 or not npy:
        pytest.skip(f"CMU BVH and HumanML3D clips not found under {smd_data_dir}")
    for sub in ("a", "b"):
        (root / sub).mkdir(parents=True)
        shutil.copy(bvh[0], root / sub / bvh[0].name)
    shutil.copy(npy[0], root / "a" / npy[0].name)
    np.save(root / "a" / "bad.npy", np.zeros((5, 3), dtype=np.float32))
    (root / "b" / "trunc.bvh").write_bytes(bvh[1].read_bytes()[:3000])
    return root


def test_parquet_output_and_error_rows(ray_cluster: str, smd_data_dir: Path, tmp_path: Path) -> None:
    src = _mixed_folder(smd_data_dir, tmp_path / "mixed")
    to_parquet = ["describe", str(src), "--engine", "ray", "--address", ray_cluster, "--format", "parquet"]
    run = _smd(*to_parquet, "-o", str(tmp_path / "pq"))
    assert run.returncode == 1, run.stderr[-3000:]  # two files failed: listed, the job finished
    assert "2 of 5 files failed" in run.stderr and "bad.npy" in run.stderr and "trunc.bvh" in run.stderr
    rows = read_records(str(tmp_path / "pq"))
    errors = {r["id"]: r["error"] for r in rows if "error" in r}
    assert set(errors) == {"a/bad", "b/trunc"}
    assert str(src / "a" / "bad.npy") in errors["a/bad"] and "expected (T, 22, 3)" in errors["a/bad"]
    assert "truncated" in errors["b/trunc"]
    local = _smd("describe", str(src), "--format", "jsonl", "-o", str(tmp_path / "local.jsonl"))
    assert local.returncode == 1
    expected = sorted(
        (json.loads(line) for line in (tmp_path / "local.jsonl").read_text().splitlines()), key=lambda r: r["id"]
    )
    assert [r for r in rows if "error" not in r] == expected
    again = _smd(*to_parquet, "-o", str(tmp_path / "pq"))
    assert again.returncode != 0 and "already exists" in again.stderr  # never mixes two runs' shards


@pytest.mark.parametrize(
    "options",
    [{"variants": tuple(parse_variants("all-26,top-3"))}, {"windows": WindowOptions(window_s=3.0)}],
    ids=["variants", "windows"],
)
def test_describe_batch_without_ray_matches_run_job(
    smd_data_dir: Path, tmp_path: Path, options: dict[str, object]
) -> None:
    src = _mixed_folder(smd_data_dir, tmp_path / "mixed")
    sources = list_sources([str(src)])
    job = replace(Job("", "", None, ReadOptions(), SMDOptions(), True, False), **options)
    gone = str(src / "gone.npy")  # listed, then deleted before its task ran: an error row
    batch = {"path": [*sources.paths, gone], "id": [*sources.ids, "gone"], "source": [*sources.sources, gone]}
    out = describe_batch(batch, job, sources.filesystem, "jsonl")["line"]
    assert json.loads(out[-1])["id"] == "gone" and "cannot be read" in json.loads(out[-1])["error"]
    out = out[:-1]
    expected: list[str] = []
    for motion_id, source in zip(sources.ids, sources.sources):
        res = run_job(replace(job, path=source, motion_id=motion_id))
        expected.extend(
            res.line.split("\n")
            if res.ok and res.line
            else [json.dumps({"error": res.error, "id": motion_id, "source": source})]
        )
    assert len(out) == len(expected) > 3
    assert [json.loads(x) for x in out] == [json.loads(x) for x in expected]


def test_sources_and_ids_follow_the_local_rules(smd_data_dir: Path, tmp_path: Path) -> None:
    src = _mixed_folder(smd_data_dir, tmp_path / "mixed")
    local = list_sources([str(src)])
    files = expand_paths([str(src)])
    assert local.sources == tuple(map(str, files)) and local.ids == tuple(motion_ids(files))
    uri = list_sources([f"file://{src}"])  # a URI pyarrow opens: listed recursively, same ids
    assert uri.ids == local.ids and all(s.startswith("file:///") for s in uri.sources)
    assert _remote_ids(["/x/a/walk.bvh", "/x/b/walk.bvh", "/x/a/run.npy"]) == ["a/walk", "b/walk", "a/run"]
    assert _remote_ids(["/x/a/walk.bvh", "/x/a/walk.npy"]) == ["walk.bvh", "walk.npy"]
