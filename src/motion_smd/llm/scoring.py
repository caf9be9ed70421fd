"""Multiple-choice answers by option likelihood (issue #20): the model's log-likelihood of each option as the
answer, the best one chosen, instead of generating text and extracting an option from it.

Protocol (as lm-evaluation-harness scores multiple choice): for a QA record with options o_1…o_k, the score of o_i
is Σ log p(token | prompt, earlier answer tokens) over the answer tokens the model would be trained on for o_i
(`PromptBuilder.features` with o_i as the answer: the option text and the chat template's end of turn, so a
prefix such as "walk" of "walk forward" is not favoured); "sum" picks the largest sum (harness `acc`), "char"
the largest sum per character of the option (harness `acc_norm`). Ties go to the earlier option.

One forward pass per question: the k answers are packed behind one copy of the shared prompt
(`PromptBuilder.shared_prefix_features`, a 4-D attention mask in which each answer sees the prompt and itself
only, the position ids of its own example), so the SMD text is encoded once; the result equals k separate
forward passes up to floating-point summation order (checked in `tests/test_llm_scoring.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from motion_smd.llm.records import RecordDict

Normalisation = Literal["sum", "char"]
NORMALISATIONS: tuple[str, ...] = ("sum", "char")


@dataclass(frozen=True)
class OptionScore:
    """One option's log-likelihood: `logprob` (natural log, summed over `n_tokens` answer tokens)."""

    option: str
    logprob: float
    n_tokens: int

    def score(self, normalisation: Normalisation) -> float:
        """The comparison value: the sum, or the sum per character of the option text."""
        return self.logprob if normalisation == "sum" else self.logprob / max(len(self.option), 1)


def option_scores(model: Any, builder: Any, record: RecordDict) -> list[OptionScore]:
    """Log-likelihood of each option of a QA record as the answer (module docstring).

    Args:
        model: a causal LM (transformers or peft) on its device, in eval mode.
        builder: a `motion_smd.llm.prompts.PromptBuilder` with the model's tokenizer (and its `max_length`).
        record: a QA record with "options".

    Returns:
        One OptionScore per option, in the record's order.

    Raises:
        ValueError: a record without options.
    """
    import torch

    from motion_smd.llm.training import IGNORE_INDEX, pad_collate

    options = [str(o) for o in record.get("options") or []]
    if not options:
        raise ValueError(f"record {record.get('id')}: option scoring needs options.")
    branches = [{**record, "answer": o, "target": o} for o in options]
    packs = builder.shared_prefix_features(branches)
    pad = builder.tokenizer.pad_token_id if builder.tokenizer.pad_token_id is not None else 0
    device = next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    sums: list[float] = []
    counts: list[int] = []
    for pack in packs:
        batch = pad_collate([pack], pad, mask_dtype=dtype)
        labels = batch.pop("labels")[0]
        with torch.inference_mode():
            logits = model(**{k: v.to(device) for k, v in batch.items()}).logits[0].float()
        logp = torch.log_softmax(logits[:-1], dim=-1)
        target = labels[1:].to(device)
        keep = target != IGNORE_INDEX
        token_lp = torch.zeros_like(target, dtype=torch.float32)
        token_lp[keep] = logp[keep].gather(1, target[keep][:, None])[:, 0]
        seg = torch.tensor(pack.get("segment_ids", [1] * len(pack["input_ids"])))[1:].to(device)
        for branch in sorted(set(seg[keep].tolist())):
            sel = keep & (seg == branch)
            sums.append(float(token_lp[sel].sum()))
            counts.append(int(sel.sum()))
    if len(sums) != len(options):
        raise ValueError(f"record {record.get('id')}: scored {len(sums)} answers for {len(options)} options.")
    return [OptionScore(o, s, n) for o, s, n in zip(options, sums, counts, strict=True)]


def choose(scores: Sequence[OptionScore], normalisation: Normalisation = "sum") -> str:
    """The option with the best score (the first on ties)."""
    best = max(range(len(scores)), key=lambda i: (scores[i].score(normalisation), -i))
    return scores[best].option
