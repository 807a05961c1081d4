"""
`Exports`: the sessions of several exports of the same person's chats, combined.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator, Sequence

from attrs import field, frozen

from persona_clone.session import Turn


__all__ = ["Exports"]


def _streams(values: Iterable[Iterable[Sequence[Turn]]]) -> tuple[Iterable[Sequence[Turn]], ...]:
    return tuple(values)


def _start(turns: Sequence[Turn]) -> dt.datetime:
    return turns[0].messages[0].sent_at


@frozen(kw_only=True)
class Exports:
    """
    The sessions of several exports, read as one stream in time order.

    Iterating gives every session of every export, merged by start time (equal
    starts keep the order of the exports). A dataset builder given `Exports`
    reads each export on its own, so a reply is only looked up among the
    earlier messages of its own export, then merges them the same way.

    Args:
        streams: One stream of sessions of turns per export, each in time order.

    Example:
        >>> from persona_clone import Merger, Session
        >>> from persona_clone.testing import make_message
        >>> import pendulum
        >>> t = pendulum.datetime(2024, 1, 1, 12)
        >>> a = Merger()([Session(messages=[make_message(text="a", sent_at=t.add(hours=1))])])
        >>> b = Merger()([Session(messages=[make_message(text="b", sent_at=t)])])
        >>> [turns[0].text for turns in Exports(streams=[a, b])]
        ['b', 'a']

    """

    streams: tuple[Iterable[Sequence[Turn]], ...] = field(converter=_streams)

    def __iter__(self) -> Iterator[Sequence[Turn]]:
        """Yield every export's sessions, merged by start time."""
        return heapq.merge(*self.streams, key=_start)
