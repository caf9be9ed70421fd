"""A batch corpus with hostile files mixed in (issue #14): good motions, plus one file of each class of broken or
crafted input the issue lists. Used by `tests/test_hostile_batch.py` (small) and `benchmarks/hostile_batch.py`
(1,000 files, killed and resumed).

Good files: generated BVH clips (`bvh_synth`, random smooth motion in two channel layouts) and generated `.npy`
joints (`motion_smd.synthetic` motions with seeded parameters), plus, when given, copies of real clips (copied
into the temporary corpus only, never into the repository). Hostile files are generated here; none is licensed
data.
"""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bvh_synth import bvh_text, random_motion, write_bvh
from motion_smd import synthetic


def _bvh(path: Path, n_frames: int = 12, seed: int = 0) -> str:
    return bvh_text(*random_motion(n_frames, seed=seed))


def npy_with_header(
    shape: Sequence[int],
    descr: str = "<f4",
    payload: bytes = b"",
    *,
    fortran: bool = False,
    version: int = 1,
    header_len: int | None = None,
) -> bytes:
    """The bytes of a `.npy` file written by hand, so that every header field can be wrong: `descr`, the
    order, `shape` (any integers), the format `version` (1: 2-byte header length, else 4) and the declared
    `header_len` (None: the true one), followed by `payload`."""
    shape_text = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape_text}, }}"
    header = header.ljust(((len(header) + 12) // 64 + 1) * 64 - 11) + "\n"
    length = len(header) if header_len is None else header_len
    if version == 1:
        prefix = b"\x93NUMPY\x01\x00" + struct.pack("<H", min(length, 65535))
    else:
        prefix = b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", length)
    return prefix + header.encode("latin1") + payload


def npy_bytes(array: np.ndarray) -> bytes:
    """The bytes `np.save` writes for `array`."""
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _deep_bvh(levels: int) -> str:
    lines = ["HIERARCHY"]
    for k in range(levels):
        lines += [
            f"{'ROOT' if k == 0 else 'JOINT'} j{k}",
            "{",
            "OFFSET 0 1 0",
            "CHANNELS 3 Zrotation Xrotation Yrotation",
        ]
    lines += ["}"] * levels + ["MOTION", "Frames: 1", "Frame Time: 0.033", " ".join(["0"] * (3 * levels))]
    return "\n".join(lines) + "\n"


def _with_frame_time(text: str, value: str) -> str:
    return "\n".join(f"Frame Time: {value}" if ln.startswith("Frame Time:") else ln for ln in text.split("\n"))


def _walk(scale: float = 1.0) -> np.ndarray:
    return synthetic.walk_forward(n_steps=3).joints.astype(np.float32) * scale


HOSTILE: dict[str, tuple[str, Callable[[Path], None]]] = {
    "empty.bvh": ("an empty BVH file", lambda p: p.write_bytes(b"")),
    "cut_hierarchy.bvh": ("a BVH cut inside its hierarchy", lambda p: p.write_text(_bvh(p)[:700])),
    "cut_motion.bvh": (
        "a BVH whose 'Frames:' count is more than its rows",
        lambda p: p.write_text("\n".join(_bvh(p).split("\n")[:-6]) + "\n"),
    ),
    "no_hierarchy.bvh": ("a text file named .bvh", lambda p: p.write_text("just some notes\nnot a motion\n")),
    "binary.bvh": ("binary bytes named .bvh", lambda p: p.write_bytes(bytes(range(256)) * 8)),
    "deep_nesting.bvh": ("joints nested 5,000 levels deep", lambda p: p.write_text(_deep_bvh(5000))),
    "frame_time_tiny.bvh": ("a frame time of 1e-320 s", lambda p: p.write_text(_with_frame_time(_bvh(p), "1e-320"))),
    "frame_time_huge.bvh": ("a frame time of 1e308 s", lambda p: p.write_text(_with_frame_time(_bvh(p), "1e308"))),
    "frame_time_nan.bvh": ("a frame time of nan", lambda p: p.write_text(_with_frame_time(_bvh(p), "nan"))),
    "huge_shape.npy": (
        "a .npy header claiming 10^11 frames",
        lambda p: p.write_bytes(npy_with_header((10**11, 22, 3))),
    ),
    "header_length.npy": (
        "a .npy whose header length is corrupt",
        lambda p: p.write_bytes(npy_with_header((4, 22, 3), payload=bytes(1056), header_len=9)),
    ),
    "bvh_renamed.npy": ("a BVH file renamed .npy", lambda p: p.write_text(_bvh(p))),
    "npz_renamed.npy": ("an .npz archive named .npy", lambda p: _npz(p)),
    "pickled.npy": (
        "a pickled object array",
        lambda p: np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True),
    ),
    "strings.npy": ("an array of strings", lambda p: np.save(p, np.full((10, 22, 3), "x"))),
    "features.npy": (
        "HumanML3D feature vectors (T, 263) given as joints",
        lambda p: np.save(p, np.zeros((40, 263), np.float32)),
    ),
    "far_joint.npy": ("a joint 10^300 m from the origin", lambda p: np.save(p, _far())),
    "nan_joints.npy": ("joints that are all NaN", lambda p: np.save(p, np.full((40, 22, 3), np.nan, np.float32))),
    "zero_frames.npy": ("no frames", lambda p: np.save(p, np.zeros((0, 22, 3), np.float32))),
    "cut_payload.npy": ("a .npy cut short", lambda p: p.write_bytes(npy_bytes(_walk())[:-1000])),
}
"""name → (the class of hostile input, writer). 20 files, each refused with a reason."""


def _npz(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("joints.npy", npy_bytes(_walk()))


def _far() -> np.ndarray:
    joints = _walk().astype(np.float64)
    joints[5, 3] = 1e300
    return joints


def write_good(folder: Path, n: int, real: list[Path] | None = None) -> list[Path]:
    """`n` good motion files in `folder`: copies of `real` clips first (as many as fit), then generated ones,
    alternating BVH (random smooth motion, 30–90 frames) and `.npy` (synthetic motions with seeded
    parameters). Names are unique (good_0000.npy, …). Returns the paths in name order."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    for k, src in enumerate((real or [])[:n]):
        dst = folder / f"good_{k:04d}{src.suffix.lower()}"
        shutil.copyfile(src, dst)
        out.append(dst)
    rng = np.random.default_rng(0)
    makers = [
        lambda r: synthetic.squats(n_reps=int(r.integers(1, 5)), knee_deg=float(r.uniform(60, 120))),
        lambda r: synthetic.walk_forward(n_steps=int(r.integers(2, 8))),
        lambda r: synthetic.turn_in_place(angle_deg=float(r.uniform(-180, 180))),
        lambda r: synthetic.arm_raise(side=("left", "right")[int(r.integers(2))], peak_deg=float(r.uniform(60, 170))),
        lambda r: synthetic.jumping_jacks(n_reps=int(r.integers(1, 6))),
    ]
    for k in range(len(out), n):
        if k % 2:
            path = folder / f"good_{k:04d}.bvh"
            rot, root = random_motion(int(rng.integers(30, 90)), seed=k)
            write_bvh(path, rot, root, order=("ZXY", "XYZ")[k % 4 // 2])
        else:
            path = folder / f"good_{k:04d}.npy"
            np.save(path, makers[k // 2 % len(makers)](rng).joints.astype(np.float32))
        out.append(path)
    return sorted(out)


def write_hostile(folder: Path) -> dict[Path, str]:
    """The 20 hostile files of `HOSTILE` in `folder`; returns path → the class of input."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (what, writer) in HOSTILE.items():
        path = folder / name
        writer(path)
        out[path] = what
    return out
