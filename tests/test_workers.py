"""Supervised worker processes: per-item time and memory budgets, dead workers, order and laziness (issue #14)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from motion_smd import batch
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions
from motion_smd.synthetic import squats
from motion_smd.workers import Budget, Failure, supervised_map

pytestmark = pytest.mark.skipif(os.name != "posix", reason="worker budgets use POSIX signals and rlimits")


def _work(item: str) -> str:
    """Test items: "sleep" hangs, "kill" kills its own worker, "exit" exits it, "raise" raises, "alloc"
    allocates 2 GiB, anything else is echoed with the worker's pid."""
    if item == "sleep":
        time.sleep(3600)
    elif item == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif item == "exit":
        os._exit(3)
    elif item == "raise":
        raise RuntimeError("broken item")
    elif item == "alloc":
        return str(np.ones(2**28).sum())  # 2 GiB of float64
    return f"{item}@{os.getpid()}"


def _failed(item: str, failure: Failure) -> str:
    return f"{item}:{failure.kind}:{failure.detail}"


def test_results_come_in_input_order_from_several_workers() -> None:
    items = [f"i{k}" for k in range(200)]
    out = list(supervised_map(_work, items, _failed, n_workers=2, chunksize=7))
    assert [o.split("@")[0] for o in out] == items
    pids = {o.split("@")[1] for o in out}
    assert len(pids) == 2 and str(os.getpid()) not in pids


def test_a_hanging_item_costs_its_time_budget_and_nothing_else() -> None:
    items = ["a", "b", "sleep", "c", "d", "sleep", "e"]
    t0 = time.monotonic()
    out = list(supervised_map(_work, items, _failed, n_workers=1, budget=Budget(time_s=1.0), chunksize=4))
    wall = time.monotonic() - t0
    assert [o.split("@")[0] for o in out] == ["a", "b", "sleep:timeout:1 s", "c", "d", "sleep:timeout:1 s", "e"]
    assert 2.0 <= wall < 30.0  # two budgets spent, not an hour
    # the items after each hang ran in a fresh worker
    assert out[0].split("@")[1] != out[3].split("@")[1] != out[6].split("@")[1]


def test_a_dead_worker_fails_its_item_and_is_replaced() -> None:
    out = list(supervised_map(_work, ["a", "kill", "b", "exit", "c", "raise", "d"], _failed, n_workers=2, chunksize=2))
    assert out[0].startswith("a@") and out[2].startswith("b@") and out[4].startswith("c@") and out[6].startswith("d@")
    assert out[1].startswith("kill:died:killed by SIGKILL")
    assert out[3] == "exit:died:exited with status 3"
    assert out[5] == "raise:raised:RuntimeError: broken item"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="the memory budget reads /proc (Linux)")
def test_an_item_over_the_memory_budget_gets_memory_error_in_its_worker_only() -> None:
    out = list(supervised_map(_work, ["a", "alloc", "b"], _failed, budget=Budget(memory_bytes=256 * 2**20)))
    assert out[0].startswith("a@") and out[2].startswith("b@")
    assert out[1].startswith("alloc:raised:MemoryError")
    # without a budget the same allocation succeeds
    assert list(supervised_map(_work, ["alloc"], _failed)) == [str(float(2**28))]


def test_items_are_consumed_lazily_and_closing_stops_the_workers() -> None:
    taken = 0

    def items() -> Iterator[str]:
        nonlocal taken
        for k in range(10**9):
            taken += 1
            yield f"i{k}"

    gen = supervised_map(_work, items(), _failed, n_workers=2, chunksize=5)
    first = [next(gen) for _ in range(3)]
    assert [o.split("@")[0] for o in first] == ["i0", "i1", "i2"]
    assert taken <= 4 * 2 * 5 + 5
    pids = {int(o.split("@")[1]) for o in first}
    gen.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="n_workers"):
        list(supervised_map(_work, ["a"], _failed, n_workers=0))
    with pytest.raises(ValueError, match="budget"):
        list(supervised_map(_work, ["a"], _failed, budget=Budget(time_s=0)))


def test_a_batch_file_that_hangs_gets_an_error_record_and_the_batch_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that never returns (as bvhio did on truncated files) costs one file under --file-timeout."""
    paths = []
    for name in ("a", "hang", "b"):
        path = tmp_path / f"{name}.npy"
        np.save(path, squats(n_reps=2).joints)
        paths.append(path)
    real_load = batch.read_parts

    def load(spec: object, path: str, *args: object) -> object:
        if Path(path).name == "hang.npy":
            time.sleep(3600)
        return real_load(spec, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "read_parts", load)  # forked workers inherit it
    jobs = [batch.Job(str(p), p.stem, None, ReadOptions(), SMDOptions(), with_description=False) for p in paths]
    results = list(batch.run_jobs(jobs, n_jobs=1, budget=Budget(time_s=2.0)))
    assert [r.ok for r in results] == [True, False, True], [r.error for r in results]
    assert results[1].error is not None
    assert "hang.npy: still running after 2 s (the per-file time budget)" in results[1].error
    assert "--file-timeout" in results[1].error
    assert results[0].text == results[2].text
