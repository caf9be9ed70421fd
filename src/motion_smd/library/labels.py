"""Clip labels for the motion library: file-name labels, manifest descriptions and user captions.

Sources, in the order they are looked up for a motion file F:
1. a `manifest.json` in F's folder or up to three folders above it, listing objects with a "file" path
   (relative to the manifest) and any of "content", "style", "take", "description" (the shared
   Bandai-Namco and CMU manifests have this form);
2. the Bandai-Namco file-name pattern `dataset-N_{content}_{style}_{take}.bvh` (Kobayashi et al. 2023);
3. user captions: a `captions.json` ({file name or relative path: caption}) in F's folder or above, or a
   text file beside F with the same stem and suffix `.txt`;
4. otherwise the words of F's stem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from motion_smd.errors import ConfigError

BANDAI_NAME = re.compile(r"^dataset-\d+_(?P<content>[a-z0-9-]+)_(?P<style>[a-z0-9-]+)_(?P<take>\d+)$")
MANIFEST = "manifest.json"
CAPTIONS = "captions.json"
SEARCH_UP = 3
"""How many folders above a motion file are searched for a manifest or captions file."""


@dataclass(frozen=True)
class ClipLabels:
    """What is known about a clip besides its motion.

    Attributes:
        content: the action label ("wave-left-hand"), "" when unknown.
        style: the style label ("active"), "" when unknown.
        take: the take number as written ("001"), "" when unknown.
        caption: free text (a manifest description or a user caption), "" when none.
    """

    content: str = ""
    style: str = ""
    take: str = ""
    caption: str = ""

    def text(self) -> str:
        """The label text that is embedded for search: the content words, then the caption ("wave left hand";
        "walk; basketball - forward dribble"). The style is kept in the index but not embedded: with it, a
        "walk left; giant style" ranked above "walk" for "walk forward" (MiniLM weighs the extra words)."""
        parts = [self.content.replace("-", " ").replace("_", " "), self.caption]
        return "; ".join(dict.fromkeys(p for p in parts if p))


@cache
def _json_file(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it as JSON ({exc}); fix or remove the file.") from None


def _ancestors(path: Path) -> list[Path]:
    return list(path.resolve().parents)[: SEARCH_UP + 1]


def _from_manifest(path: Path) -> ClipLabels | None:
    for folder in _ancestors(path):
        manifest = folder / MANIFEST
        if not manifest.is_file():
            continue
        rel = path.resolve().relative_to(folder).as_posix()
        items = _json_file(manifest)
        entries = items if isinstance(items, list) else items.get("files", []) if isinstance(items, dict) else []
        for item in entries:
            if isinstance(item, dict) and item.get("file") == rel:
                return ClipLabels(
                    str(item.get("content", "")), str(item.get("style", "")), str(item.get("take", "")),
                    str(item.get("description", "")),
                )  # fmt: skip
    return None


def _caption(path: Path) -> str:
    beside = path.with_suffix(".txt")
    if beside.is_file():
        return beside.read_text(encoding="utf-8").strip()
    for folder in _ancestors(path):
        captions = folder / CAPTIONS
        if captions.is_file():
            table = _json_file(captions)
            if not isinstance(table, dict):
                raise ConfigError(f"{captions}: expected an object {{file: caption}}.")
            rel = path.resolve().relative_to(folder).as_posix()
            for key in (rel, path.name):
                if key in table:
                    return str(table[key])
    return ""


def clip_labels(path: str | Path) -> ClipLabels:
    """The labels of one motion file (lookup order in the module docstring).

    Raises:
        ConfigError: a manifest or captions file that is not valid JSON.
    """
    p = Path(path)
    found = _from_manifest(p)
    caption = _caption(p)
    if found is None:
        named = BANDAI_NAME.match(p.stem)
        if named:
            found = ClipLabels(named["content"], named["style"], named["take"])
        else:
            words = " ".join(w for w in re.split(r"[_\-.\s]+", p.stem) if w and not w.isdigit())
            found = ClipLabels(content=words)
    if caption:
        found = ClipLabels(found.content, found.style, found.take, caption)
    return found
