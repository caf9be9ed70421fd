"""Command-line options generated from dataclass fields (motion_smd.cli.fields): defaults and help come from
the field, the command receives the dataclass, and the δ default is declared once."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from motion_smd.cli import app
from motion_smd.cli.common import read_option_set, smd_option_set
from motion_smd.cli.fields import key_values
from motion_smd.errors import ConfigError
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions


def _probe_app() -> tuple[typer.Typer, list[tuple[SMDOptions, ReadOptions]]]:
    seen: list[tuple[SMDOptions, ReadOptions]] = []
    probe = typer.Typer()

    @probe.command()
    @smd_option_set
    @read_option_set
    def cmd(smd_opts: SMDOptions, read_opts: ReadOptions, name: str = "x") -> None:
        seen.append((smd_opts, read_opts))

    @probe.command()
    def other() -> None:
        pass

    return probe, seen


def test_defaults_come_from_the_dataclasses() -> None:
    probe, seen = _probe_app()
    res = CliRunner().invoke(probe, ["cmd"])
    assert res.exit_code == 0, res.output
    assert seen == [(SMDOptions(), ReadOptions())]


def test_flags_reach_the_fields() -> None:
    probe, seen = _probe_app()
    args = ["cmd", "--delta", "8", "--delta-heading", "12", "--top-k", "3", "--no-trajectory", "--smooth-s", "0.1"]
    args += ["--input-fps", "30", "--resample-fps", "20", "--up", "z", "--name", "y"]
    res = CliRunner().invoke(probe, args)
    assert res.exit_code == 0, res.output
    smd, read = seen[0]
    assert smd == SMDOptions(delta_deg=8, delta_heading_deg=12, top_k=3, trajectory=False, smooth_s=0.1)
    assert read == ReadOptions(source_fps=30, target_fps=20, up="z")


def test_invalid_values_are_one_line_errors() -> None:
    probe, _ = _probe_app()
    res = CliRunner().invoke(probe, ["cmd", "--top-k", "40"])
    assert res.exit_code == 2 and "error: top_k must be between 1 and 26" in res.output
    res = CliRunner().invoke(probe, ["cmd", "--up", "x"])
    assert res.exit_code == 2 and "error: up axis must be y or z" in res.output


def test_help_is_the_field_metadata() -> None:
    res = CliRunner().invoke(app, ["describe", "--help"], env={"COLUMNS": "200"})
    text = " ".join(res.output.split())
    for f in dataclasses.fields(SMDOptions):
        assert f.metadata["help"].split(",")[0] in text, f.name


def test_delta_default_is_declared_once() -> None:
    root = Path(__file__).resolve().parents[1] / "src" / "motion_smd"
    literal = re.compile(r"delta.*\b5\.0?\b|\b5\.0?\b.*delta", re.IGNORECASE)
    places = [
        f"{p.relative_to(root)}:{n}"
        for p in sorted(root.rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert len(places) == 1 and places[0].startswith("options.py:"), places


def test_key_values() -> None:
    assert key_values(["a=1", "b=true", "c=q_proj", "d=[1, 2]"], "--lora") == {
        "a": 1,
        "b": True,
        "c": "q_proj",
        "d": [1, 2],
    }
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        key_values(["novalue"], "--lora")
