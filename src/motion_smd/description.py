"""The structured result of describing a motion: channels, their segments, trajectory summary.

A `Description` keeps the numeric series and segment boundaries (not only text) so that event tools,
plots and a conversational layer can use them (DESIGN.md, "Coming after the first release").
It is JSON-serialisable through `to_dict()`; `motion_smd.render` turns it into SMD text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from motion_smd.options import SMDOptions

SegmentKind = Literal["increases", "decreases", "holds", "oscillates"]
Unit = Literal["deg", "m"]

SEGMENT_KINDS: tuple[SegmentKind, ...] = ("increases", "decreases", "holds", "oscillates")
"""Segment kinds by code (the codes of `SegmentTable.kind` and of `motion_smd.segment_kernel`)."""


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


@dataclass(frozen=True, eq=False)
class SegmentTable:
    """The segments of all channels of a description, column-wise (as the segmentation kernel makes them):
    N segments, channel after channel, each channel's in time order. `Channel.segments` gives them as
    `Segment` tuples; the renderer and `to_dict` read the columns directly.

    Attributes:
        kind: (N,) int64 codes into `SEGMENT_KINDS`.
        frames: (3, N) int64 rows start_frame, end_frame (inclusive), cycles (0 unless oscillates).
        values: (5, N) float64 rows start_value, end_value, mean_value, min_value, max_value (channel unit).
        fps: frame rate, frames → seconds.
        period_frames: (N,) float64 an oscillation's period in frames: the mean time between its first and
            last turning points of one phase inside it (0 for other segments).
    """

    kind: NDArray[np.int64]
    frames: NDArray[np.int64]
    values: NDArray[np.float64]
    fps: float
    period_frames: NDArray[np.float64]

    @staticmethod
    def empty(fps: float) -> SegmentTable:
        """A table without segments."""
        return SegmentTable(
            np.zeros(0, dtype=np.int64), np.zeros((3, 0), dtype=np.int64), np.zeros((5, 0)), float(fps), np.zeros(0)
        )

    @cached_property
    def times_s(self) -> NDArray[np.float64]:
        """(3, N) float64 rows start_s = start_frame / fps, end_s = end_frame / fps, and period_s =
        period_frames / fps for oscillations (0 otherwise)."""
        a, b, cycles = self.frames
        out = np.zeros((3, a.shape[0]))
        np.divide(a, self.fps, out=out[0])
        np.divide(b, self.fps, out=out[1])
        np.divide(self.period_frames, self.fps, out=out[2], where=cycles > 0)
        return out

    def segments(self, start: int, stop: int) -> tuple[Segment, ...]:
        """Rows start:stop as `Segment` tuples."""
        kinds = [SEGMENT_KINDS[k] for k in self.kind[start:stop].tolist()]
        frames = self.frames[:, start:stop].tolist()
        times = self.times_s[:, start:stop].tolist()
        values = self.values[:, start:stop].tolist()
        rows = zip(kinds, frames[0], frames[1], times[0], times[1], *values, frames[2], times[2], strict=True)
        return tuple(map(_new_segment, rows))


_new_segment = partial(tuple.__new__, Segment)


@dataclass(frozen=True, eq=False)
class Channel:
    """One described time series: an angle or a trajectory channel.

    Attributes:
        id: e.g. "knee_flexion_r", "height", "heading".
        group: body-part header ("Right Knee") or "Global Trajectory".
        name: display name ("Right Knee Flexion", "Forward Position").
        gloss: plain-language meaning of a positive change.
        unit: "deg" or "m".
        values: (T,) float64 series that the segments summarise (unsmoothed unless `smooth_s` > 0; not
            serialised unless asked); NaN where the channel is undefined (the axial rotations while the
            knee/elbow is nearly straight).
        range_value: max − min of the defined `values` (range of motion), channel unit; NaN if none is.
        mean_value: mean of the defined `values`, channel unit; NaN if none is.
        table: the segment table this channel's segments are rows of.
        rows: (start, stop): this channel's rows in `table` (start == stop when static).
        delta: the channel's segmentation threshold δ, channel unit (SMDOptions: `delta_deg` for angles,
            `delta_m` for positions, `delta_heading_deg` for the heading).
        hold_tolerance: the channel's plateau tolerance (`hold_tolerance` × δ), channel unit: a hold stays
            within twice this band.
        level_value: the middle of the defined values' band, (min + max) / 2: the level a static channel is
            printed at ("holds at … throughout"), within half the range of every value; NaN if none is defined.
        undefined_frames: number of frames where the channel is undefined (NaN in `values`).
    """

    id: str
    group: str
    name: str
    gloss: str
    unit: Unit
    values: NDArray[np.float64] = field(repr=False)
    range_value: float
    mean_value: float
    table: SegmentTable = field(repr=False)
    rows: tuple[int, int]
    delta: float
    hold_tolerance: float
    level_value: float
    undefined_frames: int

    @cached_property
    def segments(self) -> tuple[Segment, ...]:
        """The segments in time order; empty when `static`."""
        return self.table.segments(*self.rows)

    @property
    def static(self) -> bool:
        """True when the whole range is below the channel's threshold (no segments)."""
        return self.rows[0] == self.rows[1]

    def to_dict(self, include_series: bool = False) -> dict[str, Any]:
        """JSON-serialisable dict; segments as compact rows in the order of `SEGMENT_ROW_FIELDS`, values
        rounded to 1e-4 of the channel unit; `include_series` adds the (T,) values as a list."""
        return _channel_dicts((self,), include_series)[0]


def round_like_python(values: NDArray[np.float64], digits: int) -> list[float]:
    """`[round(v, digits) for v in values]` (Python's correctly rounded, half-to-even decimal rounding),
    vectorised.

    `rint(v · 10^digits) / 10^digits` gives the same double unless the product v · 10^digits, rounded to a
    double, lies so close to a half-integer that the rounding of the product may have crossed it (or is too
    large to hold a fractional part); those few values, and any non-finite ones, go through `round`. The
    division of an integer by 10^digits is correctly rounded, like Python's conversion of the decimal back
    to a double.

    Args:
        values: (N,) float64.
        digits: decimals, 0 ≤ digits ≤ 15.

    Returns:
        N Python floats, identical to Python's `round(v, digits)`.
    """
    v = np.asarray(values, dtype=np.float64)
    scale = 10.0**digits
    y = v * scale
    with np.errstate(invalid="ignore"):
        out = (np.rint(y) / scale).tolist()
        near_half = np.abs(np.abs(y - np.floor(y)) - 0.5) <= np.abs(y) * 2.0**-50
        risky = np.flatnonzero(near_half | ~(np.abs(y) < 2.0**52))
    for i in risky.tolist():
        out[i] = round(float(v[i]), digits)
    return out


def _channel_dicts(channels: tuple[Channel, ...], include_series: bool) -> list[dict[str, Any]]:
    """`Channel.to_dict` of several channels (of one table), with the rounding of all their numbers done in
    one pass."""
    parts = [(ch.table, ch.rows) for ch in channels]
    table = parts[0][0]
    if any(t is not table for t, _ in parts):
        return [d for ch in channels for d in _channel_dicts((ch,), include_series)]
    spans: list[list[int]] = []  # the channels' row ranges, adjacent ones merged
    for _, (a, b) in parts:
        if spans and spans[-1][1] == a:
            spans[-1][1] = b
        elif a < b:
            spans.append([a, b])
    idx = np.concatenate([np.arange(a, b) for a, b in spans]) if spans else np.zeros(0, dtype=np.int64)
    n, m = idx.shape[0], len(channels)
    # every number to round, one column after the other: 5 segment values, the period, channel means, ranges
    numbers = np.empty((6 * n + 2 * m,), dtype=np.float64)
    numbers[: 5 * n].reshape(5, n)[...] = table.values[:, idx]
    numbers[5 * n : 6 * n] = table.times_s[2, idx]
    numbers[6 * n :].reshape(2, m).T[...] = np.array([(ch.mean_value, ch.range_value) for ch in channels])
    flat = round_like_python(numbers, 4)
    cols = [flat[k * n : (k + 1) * n] for k in range(6)]
    frames = table.frames[:, idx].tolist()
    kinds = [SEGMENT_KINDS[k] for k in table.kind[idx].tolist()]
    rows = list(map(list, zip(kinds, frames[0], frames[1], *cols[:5], frames[2], cols[5], strict=True)))
    means, ranges = flat[6 * n : 6 * n + m], flat[6 * n + m :]
    out = []
    start = 0
    for k, ch in enumerate(channels):
        end = start + ch.rows[1] - ch.rows[0]
        d: dict[str, Any] = {
            "id": ch.id,
            "group": ch.group,
            "name": ch.name,
            "unit": ch.unit,
            "static": ch.static,
            "mean": None if math.isnan(means[k]) else means[k],
            "range": None if math.isnan(ranges[k]) else ranges[k],
            "undefined_frames": ch.undefined_frames,
            "segments": rows[start:end],
        }
        if include_series:
            d["values"] = [None if math.isnan(v) else v for v in ch.values.tolist()]
        out.append(d)
        start = end
    return out


def _rank_range(value: float) -> float:
    """A channel's range for the top-K ranking: rounded to 1e-9 (ties by the fixed order), 0 if undefined."""
    return 0.0 if math.isnan(value) else round(value, 9)


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
        note: what the input was when the reader says more than the joints do (`Motion.meta["note"]`, e.g. a
            video's pose model and its missing frames); the text's "Input:" line; "" for none.
    """

    source: str | None
    n_frames: int
    fps: float
    options: SMDOptions
    summary: TrajectorySummary
    trajectory: tuple[Channel, ...]
    angles: tuple[Channel, ...]
    note: str = ""

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
        order = sorted(range(len(self.angles)), key=lambda i: (-_rank_range(self.angles[i].range_value), i))
        keep = sorted(order[:k])
        return tuple(self.angles[i] for i in keep)

    def to_dict(self, include_series: bool = False) -> dict[str, Any]:
        """JSON-serialisable dict of the whole description (numbers rounded as in `Channel.to_dict`)."""
        channels = _channel_dicts((*self.trajectory, *self.angles), include_series)
        return {
            "source": self.source,
            "n_frames": self.n_frames,
            "fps": self.fps,
            "duration_s": self.duration_s,
            "options": self.options.to_dict(),
            "segment_fields": list(SEGMENT_ROW_FIELDS),
            "summary": self.summary.to_dict(),
            "trajectory": channels[: len(self.trajectory)],
            "angles": channels[len(self.trajectory) :],
            **({"note": self.note} if self.note else {}),
        }
