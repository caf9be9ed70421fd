"""bandai-qa: a real-motion QA set built deterministically from the Bandai-Namco Research Motion Dataset.

Source data: Kobayashi et al. 2023 (arXiv:2306.08861), CC BY-NC 4.0, in `<data>/bandai_namco/`
(`manifest.json` lists every clip with content, style and take). Nothing of it is copied into the
repository; the set is built into a folder the user chooses.

Construction (docs/datasets.md):
1. **Clip labels** come from the clip's content name only (`CONTENT_LABELS`): an action (walk, run,
   turn, wave, raise hand, bow), a direction (forward, backward, left, right) for locomotion and
   turns, and a body part (left hand, right hand, both hands) for hand actions. Contents whose meaning
   is not clear from the name (bye, byebye, guide, respond, call, punch, kick, slash, dance) are not
   used. Each clip's label is **checked against its motion** (`check_clip`): walking/running direction
   from the pelvis displacement in the clip's initial facing frame, turn direction from the heading
   change, hands from wrist rise. Clips that fail are left out and listed in the summary.
2. **Splits by style** (`SPLIT_STYLES`): each (dataset, style) group goes to exactly one split, so no
   clip (nor performance style) appears in two splits.
3. **Sequences**: 2–3 clips of one (dataset, style) group with distinct actions, drawn with a seeded
   generator, resampled to 20 fps and joined: each next clip is rotated about the vertical and
   translated so its first-frame pelvis position and facing continue from the previous clip's last
   frame, and its first `BLEND_S` seconds are blended toward the previous pose with a linearly
   decaying offset (vectorised). The joined sequence is canonicalised.
4. **Questions** in the BABEL-QA program style: query_action / query_body_part / query_direction with
   relation none ("while"), before, after and in between, using filters on an action, a direction or
   a body part that pick exactly one clip. A question is kept only when its answer is unique: for
   before/after, the clips on that side must carry exactly one value of the queried attribute.
   At most `MAX_QUESTIONS_PER_SEQUENCE` per sequence, balanced over query types.
5. **Options**: n-option standardisation (`motion_smd.datasets.options`) over the label-derived
   vocabularies (all smaller than 10, so every option of the type is shown).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motion_smd.datasets.options import MCQuestion, atomic_write_text, standardise_question, write_mc_json
from motion_smd.datasets.qa_common import QADataset, QAQuestion, default_data_dir, read_json, smd_of_motion
from motion_smd.datasets.records import qa_record, write_records
from motion_smd.errors import ConfigError, MotionSMDError
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions
from motion_smd.skeleton import L_HIP, L_SHOULDER, L_WRIST, PELVIS, R_HIP, R_SHOULDER, R_WRIST

NAME = "bandai-qa"
FPS = 20.0
"""Frame rate of the built sequences (clips are 30 fps BVH, resampled)."""
BLEND_S = 0.3
"""Duration of the blended transition between joined clips, seconds."""
MAX_QUESTIONS_PER_SEQUENCE = 4
SEQUENCES_PER_SPLIT = {"train": 220, "val": 40, "test": 70}
"""Number of sequences drawn per split (questions ≈ 3–4 per sequence)."""

ACTIONS = ("walk", "run", "turn", "wave", "raise hand", "bow")
BODY_PARTS = ("left hand", "right hand", "both hands")
DIRECTIONS = ("forward", "backward", "left", "right")
VOCAB = {"query_action": ACTIONS, "query_body_part": BODY_PARTS, "query_direction": DIRECTIONS}


@dataclass(frozen=True)
class ClipLabel:
    """What a clip's content name says: action, and direction / body part where the name gives one."""

    action: str
    direction: str | None = None
    body_part: str | None = None


CONTENT_LABELS: dict[str, ClipLabel] = {
    "walk": ClipLabel("walk", "forward"),
    "walk-back": ClipLabel("walk", "backward"),
    "walk-left": ClipLabel("walk", "left"),
    "walk-right": ClipLabel("walk", "right"),
    "walk-turn-left": ClipLabel("turn", "left"),
    "walk-turn-right": ClipLabel("turn", "right"),
    "run": ClipLabel("run", "forward"),
    "dash": ClipLabel("run", "forward"),
    "bow": ClipLabel("bow"),
    "wave-both-hands": ClipLabel("wave", body_part="both hands"),
    "wave-left-hand": ClipLabel("wave", body_part="left hand"),
    "wave-right-hand": ClipLabel("wave", body_part="right hand"),
    "raise-up-both-hands": ClipLabel("raise hand", body_part="both hands"),
    "raise-up-left-hand": ClipLabel("raise hand", body_part="left hand"),
    "raise-up-right-hand": ClipLabel("raise hand", body_part="right hand"),
}
"""Bandai-Namco content name → label. Contents not listed are not used."""

SPLIT_STYLES: dict[str, dict[str, tuple[str, ...]]] = {
    "dataset-1": {"test": ("childish", "giant", "tired"), "val": ("proud", "sad")},
    "dataset-2": {"test": ("elderly",), "val": ("youthful",)},
}
"""Styles held out per dataset; every other style is train."""

# label checks (see check_clip); metres and degrees
MIN_TRAVEL_M = 1.0
MIN_SIDE_M = 0.8
MIN_TURN_DEG = 45.0
MIN_WRIST_RISE_M = 0.25

_ACTION_VERB = {
    "walk": "walk",
    "run": "run",
    "turn": "turn",
    "wave": "wave",
    "raise hand": "raise a hand",
    "bow": "bow",
}


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


def split_of(dataset: str, style: str) -> str:
    """Split of a (dataset, style) group according to SPLIT_STYLES."""
    for split, styles in SPLIT_STYLES.get(dataset, {}).items():
        if style in styles:
            return split
    return "train"


def facing_deg(joints: NDArray[np.float64]) -> NDArray[np.float64]:
    """Facing direction per frame, degrees about +Y, 0 = +Z, positive toward +X (the subject's left).

    Args:
        joints: (T, 22, 3) float, metres, Y up.

    Returns:
        (T,) float64 degrees, unwrapped over time (so a 270° turn reads 270, not −90).

    Source: forward = up × (r_hip − l_hip + r_shoulder − l_shoulder), as in HumanML3D / Motion.canonicalize.
    """
    across = (joints[:, R_HIP] - joints[:, L_HIP]) + (joints[:, R_SHOULDER] - joints[:, L_SHOULDER])
    fwd_x = across[:, 2]  # (0,1,0) × (ax, ay, az) = (az, 0, −ax)
    fwd_z = -across[:, 0]
    return np.asarray(np.degrees(np.unwrap(np.arctan2(fwd_x, fwd_z))), dtype=np.float64)


def check_clip(motion: Motion, label: ClipLabel) -> str | None:
    """Check that a canonical clip moves the way its label says.

    Args:
        motion: canonical clip (facing +Z at frame 0, the subject's left = +X).
        label: its label.

    Returns:
        None when consistent, else a one-line reason.

    Rules: forward = pelvis displacement z ≥ MIN_TRAVEL_M and > |x|; backward = z ≤ −MIN_TRAVEL_M;
    left/right (walk) = x ≥ MIN_SIDE_M / x ≤ −MIN_SIDE_M; turn left/right = final heading ≥ +MIN_TURN_DEG /
    ≤ −MIN_TURN_DEG; hands = each named wrist rises ≥ MIN_WRIST_RISE_M above its first-frame height and an
    unnamed wrist rises less than half the smallest named rise.
    """
    j = motion.joints
    d = j[-1, PELVIS] - j[0, PELVIS]
    dx, dz = float(d[0]), float(d[2])
    if label.action == "turn":
        heading = float(facing_deg(j)[-1])
        ok = heading >= MIN_TURN_DEG if label.direction == "left" else heading <= -MIN_TURN_DEG
        return None if ok else f"turn {label.direction} but the heading changes {heading:+.0f}°"
    if label.direction == "forward" and not (dz >= MIN_TRAVEL_M and dz > abs(dx)):
        return f"forward but the pelvis moves x {dx:+.2f} m, z {dz:+.2f} m"
    if label.direction == "backward" and not dz <= -MIN_TRAVEL_M:
        return f"backward but the pelvis moves z {dz:+.2f} m"
    if label.direction == "left" and not dx >= MIN_SIDE_M:
        return f"left but the pelvis moves x {dx:+.2f} m (left = +x)"
    if label.direction == "right" and not dx <= -MIN_SIDE_M:
        return f"right but the pelvis moves x {dx:+.2f} m (left = +x)"
    if label.body_part is not None:
        rise = {
            "left": float(j[:, L_WRIST, 1].max() - j[0, L_WRIST, 1]),
            "right": float(j[:, R_WRIST, 1].max() - j[0, R_WRIST, 1]),
        }
        named = ["left", "right"] if label.body_part == "both hands" else [label.body_part.split()[0]]
        low = min(rise[s] for s in named)
        others = [rise[s] for s in rise if s not in named]
        if low < MIN_WRIST_RISE_M or any(o >= 0.5 * low for o in others):
            return f"{label.body_part} but the wrists rise left {rise['left']:.2f} m, right {rise['right']:.2f} m"
    return None


def list_clips(root: Path) -> list[Clip]:
    """Usable clips of the manifest (content in CONTENT_LABELS, BVH file present), in manifest order.

    Raises:
        ConfigError: missing or malformed manifest.
    """
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
                split=split_of(ds, style),
            )
        )
    return clips


def join_clips(motions: Sequence[Motion], blend_s: float = BLEND_S) -> tuple[NDArray[np.float64], list[int]]:
    """Concatenate canonical clips into one continuous motion.

    Each next clip (canonical: pelvis XZ at the origin and facing +Z in its frame 0) is rotated about +Y
    to the previous clip's last-frame facing and translated to its last-frame pelvis XZ; then an offset
    (previous last pose − next first pose, per joint) is added to its first frames with weight
    1 − (k+1)/(B+1), k = 0..B−1, B = round(blend_s · fps), which fades the pose jump out linearly.

    Args:
        motions: canonical clips at one frame rate.
        blend_s: blend duration, seconds.

    Returns:
        ((T, 22, 3) float64 joints, start frame of each clip in the result).

    Raises:
        ConfigError: no clips or different frame rates.
    """
    if not motions:
        raise ConfigError("join_clips needs at least one clip.")
    fps = motions[0].fps
    if any(abs(m.fps - fps) > 1e-9 for m in motions):
        raise ConfigError("join_clips: all clips must have the same frame rate; resample them first.")
    out = [np.array(motions[0].joints, dtype=np.float64)]
    starts = [0]
    n = out[0].shape[0]
    b = max(0, round(blend_s * fps))
    for m in motions[1:]:
        prev = out[-1][-1]
        theta = np.radians(facing_deg(prev[None])[0])
        c, s = np.cos(theta), np.sin(theta)
        nxt = np.array(m.joints, dtype=np.float64)
        x, z = nxt[..., 0].copy(), nxt[..., 2].copy()
        nxt[..., 0] = c * x + s * z + prev[PELVIS, 0]
        nxt[..., 2] = -s * x + c * z + prev[PELVIS, 2]
        k = min(b, nxt.shape[0])
        if k:
            w = 1.0 - (np.arange(k) + 1.0) / (b + 1.0)
            nxt[:k] += w[:, None, None] * (prev - nxt[0])[None]
        starts.append(n)
        n += nxt.shape[0]
        out.append(nxt)
    return np.concatenate(out, axis=0), starts


_FILTER_FN = {"action": "filter_action", "direction": "filter_direction", "body_part": "filter_body_part"}
_QUERY_ATTR = {"query_action": "action", "query_direction": "direction", "query_body_part": "body_part"}
_QUERY_TEXT = {
    "query_action": "What action does the person do",
    "query_body_part": "What body part does the person use",
    "query_direction": "What direction does the person move",
}


def _attr(label: ClipLabel, kind: str) -> str | None:
    return {"action": label.action, "direction": label.direction, "body_part": label.body_part}[kind]


def _filter_phrase(kind: str, value: str) -> str:
    if kind == "action":
        return f"they {_ACTION_VERB[value]}"
    if kind == "direction":
        return f"they move {value}"
    return f"they use their {value}"


def _unique_filters(labels: Sequence[ClipLabel], i: int) -> list[tuple[str, str]]:
    """(kind, value) filters that pick clip i and no other clip of the sequence."""
    out = []
    for kind in ("action", "direction", "body_part"):
        v = _attr(labels[i], kind)
        if v is not None and sum(_attr(lb, kind) == v for lb in labels) == 1:
            out.append((kind, v))
    return out


@dataclass(frozen=True)
class QuestionDraft:
    """A generated question before ids and splits: text, program, answer, types."""

    question: str
    program: tuple[str, ...]
    answer: str
    query_type: str
    relation_type: str


def _program(filters: Sequence[tuple[str, str, str | None]], query: str) -> tuple[str, ...]:
    """Program strings in BABEL-QA form for filters [(kind, value, relation or None)] and a query."""
    steps = ["[0]=scene(motion_seq)"]
    heads = []
    for kind, value, rel in filters:
        k = len(steps)
        steps.append(f"[{k}]={_FILTER_FN[kind]}([0], {value})")
        if rel is not None:
            steps.append(f"[{k + 1}]=relate([{k}], {rel})")
            heads.append(k + 1)
        else:
            heads.append(k)
    if len(heads) == 2:
        k = len(steps)
        steps.append(f"[{k}]=intersect([{heads[0]}, {heads[1]}])")
        heads = [k]
    steps.append(f"?={query}([{heads[0]}])")
    return tuple(steps)


def generate_questions(labels: Sequence[ClipLabel], rng: np.random.Generator) -> list[QuestionDraft]:
    """All answerable questions about one sequence of clip labels (order is deterministic).

    Relations: none (filter and query on the same clip, different attribute kinds), before/after (the
    queried attribute is carried by exactly one clip on that side of the filtered clip), in between
    (3 clips: query the middle one, filter the first with "after" and the last with "before").
    `rng` only picks the order of the two clauses of in-between questions.
    """
    n = len(labels)
    drafts: list[QuestionDraft] = []
    for query, attr in _QUERY_ATTR.items():
        # none: while
        for i in range(n):
            ans = _attr(labels[i], attr)
            if ans is None:
                continue
            for kind, val in _unique_filters(labels, i):
                if kind == attr:
                    continue
                drafts.append(
                    QuestionDraft(
                        f"{_QUERY_TEXT[query]} while {_filter_phrase(kind, val)}?",
                        _program([(kind, val, None)], query),
                        ans,
                        query,
                        "none",
                    )
                )
        # before / after
        for f in range(n):
            for rel, side in (("before", range(0, f)), ("after", range(f + 1, n))):
                values = [v for v in (_attr(labels[t], attr) for t in side) if v is not None]
                if len(values) != 1:
                    continue
                for kind, val in _unique_filters(labels, f):
                    if kind == attr and val == values[0]:
                        continue
                    drafts.append(
                        QuestionDraft(
                            f"{_QUERY_TEXT[query]} {rel} {_filter_phrase(kind, val)}?",
                            _program([(kind, val, rel)], query),
                            values[0],
                            query,
                            rel,
                        )
                    )
        # in between
        if n == 3:
            ans = _attr(labels[1], attr)
            if ans is not None:
                for k0, v0 in _unique_filters(labels, 0):
                    for k2, v2 in _unique_filters(labels, 2):
                        a = (k0, v0, "after")
                        b = (k2, v2, "before")
                        first, second = (a, b) if rng.random() < 0.5 else (b, a)
                        text = (
                            f"{_QUERY_TEXT[query]} {first[2]} {_filter_phrase(first[0], first[1])} and "
                            f"{second[2]} {_filter_phrase(second[0], second[1])}?"
                        )
                        drafts.append(QuestionDraft(text, _program([first, second], query), ans, query, "in between"))
    unique: dict[str, QuestionDraft] = {}
    for d in drafts:
        unique.setdefault(d.question, d)
    return list(unique.values())


def select_questions(drafts: Sequence[QuestionDraft], k: int, rng: np.random.Generator) -> list[QuestionDraft]:
    """Up to k drafts, round-robin over query types (rarer types first), shuffled within each type."""
    by_type: dict[str, list[QuestionDraft]] = {}
    for d in drafts:
        by_type.setdefault(d.query_type, []).append(d)
    pools = []
    for qt in ("query_direction", "query_body_part", "query_action"):
        pool = by_type.get(qt, [])
        order = rng.permutation(len(pool))
        pools.append([pool[int(i)] for i in order])
    out: list[QuestionDraft] = []
    while len(out) < k and any(pools):
        for pool in pools:
            if pool and len(out) < k:
                out.append(pool.pop(0))
    return out


@dataclass
class BuildSummary:
    """What `build_bandai_qa` produced.

    Attributes:
        output: the folder.
        n_clips: usable clips; excluded: file → reason for clips whose label check failed.
        sequences, questions: counts per split.
        answer_distribution: split → query type → answer → count.
        baselines: split → {"majority": accuracy, "random": accuracy, "random_expected": mean 1/n_options}.
        per_type_baselines: split → baseline → query type → accuracy.
    """

    output: Path
    n_clips: int
    excluded: dict[str, str]
    sequences: dict[str, int] = field(default_factory=dict)
    questions: dict[str, int] = field(default_factory=dict)
    answer_distribution: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)
    per_type_baselines: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict."""
        return {
            "output": str(self.output),
            "n_clips": self.n_clips,
            "excluded": dict(self.excluded),
            "sequences": dict(self.sequences),
            "questions": dict(self.questions),
            "answer_distribution": self.answer_distribution,
            "baselines": self.baselines,
            "per_type_baselines": self.per_type_baselines,
        }

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [f"bandai-qa in {self.output}: {self.n_clips} clips used, {len(self.excluded)} failed the label check"]
        for s in self.sequences:
            b = self.baselines.get(s, {})
            out.append(
                f"{s}: {self.sequences[s]} sequences, {self.questions.get(s, 0)} questions; "
                f"majority {100 * b.get('majority', 0):.1f}%, random {100 * b.get('random', 0):.1f}% "
                f"(expected {100 * b.get('random_expected', 0):.1f}%)"
            )
        for f, why in sorted(self.excluded.items()):
            out.append(f"excluded {f}: {why}")
        return out


def _seq_rng(seed: int, split: str, purpose: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}|{NAME}|{split}|{purpose}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _draw_sequences(clips: Sequence[Clip], n: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """n distinct sequences of 2–3 clip indices from one (dataset, style) group with distinct actions.

    The dataset is drawn first (uniformly), then a style group of it, then the clips, so the two
    Bandai-Namco sets (different action repertoires) contribute equally.
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(clips):
        groups.setdefault((c.dataset, c.style), []).append(i)
    keys = sorted(k for k, v in groups.items() if len({clips[i].label.action for i in v}) >= 2)
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
        length = 2 + int(rng.integers(2))
        picked: list[int] = []
        for i in rng.permutation(len(members)):
            ci = members[int(i)]
            if clips[ci].label.action not in {clips[p].label.action for p in picked}:
                picked.append(ci)
            if len(picked) == length:
                break
        seq = tuple(picked)
        if len(seq) >= 2 and seq not in seen:
            seen.add(seq)
            out.append(seq)
    return out


def _baselines(
    items: Sequence[MCQuestion], train_items: Sequence[MCQuestion], seed: int
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Majority (most frequent train answer of the query type) and random (seeded) baselines, scored
    through the same extractor as model predictions."""
    from motion_smd.metrics.qa import QAItem, score_qa

    majority: dict[str, str] = {}
    counts: dict[str, Counter[str]] = {}
    for m in train_items:
        counts.setdefault(m.question.query_type, Counter())[m.question.answer] += 1
    for qt, c in counts.items():
        majority[qt] = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    rng = np.random.default_rng(seed)
    maj_items, rnd_items = [], []
    for m in items:
        q = m.question
        guess = majority.get(q.query_type, m.options[0])
        maj_items.append(QAItem(q.id, guess, m.options, q.answer, q.query_type, q.relation_type))
        pick = m.options[int(rng.integers(len(m.options)))]
        rnd_items.append(QAItem(q.id, pick, m.options, q.answer, q.query_type, q.relation_type))
    maj = score_qa(maj_items)
    rnd = score_qa(rnd_items)
    expected = float(np.mean([1.0 / len(m.options) for m in items])) if items else 0.0
    overall = {"majority": maj.overall.accuracy, "random": rnd.overall.accuracy, "random_expected": expected}
    per_type = {
        "majority": {k: v.accuracy for k, v in maj.per_query_type.items()},
        "random": {k: v.accuracy for k, v in rnd.per_query_type.items()},
    }
    return overall, per_type


def build_bandai_qa(
    output: Path | str,
    data_dir: Path | str | None = None,
    seed: int = 0,
    max_options: int = 10,
    smd_options: SMDOptions | None = None,
    sequences_per_split: dict[str, int] | None = None,
) -> BuildSummary:
    """Build bandai-qa into `output` (see the module docstring).

    Writes: `sequences/<split>/<id>.npy` ((T, 22, 3) float32, metres, Y up, canonical, 20 fps),
    `sequences.json` (clips, labels and time spans of every sequence), `questions_<split>.json`
    (standardised questions, `write_mc_json` format), `records_<split>.jsonl` (QA records) and
    `summary.json` (sizes, answer distribution, baselines).

    Args:
        output: folder to write (created; existing files of the same names are replaced).
        data_dir: folder holding `bandai_namco/` (default `default_data_dir()`).
        seed: seed of sequence drawing, question selection, options and the random baseline.
        max_options: options per question.
        smd_options: SMD variant of the records (default SMDOptions()).
        sequences_per_split: override SEQUENCES_PER_SPLIT.

    Returns:
        The BuildSummary (also written to summary.json).

    Raises:
        ConfigError: the Bandai-Namco folder or manifest is missing.
        MotionSMDError: a clip cannot be read.
    """
    from motion_smd.io import ReadOptions, load_motion

    root = (Path(data_dir) if data_dir is not None else default_data_dir()) / "bandai_namco"
    if not root.is_dir():
        raise ConfigError(
            f"{root}: Bandai-Namco folder not found; pass --data-dir (the folder holding bandai_namco/) "
            "or set SMD_DATA_DIR."
        )
    opts = smd_options or SMDOptions()
    out = Path(output)
    n_per_split = sequences_per_split or SEQUENCES_PER_SPLIT
    all_clips = list_clips(root)
    motions: dict[str, Motion] = {}
    excluded: dict[str, str] = {}
    clips: list[Clip] = []
    read_opts = ReadOptions(target_fps=FPS)
    for c in all_clips:
        m = load_motion(root / c.file, options=read_opts)
        why = check_clip(m, c.label)
        if why is not None:
            excluded[c.file] = why
            continue
        motions[c.file] = m
        clips.append(c)
    summary = BuildSummary(output=out, n_clips=len(clips), excluded=excluded)
    seq_meta: list[dict[str, Any]] = []
    per_split_items: dict[str, list[MCQuestion]] = {}
    for split in ("train", "val", "test"):
        pool = [c for c in clips if c.split == split]
        rng = _seq_rng(seed, split, "sequences")
        seqs = _draw_sequences(pool, n_per_split.get(split, 0), rng)
        (out / "sequences" / split).mkdir(parents=True, exist_ok=True)
        items: list[MCQuestion] = []
        records = []
        for n, seq in enumerate(seqs):
            seq_id = f"{split}_{n:04d}"
            parts = [pool[i] for i in seq]
            joints, starts = join_clips([motions[p.file] for p in parts])
            try:
                motion = Motion(joints, FPS, source=f"{NAME}/{seq_id}").canonicalize()
                smd = smd_of_motion(motion, opts)
            except MotionSMDError as exc:
                raise MotionSMDError(f"{NAME} sequence {seq_id} ({[p.file for p in parts]}): {exc}") from None
            np.save(out / "sequences" / split / f"{seq_id}.npy", motion.joints.astype(np.float32))
            ends = [*starts[1:], motion.n_frames]
            seq_meta.append(
                {
                    "id": seq_id,
                    "split": split,
                    "fps": FPS,
                    "n_frames": motion.n_frames,
                    "clips": [
                        {
                            "file": p.file,
                            "content": p.content,
                            "style": p.style,
                            "take": p.take,
                            "action": p.label.action,
                            "direction": p.label.direction,
                            "body_part": p.label.body_part,
                            "start_s": round(a / FPS, 2),
                            "end_s": round((b - 1) / FPS, 2),
                        }
                        for p, a, b in zip(parts, starts, ends, strict=True)
                    ],
                }
            )
            qrng = _seq_rng(seed, seq_id, "questions")
            drafts = select_questions(
                generate_questions([p.label for p in parts], qrng), MAX_QUESTIONS_PER_SEQUENCE, qrng
            )
            for k, d in enumerate(drafts):
                q = QAQuestion(
                    id=f"{seq_id}_q{k}",
                    dataset=NAME,
                    split=split,
                    sequence_id=seq_id,
                    question=d.question,
                    program=d.program,
                    answer=d.answer,
                    query_type=d.query_type,
                    relation_type=d.relation_type,
                )
                mc = standardise_question(q, VOCAB[d.query_type], max_options, seed)
                items.append(mc)
                records.append(qa_record(mc, smd, opts.variant, {"clips": [p.content for p in parts]}))
        write_mc_json(out / f"questions_{split}.json", items, {"dataset": NAME, "seed": seed, "split": split})
        write_records(out / f"records_{split}.jsonl", records)
        per_split_items[split] = items
        summary.sequences[split] = len(seqs)
        summary.questions[split] = len(items)
        ds = QADataset(NAME, tuple(m.question for m in items), dict(VOCAB))
        summary.answer_distribution[split] = {
            qt: dict(sorted(c.items())) for qt, c in sorted(ds.answer_distribution().items())
        }
    for split, items in per_split_items.items():
        overall, per_type = _baselines(items, per_split_items["train"], seed)
        summary.baselines[split] = overall
        summary.per_type_baselines[split] = per_type
    atomic_write_text(out / "sequences.json", json.dumps(seq_meta, indent=1, sort_keys=True) + "\n")
    atomic_write_text(out / "summary.json", json.dumps(summary.to_dict(), indent=1, sort_keys=True) + "\n")
    return summary
