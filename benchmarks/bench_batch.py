"""Batch benchmark: `smd describe DIR --jobs 2 --format jsonl -o out.jsonl` over a HumanML3D-sized corpus.

Run on demand (never part of CI's pass/fail):

    python benchmarks/bench_batch.py                      # 29,228 clips × 200 frames, --jobs 2
    python benchmarks/bench_batch.py --n-clips 2000 --jobs 1 --keep /tmp/corpus

What it does:

1. Writes `--n-clips` (default 29,228, HumanML3D with mirrors) motions of `--frames` (default 200) frames as
   float32 `(frames, 22, 3)` `.npy` files (HumanML3D `new_joints` layout, 20 fps) into a temporary folder.
   Source (`--source`): "real" (default when the data is present) = every real BVH clip of `$SMD_DATA_DIR`
   (Bandai-Namco and CMU) loaded at 20 fps, canonicalised and joined end to end into one stream
   (`bench_describer.real_stream`), cut into overlapping windows evenly spread over the stream;
   "synthetic" = the same from the generated synthetic sequence (`bench_describer.generated_joints`).
   Each window gets a small deterministic perturbation (seeded NumPy generator): a yaw rotation, a
   0.9–1.1 body scale, 0.5 mm Gaussian joint noise (more would add jitter segments), and a left/right
   mirror for every other clip. The corpus takes about 53 KB a clip (1.5 GB for 29,228 clips).
2. Times the real command in a subprocess (`smd describe DIR --jobs N --format jsonl -o OUT`), end to end:
   process start and imports, reading the files, describing, writing the JSONL.
   Peak memory: the sum of the resident set sizes of the command and all its worker processes ("RSS tree",
   an upper bound: pages the forked workers share with the main process count in each) and the sum of their
   proportional set sizes ("PSS tree": shared pages split), both sampled every 20 ms with psutil; the
   command's own process alone ("main", sampled); and the largest single process's peak ("largest
   process", exact: GNU time's %M, `/usr/bin/time` running the command).
   CPU time: user + system seconds of the command and its workers (`RUSAGE_CHILDREN`, exact) and of the
   command's own process (psutil samples); on a shared machine CPU s / jobs is the wall time an idle
   machine would give. The fixed cost (start-up, imports, pool) is measured with a 1-clip run of the
   same command.
3. Checks that OUT has one JSON record per clip (the JSONL is large: the structured description of
   every channel is in each record), prints a Markdown table and removes the temporary folder
   (unless `--keep DIR`, which writes the corpus there and leaves it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_describer import data_dir, generated_joints, machine_info, real_stream

from motion_smd.errors import ConfigError, MotionSMDError
from motion_smd.skeleton import SMPL22_MIRROR

FloatArray = NDArray[np.float64]

NOISE_M = 0.0005
"""Standard deviation of the Gaussian joint noise added to each window, metres (3 mm would inflate the
all-26 text of real windows by about a quarter with jitter segments; 0.5 mm adds about 1 %)."""

HUMANML3D_CLIPS = 29_228
"""HumanML3D clip count including the mirrored copies (14,616 motions × 2, minus missing ones)."""

BATCH_COLUMNS = (
    "source",
    "clips",
    "frames/clip",
    "jobs",
    "wall s",
    "clips/s",
    "ms/clip",
    "CPU s (all / main process)",
    "fixed cost s",
    "peak RSS tree MiB",
    "peak PSS tree MiB",
    "peak RSS main process MiB",
    "peak RSS largest process MiB",
    "output MiB",
    "described",
)
"""Columns of the batch table."""


def synthetic_stream(n_frames: int) -> FloatArray:
    """The generated synthetic sequence (see `bench_describer.generated_joints`), `n_frames` long."""
    return generated_joints(n_frames)


def windows(stream: FloatArray, n_clips: int, n_frames: int, seed: int = 0) -> Iterator[NDArray[np.float32]]:
    """`n_clips` perturbed windows of `n_frames` frames, evenly spread over `stream` (deterministic).

    Window k starts at frame round(k · (T − n_frames) / max(1, n_clips − 1)); it is moved so that its
    pelvis starts above the origin, rotated about Y by a random yaw, scaled by 0.9–1.1 (the floor stays at
    y = 0 because y ≥ 0), given 0.5 mm Gaussian noise, and, for odd k, mirrored (x → −x, left/right swapped).

    Args:
        stream: (T, 22, 3) float, T ≥ n_frames.
        n_clips: number of windows.
        n_frames: frames per window.
        seed: seed of `numpy.random.default_rng`.

    Yields:
        (n_frames, 22, 3) float32 arrays.

    Raises:
        ConfigError: the stream is shorter than one window.
    """
    total = stream.shape[0]
    if total < n_frames:
        raise ConfigError(f"the source motion has {total} frames, fewer than --frames {n_frames}.")
    rng = np.random.default_rng(seed)
    starts = np.round(np.arange(n_clips) * (total - n_frames) / max(1, n_clips - 1)).astype(int)
    yaw = rng.uniform(-np.pi, np.pi, n_clips)
    scale = rng.uniform(0.9, 1.1, n_clips)
    mirror = list(SMPL22_MIRROR)
    for k in range(n_clips):
        w = stream[starts[k] : starts[k] + n_frames].copy()
        w[..., 0] -= w[0, 0, 0]
        w[..., 2] -= w[0, 0, 2]
        c, s = np.cos(yaw[k]), np.sin(yaw[k])
        x, z = w[..., 0].copy(), w[..., 2].copy()
        w[..., 0] = c * x + s * z
        w[..., 2] = -s * x + c * z
        w *= scale[k]
        w += rng.normal(0.0, NOISE_M, w.shape)
        w[..., 1] = np.maximum(w[..., 1], 0.0)
        if k % 2:
            w = w[:, mirror]
            w[..., 0] *= -1.0
        yield w.astype(np.float32)


def write_corpus(folder: Path, n_clips: int, n_frames: int, source: str, seed: int = 0) -> tuple[int, str]:
    """Write the benchmark corpus: `n_clips` `.npy` files `clip-NNNNNN.npy` in `folder`.

    Args:
        folder: target folder (created).
        n_clips, n_frames: corpus size.
        source: "real" (the real clips; falls back to "synthetic" when absent) or "synthetic".
        seed: perturbation seed.

    Returns:
        (bytes written, source used: "real" or "synthetic").

    Raises:
        ConfigError: unknown source or a source shorter than one window.
    """
    if source not in ("real", "synthetic"):
        raise ConfigError(f"--source {source!r}: choose real or synthetic.")
    stream = real_stream(data_dir()) if source == "real" else None
    used = "real" if stream is not None else "synthetic"
    if stream is None:
        stream = synthetic_stream(max(n_frames * 4, min(n_clips, 36_000) + n_frames))
    folder.mkdir(parents=True, exist_ok=True)
    size = 0
    for k, w in enumerate(windows(stream, n_clips, n_frames, seed)):
        path = folder / f"clip-{k:06d}.npy"
        np.save(path, w)
        size += path.stat().st_size
    return size, used


def smd_command() -> list[str]:
    """The `smd` command of this interpreter's environment (its `bin/smd`, else `python -m motion_smd.cli`)."""
    exe = Path(sys.executable).with_name("smd")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "motion_smd.cli"]


@dataclass(frozen=True)
class Measured:
    """One timed subprocess run.

    Attributes:
        wall_s: wall-clock seconds from start to exit.
        cpu_s: CPU seconds (user + system) of the command and every worker it waited for (exact, getrusage).
        main_cpu_s: CPU seconds of the command's own process (last psutil sample before it exited; 0 without
            psutil), so cpu_s − main_cpu_s is the workers' share.
        tree_rss_mib: peak of the summed RSS of the command and its descendants, MiB (sampled; 0 without psutil).
            Pages shared by the forked workers and the main process count once per process: an upper bound.
        tree_pss_mib: peak of their summed PSS (proportional set size: shared pages split among the processes
            sharing them), MiB (sampled; 0 without psutil): the memory the run really holds.
        main_rss_mib: peak RSS of the command's own process (the one that collects and writes), MiB (sampled).
        largest_rss_mib: peak RSS of the biggest single process of the command, MiB (GNU time `%M`, exact;
            without it, sampled).
        returncode, stderr: the command's exit status and error output.
    """

    wall_s: float
    cpu_s: float
    main_cpu_s: float
    tree_rss_mib: float
    tree_pss_mib: float
    main_rss_mib: float
    largest_rss_mib: float
    returncode: int
    stderr: str


GNU_TIME = Path("/usr/bin/time")
"""GNU time, used (when present) for the exact peak RSS of the largest process of the command."""


def measure(cmd: list[str], poll_s: float = 0.02) -> Measured:
    """Run `cmd` (stdout discarded) and measure it.

    Wall time from start to exit; CPU time of it and every worker it waited for from
    `getrusage(RUSAGE_CHILDREN)` (exact); the summed RSS of it and its descendants, its own RSS and CPU
    time sampled every `poll_s` seconds with psutil (when present). The largest single process's peak RSS
    comes from GNU time's `%M` (`/usr/bin/time` runs the command): `ru_maxrss` read in this process would be
    wrong, since a child created by fork/vfork inherits this (large) process's RSS until it execs, and Linux
    keeps that high-water mark. Without GNU time it is the largest sampled RSS of any one process.
    """
    try:
        import psutil
    except ImportError:  # the exact CPU time and (with GNU time) the largest-process peak need no psutil
        psutil = None
    wrapped = GNU_TIME.is_file()
    with tempfile.TemporaryDirectory(prefix="smd-time-") as tdir:
        maxrss_file = Path(tdir) / "maxrss"
        run_cmd = [str(GNU_TIME), "-f", "%M", "-o", str(maxrss_file), *cmd] if wrapped else cmd
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.Popen(run_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak = main_peak = pss_peak = 0
        per_pid: dict[int, int] = {}
        main_cpu = 0.0
        if psutil is not None:
            outer = psutil.Process(proc.pid)
            main = None if wrapped else outer
            while proc.poll() is None:
                try:
                    if main is None:  # the command is GNU time's child; wait until it exists
                        kids = outer.children()
                        main = kids[0] if kids else None
                    if main is not None:
                        times = main.cpu_times()
                        main_cpu = times.user + times.system
                        mem = main.memory_full_info()
                        main_peak = max(main_peak, mem.rss)
                        rss, pss = mem.rss, mem.pss
                        per_pid[main.pid] = max(per_pid.get(main.pid, 0), mem.rss)
                        for child in main.children(recursive=True):
                            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                                cm = child.memory_full_info()
                                rss += cm.rss
                                pss += cm.pss
                                per_pid[child.pid] = max(per_pid.get(child.pid, 0), cm.rss)
                        peak = max(peak, rss)
                        pss_peak = max(pss_peak, pss)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
                time.sleep(poll_s)
        _, err = proc.communicate()
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        largest = max(per_pid.values(), default=0) / 2**20
        if wrapped:
            with contextlib.suppress(OSError, ValueError, IndexError):
                largest = int(maxrss_file.read_text().split()[-1]) / 1024.0
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Measured(
        wall, cpu, main_cpu, peak / 2**20, pss_peak / 2**20, main_peak / 2**20, largest, proc.returncode, err
    )


@dataclass(frozen=True)
class BatchResult:
    """The batch benchmark's numbers (see BATCH_COLUMNS)."""

    source: str
    n_clips: int
    n_frames: int
    jobs: int
    wall_s: float
    cpu_s: float
    main_cpu_s: float
    fixed_s: float
    tree_rss_mib: float
    tree_pss_mib: float
    main_rss_mib: float
    largest_rss_mib: float
    output_mib: float
    described: int


def run_batch(
    n_clips: int = HUMANML3D_CLIPS,
    n_frames: int = 200,
    jobs: int = 2,
    source: str = "real",
    keep: Path | None = None,
) -> tuple[BatchResult, str]:
    """Write the corpus, time `smd describe DIR --jobs N --format jsonl -o OUT`, verify OUT, clean up.

    Args:
        n_clips, n_frames: corpus size.
        jobs: `--jobs` of the command.
        source: "real" or "synthetic" (see `write_corpus`).
        keep: write the corpus (and out.jsonl) here and keep it; None = a temporary folder, removed after.

    Returns:
        (result, Markdown table).

    Raises:
        ConfigError: bad sizes, or the command failed / wrote the wrong number of records (the message
            holds its stderr).
    """
    if n_clips < 1 or n_frames < 2 or jobs < 1:
        raise ConfigError("--n-clips and --jobs must be ≥ 1 and --frames ≥ 2.")
    root = keep if keep is not None else Path(tempfile.mkdtemp(prefix="smd-batch-"))
    try:
        corpus = root / "corpus"
        t0 = time.perf_counter()
        size, used = write_corpus(corpus, n_clips, n_frames, source)
        _progress(f"wrote {n_clips} clips ({size / 2**20:.0f} MiB) in {time.perf_counter() - t0:.1f} s")
        one = root / "one"
        one.mkdir(exist_ok=True)
        shutil.copy(corpus / "clip-000000.npy", one / "clip-000000.npy")
        base = smd_command()
        # compile numba's kernels now if this machine has never run them (≈ 10 s, once), so no timing holds it
        subprocess.run([*base, "demo", "squat"], capture_output=True, check=False)
        opts = ["--jobs", str(jobs), "--format", "jsonl", "-o"]
        fixed = measure([*base, "describe", str(one), *opts, str(root / "one.jsonl")])
        out = root / "out.jsonl"
        cmd = [*base, "describe", str(corpus), *opts, str(out)]
        _progress("running " + " ".join(cmd))
        m = measure(cmd)
        if m.returncode != 0 or not out.is_file():
            raise ConfigError(f"{' '.join(cmd)} failed (exit {m.returncode}): {m.stderr.strip()[-2000:]}")
        described = 0
        with out.open(encoding="utf-8") as fh:
            for line in fh:
                json.loads(line)
                described += 1
        if described != n_clips:
            raise ConfigError(f"{out}: {described} records for {n_clips} clips; stderr: {m.stderr.strip()[-2000:]}")
        result = BatchResult(
            source=used,
            n_clips=n_clips,
            n_frames=n_frames,
            jobs=jobs,
            wall_s=m.wall_s,
            cpu_s=m.cpu_s,
            main_cpu_s=m.main_cpu_s,
            fixed_s=fixed.wall_s,
            tree_rss_mib=m.tree_rss_mib,
            tree_pss_mib=m.tree_pss_mib,
            main_rss_mib=m.main_rss_mib,
            largest_rss_mib=m.largest_rss_mib,
            output_mib=out.stat().st_size / 2**20,
            described=described,
        )
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return result, batch_table([result])


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def batch_table(results: Sequence[BatchResult]) -> str:
    """Markdown table of batch results with BATCH_COLUMNS."""
    lines = ["| " + " | ".join(BATCH_COLUMNS) + " |", "|" + "|".join("---:" for _ in BATCH_COLUMNS) + "|"]
    for r in results:
        cells = [
            r.source,
            f"{r.n_clips:,}",
            str(r.n_frames),
            str(r.jobs),
            f"{r.wall_s:.1f}",
            f"{r.n_clips / r.wall_s:,.0f}",
            f"{1000.0 * r.wall_s / r.n_clips:.2f}",
            f"{r.cpu_s:.1f} / {r.main_cpu_s:.1f}",
            f"{r.fixed_s:.2f}",
            f"{r.tree_rss_mib:,.0f}" if r.tree_rss_mib else "–",
            f"{r.tree_pss_mib:,.0f}" if r.tree_pss_mib else "–",
            f"{r.main_rss_mib:,.0f}" if r.main_rss_mib else "–",
            f"{r.largest_rss_mib:,.0f}",
            f"{r.output_mib:,.1f}",
            f"{r.described:,}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (see the module docstring). Returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-clips", type=int, default=HUMANML3D_CLIPS, help="clips in the corpus (default 29,228)")
    ap.add_argument("--frames", type=int, default=200, help="frames per clip (20 fps)")
    ap.add_argument("--jobs", type=int, default=2, help="smd describe --jobs")
    ap.add_argument("--source", choices=("real", "synthetic"), default="real", help="motion source of the corpus")
    ap.add_argument("--keep", type=Path, default=None, help="write the corpus here and keep it")
    args = ap.parse_args(argv)
    try:
        _, table = run_batch(args.n_clips, args.frames, args.jobs, args.source, args.keep)
    except MotionSMDError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("## Batch benchmark\n")
    print(machine_info() + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
