"""The SMD text renderer (format version 2): readable golden texts of the synthetic demos, and the sentence
forms of docs/format.md. The golden texts are committed, so every clean clone checks the format without the
licensed data; regenerate them with tests/golden/make_golden.py after an intended change."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from motion_smd import SMDOptions, describe, render_smd, smd_text, synthetic
from motion_smd.angles import ANGLE_INDEX
from motion_smd.render import fmt_deg, fmt_m, fmt_s

GOLDEN = Path(__file__).parent / "golden"


def _make_golden() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_demo_texts_match_the_golden_files() -> None:
    texts = _make_golden().demo_texts()
    files = sorted(p.name for p in (GOLDEN / "demos").glob("*.txt"))
    assert files == sorted(texts), "regenerate tests/golden/demos with tests/golden/make_golden.py"
    changed = [name for name, text in texts.items() if (GOLDEN / "demos" / name).read_text(encoding="utf-8") != text]
    assert not changed, f"SMD text of {changed} differs from tests/golden/demos"


def test_text_is_deterministic() -> None:
    motion = synthetic.walk_forward()
    assert smd_text(motion) == smd_text(motion)


def test_number_formats() -> None:
    assert (fmt_deg(-0.4), fmt_deg(-0.5), fmt_deg(12.5)) == ("0°", "-1°", "13°")
    assert (fmt_m(0.125), fmt_m(-0.004)) == ("0.13m", "0.00m")
    assert fmt_s(3.45) == "3.5s"


LINE = re.compile(
    r"^(holds at -?\d+(\.\d+)?(°|m) (\[\d+\.\ds–\d+\.\ds\] \(\d+\.\ds\)|throughout|whenever defined)"
    r"|(increases|decreases): -?\d+(\.\d+)?(°|m) → -?\d+(\.\d+)?(°|m) \[\d+\.\ds–\d+\.\ds\] \(\d+\.\ds\)"
    r"|turns (left|right) \d+°: -?\d+° → -?\d+° \[\d+\.\ds–\d+\.\ds\] \(\d+\.\ds\)"
    r"|oscillates \d+ cycles between -?\d+(\.\d+)?(°|m) and -?\d+(\.\d+)?(°|m) \[\d+\.\ds–\d+\.\ds\] "
    r"\(period \d+\.\ds\)"
    r"|undefined (throughout|in \d+ of \d+ frames) \(the (knee|elbow) is nearly straight\)"
    r"|between -?\d+° and -?\d+° in brief defined moments)$"
)


@pytest.mark.parametrize("name", sorted(synthetic.DEMOS))
def test_every_segment_line_has_a_documented_form(name: str) -> None:
    text = smd_text(synthetic.DEMOS[name]())
    body = [
        ln
        for ln in text.splitlines()[3:]
        if not ln.startswith(("[", "Joint Angles:"))
        and not ln.endswith("):")
        and ": static at " not in ln
        and not ln.endswith(":")
    ]
    bad = [ln for ln in body if not LINE.match(ln)]
    assert not bad, bad


def test_hold_is_printed_at_the_middle_of_its_band() -> None:
    d = describe(synthetic.squats())
    ch = d.angle("knee_flexion_r")
    hold = next(s for s in ch.segments if s.kind == "holds")
    text = render_smd(d)
    level = fmt_deg((hold.min_value + hold.max_value) / 2)
    assert f"holds at {level} [" in text


def test_undefined_rotation_is_said_not_invented() -> None:
    d = describe(synthetic.standing())  # straight knees and elbows: the axial rotations are undefined
    ch = d.angle("hip_rotation_r")
    assert ch.undefined_frames == d.n_frames and np.isnan(ch.mean_value)
    text = render_smd(d)
    assert "Right Hip Rotation (turning thigh inward):\nundefined throughout (the knee is nearly straight)" in text
    assert "Right Shoulder Rotation (turning arm inward):\nundefined throughout (the elbow is nearly straight)" in text
    assert d.to_dict()["angles"][ANGLE_INDEX["hip_rotation_r"]]["mean"] is None  # JSON null, never NaN


def test_turn_states_the_whole_turn() -> None:
    text = smd_text(synthetic.turn_in_place(90))
    turn = next(ln for ln in text.splitlines() if ln.startswith("turns "))
    size = int(re.match(r"turns left (\d+)°", turn).group(1))  # type: ignore[union-attr]
    assert 85 <= size <= 92, turn


def test_format_version_is_2() -> None:
    assert SMDOptions().format_version == 2
    with pytest.raises(Exception, match="format_version 1 is unknown"):
        SMDOptions(format_version=1)
