"""The structured result of describing a motion: channels, their segments, trajectory summary.

A `Description` keeps the numeric series and segment boundaries (not only text) so that event tools,
plots and a conversational layer can use them (DESIGN.md, "Coming after the first release").
It is JSON-serialisable through `to_dict()`; `motion_smd.render` turns it into SMD text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from motion_smd.options import SMDOptions

SegmentKind = Literal["increases", "decreases", "holds", "oscillates"]
Unit = Literal["deg", "m"]


class Segment(NamedTuple):
    """One temporal segment of a channel (an immutable named tuple: cheap to create in bulk).

    Frames are inclusive indices into the clip; times are seconds from the clip start (frame / fps).

    Attributes:
        kind: "increases" / "decreases" (start_value → end_value), "holds" (mean_value),
            or "oscillates" (cycles between min_value and max_value with period_s).
        start_frame, end_frame: inclusive frame range.
        start_s, end_s: the same range in seconds.
        start_value, end_value: channel value at the ends (smoothed series), channel unit.
        mean_value, min_value, max_value: statistics over the segment, channel unit.
        cycles: repetition count (oscillates only, else 0).
        period_s: mean cycle duration (oscillates only, else 0.0).
    """

    kind: SegmentKind
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    start_value: float
    end_value: float
    mean_value: float
    min_value: float
    max_value: float
    cycles: int = 0
    period_s: float = 0.0

    @property
    def duration_s(self) -> float:
        """end_s − start_s."""
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict."""
        return self._asdict()


SEGMENT_ROW_FIELDS = (
    "kind",
    "start_frame",
    "end_frame",
    "start_value",
    "end_value",
    "mean_value",
    "min_value",
    "max_value",
    "cycles",
    "period_s",
)
"""Column names of the segment rows in `Channel.to_dict()` (times are frame / fps)."""


@dataclass(frozen=True)
class Channel:
    """One described time series: an angle or a trajectory channel.

    Attributes:
        id: e.g. "knee_flexion_r", "height", "heading".
        group: body-part header ("Right Knee") or "Global Trajectory".
        name: display name ("Right Knee Flexion", "Forward Position").
        gloss: plain-language meaning of a positive change.
        unit: "deg" or "m".
        values: (T,) float64 smoothed series that was segmented (not serialised unless asked).
        segments: the segments in time order; empty when `static`.
        static: True when the whole range is below the channel's threshold.
        range_value: max − min of `values` (range of motion), channel unit.
    """

    id: str
    group: str
    name: str
    gloss: str
    unit: Unit
    values: NDArray[np.float64] = field(repr=False)
    segments: tuple[Segment, ...]
    static: bool
    range_value: float

    @property
    def mean_value(self) -> float:
        """Mean of the series."""
        return float(self.values.mean())

    def to_dict(self, include_series: bool = False) -> dict[str, Any]:
        """JSON-serialisable dict; segments as compact rows in the order of `SEGMENT_ROW_FIELDS`, values
        rounded to 1e-4 of the channel unit; `include_series` adds the (T,) values as a list."""
        d: dict[str, Any] = {
            "id": self.id,
            "group": self.group,
            "name": self.name,
            "unit": self.unit,
            "static": self.static,
            "mean": round(self.mean_value, 4),
            "range": round(self.range_value, 4),
            "segments": [
                [
                    s.kind,
                    s.start_frame,
                    s.end_frame,
                    round(s.start_value, 4),
                    round(s.end_value, 4),
                    round(s.mean_value, 4),
                    round(s.min_value, 4),
                    round(s.max_value, 4),
                    s.cycles,
                    round(s.period_s, 4),
                ]
                for s in self.segments
            ],
        }
        if include_series:
            d["values"] = [float(v) for v in self.values]
        return d


@dataclass(frozen=True)
class TrajectorySummary:
    """Whole-clip trajectory numbers (spec/smd_format.md, section 2). Metres, seconds, m/s.

    Attributes:
        displacement_m: horizontal pelvis distance from the first to the last frame.
        height_change_m: pelvis height at the end minus at the start (signed).
        avg_height_m: mean pelvis height above the floor.
        path_length_m: horizontal length of the (smoothed) pelvis path.
        mean_speed_m_s: path_length_m / duration.
        travels: whether the body travels (path length ≥ the position threshold delta_m).
    """

    displacement_m: float
    height_change_m: float
    avg_height_m: float
    path_length_m: float
    mean_speed_m_s: float
    travels: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Description:
    """Everything SMD says about one motion, before rendering.

    Attributes:
        source: motion id or file path (None if unknown).
        n_frames: T.
        fps: frame rate.
        options: the options used.
        summary: whole-clip trajectory numbers.
        trajectory: channels "height", "forward", "lateral", "heading" (in that order).
        angles: the 26 angle channels in spec/angles.md numbering.
    """

    source: str | None
    n_frames: int
    fps: float
    options: SMDOptions
    summary: TrajectorySummary
    trajectory: tuple[Channel, ...]
    angles: tuple[Channel, ...]

    @property
    def duration_s(self) -> float:
        """T / fps."""
        return self.n_frames / self.fps

    def angle(self, angle_id: str) -> Channel:
        """The angle channel with this id.

        Raises:
            KeyError: unknown id.
        """
        for ch in self.angles:
            if ch.id == angle_id:
                return ch
        raise KeyError(angle_id)

    def channel(self, channel_id: str) -> Channel:
        """Any channel (angle or trajectory) by id. Raises KeyError when unknown."""
        for ch in (*self.trajectory, *self.angles):
            if ch.id == channel_id:
                return ch
        raise KeyError(channel_id)

    def selected_angles(self) -> tuple[Channel, ...]:
        """The angles the text shows: all 26, or the top-K by range of motion (ties by numbering),
        returned in spec numbering order."""
        k = self.options.top_k
        if k is None:
            return self.angles
        order = sorted(range(len(self.angles)), key=lambda i: (-round(self.angles[i].range_value, 9), i))
        keep = sorted(order[:k])
        return tuple(self.angles[i] for i in keep)

    def to_dict(self, include_series: bool = False) -> dict[str, Any]:
        """JSON-serialisable dict of the whole description."""
        return {
            "source": self.source,
            "n_frames": self.n_frames,
            "fps": self.fps,
            "duration_s": self.duration_s,
            "options": self.options.to_dict(),
            "segment_fields": list(SEGMENT_ROW_FIELDS),
            "summary": self.summary.to_dict(),
            "trajectory": [c.to_dict(include_series) for c in self.trajectory],
            "angles": [c.to_dict(include_series) for c in self.angles],
        }
