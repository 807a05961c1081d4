"""
Hypothesis strategies for persona_clone's values, for users' property tests.

Needs Hypothesis: ``pip install persona-clone[testing]``.

Every parameter that varies is itself a strategy (pass ``st.just(x)`` to fix it);
passing a plain value raises `TypeError`.

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
from typing import Any

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


def _require(name: str, value: object) -> None:
    if value is not None and not isinstance(value, st.SearchStrategy):
        msg = (
            f"{name} must be a Hypothesis strategy (use st.just(...) for a fixed value), "
            f"found {value!r}"
        )
        raise TypeError(msg)


def zones() -> st.SearchStrategy[pendulum.Timezone]:
    """A time zone, from a list that includes odd offsets (+05:30, +12:45) and DST zones."""
    return st.sampled_from(_ZONES).map(pendulum.timezone)


def timestamps(*, tz: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[pendulum.DateTime]:
    """
    An aware `pendulum.DateTime` between 2009 and 2035, in any zone.

    Args:
        tz: Strategy for the zone (default `zones()`).
    """
    _require("tz", tz)
    return st.builds(
        lambda naive, zone: pendulum.instance(naive.replace(tzinfo=dt.timezone.utc)).in_timezone(
            zone
        ),
        st.datetimes(min_value=_START, max_value=_END),
        tz if tz is not None else zones(),
    )


def gaps(
    *, min_seconds: float = 1, max_seconds: float = 6 * 3600
) -> st.SearchStrategy[pendulum.Duration]:
    """A positive `pendulum.Duration`, by default between one second and six hours."""
    return st.floats(min_value=min_seconds, max_value=max_seconds).map(
        lambda seconds: (
            pendulum.duration(seconds=round(seconds))
            if seconds >= 1
            else pendulum.duration(seconds=seconds)
        )
    )


def participants(*, names: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Participant]:
    """
    A `Participant` whose id derives from its name.

    Args:
        names: Strategy for display names (default: short names with Turkish letters).
    """
    _require("names", names)
    name_strategy = (
        names
        if names is not None
        else st.text(_NAME_CHARS, min_size=1, max_size=12).filter(str.strip)
    )
    return name_strategy.map(lambda name: Participant(id=name.casefold(), name=name))


def message_texts() -> st.SearchStrategy[str]:
    """Message text: mixed Turkish and English, emoji, several lines, in NFC."""
    alphabet = st.sampled_from(
        [*(string.ascii_letters + string.digits + " .,!?:'\n" + _TURKISH), "😂", "👍🏽", "🇹🇷"]
    )
    return st.lists(alphabet, min_size=1, max_size=60).map("".join)


def messages(
    *,
    authors: st.SearchStrategy[Participant] | None = None,
    sent_at: st.SearchStrategy[dt.datetime] | None = None,
    texts: st.SearchStrategy[str] | None = None,
    kinds: st.SearchStrategy[MessageKind] | None = None,
    ids: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Message]:
    """
    A single valid `Message`.

    Args:
        authors: Strategy for the author of non-system messages (default `participants()`).
        sent_at: Strategy for the send time (default `timestamps()`).
        texts: Strategy for the text (default `message_texts()`).
        kinds: Strategy for the kind (default mostly text, some media, deleted, system).
        ids: Strategy for the id (default a short random token).
    """
    for name, value in (
        ("authors", authors),
        ("sent_at", sent_at),
        ("texts", texts),
        ("kinds", kinds),
        ("ids", ids),
    ):
        _require(name, value)
    kind_strategy = kinds if kinds is not None else _kinds()
    return st.builds(
        _build_message,
        id=ids
        if ids is not None
        else st.text(string.ascii_lowercase + string.digits, min_size=6, max_size=10),
        sent_at=sent_at if sent_at is not None else timestamps(),
        author=authors if authors is not None else participants(),
        text=texts if texts is not None else message_texts(),
        kind=kind_strategy,
        edited=st.booleans(),
        reply=st.none() | st.text(string.digits, min_size=1, max_size=6),
    )


def _kinds() -> st.SearchStrategy[MessageKind]:
    return st.sampled_from(
        [MessageKind.TEXT] * 6 + [MessageKind.MEDIA, MessageKind.DELETED, MessageKind.SYSTEM]
    )


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
        attachments=(Attachment(name="IMG-0001.jpg"),) if kind is MessageKind.MEDIA else (),
        edited=edited and not system,
    )


@st.composite
def chats(
    draw: st.DrawFn,
    *,
    authors: st.SearchStrategy[Participant] | None = None,
    min_size: int = 0,
    max_size: int = 40,
    start: st.SearchStrategy[dt.datetime] | None = None,
    kinds: st.SearchStrategy[MessageKind] | None = None,
) -> list[Message]:
    """
    A chronological chat: interleaved authors, bursts of quick messages and long pauses.

    Ids are unique (``"1"``, ``"2"``, ...) and replies point to earlier messages.

    Args:
        draw: Supplied by Hypothesis.
        authors: Strategy for each message's author (default: 1-5 participants drawn once).
        min_size: Fewest messages.
        max_size: Most messages.
        start: Strategy for the first message's time (default `timestamps()`).
        kinds: Strategy for each message's kind.
    """
    _require("authors", authors)
    _require("start", start)
    _require("kinds", kinds)
    if authors is None:
        cast = draw(st.lists(participants(), min_size=1, max_size=5, unique_by=lambda p: p.id))
        authors = st.sampled_from(cast)
    kind_strategy = kinds if kinds is not None else _kinds()
    count = draw(st.integers(min_value=min_size, max_value=max_size))
    first = draw(start if start is not None else timestamps())
    zone = first.tzinfo if isinstance(first, pendulum.DateTime) else pendulum.UTC
    zone = zone if isinstance(zone, (pendulum.Timezone, pendulum.FixedTimezone)) else pendulum.UTC
    # step in UTC with the standard library: wall-clock arithmetic across a DST
    # change could go back in time
    instant = dt.datetime.fromtimestamp(first.timestamp(), dt.timezone.utc)
    pauses = st.one_of(
        st.integers(min_value=0, max_value=20),  # a burst
        st.integers(min_value=20, max_value=600),  # conversation
        st.integers(min_value=600, max_value=3 * 86400),  # long pause
    )
    chat: list[Message] = []
    for index in range(count):
        if index:
            instant = instant + dt.timedelta(seconds=draw(pauses))
        kind = draw(kind_strategy)
        reply = None
        if chat and kind is not MessageKind.SYSTEM and draw(st.integers(0, 9)) == 0:
            reply = chat[draw(st.integers(0, len(chat) - 1))].id
        chat.append(
            _build_message(
                id=str(index + 1),
                sent_at=pendulum.instance(instant).in_timezone(zone) if index else first,
                author=draw(authors),
                text=draw(message_texts()),
                kind=kind,
                edited=draw(st.booleans()),
                reply=reply,
            )
        )
    return chat


def sessions(
    *, gap: st.SearchStrategy[pendulum.Duration] | None = None, **chat_options: Any
) -> st.SearchStrategy[Session]:
    """
    A `Session`: one session of a generated chat under a generated *gap*.

    Args:
        gap: Strategy for the sessionizer's gap (default `gaps()`).
        chat_options: Passed on to `chats()`.
    """
    _require("gap", gap)
    chat_options.setdefault("min_size", 1)

    @st.composite
    def _sessions(draw: st.DrawFn) -> Session:
        chat = draw(chats(**chat_options))
        found = list(Sessionizer(gap=draw(gap if gap is not None else gaps()))(chat))
        return draw(st.sampled_from(found))

    return _sessions()
