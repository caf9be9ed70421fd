"""The hostile batch of issue #14, on demand: good motion files with 20 hostile ones mixed in, described by the
real `smd describe` command, killed at random points and resumed.

    python benchmarks/hostile_batch.py                       # 980 good files (real clips first) + 20 hostile
    python benchmarks/hostile_batch.py --n-good 40 --kills 2 --no-real   # the small run tests/ uses

Checks, each printed with its numbers; the exit status is 0 only when all hold:
1. clean run: `smd describe GOOD... --format jsonl -o clean.jsonl` over the good files alone succeeds.
2. hostile run: the same over the whole folder (good and hostile) exits 1, lists exactly the 20 hostile files,
   each on one `error:` line with its reason, and writes records byte-identical to the clean run.
3. kill and resume: the hostile run is started, killed when a random number of records is finished (seeded;
   SIGINT and SIGKILL in turn, sent to the whole process group, as Ctrl-C in a terminal or a crash would), and
   continued with `--resume`,
   `--kills` times; a last `--resume` finishes it. The result must be byte-identical to the clean run, and each
   Ctrl-C must print the exact `--resume` command.

Good files: copies of the real clips of `$SMD_DATA_DIR` (into a temporary folder, never the repository), then
generated BVH and `.npy` motions (`tests/hostile_inputs.py`). The hostile classes are listed there.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # hostile_inputs, bvh_synth

SMD = [sys.executable, "-m", "motion_smd.cli"]


def _run(
    args: list[str], kill_at_records: tuple[Path, int] | None = None, sig: int = signal.SIGKILL
) -> tuple[int, str, float]:
    """Run `smd ARGS` in its own process group; with `kill_at_records` = (partial file, n), send `sig` to the
    group as soon as the partial file holds n records (polled every 2 ms). Returns (exit status, standard
    error, wall seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([*SMD, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    if kill_at_records is not None:
        partial, n = kill_at_records
        while proc.poll() is None and _records(partial) < n:
            time.sleep(0.002)
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=3600)
    return proc.returncode, err, time.perf_counter() - t0


def _records(path: Path) -> int:
    return sum(1 for _ in path.open("rb")) if path.exists() else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-good", type=int, default=980)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-real", action="store_true", help="generated good files only")
    args = ap.parse_args(argv)

    from hostile_inputs import write_good, write_hostile

    data = Path(os.environ.get("SMD_DATA_DIR", ROOT.parent / "shared" / "data"))
    real = [] if args.no_real or not data.is_dir() else sorted(
        p for p in data.rglob("*") if p.suffix.lower() in (".bvh", ".npy") and "new_joint_vecs" not in p.parts
    )  # fmt: skip
    rng = random.Random(args.seed)
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"  [{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        good = write_good(corpus, args.n_good, real)
        hostile = write_hostile(corpus)
        n_real = min(len(real), args.n_good)
        print(f"corpus: {len(good)} good files ({n_real} real clips, {len(good) - n_real} generated) + "
              f"{len(hostile)} hostile, --jobs {args.jobs}")  # fmt: skip
        common = ["--format", "jsonl", "--jobs", str(args.jobs)]

        clean = Path(tmp) / "clean.jsonl"
        rc, err, wall = _run(["describe", *map(str, good), *common, "-o", str(clean)])
        print(f"clean run: exit {rc}, {_records(clean)} records, {wall:.1f} s")
        check(rc == 0 and _records(clean) == len(good), "the good files alone are all described")
        expected = clean.read_bytes() if clean.exists() else b""

        mixed = Path(tmp) / "mixed.jsonl"
        rc, err, wall = _run(["describe", str(corpus), *common, "-o", str(mixed)])
        errors = [ln for ln in err.splitlines() if ln.startswith("error: ")]
        named = {p for p in hostile if any(ln.startswith(f"error: {p}: ") for ln in errors)}
        print(f"hostile run: exit {rc}, {_records(mixed)} records, {len(errors)} error lines, {wall:.1f} s")
        for line in errors:
            print(f"    {line[:160]}")
        check(rc == 1, "exit status 1 (some files failed)")
        check(len(errors) == len(hostile) and named == set(hostile), f"exactly the {len(hostile)} hostile files listed")
        check(mixed.exists() and mixed.read_bytes() == expected, "records byte-identical to the clean run")

        out = Path(tmp) / "resumed.jsonl"
        partial = out.with_name(out.name + ".partial")
        print(f"kill and resume ({args.kills} kills, seed {args.seed}; each at a random number of finished records):")
        hits, attempt = 0, 0
        while hits < args.kills and attempt < 3 * args.kills:  # a signal that comes after the end does not count
            done = _records(partial)
            target = rng.randint(done + 1, max(done + 1, len(good) - 2))
            sig = (signal.SIGINT, signal.SIGKILL)[attempt % 2]
            resume = ["--resume"] if attempt else []
            rc, err, at = _run(["describe", str(corpus), *common, "-o", str(out), *resume], (partial, target), sig)
            attempt += 1
            hint = "--resume" in err and f"-o {out}" in err
            hit = rc in (130, -signal.SIGKILL, -signal.SIGINT)
            hits += hit
            outcome = "killed" if hit else "had finished before the signal"
            printed = ", resume command printed" if hint else ""
            kept = f"{_records(partial)} records kept (were {done}; signal sent at {target})"
            print(f"  {sig.name} at {at:.2f} s → exit {rc} ({outcome}), {kept}{printed}")
            if sig == signal.SIGINT and hit:
                check(hint, "Ctrl-C prints the --resume command")
        check(hits == args.kills, f"{args.kills} runs killed while describing")
        rc, err, wall = _run(["describe", str(corpus), *common, "-o", str(out), "--resume"])
        print(f"  final --resume: exit {rc}, {_records(out)} records, {wall:.1f} s")
        check(
            rc == 1 and out.exists() and out.read_bytes() == expected,
            "killed and resumed: byte-identical to the clean run",
        )
        check(not partial.exists(), "no .partial file left")
    print("all checks hold" if not failures else f"{len(failures)} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
