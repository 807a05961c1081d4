"""
Building frozen values without their ``__init__``: the package's one place for that.

Parsers of million-message exports, the merger and the dataset pipeline build a
value per message, turn or slot, from inputs they already guarantee (what the
converters and validators would check). Here, and only here, those values are
built the cheap way:

- `MutableMessage` and `MutableSourceRef` are layout twins of `Message` and
  `SourceRef`: fill every slot with ordinary (interpreter-specialised) attribute
  stores, then set ``__class__`` to the frozen class. That is about four times
  cheaper than ``__init__`` or the slot descriptors' ``__set__``. ``__class__``
  may only change between identical layouts, which is proven below at import (a
  class with a ``__weakref__`` slot never qualifies, hence ``weakref_slot=False``
  on the frozen classes).
- `with_text`, `turn` and `slot` fill a frozen instance through its slot
  descriptors, skipping converters and validators their callers guarantee.

What comes out is an ordinary instance: equality, hashing, pickling, ``repr``
and frozenness are the class's own. ``tests/properties/test_fast.py`` proves
that every value built here equals the one the class's ``__init__`` builds.
"""

from __future__ import annotations

from typing import Any

from .dataset.example import Slot
from .message import Attachment, Message, MessageKind, Participant, SourceRef, nfc
from .session import Turn


__all__ = ["MutableMessage", "MutableSourceRef", "slot", "turn", "with_text"]


class MutableSourceRef:
    """`SourceRef`'s layout twin: set every field, then ``__class__ = SourceRef``."""

    __slots__ = ("file", "line", "path")
    file: str
    line: int | None
    path: str | None


class MutableMessage:
    """`Message`'s layout twin: set every field, then ``__class__ = Message``."""

    __slots__ = (
        "attachments",
        "author",
        "chat",
        "edited",
        "forwarded_from",
        "id",
        "kind",
        "reply_to",
        "sent_at",
        "source",
        "text",
    )
    id: str
    sent_at: Any  # an aware datetime, once filled
    author: Participant | None
    text: str
    kind: MessageKind
    reply_to: str | None
    attachments: tuple[Attachment, ...]
    edited: bool
    source: Any  # a SourceRef (or its twin, before its class is set) or None
    chat: str | None
    forwarded_from: Participant | None


def _prove_twin(twin: type, frozen_class: type) -> None:
    if sorted(twin.__slots__) != sorted(frozen_class.__slots__):  # type: ignore[attr-defined]
        msg = f"{twin.__name__} must declare the slots of {frozen_class.__name__}"
        raise TypeError(msg)
    probe: Any = object.__new__(twin)
    probe.__class__ = frozen_class  # raises TypeError if the layouts differ


_prove_twin(MutableSourceRef, SourceRef)
_prove_twin(MutableMessage, Message)


def with_text(
    message: Message, text: str, attachments: tuple[Attachment, ...] | None = None
) -> Message:
    """
    Return *message* with another *text* (and *attachments*): ``attrs.evolve``, faster.

    For the steps that rewrite many messages (redaction, rendering). *text* is
    normalised to NFC like ``Message(text=...)`` does.
    """
    new: Any = object.__new__(MutableMessage)
    new.id = message.id
    new.sent_at = message.sent_at
    new.author = message.author
    new.text = nfc(text)
    new.kind = message.kind
    new.reply_to = message.reply_to
    new.attachments = message.attachments if attachments is None else attachments
    new.edited = message.edited
    new.source = message.source
    new.chat = message.chat
    new.forwarded_from = message.forwarded_from
    new.__class__ = Message
    rewritten: Message = new
    return rewritten


_set_turn_author, _set_turn_text, _set_turn_messages = (
    Turn.__dict__[name].__set__ for name in ("author", "text", "messages")
)


def turn(author: Participant | None, text: str, messages: tuple[Message, ...]) -> Turn:
    """Return ``Turn(author=author, text=text, messages=messages)``; *messages* non-empty."""
    made: Turn = object.__new__(Turn)
    _set_turn_author(made, author)
    _set_turn_text(made, text)
    _set_turn_messages(made, messages)
    return made


_set_slot_turn, _set_slot_persona, _set_slot_quoted, _set_slot_cost = (
    Slot.__dict__[name].__set__ for name in ("turn", "persona", "quoted", "cost")
)


def slot(turn: Turn, *, persona: bool, cost: int, quoted: bool = False) -> Slot:
    """Return ``Slot(turn=turn, persona=persona, quoted=quoted, cost=cost)``, faster."""
    made: Slot = object.__new__(Slot)
    _set_slot_turn(made, turn)
    _set_slot_persona(made, persona)
    _set_slot_quoted(made, quoted)
    _set_slot_cost(made, cost)
    return made
