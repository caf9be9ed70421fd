"""`smd describe`, `smd demo` and `smd formats`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal, cast

import typer

from motion_smd.cli.common import fail, read_option_set, smd_option_set
from motion_smd.errors import ConfigError, MotionSMDError
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions

OUTPUT_FORMATS = ("text", "json", "jsonl")


def _split_formats(values: list[str]) -> tuple[str, str | None]:
    """`--format` takes output formats (text|json|jsonl) and input formats (npy|bvh|…) alike."""
    from motion_smd.io import formats

    readers = formats()
    output, input_format = "text", None
    for v in values:
        if v in OUTPUT_FORMATS:
            output = v
        elif v in readers:
            input_format = v
        else:
            raise ConfigError(
                f"--format {v!r} is neither an output format ({', '.join(OUTPUT_FORMATS)}) nor an input "
                f"format ({', '.join(readers)})."
            )
    return output, input_format


def register(app: typer.Typer) -> None:
    """Add describe, demo and formats to the `smd` app."""

    @app.command()
    @smd_option_set
    @read_option_set
    def describe(
        smd_opts: SMDOptions,
        read_opts: ReadOptions,
        paths: Annotated[list[str], typer.Argument(help="Motion files, directories or glob patterns.")],
        fmt: Annotated[
            list[str],
            typer.Option(
                "--format",
                help="Output format text|json|jsonl, and/or an input format to override suffix detection "
                "(see `smd formats`). May be given twice.",
            ),
        ] = [],  # noqa: B006 (typer needs a literal default)
        out: Annotated[Path | None, typer.Option("-o", "--out", help="Write to this file (atomic).")] = None,
        jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
        resume: Annotated[bool, typer.Option(help="Skip ids already in OUT's .partial file.")] = False,
    ) -> None:
        """Describe motion files as Structured Motion Description text."""
        from rich.progress import Progress

        from motion_smd.batch import (
            Job,
            check_output_path,
            check_resume,
            expand_paths,
            json_entry,
            motion_ids,
            partial_path,
            run_jobs,
            run_settings,
            write_results,
        )

        try:
            output_format, input_format = _split_formats(fmt)
            settings = run_settings(smd_opts, read_opts, input_format, output_format)
            if out is not None:
                check_output_path(out)
                if resume:
                    check_resume(out, settings)
            files = expand_paths(paths)
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        if not files:
            raise fail("no motion files found in the given paths.")
        ids = motion_ids(files)
        files_str = [str(p) for p in files]  # a str is a third of a Path's memory: the list lives for the run
        del files
        with_desc = output_format == "jsonl"

        def make_jobs(skip: set[str]) -> Iterator[Job]:  # lazily: memory stays flat whatever the corpus size
            for p, i in zip(files_str, ids):
                if i not in skip:
                    yield Job(p, i, input_format, read_opts, smd_opts, with_desc, keep_text=out is None)

        failures = []
        if out is None:
            first = True
            if output_format == "json":  # one JSON object, written as it streams (like the -o file)
                typer.echo("{", nl=False)
            for res in run_jobs(make_jobs(set()), jobs):
                if not res.ok:
                    failures.append(res)
                    typer.echo(f"error: {res.error}", err=True)
                    continue
                if output_format == "text":
                    typer.echo(res.text if len(files_str) == 1 else f"# {res.motion_id}\n{res.text}\n")
                elif output_format == "jsonl":
                    typer.echo(res.line)
                else:
                    typer.echo(json_entry(res.motion_id, res.text or "", first), nl=False)
                    first = False
            if output_format == "json":
                typer.echo("\n}")
        else:
            from motion_smd.batch import done_ids

            skip = done_ids(out) if resume else set()
            n_todo = sum(1 for i in ids if i not in skip)
            try:
                with Progress(transient=True, disable=n_todo < 2) as progress:
                    task = progress.add_task("describing", total=n_todo)
                    failures = write_results(
                        run_jobs(make_jobs(skip), jobs),
                        out,
                        cast(Literal["text", "json", "jsonl"], output_format),
                        resume=resume,
                        on_result=lambda _r: progress.advance(task),
                        settings=settings,
                    )
            except KeyboardInterrupt:
                import shlex
                import sys

                argv = [a for a in sys.argv[1:] if a != "--resume"]
                typer.echo(
                    f"interrupted: the motions finished so far are kept in {partial_path(out)}; continue with:\n"
                    f"  smd {shlex.join(argv)} --resume",
                    err=True,
                )
                raise typer.Exit(130) from None
            for res in failures:
                typer.echo(f"error: {res.error}", err=True)
            typer.echo(f"described {n_todo - len(failures)} of {n_todo} motions → {out}", err=True)
        if failures:
            typer.echo(f"{len(failures)} of {len(files_str)} files failed (listed above).", err=True)
            raise typer.Exit(1)

    @app.command()
    @smd_option_set
    def demo(
        smd_opts: SMDOptions,
        name: Annotated[str, typer.Argument(help="Bundled synthetic motion.")] = "squat",
        save: Annotated[Path | None, typer.Option(help="Also save the joints as a HumanML3D .npy file.")] = None,
    ) -> None:
        """Print the SMD of a bundled synthetic motion (squat, walk, turn-left, right-arm-raise, …)."""
        import numpy as np

        from motion_smd import smd_text
        from motion_smd.synthetic import DEMOS

        if name not in DEMOS:
            raise fail(f"unknown demo {name!r}; choose one of: {', '.join(DEMOS)}.")
        motion = DEMOS[name]()
        if save is not None:
            np.save(save, motion.joints.astype(np.float32))
        typer.echo(smd_text(motion, smd_opts))

    @app.command("formats")
    def list_formats() -> None:
        """List the supported input formats."""
        from motion_smd.io import formats

        for spec in formats().values():
            typer.echo(f"{spec.name:16} {', '.join(spec.suffixes):12} {spec.description}")

    del describe, demo, list_formats
