"""A time-ordered list of body-level events, derived from the SMD segmentation (issue #15, deliverable 2):
the deterministic dense description ("[0.5s–2.5s] turns left 90°").

Rules (each names the channels it reads; thresholds are module constants):

- **Repetitions**: every repeating stretch of `count_repetitions` whose leading oscillation has a size of at
  least `MIN_REPETITION_SIZE` (range ÷ δ): "repeats 5 times, period 2.0s: Right Knee, Left Knee, …" (a walk:
  "takes 7 strides, travelling 9.3m"). Moves of a channel inside one of its own repeating stretches are not
  events of their own.
- **Travel**: the pelvis path (trajectory channels "forward", "lateral"): stretches whose horizontal speed,
  averaged over `SPEED_WINDOW_S`, is at least `MIN_SPEED_M_S`, joined across pauses shorter than `MAX_GAP_S`,
  that last at least `MIN_TRAVEL_S` and move at least `MIN_TRAVEL_M`: "travels forward 3.2m (1.1m/s)". The
  direction is the displacement's, relative to the body's heading at the stretch's middle (channel "heading"):
  forward, backward, left or right by the nearest quarter. A stretch is cut where its direction (the velocity
  over `DIRECTION_WINDOW_S`, about one stride, relative to the heading, by the nearest quarter) or its pace
  (that velocity at least `RUN_SPEED_M_S`, a run, or below) changes for at least `MIN_TRAVEL_S`: a walk
  forward that turns into a side-step, or a run that slows to a walk, is two events.
- **Turns**: consecutive "increases" (left) or "decreases" (right) segments of the heading, merged across
  pauses shorter than `MAX_GAP_S`, whose total change is at least `MIN_TURN_DEG`: "turns left 90°".
- **Height**: the same for the pelvis height with at least `MIN_HEIGHT_M`: "lowers the body 0.93m → 0.50m" or
  "raises the body …".
- **Arms**: merged rises of a shoulder's flexion (forward) or falls of its adduction (sideways: abduction) that
  end at `MIN_ARM_DEG` or more: "raises the right arm forward to 150°"; the merged return from there: "lowers
  the right arm from 150° (forward)".
- **Trunk**: merged forward tilts of the pelvis (channel "pelvis_tilt") that reach `MIN_BEND_DEG`: "bends
  forward to 45°", and the merged return from there: "straightens up from 45°"; not while travelling (a run
  leans forward too). Chosen on bandai-dense's train split: bows reach 20–53° (9 of 10), walks at most 18°.

Events are sorted by start time, then by the order of the rules above.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from motion_smd.counting import Repetition, count_repetitions, pelvis_path
from motion_smd.describer import describe
from motion_smd.description import Channel, Description, Segment
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions

MIN_REPETITION_SIZE = 4.0
MIN_SPEED_M_S = 0.25
SPEED_WINDOW_S = 0.5
MAX_GAP_S = 0.5
MIN_TRAVEL_S = 1.0
MIN_TRAVEL_M = 0.5
DIRECTION_WINDOW_S = 1.0
RUN_SPEED_M_S = 1.7
"""Travel at least this fast is a run. Chosen on bandai-dense's train split (docs/counting.md): the longest
travel event of each checked clip moves at 1.83–4.14 m/s in the 28 runs and 0.46–1.89 m/s in the 70 walks
(one walk above 1.7)."""
MIN_TURN_DEG = 45.0
MIN_HEIGHT_M = 0.2
MIN_ARM_DEG = 60.0
MIN_BEND_DEG = 20.0
MOSTLY_INSIDE = 0.5
"""An event lies inside travel when at least this fraction of its span does (trunk events here, arm
repetitions in `motion_smd.actions`: a run leans and a walk swings its arms)."""
_ORDER = {"repetition": 0, "travel": 1, "turn": 2, "height": 3, "arm": 4, "trunk": 5}


@dataclass(frozen=True)
class Event:
    """One body-level event: `kind` (repetition, travel, turn, height, arm, trunk), its span in seconds from the clip
    start, and its text. `line()` gives "[0.5s–2.5s] turns left 90°".

    What the text says, as fields (for rules that read events, e.g. `motion_smd.actions`): `direction`
    (travel: forward/backward/left/right; turn: left/right; height, arm and trunk: up/down), `side` (arm: left/right),
    `speed_m_s` (travel), `body_parts` (repetition: the parts that repeat, e.g. "Right Elbow"), `strides`
    (repetition: a walk's or run's strides)."""

    kind: str
    start_s: float
    end_s: float
    text: str
    direction: str | None = None
    side: str | None = None
    speed_m_s: float | None = None
    body_parts: tuple[str, ...] = ()
    strides: bool = False

    def line(self) -> str:
        """The event as one timeline line."""
        return f"[{self.start_s:.1f}s–{self.end_s:.1f}s] {self.text}"


def _merged(channel: Channel, kind: str, covered: list[tuple[float, float]]) -> list[tuple[Segment, Segment]]:
    """Runs of `kind` segments of a channel (first, last), merged across pauses < MAX_GAP_S, outside `covered`."""
    runs: list[tuple[Segment, Segment]] = []
    for seg in channel.segments:
        if seg.kind != kind or any(a <= seg.start_s and seg.end_s <= b for a, b in covered):
            continue
        if runs and seg.start_s - runs[-1][1].end_s < MAX_GAP_S:
            runs[-1] = (runs[-1][0], seg)
        else:
            runs.append((seg, seg))
    return runs


def _repetition_events(reps: list[Repetition]) -> list[Event]:
    out = []
    for rep in reps:
        parts = ", ".join(rep.body_parts[:4]) + (", …" if len(rep.body_parts) > 4 else "")
        if rep.strides:
            what = f"takes {rep.count} strides, travelling {rep.travel_m:.1f}m"
        else:
            what = f"repeats {rep.count} times, period {rep.period_s:.1f}s: {parts}"
        out.append(
            Event("repetition", rep.start_s, rep.end_s, what, body_parts=tuple(rep.body_parts), strides=rep.strides)
        )
    return out


def _travel_events(desc: Description) -> list[Event]:
    fps = desc.fps
    xz = pelvis_path(desc)
    if len(xz) < 2:
        return []
    step = np.linalg.norm(np.diff(xz, axis=0), axis=1) * fps
    k = max(1, round(SPEED_WINDOW_S * fps))
    speed = np.convolve(step, np.ones(k) / k, mode="same")
    moving = speed >= MIN_SPEED_M_S
    runs: list[list[int]] = []
    for i in np.flatnonzero(moving).tolist():
        if runs and (i - runs[-1][1]) / fps < MAX_GAP_S:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    heading = desc.channel("heading").values
    h = max(1, round(DIRECTION_WINDOW_S * fps / 2))
    idx = np.arange(len(xz))
    vel = (xz[np.minimum(idx + h, len(xz) - 1)] - xz[np.maximum(idx - h, 0)]) * fps / (2 * h)
    rel_deg = np.degrees(np.arctan2(vel[:, 1], vel[:, 0])) - heading
    quadrant = (((rel_deg + 45.0) % 360.0) // 90.0).astype(np.int64)
    key = quadrant * 2 + (np.hypot(vel[:, 0], vel[:, 1]) >= RUN_SPEED_M_S)
    out = []
    for a0, b0 in runs:
        if (b0 - a0) / fps < MIN_TRAVEL_S:
            continue
        for a, b in _pieces(key[a0:b0], round(MIN_TRAVEL_S * fps), a0):
            d = xz[b] - xz[a]
            dist = float(np.hypot(*d))
            if dist < MIN_TRAVEL_M:
                continue
            # direction of travel relative to the body's heading (+ = turned left) at the middle of the piece
            travel_deg = np.degrees(np.arctan2(d[1], d[0]))  # 0 = initial facing, + = toward the left
            rel = (travel_deg - heading[(a + b) // 2] + 180.0) % 360.0 - 180.0
            direction = ("forward", "left", "backward", "right")[int(((rel + 45.0) % 360.0) // 90.0)]
            pace = dist * fps / (b - a)
            text = f"travels {direction} {dist:.1f}m ({pace:.1f}m/s)"
            out.append(Event("travel", a / fps, b / fps, text, direction=direction, speed_m_s=pace))
    return out


def _pieces(key: np.ndarray, min_len: int, offset: int) -> list[tuple[int, int]]:
    """Runs of equal `key` (frame spans [a, b) + offset); a run shorter than `min_len` frames joins its longer
    neighbour (taking its key), shortest first, and neighbours of equal key are joined, until every run is long
    enough or one is left."""
    cuts = [0, *(np.flatnonzero(np.diff(key)) + 1).tolist(), len(key)]
    spans = [[a, b, int(key[a])] for a, b in pairwise(cuts)]
    while len(spans) > 1:
        k = min(range(len(spans)), key=lambda i: (spans[i][1] - spans[i][0], i))
        if spans[k][1] - spans[k][0] >= min_len:
            break
        left = spans[k - 1][1] - spans[k - 1][0] if k > 0 else -1
        right = spans[k + 1][1] - spans[k + 1][0] if k + 1 < len(spans) else -1
        j = k - 1 if left >= right else k + 1
        spans[j] = [min(spans[j][0], spans[k][0]), max(spans[j][1], spans[k][1]), spans[j][2]]
        del spans[k]
        joined = [spans[0]]
        for sp in spans[1:]:
            if sp[2] == joined[-1][2]:
                joined[-1] = [joined[-1][0], sp[1], sp[2]]
            else:
                joined.append(sp)
        spans = joined
    return [(a + offset, b + offset) for a, b, _ in spans]


def _change_events(
    channel: Channel,
    kind: str,
    minimum: float,
    covered: list[tuple[float, float]],
    say: dict[str, str],
    unit: str,
    way: dict[str, str],
) -> list[Event]:
    out = []
    for direction in ("increases", "decreases"):
        for first, last in _merged(channel, direction, covered):
            change = last.end_value - first.start_value
            if abs(change) >= minimum:
                if unit == "deg":
                    text = f"{say[direction]} {abs(change):.0f}°"
                else:
                    text = f"{say[direction]} {first.start_value:.2f}m → {last.end_value:.2f}m"
                out.append(Event(kind, first.start_s, last.end_s, text, direction=way[direction]))
    return out


def _reach_events(
    ch: Channel,
    sign: float,
    minimum: float,
    covered: list[tuple[float, float]],
    kind: str,
    say: tuple[Callable[[float], str], Callable[[float], str]],
    directions: tuple[str, str],
    side: str | None = None,
) -> list[Event]:
    """Merged moves of `ch` toward sign·value that end at `minimum` or more ("raises the right arm forward to
    150°") and the merged moves back from there ("lowers the right arm from 150°"): `say` writes each from the
    value reached (sign·value), `directions` are the two events' `direction` fields."""
    toward, back = ("increases", "decreases") if sign > 0 else ("decreases", "increases")
    out = []
    for first, last in _merged(ch, toward, covered):
        if sign * last.end_value >= minimum:
            text = say[0](sign * last.end_value)
            out.append(Event(kind, first.start_s, last.end_s, text, direction=directions[0], side=side))
    for first, last in _merged(ch, back, covered):
        if sign * first.start_value >= minimum:
            text = say[1](sign * first.start_value)
            out.append(Event(kind, first.start_s, last.end_s, text, direction=directions[1], side=side))
    return out


def _arm_events(desc: Description, covered: dict[str, list[tuple[float, float]]]) -> list[Event]:
    out = []
    for side, name in (("r", "right"), ("l", "left")):
        for cid, sign, how in (
            (f"shoulder_flexion_{side}", 1.0, "forward"),
            (f"shoulder_adduction_{side}", -1.0, "sideways"),
        ):
            say = (
                lambda v, name=name, how=how: f"raises the {name} arm {how} to {v:.0f}°",
                lambda v, name=name, how=how: f"lowers the {name} arm from {v:.0f}° ({how})",
            )
            out += _reach_events(
                desc.channel(cid), sign, MIN_ARM_DEG, covered.get(cid, []), "arm", say, ("up", "down"), name
            )
    return out


def _trunk_events(desc: Description, travel: list[Event]) -> list[Event]:
    """Forward bends of the pelvis (pelvis tilt, negative = forward) to MIN_BEND_DEG or more, and the
    straightening from there, outside travel (a run leans forward as much as a shallow bow)."""
    say = (lambda v: f"bends forward to {v:.0f}°", lambda v: f"straightens up from {v:.0f}°")
    out = _reach_events(desc.channel("pelvis_tilt"), -1.0, MIN_BEND_DEG, [], "trunk", say, ("down", "up"))
    spans = [(e.start_s, e.end_s) for e in travel]
    return [e for e in out if covered_fraction(e, spans) < MOSTLY_INSIDE]


def covered_fraction(event: Event, spans: Sequence[tuple[float, float]]) -> float:
    """Fraction of `event`'s span inside `spans` (seconds; spans that do not overlap each other), 0–1."""
    length = max(event.end_s - event.start_s, 1e-9)
    inside = sum(max(0.0, min(event.end_s, b) - max(event.start_s, a)) for a, b in spans)
    return min(1.0, inside / length)


def motion_events(motion: Motion | Description, options: SMDOptions | None = None) -> list[Event]:
    """The events of a motion (rules in the module docstring), in time order.

    Args:
        motion: a canonical `Motion` (described here with `options`) or its `Description`.
        options: SMD options for describing a `Motion` (default `SMDOptions()`); ignored for a Description.

    Returns:
        Events sorted by start time, then rule order; empty for a motion without any.
    """
    desc = motion if isinstance(motion, Description) else describe(motion, options)
    big = [r for r in count_repetitions(desc) if r.size >= MIN_REPETITION_SIZE]
    covered: dict[str, list[tuple[float, float]]] = {}
    for rep in big:
        for cid in rep.channels:
            covered.setdefault(cid, []).append((rep.start_s - MAX_GAP_S, rep.end_s + MAX_GAP_S))
    events = _repetition_events(big) + _travel_events(desc)
    events += _change_events(
        desc.channel("heading"), "turn", MIN_TURN_DEG, covered.get("heading", []),
        {"increases": "turns left", "decreases": "turns right"}, "deg", {"increases": "left", "decreases": "right"},
    )  # fmt: skip
    events += _change_events(
        desc.channel("height"), "height", MIN_HEIGHT_M, covered.get("height", []),
        {"increases": "raises the body", "decreases": "lowers the body"}, "m", {"increases": "up", "decreases": "down"},
    )  # fmt: skip
    events += _arm_events(desc, covered)
    events += _trunk_events(desc, [e for e in events if e.kind == "travel"])
    return sorted(events, key=lambda e: (round(e.start_s, 6), _ORDER[e.kind], e.end_s, e.text))
