"""Every sentence the SMD text writes about a channel, in one table: the one place to edit a sentence.

Source: docs/format.md ("Segments"; format version 2). The renderer (`motion_smd.render`) fills these
templates; each is a `str.format` template over the fields listed in `SENTENCE_FIELDS` (a template may use
any of its fields, in any order, or leave some out). Values arrive already written in the channel's unit
("12°", "-0.95m"), times as "3.4s". Changing a sentence changes the text, so it is a format change
(`SMDOptions.format_version`, docs/format.md's changelog, the golden files).

The thresholds that decide which sentence a stretch of motion gets are the channel's own δ and hold
tolerance (`motion_smd.description.Channel.delta`, `.hold_tolerance`, set from `SMDOptions`) and the
segmentation constants documented in `motion_smd.segment_kernel` and `motion_smd.cycle_kernel`.
"""

from __future__ import annotations

import string
from collections.abc import Callable

SENTENCES: dict[str, str] = {
    # segments (one line each, in time order)
    "increases": "increases: {start_value} → {end_value} [{start}–{end}] ({duration})",
    "decreases": "decreases: {start_value} → {end_value} [{start}–{end}] ({duration})",
    "holds": "holds at {level} [{start}–{end}] ({duration})",
    "oscillates": "oscillates {cycles} cycles between {min_value} and {max_value} [{start}–{end}] (period {period})",
    "turns": "turns {way} {turn}: {start_value} → {end_value} [{start}–{end}] ({duration})",
    # a channel without segments
    "static": "holds at {level} throughout",
    "static_trajectory": "{label}: static at {level} throughout",
    # a channel undefined in some frames (the axial rotations while the knee/elbow is nearly straight)
    "static_where_defined": "holds at {level} whenever defined",
    "brief_where_defined": "between {min_value} and {max_value} in brief defined moments",
    "undefined_in": "undefined in {frames} of {total} frames ({why})",
    "undefined_throughout": "undefined throughout ({why})",
}
"""Sentence templates by key. Segment keys are `description.SEGMENT_KINDS` ("increases", "decreases",
"holds", "oscillates") plus "turns" (a heading move)."""

_SPAN = ("start", "end", "duration")
SENTENCE_FIELDS: dict[str, tuple[str, ...]] = {
    "increases": ("start_value", "end_value", *_SPAN),
    "decreases": ("start_value", "end_value", *_SPAN),
    "holds": ("level", *_SPAN),
    "oscillates": ("cycles", "min_value", "max_value", "start", "end", "period"),
    "turns": ("way", "turn", "start_value", "end_value", *_SPAN),
    "static": ("level",),
    "static_trajectory": ("label", "level"),
    "static_where_defined": ("level",),
    "brief_where_defined": ("min_value", "max_value"),
    "undefined_in": ("frames", "total", "why"),
    "undefined_throughout": ("why",),
}
"""The fields each template may use, in the order the renderer passes them. Fields: start_value/end_value
(a move's printed extremes), level (a hold's or static channel's value: the middle of its band),
min_value/max_value, start/end (times), duration, period (of one cycle), cycles (count), way ("left" or
"right") and turn ("25°": the heading's change as printed), label (a trajectory channel's name), frames/
total (frame counts), why (the reason a channel is undefined)."""


def template_fields(template: str) -> tuple[str, ...]:
    """The field names a `str.format` template uses, in order of appearance (repeats kept).

    Raises:
        ValueError: a field that is positional ("{}", "{0}") or has a conversion, format spec or attribute.
    """
    names = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"sentence template {template!r}: field {{{name}}} must be a plain name")
        names.append(name)
    return tuple(names)


def compile_sentence(key: str) -> Callable[..., str]:
    """The template `SENTENCES[key]` as a function of the fields `SENTENCE_FIELDS[key]` (positional, in that
    order), built as an f-string: as fast as a hand-written one, which matters in the renderer's loop over
    thousands of segments.

    Raises:
        ValueError: the template uses a field that is not among its SENTENCE_FIELDS, or is malformed.
    """
    template, fields = SENTENCES[key], SENTENCE_FIELDS[key]
    unknown = sorted(set(template_fields(template)) - set(fields))
    if unknown:
        raise ValueError(f"sentence {key!r} uses {unknown}; its fields are {list(fields)} (motion_smd.sentences)")
    # the template is a constant of this module whose fields were just checked to be plain parameter names
    fn: Callable[..., str] = eval(f"lambda {', '.join(fields)}: f{template!r}")
    return fn


SAY: dict[str, Callable[..., str]] = {key: compile_sentence(key) for key in SENTENCES}
"""Each sentence as a function of its fields (positional, in `SENTENCE_FIELDS` order)."""
