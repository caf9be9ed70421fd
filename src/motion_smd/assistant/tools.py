"""The assistant's tools, each with a JSON schema (the OpenAI "function" tool format) and a function of the
session and the arguments that returns text for the model and, where it makes one, an artefact for the user.

Every fact the assistant states comes from one of these deterministic tools: the SMD describer, the event
timeline, the repetition counter, SMD-based comparisons, the plots and animations, the motion library
(search, compose, edit, each checked by describing its result again) and, for free questions, the LLM layer's
QA path (`ask`, which reads the SMD text).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from motion_smd.assistant.session import Session
from motion_smd.errors import ConfigError, MotionSMDError

MOTION_ARG = {"type": "string", "description": "Motion name, file path, or 'it' for the last motion (default)."}


@dataclass(frozen=True)
class ToolResult:
    """What a tool returns: `text` for the model (and the user), `artefact` a file it made (or None)."""

    text: str
    artefact: Path | None = None


@dataclass(frozen=True)
class Tool:
    """A tool: its name, what it does, the JSON schema of its arguments, and its function."""

    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[Session, dict[str, Any]], ToolResult]

    def schema(self) -> dict[str, Any]:
        """The OpenAI tool declaration {"type": "function", "function": {name, description, parameters}}."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


def _params(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


def _describe(session: Session, args: dict[str, Any]) -> ToolResult:
    from motion_smd import smd_text
    from motion_smd.options import SMDOptions

    motion = session.motion(args.get("motion"))
    start, end = args.get("start_s"), args.get("end_s")
    if start is not None or end is not None:
        a = float(start) if start is not None else 0.0
        b = float(end) if end is not None else motion.duration_s
        if a < 0:  # "the last 3 seconds": a negative start counts from the end
            a = max(0.0, motion.duration_s + a)
        if b <= a:
            raise ConfigError(f"the window {a:g}–{b:g} s is empty; the motion lasts {motion.duration_s:.1f} s.")
        motion = motion.window(a, b)
    top_k = args.get("top_k")
    return ToolResult(smd_text(motion, SMDOptions(top_k=int(top_k) if top_k else None)))


def _events(session: Session, args: dict[str, Any]) -> ToolResult:
    from motion_smd.events import motion_events

    found = motion_events(session.description(args.get("motion")))
    name = session.resolve(args.get("motion"))
    if not found:
        return ToolResult(f"{name}: no events (no repetition, travel, turn, height change or arm raise).")
    return ToolResult("\n".join([f"{name} events:", *(e.line() for e in found)]))


def _count(session: Session, args: dict[str, Any]) -> ToolResult:
    from motion_smd.counting import PARTS, count_repetitions

    part = args.get("part") or None
    if part is not None and part not in PARTS:
        raise ConfigError(f"part {part!r}: choose one of {', '.join(PARTS)}.")
    reps = count_repetitions(session.description(args.get("motion")), part)
    name = session.resolve(args.get("motion"))
    if not reps:
        return ToolResult(f"{name}: no repetition found{f' of the {part}' if part else ''} (2 or more cycles).")
    return ToolResult("\n".join([f"{name} repetitions{f' ({part})' if part else ''}:", *(r.text() for r in reps)]))


def compare_lines(a_name: str, b_name: str, a: Any, b: Any) -> list[str]:
    """Statements comparing two descriptions (`Description`), each with the SMD numbers behind it."""
    from motion_smd.counting import count_repetitions
    from motion_smd.library.features import arm_activity_deg

    def more(label: str, x: float, y: float, unit: str, fmt: str = ".1f") -> str:
        sep = "" if unit in ("°", "") else " "
        if abs(x - y) < 1e-9:
            return f"{label}: equal ({x:{fmt}}{sep}{unit})"
        first, second = (a_name, b_name) if x > y else (b_name, a_name)
        return f"{label}: {first} ({max(x, y):{fmt}}{sep}{unit} vs {min(x, y):{fmt}}{sep}{unit} for {second})"

    def peak(desc: Any, angle: str) -> float:
        """The larger side's peak of an angle ("knee_flexion" → max over knee_flexion_l and _r), degrees."""
        v = np.concatenate([desc.angle(f"{angle}_{s}").values for s in "lr"])
        v = v[np.isfinite(v)]
        return float(v.max()) if v.size else 0.0

    def most_reps(desc: Any) -> float:
        return float(max((r.count for r in count_repetitions(desc)), default=0))

    lines = [
        more("longer", a.duration_s, b.duration_s, "s"),
        more("faster (mean pelvis speed)", a.summary.mean_speed_m_s, b.summary.mean_speed_m_s, "m/s", ".2f"),
        more("travels farther (pelvis path)", a.summary.path_length_m, b.summary.path_length_m, "m", ".2f"),
        more(
            "raises an arm higher (peak shoulder flexion)",
            peak(a, "shoulder_flexion"),
            peak(b, "shoulder_flexion"),
            "°",
            ".0f",
        ),
        more("bends a knee deeper (peak knee flexion)", peak(a, "knee_flexion"), peak(b, "knee_flexion"), "°", ".0f"),
        more("more repetitions", most_reps(a), most_reps(b), "", ".0f"),
    ]
    for name, desc in ((a_name, a), (b_name, b)):
        left, right = arm_activity_deg(desc, "left"), arm_activity_deg(desc, "right")
        side = "left" if left > right else "right"
        lines.append(f"{name} moves the {side} arm more (arm activity left {left:.0f}°, right {right:.0f}°)")
    return lines


def _compare(session: Session, args: dict[str, Any]) -> ToolResult:
    a_name = session.resolve(args.get("motion_a"))
    b_ref = args.get("motion_b")
    if not b_ref:
        raise ConfigError("compare needs a second motion (motion_b): a loaded name or a file path.")
    b_name = session.resolve(str(b_ref))
    lines = compare_lines(a_name, b_name, session.description(a_name), session.description(b_name))
    session.current = a_name
    return ToolResult("\n".join([f"{a_name} vs {b_name}:", *lines]))


def _ask(session: Session, args: dict[str, Any]) -> ToolResult:
    from motion_smd import smd_text

    question = str(args.get("question") or "").strip()
    if not question:
        raise ConfigError("ask needs a question.")
    if session.qa_backend is None:
        raise ConfigError(
            "no question-answering model is configured; start the chat with --model PATH or --base-url URL "
            "(or ask for a description, events, a count or a comparison, which need none)."
        )
    from motion_smd.llm.evaluate import predict

    options = args.get("options") or None
    rec = {"id": session.resolve(args.get("motion")), "task": "qa", "smd": smd_text(session.motion(args.get("motion"))),
           "question": question, "options": options}  # fmt: skip
    (answer,) = predict(session.qa_backend, [rec], 64, None)
    return ToolResult(f"answer (from the QA model reading the SMD): {answer.strip()}")


def _plot(session: Session, args: dict[str, Any]) -> ToolResult:
    from motion_smd.options import SMDOptions
    from motion_smd.viz.plots import plot_description

    name = session.resolve(args.get("motion"))
    angles = args.get("angles") or None
    ids = [a.strip() for a in angles.split(",")] if isinstance(angles, str) else angles
    from motion_smd.describer import describe

    desc = describe(session.motion(name), SMDOptions(top_k=None if ids else 6))
    out = session.artefact(f"{name}_angles.png")
    plot_description(desc, out, ids)
    return ToolResult(f"plotted {', '.join(ids) if ids else 'the 6 busiest angles'} of {name}: {out}", out)


def _render(session: Session, args: dict[str, Any]) -> ToolResult:
    from motion_smd.viz.animation import render_animation

    name = session.resolve(args.get("motion"))
    fmt = str(args.get("format") or "gif")
    if fmt not in ("gif", "html", "mp4"):
        raise ConfigError(f"format {fmt!r}: choose gif, html or mp4.")
    out = session.artefact(f"{name}.{fmt}")
    res = render_animation(session.motion(name), out, 15.0, (480, 360))
    return ToolResult(f"rendered {name}: {res.n_frames} frames at {res.fps:g} fps, {out}", out)


def _library(session: Session) -> Any:
    from motion_smd.library.search import Library

    if session.library is None:
        raise ConfigError(
            "no motion library; build one with `smd library build DIR -o lib/` and start the chat with --library lib/."
        )
    return Library(session.library)


def _search(session: Session, args: dict[str, Any]) -> ToolResult:
    from motion_smd.library.search import search_text

    query = str(args.get("query") or "")
    hits = search_text(_library(session), query, int(args.get("k") or 5))
    lines = [
        f"{h.rank}. {h.row['clip_id']} [{h.row['content'] or h.row['caption']}] score {h.score:.2f} ({h.row['path']})"
        for h in hits
    ]
    return ToolResult("\n".join([f"clips for '{query}':", *lines]))


def _compose(session: Session, args: dict[str, Any]) -> ToolResult:
    from motion_smd.library.check import check_actions
    from motion_smd.library.compose import compose

    lib = _library(session)
    request = str(args.get("request") or "")
    result = compose(lib, request)
    parts = list(result.parts)
    checks = check_actions(
        result.motion,
        [p.action for p in parts],
        [(p.out_start, p.out_stop) for p in parts],
        [p.row for p in parts],
        lib,
    )
    out = result.write(session.artefact("composed.bvh" if result.bvh is not None else "composed.npy"))
    name = session.load(out)
    verdict = "passes" if all(c.passed for c in checks) else "FAILS"
    lines = [f"composed '{request}' as {name} ({result.motion.duration_s:.1f} s, {out}); the check {verdict}:"]
    return ToolResult("\n".join(lines + [c.line() for c in checks]), out)


def _edit(session: Session, args: dict[str, Any]) -> ToolResult:
    from motion_smd.library.compose import write_motion
    from motion_smd.library.edit import edit, edited_bvh, parse_steps
    from motion_smd.library.source import open_clip

    name = session.resolve(args.get("motion"))
    steps = parse_steps(
        trim=args.get("trim"), reverse=bool(args.get("reverse")), mirror=bool(args.get("mirror")),
        scale_joint=list(args.get("scale_joint") or []), speed=args.get("speed"), repeat=args.get("repeat"),
    )  # fmt: skip
    clip, checks = edit(open_clip(session.path(name)), steps)
    bvh = edited_bvh(clip)
    out = session.artefact(f"{name}_edited.{'bvh' if bvh is not None else 'npy'}")
    write_motion(out, clip.motion(), bvh, clip.hierarchy)
    new = session.load(out)
    return ToolResult("\n".join([f"edited {name} into {new} ({out}):", *(c.line() for c in checks)]), out)


def _load(session: Session, args: dict[str, Any]) -> ToolResult:
    name = session.load(str(args.get("path") or ""))
    m = session.motion(name)
    return ToolResult(
        f"loaded {name}: {m.n_frames} frames at {m.fps:g} fps ({m.duration_s:.1f} s) from {session.motions[name]}"
    )


TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool("describe", "The motion's SMD text: joint angles, their segments and the trajectory; optionally a time "
             "window (start_s, end_s; a negative start counts from the end) and the top_k busiest angles.",
             _params({"motion": MOTION_ARG, "start_s": {"type": "number"}, "end_s": {"type": "number"},
                      "top_k": {"type": "integer", "minimum": 1, "maximum": 26}}), _describe),
        Tool("events", "The motion's event timeline: repetitions, travel, turns, height changes, arm raises.",
             _params({"motion": MOTION_ARG}), _events),
        Tool("count", "Count repetitions (cycles) of the motion, optionally of one body part.",
             _params({"motion": MOTION_ARG, "part": {"type": "string", "enum": ["arm", "leg", "shoulder", "elbow",
                      "hip", "knee", "ankle", "trunk", "pelvis", "head", "body"]}}), _count),
        Tool("compare", "Compare two motions from their SMDs: longer, faster, farther, higher, deeper, more "
             "repetitions, which arm moves more.",
             _params({"motion_a": MOTION_ARG, "motion_b": {"type": "string"}}, ("motion_b",)), _compare),
        Tool("ask", "Answer a free question about the motion with the QA model reading its SMD text.",
             _params({"motion": MOTION_ARG, "question": {"type": "string"},
                      "options": {"type": "array", "items": {"type": "string"}}}, ("question",)), _ask),
        Tool("plot", "Plot joint angles over time with their SMD segments (PNG).",
             _params({"motion": MOTION_ARG, "angles": {"type": "string", "description": "comma-separated angle ids"}}),
             _plot),
        Tool("render", "Render the skeleton animation (gif, html or mp4).",
             _params({"motion": MOTION_ARG, "format": {"type": "string", "enum": ["gif", "html", "mp4"]}}), _render),
        Tool("search", "Search the motion library for clips matching a text.",
             _params({"query": {"type": "string"}, "k": {"type": "integer", "minimum": 1, "maximum": 20}}, ("query",)),
             _search),
        Tool("compose", "Compose a new motion from library clips for a request such as 'walk forward 3 m, then "
             "turn left'; the result is described again and checked.",
             _params({"request": {"type": "string"}}, ("request",)), _compose),
        Tool("edit", "Edit a motion: speed factor, mirror, repeat N, trim 'A:B' seconds, reverse, scale_joint "
             "['ANGLE=F']; each step is checked.",
             _params({"motion": MOTION_ARG, "speed": {"type": "number"}, "mirror": {"type": "boolean"},
                      "repeat": {"type": "integer"}, "trim": {"type": "string"}, "reverse": {"type": "boolean"},
                      "scale_joint": {"type": "array", "items": {"type": "string"}}}), _edit),
        Tool("load", "Load a motion file into the conversation.", _params({"path": {"type": "string"}}, ("path",)),
             _load),
    )
}  # fmt: skip
"""Every tool by name."""


def call_tool(session: Session, name: str, arguments: str | dict[str, Any]) -> ToolResult:
    """Run a tool by name with JSON-text or dict arguments. A project error, bad JSON, an unknown tool or an
    unknown argument becomes a ToolResult whose text starts with "error:" (returned to the model, so the
    conversation goes on), never an exception."""
    tool = TOOLS.get(name)
    if tool is None:
        return ToolResult(f"error: no tool called {name!r}; tools: {', '.join(TOOLS)}.")
    try:
        args = json.loads(arguments or "{}") if isinstance(arguments, str) else dict(arguments)
    except json.JSONDecodeError as exc:
        return ToolResult(f"error: the arguments of {name} are not valid JSON ({exc.msg}); send a JSON object.")
    if not isinstance(args, dict):
        return ToolResult(f"error: the arguments of {name} must be a JSON object.")
    unknown = sorted(set(args) - set(tool.parameters["properties"]))
    if unknown:
        return ToolResult(
            f"error: {name} has no argument(s) {unknown}; it takes {', '.join(tool.parameters['properties'])}."
        )
    try:
        return tool.run(session, args)
    except MotionSMDError as exc:
        return ToolResult(f"error: {exc}")
    except (TypeError, ValueError) as exc:
        return ToolResult(f"error: bad arguments for {name}: {exc}")
