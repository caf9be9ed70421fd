"""Search a motion library: by text (sentence embeddings plus SMD side rules) and by example (`--like`).

Text score of a clip for a query q (all embeddings L2-normalised, so dot products are cosines):
    labels   cos(q, label text)                                   the file-name / manifest / caption labels
    smd      cos(q, SMD document) + SIDE_WEIGHT · side agreement  what the SMD says, no labels at all
    combined labels + SMD_WEIGHT · cos(q, SMD document) + SIDE_WEIGHT · side agreement
Side agreement (−1 … 1) reads the query's side words against the clip's SMD: "left/right hand|arm" against the
arm activities (`features.arm_activity_deg`), "both hands" against their balance, "turn left/right" against the
heading change, "walk|step backward|left|right" against the forward and lateral change, "walk forward|ahead|
straight" against how straight ahead the pelvis goes. Labels alone cannot
tell "wave with the left hand" from a right-hand wave whose label is missing or wrong; the SMD can.

`--like`: Euclidean distance between the clips' SMD feature vectors, standardised by the library's mean and
standard deviation (`features.FEATURE_NAMES`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError
from motion_smd.library.embed import embed
from motion_smd.library.features import ARM_ANGLES, FEATURE_NAMES
from motion_smd.library.index import read_rows
from motion_smd.motion import Motion

SMD_WEIGHT = 0.5
SIDE_WEIGHT = 0.15
Mode = Literal["combined", "labels", "smd"]
MODES: tuple[Mode, ...] = ("combined", "labels", "smd")

_F = {name: i for i, name in enumerate(FEATURE_NAMES)}
_ARM_WORDS = re.compile(r"\b(hand|hands|arm|arms|wave|waves|waving|raise|raises|raising|lift|lifts)\b")
_TURN_WORDS = re.compile(r"\b(turn|turns|turning|rotate|rotates)\b")
_TRAVEL_WORDS = re.compile(
    r"\b(walk|walks|walking|step|steps|stepping|move|moves|go|goes|run|runs|jog|backward|backwards)\b"
)


@dataclass(frozen=True)
class Hit:
    """One search result: the clip's row (`index.COLUMNS`), its score and rank (1 = best)."""

    row: dict[str, Any]
    score: float
    rank: int


class Library:
    """A library folder opened for search (`index.build_library` writes it).

    Raises (on construction):
        ConfigError: no library in the folder, or one that cannot be read.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.settings, self.rows = read_rows(self.folder)
        if not self.rows:
            raise ConfigError(f"{self.folder}: no library here; build one with smd library build DIR... -o {folder}")

    @cached_property
    def label_embeddings(self) -> NDArray[np.float32]:
        """(N, D) label-text embeddings."""
        return np.array([r["label_embedding"] for r in self.rows], dtype=np.float32)

    @cached_property
    def smd_embeddings(self) -> NDArray[np.float32]:
        """(N, D) SMD-document embeddings."""
        return np.array([r["smd_embedding"] for r in self.rows], dtype=np.float32)

    @cached_property
    def features(self) -> NDArray[np.float64]:
        """(N, F) standardised SMD features."""
        raw = np.array([r["features"] for r in self.rows], dtype=np.float64)
        return (raw - np.asarray(self.settings["feature_mean"])) / np.asarray(self.settings["feature_std"])

    def standardise(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """Standardise a raw feature vector with the library's statistics."""
        return (features - np.asarray(self.settings["feature_mean"])) / np.asarray(self.settings["feature_std"])

    @property
    def embed_model(self) -> str:
        """The sentence-embedding model the library was built with."""
        return str(self.settings.get("embed_model"))

    def joints(self, row: dict[str, Any]) -> NDArray[np.float64]:
        """The clip's canonical joints from the library's motions folder, (T, 22, 3) float64 metres."""
        return np.load(self.folder / "motions" / f"{row['clip_id']}.npy").astype(np.float64)

    def motion(self, row: dict[str, Any]) -> Motion:
        """The clip as a canonical `Motion` carrying its skeleton (meta "rig"), so that it is described as
        when it was indexed (the rig selects the neutral-pose calibration, `motion_smd.neutral`)."""
        meta = {"rig": row["rig"]} if row["rig"] else {}
        return Motion(self.joints(row), float(row["fps"]), source=row["clip_id"], meta=meta)


def side_agreement(query: str, features: NDArray[np.float64]) -> NDArray[np.float64]:
    """(N,) agreement in [−1, 1] of each clip's SMD (raw `features`, (N, F)) with the side words of the query;
    zeros when the query names no side (rules in the module docstring)."""
    q = query.lower()
    n = features.shape[0]
    out = np.zeros(n)
    left = features[:, [_F[f"{a}_range_deg"] for a in ARM_ANGLES["left"]]].sum(1)
    right = features[:, [_F[f"{a}_range_deg"] for a in ARM_ANGLES["right"]]].sum(1)
    both = re.search(r"\b(both|two)\b", q) is not None
    side = "left" if re.search(r"\bleft\b", q) else "right" if re.search(r"\bright\b", q) else None
    if _ARM_WORDS.search(q) and not _TURN_WORDS.search(q):
        balance = (left - right) / np.maximum(left + right, 1e-9)
        if both:
            out += 1.0 - 2.0 * np.abs(balance)
        elif side is not None:
            out += balance if side == "left" else -balance
    if _TURN_WORDS.search(q) and side is not None:
        heading = features[:, _F["heading_change_deg"]]
        out += np.clip(heading / 90.0, -1.0, 1.0) * (1.0 if side == "left" else -1.0)
    elif _TRAVEL_WORDS.search(q):
        fwd, lat = features[:, _F["forward_change_m"]], features[:, _F["lateral_change_m"]]
        if re.search(r"\bback(ward|wards)?\b", q):
            out += np.clip(-fwd, -1.0, 1.0)
        elif re.search(r"\b(forward|forwards|ahead|straight)\b", q):
            out += np.clip((fwd - np.abs(lat)) / np.maximum(np.abs(fwd) + np.abs(lat), 0.5), -1.0, 1.0)
        elif side is not None and not _ARM_WORDS.search(q):
            out += np.clip(lat if side == "left" else -lat, -1.0, 1.0)
    return np.clip(out, -1.0, 1.0)


def text_scores(library: Library, query: str, mode: Mode = "combined") -> NDArray[np.float64]:
    """(N,) scores of every clip for a text query (formulas in the module docstring)."""
    if mode not in MODES:
        raise ConfigError(f"search mode {mode!r}: choose one of {', '.join(MODES)}.")
    q = embed([query], library.embed_model)[0].astype(np.float64)
    raw = np.array([r["features"] for r in library.rows], dtype=np.float64)
    sides = SIDE_WEIGHT * side_agreement(query, raw)
    smd = library.smd_embeddings.astype(np.float64) @ q
    if mode == "smd":
        return smd + sides
    labels = library.label_embeddings.astype(np.float64) @ q
    return labels if mode == "labels" else labels + SMD_WEIGHT * smd + sides


def ranked(library: Library, scores: NDArray[np.float64], k: int, descending: bool = True) -> list[Hit]:
    """The k best clips by score (ties broken by clip id, so results are deterministic)."""
    sign = -1.0 if descending else 1.0
    order = sorted(range(len(scores)), key=lambda i: (sign * scores[i], library.rows[i]["clip_id"]))
    return [Hit(library.rows[i], float(scores[i]), n + 1) for n, i in enumerate(order[: max(k, 0)])]


def search_text(library: Library, query: str, k: int = 5, mode: Mode = "combined") -> list[Hit]:
    """The k clips that best match a text query.

    Raises:
        ConfigError: an empty query or unknown mode.
    """
    if not query.strip():
        raise ConfigError("the search query is empty; describe the motion in words, e.g. 'waves with the left hand'.")
    return ranked(library, text_scores(library, query, mode), k)


def search_like(library: Library, features: NDArray[np.float64], k: int = 5) -> list[Hit]:
    """The k clips whose standardised SMD features are nearest to `features` (raw, (F,)); score = distance."""
    d = np.linalg.norm(library.features - library.standardise(features), axis=1)
    return ranked(library, d, k, descending=False)


def matching_lines(library: Library, hit: Hit, query: str, n: int = 3) -> list[tuple[float, str]]:
    """The n lines of the clip's SMD text and events most similar to the query, (cosine, line), best first."""
    lines = [ln.strip() for ln in hit.row["smd"].splitlines() if ln.strip() and not ln.startswith("#")]
    lines += [e for e in hit.row["smd_doc"].split("; ") if e]
    lines = list(dict.fromkeys(lines))
    if not lines:
        return []
    vecs = embed([query, *lines], library.embed_model).astype(np.float64)
    sims = vecs[1:] @ vecs[0]
    order = sorted(range(len(lines)), key=lambda i: (-sims[i], i))[:n]
    return [(float(sims[i]), lines[i]) for i in order]
