"""The `smd` command (typer). Each sub-module registers its commands through `register(app)`.

Sub-modules: `describe` (describe, demo, formats), `data` (dataset commands), `llm` (train, eval, ask),
`viz` (plot, render, report), `video` (pose), `library` (library build|search, compose, edit), `assistant`
(chat, app). Heavy libraries are imported inside the commands, never at start-up.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import typer

COMMAND_MODULES = {
    "describe": "describe",
    "demo": "describe",
    "formats": "describe",
    "events": "timeline",
    "count": "timeline",
    "qa-options": "data",
    "records": "data",
    "bandai-qa": "data",
    "bandai-dense": "data",
    "metrics": "data",
    "train": "llm",
    "eval": "llm",
    "ask": "llm",
    "attention": "llm",
    "plot": "viz",
    "render": "viz",
    "report": "viz",
    "pose": "video",
    "library": "library",
    "compose": "library",
    "edit": "library",
    "chat": "assistant",
    "app": "assistant",
}
"""Each `smd` command → the sub-module that registers it (`tests/test_cli_lazy.py` checks this against the
registered commands). `main()` builds only the sub-module a command needs: typer inspects every registered
command's signature on each call (about 0.35 s for all of them), which a one-file `smd describe` should not
pay (issue #19)."""

_SUBMODULES = tuple(dict.fromkeys(COMMAND_MODULES.values()))

standalone = False
"""True in a process started as the `smd` command (`main`): a command that describes one short file may then
run the kernels in the interpreter for the rest of the process (`compiled.interpret_kernels`), which a
longer-lived caller (tests invoking `app`, a notebook) must not have imposed on it."""


def build_app(submodules: tuple[str, ...] = _SUBMODULES) -> typer.Typer:
    """The `smd` application with the commands of `submodules` (default: all)."""
    import typer

    def _version(value: bool) -> None:
        if value:
            from motion_smd import __version__
            from motion_smd.options import SMDOptions

            typer.echo(f"smd (motion-smd) {__version__}, SMD format version {SMDOptions().format_version}")
            raise typer.Exit()

    def _root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
    ) -> None:
        """Structured Motion Description: turn motion into text any LLM can read."""

    application = typer.Typer(
        name="smd",
        help="Structured Motion Description: turn motion into text any LLM can read.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    application.callback()(_root)
    for name in submodules:
        importlib.import_module(f"motion_smd.cli.{name}").register(application)
    return application


def __getattr__(name: str) -> typer.Typer:
    """`motion_smd.cli.app`: the application with every command, built on first access (PEP 562)."""
    if name == "app":
        application = build_app()
        globals()["app"] = application
        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _app_for(argv: list[str]) -> typer.Typer:
    """The application for a command line: only the sub-module of its command when the first word names one
    (`COMMAND_MODULES`), else every command (`smd --help`, a typo: typer lists or suggests them all)."""
    first = next((a for a in argv if not a.startswith("-")), None)
    module = COMMAND_MODULES.get(first or "")
    return build_app((module,)) if module else build_app()


def _describe_one_file(argv: list[str]) -> bool:
    """`smd describe FILE`, no option: print FILE's SMD with the default options, without building the typer
    application (typer and its argument adapters cost about 0.35 s of a 0.6 s run; issue #19). The text is
    the one the full command prints (`tests/test_cli_lazy.py`). Returns False, having printed nothing, for any
    other command line and when the file cannot be described: the full command then runs and reports."""
    if len(argv) != 2 or argv[0] != "describe" or argv[1].startswith("-") or not os.path.isfile(argv[1]):
        return False
    from pathlib import Path

    from motion_smd.batch import Job, run_job
    from motion_smd.io import ReadOptions
    from motion_smd.options import SMDOptions

    path = argv[1]
    res = run_job(Job(path, Path(path).stem, None, ReadOptions(), SMDOptions(), False, interpret_short=True))
    if not res.ok or res.text is None:
        return False
    text = res.text + "\n"
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):  # e.g. an ASCII stdout: the full command writes it as click does
        return False
    sys.stdout.write(text)
    return True


def main() -> None:
    """Entry point of the `smd` console script. The package's INFO messages (e.g. that the kernels are being
    compiled on a first run) go to standard error as "smd: …"."""
    import logging

    global standalone
    standalone = True
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("smd: %(message)s"))
    log = logging.getLogger("motion_smd")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        if not _describe_one_file(sys.argv[1:]):
            _app_for(sys.argv[1:])()
    except KeyboardInterrupt:  # before a command started (its own handler says what was kept)
        print("smd: interrupted while starting; nothing was done.", file=sys.stderr)
        raise SystemExit(130) from None
