"""
What DiscordChatExporter's JSON and CSV writers share.

Message kinds, the English fallback texts of system messages, and the
ISO 8601 timestamps it writes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import pendulum

from persona_clone.parsers._wall_time import wall_time


__all__ = [
    "SYSTEM_TEXT",
    "SYSTEM_TYPES",
    "USER_TYPES",
    "channel_of",
    "parse_timestamp",
    "part_number",
]

SYSTEM_TYPES: Final = frozenset(
    {
        "RecipientAdd",
        "RecipientRemove",
        "Call",
        "ChannelNameChange",
        "ChannelIconChange",
        "ChannelPinnedMessage",
        "GuildMemberJoin",
        "ThreadCreated",
        "ThreadStarterMessage",
        # kinds DiscordChatExporter has no name for are written as numbers;
        # 1-18 are its system notifications, 21 is a thread's starter pointer
        *(str(value) for value in range(1, 19)),
        "21",
    }
)
"""Values of a message's ``type`` that are events of the channel, not messages."""

USER_TYPES: Final = frozenset({"Default", "Reply", "0", "19", "20", "23"})
"""Values of ``type`` known to be messages someone (or a bot) sent."""

SYSTEM_TEXT: Final = re.compile(
    r"Added .+ to the group\.|Added a recipient\."
    r"|Left the group\.|Removed .+ from the group\.|Removed a recipient\."
    r"|Started a call that lasted [\d.,]+ minutes?\."
    r"|Changed the channel name: .*|Changed the channel name\."
    r"|Changed the channel icon\.|Pinned a message\.|Joined the server\."
    r"|Started a thread\.",
    re.DOTALL,
)
"""The English fallback texts DiscordChatExporter writes for system messages."""

_ISO: Final = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|[+-]\d\d:?\d\d)$"
)
_ZONES: dict[str, pendulum.FixedTimezone] = {}
_BY_ZONE: dict[dt.tzinfo, pendulum.FixedTimezone] = {}
_FROM_ISO: Final = dt.datetime.fromisoformat
_PART: Final = re.compile(r" \[part (\d+)\]\.[A-Za-z]+$")
_CHANNEL_NAME: Final = re.compile(r"^(.*?)(?: \[part \d+\])?(?:\.[A-Za-z]+)?$", re.DOTALL)
_CHANNEL_ID: Final = re.compile(r"\[(\d+)\]$")


def _zone(offset: str) -> pendulum.FixedTimezone:
    zone = _ZONES.get(offset)
    if zone is None:
        if offset == "Z":
            seconds = 0
        else:
            digits = offset[1:].replace(":", "")
            seconds = int(digits[:2]) * 3600 + int(digits[2:]) * 60
            if offset[0] == "-":
                seconds = -seconds
        zone = _ZONES[offset] = pendulum.FixedTimezone(seconds)
    return zone


def parse_timestamp(text: str) -> pendulum.DateTime | None:
    """
    Read a DiscordChatExporter timestamp (``2024-02-03T09:14:05.1230000+03:00``).

    The fraction may have 0-7 digits (more are cut to microseconds); the offset is
    kept as a fixed zone. Returns ``None`` for anything else, including a time
    without an offset.
    """
    try:
        parsed = _FROM_ISO(text)  # C speed; Python 3.10 refuses some forms
    except ValueError:
        return _parse_slowly(text)
    zone = parsed.tzinfo
    if zone is None:
        return None
    fixed = _BY_ZONE.get(zone)
    if fixed is None:
        offset = parsed.utcoffset()
        if offset is None:  # pragma: no cover - a tzinfo that knows no offset
            return None
        fixed = _BY_ZONE[zone] = pendulum.FixedTimezone(int(offset.total_seconds()))
    return pendulum.DateTime(
        parsed.year,
        parsed.month,
        parsed.day,
        parsed.hour,
        parsed.minute,
        parsed.second,
        parsed.microsecond,
        tzinfo=fixed,
    )


def _parse_slowly(text: str) -> pendulum.DateTime | None:
    match = _ISO.match(text.strip())
    if match is None:
        return None
    *fields, offset = match.groups()
    return wall_time(fields, _zone(offset))


def part_number(name: str) -> int:
    """Return the *n* of a partitioned export's `` [part n]`` name (1 for part one)."""
    match = _PART.search(name)
    return int(match.group(1)) if match else 1


def channel_of(name: str) -> str:
    """
    Return the channel an export file belongs to, from its name alone.

    DiscordChatExporter names files ``Guild - Category - channel [channel id].ext``
    (`` [part n]`` before the extension for the parts of a partitioned export):
    the id in brackets when the name ends with one, else the name without its
    part suffix and extension (folders kept), so the parts of one export agree.

    Example:
        >>> channel_of("Study Hall - Text - general [9010] [part 2].csv")
        '9010'
        >>> channel_of("exports/general.csv")
        'exports/general'

    """
    match = _CHANNEL_NAME.match(name)
    stem = match.group(1) if match else name
    found = _CHANNEL_ID.search(stem)
    return found.group(1) if found else stem
