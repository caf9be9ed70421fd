"""bandai-dense: real motion with exact temporal ground truth (issue #15, deliverable 4), built from the same
checked Bandai-Namco clips, splits and joining as bandai-qa (`motion_smd.datasets.bandai_qa`, docs/datasets.md).

Two kinds of sequence, both at 20 fps and canonicalised:
- **joined**: 2–5 clips of one (dataset, style) group with distinct action phrases, joined with the bandai-qa
  blend (`join_clips`, 0.3 s). Clip k spans [start_k / fps, end_k / fps): the spans tile the sequence.
- **repeated**: one clip that does not repeat on its own (`count_repetitions` of the clip finds nothing) joined
  to itself k times, for every k of `REPEATS` (as `benchmarks/count_repeated.py`).

Three record tasks (task "temporal", `meta.query_type`):
- "dense": "[0.0–4.1 s] walk forward; [4.1–7.9 s] wave the right hand" (one per joined sequence);
- "localise": "When does the person wave the right hand?" → "4.1–7.9 s" (one per clip of a joined sequence);
- "count": "How many times does the person bow?" → "3" (one per repeated sequence).

Splits are disjoint by performance style (`SPLIT_STYLES` of bandai-qa). The build also writes the predictions
of the baselines (`PREDICTORS`) and scores them in `summary.json`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from motion_smd.actions import action_timeline, localise, phrase_of
from motion_smd.counting import count_repetitions
from motion_smd.datasets.bandai_qa.build import bandai_root, read_checked_clips
from motion_smd.datasets.bandai_qa.joining import FPS, join_clips
from motion_smd.datasets.bandai_qa.labels import BODY_PARTS, DIRECTIONS
from motion_smd.datasets.bandai_qa.splits import Clip, draw_sequences, seq_rng
from motion_smd.datasets.qa_common import smd_of_motion
from motion_smd.datasets.records import Record, write_records
from motion_smd.describer import describe
from motion_smd.errors import MotionSMDError
from motion_smd.events import motion_events
from motion_smd.files import atomic_write_text, write_jsonl
from motion_smd.metrics.dense import TimedCaption, format_span, format_timeline, parse_span, temporal_report
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions

NAME = "bandai-dense"
SPLITS = ("train", "val", "test")
JOINED_PER_SPLIT = {"train": 200, "val": 30, "test": 60}
"""Joined sequences drawn per split."""
JOINED_LENGTHS = (2, 3, 4, 5)
REPEATS = (2, 3, 4, 5, 6)

VOCABULARY = tuple(
    sorted(
        {phrase_of(a, d) for a in ("walk", "run") for d in DIRECTIONS}
        | {phrase_of("turn", d) for d in ("left", "right")}
        | {phrase_of(a, body_part=b) for a in ("wave", "raise hand") for b in BODY_PARTS}
        | {phrase_of("bow")}
    )
)
"""Every action phrase a clip label can have (`phrase_of` over the bandai-qa ACTIONS)."""

DENSE_QUESTION = (
    'List the actions in time order, each with its time span, as "[start–end s] action" separated by '
    "semicolons. Actions: " + ", ".join(VOCABULARY) + "."
)


def localise_question(phrase: str) -> str:
    """ "When does the person wave the right hand? …"."""
    return f'When does the person {phrase}? Answer with the time span as "start–end s".'


def count_question(phrase: str) -> str:
    """ "How many times does the person bow? …"."""
    return f"How many times does the person {phrase}? Answer with a number."


def clip_phrase(clip: Clip) -> str:
    """The action phrase of a clip's label."""
    return phrase_of(clip.label.action, clip.label.direction, clip.label.body_part)


@dataclass(frozen=True)
class DenseSequence:
    """One built sequence: id, kind ("joined" | "repeated"), its motion, the clips (one entry per joined clip,
    or the one repeated clip), the reference timeline and, for repeated sequences, k."""

    id: str
    kind: str
    motion: Motion
    clips: tuple[Clip, ...]
    timeline: tuple[TimedCaption, ...]
    k: int = 1

    def meta(self) -> dict[str, Any]:
        """The `sequences.json` entry."""
        return {
            "id": self.id,
            "kind": self.kind,
            "fps": FPS,
            "n_frames": self.motion.n_frames,
            "k": self.k,
            "clips": [{"file": c.file, "content": c.content, "style": c.style, "take": c.take} for c in self.clips],
            "timeline": [[e.start_s, e.end_s, e.caption] for e in self.timeline],
        }


def _sequence(
    seq_id: str, kind: str, clips: Sequence[Clip], parts: Sequence[Motion], phrases: Sequence[str], k: int = 1
) -> DenseSequence:
    """Join `parts` (bandai-qa blend) and give part i the phrase `phrases[i]` over its span [start / fps,
    end / fps)."""
    joints, starts = join_clips(parts)
    ends = [*starts[1:], joints.shape[0]]
    timeline = tuple(TimedCaption(a / FPS, b / FPS, ph) for ph, a, b in zip(phrases, starts, ends, strict=True))
    motion = Motion(joints, FPS, source=f"{NAME}/{seq_id}").canonicalize()
    return DenseSequence(seq_id, kind, motion, tuple(clips), timeline, k)


def joined_sequence(seq_id: str, parts: Sequence[Clip], motions: Mapping[str, Motion]) -> DenseSequence:
    """Join clips (bandai-qa blend) and give each clip's phrase its span [start / fps, end / fps)."""
    return _sequence(seq_id, "joined", parts, [motions[p.file] for p in parts], [clip_phrase(p) for p in parts])


def repeated_sequence(seq_id: str, clip: Clip, motion: Motion, k: int) -> DenseSequence:
    """One clip joined to itself k times; its timeline is one entry per repetition."""
    return _sequence(seq_id, "repeated", (clip,), [motion] * k, [clip_phrase(clip)] * k, k)


def sequence_records(seq: DenseSequence, split: str, smd: str, variant: str) -> list[Record]:
    """The temporal records of one sequence (module docstring)."""

    def rec(suffix: str, query_type: str, question: str, answer: str, **meta: Any) -> Record:
        m = {"query_type": query_type, "sequence_id": seq.id, "duration_s": seq.motion.duration_s, **meta}
        return Record(
            id=f"{seq.id}_{suffix}", task="temporal", dataset=NAME, split=split, variant=variant, smd=smd,
            target=answer, question=question, answer=answer, meta=m,
        )  # fmt: skip

    if seq.kind == "repeated":
        phrase = seq.timeline[0].caption
        return [rec("count", "count", count_question(phrase), str(seq.k), phrase=phrase, clip=seq.clips[0].content)]
    out = [rec("dense", "dense", DENSE_QUESTION, format_timeline(seq.timeline), clips=[c.content for c in seq.clips])]
    for j, e in enumerate(seq.timeline):
        out.append(rec(f"loc{j}", "localise", localise_question(e.caption), format_span(e.span), phrase=e.caption))
    return out


Predictor = Callable[[Record, Motion], str]
"""(record, its sequence's motion) → prediction text."""


Analysis = tuple[list[TimedCaption], list[str], int]
"""What the SMD says of one sequence: its action timeline, its event lines and its main repetition's count."""


def deterministic_predictor(events_as_text: bool, cache: dict[str, Analysis] | None = None) -> Predictor:
    """The SMD's own answers: dense = `action_timeline` of the events (or the raw event lines when
    `events_as_text`), localise = `localise` on that timeline, count = the main repetition's count
    (`count_repetitions`; 1 when nothing repeats). Predictors given one `cache` (sequence id → Analysis)
    describe each sequence once between them."""
    analyses = cache if cache is not None else {}

    def predict(record: Record, motion: Motion) -> str:
        sid = str(record.meta["sequence_id"])
        if sid not in analyses:
            desc = describe(motion)
            events = motion_events(desc)
            reps = count_repetitions(desc)
            analyses[sid] = (action_timeline(events), [e.line() for e in events], reps[0].count if reps else 1)
        timeline, lines, count = analyses[sid]
        qt = record.meta["query_type"]
        if qt == "dense":
            return "; ".join(lines) if events_as_text else format_timeline(timeline)
        if qt == "localise":
            return format_span(localise(timeline, str(record.meta["phrase"]), motion.duration_s))
        return str(count)

    return predict


@dataclass(frozen=True)
class Priors:
    """What the train split says without looking at motion: clip counts of joined sequences, phrases,
    relative localisation spans (start ÷ duration, end ÷ duration) and repetition counts."""

    n_clips: tuple[int, ...]
    phrases: tuple[str, ...]
    relative_spans: tuple[tuple[float, float], ...]
    counts: tuple[int, ...]

    @staticmethod
    def of(records: Sequence[Record]) -> Priors:
        """The priors of (train) records."""
        n_clips, phrases, spans, counts = [], [], [], []
        for r in records:
            qt, dur = r.meta["query_type"], float(r.meta["duration_s"])
            if qt == "dense":
                n_clips.append(len(r.meta["clips"]))
            elif qt == "localise":
                phrases.append(str(r.meta["phrase"]))
                span = parse_span(str(r.answer))
                if span is not None:
                    spans.append((span[0] / dur, span[1] / dur))
            else:
                counts.append(int(str(r.answer)))
        return Priors(tuple(n_clips), tuple(phrases), tuple(spans), tuple(counts))


def prior_predictor(priors: Priors) -> Predictor:
    """The answer prior: dense = the median train clip count of equal parts, each the most frequent train
    phrase; localise = the median relative train span × duration; count = the median train count."""
    m = int(np.median(priors.n_clips)) if priors.n_clips else 1
    top = Counter(priors.phrases).most_common(1)[0][0] if priors.phrases else VOCABULARY[0]
    rel = np.median(np.array(priors.relative_spans), axis=0) if priors.relative_spans else np.array([0.0, 1.0])
    count = int(np.median(priors.counts)) if priors.counts else 1

    def predict(record: Record, motion: Motion) -> str:
        dur = motion.duration_s
        qt = record.meta["query_type"]
        if qt == "dense":
            return format_timeline([TimedCaption(dur * i / m, dur * (i + 1) / m, top) for i in range(m)])
        if qt == "localise":
            return format_span((float(rel[0]) * dur, float(rel[1]) * dur))
        return str(count)

    return predict


def random_predictor(priors: Priors, seed: int) -> Predictor:
    """Uniform guesses (seeded per record id): dense = a train clip count of parts cut at uniform points with
    phrases drawn from the train phrases; localise = a span between two uniform times; count = a train count."""
    phrases = sorted(set(priors.phrases)) or list(VOCABULARY)
    n_clips = sorted(set(priors.n_clips)) or [1]
    counts = sorted(set(priors.counts)) or [1]

    def predict(record: Record, motion: Motion) -> str:
        rng = seq_rng(seed, record.id, "dense-random")
        dur = motion.duration_s
        qt = record.meta["query_type"]
        if qt == "dense":
            m = n_clips[int(rng.integers(len(n_clips)))]
            cuts = [0.0, *sorted(float(x) for x in rng.uniform(0, dur, m - 1)), dur]
            return format_timeline(
                [TimedCaption(a, b, phrases[int(rng.integers(len(phrases)))]) for a, b in pairwise(cuts)]
            )
        if qt == "localise":
            a, b = sorted(float(x) for x in rng.uniform(0, dur, 2))
            return format_span((a, b))
        return str(counts[int(rng.integers(len(counts)))])

    return predict


@dataclass
class DenseSummary:
    """What `build_bandai_dense` produced: sizes per split and the baselines' scores per split."""

    output: Path
    n_clips: int
    excluded: dict[str, str]
    repeating_clips: int = 0
    sequences: dict[str, dict[str, int]] = field(default_factory=dict)
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    scores: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (every field; the folder as a string)."""
        return {**asdict(self), "output": str(self.output)}

    def lines(self) -> list[str]:
        """Human-readable summary: sizes, and per split and baseline F1@0.5, R@1@0.5 and exact counts."""
        out = [
            f"{NAME} in {self.output}: {self.n_clips} clips used ({self.repeating_clips} repeat on their own, "
            f"so not repeated), {len(self.excluded)} failed the label check"
        ]
        for split in self.sequences:
            seqs, recs = self.sequences[split], self.records[split]
            out.append(
                f"{split}: {seqs.get('joined', 0)} joined + {seqs.get('repeated', 0)} repeated sequences; "
                + ", ".join(f"{recs[q]} {q}" for q in sorted(recs))
            )
            for name, rep in self.scores.get(split, {}).items():
                parts = []
                if "dense" in rep:
                    d = rep["dense"]
                    parts.append(
                        f"dense F1@0.5 {d['scores']['0.5']['f1']:.3f} "
                        f"(action named right {d['labelled']['0.5']['f1']:.3f})"
                    )
                if "localise" in rep:
                    parts.append(f"localise R@1@0.5 {rep['localise']['r_at_1']['0.5']:.3f}")
                if "count" in rep:
                    parts.append(f"count exact {rep['count']['exact']:.3f}, OBO {rep['count']['obo']:.3f}")
                out.append(f"  {name:13s} " + "; ".join(parts))
        return out


def build_bandai_dense(
    output: Path | str,
    data_dir: Path | str | None = None,
    seed: int = 0,
    smd_options: SMDOptions | None = None,
    joined_per_split: Mapping[str, int] | None = None,
) -> DenseSummary:
    """Build bandai-dense into `output` (module docstring).

    Writes: `sequences/<split>/<id>.npy` ((T, 22, 3) float32, metres, Y up, canonical, 20 fps),
    `sequences.json` (clips, kind, k and reference timeline of every sequence), `records_<split>.jsonl`
    (temporal records), `predictions/<split>/<predictor>.jsonl` (id, prediction) for the predictors
    "smd-actions", "smd-events", "prior" and "random", and `summary.json` (sizes and their scores).

    Args:
        output: folder to write (created; files of the same names are replaced).
        data_dir: folder holding `bandai_namco/` (default `default_data_dir()`).
        seed: seed of sequence drawing and of the random baseline.
        smd_options: SMD variant of the records' text (default SMDOptions()).
        joined_per_split: override JOINED_PER_SPLIT.

    Returns:
        The DenseSummary (also in summary.json).

    Raises:
        ConfigError: the Bandai-Namco folder or manifest is missing.
        MotionSMDError: a clip cannot be read or a sequence cannot be described (the message names it).
    """
    root = bandai_root(data_dir)
    opts = smd_options or SMDOptions()
    out = Path(output)
    n_joined = dict(joined_per_split or JOINED_PER_SPLIT)
    clips, motions, excluded = read_checked_clips(root)
    repeating = {c.file for c in clips if count_repetitions(describe(motions[c.file]))}
    summary = DenseSummary(out, len(clips), excluded, len(repeating))
    built: dict[str, list[tuple[Record, DenseSequence]]] = {}
    metas: list[dict[str, Any]] = []
    for split in SPLITS:
        pool = [c for c in clips if c.split == split]
        seqs: list[DenseSequence] = []
        draws = draw_sequences(
            pool, n_joined.get(split, 0), seq_rng(seed, split, "dense-sequences"), JOINED_LENGTHS, clip_phrase
        )
        for n, idx in enumerate(draws):
            seqs.append(joined_sequence(f"{split}_j{n:04d}", [pool[i] for i in idx], motions))
        for n, c in enumerate(c for c in pool if c.file not in repeating):
            seqs.extend(repeated_sequence(f"{split}_r{n:04d}_k{k}", c, motions[c.file], k) for k in REPEATS)
        (out / "sequences" / split).mkdir(parents=True, exist_ok=True)
        pairs: list[tuple[Record, DenseSequence]] = []
        for seq in seqs:
            try:
                smd = smd_of_motion(seq.motion, opts)
            except MotionSMDError as exc:
                raise MotionSMDError(f"{NAME} sequence {seq.id} ({[c.file for c in seq.clips]}): {exc}") from None
            np.save(out / "sequences" / split / f"{seq.id}.npy", seq.motion.joints.astype(np.float32))
            metas.append(seq.meta())
            pairs.extend((r, seq) for r in sequence_records(seq, split, smd, opts.variant))
        built[split] = pairs
        write_records(out / f"records_{split}.jsonl", [r for r, _ in pairs])
        summary.sequences[split] = dict(sorted(Counter(s.kind for s in seqs).items()))
        summary.records[split] = dict(sorted(Counter(str(r.meta["query_type"]) for r, _ in pairs).items()))
    priors = Priors.of([r for r, _ in built["train"]])
    analyses: dict[str, Analysis] = {}  # one description per sequence for both SMD predictors
    predictors = {
        "smd-actions": deterministic_predictor(events_as_text=False, cache=analyses),
        "smd-events": deterministic_predictor(events_as_text=True, cache=analyses),
        "prior": prior_predictor(priors),
        "random": random_predictor(priors, seed),
    }
    for split, pairs in built.items():
        summary.scores[split] = {}
        for name, predict in predictors.items():
            preds = {r.id: predict(r, seq.motion) for r, seq in pairs}
            (out / "predictions" / split).mkdir(parents=True, exist_ok=True)
            write_jsonl(
                out / "predictions" / split / f"{name}.jsonl", [{"id": k, "prediction": v} for k, v in preds.items()]
            )
            summary.scores[split][name] = temporal_report([r.to_dict() for r, _ in pairs], preds)
    atomic_write_text(out / "sequences.json", json.dumps(metas, indent=1, sort_keys=True) + "\n")
    atomic_write_text(out / "summary.json", json.dumps(summary.to_dict(), indent=1, sort_keys=True) + "\n")
    return summary
