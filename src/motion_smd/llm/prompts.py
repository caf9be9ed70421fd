"""Prompts: chat messages built from records, rendered with the tokenizer's own chat template.

QA (the BABEL-QA / HuMMan-QA multiple-choice protocol): the SMD text, the question, and the options listed
with letters (A., B., …); the target is the answer text. Captioning: the SMD text and an instruction; the
target is a reference caption. When a token budget is set, the SMD text is cut at line boundaries (never the
question, the options or the answer) and marked "[... SMD truncated ...]", so long clips still fit.

Tokenizer-free use (e.g. an OpenAI-compatible server) gets the same messages; only truncation needs the
tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from motion_smd.llm.records import RecordDict

Message = dict[str, str]

SYSTEM_PROMPT = (
    "You read Structured Motion Descriptions (SMD) of human motion: the duration, the global trajectory of "
    "the pelvis (height, forward and lateral position in metres, heading) and joint angles in degrees, each "
    "split into time segments (increases, decreases, holds, oscillates) with times in seconds. "
    "Answer from the description only."
)

QA_INSTRUCTION = "Answer with the text of the correct option only."
CAPTION_INSTRUCTION = "Describe the motion in one short sentence, as a person would caption it."
TRUNCATION_MARK = "[... SMD truncated ...]"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def option_lines(options: list[str]) -> str:
    """Options as lettered lines: "A. walk\\nB. run…".

    Raises:
        ValueError: more than 26 options.
    """
    if len(options) > len(LETTERS):
        raise ValueError(f"at most {len(LETTERS)} options can be lettered, got {len(options)}")
    return "\n".join(f"{LETTERS[i]}. {opt}" for i, opt in enumerate(options))


def user_message(record: RecordDict, smd: str | None = None) -> str:
    """Text of the user turn for a record.

    Args:
        record: a QA record (keys smd, question, options) or a caption record (key smd).
        smd: SMD text to use instead of `record["smd"]` (e.g. a truncated one).

    Returns:
        The user message (str).
    """
    text = record["smd"] if smd is None else smd
    if record.get("task", "qa") == "caption":
        return f"Motion description (SMD):\n{text}\n\n{CAPTION_INSTRUCTION}"
    opts = record.get("options") or []
    parts = [f"Motion description (SMD):\n{text}", f"Question: {record['question']}"]
    if opts:
        parts.append(f"Options:\n{option_lines(list(opts))}")
        parts.append(QA_INSTRUCTION)
    return "\n\n".join(parts)


def build_messages(record: RecordDict, smd: str | None = None, system: str | None = SYSTEM_PROMPT) -> list[Message]:
    """Chat messages (system + user) of a record; `system=None` leaves the system turn out."""
    msgs: list[Message] = []
    if system:
        msgs.append({"role": "system", "content": system})
    msgs.append({"role": "user", "content": user_message(record, smd)})
    return msgs


def target_text(record: RecordDict) -> str:
    """The training target: the answer text (QA, temporal) or the first reference caption (caption)."""
    return str(
        record.get("target") or (record["references"][0] if record.get("task") == "caption" else record.get("answer"))
    )


def render_chat(tokenizer: Any, messages: list[Message], add_generation_prompt: bool) -> str:
    """Render messages with the tokenizer's chat template.

    Templates without a system role (e.g. Gemma) get the system text prepended to the first user turn.
    Tokenizers without a template get a plain "System:/User:/Assistant:" layout.

    Args:
        tokenizer: a transformers tokenizer.
        messages: [{"role", "content"}, …].
        add_generation_prompt: end with the assistant header (inference) or not (training text).
    """
    if getattr(tokenizer, "chat_template", None):
        try:
            return str(
                tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)
            )
        except Exception:  # templates that reject a system turn
            if messages and messages[0]["role"] == "system":
                merged = [
                    {
                        "role": messages[1]["role"],
                        "content": messages[0]["content"] + "\n\n" + messages[1]["content"],
                    }
                ]
                return str(
                    tokenizer.apply_chat_template(
                        merged + messages[2:], tokenize=False, add_generation_prompt=add_generation_prompt
                    )
                )
            raise
    text = "".join(f"{m['role'].capitalize()}: {m['content']}\n" for m in messages)
    return text + ("Assistant: " if add_generation_prompt else "")


@dataclass
class PromptBuilder:
    """Builds prompts and training features for one tokenizer.

    Attributes:
        tokenizer: a transformers tokenizer (None: messages only, no truncation, no features).
        max_length: token budget of prompt + answer (None = unlimited); the SMD text is cut to fit.
        max_target_tokens: tokens reserved for the answer when truncating at inference time.
        system: system prompt (None = no system turn).
    """

    tokenizer: Any = None
    max_length: int | None = None
    max_target_tokens: int = 32
    system: str | None = SYSTEM_PROMPT

    def encode(self, text: str) -> list[int]:
        """Token ids of `text` as the model sees it: template specials kept, the tokenizer's BOS added only
        when the text does not already start with it."""
        tok = self.tokenizer
        ids: list[int] = list(tok(text, add_special_tokens=False)["input_ids"])
        bos, bos_id = getattr(tok, "bos_token", None), getattr(tok, "bos_token_id", None)
        if bos and bos_id is not None and not text.startswith(bos):
            probe = tok("a")["input_ids"]
            if probe and probe[0] == bos_id:
                ids = [bos_id, *ids]
        return ids

    def _prompt_text(self, record: RecordDict, smd: str) -> str:
        return render_chat(self.tokenizer, build_messages(record, smd, self.system), add_generation_prompt=True)

    def fit_smd(self, record: RecordDict, reserve: int) -> str:
        """The record's SMD text, cut at line boundaries so that prompt + `reserve` tokens ≤ max_length.

        Returns the full text when it fits (or when there is no tokenizer/budget). Binary search over the
        number of kept lines; at least the header line is kept.
        """
        smd = str(record["smd"])
        if self.tokenizer is None or self.max_length is None:
            return smd
        budget = self.max_length - reserve
        if len(self.encode(self._prompt_text(record, smd))) <= budget:
            return smd
        lines = smd.split("\n")
        lo, hi = 1, len(lines) - 1  # lines kept; find the largest that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            cut = "\n".join([*lines[:mid], TRUNCATION_MARK])
            if len(self.encode(self._prompt_text(record, cut))) <= budget:
                lo = mid
            else:
                hi = mid - 1
        return "\n".join([*lines[:lo], TRUNCATION_MARK])

    def messages(self, record: RecordDict) -> list[Message]:
        """Chat messages for inference (SMD truncated to the budget when a tokenizer is set)."""
        return build_messages(record, self.fit_smd(record, self.max_target_tokens), self.system)

    def prompt(self, record: RecordDict) -> str:
        """Inference prompt text (chat template with the generation prompt). Needs a tokenizer."""
        return render_chat(self.tokenizer, self.messages(record), add_generation_prompt=True)

    def prompt_ids(self, record: RecordDict) -> list[int]:
        """Token ids of the inference prompt."""
        return self.encode(self.prompt(record))

    def completion_text(self, prompt_text: str, messages: list[Message], target: str) -> str:
        """What the model must produce after the prompt: the answer plus the template's end-of-turn text.

        Taken from the template itself (full conversation minus the prompt), falling back to
        answer + EOS token when the template renders the prompt differently inside a full conversation.
        """
        full = render_chat(
            self.tokenizer, [*messages, {"role": "assistant", "content": target}], add_generation_prompt=False
        )
        if full.startswith(prompt_text) and target in full[len(prompt_text) :]:
            return full[len(prompt_text) :]
        return target + (self.tokenizer.eos_token or "")

    def training_prompt(self, record: RecordDict) -> tuple[str, list[Message], str]:
        """The prompt of `features`: (the SMD text as cut to leave room for the record's answer, the chat
        messages, the rendered prompt with the generation prompt)."""
        reserve = len(self.tokenizer(target_text(record), add_special_tokens=False)["input_ids"]) + 8
        smd = self.fit_smd(record, reserve)
        msgs = build_messages(record, smd, self.system)
        return smd, msgs, render_chat(self.tokenizer, msgs, add_generation_prompt=True)

    def features(self, record: RecordDict) -> dict[str, list[int]]:
        """Training features of one record: loss on the answer tokens only.

        Returns:
            {"input_ids": [int] (L,), "attention_mask": [1]*L, "labels": [int] (L,)} where the labels are
            -100 on the prompt and equal to input_ids on the answer (+ end-of-turn) tokens. L ≤ max_length
            (the SMD text is truncated first; the answer is cut last, only if it alone exceeds the budget).
        """
        target = target_text(record)
        _smd, msgs, prompt_text = self.training_prompt(record)
        p_ids = self.encode(prompt_text)
        c_ids = list(
            self.tokenizer(self.completion_text(prompt_text, msgs, target), add_special_tokens=False)["input_ids"]
        )
        ids = p_ids + c_ids
        labels = [-100] * len(p_ids) + c_ids
        if self.max_length is not None and len(ids) > self.max_length:
            ids, labels = ids[: self.max_length], labels[: self.max_length]
        return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels}

    def shared_prefix_features(
        self, records: list[RecordDict], pack_length: int | None = None
    ) -> list[dict[str, list[int]]]:
        """Training features of several QA records about one motion, packed so the common prompt prefix (system
        turn + SMD text) is encoded once: exactly equivalent to the records' own `features`.

        Each record's features are built as usual; their longest common token prefix P is kept once and each
        record's remainder (question, options, answer) follows it as a branch. `segment_ids` (0 on P, i on
        branch i) and `position_ids` (branch i continues from len(P) as in its own example) let
        `motion_smd.llm.training.pad_collate` build a 4-D attention mask in which a branch attends to P and to
        itself only. Every answer token then sees exactly the tokens and positions it sees in its own
        single-question example, so logits and loss are those of the separate examples (up to floating-point
        summation order; checked in tests), at a fraction of the tokens: the SMD, most of a record, is
        processed once per motion. A pack is closed when the next branch would exceed `max_length`.

        Args:
            records: QA records that share one SMD text (`record["smd"]`).
            pack_length: the longest pack in tokens (default `max_length`, which also bounds each record's own
                features; a larger value packs more branches behind one prefix without changing any branch).

        Returns:
            One dict per pack with "input_ids", "attention_mask" (all 1), "labels" (-100 outside the answers),
            "segment_ids" and "position_ids", all of one length L ≤ max_length (or the record's own length when a
            single record is longer).

        Raises:
            ValueError: records with different SMD texts.
        """
        if not records:
            return []
        if any(r["smd"] != records[0]["smd"] for r in records):
            raise ValueError("shared_prefix_features packs records of one motion (same SMD text) only")
        feats = [self.features(r) for r in records]
        first = feats[0]["input_ids"]
        n_common = min(len(f["input_ids"]) for f in feats) - 1
        for f in feats[1:]:
            ids = f["input_ids"]
            k = 0
            while k < n_common and ids[k] == first[k]:
                k += 1
            n_common = k
        first_answer = (next((j for j, x in enumerate(f["labels"]) if x != -100), len(f["labels"])) for f in feats)
        # each branch starts with at least one prompt token: a causal LM's loss predicts token j from position
        # j - 1 of the row, which for a branch's first token is the end of the previous branch
        n_common = min(n_common, *(a - 1 for a in first_answer))
        budget = pack_length or self.max_length
        packs: list[dict[str, list[int]]] = []
        cur: dict[str, list[int]] | None = None
        for f in feats:
            ids, labels = f["input_ids"][n_common:], f["labels"][n_common:]
            if cur is not None and budget is not None and len(cur["input_ids"]) + len(ids) > budget:
                packs.append(cur)
                cur = None
            if cur is None:
                cur = {
                    "input_ids": list(first[:n_common]),
                    "labels": [-100] * n_common,
                    "segment_ids": [0] * n_common,
                    "position_ids": list(range(n_common)),
                }
            branch = max(cur["segment_ids"]) + 1
            cur["input_ids"] += ids
            cur["labels"] += labels
            cur["segment_ids"] += [branch] * len(ids)
            cur["position_ids"] += list(range(n_common, n_common + len(ids)))
        assert cur is not None
        packs.append(cur)
        for pk in packs:
            pk["attention_mask"] = [1] * len(pk["input_ids"])
        return packs
