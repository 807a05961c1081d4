"""
`Sessionizer`: split a chat into sessions wherever it falls quiet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Final

import pendulum
from attrs import field, frozen

from ..durations import optional_duration, to_duration
from ..errors import OutOfOrderError
from ..message import Message, MessageKind
from ..session import Session


__all__ = ["DEFAULT_GAP", "Sessionizer"]

DEFAULT_GAP = pendulum.duration(minutes=5)
"""Default pause that ends a session: people answer late, contexts end."""

# Differences are taken between POSIX timestamps: subtracting two datetimes that
# share a tzinfo object gives their wall-clock difference, which is wrong across a
# DST change, and pendulum's own subtraction is ~100x slower.


def _positive(_: object, __: object, value: pendulum.Duration | None) -> None:
    if value is not None and value <= dt.timedelta(0):
        msg = f"expected a positive duration, found {value}"
        raise ValueError(msg)


def _at_least_one(_: object, __: object, value: int | None) -> None:
    if value is not None and value < 1:
        msg = f"expected max_messages >= 1, found {value}"
        raise ValueError(msg)


@frozen(kw_only=True)
class Sessionizer:
    """
    Split a chronological stream of messages into `Session`s.

    A new session starts wherever two consecutive messages are more than *gap*
    apart. The optional hard limits cut a session that would otherwise run on.
    The sessionizer is lazy and holds one session in memory at a time.

    A session never spans two chats: where `Message.chat` changes (account-wide
    exports yield one chat after another) a new session starts, and time may
    start again from the new chat's first message.

    Input must be chronological within each chat (every built-in parser yields it
    so; equal times are fine). A message earlier than the one before it raises
    `persona_clone.errors.OutOfOrderError` naming it, instead of being silently
    placed: sorting would need the whole chat in memory. To combine several
    chronological streams, use `persona_clone.conversation.merge_chronological`.

    Args:
        gap: The longest pause inside a session (default five minutes).
        max_messages: Cut a session once it holds this many messages.
        max_duration: Cut before a message that would make the session span
            more than this.
        cut_on_system: Treat system events as hard cuts: each one ends the
            session before it and stands as a session of its own.

    Example:
        >>> import pendulum
        >>> from persona_clone import Sessionizer
        >>> from persona_clone.testing import make_message
        >>> t = pendulum.datetime(2024, 1, 1, 12)
        >>> chat = [make_message(sent_at=t), make_message(sent_at=t.add(minutes=1)),
        ...         make_message(sent_at=t.add(hours=2))]
        >>> [len(s.messages) for s in Sessionizer()(chat)]
        [2, 1]

    """

    gap: pendulum.Duration = field(default=DEFAULT_GAP, converter=to_duration, validator=_positive)
    max_messages: int | None = field(default=None, validator=_at_least_one)
    max_duration: pendulum.Duration | None = field(
        default=None, converter=optional_duration, validator=_positive
    )
    cut_on_system: bool = False

    def __call__(self, messages: Iterable[Message]) -> Iterator[Session]:  # noqa: C901 - one hot loop
        """Yield the sessions of *messages*, lazily, in order."""
        gap = self.gap.total_seconds()
        max_duration = None if self.max_duration is None else self.max_duration.total_seconds()
        max_messages = self.max_messages
        cut_on_system = self.cut_on_system
        system = MessageKind.SYSTEM
        seconds = _PosixSeconds()
        current: list[Message] = []
        append = current.append
        previous: Message | None = None
        chat: str | None = None
        previous_at = first_at = 0.0
        stamp: object = None  # the last sent_at read: parsers share it between messages
        at = 0.0
        # Without per-message limits, a message sent at the very time of the one
        # before (the same object) in the same chat only joins the session.
        simple = max_messages is None and not cut_on_system
        for message in messages:
            if message.sent_at is stamp and simple and message.chat is chat and current:
                append(message)
                continue
            if message.sent_at is not stamp:
                stamp = message.sent_at
                at = seconds(message.sent_at)
            if previous is not None and message.chat is not chat and message.chat != chat:
                if current:
                    yield Session(messages=current)
                    current = []
                    append = current.append
                previous = None
            if previous is not None:
                pause = at - previous_at
                if pause < 0:
                    raise OutOfOrderError(
                        message.id,
                        str(message.source) if message.source else "",
                        f"{message.sent_at.isoformat()} after {previous.sent_at.isoformat()}",
                    )
                if current and (
                    pause > gap
                    or (max_messages is not None and len(current) >= max_messages)
                    or (max_duration is not None and at - first_at > max_duration)
                    or (cut_on_system and message.kind is system)
                ):
                    yield Session(messages=current)
                    current = []
                    append = current.append
            if not current:
                first_at = at
            append(message)
            previous, previous_at, chat = message, at, message.chat
            if cut_on_system and message.kind is system:
                yield Session(messages=current)
                current = []
                append = current.append
        if current:
            yield Session(messages=current)


_EPOCH_DAY: Final = dt.date(1970, 1, 1).toordinal()
_DAY: Final = dt.timedelta(days=1)
_MICROSECONDS: Final = 1_000_000
_DAYS_KEPT: Final = 4096


class _PosixSeconds:
    """
    ``when.timestamp()``, bit for bit, at a third of its cost on most days.

    An aware datetime's timestamp asks its zone for the offset every time, which
    costs about a microsecond with zoneinfo zones. Here each zone's offset is read
    once per day and reused when it is the same at the day's start and end
    (either fold): the days of a DST change, or anything odd, use ``timestamp()``.
    The arithmetic is CPython's own (whole microseconds, one division), so the
    result is identical.
    """

    def __init__(self) -> None:
        # (id(zone), ordinal day) -> (zone, offset in microseconds or None);
        # holding the zone keeps its id from being reused while it is cached.
        self._days: dict[tuple[int, int], tuple[object, int | None]] = {}

    def __call__(self, when: dt.datetime) -> float:
        day = when.toordinal()
        found = self._days.get((id(when.tzinfo), day))
        offset = found[1] if found is not None else self._learn(when, day)
        if offset is None:
            return when.timestamp()
        seconds = (day - _EPOCH_DAY) * 86400 + when.hour * 3600 + when.minute * 60 + when.second
        return (seconds * _MICROSECONDS + when.microsecond - offset) / _MICROSECONDS

    def _learn(self, when: dt.datetime, day: int) -> int | None:
        zone = when.tzinfo
        if len(self._days) >= _DAYS_KEPT:
            self._days.clear()
        start = dt.datetime.combine(dt.date.fromordinal(day), dt.time(), tzinfo=zone)
        end = start + _DAY
        offsets = {
            moment.utcoffset()
            for moment in (start, start.replace(fold=1), end, end.replace(fold=1))
        }
        offset: int | None = None
        if len(offsets) == 1 and None not in offsets:
            (delta,) = offsets
            assert delta is not None  # noqa: S101  (checked above, for mypy)
            offset = (delta.days * 86400 + delta.seconds) * _MICROSECONDS + delta.microseconds
        self._days[id(zone), day] = (zone, offset)
        return offset
