"""Property-based tests of the public readers with Hypothesis (issue #14).

One property for every reader: whatever the bytes of a file, `load_motion` (and, when the file loads,
`describe` + `render_smd`) either gives a description or raises an error of the project's family
(`MotionSMDError`) whose message names the file; never another exception, never a hang (an alarm fails an
example that runs past `EXAMPLE_LIMIT_S`). Inputs: BVH text built from a grammar (random joint trees, channel
layouts, declared and real frame counts, extreme numbers) and mutated generated BVH files; `.npy` files with
arbitrary headers (shape, dtype, order, header length) and payload sizes, and valid arrays of any shape, dtype
and values; HumanML3D feature arrays; rig mapping files (JSON and YAML values of any structure, and raw bytes).

Profiles (environment variable `SMD_HYPOTHESIS_PROFILE`): "ci" (default: 60–150 examples per test,
derandomised so a CI failure reproduces; about 30 s in all) and "fuzz" (5,000 examples per test, random; for a
longer run by hand). Examples that found bugs are kept as `@example`s.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bvh_synth import bvh_text, random_motion
from hostile_inputs import npy_bytes, npy_with_header
from motion_smd import describe, render_smd
from motion_smd.errors import MotionSMDError
from motion_smd.io import ReadOptions, load_motion
from motion_smd.skeleton import SMPL22_JOINTS

EXAMPLE_LIMIT_S = 20
"""An example that takes longer is a hang (the readers refuse what they cannot finish quickly)."""

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("fuzz", parent=settings.get_profile("ci"), max_examples=5000, derandomize=False)
settings.load_profile(os.environ.get("SMD_HYPOTHESIS_PROFILE", "ci"))

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the hang check uses SIGALRM (POSIX)")


class HangError(Exception):
    """An example ran past EXAMPLE_LIMIT_S."""


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def _raise(signum: int, frame: Any) -> None:
        raise HangError(f"over {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _check_file(name: str, content: bytes, **read: Any) -> str | None:
    """Write `content` as `name`, read and describe it; the SMD text, or None when refused as the property
    allows (a `MotionSMDError` naming the file). Any other exception, or a hang, fails the example."""
    input_format = read.pop("input_format", None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        try:
            with _time_limit(EXAMPLE_LIMIT_S):
                text = render_smd(describe(load_motion(path, input_format, ReadOptions(**read))))
        except MotionSMDError as exc:
            assert str(path) in str(exc) or path.name in str(exc), f"the error does not name the file: {exc}"
            return None
    assert text.startswith("Motion:"), text[:200]
    assert not re.search(r"\b(nan|inf)\b", text, re.IGNORECASE), f"a non-finite number in the text: {text[:2000]}"
    return text


# --- BVH --------------------------------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from(["0", "-0", "1e308", "-1e308", "1e-320", "nan", "inf", "99999999999", "", "x", "1,5"]),
)


def _number_text(value: float | str) -> str:
    return value if isinstance(value, str) else repr(value)


@st.composite
def bvh_texts(draw: st.DrawFn) -> str:
    """A BVH file from the grammar, with every part free to be wrong: a random joint tree (depth, branching,
    names, End Sites), channel counts and names, offsets, 'Frames:' and 'Frame Time:' values, and rows of
    numbers whose count may differ from what the header declares."""
    n_joints = draw(st.integers(1, 12))
    parents = [-1] + [draw(st.integers(0, j - 1)) for j in range(1, n_joints)]
    names = draw(
        st.lists(
            st.one_of(st.sampled_from(SMPL22_JOINTS), st.text("abcXYZ_:", min_size=1, max_size=6)),
            min_size=n_joints,
            max_size=n_joints,
        )
    )
    layouts = [["Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation"],
               ["Zrotation", "Xrotation", "Yrotation"], ["Xrotation", "Yrotation", "Zrotation"],
               ["Wrotation"], []]  # fmt: skip
    channels = [draw(st.sampled_from(layouts)) for _ in range(n_joints)]
    offsets = [
        [_number_text(draw(NUMBERS)) if draw(st.booleans()) else "0.1" for _ in range(3)] for _ in range(n_joints)
    ]
    lines = ["HIERARCHY"]

    def emit(j: int, depth: int) -> None:
        pad = "  " * depth
        lines.append(f"{pad}{'ROOT' if j == 0 else 'JOINT'} {names[j]}")
        lines.append(pad + "{")
        lines.append(f"{pad}  OFFSET {' '.join(offsets[j])}")
        lines.append(f"{pad}  CHANNELS {len(channels[j])} {' '.join(channels[j])}".rstrip())
        kids = [c for c, p in enumerate(parents) if p == j]
        for c in kids:
            emit(c, depth + 1)
        if not kids and draw(st.booleans()):
            lines.extend([f"{pad}  End Site", pad + "  {", f"{pad}    OFFSET 0 1 0", pad + "  }"])
        lines.append(pad + "}")

    emit(0, 0)
    n_rows = draw(st.integers(0, 30))
    declared = draw(st.one_of(st.just(n_rows), st.integers(-2, 40), st.just(10**12)))
    frame_time = draw(st.one_of(st.just("0.033333"), NUMBERS.map(_number_text)))
    lines += ["MOTION", f"Frames: {declared}", f"Frame Time: {frame_time}"]
    width = sum(len(c) for c in channels)
    row_number = st.one_of(st.floats(-180, 180), NUMBERS) if draw(st.booleans()) else st.floats(-90, 90)
    for _ in range(n_rows):
        row_width = width if draw(st.integers(0, 9)) else draw(st.integers(0, width + 3))
        lines.append(" ".join(_number_text(draw(row_number)) for _ in range(row_width)))
    return "\n".join(lines) + ("\n" if draw(st.booleans()) else "")


@given(bvh_texts())
@example("")
@example("HIERARCHY\nROOT pelvis\n{\n  OFFSET 0 0 0\n  CHANNELS 3 Zrotation Xrotation Yrotation\n")
def test_any_bvh_text_is_described_or_refused_by_name(text: str) -> None:
    _check_file("clip.bvh", text.encode("utf-8", "surrogatepass"))


def _seed_bvh(order: str, positions: bool, n_frames: int, seed: int) -> bytes:
    rot, root = random_motion(n_frames, seed=seed)
    return bvh_text(rot, root, order=order, all_position_channels=positions).encode()


SEED_BVH = [_seed_bvh("ZXY", False, 12, 0), _seed_bvh("XYZ", True, 10, 1)]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with 1–4 edits: a cut, a byte replaced, a span deleted or repeated, bytes inserted."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["cut", "replace", "delete", "repeat", "insert"]))
        if op == "cut":
            del data[at:]
        elif op == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif op == "repeat":
            span = bytes(data[at : at + draw(st.integers(1, 200))])
            data[at:at] = span * draw(st.integers(1, 5))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from([b"{", b"}", b"\n", b"\x00", b"nan ", b"1e308 ", b"MOTION\n", b"\xff"]))
    return bytes(data)


@given(st.sampled_from(range(len(SEED_BVH))).flatmap(lambda k: mutated(SEED_BVH[k])))
def test_any_mutation_of_a_bvh_file_is_described_or_refused_by_name(content: bytes) -> None:
    _check_file("clip.bvh", content)


def test_the_unmutated_seeds_are_described() -> None:
    """The property's other half: the seeds themselves load (so 'refused' is not all the tests ever see)."""
    for content in SEED_BVH:
        assert _check_file("clip.bvh", content) is not None


# --- .npy ---------------------------------------------------------------------------------------------------

DESCRS = st.sampled_from(["<f4", "<f8", ">f8", "<f2", "|u1", "<i8", "|b1", "|O", "<U3", "<c16", "V8", "<M8[s]"])
SHAPES = st.lists(st.one_of(st.integers(0, 40), st.integers(-3, 3), st.just(10**11), st.just(2**62)), max_size=4)


@given(
    DESCRS,
    st.booleans(),
    SHAPES,
    st.one_of(st.binary(max_size=4000), st.integers(0, 40).map(lambda t: np.zeros((t, 22, 3), "<f4").tobytes())),
    st.sampled_from([1, 2, 3]),
    st.one_of(st.none(), st.integers(0, 70000)),
)
@example("<f4", False, [10**11, 22, 3], b"", 1, None)  # a shape claiming 26 TB
@example("<f4", False, [4, 22, 3], np.zeros(264, "<f4").tobytes(), 1, 60000)  # a header length past the end
def test_any_npy_header_and_payload_is_described_or_refused_by_name(
    descr: str, fortran: bool, shape: list[int], payload: bytes, version: int, header_len: int | None
) -> None:
    _check_file(
        "joints.npy", npy_with_header(shape, descr, payload, fortran=fortran, version=version, header_len=header_len)
    )


JOINT_VALUES = st.one_of(
    st.floats(-3, 3), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 1e5, -1e5, 1e6, 1e-300])
)


@given(
    hnp.arrays(
        dtype=np.float64,
        shape=st.tuples(st.integers(0, 40), st.sampled_from([22, 21, 24, 1, 0]), st.sampled_from([3, 2, 4]))
        | hnp.array_shapes(min_dims=0, max_dims=4, max_side=8),
        elements=JOINT_VALUES,
        fill=st.sampled_from([0.0, 0.5]),
    ),
    st.sampled_from([np.float32, np.float64, np.float16, np.int16]),
)
def test_any_npy_array_is_described_or_refused_by_name(array: np.ndarray, dtype: type) -> None:
    with np.errstate(all="ignore"):
        content = npy_bytes(array.astype(dtype))
    _check_file("joints.npy", content)


@given(
    hnp.arrays(
        dtype=np.float32,
        shape=st.tuples(st.integers(0, 40), st.sampled_from([263, 262, 251, 22])),
        elements=st.floats(-5, 5, width=32) | st.sampled_from([np.float32("nan"), np.float32(1e30)]),
        fill=st.just(np.float32(0.0)),
    )
)
def test_any_feature_array_is_described_or_refused_by_name(array: np.ndarray) -> None:
    _check_file("vecs.npy", npy_bytes(array), input_format="humanml3d-vecs")


# --- rig mapping files ------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8) | st.sampled_from(SMPL22_JOINTS),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from([*SMPL22_JOINTS, "joints", "unit", "skip_frames", "name", "x"]) | st.text(max_size=5),
            inner,
            max_size=6,
        )
    ),
    max_leaves=40,
)


@st.composite
def mapping_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A mapping file: a JSON or YAML rendering of any value (often a near-valid joints table), or raw bytes."""
    kind = draw(st.sampled_from(["json", "yaml", "bytes", "valid-ish"]))
    if kind == "bytes":
        return draw(st.sampled_from(["m.json", "m.yaml"])), draw(st.binary(max_size=300))
    if kind == "valid-ish":
        table = {j: draw(st.sampled_from([j, "nope", 3, {j: 0.5}, {j: -1}, [j]])) for j in SMPL22_JOINTS}
        value: Any = {"joints": table, "unit": draw(st.sampled_from(["cm", "m", "km", 1])),
                      "skip_frames": draw(st.sampled_from([0, 1, -1, 10**9, "1", True]))}  # fmt: skip
    else:
        value = draw(JSON_VALUES)
    import json

    import yaml

    text = json.dumps(value) if kind != "yaml" else yaml.safe_dump(value)
    return ("m.json" if kind != "yaml" else "m.yaml"), text.encode()


@given(mapping_files())
@example(("m.json", b"\xff\xfe"))  # UnicodeDecodeError, before the fix
@example(("m.json", b"[" * 100000))  # RecursionError in json.loads, before the fix
@example(("m.yaml", b"[" * 100000))
@example(("m.yaml", b"\xff"))  # UnicodeDecodeError, before the fix
def test_any_mapping_file_is_used_or_refused_by_name(mapping: tuple[str, bytes]) -> None:
    name, content = mapping
    with tempfile.TemporaryDirectory() as tmp:
        mapping_path = Path(tmp) / name
        mapping_path.write_bytes(content)
        clip = Path(tmp) / "clip.bvh"
        clip.write_bytes(SEED_BVH[0])
        try:
            with _time_limit(EXAMPLE_LIMIT_S):
                render_smd(describe(load_motion(clip, options=ReadOptions(mapping=str(mapping_path)))))
        except MotionSMDError as exc:
            assert str(mapping_path) in str(exc) or str(clip) in str(exc), f"names neither file: {exc}"
