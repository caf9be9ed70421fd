"""Fuzz the motion readers (issue #14), on demand: mutated BVH and `.npy` inputs through `load_motion` and, when
a file loads, `describe` + `render_smd`. Prints the statistics `docs/reliability.md` records.

    python benchmarks/fuzz.py --executions 100000            # seeds: generated files + real BVH of $SMD_DATA_DIR
    python benchmarks/fuzz.py --executions 2000 --no-real    # generated seeds only

Each input is one mutation (or a few) of a seed, at most 4× the seed's size: cut at a random byte or line end,
bytes flipped, a line deleted or repeated, a number replaced by an extreme value (0, -1, 1e308, 1e-320, nan,
99999999999), braces inserted or removed, the `.npy` header's length rewritten. Inputs run in batches in worker
processes; a batch that does not finish in time is re-run one input at a time to find the input that hangs
(`--timeout-s`, per input). Outcome of each execution: "loaded" (described and rendered), "refused" (an error of
the project's family, `MotionSMDError`), "crash" (any other exception: a bug), "hang" (over the time limit).
Peak memory: the largest resident set of any worker (`ru_maxrss` of the children).

Deterministic for a given `--seed`. Mutation code is this file's own (the fuzzing is what the issue asks for);
seeds come from `tests/bvh_synth.py` (generated, no licensed data) and, unless `--no-real`, the shared BVH clips.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # bvh_synth: generated BVH seeds

MEMORY_REPORT_MIB = 200.0
"""An input that raises a worker's peak memory by more than this is listed (the peak only grows, so an input is
listed when it sets a new peak by that much)."""

MEMORY_LIMIT_MIB = 1024.0
"""The input with which a worker first passes this much peak memory is listed too (the issue's limit)."""

EXTREMES = [b"0", b"-1", b"1e308", b"-1e308", b"1e-320", b"nan", b"inf", b"99999999999", b"-0", b"1e6"]


@functools.lru_cache(maxsize=2)
def seeds(real: bool, n_real: int) -> list[tuple[str, bytes]]:
    """(suffix, content) of the seed files: generated BVH (two rotation orders, with and without position
    channels), generated `.npy` joints (float32, float64, Z-up-sized), and up to `n_real` real BVH clips."""
    from bvh_synth import bvh_text, random_motion
    from hostile_inputs import npy_bytes
    from motion_smd import synthetic

    out: list[tuple[str, bytes]] = []
    for k, (order, pos) in enumerate([("ZXY", False), ("XYZ", True)]):
        rot, root = random_motion(8 + 4 * k, seed=k)
        out.append((".bvh", bvh_text(rot, root, order=order, all_position_channels=pos).encode()))
    for motion, dtype in [(synthetic.squats(), np.float32), (synthetic.walk_forward(), np.float64)]:
        out.append((".npy", npy_bytes(motion.joints[:40].astype(dtype))))
    if real:
        data = Path(os.environ.get("SMD_DATA_DIR", ROOT.parent / "shared" / "data"))
        for path in sorted(data.rglob("*.bvh"))[:n_real]:
            content = path.read_bytes()
            # keep the hierarchy and the first 20 frames: mutations stay fast
            head, _, block = content.partition(b"MOTION")
            lines = block.split(b"\n")
            out.append((".bvh", head + b"MOTION" + b"\n".join(lines[:23]) + b"\n"))
    return out


def mutate(content: bytes, suffix: str, rng: random.Random) -> bytes:
    """One to three random mutations of a seed's bytes."""
    data = bytearray(content)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(8)
        if op == 0 and data:  # cut at a random byte
            del data[rng.randrange(len(data)) :]
        elif op == 1:  # cut at a line end
            ends = [i + 1 for i, b in enumerate(data) if b == 10]
            if ends:
                del data[rng.choice(ends) :]
        elif op == 2 and data:  # flip bytes
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif op in (3, 4):  # delete or repeat a line
            lines = bytes(data).split(b"\n")
            i = rng.randrange(len(lines))
            lines[i : i + 1] = [] if op == 3 else [lines[i]] * rng.randint(2, 50)
            data = bytearray(b"\n".join(lines))
        elif op == 5:  # a number becomes an extreme value
            text = bytes(data)
            numbers = [m.span() for m in __import__("re").finditer(rb"-?\d+(\.\d+)?(e-?\d+)?", text)]
            if numbers:
                a, b = rng.choice(numbers)
                data = bytearray(text[:a] + rng.choice(EXTREMES) + text[b:])
        elif op == 6:  # braces or header punctuation inserted
            token = rng.choice([b"{", b"}", b"(", b")", b"'", b"\n", b"ROOT X\n{\n", b"MOTION\n", b"\x00"])
            data[rng.randrange(len(data) + 1) : 0] = token
        elif suffix == ".npy" and len(data) > 10:  # the .npy header length field
            data[8:10] = rng.randrange(65536).to_bytes(2, "little")
    # inputs stay within 4× their seed (repeated lines could otherwise reach 100 MB, and the peak memory would
    # measure this harness's pickling, not the readers)
    return bytes(data[: 4 * len(content) + 1024])


def make_input(index: int, seed: int, real: bool, n_real: int) -> tuple[str, bytes]:
    """Input number `index` of a run: (suffix, bytes). BVH and .npy inputs alternate; each input has its own
    random generator (seeded by run seed and index), so any input can be rebuilt alone (`--reproduce`)."""
    pool = seeds(real, n_real)
    kind = [s for s in pool if s[0] == (".bvh", ".npy")[index % 2]]
    suffix, content = kind[(index // 2) % len(kind)]
    return suffix, mutate(content, suffix, random.Random(f"{seed}:{index}"))


def _run_batch(indices: range, seed: int, real: bool, n_real: int) -> list[tuple[int, str, str]]:
    """(index, outcome, detail) of each input, built and run in a worker (the parent holds only indices: its
    memory, which a forked worker starts from, stays small)."""
    from motion_smd import describe, render_smd
    from motion_smd.errors import MotionSMDError
    from motion_smd.io import load_motion

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in indices:
            suffix, content = make_input(index, seed, real, n_real)
            path = Path(tmp) / f"input{suffix}"
            path.write_bytes(content)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                render_smd(describe(load_motion(path)))
                out.append((index, "loaded", ""))
            except MotionSMDError:
                out.append((index, "refused", ""))
            except Exception as exc:  # a crash: the finding this tool exists for
                out.append((index, "crash", f"{type(exc).__name__}: {str(exc)[:200]}"))
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            crossed = before / 1024.0 <= MEMORY_LIMIT_MIB < after / 1024.0
            if crossed or (after - before) / 1024.0 > MEMORY_REPORT_MIB:  # a new peak, by this input
                out.append((index, "memory", f"+{(after - before) / 1024.0:.0f} MiB, to {after / 1024.0:.0f} MiB"))
    return out


def _rss_children_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def run(executions: int, seed: int, real: bool, n_real: int, batch_size: int, timeout_s: float, jobs: int) -> int:
    pool_seeds = seeds(real, n_real)
    args = (seed, real, n_real)
    counts: Counter[str] = Counter()
    crashes: list[tuple[int, str]] = []
    hangs: list[int] = []
    memory: list[tuple[int, str]] = []
    t0 = time.perf_counter()
    ctx = mp.get_context("spawn")
    batches = [range(k, min(k + batch_size, executions)) for k in range(0, executions, batch_size)]
    pool = ctx.Pool(jobs, maxtasksperchild=20)
    try:
        pending = [(b, pool.apply_async(_run_batch, (b, *args))) for b in batches]
        for batch, handle in pending:
            try:
                results = handle.get(timeout=timeout_s * len(batch) + 30)
            except mp.TimeoutError:  # find the input that hangs, one at a time
                results = []
                pool.terminate()
                pool = ctx.Pool(jobs, maxtasksperchild=20)
                for index in batch:
                    single = pool.apply_async(_run_batch, (range(index, index + 1), *args))
                    try:
                        results += single.get(timeout=timeout_s)
                    except mp.TimeoutError:
                        hangs.append(index)
                        pool.terminate()
                        pool = ctx.Pool(jobs, maxtasksperchild=20)
                # the rest of `pending` belonged to the terminated pool: resubmit it
                at = pending.index((batch, handle)) + 1
                pending[at:] = [(b, pool.apply_async(_run_batch, (b, *args))) for b, _ in pending[at:]]
            for index, outcome, detail in results:
                if outcome == "memory":
                    memory.append((index, detail))
                    continue
                counts[outcome] += 1
                if outcome == "crash":
                    crashes.append((index, detail))
    finally:
        pool.close()
        pool.join()
    wall = time.perf_counter() - t0
    counts["hang"] = len(hangs)
    print(f"fuzz: {executions:,} executions (seed {seed}, {len(pool_seeds)} seeds: "
          f"{sum(s == '.bvh' for s, _ in pool_seeds)} BVH, {sum(s == '.npy' for s, _ in pool_seeds)} .npy), "
          f"{wall:.0f} s on {jobs} worker(s)")
    for outcome in ("loaded", "refused", "crash", "hang"):
        print(f"  {outcome:8} {counts[outcome]:>8,}")
    print(f"  peak worker memory {_rss_children_mib():.0f} MiB")
    for index, detail in crashes[:20]:
        print(f"  crash #{index}: {detail}")
    for index in hangs[:20]:
        print(f"  hang #{index} (over {timeout_s:g} s)")
    for index, detail in memory[:20]:
        print(f"  memory #{index}: {detail}")
    return 1 if crashes or hangs else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--executions", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-real", action="store_true", help="Generated seeds only (no shared data).")
    ap.add_argument("--real-clips", type=int, default=20, help="Real BVH seeds to use (default 20).")
    ap.add_argument("--batch-size", type=int, default=200)
    ap.add_argument("--timeout-s", type=float, default=10.0, help="Time limit per input.")
    ap.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 1)))
    ap.add_argument("--reproduce", type=int, metavar="INDEX", help="Write input INDEX of the run to a file and stop.")
    a = ap.parse_args(argv)
    if a.reproduce is not None:
        suffix, content = make_input(a.reproduce, a.seed, not a.no_real, a.real_clips)
        path = Path(f"fuzz-input-{a.seed}-{a.reproduce}{suffix}")
        path.write_bytes(content)
        print(f"wrote {path} ({len(content):,} bytes)")
        return 0
    return run(a.executions, a.seed, not a.no_real, a.real_clips, a.batch_size, a.timeout_s, a.jobs)


if __name__ == "__main__":
    raise SystemExit(main())
