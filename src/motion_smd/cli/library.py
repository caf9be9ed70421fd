"""`smd library build|search`, `smd compose` and `smd edit` (issue #17; docs/compose.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from motion_smd.cli.common import fail
from motion_smd.errors import MotionSMDError

LibArg = Annotated[Path, typer.Argument(help="Library folder (written by smd library build).")]
EMBED_HELP = "Sentence-transformers model name or path (default: all-MiniLM-L6-v2, offline from its wheel)."


def _gif(motion_path: Path, gif: Path) -> None:
    from motion_smd.io import load_motion
    from motion_smd.viz.animation import render_animation

    res = render_animation(load_motion(motion_path), gif, 15.0, (480, 360))
    typer.echo(f"wrote {res.path}: {res.n_frames} frames", err=True)


def register(app: typer.Typer) -> None:
    """Add the `library` group, `compose` and `edit` to the `smd` app."""
    library = typer.Typer(help="Build and search a motion library (Parquet index + motions).", no_args_is_help=True)
    app.add_typer(library, name="library")

    @library.command()
    def build(
        inputs: Annotated[list[Path], typer.Argument(help="Folders (searched recursively) or motion files.")],
        out: Annotated[Path, typer.Option("-o", "--out", help="Library folder (created; rebuilt incrementally).")],
        embed_model: Annotated[str, typer.Option("--embed-model", help=EMBED_HELP)] = "all-MiniLM-L6-v2",
    ) -> None:
        """Index motions: per clip its SMD, events, labels, SMD features and text embeddings."""
        from rich.progress import Progress

        from motion_smd.library.index import build_library

        try:
            with Progress(transient=True) as bar:
                task = bar.add_task("indexing", total=None)
                report = build_library(
                    inputs,
                    out,
                    embed_model=embed_model,
                    progress=lambda d, t, _: bar.update(task, completed=d, total=t),
                )
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        typer.echo(f"{out}: {report.line()}")
        for item in report.failed:
            typer.echo(f"failed: {item['path']}: {item['error']}", err=True)

    @library.command()
    def search(
        lib: LibArg,
        query: Annotated[str | None, typer.Argument(help="What the motion shows, in words.")] = None,
        k: Annotated[int, typer.Option("-k", min=1, help="How many clips.")] = 5,
        like: Annotated[Path | None, typer.Option("--like", help="Find motions similar to this file instead.")] = None,
        mode: Annotated[str, typer.Option(help="combined, labels (labels only) or smd (the SMD only).")] = "combined",
        lines: Annotated[int, typer.Option(help="SMD lines shown per text hit (0 = none).")] = 3,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Ranked clips for a text query (with the SMD lines that match) or for an example motion (--like)."""
        from motion_smd.library.search import Library, matching_lines, search_like, search_text

        if (query is None) == (like is None):
            raise fail("give a QUERY in words or --like FILE (one of them).")
        try:
            lib_ = Library(lib)
            if like is not None:
                from motion_smd import describe
                from motion_smd.io import load_motion
                from motion_smd.library.features import feature_vector

                hits = search_like(lib_, feature_vector(describe(load_motion(like))), k)
            else:
                hits = search_text(lib_, str(query), k, mode)  # type: ignore[arg-type]
            shown = [[] if like is not None or not lines else matching_lines(lib_, h, str(query), lines) for h in hits]
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        if as_json:
            rows = [
                {"rank": h.rank, "score": round(h.score, 4), "clip": h.row["clip_id"], "path": h.row["path"],
                 "content": h.row["content"], "caption": h.row["caption"], "lines": [t for _, t in s]}
                for h, s in zip(hits, shown)
            ]  # fmt: skip
            typer.echo(json.dumps(rows, indent=1, ensure_ascii=False))
            return
        what = "distance" if like is not None else "score"
        for h, s in zip(hits, shown):
            label = h.row["content"] or h.row["caption"] or "-"
            typer.echo(f"{h.rank}. {h.row['clip_id']}  [{label}]  {what} {h.score:.3f}  ({h.row['path']})")
            for sim, text in s:
                typer.echo(f"     {sim:.2f}  {text}")

    @app.command()
    def compose(
        lib: LibArg,
        request: Annotated[
            str, typer.Argument(help="E.g. 'walk forward 3 m, turn left, then wave with the right hand'.")
        ],
        out: Annotated[Path, typer.Option("-o", "--out", help="Output .bvh (rotations) or .npy (canonical joints).")],
        gif: Annotated[Path | None, typer.Option("--gif", help="Also render the result as a GIF.")] = None,
        report: Annotated[
            Path | None, typer.Option("--report", help="Write the plan, seams and check as JSON.")
        ] = None,
    ) -> None:
        """Compose a motion from library clips for a request, then describe it again and check it (exit 1 when
        the check fails)."""
        from motion_smd.files import atomic_write_text
        from motion_smd.library.check import check_actions
        from motion_smd.library.compose import compose as run_compose
        from motion_smd.library.search import Library

        try:
            lib_ = Library(lib)
            result = run_compose(lib_, request)
            path = result.write(out)
            parts = list(result.parts)
            checks = check_actions(
                result.motion, [p.action for p in parts], [(p.out_start, p.out_stop) for p in parts],
                [p.row for p in parts], lib_,
            )  # fmt: skip
            if gif is not None:
                _gif(path, gif)
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        fps = result.motion.fps
        typer.echo(f"wrote {path}: {result.motion.n_frames} frames at {fps:g} fps ({result.motion.duration_s:.1f} s)")
        for p in parts:
            d = p.to_dict(fps)
            typer.echo(
                f"  {d['output_s'][0]:.1f}–{d['output_s'][1]:.1f}s  {p.action.text}  ← {d['clip']} {d['clip_s']}"
            )
        for s in result.seams:
            typer.echo(
                f"  seam {s.time_s:.2f}s: root jump {s.root_jump_cm:.2f} cm, peak acceleration "
                f"×{s.acceleration_ratio:.2f} of the sources', foot slide {s.foot_slide_m_s:.2f} m/s "
                f"(sources {s.reference_foot_slide_m_s:.2f})"
            )
        typer.echo("check (the result described again):")
        for c in checks:
            typer.echo(f"  {c.line()}")
        if report is not None:
            payload = {
                "request": request,
                "parts": [p.to_dict(fps) for p in parts],
                "seams": [s.to_dict() for s in result.seams],
                "check": [
                    {"action": c.action, "passed": c.passed, "measured": c.measured, "reasons": list(c.reasons)}
                    for c in checks
                ],
            }
            atomic_write_text(report, json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        if not all(c.passed for c in checks):
            raise typer.Exit(1)

    @app.command()
    def edit(
        motion: Annotated[Path, typer.Argument(help="Motion file (.bvh keeps its rotations; .npy joints).")],
        out: Annotated[Path, typer.Option("-o", "--out", help="Output .bvh (BVH input) or .npy.")],
        speed: Annotated[float | None, typer.Option(help="Playback speed factor (0.5 = half speed).")] = None,
        mirror: Annotated[
            bool, typer.Option("--mirror", help="Swap left and right (rotations and positions).")
        ] = False,
        repeat: Annotated[int | None, typer.Option(help="Play N times, stitched at the seams.")] = None,
        trim: Annotated[str | None, typer.Option(help="Keep START:END seconds, e.g. 1.0:4.0.")] = None,
        reverse: Annotated[bool, typer.Option("--reverse", help="Play backwards.")] = False,
        scale_joint: Annotated[
            list[str] | None,
            typer.Option(
                "--scale-joint",
                help="ANGLE=FACTOR: scale the rotation driving it (BVH only), e.g. right_knee_flexion=1.3.",
            ),
        ] = None,
    ) -> None:
        """Edit a motion (trim → reverse → mirror → scale-joint → speed → repeat); each step is checked by
        describing its input and output (exit 1 when a check fails)."""
        from motion_smd.library.compose import write_motion
        from motion_smd.library.edit import edit as run_edit
        from motion_smd.library.edit import edited_bvh, parse_steps
        from motion_smd.library.source import open_clip

        try:
            steps = parse_steps(
                trim=trim, reverse=reverse, mirror=mirror, scale_joint=scale_joint or [], speed=speed, repeat=repeat
            )
            clip = open_clip(motion)
            result, checks = run_edit(clip, steps)
            canonical = result.motion()
            path = write_motion(out, canonical, edited_bvh(result), result.hierarchy)
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        typer.echo(f"wrote {path}: {canonical.n_frames} frames at {canonical.fps:g} fps ({canonical.duration_s:.1f} s)")
        for c in checks:
            typer.echo(f"  {c.line()}")
        if not all(c.passed for c in checks):
            raise typer.Exit(1)

    del build, search, compose, edit
