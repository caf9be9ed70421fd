"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1 (http.server in a thread), and
`smd eval` / `smd ask` through it."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from llm_tiny import synthetic_records, write_records
from motion_smd.llm import LLMError
from motion_smd.llm.backends import Backend, OpenAICompatBackend, make_backend
from motion_smd.llm.evaluate import evaluate, qa_baselines
from motion_smd.llm.prompts import build_messages


class _Handler(BaseHTTPRequestHandler):
    """Chat-completions endpoint answering deterministically: "The answer is <option C>" when the prompt lists
    options (the third option line), else "a person walks"; 401 without the expected key."""

    requests: ClassVar[list[dict[str, Any]]] = []
    expected_key = "sk-test-123"

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if self.path != "/v1/chat/completions":
            return self._send(404, {"error": "not found"})
        if self.headers.get("Authorization") != f"Bearer {self.expected_key}":
            # like some servers, echo what was received (the test checks it never reaches a message)
            return self._send(401, {"error": "bad key", "received": self.headers.get("Authorization")})
        user = body["messages"][-1]["content"]
        m = re.search(r"^C\. (.+)$", user, re.MULTILINE)
        text = f"The answer is {m.group(1)}" if m else "a person walks"
        self._send(200, {"id": "x", "object": "chat.completion", "model": body["model"],
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                      "finish_reason": "stop"}]})  # fmt: skip

    def _send(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("SMD_API_KEY", _Handler.expected_key)
    return _Handler.expected_key


def test_backend_sends_greedy_chat_requests(server: str, key: str) -> None:
    recs = synthetic_records(6, "test")
    be = OpenAICompatBackend(server, "served-model", concurrency=3)
    assert isinstance(be, Backend)
    _Handler.requests.clear()
    out = be.generate([build_messages(r) for r in recs], max_new_tokens=7)
    assert out == [f"The answer is {r['options'][2]}" for r in recs]  # input order kept
    assert len(_Handler.requests) == 6
    for req in _Handler.requests:
        assert req["auth"] == f"Bearer {key}"
        assert req["body"]["temperature"] == 0.0 and req["body"]["max_tokens"] == 7
        assert req["body"]["model"] == "served-model"
        assert req["body"]["messages"][0]["role"] == "system"


def test_evaluate_through_server_scores_exactly(server: str, key: str, tmp_path: Path) -> None:
    recs = synthetic_records(25, "test")
    res = evaluate("qa", make_backend("openai", "m", base_url=server), recs, tmp_path)
    expected = sum(r["options"][2] == r["answer"] for r in recs)
    assert res["metrics"]["overall"]["correct"] == expected
    assert res["accuracy"] == pytest.approx(expected / 25)
    assert res["metrics"]["extraction"]["normalised"] == 25  # "The answer is X": prefix stripped
    assert res["metrics"]["unparseable"] == []
    rows = [json.loads(x) for x in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in recs]
    # a second run reuses the saved predictions: no new request
    _Handler.requests.clear()
    res2 = evaluate("qa", make_backend("openai", "m", base_url=server), recs, tmp_path)
    assert _Handler.requests == [] and res2["accuracy"] == res["accuracy"]


def test_server_errors_are_one_line_llm_errors(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMD_API_KEY", "wrong")
    with pytest.raises(LLMError, match="HTTP 401"):
        OpenAICompatBackend(server, "m").generate([[{"role": "user", "content": "hi"}]])
    with pytest.raises(LLMError, match="HTTP 404"):
        OpenAICompatBackend(server.removesuffix("/v1"), "m", api_key="sk-test-123").generate(
            [[{"role": "user", "content": "hi"}]]
        )
    with pytest.raises(LLMError, match="did not answer"):
        OpenAICompatBackend("http://127.0.0.1:9/v1", "m", timeout_s=2).generate([[{"role": "user", "content": "x"}]])
    with pytest.raises(LLMError, match="base-url"):
        make_backend("openai", "m")


def test_baselines_majority_and_random() -> None:
    test = synthetic_records(10, "test")  # answers cycle through 5 actions, 2 each
    train = [dict(r, answer="squat") for r in synthetic_records(3, "train")]
    b = qa_baselines(test, train, seed=0)
    assert b["majority"]["correct"] == sum(r["answer"] == "squat" for r in test) == 2
    assert b["random"]["expected_accuracy"] == pytest.approx(1 / 5)
    assert b == qa_baselines(test, train, seed=0)  # deterministic
    assert qa_baselines(test, None)["majority"]["answer_prior_from"].startswith("test")


def test_cli_eval_and_errors(server: str, key: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motion_smd.cli import app

    recs = write_records(tmp_path / "test.jsonl", synthetic_records(8, "test"))
    runner = CliRunner()
    r = runner.invoke(app, ["eval", "--records", str(recs), "--base-url", server, "--model", "m",
                            "--out", str(tmp_path / "ev"), "--train-records", str(recs)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "overall" in r.output and "majority" in r.output
    metrics = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert metrics["n"] == 8 and metrics["baselines"]["majority"]["answer_prior_from"] == "train"
    bad = runner.invoke(app, ["eval", "--records", str(tmp_path / "missing.jsonl"), "--base-url", server])
    assert bad.exit_code == 2
    assert "missing.jsonl: no such records file" in bad.output and "Traceback" not in bad.output


def test_cli_ask_on_a_motion_file(server: str, key: str, tmp_path: Path) -> None:
    import numpy as np
    from typer.testing import CliRunner

    synthetic = pytest.importorskip("motion_smd.synthetic")
    from motion_smd.cli import app

    motion = synthetic.squats(n_reps=3)
    path = tmp_path / "squats.npy"
    np.save(path, motion.joints.astype(np.float32))
    r = CliRunner().invoke(app, ["ask", str(path), "What does the person do?", "--options", "walk|squat|jump",
                                 "--base-url", server, "--model", "m", "--top-k", "3"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "The answer is jump" in r.output and "option: jump" in r.output


def test_credentials_never_reach_messages_or_names(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #14: a password in --base-url was printed (and written to metrics.json); a server echoing the
    Authorization header in its error body leaked the key into the error message."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("SMD_API_KEY", "sk-wrong-secret-777")
    with_password = server.replace("http://", "http://alice:pw-secret-42@") + "?api_key=qs-secret-9"
    be = OpenAICompatBackend(with_password, "m")
    assert "pw-secret-42" not in be.name and "qs-secret-9" not in be.name and "alice:***@" in be.name
    with pytest.raises(LLMError, match="HTTP") as info:
        be.generate([[{"role": "user", "content": "hi"}]])
    message = str(info.value)
    for secret in ("pw-secret-42", "qs-secret-9", "sk-wrong-secret-777"):
        assert secret not in message
    assert "***" in message


def test_redaction_helpers() -> None:
    from motion_smd.llm.redact import redact_text, redact_url, url_secrets

    assert redact_url("http://u:p4ss@h:8/v1?key=abc&model=x") == "http://u:***@h:8/v1?key=***&model=x"
    assert redact_url("http://tok@h/v1") == "http://***@h/v1"
    assert redact_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"
    assert url_secrets("http://u:p4ss@h/v1?token=t0k") == ["p4ss", "t0k"]
    text = '{"received": "Bearer sk-abc.def", "authorization": "Basic dXNlcg==", "x": "p4ss"}'
    shown = redact_text(text, ["p4ss"])
    assert "sk-abc.def" not in shown and "dXNlcg==" not in shown and "p4ss" not in shown


def test_evaluate_temporal_records_scores_by_query_type(server: str, key: str, tmp_path: Path) -> None:
    """Temporal records (bandai-dense) are scored by their query type; the server's "a person walks" is no
    timeline, span or count, so each counts as unparseable and wrong. A record without a temporal query type
    is refused before any request."""
    base = {"task": "temporal", "smd": "Motion: 4.0s (80 frames at 20 FPS)", "question": "q", "options": None}
    recs = [
        {**base, "id": "d", "answer": "[0.0–4.0 s] bow", "meta": {"query_type": "dense"}},
        {**base, "id": "l", "answer": "0.0–4.0 s", "meta": {"query_type": "localise"}},
        {**base, "id": "c", "answer": "2", "meta": {"query_type": "count"}},
    ]
    res = evaluate("temporal", make_backend("openai", "m", base_url=server), recs, tmp_path / "ok")
    m = res["metrics"]
    assert m["dense"]["unparseable"] == ["d"] and m["dense"]["scores"]["0.5"]["f1"] == 0.0
    assert m["localise"]["unparseable"] == ["l"] and m["count"]["unparseable"] == ["c"]
    assert res["max_new_tokens"] == 96
    _Handler.requests.clear()
    with pytest.raises(LLMError, match="query_type"):
        evaluate("temporal", make_backend("openai", "m", base_url=server), [{**recs[0], "meta": {}}], tmp_path / "no")
    assert _Handler.requests == []
