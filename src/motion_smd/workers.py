"""Worker processes that run items under a per-item time and memory budget (issue #14).

`supervised_map(func, items, …)` runs `func` on each item in worker processes and yields the results in input
order. A worker that spends longer than `Budget.time_s` on one item is killed and replaced, and that item gets
`on_failure(item, Failure("timeout", …))`; so does an item whose worker dies (a crash in native code, the
system's out-of-memory killer). Each worker's data segment may grow by at most `Budget.memory_bytes` over its
size at start (`RLIMIT_DATA`, Linux), so an allocation beyond the budget raises `MemoryError` inside `func`
instead of exhausting the machine. A hang or a blow-up therefore costs one item, never the run.

Workers are forked where the platform allows (so they share the parent's loaded code, e.g. numba's compiled
kernels) and ignore Ctrl-C: the parent stops them when it is interrupted or its generator is closed.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Budget:
    """What one item may use in a worker.

    Attributes:
        time_s: wall-clock seconds per item, > 0; None = no limit.
        memory_bytes: how far the worker's data segment (heap and anonymous mappings, `RLIMIT_DATA`) may grow
            over its size when the worker starts, > 0; None = no limit. Enforced on Linux; elsewhere ignored.
    """

    time_s: float | None = None
    memory_bytes: int | None = None


@dataclass(frozen=True)
class Failure:
    """Why an item has no result of `func`: "timeout" (the worker was killed after `Budget.time_s`; `detail` is
    that limit, e.g. "600 s"), "died"
    (the worker exited or was killed by a signal while on the item) or "raised" (`func` raised; `detail` is the
    exception's type and message)."""

    kind: Literal["timeout", "died", "raised"]
    detail: str


def _vm_data_bytes() -> int | None:
    """This process's data segment size in bytes (`VmData` of /proc/self/status), or None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _limit_memory(extra_bytes: int) -> None:
    current = _vm_data_bytes()
    if current is None:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = current + extra_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (`prctl(PR_SET_PDEATHSIG, SIGKILL)`), so that a
    worker stuck on an item does not outlive a parent that was killed; elsewhere a no-op (the worker then ends
    when it next writes to the closed pipe)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _worker(conn: Connection, func: Callable[[Any], Any], memory_bytes: int | None, parent_pid: int) -> None:
    """Worker loop: receive a chunk of (seq, item), send back (seq, True, result) or (seq, False, detail) per
    item; None or a closed pipe ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        _die_with_parent()
        if os.getppid() != parent_pid:  # the parent died before the request took effect
            return
    if memory_bytes is not None:
        _limit_memory(memory_bytes)
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for seq, item in chunk:
            try:
                message = (seq, True, func(item))
            except Exception as exc:  # reported as this item's failure; the worker goes on
                message = (seq, False, f"{type(exc).__name__}: {str(exc)[:300]}")
            try:
                conn.send(message)
            except OSError:  # the parent is gone (killed, or it stopped the run)
                return


@dataclass
class _Slot(Generic[T]):
    process: BaseProcess
    conn: Connection
    queue: deque[tuple[int, T]] = field(default_factory=deque)  # sent, not yet answered, in order
    started: float = 0.0  # when the worker began the item at the head of `queue` (time.monotonic)


def _death_detail(process: BaseProcess) -> str:
    process.join(timeout=5)
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        hint = " (sent by the system when it runs out of memory, or by a user)" if name == "SIGKILL" else ""
        return f"killed by {name}{hint}"
    return f"exited with status {code}"


def supervised_map(
    func: Callable[[T], R],
    items: Iterable[T],
    on_failure: Callable[[T, Failure], R],
    n_workers: int = 1,
    budget: Budget = Budget(),
    chunksize: int = 32,
) -> Iterator[R]:
    """Yield `func(item)` for each item, in input order, computed in `n_workers` worker processes under `budget`.

    Items are handed out `chunksize` at a time (consumed lazily: at most `4 · n_workers · chunksize` items are
    held at once, whatever the length of `items`). `func` and the items must be picklable when the platform
    cannot fork. An item whose worker exceeds `budget.time_s`, dies, or whose `func` raises gets
    `on_failure(item, Failure(…))` as its result; the run continues with a new worker.

    Raises:
        ValueError: n_workers < 1, chunksize < 1, or a budget value ≤ 0.
    """
    if n_workers < 1 or chunksize < 1:
        raise ValueError(f"n_workers and chunksize must be ≥ 1, got {n_workers} and {chunksize}.")
    if (budget.time_s is not None and not budget.time_s > 0) or (
        budget.memory_bytes is not None and budget.memory_bytes <= 0
    ):
        raise ValueError(f"budget values must be > 0, got {budget}.")
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")

    def spawn() -> _Slot[T]:
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_worker, args=(child, func, budget.memory_bytes, os.getpid()), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def send(slot: _Slot[T], chunk: list[tuple[int, T]]) -> None:
        slot.queue.extend(chunk)
        slot.started = time.monotonic()
        slot.conn.send(chunk)

    def replace(slot: _Slot[T], failure: Failure) -> _Slot[T]:
        """Fail the item `slot` is on, stop its worker, and give the rest of its chunk to a new worker."""
        seq, item = slot.queue.popleft()
        results[seq] = on_failure(item, failure)
        rest = list(slot.queue)
        _stop(slot)
        fresh = spawn()
        if rest:
            send(fresh, rest)
        return fresh

    source = enumerate(items)
    window = 4 * n_workers * chunksize
    results: dict[int, R] = {}
    next_out = 0  # the next seq to yield
    next_in = 0  # the next seq to hand out
    exhausted = False
    slots = [spawn() for _ in range(n_workers)]
    try:
        while True:
            for slot in slots:
                if not slot.queue and not exhausted and next_in - next_out < window:
                    chunk = list(islice(source, chunksize))
                    if chunk:
                        next_in += len(chunk)
                        send(slot, chunk)
                    else:
                        exhausted = True
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
            busy = [slot for slot in slots if slot.queue]
            if not busy:
                if exhausted:
                    return
                continue
            now = time.monotonic()
            timeout = None if budget.time_s is None else max(0.0, min(s.started for s in busy) + budget.time_s - now)
            ready = wait([s.conn for s in busy], timeout=timeout)
            for k, slot in enumerate(slots):
                if slot.conn not in ready:
                    continue
                try:
                    while slot.queue and slot.conn.poll():
                        seq, ok, payload = slot.conn.recv()
                        _, item = slot.queue.popleft()
                        results[seq] = payload if ok else on_failure(item, Failure("raised", payload))
                        slot.started = time.monotonic()
                except (EOFError, OSError):
                    slots[k] = replace(slot, Failure("died", _death_detail(slot.process)))
            if budget.time_s is not None:
                now = time.monotonic()
                for k, slot in enumerate(slots):
                    if slot.queue and now - slot.started > budget.time_s:
                        slots[k] = replace(slot, Failure("timeout", f"{budget.time_s:g} s"))
    finally:
        for slot in slots:
            _stop(slot)


def _stop(slot: _Slot[Any]) -> None:
    if slot.process.is_alive():
        slot.process.kill()
    slot.process.join()
    slot.conn.close()
