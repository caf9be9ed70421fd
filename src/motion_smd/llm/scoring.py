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
    return option_scores_many(model, builder, [record])[0]


PACK_LENGTH = 4096
"""Longest token sequence `option_scores_many` packs the answers of one motion's questions into."""


def option_scores_many(
    model: Any, builder: Any, records: Sequence[RecordDict], pack_length: int = PACK_LENGTH
) -> list[list[OptionScore]]:
    """`option_scores` of several QA records about one motion (the same SMD text) with the SMD encoded once:
    every (question, option) answer is a branch behind one copy of the common prefix (system turn + SMD), in
    packs of at most `pack_length` tokens (each branch exactly as in its own example, so the scores equal
    `option_scores` per record up to floating-point summation order; checked in tests).

    Raises:
        ValueError: a record without options, or records with different SMD texts.
    """
    import torch

    from motion_smd.llm.training import IGNORE_INDEX, pad_collate

    options = [[str(o) for o in r.get("options") or []] for r in records]
    for r, opts in zip(records, options, strict=True):
        if not opts:
            raise ValueError(f"record {r.get('id')}: option scoring needs options.")
    branches = [{**r, "answer": o, "target": o} for r, opts in zip(records, options, strict=True) for o in opts]
    packs = builder.shared_prefix_features(branches, pack_length=max(pack_length, builder.max_length or 0))
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
    if len(sums) != len(branches):
        raise ValueError(f"records {records[0].get('id')}…: scored {len(sums)} answers for {len(branches)} options.")
    out, i = [], 0
    for opts in options:
        out.append([OptionScore(o, sums[i + k], counts[i + k]) for k, o in enumerate(opts)])
        i += len(opts)
    return out


def choose(scores: Sequence[OptionScore], normalisation: Normalisation = "sum") -> str:
    """The option with the best score (the first on ties)."""
    best = max(range(len(scores)), key=lambda i: (scores[i].score(normalisation), -i))
    return scores[best].option
