"""The sentence table (`motion_smd.sentences`): every template compiles, uses only its declared fields, and its
compiled function writes exactly what `str.format` writes."""

from __future__ import annotations

import pytest

from motion_smd import sentences
from motion_smd.description import SEGMENT_KINDS
from motion_smd.sentences import SAY, SENTENCE_FIELDS, SENTENCES, compile_sentence, template_fields


def test_every_segment_kind_has_a_sentence() -> None:
    assert set(SEGMENT_KINDS) | {"turns"} <= set(SENTENCES)
    assert set(SENTENCES) == set(SENTENCE_FIELDS) == set(SAY)


@pytest.mark.parametrize("key", sorted(SENTENCES))
def test_compiled_sentence_equals_str_format(key: str) -> None:
    fields = SENTENCE_FIELDS[key]
    values = {name: f"<{name}{i}>" for i, name in enumerate(fields)}
    assert set(template_fields(SENTENCES[key])) <= set(fields)
    assert SAY[key](*(values[name] for name in fields)) == SENTENCES[key].format(**values)


def test_the_text_of_a_move() -> None:
    assert SAY["increases"]("-3°", "42°", "0.5s", "1.2s", "0.7s") == "increases: -3° → 42° [0.5s–1.2s] (0.7s)"
    turn = SAY["turns"]("left", "25°", "0°", "25°", "1.0s", "2.2s", "1.2s")
    assert turn == "turns left 25°: 0° → 25° [1.0s–2.2s] (1.2s)"


def test_a_template_with_an_unknown_or_malformed_field_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SENTENCES, "holds", "holds at {level} for {seconds}")
    with pytest.raises(ValueError, match="seconds"):
        compile_sentence("holds")
    monkeypatch.setitem(SENTENCES, "holds", "holds at {level!r}")
    with pytest.raises(ValueError, match="plain name"):
        compile_sentence("holds")
    monkeypatch.setitem(SENTENCES, "holds", "holds at {}")
    with pytest.raises(ValueError, match="plain name"):
        compile_sentence("holds")
    # the table compiled at import is untouched
    assert sentences.SAY["holds"]("5°", "0.0s", "1.0s", "1.0s") == "holds at 5° [0.0s–1.0s] (1.0s)"


def test_a_sentence_may_reorder_or_drop_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SENTENCES, "increases", "rises to {end_value} from {start_value} by {end}")
    say = compile_sentence("increases")
    assert say("1°", "9°", "0.1s", "0.9s", "0.8s") == "rises to 9° from 1° by 0.9s"
