"""Action phrases from events (issue #15): the travel cut by direction and pace on synthetic paths with known
ground truth, and the phrase rules on hand-made events."""

from __future__ import annotations

import numpy as np

from motion_smd import synthetic
from motion_smd.actions import action_timeline, localise, phrase_of
from motion_smd.events import RUN_SPEED_M_S, Event, motion_events
from motion_smd.metrics.dense import TimedCaption
from motion_smd.motion import Motion


def _glide(legs: list[tuple[float, float, float]], rest_s: float = 0.5) -> Motion:
    """A standing body moved along straight legs (dx_m to the left, dz_m forward, seconds each), facing +Z,
    with `rest_s` of standing before and after."""
    fps = synthetic.FPS
    pose = np.asarray(synthetic.standing(1.0).joints)[0]
    path = [np.zeros(2)] * round(rest_s * fps)
    at = np.zeros(2)
    for dx, dz, dur in legs:
        n = round(dur * fps)
        path += [at + np.array([dx, dz]) * (k + 1) / n for k in range(n)]
        at = path[-1]
    path += [at] * round(rest_s * fps)
    xz = np.array(path)
    joints = np.repeat(pose[None], len(xz), axis=0)
    joints[:, :, 0] += xz[:, None, 0]
    joints[:, :, 2] += xz[:, None, 1]
    return Motion(joints, fps, source="glide")


def test_travel_is_cut_where_the_direction_changes() -> None:
    travel = [e for e in motion_events(_glide([(0.0, 3.0, 3.0), (3.0, 0.0, 3.0)])) if e.kind == "travel"]
    assert [e.direction for e in travel] == ["forward", "left"]
    assert abs(travel[0].start_s - 0.5) <= 0.2 and abs(travel[1].end_s - 6.5) <= 0.2
    assert abs(travel[0].end_s - 3.5) <= 0.6  # the cut, within one direction window of the true corner


def test_travel_is_cut_where_the_pace_changes_and_the_fast_part_is_a_run() -> None:
    motion = _glide([(0.0, 3.0, 3.0), (0.0, 9.0, 3.0)])  # 1 m/s, then 3 m/s
    travel = [e for e in motion_events(motion) if e.kind == "travel"]
    assert [e.direction for e in travel] == ["forward", "forward"]
    assert travel[0].speed_m_s is not None and travel[0].speed_m_s < RUN_SPEED_M_S
    assert travel[1].speed_m_s is not None and travel[1].speed_m_s >= RUN_SPEED_M_S
    assert [e.caption for e in action_timeline(motion_events(motion))] == ["walk forward", "run forward"]


def test_a_small_sway_does_not_cut_a_straight_travel() -> None:
    legs = [(0.1 * (-1) ** k, 0.6, 0.5) for k in range(8)]  # zig-zag of ±0.1 m per 0.6 m step
    travel = [e for e in motion_events(_glide(legs)) if e.kind == "travel"]
    assert [e.direction for e in travel] == ["forward"]


def _ev(kind: str, a: float, b: float, **kw: object) -> Event:
    return Event(kind, a, b, "", **kw)  # type: ignore[arg-type]


def test_phrase_rules() -> None:
    assert phrase_of("walk", "left") == "walk left"
    assert phrase_of("wave", body_part="right hand") == "wave the right hand"
    assert phrase_of("raise hand", body_part="both hands") == "raise both hands"
    assert phrase_of("bow") == "bow"
    events = [
        _ev("arm", 1.0, 2.0, direction="up", side="right"),
        _ev("arm", 2.5, 3.0, direction="down", side="right"),  # merged with the raise (gap < 1 s)
        _ev("arm", 5.0, 6.0, direction="up", side="left"),
        _ev("repetition", 5.5, 8.0, body_parts=("Left Elbow",)),  # overlaps the left raise: a wave
        _ev("travel", 9.0, 15.0, direction="forward", speed_m_s=1.2),
        _ev("repetition", 9.5, 14.5, body_parts=("Right Shoulder", "Left Shoulder")),  # arm swing of the walk
        _ev("turn", 16.0, 18.0, direction="right"),
        _ev("arm", 20.0, 21.0, direction="up", side="left"),
        _ev("arm", 20.1, 21.1, direction="up", side="right"),  # both hands
    ]
    got = [(e.caption, e.start_s, e.end_s) for e in action_timeline(events)]
    assert got == [
        ("raise the right hand", 1.0, 3.0),
        ("wave the left hand", 5.0, 8.0),
        ("walk forward", 9.0, 15.0),
        ("turn right", 16.0, 18.0),
        ("raise both hands", 20.0, 21.1),
    ]


def test_localise_takes_the_phrase_span_or_the_whole_motion() -> None:
    timeline = [TimedCaption(1.0, 2.0, "bow"), TimedCaption(3.0, 4.0, "turn left"), TimedCaption(5.0, 6.0, "bow")]
    assert localise(timeline, "bow", 10.0) == (1.0, 6.0)
    assert localise(timeline, "walk forward", 10.0) == (0.0, 10.0)
