"""Where the model looks: attention from the answer to every SMD line, per line and per section (issue #20).

Protocol (after the original work's per-character attention heatmaps over SMD sections, MotionLLM-style
attention read-outs): for a QA record and an answer (the model's own choice by option likelihood,
`motion_smd.llm.scoring`, unless given), the prompt + answer is run once with eager attention. The query
positions are those whose outputs predict the answer tokens (the answer's first token is predicted at the
last prompt position; the template's end-of-turn tokens are included, as in training). For every key token
the attention weight is averaged over all layers, heads and those query positions; since each softmax row
sums to 1, the result is a distribution over the sequence ("attention mass"). A token belongs to the SMD
line in which its first character lies (offsets of the fast tokenizer); a line's mass is the sum over its
tokens. Reported per line and per section: the share of the mass that goes to the SMD text (`smd_share`)
and, inside the SMD, each line's and section's share of that SMD mass with its share of the SMD tokens (a
section read more than its length alone explains has share > token share).

Sections (`line_sections`, from the text of `motion_smd.render`): "header" (the Motion: line), "timeline",
"trajectory summary" (the Trajectory: line), one per trajectory channel ("Forward Position", "Lateral
Position", "Height", "Heading"), one per body part ("Left Arm", …, "Torso"), "truncated" (the cut mark).

Attention is not explanation: it shows which tokens the model's attention layers weigh, not which ones
caused the answer (Jain & Wallace 2019, "Attention is not Explanation").
"""

from __future__ import annotations

import html
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from motion_smd.angles import BODY_PARTS
from motion_smd.llm.prompts import TRUNCATION_MARK
from motion_smd.llm.records import RecordDict
from motion_smd.trajectory import TRAJECTORY_CHANNELS

TRAJECTORY_NAMES = tuple(t.name for t in TRAJECTORY_CHANNELS)
"""The trajectory channel names as the text starts their lines ("Forward Position", …)."""


def line_sections(lines: Sequence[str]) -> list[str]:
    """The section of each SMD line (module docstring), in order.

    Args:
        lines: the SMD text split at "\\n".

    Returns:
        One section name per line.
    """
    out: list[str] = []
    current = "header"
    for line in lines:
        if line == TRUNCATION_MARK:
            current = "truncated"
        elif line.startswith("Motion:"):
            current = "header"
        elif line.startswith("Timeline"):
            current = "timeline"
        elif line.startswith("Trajectory:") or line == "Global Trajectory:":
            current = "trajectory summary"
        elif line.startswith("[") and line.endswith("]") and line[1:-1] in BODY_PARTS:
            current = line[1:-1]
        elif line == "Joint Angles:":
            current = "header"
        else:
            name = next((n for n in TRAJECTORY_NAMES if line.startswith(n)), None)
            if name is not None and current in ("trajectory summary", *TRAJECTORY_NAMES):
                current = name
        out.append(current)
    return out


@dataclass
class AnswerAttention:
    """Attention of one answer over its record's SMD lines.

    Attributes:
        record_id, query_type, question, options, answer (the one attended from), gold: the record.
        lines: the SMD lines as the model saw them (cut to the token budget, with the cut mark).
        sections: the section of each line (`line_sections`).
        line_mass: (n_lines,) share of the SMD's attention mass on each line (sums to 1).
        line_tokens: tokens per line.
        smd_share: fraction of all attention mass (from the answer positions) that lands on the SMD text.
        section_mass, section_tokens: per section, the sums of line_mass and of the token shares (derived).
    """

    record_id: str
    query_type: str
    question: str
    options: list[str]
    answer: str
    gold: str
    lines: list[str]
    sections: list[str]
    line_mass: list[float]
    line_tokens: list[int]
    smd_share: float
    section_mass: dict[str, float] = field(init=False)
    section_tokens: dict[str, float] = field(init=False)

    def __post_init__(self) -> None:
        """Sum the lines into `section_mass` (share of the SMD mass) and `section_tokens` (share of its tokens)."""
        self.section_mass, self.section_tokens = {}, {}
        total_tokens = max(1, sum(self.line_tokens))
        for s, m, n in zip(self.sections, self.line_mass, self.line_tokens, strict=True):
            self.section_mass[s] = self.section_mass.get(s, 0.0) + m
            self.section_tokens[s] = self.section_tokens.get(s, 0.0) + n / total_tokens


def _eager(model: Any) -> None:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if hasattr(base, "set_attn_implementation"):
        base.set_attn_implementation("eager")
    else:
        base.config._attn_implementation = "eager"


def answer_attention(model: Any, builder: Any, record: RecordDict, answer: str | None = None) -> AnswerAttention:
    """Attention mass from an answer to the SMD lines of a QA record (module docstring).

    Args:
        model: causal LM (transformers or peft), eval mode; switched to eager attention here.
        builder: `PromptBuilder` with the model's fast tokenizer (offsets needed) and the run's `max_length`.
        record: a QA record.
        answer: the answer attended from (default: the model's choice by option log-likelihood, sum).

    Returns:
        AnswerAttention.

    Raises:
        ValueError: the SMD text is not found in the prompt, or the tokenizer gives no offsets.
    """
    import torch

    from motion_smd.llm.scoring import choose, option_scores

    _eager(model)
    if answer is None:
        answer = choose(option_scores(model, builder, record), "sum")
    rec = {**record, "answer": answer, "target": answer}
    feats = builder.features(rec)
    ids, labels = feats["input_ids"], feats["labels"]
    smd, _msgs, prompt = builder.training_prompt(rec)
    at = prompt.find(smd)
    if at < 0:
        raise ValueError(f"record {record.get('id')}: the SMD text is not in the rendered prompt.")
    enc = builder.tokenizer(prompt, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc.get("offset_mapping")
    if offsets is None:
        raise ValueError("attention maps need a fast tokenizer (character offsets).")
    n_prompt = next((j for j, lab in enumerate(labels) if lab != -100), len(labels))
    shift = n_prompt - len(enc["input_ids"])  # 1 when the builder prepends a BOS token, else 0
    if shift < 0 or list(ids[shift:n_prompt]) != list(enc["input_ids"]):
        raise ValueError(f"record {record.get('id')}: the prompt's tokens differ from its training features.")
    lines = smd.split("\n")
    starts = list(accumulate((len(line) + 1 for line in lines[:-1]), initial=at))  # each line's first character
    line_of = [-1] * len(ids)
    for k, (a, _b) in enumerate(offsets):
        j = k + shift
        if 0 <= j < len(ids) and at <= a < at + len(smd):
            line_of[j] = bisect_right(starts, a) - 1
    answer_pos = [j for j, lab in enumerate(labels) if lab != -100]
    queries = [j - 1 for j in answer_pos if j >= 1]
    device = next(model.parameters()).device
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([ids], device=device), output_attentions=True, use_cache=False)
    mass = torch.zeros(len(ids), dtype=torch.float64)
    for layer_att in out.attentions:  # (1, heads, T, T)
        mass += layer_att[0][:, queries].double().mean(dim=(0, 1)).cpu()
    mass /= len(out.attentions)
    line_mass = [0.0] * len(lines)
    line_tokens = [0] * len(lines)
    for j, li in enumerate(line_of):
        if li >= 0:
            line_mass[li] += float(mass[j])
            line_tokens[li] += 1
    smd_mass = sum(line_mass)
    return AnswerAttention(
        record_id=str(record.get("id")),
        query_type=str((record.get("meta") or {}).get("query_type", "")),
        question=str(record.get("question", "")),
        options=[str(o) for o in record.get("options") or []],
        answer=answer,
        gold=str(record.get("answer", "")),
        lines=lines,
        sections=line_sections(lines),
        line_mass=[m / smd_mass if smd_mass > 0 else 0.0 for m in line_mass],
        line_tokens=line_tokens,
        smd_share=smd_mass,
    )


def section_table(results: Sequence[AnswerAttention]) -> dict[str, dict[str, Any]]:
    """Mean section shares per query type (and "all").

    Returns:
        {query_type: {"n": count, "correct": accuracy of the attended answers, "smd_share": mean,
        "mass": {section: mean share of the SMD mass}, "tokens": {section: mean share of the SMD tokens}}},
        sections absent from a record count as 0 for it.
    """
    groups: dict[str, list[AnswerAttention]] = {}
    for r in results:
        groups.setdefault(r.query_type or "unknown", []).append(r)
    if len(groups) > 1:
        groups["all"] = list(results)
    table: dict[str, dict[str, Any]] = {}
    for qt, rs in groups.items():
        sections = sorted({s for r in rs for s in r.section_mass}, key=_section_order)
        n = len(rs)
        table[qt] = {
            "n": n,
            "correct": sum(r.answer == r.gold for r in rs) / n,
            "smd_share": sum(r.smd_share for r in rs) / n,
            "mass": {s: sum(r.section_mass.get(s, 0.0) for r in rs) / n for s in sections},
            "tokens": {s: sum(r.section_tokens.get(s, 0.0) for r in rs) / n for s in sections},
        }
    return table


_ORDER = ("header", "timeline", "trajectory summary", *TRAJECTORY_NAMES, *BODY_PARTS, "truncated")


def _section_order(s: str) -> int:
    return _ORDER.index(s) if s in _ORDER else len(_ORDER)


def table_markdown(table: dict[str, dict[str, Any]]) -> str:
    """`section_table` as a Markdown table: one row per query type, one column per section, each cell
    "share of the SMD attention % (share of the SMD tokens %)"."""
    sections = sorted({s for row in table.values() for s in row["mass"]}, key=_section_order)
    head = ["query type", "n", "answers right", "attention on SMD", *sections]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for qt, row in table.items():
        cells = [
            qt,
            str(row["n"]),
            f"{100 * row['correct']:.1f} %",
            f"{100 * row['smd_share']:.1f} %",
            *(f"{100 * row['mass'].get(s, 0):.1f} ({100 * row['tokens'].get(s, 0):.1f})" for s in sections),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _shade(share: float, top: float) -> str:
    alpha = 0.0 if top <= 0 else min(1.0, math.sqrt(share / top))
    return f"background: rgba(220, 60, 30, {alpha:.3f})"


def render_html(results: Sequence[AnswerAttention], table: dict[str, dict[str, Any]], title: str) -> str:
    """One self-contained HTML page: the section table, then per answer its SMD lines shaded by their share
    of the SMD attention (square-root scale, darkest = the record's top line) with the share in %."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title><style>body{{font-family:sans-serif;margin:1.5em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 6px;font-size:13px}"
        ".smd{font-family:monospace;font-size:13px}.smd div{padding:1px 4px;white-space:pre}"
        ".pct{display:inline-block;width:4.5em;color:#333}.sec{color:#777;font-size:11px}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        "<p>Attention mass from the answer tokens, averaged over layers, heads and answer positions; per section: "
        "share of the SMD attention % (share of the SMD tokens %).</p>",
        _table_html(table),
    ]
    for r in results:
        top = max(r.line_mass, default=0.0)
        verdict = "right" if r.answer == r.gold else f"wrong (gold: {r.gold})"
        parts.append(
            f"<h2>{esc(r.record_id)} — {esc(r.query_type)}</h2><p><b>Q:</b> {esc(r.question)}<br>"
            f"<b>Options:</b> {esc(' / '.join(r.options))}<br><b>Answer attended from:</b> {esc(r.answer)} "
            f"({esc(verdict)}); {100 * r.smd_share:.1f} % of its attention is on the SMD.</p><div class='smd'>"
        )
        for line, share, sec in zip(r.lines, r.line_mass, r.sections, strict=True):
            parts.append(
                f"<div style='{_shade(share, top)}'><span class='pct'>{100 * share:5.1f} %</span>{esc(line)}"
                f" <span class='sec'>{esc(sec)}</span></div>"
            )
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _table_html(table: dict[str, dict[str, Any]]) -> str:
    sections = sorted({s for row in table.values() for s in row["mass"]}, key=_section_order)
    head = "".join(f"<th>{html.escape(s)}</th>" for s in ["query type", "n", "right", "on SMD", *sections])
    rows = [f"<table><tr>{head}</tr>"]
    for qt, row in table.items():
        top = max(row["mass"].values(), default=0.0)
        cells = [
            f"<td>{html.escape(qt)}</td><td>{row['n']}</td><td>{100 * row['correct']:.1f} %</td>"
            f"<td>{100 * row['smd_share']:.1f} %</td>"
        ]
        for s in sections:
            m = row["mass"].get(s, 0.0)
            cells.append(f"<td style='{_shade(m, top)}'>{100 * m:.1f} ({100 * row['tokens'].get(s, 0.0):.1f})</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</table>")
    return "".join(rows)
