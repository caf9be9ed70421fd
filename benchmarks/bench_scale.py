"""Scale benchmark (issue #19): one corpus described by the local engine (`--jobs N`) and by the Ray engine, the
records compared, the several-variant pass against one pass per variant. Run on demand:

    python benchmarks/bench_batch.py --keep /tmp/corpus            # writes the 29,228-clip corpus once
    python benchmarks/bench_scale.py /tmp/corpus/corpus            # local --jobs 2 vs Ray (a cluster started here)
    python benchmarks/bench_scale.py DIR --address 127.0.0.1:6379  # Ray: an existing cluster (e.g. two nodes)
    python benchmarks/bench_scale.py DIR --variants all-26,top-3,top-5,no-trajectory,delta-10 --engines local

Each run is the real command in a subprocess (`smd describe DIR --format jsonl ...`), timed end to end (start-up,
listing, reading, describing, writing; for Ray also connecting or starting the cluster and reading the shards
back to count the error rows). While it runs, every process of this machine that belongs to it is sampled every
1 s with psutil: the command and its children, and for Ray every `ray::` worker and the Ray daemons (raylet,
gcs_server, the dashboard and log agents); reported are the largest resident set size of one process ("peak RSS
per process") and the largest sum of proportional set sizes (PSS: shared pages split) over the sampled
processes ("peak PSS, all"). Ray daemons of a cluster that was already running count from this run's start.

The records are compared after sorting: each output's lines sorted by (id, variant), hashed with SHA-256;
"same records" means equal hashes (the JSONL lines are byte-identical). With `--variants`, the one-pass run
(`--variants a,b,...`) is compared with one run per variant (`--variant-options` gives each run's options).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from bench_startup import smd_command

RAY_DAEMONS = ("raylet", "gcs_server", "dashboard", "log_monitor", "runtime_env", "ray::", "monitor.py")


@dataclass
class RunStats:
    """One command: wall seconds, peak RSS of one process (MiB), peak PSS summed over its processes (MiB)."""

    wall_s: float
    peak_rss_mib: float
    peak_pss_mib: float
    stderr_tail: str


def _is_ours(proc: psutil.Process, root_pid: int, ray: bool) -> bool:
    try:
        if proc.pid == root_pid or root_pid in (p.pid for p in proc.parents()):
            return True
        if ray:
            cmd = " ".join(proc.cmdline())
            return any(d in cmd for d in RAY_DAEMONS)
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return False


def run_sampled(cmd: list[str], ray: bool) -> RunStats:
    """Run `cmd`, sampling the memory of its processes (and Ray's) every second."""
    peak = {"rss": 0.0, "pss": 0.0}
    done = threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        while not done.is_set():
            pss_sum = 0.0
            for p in psutil.process_iter():
                if not _is_ours(p, proc.pid, ray):
                    continue
                try:
                    mem = p.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
                peak["rss"] = max(peak["rss"], mem.rss / 2**20)
                pss_sum += mem.pss / 2**20
            peak["pss"] = max(peak["pss"], pss_sum)
            done.wait(1.0)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    thread.join()
    if proc.returncode not in (0, 1):  # 1: some files failed (listed), the run finished
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return RunStats(wall, peak["rss"], peak["pss"], err.strip().splitlines()[-1] if err.strip() else "")


def sorted_hash(paths: list[Path]) -> tuple[str, int]:
    """SHA-256 of all JSONL lines of `paths`, sorted by (id, variant), and their count (lines are located in a
    first pass and read back in order, so memory holds only their keys and offsets)."""
    index: list[tuple[tuple[str, str], int, int, int]] = []
    for k, path in enumerate(paths):
        offset = 0
        with path.open("rb") as fh:
            for line in fh:
                body = line.rstrip(b"\n")
                if body:
                    rec = json.loads(body)
                    index.append(((rec["id"], rec.get("variant") or ""), k, offset, len(body)))
                offset += len(line)
    index.sort()
    digest = hashlib.sha256()
    handles = [path.open("rb") for path in paths]
    try:
        for _, k, offset, length in index:
            handles[k].seek(offset)
            digest.update(handles[k].read(length) + b"\n")
    finally:
        for fh in handles:
            fh.close()
    return digest.hexdigest(), len(index)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--jobs", type=int, default=2, help="local engine: --jobs; Ray without --address: CPUs")
    ap.add_argument("--address", default=None, help="Ray cluster address (default: start one for the run)")
    ap.add_argument("--engines", default="local,ray")
    ap.add_argument("--variants", default=None, help="also: the one-pass run against one run per variant")
    ap.add_argument("--work", type=Path, default=None, help="folder for the outputs (default: a temporary one)")
    args = ap.parse_args(argv)
    n_files = sum(1 for _ in args.corpus.rglob("*.npy")) + sum(1 for _ in args.corpus.rglob("*.bvh"))
    work = args.work or Path(tempfile.mkdtemp(prefix="smd-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, RunStats, str, int]] = []
    try:
        base = [*smd_command(), "describe", str(args.corpus), "--format", "jsonl"]
        extra = ["--variants", args.variants] if args.variants else []
        engines = args.engines.split(",")
        if "local" in engines:
            out = work / "local.jsonl"
            stats = run_sampled([*base, *extra, "--jobs", str(args.jobs), "-o", str(out)], ray=False)
            rows.append((f"local --jobs {args.jobs}", stats, *sorted_hash([out])))
            out.unlink()
        if "ray" in engines:
            out = work / "ray"
            where = ["--address", args.address] if args.address else ["--jobs", str(args.jobs)]
            stats = run_sampled([*base, *extra, "--engine", "ray", *where, "-o", str(out)], ray=True)
            rows.append((f"ray ({args.address or f'{args.jobs} CPUs, started here'})", stats,
                         *sorted_hash(sorted(out.glob("*.jsonl")))))  # fmt: skip
            shutil.rmtree(out)
        if args.variants:
            singles = work / "singles"
            singles.mkdir(exist_ok=True)
            total = RunStats(0.0, 0.0, 0.0, "")
            outs = []
            for variant in args.variants.split(","):
                out = singles / f"{variant}.jsonl"
                stats = run_sampled([*base, "--variants", variant, "--jobs", str(args.jobs), "-o", str(out)], False)
                total.wall_s += stats.wall_s
                total.peak_rss_mib = max(total.peak_rss_mib, stats.peak_rss_mib)
                total.peak_pss_mib = max(total.peak_pss_mib, stats.peak_pss_mib)
                outs.append(out)
            rows.append((f"local --jobs {args.jobs}, one run per variant", total, *sorted_hash(outs)))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    variants = args.variants or "all-26 (default)"
    print(f"## smd describe at scale: {n_files:,} files, variants {variants}, {os.cpu_count()} CPUs\n")
    print("| run | wall s | files/s | peak RSS per process MiB | peak PSS, all MiB | records | sorted SHA-256 |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, st, digest, n in rows:
        print(f"| {name} | {st.wall_s:.1f} | {n_files / st.wall_s:,.0f} | {st.peak_rss_mib:.0f} | "
              f"{st.peak_pss_mib:.0f} | {n:,} | `{digest[:16]}` |")  # fmt: skip
    digests = {d for _, _, d, _ in rows}
    print(f"\nsame records in every run: {len(digests) == 1}")
    for name, st, _, _ in rows:
        print(f"  {name}: {st.stderr_tail}")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
