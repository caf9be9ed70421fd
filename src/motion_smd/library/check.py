"""The closed-loop check: a composed motion is described again and compared with the request.

Nothing of the composition is trusted: each action's stretch of the *result* is described (`describe` on that
window of the output joints) and its SMD must show the action, and the result's own event timeline must
show the actions' events in the requested order.

Per action family (`plan.Action`), on the action's window of the output:
- travel: the pelvis's displacement in the window's initial facing frame (trajectory channels "forward",
  "lateral") points the requested way (forward, backward, left, right: the largest component), and with a
  distance, the pelvis path length is within TRAVEL_TOLERANCE (relative) or TRAVEL_SLACK_M of it;
- turn: the heading channel changes in the requested direction, by the requested angle ± TURN_TOLERANCE_DEG;
- arm: with a side, that arm's activity (`features.arm_activity_deg`) is at least SIDE_RATIO times the other
  arm's ("both": neither exceeds the other SIDE_RATIO times); with a count, the arm's repetition count is
  within ±1 of it;
- other: some angle moves at least MIN_RANGE_DEG, and, given the library, the labelled clip nearest the window
  by SMD features (the source clip excluded) carries the same content label as the source (the SMD reads like
  the action; skipped, and said, when no other clip has that label);
- a duration: the window lasts within DURATION_TOLERANCE of it.
Order: every travel, turn and arm action needs an event of its kind (and direction or side) in the result's
timeline (`events.motion_events` of the whole output) that lies in its window: the event covers at least
EVIDENCE_SHARE of the window, or at least EVIDENCE_SHARE of the event lies inside it. The windows follow each
other in the requested order, so evidence in each window is evidence of the order. (A walk, a turn and a walk
make one travel event over all three windows: it covers each walk's window.) Stride repetitions are not
evidence of an arm action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from motion_smd.counting import count_repetitions, pelvis_path
from motion_smd.describer import describe
from motion_smd.description import Description
from motion_smd.events import Event, motion_events
from motion_smd.library.features import arm_activity_deg, channel_change, feature_vector
from motion_smd.library.plan import Action
from motion_smd.motion import Motion

TRAVEL_TOLERANCE = 0.25
TRAVEL_SLACK_M = 0.3
TURN_TOLERANCE_DEG = 30.0
SIDE_RATIO = 1.25
MIN_RANGE_DEG = 15.0
DURATION_TOLERANCE = 0.2
EVIDENCE_SHARE = 0.4
EVENT_KINDS = {"travel": ("travel",), "turn": ("turn",), "arm": ("arm", "repetition")}


def verdict_line(subject: str, measured: str, reasons: tuple[str, ...]) -> str:
    """One check line: PASS or FAIL, the subject, what was measured, and the reasons to fail after a dash."""
    why = f" — {'; '.join(reasons)}" if reasons else ""
    return f"{'FAIL' if reasons else 'PASS'} {subject}: {measured}{why}"


class Verdict:
    """A check's outcome: it passes when no reason to fail was found (`reasons` is set by the dataclass)."""

    reasons: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """True when no reason to fail was found."""
        return not self.reasons


@dataclass(frozen=True)
class CheckItem(Verdict):
    """The verdict on one action: its window of the output (seconds), what the SMD of the result shows there,
    and the reasons it fails (empty when it passes)."""

    action: str
    family: str
    window_s: tuple[float, float]
    measured: str
    reasons: tuple[str, ...]

    def line(self) -> str:
        """One line (`verdict_line`): the action with its window, what was measured and any reasons."""
        window = f"[{self.window_s[0]:.1f}s–{self.window_s[1]:.1f}s]"
        return verdict_line(f"{window} {self.action}", self.measured, self.reasons)


def _travel(action: Action, wd: Description) -> tuple[str, list[str]]:
    fwd, lat = channel_change(wd, "forward"), channel_change(wd, "lateral")
    xy = pelvis_path(wd)
    path = float(np.hypot(*np.diff(xy, axis=0).T).sum()) if len(xy) > 1 else 0.0
    way = ("forward" if fwd > 0 else "backward") if abs(fwd) >= abs(lat) else ("left" if lat > 0 else "right")
    reasons = []
    if way != action.direction:
        reasons.append(f"travels {way}, not {action.direction}")
    if action.distance_m is not None:
        slack = max(TRAVEL_SLACK_M, TRAVEL_TOLERANCE * action.distance_m)
        if abs(path - action.distance_m) > slack:
            reasons.append(f"path {path:.2f} m is not {action.distance_m:g} ± {slack:.2f} m")
    return f"travels {way}, path {path:.2f} m (forward {fwd:+.2f} m, lateral {lat:+.2f} m)", reasons


def _turn(action: Action, wd: Description) -> tuple[str, list[str]]:
    change = channel_change(wd, "heading")
    way = "left" if change > 0 else "right"
    reasons = []
    if action.side in ("left", "right") and way != action.side:
        reasons.append(f"turns {way}, not {action.side}")
    want = action.angle_deg or 90.0
    if abs(abs(change) - want) > TURN_TOLERANCE_DEG:
        reasons.append(f"turns {abs(change):.0f}°, not {want:g} ± {TURN_TOLERANCE_DEG:g}°")
    return f"heading changes {change:+.0f}°", reasons


def _arm(action: Action, wd: Description) -> tuple[str, list[str]]:
    left, right = arm_activity_deg(wd, "left"), arm_activity_deg(wd, "right")
    reasons = []
    if action.side == "left" and left < SIDE_RATIO * right:
        reasons.append(f"the left arm moves {left:.0f}°, not {SIDE_RATIO}× the right's {right:.0f}°")
    elif action.side == "right" and right < SIDE_RATIO * left:
        reasons.append(f"the right arm moves {right:.0f}°, not {SIDE_RATIO}× the left's {left:.0f}°")
    elif action.side == "both" and max(left, right) > SIDE_RATIO * min(left, right):
        reasons.append(f"the arms move unequally (left {left:.0f}°, right {right:.0f}°)")
    measured = f"arm activity left {left:.0f}°, right {right:.0f}°"
    if action.count is not None:
        words = {"left": ("Left",), "right": ("Right",)}.get(action.side or "", ("Left", "Right"))
        reps = [r for r in count_repetitions(wd, "arm") if any(p.startswith(words) for p in r.body_parts)]
        n = max((r.count for r in reps), default=0)
        measured += f", {n} repetitions"
        if abs(n - action.count) > 1:
            reasons.append(f"{n} repetitions, not {action.count} ± 1")
    return measured, reasons


def _other(wd: Description, row: dict[str, Any] | None, library: Any) -> tuple[str, list[str]]:
    ranges = [ch.range_value for ch in wd.angles if np.isfinite(ch.range_value)]
    biggest = max(ranges, default=0.0)
    reasons = [] if biggest >= MIN_RANGE_DEG else [f"nothing moves more than {biggest:.0f}°"]
    measured = f"largest angle range {biggest:.0f}°"
    if library is not None and row is not None and row.get("content"):
        from motion_smd.library.search import search_like

        others = [r for r in library.rows if r["content"] == row["content"] and r["clip_id"] != row["clip_id"]]
        if not others:
            measured += f", label check skipped (no other '{row['content']}' clip)"
        else:
            hits = search_like(library, feature_vector(wd), len(library.rows))
            near = next(h for h in hits if h.row["content"] and h.row["clip_id"] != row["clip_id"])
            measured += f", reads like '{near.row['content']}'"
            if near.row["content"] != row["content"]:
                reasons.append(f"its SMD is nearest to '{near.row['content']}', not '{row['content']}'")
    return measured, reasons


def _evidence(events: list[Event], action: Action, a_s: float, b_s: float) -> Event | None:
    kinds = EVENT_KINDS.get(action.family)
    if kinds is None:
        return None
    for e in events:
        inside = min(e.end_s, b_s) - max(e.start_s, a_s)
        covers = inside >= EVIDENCE_SHARE * (b_s - a_s) or inside >= EVIDENCE_SHARE * (e.end_s - e.start_s)
        if e.kind not in kinds or inside <= 0 or not covers:
            continue
        if action.family == "turn" and action.side in ("left", "right") and e.direction != action.side:
            continue
        if action.family == "travel" and e.direction != action.direction:
            continue
        if action.family == "arm" and action.side in ("left", "right"):
            word = action.side.capitalize()
            if e.kind == "arm" and e.side != action.side:
                continue
            if e.kind == "repetition" and (e.strides or not any(p.startswith(word) for p in e.body_parts)):
                continue
        if action.family == "arm" and e.strides:
            continue
        return e
    return None


def check_actions(
    motion: Motion,
    actions: list[Action],
    windows: list[tuple[int, int]],
    rows: list[dict[str, Any] | None] | None = None,
    library: Any = None,
) -> list[CheckItem]:
    """Check each action against its window of the result (rules in the module docstring).

    Args:
        motion: the result (canonical).
        actions: the planned actions, in order.
        windows: each action's output frames [start, stop).
        rows: the library row each action's clip came from (for the "other" family's label check), or None.
        library: the `search.Library` (for that check), or None to skip it.
    """
    events = motion_events(describe(motion))
    items = []
    for k, (action, (a, b)) in enumerate(zip(actions, windows)):
        a_s, b_s = a / motion.fps, b / motion.fps
        window = Motion(motion.joints[a : max(b, a + 2)], motion.fps, source=motion.source)
        wd = describe(window)
        if action.family == "travel":
            measured, reasons = _travel(action, wd)
        elif action.family == "turn":
            measured, reasons = _turn(action, wd)
        elif action.family == "arm":
            measured, reasons = _arm(action, wd)
        else:
            measured, reasons = _other(wd, rows[k] if rows else None, library)
        if action.duration_s is not None:
            dur = (b - a) / motion.fps
            if abs(dur - action.duration_s) > max(0.2, DURATION_TOLERANCE * action.duration_s):
                reasons.append(f"lasts {dur:.1f} s, not {action.duration_s:g} s")
        if action.family in EVENT_KINDS:
            found = _evidence(events, action, a_s, b_s)
            if found is None:
                reasons.append(f"the result's timeline has no {'/'.join(EVENT_KINDS[action.family])} event here")
            else:
                measured += f"; event {found.line()}"
        items.append(CheckItem(action.text, action.family, (a_s, b_s), measured, tuple(reasons)))
    return items
