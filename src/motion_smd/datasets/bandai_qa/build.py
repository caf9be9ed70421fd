"""bandai-qa build: clips read and checked, sequences joined and described, questions standardised, records,
questions, sequences and the summary (with the answer-prior baselines) written (docs/datasets.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from motion_smd.datasets.bandai_qa.joining import FPS, join_clips
from motion_smd.datasets.bandai_qa.labels import VOCAB, check_clip
from motion_smd.datasets.bandai_qa.questions import MAX_QUESTIONS_PER_SEQUENCE, generate_questions, select_questions
from motion_smd.datasets.bandai_qa.splits import (
    NAME,
    SEQUENCES_PER_SPLIT,
    Clip,
    draw_sequences,
    list_clips,
    mirrored_clip,
    seq_rng,
)
from motion_smd.datasets.options import MCQuestion, standardise_question, write_mc_json
from motion_smd.datasets.qa_common import QADataset, QAQuestion, default_data_dir, smd_of_motion
from motion_smd.datasets.records import Record, qa_record, write_records
from motion_smd.errors import ConfigError, MotionSMDError
from motion_smd.files import atomic_write_text
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions


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
        split_by: how the clips were split ("style" or "take", `splits.SPLIT_BY`).
        mirror_train: whether each training sequence has a mirrored twin (`build_bandai_qa`).
    """

    output: Path
    n_clips: int
    excluded: dict[str, str]
    sequences: dict[str, int] = field(default_factory=dict)
    questions: dict[str, int] = field(default_factory=dict)
    answer_distribution: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)
    per_type_baselines: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    split_by: str = "style"
    mirror_train: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (every field; the folder as a string)."""
        return {**asdict(self), "output": str(self.output)}

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [
            f"bandai-qa in {self.output} (split by {self.split_by}"
            f"{', training sequences mirrored too' if self.mirror_train else ''}): {self.n_clips} clips used, "
            f"{len(self.excluded)} failed the label check"
        ]
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


def baselines(
    records: Sequence[Record], train_records: Sequence[Record], seed: int
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """The summary's view of `motion_smd.metrics.qa.qa_baselines` (prior from the train split).

    Returns:
        ({"majority", "random", "random_expected"} accuracies, {"majority"|"random": query type → accuracy}).
    """
    from motion_smd.metrics.qa import qa_baselines

    b = qa_baselines([r.to_dict() for r in records], [r.to_dict() for r in train_records], seed)
    overall = {"majority": b.majority.overall.accuracy, "random": b.random.overall.accuracy}
    overall["random_expected"] = b.random_expected
    per_type = {
        "majority": {k: v.accuracy for k, v in b.majority.per_query_type.items()},
        "random": {k: v.accuracy for k, v in b.random.per_query_type.items()},
    }
    return overall, per_type


def bandai_root(data_dir: Path | str | None) -> Path:
    """The `bandai_namco/` folder of `data_dir` (default `default_data_dir()`).

    Raises:
        ConfigError: it does not exist (the message says how to point at it).
    """
    root = (Path(data_dir) if data_dir is not None else default_data_dir()) / "bandai_namco"
    if not root.is_dir():
        raise ConfigError(
            f"{root}: Bandai-Namco folder not found; pass --data-dir (the folder holding bandai_namco/) "
            "or set SMD_DATA_DIR."
        )
    return root


def read_checked_clips(root: Path, split_by: str = "style") -> tuple[list[Clip], dict[str, Motion], dict[str, str]]:
    """The usable clips of `root` whose motion agrees with their label, resampled to FPS, split by `split_by`.

    Returns:
        (clips kept, file → canonical motion, file → reason for each clip left out).

    Raises:
        ConfigError: missing or malformed manifest.
        MotionSMDError: a clip cannot be read.
    """
    from motion_smd.io import ReadOptions, load_motion

    motions: dict[str, Motion] = {}
    excluded: dict[str, str] = {}
    clips: list[Clip] = []
    read_opts = ReadOptions(target_fps=FPS)
    for c in list_clips(root, split_by):
        if keep_if_checked(c, load_motion(root / c.file, options=read_opts), motions, excluded):
            clips.append(c)
    return clips, motions, excluded


def keep_if_checked(clip: Clip, motion: Motion, motions: dict[str, Motion], excluded: dict[str, str]) -> bool:
    """Check `motion` against `clip.label` (`check_clip`): store it in `motions` under `clip.file` when it agrees,
    else the reason in `excluded`. Returns whether it was kept."""
    why = check_clip(motion, clip.label)
    if why is not None:
        excluded[clip.file] = why
        return False
    motions[clip.file] = motion
    return True


def sequence_meta(
    seq_id: str, split: str, parts: Sequence[Clip], starts: Sequence[int], n_frames: int
) -> dict[str, Any]:
    """The `sequences.json` entry of one joined sequence: its clips, labels and time spans (seconds)."""
    ends = [*starts[1:], n_frames]
    return {
        "id": seq_id,
        "split": split,
        "fps": FPS,
        "n_frames": n_frames,
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


def sequence_questions(
    seq_id: str,
    split: str,
    parts: Sequence[Clip],
    max_options: int,
    seed: int,
    n_questions: int = MAX_QUESTIONS_PER_SEQUENCE,
) -> list[MCQuestion]:
    """The standardised questions of one sequence (at most `n_questions`; the first k of them are the same
    for every n_questions ≥ k, as `select_questions` takes them round-robin from fixed shuffles)."""
    qrng = seq_rng(seed, seq_id, "questions")
    drafts = select_questions(generate_questions([p.label for p in parts], qrng), n_questions, qrng)
    out = []
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
        out.append(standardise_question(q, VOCAB[d.query_type], max_options, seed))
    return out


@dataclass
class SplitResult:
    """What one split produced: its sequences' metadata, questions and records."""

    meta: list[dict[str, Any]] = field(default_factory=list)
    items: list[MCQuestion] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


def build_split(
    out: Path,
    split: str,
    pool: Sequence[Clip],
    motions: Mapping[str, Motion],
    n_sequences: int,
    seed: int,
    max_options: int,
    opts: SMDOptions,
    n_questions: int = MAX_QUESTIONS_PER_SEQUENCE,
    twins: Mapping[str, Clip] | None = None,
) -> SplitResult:
    """Draw, join, describe and question the sequences of one split (at most `n_questions` per sequence);
    writes `sequences/<split>/<id>.npy`. With `twins` (file → mirrored clip, `mirror_clips`), each drawn sequence
    whose clips all have a twin is followed by its mirror image `<id>_mirrored`, joined from the twins, with
    questions of its own drawn from the mirrored labels.

    Raises:
        MotionSMDError: a joined sequence cannot be described (the message names its clips).
    """
    res = SplitResult()
    (out / "sequences" / split).mkdir(parents=True, exist_ok=True)
    for n, seq in enumerate(draw_sequences(pool, n_sequences, seq_rng(seed, split, "sequences"))):
        parts = [pool[i] for i in seq]
        versions = [(f"{split}_{n:04d}", parts)]
        if twins is not None and all(p.file in twins for p in parts):
            versions.append((f"{split}_{n:04d}_mirrored", [twins[p.file] for p in parts]))
        for seq_id, clips in versions:
            joints, starts = join_clips([motions[p.file] for p in clips])
            try:
                motion = Motion(joints, FPS, source=f"{NAME}/{seq_id}").canonicalize()
                smd = smd_of_motion(motion, opts)
            except MotionSMDError as exc:
                raise MotionSMDError(f"{NAME} sequence {seq_id} ({[p.file for p in clips]}): {exc}") from None
            np.save(out / "sequences" / split / f"{seq_id}.npy", motion.joints.astype(np.float32))
            res.meta.append(sequence_meta(seq_id, split, clips, starts, motion.n_frames))
            for mc in sequence_questions(seq_id, split, clips, max_options, seed, n_questions):
                res.items.append(mc)
                res.records.append(qa_record(mc, smd, opts.variant, {"clips": [p.content for p in clips]}))
    return res


def mirror_clips(clips: Sequence[Clip], motions: dict[str, Motion], excluded: dict[str, str]) -> dict[str, Clip]:
    """Left-right mirror images of `clips` (`splits.mirrored_clip`, motion `Motion.mirrored`: x → −x and left/right
    joints swapped, which keeps a canonical clip canonical), each checked against its mirrored label with
    `check_clip`; adds the kept ones' motions to `motions` and each failure's reason to `excluded`.

    Returns:
        original file → mirrored Clip, for the mirrored clips that pass the check.
    """
    twins: dict[str, Clip] = {}
    for c in clips:
        twin = mirrored_clip(c)
        if keep_if_checked(twin, motions[c.file].mirrored(), motions, excluded):
            twins[c.file] = twin
    return twins


def build_bandai_qa(
    output: Path | str,
    data_dir: Path | str | None = None,
    seed: int = 0,
    max_options: int = 10,
    smd_options: SMDOptions | None = None,
    sequences_per_split: dict[str, int] | None = None,
    split_by: str = "style",
    train_questions_per_sequence: int = MAX_QUESTIONS_PER_SEQUENCE,
    mirror_train: bool = False,
) -> BuildSummary:
    """Build bandai-qa into `output` (see the `motion_smd.datasets.bandai_qa` docstring).

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
        split_by: "style" (held-out performance styles) or "take" (train on take 001, test on take 002 of the
            same actions and styles): `splits.SPLIT_BY`.
        train_questions_per_sequence: questions per training sequence (validation and test keep
            MAX_QUESTIONS_PER_SEQUENCE, so their questions do not change). More training questions add
            supervision at little cost in tokens when training packs the questions of one motion behind its
            SMD text (`smd train --pack-questions`); the first MAX_QUESTIONS_PER_SEQUENCE of each sequence are
            those of the default build. The majority baseline follows the training answers.
        mirror_train: add the left-right mirror image of every training sequence (`mirror_clips`: mirrored
            joints, "left" and "right" swapped in the clip names, so in labels, questions and answers; each
            mirrored clip checked against its label), with its own questions. Validation and test are unchanged;
            the training answers, so the majority baseline, become left-right balanced. A mirror image of a
            recording is a recording the model has not seen, with the answer known: it teaches that "left"
            in the answer follows the text, not the performer (issue #20, item 5).

    Returns:
        The BuildSummary (also written to summary.json).

    Raises:
        ConfigError: the Bandai-Namco folder or manifest is missing.
        MotionSMDError: a clip cannot be read.
    """
    root = bandai_root(data_dir)
    opts = smd_options or SMDOptions()
    out = Path(output)
    n_per_split = sequences_per_split or SEQUENCES_PER_SPLIT
    clips, motions, excluded = read_checked_clips(root, split_by)
    twins = mirror_clips([c for c in clips if c.split == "train"], motions, excluded) if mirror_train else {}
    summary = BuildSummary(
        output=out, n_clips=len(clips), excluded=excluded, split_by=split_by, mirror_train=mirror_train
    )
    seq_meta: list[dict[str, Any]] = []
    results: dict[str, SplitResult] = {}
    for split in ("train", "val", "test"):
        pool = [c for c in clips if c.split == split]
        n_q = train_questions_per_sequence if split == "train" else MAX_QUESTIONS_PER_SEQUENCE
        res = build_split(
            out,
            split,
            pool,
            motions,
            n_per_split.get(split, 0),
            seed,
            max_options,
            opts,
            n_q,
            twins if split == "train" else None,
        )
        write_mc_json(out / f"questions_{split}.json", res.items, {"dataset": NAME, "seed": seed, "split": split})
        write_records(out / f"records_{split}.jsonl", res.records)
        seq_meta.extend(res.meta)
        results[split] = res
        summary.sequences[split] = len(res.meta)
        summary.questions[split] = len(res.items)
        ds = QADataset(NAME, tuple(m.question for m in res.items), dict(VOCAB))
        summary.answer_distribution[split] = {
            qt: dict(sorted(c.items())) for qt, c in sorted(ds.answer_distribution().items())
        }
    for split, res in results.items():
        summary.baselines[split], summary.per_type_baselines[split] = baselines(
            res.records, results["train"].records, seed
        )
    atomic_write_text(out / "sequences.json", json.dumps(seq_meta, indent=1, sort_keys=True) + "\n")
    atomic_write_text(out / "summary.json", json.dumps(summary.to_dict(), indent=1, sort_keys=True) + "\n")
    return summary
