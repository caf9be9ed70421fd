"""What BABEL-QA, HuMMan-QA and bandai-qa share: the question record, program parsing, vocabularies,
and joining questions with user-supplied joints.

Question programs follow the NSPose / BABEL-QA format (Endo et al., ICML 2023,
github.com/markendo/HumanMotionQA): a list of steps such as

    ['[0]=scene(motion_seq)', '[1]=filter_action([0], sit)', '[2]=relate([1], after)',
     '?=query_action([2])']

The query type is the function of the final `?=` step (`query_action`, `query_body_part`,
`query_direction`). The relation type follows the upstream statistics notebook
(`BABEL-QA/data_stats.ipynb`): two `relate` steps joined by `intersect` = "in between", one `relate`
step = its value ("before" / "after"), none = "none".
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from motion_smd.errors import ConfigError, MotionSMDError

if TYPE_CHECKING:
    from motion_smd.motion import Motion
    from motion_smd.options import SMDOptions

QUERY_TYPES = ("query_action", "query_body_part", "query_direction")
"""The three query types of BABEL-QA and HuMMan-QA."""

RELATION_TYPES = ("before", "after", "in between", "none")
"""Relation types in their canonical spelling (HuMMan's "in_between"/"no_relation" map here)."""

_STEP_RE = re.compile(r"^\s*(\[\d+\]|\?)\s*=\s*([a-z_]+)\((.*)\)\s*$")
_REF_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def default_data_dir() -> Path:
    """The shared real-data folder: `$SMD_DATA_DIR`, else `../shared/data` beside the project root.

    Returns:
        A path (it may not exist; callers check and skip or raise).
    """
    env = os.environ.get("SMD_DATA_DIR")
    if env:
        return Path(env)
    project_root = Path(__file__).resolve().parents[3]
    return project_root.parent / "shared" / "data"


@dataclass(frozen=True)
class ProgramStep:
    """One parsed step of a question program.

    Attributes:
        output: "[k]" index of the step, or "?" for the final query.
        function: e.g. "filter_action", "relate", "intersect", "query_action".
        inputs: indices of the steps it reads (from "[k]" references).
        value: the concept argument ("sit", "before", ...) or None.
    """

    output: str
    function: str
    inputs: tuple[int, ...]
    value: str | None


def parse_program(program: Sequence[str | dict[str, Any]], source: str = "") -> tuple[ProgramStep, ...]:
    """Parse a program given as strings (BABEL-QA files) or dicts (HuMMan `huMMan_questions.json`).

    Args:
        program: list of "[k]=fn(args)" strings, or dicts with "function", "inputs", "value_inputs".
        source: question id or file named in errors.

    Returns:
        The steps in order.

    Raises:
        ConfigError: a step that is not in the expected form.
    """
    steps: list[ProgramStep] = []
    for k, raw in enumerate(program):
        if isinstance(raw, dict):
            vals = raw.get("value_inputs") or []
            steps.append(
                ProgramStep(
                    output="?" if str(raw.get("function", "")).startswith("query") else f"[{k}]",
                    function=str(raw.get("function", "")),
                    inputs=tuple(int(i) for i in raw.get("inputs", [])),
                    value=str(vals[0]) if vals else None,
                )
            )
            continue
        m = _STEP_RE.match(str(raw))
        if m is None:
            raise ConfigError(
                f"{source}: program step {k} {raw!r} is not of the form '[k]=function(args)'; "
                "check that the file is a BABEL-QA/HuMMan-QA question file."
            )
        out, fn, args = m.groups()
        refs = tuple(int(i) for group in _REF_RE.findall(args) for i in group.split(","))
        value = _REF_RE.sub("", args).strip().strip(",").strip() or None
        if fn == "scene":
            value = None
        steps.append(ProgramStep(output=out, function=fn, inputs=refs, value=value))
    return tuple(steps)


def query_type_of(steps: Sequence[ProgramStep], source: str = "") -> str:
    """The query type: the function of the last step.

    Raises:
        ConfigError: the last step is not a known query.
    """
    if not steps or steps[-1].function not in QUERY_TYPES:
        last = steps[-1].function if steps else "(empty program)"
        raise ConfigError(f"{source}: the program ends with {last!r}, expected one of {QUERY_TYPES}.")
    return steps[-1].function


def relation_type_of(steps: Sequence[ProgramStep]) -> str:
    """Relation type from the `relate` steps: 2 → "in between", 1 → its value, 0 → "none"."""
    relates = [s for s in steps if s.function == "relate"]
    if len(relates) >= 2:
        return "in between"
    if len(relates) == 1:
        return str(relates[0].value)
    return "none"


def normalise_relation(value: str) -> str:
    """Map HuMMan spellings ("in_between", "no_relation", "no relation") to RELATION_TYPES.

    Raises:
        ConfigError: an unknown relation type.
    """
    v = value.strip().lower().replace("_", " ")
    v = {"no relation": "none", "inbetween": "in between"}.get(v, v)
    if v not in RELATION_TYPES:
        raise ConfigError(f"unknown relation type {value!r}; expected one of {RELATION_TYPES}.")
    return v


@dataclass(frozen=True)
class QAQuestion:
    """One motion question with its program, answer and labels.

    Attributes:
        id: question id (unique within a dataset).
        dataset: "babel-qa", "humman-qa", "bandai-qa".
        split: "train" / "val" / "test".
        sequence_id: id of the motion sequence it asks about (BABEL sid, HuMMan sequence name, ...).
        question: the natural-language question.
        program: the program steps as given (strings).
        answer: the correct answer (a word of the query type's vocabulary).
        query_type: one of QUERY_TYPES.
        relation_type: one of RELATION_TYPES.
        meta: extra JSON-serialisable fields (e.g. AMASS path).
    """

    id: str
    dataset: str
    split: str
    sequence_id: str
    question: str
    program: tuple[str, ...]
    answer: str
    query_type: str
    relation_type: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict."""
        return {
            "id": self.id,
            "dataset": self.dataset,
            "split": self.split,
            "sequence_id": self.sequence_id,
            "question": self.question,
            "program": list(self.program),
            "answer": self.answer,
            "query_type": self.query_type,
            "relation_type": self.relation_type,
            "meta": dict(self.meta),
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> QAQuestion:
        """Inverse of `to_dict`.

        Raises:
            ConfigError: a required key is missing.
        """
        try:
            return QAQuestion(
                id=str(d["id"]),
                dataset=str(d["dataset"]),
                split=str(d["split"]),
                sequence_id=str(d["sequence_id"]),
                question=str(d["question"]),
                program=tuple(str(s) for s in d.get("program", [])),
                answer=str(d["answer"]),
                query_type=str(d["query_type"]),
                relation_type=str(d["relation_type"]),
                meta=dict(d.get("meta") or {}),
            )
        except KeyError as exc:
            raise ConfigError(f"question record lacks the key {exc}; expected QAQuestion.to_dict() form.") from None


@dataclass(frozen=True)
class QADataset:
    """Questions of one dataset plus the answer vocabulary of each query type.

    Attributes:
        name: dataset name.
        questions: all questions, in file order within each split (train, val, test).
        vocab: query type → answer vocabulary in the file's order (the distractor pool).
    """

    name: str
    questions: tuple[QAQuestion, ...]
    vocab: dict[str, tuple[str, ...]]

    def split(self, name: str) -> tuple[QAQuestion, ...]:
        """The questions of one split."""
        return tuple(q for q in self.questions if q.split == name)

    def counts(self) -> dict[str, dict[str, int]]:
        """Counts per split: {"train": {"total": n, "query_action": n, ..., "before": n, ...}, ...}."""
        out: dict[str, dict[str, int]] = {}
        for q in self.questions:
            c = out.setdefault(q.split, {"total": 0})
            c["total"] += 1
            c[q.query_type] = c.get(q.query_type, 0) + 1
            c[q.relation_type] = c.get(q.relation_type, 0) + 1
        return out

    def answer_distribution(self, split: str | None = None) -> dict[str, Counter[str]]:
        """Answer counts per query type (optionally for one split)."""
        dist: dict[str, Counter[str]] = {}
        for q in self.questions:
            if split is None or q.split == split:
                dist.setdefault(q.query_type, Counter())[q.answer] += 1
        return dist


def read_json(path: Path) -> Any:
    """Load a JSON file with a clear error.

    Raises:
        ConfigError: missing or malformed file.
    """
    if not path.exists():
        raise ConfigError(f"{path}: no such file; check the dataset directory (or set SMD_DATA_DIR).")
    try:
        with path.open("r", encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); re-download the file.") from None


def read_vocab(path: Path) -> tuple[str, ...]:
    """An answer vocabulary file {"word": index, ...} as words ordered by index.

    Raises:
        ConfigError: missing/malformed file or not a word → index mapping.
    """
    data = read_json(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object {{answer: index}}.")
    return tuple(str(k) for k, _ in sorted(data.items(), key=lambda kv: (int(kv[1]), str(kv[0]))))


@dataclass(frozen=True)
class MissingMotionReport:
    """Which questions could not be joined with a motion file.

    Attributes:
        n_questions: questions looked at.
        missing_sequences: sequence ids without a joints file, sorted.
        missing_questions: ids of the questions that refer to them, in input order.
        failed: sequence id → one-line error for files that exist but could not be read.
    """

    n_questions: int
    missing_sequences: tuple[str, ...]
    missing_questions: tuple[str, ...]
    failed: dict[str, str]

    @property
    def n_joined(self) -> int:
        """Questions that have a readable motion."""
        return self.n_questions - len(self.missing_questions)

    def text(self, joints_dir: Path | str) -> str:
        """A human-readable report (multi-line)."""
        lines = [
            f"{self.n_joined} of {self.n_questions} questions joined with a motion in {joints_dir}; "
            f"{len(self.missing_questions)} questions miss their motion "
            f"({len(self.missing_sequences)} sequences without a file, {len(self.failed)} unreadable)."
        ]
        if self.missing_sequences:
            shown = ", ".join(self.missing_sequences[:20])
            more = f" … (+{len(self.missing_sequences) - 20})" if len(self.missing_sequences) > 20 else ""
            lines.append(f"Missing sequence files (<id>.npy): {shown}{more}")
        for sid, msg in sorted(self.failed.items())[:20]:
            lines.append(f"Unreadable {sid}: {msg}")
        return "\n".join(lines)


def find_joints_file(joints_dir: Path, sequence_id: str, aliases: Iterable[str] = ()) -> Path | None:
    """The `<id>.npy` file of a sequence in `joints_dir` (also tries `aliases`), or None."""
    for name in (sequence_id, *aliases):
        p = joints_dir / f"{name}.npy"
        if p.is_file():
            return p
    return None


MotionTextFn = Callable[[Path], str]


def join_with_joints(
    questions: Sequence[QAQuestion],
    joints_dir: Path,
    smd_for_file: MotionTextFn,
    aliases: Callable[[str], Iterable[str]] = lambda sid: (),
) -> tuple[list[tuple[QAQuestion, str]], MissingMotionReport]:
    """Pair each question with the SMD text of its sequence's joints file.

    Each sequence is read and described once, however many questions refer to it.

    Args:
        questions: the questions.
        joints_dir: folder of `<sequence_id>.npy` files, (T, 22, 3) each.
        smd_for_file: path → SMD text (reads and describes the motion; raises MotionSMDError on bad data).
        aliases: other file stems to try for a sequence id.

    Returns:
        (pairs of question and SMD text for joined questions, report of the missing ones).

    Raises:
        ConfigError: `joints_dir` is not a directory.
    """
    if not joints_dir.is_dir():
        raise ConfigError(
            f"{joints_dir}: not a directory; pass the folder holding one <sequence_id>.npy (T, 22, 3) per sequence."
        )
    cache: dict[str, str | None] = {}
    failed: dict[str, str] = {}
    missing_seq: set[str] = set()
    pairs: list[tuple[QAQuestion, str]] = []
    missing_q: list[str] = []
    for q in questions:
        sid = q.sequence_id
        if sid not in cache:
            path = find_joints_file(joints_dir, sid, aliases(sid))
            if path is None:
                cache[sid] = None
                missing_seq.add(sid)
            else:
                try:
                    cache[sid] = smd_for_file(path)
                except MotionSMDError as exc:
                    cache[sid] = None
                    failed[sid] = str(exc)
        text = cache[sid]
        if text is None:
            missing_q.append(q.id)
        else:
            pairs.append((q, text))
    report = MissingMotionReport(
        n_questions=len(questions),
        missing_sequences=tuple(sorted(missing_seq)),
        missing_questions=tuple(missing_q),
        failed=failed,
    )
    return pairs, report


def smd_of_motion(motion: Motion, options: SMDOptions) -> str:
    """The SMD text of a motion with the describer's public API (`motion_smd.smd_text`).

    Raises:
        MotionSMDError: from the describer (bad or degenerate motion).
    """
    from motion_smd import smd_text  # the describer; imported here so loaders work without it

    return str(smd_text(motion, options))


def npy_smd_reader(
    options: SMDOptions, fps: float, up: Literal["y", "z"], target_fps: float | None = None
) -> MotionTextFn:
    """A path → SMD text function for `(T, 22, 3)` `.npy` joints files.

    Args:
        options: describer options (the SMD variant).
        fps: frame rate of the files (BABEL-QA 30, HumanML3D 20).
        up: up axis of the files ("z" for BABEL-QA).
        target_fps: resample to this rate before describing (None = keep the native rate).
    """
    from motion_smd.io import ReadOptions, load_motion

    read_opts = ReadOptions(source_fps=fps, up=up, target_fps=target_fps)

    def read(path: Path) -> str:
        return smd_of_motion(load_motion(path, format="npy", options=read_opts), options)

    return read
