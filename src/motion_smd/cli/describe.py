"""`smd describe`, `smd demo` and `smd formats`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, cast

import typer

from motion_smd import cli
from motion_smd.cli.common import InputFormatOpt, fail, read_option_set, smd_option_set
from motion_smd.errors import ConfigError, MotionSMDError
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions, parse_variants
from motion_smd.windows import WindowOptions
from motion_smd.workers import Budget

OUTPUT_FORMATS = ("text", "json", "jsonl")
"""Output formats of the local engine; --engine ray writes jsonl or parquet (`ray_engine.RAY_FORMATS`)."""


def _describe_together(
    smd_opts: SMDOptions,
    read_opts: ReadOptions,
    paths: list[str],
    input_format: str | None,
    out: Path | None,
    places: list[str],
) -> None:
    """`smd describe A B … --together [--place X,Z,YAW …]` (`motion_smd.together`)."""
    from dataclasses import replace

    from motion_smd.files import atomic_write_text
    from motion_smd.io import load_motion
    from motion_smd.together import Placement, describe_together, place

    try:
        if places and len(places) != len(paths):
            raise ConfigError(f"--place was given {len(places)} times for {len(paths)} files; give it once per file.")
        if places:
            motions = [
                place(load_motion(p, input_format, read_opts), Placement.parse(q))
                for p, q in zip(paths, places, strict=True)
            ]
        else:  # recorded in one capture volume: keep their world frame
            raw = replace(read_opts, canonicalize=False)
            motions = [load_motion(p, input_format, raw) for p in paths]
        text = describe_together(motions, smd_opts)
        if out is not None:
            atomic_write_text(out, text + "\n")
            typer.echo(f"described {len(motions)} people together → {out}", err=True)
        else:
            typer.echo(text)
    except MotionSMDError as exc:
        raise fail(str(exc)) from None


def _check_output_format(value: str) -> None:
    """`--format` is the output format only; an input format name there gets pointed to `--input-format`."""
    from motion_smd.io import formats

    if value in OUTPUT_FORMATS:
        return
    if value in formats():
        raise ConfigError(
            f"--format {value!r} is an input format; use --input-format {value} (--format chooses the output: "
            f"{', '.join(OUTPUT_FORMATS)})."
        )
    raise ConfigError(f"--format {value!r}: choose one of {', '.join(OUTPUT_FORMATS)}.")


def _describe_files(
    smd_opts: SMDOptions,
    read_opts: ReadOptions,
    paths: list[str],
    output_format: str,
    input_format: str | None,
    out: Path | None,
    jobs: int,
    resume: bool,
    file_budget: Budget,
    windows: WindowOptions,
    variants: tuple[SMDOptions, ...] = (),
) -> None:
    """The body of `smd describe` (see its options); `file_budget` applies when there are several files (one
    file is described in this process, its kernels interpreted when it is short: `Job.interpret_short`).
    KeyboardInterrupt passes through to the command."""
    from motion_smd.batch import (
        Job,
        check_output_path,
        check_resume,
        expand_paths,
        json_entry,
        motion_ids,
        reopen_finished,
        run_jobs,
        run_settings,
        write_results,
    )

    try:
        _check_output_format(output_format)
        if variants and (output_format != "jsonl" or windows.active):
            raise ConfigError(
                "--variants writes one JSONL record per variant: use it with --format jsonl and without "
                "--window-s/--max-tokens."
            )
        settings = run_settings(smd_opts, read_opts, input_format, output_format, windows, variants)
        if out is not None:
            check_output_path(out)
            if resume:
                check_resume(out, settings)
        files = expand_paths(paths, on_unreadable=lambda message: typer.echo(f"warning: {message}", err=True))
    except MotionSMDError as exc:
        raise fail(str(exc)) from None
    if not files:
        raise fail("no motion files found in the given paths.")
    ids = motion_ids(files)
    budget = file_budget if len(files) > 1 else None  # several files: each in a supervised worker
    files_str = [str(p) for p in files]  # a str is a third of a Path's memory: the list lives for the run
    del files
    with_desc = output_format == "jsonl"
    one = budget is None and cli.standalone  # one file in a one-shot process: short ones run interpreted

    def make_jobs(skip: set[str]) -> Iterator[Job]:  # lazily: memory stays flat whatever the corpus size
        for p, i in zip(files_str, ids):
            if i not in skip:
                yield Job(p, i, input_format, read_opts, smd_opts, with_desc, out is None, windows, variants, one)

    failures = []
    if out is None:
        first = True
        if output_format == "json":  # one JSON object, written as it streams (like the -o file)
            typer.echo("{", nl=False)
        for res in run_jobs(make_jobs(set()), jobs, budget=budget):
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
        from rich.progress import Progress

        from motion_smd.batch import OutputFormat, done_ids

        out_format = cast(OutputFormat, output_format)
        if resume:
            try:  # a finished output takes new files: reopened as the partial file (settings checked above)
                reopen_finished(out, out_format)
            except MotionSMDError as exc:
                raise fail(str(exc)) from None
        skip = done_ids(out) if resume else set()
        n_todo = sum(1 for i in ids if i not in skip)
        with Progress(transient=True, disable=n_todo < 2) as progress:
            task = progress.add_task("describing", total=n_todo)
            failures = write_results(
                run_jobs(make_jobs(skip), jobs, budget=budget),
                out,
                out_format,
                resume=resume,
                on_result=lambda _r: progress.advance(task),
                settings=settings,
            )
        for res in failures:
            typer.echo(f"error: {res.error}", err=True)
        typer.echo(f"described {n_todo - len(failures)} of {n_todo} motions → {out}", err=True)
    if failures:
        typer.echo(f"{len(failures)} of {len(files_str)} files failed (listed above).", err=True)
        raise typer.Exit(1)


def _describe_on_ray(
    smd_opts: SMDOptions,
    read_opts: ReadOptions,
    paths: list[str],
    output_format: str,
    input_format: str | None,
    out: str | None,
    jobs: int,
    windows: WindowOptions,
    variants: tuple[SMDOptions, ...],
    engine: str,
    address: str | None,
) -> None:
    """`smd describe --engine ray`: the records written under the `-o` folder by `ray_engine.describe_on_ray`;
    failed files are error rows there and are listed on standard error (exit status 1 when any failed)."""
    from motion_smd.batch import Job
    from motion_smd.ray_engine import RAY_FORMATS, RayFormat, describe_on_ray

    if engine != "ray":
        raise fail(f"--address goes with --engine ray (got --engine {engine}).")
    if output_format not in RAY_FORMATS:
        raise fail(f"--engine ray writes --format {' or '.join(RAY_FORMATS)} (got {output_format!r}).")
    if out is None:
        raise fail("--engine ray writes to a folder: give -o DEST (a local folder or a URI such as s3://bucket/smd).")
    job = Job("", "", input_format, read_opts, smd_opts, True, False, windows, variants)  # records hold the description
    try:
        run = describe_on_ray(
            paths, out, job, cast(RayFormat, output_format), address=address, num_cpus=jobs if jobs > 1 else None
        )
    except MotionSMDError as exc:
        raise fail(str(exc)) from None
    for error in run.errors:
        typer.echo(f"error: {error}", err=True)
    typer.echo(
        f"described {run.files - run.failed} of {run.files} motions ({run.records} records) → {run.dest}", err=True
    )
    if run.failed:
        typer.echo(f"{run.failed} of {run.files} files failed (listed above; error rows in {run.dest}).", err=True)
        raise typer.Exit(1)


def _interrupted(out: Path | None) -> typer.Exit:
    """Ctrl-C: say what is kept and, with -o, the exact command that continues the run (issue #14)."""
    import shlex
    import sys

    if out is None:
        typer.echo("interrupted.", err=True)
        return typer.Exit(130)
    from motion_smd.batch import partial_path

    kept = partial_path(out)
    what = f"the motions finished so far are kept in {kept}" if kept.exists() else "no motion was finished yet"
    argv = [a for a in sys.argv[1:] if a != "--resume"]
    typer.echo(f"interrupted: {what}; continue with:\n  smd {shlex.join(argv)} --resume", err=True)
    return typer.Exit(130)


def register(app: typer.Typer) -> None:
    """Add describe, demo and formats to the `smd` app."""

    @app.command()
    @smd_option_set
    @read_option_set
    def describe(
        smd_opts: SMDOptions,
        read_opts: ReadOptions,
        paths: Annotated[list[str], typer.Argument(help="Motion files, directories or glob patterns.")],
        output_format: Annotated[
            str,
            typer.Option(
                "--format", help=f"Output format: {', '.join(OUTPUT_FORMATS)} (--engine ray: jsonl, parquet)."
            ),
        ] = "text",
        input_format: InputFormatOpt = None,
        out: Annotated[
            str | None,
            typer.Option("-o", "--out", help="Write to this file (atomic); --engine ray: a new folder or URI."),
        ] = None,
        jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
        resume: Annotated[
            bool,
            typer.Option(
                help="Skip ids already in OUT's .partial file, or in a finished OUT (JSONL or JSON: new files are "
                "added)."
            ),
        ] = False,
        file_timeout: Annotated[
            float,
            typer.Option(
                min=0.001,
                help="Seconds one file may take when several are described; a file still running then is "
                "stopped and listed as failed, and the batch goes on.",
            ),
        ] = 600.0,
        file_memory: Annotated[
            float,
            typer.Option(
                min=0.01,
                help="GiB of memory one file may use when several are described (above the worker's own); "
                "more fails that file only.",
            ),
        ] = 8.0,
        window_s: Annotated[
            float | None,
            typer.Option(
                min=0.1, help="Describe in windows of at most this many seconds, each headed by its time span."
            ),
        ] = None,
        max_tokens: Annotated[
            int | None,
            typer.Option(min=1, help="Describe in the fewest windows whose text has at most this many tokens."),
        ] = None,
        tokenizer: Annotated[
            str | None,
            typer.Option(help="Model whose tokenizer counts --max-tokens (name or path; default SmolLM2-135M)."),
        ] = None,
        variants: Annotated[
            str | None,
            typer.Option(
                help="Several SMD variants in one pass, one JSONL record each, e.g. "
                "all-26,top-3,top-5,no-trajectory,delta-10 (parts joined by '+'; other options from the flags)."
            ),
        ] = None,
        engine: Annotated[
            str,
            typer.Option(
                help="local: this machine (--jobs processes); ray: a Ray cluster (Ray Data; needs "
                "motion-smd[ray]), PATHS may then be s3://, gs://, hdfs:// URIs and -o a folder or URI."
            ),
        ] = "local",
        address: Annotated[
            str | None,
            typer.Option(help="--engine ray: the cluster's address (e.g. 127.0.0.1:6379); default: start one here."),
        ] = None,
        together: Annotated[
            bool,
            typer.Option(
                "--together",
                help="The files are people on one timeline: one SMD per person and an Interaction section "
                "(distance, facing, approach, contact range). They share their recorded world frame unless --place.",
            ),
        ] = False,
        place: Annotated[
            list[str] | None,
            typer.Option(
                help="With --together: put each file's clip (canonical: pelvis at the origin, facing +Z) at X,Z "
                "metres turned by YAW degrees (+ = toward +X), once per file in order, e.g. --place 0,0,0 "
                "--place 0,8,180 (two people walking toward each other)."
            ),
        ] = None,
    ) -> None:
        """Describe motion files as Structured Motion Description text."""
        out_path = Path(out) if out is not None else None
        if together or place:
            _describe_together(smd_opts, read_opts, paths, input_format, out_path, place or [])
            return
        try:
            budget = Budget(file_timeout, int(file_memory * 2**30))
            windows = WindowOptions(window_s, max_tokens, tokenizer)
            try:
                variant_opts = tuple(parse_variants(variants, smd_opts)) if variants is not None else ()
            except MotionSMDError as exc:
                raise fail(str(exc)) from None
            if engine == "ray" or address is not None:
                _describe_on_ray(
                    smd_opts, read_opts, paths, output_format, input_format, out, jobs, windows, variant_opts,
                    engine, address,
                )  # fmt: skip
                return
            if engine != "local":
                raise fail(f"--engine {engine!r}: choose local or ray.")
            _describe_files(
                smd_opts, read_opts, paths, output_format, input_format, out_path, jobs, resume, budget, windows,
                variant_opts,
            )  # fmt: skip
        except KeyboardInterrupt:
            raise _interrupted(out_path) from None

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
