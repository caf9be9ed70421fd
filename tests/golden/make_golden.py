"""Regenerate the golden files (run on purpose only, after an intended change of the rendered text; they
guard byte-identical output otherwise):
- tests/golden/demos/<demo>.<variant>.txt: the readable SMD text of the synthetic demos (committed, so every
  clean clone checks the format, data or no data);
- tests/golden/smd_sha256.json: SHA-256 of the SMD text of real clips (licensed data: hashes only).

Usage: python tests/golden/make_golden.py [DATA_DIR]
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from motion_smd import SMDOptions, smd_text
from motion_smd.io import load_motion
from motion_smd.synthetic import DEMOS

DEMO_DIR = Path(__file__).with_name("demos")

VARIANTS = {
    "all-26": SMDOptions(),
    "top-3": SMDOptions(top_k=3),
    "no-trajectory": SMDOptions(trajectory=False),
    "delta-10": SMDOptions(delta_deg=10),
}


def golden_clips(data: Path) -> list[Path]:
    """Every 10th Bandai-Namco clip and every 5th CMU clip, in sorted order (relative paths are the keys)."""
    bandai = sorted((data / "bandai_namco").rglob("*.bvh"))[::10]
    cmu = sorted((data / "cmu").rglob("*.bvh"))[::5]
    return bandai + cmu


def hashes(data: Path) -> dict[str, dict[str, str]]:
    """{relative clip path: {variant: sha256 of the SMD text at 20 fps}}."""
    out: dict[str, dict[str, str]] = {}
    for clip in golden_clips(data):
        motion = load_motion(clip).resample(20)
        out[str(clip.relative_to(data))] = {
            name: hashlib.sha256(smd_text(motion, opts).encode()).hexdigest() for name, opts in VARIANTS.items()
        }
    return out


def demo_texts() -> dict[str, str]:
    """{file name: SMD text} of every synthetic demo in the all-26 and top-3 variants."""
    return {
        f"{name}.{variant}.txt": smd_text(make(), VARIANTS[variant]) + "\n"
        for name, make in DEMOS.items()
        for variant in ("all-26", "top-3")
    }


if __name__ == "__main__":
    DEMO_DIR.mkdir(exist_ok=True)
    for file_name, text in demo_texts().items():
        (DEMO_DIR / file_name).write_text(text, encoding="utf-8")
    print(f"wrote {len(demo_texts())} demo texts to {DEMO_DIR}")
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2].parent / "shared/data"
    target = Path(__file__).with_name("smd_sha256.json")
    target.write_text(json.dumps(hashes(data_dir), indent=1, sort_keys=True) + "\n")
    print(f"wrote {target}")
