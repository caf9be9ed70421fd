"""The LLM on bandai-dense (issue #15, docs/performance-llm.md): zero-shot SmolLM2-135M and a LoRA adapter trained
on CPU, on fixed subsets of the temporal records. Run on demand:

    smd bandai-dense OUT --top-k 1 --timeline          # the records (compact variant: a CPU prompt budget)
    python benchmarks/llm_dense.py OUT RUNS            # subsets, zero-shot eval, LoRA training, adapter eval

Subsets (seeded, `random.Random`): test 20 dense + 40 localise + 40 count records, train 100 of each (shuffled),
val 5 of each. Prompts are cut to `--max-length` tokens at line boundaries (the Timeline section comes right
after the header, so it survives). Every step is the `smd` command line; the numbers are in RUNS/*/metrics.json
and printed at the end beside the deterministic and baseline predictions of the same records.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SUBSETS = {
    "test": ({"dense": 20, "localise": 40, "count": 40}, 0),
    "train": ({"dense": 100, "localise": 100, "count": 100}, 1),
    "val": ({"dense": 5, "localise": 5, "count": 5}, 3),
}


def subset(records: list[dict[str, Any]], sizes: dict[str, int], seed: int) -> list[dict[str, Any]]:
    """`sizes[q]` records of each query type q, sampled with `random.Random(seed)` (all when fewer)."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for q in ("dense", "localise", "count"):
        pool = [r for r in records if r["meta"]["query_type"] == q]
        out += pool if len(pool) <= sizes[q] else rng.sample(pool, sizes[q])
    return out


def write(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records), "utf-8")


def smd(*args: str) -> float:
    """Run one `smd` command (failing loudly); returns its wall time, seconds."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "motion_smd.cli", *args], check=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("built", type=Path, help="folder of `smd bandai-dense`")
    ap.add_argument("runs", type=Path, help="output folder")
    ap.add_argument("--max-length", type=int, default=768)
    ap.add_argument("--model", default=None, help="default: the offline SmolLM2-135M-Instruct")
    ap.add_argument("--table-only", action="store_true", help="only tabulate the runs already in RUNS")
    args = ap.parse_args(argv)
    args.runs.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for split, (sizes, seed) in SUBSETS.items():
        records = [json.loads(x) for x in (args.built / f"records_{split}.jsonl").read_text("utf-8").splitlines()]
        chosen = subset(records, sizes, seed)
        if split == "train":
            random.Random(2).shuffle(chosen)
        files[split] = args.runs / f"{split}_subset.jsonl"
        write(files[split], chosen)
    model = ["--model", args.model] if args.model else []
    budget = ["--max-length", str(args.max_length)]
    walls: dict[str, float] = {}
    if not args.table_only:
        run(args.runs, files, budget + model, walls)
    table_rows(args.built, args.runs, files["test"])
    print("wall s: " + ", ".join(f"{k} {v:.0f}" for k, v in walls.items()))
    return 0


def run(runs: Path, files: dict[str, Path], common: list[str], walls: dict[str, float]) -> None:
    """Zero-shot eval, LoRA training and adapter eval through the `smd` command line (wall times into walls)."""
    walls["zero-shot"] = smd("eval", "--task", "temporal", "--records", str(files["test"]),
                             "--out", str(runs / "zeroshot"), *common)  # fmt: skip
    walls["train"] = smd("train", "--task", "temporal", "--train", str(files["train"]), "--val", str(files["val"]),
                         "--out", str(runs / "lora"), "--epochs", "1", "--lr", "5e-4", "--lora-layers", "10",
                         "--effective-batch", "8", "--batch-size", "1", *common)  # fmt: skip
    adapter = next((p for p in sorted((runs / "lora").glob("adapter*")) if p.is_dir()), runs / "lora")
    walls["lora"] = smd("eval", "--task", "temporal", "--records", str(files["test"]), "--out",
                        str(runs / "lora_eval"), "--adapter", str(adapter), *common)  # fmt: skip


def table_rows(built: Path, runs: Path, test_file: Path) -> None:
    """Print one markdown table: the build's predictors and the two LLM runs on the same test subset."""
    from motion_smd.metrics.dense import temporal_report

    test = [json.loads(x) for x in test_file.read_text("utf-8").splitlines()]
    table: dict[str, dict[str, Any]] = {}
    for name in ("smd-actions", "prior", "random"):
        lines = (built / "predictions" / "test" / f"{name}.jsonl").read_text("utf-8").splitlines()
        table[name] = temporal_report(test, {d["id"]: d["prediction"] for d in map(json.loads, lines)})
    for name, folder in (("zero-shot", "zeroshot"), ("lora", "lora_eval")):
        if (runs / folder / "metrics.json").is_file():
            table[name] = json.loads((runs / folder / "metrics.json").read_text("utf-8"))["metrics"]
    print("| predictor | dense F1@0.5 | named right | localise mean tIoU | R@1@0.5 | count exact | OBO | MAE |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in table.items():
        d, loc, c = m["dense"], m["localise"], m["count"]
        print(f"| {name} | {d['scores']['0.5']['f1']:.3f} | {d['labelled']['0.5']['f1']:.3f} | "
              f"{loc['mean_tiou']:.3f} | {loc['r_at_1']['0.5']:.3f} | {c['exact']:.3f} | {c['obo']:.3f} | "
              f"{c['mae']:.3f} |")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
