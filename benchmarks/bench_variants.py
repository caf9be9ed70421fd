"""Several SMD variants in one pass (issue #19): the ablation set described with `describe_variants` (angles and
trajectory once, segmentation once per distinct δ) against one `describe` per variant. Run on demand:

    python benchmarks/bench_variants.py                  # every real clip of $SMD_DATA_DIR at 20 fps
    python benchmarks/bench_variants.py --variants all-26,top-3,top-5,no-trajectory,delta-10 --repeats 5

Prints ms per clip (describe + render of every variant, median of --repeats timed passes after one untimed pass,
in process, garbage collector paused) and the speed-up, and checks that both give the same text.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from pathlib import Path

from motion_smd import describe, load_motion, render_smd
from motion_smd.describer import describe_variants
from motion_smd.io import ReadOptions
from motion_smd.options import parse_variants

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default="all-26,top-3,top-5,no-trajectory,delta-10")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    data = Path(os.environ.get("SMD_DATA_DIR", ROOT.parent / "shared" / "data"))
    paths = sorted(data.rglob("*.bvh"))
    if not paths:
        print(f"no BVH clips under {data}")
        return 1
    motions = [load_motion(p, options=ReadOptions(target_fps=20.0)) for p in paths]
    variants = parse_variants(args.variants)

    def separate() -> list[str]:
        return [render_smd(describe(m, o)) for m in motions for o in variants]

    def one_pass() -> list[str]:
        return [render_smd(d) for m in motions for d in describe_variants(m, variants)]

    assert separate() == one_pass(), "one pass and separate descriptions differ"
    times: dict[str, list[float]] = {"separate": [], "one pass": []}
    gc.disable()
    for _ in range(args.repeats):
        for name, fn in (("separate", separate), ("one pass", one_pass)):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    gc.enable()
    ms = {k: 1000 * statistics.median(v) / len(motions) for k, v in times.items()}
    print(f"{len(motions)} real clips at 20 fps, variants {[o.variant for o in variants]}, texts identical")
    for k, v in ms.items():
        print(f"{k:9s} {v:.2f} ms per clip (all variants, describe + render)")
    print(f"speed-up ×{ms['separate'] / ms['one pass']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
