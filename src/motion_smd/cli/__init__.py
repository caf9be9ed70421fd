"""The `smd` command (typer). Each sub-module registers its commands through `register(app)`.

Sub-modules: `describe` (describe, demo, formats), `data` (dataset commands), `llm` (train, eval, ask),
`viz` (plot, render, report). Heavy libraries are imported inside the commands, never at start-up.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="smd",
    help="Structured Motion Description: turn motion into text any LLM can read.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from motion_smd import __version__
        from motion_smd.options import SMDOptions

        typer.echo(f"smd (motion-smd) {__version__}, SMD format version {SMDOptions().format_version}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Structured Motion Description: turn motion into text any LLM can read."""


_SUBMODULES = ("describe", "timeline", "data", "llm", "viz")

for _name in _SUBMODULES:
    try:
        _mod = importlib.import_module(f"motion_smd.cli.{_name}")
    except ModuleNotFoundError as _exc:  # a sub-module not written yet
        if _exc.name != f"motion_smd.cli.{_name}":
            raise
        continue
    _mod.register(app)


def main() -> None:
    """Entry point of the `smd` console script. The package's INFO messages (e.g. that the kernels are being
    compiled on a first run) go to standard error as "smd: …"."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("smd: %(message)s"))
    log = logging.getLogger("motion_smd")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        app()
    except KeyboardInterrupt:  # before a command started (its own handler says what was kept)
        import sys

        print("smd: interrupted while starting; nothing was done.", file=sys.stderr)
        raise SystemExit(130) from None
