"""
`Session` (a run of messages close in time) and `Turn` (one speaker's consecutive messages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from attrs import field, frozen

from .message import Message, Participant, _short


__all__ = ["Session", "Turn"]


def _messages(value: Iterable[Message]) -> tuple[Message, ...]:
    return value if type(value) is tuple else tuple(value)


def _not_empty(_: object, __: object, value: tuple[Message, ...]) -> None:
    if not value:
        msg = "expected at least one message, found none"
        raise ValueError(msg)


class _Span:
    """When a non-empty run of messages starts and ends (for `Session` and `Turn`)."""

    __slots__ = ()

    messages: tuple[Message, ...]

    @property
    def start(self) -> dt.datetime:
        """When the first message was sent."""
        return self.messages[0].sent_at

    @property
    def end(self) -> dt.datetime:
        """When the last message was sent."""
        return self.messages[-1].sent_at


@frozen(kw_only=True)
class Session(_Span):
    """
    An ordered run of messages of one chat, with no long pause inside.

    Args:
        messages: The messages in chronological order (at least one).
    """

    messages: tuple[Message, ...] = field(converter=_messages, validator=_not_empty)

    @property
    def duration(self) -> dt.timedelta:
        """Time from the first to the last message."""
        return dt.timedelta(seconds=self.end.timestamp() - self.start.timestamp())

    def __len__(self) -> int:
        return len(self.messages)


@frozen(kw_only=True)
class Turn(_Span):
    """
    One speaker's consecutive messages in a session, merged.

    Args:
        author: Who spoke (``None`` for a run of system events).
        text: The messages' texts joined by the merger's joiner.
        messages: The messages the turn was made from, in order (at least one).
    """

    author: Participant | None
    text: str = field(repr=_short)
    messages: tuple[Message, ...] = field(converter=_messages, validator=_not_empty)
