"""bandai-qa: clip joining (synthetic), question generation rules, and the real build."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from motion_smd.datasets.bandai_qa import (
    MAX_QUESTIONS_PER_SEQUENCE,
    SPLIT_STYLES,
    VOCAB,
    ClipLabel,
    build_bandai_qa,
    facing_deg,
    generate_questions,
    join_clips,
    split_of,
)
from motion_smd.datasets.options import read_mc_json
from motion_smd.datasets.records import read_records
from motion_smd.errors import ConfigError
from motion_smd.skeleton import PELVIS


def test_join_clips_continuity() -> None:
    from motion_smd.synthetic import turn_in_place, walk_forward

    a = turn_in_place(90.0)  # ends facing +X (turned left)
    b = walk_forward(n_steps=4)  # canonical: walks toward +Z from the origin
    joints, starts = join_clips([a, b], blend_s=0.3)
    assert starts == [0, a.n_frames] and joints.shape[0] == a.n_frames + b.n_frames
    # the second clip starts where the first ended (within the blend's first weight) and walks along +X
    jump = np.linalg.norm(joints[a.n_frames] - joints[a.n_frames - 1], axis=-1).max()
    step = np.linalg.norm(np.diff(b.joints, axis=0), axis=-1).max()
    assert jump <= step + 1e-9
    d = joints[-1, PELVIS] - joints[a.n_frames, PELVIS]
    assert d[0] > 1.0 and abs(d[2]) < 0.2 * d[0]
    assert facing_deg(joints[-1:])[0] == pytest.approx(facing_deg(a.joints[-1:])[0], abs=5)
    # after the blend the clip is exactly the rotated original (no lasting offset)
    k = a.n_frames + 10
    rel = joints[k] - joints[k, PELVIS]
    th = np.radians(facing_deg(a.joints[-1:])[0])
    orig = b.joints[10] - b.joints[10, PELVIS]
    rot = np.stack(
        [
            np.cos(th) * orig[:, 0] + np.sin(th) * orig[:, 2],
            orig[:, 1],
            -np.sin(th) * orig[:, 0] + np.cos(th) * orig[:, 2],
        ],
        axis=-1,
    )
    assert np.allclose(rel, rot, atol=1e-9)


def test_question_rules() -> None:
    rng = np.random.default_rng(0)
    labels = [ClipLabel("walk", "forward"), ClipLabel("wave", body_part="left hand"), ClipLabel("turn", "right")]
    drafts = generate_questions(labels, rng)
    by_text = {d.question: d for d in drafts}
    assert by_text["What action does the person do before they wave?"].answer == "walk"
    assert by_text["What body part does the person use after they walk?"].answer == "left hand"
    assert by_text["What direction does the person move while they turn?"].answer == "right"
    between = [d for d in drafts if d.relation_type == "in between" and d.query_type == "query_action"]
    assert between and all(d.answer == "wave" for d in between)
    # ambiguous: two clips after walk → no query_action "after they walk"
    assert "What action does the person do after they walk?" not in by_text
    # direction after walk: only the turn carries a direction → answerable
    assert by_text["What direction does the person move after they walk?"].answer == "right"
    for d in drafts:
        assert d.answer in VOCAB[d.query_type]
        assert d.program[0] == "[0]=scene(motion_seq)" and d.program[-1].startswith(f"?={d.query_type}(")


def test_split_by_style() -> None:
    assert split_of("dataset-2", SPLIT_STYLES["dataset-2"]["test"][0]) == "test"
    assert split_of("dataset-1", "normal") == "train"


def test_build_size_time_and_files(bandai_qa_built: tuple[Path, object, float]) -> None:
    out, summary, seconds = bandai_qa_built
    assert seconds < 60
    assert summary.questions["train"] >= 500 and summary.questions["test"] >= 150  # type: ignore[attr-defined]
    for split in ("train", "val", "test"):
        items = read_mc_json(out / f"questions_{split}.json")
        recs = read_records(out / f"records_{split}.jsonl")
        assert len(items) == len(recs) == summary.questions[split]  # type: ignore[attr-defined]
        for m, r in zip(items, recs, strict=True):
            assert len(m.options) <= 10 and m.options.count(m.question.answer) == 1
            assert r.options == m.options and r.target == m.question.answer and r.smd.startswith("Motion:")
            assert r.meta["query_type"] in VOCAB
    seqs = json.loads((out / "sequences.json").read_text())
    for s in seqs[:20]:
        j = np.load(out / "sequences" / s["split"] / f"{s['id']}.npy")
        assert j.shape == (s["n_frames"], 22, 3) and j.dtype == np.float32
        assert 2 <= len(s["clips"]) <= 3
    # clips (and styles) never cross splits
    files = {sp: {c["file"] for s in seqs if s["split"] == sp for c in s["clips"]} for sp in ("train", "val", "test")}
    assert not files["train"] & files["test"] and not files["train"] & files["val"] and not files["val"] & files["test"]
    # baselines are real computations: random close to its expectation, majority above random
    b = summary.baselines["test"]  # type: ignore[attr-defined]
    assert abs(b["random"] - b["random_expected"]) < 0.1 and b["majority"] > b["random_expected"]


def test_build_deterministic(smd_data_dir: Path, tmp_path: Path, bandai_qa_built: tuple[Path, object, float]) -> None:
    out, _, _ = bandai_qa_built
    small = {"train": 0, "val": 0, "test": 70}
    a = build_bandai_qa(tmp_path / "a", data_dir=smd_data_dir, seed=0, sequences_per_split=small)
    assert (tmp_path / "a" / "questions_test.json").read_bytes() == (out / "questions_test.json").read_bytes()
    assert (tmp_path / "a" / "records_test.jsonl").read_bytes() == (out / "records_test.jsonl").read_bytes()
    assert a.questions["test"] > 0
    b = build_bandai_qa(tmp_path / "b", data_dir=smd_data_dir, seed=1, sequences_per_split=small)
    assert (tmp_path / "b" / "questions_test.json").read_bytes() != (out / "questions_test.json").read_bytes()
    assert b.questions["test"] > 0


def test_more_training_questions_leave_val_and_test_unchanged(smd_data_dir: Path, tmp_path: Path) -> None:
    """`train_questions_per_sequence` adds training questions only: val/test files are byte-identical and each
    training sequence's first MAX_QUESTIONS_PER_SEQUENCE questions are those of the default build."""
    small = {"train": 12, "val": 3, "test": 5}
    build_bandai_qa(tmp_path / "a", data_dir=smd_data_dir, seed=0, sequences_per_split=small)
    more = build_bandai_qa(
        tmp_path / "b", data_dir=smd_data_dir, seed=0, sequences_per_split=small, train_questions_per_sequence=16
    )
    for name in ("questions_val.json", "questions_test.json", "records_val.jsonl", "records_test.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name

    def by_sequence(folder: Path) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for line in (folder / "records_train.jsonl").read_text().splitlines():
            r = json.loads(line)
            out.setdefault(r["meta"]["sequence_id"], []).append(r)
        return out

    default, extended = by_sequence(tmp_path / "a"), by_sequence(tmp_path / "b")
    assert default.keys() == extended.keys()
    assert all(extended[s][: len(default[s])] == default[s] for s in default)
    assert all(len(default[s]) <= MAX_QUESTIONS_PER_SEQUENCE for s in default)
    assert more.questions["train"] > 2 * sum(len(v) for v in default.values())
    assert max(len(v) for v in extended.values()) <= 16
    assert all(len({r["question"] for r in v}) == len(v) for v in extended.values())  # distinct per sequence


def test_split_by_take(smd_data_dir: Path, tmp_path: Path) -> None:
    """Train on take 001, test on take 002 of the same actions and styles (issue #20's generalisation check)."""
    from motion_smd.datasets.bandai_qa import list_clips

    clips = list_clips(smd_data_dir / "bandai_namco", split_by="take")
    assert {c.split for c in clips if c.take == "001"} == {"train"}
    assert {c.split for c in clips if c.take != "001"} == {"val", "test"}
    train_kinds = {(c.dataset, c.content, c.style) for c in clips if c.split == "train"}
    held_out = [c for c in clips if c.split != "train"]
    assert len(held_out) >= 80 and all((c.dataset, c.content, c.style) in train_kinds for c in held_out)
    summary = build_bandai_qa(
        tmp_path,
        data_dir=smd_data_dir,
        seed=0,
        sequences_per_split={"train": 30, "val": 5, "test": 20},
        split_by="take",
    )
    assert summary.split_by == "take" and summary.questions["test"] > 40
    used = {
        p["file"]
        for s in json.loads((tmp_path / "sequences.json").read_text())
        for p in s["clips"]
        if s["split"] == "test"
    }
    assert used and all(f.endswith("_002.bvh") for f in used)
    with pytest.raises(ConfigError, match="split_by"):
        list_clips(smd_data_dir / "bandai_namco", split_by="subject")


def test_mirrored_content_names() -> None:
    """Every labelled content's mirror name is labelled too, with left and right swapped (and nothing else)."""
    from motion_smd.datasets.bandai_qa import CONTENT_LABELS
    from motion_smd.datasets.bandai_qa.labels import mirrored_content

    flip = {"left": "right", "right": "left", "left hand": "right hand", "right hand": "left hand"}
    assert mirrored_content("walk-turn-left") == "walk-turn-right"
    assert mirrored_content("raise-up-right-hand") == "raise-up-left-hand"
    assert mirrored_content("wave-both-hands") == "wave-both-hands"
    for name, label in CONTENT_LABELS.items():
        twin = CONTENT_LABELS[mirrored_content(name)]
        assert twin.action == label.action, name
        assert twin.direction == flip.get(label.direction or "", label.direction), name
        assert twin.body_part == flip.get(label.body_part or "", label.body_part), name


def test_mirror_train(smd_data_dir: Path, tmp_path: Path) -> None:
    """`mirror_train`: each training sequence is followed by its mirror image (joints reflected, x → −x with left
    and right joints swapped), whose Timeline is the original's with "left" and "right" swapped, up to the order of
    simultaneous events; validation and test files are byte-identical to the build without it.

    The text is the Timeline alone (the records of issue #20's mirrored-training run): the trajectory sections
    state signed positions under a sign convention ("+ = left"), so they are mirror-equivariant in value, not word
    by word."""
    import re

    from motion_smd.datasets.bandai_qa.splits import MIRROR_SUFFIX
    from motion_smd.options import SMDOptions
    from motion_smd.skeleton import SMPL22_MIRROR

    small = {"train": 12, "val": 3, "test": 5}
    opts = SMDOptions(
        top_k=1, delta_deg=20, delta_m=0.2, delta_heading_deg=30, timeline=True, trajectory=False, joint_angles=False
    )
    kw = {"data_dir": smd_data_dir, "seed": 0, "sequences_per_split": small, "split_by": "take", "smd_options": opts}
    build_bandai_qa(tmp_path / "a", **kw)  # type: ignore[arg-type]
    summary = build_bandai_qa(tmp_path / "b", mirror_train=True, **kw)  # type: ignore[arg-type]
    for name in ("questions_val.json", "questions_test.json", "records_val.jsonl", "records_test.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert summary.mirror_train and summary.sequences["train"] == 24
    assert not [f for f in summary.excluded if f.endswith(MIRROR_SUFFIX)]  # every mirrored clip passes check_clip

    seqs = {s["id"]: s for s in json.loads((tmp_path / "b" / "sequences.json").read_text())}
    texts: dict[str, str] = {}
    for line in (tmp_path / "b" / "records_train.jsonl").read_text().splitlines():
        r = json.loads(line)
        texts[r["meta"]["sequence_id"]] = r["smd"]

    def swap(text: str) -> str:
        return re.sub(r"\b(left|right)\b", lambda m: "right" if m.group(0) == "left" else "left", text)

    originals = [s for s in seqs if s.startswith("train_") and not s.endswith("_mirrored")]
    assert len(originals) == 12
    for sid in originals:
        twin = seqs[f"{sid}_mirrored"]
        assert [c["file"] for c in twin["clips"]] == [c["file"] + MIRROR_SUFFIX for c in seqs[sid]["clips"]]
        for c, t in zip(seqs[sid]["clips"], twin["clips"], strict=True):
            assert swap(c["content"].replace("-", " ")) == t["content"].replace("-", " ")
        a = np.load(tmp_path / "b" / "sequences" / "train" / f"{sid}.npy")
        b = np.load(tmp_path / "b" / "sequences" / "train" / f"{sid}_mirrored.npy")
        reflected = a[:, list(SMPL22_MIRROR)] * np.array([-1.0, 1.0, 1.0], dtype=np.float32)
        np.testing.assert_allclose(b, reflected, atol=1e-4)
        original = swap(texts[sid]).replace(sid, "ID").splitlines()
        mirrored = texts[f"{sid}_mirrored"].replace(f"{sid}_mirrored", "ID").splitlines()
        assert sorted(original) == sorted(mirrored), sid
