"""The assistant's agent loop: one user turn → tool calls → a reply.

Planners:
- `GrammarPlanner`: the deterministic command grammar (`grammar.plan`); the reply is the tools' text.
- `OpenAIPlanner`: any OpenAI-compatible server with tool calls (vLLM, llama.cpp `llama-server`, Ollama,
  `transformers serve`, hosted APIs): POST {base_url}/chat/completions with the tools' JSON schemas; every
  `tool_calls` entry is run and answered with a `tool` message, until the model replies without calls or
  MAX_TOOL_CALLS calls were made in the turn.
- `LocalPlanner`: a local transformers model; the tools are offered through the chat template (or, for a
  template without tools, listed in the system message) and a call is read from the reply as a JSON object
  {"name": …, "arguments": {…}} (Hermes/Qwen `<tool_call>` tags or bare).

Failures never end the conversation: a tool error goes back to the model as the tool's message; a refused
connection, a timeout or an HTTP error ends the turn with a clear reply and drops the turn's partial messages.
The API key is sent in the Authorization header only and redacted from every message (`llm.redact`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from motion_smd.assistant import grammar
from motion_smd.assistant.session import Session
from motion_smd.assistant.tools import TOOLS, ToolResult, call_tool

MAX_TOOL_CALLS = 6
"""Tool calls allowed in one user turn."""
SYSTEM_PROMPT = (
    "You are a motion-analysis assistant. You cannot see the motion: you learn about it only by calling the "
    "tools, which read the Structured Motion Description (SMD) of the loaded motions. State only facts that a "
    "tool returned, with their numbers. Loaded motions: {motions}. The current motion is '{current}'."
)


@dataclass(frozen=True)
class ToolCallRecord:
    """A tool call made in a turn: the tool, its arguments (as sent) and its result."""

    tool: str
    arguments: str
    result: ToolResult


@dataclass
class Turn:
    """The outcome of one user turn: the reply text and the tool calls behind it."""

    reply: str
    calls: list[ToolCallRecord] = field(default_factory=list)

    @property
    def artefacts(self) -> list[str]:
        """Files the turn's tools made."""
        return [str(c.result.artefact) for c in self.calls if c.result.artefact is not None]


class Planner(Protocol):
    """Plans and runs one user turn on a session."""

    def turn(self, session: Session, text: str) -> Turn: ...


def _system(session: Session) -> dict[str, str]:
    motions = ", ".join(f"{n} ({p.name})" for n, p in session.motions.items()) or "none"
    return {"role": "system", "content": SYSTEM_PROMPT.format(motions=motions, current=session.current or "none")}


class GrammarPlanner:
    """The deterministic command grammar: no model, the reply is the tools' text."""

    def turn(self, session: Session, text: str) -> Turn:
        """Run the grammar's calls for `text`; the help text when nothing matches."""
        calls = grammar.plan(text)
        if not calls:
            return Turn(grammar.HELP)
        records = [ToolCallRecord(c.tool, json.dumps(c.args), call_tool(session, c.tool, c.args)) for c in calls]
        session.messages += [
            {"role": "user", "content": text},
            {"role": "assistant", "content": records[-1].result.text},
        ]
        return Turn("\n".join(r.result.text for r in records), records)


class OpenAIPlanner:
    """An OpenAI-compatible chat-completions server with tool calls (module docstring).

    Args:
        base_url: e.g. "http://127.0.0.1:8000/v1".
        model: the server's model name.
        api_key: sent as "Authorization: Bearer …" when given; never printed (redacted from messages).
        timeout_s: per request.
    """

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 120.0) -> None:
        from motion_smd.llm.redact import redact_url, url_secrets

        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self.timeout_s = timeout_s
        self._secrets = [s for s in (api_key, *url_secrets(self.base_url)) if s]
        self.name = f"{model} @ {redact_url(self.base_url)}"

    def _redact(self, text: str) -> str:
        from motion_smd.llm.redact import redact_text

        return redact_text(text, self._secrets)

    def _post(self, messages: list[dict[str, Any]], tools: bool) -> dict[str, Any]:
        import httpx

        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0}
        if tools:
            body["tools"] = [t.schema() for t in TOOLS.values()]
            body["tool_choice"] = "auto"
        resp = httpx.post(f"{self.base_url}/chat/completions", json=body, headers=headers, timeout=self.timeout_s)
        resp.raise_for_status()
        message: dict[str, Any] = resp.json()["choices"][0]["message"]
        return message

    def turn(self, session: Session, text: str) -> Turn:
        """One turn (module docstring). Connection failures give a reply saying what to do."""
        import httpx

        start = len(session.messages)
        history = session.messages or []
        session.messages = [*history, {"role": "user", "content": text}]
        records: list[ToolCallRecord] = []
        try:
            while True:
                allow = len(records) < MAX_TOOL_CALLS
                message = self._post([_system(session), *session.messages], tools=allow)
                calls = message.get("tool_calls") or []
                session.messages.append(
                    {
                        "role": "assistant",
                        "content": message.get("content") or "",
                        **({"tool_calls": calls} if calls else {}),
                    }
                )
                if not calls or not allow:
                    return Turn(message.get("content") or "(the model gave no answer)", records)
                for call in calls:
                    fn = call.get("function") or {}
                    name, arguments = str(fn.get("name") or ""), fn.get("arguments") or "{}"
                    result = (
                        call_tool(session, name, arguments)
                        if len(records) < MAX_TOOL_CALLS
                        else ToolResult(f"error: more than {MAX_TOOL_CALLS} tool calls in one turn; answer now.")
                    )
                    records.append(
                        ToolCallRecord(name, arguments if isinstance(arguments, str) else json.dumps(arguments), result)
                    )
                    session.messages.append(
                        {"role": "tool", "tool_call_id": str(call.get("id") or name), "content": result.text}
                    )
        except httpx.ConnectError:
            reply = f"cannot reach the model server at {self.name} (connection refused); start it or check --base-url."
        except httpx.TimeoutException:
            reply = (
                f"the model server at {self.name} did not answer within {self.timeout_s:g} s; "
                "try again or raise --timeout."
            )
        except httpx.HTTPStatusError as exc:
            body = self._redact(exc.response.text[:300])
            reply = f"the model server at {self.name} answered HTTP {exc.response.status_code}: {body}"
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            reply = f"the model server at {self.name} sent a reply that is not an OpenAI chat completion ({exc!r})."
        del session.messages[start:]  # the turn failed: keep the conversation as it was before it
        return Turn(self._redact(reply), records)


class LocalPlanner:
    """A local transformers chat model that calls tools by writing a JSON object (module docstring).

    Args:
        model: a Hugging Face model name or path, or a .gguf file (`llm.models.load_model`).
        max_new_tokens: generation budget per step.
    """

    def __init__(self, model: str, max_new_tokens: int = 160) -> None:
        from motion_smd.llm.models import load_model

        self.model, self.tokenizer = load_model(model, "cpu")
        self.max_new_tokens = max_new_tokens
        self.name = model

    def _generate(self, messages: list[dict[str, Any]]) -> str:
        import torch

        tools = [t.schema() for t in TOOLS.values()]
        try:
            prompt = self.tokenizer.apply_chat_template(
                messages, tools=tools, add_generation_prompt=True, tokenize=False
            )
        except Exception:  # a template without tools: list them in the system message
            listing = "\n".join(json.dumps(t["function"]) for t in tools)
            sys_msg = {"role": "system", "content": messages[0]["content"] + "\nTools (reply with a JSON object "
                       '{"name": …, "arguments": {…}} to call one):\n' + listing}  # fmt: skip
            prompt = self.tokenizer.apply_chat_template(
                [sys_msg, *messages[1:]], add_generation_prompt=True, tokenize=False
            )
        ids = self.tokenizer(prompt, return_tensors="pt")
        with torch.no_grad():
            out = self.model.generate(**ids, max_new_tokens=self.max_new_tokens, do_sample=False)
        return str(self.tokenizer.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True))

    def turn(self, session: Session, text: str) -> Turn:
        """Generate; run a JSON tool call if the reply holds one (at most MAX_TOOL_CALLS), then answer."""
        session.messages.append({"role": "user", "content": text})
        records: list[ToolCallRecord] = []
        reply = self._generate([_system(session), *session.messages])
        while len(records) < MAX_TOOL_CALLS and (call := parse_tool_call(reply)) is not None:
            name, args = call
            result = call_tool(session, name, args)
            records.append(ToolCallRecord(name, json.dumps(args), result))
            session.messages += [{"role": "assistant", "content": reply}, {"role": "tool", "content": result.text}]
            reply = self._generate([_system(session), *session.messages])
        session.messages.append({"role": "assistant", "content": reply})
        return Turn(reply.strip() or "(the model gave no answer)", records)


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_tool_call(text: str) -> tuple[str, dict[str, Any]] | None:
    """A tool call written by a local model: the first JSON object with a known tool "name" and an
    "arguments" (or "parameters") object; None when there is none."""
    inner = re.search(r"<tool_call>(.*?)</tool_call>", text, re.DOTALL)
    found = _JSON_OBJECT.search(inner.group(1) if inner else text)
    if not found:
        return None
    try:
        obj = json.loads(found.group(0))
    except json.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or obj.get("name") not in TOOLS:
        return None
    args = obj.get("arguments", obj.get("parameters", {}))
    return (str(obj["name"]), args) if isinstance(args, dict) else None


def make_planner(
    base_url: str | None, model: str | None, api_key: str | None = None, timeout_s: float = 120.0
) -> Planner:
    """OpenAIPlanner with a base URL, LocalPlanner with only a model, else the GrammarPlanner."""
    if base_url:
        return OpenAIPlanner(base_url, model or "default", api_key, timeout_s)
    if model:
        return LocalPlanner(model)
    return GrammarPlanner()
