"""`smd chat` (terminal) and `smd app` (web app) for the motion assistant (issue #18; docs/assistant.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from motion_smd.cli.common import fail
from motion_smd.errors import MotionSMDError

BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="OpenAI-compatible server with tool calls, e.g. http://127.0.0.1:8000/v1."),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(help="Model: the server's model name with --base-url, else a local transformers model (path/name)."),
]
KeyEnvOpt = Annotated[
    str, typer.Option("--api-key-env", help="Environment variable holding the server's API key (never printed).")
]
LibraryOpt = Annotated[Path | None, typer.Option("--library", help="Motion library folder for search and compose.")]
QaModelOpt = Annotated[
    str | None, typer.Option("--qa-model", help="Model of the 'ask' tool (default: the chat model or server).")
]


def _setup(
    files: list[Path], base_url: str | None, model: str | None, key_env: str, library: Path | None, qa_model: str | None
) -> tuple[object, object]:
    """The session (files loaded) and the planner for `smd chat` / `smd app`."""
    from motion_smd.assistant.planner import make_planner
    from motion_smd.assistant.session import Session

    session = Session(library=library)
    for f in files:
        session.load(f)
    api_key = os.environ.get(key_env) or None
    planner = make_planner(base_url, model, api_key)
    if base_url or qa_model or model:
        from motion_smd.llm.backends import make_backend

        session.qa_backend = make_backend(
            "openai" if base_url and not qa_model else "transformers", qa_model or model, None,
            None if qa_model else base_url, "cpu", 1,
        )  # fmt: skip
    return session, planner


def register(app: typer.Typer) -> None:
    """Add `chat` and `app` to the `smd` app."""

    @app.command()
    def chat(
        files: Annotated[list[Path] | None, typer.Argument(help="Motion files to load first.")] = None,
        base_url: BaseUrlOpt = None,
        model: ModelOpt = None,
        api_key_env: KeyEnvOpt = "OPENAI_API_KEY",
        library: LibraryOpt = None,
        qa_model: QaModelOpt = None,
    ) -> None:
        """Chat about motions in the terminal; every fact comes from a tool (describe, events, count, compare,
        ask, plot, render, search, compose, edit). Without --base-url or --model, a command grammar answers."""
        from rich.console import Console

        from motion_smd.assistant.session import Session

        console = Console()
        try:
            session, planner = _setup(files or [], base_url, model, api_key_env, library, qa_model)
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        assert isinstance(session, Session)
        who = getattr(planner, "name", "command grammar")
        console.print(
            f"[bold]smd chat[/bold] ({who}); motions: {', '.join(session.motions) or 'none'}. "
            "Empty line or Ctrl-D ends."
        )
        while True:
            try:
                text = console.input("[bold cyan]you>[/bold cyan] ").strip()
            except (EOFError, KeyboardInterrupt):
                break
            if not text or text.lower() in ("quit", "exit", "bye"):
                break
            turn = planner.turn(session, text)  # type: ignore[attr-defined]
            for call in turn.calls:
                console.print(f"[dim]tool {call.tool}({call.arguments})[/dim]")
            console.print(turn.reply, markup=False, highlight=False)
            for path in turn.artefacts:
                console.print(f"[green]artefact:[/green] {path}")
        console.print(f"artefacts in {session.workdir}")

    @app.command(name="app")
    def web_app(
        files: Annotated[list[Path] | None, typer.Argument(help="Motion files to load first.")] = None,
        host: Annotated[str, typer.Option(help="Address to serve on (default: this machine only).")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port (0 = a free one).")] = 7860,
        base_url: BaseUrlOpt = None,
        model: ModelOpt = None,
        api_key_env: KeyEnvOpt = "OPENAI_API_KEY",
        library: LibraryOpt = None,
        qa_model: QaModelOpt = None,
    ) -> None:
        """The web app (extra [app]): upload a motion, see the skeleton player, the angle plot and the SMD text,
        and chat about it."""
        try:
            from motion_smd.assistant.app import build_app

            session, planner = _setup(files or [], base_url, model, api_key_env, library, qa_model)
            ui = build_app(session, planner)  # type: ignore[arg-type]
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        ui.launch(server_name=host, server_port=port or None, show_api=False)

    del chat, web_app
