"""LoRA training throughput of a causal LM: tokens per second, seconds per step and peak memory.

The model is randomly initialised from a config of a known shape (no weights to download), so the numbers
measure compute only; LoRA and the loss follow `motion_smd.llm.training` (peft LoRA on all linear layers,
answer-only loss with the LM head on the last answer positions, bf16 + gradient checkpointing on GPU, fp32
on CPU).

Shapes:
    tiny          2 layers, hidden 64 (runs anywhere in seconds; proves the script works)
    smollm2-135m  SmolLM2-135M (Llama, 30 layers, hidden 576, vocab 49152)
    qwen2.5-0.5b  Qwen2.5-0.5B (24 layers, hidden 896, vocab 151936)
    qwen2.5-7b    Qwen2.5-7B (28 layers, hidden 3584, GQA 28/4 heads, vocab 152064) — needs a GPU (≥ 40 GB)

Examples:
    python benchmarks/llm_throughput.py --shape tiny --steps 3
    python benchmarks/llm_throughput.py --shape qwen2.5-7b --seq-len 2048 --batch-size 4 --steps 20 --out out.json
    torchrun --nproc_per_node 4 benchmarks/llm_throughput.py --shape qwen2.5-7b   # one process per GPU (DDP)

Prints one JSON object (and appends it to --out when given) with: shape, device, dtype, world size, batch,
sequence length, steps, seconds per step (median), tokens/s (all input tokens, all ranks), examples/s,
peak memory (GiB, GPU only), trainable/total parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

SHAPES: dict[str, dict[str, Any]] = {
    "tiny": dict(arch="llama", vocab_size=1024, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True),
    "smollm2-135m": dict(arch="llama", vocab_size=49152, hidden_size=576, intermediate_size=1536,
                         num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3,
                         tie_word_embeddings=True),
    "qwen2.5-0.5b": dict(arch="qwen2", vocab_size=151936, hidden_size=896, intermediate_size=4864,
                         num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
                         tie_word_embeddings=True),
    "qwen2.5-7b": dict(arch="qwen2", vocab_size=152064, hidden_size=3584, intermediate_size=18944,
                       num_hidden_layers=28, num_attention_heads=28, num_key_value_heads=4,
                       tie_word_embeddings=False),
}  # fmt: skip
"""Published config values of each model (their config.json); weights are random."""


def build_model(shape: str, dtype: Any, device: Any, seq_len: int) -> Any:
    """Randomly initialised causal LM of `shape` created directly on `device` in `dtype`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    spec = dict(SHAPES[shape])
    arch = spec.pop("arch")
    kwargs = {**spec, "max_position_embeddings": max(seq_len, 2048), "use_cache": False}
    torch.manual_seed(0)
    with torch.device(device):
        if arch == "llama":
            return LlamaForCausalLM(LlamaConfig(**kwargs)).to(dtype)
        return Qwen2ForCausalLM(Qwen2Config(**kwargs)).to(dtype)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark (see the module docstring) and return the result dict."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    p.add_argument("--seq-len", type=int, default=None, help="tokens per example (default 256 tiny, 2048 else)")
    p.add_argument("--batch-size", type=int, default=4, help="examples per device per step")
    p.add_argument("--grad-accum", type=int, default=1, help="micro-batches per optimizer step")
    p.add_argument("--steps", type=int, default=10, help="timed optimizer steps")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    p.add_argument("--answer-tokens", type=int, default=8, help="loss tokens per example (0 = every token)")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--device", default=None, help="cpu / cuda (default: cuda when available)")
    p.add_argument("--grad-ckpt", choices=("auto", "on", "off"), default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--out", default=None, help="append the JSON result to this file")
    a = p.parse_args(argv)

    import torch
    from peft import LoraConfig, get_peft_model

    if a.threads:
        torch.set_num_threads(a.threads)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    on_gpu = (a.device or ("cuda" if torch.cuda.is_available() else "cpu")).startswith("cuda")
    device = torch.device(f"cuda:{local_rank}" if on_gpu else "cpu")
    if world > 1:
        torch.distributed.init_process_group("nccl" if on_gpu else "gloo")
    if on_gpu:
        torch.cuda.set_device(device)
    dtype = torch.bfloat16 if on_gpu and torch.cuda.is_bf16_supported() else torch.float32
    seq_len = a.seq_len or (256 if a.shape == "tiny" else 2048)
    grad_ckpt = on_gpu if a.grad_ckpt == "auto" else a.grad_ckpt == "on"

    model = build_model(a.shape, dtype, device, seq_len)
    total = sum(p.numel() for p in model.parameters())
    if grad_ckpt:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model = get_peft_model(model, LoraConfig(r=a.lora_r, lora_alpha=2 * a.lora_r, lora_dropout=0.05,
                                             target_modules="all-linear", task_type="CAUSAL_LM"))  # fmt: skip
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if on_gpu else None)
    model.train()
    opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=1e-4)
    vocab = SHAPES[a.shape]["vocab_size"]
    gen = torch.Generator().manual_seed(local_rank)
    ids = torch.randint(0, vocab, (a.batch_size, seq_len), generator=gen).to(device)
    kwargs: dict[str, Any] = {"input_ids": ids}
    if a.answer_tokens > 0:
        keep = a.answer_tokens + 1
        labels = ids[:, -keep:].clone()
        labels[:, 0] = -100
        kwargs.update(labels=labels, logits_to_keep=keep)
    else:
        kwargs["labels"] = ids

    def sync() -> None:
        if on_gpu:
            torch.cuda.synchronize(device)

    times: list[float] = []
    for step in range(a.warmup + a.steps):
        sync()
        t0 = time.perf_counter()
        for _ in range(a.grad_accum):
            loss = model(**kwargs).loss / a.grad_accum
            loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        sync()
        if step >= a.warmup:
            times.append(time.perf_counter() - t0)
    s_step = statistics.median(times)
    result = {
        "shape": a.shape,
        "device": torch.cuda.get_device_name(device) if on_gpu else f"cpu ({torch.get_num_threads()} threads)",
        "dtype": str(dtype).replace("torch.", ""),
        "world_size": world,
        "batch_per_device": a.batch_size,
        "grad_accum": a.grad_accum,
        "effective_batch": a.batch_size * a.grad_accum * world,
        "seq_len": seq_len,
        "answer_tokens": a.answer_tokens,
        "gradient_checkpointing": grad_ckpt,
        "lora_r": a.lora_r,
        "steps": a.steps,
        "s_per_step_median": s_step,
        "tokens_per_s": a.batch_size * a.grad_accum * seq_len * world / s_step,
        "examples_per_s": a.batch_size * a.grad_accum * world / s_step,
        "peak_mem_gib": (torch.cuda.max_memory_allocated(device) / 2**30) if on_gpu else None,
        "params_total": total,
        "params_trainable": trainable,
        "torch": torch.__version__,
    }
    if local_rank == 0:
        line = json.dumps(result, sort_keys=True)
        print(line)
        if a.out:
            with open(a.out, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
    if world > 1:
        torch.distributed.destroy_process_group()
    return result


if __name__ == "__main__":
    main()
