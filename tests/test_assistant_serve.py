"""The OpenAI-compatible path against a real model server on loopback (issue #18): `transformers serve`
serving the offline SmolLM2-135M-Instruct, for plain chat through the assistant, the `ask` tool, and
`smd eval --backend openai` on QA records built from real clips. Skips with a reason when the server cannot
start (no transformers CLI, FastAPI/Uvicorn or the SmolLM2 wheel)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="transformers serve needs FastAPI (pip install 'transformers[serving]')")
pytest.importorskip("uvicorn", reason="transformers serve needs Uvicorn (pip install 'transformers[serving]')")
httpx = pytest.importorskip("httpx")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, model id) of `transformers serve` running the offline SmolLM2 on a free loopback port."""
    from motion_smd.errors import MotionSMDError
    from motion_smd.llm.models import ensure_default_model

    try:
        model_dir = str(ensure_default_model())
    except MotionSMDError as exc:
        pytest.skip(f"the offline SmolLM2 model is not available: {exc}")
    cli = shutil.which("transformers", path=str(Path(sys.executable).parent)) or shutil.which("transformers")
    if cli is None:
        pytest.skip("the transformers CLI is not installed")
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [cli, "serve", model_dir, "--host", "127.0.0.1", "--port", str(port)],
            stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.skip(f"transformers serve exited ({proc.returncode}): {log.read_text()[-600:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.skip(f"transformers serve did not come up in 240 s: {log.read_text()[-600:]}")
        yield f"{url}/v1", model_dir
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def clip(smd_data_dir: Path) -> Path:
    path = smd_data_dir / "bandai_namco/dataset-1/data/dataset-1_run_normal_001.bvh"  # 0.8 s: a short prompt
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


def test_plain_chat_and_ask_through_the_server(served: tuple[str, str], clip: Path) -> None:
    from motion_smd.assistant.planner import OpenAIPlanner
    from motion_smd.assistant.session import Session
    from motion_smd.assistant.tools import call_tool
    from motion_smd.llm.backends import OpenAICompatBackend

    url, model = served
    session = Session()
    session.load(clip)
    turn = OpenAIPlanner(url, model, timeout_s=300).turn(session, "Say hello in one short sentence.")
    assert turn.reply.strip() and not turn.reply.startswith(("cannot reach", "the model server"))
    assert [m["role"] for m in session.messages][:1] == ["user"]  # the turn was kept in the history
    session.qa_backend = OpenAICompatBackend(url, model)
    answer = call_tool(session, "ask", {"question": "Does the person run or sit?"})
    assert answer.text.startswith("answer (from the QA model reading the SMD):") and len(answer.text) > 45


def test_smd_eval_backend_openai_on_real_records(served: tuple[str, str], clip: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motion_smd import load_motion, smd_text
    from motion_smd.cli import app
    from motion_smd.options import SMDOptions

    url, model = served
    smd = smd_text(load_motion(clip), SMDOptions(top_k=3))
    options = ["run", "sit down", "jump", "wave"]
    records = tmp_path / "test.jsonl"
    rows = [
        {"id": f"run-{i}", "task": "qa", "dataset": "bandai", "split": "test", "variant": "all-26", "smd": smd,
         "question": "What does the person do?", "options": options[i:] + options[:i], "answer": "run",
         "references": None, "target": "run", "meta": {"query_type": "query_action", "relation_type": "none"}}
        for i in range(3)
    ]  # fmt: skip
    records.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "eval"
    res = CliRunner().invoke(
        app, ["eval", "--task", "qa", "--backend", "openai", "--base-url", url, "--model", model,
              "--records", str(records), "--out", str(out), "--max-new-tokens", "8", "--batch-size", "1"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n"] == 3 and len((out / "predictions.jsonl").read_text().splitlines()) == 3


def test_local_transformers_planner_completes_a_turn(clip: Path) -> None:
    """The local planner with the offline SmolLM2: a turn ends with a reply (a 135M model rarely calls a tool;
    any call it makes runs through the same tools)."""
    from motion_smd.assistant.planner import LocalPlanner
    from motion_smd.assistant.session import Session
    from motion_smd.errors import MotionSMDError
    from motion_smd.llm.models import ensure_default_model

    try:
        model = str(ensure_default_model())
    except MotionSMDError as exc:
        pytest.skip(f"the offline SmolLM2 model is not available: {exc}")
    session = Session()
    session.load(clip)
    planner = LocalPlanner(model, max_new_tokens=24)
    turn = planner.turn(session, "How many times does the knee bend?")
    assert turn.reply and session.messages[-1] == {"role": "assistant", "content": session.messages[-1]["content"]}
    assert all(c.tool in ("count", "events", "describe", "ask", "compare", "plot", "render", "load", "search",
                          "compose", "edit") for c in turn.calls)  # fmt: skip
