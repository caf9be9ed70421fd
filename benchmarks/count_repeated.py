"""Repetition counting on real motion with a known count (issue #15): one real Bandai-Namco clip repeated k
times (k = 2…6), joined with the bandai-qa blend (`datasets.bandai_qa.joining.join_clips`, 0.3 s), so the true
count is k. Run on demand:

    python benchmarks/count_repeated.py            # every clip of $SMD_DATA_DIR/bandai_namco

A clip is used only when it does not repeat on its own (`count_repetitions` of the single clip finds nothing):
a clip that already holds several waves or strides has no single true count once repeated. The excluded clips
are counted and listed by action. Prints exact-count accuracy and off-by-one accuracy (OBO, as RepCount
reports it) overall, per k and per action, and the misses.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

from motion_smd import describe
from motion_smd.counting import count_repetitions
from motion_smd.datasets.bandai_qa.joining import FPS, join_clips
from motion_smd.io import ReadOptions, load_motion
from motion_smd.metrics.temporal import counting_mae
from motion_smd.motion import Motion

ROOT = Path(__file__).resolve().parents[1]


def action_of(path: Path) -> str:
    """"dataset-2_raise-up-right-hand_normal_001.bvh" → "raise-up-right-hand"."""
    return path.stem.split("_")[1]


def predicted_count(motion: Motion) -> int:
    """The main repetition's count, 1 when nothing repeats."""
    reps = count_repetitions(describe(motion))
    return reps[0].count if reps else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-k", type=int, default=6)
    ap.add_argument("--limit", type=int, default=None, help="use the first N clips")
    args = ap.parse_args(argv)
    data = Path(os.environ.get("SMD_DATA_DIR", ROOT.parent / "shared" / "data")) / "bandai_namco"
    clips = sorted(data.rglob("*.bvh"))[: args.limit]
    if not clips:
        print(f"no Bandai-Namco clips under {data}")
        return 1
    excluded: dict[str, int] = defaultdict(int)
    results: list[tuple[str, str, int, int]] = []  # clip, action, k, predicted
    for path in clips:
        clip = load_motion(path, options=ReadOptions(target_fps=FPS))
        if count_repetitions(describe(clip)):
            excluded[action_of(path)] += 1
            continue
        for k in range(2, args.max_k + 1):
            joints, _ = join_clips([clip] * k)
            motion = Motion(joints, FPS, source=f"{path.name}×{k}")
            results.append((path.name, action_of(path), k, predicted_count(motion)))
    n = len(results)
    exact = sum(p == k for _, _, k, p in results)
    obo = sum(abs(p - k) <= 1 for _, _, k, p in results)
    mae = counting_mae([p for *_, p in results], [k for _, _, k, _ in results]) if results else float("nan")
    used = len({c for c, *_ in results})
    print(f"clips: {len(clips)}; used {used} (do not repeat on their own), excluded {sum(excluded.values())}: "
          + ", ".join(f"{a} {c}" for a, c in sorted(excluded.items())))  # fmt: skip
    pct = 100 / max(n, 1)
    print(f"sequences: {n}; exact {exact} ({exact * pct:.1f} %), OBO {obo} ({obo * pct:.1f} %), "
          f"MAE {mae:.3f} (RepCount's, normalised by the true count)")  # fmt: skip
    print("\n| k | sequences | exact | OBO |\n|---:|---:|---:|---:|")
    for k in range(2, args.max_k + 1):
        rows = [r for r in results if r[2] == k]
        e, o = sum(r[3] == k for r in rows), sum(abs(r[3] - k) <= 1 for r in rows)
        print(f"| {k} | {len(rows)} | {100 * e / max(len(rows), 1):.1f} % | {100 * o / max(len(rows), 1):.1f} % |")
    print("\n| action | sequences | exact | OBO |\n|---|---:|---:|---:|")
    for action in sorted({r[1] for r in results}):
        rows = [r for r in results if r[1] == action]
        e, o = sum(r[3] == r[2] for r in rows), sum(abs(r[3] - r[2]) <= 1 for r in rows)
        print(f"| {action} | {len(rows)} | {100 * e / len(rows):.1f} % | {100 * o / len(rows):.1f} % |")
    misses = [r for r in results if r[3] != r[2]]
    print(f"\nmisses ({len(misses)}):")
    for name, _, k, p in misses[:60]:
        print(f"  {name} ×{k}: counted {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
