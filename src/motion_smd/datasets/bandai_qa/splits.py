"""bandai-qa clips and splits: the usable clips of the manifest; each (dataset, style) group goes to one
split; sequences of 2–3 clips of one group with distinct actions are drawn with a seeded generator
(docs/datasets.md, steps 2–3)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from motion_smd.datasets.bandai_qa.labels import CONTENT_LABELS, ClipLabel, mirrored_content
from motion_smd.datasets.qa_common import read_json
from motion_smd.errors import ConfigError

NAME = "bandai-qa"
SEQUENCES_PER_SPLIT = {"train": 220, "val": 40, "test": 70}
"""Number of sequences drawn per split (questions ≈ 3–4 per sequence)."""

SPLIT_STYLES: dict[str, dict[str, tuple[str, ...]]] = {
    "dataset-1": {"test": ("childish", "giant", "tired"), "val": ("proud", "sad")},
    "dataset-2": {"test": ("elderly",), "val": ("youthful",)},
}
"""Styles held out per dataset; every other style is train."""


SPLIT_BY = ("style", "take")
"""How clips are split: "style" (default): by (dataset, style) group (`SPLIT_STYLES`), so test performances are
in styles never trained on; "take" (`take_split_of`): every first take (001) trains, later takes of the same
actions and styles are tested (issue #20: does a model read the text, or learn the recordings?)."""


def take_split_of(dataset: str, style: str, take: str) -> str:
    """Split of a clip when splitting by take: take 001 → train; a later take → val when its style is a
    validation style of `SPLIT_STYLES`, else test (the Bandai-Namco sets hold takes 001 and 002: dataset-2 both
    for every action and style, dataset-1 a second take of one clip per style)."""
    if take == "001":
        return "train"
    return "val" if split_of(dataset, style) == "val" else "test"


def split_of(dataset: str, style: str) -> str:
    """Split of a (dataset, style) group according to SPLIT_STYLES."""
    for split, styles in SPLIT_STYLES.get(dataset, {}).items():
        if style in styles:
            return split
    return "train"


@dataclass(frozen=True)
class Clip:
    """One usable Bandai-Namco clip.

    Attributes:
        file: path relative to the bandai_namco folder.
        dataset: "dataset-1" or "dataset-2".
        content, style, take: from the manifest.
        label: ClipLabel from the content name.
        split: split of its (dataset, style) group.
    """

    file: str
    dataset: str
    content: str
    style: str
    take: str
    label: ClipLabel
    split: str


MIRROR_SUFFIX = "#mirrored"
"""Suffix of a mirrored clip's `file` key (the clip exists only in memory: `Motion.mirrored` of the file's motion)."""


def mirrored_clip(clip: Clip) -> Clip:
    """The left-right mirror image of a clip: the same file (key suffixed with MIRROR_SUFFIX), style, take and
    split; content name with left and right swapped (`mirrored_content`) and its label from CONTENT_LABELS.

    Raises:
        ConfigError: the mirrored content name has no label (cannot happen for the names of CONTENT_LABELS,
            which list every left/right pair).
    """
    content = mirrored_content(clip.content)
    if content not in CONTENT_LABELS:
        raise ConfigError(f"{clip.file}: mirrored content {content!r} has no label in CONTENT_LABELS.")
    return replace(clip, file=clip.file + MIRROR_SUFFIX, content=content, label=CONTENT_LABELS[content])


def list_clips(root: Path, split_by: str = "style") -> list[Clip]:
    """Usable clips of the manifest (content in CONTENT_LABELS, BVH file present), in manifest order, each with
    its split under `split_by` (`SPLIT_BY`).

    Raises:
        ConfigError: missing or malformed manifest, or an unknown `split_by`.
    """
    if split_by not in SPLIT_BY:
        raise ConfigError(f"split_by {split_by!r}: choose one of {', '.join(SPLIT_BY)}.")
    manifest = read_json(root / "manifest.json")
    if not isinstance(manifest, list):
        raise ConfigError(f"{root / 'manifest.json'}: expected a list of clips.")
    clips = []
    for e in manifest:
        content = str(e["content"])
        if content not in CONTENT_LABELS or not (root / e["file"]).is_file():
            continue
        ds = str(e["file"]).split("/")[0]
        style = str(e["style"])
        clips.append(
            Clip(
                file=str(e["file"]),
                dataset=ds,
                content=content,
                style=style,
                take=str(e["take"]),
                label=CONTENT_LABELS[content],
                split=split_of(ds, style) if split_by == "style" else take_split_of(ds, style, str(e["take"])),
            )
        )
    return clips


def seq_rng(seed: int, split: str, purpose: str) -> np.random.Generator:
    """The generator of one (seed, split or sequence id, purpose): SHA-256 of the three, so each draw is
    independent of every other."""
    digest = hashlib.sha256(f"{seed}|{NAME}|{split}|{purpose}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _action(clip: Clip) -> str:
    return clip.label.action


def draw_sequences(
    clips: Sequence[Clip],
    n: int,
    rng: np.random.Generator,
    lengths: Sequence[int] = (2, 3),
    distinct: Callable[[Clip], str] = _action,
) -> list[tuple[int, ...]]:
    """n distinct sequences of clip indices from one (dataset, style) group whose `distinct` keys (default:
    the action) differ; each sequence's length is drawn from `lengths` (shorter when the group runs out).

    The dataset is drawn first (uniformly), then a style group of it, then the length, then the clips, so
    the two Bandai-Namco sets (different action repertoires) contribute equally.
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(clips):
        groups.setdefault((c.dataset, c.style), []).append(i)
    keys = sorted(k for k, v in groups.items() if len({distinct(clips[i]) for i in v}) >= 2)
    if not keys:
        return []
    datasets = sorted({k[0] for k in keys})
    seen: set[tuple[int, ...]] = set()
    out: list[tuple[int, ...]] = []
    attempts = 0
    while len(out) < n and attempts < 50 * n:
        attempts += 1
        dataset = datasets[int(rng.integers(len(datasets)))]
        in_ds = [k for k in keys if k[0] == dataset]
        members = groups[in_ds[int(rng.integers(len(in_ds)))]]
        length = lengths[int(rng.integers(len(lengths)))]
        picked: list[int] = []
        for i in rng.permutation(len(members)):
            ci = members[int(i)]
            if distinct(clips[ci]) not in {distinct(clips[p]) for p in picked}:
                picked.append(ci)
            if len(picked) == length:
                break
        seq = tuple(picked)
        if len(seq) >= 2 and seq not in seen:
            seen.add(seq)
            out.append(seq)
    return out
