"""A deterministic command grammar for the common requests, used when no capable model is configured (and by
the tests): each rule maps an utterance to tool calls.

    load|open PATH                         → load
    compare (it) with|to|and X             → compare(motion_b=X)
    describe (it) (the) last|first N s     → describe(start_s=−N) | describe(end_s=N)
    describe … from A to B (s)             → describe(start_s=A, end_s=B)
    describe|what does it do               → describe
    events|timeline|what happens           → events
    count …|how many …                     → count(part from the words: knee/squat → knee, arm/wave → arm, …)
    render|animate|show the animation      → render
    plot (the) knees|elbows|…              → plot(those angles)
    search|find X                          → search(query=X)
    compose|create|make a motion … X       → compose(request=X)
    slower|half speed|faster|twice as fast, mirror|other hand, reverse, repeat N times, trim A to B → edit
    anything else ending in "?"            → ask(question)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PART_WORDS = (
    (r"\bknees?\b|\bsquats?\b|\blunges?\b", "knee"),
    (r"\belbows?\b", "elbow"),
    (r"\bshoulders?\b", "shoulder"),
    (r"\bhips?\b", "hip"),
    (r"\bankles?\b", "ankle"),
    (r"\barms?\b|\bhands?\b|\bwaves?\b|\bwaving\b", "arm"),
    (r"\blegs?\b|\bsteps?\b|\bstrides?\b", "leg"),
    (r"\btrunk\b|\bbows?\b|\bbends? forward\b", "trunk"),
    (r"\bhead\b|\bnods?\b", "head"),
)
"""Body-part words → a `counting.PARTS` key, first match wins."""
PLOT_ANGLES = {
    "knee": "knee_flexion_r,knee_flexion_l",
    "elbow": "elbow_flexion_r,elbow_flexion_l",
    "hip": "hip_flexion_r,hip_flexion_l",
    "shoulder": "shoulder_flexion_r,shoulder_flexion_l",
    "arm": "shoulder_flexion_r,shoulder_flexion_l,elbow_flexion_r,elbow_flexion_l",
    "ankle": "ankle_dorsiflexion_r,ankle_dorsiflexion_l",
    "trunk": "lumbar_extension,lumbar_bending,lumbar_rotation",
}
_NUM = r"(\d+(?:\.\d+)?)"
_MOTION_FILE = re.compile(r"(\S+\.(?:bvh|npy|mp4|mov|avi|mkv|webm|m4v))\b", re.IGNORECASE)


@dataclass(frozen=True)
class Call:
    """One planned tool call."""

    tool: str
    args: dict[str, Any]


def _part(text: str) -> str | None:
    return next((part for pattern, part in PART_WORDS if re.search(pattern, text)), None)


def _edit(t: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if re.search(r"\b(slower|half speed|half as fast|slow (it )?down)\b", t):
        args["speed"] = 0.5
    elif re.search(r"\b(faster|twice as fast|double speed|speed (it )?up)\b", t):
        args["speed"] = 2.0
    if re.search(r"\b(mirror|other hand|other side|other arm|opposite side)\b", t):
        args["mirror"] = True
    if re.search(r"\b(reverse|backwards?|play it back)\b", t) and "walk" not in t:
        args["reverse"] = True
    rep = re.search(r"\brepeat(?: it)? (\d+) times\b", t)
    if rep:
        args["repeat"] = int(rep.group(1))
    trim = re.search(rf"\b(?:trim|cut|keep)(?: it)?(?: from)? {_NUM}\s*s? (?:to|-|–) {_NUM}", t)
    if trim:
        args["trim"] = f"{trim.group(1)}:{trim.group(2)}"
    return args


def plan(utterance: str) -> list[Call]:
    """The tool calls for one user utterance (rules in the module docstring); [] when nothing matches."""
    raw = utterance.strip()
    t = raw.lower()
    if m := re.match(r"^(?:load|open)\s+(.+)$", raw, re.IGNORECASE):
        return [Call("load", {"path": m.group(1).strip().strip("'\"")})]
    if m := re.search(r"\bcompare\b(?:\s+(?:it|this))?\s+(?:with|to|and|against)\s+(\S+)", raw, re.IGNORECASE):
        return [Call("compare", {"motion_b": m.group(1).strip("'\".,?")})]
    if re.match(r"^(?:search|find)\b", t):
        return [Call("search", {"query": re.sub(r"^(?:search|find)(?:\s+for)?\s+", "", raw, flags=re.IGNORECASE)})]
    if m := re.match(
        r"^(?:compose|create|make (?:a|me a|one|new)?\s*motion(?: where| in which| that)?)\s*:?\s*(.+)$",
        raw,
        re.IGNORECASE,
    ):
        return [Call("compose", {"request": m.group(1)})]
    edit = _edit(t)
    if edit and re.search(r"\b(it|this|make|mirror|reverse|repeat|trim|cut|keep|slow|speed|play)\b", t):
        return [Call("edit", edit)]
    if "describe" in t or re.search(r"\bwhat does (it|the person|he|she|they) do\b", t):
        args: dict[str, Any] = {}
        if m := re.search(rf"\b(last|first)\s+{_NUM}\s*(?:s|sec|secs|seconds?)\b", t):
            n = float(m.group(2))
            args = {"start_s": -n} if m.group(1) == "last" else {"end_s": n}
        elif m := re.search(rf"\bfrom\s+{_NUM}\s*s?\s+to\s+{_NUM}", t):
            args = {"start_s": float(m.group(1)), "end_s": float(m.group(2))}
        return [Call("describe", args)]
    if re.search(r"\b(events?|timeline|what happens)\b", t):
        return [Call("events", {})]
    if re.search(r"\b(count|how many|how often|repetitions?|reps)\b", t):
        part = _part(t)
        return [Call("count", {"part": part} if part else {})]
    if re.search(r"\b(render|animate|animation|show (it|me|the motion))\b", t):
        return [Call("render", {})]
    if "plot" in t or "graph" in t:
        part = _part(t)
        return [Call("plot", {"angles": PLOT_ANGLES[part]} if part in PLOT_ANGLES else {})]
    if t.endswith("?") or t.startswith("ask "):
        return [Call("ask", {"question": re.sub(r"^ask\s+", "", raw, flags=re.IGNORECASE)})]
    return []


HELP = (
    "I can: describe (e.g. 'describe the last 3 seconds'), list events, count ('how many times does the knee "
    "bend?'), compare ('compare with walk2.bvh'), render, plot ('plot the knees'), search/compose with a "
    "library, edit ('make it slower', 'mirror it'), or load a file ('load walk.bvh'). Questions go to the QA "
    "model when one is configured."
)
