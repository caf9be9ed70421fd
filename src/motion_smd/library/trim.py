"""Trim a retrieved clip to the part a planned action asks for, using the clip's SMD (events, repetitions and
trajectory channels), and decide whether a clip can serve the action at all.

Rules by action family (`plan.Action`):
- travel with a distance: from the start of the clip's travel to the first frame where the pelvis path
  (the trajectory channels "forward" and "lateral") has covered the distance; without one, the travel span.
- turn: from just before the turn event in the requested direction to the frame where the heading channel
  has turned by the requested angle (or the turn's end, if it turns less).
- arm with a count: from the start of the arm's repetition for `count` periods; otherwise the span of the
  arm's events and repetitions (a clip whose SMD shows neither does not fit).
- a duration: the first `duration_s` seconds of the span chosen above (or of the active span).
- otherwise the active span: from the first event's start to the last event's end (the whole clip when the
  SMD names no event), padded by PAD_S.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from motion_smd.counting import Repetition, count_repetitions
from motion_smd.description import Description
from motion_smd.events import MIN_REPETITION_SIZE, Event, motion_events
from motion_smd.library.plan import Action

PAD_S = 0.2
MIN_PART_S = 0.5


@dataclass(frozen=True)
class Trim:
    """Frames [start, stop) of the clip that serve the action; `fits` is False when the clip cannot give
    what was asked (too short a walk, no turn that way, too few repetitions), with the reason."""

    start: int
    stop: int
    fits: bool = True
    reason: str = ""


def _arm_reps(desc: Description, side: str | None) -> list[Repetition]:
    reps = [r for r in count_repetitions(desc, "arm") if r.size >= MIN_REPETITION_SIZE]  # as the events do
    if side in ("left", "right"):
        word = side.capitalize()
        reps = [r for r in reps if any(p.startswith(word) for p in r.body_parts)]
    return reps


def _frames(desc: Description, start_s: float, end_s: float) -> tuple[int, int]:
    a = max(0, int(np.floor(start_s * desc.fps)))
    b = min(desc.n_frames, int(np.ceil(end_s * desc.fps)) + 1)
    return a, max(b, min(desc.n_frames, a + round(MIN_PART_S * desc.fps)))


def _active(desc: Description, events: list[Event]) -> tuple[int, int]:
    if not events:
        return 0, desc.n_frames
    return _frames(desc, min(e.start_s for e in events) - PAD_S, max(e.end_s for e in events) + PAD_S)


def _travel(desc: Description, action: Action, events: list[Event]) -> Trim:
    travel = [e for e in events if e.kind == "travel"]
    a, b = _frames(desc, travel[0].start_s, travel[-1].end_s) if travel else (0, desc.n_frames)
    if action.distance_m is None:
        return Trim(a, b, bool(travel), "" if travel else "the clip does not travel")
    stop = distance_stop(desc, a, action.distance_m, b)
    if stop is None:
        covered = float(path_from(desc, a, b)[-1])
        return Trim(a, b, False, f"the clip travels {covered:.1f} m, less than {action.distance_m:g} m")
    return Trim(a, stop)


def path_from(desc: Description, start: int, stop: int) -> NDArray[np.float64]:
    """(stop − start,) pelvis path length (m) covered from frame `start`, from the trajectory channels."""
    fwd, lat = desc.channel("forward").values, desc.channel("lateral").values
    return np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(fwd[start:stop]), np.diff(lat[start:stop])))])


def distance_stop(desc: Description, start: int, distance_m: float, limit: int | None = None) -> int | None:
    """The stop frame (exclusive) at which the pelvis path from `start` first covers `distance_m`, looking no
    further than `limit` (default: the clip's end); None when it never does."""
    reached = np.flatnonzero(path_from(desc, start, desc.n_frames if limit is None else limit) >= distance_m)
    return start + int(reached[0]) + 1 if reached.size else None


def _turn(desc: Description, action: Action, events: list[Event]) -> Trim:
    side = action.side if action.side in ("left", "right") else None
    turns = [e for e in events if e.kind == "turn" and (side is None or e.direction == side)]
    if not turns:
        return Trim(*_active(desc, events), fits=False, reason=f"the clip has no turn to the {side or 'side'}")
    turn = max(turns, key=lambda e: e.end_s - e.start_s)
    a, b = _frames(desc, turn.start_s - PAD_S, turn.end_s + PAD_S)
    heading = desc.channel("heading").values
    change = np.abs(heading[a:b] - heading[a])
    reached = np.flatnonzero(change >= (action.angle_deg or 90.0))
    if reached.size:
        b = min(desc.n_frames, a + int(reached[0]) + 1 + round(PAD_S * desc.fps))
    return Trim(a, b)


def _arm(desc: Description, action: Action, events: list[Event]) -> Trim:
    reps = _arm_reps(desc, action.side)
    if action.count is not None:
        enough = [r for r in reps if r.count >= action.count]
        if not enough:
            best = max((r.count for r in reps), default=0)
            return Trim(*_active(desc, events), fits=False, reason=f"the clip repeats {best} times, not {action.count}")
        rep = enough[0]
        return Trim(*_frames(desc, rep.start_s - PAD_S, rep.start_s + action.count * rep.period_s + PAD_S))
    side = action.side if action.side in ("left", "right") else None
    shown = [e for e in events if e.kind == "arm" and (side is None or e.side == side)]
    if not (shown or reps):
        return Trim(
            *_active(desc, events), fits=False, reason=f"the SMD shows no {side or ''} arm event".replace("  ", " ")
        )
    spans = [(e.start_s, e.end_s) for e in shown] + [(r.start_s, r.end_s) for r in reps]
    return Trim(*_frames(desc, min(a for a, _ in spans) - PAD_S, max(b for _, b in spans) + PAD_S))


def trim_for(desc: Description, action: Action) -> Trim:
    """The frames of a clip (its `Description`) that serve `action` (rules in the module docstring)."""
    events = motion_events(desc)
    if action.family == "travel":
        trim = _travel(desc, action, events)
    elif action.family == "turn":
        trim = _turn(desc, action, events)
    elif action.family == "arm":
        trim = _arm(desc, action, events)
    else:
        trim = Trim(*_active(desc, events))
    if action.duration_s is not None:
        want = round(action.duration_s * desc.fps)
        if trim.stop - trim.start < want:
            return Trim(trim.start, trim.stop, False, f"the clip's part lasts less than {action.duration_s:g} s")
        return Trim(trim.start, trim.start + want, trim.fits, trim.reason)
    return trim
