"""`smd app`: the motion assistant as a local web app (Gradio; extra `[app]`).

Gradio is what motion-understanding researchers already run for demos (Hugging Face Spaces, MotionLLM's and
MotionGPT's demos); it serves a chat, file upload and images with no front-end code, on 127.0.0.1 by default.

Layout: an upload box (any motion file `smd formats` lists), the skeleton player (an animated GIF, which every
browser plays without scripts), the angle plot of the busiest angles, the SMD text, and the chat, whose replies
come from the planner's tools (artefacts such as plots and animations are shown in the chat). One session per
app: the app is a single-user local tool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from motion_smd.assistant.planner import Planner
from motion_smd.assistant.session import Session
from motion_smd.errors import ConfigError, MotionSMDError

IMAGE_SUFFIXES = (".png", ".gif", ".jpg", ".jpeg")


def _views(session: Session, name: str) -> tuple[str | None, str | None, str]:
    """(player GIF, angle plot PNG, SMD text) of a loaded motion."""
    from motion_smd import smd_text
    from motion_smd.describer import describe
    from motion_smd.options import SMDOptions
    from motion_smd.viz.animation import render_animation
    from motion_smd.viz.plots import plot_description

    motion = session.motion(name)
    gif = session.artefact(f"{name}_player.gif")
    render_animation(motion, gif, 12.0, (420, 320))
    png = session.artefact(f"{name}_angles.png")
    plot_description(describe(motion, SMDOptions(top_k=6)), png)
    return str(gif), str(png), smd_text(motion)


def build_app(session: Session, planner: Planner) -> Any:
    """The Gradio Blocks app for a session and a planner (not launched).

    Raises:
        ConfigError: Gradio is not installed (the message names the extra).
    """
    try:
        import gradio as gr
    except ImportError:
        raise ConfigError("the web app needs Gradio: pip install 'motion-smd[app]'.") from None

    def upload(file: Any) -> tuple[Any, Any, str, str]:
        if file is None:
            return None, None, "", "no file"
        path = Path(file if isinstance(file, str) else file.name)
        try:
            name = session.load(path)
            gif, png, text = _views(session, name)
        except MotionSMDError as exc:
            return None, None, "", f"error: {exc}"
        m = session.motion(name)
        return gif, png, text, f"loaded {name}: {m.n_frames} frames at {m.fps:g} fps ({m.duration_s:.1f} s)"

    def send(text: str, history: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
        if not text.strip():
            return "", history
        turn = planner.turn(session, text)
        history = [*history, {"role": "user", "content": text}]
        calls = "".join(f"\n\n`tool {c.tool}({c.arguments})`" for c in turn.calls)
        history.append({"role": "assistant", "content": turn.reply + calls})
        for path in turn.artefacts:
            if path.lower().endswith(IMAGE_SUFFIXES):
                history.append({"role": "assistant", "content": gr.Image(path)})
            else:
                history.append({"role": "assistant", "content": f"artefact: {path}"})
        return "", history

    with gr.Blocks(title="motion-smd assistant") as ui:
        gr.Markdown("## motion-smd assistant — every answer comes from a deterministic tool reading the SMD")
        with gr.Row():
            with gr.Column(scale=1):
                upload_box = gr.File(label="motion file (.bvh, .npy, video …)", elem_id="upload")
                status = gr.Textbox(label="status", interactive=False, elem_id="status")
                player = gr.Image(label="skeleton player", elem_id="player", interactive=False)
                plot = gr.Image(label="angles", elem_id="plot", interactive=False)
            with gr.Column(scale=1):
                smd = gr.Textbox(label="SMD text", lines=18, max_lines=18, elem_id="smd", interactive=False)
                chatbot = gr.Chatbot(label="chat", elem_id="chat", height=420)
                message = gr.Textbox(
                    label="message", placeholder="how many times does the knee bend?", elem_id="message"
                )
                send_button = gr.Button("send", elem_id="send")
        upload_box.upload(upload, upload_box, [player, plot, smd, status])
        message.submit(send, [message, chatbot], [message, chatbot])
        send_button.click(send, [message, chatbot], [message, chatbot])
    return ui
