"""Action phrases from the event timeline (issue #15): the deterministic dense captioner and localiser of
bandai-dense ("[0.0–4.1 s] walk forward; [4.4–7.9 s] wave the right hand"), read from `motion_smd.events`.

The phrases are those of the Bandai-Namco labels (`phrase_of`): "walk|run forward|backward|left|right",
"turn left|right", "raise the left|right hand", "raise both hands", "wave the left|right hand", "wave both
hands", "bow". Rules, one per event kind (thresholds are module constants):

- **travel** → "walk <direction>", or "run <direction>" when its mean speed is at least
  `motion_smd.events.RUN_SPEED_M_S` (the events cut travel where the pace changes).
- **turn** → "turn left|right".
- **arm** events of one side (raises and lowers), merged across pauses shorter than `ARM_GAP_S`, → "raise the
  <side> hand"; when a repetition of that side's arm (a body part named "<Side> Shoulder|Elbow|Wrist")
  overlaps the merged span, → "wave the <side> hand" over the union of both.
- a repetition of arm parts without arm events → "wave the <side> hand" over the repetition, unless it lies
  mostly (`motion_smd.events.MOSTLY_INSIDE`) inside a travel event: arms swing while walking.
- the two sides' phrases of one action that overlap by tIoU ≥ `BOTH_SIDES_TIOU` → "… both hands" (union).
- **trunk** events (a forward bend and the straightening, outside travel), merged across pauses shorter than
  `ARM_GAP_S`, → "bow".
- a walk's or run's strides, height changes and anything else → no phrase (the travel event says it).

Phrases are merged with the same phrase across gaps shorter than `SAME_GAP_S` and sorted by start time.
"""

from __future__ import annotations

from collections.abc import Sequence

from motion_smd.events import MOSTLY_INSIDE, RUN_SPEED_M_S, Event, covered_fraction
from motion_smd.metrics.dense import TimedCaption
from motion_smd.metrics.temporal import Span, temporal_iou

ARM_GAP_S = 1.0
BOTH_SIDES_TIOU = 0.5
SAME_GAP_S = 0.5
_ARM_PARTS = ("Shoulder", "Elbow", "Wrist")


def phrase_of(action: str, direction: str | None = None, body_part: str | None = None) -> str:
    """The phrase of a labelled action: ("walk", "forward") → "walk forward", ("wave", body_part="right hand")
    → "wave the right hand", ("raise hand", body_part="both hands") → "raise both hands", ("bow") → "bow"."""
    if action in ("wave", "raise hand") and body_part is not None:
        verb = "wave" if action == "wave" else "raise"
        return f"{verb} {body_part}" if body_part == "both hands" else f"{verb} the {body_part}"
    return f"{action} {direction}" if direction else action


def _merge(items: list[TimedCaption], gap_s: float) -> list[TimedCaption]:
    """Same-caption items joined across gaps < gap_s (input sorted by start)."""
    out: list[TimedCaption] = []
    for it in sorted(items, key=lambda e: (e.caption, e.start_s, e.end_s)):
        last = out[-1] if out else None
        if last is not None and last.caption == it.caption and it.start_s - last.end_s < gap_s:
            out[-1] = TimedCaption(last.start_s, max(last.end_s, it.end_s), it.caption)
        else:
            out.append(it)
    return out


def _both_sides(items: list[TimedCaption]) -> list[TimedCaption]:
    """Left and right phrases of one verb that overlap enough → one "both hands" phrase."""
    out = list(items)
    for verb in ("raise", "wave"):
        left = [e for e in out if e.caption == f"{verb} the left hand"]
        right = [e for e in out if e.caption == f"{verb} the right hand"]
        for lt in left:
            match = max(right, key=lambda r: temporal_iou(lt.span, r.span), default=None)
            if match is not None and temporal_iou(lt.span, match.span) >= BOTH_SIDES_TIOU and match in out:
                out.remove(lt)
                out.remove(match)
                right.remove(match)
                start, end = min(lt.start_s, match.start_s), max(lt.end_s, match.end_s)
                out.append(TimedCaption(start, end, f"{verb} both hands"))
    return out


def action_timeline(events: Sequence[Event]) -> list[TimedCaption]:
    """The action phrases of a motion's events (rules in the module docstring), sorted by start time.

    Args:
        events: `motion_smd.events.motion_events` of one motion.

    Returns:
        TimedCaption per action (seconds from the motion's start); empty when no rule applies.
    """
    items: list[TimedCaption] = _merge(
        [TimedCaption(e.start_s, e.end_s, "bow") for e in events if e.kind == "trunk"], ARM_GAP_S
    )
    travel = [(e.start_s, e.end_s) for e in events if e.kind == "travel"]
    for e in events:
        if e.kind == "travel" and e.direction is not None:
            verb = "run" if (e.speed_m_s or 0.0) >= RUN_SPEED_M_S else "walk"
            items.append(TimedCaption(e.start_s, e.end_s, f"{verb} {e.direction}"))
        elif e.kind == "turn" and e.direction is not None:
            items.append(TimedCaption(e.start_s, e.end_s, f"turn {e.direction}"))
    for side in ("left", "right"):
        arm = _merge(
            [TimedCaption(e.start_s, e.end_s, "arm") for e in events if e.kind == "arm" and e.side == side],
            ARM_GAP_S,
        )
        parts = tuple(f"{side.capitalize()} {p}" for p in _ARM_PARTS)
        reps = [
            e
            for e in events
            if e.kind == "repetition"
            and not e.strides
            and set(parts) & set(e.body_parts)
            and covered_fraction(e, travel) < MOSTLY_INSIDE
        ]
        used: set[int] = set()
        for a in arm:
            over = [k for k, r in enumerate(reps) if temporal_iou(a.span, (r.start_s, r.end_s)) > 0]
            used.update(over)
            start = min([a.start_s, *(reps[k].start_s for k in over)])
            end = max([a.end_s, *(reps[k].end_s for k in over)])
            items.append(TimedCaption(start, end, f"{'wave' if over else 'raise'} the {side} hand"))
        items += [
            TimedCaption(r.start_s, r.end_s, f"wave the {side} hand") for k, r in enumerate(reps) if k not in used
        ]
    merged = _merge(_both_sides(_merge(items, SAME_GAP_S)), SAME_GAP_S)
    return sorted(merged, key=lambda e: (e.start_s, e.end_s, e.caption))


def localise(timeline: Sequence[TimedCaption], phrase: str, duration_s: float) -> Span:
    """When `phrase` happens: the span from the first to the last timeline entry with that phrase; the whole
    motion (0, duration_s) when there is none (the answer of a reader who cannot tell)."""
    hits = [e for e in timeline if e.caption == phrase]
    if not hits:
        return (0.0, duration_s)
    return (min(e.start_s for e in hits), max(e.end_s for e in hits))
