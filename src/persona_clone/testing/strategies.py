"""
Hypothesis strategies for persona_clone's values, for users' property tests.

Needs Hypothesis: ``pip install persona-clone[testing]``.

Every argument that says "value or strategy" takes either: a plain value fixes
it for every example (``authors=ada``), a strategy draws it
(``authors=st.sampled_from([ada, bob])``). Size bounds (*min_size*,
*max_size*) are plain numbers.

Example:
    >>> from hypothesis import given
    >>> from persona_clone import Sessionizer
    >>> from persona_clone.testing.strategies import chats, gaps
    >>> @given(chats(), gaps())
    ... def test_partition(chat, gap):
    ...     sessions = list(Sessionizer(gap=gap)(chat))
    ...     assert chat == [m for s in sessions for m in s.messages]
    >>> test_partition()

"""

from __future__ import annotations

import datetime as dt
import string
from typing import Any, Final, TypeVar

import pendulum


try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - depends on the environment
    msg = "persona_clone.testing.strategies needs Hypothesis: pip install 'persona-clone[testing]'"
    raise ImportError(msg) from error

from ..conversation.sessionizer import Sessionizer
from ..message import Attachment, Message, MessageKind, Participant
from ..session import Session


__all__ = [
    "chats",
    "gaps",
    "message_texts",
    "messages",
    "participants",
    "sessions",
    "timestamps",
    "zones",
]

_ZONES = (
    "UTC",
    "Europe/Istanbul",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Pacific/Chatham",
)
_START = dt.datetime(2009, 1, 1)  # noqa: DTZ001 - Hypothesis draws naive values, zoned below
_END = dt.datetime(2035, 12, 31)  # noqa: DTZ001

_TURKISH = "çğıİöşüÇĞÖŞÜâî"
_NAME_CHARS = string.ascii_letters + _TURKISH + " -'"


T = TypeVar("T")

_Zone = pendulum.Timezone | pendulum.FixedTimezone
_ALPHABET: Final = string.ascii_letters + string.digits + " .,!?:'\n" + _TURKISH + "😂👍🏽🇹🇷"
_REPLY_ODDS: Final = 10  # about one message in ten answers an earlier one
_ONE_SECOND: Final = pendulum.duration(seconds=1)
_SIX_HOURS: Final = pendulum.duration(hours=6)


def _strategy(
    value: T | st.SearchStrategy[T] | None, default: st.SearchStrategy[T]
) -> st.SearchStrategy[T]:
    """Return *value* if it is a strategy, ``st.just(value)`` if it is a value, else *default*."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(value)


def zones() -> st.SearchStrategy[pendulum.Timezone]:
    """A time zone, from a list that includes odd offsets (+05:30, +12:45) and DST zones."""
    return st.sampled_from([pendulum.timezone(name) for name in _ZONES])


def _zone(value: Any) -> _Zone:
    if isinstance(value, str):
        return pendulum.timezone(value)
    if isinstance(value, (pendulum.Timezone, pendulum.FixedTimezone)):
        return value
    offset = value.utcoffset(None)
    return pendulum.UTC if offset is None else pendulum.FixedTimezone(int(offset.total_seconds()))


def timestamps(
    *, tz: str | dt.tzinfo | st.SearchStrategy[str | dt.tzinfo] | None = None
) -> st.SearchStrategy[pendulum.DateTime]:
    """
    An aware `pendulum.DateTime` between 2009 and 2035.

    Args:
        tz: The zone (a name or a tzinfo), value or strategy (default `zones()`).
    """
    zone = _strategy(tz, zones()).map(_zone)
    return st.builds(
        lambda naive, zone: pendulum.instance(naive.replace(tzinfo=dt.timezone.utc)).in_timezone(
            zone
        ),
        st.datetimes(min_value=_START, max_value=_END),
        zone,
    )


def _seconds(value: dt.timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def gaps(
    *,
    min_gap: dt.timedelta | float | st.SearchStrategy[dt.timedelta] = _ONE_SECOND,
    max_gap: dt.timedelta | float | st.SearchStrategy[dt.timedelta] = _SIX_HOURS,
) -> st.SearchStrategy[pendulum.Duration]:
    """
    A positive `pendulum.Duration` between *min_gap* and *max_gap*.

    Whole seconds when both bounds are whole seconds, else microseconds.

    Args:
        min_gap: The shortest gap: a duration (``pendulum.duration(minutes=1)``, a
            `datetime.timedelta`), a number of seconds, or a strategy of durations.
        max_gap: The longest gap, the same way.
    """
    if isinstance(min_gap, st.SearchStrategy) or isinstance(max_gap, st.SearchStrategy):
        lows: st.SearchStrategy[dt.timedelta | float] = _strategy(min_gap, st.nothing())
        highs: st.SearchStrategy[dt.timedelta | float] = _strategy(max_gap, st.nothing())
        return st.tuples(lows, highs).flatmap(_gaps_between)
    low_s, high_s = _seconds(min_gap), _seconds(max_gap)
    if not 0 < low_s <= high_s:
        msg = f"gaps() needs 0 < min_gap <= max_gap, found {min_gap!r} and {max_gap!r}"
        raise ValueError(msg)
    if low_s.is_integer() and high_s.is_integer():
        return st.integers(int(low_s), int(high_s)).map(lambda n: pendulum.duration(seconds=n))
    low_us, high_us = max(round(low_s * 1e6), 1), round(high_s * 1e6)
    return st.integers(low_us, high_us).map(lambda n: pendulum.duration(microseconds=n))


def _gaps_between(
    bounds: tuple[dt.timedelta | float, dt.timedelta | float],
) -> st.SearchStrategy[pendulum.Duration]:
    low, high = sorted(_seconds(bound) for bound in bounds)
    return gaps(min_gap=low, max_gap=high)


def participants(
    *, names: str | st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Participant]:
    """
    A `Participant` whose id is its name, case-folded.

    Args:
        names: The display name, value or strategy (default: short names with
            Turkish letters).
    """
    default = st.text(_NAME_CHARS, min_size=1, max_size=12).filter(str.strip)
    return _strategy(names, default).map(lambda name: Participant(id=name.casefold(), name=name))


def message_texts(*, max_size: int = 60) -> st.SearchStrategy[str]:
    """Message text: mixed Turkish and English, emoji, several lines, in NFC."""
    return st.text(_ALPHABET, min_size=1, max_size=max_size)


def messages(
    *,
    authors: Participant | st.SearchStrategy[Participant] | None = None,
    sent_at: dt.datetime | st.SearchStrategy[dt.datetime] | None = None,
    texts: str | st.SearchStrategy[str] | None = None,
    kinds: MessageKind | st.SearchStrategy[MessageKind] | None = None,
    ids: str | st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Message]:
    """
    A single valid `Message`.

    Args:
        authors: The author of a non-system message, value or strategy
            (default `participants()`).
        sent_at: The (aware) send time, value or strategy (default `timestamps()`).
        texts: The text, value or strategy (default `message_texts()`).
        kinds: The kind, value or strategy (default mostly text, some media,
            deleted and system).
        ids: The id, value or strategy (default a short random token).
    """
    return st.builds(
        _build_message,
        id=_strategy(ids, st.text(string.ascii_lowercase + string.digits, min_size=6, max_size=10)),
        sent_at=_strategy(sent_at, timestamps()),
        author=_strategy(authors, participants()),
        text=_strategy(texts, message_texts()),
        kind=_strategy(kinds, _kinds()),
        edited=st.booleans(),
        reply=st.none() | st.text(string.digits, min_size=1, max_size=6),
    )


def _kinds() -> st.SearchStrategy[MessageKind]:
    return st.sampled_from(
        [MessageKind.TEXT] * 6 + [MessageKind.MEDIA, MessageKind.DELETED, MessageKind.SYSTEM]
    )


_MEDIA: Final = (Attachment(name="IMG-0001.jpg"),)


def _build_message(
    *,
    id: str,  # noqa: A002
    sent_at: dt.datetime,
    author: Participant,
    text: str,
    kind: MessageKind,
    edited: bool,
    reply: str | None,
) -> Message:
    system = kind is MessageKind.SYSTEM
    return Message(
        id=id,
        sent_at=sent_at,
        author=None if system else author,
        text=text,
        kind=kind,
        reply_to=None if system else reply,
        attachments=_MEDIA if kind is MessageKind.MEDIA else (),
        edited=edited and not system,
    )


def chats(
    *,
    authors: Participant | st.SearchStrategy[Participant] | None = None,
    texts: str | st.SearchStrategy[str] | None = None,
    kinds: MessageKind | st.SearchStrategy[MessageKind] | None = None,
    start: dt.datetime | st.SearchStrategy[dt.datetime] | None = None,
    min_size: int = 0,
    max_size: int = 40,
) -> st.SearchStrategy[list[Message]]:
    """
    A chronological chat: interleaved authors, bursts of quick messages and long pauses.

    Ids are unique (``"1"``, ``"2"``, ...); about one message in ten answers an
    earlier one (``reply_to``); pauses between messages run from none (a burst)
    to about three days, short ones most often.
    Every time is in the zone of the first.

    Args:
        authors: Each message's author, value or strategy (default: a cast of
            one to five participants drawn once per chat).
        texts: Each message's text, value or strategy (default `message_texts()`),
            e.g. ``st.text("abc ", min_size=1)`` to test your own renderer.
        kinds: Each message's kind, value or strategy (default mostly text,
            some media, deleted and system).
        start: The first message's aware time, value or strategy (default
            `timestamps()`).
        min_size: Fewest messages.
        max_size: Most messages.
    """
    if authors is None:
        casts: st.SearchStrategy[list[Participant]] | None = st.lists(
            participants(), min_size=1, max_size=5, unique_by=lambda p: p.id
        )
        author_strategy = None
    else:
        casts, author_strategy = None, _strategy(authors, st.nothing())
    return _chats(
        casts=casts,
        authors=author_strategy,
        texts=_strategy(texts, message_texts()),
        kinds=None if kinds is None else _strategy(kinds, st.nothing()),
        starts=_strategy(start, timestamps()),
        sizes=st.integers(min_value=min_size, max_value=max_size),
    )


# Each message's shape comes from four bytes of one draw (far cheaper than a
# draw per field); every byte shrinks towards 0: a burst, not edited, text, the
# first author, no reply.
_SHAPE_BYTES: Final = 4
_EDITED: Final = 0x40
_PAUSE: Final = 0x3F
_PAUSE_SECONDS: Final = (
    *range(21),
    *(20 + 29 * step for step in range(21)),
    *(round(600 * 1.335**step) for step in range(22)),
)  # 21 bursts (0-20 s), 21 conversation pauses (20-600 s), 22 long pauses (10 min-3 days)
_KIND_TABLE: Final = (MessageKind.TEXT,) * 6 + (
    MessageKind.MEDIA,
    MessageKind.DELETED,
    MessageKind.SYSTEM,
)
_REPLY_FROM: Final = 256 - 256 // _REPLY_ODDS


@st.composite
def _chats(
    draw: st.DrawFn,
    *,
    casts: st.SearchStrategy[list[Participant]] | None,
    authors: st.SearchStrategy[Participant] | None,
    texts: st.SearchStrategy[str],
    kinds: st.SearchStrategy[MessageKind] | None,
    starts: st.SearchStrategy[dt.datetime],
    sizes: st.SearchStrategy[int],
) -> list[Message]:
    cast = draw(casts) if casts is not None else []
    count = draw(sizes)
    first = draw(starts)
    tzinfo = first.tzinfo
    if tzinfo is None:
        msg = f"chats() needs an aware start time, found {first!r}"
        raise ValueError(msg)
    zone = _zone(tzinfo)
    shapes = draw(st.binary(min_size=_SHAPE_BYTES * count, max_size=_SHAPE_BYTES * count))
    # step in UTC: wall-clock arithmetic across a DST change could go back in time
    instant = first.timestamp()
    chat: list[Message] = []
    for index in range(count):
        pause, kind_byte, author_byte, reply_byte = shapes[
            _SHAPE_BYTES * index : _SHAPE_BYTES * (index + 1)
        ]
        if index:
            instant += _PAUSE_SECONDS[pause & _PAUSE]
        kind = draw(kinds) if kinds is not None else _KIND_TABLE[kind_byte % len(_KIND_TABLE)]
        author = draw(authors) if authors is not None else cast[author_byte % len(cast)]
        reply = None
        if chat and reply_byte >= _REPLY_FROM:
            reply = chat[-1 - (reply_byte - _REPLY_FROM) % len(chat)].id
        chat.append(
            _build_message(
                id=str(index + 1),
                sent_at=pendulum.from_timestamp(instant, tz=zone) if index else first,  # type: ignore[arg-type]
                author=author,
                text=draw(texts),
                kind=kind,
                edited=bool(pause & _EDITED),
                reply=reply,
            )
        )
    return chat


def sessions(
    *,
    gap: dt.timedelta | st.SearchStrategy[pendulum.Duration] | None = None,
    **chat_options: Any,
) -> st.SearchStrategy[Session]:
    """
    A `Session`: one session of a generated chat under a generated *gap*.

    Args:
        gap: The sessionizer's gap, value or strategy (default `gaps()`).
        chat_options: Passed on to `chats()`.
    """
    chat_options.setdefault("min_size", 1)
    gap_strategy = _strategy(gap, gaps())

    @st.composite
    def _sessions(draw: st.DrawFn) -> Session:
        chat = draw(chats(**chat_options))
        found = list(Sessionizer(gap=draw(gap_strategy))(chat))
        return draw(st.sampled_from(found))

    return _sessions()
