"""
`Session` (a run of messages close in time) and `Turn` (one speaker's consecutive messages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from attrs import field, frozen

from .message import Message, Participant, _short


__all__ = ["Session", "Turn"]


def _message_tuple(value: Iterable[Message]) -> tuple[Message, ...]:
    """Hold messages in a tuple (typed, so mypy knows what ``__init__`` takes)."""
    return tuple(value)


def _not_empty(_: object, attribute: object, value: tuple[Message, ...]) -> None:
    if not value:
        msg = "expected at least one message, found none"
        raise ValueError(msg)


@frozen(kw_only=True)
class Session:
    """
    An ordered run of messages of one chat, with no long pause inside.

    Args:
        messages: The messages in chronological order (at least one).
    """

    messages: tuple[Message, ...] = field(
        converter=_message_tuple, validator=_not_empty
    )

    @property
    def start(self) -> dt.datetime:
        """When the first message was sent."""
        return self.messages[0].sent_at

    @property
    def end(self) -> dt.datetime:
        """When the last message was sent."""
        return self.messages[-1].sent_at

    @property
    def duration(self) -> dt.timedelta:
        """Time from the first to the last message."""
        return dt.datetime.__sub__(self.end, self.start)

    def __len__(self) -> int:
        return len(self.messages)


@frozen(kw_only=True)
class Turn:
    """
    One speaker's consecutive messages in a session, merged.

    Args:
        author: Who spoke (``None`` for a run of system events).
        text: The messages' texts joined by the merger's joiner.
        messages: The messages the turn was made from, in order (at least one).
    """

    author: Participant | None
    text: str = field(repr=_short)
    messages: tuple[Message, ...] = field(
        converter=_message_tuple, validator=_not_empty
    )

    @property
    def start(self) -> dt.datetime:
        """When the turn's first message was sent."""
        return self.messages[0].sent_at

    @property
    def end(self) -> dt.datetime:
        """When the turn's last message was sent."""
        return self.messages[-1].sent_at
