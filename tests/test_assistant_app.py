"""The web app (`smd app`, issue #18) driven in a real headless Chromium through Playwright: upload a real
Bandai-Namco clip, see the player, the plot and the SMD, send "how many times does the knee bend?", get the
count. Screenshots are saved in test-artifacts/ (or $SMD_TEST_ARTIFACTS). Skips with a reason only when
Gradio, Playwright or Chromium is missing."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

gr = pytest.importorskip("gradio", reason="the [app] extra (gradio) is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("SMD_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_app_upload_view_and_chat_in_chromium(smd_data_dir: Path, tmp_path: Path) -> None:
    from motion_smd.assistant.app import build_app
    from motion_smd.assistant.planner import GrammarPlanner
    from motion_smd.assistant.session import Session
    from motion_smd.counting import count_repetitions
    from motion_smd.describer import describe
    from motion_smd.io import load_motion

    clip = smd_data_dir / "bandai_namco/dataset-1/data/dataset-1_walk_normal_001.bvh"
    if not clip.is_file():
        pytest.skip(f"{clip} not found")
    expected = count_repetitions(describe(load_motion(clip)), "knee")[0].text()
    ui = build_app(Session(workdir=tmp_path / "work"), GrammarPlanner())
    port = _free_port()
    ui.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
            page.set_input_files("#upload input[type=file]", str(clip))
            page.wait_for_function(
                "() => { const t = document.querySelector('#smd textarea');"
                " return t && t.value.includes('Joint Angles'); }",
                timeout=120_000,
            )
            page.wait_for_selector("#player img", timeout=60_000)
            page.wait_for_selector("#plot img", timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "app_loaded.png"), full_page=True)
            page.fill("#message textarea", "how many times does the knee bend?")
            page.click("#send")
            page.wait_for_function(
                "(want) => document.querySelector('#chat') && document.querySelector('#chat').innerText.includes(want)",
                arg="6 strides",
                timeout=60_000,
            )
            chat = page.inner_text("#chat")
            page.screenshot(path=str(ARTIFACTS / "app_chat.png"), full_page=True)
            browser.close()
    finally:
        ui.close()
    assert expected.split(":")[0] in chat  # "6 strides [1.0s–6.4s], period 1.1s, travelling 6.8m"
    assert (ARTIFACTS / "app_chat.png").stat().st_size > 10_000
