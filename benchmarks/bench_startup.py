"""Start-up of the `smd` command (issue #19): `smd describe one.npy` as a whole process against
`python -c "import numpy"`, measured side by side in one run. Run on demand:

    python benchmarks/bench_startup.py                 # 15 alternating rounds
    python benchmarks/bench_startup.py --rounds 25 --breakdown

Each round runs, one after the other: `python -c "import numpy"`, `smd describe one.npy` (200 frames, text to
standard output: the one-file fast path), the same with an option (`--top-k 26`, the same text through the
full typer command), `smd describe one.bvh` (a real BVH clip of $SMD_DATA_DIR, when present) and `smd --help`.
The files: `one.npy` = 200 frames of the synthetic walk (`motion_smd.synthetic.walk_forward`, 20 fps, saved as a
HumanML3D `new_joints` array), written to a temporary folder. Wall time per process (`time.perf_counter` around
`subprocess.run`), median and min over the rounds; the ratio is taken on the medians.

`--breakdown` adds `python -X importtime` of `smd describe one.npy`: the slowest top-level imports
(cumulative µs), and whether numba or scipy were imported (by `smd --help`, and by `smd describe one.npy`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from motion_smd.synthetic import walk_forward

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.5
"""Issue #19: `smd describe one.npy` within 2.5× of `python -c "import numpy"`."""


def smd_command() -> list[str]:
    """The `smd` console script beside this Python, else `python -m motion_smd.cli`."""
    script = Path(sys.executable).with_name("smd")
    return [str(script)] if script.exists() else [sys.executable, "-m", "motion_smd.cli"]


def timed(cmd: list[str]) -> float:
    """Wall seconds of one process; fails loudly when it fails."""
    t0 = time.perf_counter()
    run = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({run.returncode}): {run.stderr[-500:]}")
    return elapsed


def import_breakdown(cmd: list[str], top: int = 12) -> tuple[list[tuple[int, str]], set[str]]:
    """`python -X importtime`: the `top` slowest top-level imports (cumulative µs, name) and every module name."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    rows: list[tuple[int, str]] = []
    names: set[str] = set()
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        names.add(name.strip())
        if not name.startswith("  "):  # top level: not indented under another import
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:top], names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--breakdown", action="store_true")
    args = ap.parse_args(argv)
    data = Path(os.environ.get("SMD_DATA_DIR", ROOT.parent / "shared" / "data"))
    bvh = next(iter(sorted(data.rglob("*.bvh"))), None) if data.is_dir() else None
    smd = smd_command()
    tmp = Path(tempfile.mkdtemp(prefix="smd-startup-"))
    try:
        npy = tmp / "one.npy"
        np.save(npy, walk_forward(n_steps=20).joints[:200].astype(np.float32))
        cases = {
            'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
            "smd describe one.npy": [*smd, "describe", str(npy)],
            "smd describe one.npy --top-k 26": [*smd, "describe", str(npy), "--top-k", "26"],
            "smd --help": [*smd, "--help"],
        }
        if bvh is not None:
            cases[f"smd describe {bvh.name}"] = [*smd, "describe", str(bvh)]
        for cmd in cases.values():  # warm the page cache and numba's kernel cache
            timed(cmd)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, cmd in cases.items():
                times[name].append(timed(cmd))
        base = statistics.median(times['python -c "import numpy"'])
        print(f"## smd start-up ({args.rounds} rounds, {os.cpu_count()} CPUs, python {sys.version.split()[0]})\n")
        print("| command | median s | min s | × import numpy (medians) |")
        print("|---|---:|---:|---:|")
        for name, ts in times.items():
            med = statistics.median(ts)
            print(f"| `{name}` | {med:.3f} | {min(ts):.3f} | {med / base:.2f} |")
        ratio = statistics.median(times["smd describe one.npy"]) / base
        verdict = "met" if ratio <= TARGET_RATIO else "missed"
        print(f"\n`smd describe one.npy` / `import numpy`: {ratio:.2f}× (target ≤ {TARGET_RATIO}×: {verdict})")
        if args.breakdown:
            rows, names = import_breakdown(["-m", "motion_smd.cli", "describe", str(npy)])
            print("\nslowest top-level imports of `smd describe one.npy` (cumulative ms):")
            for us, name in rows:
                print(f"  {us / 1000:7.1f}  {name}")
            heavy = sorted(n for n in names if n.split(".")[0] in ("numba", "scipy", "typer", "rich"))
            print(f"numba/scipy/typer/rich modules imported: {len(heavy)} {heavy[:5]}")
            _, help_names = import_breakdown(["-m", "motion_smd.cli", "--help"])
            print(f"`smd --help` imports numba: {'numba' in help_names}, scipy: {'scipy' in help_names}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
