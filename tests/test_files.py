"""The one atomic writer and JSONL reader/writer (motion_smd.files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from motion_smd.errors import ConfigError
from motion_smd.files import atomic_open, atomic_write_text, iter_jsonl, read_jsonl, write_jsonl
from motion_smd.llm import LLMError


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    p = tmp_path / "sub" / "a.txt"
    atomic_write_text(p, "one\n")
    atomic_write_text(p, "two\n")
    assert p.read_text(encoding="utf-8") == "two\n"
    assert sorted(x.name for x in p.parent.iterdir()) == ["a.txt"]


def test_atomic_open_keeps_the_old_file_on_error(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_open(p) as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert p.read_text(encoding="utf-8") == "old\n"
    assert [x.name for x in tmp_path.iterdir()] == ["a.txt"]


def test_jsonl_round_trip_sorted_keys_and_unicode(tmp_path: Path) -> None:
    p = tmp_path / "r.jsonl"
    assert write_jsonl(p, [{"b": 1, "a": "δ"}, {"id": "x"}]) == 2
    assert p.read_text(encoding="utf-8") == '{"a": "δ", "b": 1}\n{"id": "x"}\n'
    p.write_text(p.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")  # blank lines are skipped
    assert read_jsonl(p) == [{"a": "δ", "b": 1}, {"id": "x"}]
    assert [n for n, _ in iter_jsonl(p)] == [1, 2]


def test_jsonl_errors_name_the_line_and_use_the_callers_family(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text('{"a": 1}\n{not json\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.jsonl:2: not valid JSON"):
        read_jsonl(p)
    p.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(LLMError, match=r"bad.jsonl:1: expected one JSON object per line, got list"):
        read_jsonl(p, LLMError)
    with pytest.raises(ConfigError, match="no such file"):
        read_jsonl(tmp_path / "missing.jsonl")
