"""Batch description of many motion files: path expansion, parallel workers, streaming, atomic, resumable.

I/O lives here (and in cli.py), not in the describer. Output records are written one per line to
`<out>.partial` as they finish, so an interrupted run loses nothing and `resume=True` skips the ids
already there; the final file replaces the partial one atomically (`os.replace`).
"""

from __future__ import annotations

import gc
import glob as globmod
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath
from typing import Any, Literal

import orjson

from motion_smd.compiled import INTERPRET_MAX_FRAMES, interpret_kernels
from motion_smd.describer import describe, describe_variants
from motion_smd.errors import ConfigError, MotionFormatError, MotionSMDError
from motion_smd.files import atomic_open, atomic_write_text
from motion_smd.io import ReadOptions, formats, read_parts, reader_spec
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions
from motion_smd.render import render_smd
from motion_smd.windows import WHOLE, WindowOptions, windows_text
from motion_smd.workers import Budget, Failure, supervised_map

OutputFormat = Literal["text", "json", "jsonl"]


@dataclass(frozen=True)
class Job:
    """One file to describe and the options to use.

    Attributes:
        with_description: put the structured description in the JSONL record.
        keep_text: also return the SMD text apart from the record (not needed when only records are
            written: it would double what the worker sends back).
        windows: describe a long motion in windows (`motion_smd.windows`); the record then holds their text
            and no structured description.
        variants: describe under each of these option sets in one pass (`describe_variants`): the result is
            one JSONL record per variant, in order (`smd_options` is then only the base of their names).
        interpret_short: run the kernels in the interpreter when the motion has at most
            `compiled.INTERPRET_MAX_FRAMES` frames and no kernel was loaded yet in this process (a one-file
            command: start-up then costs more than the interpreter; same text).
    """

    path: str
    motion_id: str
    input_format: str | None
    read_options: ReadOptions
    smd_options: SMDOptions
    with_description: bool
    keep_text: bool = True
    windows: WindowOptions = WHOLE
    variants: tuple[SMDOptions, ...] = ()
    interpret_short: bool = False


@dataclass(frozen=True)
class Result:
    """Outcome of one job: on success `line`, the JSONL record already serialised in the worker (so the
    collecting process only writes), and the SMD `text` when the job kept it; on failure `error`."""

    motion_id: str
    path: str
    text: str | None = None
    line: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the file was described."""
        return self.error is None


def record_line(motion_id: str, path: str, variant: str, text: str, description: dict[str, Any] | None) -> str:
    """The JSONL record of one motion: id, source path, SMD variant, SMD text and the structured description
    (or null), as compact JSON with sorted keys and UTF-8 characters unescaped, written by orjson (about 5×
    faster than the standard library's `json` on SMD records; floats in their shortest round-trip form)."""
    rec = {"id": motion_id, "source": path, "variant": variant, "smd": text, "description": description}
    return str(orjson.dumps(rec, option=orjson.OPT_SORT_KEYS), "utf-8")


def expand_paths(inputs: Iterable[str], on_unreadable: Callable[[str], None] | None = None) -> list[Path]:
    """Files named by `inputs`: files as given, directories searched recursively for supported suffixes
    (`os.walk`, symbolic links to folders not followed), glob patterns expanded. Sorted within each input for a
    stable order; duplicates removed.

    Args:
        inputs: file paths, folders or glob patterns.
        on_unreadable: called with a message (folder, reason, consequence) for each folder under an input that
            cannot be listed (permissions); None = raise instead.

    Raises:
        MotionFormatError: an input that matches nothing (the message names it).
        ConfigError: a folder that cannot be listed, when `on_unreadable` is None.
    """
    suffixes = motion_suffixes()

    def unreadable(exc: OSError) -> None:
        message = f"{exc.filename}: folder cannot be read ({exc.strerror}); the motion files in it are skipped."
        if on_unreadable is None:
            raise ConfigError(message)
        on_unreadable(message)

    out: list[Path] = []
    seen: set[Path] = set()
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(
                Path(root) / name
                for root, _dirs, names in os.walk(p, onerror=unreadable)
                for name in names
                if name.lower().endswith(suffixes) and not _cached_pose_of_listed_video(name, names)
            )
        elif p.exists():
            found = [p]
        else:
            found = sorted(Path(g) for g in globmod.glob(item, recursive=True) if Path(g).is_file())
            if not found:
                raise MotionFormatError(f"{item}: no such file, directory or matching glob.")
        for q in found:
            if q not in seen:
                seen.add(q)
                out.append(q)
    return out


def _cached_pose_of_listed_video(name: str, names: list[str]) -> bool:
    """Whether `name` is the pose cache (`<video>.pose.npz`, `motion_smd.io.video`) of a video in the same
    folder listing: the video is described, its cache is not described again."""
    return name.endswith(".pose.npz") and name[: -len(".pose.npz")] in names


def motion_suffixes() -> tuple[str, ...]:
    """File name endings of every registered reader (e.g. ".npy", ".bvh"): what a folder listing keeps."""
    return tuple(s for spec in formats().values() for s in spec.suffixes)


def motion_ids(paths: Sequence[PurePath], locate: Callable[[PurePath], PurePath] | None = None) -> list[str]:
    """Ids for the paths, unique per input file: the file stem (HumanML3D `new_joints/000021.npy` →
    "000021"); when stems collide, the path without suffix relative to the common parent ("a/walk",
    "b/walk"); when files still collide (`walk.npy` and `walk.bvh` in one folder), those keep their suffix
    ("walk.npy", "walk.bvh"). Deterministic: the same paths give the same ids.

    Args:
        paths: the files.
        locate: each path's absolute location, for the relative ids (default: `Path.resolve`, for local files;
            the Ray engine passes the identity for paths on a remote filesystem, which are absolute already).
    """
    stems = [p.stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    located = [locate(p) if locate is not None else Path(p).resolve() for p in paths]
    common = os.path.commonpath([str(q.parent) for q in located]) if located else ""
    relative = [str(q.relative_to(common)) for q in located]
    ids = [str(PurePath(r).with_suffix("")) for r in relative]
    counts = Counter(ids)
    return [r if counts[i] > 1 else i for i, r in zip(ids, relative)]


def check_output_path(out: Path) -> None:
    """Fail before any work when `out` cannot be written: it names a folder, or its folder cannot be
    created or written.

    Raises:
        ConfigError: naming the path, the problem and the fix.
    """
    if out.is_dir():
        raise ConfigError(f"-o {out}: is a folder; give a file path, e.g. {out / 'smd.jsonl'}.")
    parent = out.parent if str(out.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"-o {out}: its folder cannot be created ({exc.strerror}); choose another path.") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"-o {out}: the folder {parent} is not writable; choose another path.")


def json_entry(motion_id: str, text: str, first: bool) -> str:
    """One `"id": "smd"` member of the single JSON object that `--format json` writes (file or standard
    output), with the separator before it."""
    return ("\n" if first else ",\n") + json.dumps(motion_id) + ": " + json.dumps(text)


def _text_result(job: Job, text: str, structured: dict[str, Any] | None = None) -> Result:
    """The Result of one file described as one text (its record, and the text when the job keeps it)."""
    line = record_line(job.motion_id, job.path, job.smd_options.variant, text, structured)
    return Result(job.motion_id, job.path, text if job.keep_text else None, line)


def _motion_text(job: Job, motion: Motion) -> tuple[str, dict[str, Any] | None]:
    """One motion's text under the job's options (in windows when asked: then no structured description), and
    its structured description when the job records one."""
    if job.windows.active:  # a long motion in windows: the record holds their text, no structured description
        return windows_text(motion, job.smd_options, job.windows), None
    desc = describe(motion, job.smd_options)
    return render_smd(desc), desc.to_dict() if job.with_description else None


def run_job(job: Job) -> Result:
    """Describe one file; any failure of this file, whatever its type, becomes a failed Result (a batch never
    stops for one file: issue #14). Only KeyboardInterrupt and SystemExit (not `Exception`s) pass through.

    A file holding several motions (a video split at long gaps without a pose, `io.read_parts`) gets their
    texts one after the other, each with its own header (its "Input:" line says which part it is), blank-line
    separated, and no structured description; 2-D keypoints are described by their own describer
    (`ReaderSpec.describe_text`)."""
    try:
        spec = reader_spec(job.path, job.input_format)
        if spec.describe_text is not None:
            if job.variants or job.windows.active:
                raise ConfigError(
                    f"{job.path}: --variants and --window-s/--max-tokens are for 3-D motion, not 2-D keypoints."
                )
            return _text_result(job, spec.describe_text(Path(job.path), job.read_options, job.smd_options))
        parts = read_parts(spec, job.path, job.read_options)
        if len(parts) > 1:  # a video split at long gaps without a pose: each part described in turn
            if job.variants:
                raise ConfigError(
                    f"{job.path}: holds {len(parts)} motions (a video split at gaps without a pose); --variants "
                    "needs one motion per file: describe each variant in its own run."
                )
            return _text_result(job, "\n\n".join(_motion_text(job, m)[0] for m in parts))
        motion = parts[0]
        if job.interpret_short and motion.n_frames <= INTERPRET_MAX_FRAMES:
            interpret_kernels()
        if job.variants:  # one pass, one record per variant (JSONL only)
            lines = [
                record_line(
                    job.motion_id,
                    job.path,
                    opts.variant,
                    render_smd(desc),
                    desc.to_dict() if job.with_description else None,
                )
                for opts, desc in zip(job.variants, describe_variants(motion, job.variants), strict=True)
            ]
            return Result(job.motion_id, job.path, None, "\n".join(lines))
        return _text_result(job, *_motion_text(job, motion))
    except MotionSMDError as exc:
        return Result(job.motion_id, job.path, error=str(exc))
    except (OSError, ValueError) as exc:  # e.g. a permission error or a corrupt file a library rejected
        return Result(job.motion_id, job.path, error=f"{job.path}: cannot be read ({type(exc).__name__}: {exc}).")
    except MemoryError as exc:  # in a supervised worker: more than the per-file memory budget
        return Result(
            job.motion_id,
            job.path,
            error=f"{job.path}: ran out of memory ({str(exc)[:200] or 'MemoryError'}); raise --file-memory, or keep "
            "fewer frames with --resample-fps. The other files are not affected.",
        )
    except Exception as exc:  # a library's own error, RecursionError, …: this file's failure only
        return Result(
            job.motion_id,
            job.path,
            error=f"{job.path}: failed unexpectedly ({type(exc).__name__}: {str(exc)[:300]}); the other files are "
            "not affected; please report this file.",
        )


def job_failed(job: Job, failure: Failure) -> Result:
    """The error record of a job whose worker was stopped: it ran past the per-file time budget, its worker
    process died, or the job raised outside `run_job`'s own handling."""
    if failure.kind == "timeout":
        problem = (
            f"still running after {failure.detail} (the per-file time budget), so it was stopped; raise "
            "--file-timeout if the file is only long"
        )
    elif failure.kind == "died":
        problem = f"the worker process describing it was {failure.detail}; raise --file-memory if the file is large"
    else:
        problem = f"failed unexpectedly ({failure.detail}); please report this file"
    return Result(job.motion_id, job.path, error=f"{job.path}: {problem}. The other files are not affected.")


def run_jobs(
    jobs: Iterable[Job], n_jobs: int = 1, chunksize: int = 32, budget: Budget | None = None
) -> Iterator[Result]:
    """Run jobs in input order, yielding each result as soon as it and all before it are done, so callers can
    stream them to disk.

    With `budget` (or n_jobs > 1), jobs run in `n_jobs` supervised worker processes (`workers.supervised_map`):
    a file that runs past `budget.time_s` or whose worker dies gets an error record (`job_failed`) and costs
    only itself; a file that needs more than `budget.memory_bytes` fails with MemoryError inside its worker.
    Without a budget and with n_jobs = 1, jobs run in this process. Jobs are consumed lazily, so memory stays
    bounded whatever their number. Before forking workers this process describes a small synthetic motion
    (`warm_up`) and freezes its objects for the garbage collector (`gc.freeze`, undone when the results are
    exhausted or the generator is closed), so that the workers share its loaded code and memory.
    """
    if n_jobs <= 1 and budget is None:
        for job in jobs:
            yield run_job(job)
        return
    warm_up()
    gc.freeze()  # forked workers then share this process's objects instead of copying them on GC
    try:
        yield from supervised_map(run_job, jobs, job_failed, max(1, n_jobs), budget or Budget(), chunksize)
    finally:
        gc.unfreeze()


def warm_up() -> None:
    """Describe a small synthetic motion, so that this process has loaded numba and the compiled kernels.

    Worker processes forked afterwards (the default on Linux up to Python 3.13) share that code and data
    instead of each loading its own copy (about 100 MiB and 0.5 s per worker).
    """
    from motion_smd.synthetic import squats

    desc = describe(squats(n_reps=2))
    record_line("warm-up", "", "all-26", render_smd(desc), desc.to_dict())


def partial_path(out: Path) -> Path:
    """Where results stream before the final atomic rename: `<out>.partial` (JSONL)."""
    return out.with_name(out.name + ".partial")


def settings_path(out: Path) -> Path:
    """Where a run records the settings its `.partial` file was written with: `<out>.partial.settings.json`."""
    return out.with_name(out.name + ".partial.settings.json")


def finished_settings_path(out: Path) -> Path:
    """Where a finished run keeps the settings its output was written with: `<out>.settings.json` (so that
    `--resume` can add new files to a finished output, `reopen_finished`)."""
    return out.with_name(out.name + ".settings.json")


def run_settings(
    smd_options: SMDOptions,
    read_options: ReadOptions,
    input_format: str | None,
    output_format: str,
    windows: WindowOptions = WHOLE,
    variants: tuple[SMDOptions, ...] = (),
) -> dict[str, Any]:
    """Everything that decides a run's records (the SMD format version included), as JSON-ready values;
    `--resume` continues a `.partial` file only with equal settings (`check_resume`)."""
    settings = {
        "format_version": smd_options.format_version,
        "smd_options": asdict(smd_options),
        "read_options": asdict(read_options),
        "input_format": input_format,
        "output_format": output_format,
    }
    if windows.active:  # only then: partial files of earlier versions resume as before
        settings["windows"] = asdict(windows)
    if variants:
        settings["variants"] = [asdict(v) for v in variants]
    loaded: dict[str, Any] = json.loads(json.dumps(settings))  # tuples → lists, as read back from the file
    return loaded


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def check_resume(out: Path, settings: dict[str, Any]) -> None:
    """Refuse to resume `<out>.partial` when it was written with other settings (options, format version,
    output format): its records would mix two variants. A `.partial` without a settings file (written before
    settings were recorded) is resumed as it is.

    A finished output (no `.partial`) is checked against the settings kept beside it
    (`finished_settings_path`), and refused when there are none.

    Raises:
        ConfigError: naming the settings that differ, and the two ways on.
    """
    if partial_path(out).exists():
        resumed, path = partial_path(out), settings_path(out)
        if not path.exists():
            return
    elif out.exists():  # a finished output: resumed only when its settings were recorded and are equal
        resumed, path = out, finished_settings_path(out)
        if not path.exists():
            raise ConfigError(
                f"--resume: {out} is finished but the settings it was written with are unknown (no {path.name}); "
                "rerun without --resume to describe everything again."
            )
    else:
        return
    try:
        before = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"{path}: unreadable ({exc}); delete it to resume anyway, or run without --resume to start over."
        ) from None
    old, new = _flat(before), _flat(settings)
    changed = [
        f"{k}: {old.get(k)!r} then, {new.get(k)!r} now" for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)
    ]
    if changed:
        raise ConfigError(
            f"--resume: {resumed} was written with other settings ({'; '.join(changed[:6])}); rerun "
            "with the same options, or without --resume to start over."
        )


def done_ids(out: Path) -> set[str]:
    """Ids already finished in `<out>.partial` (for resume). A truncated last line is ignored."""
    part = partial_path(out)
    ids: set[str] = set()
    if not part.exists():
        return ids
    with part.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                ids.add(json.loads(line)["id"])
            except (json.JSONDecodeError, KeyError):
                continue
    return ids


def reopen_finished(out: Path, output_format: OutputFormat) -> None:
    """`--resume` on a finished output (no `<out>.partial`): turn it back into `<out>.partial` so that only the
    files not in it yet are described and the output is written again with all of them. Call after
    `check_resume`, which has compared the settings.

    JSONL is renamed back as it is; JSON (id → SMD) becomes one `{"id", "smd"}` record a line, all that
    `finalize` reads of it. Nothing is done when `<out>.partial` exists or `out` does not.

    Raises:
        ConfigError: the output is plain text (its records cannot be read back), or not valid JSON.
    """
    part = partial_path(out)
    if part.exists() or not out.exists():
        return
    if output_format == "text":
        raise ConfigError(
            f"--resume: {out} is finished plain text, which cannot be read back; rerun without --resume, or "
            "write --format jsonl (or json) to add files to a finished output later."
        )
    if output_format == "json":
        try:
            entries = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"--resume: {out}: not readable as JSON ({exc}); rerun without --resume.") from None
        with atomic_open(part) as fh:
            for motion_id, text in entries.items():
                fh.write(json.dumps({"id": motion_id, "smd": text}, ensure_ascii=False) + "\n")
    else:
        os.replace(out, part)
    if finished_settings_path(out).exists():
        os.replace(finished_settings_path(out), settings_path(out))


def _truncate_incomplete_line(part: Path) -> None:
    data = part.read_bytes()
    if data and not data.endswith(b"\n"):
        part.write_bytes(data[: data.rfind(b"\n") + 1])


def write_results(
    results: Iterable[Result],
    out: Path,
    output_format: OutputFormat,
    resume: bool = False,
    on_result: Callable[[Result], None] | None = None,
    settings: dict[str, Any] | None = None,
) -> list[Result]:
    """Stream successful results to `<out>.partial` (one JSON record a line), then finalise `out`
    atomically in the requested format. Returns the failed results (which are not written). A fresh run
    records `settings` (`run_settings`) beside the partial file, for `check_resume`.

    Output formats: "jsonl" = one record per line (`Result.record`); "json" = one object mapping motion
    id → SMD text (the format the original SMD work ships); "text" = each SMD preceded by "# <id>".
    """
    part = partial_path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if resume and part.exists():
        _truncate_incomplete_line(part)
        mode = "a"
    else:
        mode = "w"
        if settings is not None:
            atomic_write_text(settings_path(out), json.dumps(settings, sort_keys=True, indent=1) + "\n")
    failures: list[Result] = []
    with part.open(mode, encoding="utf-8") as fh:
        for res in results:
            if on_result is not None:
                on_result(res)
            if not res.ok:
                failures.append(res)
                continue
            fh.write(f"{res.line}\n")
            fh.flush()
    finalize(out, output_format)
    return failures


def finalize(out: Path, output_format: OutputFormat) -> None:
    """Turn `<out>.partial` into `out` in the chosen format, atomically (a rename, or `files.atomic_open`)."""
    part = partial_path(out)
    if settings_path(out).exists():  # kept beside the finished output, for a later --resume
        os.replace(settings_path(out), finished_settings_path(out))
    else:
        finished_settings_path(out).unlink(missing_ok=True)
    if output_format == "jsonl":
        os.replace(part, out)
        return
    with part.open(encoding="utf-8") as src, atomic_open(out) as dst:
        if output_format == "json":
            dst.write("{")
            first = True
            for line in src:
                rec = json.loads(line)
                dst.write(json_entry(rec["id"], rec["smd"], first))
                first = False
            dst.write("\n}\n")
        else:
            for line in src:
                rec = json.loads(line)
                dst.write(f"# {rec['id']}\n{rec['smd']}\n\n")
    part.unlink()
