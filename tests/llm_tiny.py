"""Helpers of the LLM-layer tests: synthetic SMD records, and a tiny randomly initialised Llama model with a
small byte-level BPE tokenizer trained on those records, both built locally (no hub, no real data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACTIONS = ("walk", "squat", "wave", "turn left", "jump")
CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_SMD_BY_ACTION = {
    "walk": "Forward Position: increases: 0.00m → 3.20m [0.0s–4.0s] (4.0s)",
    "squat": "Right Knee Flexion (bending the knee):\noscillates 3 cycles between 5° and 95° [0.0s–6.0s] (period 2.0s)",
    "wave": "Right Elbow Flexion (bending the elbow):\n"
    "oscillates 4 cycles between 40° and 100° [1.0s–5.0s] (period 1.0s)",
    "turn left": "Heading: turns left 90° [0.5s–2.0s] (1.5s)",
    "jump": "Height: increases: 0.95m → 1.30m [1.0s–1.3s] (0.3s)",
}


def synthetic_records(n: int, split: str, seed: int = 0) -> list[dict[str, Any]]:
    """`n` QA records in the agreed JSONL schema whose answer is readable from the SMD text.

    The answer cycles through ACTIONS; the options are all ACTIONS rotated by the record index, so the
    answer's position varies. Deterministic in (n, split, seed).
    """
    recs = []
    for i in range(n):
        ans = ACTIONS[(i + seed) % len(ACTIONS)]
        rot = (i * 2 + seed) % len(ACTIONS)
        opts = list(ACTIONS[rot:] + ACTIONS[:rot])
        smd = f"Motion: 6.0s (120 frames at 20 FPS)\nJoint Angles:\n{_SMD_BY_ACTION[ans]}\nclip {i}"
        recs.append(
            {
                "id": f"{split}-{i}",
                "task": "qa",
                "dataset": "synthetic",
                "split": split,
                "variant": "all-26",
                "smd": smd,
                "question": "What does the person do?",
                "options": opts,
                "answer": ans,
                "references": None,
                "target": ans,
                "meta": {"query_type": "query_action", "relation_type": "none" if i % 2 else "before"},
            }
        )
    return recs


def write_records(path: Path, recs: list[dict[str, Any]]) -> Path:
    """Write records as JSONL (keys sorted) and return the path."""
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in recs), encoding="utf-8")
    return path


def build_tiny_model(directory: Path, seed: int = 0) -> Path:
    """Save a tiny random Llama causal LM (2 layers, hidden 32) and a ChatML byte-level BPE tokenizer
    (vocabulary ≤ 600, trained on synthetic records and the prompt text) into `directory`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from motion_smd.llm.prompts import CAPTION_INSTRUCTION, QA_INSTRUCTION, SYSTEM_PROMPT

    corpus = [SYSTEM_PROMPT, QA_INSTRUCTION, CAPTION_INSTRUCTION, "Motion description (SMD): Question: Options:"]
    for r in synthetic_records(20, "corpus"):
        corpus.extend([r["smd"], r["question"], " ".join(r["options"])])
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(corpus, trainer)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token=None
    )
    tok.chat_template = CHATML
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        bos_token_id=None,
    )
    model = LlamaForCausalLM(config)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tok.save_pretrained(directory)
    return directory
