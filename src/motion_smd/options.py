"""`SMDOptions`: every knob of the describer (DESIGN.md, "SMD text"; spec/smd_format.md, "Variants")."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from motion_smd.errors import ConfigError

FORMAT_VERSIONS = (1,)
"""Rendered-text format versions this release can produce (spec/smd_format.md)."""


@dataclass(frozen=True)
class SMDOptions:
    """Options of the SMD describer. The SMD text is a pure function of (Motion, SMDOptions).

    Attributes:
        delta_deg: hysteresis threshold δ for angle segmentation, degrees (spec default 5).
        top_k: keep only the K angles with the largest range of motion (None = all 26).
        trajectory: include the trajectory summary and Global Trajectory sections.
        delta_m: hysteresis threshold of the position channels, metres (spec default 0.05).
        delta_heading_deg: hysteresis threshold of the heading channel, degrees (spec default 10).
        min_hold_s: shortest stretch reported as a hold, seconds (spec default 0.3).
        hold_tolerance: a hold stays within this distance of its turning point, as a fraction of the
            channel's threshold (default 0.3: within 0.3·δ).
        smooth_s: standard deviation of the light Gaussian smoothing applied before segmentation,
            seconds (0 = none).
        cycles: collapse alternating similar rises/falls into "oscillates n cycles" lines.
        format_version: version of the rendered text (spec/smd_format.md).

    Raises (on construction):
        ConfigError: a value out of range.
    """

    delta_deg: float = 5.0
    top_k: int | None = None
    trajectory: bool = True
    delta_m: float = 0.05
    delta_heading_deg: float = 10.0
    min_hold_s: float = 0.3
    hold_tolerance: float = 0.3
    smooth_s: float = 0.05
    cycles: bool = True
    format_version: int = 1

    def __post_init__(self) -> None:
        if not self.delta_deg > 0 or not self.delta_m > 0 or not self.delta_heading_deg > 0:
            raise ConfigError("segmentation thresholds (delta_deg, delta_m, delta_heading_deg) must be positive.")
        if self.top_k is not None and not 1 <= self.top_k <= 26:
            raise ConfigError(f"top_k must be between 1 and 26 (or None for all), got {self.top_k}.")
        if self.min_hold_s < 0 or self.smooth_s < 0 or not 0 < self.hold_tolerance <= 1:
            raise ConfigError("min_hold_s and smooth_s must be >= 0 and hold_tolerance in (0, 1].")
        if self.format_version not in FORMAT_VERSIONS:
            raise ConfigError(f"format_version {self.format_version} is unknown; available: {FORMAT_VERSIONS}.")

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-serialisable): every field, in declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def variant(self) -> str:
        """Short variant name (spec/smd_format.md "Variants"), e.g. "all-26", "top-3", "no-trajectory"."""
        parts = ["all-26" if self.top_k is None else f"top-{self.top_k}"]
        if not self.trajectory:
            parts.append("no-trajectory")
        if self.delta_deg != 5.0:
            parts.append(f"delta-{self.delta_deg:g}")
        return "+".join(parts)
