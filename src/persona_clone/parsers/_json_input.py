"""
Reading JSON exports as a stream of UTF-8 bytes, whatever encoding they were saved in.

`ijson` reads bytes; exports re-saved by editors may carry a byte-order mark or be
UTF-16, so the stream handed to it is always plain UTF-8 without a mark: the one
`persona_clone.parsers._json_stream.JsonInput` every JSON parser reads through.
"""

from __future__ import annotations

import time
from typing import Final

import pendulum

from persona_clone.errors import ParseError, excerpt
from persona_clone.parsers._json_stream import JsonInput
from persona_clone.parsers.source import Source


__all__ = ["json_problem", "open_json_bytes", "reject_non_json", "utc_instant"]

_CHUNK: Final = 64 * 1024
_PROBE: Final = 256


def open_json_bytes(source: Source, member: str = "") -> JsonInput:
    """
    Open the plain file or *member* as UTF-8 bytes without a byte-order mark.

    The stream is the same `JsonInput` every JSON parser reads: UTF-16 and
    UTF-32 exports are turned into UTF-8 as they are read.

    Raises:
        ParseError: the input cannot be opened.
    """
    return JsonInput(source.open_binary(member))


def reject_non_json(where: str, head: bytes, what: str) -> None:
    """
    Raise a clear `ParseError` if *head* cannot start a JSON document.

    Args:
        where: The input's name for the error.
        head: The first bytes of the input, already without a byte-order mark.
        what: What the parser expected, e.g. ``"a Telegram Desktop JSON export"``.

    Raises:
        ParseError: the input is empty, binary, or does not start with ``{`` or ``[``.
    """
    stripped = head.lstrip()
    if not stripped and len(head) < _PROBE:
        raise ParseError(where, what, "an empty file")
    if b"\x00" in head[:_PROBE]:
        raise ParseError(where, what, "binary data")
    if stripped[:1] not in (b"{", b"["):
        found = stripped[:40].decode("utf-8", errors="replace")
        raise ParseError(where, what, excerpt(found))


def json_problem(error: Exception) -> str:
    """Return the first line of an `ijson` or `json` error, for issue reports."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def utc_instant(seconds: int, microsecond: int = 0) -> pendulum.DateTime:
    """
    Return the UTC instant *seconds* after the Unix epoch (plus *microsecond*).

    Five times faster than ``pendulum.DateTime.fromtimestamp``, which matters at
    millions of messages.

    Raises:
        OverflowError, OSError, ValueError: *seconds* is outside what a date holds.
    """
    t = time.gmtime(seconds)
    return pendulum.DateTime(
        t.tm_year,
        t.tm_mon,
        t.tm_mday,
        t.tm_hour,
        t.tm_min,
        t.tm_sec,
        microsecond,
        tzinfo=pendulum.UTC,
    )
