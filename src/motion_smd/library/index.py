"""`smd library build`: index folders of motions as a Parquet table plus the canonical motions.

Layout of a library folder:
    clips.parquet     one row per clip (columns: `COLUMNS`): its file, SHA-256, labels, SMD text, events,
                      SMD features and two text embeddings (labels; the SMD's events and busiest parts)
    motions/<id>.npy  the clip's canonical joints, (T, 22, 3) float32 metres (DESIGN.md's canonical frame)
    library.json      the settings (SMD options, embedding model, feature names) and the feature mean/std
    failures.jsonl    files that could not be read, with the reason (the build carries on without them)

A rebuild re-reads only files whose SHA-256 changed (or new ones) when the settings are unchanged, drops rows of
files that are gone, and replaces every output atomically, so an interrupted build leaves the previous library
intact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motion_smd.description import Description
from motion_smd.errors import ConfigError, MotionSMDError
from motion_smd.events import motion_events
from motion_smd.files import atomic_open_binary, atomic_write_text, file_sha256, write_jsonl
from motion_smd.library.embed import DEFAULT_MODEL, embed
from motion_smd.library.features import FEATURE_NAMES, feature_vector
from motion_smd.library.labels import clip_labels
from motion_smd.options import SMDOptions

LIBRARY_VERSION = 1
JOINT_FORMATS = ("bvh", "npy")
"""Formats a library indexes (3-D joints; videos and 2-D keypoints are described, not composed)."""
BUSIEST_PARTS = 3
"""How many body parts (largest summed angle range) the SMD document names besides the events."""

COLUMNS = (
    "clip_id", "path", "format", "sha256", "fps", "n_frames", "duration_s", "rig", "content", "style", "take",
    "caption", "label_text", "smd_doc", "smd", "events", "features", "label_embedding", "smd_embedding",
)  # fmt: skip


@dataclass
class BuildReport:
    """What a build did: counts of clips described anew, kept from the previous build, removed and failed."""

    described: int = 0
    kept: int = 0
    removed: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)

    def line(self) -> str:
        """One summary line."""
        return f"{self.described} described, {self.kept} unchanged, {self.removed} removed, {len(self.failed)} failed"


def motion_files(inputs: Sequence[str | Path], exclude: Path | None = None) -> list[tuple[Path, Path]]:
    """(root, file) for every joint-format file under the inputs (folders searched recursively), sorted;
    files under `exclude` (the library folder itself, whose motions/ holds .npy joints) are skipped.

    Raises:
        ConfigError: an input that does not exist.
    """
    from motion_smd.io import detect_format

    found: dict[Path, Path] = {}
    for item in inputs:
        p = Path(item)
        if not p.exists():
            raise ConfigError(f"{p}: no such file or folder to index.")
        candidates = [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file())
        for f in candidates:
            if exclude is not None and f.absolute().is_relative_to(exclude.absolute()):
                continue
            try:
                fmt = detect_format(f)
            except MotionSMDError:
                continue
            if fmt in JOINT_FORMATS:  # absolute, not resolved: a linked file keeps its place under the root
                found.setdefault(f.absolute(), (p if p.is_dir() else p.parent).absolute())
    return sorted(((root, f) for f, root in found.items()), key=lambda rf: str(rf[1]))


def clip_id(root: Path, path: Path) -> str:
    """A stable id: the root folder's name and the path below it without the suffix, "/" → "__"."""
    rel = path.relative_to(root).with_suffix("").as_posix()
    return re.sub(r"[^A-Za-z0-9._-]+", "__", f"{root.name}/{rel}")


def smd_document(desc: Description, events_text: Iterable[str]) -> str:
    """The text embedded for SMD-only search: the event lines, then the busiest body parts by summed angle
    range ("moves most: Right Elbow, Right Shoulder, Trunk"). Derived from the SMD, never from labels."""
    ranges: dict[str, float] = {}
    for ch in desc.angles:
        if np.isfinite(ch.range_value):
            ranges[ch.group] = ranges.get(ch.group, 0.0) + float(ch.range_value)
    busiest = sorted(ranges, key=lambda g: (-ranges[g], g))[:BUSIEST_PARTS]
    lines = [*events_text, f"moves most: {', '.join(busiest)}"]
    return "; ".join(lines)


def _settings(options: SMDOptions, embed_model: str) -> dict[str, Any]:
    return {
        "version": LIBRARY_VERSION,
        "smd_options": asdict(options),
        "embed_model": embed_model,
        "feature_names": list(FEATURE_NAMES),
    }


def _describe_clip(root: Path, path: Path, sha: str, options: SMDOptions, motions_dir: Path) -> dict[str, Any]:
    from motion_smd.describer import describe
    from motion_smd.io import detect_format, load_motion
    from motion_smd.render import render_smd

    motion = load_motion(path)
    desc = describe(motion, options)
    events = motion_events(desc)
    labels = clip_labels(path)
    cid = clip_id(root, path)
    with atomic_open_binary(motions_dir / f"{cid}.npy") as fh:
        np.save(fh, motion.joints.astype(np.float32))
    return {
        "clip_id": cid,
        "path": str(path),
        "format": detect_format(path),
        "sha256": sha,
        "fps": motion.fps,
        "n_frames": motion.n_frames,
        "duration_s": motion.duration_s,
        "rig": motion.meta.get("rig", ""),
        "content": labels.content,
        "style": labels.style,
        "take": labels.take,
        "caption": labels.caption,
        "label_text": labels.text(),
        "smd_doc": smd_document(desc, (e.text for e in events)),
        "smd": render_smd(desc),
        "events": json.dumps([asdict(e) for e in events], sort_keys=True),
        "features": feature_vector(desc).tolist(),
    }


def read_rows(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(settings, rows) of a library folder; ({}, []) when it holds none yet.

    Raises:
        ConfigError: a library.json or clips.parquet that cannot be read (the message says to rebuild).
    """
    import pyarrow.parquet as pq

    meta, table = folder / "library.json", folder / "clips.parquet"
    if not table.is_file():
        return {}, []
    try:
        settings = json.loads(meta.read_text(encoding="utf-8"))
        rows = pq.read_table(table).to_pylist()
    except Exception as exc:
        raise ConfigError(f"{folder}: cannot read the library ({exc}); rebuild it with smd library build.") from None
    return settings, rows


def _write_table(folder: Path, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows) if rows else pa.table({c: [] for c in COLUMNS})
    with atomic_open_binary(folder / "clips.parquet") as fh:
        pq.write_table(table, fh)


def build_library(
    inputs: Sequence[str | Path],
    out: str | Path,
    options: SMDOptions | None = None,
    embed_model: str = DEFAULT_MODEL,
    progress: Callable[[int, int, str], None] | None = None,
) -> BuildReport:
    """Index the motions under `inputs` into the library folder `out` (layout in the module docstring).

    Args:
        inputs: folders (searched recursively for .bvh and .npy joints) or files.
        out: the library folder (created).
        options: SMD options of the texts and features (default `SMDOptions()`).
        embed_model: sentence-transformers model name or path (`motion_smd.library.embed`).
        progress: called as progress(done, total, path) after each file.

    Returns:
        The build report; failures are also written to out/failures.jsonl.

    Raises:
        ConfigError: a missing input, an unreadable previous library, or no embedding model.
    """
    opts = options or SMDOptions()
    folder = Path(out)
    motions_dir = folder / "motions"
    motions_dir.mkdir(parents=True, exist_ok=True)
    settings = _settings(opts, embed_model)
    old_settings, old_rows = read_rows(folder)
    reuse = {r["path"]: r for r in old_rows} if old_settings == {**settings, **_stats_of(old_settings)} else {}
    files = motion_files(inputs, exclude=folder)
    report = BuildReport()
    rows: list[dict[str, Any]] = []
    fresh: list[int] = []
    for k, (root, path) in enumerate(files):
        try:
            sha = file_sha256(path)
            previous = reuse.get(str(path))
            if previous is not None and previous["sha256"] == sha:
                rows.append(previous)
                report.kept += 1
            else:
                rows.append(_describe_clip(root, path, sha, opts, motions_dir))
                fresh.append(len(rows) - 1)
                report.described += 1
        except MotionSMDError as exc:
            report.failed.append({"path": str(path), "error": str(exc)})
        if progress is not None:
            progress(k + 1, len(files), str(path))
    kept_paths = {r["path"] for r in rows}
    report.removed = sum(1 for r in old_rows if r["path"] not in kept_paths)
    if fresh:
        label_emb = embed([rows[i]["label_text"] for i in fresh], embed_model)
        smd_emb = embed([rows[i]["smd_doc"] for i in fresh], embed_model)
        for n, i in enumerate(fresh):
            rows[i]["label_embedding"] = label_emb[n].tolist()
            rows[i]["smd_embedding"] = smd_emb[n].tolist()
    for gone in {r["clip_id"] for r in old_rows} - {r["clip_id"] for r in rows}:
        (motions_dir / f"{gone}.npy").unlink(missing_ok=True)
    _write_table(folder, rows)
    feats = np.array([r["features"] for r in rows], dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))
    settings.update(_feature_stats(feats))
    atomic_write_text(folder / "library.json", json.dumps(settings, indent=1, sort_keys=True) + "\n")
    write_jsonl(folder / "failures.jsonl", report.failed)
    return report


def _stats_of(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: settings[k] for k in ("feature_mean", "feature_std") if k in settings}


def _feature_stats(feats: NDArray[np.float64]) -> dict[str, list[float]]:
    if feats.shape[0] == 0:
        return {"feature_mean": [0.0] * feats.shape[1], "feature_std": [1.0] * feats.shape[1]}
    std = feats.std(axis=0)
    return {
        "feature_mean": feats.mean(axis=0).round(6).tolist(),
        "feature_std": np.where(std > 1e-9, std, 1.0).round(6).tolist(),
    }
