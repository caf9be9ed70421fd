"""`SMDOptions`: every knob of the describer (DESIGN.md, "SMD text"; spec/smd_format.md, "Variants")."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from motion_smd.errors import ConfigError

FORMAT_VERSIONS = (2,)
"""Rendered-text format versions this release can produce (docs/format.md, "Changelog"). Version 1 was
withdrawn, not kept selectable: its statements were not always true of the motion (holds hiding motion,
miscounted cycles, clipped peaks, turns on straight walks)."""


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
        hold_tolerance: plateau tolerance as a fraction of the channel's threshold (default 0.3: frames
            within 0.3·δ of a turning point are not movement; a hold stays within that band).
        smooth_s: standard deviation of a Gaussian smoothing of every channel before segmentation, seconds
            (default 0 = none: smoothing flattens fast peaks, and the hysteresis δ already ignores jitter;
            set it for noisy input such as 2-D keypoints from video). The text describes the series that
            was segmented.
        cycles: collapse alternating similar rises/falls into "oscillates n cycles" lines.
        format_version: version of the rendered text (spec/smd_format.md).
        timeline: add a "Timeline:" section, the time-ordered body-level events of `motion_smd.events`
            (docs/counting.md), right after the header line.
        joint_angles: include the "Joint Angles:" section (False keeps the header, the Timeline and the
            trajectory sections; the Timeline is built from all 26 angles whatever `top_k` says).

    Raises (on construction):
        ConfigError: a value out of range, or `joint_angles=False` with neither the Timeline nor the trajectory
            (a text of the header line alone).
    """

    delta_deg: float = field(default=5.0, metadata={"help": "Segmentation threshold δ of the angles, degrees."})
    top_k: int | None = field(
        default=None, metadata={"help": "Keep only the K angles with the largest range of motion (default: all 26)."}
    )
    trajectory: bool = field(default=True, metadata={"help": "Include the trajectory sections."})
    delta_m: float = field(default=0.05, metadata={"help": "Segmentation threshold of the positions, metres."})
    delta_heading_deg: float = field(default=10.0, metadata={"help": "Segmentation threshold of the heading, degrees."})
    min_hold_s: float = field(default=0.3, metadata={"help": "Shortest stretch reported as a hold, seconds."})
    hold_tolerance: float = field(
        default=0.3, metadata={"help": "Plateau tolerance as a fraction of the channel's threshold δ."}
    )
    smooth_s: float = field(
        default=0.0, metadata={"help": "Gaussian smoothing of every channel before segmentation, seconds (0 = none)."}
    )
    cycles: bool = field(
        default=True, metadata={"help": 'Collapse alternating rises/falls into "oscillates n cycles".'}
    )
    format_version: int = field(default=2, metadata={"help": "Version of the rendered text format."})
    timeline: bool = field(
        default=False, metadata={"help": 'Add a "Timeline:" section of body-level events after the header.'}
    )
    joint_angles: bool = field(default=True, metadata={"help": 'Include the "Joint Angles:" section.'})

    def __post_init__(self) -> None:
        if not self.delta_deg > 0 or not self.delta_m > 0 or not self.delta_heading_deg > 0:
            raise ConfigError("segmentation thresholds (delta_deg, delta_m, delta_heading_deg) must be positive.")
        if self.top_k is not None and not 1 <= self.top_k <= 26:
            raise ConfigError(f"top_k must be between 1 and 26 (or None for all), got {self.top_k}.")
        if self.min_hold_s < 0 or self.smooth_s < 0 or not 0 < self.hold_tolerance <= 1:
            raise ConfigError("min_hold_s and smooth_s must be >= 0 and hold_tolerance in (0, 1].")
        if not (self.joint_angles or self.timeline or self.trajectory):
            raise ConfigError(
                "joint_angles=False with neither timeline nor trajectory leaves only the header line; "
                "keep the Joint Angles section or add the Timeline (--timeline) or the trajectory (--trajectory)."
            )
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
        if self.delta_deg != _DEFAULT_DELTA_DEG:
            parts.append(f"delta-{self.delta_deg:g}")
        if self.timeline:
            parts.append("timeline")
        if not self.joint_angles:
            parts.append("no-angles")
        return "+".join(parts)


_VARIANT_DEFAULTS: dict[str, Any] = {
    f.name: f.default
    for f in fields(SMDOptions)
    if f.name in ("top_k", "trajectory", "delta_deg", "timeline", "joint_angles")
}
"""Defaults of the fields a variant name sets, read from the fields (declared once, above)."""
_DEFAULT_DELTA_DEG = _VARIANT_DEFAULTS["delta_deg"]


def parse_variants(text: str, base: SMDOptions | None = None) -> list[SMDOptions]:
    """Option sets from a comma-separated list of variant names (the names `SMDOptions.variant` writes), e.g.
    "all-26,top-3,top-5,no-trajectory,delta-10" (the ablation set of the original SMD work).

    Each name is parts joined by "+": "all-26" or "top-K", "no-trajectory", "delta-X" (δ of the angles,
    degrees), "timeline" and "no-angles" (no Joint Angles section), in any order; a part left out takes the
    `SMDOptions` default (all 26 angles, trajectory, δ 5°, no timeline, the Joint Angles section). Every
    other field comes from `base` (default `SMDOptions()`).

    Returns:
        One SMDOptions per name, in order.

    Raises:
        ConfigError: an empty list, an unknown part, a bad number or a variant named twice (the message
            names it and the parts allowed).
    """
    base = base or SMDOptions()
    out: list[SMDOptions] = []
    for name in (n.strip() for n in text.split(",")):
        kw = dict(_VARIANT_DEFAULTS)
        for part in name.split("+"):
            try:
                if part == "all-26":
                    kw["top_k"] = None
                elif part.startswith("top-"):
                    kw["top_k"] = int(part[4:])
                elif part == "no-trajectory":
                    kw["trajectory"] = False
                elif part.startswith("delta-"):
                    kw["delta_deg"] = float(part[6:])
                elif part == "timeline":
                    kw["timeline"] = True
                elif part == "no-angles":
                    kw["joint_angles"] = False
                else:
                    raise ValueError(part)
            except ValueError:
                raise ConfigError(
                    f"--variants: {name!r} has an unknown part {part!r}; a variant is parts joined by '+': all-26 "
                    "or top-K, no-trajectory, delta-X, timeline, no-angles (e.g. all-26,top-3,no-trajectory,delta-10)."
                ) from None
        opts = replace(base, **kw)
        if any(o.variant == opts.variant for o in out):
            raise ConfigError(f"--variants: {opts.variant} is named twice; name each variant once.")
        out.append(opts)
    return out
