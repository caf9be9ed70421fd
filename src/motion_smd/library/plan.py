"""A composition request in words, parsed into an ordered plan of actions with optional quantities.

Grammar (deterministic, English): the request is split into actions at ", then", "then", "and then", "after
that", ";" and ","; each action keeps its own words (the search query) and these quantities:
    distance  "3 m", "2.5 metres", "4 meters"                      → distance_m
    angle     "90°", "90 degrees", "a quarter turn" (90), "half turn" (180)  → angle_deg
    count     "3 times", "twice", "once", "three times"            → count
    duration  "for 2 s", "for 3 seconds"                           → duration_s
    side      "left", "right", "both"                              → side (a hand's side or a direction)
    speed     "slowly" (0.7×), "quickly"/"fast" (1.3×)             → speed (time stretch applied after trimming)
Its family decides the trim and the check: travel (walk, run, jog, dash, step, go, move), turn (turn,
rotate), arm (wave, raise, hand, arm, bye, call, point, punch) or other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from motion_smd.errors import ConfigError

_SPLIT = re.compile(r"\s*(?:,\s*and then|,\s*then|\band then\b|\bafter that\b|\bthen\b|;|,)\s*", re.IGNORECASE)
_NUMBER_WORDS = {"once": 1, "twice": 2, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_DISTANCE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:m|metres?|meters?)\b")
_ANGLE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:°|deg\b|degrees?\b)")
_COUNT = re.compile(r"\b(\d+|one|two|three|four|five|six)\s+times\b|\b(once|twice)\b")
_DURATION = re.compile(r"\bfor\s+(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?)\b")
FAMILIES = {
    "turn": re.compile(r"\b(turns?|turning|rotates?|rotating)\b"),
    "travel": re.compile(r"\b(walks?|walking|runs?|running|jogs?|jogging|dash(es)?|steps?|stepping|go|goes|moves?)\b"),
    "arm": re.compile(r"\b(waves?|waving|raises?|raising|hands?|arms?|bye|call|calls|point|points|punch(es)?)\b"),
}
"""Action family by keyword, tried in this order ("walk and turn left" is a turn)."""
DEFAULT_TURN_DEG = 90.0


@dataclass(frozen=True)
class Action:
    """One planned action.

    Attributes:
        text: the action's words as written (the search query).
        family: "travel", "turn", "arm" or "other".
        side: "left", "right", "both" or None.
        direction: travel direction "forward", "backward", "left", "right" (travel actions), else None.
        distance_m, angle_deg, count, duration_s: requested quantities (None when not asked).
        speed: time-stretch factor (1.0 = as captured; 0.7 slowly, 1.3 quickly).
    """

    text: str
    family: str
    side: str | None = None
    direction: str | None = None
    distance_m: float | None = None
    angle_deg: float | None = None
    count: int | None = None
    duration_s: float | None = None
    speed: float = 1.0


def _count(words: str) -> int | None:
    m = _COUNT.search(words)
    if m is None:
        return None
    token = (m.group(1) or m.group(2)).lower()
    return int(token) if token.isdigit() else _NUMBER_WORDS[token]


def parse_action(text: str) -> Action:
    """One action's words → `Action` (rules in the module docstring)."""
    words = text.strip().lower()
    family = next((name for name, pattern in FAMILIES.items() if pattern.search(words)), "other")
    side = next((s for s in ("both", "left", "right") if re.search(rf"\b{s}\b", words)), None)
    distance = _DISTANCE.search(words)
    angle = _ANGLE.search(words)
    duration = _DURATION.search(words)
    angle_deg = float(angle.group(1)) if angle else None
    if angle_deg is None and "quarter turn" in words:
        angle_deg = 90.0
    if angle_deg is None and ("half turn" in words or "turn around" in words):
        angle_deg = 180.0
    if family == "turn" and angle_deg is None:
        angle_deg = DEFAULT_TURN_DEG
    direction = None
    if family == "travel":
        direction = (
            "backward" if re.search(r"\bback(ward|wards)?\b", words)
            else side if side in ("left", "right") and re.search(r"\b(to the|sideways|toward|towards)\b", words)
            else "forward"
        )  # fmt: skip
    speed = 0.7 if re.search(r"\bslow(ly)?\b", words) else 1.3 if re.search(r"\b(quickly|fast)\b", words) else 1.0
    return Action(
        text=text.strip(),
        family=family,
        side=side,
        direction=direction,
        distance_m=float(distance.group(1)) if distance else None,
        angle_deg=angle_deg,
        count=_count(words),
        duration_s=float(duration.group(1)) if duration else None,
        speed=speed,
    )


def parse_request(request: str) -> list[Action]:
    """A request → its actions in order.

    Raises:
        ConfigError: a request without any action words.
    """
    parts = [p for p in _SPLIT.split(request.strip().rstrip(".")) if p and p.strip()]
    if not parts:
        raise ConfigError(
            "the request names no action; write e.g. 'walk forward 3 m, turn left, then wave with the right hand'."
        )
    return [parse_action(p) for p in parts]
