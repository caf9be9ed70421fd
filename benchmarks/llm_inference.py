"""Inference throughput of multiple-choice option scoring, with and without packing (issue #20, item 4).

A QA "motion" is a shared prompt of `--prompt-tokens` (system turn + SMD), `--questions` questions of
`--question-tokens` each, and `--options` answers of `--answer-tokens` per question, as bandai-qa's records
are (≈ 560 prompt tokens, 4 questions, 3–6 options). Scoring every option's log-likelihood
(`motion_smd.llm.scoring`) is timed three ways, each on the same `--motions` random motions:

    unpacked      one sequence per (question, option): prompt + question + answer, batched `--batch-size` at a time
    per-question  one packed sequence per question: the prompt + question once, its options as branches
                  (the 4-D shared-prefix mask of `motion_smd.llm.training.pad_collate`)
    per-motion    one packed sequence per motion: the prompt once, every question + option as a branch
                  (`option_scores_many`, what `smd eval --scoring loglik` does)

The model is randomly initialised from a published shape (`llm_throughput.SHAPES`; no download) or loaded
with `--model` (a directory, .gguf or the offline SmolLM2 default). Prints one JSON object per mode
(questions/s, tokens/s over the tokens actually run, seconds, peak GPU memory) and appends them to --out.

    python benchmarks/llm_inference.py --shape tiny --motions 4
    python benchmarks/llm_inference.py --shape qwen2.5-7b --motions 16 --out gpu.jsonl      # on a GPU
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _branch_pack(prefix: list[int], branches: list[list[int]]) -> dict[str, list[int]]:
    """A shared-prefix pack (the feature format of `PromptBuilder.shared_prefix_features`)."""
    ids, seg, pos, labels = list(prefix), [0] * len(prefix), list(range(len(prefix))), [-100] * len(prefix)
    for k, b in enumerate(branches, start=1):
        ids += b
        seg += [k] * len(b)
        pos += list(range(len(prefix), len(prefix) + len(b)))
        labels += b
    return {
        "input_ids": ids,
        "labels": labels,
        "segment_ids": seg,
        "position_ids": pos,
        "attention_mask": [1] * len(ids),
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the benchmark (module docstring); returns one result dict per mode."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", default="tiny", help="a shape of llm_throughput.SHAPES (ignored with --model)")
    p.add_argument("--model", default=None, help="a real model (directory, .gguf, or 'default' for SmolLM2)")
    p.add_argument("--motions", type=int, default=8)
    p.add_argument("--prompt-tokens", type=int, default=560)
    p.add_argument("--questions", type=int, default=4)
    p.add_argument("--question-tokens", type=int, default=60)
    p.add_argument("--options", type=int, default=4)
    p.add_argument("--answer-tokens", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=8, help="sequences per forward pass when unpacked")
    p.add_argument("--device", default=None)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out", default=None, help="append the JSON lines to this file")
    a = p.parse_args(argv)

    import torch
    from llm_throughput import SHAPES, build_model

    from motion_smd.llm.training import pad_collate

    if a.threads:
        torch.set_num_threads(a.threads)
    on_gpu = (a.device or ("cuda" if torch.cuda.is_available() else "cpu")).startswith("cuda")
    device = torch.device("cuda" if on_gpu else "cpu")
    dtype = torch.bfloat16 if on_gpu and torch.cuda.is_bf16_supported() else torch.float32
    total_len = a.prompt_tokens + a.questions * (a.question_tokens + a.options * a.answer_tokens)
    if a.model:
        from motion_smd.llm.models import load_model

        model, _tok = load_model(None if a.model == "default" else a.model, device=str(device), dtype=dtype)
        vocab, name = int(model.config.vocab_size), a.model
    else:
        model, vocab, name = build_model(a.shape, dtype, device, total_len + 8), SHAPES[a.shape]["vocab_size"], a.shape
    model.eval()
    gen = torch.Generator().manual_seed(0)

    def rand(n: int) -> list[int]:
        return torch.randint(0, vocab, (n,), generator=gen).tolist()

    motions = [
        (rand(a.prompt_tokens), [(rand(a.question_tokens), [rand(a.answer_tokens) for _ in range(a.options)])
                                 for _ in range(a.questions)])
        for _ in range(a.motions)
    ]  # fmt: skip
    modes: dict[str, list[dict[str, list[int]]]] = {"unpacked": [], "per-question": [], "per-motion": []}
    for prompt, questions in motions:
        for q, options in questions:
            for o in options:
                modes["unpacked"].append({"input_ids": prompt + q + o, "labels": [-100] * len(prompt + q) + o})
            modes["per-question"].append(_branch_pack(prompt + q, options))
        modes["per-motion"].append(_branch_pack(prompt, [q + o for q, options in questions for o in options]))
    n_questions = a.motions * a.questions

    def sync() -> None:
        if on_gpu:
            torch.cuda.synchronize(device)

    results = []
    for mode, feats in modes.items():
        size = a.batch_size if mode == "unpacked" else 1
        batches = [feats[i : i + size] for i in range(0, len(feats), size)]
        with torch.inference_mode():  # one untimed warm-up pass
            model(**{k: v.to(device) for k, v in pad_collate(batches[0], 0, mask_dtype=dtype).items() if k != "labels"})
        if on_gpu:
            torch.cuda.reset_peak_memory_stats(device)
        sync()
        t0 = time.perf_counter()
        tokens = 0
        for batch in batches:
            inputs = {k: v.to(device) for k, v in pad_collate(batch, 0, mask_dtype=dtype).items() if k != "labels"}
            tokens += int(inputs["input_ids"].numel())
            with torch.inference_mode():
                model(**inputs)
        sync()
        seconds = time.perf_counter() - t0
        results.append({
            "benchmark": "option-scoring", "mode": mode, "model": name, "dtype": str(dtype).replace("torch.", ""),
            "device": torch.cuda.get_device_name(device) if on_gpu else f"cpu ({torch.get_num_threads()} threads)",
            "motions": a.motions, "questions": n_questions, "options_per_question": a.options,
            "sequences": len(feats), "tokens_run": tokens, "seconds": seconds,
            "questions_per_s": n_questions / seconds, "tokens_per_s": tokens / seconds,
            "peak_mem_gib": torch.cuda.max_memory_allocated(device) / 2**30 if on_gpu else None,
        })  # fmt: skip
    for r in results:
        line = json.dumps(r, sort_keys=True)
        print(line)
        if a.out:
            with open(a.out, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
    return results


if __name__ == "__main__":
    main()
