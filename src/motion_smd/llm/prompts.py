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

from motion_smd.llm.records import Record

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


def user_message(record: Record, smd: str | None = None, with_smd: bool = True) -> str:
    """Text of the user turn for a record.

    Args:
        record: a QA record (keys smd, question, options) or a caption record (key smd).
        smd: SMD text to use instead of `record["smd"]` (e.g. a truncated one).
        with_smd: False for a follow-up question about a motion already given earlier in the conversation
            (QA only; see `PromptBuilder.conversation_features`).

    Returns:
        The user message (str).
    """
    text = record["smd"] if smd is None else smd
    if record.get("task", "qa") == "caption":
        return f"Motion description (SMD):\n{text}\n\n{CAPTION_INSTRUCTION}"
    opts = record.get("options") or []
    parts = [f"Motion description (SMD):\n{text}"] if with_smd else []
    parts.append(f"Question: {record['question']}")
    if opts:
        parts.append(f"Options:\n{option_lines(list(opts))}")
        parts.append(QA_INSTRUCTION)
    return "\n\n".join(parts)


def build_messages(record: Record, smd: str | None = None, system: str | None = SYSTEM_PROMPT) -> list[Message]:
    """Chat messages (system + user) of a record; `system=None` leaves the system turn out."""
    msgs: list[Message] = []
    if system:
        msgs.append({"role": "system", "content": system})
    msgs.append({"role": "user", "content": user_message(record, smd)})
    return msgs


def target_text(record: Record) -> str:
    """The training target: the answer text (QA) or the first reference caption (caption)."""
    return str(
        record.get("target") or (record.get("answer") if record.get("task") == "qa" else record["references"][0])
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

    def _prompt_text(self, record: Record, smd: str) -> str:
        return render_chat(self.tokenizer, build_messages(record, smd, self.system), add_generation_prompt=True)

    def fit_smd(self, record: Record, reserve: int) -> str:
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

    def messages(self, record: Record) -> list[Message]:
        """Chat messages for inference (SMD truncated to the budget when a tokenizer is set)."""
        return build_messages(record, self.fit_smd(record, self.max_target_tokens), self.system)

    def prompt(self, record: Record) -> str:
        """Inference prompt text (chat template with the generation prompt). Needs a tokenizer."""
        return render_chat(self.tokenizer, self.messages(record), add_generation_prompt=True)

    def prompt_ids(self, record: Record) -> list[int]:
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

    def features(self, record: Record) -> dict[str, list[int]]:
        """Training features of one record: loss on the answer tokens only.

        Returns:
            {"input_ids": [int] (L,), "attention_mask": [1]*L, "labels": [int] (L,)} where the labels are
            -100 on the prompt and equal to input_ids on the answer (+ end-of-turn) tokens. L ≤ max_length
            (the SMD text is truncated first; the answer is cut last, only if it alone exceeds the budget).
        """
        target = target_text(record)
        target_ids = self.tokenizer(target, add_special_tokens=False)["input_ids"]
        reserve = len(target_ids) + 8
        msgs = build_messages(record, self.fit_smd(record, reserve), self.system)
        prompt_text = render_chat(self.tokenizer, msgs, add_generation_prompt=True)
        p_ids = self.encode(prompt_text)
        c_ids = list(
            self.tokenizer(self.completion_text(prompt_text, msgs, target), add_special_tokens=False)["input_ids"]
        )
        ids = p_ids + c_ids
        labels = [-100] * len(p_ids) + c_ids
        if self.max_length is not None and len(ids) > self.max_length:
            ids, labels = ids[: self.max_length], labels[: self.max_length]
        return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels}

    def conversation_features(self, records: list[Record]) -> list[dict[str, list[int]]]:
        """Training features that pack several QA records about the same motion into multi-turn chats.

        The first user turn holds the SMD text and the first question; each later question follows as a
        user turn without the SMD (`user_message(with_smd=False)`), each answer as an assistant turn. The
        loss covers every answer (+ end-of-turn) token and nothing else. The SMD prefix, most of a record's
        tokens, is then processed once per conversation instead of once per question, which is what lets a
        CPU budget afford several epochs (docs/performance-llm.md). A conversation is closed when the next
        turn would exceed `max_length`; the following questions start a new one (with the SMD again).

        Args:
            records: QA records that share one SMD text (`record["smd"]`), in the order to ask them.

        Returns:
            Features as in `features`, one dict per conversation (labels -100 outside the answers).

        Raises:
            ValueError: records with different SMD texts, or a caption record.
        """
        if not records:
            return []
        if any(r.get("task", "qa") != "qa" or r["smd"] != records[0]["smd"] for r in records):
            raise ValueError("conversation_features packs QA records of one motion (same SMD text) only")
        out: list[dict[str, list[int]]] = []
        first = self.features(records[0])
        ids, labels = list(first["input_ids"]), list(first["labels"])
        reserve = len(self.tokenizer(target_text(records[0]), add_special_tokens=False)["input_ids"]) + 8
        msgs = build_messages(records[0], self.fit_smd(records[0], reserve), self.system)  # as in `features`
        msgs = [*msgs, {"role": "assistant", "content": target_text(records[0])}]
        for i, rec in enumerate(records[1:], start=1):
            done = render_chat(self.tokenizer, msgs, add_generation_prompt=False)
            turn = [*msgs, {"role": "user", "content": user_message(rec, with_smd=False)}]
            prompt_text = render_chat(self.tokenizer, turn, add_generation_prompt=True)
            target = target_text(rec)
            completion = self.completion_text(prompt_text, turn, target)
            if not prompt_text.startswith(done) or target not in completion:
                step = [self.features(r) for r in records[i:]]  # template does not extend: no packing
                out.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels})
                return out + step
            p_ids = list(self.tokenizer(prompt_text[len(done) :], add_special_tokens=False)["input_ids"])
            c_ids = list(self.tokenizer(completion, add_special_tokens=False)["input_ids"])
            if self.max_length is not None and len(ids) + len(p_ids) + len(c_ids) > self.max_length:
                out.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels})
                out.extend(self.conversation_features(records[i:]))
                return out
            ids += p_ids + c_ids
            labels += [-100] * len(p_ids) + c_ids
            msgs = [*turn, {"role": "assistant", "content": target}]
        out.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels})
        return out
