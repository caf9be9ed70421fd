"""Options shared by the `smd` commands, generated from `SMDOptions` and `ReadOptions` (each option, its
default and its help declared once, on the dataclass field), and one-line error reporting."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated

import typer

from motion_smd.cli.fields import dataclass_options, fail, field_help
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions

SMD_FLAGS = {"delta_deg": "--delta", "delta_heading_deg": "--delta-heading"}
"""Command-line spellings of `SMDOptions` fields whose name differs from the flag (others: --field-name)."""

READ_FLAGS = {f.name: f.metadata["flag"] for f in fields(ReadOptions) if "flag" in f.metadata}
"""Command-line spellings of `ReadOptions` fields, declared on the fields (`metadata["flag"]`): one meaning
per flag in every command (--input-fps is the rate of files that store none, --resample-fps resamples)."""

smd_option_set = dataclass_options("smd_opts", SMDOptions, SMD_FLAGS)
"""Decorator: the command takes `smd_opts: SMDOptions`, built from one option per field (defaults and help
from the fields)."""

read_option_set = dataclass_options("read_opts", ReadOptions, READ_FLAGS, exclude=("canonicalize",))
"""Decorator: the command takes `read_opts: ReadOptions`, built from one option per field."""

__all__ = ["READ_FLAGS", "SMD_FLAGS", "InputFormatOpt", "fail", "read_help", "read_option_set", "smd_option_set"]

InputFormatOpt = Annotated[
    str | None, typer.Option("--input-format", help="Input format, overriding suffix detection (see `smd formats`).")
]


def read_help(name: str) -> str:
    """The help text of the `ReadOptions` field `name` (for commands that take one reader option by hand)."""
    return next(field_help(f) for f in fields(ReadOptions) if f.name == name)
