"""HumanML3D caption loader (Guo et al., "Generating Diverse and Natural 3D Human Motions from Text",
CVPR 2022; github.com/EricGuo5513/HumanML3D).

Layout of a HumanML3D folder (the user's own copy; it is not distributed here):
- `texts/<id>.txt`: one caption per line, `caption#tokens#from#to`, where tokens are `word/POS`
  separated by spaces and from/to are seconds; `0.0#0.0` (or NaN) = the caption describes the whole
  motion, otherwise it describes the sub-segment [from, to] s;
- `train.txt`, `val.txt`, `test.txt` (and `all.txt`): one motion id per line;
- `new_joints/<id>.npy`: `(T, 22, 3)` float joints, metres, Y up, 20 fps.

Whole-motion captions of a motion form one item whose references are all those captions (the
multi-reference protocol of the captioning papers). Sub-segment captions are optional: each distinct
[from, to] becomes its own item, id `<id>#<from>-<to>`, whose motion is frames
`int(from·20) : int(to·20)` (as HumanML3D's own dataset code crops them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from motion_smd.datasets.qa_common import default_data_dir, smd_of_motion
from motion_smd.datasets.records import Record, caption_record
from motion_smd.errors import ConfigError, MotionFormatError, MotionSMDError
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions

NAME = "humanml3d"
FPS = 20.0
"""HumanML3D frame rate."""
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Caption:
    """One caption line.

    Attributes:
        text: the caption.
        tokens: the `word/POS` tokens (may be empty).
        start_s, end_s: the described span in seconds; both 0 for the whole motion.
    """

    text: str
    tokens: tuple[str, ...]
    start_s: float
    end_s: float

    @property
    def whole(self) -> bool:
        """True when the caption describes the whole motion."""
        return self.start_s == 0.0 and self.end_s == 0.0


@dataclass(frozen=True)
class CaptionItem:
    """A motion (or sub-segment) with its reference captions.

    Attributes:
        id: record id (`<motion_id>` or `<motion_id>#<from>-<to>`).
        motion_id: HumanML3D motion id (the joints file stem).
        split: "train" / "val" / "test".
        references: the captions, in file order.
        start_s, end_s: span in seconds (None for the whole motion).
    """

    id: str
    motion_id: str
    split: str
    references: tuple[str, ...]
    start_s: float | None = None
    end_s: float | None = None

    def frame_range(self, fps: float = FPS) -> tuple[int, int] | None:
        """(first, stop) frames of a sub-segment (HumanML3D: int(from·fps), int(to·fps)); None if whole."""
        if self.start_s is None or self.end_s is None:
            return None
        return int(self.start_s * fps), int(self.end_s * fps)


def parse_caption_line(line: str, source: str = "") -> Caption:
    """Parse one `caption#tokens#from#to` line.

    Raises:
        ConfigError: fewer than 4 `#` fields or non-numeric times.
    """
    parts = line.rstrip("\n").split("#")
    if len(parts) < 4:
        raise ConfigError(f"{source}: caption line {line.strip()[:60]!r} is not 'caption#tokens#from#to'.")
    # captions may themselves contain '#': the last three fields are tokens, from, to
    text = "#".join(parts[:-3]).strip()
    tokens, f_raw, t_raw = parts[-3], parts[-2], parts[-1]
    try:
        f = float(f_raw)
        t = float(t_raw)
    except ValueError:
        raise ConfigError(f"{source}: caption times {f_raw!r}#{t_raw!r} are not numbers.") from None
    f = 0.0 if math.isnan(f) else f
    t = 0.0 if math.isnan(t) else t
    return Caption(text=text, tokens=tuple(tokens.split()), start_s=f, end_s=t)


def read_captions(path: Path) -> list[Caption]:
    """All captions of one `texts/<id>.txt` file (blank lines skipped).

    Raises:
        ConfigError: missing file or a malformed line.
    """
    if not path.is_file():
        raise ConfigError(f"{path}: caption file not found; check the HumanML3D texts/ folder.")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_caption_line(ln, f"{path}:{i + 1}") for i, ln in enumerate(lines) if ln.strip()]


def read_split_ids(root: Path, split: str) -> list[str]:
    """Motion ids listed in `<root>/<split>.txt`, in file order.

    Raises:
        ConfigError: the split file is missing.
    """
    path = root / f"{split}.txt"
    if not path.is_file():
        raise ConfigError(f"{path}: split file not found; a HumanML3D folder has train.txt, val.txt, test.txt.")
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


@dataclass(frozen=True)
class CaptionSet:
    """Caption items of one split plus the ids that could not be used.

    Attributes:
        items: the items, in split-file order (sub-segments after their motion's whole item).
        missing_texts: ids of the split without a `texts/<id>.txt` or without any caption.
    """

    items: tuple[CaptionItem, ...]
    missing_texts: tuple[str, ...]


def load_humanml3d_captions(
    root: Path | str | None = None,
    split: str = "test",
    include_segments: bool = False,
    ids: Sequence[str] | None = None,
) -> CaptionSet:
    """Read HumanML3D captions of a split.

    Args:
        root: the HumanML3D folder; None = `<SMD_DATA_DIR>/humanml3d`.
        split: "train", "val", "test" or "all".
        include_segments: also return sub-segment captions as separate items.
        ids: restrict to these motion ids (default: the split file).

    Returns:
        A CaptionSet.

    Raises:
        ConfigError: missing folder, split file or malformed caption lines.
    """
    base = Path(root) if root is not None else default_data_dir() / "humanml3d"
    if not base.is_dir():
        raise ConfigError(
            f"{base}: HumanML3D folder not found; pass the folder holding texts/, new_joints/ and the split files."
        )
    motion_ids = list(ids) if ids is not None else read_split_ids(base, split)
    items: list[CaptionItem] = []
    missing: list[str] = []
    for mid in motion_ids:
        path = base / "texts" / f"{mid}.txt"
        if not path.is_file():
            missing.append(mid)
            continue
        caps = read_captions(path)
        whole = tuple(c.text for c in caps if c.whole)
        added = False
        if whole:
            items.append(CaptionItem(id=mid, motion_id=mid, split=split, references=whole))
            added = True
        if include_segments:
            spans: dict[tuple[float, float], list[str]] = {}
            for c in caps:
                if not c.whole:
                    spans.setdefault((c.start_s, c.end_s), []).append(c.text)
            for (f, t), texts in spans.items():
                items.append(
                    CaptionItem(
                        id=f"{mid}#{f:g}-{t:g}",
                        motion_id=mid,
                        split=split,
                        references=tuple(texts),
                        start_s=f,
                        end_s=t,
                    )
                )
                added = True
        if not added:
            missing.append(mid)
    return CaptionSet(items=tuple(items), missing_texts=tuple(missing))


def caption_motion(item: CaptionItem, joints_dir: Path, fps: float = FPS) -> Motion:
    """The canonical Motion of a caption item: `<joints_dir>/<motion_id>.npy`, cropped for sub-segments.

    The crop is applied to the raw array before canonicalisation, so a sub-segment starts at the
    origin facing +Z like a whole motion.

    Raises:
        MotionFormatError: missing or unreadable file.
        MotionValueError: a crop with fewer than 2 frames, or bad values.
    """
    from motion_smd.io.npy import read_joints_npy
    from motion_smd.motion import as_motion

    path = joints_dir / f"{item.motion_id}.npy"
    if not path.is_file():
        raise MotionFormatError(f"{path}: joints file not found for HumanML3D motion {item.motion_id}.")
    arr = read_joints_npy(path)
    rng = item.frame_range(fps)
    if rng is not None:
        arr = arr[rng[0] : rng[1]]
    return as_motion(arr, fps, up="y", source=f"{path}#{item.id}" if rng else str(path))


def caption_records(
    captions: CaptionSet,
    joints_dir: Path | str,
    options: SMDOptions,
    dataset: str = NAME,
) -> tuple[list[Record], dict[str, str]]:
    """Caption records (motion id, SMD, references) for every item whose joints can be described.

    Args:
        captions: the items of one split.
        joints_dir: folder of `<motion_id>.npy` (HumanML3D `new_joints/`).
        options: describer options (the SMD variant).
        dataset: dataset name stored in the records.

    Returns:
        (records in item order, item id → one-line reason for each item left out).

    Raises:
        ConfigError: `joints_dir` is not a folder.
    """
    jdir = Path(joints_dir)
    if not jdir.is_dir():
        raise ConfigError(f"{jdir}: not a directory; pass HumanML3D's new_joints/ folder.")
    records: list[Record] = []
    skipped: dict[str, str] = {mid: "no caption file" for mid in captions.missing_texts}
    for item in captions.items:
        try:
            smd = smd_of_motion(caption_motion(item, jdir), options)
        except MotionSMDError as exc:
            skipped[item.id] = str(exc)
            continue
        meta: dict[str, object] = {"motion_id": item.motion_id}
        if item.start_s is not None:
            meta["start_s"] = item.start_s
            meta["end_s"] = item.end_s
        records.append(caption_record(item.id, dataset, item.split, smd, options.variant, item.references, meta))
    return records, skipped
