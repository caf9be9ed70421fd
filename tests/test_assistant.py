"""The motion assistant (issue #18): tools on real clips, the command grammar's five-turn conversation, and the
OpenAI tool-call protocol against a loopback server that speaks it exactly (including malformed calls, a
refused connection, a timeout and an API key that must never appear)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from motion_smd.assistant import grammar
from motion_smd.assistant.planner import GrammarPlanner, OpenAIPlanner, parse_tool_call
from motion_smd.assistant.session import Session
from motion_smd.assistant.tools import TOOLS, call_tool


class ScriptedServer:
    """A loopback OpenAI-compatible /v1/chat/completions server answering from a script of replies (each a
    message dict, or ("sleep", seconds), or ("status", code, body)); it records every request body and header."""

    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                outer.headers.append(dict(self.headers))
                step = outer.script.pop(0) if outer.script else {"role": "assistant", "content": "done"}
                if isinstance(step, tuple) and step[0] == "sleep":
                    time.sleep(step[1])
                    step = {"role": "assistant", "content": "late"}
                if isinstance(step, tuple) and step[0] == "status":
                    payload, code = step[2].encode(), step[1]
                else:
                    code = 200
                    payload = json.dumps(
                        {"id": "chatcmpl-1", "object": "chat.completion", "model": body.get("model"),
                         "choices": [{"index": 0, "message": step,
                                      "finish_reason": "tool_calls" if step.get("tool_calls") else "stop"}]}
                    ).encode()  # fmt: skip
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (the timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    """An assistant message with one tool call, in the OpenAI format."""
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}],
    }


@pytest.fixture
def clips(smd_data_dir: Path) -> tuple[Path, Path]:
    base = smd_data_dir / "bandai_namco/dataset-1/data"
    walk, run = base / "dataset-1_walk_normal_001.bvh", base / "dataset-1_run_normal_001.bvh"
    if not (walk.is_file() and run.is_file()):
        pytest.skip(f"Bandai-Namco walk/run clips not found under {base}")
    return walk, run


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer([])
    yield srv
    srv.close()


def test_tool_schemas_are_valid_openai_function_declarations() -> None:
    for name, tool in TOOLS.items():
        decl = tool.schema()
        assert decl["type"] == "function" and decl["function"]["name"] == name
        params = decl["function"]["parameters"]
        assert params["type"] == "object" and set(params["required"]) <= set(params["properties"])
        json.dumps(decl)  # serialisable


def test_five_turn_grammar_conversation_on_real_clips(clips: tuple[Path, Path], server: ScriptedServer) -> None:
    """describe → count → compare → render → ask, with the tools' results checked against the SMD code."""
    from motion_smd import load_motion
    from motion_smd.counting import count_repetitions
    from motion_smd.describer import describe
    from motion_smd.llm.backends import OpenAICompatBackend

    walk, run = clips
    session = Session()
    session.load(walk)
    session.qa_backend = OpenAICompatBackend(server.url, "qa")
    server.script = [{"role": "assistant", "content": "walk"}]
    planner = GrammarPlanner()
    turns = [planner.turn(session, t) for t in (
        "describe the last 2 seconds", "how many times does the knee bend?", f"compare with {run}", "render it",
        "what is the person doing?",
    )]  # fmt: skip
    assert [t.calls[0].tool for t in turns] == ["describe", "count", "compare", "render", "ask"]
    assert turns[0].reply.startswith("Motion: 2.0s")
    knee = count_repetitions(describe(load_motion(walk)), "knee")[0]
    assert knee.text() in turns[1].reply
    assert "faster (mean pelvis speed): dataset-1_run_normal_001" in turns[2].reply
    gif = Path(turns[3].artefacts[0])
    assert gif.suffix == ".gif" and gif.stat().st_size > 1000
    assert turns[4].reply.endswith("walk")
    sent = server.requests[0]["messages"][-1]["content"]
    assert "Global Trajectory" in sent and "what is the person doing?" in sent  # the QA model read the SMD


def test_grammar_rules() -> None:
    assert grammar.plan("describe the last 3 seconds")[0].args == {"start_s": -3.0}
    assert grammar.plan("describe it from 1 to 2.5 s")[0].args == {"start_s": 1.0, "end_s": 2.5}
    assert grammar.plan("count the squats")[0].args == {"part": "knee"}
    assert grammar.plan("compare with walk2.bvh")[0].args == {"motion_b": "walk2.bvh"}
    assert grammar.plan("make it slower and mirror it")[0].args == {"speed": 0.5, "mirror": True}
    assert grammar.plan("repeat it 3 times")[0].args == {"repeat": 3}
    assert grammar.plan("plot the knees")[0].args == {"angles": "knee_flexion_r,knee_flexion_l"}
    assert grammar.plan("compose walk forward 2 m, then bow")[0].args == {"request": "walk forward 2 m, then bow"}
    assert grammar.plan("good morning") == []


def test_tool_errors_are_messages_not_exceptions(clips: tuple[Path, Path]) -> None:
    session = Session()
    assert call_tool(session, "describe", {}).text.startswith("error: no motion loaded yet")
    session.load(clips[0])
    assert "not valid JSON" in call_tool(session, "count", "{part: knee").text
    assert "no tool called" in call_tool(session, "dance", {}).text
    assert "no argument(s) ['side']" in call_tool(session, "count", {"side": "left"}).text
    assert "choose one of" in call_tool(session, "count", {"part": "tail"}).text
    assert "no motion called" in call_tool(session, "describe", {"motion": "ghost"}).text
    assert "--library" in call_tool(session, "search", {"query": "walk"}).text
    assert "no question-answering model" in call_tool(session, "ask", {"question": "why?"}).text


def test_openai_tool_call_protocol_round_trip(clips: tuple[Path, Path], server: ScriptedServer) -> None:
    session = Session()
    session.load(clips[0])
    server.script = [
        tool_call("call_1", "count", json.dumps({"part": "knee"})),
        {"role": "assistant", "content": "The knees bend 6 times (strides)."},
    ]
    planner = OpenAIPlanner(server.url, "test-model")
    turn = planner.turn(session, "how many times does the knee bend?")
    assert turn.reply == "The knees bend 6 times (strides)."
    assert [c.tool for c in turn.calls] == ["count"] and "6 strides" in turn.calls[0].result.text
    first, second = server.requests
    assert first["tools"] == [t.schema() for t in TOOLS.values()] and first["tool_choice"] == "auto"
    assert first["messages"][0]["role"] == "system" and first["messages"][-1]["content"].startswith("how many")
    assistant, tool_msg = second["messages"][-2:]
    assert assistant["tool_calls"][0]["id"] == "call_1"
    assert tool_msg == {"role": "tool", "tool_call_id": "call_1", "content": turn.calls[0].result.text}
    # the conversation carries on: the next turn's request holds the whole history
    server.script = [{"role": "assistant", "content": "ok"}]
    planner.turn(session, "thanks")
    assert [m["role"] for m in server.requests[-1]["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]


def test_malformed_and_unknown_tool_calls_go_back_to_the_model(
    clips: tuple[Path, Path], server: ScriptedServer
) -> None:
    session = Session()
    session.load(clips[0])
    server.script = [
        tool_call("c1", "count", "{part: knee"),  # not JSON
        tool_call("c2", "teleport", "{}"),  # no such tool
        {"role": "assistant", "content": "sorry"},
    ]
    turn = OpenAIPlanner(server.url, "m").turn(session, "count")
    assert turn.reply == "sorry"
    errors = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "tool"]
    assert errors[0].startswith("error: the arguments of count are not valid JSON")
    assert errors[1].startswith("error: no tool called 'teleport'")


def test_tool_calls_per_turn_are_bounded(clips: tuple[Path, Path], server: ScriptedServer) -> None:
    from motion_smd.assistant.planner import MAX_TOOL_CALLS

    session = Session()
    session.load(clips[0])
    server.script = [tool_call(f"c{i}", "events", "{}") for i in range(20)]
    turn = OpenAIPlanner(server.url, "m").turn(session, "loop forever")
    assert len(turn.calls) == MAX_TOOL_CALLS
    assert "tools" not in server.requests[-1]  # the last request offers no tools: the model must answer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_refused_connection_timeout_and_secrets(clips: tuple[Path, Path], server: ScriptedServer) -> None:
    secret = "sk-test-SECRET-1234567890"
    session = Session()
    session.load(clips[0])
    refused = OpenAIPlanner(f"http://127.0.0.1:{_free_port()}/v1", "m", api_key=secret).turn(session, "hi")
    assert "connection refused" in refused.reply and session.messages == []  # the failed turn left nothing
    server.script = [("sleep", 1.5)]
    slow = OpenAIPlanner(server.url, "m", api_key=secret, timeout_s=0.5).turn(session, "hi")
    assert "did not answer within 0.5 s" in slow.reply and session.messages == []
    server.script = [("status", 401, json.dumps({"error": f"bad key Bearer {secret}"}))]
    denied = OpenAIPlanner(server.url, "m", api_key=secret).turn(session, "hi")
    assert "HTTP 401" in denied.reply and secret not in denied.reply
    assert server.headers[-1]["Authorization"] == f"Bearer {secret}"  # sent, never shown
    server.script = [{"role": "assistant", "content": "still here"}]
    assert OpenAIPlanner(server.url, "m").turn(session, "hi").reply == "still here"  # usable after failures


def test_local_model_tool_call_parsing() -> None:
    assert parse_tool_call('<tool_call>{"name": "count", "arguments": {"part": "knee"}}</tool_call>') == (
        "count", {"part": "knee"},
    )  # fmt: skip
    assert parse_tool_call('I will call {"name": "events", "parameters": {}} now') == ("events", {})
    assert parse_tool_call('{"name": "fly", "arguments": {}}') is None
    assert parse_tool_call("The person walks.") is None


def test_smd_chat_in_the_terminal_shows_tool_calls_and_artefacts(clips: tuple[Path, Path]) -> None:
    from typer.testing import CliRunner

    from motion_smd.cli import app

    walk, run = clips
    lines = ["how many times does the knee bend?", f"compare with {run}", "plot the knees", ""]
    res = CliRunner().invoke(app, ["chat", str(walk)], input="\n".join(lines) + "\n")
    assert res.exit_code == 0, res.output
    assert 'tool count({"part": "knee"})' in res.output and "6 strides" in res.output
    assert "faster (mean pelvis speed): dataset-1_run_normal_001" in res.output
    assert "artefact:" in res.output and "_angles.png" in res.output


def test_compose_and_edit_through_the_chat(smd_data_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers", reason="the [library] extra is not installed")
    from motion_smd.library.index import build_library

    src = sorted((smd_data_dir / "bandai_namco").rglob("dataset-2_walk_normal_00*.bvh"))
    src += sorted((smd_data_dir / "bandai_namco").rglob("dataset-2_walk-turn-left_normal_00*.bvh"))
    if len(src) < 4:
        pytest.skip("Bandai-Namco walk and walk-turn-left clips not found")
    build_library(src, tmp_path / "lib")
    session = Session(library=tmp_path / "lib", workdir=tmp_path / "work")
    planner = GrammarPlanner()
    turn = planner.turn(session, "compose walk forward 2 m, then turn left")
    assert "the check passes" in turn.reply and turn.artefacts[0].endswith(".bvh")
    assert session.current == "composed"
    edited = planner.turn(session, "make it slower")
    assert "PASS speed 0.5" in edited.reply and session.current == "composed_edited"
