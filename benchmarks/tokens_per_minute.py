"""Tokens per minute of motion for each SMD variant (issue #15), on demand:

    python benchmarks/tokens_per_minute.py [--tokenizer NAME_OR_PATH]

Counts the SmolLM2-135M-Instruct tokens (or `--tokenizer`'s) of the SMD text of every real clip of
`$SMD_DATA_DIR` (BVH at their own rate, HumanML3D joints at 20 fps), for all 26 angles, the top 10 and the
top 3, and divides by the clips' total duration; also the median of the per-clip rates, and the 60-s motion
joined from CMU clips (running, jumping: the densest text) in 4,096-token windows.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from motion_smd import SMDOptions, smd_text
from motion_smd.io import load_motion
from motion_smd.windows import describe_windows, token_counter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from real_sequences import cmu_minute  # noqa: E402 (tests/ on the path first)

VARIANTS = {"all-26": None, "top-10": 10, "top-3": 3}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", default=None)
    args = ap.parse_args(argv)
    data = Path(os.environ.get("SMD_DATA_DIR", ROOT.parent / "shared" / "data"))
    paths = sorted(p for p in data.rglob("*") if p.suffix.lower() in (".bvh", ".npy"))
    count = token_counter(args.tokenizer)
    motions = [load_motion(p) for p in paths]
    minutes = np.array([m.n_frames / m.fps / 60.0 for m in motions])
    name = args.tokenizer or "SmolLM2-135M-Instruct"
    print(f"{len(motions)} real clips, {minutes.sum():.1f} min in all; tokenizer {name}\n")
    print("| variant | tokens / min (all clips) | median per clip | 60-s CMU motion whole | its 4,096-token windows |")
    print("|---|---:|---:|---:|---|")
    long = cmu_minute(data)
    for variant, top_k in VARIANTS.items():
        opts = SMDOptions(top_k=top_k)
        tokens = np.array([count(smd_text(m, opts)) for m in motions])
        whole, fit = "—", "—"
        if long is not None:
            whole = f"{count(smd_text(long, opts)):,}"
            try:
                ws = describe_windows(long, opts, max_tokens=4096, count_tokens=count)
                fit = f"{len(ws)} of {ws[0].end_s - ws[0].start_s:.1f} s, ≤ {max(count(w.text) for w in ws):,} tokens"
            except Exception as exc:  # the budget cannot be met: say why
                fit = str(exc).split(": ", 1)[1][:90]
        rate, median = tokens.sum() / minutes.sum(), np.median(tokens / minutes)
        print(f"| {variant} | {rate:,.0f} | {median:,.0f} | {whole} | {fit} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
