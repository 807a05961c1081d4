"""Laws of `persona_clone._fast`: what it builds equals what ``__init__`` builds."""

from __future__ import annotations

import pickle
import unicodedata
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone import Message, SourceRef, Turn
from persona_clone._fast import MutableMessage, MutableSourceRef, slot, turn, with_text
from persona_clone.dataset import Slot
from persona_clone.testing.strategies import message_texts, messages


def _same_value(expected: attrs.AttrsInstance, built: attrs.AttrsInstance) -> None:
    """Equal, same class, same hash, same pickle round trip, same repr, and frozen."""
    assert type(expected) is type(built)
    assert expected == built
    assert hash(expected) == hash(built)
    assert expected == pickle.loads(pickle.dumps(built))  # noqa: S301
    assert repr(expected) == repr(built)
    field = attrs.fields(type(built))[0].name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(built, field, getattr(built, field))


def _twin_copy(message: Message) -> Message:
    """Rebuild *message* the way the WhatsApp reader does, through the layout twins."""
    source: Any = None
    if message.source is not None:
        source = object.__new__(MutableSourceRef)
        source.file = message.source.file
        source.line = message.source.line
        source.path = message.source.path
        source.__class__ = SourceRef
    built: Any = object.__new__(MutableMessage)
    for field in attrs.fields(Message):
        setattr(built, field.name, getattr(message, field.name))
    built.source = source
    built.__class__ = Message
    copy: Message = built
    return copy


@given(messages())
def test_twins_build_equal_messages(message: Message) -> None:
    """A message filled through the twins equals the one ``Message(...)`` built."""
    _same_value(message, _twin_copy(message))


@given(messages(), message_texts())
def test_with_text_is_evolve(message: Message, text: str) -> None:
    """``with_text`` equals ``attrs.evolve`` with the text in NFC."""
    _same_value(
        attrs.evolve(message, text=unicodedata.normalize("NFC", text)),
        with_text(message, text),
    )


@given(st.lists(messages(), min_size=1, max_size=4), message_texts())
def test_turn_is_the_turn_init_builds(run: list[Message], text: str) -> None:
    """``turn`` equals ``Turn(...)`` for the same author, text and messages."""
    author = run[0].author

    _same_value(
        Turn(author=author, text=text, messages=tuple(run)),
        turn(author, text, tuple(run)),
    )


@given(
    st.lists(messages(), min_size=1, max_size=3), st.booleans(), st.booleans(), st.integers(0, 9)
)
def test_slot_is_the_slot_init_builds(
    run: list[Message], persona: bool, quoted: bool, cost: int
) -> None:
    """``slot`` equals ``Slot(...)`` for the same fields."""
    made = Turn(author=run[0].author, text=run[0].text, messages=tuple(run))

    _same_value(
        Slot(turn=made, persona=persona, quoted=quoted, cost=cost),
        slot(made, persona=persona, quoted=quoted, cost=cost),
    )
