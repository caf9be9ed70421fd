"""Rig mappings: which joints of a motion-capture rig give each of the 22 SMPL joints.

A `RigMap` sends every SMPL-22 joint (`motion_smd.skeleton.SMPL22_JOINTS`) to one rig joint, or to a
weighted mix of rig joints for joints the rig lacks (Bandai-Namco has one spine joint fewer than SMPL,
so its `spine2` is the midpoint of `Spine` and `Chest`). Positions are mixed after forward
kinematics, so a mix is a point on the segment (or in the hull) of the rig joints' world positions.

Built-in rigs (`BUILTIN_RIGS`), detected from the joint names of a file:
- ``bandai-namco``: Bandai-Namco Research Motion Dataset (Kobayashi et al. 2023, arXiv:2306.08861);
  mapping from the dataset README (Spine→spine1, Chest→spine3, spine2 = mix of both).
- ``cmu-cc-base``: CMU Graphics Lab mocap retargeted to Reallusion's iClone/Character Creator CC_Base
  rig; drops the added T-pose frame 0 by default.
- ``mixamo``: Adobe Mixamo rigs (``Hips``, ``LeftUpLeg``, ``Spine1``…, with or without the
  ``mixamorig:`` prefix); three spine joints like SMPL.
- ``smpl22``: BVH files whose joints carry the SMPL-22 names themselves (``pelvis``, ``left_hip``…).

A user mapping file (JSON, or YAML when PyYAML is installed) has the form::

    {"name": "my-rig",                 # optional, shown in messages
     "unit": "cm",                     # optional: m | cm | mm (default: detect from body size)
     "skip_frames": 1,                 # optional: leading frames to drop (e.g. a T-pose)
     "joints": {"pelvis": "Hips",      # SMPL joint -> rig joint
                "spine2": {"Spine": 0.5, "Chest": 0.5},   # or -> weighted mix of rig joints
                ...}}                  # all 22 SMPL joints

A file holding only the ``joints`` table at its top level is accepted too. Weights are normalised to
sum to 1. Rig joint names are matched exactly, then case-insensitively, then without a namespace
prefix (``mixamorig:Hips`` matches ``Hips``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError, MotionFormatError, where
from motion_smd.io.units import UNIT_SCALE
from motion_smd.skeleton import N_JOINTS, SMPL22_JOINTS

Mix = tuple[tuple[str, float], ...]
"""A weighted mix of rig joints: ((rig joint name, weight), ...), weights summing to 1."""


def _strip_namespace(name: str) -> str:
    return name.rsplit(":", 1)[-1].rsplit("|", 1)[-1]


def resolve_joint_names(wanted: Iterable[str], available: Sequence[str]) -> dict[str, str]:
    """Match rig joint names to the joint names of a file.

    Matching order per name: exact; case-insensitive; case-insensitive after removing a namespace
    prefix (``ns:Name`` or ``group|Name``) on either side.

    Args:
        wanted: joint names the rig mapping refers to.
        available: joint names present in the file.

    Returns:
        {wanted name: matching available name} for the names that were found (missing ones omitted).
    """
    exact = set(available)
    lower: dict[str, str] = {}
    bare: dict[str, str] = {}
    for name in available:
        lower.setdefault(name.lower(), name)
        bare.setdefault(_strip_namespace(name).lower(), name)
    out: dict[str, str] = {}
    for w in wanted:
        if w in exact:
            out[w] = w
        elif w.lower() in lower:
            out[w] = lower[w.lower()]
        elif _strip_namespace(w).lower() in bare:
            out[w] = bare[_strip_namespace(w).lower()]
    return out


@dataclass(frozen=True)
class RigMap:
    """Mapping of a rig's joints onto SMPL-22.

    Attributes:
        name: rig name ("bandai-namco", a mapping file's name, ...).
        joints: SMPL joint name → weighted mix of rig joints (`Mix`), for all 22 SMPL joints.
        skip_frames: leading frames to drop by default (CMU CC_Base: 1, its added T-pose).
        unit: length unit of files of this rig, or None to detect from the body size.
        description: one line for listings and docs.

    Raises (on construction):
        ConfigError: a missing or unknown SMPL joint, an empty mix, weights summing to ~0, a
            negative `skip_frames` or an unknown unit.
    """

    name: str
    joints: Mapping[str, Mix]
    skip_frames: int = 0
    unit: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.joints) - set(SMPL22_JOINTS))
        if unknown:
            raise ConfigError(
                f"rig '{self.name}': unknown SMPL joint(s) {unknown}; the 22 names are: {', '.join(SMPL22_JOINTS)}."
            )
        missing = [j for j in SMPL22_JOINTS if j not in self.joints]
        if missing:
            raise ConfigError(
                f"rig '{self.name}': no rig joint given for SMPL joint(s) {missing}; map all 22 "
                "(use a weighted mix of neighbouring rig joints for joints the rig lacks)."
            )
        normalised: dict[str, Mix] = {}
        for smpl, mix in self.joints.items():
            if not mix:
                raise ConfigError(f"rig '{self.name}': SMPL joint '{smpl}' maps to an empty mix.")
            total = float(sum(w for _, w in mix))
            if abs(total) < 1e-9:
                raise ConfigError(f"rig '{self.name}': weights of SMPL joint '{smpl}' sum to 0; they must sum to 1.")
            normalised[smpl] = tuple((str(n), float(w) / total) for n, w in mix)
        object.__setattr__(self, "joints", {j: normalised[j] for j in SMPL22_JOINTS})
        if self.skip_frames < 0:
            raise ConfigError(f"rig '{self.name}': skip_frames must be >= 0, got {self.skip_frames}.")
        if self.unit is not None and self.unit not in UNIT_SCALE:
            raise ConfigError(f"rig '{self.name}': unknown unit '{self.unit}'; use m, cm or mm.")

    @property
    def rig_joints(self) -> tuple[str, ...]:
        """Every rig joint the mapping uses, in first-use order (SMPL order)."""
        seen: dict[str, None] = {}
        for mix in self.joints.values():
            for name, _ in mix:
                seen.setdefault(name, None)
        return tuple(seen)

    def missing_joints(self, names: Sequence[str]) -> list[str]:
        """Rig joints of this mapping that `names` (a file's joints) does not provide."""
        found = resolve_joint_names(self.rig_joints, names)
        return [n for n in self.rig_joints if n not in found]

    def matches(self, names: Sequence[str]) -> bool:
        """True when a file with joints `names` has every joint this rig needs."""
        return not self.missing_joints(names)

    def weight_matrix(self, names: Sequence[str], source: str | None = None) -> NDArray[np.float64]:
        """The (22, J) matrix W with smpl = W @ rig for joints `names` of a file.

        Args:
            names: the J joint names of the file, in the order of its position array.
            source: file named in error messages.

        Raises:
            MotionFormatError: the file lacks joints this rig needs.
        """
        found = resolve_joint_names(self.rig_joints, names)
        missing = [n for n in self.rig_joints if n not in found]
        if missing:
            raise MotionFormatError(
                f"{where(source)}the file has no joint(s) {missing} needed by rig '{self.name}'. Pick "
                "another rig with --rig, or write a mapping file (--mapping) naming the file's own joints "
                "(see docs/input-formats.md)."
            )
        index = {n: i for i, n in enumerate(names)}
        w = np.zeros((N_JOINTS, len(names)), dtype=np.float64)
        for k, smpl in enumerate(SMPL22_JOINTS):
            for rig_name, weight in self.joints[smpl]:
                w[k, index[found[rig_name]]] += weight
        return w

    def apply(
        self, positions: NDArray[np.floating], names: Sequence[str], source: str | None = None
    ) -> NDArray[np.float64]:
        """Map rig joint positions to SMPL-22.

        Args:
            positions: (T, J, 3) float array, world positions of the file's joints (any unit).
            names: the J joint names.
            source: file named in error messages.

        Returns:
            (T, 22, 3) float64 array in SMPL-22 order, same unit as `positions`.

        Raises:
            MotionFormatError: the file lacks joints this rig needs.
        """
        w = self.weight_matrix(names, source)
        used = np.flatnonzero(np.any(w != 0.0, axis=0))
        return np.einsum("kj,tjc->tkc", w[:, used], np.asarray(positions, dtype=np.float64)[:, used])


def _one(name: str) -> Mix:
    return ((name, 1.0),)


def _table(pairs: Mapping[str, str | Mix]) -> dict[str, Mix]:
    return {k: (_one(v) if isinstance(v, str) else v) for k, v in pairs.items()}


def _limbs(fmt: Mapping[str, str]) -> dict[str, str]:
    """Left/right limb joints from a per-part pattern with {s} = side token."""
    out: dict[str, str] = {}
    for side, token in (("left", "L"), ("right", "R")):
        for part, pattern in fmt.items():
            out[f"{side}_{part}"] = pattern.format(s=token, side="Left" if side == "left" else "Right")
    return out


BANDAI_NAMCO: Final[RigMap] = RigMap(
    name="bandai-namco",
    description="Bandai-Namco Research Motion Dataset (22 joints, cm); Spine→spine1, Chest→spine3",
    joints=_table(
        {
            "pelvis": "Hips",
            "spine1": "Spine",
            "spine2": (("Spine", 0.5), ("Chest", 0.5)),
            "spine3": "Chest",
            "neck": "Neck",
            "head": "Head",
            **_limbs(
                {
                    "hip": "UpperLeg_{s}",
                    "knee": "LowerLeg_{s}",
                    "ankle": "Foot_{s}",
                    "foot": "Toes_{s}",
                    "collar": "Shoulder_{s}",
                    "shoulder": "UpperArm_{s}",
                    "elbow": "LowerArm_{s}",
                    "wrist": "Hand_{s}",
                }
            ),
        }
    ),
)

CMU_CC_BASE: Final[RigMap] = RigMap(
    name="cmu-cc-base",
    description="CMU mocap retargeted to the iClone CC_Base rig (~100 joints, cm); drops T-pose frame 0",
    skip_frames=1,
    joints=_table(
        {
            "pelvis": "CC_Base_Pelvis",
            "spine1": "CC_Base_Waist",
            "spine2": "CC_Base_Spine01",
            "spine3": "CC_Base_Spine02",
            "neck": "CC_Base_NeckTwist01",
            "head": "CC_Base_Head",
            **_limbs(
                {
                    "hip": "CC_Base_{s}_Thigh",
                    "knee": "CC_Base_{s}_Calf",
                    "ankle": "CC_Base_{s}_Foot",
                    "foot": "CC_Base_{s}_ToeBase",
                    "collar": "CC_Base_{s}_Clavicle",
                    "shoulder": "CC_Base_{s}_Upperarm",
                    "elbow": "CC_Base_{s}_Forearm",
                    "wrist": "CC_Base_{s}_Hand",
                }
            ),
        }
    ),
)

MIXAMO: Final[RigMap] = RigMap(
    name="mixamo",
    description="Adobe Mixamo rig (Hips, Spine, Spine1, Spine2, LeftUpLeg, ...; 'mixamorig:' optional)",
    joints=_table(
        {
            "pelvis": "Hips",
            "spine1": "Spine",
            "spine2": "Spine1",
            "spine3": "Spine2",
            "neck": "Neck",
            "head": "Head",
            **_limbs(
                {
                    "hip": "{side}UpLeg",
                    "knee": "{side}Leg",
                    "ankle": "{side}Foot",
                    "foot": "{side}ToeBase",
                    "collar": "{side}Shoulder",
                    "shoulder": "{side}Arm",
                    "elbow": "{side}ForeArm",
                    "wrist": "{side}Hand",
                }
            ),
        }
    ),
)

SMPL22_RIG: Final[RigMap] = RigMap(
    name="smpl22",
    description="joints named as SMPL-22 itself (pelvis, left_hip, ..., right_wrist)",
    joints={j: _one(j) for j in SMPL22_JOINTS},
)

BUILTIN_RIGS: Final[dict[str, RigMap]] = {r.name: r for r in (BANDAI_NAMCO, CMU_CC_BASE, MIXAMO, SMPL22_RIG)}
"""Built-in rigs by name, in detection order."""


def builtin_rig(name: str) -> RigMap:
    """The built-in rig called `name`.

    Raises:
        ConfigError: unknown name (the message lists the built-in rigs).
    """
    try:
        return BUILTIN_RIGS[name]
    except KeyError:
        raise ConfigError(
            f"unknown rig '{name}'. Built-in rigs: {', '.join(BUILTIN_RIGS)}; or pass a mapping file "
            "with --mapping (see docs/input-formats.md)."
        ) from None


def detect_rig(names: Sequence[str], source: str | None = None) -> RigMap:
    """The first built-in rig whose joints all occur in `names` (a file's joint names).

    Raises:
        MotionFormatError: no built-in rig fits; the message names, per rig, the joints it lacks.
    """
    for rig in BUILTIN_RIGS.values():
        if rig.matches(names):
            return rig
    details = "; ".join(
        f"{r.name} lacks {r.missing_joints(names)[:4]}{'…' if len(r.missing_joints(names)) > 4 else ''}"
        for r in BUILTIN_RIGS.values()
    )
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    raise MotionFormatError(
        f"{where(source)}unknown rig (joints: {shown}); no built-in rig matches ({details}). Write a mapping "
        "file from the 22 SMPL joints to this rig's joints and pass it with --mapping "
        "(see docs/input-formats.md)."
    )


def _parse_mix(smpl: str, value: Any, path: Path) -> Mix:
    if isinstance(value, str):
        return _one(value)
    if isinstance(value, Mapping) and value:
        out = []
        for k, w in value.items():
            if not isinstance(k, str) or isinstance(w, bool) or not isinstance(w, int | float):
                raise ConfigError(
                    f"{path}: SMPL joint '{smpl}' has a mix entry {k!r}: {w!r}; write rig-joint-name: weight."
                )
            out.append((k, float(w)))
        return tuple(out)
    raise ConfigError(
        f"{path}: SMPL joint '{smpl}' maps to {value!r}; write a rig joint name, or a mapping "
        '{"RigJointA": 0.5, "RigJointB": 0.5} for a weighted mix.'
    )


def _read_structured(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); a mapping file is JSON or YAML text saved as UTF-8."
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}); check the path and its permissions.") from None
    try:
        return _parse_structured(path, text)
    except RecursionError:
        raise ConfigError(
            f"{path}: nested too deeply to be a mapping file (a mapping is one object with a 'joints' table)."
        ) from None


def _parse_structured(path: Path, text: str) -> Any:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ConfigError(
                f"{path}: YAML mapping files need PyYAML, which is not installed. Install it "
                "(pip install pyyaml) or write the mapping as JSON."
            ) from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc}).") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}). Mapping files are JSON (.json) or "
            "YAML (.yaml/.yml)."
        ) from None


def load_mapping(path: str | Path) -> RigMap:
    """Read a user rig mapping file (JSON, or YAML with PyYAML); format in the module docstring.

    Args:
        path: the mapping file (.json, .yaml or .yml).

    Returns:
        The `RigMap` (name: the file's "name" or its stem).

    Raises:
        ConfigError: missing or unreadable file, bad syntax, wrong structure, unknown or missing SMPL
            joints, bad weights, unit or skip_frames; YAML without PyYAML installed.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: mapping file not found; pass the path of a JSON or YAML rig mapping.")
    data = _read_structured(p)
    if not isinstance(data, Mapping):
        raise ConfigError(f"{p}: a mapping file holds an object with a 'joints' table (SMPL joint -> rig joint).")
    table = data.get("joints", data if "pelvis" in data else None)
    if not isinstance(table, Mapping):
        raise ConfigError(f"{p}: no 'joints' table (SMPL joint -> rig joint name or weighted mix) found.")
    joints = {str(k): _parse_mix(str(k), v, p) for k, v in table.items()}
    skip = data.get("skip_frames", 0) if "joints" in data else 0
    unit = data.get("unit") if "joints" in data else None
    if isinstance(skip, bool) or not isinstance(skip, int):
        raise ConfigError(f"{p}: skip_frames must be a whole number, got {skip!r}.")
    if unit is not None and not isinstance(unit, str):
        raise ConfigError(f"{p}: unit must be one of m, cm, mm, got {unit!r}.")
    name = str(data.get("name", p.stem)) if "joints" in data else p.stem
    try:
        return RigMap(name=name, joints=joints, skip_frames=skip, unit=unit, description=f"mapping file {p}")
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None
